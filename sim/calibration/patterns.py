"""Each calibration target as a run simulated it: the rule that maps a run to a pattern.

- A share over a period (a year, a quarter, a pooled span) is the mean of the metric's
  recorded values at the target's scope over the weeks whose date falls in the period
  (a recorded week at date d, ``date`` column of the time series).
- A turnout is the value of the election's event: the event of that metric whose date
  lies within a week of the target's date.
- A province is the mean of its municipalities' values weighted by their inhabitants
  (data/municipalities_2024.csv), over the municipalities the run has.
- A change is the later pattern minus the earlier one.

A pattern the run cannot give (its period outside the run, its place not simulated) is
NaN and is left out of the implausibility.
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd

from sim.calibration.targets import EVENT_METRICS, changes, load_targets
from sim.datafiles import data_file

__all__ = ["forecast_table", "observed_patterns", "simulated_patterns"]

_WEEK = timedelta(days=7)


def _inhabitants() -> pd.Series:
    m = pd.read_csv(data_file("municipalities_2024.csv"))
    return pd.Series(m["population"].to_numpy(float), index=m["code"], name="population")


def _provinces() -> dict[str, list[str]]:
    m = pd.read_csv(data_file("municipalities_2024.csv"))
    return {str(p): [f"municipality:{c}" for c in g["code"]] for p, g in m.groupby("province")}


def simulated_patterns(timeseries: pd.DataFrame, targets: pd.DataFrame) -> pd.Series:
    """Each target's simulated value (NaN where the run cannot give it), then each change.

    Args:
        timeseries: a run's time series (columns step, date, metric, scope, value).
        targets: :func:`sim.calibration.targets.load_targets`.
    """
    ts = timeseries[timeseries["metric"].isin(set(targets["metric"]))]
    days = pd.to_datetime(ts["date"]).dt.date.to_numpy()
    provinces: dict[str, list[str]] | None = None
    weights: pd.Series | None = None
    out: dict[str, float] = {}
    for name, t in zip(targets["pattern"].astype(str), targets.to_dict("records"), strict=True):
        scope, metric = str(t["scope"]), str(t["metric"])
        start: date = t["start"]
        end: date = t["end"]
        if scope.startswith("province:"):
            provinces = provinces or _provinces()
            weights = weights if weights is not None else _inhabitants()
            scopes = provinces.get(scope.split(":", 1)[1], [])
        else:
            scopes = [scope]
        lo, hi = (start - _WEEK, end + _WEEK) if metric in EVENT_METRICS else (start, end)
        sel = (
            (ts["metric"].to_numpy() == metric)
            & ts["scope"].isin(scopes).to_numpy()
            & (days >= lo)
            & (days <= hi)
        )
        rows = ts[sel]
        if rows.empty:
            out[name] = float("nan")
            continue
        per_scope = rows.groupby("scope")["value"].mean()
        if len(scopes) > 1 and weights is not None:
            w = weights.reindex([s.split(":", 1)[1] for s in per_scope.index]).to_numpy()
            out[name] = float(np.average(per_scope.to_numpy(), weights=w))
        else:
            out[name] = float(per_scope.mean())
    for c in changes(targets):
        out[c.name] = out[c.later] - out[c.earlier]
    return pd.Series(out, name="simulated", dtype=float)


def observed_patterns(targets: pd.DataFrame) -> pd.DataFrame:
    """The targets' values and standard errors, then each change's.

    A change's error adds the two in quadrature: the surveys are independent samples.
    """
    value = dict(zip(targets.index, targets["value"].to_numpy(float), strict=True))
    sd = dict(zip(targets.index, targets["obs_sd"].to_numpy(float), strict=True))
    for c in changes(targets):
        value[c.name] = value[c.later] - value[c.earlier]
        sd[c.name] = float(np.hypot(sd[c.earlier], sd[c.later]))
    return pd.DataFrame({"value": pd.Series(value), "obs_sd": pd.Series(sd)})


def forecast_table(runs: pd.DataFrame, until: date) -> pd.DataFrame:
    """Each pattern after ``until``: CBS's value and the runs' median and 90% range."""
    targets = load_targets()
    later = targets[targets["start"] > until]
    observed = observed_patterns(later)
    rows = []
    for name in later.index:
        if name not in runs.columns or runs[name].isna().all():
            continue
        values = runs[name].dropna().to_numpy()
        lo, mid, hi = np.quantile(values, [0.05, 0.5, 0.95])
        obs = float(observed.loc[name, "value"])
        rows.append(
            {
                "pattern": name,
                "metric": later.loc[name, "metric"],
                "scope": later.loc[name, "scope"],
                "period": f"{later.loc[name, 'start']}..{later.loc[name, 'end']}",
                "cbs": obs,
                "median": float(mid),
                "low_5": float(lo),
                "high_95": float(hi),
                "error_points": round(100 * (float(mid) - obs), 1),
                "inside_90": bool(lo <= obs <= hi),
            }
        )
    return pd.DataFrame(rows)
