"""Network construction: CSR layers equal a plain set-based construction; invariants."""

from __future__ import annotations

import numpy as np
import pytest
from omegaconf import OmegaConf

from sim import api
from sim.dynamics.encounters import draw_encounters
from sim.network import build_network, directed_layer, symmetric_layer
from sim.population import build_population


def _rows(layer):
    return [list(layer.indices[layer.indptr[i] : layer.indptr[i + 1]]) for i in range(layer.n)]


def _built(*overrides, seed=0):
    cfg = OmegaConf.to_object(api.compose(list(overrides)))
    pop = build_population(cfg.population, 0.3, 0.0, np.random.SeedSequence(seed))
    return pop, build_network(pop, cfg.network, np.random.SeedSequence(seed + 1))


@pytest.mark.parametrize("seed", range(3))
def test_symmetric_layer_equals_set_construction(seed):
    rng = np.random.default_rng(seed)
    n = 60
    u, v = rng.integers(0, n, 400), rng.integers(0, n, 400)  # with loops and repeats
    layer = symmetric_layer(u, v, n)
    ties = {(min(a, b), max(a, b)) for a, b in zip(u.tolist(), v.tolist(), strict=True) if a != b}
    expect = [
        sorted({b for a, b in ties if a == i} | {a for a, b in ties if b == i}) for i in range(n)
    ]
    assert _rows(layer) == expect
    assert np.array_equal(layer.src, np.repeat(np.arange(n), layer.degree))
    # twin: each entry's reverse, an involution
    assert np.array_equal(layer.src[layer.twin], layer.indices)
    assert np.array_equal(layer.indices[layer.twin], layer.src)
    assert np.array_equal(layer.twin[layer.twin], np.arange(layer.n_entries))


def test_directed_layer_equals_set_construction():
    rng = np.random.default_rng(5)
    n = 50
    u, v = rng.integers(0, n, 300), rng.integers(0, n, 300)
    layer = directed_layer(u, v, n)
    follows = {(a, b) for a, b in zip(u.tolist(), v.tolist(), strict=True) if a != b}
    assert _rows(layer) == [sorted(b for a, b in follows if a == i) for i in range(n)]


def test_multiplex_layers_are_consistent():
    pop, net = _built("population.size=5000")
    off, on = net.offline, net.online
    for layer in (off, on):
        assert layer.indptr[-1] == layer.n_entries
        assert np.all(layer.indices != layer.src)  # no self-ties
        keys = layer.edge_keys()
        assert np.unique(keys).shape[0] == keys.shape[0]  # no repeated ties
    assert np.array_equal(off.src[off.twin], off.indices)
    # almost everyone follows exactly online_degree others (repeats redrawn)
    assert np.mean(on.degree == 7) > 0.999
    # about 15 ties per citizen across layers (docs/model.md: ~15)
    assert 13 < (off.n_entries + on.n_entries) / pop.size < 16


def test_validation_graph_is_also_followed_online_when_citizens_go_online():
    _, offline_only = _built("network=regular", "population=single", "population.size=400")
    assert offline_only.online.n_entries == 0
    assert np.all(offline_only.offline.degree == 10)
    _, both = _built(
        "network=regular",
        "population=single",
        "population.size=400",
        "population.online_share_mean=0.5",
    )
    assert np.array_equal(both.online.edge_keys(), both.offline.edge_keys())
    pop, online = _built(
        "network=regular",
        "population=single",
        "population.size=400",
        "population.online_share_mean=1.0",
    )
    assert online.offline.n_entries == 0
    assert np.array_equal(online.online.edge_keys(), offline_only.offline.edge_keys())
    # Everyone online: encounters happen on the graph, with algorithmic bias.
    enc = draw_encounters(pop.opinion, pop.online_share, online, 1.0, np.random.default_rng(0))
    assert enc.size > 0.2 * pop.size
    assert np.all(enc.online)
    assert np.all(np.isin(enc.a * pop.size + enc.b, online.online.edge_keys()))
