"""Analysis tools: sensitivity (Ishigami, dummy), PRIM, calibration, loading a sweep."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.analysis import calibration as cal
from sim.analysis import discovery, sensitivity
from sim.analysis.sensitivity import Factor, SpecError

ISHIGAMI = [Factor(f"x{i}", -math.pi, math.pi) for i in (1, 2, 3)]


def test_sobol_indices_of_ishigami_match_the_analytic_values() -> None:
    table, x, _ = sensitivity.sobol_indices(sensitivity.ishigami, ISHIGAMI, 2**12, seed=3)
    exact = sensitivity.ishigami_indices()
    assert x.shape == (2**12 * 5, 3)
    for f in exact.index:
        assert table.at[f, "S1"] == pytest.approx(exact.at[f, "S1"], abs=0.03), f
        assert table.at[f, "ST"] == pytest.approx(exact.at[f, "ST"], abs=0.03), f
    # the analytic values themselves (Saltelli et al. 2008, a = 7, b = 0.1)
    assert exact["S1"].round(4).tolist() == [0.3139, 0.4424, 0.0]
    assert exact["ST"].round(4).tolist() == [0.5576, 0.4424, 0.2437]


def test_morris_ranks_ishigami_factors_and_a_dummy_last() -> None:
    factors = [*ISHIGAMI, Factor("dummy", 0.0, 1.0, dummy=True)]

    def f(x: np.ndarray) -> np.ndarray:
        return sensitivity.ishigami(x[:, :3])

    table, _, _ = sensitivity.morris_screen(f, factors, 40, seed=1)
    assert table.at["dummy", "mu_star"] == 0.0
    assert table["mu_star"].drop("dummy").min() > 0.5


def test_spec_is_read_and_checked(tmp_path: Path) -> None:
    spec = sensitivity.load_spec()
    assert any(f.dummy for f in spec.factors)
    assert {"ci", "full"} <= set(spec.sizes)
    bad = tmp_path / "bad.yaml"
    bad.write_text("factors:\n  dynamics.confidence: [0.3, 0.1]\n")
    with pytest.raises(SpecError, match=r"factors\.dynamics\.confidence"):
        sensitivity.load_spec(bad)
    bad.write_text("factors:\n  dynamics.confidence: [0.1, 0.3]\nsizes: {ci: {population: 3}}\n")
    with pytest.raises(SpecError, match=r"sizes\.ci"):
        sensitivity.load_spec(bad)


def test_model_function_rejects_a_key_that_is_not_in_the_config() -> None:
    spec = sensitivity.SensitivitySpec(factors=[Factor("dynamics.no_such_key", 0.0, 1.0)])
    size = sensitivity.Size(50, 1, 0, 1, 1, 1, 1)
    with pytest.raises(SpecError, match="no_such_key"):
        sensitivity.ModelFunction(spec, size)


def test_on_the_model_the_dummy_scores_zero_and_real_parameters_do_not() -> None:
    spec = sensitivity.load_spec()
    size = sensitivity.Size(300, 12, 4, 2, 3, 4, 1)
    res = sensitivity.run_study(spec, size, sobol=False)
    m = res.morris
    dummy = m[m["dummy"]]
    real = m[~m["dummy"]]
    assert len(dummy) == 1
    assert float(dummy["mu_star"].iloc[0]) < 1e-9 * float(real["mu_star"].max())
    assert not bool(dummy["influential"].iloc[0])
    assert real["influential"].any()
    assert res.runs == 3 * (len(spec.factors) + 1) * 2
    assert 0.0 <= res.noise_share <= 1.0


def test_prim_finds_a_planted_failure_region() -> None:
    rng = np.random.default_rng(11)
    x = pd.DataFrame(rng.random((2000, 4)), columns=["a", "b", "c", "d"])
    planted = (x["a"] > 0.6) & (x["b"] < 0.3)
    flips = rng.random(2000) < 0.02  # a little label noise
    y = planted.to_numpy() ^ flips
    box = discovery.prim(x, y, threshold=0.8)
    assert box.coverage >= 0.8
    assert box.density >= 0.8
    lim = box.limits
    assert lim.loc[["a", "b"], "restricted"].all()
    assert not lim.loc[["c", "d"], "restricted"].any()
    assert lim.at["a", "low"] == pytest.approx(0.6, abs=0.05)
    assert lim.at["b", "high"] == pytest.approx(0.3, abs=0.05)
    assert "a in" in box.describe()


def test_prim_needs_cases_of_interest() -> None:
    x = pd.DataFrame({"a": [0.1, 0.2]})
    with pytest.raises(ValueError, match="no case"):
        discovery.prim(x, [False, False])


def test_observed_series_maps_periods_to_model_weeks() -> None:
    obs = cal.load_observed()
    assert cal.week_of("2020-01-01") == 1
    assert cal.week_of("2021-01-04") == 54
    row = obs[obs["period"] == "2021"]
    assert row[["first_week", "last_week"]].to_numpy().tolist() == [[53, 105]]
    assert not obs.set_index("period").at["2012-2016", "fitted"]
    assert obs["share"].between(0, 1).all()


def test_calibration_recovers_parameters_from_a_series_the_model_made() -> None:
    obs = cal.load_observed()
    obs = obs[obs["fitted"]].reset_index(drop=True)
    level = "population.trust_mean"
    scandal = "scenario.shocks.benefits_scandal.effect.vulnerable_loss"
    truth = {level: 0.55, scandal: 0.35}
    synthetic = obs.copy()
    synthetic["share"] = cal.simulate_shares(truth, obs, population=300, burn_in=20, seeds=(7,))
    params = {level: (0.35, 0.75), scandal: (0.1, 0.5)}
    fit = cal.fit(synthetic, params, samples=24, population=300, burn_in=20, seeds=(0,))
    post = fit.posterior
    # the level is identified and recovered to a tenth of its prior range
    assert post.at[level, "identifiable"]
    assert abs(fit.estimate[level] - truth[level]) < 0.1 * (0.75 - 0.35)
    # the truth lies inside the accepted points' range for both parameters
    bounds = post[["accepted_low", "accepted_high"]].to_dict("index")
    for k, v in truth.items():
        assert bounds[k]["accepted_low"] - 0.02 <= v <= bounds[k]["accepted_high"] + 0.02, k
    assert fit.rmse < 5.0
    prof = cal.profile(fit, level)
    assert len(prof) == 5


# A hand-made design of 20 points: with accept=0.2 the five lowest losses are accepted.
# The best point (loss 1) lies at the edge of the accepted points in both parameters,
# the way the CBS fit's best point did (the highest trust_mean, the lowest recovery).
HAND_DESIGN = [
    # a, b, loss
    (0.90, 0.10, 1.0),
    (0.40, 0.50, 2.0),
    (0.45, 0.55, 3.0),
    (0.50, 0.45, 4.0),
    (0.55, 0.60, 5.0),
    *[(0.01 + 0.06 * i, 0.99, 10.0 + i) for i in range(15)],
]


def _hand_fit(
    monkeypatch: pytest.MonkeyPatch, design: list[tuple[float, float, float]]
) -> cal.Calibration:
    """fit() on a given design, with a stand-in simulator whose RMSE is each point's loss."""
    loss = {(a, b): v for a, b, v in design}
    frame = pd.DataFrame([(a, b) for a, b, _ in design], columns=["a", "b"])
    monkeypatch.setattr(cal, "latin_hypercube", lambda u: frame.copy())

    def shares(values: dict[str, float], obs: pd.DataFrame, **_: object) -> np.ndarray:
        return np.array([loss[(values["a"], values["b"])] / 100.0])

    monkeypatch.setattr(cal, "simulate_shares", shares)
    obs = pd.DataFrame({"period": ["p"], "share": [0.0], "fitted": [True]})
    return cal.fit(obs, {"a": (0.0, 1.0), "b": (0.0, 1.0)}, samples=len(design), accept=0.2)


def test_calibration_estimate_lies_in_the_accepted_range_it_reports(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fit = _hand_fit(monkeypatch, HAND_DESIGN)
    assert fit.estimate == {"a": 0.90, "b": 0.10}
    assert fit.rmse == pytest.approx(1.0)
    assert fit.fitted["model"].tolist() == pytest.approx([0.01])
    assert fit.design["accepted"].tolist() == [True] * 5 + [False] * 15
    post = fit.posterior
    # the range of the five accepted points, read off the table above
    assert (post.at["a", "accepted_low"], post.at["a", "accepted_high"]) == (0.40, 0.90)
    assert (post.at["b", "accepted_low"], post.at["b", "accepted_high"]) == (0.10, 0.60)
    for k, v in fit.estimate.items():
        assert post.at[k, "accepted_low"] <= v <= post.at[k, "accepted_high"], k


# --------------------------------------------------------------------------- loading, figures

from tests.test_report import FINAL, hand_made  # noqa: E402,F401  (the fixture)


def test_load_gives_tidy_tables_of_complete_runs(hand_made: Path) -> None:  # noqa: F811
    from sim.analysis import load

    runs = load.runs(hand_made)
    assert len(runs) == 18  # the failed run is left out
    assert len(load.runs(hand_made, complete=False)) == 19
    out = load.outcomes(hand_made)
    got = out.set_index(["future", "policy", "seed"])["value"].sort_index()
    want = pd.Series(
        {(f, p, s): v for (f, p), vals in FINAL.items() for s, v in enumerate(vals)}
    ).sort_index()
    assert np.allclose(got.to_numpy(), want.to_numpy())
    assert (out["context"] == out["future"]).all()
    ts = load.timeseries(hand_made, "cohesion_index")
    assert len(ts) == 18 * 3 and set(ts["scope"]) == {"all"}
    grp = load.timeseries(hand_made, "cohesion_index", scopes=("group:x",))
    assert len(grp) == 18
    fin = load.final_values(hand_made, ["cohesion_index"], scopes=None)
    assert set(fin["scope"]) == {"all", "group:x"}


def test_figures_draw_from_the_tables(hand_made: Path) -> None:  # noqa: F811
    from sim.analysis import effects as fx
    from sim.analysis import load, plots

    out = load.outcomes(hand_made)
    eff = fx.paired_effects(fx.paired_differences(out))
    assert len(plots.forest(eff, "cohesion_index").axes) >= 2
    series = load.timeseries(hand_made, "cohesion_index").assign(context=lambda d: d["future"])
    assert len(plots.fan_chart(series).axes) == 2  # one panel per future
    table = pd.DataFrame(
        {
            "mu_star": [2.0, 0.5, 0.0],
            "mu_star_conf": [0.1, 0.1, 0.0],
            "dummy": [False, False, True],
        },
        index=pd.Index(["a", "b", "dummy"], name="factor"),
    )
    ax = plots.tornado(table, "mu_star", "mu_star_conf").axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["dummy", "b", "a"]
    grid = pd.DataFrame({"x": [1, 1, 2, 2], "y": [0.1, 0.2, 0.1, 0.2], "value": [1, 2, 3, 4.0]})
    hm = plots.heatmap(grid, "x", "y")
    assert len(hm.axes[0].texts) == 4


def test_policy_mode_studies_the_paired_effect_and_keeps_the_dummy_at_zero() -> None:
    spec = sensitivity.SensitivitySpec(
        factors=[
            Factor("policy.interventions.canvassing.effect.trust_effect", 0.0, 0.04),
            Factor("dynamics.confidence", 0.1, 0.35),
            Factor("dummy.unused", 0.0, 1.0, dummy=True),
        ],
        policy="canvassing",
    )
    size = sensitivity.Size(200, 8, 2, 1, 2, 4, 1)
    res = sensitivity.run_study(spec, size, sobol=False)
    assert res.runs == 2 * 4 * 2  # policy and none at each of 2 x (3 + 1) points
    mu = res.morris["mu_star"].to_dict()
    assert mu["dummy.unused"] == 0.0
    assert mu["policy.interventions.canvassing.effect.trust_effect"] > 0.0


def test_calibration_refuses_a_design_point_without_a_loss(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # a point whose loss is not a number can be neither ranked nor accepted (before,
    # it became the estimate while not accepted); the fit says where it is instead
    design = [(0.30, 0.30, math.nan), *HAND_DESIGN[1:]]
    with pytest.raises(ValueError, match=r"not a finite number at design points \[0\]"):
        _hand_fit(monkeypatch, design)
