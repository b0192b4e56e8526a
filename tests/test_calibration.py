"""The calibration's parts: ensembles and members, patterns, implausibility, waves."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim import api
from sim.calibration.ensemble import apply_calibration, load_ensemble, write_ensemble
from sim.calibration.fingerprint import calibration_info, model_fingerprint
from sim.calibration.matching import CUTOFF, first_wave, match, refocus
from sim.calibration.params import PARAMS, Prior
from sim.calibration.patterns import observed_patterns, simulated_patterns
from sim.config import ConfigError
from sim.prepare import prepare
from tests.conftest import SMALL

KEYS = ["dynamics.trust.recovery", "population.trust_lift.politics"]


@pytest.fixture
def ensemble(tmp_path: Path) -> Path:
    members = pd.DataFrame({KEYS[0]: [0.011, 0.022, 0.033], KEYS[1]: [0.1, 0.2, 0.3]})
    path = tmp_path / "ens.csv"
    write_ensemble(members, path, {"model_fingerprint": "000000000000", "future": "history"})
    return path


def _cfg(ens: Path, *overrides: str):
    return prepare(api.compose([*SMALL, f"calibration.ensemble={ens}", *overrides]))


def test_best_member_is_the_first_and_a_member_can_be_named(ensemble: Path) -> None:
    best = _cfg(ensemble, "calibration=best")
    assert best.dynamics.trust.recovery == 0.011
    assert best.population.trust_lift.politics == 0.1
    named = _cfg(ensemble, "calibration.member=2")
    assert named.dynamics.trust.recovery == 0.033


def test_posterior_member_follows_the_seed_so_runs_of_a_seed_share_it(ensemble: Path) -> None:
    for seed in range(5):
        a = _cfg(ensemble, "calibration=posterior", f"seed={seed}", "policy=canvassing")
        b = _cfg(ensemble, "calibration=posterior", f"seed={seed}", "policy=none")
        assert (
            a.dynamics.trust.recovery
            == b.dynamics.trust.recovery
            == [0.011, 0.022, 0.033][seed % 3]
        )


def test_a_key_the_user_set_keeps_its_value(ensemble: Path) -> None:
    cfg = _cfg(ensemble, "calibration=best", "dynamics.trust.recovery=0.05")
    assert cfg.dynamics.trust.recovery == 0.05
    assert cfg.population.trust_lift.politics == 0.1
    _, member = apply_calibration(cfg)
    assert member is not None and member.index == 0


def test_none_leaves_the_config_alone(ensemble: Path) -> None:
    plain = prepare(api.compose([*SMALL, "calibration=none"]))
    cfg = _cfg(ensemble, "calibration=none")
    assert cfg.dynamics.trust.recovery == plain.dynamics.trust.recovery == 0.03  # the YAML's
    assert prepare(api.compose(SMALL)).calibration.mode == "best"  # the default


def test_a_member_out_of_range_or_a_missing_file_is_refused(ensemble: Path) -> None:
    with pytest.raises(ConfigError, match=r"calibration\.member"):
        _cfg(ensemble, "calibration.member=3")
    with pytest.raises(ConfigError, match=r"calibration\.ensemble"):
        _cfg(ensemble.with_name("nothing.csv"), "calibration=best")
    with pytest.raises(ConfigError, match=r"calibration\.mode"):
        _cfg(ensemble, "calibration.mode=sometimes")


def test_run_json_records_the_member_and_warns_on_another_model(ensemble: Path) -> None:
    cfg = _cfg(ensemble, "calibration=posterior", "seed=4")
    info = calibration_info(cfg)
    assert info["member"] == 1 and info["members"] == 3
    assert info["fitted_to"] == "000000000000" and not info["matches"]
    assert info["model"] == model_fingerprint()
    res = api.run(cfg)
    assert any("fitted to model 000000000000" in w for w in res.model.warnings)
    assert res.info["calibration"]["posterior"] == load_ensemble(str(ensemble)).version


def test_shock_keys_apply_only_to_the_future_they_were_fitted_with(tmp_path: Path) -> None:
    members = pd.DataFrame({"scenario.shocks.rally.effect.share_rise": [0.2]})
    path = tmp_path / "shock.csv"
    write_ensemble(members, path, {"future": "crisis_2020"})
    cfg = _cfg(path, "calibration=best", "scenario=crisis_2020")
    assert cfg.scenario.shocks["rally"].effect["share_rise"] == 0.2
    other = _cfg(path, "calibration=best", "scenario=baseline")
    assert other.scenario.shocks == {}


# ---------------------------------------------------------------- patterns


def _targets(rows: list[tuple]) -> pd.DataFrame:
    df = pd.DataFrame(
        rows, columns=["pattern", "metric", "scope", "start", "end", "value", "obs_sd"]
    )
    df["start"] = pd.to_datetime(df["start"]).dt.date
    df["end"] = pd.to_datetime(df["end"]).dt.date
    return df.set_index("pattern", drop=False)


def test_a_pattern_is_the_mean_over_its_period_and_a_province_weighs_by_inhabitants() -> None:
    ts = pd.DataFrame(
        {
            "step": [1, 2, 3, 1, 1, 9],
            "date": pd.to_datetime(
                ["2020-01-08", "2020-01-15", "2021-01-06", "2020-01-08", "2020-01-08", "2020-03-04"]
            ),
            "metric": ["m"] * 3 + ["m", "m", "turnout_parliament"],
            "scope": ["all", "all", "all", "municipality:GM0034", "municipality:GM0995", "all"],
            "value": [0.2, 0.4, 0.9, 0.5, 0.7, 0.8],
        }
    )
    t = _targets(
        [
            ("a", "m", "all", "2020-01-01", "2020-12-31", 0.3, 0.01),
            ("b", "m", "province:Flevoland", "2020-01-01", "2020-12-31", 0.5, 0.01),
            ("c", "turnout_parliament", "all", "2020-03-01", "2020-03-01", 0.8, 0.005),
            ("d", "m", "all", "2019-01-01", "2019-12-31", 0.3, 0.01),
        ]
    )
    sim = simulated_patterns(ts, t)
    assert sim["a"] == pytest.approx(0.3)  # 0.9 lies in 2021
    m = pd.read_csv(Path(__file__).parent.parent / "data" / "municipalities_2024.csv")
    pops = m.set_index("code")["population"]
    almere, lelystad = pops["GM0034"], pops["GM0995"]
    assert sim["b"] == pytest.approx((0.5 * almere + 0.7 * lelystad) / (almere + lelystad))
    assert sim["c"] == pytest.approx(0.8)  # the election within a week of its date
    assert np.isnan(sim["d"])  # before the run


def test_a_change_is_a_pattern_with_the_errors_added_in_quadrature() -> None:
    t = _targets(
        [
            ("people_2012", "trust_people_share", "all", "2012-01-01", "2012-12-31", 0.58, 0.006),
            ("people_2022", "trust_people_share", "all", "2022-01-01", "2022-12-31", 0.66, 0.008),
        ]
    )
    obs = observed_patterns(t)
    assert obs.loc["rise_people_2012_2022", "value"] == pytest.approx(0.08)
    assert obs.loc["rise_people_2012_2022", "obs_sd"] == pytest.approx(0.01)


# ---------------------------------------------------------------- implausibility


def test_implausibility_by_hand_and_the_missed_pattern_is_named() -> None:
    observed = pd.DataFrame({"value": [0.35, 0.70], "obs_sd": [0.0, 0.0]}, index=["p", "q"])
    disc = pd.Series({"p": 0.03, "q": 0.03})
    runs = pd.DataFrame(
        {
            "point": [0, 0, 1, 1],
            "seed": [0, 1, 0, 1],
            "p": [0.35, 0.35, 0.50, 0.50],  # no spread between seeds
            "q": [0.40, 0.40, 0.45, 0.45],  # never near 0.70
        }
    )
    m = match(runs, observed, disc)
    assert m.implausibility.loc[0, "p"] == pytest.approx(0.0)
    assert m.implausibility.loc[1, "p"] == pytest.approx(0.15 / 0.03)
    assert m.matched == ["p"] and list(m.missed.index) == ["q"]
    assert m.missed["q"] == pytest.approx(0.25 / 0.03)
    assert m.nroy == [0]
    assert m.score.loc[1] > CUTOFF


def test_the_spread_between_seeds_widens_what_is_plausible() -> None:
    observed = pd.DataFrame({"value": [0.5], "obs_sd": [0.0]}, index=["p"])
    disc = pd.Series({"p": 0.01})
    steady = pd.DataFrame({"point": [0, 0], "seed": [0, 1], "p": [0.56, 0.56]})
    noisy = pd.DataFrame({"point": [0, 0], "seed": [0, 1], "p": [0.46, 0.66]})
    assert match(steady, observed, disc).nroy == []
    assert match(noisy, observed, disc).nroy == [0]


def test_waves_stay_in_the_prior_box_and_refocus_near_the_kept_sets() -> None:
    priors = (Prior("a", 0.0, 1.0, "test"), Prior("b", 10.0, 20.0, "test"))
    first = first_wave(priors, 50, seed=1)
    for p in priors:
        col = first[p.key]
        assert col.between(p.low, p.high).all()
        # a Latin hypercube: one value in each tenth... of 50 strata
        assert np.histogram(col, bins=50, range=(p.low, p.high))[0].tolist() == [1] * 50
    kept = pd.DataFrame({"a": [0.1, 0.12], "b": [19.0, 19.5]})
    new = refocus(kept, priors, 200, seed=2)
    assert new["a"].between(0.0, 1.0).all() and new["b"].between(10.0, 20.0).all()
    assert new["a"].median() < 0.3 and new["b"].median() > 17.0


def test_every_calibrated_key_is_a_config_key_inside_its_checked_range() -> None:
    for p in PARAMS:
        assert p.low < p.high and p.basis
        future = ["scenario=history"] if p.key.startswith("scenario.") else []
        for value in (p.low, p.high):
            cfg = prepare(api.compose([*SMALL, *future, f"{p.key}={value}"]))
            node, _ = apply_calibration(cfg)
            parts = p.key.split(".")
            got = node.scenario.shocks[parts[2]].effect[parts[4]] if future else None
            assert got is None or got == pytest.approx(value)
    assert all(p.after <= date(2024, 12, 31) for p in PARAMS)


def test_the_report_refuses_runs_of_two_models_or_two_ensembles() -> None:
    from sim.analysis.load import MixedVersions, check_versions

    same = pd.DataFrame({"model_version": ["a", "a"], "posterior_version": ["p", None]})
    check_versions(same)  # a run without a calibration beside one with it is allowed
    for column in ("model_version", "posterior_version"):
        mixed = same.copy()
        mixed[column] = ["a", "b"]
        with pytest.raises(MixedVersions, match="different"):
            check_versions(mixed)


def test_the_calibrations_small_version_runs_on_the_sweep_machinery(tmp_path: Path) -> None:
    """The CI version of the calibration, end to end: waves, holdout, ensemble, resume."""
    from sim.calibration.__main__ import main

    assert main(["--size", "ci", "--out", str(tmp_path), "--seed", "5"]) == 0
    info = json.loads((tmp_path / "summary.json").read_text())
    assert info["runs"] == 8 * 1 + 6 * 2
    assert info["model_fingerprint"] == model_fingerprint()
    ens = load_ensemble(str(tmp_path / "ensemble.csv"))
    assert len(ens) == 5 and "population.trust_lift.politics" in ens.keys
    scores = ens.members["implausibility"].to_numpy()
    assert (np.diff(scores) >= 0).all()  # the best-supported first
    holdout = json.loads((tmp_path / "holdout" / "summary.json").read_text())
    assert holdout["until"] == "2019-12-31" and holdout["forecast_patterns"] > 10
    before = sorted(p.stat().st_mtime for p in tmp_path.glob("wave*/runs/*/run.json"))
    assert main(["--size", "ci", "--out", str(tmp_path), "--seed", "5"]) == 0  # resumes
    after = sorted(p.stat().st_mtime for p in tmp_path.glob("wave*/runs/*/run.json"))
    assert after == before  # no run was redone
