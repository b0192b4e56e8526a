"""Fast checks behind the benchmarks (no timings here; see benchmarks/ and docs/performance.md).

- the metrics, computed in one grouped pass for all scopes, equal a direct computation
  of each metric's definition scope by scope (this pins their values while they are
  optimised);
- the idiomatic-Mesa reference (benchmarks/mesa_reference.py) computes the same
  influence and unfollow rules as our vectorised model: on a small case both reach
  statistically the same end state, so the speed comparison is like with like;
- the bare numpy kernel (benchmarks/kernels.py) is the model's influence rule.
"""

from __future__ import annotations

import numpy as np
import pytest

from sim import api
from sim.metrics import COMPONENTS, DOMAINS, METRICS, compute_metrics
from sim.model import CohesionModel
from sim.population import AGE_BANDS, EDUCATION
from sim.prepare import prepare


# ----------------------------------------------------------------------- metrics
def _skew_kurt(v):
    n = v.shape[0]
    d = v - v.mean()
    m2, m3, m4 = (d**2).mean(), (d**3).mean(), (d**4).mean()
    g1 = np.sqrt(n * (n - 1)) / (n - 2) * m3 / m2**1.5
    g2 = (n - 1) / ((n - 2) * (n - 3)) * ((n + 1) * m4 / m2**2 - 3 * (n - 1))
    return g1, g2


def _esteban_ray(x):
    """Esteban & Ray (1994), alpha 1.6, 10 bins, over two poles: written out in loops."""
    shares = [0.0] * 10
    for v in x:
        shares[min(int(v * 10), 9)] += 1.0 / len(x)
    centre = [(k + 0.5) / 10 for k in range(10)]
    er = sum(
        shares[i] ** 2.6 * shares[j] * abs(centre[i] - centre[j])
        for i in range(10)
        for j in range(10)
    )
    return er / (2 * 0.5**2.6 * 0.5 * 0.9)


def _direct(model, mask, tense):
    """Every metric of one scope, straight from its definition (sim/metrics.py's docstring)."""
    pop, net = model.population, model.network
    x, t = pop.opinion, pop.trust
    here = model.tension[pop.neighbourhood]
    ties = [[] for _ in range(pop.size)]
    for layer in (net.offline, net.online):
        for i, j in zip(layer.src.tolist(), layer.indices.tolist(), strict=True):
            ties[i].append(j)
    idx = np.flatnonzero(mask)
    deg = np.array([len(ties[i]) for i in idx])
    cross = np.array([sum(pop.group[j] != pop.group[i] for j in ties[i]) for i in idx])
    with_ties = idx[deg > 0]
    tie_mean = np.array([x[ties[i]].mean() for i in with_ties])
    xs = x[idx]
    since = model.weeks_run - model.bridging_last[idx]  # weeks since a realised contact
    nb = pop.neighbourhood[idx]
    v = {
        "trust_mean": t[idx].mean(),
        "low_trust_share": (t[idx] < 0.3).mean(),
        "trust_politics_share": (t[idx] > 0.5).mean(),
        "trust_rule_of_law_share": (pop.trust_rule_of_law[idx] > 0.5).mean(),
        "trust_people_share": (pop.trust_people[idx] > 0.5).mean(),
        "dissatisfied_share": (
            np.abs(x[idx] - model.government.position) > pop.confidence[idx]
        ).mean(),
        "prejudice_mean": pop.prejudice[idx].mean(),
        "prejudice_sd": pop.prejudice[idx].std(),
        "prejudice_muslims_mean": (
            pop.prejudice_muslims[idx][~pop.muslim[idx]].mean() if (~pop.muslim[idx]).any() else 0.0
        ),
        "tension_mean": here[idx].mean(),
        "tension_max": here[idx].max(),
        "tense_neighbourhoods": len({int(k) for k in nb if model.tension[k] > tense}),
        "bridging_contact_share": (since == 0).mean(),
        "bridging_contacts": (since == 0).sum(),
        "bridging_contact_recent": (since < 4).mean(),
        "participation": pop.participation[idx].mean(),
        "bridging_ties": cross.sum() / deg.sum() if deg.sum() else 0.0,
        "polarization": _esteban_ray(xs),
        "opinion_mean": xs.mean(),
        "opinion_sd": xs.std(),
    }
    a, b = x[with_ties], tie_mean
    ok = with_ties.shape[0] > 1 and a.std() > 0 and b.std() > 0
    v["bubble_index"] = float(np.corrcoef(a, b)[0, 1]) if ok else 0.0
    n = xs.shape[0]
    if n > 3 and xs.var() > 1e-12:
        g1, g2 = _skew_kurt(xs)
        v["bimodality"] = (g1**2 + 1) / (g2 + 3 * (n - 1) ** 2 / ((n - 2) * (n - 3)))
    else:
        v["bimodality"] = 0.0
    comp = {  # each component between its anchors (worst, best), clipped to [0, 1]
        c: min(max((v[m] - worst) / (best - worst), 0.0), 1.0)
        for c, (m, (worst, best)) in COMPONENTS.items()
    }
    for d, parts in DOMAINS.items():
        v[d] = 100.0 * np.mean([comp[c] for c in parts])
    v["cohesion_index"] = np.mean([v[d] for d in DOMAINS])
    return v


def test_grouped_metrics_equal_their_definitions_scope_by_scope():
    cfg = api.compose(
        [
            "population=synthetic",
            "population.size=1500",
            "population.municipalities=5",
            "burn_in=6",
            "seed=4",
        ]
    )
    model = CohesionModel(prepare(cfg))
    for _ in range(3):
        model.step()
    pop = model.population
    # a threshold that some neighbourhoods pass after a few weeks, so the count is tested
    tense = float(np.median(model.tension))
    got = compute_metrics(
        pop,
        model.network,
        model.tension,
        model.scopes,
        gov_position=model.government.position,
        contact=model.bridging_contact(),
        tense=tense,
    )
    masks = {"all": np.ones(pop.size, bool)}
    masks |= {f"municipality:{m}": pop.municipality == m for m in range(pop.n_municipalities)}
    masks |= {f"group:{g}": pop.group == i for i, g in enumerate(pop.group_names)}
    masks |= {f"education:{e}": pop.education == i for i, e in enumerate(EDUCATION)}
    masks |= {f"age:{a}": pop.age_band == i for i, a in enumerate(AGE_BANDS)}
    masks["vulnerable:yes"] = pop.vulnerable
    assert set(masks) <= set(model.scopes.names)
    for scope, mask in masks.items():
        want = _direct(model, mask, tense)
        col = model.scopes.names.index(scope)
        for r, metric in enumerate(METRICS):
            assert got[r, col] == pytest.approx(want[metric], rel=1e-9, abs=1e-12), (
                scope,
                metric,
            )


# ----------------------------------------------------------------- Mesa reference
def _end_state(x, eps, group, src, dst):
    """Opinion spread, share of follows within the follower's bound, share in-group."""
    return np.array(
        [np.std(x), np.mean(np.abs(x[src] - x[dst]) < eps[src]), np.mean(group[src] == group[dst])]
    )


#: Equivalence margins for (opinion sd, concordant follows, in-group follows): about a
#: tenth of the opinion spread, and less than half of what unfollowing itself changes in
#: this case (q = 1 against q = 0 moves the concordant share by about 0.09 and the
#: in-group share by about 0.04-0.05).
MARGINS = np.array([0.015, 0.04, 0.02])


def test_mesa_reference_reaches_the_same_end_state_as_our_rules():
    from scipy import stats

    from benchmarks.mesa_reference import MesaCohesion
    from benchmarks.run import LIKE_MESA, compose

    # 20 seeds: with 10 the one-sided bound (t x se, about 0.023 for follows) left a
    # true difference of zero failing about one run in twelve
    seeds, weeks, tail = 20, 150, range(100, 151, 5)
    diffs = []
    for seed in range(seeds):
        # Small case where unfollowing matters: narrow bounds, q = 1, the town's groups.
        cfg = compose(
            300,
            *LIKE_MESA,
            f"seed={seed}",
            "dynamics.confidence=0.15",
            "dynamics.bubbles.unfollow=1.0",
        )
        mesa_model, ours = MesaCohesion(cfg), CohesionModel(cfg)
        pop = ours.population
        theirs, mine = [], []
        for week in range(1, weeks + 1):
            mesa_model.step()
            ours.step()
            if week in tail:  # the end state, averaged over the last weeks
                src, dst = mesa_model.follow_pairs()
                x = mesa_model.opinions()
                theirs.append(_end_state(x, pop.confidence, pop.group, src, dst))
                on = ours.network.online
                x = pop.opinion
                mine.append(_end_state(x, pop.confidence, pop.group, on.src, on.indices))
        assert mesa_model.unfollows > 0 and ours.counters["unfollows"] > 0
        # same citizens and ties at the start for each seed: paired differences
        diffs.append(np.mean(mine, axis=0) - np.mean(theirs, axis=0))
    d = np.array(diffs)
    mean, se = d.mean(axis=0), d.std(axis=0, ddof=1) / np.sqrt(seeds)
    t_crit = stats.t.ppf(0.95, seeds - 1)
    # Two one-sided tests: the mean paired difference lies within +-margin.
    assert np.all(mean - t_crit * se > -MARGINS), (mean, se)
    assert np.all(mean + t_crit * se < MARGINS), (mean, se)


def test_compiled_gather_floor_reads_every_entry_once():
    from benchmarks.kernels import _gather_sum, compiled_gather

    rng = np.random.default_rng(3)
    x = rng.random(500)
    layers = [rng.integers(0, 500, 2000).astype(np.int32) for _ in range(2)]
    for ind in layers:
        assert _gather_sum(ind, x) == np.cumsum(x[ind])[-1]  # in entry order
    assert compiled_gather(layers, x, repeats=1) >= 0.0


def test_explorer_benchmark_times_the_step_and_every_view():
    pytest.importorskip("solara")
    from benchmarks.explorer import VIEWS, measure

    r = measure(size=300, policy="integrated", weeks=2)
    assert set(r) == {"step", *VIEWS}
    assert all(v >= 0.0 for v in r.values())
