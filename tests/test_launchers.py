"""The same sweep gives identical results sequentially, with joblib, on a local Ray
instance and through submitit (its local executor stands in for Slurm); and with submitit
and on a real Ray cluster of two nodes, a job killed mid-run is named, the sweep ends with
its catalogue, and running the same command again completes it with the same tables."""

from __future__ import annotations

import contextlib
import importlib.util
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from omegaconf import OmegaConf

import sim
from sim import api
from sim.catalogue import load_runs
from sim.sweep.hydra_compat import UnsupportedHydra, check_versions
from sim.sweep.launcher import pin_sweep_dir
from sim.sweep.runner import FAULT_KILL_RUN, execute
from tests.conftest import CLI, ROOT
from tests.test_faults import one_line

TINY = ["population.size=300", "steps=6", "burn_in=3", "progress=false", "plot=false"]
POLICY = "canvassing" if (ROOT / "configs" / "policy" / "canvassing.yaml").is_file() else "none"
JOBS = [[*TINY, "policy=none", "seed=3"], [*TINY, f"policy={POLICY}", "seed=3"]]
SWEEP = ["-m", *TINY, f"policy=none,{POLICY}", "seed=3"]


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env.pop("HYDRA_FULL_ERROR", None)
    env["PYTHONWARNINGS"] = "ignore"
    return env


def run_sweep(
    where: Path, *launcher: str
) -> dict[tuple[str, int], tuple[pd.DataFrame, pd.DataFrame]]:
    """Run the sweep with a launcher; each run's tables, keyed by policy and seed."""
    r = subprocess.run(
        [*CLI, *SWEEP, f"hydra.sweep.dir={where}", *launcher],
        env=_env(),
        cwd=where.parent,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert r.returncode == 0, r.stderr[-3000:]
    out = {}
    for info_path in sorted(where.glob("*/run.json")):
        info = json.loads(info_path.read_text())
        assert info["status"] == "complete"
        out[(info["policy"], info["seed"])] = (
            pd.read_parquet(info_path.parent / "timeseries.parquet"),
            pd.read_parquet(info_path.parent / "final_state.parquet"),
        )
    assert len(out) == 2
    return out


@pytest.fixture(scope="module")
def sequential(tmp_path_factory) -> dict[tuple[str, int], tuple[pd.DataFrame, pd.DataFrame]]:
    """The jobs run one after another in this process, with the sweep's own job body.

    (The basic launcher runs them so through the command line in test_sweep.py.)
    """
    where = tmp_path_factory.mktemp("launchers") / "sequential"
    out = {}
    for i, job in enumerate(JOBS):
        info = execute(api.compose(job), where / str(i), where, job)
        out[(info["policy"], info["seed"])] = (
            pd.read_parquet(where / str(i) / "timeseries.parquet"),
            pd.read_parquet(where / str(i) / "final_state.parquet"),
        )
    return out


def assert_same(a: dict, b: dict) -> None:
    assert a.keys() == b.keys()
    for key in a:
        pd.testing.assert_frame_equal(a[key][0], b[key][0], check_exact=True)
        pd.testing.assert_frame_equal(a[key][1], b[key][1], check_exact=True)


def test_joblib_gives_the_sequential_results(sequential, tmp_path):
    par = run_sweep(tmp_path / "joblib", "hydra/launcher=parallel", "hydra.launcher.n_jobs=2")
    assert_same(sequential, par)
    # each job notes the launcher's part of its time; each worker's first, its start-up
    timings = [
        json.loads(p.read_text())["timings"] for p in (tmp_path / "joblib").glob("*/run.json")
    ]
    assert all(t["compose_s"] > 0 and t["hydra_job_s"] > 0 for t in timings)
    started = [t["worker_start_s"] for t in timings if "worker_start_s" in t]
    assert 1 <= len(started) <= 2 and all(s > 0 for s in started)


needs_ray = pytest.mark.skipif(
    importlib.util.find_spec("hydra_plugins.hydra_ray_launcher") is None
    or importlib.util.find_spec("ray") is None,
    reason="the `ray` extra (hydra-ray-launcher) is not installed",
)
needs_submitit = pytest.mark.skipif(
    importlib.util.find_spec("hydra_plugins.hydra_submitit_launcher") is None,
    reason="the `slurm` extra (hydra-submitit-launcher) is not installed",
)


@needs_ray
def test_local_ray_gives_the_sequential_results(sequential, tmp_path):
    ray = run_sweep(
        tmp_path / "ray", "hydra/launcher=ray_local", "hydra.launcher.ray.init.num_cpus=2"
    )
    assert_same(sequential, ray)


@needs_submitit
def test_submitit_gives_the_sequential_results(sequential, tmp_path):
    """About 65 s here on a loaded machine (each job a fresh process)."""
    sub = run_sweep(tmp_path / "submitit", "hydra/launcher=slurm_local")
    assert_same(sequential, sub)
    assert list((tmp_path / "submitit" / ".submitit").iterdir())  # it went through submitit


# --------------------------------------------------------------------------- a killed job


def test_sweep_dir_is_pinned_to_the_launching_process(tmp_path, monkeypatch):
    """A relative, interpolated hydra.sweep.dir becomes this directory's (well under 1 s)."""
    cfg = OmegaConf.create({"name": "a", "hydra": {"sweep": {"dir": "out/${name}"}}})
    OmegaConf.set_readonly(cfg.hydra, True)  # as Hydra leaves it
    monkeypatch.chdir(tmp_path)
    assert pin_sweep_dir(cfg) == tmp_path / "out" / "a"
    assert cfg.hydra.sweep.dir == str(tmp_path / "out" / "a")
    monkeypatch.chdir(tmp_path.parent)  # fixed: a worker elsewhere sees the same directory
    assert pin_sweep_dir(cfg) == tmp_path / "out" / "a"


def test_cluster_launchers_outside_their_checked_versions_are_refused():
    """The submitit and Ray launchers' private API is checked as Hydra's is (under 1 s)."""
    check_versions({"hydra-submitit-launcher": "1.2.0", "hydra-ray-launcher": "1.2.2"})
    for name in ("hydra-submitit-launcher", "hydra-ray-launcher"):
        with pytest.raises(UnsupportedHydra, match=f"{name} 1.3.0 is not supported"):
            check_versions({name: "1.3.0"})


def _cli(args: list[str], cwd: Path, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*CLI, *args],
        env={**_env(), **env},
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def _tables(sweep: Path) -> dict[tuple[str, int], tuple[pd.DataFrame, pd.DataFrame]]:
    out = {}
    for d in sorted(p for p in sweep.iterdir() if p.name.isdigit()):
        info = json.loads((d / "run.json").read_text())
        assert info["status"] == "complete"
        out[(info["policy"], info["seed"])] = (
            pd.read_parquet(d / "timeseries.parquet"),
            pd.read_parquet(d / "final_state.parquet"),
        )
    return out


def killed_then_resumed(
    args: list[str], cwd: Path, cause: str, sequential: dict, fault: list[str], **env: str
) -> None:
    """Run ``args`` in ``cwd`` (into the relative ``sweep``) with run 1 killed mid-run: the
    sweep ends with exit status 1, one line naming run 1 and the catalogue. The same command
    (without ``fault`` and the fault variable in ``env``) then completes it, keeping run 0,
    with the sequential tables."""
    sweep = cwd / "sweep"
    r = _cli([*args, *fault], cwd, **env)
    msg = one_line(r)
    assert msg.startswith(f"1 of 2 runs did not finish ({cause}"), msg
    assert msg.endswith(
        "): 1; run the same command again to finish them (complete runs are kept)"
    ), msg
    assert f"catalogue: {sweep / 'results.duckdb'}" in r.stdout
    runs = load_runs(sweep).set_index("run")
    assert runs["status"].to_dict() == {"0": "complete", "1": "incomplete"}
    kept = (sweep / "0" / "run.json").read_bytes()
    r = _cli(args, cwd, **{k: v for k, v in env.items() if k != FAULT_KILL_RUN})
    assert r.returncode == 0, r.stderr[-3000:]
    assert (sweep / "0" / "run.json").read_bytes() == kept  # not redone
    assert (load_runs(sweep)["status"] == "complete").all()
    assert_same(sequential, _tables(sweep))


@pytest.mark.slow
@needs_submitit
def test_submitit_killed_job_is_named_and_a_rerun_completes_it(sequential, tmp_path):
    """submitit's local executor (each job its own process), job 1 killed with SIGKILL at
    its last week. 90 to 140 s here, as loaded as the machine was (two sweeps of two jobs,
    each job a fresh process that imports the model): slow."""
    args = [*SWEEP, "hydra.sweep.dir=sweep", "hydra/launcher=slurm_local"]
    killed_then_resumed(args, tmp_path, "submitit job ", sequential, [], **{FAULT_KILL_RUN: "1"})


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _ray_node(
    ray: Path, args: list[str], cwd: Path, log: Path, env: dict[str, str]
) -> subprocess.Popen:
    """``ray start ... --block`` in its own process group; returns once the node is up."""
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [str(ray), "start", "--block", *args],
            cwd=cwd,
            env={**_env(), **env},
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    deadline = time.monotonic() + 180
    while b"Ray runtime started" not in log.read_bytes():
        if proc.poll() is not None or time.monotonic() > deadline:
            raise AssertionError(f"ray start failed: {log.read_text()[-3000:]}")
        time.sleep(0.5)
    return proc


def _stop(procs: list[subprocess.Popen], base: Path) -> None:
    """Kill the nodes' process groups, then any process still naming ``base``, by pid."""
    for p in procs:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(p.pid, signal.SIGKILL)
        p.wait(timeout=60)
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        with contextlib.suppress(OSError):
            if str(base).encode() in (proc / "cmdline").read_bytes():
                os.kill(int(proc.name), signal.SIGKILL)


@pytest.fixture
def ray_cluster() -> Iterator[tuple[str, Path, dict[str, str]]]:
    """A Ray cluster on this machine: a head and a second node, one CPU each, in their own
    temporary directory and home (Ray keeps state in ``~/.ray``, e.g. an auth token left by
    another Ray instance, that would keep the second node out); yields its address, the
    nodes' working directory and the environment to connect with. Stopped
    after the test, whether it passed or not (its process groups are killed, then any
    process still naming its directory, by pid). 20 to 40 s here to start."""
    ray = Path(sys.executable).with_name("ray")
    base = Path(tempfile.mkdtemp(prefix="ray", dir="/tmp"))  # Ray's socket paths are short
    nodes = base / "nodes"
    nodes.mkdir()
    (base / "home").mkdir()
    env = {"HOME": str(base / "home")}
    cache = os.environ.get("NUMBA_CACHE_DIR")
    per_user = getattr(sim, "numba_cache_dir", None)  # where sim keeps numba's cache
    if cache is None and callable(per_user):
        cache = str(per_user())
    if cache is not None:  # the compiled loops, not a cold cache in the new home
        env["NUMBA_CACHE_DIR"] = cache
    port = _free_port()
    common = [
        "--num-cpus=1",
        "--node-ip-address=127.0.0.1",
        f"--object-store-memory={80 * 2**20}",
        "--disable-usage-stats",
    ]
    procs: list[subprocess.Popen] = []
    try:
        head = [
            "--head",
            f"--port={port}",
            "--include-dashboard=false",
            f"--temp-dir={base / 'ray'}",
            f"--ray-client-server-port={_free_port()}",
            f"--dashboard-agent-listen-port={_free_port()}",
        ]
        procs.append(_ray_node(ray, [*head, *common], nodes, base / "head.log", env))
        worker = [f"--address=127.0.0.1:{port}", f"--dashboard-agent-listen-port={_free_port()}"]
        procs.append(_ray_node(ray, [*worker, *common], nodes, base / "worker.log", env))
        yield f"127.0.0.1:{port}", nodes, env
    finally:
        _stop(procs, base)
        subprocess.run(["rm", "-rf", str(base)], check=False)


@pytest.mark.slow
@needs_ray
def test_ray_cluster_killed_task_is_named_and_a_rerun_completes_it(
    sequential, ray_cluster, tmp_path
):
    """A Ray cluster of two nodes started here (``ray start --head`` and ``ray start
    --address``), the sweep with ``hydra/launcher=ray_cluster``; the task of run 1 kills
    its worker with SIGKILL at its last week (the fault is passed to the workers in the
    job's runtime_env, so the rerun has none). The relative sweep dir lands in the
    launching process's directory, not in the nodes'. 50 to 90 s here, plus 20 to 40 s to
    start the cluster: slow."""
    address, nodes, env = ray_cluster
    args = [
        *SWEEP,
        "hydra.sweep.dir=sweep",
        "hydra/launcher=ray_cluster",
        f"hydra.launcher.ray.init.address={address}",
    ]
    fault = f"+hydra.launcher.ray.init.runtime_env={{env_vars:{{{FAULT_KILL_RUN}:'1'}}}}"
    killed_then_resumed(args, tmp_path, "a Ray worker died", sequential, [fault], **env)
    assert not list(nodes.iterdir())  # nothing was written in the nodes' directory
