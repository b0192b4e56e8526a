"""Writing and reading run directories.

A run directory holds ``timeseries.parquet`` (tidy: step, metric, scope, value),
``final_state.parquet`` (one row per citizen), ``cohesion.png`` and ``run.json`` (seed,
config hash, versions, commit, wall time, status). Every file is written atomically
(:mod:`sim.io`) and ``run.json`` last, so a directory whose run.json says ``complete``
holds whole files. The tables come from the run (:class:`sim.tables.RunTables`); this
module only writes and reads files.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import time
from functools import lru_cache
from importlib import metadata
from pathlib import Path
from typing import Any

import pandas as pd

from sim.calibration.fingerprint import calibration_info
from sim.config import RunConfig, stable_dict
from sim.io import write_json, write_parquet
from sim.maps import map_figure
from sim.places import citizens, label
from sim.plots import plot_cohesion, save_figure
from sim.tables import RunTables

__all__ = [
    "RUN_FILES",
    "config_hash",
    "package_versions",
    "read_run",
    "run_info",
    "write_run",
]

RUN_FILES = ("timeseries.parquet", "final_state.parquet", "run.json", "cohesion.png")
#: Keys of the config that do not change results (left out of the hash).
PRESENTATION_KEYS = ("progress", "plot", "small_scope")


def config_hash(cfg: RunConfig) -> str:
    """SHA-256 of the config as given (presentation keys and unset later keys left out)."""
    d = stable_dict(cfg)
    for k in PRESENTATION_KEYS:
        d.pop(k, None)
    blob = json.dumps(d, sort_keys=True, separators=(",", ":")).encode()
    return hashlib.sha256(blob).hexdigest()


@lru_cache(maxsize=1)
def _git_commit() -> str | None:
    """The checkout's commit, asked once per process (a sweep worker writes many runs)."""
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


#: The packages whose version can change a run's numbers or what is read from them: the
#: model and its config composition, the arrays, the compiled kernels (numba and its
#: compiler llvmlite), the statistics, the tables and the catalogue. run.json records each.
VERSIONED = (
    "cohesion-sim",
    "mesa",
    "hydra-core",
    "omegaconf",
    "numpy",
    "numba",
    "llvmlite",
    "scipy",
    "SALib",
    "pandas",
    "pyarrow",
    "duckdb",
)


def package_versions() -> dict[str, str]:
    """The installed version of each of :data:`VERSIONED`, or ``"absent"``.

    Read once per process (a sweep worker writes many runs); a copy each time.
    """
    return dict(_package_versions(VERSIONED))


@lru_cache(maxsize=4)
def _package_versions(packages: tuple[str, ...]) -> dict[str, str]:
    out = {}
    for pkg in packages:
        try:
            out[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            out[pkg] = "absent"
    return out


def run_info(cfg: RunConfig, wall_time: float, status: str, **extra: Any) -> dict[str, Any]:
    """The contents of run.json for a run of ``cfg`` (the config as given)."""
    return {
        "seed": cfg.seed,
        "config_hash": config_hash(cfg),
        "policy": cfg.policy.name,
        "future": cfg.scenario.name,
        "preset": cfg.preset,
        "steps": cfg.steps,
        "population": citizens(cfg.population),
        "place": label(cfg.population),
        "start_date": cfg.start_date,
        "versions": package_versions(),
        "calibration": calibration_info(cfg),
        "git_commit": _git_commit(),
        "wall_time_s": round(wall_time, 3),
        "status": status,
        **extra,
    }


def write_run(tables: RunTables, cfg: RunConfig, out_dir: Path, info: dict[str, Any]) -> None:
    """Write a run directory: the tables, the figure (if ``cfg.plot``), run.json last.

    If ``info`` has ``timings``, the seconds the files before run.json took are added
    to them as ``write_s``.
    """
    t0 = time.perf_counter()
    out_dir.mkdir(parents=True, exist_ok=True)
    write_parquet(tables.timeseries, out_dir / "timeseries.parquet")
    write_parquet(tables.final_state, out_dir / "final_state.parquet")
    if cfg.plot:
        title = (
            f"Social cohesion in {label(cfg.population)}: policy '{cfg.policy.name}', "
            f"future '{cfg.scenario.name}', {citizens(cfg.population):,} citizens, "
            f"seed {cfg.seed}"
        )
        ts = tables.timeseries.to_pandas()
        save_figure(plot_cohesion(ts, title), out_dir / "cohesion.png")
        munis = ts.loc[ts["scope"].str.startswith("municipality:"), "scope"].nunique()
        if cfg.population.places != "synthetic" and munis > 1:
            place = label(cfg.population)
            where = f"{place[0].upper()}{place[1:]}, by municipality"
            save_figure(map_figure(ts, title=where, small=cfg.small_scope), out_dir / "map.png")
    if cfg.calibration.patterns:
        write_patterns(tables, cfg, out_dir / "patterns.csv")
    if isinstance(info.get("timings"), dict):
        info["timings"]["write_s"] = round(time.perf_counter() - t0, 4)
    write_json(info, out_dir / "run.json")


def write_patterns(tables: RunTables, cfg: RunConfig, path: Path) -> None:
    """Write each calibration target as the run simulated it, with the run's member."""
    from sim.calibration.patterns import simulated_patterns
    from sim.calibration.targets import load_targets

    simulated = simulated_patterns(tables.timeseries.to_pandas(), load_targets())
    out = simulated.rename_axis("pattern").reset_index()
    out["member"] = cfg.calibration.member
    out["seed"] = cfg.seed
    out.to_csv(path, index=False, float_format="%.6g")


def read_run(run_dir: str | Path) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, Any]]:
    """Read a run directory: (timeseries, final_state, run.json contents)."""
    d = Path(run_dir)
    info = json.loads((d / "run.json").read_text())
    return (
        pd.read_parquet(d / "timeseries.parquet"),
        pd.read_parquet(d / "final_state.parquet"),
        info,
    )
