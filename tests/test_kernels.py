"""The compiled row loops give what the direct numpy formulas give."""

from __future__ import annotations

import numpy as np
import pytest

from sim.dynamics.bubbles import opinion_buckets, recommended
from sim.dynamics.trust import similar_tie_mean
from sim.network import Network, directed_layer, symmetric_layer


@pytest.mark.parametrize(
    "kind", ["uniform", "rounded", "clusters", "bounds", "one", "all_equal", "small"]
)
def test_recommended_is_the_rank_in_the_stable_argsort(kind):
    rng = np.random.default_rng(4)
    n = 5000
    x = {
        "uniform": rng.random(n),
        "rounded": np.round(rng.random(n), 2),  # many ties: broken by index
        "clusters": np.clip(rng.choice([0.2, 0.7], n) + rng.normal(0, 1e-6, n), 0, 1),
        "bounds": np.where(rng.random(n) < 0.5, rng.choice([0.0, 1.0], n), rng.random(n)),
        "one": np.array([0.4]),
        "all_equal": np.full(n, 0.5),
        "small": rng.random(7),
    }[kind]
    m = min(x.shape[0], 400)
    who = rng.choice(x.shape[0], m, replace=False)
    eps = rng.uniform(0.0, 0.6, m)  # bounds beyond 0 and 1 too
    eps[:5] = 0.0
    if m >= 8:
        eps[5:8] = [np.inf, 1e300, 2.0]  # bounds far beyond [0, 1]
    low, high, r = x[who] - eps, x[who] + eps, rng.random(m)
    r[: min(m, 3)] = [0.0, 1.0 - 2**-53, 0.5][: min(m, 3)]
    # The formula this replaces: sort everyone, then index the order at the rank.
    order = np.argsort(x, kind="stable")
    xs = x[order]
    lo = np.searchsorted(xs, low, side="left")
    hi = np.searchsorted(xs, high, side="right")
    want = order[np.minimum(lo + (r * (hi - lo)).astype(np.int64), x.shape[0] - 1)]
    got = recommended(x, opinion_buckets(x), low, high, r)
    assert np.array_equal(got, want)


def test_similar_tie_mean_matches_a_direct_computation():
    rng = np.random.default_rng(2)
    n = 60
    u, v = rng.integers(0, n, 200), rng.integers(0, n, 200)
    net = Network(symmetric_layer(u, v, n), directed_layer(v[:150], u[:150], n))
    x, t, eps = rng.random(n), rng.random(n), rng.uniform(0.1, 0.4, n)
    mean, count = similar_tie_mean(t, x, eps, net)
    for i in range(n):
        nbrs = [
            int(j)
            for layer in (net.offline, net.online)
            for j in layer.indices[layer.indptr[i] : layer.indptr[i + 1]]
        ]
        near = [j for j in nbrs if abs(x[i] - x[j]) < eps[i]]
        assert count[i] == len(near)
        assert mean[i] == pytest.approx(np.mean(t[near]) if near else 0.0, rel=1e-12)


def test_tie_statistics_from_the_trust_pass_equal_a_fresh_computation():
    from sim.metrics import tie_stats
    from sim.model import CohesionModel

    from .conftest import small

    m = CohesionModel(small("steps=3"))
    for _ in range(3):
        m.step()
        assert m._ties is not None  # filled by the trust rule's pass, kept to recording
        for cached, fresh in zip(m._ties, tie_stats(m.population, m.network), strict=True):
            assert np.array_equal(cached, fresh)


@pytest.mark.parametrize("dtype", [np.float64, np.int8, np.bool_, np.int64])
def test_prefetch_only_warms_the_cache(dtype):
    from numba import njit

    from sim.prefetch import prefetch

    @njit
    def gather_sum(a, idx, ahead):
        s = 0.0
        for e in range(idx.shape[0]):
            if e + ahead < idx.shape[0]:
                prefetch(a, idx[e + ahead])
            s += a[idx[e]]
        return s

    rng = np.random.default_rng(5)
    a = (rng.random(1000) * 100).astype(dtype)
    idx = rng.integers(0, a.shape[0], 5000).astype(np.int32)
    idx[-1] = a.shape[0] - 1  # the last element too
    want = float(np.cumsum(a[idx].astype(np.float64))[-1])  # in entry order
    for ahead in (0, 1, 32, 10_000):
        assert gather_sum(a, idx, ahead) == want


def test_prefetch_takes_any_integer_index_on_a_strided_array():
    from numba import njit

    from sim.prefetch import prefetch

    @njit
    def warm(a, idx):
        for e in range(idx.shape[0]):
            prefetch(a, idx[e])
        return a[idx[0]]

    a = np.arange(20.0)[::2]  # not contiguous
    for dtype in (np.int32, np.int64, np.uint16):
        assert warm(a, np.array([3, 1], dtype=dtype)) == 6.0
