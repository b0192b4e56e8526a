"""The report's tables: every number on the page and in ``summary.csv``.

All of them come from :mod:`sim.analysis.effects`, applied to the sweep as
:func:`sim.analysis.load.load_sweep` reads it. Scopes with fewer citizens than the
sweep's ``small_scope`` (:meth:`SweepData.small_scopes`) keep their effects in the
tables, but are not judged among the shortfalls.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.analysis import economics
from sim.analysis import effects as fx
from sim.analysis.load import SweepData

__all__ = ["ALL_CONTEXTS", "analyse"]

#: The context of the rows that pool every future.
ALL_CONTEXTS = "all futures"


def analyse(data: SweepData) -> dict[str, pd.DataFrame]:
    """Every table of the report, from :mod:`sim.analysis.effects`."""
    o = data.outcomes
    diffs = fx.paired_differences(o)
    eff = fx.paired_effects(diffs)
    reg = fx.regret(eff)
    rank = fx.ranking(eff)
    mean_eff = fx.context_mean_effects(diffs)
    ce = fx.cost_effectiveness(eff, data.spending)
    icer, accept = _economics(diffs, data)
    pb = fx.p_best(o) if not o.empty else pd.DataFrame(columns=["context", "policy", "p_best"])
    meas, pooled = _measure_effects(data.measures)
    small = {f"{data.metric} in {scope}" for scope in data.small_scopes()}
    judged = meas[~meas["measure"].isin(small)] if not meas.empty else meas
    short = fx.shortfalls(eff, reg, judged if not judged.empty else None)
    return {
        "diffs": diffs,
        "effects": eff,
        "regret": reg,
        "ranking": rank,
        "cost": ce,
        "icer": icer,
        "ceac": accept,
        "p_best": pb,
        "measures": meas,
        "measures_pooled": pooled,
        "shortfalls": short,
        "municipalities": fx.scope_effects(pooled, data.metric, "municipality"),
        "mean_effects": mean_eff,
        "fan": fx.fan_quantiles(data.series) if not data.series.empty else pd.DataFrame(),
        "summary": _summary(data, eff, reg, rank, ce, pb, mean_eff),
    }


#: Willingness to pay (euros per point of the outcome) at which the report reads the
#: acceptability curve.
WTP = (0.0, 1e4, 3e4, 1e5, 3e5, 1e6)


def _economics(diffs: pd.DataFrame, data: SweepData) -> tuple[pd.DataFrame, pd.DataFrame]:
    """ICERs and the frontier, and the acceptability curve, per context (the outcome as effect)."""
    empty = pd.DataFrame(), pd.DataFrame()
    if diffs.empty or not (data.spending["euros"] > 0).any():
        return empty
    keys = [c for c in ("seed", "sample") if c in diffs.columns]
    runs = data.outcomes[["run", "policy", "context", *keys]]
    spending = data.spending.merge(runs, on=["run", "policy", "context"], how="inner")
    d = diffs.assign(measure=data.metric)
    for k in keys:  # the pairing keys as text on both sides (missing ones as in the diffs)
        spending[k] = spending[k].astype(object).where(spending[k].notna(), "<none>").astype(str)
        d[k] = d[k].astype(str)
    icers, curves = [], []
    for ctx, g in d.groupby("context", sort=True):
        inc = economics.incremental(g, spending[spending["context"] == ctx], data.metric)
        if inc.empty:
            continue
        icers.append(economics.icer_table(inc).assign(context=ctx))
        curves.append(economics.ceac(inc, WTP, ["context", *keys]).assign(context=ctx))
    if not icers:
        return empty
    return pd.concat(icers, ignore_index=True), pd.concat(curves, ignore_index=True)


#: Joins a measure to its context while the effects of every measure are computed at once.
_SEP = "\x1f"  # the unit separator: in no measure or context name


def _measure_effects(m: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Paired effects on every measure: per context, and with all contexts pooled.

    Each measure is paired within its context (as the outcome is); the measure is
    joined to the context so that one call of :func:`sim.analysis.effects.paired_effects`
    covers them all (the same numbers as one call per measure).
    """
    if m.empty:
        return pd.DataFrame(), pd.DataFrame()
    d = m.copy()
    d["context"] = d["measure"].astype(str) + _SEP + d["context"].astype(str)
    diffs = fx.paired_differences(d)
    out = []
    for pooled in (False, True):
        dd = diffs.copy()
        if pooled:
            dd["context"] = dd["context"].str.split(_SEP).str[0] + _SEP + ALL_CONTEXTS
        e = fx.paired_effects(dd)
        parts = e["context"].astype(str).str.split(_SEP, n=1)
        e["measure"] = parts.str[0]
        e["context"] = parts.str[1]
        out.append(e.reset_index(drop=True))
    return out[0], out[1]


def _summary(
    data: SweepData,
    eff: pd.DataFrame,
    reg: pd.DataFrame,
    rank: pd.DataFrame,
    ce: pd.DataFrame,
    pb: pd.DataFrame,
    mean_eff: pd.DataFrame,
) -> pd.DataFrame:
    """summary.csv: one row per context and policy, then one per policy over all."""
    o = data.outcomes
    cols = [
        "context",
        "future",
        "policy",
        "runs",
        "pairs",
        "outcome_mean",
        "outcome_median",
        "effect",
        "effect_sd",
        "effect_ci_low",
        "effect_ci_high",
        "p_best",
        "regret",
        "best_policy",
        "euros_spent_mean",
        "points_per_million_eur",
        "ppm_ci_low",
        "ppm_ci_high",
        "worst_future",
        "worst_effect",
        "max_regret",
        "mean_regret",
        "rank",
    ]
    if o.empty:
        return pd.DataFrame(columns=cols)
    base = (
        o.groupby(["context", "policy"], as_index=False)
        .agg(
            future=("future", "first"),
            runs=("run", "size"),
            outcome_mean=("value", "mean"),
            outcome_median=("value", "median"),
        )
        .merge(
            eff.rename(
                columns={
                    "n": "pairs",
                    "sd": "effect_sd",
                    "ci_low": "effect_ci_low",
                    "ci_high": "effect_ci_high",
                }
            ).drop(columns=["se"]),
            on=["context", "policy"],
            how="left",
        )
        .merge(
            reg[["context", "policy", "regret", "best_policy"]],
            on=["context", "policy"],
            how="left",
        )
        .merge(pb, on=["context", "policy"], how="left")
    )
    spend = data.spending.groupby(["context", "policy"], as_index=False).agg(
        euros_spent_mean=("euros", "mean")
    )
    base = base.merge(spend, on=["context", "policy"], how="left")
    base = base.merge(
        ce[["context", "policy", "points_per_million", "ppm_ci_low", "ppm_ci_high"]].rename(
            columns={"points_per_million": "points_per_million_eur"}
        ),
        on=["context", "policy"],
        how="left",
    )
    is_base = base["policy"] == fx.BASELINE
    base.loc[is_base, "effect"] = 0.0
    overall = rank.rename(columns={"mean_effect": "effect", "worst_context": "worst_future"})
    overall = overall.drop(columns=["contexts"])
    overall["context"] = ALL_CONTEXTS
    overall["future"] = ALL_CONTEXTS
    runs_all = o.groupby("policy", as_index=False).agg(
        runs=("run", "size"), outcome_mean=("value", "mean"), outcome_median=("value", "median")
    )
    spend_all = data.spending.groupby("policy", as_index=False).agg(
        euros_spent_mean=("euros", "mean")
    )
    overall = overall.merge(runs_all, on="policy", how="left").merge(
        spend_all, on="policy", how="left"
    )
    overall = overall.merge(
        mean_eff[["policy", "n", "ci_low", "ci_high"]].rename(
            columns={"n": "pairs", "ci_low": "effect_ci_low", "ci_high": "effect_ci_high"}
        ),
        on="policy",
        how="left",
    )
    millions = overall["euros_spent_mean"].where(overall["euros_spent_mean"] > 0) / 1e6
    overall["points_per_million_eur"] = overall["effect"] / millions
    out = pd.concat([base, overall], ignore_index=True)
    for c in cols:
        if c not in out:
            out[c] = np.nan
    return out[cols]
