"""Load a sweep into tidy DataFrames, from its catalogue (``results.duckdb``).

Thin, read-only helpers over :mod:`sim.catalogue` and :func:`sim.report.load_sweep`, so
a notebook sees the same tables as the report::

    from sim.analysis import load
    runs = load.runs("multirun/quick")                  # one row per run
    finals = load.final_values("multirun/quick")        # run, policy, ..., metric, value
    ts = load.timeseries("multirun/quick", "trust_mean")  # run, policy, ..., step, value
    data = load.sweep("multirun/quick")                 # the report's SweepData

Filters are passed to DuckDB as parameters, never pasted into SQL.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from sim.catalogue import connect, load_runs

if TYPE_CHECKING:
    from sim.report import SweepData

__all__ = ["final_values", "outcomes", "runs", "sweep", "timeseries", "uncertain_columns"]

_KEYS = ["run", "policy", "future", "seed", "sample"]


def runs(sweep_dir: str | Path, *, complete: bool = True) -> pd.DataFrame:
    """The runs table (``attrs``: ``swept`` and ``uncertain`` column names).

    Args:
        sweep_dir: the sweep directory (holding ``results.duckdb``, rebuilt if missing).
        complete: keep only complete runs of the current sweep.
    """
    out = load_runs(sweep_dir)
    if complete:
        attrs = dict(out.attrs)
        keep = out["status"] == "complete"
        if "in_sweep" in out:
            keep &= out["in_sweep"].astype(bool)
        out = out[keep].reset_index(drop=True)
        out.attrs.update(attrs)
    return out


def uncertain_columns(table: pd.DataFrame) -> list[str]:
    """The columns of a runs table that hold uncertain parameters (``uncertain.<key>``)."""
    return [c for c in table.columns if str(c).startswith("uncertain.")]


def _in(column: str, values: Sequence[str] | None) -> tuple[str, list[object]]:
    if not values:
        return "", []
    return f" AND list_contains(?, {column})", [list(values)]


def final_values(
    sweep_dir: str | Path,
    metrics: Sequence[str] | None = None,
    scopes: Sequence[str] | None = ("all",),
) -> pd.DataFrame:
    """Each run's last recorded value of the chosen metrics and scopes, long.

    Returns:
        run, policy, future, seed, sample, metric, scope, value.
    """
    m_sql, m_args = _in("metric", metrics)
    s_sql, s_args = _in("scope", scopes)
    with connect(sweep_dir) as con:
        fin = con.execute(
            "SELECT run, metric, scope, value FROM final_values WHERE true" + m_sql + s_sql,
            [*m_args, *s_args],
        ).df()
    keys = runs(sweep_dir)[_KEYS]
    return keys.merge(fin, on="run", how="inner")


def outcomes(sweep_dir: str | Path, metric: str = "cohesion_index") -> pd.DataFrame:
    """One row per run: its keys, its uncertain parameters and ``value`` (scope all).

    The ``future`` is the context, ready for :mod:`sim.analysis.effects`.
    """
    r = runs(sweep_dir)
    fin = final_values(sweep_dir, [metric])[["run", "value"]]
    out = r[[*_KEYS, *uncertain_columns(r)]].merge(fin, on="run", how="inner")
    out["context"] = out["future"]
    return out


def timeseries(
    sweep_dir: str | Path, metric: str, scopes: Sequence[str] | None = ("all",)
) -> pd.DataFrame:
    """One metric over time for every complete run: keys, scope, step, value."""
    s_sql, s_args = _in("scope", scopes)
    with connect(sweep_dir) as con:
        ts = con.execute(
            "SELECT run, policy, future, seed, sample, scope, step, value FROM timeseries "
            "WHERE metric = ?" + s_sql + " ORDER BY run, scope, step",
            [metric, *s_args],
        ).df()
    return ts


def sweep(sweep_dir: str | Path, metric: str = "cohesion_index") -> SweepData:
    """The report's view of a sweep (:class:`sim.report.SweepData`), for its tables."""
    from sim.report import load_sweep

    return load_sweep(sweep_dir, metric, rebuild=False)
