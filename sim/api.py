"""The Python API for notebooks and tests: compose a config, run it, get the tables.

>>> from sim import api
>>> res = api.run(["population.size=2000", "steps=20", "seed=1"])
>>> res.timeseries.query("metric == 'cohesion_index' and scope == 'all'").tail(1)

Composition uses Hydra's compose API on the package's own configs; nothing changes the
working directory, and nothing is written unless ``out_dir`` is given. A run goes
through the same path as the command line's (:func:`sim.run.run`).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
from omegaconf import DictConfig

from sim.compose import compose, config_dir
from sim.config import RunConfig
from sim.model import CohesionModel
from sim.prepare import prepare
from sim.results import run_info, write_run
from sim.run import run as run_tables

__all__ = ["RunResult", "compose", "config_dir", "run"]


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
    typed = prepare(cfg)
    t0 = time.perf_counter()
    tables = run_tables(typed, progress=typed.progress if progress is None else progress)
    wall = time.perf_counter() - t0
    info = run_info(typed, wall, "complete", budget=tables.budget, warnings=tables.warnings)
    if out_dir is not None:
        write_run(tables, typed, Path(out_dir), info)
    assert tables.model is not None
    return RunResult(
        timeseries=tables.timeseries.to_pandas(),
        final_state=tables.final_state.to_pandas(),
        info=info,
        model=tables.model,
    )
