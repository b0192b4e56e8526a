"""The synthetic population: municipality sizes, and the national facts of netherlands.yaml."""

from __future__ import annotations

import numpy as np
import pytest
from omegaconf import OmegaConf

from sim import api
from sim.config import ConfigError
from sim.population import build_population, pinned_lognormal_sizes
from sim.prepare import prepare


def _typed(cfg):
    return OmegaConf.to_object(cfg)


def _netherlands():
    return OmegaConf.to_object(api.compose(["population=netherlands"])).population


@pytest.mark.parametrize("seed", range(8))
def test_netherlands_municipality_sizes_match_the_facts(seed):
    # configs/population/netherlands.yaml: 342 municipalities, about 1,000 to about 930,000,
    # about 17.9 million.
    p = _netherlands()
    assert (p.municipalities, p.size) == (342, 17_900_000)
    sizes = pinned_lognormal_sizes(
        p.size,
        p.municipalities,
        p.min_municipality_size,
        p.max_municipality_size,
        np.random.default_rng(seed),
    )
    assert sizes.shape == (342,)
    assert sizes.sum() == 17_900_000
    assert sizes.min() == p.min_municipality_size == 1000
    assert sizes.max() == p.max_municipality_size == 930_000
    # Heavy-tailed: the mean well above the median, a long upper tail of big cities.
    med = np.median(sizes)
    assert sizes.mean() > 1.5 * med
    assert sizes.max() > 20 * med
    assert np.mean(np.log(sizes)) == pytest.approx(np.log(med), rel=0.05)  # ~ lognormal
    # Other seeds give other (random) middles.
    other = pinned_lognormal_sizes(p.size, 342, 1000, 930_000, np.random.default_rng(seed + 100))
    assert not np.array_equal(np.sort(sizes), np.sort(other))


def test_pinned_sizes_on_a_built_population():
    cfg = _typed(
        api.compose(
            [
                "population.size=20000",
                "population.municipalities=12",
                "population.municipality_sizes=lognormal",
                "population.min_municipality_size=200",
                "population.max_municipality_size=6000",
            ]
        )
    )
    pop = build_population(cfg.population, 0.3, 0.0, np.random.SeedSequence(1))
    counts = np.bincount(pop.municipality)
    assert counts.shape == (12,)
    assert (counts.sum(), counts.min(), counts.max()) == (20000, 200, 6000)
    # Laid out contiguously by municipality (neighbourhood slices rely on it).
    assert np.all(np.diff(pop.neighbourhood) >= 0)
    assert np.all(pop.neighbourhood_municipality[pop.neighbourhood] == pop.municipality)


def test_netherlands_needs_a_national_size():
    with pytest.raises(ConfigError) as err:
        prepare(api.compose(["population=netherlands", "population.size=500000"]))
    assert err.value.key == "population.max_municipality_size"


def test_lognormal_without_a_maximum_keeps_the_minimum():
    cfg = _typed(
        api.compose(
            [
                "population.size=50000",
                "population.municipalities=30",
                "population.municipality_sizes=lognormal",
                "population.min_municipality_size=300",
            ]
        )
    )
    pop = build_population(cfg.population, 0.3, 0.0, np.random.SeedSequence(2))
    counts = np.bincount(pop.municipality)
    assert counts.sum() == 50000
    assert counts.min() >= 300
