"""Policy effects in natural units: person-years, standard deviations, points, counts.

The index and the shares answer "how much better"; a strategist also asks "for how
many people, for how long". From each run's time series of one scope (``all`` by
default) this module computes, per run, quantities in natural units, and pairs each
policy's run with the run without policy that shares its context and pair keys (as
:func:`sim.analysis.effects.paired_differences` does):

- ``person_years_trusting_<kind>`` (politics, rule of law, people): the citizens
  trusting that institution (the share above 0.5, ``trust_<kind>_share``, times the
  scope's citizens) summed over the weeks after week 0, divided by 52. The paired
  difference is the person-years moved out of low trust by the policy;
- ``prejudice_in_sd``: prejudice at the last recorded week (``prejudice_mean``) in
  standard deviations of its spread over citizens in the run without policy at week 0
  (``prejudice_sd``): the paired difference is the policy's change of prejudice in the
  unit contact studies report (Cohen's d);
- ``turnout_points``, ``turnout_points_<kind>``: for each turnout logged
  (``turnout``, ``turnout_parliament``, ...), its mean over the elections after week 0,
  in percentage points; only where both runs logged it;
- ``tense_neighbourhood_weeks``: ``tense_neighbourhoods`` summed over the weeks;
- ``cross_group_contacts``: ``bridging_contacts`` summed over the weeks, the contacts
  across groups that took place (a citizen counted at most once a week).

Sums over weeks weight each record by the weeks since the record before it (1 with
weekly records; with ``metrics_every`` k each record stands for the k weeks before it,
an approximation). The scope's citizens are read from the ``citizens`` rows (logged at
week 0).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from sim.analysis.effects import BASELINE
from sim.analysis.stats import mean_ci

__all__ = ["TRUST_KINDS", "WEEKS_PER_YEAR", "natural_differences", "natural_effects"]

WEEKS_PER_YEAR = 52
#: Trust kinds and the metric giving the share of citizens trusting.
TRUST_KINDS = {
    "politics": "trust_politics_share",
    "rule_of_law": "trust_rule_of_law_share",
    "people": "trust_people_share",
}
_CITIZENS = "citizens"
_UNITS = {
    "person_years": "person-years",
    "prejudice_in_sd": "standard deviations",
    "turnout_points": "percentage points",
    "tense_neighbourhood_weeks": "neighbourhood-weeks",
    "cross_group_contacts": "citizen-weeks with a contact",
}


def _unit(measure: str) -> str:
    return next(u for prefix, u in _UNITS.items() if measure.startswith(prefix))


def _weekly_sum(rows: pd.DataFrame, metric: str, factor: float = 1.0) -> float:
    """A metric summed over the weeks after week 0, each record weighted by its weeks."""
    r = rows[(rows["metric"] == metric) & (rows["step"] >= 1)].sort_values("step")
    if r.empty:
        return float("nan")
    steps = r["step"].to_numpy(dtype=np.int64)
    weeks = np.diff(np.concatenate(([0], steps)))
    return float((r["value"].to_numpy() * weeks).sum() * factor)


def _at(rows: pd.DataFrame, metric: str, last: bool) -> float:
    r = rows[rows["metric"] == metric].sort_values("step")
    if r.empty:
        return float("nan")
    return float(r["value"].iloc[-1] if last else r[r["step"] == 0]["value"].iloc[0])


def _run_measures(rows: pd.DataFrame) -> dict[str, float]:
    """The natural quantities of one run (rows of one scope); sd0 set later."""
    size = _at(rows, _CITIZENS, last=False)
    if np.isnan(size):
        raise ValueError(f"a run has no '{_CITIZENS}' row at week 0 for its scope")
    out = {
        f"person_years_trusting_{kind}": _weekly_sum(rows, metric, size / WEEKS_PER_YEAR)
        for kind, metric in TRUST_KINDS.items()
    }
    out["prejudice_final"] = _at(rows, "prejudice_mean", last=True)
    out["prejudice_sd0"] = _at(rows, "prejudice_sd", last=False)
    turnouts = rows[rows["metric"].str.startswith("turnout") & (rows["step"] >= 1)]
    for metric, g in turnouts.groupby("metric"):
        out[f"turnout_points{str(metric).removeprefix('turnout')}"] = 100.0 * g["value"].mean()
    out["tense_neighbourhood_weeks"] = _weekly_sum(rows, "tense_neighbourhoods")
    out["cross_group_contacts"] = _weekly_sum(rows, "bridging_contacts")
    return out


def natural_differences(
    series: pd.DataFrame,
    *,
    scope: str = "all",
    pair_on: Sequence[str] = ("seed", "sample"),
    baseline: str = BASELINE,
) -> pd.DataFrame:
    """Each policy run's natural-unit quantities and their difference from its pair.

    Args:
        series: long time series of many runs: ``policy``, ``step``, ``metric``,
            ``scope``, ``value``, the ``pair_on`` columns present and optionally
            ``context`` (the future; one context if absent) and ``run`` (a run's id;
            without it, the rows of a policy, context and pair keys are one run).
            Weekly records and events (``citizens``, turnouts) alike.
        scope: the scope measured (``all``, ``municipality:GM0034``, ...).
        pair_on: the columns that pair a run with the baseline's (missing ones ignored).
        baseline: the policy compared against.

    Returns:
        One row per policy run other than the baseline's and measure: ``context``,
        ``policy``, the pair keys, ``measure``, ``unit``, ``value``,
        ``baseline_value``, ``diff`` (value minus baseline value). For
        ``prejudice_in_sd`` both values are divided by the baseline run's spread at
        week 0.

    Raises:
        ValueError: if two baseline runs share a context and pair keys, or a run has
            no ``citizens`` row for the scope.
    """
    d = series[series["scope"] == scope]
    if "context" not in d.columns:
        d = d.assign(context="all")
    keys = ["context", *[c for c in pair_on if c in d.columns]]
    d = d.copy()
    for k in keys:
        d[k] = d[k].astype(object).where(d[k].notna(), "<none>")
    by = [*keys, "policy", *(["run"] if "run" in d.columns else [])]
    per_run = {run: _run_measures(rows) for run, rows in d.groupby(by, sort=True)}
    n = len(keys)
    base = {run[:n]: m for run, m in per_run.items() if run[n] == baseline}
    if sum(run[n] == baseline for run in per_run) != len(base):
        raise ValueError(f"several '{baseline}' runs share the same {', '.join(keys)}")
    rows = []
    for run, m in per_run.items():
        pair, policy = run[:n], run[n]
        if policy == baseline or pair not in base:
            continue
        b = base[pair]
        sd0 = b["prejudice_sd0"]
        values = {k: v for k, v in m.items() if not k.startswith("prejudice_")}
        values["prejudice_in_sd"] = m["prejudice_final"] / sd0 if sd0 > 0 else float("nan")
        b_values = {**b, "prejudice_in_sd": b["prejudice_final"] / sd0 if sd0 > 0 else np.nan}
        for measure, value in values.items():
            if measure not in b_values:
                continue  # a turnout the baseline run did not log
            rows.append(
                {
                    **dict(zip(keys, pair, strict=True)),
                    "policy": policy,
                    "measure": measure,
                    "unit": _unit(measure),
                    "value": value,
                    "baseline_value": b_values[measure],
                    "diff": value - b_values[measure],
                }
            )
    cols = [*keys, "policy", "measure", "unit", "value", "baseline_value", "diff"]
    return pd.DataFrame(rows, columns=cols)


def natural_effects(
    series: pd.DataFrame,
    level: float = 0.95,
    *,
    scope: str = "all",
    pair_on: Sequence[str] = ("seed", "sample"),
    baseline: str = BASELINE,
) -> pd.DataFrame:
    """The mean paired difference of each natural-unit measure, with its t interval.

    Returns:
        ``context``, ``policy``, ``measure``, ``unit``, ``n``, ``effect``, ``sd``,
        ``se``, ``ci_low``, ``ci_high`` (as :func:`sim.analysis.effects.paired_effects`).
    """
    diffs = natural_differences(series, scope=scope, pair_on=pair_on, baseline=baseline)
    cols = ["context", "policy", "measure", "unit", "n", "effect", "sd", "se", "ci_low"]
    cols.append("ci_high")
    if diffs.empty:
        return pd.DataFrame(columns=cols)
    rows = []
    for (ctx, pol, measure, unit), g in diffs.groupby(
        ["context", "policy", "measure", "unit"], sort=True
    ):
        s = mean_ci(g["diff"].to_numpy(dtype=float), level)
        rows.append(
            {"context": ctx, "policy": pol, "measure": measure, "unit": unit}
            | s.rename({"mean": "effect"}).to_dict()
        )
    out = pd.DataFrame(rows)[cols]
    out["n"] = out["n"].astype(int)
    return out
