"""The Python API for notebooks and tests: compose a config, run it, get the tables.

>>> from sim import api
>>> res = api.run(["population.size=2000", "steps=20", "seed=1"])
>>> res.timeseries.query("metric == 'cohesion_index' and scope == 'all'").tail(1)

Composition uses Hydra's compose API on the package's own configs; nothing changes the
working directory, and nothing is written unless ``out_dir`` is given.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
from hydra import compose as hydra_compose
from hydra import initialize_config_dir
from hydra.core.global_hydra import GlobalHydra
from omegaconf import DictConfig

from sim.config import RunConfig, register_schema, validate
from sim.model import CohesionModel
from sim.plots import plot_cohesion, save_figure
from sim.progress import progress_bar
from sim.results import (
    final_state_table,
    run_info,
    timeseries_table,
    write_json,
    write_parquet,
)

__all__ = ["RunResult", "compose", "config_dir", "run", "simulate", "write_outputs"]


def config_dir() -> Path:
    """The configs directory: the repository's in a checkout, else the packaged copy."""
    here = Path(__file__).resolve().parent
    for candidate in (here.parent / "configs", here / "_configs"):
        if (candidate / "config.yaml").is_file():
            return candidate
    raise FileNotFoundError(f"no configs directory next to {here}")


def compose(
    overrides: Sequence[str] = (), config_name: str = "config", *, extra_dirs: Sequence[str] = ()
) -> DictConfig:
    """Compose the config with Hydra overrides (e.g. ``["seed=3", "policy=none"]``).

    Args:
        overrides: Hydra override strings.
        config_name: the primary config.
        extra_dirs: more config directories to search (a user's own configs).
    """
    register_schema()
    ov = list(overrides)
    if extra_dirs:
        paths = ",".join(f"file://{Path(d).resolve()}" for d in extra_dirs)
        ov.append(f"hydra.searchpath=[{paths}]")
    gh = GlobalHydra.instance()
    was = gh.is_initialized()
    if was:
        gh.clear()
    try:
        with initialize_config_dir(config_dir=str(config_dir()), version_base="1.3"):
            return hydra_compose(config_name=config_name, overrides=ov)
    finally:
        GlobalHydra.instance().clear()


def simulate(cfg: DictConfig | RunConfig, *, progress: bool | None = None) -> CohesionModel:
    """Build the model and run it for ``cfg.steps`` weeks; return the model."""
    typed = validate(cfg)
    show = typed.progress if progress is None else progress
    model = CohesionModel(typed, progress=show)
    for _ in progress_bar(range(typed.steps), "weeks", "week", enabled=show):
        model.step()
    return model


@dataclass
class RunResult:
    """What a run returns: both tables, run.json's contents and the model itself."""

    timeseries: pd.DataFrame
    final_state: pd.DataFrame
    info: dict[str, Any]
    model: CohesionModel

    def metric(self, name: str, scope: str = "all") -> pd.Series:
        """One metric's series for one scope, indexed by step."""
        ts = self.timeseries
        d = ts[(ts["metric"] == name) & (ts["scope"] == scope)]
        return d.set_index("step")["value"]


def write_outputs(
    model: CohesionModel,
    cfg: RunConfig,
    out_dir: Path,
    wall_time: float,
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Write the run directory (run.json last, with ``extra`` keys); return its contents."""
    out_dir.mkdir(parents=True, exist_ok=True)
    ts = timeseries_table(model)
    write_parquet(ts, out_dir / "timeseries.parquet")
    write_parquet(final_state_table(model), out_dir / "final_state.parquet")
    if cfg.plot:
        title = (
            f"Social cohesion: policy '{cfg.policy.name}', future '{cfg.scenario.name}', "
            f"{cfg.population.size:,} citizens, seed {cfg.seed}"
        )
        save_figure(plot_cohesion(ts.to_pandas(), title), out_dir / "cohesion.png")
    info = run_info(cfg, wall_time, "complete", **(extra or {}))
    write_json(info, out_dir / "run.json")
    return info


def run(
    cfg: DictConfig | RunConfig | Sequence[str] | None = None,
    out_dir: str | Path | None = None,
    *,
    progress: bool | None = False,
) -> RunResult:
    """Compose (if given overrides), run, and return the tables; write them if out_dir.

    Args:
        cfg: a config, or a list of override strings, or None for the defaults.
        out_dir: where to write the run files (nothing is written if None).
        progress: show progress bars (None: as the config says).
    """
    if cfg is None:
        cfg = compose([])
    elif not isinstance(cfg, DictConfig | RunConfig):
        cfg = compose([str(o) for o in cfg])
    typed = validate(cfg)
    t0 = time.perf_counter()
    model = simulate(typed, progress=progress)
    wall = time.perf_counter() - t0
    if out_dir is not None:
        info = write_outputs(model, typed, Path(out_dir), wall)
    else:
        info = run_info(typed, wall, "complete")
    return RunResult(
        timeseries=timeseries_table(model).to_pandas(),
        final_state=final_state_table(model).to_pandas(),
        info=info,
        model=model,
    )
