"""Policy effects from a sweep: paired differences, ranking, regret, cost-effectiveness.

Pure functions on DataFrames, so the report and notebooks compute the same numbers.

The input is one row per run with its outcome (e.g. the cohesion index at the last
week), its ``policy``, its ``context`` (the future, plus any other swept model
parameter) and its pair keys (``seed`` and ``sample``, the point of the uncertainty
design). Because a policy's run and the run without policy share the seed, the future
and the burn-in, and draw the same random numbers for everything the policy does not
touch (common random numbers, :mod:`sim.streams`), the effect of a policy is estimated from
paired differences, one per seed and sample:

    d_i = outcome(policy, context, seed_i, sample_i) - outcome(none, context, seed_i, sample_i)

with mean d, standard deviation s, and the 95% interval d +- t(0.975, n - 1) s / sqrt(n)
(Student's t; e.g. Montgomery, *Design and Analysis of Experiments*, paired comparison).

Across contexts (futures), each policy gets its mean effect (futures weighted equally),
its worst future, and its regret: in each future, how far its mean effect falls below
the best policy's there (Savage's minimax-regret criterion, as used in robust decision
making, Lempert, Popper & Bankes 2003). ``none`` is a policy like the others: its
effect is 0 and its regret is what doing nothing forgoes.

Cost-effectiveness divides the mean effect by the mean euros actually spent, in millions
(points per million euros); its interval divides the effect's interval by that cost,
treating the cost as known.

A policy's mean effect over contexts gets its interval from the pairs (seed, sample)
run in every context: each pair's differences are averaged over the contexts (equal
weights, as in the ranking), and the t interval is taken over those averages, so a
seed's shared randomness across futures is accounted for (:func:`context_mean_effects`).

Effects on a measure of one scope (the index in a municipality, a group) are the
same paired effects on that scope's value; :func:`scope_effects` picks them out of a
table of measures by the kind of scope.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, cast

import numpy as np
import pandas as pd

from sim.analysis.stats import mean_ci, t_quantile
from sim.outcomes import higher_is_better, lower_is_better

__all__ = [
    "BASELINE",
    "HIGHER_IS_BETTER",
    "LOWER_IS_BETTER",
    "context_mean_effects",
    "cost_effectiveness",
    "fan_quantiles",
    "mean_ci",
    "p_best",
    "paired_differences",
    "paired_effects",
    "ranking",
    "records",
    "regret",
    "scope_effects",
    "shortfalls",
    "t_quantile",
]

BASELINE = "none"
#: Metrics for which a rise is an improvement (from :data:`sim.outcomes.OUTCOMES`).
HIGHER_IS_BETTER = higher_is_better()
#: Metrics for which a fall is an improvement.
LOWER_IS_BETTER = lower_is_better()


# --------------------------------------------------------------------------- intervals


def records(df: pd.DataFrame) -> list[dict[str, Any]]:
    """The rows of a table as dicts (for loops that read a few named fields)."""
    return cast(list[dict[str, Any]], df.to_dict("records"))


# --------------------------------------------------------------------------- effects


def paired_differences(
    outcomes: pd.DataFrame,
    *,
    value: str = "value",
    pair_on: Sequence[str] = ("seed", "sample"),
    baseline: str = BASELINE,
) -> pd.DataFrame:
    """Each run's difference from the run without policy that shares its pair keys.

    Args:
        outcomes: one row per run with ``policy``, ``context``, the ``pair_on`` columns
            and ``value``.
        value: the outcome column.
        pair_on: columns that identify a pair within a context (missing ones ignored;
            NaN counts as a value, so runs without a design sample pair with each other).
        baseline: the policy compared against.

    Returns:
        One row per run of a policy other than the baseline that has a partner:
        ``context``, ``policy``, the pair keys, ``value``, ``baseline_value``, ``diff``.

    Raises:
        ValueError: if two baseline runs share a context and pair keys.
    """
    keys = ["context", *[c for c in pair_on if c in outcomes.columns]]
    d = outcomes.copy()
    for k in keys:
        if d[k].isna().any():
            d[k] = d[k].astype(object).where(d[k].notna(), "<none>")
    base = d[d["policy"] == baseline][[*keys, value]]
    if base.duplicated(subset=keys).any():
        raise ValueError(f"several '{baseline}' runs share the same {', '.join(keys)}")
    base = base.rename(columns={value: "baseline_value"})
    others = d[d["policy"] != baseline][[*keys, "policy", value]]
    out = others.merge(base, on=keys, how="inner")
    out["diff"] = out[value] - out["baseline_value"]
    return out[["context", "policy", *keys[1:], value, "baseline_value", "diff"]].reset_index(
        drop=True
    )


def paired_effects(diffs: pd.DataFrame, level: float = 0.95) -> pd.DataFrame:
    """Mean paired difference per context and policy with its t interval.

    Returns:
        ``context``, ``policy``, ``n``, ``effect`` (mean difference), ``sd``, ``se``,
        ``ci_low``, ``ci_high``.
    """
    cols = ["context", "policy", "n", "effect", "sd", "se", "ci_low", "ci_high"]
    if diffs.empty:
        return pd.DataFrame(columns=cols)
    rows = []
    for (ctx, pol), g in diffs.groupby(["context", "policy"], sort=True):
        s = mean_ci(g["diff"].to_numpy(), level)
        rows.append({"context": ctx, "policy": pol, **s.rename({"mean": "effect"}).to_dict()})
    out = pd.DataFrame(rows)[cols]
    out["n"] = out["n"].astype(int)
    return out


def context_mean_effects(
    diffs: pd.DataFrame, level: float = 0.95, *, pair_on: Sequence[str] = ("seed", "sample")
) -> pd.DataFrame:
    """Each policy's effect averaged over its contexts (equal weights), with a t interval.

    Each pair (``pair_on``) run in every context of the policy contributes the mean of
    its differences over those contexts; the interval is the t interval over pairs.
    Where some pair is missing from some context (an unbalanced design) the mean over
    complete pairs would not be the ranking's mean effect, so no interval is given.

    Args:
        diffs: from :func:`paired_differences`.
        level: the interval's coverage.
        pair_on: the pair keys.

    Returns:
        ``policy``, ``contexts``, ``n`` (pairs in every context), ``effect``,
        ``ci_low``, ``ci_high`` (NaN when unbalanced or fewer than 2 pairs).
    """
    cols = ["policy", "contexts", "n", "effect", "ci_low", "ci_high"]
    if diffs.empty:
        return pd.DataFrame(columns=cols)
    keys = [c for c in pair_on if c in diffs.columns]
    d = diffs.copy()
    for k in keys:
        d[k] = d[k].astype(object).where(d[k].notna(), "<none>")
    if not keys:
        d["_pair"] = 0
        keys = ["_pair"]
    rows = []
    for pol, g in d.groupby("policy", sort=True):
        wide = g.pivot_table(index=keys, columns="context", values="diff", aggfunc="mean")
        complete = wide.dropna()
        effect = float(g.groupby("context")["diff"].mean().mean())
        if len(complete) == len(wide):
            s = mean_ci(complete.mean(axis=1).to_numpy(), level)
            lo, hi = float(s["ci_low"]), float(s["ci_high"])
        else:
            lo = hi = math.nan
        rows.append(
            {
                "policy": pol,
                "contexts": wide.shape[1],
                "n": len(complete),
                "effect": effect,
                "ci_low": lo,
                "ci_high": hi,
            }
        )
    return pd.DataFrame(rows, columns=cols)


def scope_effects(measures: pd.DataFrame, metric: str, kind: str) -> pd.DataFrame:
    """The effects on ``metric`` in each scope of one kind, from a table of measures.

    Args:
        measures: effects per measure (:func:`paired_effects` with a ``measure``
            column named ``<metric> in <scope>``, as the report computes them).
        metric: the metric.
        kind: the kind of scope (``municipality``, ``group``, ``vulnerable``).

    Returns:
        The rows of those measures with ``scope`` (e.g. ``municipality:GM0363``) and
        ``name`` (what follows the kind, e.g. ``GM0363``) added.
    """
    prefix = f"{metric} in {kind}:"
    if measures.empty:
        return measures.assign(scope=pd.Series(dtype=str), name=pd.Series(dtype=str))
    out = measures[measures["measure"].astype(str).str.startswith(prefix)].copy()
    out["scope"] = out["measure"].str.removeprefix(f"{metric} in ")
    out["name"] = out["measure"].str.removeprefix(prefix)
    return out.reset_index(drop=True)


def _with_baseline(effects: pd.DataFrame, baseline: str) -> pd.DataFrame:
    """Effects plus a row of 0 for the baseline in each context."""
    ctx = list(effects["context"].unique()) if not effects.empty else []
    base = pd.DataFrame({"context": ctx, "policy": baseline, "effect": 0.0})
    return pd.concat([effects[["context", "policy", "effect"]], base], ignore_index=True)


def regret(effects: pd.DataFrame, baseline: str = BASELINE) -> pd.DataFrame:
    """Regret per context and policy: the best mean effect there minus the policy's.

    The baseline counts as a policy with effect 0.

    Returns:
        ``context``, ``policy``, ``effect``, ``best_policy``, ``regret`` (>= 0).
    """
    e = _with_baseline(effects, baseline)
    if e.empty:
        return pd.DataFrame(columns=["context", "policy", "effect", "best_policy", "regret"])
    idx = e.groupby("context")["effect"].idxmax()
    best = e.loc[idx, ["context", "policy", "effect"]].rename(
        columns={"policy": "best_policy", "effect": "best_effect"}
    )
    out = e.merge(best, on="context")
    out["regret"] = out["best_effect"] - out["effect"]
    return (
        out[["context", "policy", "effect", "best_policy", "regret"]]
        .sort_values(["context", "regret", "policy"])
        .reset_index(drop=True)
    )


def ranking(effects: pd.DataFrame, baseline: str = BASELINE) -> pd.DataFrame:
    """Rank policies across contexts: by maximum regret, then by mean effect.

    Returns:
        One row per policy (the baseline included): ``rank``, ``policy``,
        ``mean_effect`` (contexts weighted equally), ``worst_context``,
        ``worst_effect``, ``max_regret``, ``mean_regret``, ``contexts``.
    """
    r = regret(effects, baseline)
    cols = [
        "rank",
        "policy",
        "mean_effect",
        "worst_context",
        "worst_effect",
        "max_regret",
        "mean_regret",
        "contexts",
    ]
    if r.empty:
        return pd.DataFrame(columns=cols)
    rows = []
    for pol, g in r.groupby("policy", sort=True):
        worst = g.sort_values(["effect", "context"]).iloc[0]
        rows.append(
            {
                "policy": pol,
                "mean_effect": float(g["effect"].mean()),
                "worst_context": worst["context"],
                "worst_effect": float(worst["effect"]),
                "max_regret": float(g["regret"].max()),
                "mean_regret": float(g["regret"].mean()),
                "contexts": len(g),
            }
        )
    out = pd.DataFrame(rows).sort_values(
        ["max_regret", "mean_effect", "policy"], ascending=[True, False, True]
    )
    out["rank"] = np.arange(1, len(out) + 1)
    return out[cols].reset_index(drop=True)


def p_best(
    outcomes: pd.DataFrame, *, value: str = "value", pair_on: Sequence[str] = ("seed", "sample")
) -> pd.DataFrame:
    """Share of pairs (seed, sample) in which each policy has the best outcome, per context.

    Only pairs in which every policy of the context was run count; ties share the credit.

    Returns:
        ``context``, ``policy``, ``p_best``.
    """
    keys = ["context", *[c for c in pair_on if c in outcomes.columns]]
    d = outcomes.copy()
    for k in keys:
        if d[k].isna().any():
            d[k] = d[k].astype(object).where(d[k].notna(), "<none>")
    rows = []
    for ctx, g in d.groupby("context", sort=True):
        policies = sorted(g["policy"].unique())
        wide = g.pivot_table(index=keys[1:] or None, columns="policy", values=value)
        wide = wide.reindex(columns=policies).dropna() if keys[1:] else wide
        if wide.empty:
            continue
        top = wide.to_numpy() == wide.max(axis=1).to_numpy()[:, None]
        credit = (top / top.sum(axis=1, keepdims=True)).mean(axis=0)
        rows += [
            {"context": ctx, "policy": p, "p_best": float(c)}
            for p, c in zip(policies, credit, strict=True)
        ]
    return pd.DataFrame(rows, columns=["context", "policy", "p_best"])


def cost_effectiveness(effects: pd.DataFrame, spending: pd.DataFrame) -> pd.DataFrame:
    """Cohesion points per million euros actually spent, per context and policy.

    Args:
        effects: from :func:`paired_effects`.
        spending: one row per run: ``context``, ``policy``, ``euros`` (total spent).

    Returns:
        ``context``, ``policy``, ``euros_mean``, ``points_per_million``,
        ``ppm_ci_low``, ``ppm_ci_high`` (NaN where nothing was spent).
    """
    cost = spending.groupby(["context", "policy"], as_index=False).agg(euros_mean=("euros", "mean"))
    out = effects.merge(cost, on=["context", "policy"], how="left")
    out["euros_mean"] = out["euros_mean"].fillna(0.0)
    millions = out["euros_mean"].where(out["euros_mean"] > 0) / 1e6
    out["points_per_million"] = out["effect"] / millions
    out["ppm_ci_low"] = out["ci_low"] / millions
    out["ppm_ci_high"] = out["ci_high"] / millions
    return out[
        ["context", "policy", "euros_mean", "points_per_million", "ppm_ci_low", "ppm_ci_high"]
    ].reset_index(drop=True)


def fan_quantiles(
    series: pd.DataFrame, quantiles: Sequence[float] = (0.05, 0.25, 0.5, 0.75, 0.95)
) -> pd.DataFrame:
    """Quantiles over runs of a time series, per context, policy and step.

    Args:
        series: ``context``, ``policy``, ``run``, ``step``, ``value``.
        quantiles: which quantiles (linear interpolation between runs).

    Returns:
        ``context``, ``policy``, ``step``, ``runs`` and one column ``q05``, ``q25``, ...
        per quantile.
    """
    g = series.groupby(["context", "policy", "step"])["value"]
    out = g.size().rename("runs").to_frame()
    for q in quantiles:
        out[f"q{round(q * 100):02d}"] = g.quantile(q)
    return out.reset_index()


def shortfalls(
    effects: pd.DataFrame,
    regrets: pd.DataFrame,
    measures: pd.DataFrame | None = None,
    *,
    baseline: str = BASELINE,
) -> pd.DataFrame:
    """Where each policy falls short, one row per finding.

    Args:
        effects: main-outcome effects (:func:`paired_effects`).
        regrets: from :func:`regret`.
        measures: effects on other measures, signed so that positive is better:
            ``context``, ``policy``, ``measure``, ``effect``, ``ci_low``, ``ci_high``
            (e.g. components of the index, or the index for a group or municipality).
        baseline: the policy compared against (no findings for it).

    Returns:
        ``policy``, ``context``, ``kind``, ``measure``, ``effect``, ``ci_low``,
        ``ci_high``, ``other`` with kinds: ``harm`` (the 95% interval of the main
        effect lies below 0), ``no_detectable_effect`` (it contains 0), ``too_few_pairs``
        (fewer than 2 pairs), ``outperformed`` (another policy, ``other``, does better on
        average there; ``effect`` is the regret), ``measure_harm`` (a measure worsens:
        its interval lies below 0), ``measure_not_reached`` (the main effect is clearly
        positive but this measure's interval contains 0).
    """
    rows: list[dict[str, object]] = []
    main_gain: set[tuple[str, str]] = set()
    for r in records(effects):
        base = {"policy": r["policy"], "context": r["context"], "measure": None, "other": None}
        nums = {"effect": r["effect"], "ci_low": r["ci_low"], "ci_high": r["ci_high"]}
        if r["n"] < 2 or math.isnan(r["ci_low"]):
            rows.append({**base, "kind": "too_few_pairs", **nums})
        elif r["ci_high"] < 0:
            rows.append({**base, "kind": "harm", **nums})
        elif r["ci_low"] <= 0:
            rows.append({**base, "kind": "no_detectable_effect", **nums})
        else:
            main_gain.add((r["context"], r["policy"]))
    for r in records(regrets):
        if r["policy"] != baseline and r["regret"] > 0:
            rows.append(
                {
                    "policy": r["policy"],
                    "context": r["context"],
                    "kind": "outperformed",
                    "measure": None,
                    "effect": r["regret"],
                    "ci_low": math.nan,
                    "ci_high": math.nan,
                    "other": r["best_policy"],
                }
            )
    if measures is not None:
        for r in records(measures):
            if r["policy"] == baseline or math.isnan(r["ci_low"]):
                continue
            kind = None
            if r["ci_high"] < 0:
                kind = "measure_harm"
            elif r["ci_low"] <= 0 and (r["context"], r["policy"]) in main_gain:
                kind = "measure_not_reached"
            if kind:
                rows.append(
                    {
                        "policy": r["policy"],
                        "context": r["context"],
                        "kind": kind,
                        "measure": r["measure"],
                        "effect": r["effect"],
                        "ci_low": r["ci_low"],
                        "ci_high": r["ci_high"],
                        "other": None,
                    }
                )
    cols = ["policy", "context", "kind", "measure", "effect", "ci_low", "ci_high", "other"]
    out = pd.DataFrame(rows, columns=cols)
    return out.sort_values(["policy", "context", "kind"], kind="stable").reset_index(drop=True)
