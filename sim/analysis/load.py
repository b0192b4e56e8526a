"""Load a sweep into tidy DataFrames, from its catalogue (``results.duckdb``).

Thin, read-only helpers over :mod:`sim.catalogue`, and :func:`load_sweep`, the view of a
sweep that the report (:mod:`sim.report`) takes, so a notebook sees the same tables as
the report::

    from sim.analysis import load
    runs = load.runs("multirun/quick")                  # one row per run
    finals = load.final_values("multirun/quick")        # run, policy, ..., metric, value
    ts = load.timeseries("multirun/quick", "trust_mean")  # run, policy, ..., step, value
    data = load.sweep("multirun/quick")                 # the report's SweepData

Filters are passed to DuckDB as parameters, never pasted into SQL.

The report's view also carries what dates and sizes its pages need: each run's start
date and place (from its ``run.json``), the sweep's common start date, the citizens of
every scope (the week-0 ``citizens`` rows; the fewest in any run) and the minimum below
which a scope is too small to compare (``small_scope``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from sim.analysis import effects as fx
from sim.catalogue import connect, load_runs
from sim.config import RunConfig
from sim.io import read_json

__all__ = [
    "CITIZENS_METRIC",
    "SMALL_SCOPE",
    "SPENDING_METRIC",
    "SPENDING_PARTS",
    "SweepData",
    "final_values",
    "load_sweep",
    "outcomes",
    "runs",
    "sweep",
    "timeseries",
    "uncertain_columns",
]

_KEYS = ["run", "policy", "future", "seed", "sample"]

#: Euros spent per week by the whole policy (scope ``all``), summed over the run ...
SPENDING_METRIC = "euros_spent"
#: ... or, where a run logs no such metric, the sum of its interventions' ``<name>.euros``.
SPENDING_PARTS = "%.euros"
#: Swept keys that do not define a context (they are the design or the presentation,
#: not the world).
_NOT_CONTEXT = ("experiment", "uncertainty.sample", "uncertainty.design_seed", "small_scope")
#: The weekly event that gives each scope's citizens (logged at week 0).
CITIZENS_METRIC = "citizens"
#: The default minimum of citizens below which a scope is reported as imprecise.
SMALL_SCOPE = RunConfig().small_scope


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
    """The report's view of a sweep (:class:`SweepData`), for its tables."""
    return load_sweep(sweep_dir, metric, rebuild=False)


# --------------------------------------------------------------------------- the report's view


@dataclass
class SweepData:
    """What the report needs, read from the catalogue.

    Attributes:
        runs: the runs table (every run in the sweep, any status).
        outcomes: one row per complete run: run, policy, context, future, seed,
            sample, value (the outcome).
        series: the outcome over time: run, policy, context, step, value.
        spending: one row per complete run: run, policy, context, euros.
        measures: final values of other measures, long: run, policy, context, seed,
            sample, measure, value (signed so that higher is better).
        metric: the outcome's metric name.
        notes: remarks for the reader (missing costs, missing baseline, ...).
        citizens: citizens per scope: scope, citizens (the fewest in any complete run;
            empty for runs that did not log them).
        small_scope: scopes with fewer citizens than this are reported as imprecise.
        start_date: the date of week 0 shared by every complete run, or None (runs that
            start on different dates, or that do not record it).
    """

    runs: pd.DataFrame
    outcomes: pd.DataFrame
    series: pd.DataFrame
    spending: pd.DataFrame
    measures: pd.DataFrame
    metric: str
    notes: list[str] = field(default_factory=list)
    citizens: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame({"scope": [], "citizens": []})
    )
    small_scope: int = SMALL_SCOPE
    start_date: str | None = None

    def scope_citizens(self) -> dict[str, int]:
        """Citizens per scope (scopes without a count are left out)."""
        return {
            str(s): int(c)
            for s, c in zip(self.citizens["scope"], self.citizens["citizens"], strict=True)
        }

    def small_scopes(self) -> dict[str, int]:
        """The scopes with fewer citizens than :attr:`small_scope`, with their citizens."""
        return {s: c for s, c in self.scope_citizens().items() if c < self.small_scope}


def _contexts(table: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """Each run's context and policy label.

    The context is the future plus any other model key that varies across the sweep's
    runs (e.g. ``baseline | dynamics.confidence=0.2``); a swept ``policy.*`` key makes
    a policy variant (``canvassing [policy.budget=2e6]``).
    """
    current = table[table["in_sweep"]] if "in_sweep" in table else table
    swept = [
        c
        for c in table.attrs.get("swept", [])
        if c in table.columns and current[c].nunique(dropna=False) > 1
    ]
    world = [c for c in swept if c not in _NOT_CONTEXT and not c.startswith("policy.")]
    variant = [c for c in swept if c.startswith("policy.")]

    def label(row: pd.Series, keys: list[str]) -> str:
        return ", ".join(f"{k}={row[k]}" for k in keys if pd.notna(row[k]))

    context = table["future"].astype(str)
    policy = table["policy"].astype(str)
    if world:
        extra = table.apply(label, axis=1, keys=world)
        context = context.where(extra == "", context + " | " + extra)
    if variant:
        extra = table.apply(label, axis=1, keys=variant)
        policy = policy.where(extra == "", policy + " [" + extra + "]")
    return context, policy


def _run_records(table: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """Each run's start date and place, from its run.json (missing: NA)."""
    dates, places = [], []
    for run_dir, status in zip(table["run_dir"], table["status"], strict=True):
        info = read_json(Path(str(run_dir)) / "run.json") if status == "complete" else None
        dates.append((info or {}).get("start_date"))
        places.append((info or {}).get("place"))
    return (
        pd.Series(dates, index=table.index, dtype="string"),
        pd.Series(places, index=table.index, dtype="string"),
    )


def _small_scope(done: pd.DataFrame) -> int:
    """The runs' ``small_scope`` (the largest, if they differ), else the default."""
    if "small_scope" in done.columns:
        given = pd.to_numeric(done["small_scope"], errors="coerce").dropna()
        if not given.empty:
            return int(given.max())
    return SMALL_SCOPE


class MixedVersions(ValueError):
    """A sweep's runs come from different models or calibrations; the message says which."""


def check_versions(runs: pd.DataFrame) -> None:
    """Refuse runs of different model versions, or of different fitted ensembles.

    Runs without a calibration may sit beside runs with one (a sweep over
    ``calibration``); two different ensembles, or two fingerprints of the model, may not:
    their differences would be read as effects.

    Raises:
        MixedVersions: naming the versions and how many runs have each.
    """
    for column, what in (("model_version", "model"), ("posterior_version", "posterior")):
        if column not in runs.columns:
            continue
        counts = runs[column].dropna().astype(str).value_counts()
        if len(counts) > 1:
            listed = ", ".join(f"{v} ({n} runs)" for v, n in counts.items())
            raise MixedVersions(
                f"the runs come from different {what} versions: {listed}; rerun the old "
                "ones with this version (delete their run directories and resume the sweep)"
            )


def load_sweep(
    sweep_dir: str | Path,
    metric: str = "cohesion_index",
    *,
    rebuild: bool = True,
    small_scope: int | None = None,
) -> SweepData:
    """Read a sweep's runs and outcomes from its catalogue.

    Args:
        sweep_dir: the sweep directory.
        metric: the outcome metric (scope ``all``, value at each run's last week).
        rebuild: rebuild the catalogue from the run directories first.
        small_scope: scopes with fewer citizens are imprecise (default: the runs'
            ``small_scope``, the largest if they differ).
    """
    root = Path(sweep_dir)
    if rebuild:
        from sim.catalogue import build_catalogue

        build_catalogue(root)
    table = load_runs(root)
    table["context"], table["policy_label"] = _contexts(table)
    table["start_date"], table["place"] = _run_records(table)
    done = table[(table["status"] == "complete") & table["in_sweep"]]
    check_versions(done)
    keys = done[["run", "policy_label", "context", "future", "seed", "sample"]].rename(
        columns={"policy_label": "policy"}
    )
    measures_all = [*fx.HIGHER_IS_BETTER, *fx.LOWER_IS_BETTER]
    with connect(root) as con:
        finals = con.execute(
            "SELECT run, metric, scope, value FROM final_values "
            "WHERE (scope = 'all' AND list_contains(?, metric)) OR metric = ? OR metric = ?",
            [measures_all, metric, CITIZENS_METRIC],
        ).df()
        series = con.execute(
            "SELECT run, step, value FROM timeseries WHERE metric = ? AND scope = 'all'",
            [metric],
        ).df()
        spent = con.execute(
            """SELECT run,
                   CASE WHEN count(*) FILTER (WHERE metric = ?) > 0
                        THEN sum(value) FILTER (WHERE metric = ?)
                        ELSE sum(value) FILTER (WHERE metric LIKE ?) END AS euros
            FROM timeseries
            WHERE scope = 'all' AND (metric = ? OR metric LIKE ?)
            GROUP BY run""",
            [SPENDING_METRIC, SPENDING_METRIC, SPENDING_PARTS, SPENDING_METRIC, SPENDING_PARTS],
        ).df()
    notes: list[str] = []
    main = finals[(finals["metric"] == metric) & (finals["scope"] == "all")]
    outs = keys.merge(main[["run", "value"]], on="run", how="inner")
    series = keys[["run", "policy", "context"]].merge(series, on="run", how="inner")
    spending = keys[["run", "policy", "context"]].merge(spent, on="run", how="left")
    if spent.empty and not keys.empty:
        notes.append(
            f"No run recorded its spending ('{SPENDING_METRIC}' or '<intervention>.euros'): "
            "costs are taken as 0 and cost-effectiveness is not shown."
        )
    spending["euros"] = spending["euros"].fillna(0.0)
    sign = dict.fromkeys(fx.HIGHER_IS_BETTER, 1.0) | dict.fromkeys(fx.LOWER_IS_BETTER, -1.0)
    comp = finals[(finals["scope"] == "all") & (finals["metric"] != metric)].copy()
    comp = comp[comp["metric"].isin(sign)]
    comp["measure"] = comp["metric"]
    comp["value"] = comp["value"].astype(float) * comp["metric"].map(sign).astype(float)
    scoped = finals[(finals["metric"] == metric) & (finals["scope"] != "all")].copy()
    scoped["measure"] = metric + " in " + scoped["scope"]
    scoped["value"] = scoped["value"] * sign.get(metric, 1.0)
    measures = pd.concat([comp, scoped], ignore_index=True)[["run", "measure", "value"]]
    measures = keys.merge(measures, on="run", how="inner")
    if not keys.empty and fx.BASELINE not in set(keys["policy"]):
        notes.append(
            f"No run of policy '{fx.BASELINE}' in this sweep: effects, regret and "
            "cost-effectiveness need it as the reference."
        )
    sizes = finals[(finals["metric"] == CITIZENS_METRIC) & finals["run"].isin(keys["run"])]
    citizens = (
        sizes.groupby("scope", as_index=False)
        .agg(citizens=("value", "min"))
        .astype({"citizens": "int64"})
    )
    starts = done["start_date"].dropna().unique()
    start = str(starts[0]) if len(starts) == 1 and done["start_date"].notna().all() else None
    small = _small_scope(done) if small_scope is None else int(small_scope)
    return SweepData(table, outs, series, spending, measures, metric, notes, citizens, small, start)
