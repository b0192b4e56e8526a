"""The population: real places laid out exactly from CBS counts, and synthetic places."""

from __future__ import annotations

import numpy as np
import pytest
from omegaconf import OmegaConf

from sim import api
from sim.config import ConfigError
from sim.population import build_population, pinned_lognormal_sizes
from sim.prepare import prepare

#: The groups of origin outside Europe in the default groups.
OUTSIDE_EUROPE = ("turkish", "moroccan", "surinamese", "caribbean_dutch", "other_non_european")


def _typed(cfg):
    return OmegaConf.to_object(cfg)


@pytest.mark.parametrize("seed", range(8))
def test_pinned_lognormal_sizes_can_match_national_facts(seed):
    # synthetic places of national scale: 342 municipalities of about 1,000 to about
    # 930,000 inhabitants, about 17.9 million in all
    sizes = pinned_lognormal_sizes(17_900_000, 342, 1000, 930_000, np.random.default_rng(seed))
    assert sizes.shape == (342,)
    assert sizes.sum() == 17_900_000
    assert (sizes.min(), sizes.max()) == (1000, 930_000)
    # Heavy-tailed: the mean well above the median, a long upper tail of big cities.
    med = np.median(sizes)
    assert sizes.mean() > 1.5 * med
    assert sizes.max() > 20 * med
    assert np.mean(np.log(sizes)) == pytest.approx(np.log(med), rel=0.05)  # ~ lognormal
    # Other seeds give other (random) middles.
    other = pinned_lognormal_sizes(
        17_900_000, 342, 1000, 930_000, np.random.default_rng(seed + 100)
    )
    assert not np.array_equal(np.sort(sizes), np.sort(other))


def test_pinned_sizes_on_a_built_population():
    cfg = _typed(
        api.compose(
            [
                "population=synthetic",
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


def test_the_netherlands_needs_a_citizen_per_municipality():
    assert prepare(api.compose(["population=netherlands", "population.fraction=0.0001"]))
    with pytest.raises(ConfigError) as err:
        prepare(api.compose(["population=netherlands", "population.fraction=0.00001"]))
    assert err.value.key == "population.fraction"
    assert "152 citizens" in str(err.value) and "342" in str(err.value)


def test_lognormal_without_a_maximum_keeps_the_minimum():
    cfg = _typed(
        api.compose(
            [
                "population=synthetic",
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


# ------------------------------------------------------------------ real places
def test_the_netherlands_at_one_percent_is_exact_in_every_cell():
    from sim import places

    cfg = _typed(api.compose(["population=netherlands", "population.fraction=0.01"]))
    pop = build_population(cfg.population, 0.2, 0.0, np.random.SeedSequence(1))
    m = places.municipalities()
    comp = places.composition().loc[m["code"]]
    adults = comp[list(places.AGE_BANDS.values())].sum(axis=1).to_numpy()
    assert adults.sum() == 15_228_902  # residents aged 15 and over, 1 January 2024
    assert pop.size == round(15_228_902 * 0.01) == 152_289
    assert pop.municipality_codes == tuple(m["code"])
    sizes = np.bincount(pop.municipality, minlength=342)
    assert np.abs(sizes - adults * 0.01).max() < 1.0  # each municipality within one citizen
    assert (np.bincount(pop.neighbourhood_municipality, minlength=342) >= 1).all()
    assert pop.n_neighbourhoods > 3000

    def cells(labels, k):
        out = np.zeros((342, k))
        np.add.at(out, (pop.municipality, labels), 1)
        return out

    def within_one(labels, shares):
        want = sizes[:, None] * shares / shares.sum(axis=1, keepdims=True)
        assert np.abs(cells(labels, shares.shape[1]) - want).max() < 1.0

    origins = [cfg.population.groups[g].origin for g in pop.group_names]
    assert len(origins) == 7
    within_one(pop.group, places.origin_counts(m["code"])[origins].to_numpy())
    within_one(pop.education, comp[list(places.EDUCATION.values())].to_numpy())
    within_one(pop.age_band, comp[list(places.AGE_BANDS.values())].to_numpy())
    # the finer origins add up to CBS's outside Europe in every municipality
    fine = places.origin_counts(m["code"])
    parts = [*places.ORIGIN_PARTS, "other_outside_europe"]
    np.testing.assert_allclose(fine[parts].sum(axis=1), fine["outside_europe"])
    turkish = pop.group == pop.group_names.index("turkish")
    assert 0.02 < turkish.mean() < 0.03  # about 2.4% (CBS: 2.4% Turkish origin in 2020)


def test_the_default_town_is_exact_in_origin_education_and_age():
    from sim import places

    cfg = _typed(api.compose([]))
    pop = build_population(cfg.population, 0.2, 0.0, np.random.SeedSequence(5))
    comp = places.composition().loc["GM0034"]
    for labels, shares in (
        (pop.education, comp[list(places.EDUCATION.values())].to_numpy(float)),
        (pop.age_band, comp[list(places.AGE_BANDS.values())].to_numpy(float)),
    ):
        got = np.bincount(labels, minlength=len(shares))
        assert np.abs(got - 10_000 * shares / shares.sum()).max() < 1.0
    # Muslim identity follows each group's share (a draw, so within sampling error)
    share = np.array([cfg.population.groups[g].muslim_share for g in pop.group_names])
    expected = share[pop.group].sum()
    assert abs(pop.muslim.sum() - expected) < 4 * np.sqrt(expected)


def test_one_municipality_by_name_with_its_districts_composition():
    from sim import places

    cfg = _typed(
        api.compose(["population=municipality", "population.municipality=Den Haag",
                     "population.size=20000"])
    )  # fmt: skip
    pop = build_population(cfg.population, 0.2, 0.0, np.random.SeedSequence(3))
    assert pop.municipality_codes == ("GM0518",)
    assert pop.municipality_names == ("'s-Gravenhage",)
    d = places.districts()
    d = d[(d["municipality"] == "GM0518") & (d["population"] > 0)]
    assert pop.n_neighbourhoods == len(d)  # every inhabited district is a neighbourhood
    # the districts' measured share of origin outside Europe is kept (within rounding)
    outside = np.isin(pop.group, [pop.group_names.index(x) for x in OUTSIDE_EUROPE])
    per_nb = np.bincount(pop.neighbourhood, minlength=pop.n_neighbourhoods)
    got = np.bincount(pop.neighbourhood, weights=outside) / per_nb
    want = (d["origin_outside_europe"] / d[list(places.ORIGINS)].sum(axis=1)).to_numpy()
    big = per_nb >= 200
    assert np.abs(got[big] - want[big]).max() < 0.02
    assert got.max() - got.min() > 0.5  # districts differ as measured (from < 20% to > 70%)


def test_cumulative_rounding_keeps_every_part_and_the_total():
    from sim.population import cumulative_round

    rng = np.random.default_rng(0)
    for _ in range(50):
        t = rng.random(40) * rng.integers(1, 50)
        t *= np.rint(t.sum()) / t.sum()  # a whole total
        got = cumulative_round(t)
        assert got.sum() == round(t.sum())
        assert np.abs(got - t).max() < 1.0
        assert (got >= 0).all()


def _dissimilarity(minority, rest):
    """Duncan's index: half the summed gaps between each unit's shares of the two groups."""
    return 0.5 * np.abs(minority / minority.sum() - rest / rest.sum()).sum()


@pytest.mark.parametrize("code", ["GM0363", "GM0599", "GM0518", "GM0344"])
def test_the_four_largest_cities_keep_their_measured_segregation(code):
    # Dissimilarity of origin outside Europe against everyone else over the districts:
    # from CBS's district counts (data/districts_2024.csv), and in the built population.
    from sim import places

    d = places.districts()
    d = d[(d["municipality"] == code) & (d["population"] > 0)]
    outside = d["origin_outside_europe"].to_numpy(float)
    rest = d[list(places.ORIGINS)].sum(axis=1).to_numpy(float) - outside
    measured = _dissimilarity(outside, rest)
    cfg = _typed(api.compose(["population=municipality", f"population.municipality={code}",
                              "population.size=50000"]))  # fmt: skip
    pop = build_population(cfg.population, 0.2, 0.0, np.random.SeedSequence(5))
    g = np.isin(pop.group, [pop.group_names.index(x) for x in OUTSIDE_EUROPE])
    k = pop.n_neighbourhoods
    built = _dissimilarity(
        np.bincount(pop.neighbourhood, weights=g, minlength=k),
        np.bincount(pop.neighbourhood, weights=~g, minlength=k),
    )
    assert 0.15 < measured < 0.45, measured  # the cities are segregated by district
    assert built == pytest.approx(measured, abs=0.01)


@pytest.mark.parametrize("seed", range(3))
def test_a_synthetic_town_keeps_its_configured_shares_in_every_municipality(seed):
    # the neighbourhoods' mix is drawn (segregation), the municipalities' is not
    cfg = _typed(api.compose(["population=synthetic", "population.size=3000"]))
    pop = build_population(cfg.population, 0.2, 0.05, np.random.SeedSequence(seed))
    groups = cfg.population.groups
    shares = np.array([groups[g].share for g in pop.group_names])
    shares = shares / shares.sum()
    for m in range(pop.n_municipalities):
        here = pop.group[pop.municipality == m]
        got = np.bincount(here, minlength=len(shares))
        assert np.abs(got - here.size * shares).max() < 1.0
    per_nb = [
        np.bincount(pop.group[pop.neighbourhood == k], minlength=len(shares))[0]
        / max(int((pop.neighbourhood == k).sum()), 1)
        for k in range(pop.n_neighbourhoods)
    ]
    assert max(per_nb) - min(per_nb) > 0.05  # while neighbourhoods differ
