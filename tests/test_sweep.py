"""Sweeps: uncertainty design, job expansion, shared burn-ins, resume, failures, progress,
catalogue, and the quick experiment from the command line (incl. SIGKILL and resume)."""

from __future__ import annotations

import json
import math
import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import replace
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from sim import api
from sim.catalogue import build_catalogue, load_runs, scan_runs
from sim.cli import prevalidate
from sim.config import ConfigError
from sim.interventions import INTERVENTIONS
from sim.prepare import prepare, sampled_values
from sim.run import start_state
from sim.state import load
from sim.sweep import progress
from sim.sweep.burn_in import burn_in_key, shared_start
from sim.sweep.jobs import compose_jobs, expand
from sim.sweep.runner import execute
from sim.uncertainty import (
    design_column,
    latin_hypercube,
    registered_ranges,
)
from tests.conftest import CLI, ROOT

TINY = ["population.size=400", "steps=8", "burn_in=4", "progress=false", "plot=false"]
POLICIES = sorted(p.stem for p in (ROOT / "configs" / "policy").glob("*.yaml"))
#: A few policies that exist now (``none`` always); more when the interventions are there.
SOME = ["none", *[p for p in ("canvassing", "integrated") if p in POLICIES]]
needs_interventions = pytest.mark.skipif(
    not {"integrated", "deep_canvassing"} <= set(POLICIES),
    reason="the intervention policies are not there yet",
)


def run_in_process(sweep: Path, jobs: list[list[str]], **kw) -> list[dict]:
    """Run jobs as a sweep would, without Hydra's launcher (fast, for unit tests)."""
    out = []
    for i, job in enumerate(jobs):
        out.append(execute(api.compose(job), sweep / str(i), sweep, job, **kw))
    return out


def read(run_dir: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    return (
        pd.read_parquet(run_dir / "timeseries.parquet"),
        pd.read_parquet(run_dir / "final_state.parquet"),
    )


# --------------------------------------------------------------------------- design


@pytest.mark.parametrize("n", [1, 2, 7, 20])
def test_design_column_uses_every_stratum_once(n):
    col = np.array(design_column(3, n, "dynamics.trust.bad_effect"))
    assert ((col >= 0) & (col < 1)).all()
    assert sorted(np.floor(col * n).astype(int)) == list(range(n))
    assert design_column(3, n, "dynamics.trust.bad_effect") == tuple(col)
    if n > 2:
        assert design_column(4, n, "dynamics.trust.bad_effect") != tuple(col)


def test_adding_a_parameter_leaves_the_others_unchanged():
    one = api.compose(
        ["uncertainty.samples=6", "+uncertainty.params={dynamics.confidence:[0.1,0.4]}"]
    )
    two = api.compose(
        [
            "uncertainty.samples=6",
            "+uncertainty.params={dynamics.confidence:[0.1,0.4],dynamics.convergence:[0.1,0.5]}",
        ]
    )
    a = latin_hypercube(prepare(one).uncertainty)
    b = latin_hypercube(prepare(two).uncertainty)
    pd.testing.assert_series_equal(a["dynamics.confidence"], b["dynamics.confidence"])
    assert a["dynamics.confidence"].between(0.1, 0.4).all()


def test_sampled_value_is_applied_recorded_and_idempotent():
    cfg = api.compose(
        [
            *TINY,
            "uncertainty.samples=4",
            "uncertainty.sample=2",
            "+uncertainty.params={dynamics.trust.bad_effect:[0.04,0.12],network.online_degree:[2,12]}",
        ]
    )
    typed = prepare(cfg)
    unit = design_column(0, 4, "dynamics.trust.bad_effect")[2]
    assert typed.dynamics.trust.bad_effect == pytest.approx(0.04 + unit * 0.08)
    assert isinstance(typed.network.online_degree, int)  # an integer key stays whole
    assert 2 <= typed.network.online_degree <= 12
    values = sampled_values(typed)
    assert values["dynamics.trust.bad_effect"] == typed.dynamics.trust.bad_effect
    assert prepare(typed) == typed  # applying twice changes nothing


def test_policy_keys_apply_only_to_runs_with_that_intervention():
    params = "+uncertainty.params={policy.interventions.canvassing.effect.persuasion:[0.0,0.05]}"
    none = prepare(api.compose([*TINY, "uncertainty.samples=3", params]))
    assert sampled_values(none) == {}
    if "canvassing" in POLICIES:
        canv = prepare(api.compose([*TINY, "policy=canvassing", "uncertainty.samples=3", params]))
        (key, value), *_ = sampled_values(canv).items()
        assert key.endswith("canvassing.effect.persuasion")
        assert 0.0 <= value <= 0.05
        assert canv.policy.interventions["canvassing"].effect["persuasion"] == value


@pytest.mark.parametrize(
    ("overrides", "key"),
    [
        (["+uncertainty.params={dynamics.trust.bad_efect:[0,1]}"], "uncertainty.params.dynamics"),
        (["+uncertainty.params={dynamics.confidence:[0.4,0.1]}"], "uncertainty.params.dynamics"),
        (["+uncertainty.params={dynamics.confidence:[0.1]}"], "uncertainty.params.dynamics"),
        (["uncertainty.sample=3"], "uncertainty.sample"),
        (["+uncertainty.params={seed:[0,5]}"], "uncertainty.params.seed"),
    ],
)
def test_bad_uncertainty_is_refused_in_one_line(overrides, key):
    msg = prevalidate([*TINY, "uncertainty.samples=3", *overrides])
    assert msg is not None
    assert msg.startswith(key), msg
    assert "\n" not in msg
    with pytest.raises(ConfigError):
        prepare(api.compose([*TINY, "uncertainty.samples=3", *overrides]))


def test_out_of_range_sample_value_is_refused():
    # A design point outside a key's valid range is caught like any bad value.
    msg = prevalidate(
        [*TINY, "uncertainty.samples=2", "+uncertainty.params={dynamics.convergence:[0.6,0.9]}"]
    )
    assert msg is not None
    assert msg.startswith("dynamics.convergence:")


def test_uncertain_key_that_applies_to_no_run_is_refused():
    msg = prevalidate(
        [
            "-m",
            *TINY,
            "seed=0,1",
            "uncertainty.samples=2",
            "+uncertainty.params={policy.interventions.nowhere.effect.x:[0,1]}",
        ]
    )
    assert msg is not None
    assert msg.startswith("uncertainty.params.policy.interventions.nowhere.effect.x:")
    assert "no run" in msg


@needs_interventions
def test_registered_effects_are_the_same_world_in_every_policy():
    """Deep canvassing's persuasion at design point k is the same whatever the policy."""
    common = [*TINY, "uncertainty.intervention_effects=true", "uncertainty.samples=5"]
    for k in range(5):
        deep = prepare(api.compose([*common, "policy=deep_canvassing", f"uncertainty.sample={k}"]))
        pack = prepare(api.compose([*common, "policy=integrated", f"uncertainty.sample={k}"]))
        a = sampled_values(deep)["policy.interventions.canvassing.effect.persuasion"]
        b = sampled_values(pack)["policy.interventions.deep_canvassing.effect.persuasion"]
        assert a == b
        r = registered_ranges(pack, INTERVENTIONS)[
            "policy.interventions.deep_canvassing.effect.persuasion"
        ]
        assert r.prior is not None and r.prior.bounds[0] <= a <= r.prior.bounds[1]


# --------------------------------------------------------------------------- jobs


def test_expand_mirrors_the_basic_sweeper():
    sweep = expand(["experiment=quick"])
    assert sweep.multirun
    assert len(sweep.jobs) == 18  # 3 policies x 2 futures x 3 seeds
    assert len({tuple(sorted(j)) for j in sweep.jobs}) == 18
    # the command line wins over the experiment's parameters for the same key
    assert len(expand(["experiment=quick", "seed=7"]).jobs) == 6
    single = expand(["seed=3"])
    assert not single.multirun
    assert single.jobs == [["seed=3"]]


def test_fast_composition_equals_hydra_composition():
    jobs = expand(
        ["policy=" + ",".join(SOME), "seed=0,1", "dynamics.confidence=0.2", *TINY], True
    ).jobs
    fast = list(compose_jobs(jobs))
    from omegaconf import OmegaConf

    for job, cfg in zip(jobs, fast, strict=True):
        assert OmegaConf.to_container(cfg) == OmegaConf.to_container(api.compose(job)), job


def test_experiment_sweep_is_validated_before_it_starts():
    assert prevalidate(["experiment=quick"]) is None
    msg = prevalidate(["experiment=quick", "dynamics.convergence=0.9"])
    assert msg is not None
    assert msg.startswith("dynamics.convergence:")


# --------------------------------------------------------------------------- burn-in


def test_shared_burn_in_gives_the_same_results_as_its_own(tmp_path):
    jobs = [[*TINY, f"policy={p}", "seed=5"] for p in SOME]
    shared = run_in_process(tmp_path / "shared", jobs)
    own = run_in_process(tmp_path / "own", jobs, share_burn_in=False)
    assert [i["start_state"] for i in shared] == ["computed"] + ["shared"] * (len(SOME) - 1)
    assert {i["start_state"] for i in own} == {"own"}
    for i in range(len(jobs)):
        ts_a, fs_a = read(tmp_path / "shared" / str(i))
        ts_b, fs_b = read(tmp_path / "own" / str(i))
        pd.testing.assert_frame_equal(ts_a, ts_b)
        pd.testing.assert_frame_equal(fs_a, fs_b)
        assert shared[i]["config_hash"] == own[i]["config_hash"]
    stored = list((tmp_path / "shared" / ".sweep" / "burn_in").iterdir())
    assert len(stored) == 1


def test_burn_in_key_ignores_policy_and_horizon_only():
    base = prepare(api.compose([*TINY, "seed=1"]))
    same = prepare(api.compose([*TINY, "seed=1", f"policy={SOME[-1]}", "steps=20", "plot=true"]))
    assert burn_in_key(base) == burn_in_key(same)
    for other in (["seed=2"], ["dynamics.confidence=0.27"], ["population.segregation=0.11"]):
        assert burn_in_key(prepare(api.compose([*TINY, "seed=1", *other]))) != burn_in_key(base)
    assert burn_in_key(replace(base, burn_in=5)) != burn_in_key(base)


def test_racing_workers_publish_one_whole_state(tmp_path):
    cfg = prepare(api.compose([*TINY, "seed=9"]))
    store = tmp_path / "burn_in"
    barrier = threading.Barrier(3)
    results: list = []

    def work() -> None:
        barrier.wait()
        results.append(shared_start(cfg, store))

    threads = [threading.Thread(target=work) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 3
    entries = sorted(p.name for p in store.iterdir())
    assert entries == [burn_in_key(cfg)[:24]]  # one state, no temporary leftovers
    on_disk = load(store / entries[0] / "state")
    reference = start_state(cfg)
    for state, _source in results:
        for k, v in reference.arrays.items():
            np.testing.assert_array_equal(state.arrays[k], v)
    for k, v in reference.arrays.items():
        np.testing.assert_array_equal(on_disk.arrays[k], v)
    assert on_disk.meta == json.loads(json.dumps(reference.meta))


# --------------------------------------------------------------------------- resume


def test_complete_runs_are_skipped_and_changed_ones_redone(tmp_path):
    job = [*TINY, "seed=2"]
    first = run_in_process(tmp_path, [job])[0]
    before = (tmp_path / "0" / "run.json").read_bytes()
    again = run_in_process(tmp_path, [job])[0]
    assert again["skipped"] is True
    assert (tmp_path / "0" / "run.json").read_bytes() == before
    changed = run_in_process(tmp_path, [[*job, "steps=9"]])[0]
    assert "skipped" not in changed
    assert changed["config_hash"] != first["config_hash"]
    assert json.loads((tmp_path / "0" / "run.json").read_text())["steps"] == 9


def test_a_run_that_raises_is_recorded_and_the_next_attempt_redoes_it(tmp_path, monkeypatch):
    from sim.model import CohesionModel

    def broken(self) -> None:
        raise RuntimeError("the model broke in week 1")

    monkeypatch.setattr(CohesionModel, "step", broken)
    info = run_in_process(tmp_path, [[*TINY, "seed=4"]])[0]
    assert info["status"] == "failed"
    on_disk = json.loads((tmp_path / "0" / "run.json").read_text())
    assert on_disk["status"] == "failed"
    assert on_disk["error"] == "RuntimeError: the model broke in week 1"
    assert "Traceback" in on_disk["traceback"]
    assert on_disk["config_hash"] == info["config_hash"]
    monkeypatch.undo()
    redo = run_in_process(tmp_path, [[*TINY, "seed=4"]])[0]
    assert redo["status"] == "complete"
    assert "skipped" not in redo


def test_a_failed_run_is_redone_even_where_another_configs_tables_remain(tmp_path, monkeypatch):
    from sim.model import CohesionModel

    a = [*TINY, "seed=4"]
    b = [*TINY, "seed=4", "steps=9"]
    run_in_process(tmp_path, [a])  # config A completes in run directory 0
    step = CohesionModel.step
    weeks = []

    def breaks_in_week_5(self) -> None:
        weeks.append(1)
        if len(weeks) == 5:
            raise RuntimeError("the model broke in week 5")
        step(self)

    monkeypatch.setattr(CohesionModel, "step", breaks_in_week_5)
    failed = run_in_process(tmp_path, [b])[0]  # config B fails in the same directory
    assert failed["status"] == "failed"
    assert not (tmp_path / "0" / "timeseries.parquet").exists()  # A's tables are gone
    assert not (tmp_path / "0" / "final_state.parquet").exists()
    monkeypatch.undo()
    redo = run_in_process(tmp_path, [b])[0]
    assert redo["status"] == "complete"
    assert "skipped" not in redo
    ts, _ = read(tmp_path / "0")
    assert ts["step"].max() == 9  # B's table, not A's (8 weeks)


def test_is_complete_requires_the_status_complete(tmp_path):
    from sim.prepare import prepare
    from sim.sweep.runner import is_complete

    job = [*TINY, "seed=5"]
    info = run_in_process(tmp_path, [job])[0]
    run_dir = tmp_path / "0"
    cfg = prepare(api.compose(job))
    assert is_complete(run_dir, cfg) == info
    for status in ("failed", "incomplete", None):
        (run_dir / "run.json").write_text(json.dumps({**info, "status": status}))
        assert is_complete(run_dir, cfg) is None, status
    (run_dir / "run.json").write_text(json.dumps(info))
    (run_dir / "final_state.parquet").unlink()
    assert is_complete(run_dir, cfg) is None


# --------------------------------------------------------------------------- progress


def test_progress_counts_runs_and_estimates_time_left(tmp_path):
    m = progress.start(tmp_path, [["seed=0"], ["seed=1"], ["seed=2"], ["seed=3"]])
    progress.record(tmp_path, "0", "skipped")
    progress.record(tmp_path, "1", "complete")
    with open(tmp_path / ".sweep" / "done.jsonl", "a") as fh:
        fh.write('{"session": "x", "run": "9", "status": "co')  # a line cut short
    p = progress.read_progress(tmp_path, now=m["started_at"] + 30.0)
    assert (p.total, p.done, p.skipped, p.failed) == (4, 2, 1, 0)
    assert p.left == pytest.approx(2 * 30.0 / 1)  # two left, 30 s per computed run
    line = p.line()
    assert line.startswith("sweep: 2/4 runs done (1 already complete), 0:00:30 elapsed")
    assert line.endswith("about 0:01:00 left")
    # a new session starts counting afresh
    progress.start(tmp_path, [["seed=0"]])
    assert progress.read_progress(tmp_path).done == 0


# --------------------------------------------------------------------------- catalogue


def test_catalogue_indexes_every_run_and_its_time_series(tmp_path):
    jobs = [[*TINY, f"policy={p}", f"seed={s}"] for p in SOME[:2] for s in (0, 1)]
    progress.start(tmp_path, jobs)
    run_in_process(tmp_path, jobs)
    (tmp_path / "started" / ".hydra").mkdir(parents=True)  # a job killed before run.json
    (tmp_path / "started" / ".hydra" / "overrides.yaml").write_text("- seed=7\n")
    path = build_catalogue(tmp_path)
    runs = load_runs(tmp_path)
    assert len(runs) == len(jobs) + 1
    assert runs.set_index("run").loc["started", "status"] == "incomplete"
    assert not runs.set_index("run").loc["started", "in_sweep"]
    done = runs[runs["status"] == "complete"]
    assert len(done) == len(jobs)
    assert done["in_sweep"].all()
    assert sorted(done["seed"]) == [0, 0, 1, 1]
    assert (done["burn_in_s"] >= 0).all()
    assert done["started_at"].notna().all()
    # the accounts of every run (a policy without interventions: nothing available)
    assert (done["euros_spent"] <= done["euros_available"] + 1e-6).all()
    assert (done["warnings"] >= 0).all()
    with duckdb.connect(str(path), read_only=True) as con:
        n_view = con.execute("SELECT count(*) FROM timeseries").fetchone()[0]
        finals = con.execute(
            "SELECT run, value FROM final_values WHERE metric='cohesion_index' AND scope='all'"
        ).df()
        n_state = con.execute("SELECT count(DISTINCT run) FROM final_state").fetchone()[0]
    n_files = sum(len(pd.read_parquet(Path(p))) for p in done["timeseries_path"])
    assert n_view == n_files
    assert n_state == len(jobs)
    for run, value in zip(finals["run"], finals["value"], strict=True):
        ts = pd.read_parquet(tmp_path / run / "timeseries.parquet")
        last = ts[(ts.metric == "cohesion_index") & (ts.scope == "all")].sort_values("step")
        assert value == last["value"].iloc[-1]


def test_scan_flags_runs_left_from_a_larger_sweep(tmp_path):
    jobs = [[*TINY, f"seed={s}"] for s in range(3)]
    run_in_process(tmp_path, jobs)
    progress.start(tmp_path, jobs[:2])
    runs = scan_runs(tmp_path)
    assert runs.set_index("run")["in_sweep"].to_dict() == {"0": True, "1": True, "2": False}


# --------------------------------------------------------------------------- CLI


def _cli(args: list[str], env: dict[str, str], cwd: Path, timeout: float = 300):
    return subprocess.run(
        [*CLI, *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=timeout
    )


def test_cli_sweep_records_a_failed_run_and_goes_on(tmp_path, cli_env):
    sweep = tmp_path / "sweep"
    blocker = sweep / "1" / "timeseries.parquet"
    blocker.mkdir(parents=True)  # writing run 1's time series will fail
    args = ["-m", *TINY, "seed=0,1", f"hydra.sweep.dir={sweep}"]
    r = _cli(args, cli_env, tmp_path)
    assert r.returncode == 1
    last = r.stderr.strip().splitlines()[-1]
    assert last.startswith("cohesion-sim: error: 1 of 2 runs did not complete (first: 1: ")
    runs = load_runs(sweep).set_index("run")
    assert runs.loc["1", "status"] == "failed"
    assert "IsADirectoryError" in runs.loc["1", "error"]
    assert runs.loc["0", "status"] == "complete"
    assert (sweep / "report" / "index.html").is_file()
    blocker.rmdir()
    r = _cli(args, cli_env, tmp_path)
    assert r.returncode == 0, r.stderr
    assert "2/2 runs done (1 already complete)" in r.stdout
    assert (load_runs(sweep)["status"] == "complete").all()


def _whole(run_dir: Path) -> None:
    info = json.loads((run_dir / "run.json").read_text())
    assert info["status"] == "complete"
    ts, fs = read(run_dir)
    assert len(ts) > 0
    assert len(fs) == 400
    assert not list(run_dir.glob(".*.tmp"))


def test_sweep_killed_with_sigkill_resumes_without_loss_or_duplicates(tmp_path, cli_env):
    sweep = tmp_path / "sweep"
    args = ["-m", *TINY[:-1], "plot=true", "steps=30", "seed=range(6)", f"hydra.sweep.dir={sweep}"]
    proc = subprocess.Popen(
        [*CLI, *args],
        env=cli_env,
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + 120
    done: list[Path] = []
    while time.monotonic() < deadline and proc.poll() is None:
        done = [p.parent for p in sweep.glob("*/run.json")]
        if len(done) >= 2:
            break
        time.sleep(0.05)
    assert proc.poll() is None, "the sweep ended before it could be killed"
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    before = {p.name: (p / "run.json").read_bytes() for p in done}
    assert 2 <= len(before) < 6
    r = _cli(args, cli_env, tmp_path)
    assert r.returncode == 0, r.stderr
    dirs = sorted(p.name for p in sweep.iterdir() if p.is_dir() and not p.name.startswith("."))
    assert dirs == [*[str(i) for i in range(6)], "report"]
    for name in map(str, range(6)):
        _whole(sweep / name)
    for name, blob in before.items():  # runs complete before the kill were not redone
        assert (sweep / name / "run.json").read_bytes() == blob
    runs = load_runs(sweep)
    assert len(runs) == 6
    assert sorted(runs["seed"]) == list(range(6))
    assert (runs["status"] == "complete").all()
    assert f"6/6 runs done ({len(before)} already complete)" in r.stdout


def test_quick_experiment_end_to_end(tmp_path, cli_env):
    """`cohesion-sim experiment=quick`, shrunk in size (the slow test runs it as is)."""
    sweep = tmp_path / "quick"
    shrink = ["population.size=500", "population.neighbourhood_size=125", "steps=20", "burn_in=10"]
    r = _cli(
        ["experiment=quick", *shrink, "plot=false", f"hydra.sweep.dir={sweep}"], cli_env, tmp_path
    )
    assert r.returncode == 0, r.stderr[-2000:]
    _check_quick(sweep, shrink=True)


@pytest.mark.slow
def test_quick_experiment_at_its_size_under_two_minutes(tmp_path, cli_env):
    sweep = tmp_path / "quick"
    t0 = time.perf_counter()
    r = _cli(["experiment=quick", f"hydra.sweep.dir={sweep}"], cli_env, tmp_path)
    wall = time.perf_counter() - t0
    assert r.returncode == 0, r.stderr[-2000:]
    _check_quick(sweep, shrink=False)
    print(f"experiment=quick: {wall:.1f} s")
    assert wall < 120 * (1 + os.getloadavg()[0] / 2)  # two minutes on an idle machine


def _check_quick(sweep: Path, shrink: bool) -> None:
    for name in ("results.duckdb", "summary.csv", "report/index.html"):
        assert (sweep / name).is_file(), name
    runs = load_runs(sweep)
    assert len(runs) == 18
    assert (runs["status"] == "complete").all()
    assert runs.groupby(["policy", "future"]).size().eq(3).all()
    assert set(runs["start_state"]) == {"computed", "shared"}
    # one state per seed and future (two workers may both compute one: fine, not corrupt)
    assert len(list((sweep / ".sweep" / "burn_in").iterdir())) == 6
    assert (runs["start_state"] == "computed").sum() >= 6
    if shrink:  # an overridden key gets a column of its own
        assert set(runs["burn_in"]) == {10}
        assert set(runs["population.size"]) == {500}
    summary = pd.read_csv(sweep / "summary.csv")
    per_future = summary[summary["context"] != "all futures"]
    assert len(per_future) == 18 // 3
    assert per_future.loc[per_future["policy"] != "none", "pairs"].eq(3).all()
    page = (sweep / "report" / "index.html").read_text()
    assert "http://" not in page
    assert "https://" not in page
    assert page.count("data:image/png;base64,") >= 2
    if not shrink:
        assert (sweep / "policy=none,scenario=baseline,seed=0" / "cohesion.png").is_file()
    assert not math.isnan(per_future["outcome_mean"].sum())


# --------------------------------------------------------------------------- sweeper


def test_checked_sweeper_composes_no_job_before_the_launch(monkeypatch):
    from hydra_plugins.cohesion_sim.checked_sweeper import CheckedSweeper

    composed: list[list[list[str]]] = []
    for base in CheckedSweeper.__mro__[1:]:  # whichever copy of the basic sweeper it has
        if "validate_batch_is_legal" in vars(base):
            monkeypatch.setattr(base, "validate_batch_is_legal", lambda s, b: composed.append(b))
    sweeper = CheckedSweeper(max_batch_size=None)
    sweeper.validate_batch_is_legal([["policy=none", "seed=0"], ["policy=none", "seed=1"]])
    assert composed == []
    super(CheckedSweeper, sweeper).validate_batch_is_legal([["seed=2"]])
    assert composed == [[["seed=2"]]]  # the basic sweeper's own check is still there


def test_unsupported_hydra_versions_are_refused_in_one_line():
    from sim.sweep.hydra_compat import UnsupportedHydra, check_versions

    check_versions({"hydra-core": "1.3.2", "hydra-joblib-launcher": "1.2.0"})
    for versions, name in (
        ({"hydra-core": "1.4.0"}, "hydra-core 1.4.0"),
        ({"hydra-core": "1.3.1"}, "hydra-core 1.3.1"),
        ({"hydra-core": "1.3.8", "hydra-joblib-launcher": "1.3.0"}, "hydra-joblib-launcher"),
    ):
        with pytest.raises(UnsupportedHydra, match=name) as e:
            check_versions(versions)
        assert "\n" not in str(e.value)


_COUNT_COMPOSITIONS = """
import atexit, sys
from hydra._internal.config_loader_impl import ConfigLoaderImpl
calls = []
compose = ConfigLoaderImpl.load_sweep_config
def counted(self, master_config, sweep_overrides):
    calls.append(list(sweep_overrides))
    return compose(self, master_config, sweep_overrides)
ConfigLoaderImpl.load_sweep_config = counted
atexit.register(lambda: print(f"job compositions: {len(calls)}", file=sys.stderr))
from sim.cli import main
sys.argv = ["cohesion-sim", *sys.argv[1:]]
main()
"""


@pytest.mark.parametrize(
    ("args", "jobs"),
    [
        (["-m", "policy=none,canvassing", "seed=0,1", "dynamics.confidence=0.2"], 4),
        # the experiment's params, then the command line's; counted in one process
        (["experiment=quick", "seed=1", "hydra/launcher=basic"], 6),
        (["-m", "policy=none,canvassing", "seed=0,1", "hydra/sweeper=basic"], 4),
    ],
)
def test_hydra_composes_each_checked_job_once_not_twice(tmp_path, cli_env, args, jobs):
    """The CLI checks exactly the jobs Hydra launches, so the sweeper need not compose them."""
    tiny = ["population.size=300", "population.neighbourhood_size=100", "steps=2", "burn_in=0"]
    r = subprocess.run(
        [sys.executable, "-c", _COUNT_COMPOSITIONS, *args, *tiny, "plot=false",
         f"hydra.sweep.dir={tmp_path / 'sweep'}"],
        env=cli_env, cwd=tmp_path, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert r.returncode == 0, r.stderr[-2000:]
    assert len(list((tmp_path / "sweep").glob("*/run.json"))) == jobs
    twice = "hydra/sweeper=basic" in args  # Hydra's own sweeper composes every job twice
    assert f"job compositions: {jobs * (2 if twice else 1)}" in r.stderr


def _experiment(tmp_path: Path, name: str, body: str) -> list[str]:
    d = tmp_path / "experiment"
    d.mkdir(exist_ok=True)
    (d / f"{name}.yaml").write_text("# @package _global_\n" + body)
    return ["-cd", str(tmp_path), f"experiment={name}"]


def test_the_cli_picks_the_checked_sweeper_only_where_the_basic_one_would_run(tmp_path):
    from sim.cli import check_command

    def picked(argv: list[str]) -> list[str]:
        check = check_command(argv)
        assert check.error is None
        return list(check.extra_args)

    assert picked(["-m", "seed=0,1", *TINY]) == ["hydra/sweeper=checked"]
    assert picked(["seed=0", *TINY]) == []  # a single run has no sweeper
    assert picked(["-m", "seed=0,1", "hydra/sweeper=basic", *TINY]) == []  # named: kept
    # an experiment's own sweeper is kept (its jobs are chosen as it goes)
    other = "hydra:\n  mode: MULTIRUN\n  sweeper:\n    _target_: some.other.Sweeper\n"
    assert picked([*_experiment(tmp_path, "other", other), *TINY]) == []
    # jobs that set Hydra's own keys are left to Hydra to compose
    own = "hydra:\n  mode: MULTIRUN\n  sweeper:\n    params:\n      hydra.job.name: a,b\n"
    assert picked([*_experiment(tmp_path, "own", own), *TINY]) == []
    assert picked(["-m", "seed=0,1", *TINY]) == ["hydra/sweeper=checked"]


def test_a_typo_in_the_sweepers_settings_is_refused_in_one_line(tmp_path):
    typo = "hydra:\n  mode: MULTIRUN\n  sweeper:\n    parms:\n      seed: 0,1\n"
    msg = prevalidate([*_experiment(tmp_path, "typo", typo), *TINY])
    assert msg is not None and "parms" in msg


def test_a_job_records_where_its_time_went(tmp_path):
    jobs = [[*TINY, "policy=none", "seed=0"], [*TINY, "policy=none", "seed=0", "steps=9"]]
    first, second = run_in_process(tmp_path, jobs)
    parts = ("setup_s", "burn_in_s", "build_s", "weeks_s", "metrics_s", "tables_s", "info_s")
    for info in (first, second):
        t = info["timings"]
        assert set(parts) | {"simulate_s", "write_s"} <= set(t)
        assert all(t[k] >= 0 for k in parts)
        assert t["metrics_s"] > 0 and t["weeks_s"] > 0
        # the model's build, weeks, metrics and tables make up the run's simulate time
        # (each rounded to 0.1 ms)
        parts_sum = t["build_s"] + t["weeks_s"] + t["metrics_s"] + t["tables_s"]
        assert parts_sum <= t["simulate_s"] + 5e-4
        run_dir = tmp_path / str(jobs.index(info["overrides"]))
        on_disk = json.loads((run_dir / "run.json").read_text())
        assert on_disk["timings"] == t
    assert (first["start_state"], second["start_state"]) == ("computed", "shared")
    # run without the launcher: no launcher timings
    assert "compose_s" not in first["timings"]
