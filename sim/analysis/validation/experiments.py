"""The validation experiments as Hydra sweeps: tabulating their runs.

The same questions as the studies, through the command line (smaller, without the time
to converge), are the experiments ``experiments/validation_*.yaml``
(``cohesion-sim experiment=validation_hk``); :func:`sweep_table` measures the final
opinions of each run of such a sweep.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from omegaconf import OmegaConf

from sim.analysis.validation.measures import effective_clusters, fm_polarization, major_clusters

__all__ = ["sweep_table"]


def sweep_table(sweep_dir: Path) -> list[dict[str, Any]]:
    """Tabulate the runs of an experiment's sweep from its job directories.

    For every job directory under ``sweep_dir`` (those holding ``final_state.parquet``),
    one row: the job's overrides (``key=value`` from ``.hydra/overrides.yaml``), and from
    the final opinions the number of major clusters, the effective number of clusters
    (under the run's own bound and update) and Flache & Macy's polarisation.
    """
    rows: list[dict[str, Any]] = []
    for state in sorted(Path(sweep_dir).rglob("final_state.parquet")):
        job = state.parent
        cfg = OmegaConf.load(job / ".hydra" / "config.yaml")
        over = OmegaConf.load(job / ".hydra" / "overrides.yaml")
        row: dict[str, Any] = {}
        for item in over:
            key, _, value = str(item).partition("=")
            if key != "experiment":
                row[key] = value
        x = pd.read_parquet(state, columns=["opinion"])["opinion"].to_numpy(np.float64)
        eps = float(cfg.dynamics.confidence)
        closed = str(cfg.dynamics.influence.update) == "synchronous"
        row["job"] = str(job.relative_to(sweep_dir))
        row["major_clusters"] = major_clusters(x, eps, closed=closed)
        row["effective_clusters"] = effective_clusters(x, eps, closed=closed)
        row["fm_polarization"] = fm_polarization(x)
        rows.append(row)
    return rows
