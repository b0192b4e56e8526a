"""The rules' side branches and boundaries, case by case, with values computed by hand.

tests/test_rules.py pins each rule's main path; this file covers what mutation testing
(docs/testing.md) found unpinned: the synchronous update on a network, opinion noise
drawn from the group prior, repulsion at its bound, triadic follows, the exact partner a
draw picks, how many random numbers a week draws, and offline turnover's invariants.
"""

from __future__ import annotations

import numpy as np
import pytest

from sim.config import (
    BubblesConfig,
    InfluenceConfig,
    ParticipationConfig,
    PrejudiceConfig,
    TensionConfig,
    TrustConfig,
)
from sim.dynamics import encounters as enc_mod
from sim.dynamics.bubbles import _candidates, _tie_cost, offline_turnover, unfollow
from sim.dynamics.encounters import (
    _dense_bias_choice,
    _uniform_choice,
    draw_encounters,
    match_proposals,
)
from sim.dynamics.influence import hk_update, influence, similarity_update
from sim.dynamics.participation import participation
from sim.dynamics.prejudice import cross_group_contacts, prejudice
from sim.dynamics.tension import local_spread, tension
from sim.dynamics.trust import trust
from sim.network import Network, directed_layer, symmetric_layer

from .test_rules import _empty_network, _pairs

E = np.zeros(0, dtype=np.int64)


def _net(n, offline=(), online=()):
    def ends(edges):
        e = np.array(edges, dtype=np.int64).reshape(-1, 2)
        return e[:, 0], e[:, 1]

    return Network(symmetric_layer(*ends(offline), n), directed_layer(*ends(online), n))


# ------------------------------------------------------------------ influence
def test_hegselmann_krause_on_a_network_by_hand():
    # bounds 0.25 (closed: |x_i - x_j| <= eps counts), both layers, self included
    x = np.array([0.0, 0.25, 0.5, 0.625])
    eps = np.full(4, 0.25)
    net = _net(4, offline=[(0, 1), (1, 2), (2, 3)], online=[(1, 3), (3, 2)])
    want = [
        (0.0 + 0.25) / 2,  # 0: itself and 1 (at exactly eps)
        (0.25 + 0.0 + 0.5) / 3,  # 1: 0 and 2; its follow of 3 is 0.375 away
        (0.5 + 0.25 + 0.625) / 3,  # 2: 1 and 3
        (0.625 + 0.5 + 0.5) / 3,  # 3: 2 offline and 2 again online
    ]
    np.testing.assert_allclose(hk_update(x, eps, net), want, rtol=0, atol=1e-15)
    # the same through the rule, which writes in place
    cfg = InfluenceConfig(update="synchronous", noise=0.0)
    y = x.copy()
    influence(y, eps, 0.3, cfg, _pairs([], [], x=y), net, None, np.random.default_rng(0))
    np.testing.assert_allclose(y, want, rtol=0, atol=1e-15)


def test_hegselmann_krause_over_everyone_counts_the_bound_itself():
    # random mixing: everyone within eps (closed) of a citizen, itself included
    x = np.array([0.0, 0.25, 0.5, 0.875])
    want = [(0.0 + 0.25) / 2, (0.0 + 0.25 + 0.5) / 3, (0.25 + 0.5) / 2, 0.875]
    np.testing.assert_allclose(hk_update(x, np.full(4, 0.25), _empty_network(4)), want)


def test_a_layer_of_a_single_follow_counts():
    x = np.array([0.2, 0.4, 0.9])
    net = _net(3, offline=[(1, 2)], online=[(0, 1)])  # one follow; the tie 1-2 too far
    np.testing.assert_allclose(hk_update(x, np.full(3, 0.3), net), [0.3, 0.4, 0.9])


def test_synchronous_updates_read_the_online_layer_when_there_is_no_offline_one():
    x = np.array([0.2, 0.4, 0.9])
    net = _net(3, online=[(0, 1), (1, 2)])
    np.testing.assert_allclose(hk_update(x, np.full(3, 0.3), net), [0.3, 0.4, 0.9])
    # Flache & Macy weights 1 - |d| (no negative influence): 0 moves 0.5 * 0.8 * 0.2,
    # damped by its distance to 1; 1 moves 0.5 * 0.5 * 0.5 damped likewise
    got = similarity_update(x, 0.5, False, net)
    np.testing.assert_allclose(got, [0.2 + 0.08 * 0.8, 0.4 + 0.125 * 0.6, 0.9], rtol=0, atol=1e-15)


def test_noise_redraws_from_the_group_prior_or_uniformly():
    n = 6
    mean, sd = np.full(n, 0.5), np.full(n, 0.4)
    for prior in ((mean, sd), None):
        x = np.full(n, 0.3)
        rng = np.random.default_rng(11)
        influence(x, np.full(n, 0.1), 0.3, InfluenceConfig(noise=1.0), _pairs([], [], x=x),
                  _empty_network(n), prior, rng)  # fmt: skip
        ref = np.random.default_rng(11)
        ref.random(n)  # the draw that decides who redraws
        z, u = ref.standard_normal(n), ref.random(n)
        want = np.clip(0.5 + 0.4 * z, 0.0, 1.0) if prior is not None else u
        np.testing.assert_array_equal(x, want)


def test_repulsion_starts_beyond_its_bound_and_stays_in_range():
    x = np.array([0.05, 0.95, 0.25, 0.75])
    eps = np.full(4, 0.1)
    cfg = InfluenceConfig(repulsion=0.5, noise=0.0)
    influence(x, eps, 0.5, cfg, _pairs([0, 2], [1, 3], x=x), _empty_network(4), None,
              np.random.default_rng(0))  # fmt: skip
    # 0.9 apart: pushed apart and clipped to the scale; exactly 0.5 apart: not repelled
    np.testing.assert_array_equal(x, [0.0, 1.0, 0.25, 0.75])
    # the same pair the other way round: the first of the pair is now the upper one
    x = np.array([0.95, 0.05])
    influence(x, np.full(2, 0.1), 0.5, cfg, _pairs([0], [1], x=x), _empty_network(2), None,
              np.random.default_rng(0))  # fmt: skip
    np.testing.assert_array_equal(x, [1.0, 0.0])


@pytest.mark.parametrize("negative", [False, True])
def test_pairwise_similarity_weighting_by_hand(negative):
    # 0.2 and 0.8, mu 0.5: weight 1 - |d| = 0.4 (or 1 - 2|d| = -0.2 with negative
    # influence); move mu * w * d = 0.12 (or -0.06), damped by the room left (0.8 or 0.2)
    x = np.array([0.2, 0.8])
    cfg = InfluenceConfig(weighting="similarity", negative_influence=negative, noise=0.0)
    influence(x, np.full(2, 0.1), 0.5, cfg, _pairs([0], [1], x=x), _empty_network(2), None,
              np.random.default_rng(0))  # fmt: skip
    want = (
        [0.2 - 0.06 * 0.2, 0.8 + 0.06 * 0.2] if negative else [0.2 + 0.12 * 0.8, 0.8 - 0.12 * 0.8]
    )
    np.testing.assert_allclose(x, want, rtol=1e-12)


# ------------------------------------------------------------------ who meets whom
def test_uniform_partner_by_hand():
    u = np.array([0.1, 0.5, 0.9, 0.999])
    np.testing.assert_array_equal(_uniform_choice(np.ones(4, bool), u), [1, 2, 3, 2])
    two = _uniform_choice(np.array([True, False, True]), np.array([0.3, 0.3, 0.7]))
    np.testing.assert_array_equal(two, [2, -1, 0])
    assert _uniform_choice(np.array([True, False]), np.array([0.5, 0.5])).tolist() == [-1, -1]
    assert _uniform_choice(np.ones(4, bool), u).dtype == np.int64


def test_biased_partner_by_hand_and_whatever_the_chunk():
    x = np.array([0.1, 0.2, 0.6])
    # gamma 0: each of the two others weighs 1; u 0.5 puts the target on the first
    # boundary, which belongs to the second partner (a partner is picked where the
    # cumulative weight first reaches the target)
    got = _dense_bias_choice(x, np.ones(3, bool), 0.0, np.full(3, 0.5))
    np.testing.assert_array_equal(got, [1, 0, 0])
    got = _dense_bias_choice(x, np.ones(3, bool), 0.0, np.full(3, 0.75))
    np.testing.assert_array_equal(got, [2, 2, 1])
    # two eligible citizens pick each other; one picks nobody
    two = _dense_bias_choice(x, np.array([True, True, False]), 2.0, np.full(3, 0.4))
    np.testing.assert_array_equal(two, [1, 0, -1])
    assert (
        _dense_bias_choice(x, np.array([True, False, False]), 2.0, np.full(3, 0.4)).tolist()
        == [-1] * 3
    )
    rng = np.random.default_rng(4)
    y, u = rng.random(50), rng.random(50)
    elig = rng.random(50) < 0.8
    whole = _dense_bias_choice(y, elig, 1.5, u)
    np.testing.assert_array_equal(_dense_bias_choice(y, elig, 1.5, u, chunk=7), whole)
    assert whole.dtype == np.int64


@pytest.mark.parametrize("gamma", [0.0, 1.0])
def test_online_partners_under_random_mixing_follow_the_bias(gamma):
    # everyone online: each proposes to a partner picked uniformly (gamma 0) or by
    # opinion distance (gamma > 0), and proposals are matched by priority
    n = 12
    x = np.linspace(0.0, 1.0, n)
    enc = draw_encounters(x, np.ones(n), _empty_network(n), gamma, np.random.default_rng(3))
    ref = np.random.default_rng(3)
    elig = ref.random(n) < 1.0
    r_prop = ref.random(n)
    ref.permutation(n)
    u = ref.random(n)
    pick = _dense_bias_choice(x, elig, gamma, u) if gamma > 0 else _uniform_choice(elig, u)
    prop = np.flatnonzero(pick >= 0)
    keep = match_proposals(prop, pick[prop], r_prop[prop], n)
    np.testing.assert_array_equal(enc.a, prop[keep])
    np.testing.assert_array_equal(enc.b, pick[prop][keep])
    assert 0 in enc.a or 0 in enc.b  # citizen 0 proposes and is matched like anyone
    assert enc.online.all()


def test_a_proposal_of_priority_zero_can_match():
    keep = match_proposals(np.array([0]), np.array([1]), np.array([0.0]), 2)
    assert keep.tolist() == [True]


def _reference_draws(rng, n, net):
    """The numbers a week's encounters draw, in order, whatever the state."""
    rng.random(n)
    if net.random_mixing:
        rng.random(net.offline.n_entries)
        rng.random(net.online.n_entries)
        rng.random(n)
        rng.permutation(n)
        rng.random(n)
    else:
        rng.random(net.offline.n_entries // 2)
        rng.random(n)
        rng.random(n)


@pytest.mark.parametrize("mixing", [True, False])
def test_encounters_draw_a_fixed_amount_and_type_their_output(mixing):
    n = 40
    ring = [(i, i + 1) for i in range(n - 1)]
    follows = [(i, (i + 7) % n) for i in range(n)]
    net = _empty_network(n) if mixing else _net(n, offline=ring, online=follows)
    for share in (0.0, 0.5, 1.0):
        x = np.linspace(0.0, 1.0, n)
        rng, ref = np.random.default_rng(9), np.random.default_rng(9)
        enc = draw_encounters(x, np.full(n, share), net, 0.0, rng)
        _reference_draws(ref, n, net)
        assert rng.random() == ref.random(), share  # the same amount was drawn
        assert enc.a.dtype == enc.b.dtype == enc.entry.dtype == np.int64
        assert enc.online.dtype == bool
        assert enc.size > 0, share
        assert enc.online.all() if share == 1.0 else True
        assert not enc.online.any() if share == 0.0 else True
        if mixing:
            assert (enc.entry == -1).all()  # no follow entry to unfollow
        else:
            assert (enc.entry[~enc.online] == -1).all()
            assert (enc.entry[enc.online] >= 0).all()
        np.testing.assert_array_equal(enc.distance, np.abs(x[enc.a] - x[enc.b]))


@pytest.mark.parametrize("mixing", [True, False])
def test_encounters_with_nobody_to_meet_are_empty_and_typed(mixing):
    # one citizen mixing at random, or three on a network without ties
    n = 1 if mixing else 3
    net = _empty_network(n) if mixing else _net(n)
    enc = draw_encounters(np.full(n, 0.5), np.full(n, 0.5), net, 0.0, np.random.default_rng(0))
    assert enc.size == 0 and enc.a.shape == enc.b.shape == enc.online.shape == (0,)
    assert enc.entry.shape == enc.distance.shape == (0,)
    assert enc.a.dtype == enc.b.dtype == enc.entry.dtype == np.int64
    assert enc.online.dtype == bool


def test_bias_over_everyone_is_refused_above_its_limit_only_with_bias(monkeypatch):
    monkeypatch.setattr(enc_mod, "DENSE_BIAS_LIMIT", 10)
    net = _empty_network(11)
    ones = np.ones(11)
    with pytest.raises(
        ValueError,
        match=r"^algorithmic bias over all citizens \(network.kind=random_mixing\) is "
        r"limited to 10 citizens; use a network$",
    ):
        draw_encounters(np.linspace(0, 1, 11), ones, net, 1.0, np.random.default_rng(0))
    draw_encounters(np.linspace(0, 1, 11), ones, net, 0.0, np.random.default_rng(0))
    draw_encounters(np.linspace(0, 1, 10), np.ones(10), _empty_network(10), 1.0,
                    np.random.default_rng(0))  # fmt: skip


# ------------------------------------------------------------------ new follows
def test_new_follow_candidates_by_hand():
    # 0 follows 1 and 2; 1 follows 3 and 4; 2 follows nobody; 6 citizens
    online = directed_layer(np.array([0, 0, 1, 1]), np.array([1, 2, 3, 4]), 6)
    x = np.linspace(0.0, 1.0, 6)
    eps = np.full(6, 0.2)
    who = np.array([0, 0])
    triadic = BubblesConfig(new_follow="triadic")
    # r1 picks the followee (0.2 -> 1, 0.6 -> 2); r2 picks among its follows (0.7 -> 4),
    # or, for a followee who follows nobody, a citizen at random (0.99 -> 5)
    got = _candidates(
        who, x, eps, online, triadic, np.array([0.2, 0.6]), np.array([0.7, 0.99]), None
    )
    np.testing.assert_array_equal(got, [4, 5])
    assert got.dtype == np.int64
    rand = BubblesConfig(new_follow="random")
    got = _candidates(who, x, eps, online, rand, np.array([0.5, 1.0]), np.zeros(2), None)
    np.testing.assert_array_equal(got, [3, 5])  # r = 1.0 (a rounding) stays in range


def test_triadic_candidates_from_the_middle_of_the_layer_by_hand():
    # rows: 0 -> 1, 2; 1 -> 3, 4; 2 and 3 follow nobody; 4 -> 5; 5 -> 0
    online = directed_layer(np.array([0, 0, 1, 1, 4, 5]), np.array([1, 2, 3, 4, 5, 0]), 6)
    x = np.linspace(0.0, 1.0, 6)
    triadic = BubblesConfig(new_follow="triadic")
    # 1: r1 0.6 picks its second follow, 4, whose one follow is 5 (r2 0.7 stays in 4's
    # row); 0: r1 0.99 picks 2, who follows nobody, so r2 1.0 (a rounding) picks the last
    # citizen at random
    got = _candidates(
        np.array([1, 0]), x, np.full(6, 0.2), online, triadic,
        np.array([0.6, 0.99]), np.array([0.7, 1.0]), None,
    )  # fmt: skip
    np.testing.assert_array_equal(got, [5, 5])


def test_triadic_follows_replace_a_discordant_one_with_a_friend_of_a_friend():
    n = 30
    # 0 follows 1 (far) and 2; 2 follows 3..9, all close to 0
    src = np.array([0, 0, *[2] * 7])
    dst = np.array([1, 2, *range(3, 10)])
    x = np.full(n, 0.5)
    x[1] = 0.95
    cfg = BubblesConfig(unfollow=1.0, new_follow="triadic", prejudice_homophily=0.0)
    for seed in range(10):
        online = directed_layer(src, dst, n)
        entry = int(np.flatnonzero((online.src == 0) & (online.indices == 1))[0])
        enc = _pairs([0], [1], online=True, entry=[entry], x=x)
        rng = np.random.default_rng(seed)
        changed = unfollow(
            x, np.full(n, 0.2), np.zeros(n, np.int8), np.zeros(n), online, enc, cfg, rng
        )
        row = set(online.indices[online.indptr[0] : online.indptr[1]].tolist())
        assert changed == 1
        assert 1 not in row and 2 in row
        new = (row - {2}).pop()
        assert new in range(3, 10) or new not in (0, 1)  # a friend of 2, or a random fallback
        assert online.indices.dtype == np.int32


def test_tie_cost_by_hand():
    x = np.array([0.2, 0.5, 0.9])
    group = np.array([0, 1, 0], np.int8)
    prej = np.array([0.4, 0.2, 0.6])
    u, v = np.array([0, 0]), np.array([1, 2])
    # different groups: distance + h * mean prejudice; same group: distance only
    np.testing.assert_allclose(_tie_cost(x, group, prej, 0.5, u, v), [0.3 + 0.5 * 0.3, 0.7])


# ------------------------------------------------------------------ offline turnover
def _ring_of_neighbourhoods(n_nb=4, size=10):
    n = n_nb * size
    nb = np.repeat(np.arange(n_nb), size).astype(np.int32)
    rng = np.random.default_rng(3)
    u, v = [], []
    for k in range(n_nb):
        members = np.arange(k * size, (k + 1) * size)
        for _ in range(3 * size):
            a, b = rng.choice(members, 2, replace=False)
            u.append(a)
            v.append(b)
    return n, nb, symmetric_layer(np.array(u), np.array(v), n)


def test_offline_turnover_keeps_ties_in_their_neighbourhood_and_lowers_their_cost():
    n, nb, off = _ring_of_neighbourhoods()
    rng = np.random.default_rng(7)
    x = rng.random(n)
    group = (rng.random(n) < 0.5).astype(np.int8)
    prej = rng.random(n)
    cfg = BubblesConfig(offline_turnover=0.3, prejudice_homophily=1.0)

    def total_cost(layer):
        return _tie_cost(x, group, prej, 1.0, layer.src, layer.indices).sum()

    before_keys = set(off.edge_keys().tolist())
    cost0 = total_cost(off)
    swaps = offline_turnover(x, group, prej, nb, off, cfg, np.random.default_rng(1))
    assert swaps > 0
    assert (nb[off.src] == nb[off.indices]).all()  # c was drawn from a's neighbourhood
    assert total_cost(off) < cost0
    after_keys = set(off.edge_keys().tolist())
    assert len(before_keys - after_keys) == 2 * 2 * swaps  # two ties, both directions, each
    assert off.indices.dtype == np.int32
    # pinned: the three swaps these draws make (any change to which tie or partner a draw
    # picks changes them)
    gone = {k // n * 1000 + k % n for k in before_keys - after_keys if k // n < k % n}
    assert sorted(gone) == [22026, 25029, 30032, 31034, 35039, 38039]


def test_offline_turnover_draws_a_fixed_amount():
    n, nb, off = _ring_of_neighbourhoods()
    x = np.linspace(0, 1, n)
    cfg = BubblesConfig(offline_turnover=0.1)
    rng, ref = np.random.default_rng(5), np.random.default_rng(5)
    offline_turnover(x, np.zeros(n, np.int8), np.zeros(n), nb, off, cfg, rng)
    s = round(0.1 * (off.n_entries // 2))
    ref.integers(0, off.n_entries, s)
    ref.random(s)
    ref.random(s)
    assert rng.random() == ref.random()
    # no turnover: nothing changes and nothing is counted
    keys = off.edge_keys().copy()
    zero = BubblesConfig(offline_turnover=0.0)
    assert offline_turnover(x, np.zeros(n, np.int8), np.zeros(n), nb, off, zero, rng) == 0
    np.testing.assert_array_equal(off.edge_keys(), keys)


# ------------------------------------------------------------------ the other rules' edges
def test_local_spread_of_small_and_empty_neighbourhoods():
    x = np.array([0.4, 0.6, 0.3])
    nb = np.array([0, 0, 1], dtype=np.int32)
    # two apart by 0.2: sd 0.1, spread 0.2; one citizen: 0; an empty third: 0
    np.testing.assert_allclose(local_spread(x, nb, 3), [0.2, 0.0, 0.0], rtol=0, atol=1e-12)


def test_a_shock_beyond_one_raises_tension_to_the_top_not_past_it():
    tn = np.array([0.2, 0.2])
    x = np.array([0.5, 0.5])
    nb = np.array([0, 1], dtype=np.int32)
    cfg = TensionConfig(rise=0.0, decay=0.0)
    tension(tn, x, nb, np.zeros(2), np.array([1.5, -0.5]), cfg)
    np.testing.assert_array_equal(tn, [1.0, 0.2])


def test_prejudice_relaxes_towards_its_base():
    p = np.array([0.6, 0.2])
    cfg = PrejudiceConfig(contact_effect=0.0, tension_effect=0.0, relaxation=0.25)
    prejudice(p, np.array([0.2, 0.6]), np.zeros(2, np.int8), np.full(2, 0.2), np.zeros(2),
              _pairs([], [], x=p), cfg)  # fmt: skip
    np.testing.assert_allclose(p, [0.5, 0.3])


def test_contact_at_exactly_the_bound_is_not_favourable():
    group = np.array([0, 1], np.int8)
    x = np.array([0.25, 0.5])
    hit = cross_group_contacts(group, np.full(2, 0.25), _pairs([0], [1], x=x), 2)
    assert hit.tolist() == [False, False]
    hit = cross_group_contacts(group, np.array([0.3, 0.25]), _pairs([0], [1], x=x), 2)
    assert hit.tolist() == [True, False]


def test_participation_target_is_capped_at_one():
    prop = np.array([0.5])
    cfg = ParticipationConfig(rate=1.0, base=0.5, trust_weight=0.5, bridging_weight=0.3)
    participation(prop, np.array([1.0]), np.array([1.0]), cfg)
    assert prop[0] == 1.0


def test_contact_probabilities_are_capped_at_one():
    n = 1000
    t = np.full(n, 0.5)
    cfg = TrustConfig(
        contact_rate=0.5, vulnerable_contact_factor=4.0, bad_contact_prob=0.5,
        vulnerable_bad_factor=4.0, good_effect=0.0, bad_effect=0.5, spread=0.0,
        gap_erosion=0.0, recovery=0.0, tension_effect=0.0,
    )  # fmt: skip
    state = (t, t.copy(), np.full(n, 0.5), np.full(n, 0.2), np.ones(n, bool), np.zeros(n))
    good, bad = trust(*state, 0.5, _empty_network(n), cfg, np.random.default_rng(2))
    assert (good, bad) == (0, n)  # 0.5 x 4 -> every vulnerable citizen, every contact bad


def test_offline_turnover_swaps_only_to_strictly_cheaper_ties_by_hand():
    # One neighbourhood: ties 0-1 and 2-3, each joining opinions 0 and 1 (cost 1), and
    # citizen 4 without ties. One swap is drawn a week (turnover 0.5 of 2 ties): a tie
    # (a, b), then a citizen c of the neighbourhood and one of c's ties (c, d). Of the
    # five c, only one gives two concordant ties (cost 0): e.g. a=0, b=1, c=2, d=3 gives
    # 0-3 and 2-1. c=3 (d=2) gives 0-2 and 3-1, as costly as before (no swap); c equal
    # to a or b, or c=4 without ties, cannot swap. So about one week in five ends with
    # {0-3, 1-2}, every other one unchanged.
    x = np.array([0.0, 1.0, 1.0, 0.0, 0.5])
    same = np.zeros(5, np.int8)
    cfg = BubblesConfig(offline_turnover=0.5, prejudice_homophily=1.0)
    before = {(0, 1), (2, 3)}
    after = {(0, 3), (1, 2)}
    swapped = 0
    for seed in range(200):
        off = symmetric_layer(np.array([0, 2]), np.array([1, 3]), 5)
        k = offline_turnover(x, same, np.zeros(5), np.zeros(5, np.int32), off, cfg,
                             np.random.default_rng(seed))  # fmt: skip
        ties = {(int(u), int(v)) for u, v in zip(off.src, off.indices, strict=True) if u < v}
        assert ties == (after if k else before), seed
        assert k in (0, 1)
        swapped += k
    assert swapped == 42  # binomial(200, 1/5): 40 expected


def test_unfollow_picks_the_first_acceptable_candidate_citizen_zero_included():
    # 3 follows 1 (0.8 apart: unfollowed). Random candidates among 4 citizens: 3 itself
    # and 1 (still followed) are refused, 0 and 2 accepted, so each of three attempts
    # succeeds with probability 1/2: no new follow in 1/8 of the seeds, else 0 or 2
    # equally often. Citizen 0 is a candidate like any other.
    n = 4
    x = np.array([0.1, 0.9, 0.1, 0.1])
    cfg = BubblesConfig(unfollow=1.0, new_follow="random", prejudice_homophily=0.0)
    outcomes = {(1, 0): 0, (1, 2): 0, (0, 1): 0}
    for seed in range(100):
        online = directed_layer(np.array([3]), np.array([1]), n)
        enc = _pairs([3], [1], online=True, entry=[0], x=x)
        k = unfollow(x, np.full(n, 0.2), np.zeros(n, np.int8), np.zeros(n), online, enc, cfg,
                     np.random.default_rng(seed))  # fmt: skip
        outcomes[(k, int(online.indices[0]))] += 1
    assert outcomes == {(1, 0): 45, (1, 2): 38, (0, 1): 17}


def test_encounters_without_a_follow_never_rewire_follows():
    x = np.array([0.1, 0.9, 0.1, 0.1])
    online = directed_layer(np.array([3, 0]), np.array([1, 2]), 4)
    # discordant, but met offline, or online without a follow (random mixing: entry -1)
    for enc in (_pairs([3], [1], online=False, x=x), _pairs([3], [1], online=True, x=x)):
        _never_rewired(x, online, enc)


def _never_rewired(x, online, enc):
    n = x.shape[0]
    cfg = BubblesConfig(unfollow=1.0, new_follow="random")
    for seed in range(10):
        rewired = unfollow(x, np.full(n, 0.2), np.zeros(n, np.int8), np.zeros(n), online, enc,
                           cfg, np.random.default_rng(seed))  # fmt: skip
        assert rewired == 0
        np.testing.assert_array_equal(online.indices, [2, 1])


def test_similar_tie_mean_is_zero_without_ties_within_the_bound():
    from sim.dynamics.trust import similar_tie_mean

    # 0-1 offline (0.1 apart), 2 alone, 3 follows 0 (0.8 apart: beyond the bound)
    x = np.array([0.1, 0.2, 0.5, 0.9])
    values = np.array([0.3, 0.7, 0.9, 0.4])
    for _ in range(3):  # fresh output arrays each time, never left uninitialised
        m, count = similar_tie_mean(values, x, np.full(4, 0.25), _net(4, [(0, 1)], [(3, 0)]))
        np.testing.assert_array_equal(count, [1, 1, 0, 0])
        np.testing.assert_array_equal(m, [0.7, 0.3, 0.0, 0.0])
