"""Metrics pinned to closed-form values computed here from their definitions.

Nothing here calls the metrics module to compute an expected value: each expectation is
written out from the definition (Esteban & Ray 1994 with alpha 1.6 on 10 bins; Pearson's
r over citizens with ties; shares and means by hand), so an error in the module cannot
cancel out.
"""

from __future__ import annotations

import numpy as np
import pytest

from sim.metrics import METRICS, Scopes, compute_metrics, esteban_ray
from sim.network import Network, directed_layer, symmetric_layer
from sim.population import Population

ALPHA = 1.6
# Two equal masses at the end bins (centres 0.05 and 0.95): the normaliser.
TWO_POLES = 2 * 0.5 ** (1 + ALPHA) * 0.5 * 0.9


def _pop(
    opinion,
    group=None,
    trust=None,
    prejudice=None,
    participation=None,
    debt=None,
    law=None,
    others=None,
    towards=None,
    muslim=None,
):
    n = len(opinion)

    def arr(v, default, dtype=np.float64):
        return np.asarray(v if v is not None else [default] * n, dtype=dtype)

    return Population(
        group=arr(group, 0, np.int8),
        municipality=np.zeros(n, np.int32),
        neighbourhood=np.zeros(n, np.int32),
        opinion=arr(opinion, 0.5),
        confidence=np.full(n, 0.2),
        trust=arr(trust, 0.5),
        prejudice=arr(prejudice, 0.3),
        trust_base=arr(trust, 0.5),
        prejudice_base=arr(prejudice, 0.3),
        prejudice_muslims=arr(towards, 0.4),
        prejudice_muslims_base=arr(towards, 0.4),
        trust_rule_of_law=arr(law, 0.7),
        trust_people=arr(others, 0.6),
        trust_rule_of_law_base=arr(law, 0.7),
        trust_people_base=arr(others, 0.6),
        education=np.zeros(n, np.int8),
        age_band=np.zeros(n, np.int8),
        muslim=arr(muslim, False, bool),
        debt=arr(debt, False, bool),
        newcomer=np.zeros(n, bool),
        ex_detainee=np.zeros(n, bool),
        online_share=np.zeros(n),
        participation=arr(participation, 0.6),
        group_names=("a", "b"),
        neighbourhood_municipality=np.zeros(1, np.int32),
    )


def _net(n, offline=(), online=()):
    def ends(edges):
        e = np.array(edges, dtype=np.int64).reshape(-1, 2)
        return e[:, 0], e[:, 1]

    return Network(symmetric_layer(*ends(offline), n), directed_layer(*ends(online), n))


def _metrics(pop, net, tension=None, contact=None):
    scopes = Scopes.of(pop)
    t = np.zeros(pop.n_neighbourhoods) if tension is None else np.asarray(tension, float)
    if contact is not None:
        contact = tuple(np.asarray(c, bool) for c in contact)
    out = compute_metrics(pop, net, t, scopes, contact=contact)
    return {m: out[i, scopes.names.index("all")] for i, m in enumerate(METRICS)}, out, scopes


# ------------------------------------------------------------------ Esteban-Ray
def test_esteban_ray_two_poles_is_one():
    assert esteban_ray(np.array([0.0, 1.0])) == pytest.approx(1.0, rel=1e-12)
    assert esteban_ray(np.array([0.01, 0.02, 0.97, 0.99])) == pytest.approx(1.0, rel=1e-12)


def test_esteban_ray_of_uniform_opinions_in_closed_form():
    # one citizen at each bin centre: p_i = 0.1; sum_ij |y_i - y_j| = 2 sum_d d (10 - d) / 10
    pair_sum = 2 * sum(d * (10 - d) for d in range(1, 10)) / 10
    want = 0.1 ** (1 + ALPHA) * 0.1 * pair_sum / TWO_POLES
    x = (np.arange(10) + 0.5) / 10
    assert esteban_ray(x) == pytest.approx(want, rel=1e-12)
    assert want == pytest.approx(0.05584, abs=1e-5)


def test_esteban_ray_of_three_equal_masses_in_closed_form():
    # masses 1/3 at bin centres 0.05, 0.45, 0.95: distances 0.4, 0.9, 0.5, each pair twice
    want = (1 / 3) ** (1 + ALPHA) * (1 / 3) * 2 * (0.4 + 0.9 + 0.5) / TWO_POLES
    x = np.array([0.05, 0.45, 0.95] * 4)
    assert esteban_ray(x) == pytest.approx(want, rel=1e-12)
    got, _, _ = _metrics(_pop(x), _net(12))
    assert got["polarization"] == pytest.approx(want, rel=1e-12)


def test_consensus_has_no_polarisation():
    assert esteban_ray(np.full(7, 0.42)) == 0.0


# ------------------------------------------------------------------ bubble index
def test_bubble_index_leaves_out_citizens_without_ties():
    # a path 0-1-2-3 and two isolated citizens at the extremes
    x = [0.1, 0.3, 0.6, 0.9, 0.0, 1.0]
    net = _net(6, offline=[(0, 1), (1, 2), (2, 3)])
    own = np.array(x[:4])
    tie_mean = np.array([0.3, (0.1 + 0.6) / 2, (0.3 + 0.9) / 2, 0.6])
    want = np.corrcoef(own, tie_mean)[0, 1]
    got, _, _ = _metrics(_pop(x), net)
    assert got["bubble_index"] == pytest.approx(want, rel=1e-12)
    assert want == pytest.approx(0.9296, abs=1e-4)


def test_bubble_index_counts_both_layers_and_directed_follows():
    # 0 follows 2 online; offline 0-1; 1 follows nobody, 2 follows nobody
    x = [0.2, 0.4, 0.8]
    net = _net(3, offline=[(0, 1)], online=[(0, 2)])
    # ties of 0: 1 and 2 (mean 0.6); of 1: 0 (0.2); of 2: none online out, none offline
    want = np.corrcoef([0.2, 0.4], [0.6, 0.2])[0, 1]
    got, _, _ = _metrics(_pop(x), net)
    assert got["bubble_index"] == pytest.approx(want, rel=1e-12)  # -1 with two points


def test_bubble_index_is_zero_without_ties_or_variance():
    got, _, _ = _metrics(_pop([0.1, 0.9, 0.5]), _net(3))
    assert got["bubble_index"] == 0.0
    got, _, _ = _metrics(_pop([0.5, 0.5, 0.5]), _net(3, offline=[(0, 1), (1, 2)]))
    assert got["bubble_index"] == 0.0


# ------------------------------------------------------------------ the other measures
def test_shares_means_and_bridging_by_hand():
    x = [0.1, 0.3, 0.6, 0.9]
    pop = _pop(
        x,
        group=[0, 0, 1, 1],
        trust=[0.1, 0.29, 0.3, 0.9],
        prejudice=[0.2, 0.4, 0.6, 0.0],
        participation=[0.5, 0.7, 0.1, 0.3],
        debt=[True, False, False, False],
    )
    # offline 0-1 (same group), 1-2 (cross); online 0 -> 3 (cross)
    net = _net(4, offline=[(0, 1), (1, 2)], online=[(0, 3)])
    got, out, scopes = _metrics(pop, net, tension=[0.25])
    assert got["trust_mean"] == pytest.approx((0.1 + 0.29 + 0.3 + 0.9) / 4)
    assert got["low_trust_share"] == pytest.approx(0.5)  # 0.3 itself is not low
    assert got["prejudice_mean"] == pytest.approx(0.3)
    assert got["participation"] == pytest.approx(0.4)
    assert got["tension_mean"] == pytest.approx(0.25)
    assert got["tension_max"] == pytest.approx(0.25)
    # tie entries: 0: 1 (same), 3 (cross); 1: 0 (same), 2 (cross); 2: 1 (cross); 3: none
    assert got["bridging_ties"] == pytest.approx(3 / 5)
    assert got["opinion_mean"] == pytest.approx(0.475)
    assert got["opinion_sd"] == pytest.approx(np.std(x))
    col = {s: i for i, s in enumerate(scopes.names)}
    trust_row = METRICS.index("trust_mean")
    assert out[trust_row, col["group:a"]] == pytest.approx((0.1 + 0.29) / 2)
    assert out[trust_row, col["group:b"]] == pytest.approx((0.3 + 0.9) / 2)
    assert out[trust_row, col["vulnerable:yes"]] == pytest.approx(0.1)
    bridging_row = METRICS.index("bridging_ties")
    assert out[bridging_row, col["group:b"]] == pytest.approx(1.0)  # 2's one tie is cross
    assert out[bridging_row, col["group:a"]] == pytest.approx(2 / 4)


def test_the_three_trusting_shares_by_hand():
    # above 0.5 answers "very much or fairly much"; 0.5 itself does not
    pop = _pop(
        [0.5] * 4,
        group=[0, 0, 1, 1],
        trust=[0.2, 0.5, 0.51, 0.9],
        law=[0.6, 0.7, 0.4, 0.5],
        others=[0.1, 0.2, 0.3, 0.55],
    )
    got, out, scopes = _metrics(pop, _net(4))
    assert got["trust_politics_share"] == pytest.approx(2 / 4)
    assert got["trust_rule_of_law_share"] == pytest.approx(2 / 4)
    assert got["trust_people_share"] == pytest.approx(1 / 4)
    col = {s: i for i, s in enumerate(scopes.names)}
    row = METRICS.index("trust_rule_of_law_share")
    assert out[row, col["group:a"]] == pytest.approx(1.0)
    assert out[row, col["group:b"]] == pytest.approx(0.0)
    row = METRICS.index("trust_people_share")
    assert out[row, col["group:b"]] == pytest.approx(0.5)


def test_prejudice_towards_muslims_is_the_mean_of_non_muslims():
    pop = _pop(
        [0.5] * 4,
        group=[0, 0, 1, 1],
        towards=[0.2, 0.6, 0.0, 0.9],
        muslim=[False, False, True, False],
    )
    got, out, scopes = _metrics(pop, _net(4))
    assert got["prejudice_muslims_mean"] == pytest.approx((0.2 + 0.6 + 0.9) / 3)
    col = {s: i for i, s in enumerate(scopes.names)}
    row = METRICS.index("prejudice_muslims_mean")
    assert out[row, col["group:b"]] == pytest.approx(0.9)  # citizen 2 is Muslim
    only_muslims = _pop([0.5], towards=[0.0], muslim=[True])
    assert _metrics(only_muslims, _net(1))[0]["prejudice_muslims_mean"] == 0.0


def test_bimodality_coefficient_by_hand():
    x = np.array([0.1, 0.15, 0.2, 0.8, 0.85, 0.9, 0.5])
    n = x.size
    d = x - x.mean()
    m2, m3, m4 = (d**2).mean(), (d**3).mean(), (d**4).mean()
    g1 = np.sqrt(n * (n - 1)) / (n - 2) * m3 / m2**1.5
    g2 = (n - 1) / ((n - 2) * (n - 3)) * ((n + 1) * m4 / m2**2 - 3 * (n - 1))
    want = (g1**2 + 1) / (g2 + 3 * (n - 1) ** 2 / ((n - 2) * (n - 3)))
    got, _, _ = _metrics(_pop(x), _net(n))
    assert got["bimodality"] == pytest.approx(want, rel=1e-9)
    few, _, _ = _metrics(_pop([0.1, 0.9, 0.5]), _net(3))
    assert few["bimodality"] == 0.0  # fewer than 4 citizens


def test_cohesion_index_from_its_anchors():
    x = [0.1, 0.3, 0.6, 0.9]
    pop = _pop(x, group=[0, 0, 1, 1], trust=[0.2, 0.4, 0.6, 0.8], prejudice=[0.3] * 4)
    net = _net(4, offline=[(0, 1), (1, 2), (2, 3)])
    # citizens 1 and 2 met across groups within the window (1 this very week)
    contact = ([False, True, False, False], [False, True, True, False])
    got, _, _ = _metrics(pop, net, tension=[0.1], contact=contact)
    bridging = min(got["bridging_ties"] / 0.5, 1.0)
    met = 2 / 4  # the share with a realised contact in the window, anchors 0 and 1
    relations = (bridging + (1 - 0.3) + met) / 3
    connected = (0.5 + (1 - got["low_trust_share"])) / 2
    common = (0.6 + (1 - 0.1) + (1 - got["polarization"])) / 3
    assert got["cohesion_social_relations"] == pytest.approx(100 * relations)
    assert got["cohesion_connectedness"] == pytest.approx(100 * connected)
    assert got["cohesion_common_good"] == pytest.approx(100 * common)
    assert got["cohesion_index"] == pytest.approx(100 * (relations + connected + common) / 3)
    # the bubble index is measured but is no part of the index: the same index without
    # any tie (bubble index 0), with the bridging component taken out by hand
    alone, _, _ = _metrics(pop, _net(4), tension=[0.1], contact=contact)
    assert alone["bubble_index"] == 0.0 and got["bubble_index"] != 0.0
    assert alone["cohesion_social_relations"] == pytest.approx(100 * ((1 - 0.3) + met) / 3)


def test_realised_contact_across_groups_by_hand():
    pop = _pop([0.5] * 5, group=[0, 0, 1, 1, 1], debt=[1, 0, 0, 1, 0])
    week = [True, False, True, False, False]
    recent = [True, True, True, False, False]
    got, out, scopes = _metrics(pop, _net(5), contact=(week, recent))
    assert got["bridging_contact_share"] == pytest.approx(2 / 5)
    assert got["bridging_contacts"] == 2.0
    assert got["bridging_contact_recent"] == pytest.approx(3 / 5)
    col = {s: i for i, s in enumerate(scopes.names)}
    share, count, recent_row = (
        METRICS.index(m)
        for m in ("bridging_contact_share", "bridging_contacts", "bridging_contact_recent")
    )
    assert out[share, col["group:a"]] == pytest.approx(1 / 2)
    assert out[count, col["group:b"]] == 1.0
    assert out[recent_row, col["group:a"]] == pytest.approx(1.0)
    assert out[recent_row, col["group:b"]] == pytest.approx(1 / 3)
    assert out[count, col["vulnerable:yes"]] == 1.0  # citizens 0 (met) and 3 (not)
    none, _, _ = _metrics(pop, _net(5))  # nobody known to have met
    assert none["bridging_contacts"] == none["bridging_contact_recent"] == 0.0


def test_prejudice_spread_is_the_population_sd():
    p = [0.1, 0.2, 0.4, 0.7]
    got, out, scopes = _metrics(_pop([0.5] * 4, group=[0, 1, 0, 1], prejudice=p), _net(4))
    mean = sum(p) / 4
    assert got["prejudice_sd"] == pytest.approx((sum((v - mean) ** 2 for v in p) / 4) ** 0.5)
    col = scopes.names.index("group:a")  # 0.1 and 0.4: sd 0.15
    assert out[METRICS.index("prejudice_sd"), col] == pytest.approx(0.15)


def test_tense_neighbourhoods_counted_per_place_and_where_a_scope_lives():
    # two municipalities: 0 has neighbourhoods 0, 1, 2; 1 has 3 and 4 (4 without anyone)
    nb = [0, 0, 1, 2, 3, 3]
    base = _pop([0.5] * 6, group=[0, 1, 0, 0, 1, 0], debt=[0, 1, 0, 0, 0, 0])
    pop = Population(
        **{
            **{f: getattr(base, f) for f in base.__dataclass_fields__},
            "municipality": np.array([0, 0, 0, 0, 1, 1], np.int32),
            "neighbourhood": np.array(nb, np.int32),
            "neighbourhood_municipality": np.array([0, 0, 0, 1, 1], np.int32),
        }
    )
    tension = [0.5, 0.41, 0.4, 0.9, 0.95]  # 0.4 itself is not tense; 4 has no residents
    got, out, scopes = _metrics(pop, _net(6), tension=tension)
    row = METRICS.index("tense_neighbourhoods")
    by = dict(zip(scopes.names, out[row], strict=True))
    assert got["tense_neighbourhoods"] == 3.0  # 0, 1 and 3
    assert by["municipality:0"] == 2.0 and by["municipality:1"] == 1.0
    assert by["group:a"] == 3.0  # citizens 0 (nb 0), 2 (nb 1), 5 (nb 3); 3 lives in 2
    assert by["group:b"] == 2.0  # citizens 1 (nb 0), 4 (nb 3)
    assert by["vulnerable:yes"] == 1.0  # citizen 1, in neighbourhood 0
    calm, _, _ = _metrics(pop, _net(6), tension=[0.1] * 5)
    assert calm["tense_neighbourhoods"] == 0.0


def test_the_outcome_table_declares_every_metric_and_its_domains_agree():
    from sim.outcomes import DOMAINS, OUTCOMES

    assert tuple(OUTCOMES) == METRICS
    for domain, parts in DOMAINS.items():
        assert domain in OUTCOMES
        declared = {o.component for o in OUTCOMES.values() if o.domain == domain}
        assert declared == set(parts), domain
    for o in OUTCOMES.values():
        assert (o.component is None) == (o.anchor is None) == (o.domain is None), o.name


# ------------------------------------------------------------------ scopes
def _scoped_pop(municipality, n_municipalities, group_names=("a", "b"), debt=None):
    n = len(municipality)
    pop = _pop([0.5] * n, group=[i % 2 for i in range(n)], debt=debt)
    return Population(
        **{
            **{f: getattr(pop, f) for f in pop.__dataclass_fields__},
            "municipality": np.asarray(municipality, np.int32),
            "neighbourhood": np.asarray(municipality, np.int32),
            "neighbourhood_municipality": np.arange(n_municipalities, dtype=np.int32),
            "group_names": group_names,
            "municipality_codes": tuple(f"GM{m:04d}" for m in range(n_municipalities)),
        }
    )


@pytest.mark.parametrize("n_municipalities", [4, 5000])  # dense relabelling, then sorting
def test_scope_means_and_sizes_by_hand(n_municipalities):
    from sim.metrics import scope_means, scope_sizes

    m = n_municipalities - 2  # the last municipality stays empty
    pop = _scoped_pop([0, 0, m, m, 1, 1], n_municipalities, debt=[1, 0, 0, 0, 0, 1])
    scopes = Scopes.of(pop)
    values = np.array([1.0, 2.0, 3.0, 5.0, 8.0, 13.0])
    means = dict(zip(scopes.names, scope_means(values, scopes), strict=True))
    sizes = dict(zip(scopes.names, scope_sizes(scopes), strict=True))
    assert means["all"] == pytest.approx(32 / 6)
    assert means["municipality:GM0000"] == pytest.approx(1.5)
    assert means["municipality:GM0001"] == pytest.approx(10.5)
    assert means[f"municipality:GM{m:04d}"] == pytest.approx(4.0)
    assert means["group:a"] == pytest.approx((1 + 3 + 8) / 3)  # citizens 0, 2, 4
    assert means["group:b"] == pytest.approx((2 + 5 + 13) / 3)
    assert means["vulnerable:yes"] == pytest.approx(7.0)  # citizens 0 and 5
    assert sizes["all"] == 6 and sizes["vulnerable:yes"] == 2 and sizes["group:a"] == 3
    assert sizes[f"municipality:GM{m:04d}"] == 2
    empty = f"municipality:GM{n_municipalities - 1:04d}"
    assert sizes[empty] == 0 and means[empty] == 0.0  # an empty scope: size 0, mean 0
    assert scopes.n_cells == 6  # every citizen differs in group, place or vulnerability


def test_scope_names_and_which_are_reported():
    one_group = Scopes.of(_scoped_pop([0, 1], 2, group_names=("all",)))
    assert one_group.names == (
        "all",
        "municipality:GM0000",
        "municipality:GM0001",
        "education:low",
        "education:middle",
        "education:high",
        "age:15-24",
        "age:25-44",
        "age:45-64",
        "age:65+",
    )  # no group scopes for a single group; every education level and age band
    vul = Scopes.of(_scoped_pop([0, 1], 2, debt=[1, 0]))
    assert vul.names[-2:] == ("vulnerable:yes", "_")
    assert vul.reported.tolist() == [True] * (len(vul.names) - 1) + [False]


# ------------------------------------------------------------------ tie sums
def test_tie_sums_near_a_bound_by_hand():
    from sim.metrics import TieSums

    # offline 0-1, 0-2; online 1 -> 2. Bound 0.25 for everyone.
    x = np.array([0.5, 0.7, 0.9])
    values = np.array([10.0, 20.0, 40.0])
    net = _net(3, offline=[(0, 1), (0, 2)], online=[(1, 2)])
    group = np.array([0, 0, 1], np.int8)
    ties = TieSums.empty(group).fill(net, x, eps=np.full(3, 0.25), values=values)
    assert ties.filled
    assert ties.degree.tolist() == [2, 2, 1]
    assert ties.cross.tolist() == [1, 1, 1]
    assert ties.opinion_sum.tolist() == pytest.approx([1.6, 1.4, 0.5])
    # within 0.25: 0 sees 1 (0.2); 1 sees 0 (0.2) and 2 (0.2); 2 sees neither 0 (0.4)
    assert ties.near_count.tolist() == [1, 2, 0] and ties.near_count.dtype == np.int64
    assert ties.near_sum.tolist() == pytest.approx([20.0, 50.0, 0.0])
    plain = TieSums.empty(group).fill(net, x)
    assert plain.near_count.tolist() == [0, 0, 0] and plain.opinion_sum.sum() == pytest.approx(3.5)
    deg, _, mean = plain.stats()
    assert deg.tolist() == [2, 2, 1]
    assert mean.tolist() == pytest.approx([0.8, 0.7, 0.5])


# ------------------------------------------------------------------ small samples
def test_bimodality_of_exactly_four_and_of_three():
    x = np.array([0.1, 0.2, 0.4, 0.9])
    n = 4
    d = x - x.mean()
    m2, m3, m4 = (d**2).mean(), (d**3).mean(), (d**4).mean()
    g = np.sqrt(n * (n - 1)) / (n - 2) * m3 / m2**1.5
    k = (n - 1) / ((n - 2) * (n - 3)) * ((n + 1) * m4 / m2**2 - 3 * (n - 1))
    want = (g**2 + 1) / (k + 3 * (n - 1) ** 2 / ((n - 2) * (n - 3)))
    got, _, _ = _metrics(_pop(x), _net(4))
    assert got["bimodality"] == pytest.approx(want, rel=1e-9)
    three, _, _ = _metrics(_pop([0.1, 0.2, 0.9]), _net(3))
    assert three["bimodality"] == 0.0


def test_timeseries_table_appends_events_after_the_weekly_records():
    from sim.tables import timeseries_table

    records = np.arange(2 * 2 * 1, dtype=float).reshape(2, 2, 1)  # weeks, metrics, scopes
    table = timeseries_table(
        np.array([0, 4]),
        records,
        ["trust_mean", "polarization"],
        ["all"],
        [(3, "shock:x", "all", 1.5)],
    ).to_pandas()
    assert len(table) == 5
    last = table.iloc[-1]
    assert (last["step"], last["metric"], last["scope"], last["value"]) == (
        3,
        "shock:x",
        "all",
        1.5,
    )
    assert table["value"].tolist()[:4] == [0.0, 1.0, 2.0, 3.0]


def test_an_empty_event_table_has_the_time_series_columns():
    from sim.tables import events_table, timeseries_table

    empty = events_table([])
    rows = timeseries_table(np.array([0]), np.zeros((1, 1, 1)), ["trust_mean"], ["all"], [])
    assert empty.num_rows == 0
    assert empty.schema == rows.schema


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_scope_sums_equal_one_bincount_per_quantity_and_kind_bit_for_bit(seed):
    # compute_metrics sums every per-cell quantity into every scope in one compiled pass;
    # each scope must add its cells in cell order, as np.bincount does, so that the
    # records are those of one bincount (and one np.maximum.at / np.add.at) per kind.
    from sim.metrics import _scope_sums

    rng = np.random.default_rng(seed)
    n_cells, n_rows, bins = 300, 7, 5
    values = rng.lognormal(size=(n_rows, n_cells)) * 10.0 ** rng.integers(-8, 8, (n_rows, 1))
    tmax_cell = rng.random(n_cells)
    hist_cell = rng.integers(0, 50, (n_cells, bins))
    sizes = [1, 7, 3, 11]
    labels = np.stack([rng.integers(0, k, n_cells) for k in sizes])
    offsets = np.cumsum([0, *sizes[:-1]])
    sums, tmax, hist = _scope_sums(values, tmax_cell, hist_cell, labels, offsets, sum(sizes))
    for lab, k, off in zip(labels, sizes, offsets, strict=True):
        sl = slice(off, off + k)
        for r in range(n_rows):
            expected = np.bincount(lab, weights=values[r], minlength=k)
            assert sums[r, sl].tobytes() == expected.tobytes()
        top = np.zeros(k)
        np.maximum.at(top, lab, tmax_cell)
        assert np.array_equal(tmax[sl], top)
        h = np.zeros((k, bins))
        np.add.at(h, lab, hist_cell)
        assert np.array_equal(hist[sl], h)
