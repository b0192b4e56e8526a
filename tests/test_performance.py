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
from sim.metrics import COMPONENTS, DOMAINS, METRICS, compute_metrics, esteban_ray
from sim.model import CohesionModel


# ----------------------------------------------------------------------- metrics
def _skew_kurt(v):
    n = v.shape[0]
    d = v - v.mean()
    m2, m3, m4 = (d**2).mean(), (d**3).mean(), (d**4).mean()
    g1 = np.sqrt(n * (n - 1)) / (n - 2) * m3 / m2**1.5
    g2 = (n - 1) / ((n - 2) * (n - 3)) * ((n + 1) * m4 / m2**2 - 3 * (n - 1))
    return g1, g2


def _direct(model, mask):
    """Every metric of one scope, straight from its definition (DESIGN.md §2)."""
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
    v = {
        "trust_mean": t[idx].mean(),
        "low_trust_share": (t[idx] < 0.3).mean(),
        "prejudice_mean": pop.prejudice[idx].mean(),
        "tension_mean": here[idx].mean(),
        "tension_max": here[idx].max(),
        "participation": pop.participation[idx].mean(),
        "bridging_ties": cross.sum() / deg.sum() if deg.sum() else 0.0,
        "polarization": esteban_ray(xs),
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
    comp = {c: float(fn(np.array([v[m]]))[0]) for c, (m, fn) in COMPONENTS.items()}
    for d, parts in DOMAINS.items():
        v[d] = 100.0 * np.mean([comp[c] for c in parts])
    v["cohesion_index"] = np.mean([v[d] for d in DOMAINS])
    return v


def test_grouped_metrics_equal_their_definitions_scope_by_scope():
    cfg = api.compose(
        ["population.size=1500", "population.municipalities=5", "burn_in=6", "seed=4"]
    )
    model = CohesionModel(cfg)
    for _ in range(3):
        model.step()
    pop = model.population
    got = compute_metrics(pop, model.network, model.tension, model.scopes)
    masks = {"all": np.ones(pop.size, bool)}
    masks |= {f"municipality:{m}": pop.municipality == m for m in range(pop.n_municipalities)}
    masks |= {f"group:{g}": pop.group == i for i, g in enumerate(pop.group_names)}
    masks["vulnerable:yes"] = pop.vulnerable
    assert set(masks) <= set(model.scopes.names)
    for scope, mask in masks.items():
        want = _direct(model, mask)
        col = model.scopes.names.index(scope)
        for r, metric in enumerate(METRICS):
            assert got[r, col] == pytest.approx(want[metric], rel=1e-9, abs=1e-12), (
                scope,
                metric,
            )
