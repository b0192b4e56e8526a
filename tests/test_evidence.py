"""The evidence register: studies as data, the pooling, priors, and a derivation by simulation."""

from __future__ import annotations

import math

import numpy as np
import pytest

from sim.evidence import Prior, pool, studies
from sim.interventions import INTERVENTIONS


def test_random_effects_pool_by_hand():
    # two studies that agree: tau = 0, the fixed-effect mean
    p = pool([0.2, 0.2], [0.1, 0.2])
    assert p.tau == 0.0 and p.mean == pytest.approx(0.2)
    assert p.se == pytest.approx(1 / math.sqrt(100 + 25))
    # three studies, by hand: w = 100, 100, 25; fixed mean = (0 + 10 + 25) / 225
    y, s = [0.0, 0.1, 1.0], [0.1, 0.1, 0.2]
    w = np.array([100.0, 100.0, 25.0])
    fixed = (0.0 * 100 + 0.1 * 100 + 1.0 * 25) / 225
    q = float(np.sum(w * (np.array(y) - fixed) ** 2))
    tau2 = (q - 2) / (225 - (100**2 + 100**2 + 25**2) / 225)
    ws = 1 / (np.array(s) ** 2 + tau2)
    p = pool(y, s)
    assert p.tau == pytest.approx(math.sqrt(tau2))
    assert p.mean == pytest.approx(float(np.sum(ws * np.array(y)) / ws.sum()))
    half = 12.706204736174707 * math.sqrt(tau2 + p.se**2)  # t with 1 df
    assert (p.pred_low, p.pred_high) == pytest.approx((p.mean - half, p.mean + half))
    with pytest.raises(ValueError, match="positive"):
        pool([0.1], [0.0])


def test_prior_quantiles_and_truncation():
    prior = Prior(median=0.1, low=0.0, high=0.3)
    q = prior.quantile(np.array([0.05, 0.5, 0.95]))
    assert q == pytest.approx([0.0, 0.1, 0.3])
    assert prior.includes_zero()
    cut = Prior(median=0.1, low=0.0, high=0.3, bounds=(0.0, 1.0))
    ends = cut.quantile(np.array([0.0, 1.0]))
    assert ends[0] == pytest.approx(0.0, abs=1e-12) and 0.9 < ends[1] <= 1.0
    assert (np.diff(cut.quantile(np.linspace(0, 1, 50))) >= 0).all()
    with pytest.raises(ValueError, match="low <= median <= high"):
        Prior(median=0.5, low=0.6, high=0.7)


def test_every_study_row_is_complete_and_names_its_reading():
    rows = studies()
    assert rows
    for s in rows:
        assert s.kind in INTERVENTIONS, s.kind
        assert (
            s.study
            and s.reference
            and s.design
            and s.role
            in (
                "primary",
                "replication",
                "meta-analysis",
                "proxy",
            )
        ), s.study
        assert s.verified.split(" ")[0] in ("yes", "partly", "no"), s.verified
        assert s.read_at, s.study
        if math.isfinite(s.low):
            assert s.low <= s.effect <= s.high, s.study


def test_deep_canvassing_prior_from_the_studies_by_simulation():
    """The prior's median reproduces the pooled effect in the simulated trial; the former
    default (k = 0.28, fitted to a quoted ten thermometer points) lies far outside it."""
    from sim.analysis.evidence import deep_canvassing_d, derive_deep_canvassing

    town = ["population.size=3000", "burn_in=52"]
    der = derive_deep_canvassing(town, tol=2e-3)
    pooled, prior = der.pooled, der.prior
    assert pooled.k == 4 and 0.0 < pooled.mean < 0.2  # the replications pull the first study down
    assert prior.includes_zero() and prior.low < 0.0 < prior.median < prior.high
    at_median = deep_canvassing_d(prior.median, town)
    assert pooled.low <= at_median <= pooled.high, (at_median, pooled)
    assert deep_canvassing_d(0.28, town) > pooled.pred_high  # the test can fail


def test_sampled_effects_and_costs_follow_their_priors():
    """Over a design of 200 points, deep canvassing's k and its unit cost are spread as
    their priors say (a Latin hypercube puts one point in each 0.5% stratum)."""
    from sim import api
    from sim.prepare import prepare
    from sim.uncertainty import uncertainty_values

    base = [
        "policy=deep_canvassing",
        "population=synthetic",
        "population.size=200",
        "uncertainty.intervention_effects=true",
        "uncertainty.intervention_costs=true",
        "uncertainty.samples=200",
    ]
    cfg = prepare(api.compose(base))
    prior = INTERVENTIONS["canvassing"].params["prejudice_effect"].prior("deep")
    cost = INTERVENTIONS["canvassing"].unit_cost_prior("deep")
    ks, costs = [], []
    for i in range(200):
        cfg.uncertainty.sample = i
        values = uncertainty_values(cfg, INTERVENTIONS)
        ks.append(values["policy.interventions.canvassing.effect.prejudice_effect"])
        costs.append(values["policy.interventions.canvassing.unit_cost"])
    q = np.quantile(ks, [0.05, 0.5, 0.95])
    assert q == pytest.approx([prior.low, prior.median, prior.high], abs=0.01)
    assert np.mean(np.array(ks) < 0) == pytest.approx(_below_zero(prior), abs=0.02)  # harm
    assert np.quantile(costs, 0.5) == pytest.approx(cost.median, rel=0.03)
    assert min(costs) > 0


def _below_zero(prior: Prior) -> float:
    from statistics import NormalDist

    lo, _ = prior.spreads
    return NormalDist().cdf((0 - prior.median) / lo)


def test_co_coaching_clears_debts_as_dutch_debt_help_does():
    """The default weekly chance is the one Dutch debt help implies (NVVK 2016), and a
    simulated cohort of coached debtors is debt-free at that rate after half a year."""
    from sim import api
    from sim.analysis.evidence import debt_resolution_from_nvvk
    from sim.model import CohesionModel
    from sim.prepare import prepare

    h = debt_resolution_from_nvvk()
    spec = INTERVENTIONS["co_coaching"].params["debt_resolution"]
    assert spec.value("default") == pytest.approx(h, abs=0.0002)
    cfg = [
        "population=synthetic",
        "population.size=20000",
        "population.debt_share=0.5",
        "burn_in=0",
        "steps=26",
        "progress=false",
        "plot=false",
        "policy=co_coaching",
        "policy.budget_total=1e9",
        "policy.interventions.co_coaching.capacity=100000",  # everyone coached from week 1
        "policy.interventions.co_coaching.target.vulnerable=debt",
    ]
    model = CohesionModel(prepare(api.compose(cfg)))
    debtors = model.population.debt.copy()
    for _ in range(26):
        model.step()
    iv = model.policy.interventions[0]
    coached = debtors & iv.reached
    freed = float((coached & ~model.population.debt).sum() / coached.sum())
    expected = 1 - (1 - h) ** 26
    se = (expected * (1 - expected) / coached.sum()) ** 0.5
    assert abs(freed - expected) < 4 * se, (freed, expected, se)
