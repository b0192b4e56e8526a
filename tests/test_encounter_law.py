"""The law of the weekly encounter draw on a network, checked against exact probabilities.

Locally dominant matching with one uniform priority per tie keeps a tie exactly when
its priority is the largest among the ties that touch it (its own and its neighbours'
ties), so on a path 0-1-2-3 the middle tie is kept with probability 1/3 and each end
tie with 1/2. A lone proposer picks followee j with probability proportional to
max(|x_i - x_j|, 1e-5)^-gamma (Sirbu et al. 2019).
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from sim.dynamics.encounters import draw_encounters
from sim.network import Network, directed_layer, symmetric_layer

WEEKS = 4000


def _empty(n: int):
    none = np.zeros(0, dtype=np.int64)
    return directed_layer(none, none, n)


def test_offline_matching_on_a_path_keeps_each_tie_with_its_exact_probability():
    n = 4
    net = Network(symmetric_layer(np.array([0, 1, 2]), np.array([1, 2, 3]), n), _empty(n))
    x = np.full(n, 0.5)
    rng = np.random.default_rng(11)
    kept = np.zeros(3)
    for _ in range(WEEKS):
        enc = draw_encounters(x, np.zeros(n), net, 0.0, rng)
        assert not enc.online.any()
        people = np.concatenate([enc.a, enc.b])
        assert np.unique(people).shape[0] == people.shape[0]
        for a, b in zip(enc.a, enc.b, strict=True):
            kept[min(a, b)] += 1  # tie (k, k + 1) is numbered by its smaller end k
    expected = np.array([1 / 2, 1 / 3, 1 / 2])
    # Each tie's count is binomial; all three within 4 standard deviations.
    sd = np.sqrt(WEEKS * expected * (1 - expected))
    assert np.all(np.abs(kept - WEEKS * expected) < 4 * sd), kept / WEEKS


def test_nobody_online_or_offline_meets_in_the_other_layer():
    n = 4
    ring = symmetric_layer(np.array([0, 1, 2, 3]), np.array([1, 2, 3, 0]), n)
    follows = directed_layer(np.array([0, 1, 2, 3]), np.array([1, 2, 3, 0]), n)
    x = np.full(n, 0.5)
    rng = np.random.default_rng(3)
    for share, online in ((0.0, False), (1.0, True)):
        for _ in range(50):
            enc = draw_encounters(x, np.full(n, share), Network(ring, follows), 1.0, rng)
            assert enc.size > 0
            assert np.all(enc.online == online)


@pytest.mark.parametrize("gamma", [0.0, 1.0, 2.5])
def test_a_lone_proposer_picks_followees_with_the_biased_law(gamma):
    # 0 follows 1..4 and nobody else proposes, so every proposal of 0 is kept.
    n = 5
    follows = directed_layer(np.zeros(4, dtype=np.int64), np.arange(1, 5), n)
    x = np.array([0.5, 0.52, 0.55, 0.7, 1.0])  # distances 0.02, 0.05, 0.2, 0.5
    w = np.maximum(np.abs(x[1:] - x[0]), 1e-5) ** -gamma
    p = w / w.sum()
    rng = np.random.default_rng(7)
    counts = np.zeros(4)
    net = Network(symmetric_layer(np.zeros(0), np.zeros(0), n), follows)
    for _ in range(WEEKS):
        enc = draw_encounters(x, np.ones(n), net, gamma, rng)
        assert enc.size == 1
        assert enc.a[0] == 0
        assert follows.indices[enc.entry[0]] == enc.b[0]
        counts[enc.b[0] - 1] += 1
    big = p * WEEKS >= 5  # chi-square over the cells with enough expected counts
    rest = counts[~big].sum(), p[~big].sum() * WEEKS
    obs = np.append(counts[big], rest[0])
    exp = np.append(p[big] * WEEKS, rest[1])
    if rest[1] < 1e-9:
        obs, exp = obs[:-1], exp[:-1]
        assert rest[0] == 0
    assert stats.chisquare(obs, exp).pvalue > 1e-3


def test_proposals_conflicting_at_a_citizen_keep_the_higher_priority_only():
    # 0 -> 1 and 2 -> 1 both propose to 1: exactly one of them is kept each week,
    # each half of the time.
    n = 3
    follows = directed_layer(np.array([0, 2]), np.array([1, 1]), n)
    net = Network(symmetric_layer(np.zeros(0), np.zeros(0), n), follows)
    rng = np.random.default_rng(5)
    first = 0
    for _ in range(WEEKS):
        enc = draw_encounters(np.full(n, 0.5), np.ones(n), net, 1.0, rng)
        assert enc.size == 1
        first += int(enc.a[0] == 0)
    assert abs(first - WEEKS / 2) < 4 * np.sqrt(WEEKS / 4)


def _matching_by_the_definition(layer, go_online, r_tie):
    """Keep, in row order, each tie whose priority is the top at both unmatched ends."""
    n = layer.n
    ties = [
        (i, int(j))
        for i in range(n)
        for j in layer.indices[layer.indptr[i] : layer.indptr[i + 1]]
        if j > i
    ]
    best = np.full(n, -1.0)
    for (i, j), p in zip(ties, r_tie, strict=True):
        if not go_online[i] and not go_online[j]:
            best[i], best[j] = max(best[i], p), max(best[j], p)
    matched, pairs = set(), []
    for (i, j), p in zip(ties, r_tie, strict=True):
        top = best[i] >= 0 and p == best[i] == best[j] and not go_online[j]
        if top and i not in matched and j not in matched:
            matched |= {i, j}
            pairs.append((i, j))
    return pairs


@pytest.mark.parametrize("pf", [True, False])  # prefetching or not
@pytest.mark.parametrize("levels", [None, 3, 12])  # distinct priorities, or few levels
def test_offline_matching_equals_its_definition_with_equal_priorities_too(levels, pf):
    from sim.dynamics.encounters import _offline_matching

    rng = np.random.default_rng(levels or 0)
    for _ in range(40):
        n = int(rng.integers(2, 40))
        u, v = rng.integers(0, n, 3 * n), rng.integers(0, n, 3 * n)
        layer = symmetric_layer(u, v, n)
        go_online = rng.random(n) < 0.2
        r_tie = rng.random(layer.n_entries // 2)
        if levels:
            r_tie = np.floor(r_tie * levels) / levels  # many ties share a priority
        a, b = _offline_matching(layer.indptr, layer.indices, go_online, r_tie, pf)
        want = _matching_by_the_definition(layer, go_online, r_tie)
        assert list(zip(a.tolist(), b.tolist(), strict=True)) == want
