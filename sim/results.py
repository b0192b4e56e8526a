"""Writing and reading run outputs.

A run directory holds (DESIGN.md §3): ``timeseries.parquet`` (tidy: step, metric,
scope, value), ``final_state.parquet`` (one row per citizen), ``run.json`` (seed,
config hash, versions, commit, wall time, status) and ``cohesion.png``. Every file is
written to a temporary name and renamed into place, and ``run.json`` is written last,
so a directory whose run.json says ``complete`` holds whole files, and no half-written
file ever carries a final name.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import tempfile
from collections.abc import Callable
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from sim.config import RunConfig, to_dict
from sim.metrics import METRICS

if TYPE_CHECKING:
    from sim.model import CohesionModel

__all__ = [
    "RUN_FILES",
    "atomic_write",
    "config_hash",
    "final_state_table",
    "read_run",
    "run_info",
    "timeseries_table",
    "write_parquet",
]

RUN_FILES = ("timeseries.parquet", "final_state.parquet", "run.json", "cohesion.png")
#: Keys of the config that do not change results (left out of the hash).
PRESENTATION_KEYS = ("progress", "plot")


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


_UMASK = _umask()


def atomic_write(path: Path, write: Callable[[Path], None]) -> None:
    """Call ``write(tmp)`` on a temporary file beside ``path``, then rename it into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        os.chmod(tmp, 0o666 & ~_UMASK)
        write(tmp)
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_parquet(table: pa.Table, path: Path) -> None:
    """Write a table atomically, deterministically (same table, same bytes)."""
    atomic_write(path, lambda tmp: pq.write_table(table, tmp, compression="zstd"))


def config_hash(cfg: RunConfig) -> str:
    """SHA-256 of the resolved model config (presentation keys left out)."""
    d = to_dict(cfg)
    for k in PRESENTATION_KEYS:
        d.pop(k, None)
    blob = json.dumps(d, sort_keys=True, separators=(",", ":")).encode()
    return hashlib.sha256(blob).hexdigest()


def timeseries_table(model: CohesionModel) -> pa.Table:
    """The tidy time series of a model run: step, metric, scope, value."""
    rep = model.scopes.reported
    names = np.array(model.scopes.names, dtype=object)[rep]
    rec = model.records[:, :, rep]  # (steps, metrics, scopes)
    n_steps, n_metrics, n_scopes = rec.shape
    step = np.repeat(model.record_steps, n_metrics * n_scopes)
    metric = np.tile(np.repeat(np.array(METRICS, dtype=object), n_scopes), n_steps)
    scope = np.tile(names, n_steps * n_metrics)
    value = rec.reshape(-1)
    if model.events:
        ev_step, ev_metric, ev_scope, ev_value = zip(*model.events, strict=True)
        step = np.concatenate([step, np.array(ev_step, dtype=np.int64)])
        metric = np.concatenate([metric, np.array(ev_metric, dtype=object)])
        scope = np.concatenate([scope, np.array(ev_scope, dtype=object)])
        value = np.concatenate([value, np.array(ev_value, dtype=np.float64)])
    return pa.table(
        {
            "step": pa.array(step, pa.int64()),
            "metric": pa.array(metric, pa.string()),
            "scope": pa.array(scope, pa.string()),
            "value": pa.array(value, pa.float64()),
        }
    )


def final_state_table(model: CohesionModel) -> pa.Table:
    """One row per citizen with its final state."""
    pop = model.population
    cols: dict[str, Any] = {"citizen": np.arange(pop.size, dtype=np.int64)}
    names = np.array(pop.group_names, dtype=object)
    for k, v in pop.arrays().items():
        cols[k] = names[v] if k == "group" else v
    cols["tension"] = model.tension[pop.neighbourhood]
    cols["offline_degree"] = model.network.offline.degree
    cols["online_degree"] = model.network.online.degree
    return pa.table({k: pa.array(v) for k, v in cols.items()})


def _git_commit() -> str | None:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            cwd=Path(__file__).parent,
            capture_output=True,
            text=True,
            timeout=5,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None if out.returncode == 0 else None


def _versions() -> dict[str, str]:
    out = {}
    for pkg in ("cohesion-sim", "mesa", "hydra-core", "numpy", "pandas", "pyarrow"):
        try:
            out[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            out[pkg] = "not installed"
    return out


def run_info(cfg: RunConfig, wall_time: float, status: str, **extra: Any) -> dict[str, Any]:
    """The contents of run.json."""
    return {
        "seed": cfg.seed,
        "config_hash": config_hash(cfg),
        "policy": cfg.policy.name,
        "future": cfg.scenario.name,
        "preset": cfg.preset,
        "steps": cfg.steps,
        "population": cfg.population.size,
        "versions": _versions(),
        "git_commit": _git_commit(),
        "wall_time_s": round(wall_time, 3),
        "status": status,
        **extra,
    }


def write_json(obj: dict[str, Any], path: Path) -> None:
    """Write JSON atomically."""
    text = json.dumps(obj, indent=2, sort_keys=True) + "\n"

    def write(tmp: Path) -> None:
        tmp.write_text(text)

    atomic_write(path, write)


def read_run(run_dir: str | Path) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, Any]]:
    """Read a run directory: (timeseries, final_state, run.json contents)."""
    d = Path(run_dir)
    info = json.loads((d / "run.json").read_text())
    return (
        pd.read_parquet(d / "timeseries.parquet"),
        pd.read_parquet(d / "final_state.parquet"),
        info,
    )
