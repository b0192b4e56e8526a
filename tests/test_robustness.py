"""Robustness measures and the value of information on tables with known answers (< 1 s)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim.analysis.robustness import (
    Target,
    domain_criterion,
    evpi,
    evppi,
    satisficing,
    worst_decile,
)


def test_targets_parse_and_refuse_bad_text():
    t = Target.parse("low_trust_share <= 0.2")
    assert (t.metric, t.op, t.threshold) == ("low_trust_share", "<=", 0.2)
    assert str(Target.parse("trust_politics>0.3")) == "trust_politics > 0.3"
    assert list(t.met(pd.Series([0.1, 0.2, 0.3, np.nan]))) == [True, True, False, False]
    with pytest.raises(ValueError, match="METRIC OP NUMBER"):
        Target.parse("low_trust_share = 0.2")


def test_satisficing_counts_draws_and_gives_a_wilson_interval():
    runs = pd.DataFrame(
        {
            "policy": ["a"] * 4 + ["b"] * 4,
            "low_trust_share": [0.1, 0.15, 0.25, 0.3, 0.1, 0.1, 0.1, 0.19],
        }
    )
    s = satisficing(runs, "low_trust_share<0.2").set_index("policy")
    assert s.loc["b", "met"] == 4 and s.loc["b", "share"] == 1.0
    assert s.loc["a", "met"] == 2 and s.loc["a", "share"] == 0.5
    assert list(s.index) == ["b", "a"]  # highest share first
    # Wilson: 4 of 4 is not certain; its interval reaches well below 1
    assert 0.45 < s.loc["b", "low"] < 0.55 and s.loc["b", "high"] == 1.0
    # the textbook value for 2 of 4 at 95%: (0.150, 0.850)
    assert s.loc["a", "low"] == pytest.approx(0.1500, abs=1e-3)
    assert s.loc["a", "high"] == pytest.approx(0.8500, abs=1e-3)


def test_the_domain_criterion_needs_every_target_at_once():
    runs = pd.DataFrame(
        {
            "policy": ["a", "a", "a", "b", "b", "b"],
            "x": [0.1, 0.1, 0.5, 0.1, 0.5, 0.5],
            "y": [0.9, 0.2, 0.9, 0.9, 0.9, 0.9],
        }
    )
    d = domain_criterion(runs, ["x<0.2", "y>0.5"]).set_index("policy")
    assert d.loc["a", "met"] == 1 and d.loc["b", "met"] == 1
    one = satisficing(runs, "x<0.2").set_index("policy")
    assert one.loc["a", "met"] == 2
    with pytest.raises(ValueError, match="not in the runs table"):
        domain_criterion(runs, ["z<1"])


def test_worst_decile_looks_at_the_bad_tail_in_the_right_direction():
    v = np.arange(1.0, 11.0)  # 1..10
    eff = pd.DataFrame({"policy": "a", "diff": np.r_[v, -v]})
    up = worst_decile(eff, "trust_mean").iloc[0]  # higher is better: the low tail
    assert up["worst_decile"] == pytest.approx(np.quantile(np.r_[v, -v], 0.1))
    assert up["tail_mean"] == pytest.approx(-9.5)  # -10 and -9
    assert up["harmful_share"] == 0.5
    down = worst_decile(eff, "low_trust_share").iloc[0]  # lower is better: the high tail
    assert down["tail_mean"] == pytest.approx(9.5)
    with pytest.raises(ValueError, match="tail"):
        worst_decile(eff, "trust_mean", tail=0.7)


def test_value_of_information_finds_the_input_that_decides():
    rng = np.random.default_rng(1)
    n = 4000
    theta = rng.uniform(-1, 1, n)  # decides: policy a pays theta, b pays 0
    noise = rng.uniform(-1, 1, n)  # irrelevant to the choice
    nb = pd.DataFrame({"a": theta, "b": np.zeros(n)})
    # EVPI = E[max(theta, 0)] - max(E theta, 0) = 1/4
    assert evpi(nb) == pytest.approx(0.25, abs=0.02)
    v = evppi(nb, pd.DataFrame({"theta": theta, "noise": noise}), shuffles=5).set_index("param")
    assert v.loc["theta", "evppi"] == pytest.approx(0.25, abs=0.02)
    assert v.loc["theta", "excess"] > 0.2
    assert abs(v.loc["noise", "excess"]) < 0.02
    assert v.index[0] == "theta"


def test_value_of_information_refuses_what_it_cannot_compute():
    nb = pd.DataFrame({"a": [1.0, 2.0]})
    with pytest.raises(ValueError, match="two policies"):
        evpi(nb)
    nb = pd.DataFrame({"a": [1.0, 2.0, 3.0], "b": [0.0, 0.0, 0.0]})
    with pytest.raises(ValueError, match="same rows"):
        evppi(nb, pd.DataFrame({"t": [1.0, 2.0]}))
    with pytest.raises(ValueError, match="bins"):
        evppi(nb, pd.DataFrame({"t": [1.0, 2.0, 3.0]}), bins=5)


@pytest.mark.filterwarnings("ignore:The inplace keyword")
def test_prim_finds_the_same_box_as_ema_workbench():
    """The in-house PRIM against EMA Workbench's on the same cases (about 1 s).

    Same objective (the original: the box's density), peel share and minimum mass; the
    box compared is the one of highest coverage with density >= 0.8 on each trajectory.
    EMA pastes after peeling and takes its quantiles slightly differently, so the limits
    agree within 0.02 of each parameter's range, coverage and density within 0.02.
    """
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # its optional parallel back-ends are not installed
        from ema_workbench.analysis import prim as ema_prim

    from sim.analysis.discovery import prim

    rng = np.random.default_rng(3)
    n = 1000
    x = pd.DataFrame(rng.uniform(0, 1, (n, 3)), columns=["a", "b", "c"])
    y = ((x.a > 0.6) & (x.b < 0.4)).to_numpy() | (rng.uniform(size=n) < 0.03)
    ours = prim(x, y, threshold=0.8, alpha=0.05, mass_min=0.05)
    p = ema_prim.Prim(
        x,
        y.astype(int),
        obj_function=ema_prim.PRIMObjectiveFunctions.ORIGINAL,
        peel_alpha=0.05,
        mass_min=0.05,
    )
    box = p.find_box()
    t = box.peeling_trajectory
    i = int(t[t.density >= 0.8].coverage.idxmax())
    lims = box.box_lims[i]
    restricted = {c for c in x.columns if lims[c][0] > x[c].min() or lims[c][1] < x[c].max()}
    assert restricted == set(ours.limits.index[ours.limits.restricted]) == {"a", "b"}
    for c in x.columns:
        assert ours.limits.loc[c, "low"] == pytest.approx(lims[c][0], abs=0.02)
        assert ours.limits.loc[c, "high"] == pytest.approx(lims[c][1], abs=0.02)
    assert ours.coverage == pytest.approx(t.coverage[i], abs=0.02)
    assert ours.density == pytest.approx(t.density[i], abs=0.02)


def test_an_input_drawn_once_per_seed_is_not_credited_with_the_seed():
    # 6 seeds x 4 contexts: the choice depends on the seed alone (its random numbers),
    # and an irrelevant lever value is drawn once per seed; shuffled between seeds, the
    # null takes the seed's share, so the lever's excess is small
    rng = np.random.default_rng(5)
    seeds = np.repeat(np.arange(6), 4)
    by_seed = rng.normal(0, 1, 6)
    nb = pd.DataFrame({"a": by_seed[seeds] + rng.normal(0, 0.05, 24), "b": np.zeros(24)})
    lever = pd.DataFrame({"lever": rng.uniform(0, 1, 6)[seeds]})
    naive = evppi(nb, lever, bins=5).set_index("param").loc["lever"]
    grouped = evppi(nb, lever, bins=5, groups=pd.Series(seeds)).set_index("param").loc["lever"]
    assert grouped["excess"] < 0.25 * grouped["evpi"]
    assert naive["excess"] > grouped["excess"] + 0.1 * naive["evpi"]  # a row shuffle credits it
