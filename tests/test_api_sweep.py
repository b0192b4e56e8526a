"""``api.sweep`` (a Hydra multirun in this process) and the analyses that run on it.

Cost: about 2.5 minutes here with the 2 cores shared: a few tiny sweeps on the basic
launcher, one on two joblib workers with a killed job (35 s), a tiny Morris design on
both paths (60 s), a tiny set of PRIM cases on both paths (20 s), two runs on the
Slurm path as local processes (15 s).
"""

from __future__ import annotations

import json
import logging
import os

import numpy as np
import pandas as pd
import pytest
from hydra.core.global_hydra import GlobalHydra

from sim import api
from sim.analysis import discovery, sensitivity
from sim.catalogue import connect
from sim.sweep.runner import FAULT_KILL_RUN

TINY = ["population.size=300", "steps=4", "burn_in=2", "progress=false", "plot=false"]


def _finished(sweep_dir, run: str) -> str:
    return json.loads((sweep_dir / run / "run.json").read_text())["finished_at"]


def test_sweep_returns_the_catalogue_and_leaves_the_process_as_it_was(tmp_path):
    cwd, handlers = os.getcwd(), list(logging.getLogger().handlers)
    runs = api.sweep(
        ["policy=none,canvassing", "seed=0,1", *TINY],
        sweep_dir=tmp_path / "sw",
        launcher="basic",
        report=False,
    )
    assert len(runs) == 4
    assert set(runs["status"]) == {"complete"}
    assert runs["in_sweep"].all()
    pairs = set(zip(runs["policy"], runs["seed"], strict=True))
    assert pairs == {("none", 0), ("none", 1), ("canvassing", 0), ("canvassing", 1)}
    assert os.getcwd() == cwd
    assert logging.getLogger().handlers == handlers
    assert not GlobalHydra.instance().is_initialized()
    with connect(tmp_path / "sw") as con:  # the same catalogue the CLI builds
        n = con.execute("SELECT count(DISTINCT run) FROM final_values").fetchone()
    assert n == (4,)


def test_explicit_jobs_run_after_the_common_overrides(tmp_path):
    jobs = [["seed=3"], ["seed=4", "dynamics.confidence=0.2"], ["seed=3", "policy=canvassing"]]
    runs = api.sweep(TINY, jobs=jobs, sweep_dir=tmp_path / "sw", launcher="basic", report=False)
    runs = runs.sort_values("run")
    assert list(runs["seed"]) == [3, 4, 3]
    assert list(runs["policy"]) == ["none", "none", "canvassing"]
    assert runs["dynamics.confidence"].iloc[1] == 0.2
    assert (runs["citizens"] == 300).all()
    assert runs["in_sweep"].all()
    manifest = json.loads((tmp_path / "sw" / ".sweep" / "sweep.json").read_text())
    listed = sorted(sorted(set(j) - {"population.size=300"}) for j in manifest["jobs"])
    assert len(manifest["jobs"]) == 3
    assert all("population.size=300" in j for j in manifest["jobs"])
    common = {"burn_in=2", "steps=4", "plot=False", "progress=False"}
    assert listed == sorted(sorted({*common, *j}) for j in jobs)


def test_bad_override_is_one_line_and_runs_nothing(tmp_path):
    with pytest.raises(api.SweepError, match=r"^dynamics\.confidence: .*got 7") as e:
        api.sweep(TINY, jobs=[["dynamics.confidence=7"]], sweep_dir=tmp_path / "sw")
    assert "\n" not in str(e.value)
    assert not (tmp_path / "sw").exists()
    with pytest.raises(api.SweepError, match="analysis: not a config group"):
        api.sweep(["analysis=sensitivity"], sweep_dir=tmp_path / "sw")
    with pytest.raises(api.SweepError, match="jobs: an empty list"):
        api.sweep(TINY, jobs=[], sweep_dir=tmp_path / "sw")
    with pytest.raises(api.SweepError, match="n_jobs"):
        api.sweep(TINY, sweep_dir=tmp_path / "sw", launcher="basic", n_jobs=2)


def test_a_second_call_redoes_only_the_missing_run(tmp_path):
    sw = tmp_path / "sw"
    args = {"sweep_dir": sw, "launcher": "basic", "report": False}
    api.sweep(["seed=0,1,2", *TINY], **args)
    before = {r: _finished(sw, r) for r in ("0", "1", "2")}
    (sw / "1" / "run.json").unlink()
    runs = api.sweep(["seed=0,1,2", *TINY], **args)
    assert set(runs["status"]) == {"complete"}
    assert _finished(sw, "0") == before["0"]
    assert _finished(sw, "2") == before["2"]
    assert _finished(sw, "1") != before["1"]


def test_a_killed_worker_is_reported_and_the_next_call_redoes_only_it(tmp_path, monkeypatch):
    sw = tmp_path / "sw"
    jobs = [[f"seed={s}"] for s in range(4)]
    monkeypatch.setenv(FAULT_KILL_RUN, "2")
    with pytest.raises(
        api.SweepError,
        match=r"of 4 runs did not finish \(a worker process died.*call api\.sweep again",
    ):
        api.sweep(TINY, jobs=jobs, sweep_dir=sw, n_jobs=2, report=False)
    monkeypatch.delenv(FAULT_KILL_RUN)
    # joblib keeps its worker processes for the next call, each with the environment it
    # was started with (the fault still set): start the next call on fresh ones
    from joblib.externals.loky import get_reusable_executor

    get_reusable_executor().shutdown(wait=True)
    assert not (sw / "2" / "run.json").exists()
    kept = {r: _finished(sw, r) for r in ("0", "1", "3") if (sw / r / "run.json").is_file()}
    assert kept, "the runs that had finished were lost too"
    runs = api.sweep(TINY, jobs=jobs, sweep_dir=sw, n_jobs=2, report=False)
    assert len(runs) == 4
    assert set(runs["status"]) == {"complete"}
    for r, when in kept.items():
        assert _finished(sw, r) == when


def test_morris_on_a_sweep_equals_the_serial_path(tmp_path):
    spec = sensitivity.load_spec()
    size = sensitivity.Size(200, 6, 2, 2, 2, 4, 1)
    serial = sensitivity.run_study(spec, size, sobol=False)
    runner = api.SweepRunner(tmp_path / "study", launcher="basic")
    swept = sensitivity.run_study(spec, size, sobol=False, runner=runner)
    pd.testing.assert_frame_equal(serial.morris, swept.morris, check_exact=True)
    assert serial.noise_share == swept.noise_share
    assert serial.morris["mu_star"].max() > 0  # not a trivially equal table
    assert (tmp_path / "study" / "morris" / "results.duckdb").is_file()


def test_paired_cases_on_a_sweep_equal_the_serial_path(tmp_path):
    kw = {"samples": 2, "population": 200, "steps": 4, "burn_in": 2, "replicates": 2}
    params = {
        "policy.interventions.canvassing.effect.trust_effect": [0.0, 0.04],
        "dynamics.confidence": [0.1, 0.35],
    }
    serial = discovery.policy_outcomes("canvassing", params, **kw)
    runner = api.SweepRunner(tmp_path / "cases", launcher="basic")
    swept = discovery.policy_outcomes("canvassing", params, **kw, runner=runner)
    pd.testing.assert_frame_equal(serial, swept, check_exact=True)
    assert np.abs(serial["effect"]).max() > 0


def test_the_cli_checks_every_listed_job_of_a_jobs_sweep(tmp_path):
    from sim.cli import check_command

    path = tmp_path / "jobs.json"
    path.write_text(json.dumps({"jobs": [["seed=0"], ["dynamics.confidence=9"]]}))
    argv = ["-m", "hydra/sweeper=jobs", f"hydra.sweeper.jobs_file={path}", *TINY]
    assert check_command(argv).error == "dynamics.confidence: must be in (0, 1], got 9.0"
    path.write_text(json.dumps({"jobs": [["seed=0"], ["dynamics.confidence=0.2"]]}))
    assert check_command(argv).error is None


def test_the_runner_gives_the_in_process_values_on_the_slurm_path(tmp_path):
    """The submitit (Slurm) launcher, as local processes: the same outcomes as here."""
    pytest.importorskip("submitit")
    jobs = [[*TINY, "seed=0"], [*TINY, "seed=1", "dynamics.confidence=0.2"]]
    runner = api.SweepRunner(tmp_path / "study", launcher="slurm_local")
    got = runner(jobs, "cohesion_index", "stage")
    here = [sensitivity.run_value(api.compose(j), "cohesion_index") for j in jobs]
    assert got.tolist() == here
    assert got[0] != got[1]
    assert (tmp_path / "study" / "stage" / ".submitit").is_dir()
