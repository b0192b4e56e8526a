"""The same sweep gives identical results sequentially, with joblib, on a local Ray
instance and through submitit (its local executor stands in for Slurm)."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
from pathlib import Path

import pandas as pd
import pytest

from sim import api
from sim.sweep.runner import execute
from tests.conftest import CLI, ROOT

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


@pytest.mark.skipif(
    importlib.util.find_spec("hydra_plugins.hydra_ray_launcher") is None
    or importlib.util.find_spec("ray") is None,
    reason="the `ray` extra (hydra-ray-launcher) is not installed",
)
def test_local_ray_gives_the_sequential_results(sequential, tmp_path):
    ray = run_sweep(
        tmp_path / "ray", "hydra/launcher=ray_local", "hydra.launcher.ray.init.num_cpus=2"
    )
    assert_same(sequential, ray)


@pytest.mark.skipif(
    importlib.util.find_spec("hydra_plugins.hydra_submitit_launcher") is None,
    reason="the `slurm` extra (hydra-submitit-launcher) is not installed",
)
def test_submitit_gives_the_sequential_results(sequential, tmp_path):
    sub = run_sweep(tmp_path / "submitit", "hydra/launcher=slurm_local")
    assert_same(sequential, sub)
    assert list((tmp_path / "submitit" / ".submitit").iterdir())  # it went through submitit
