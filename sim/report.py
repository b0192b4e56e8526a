"""The comparison report of a sweep: ``report/index.html`` and ``summary.csv``.

Written at the end of every sweep (by the sweep callback) and on demand::

    cohesion-sim-report multirun/quick

The report reads the catalogue (:mod:`sim.catalogue`, rebuilt first unless asked not
to), takes each complete run's outcome (by default the cohesion index, scope ``all``,
at the last week), and shows, for a strategist:

1. a ranking of the policies across futures (mean effect, worst future, regret);
2. fan charts of the outcome over time per policy and future (median, 50% and 90%
   bands over seeds and parameter samples);
3. each policy's effect against ``none`` as paired differences with 95% intervals;
4. the regret of each policy in each future;
5. cost-effectiveness: points per million euros actually spent (the weekly metric
   ``euros_spent``, scope ``all``, summed over the run, or where a run has none, the
   sum of its interventions' weekly ``<name>.euros``; absent means nothing was spent);
6. where each policy falls short (futures without a measurable gain, components of the
   index and groups or municipalities that it worsens or does not reach).

Every number comes from :mod:`sim.analysis.effects`; ``summary.csv`` holds the table
behind the figures (one row per future and policy, and one per policy over all
futures). The HTML file is self-contained: figures are embedded as PNG data.
"""

from __future__ import annotations

import argparse
import base64
import html
import io
import math
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from sim.analysis import effects as fx
from sim.analysis.effects import records
from sim.catalogue import CatalogueError, connect, load_runs
from sim.io import atomic_write
from sim.outcomes import label
from sim.plots import COMPONENT_LABELS, DOMAIN_LABELS

__all__ = ["Report", "SweepData", "analyse", "load_sweep", "main", "make_report"]

#: Euros spent per week by the whole policy (scope ``all``), summed over the run ...
SPENDING_METRIC = "euros_spent"
#: ... or, where a run logs no such metric, the sum of its interventions' ``<name>.euros``.
SPENDING_PARTS = "%.euros"
ALL_CONTEXTS = "all futures"
#: Swept keys that do not define a context (they are the design, not the world).
_NOT_CONTEXT = ("experiment", "uncertainty.sample", "uncertainty.design_seed")
#: Measures in the order the shortfall figure shows them: domains, then components.
_MEASURE_ORDER = [
    *[m for m in DOMAIN_LABELS if m != "cohesion_index"],
    *COMPONENT_LABELS,
    "tension_max",
    "bimodality",
]


# --------------------------------------------------------------------------- data


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
    """

    runs: pd.DataFrame
    outcomes: pd.DataFrame
    series: pd.DataFrame
    spending: pd.DataFrame
    measures: pd.DataFrame
    metric: str
    notes: list[str] = field(default_factory=list)


def _contexts(runs: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """Each run's context and policy label.

    The context is the future plus any other model key that varies across the sweep's
    runs (e.g. ``baseline | dynamics.confidence=0.2``); a swept ``policy.*`` key makes
    a policy variant (``canvassing [policy.budget=2e6]``).
    """
    current = runs[runs["in_sweep"]] if "in_sweep" in runs else runs
    swept = [
        c
        for c in runs.attrs.get("swept", [])
        if c in runs.columns and current[c].nunique(dropna=False) > 1
    ]
    world = [c for c in swept if c not in _NOT_CONTEXT and not c.startswith("policy.")]
    variant = [c for c in swept if c.startswith("policy.")]

    def label(row: pd.Series, keys: list[str]) -> str:
        return ", ".join(f"{k}={row[k]}" for k in keys if pd.notna(row[k]))

    context = runs["future"].astype(str)
    policy = runs["policy"].astype(str)
    if world:
        extra = runs.apply(label, axis=1, keys=world)
        context = context.where(extra == "", context + " | " + extra)
    if variant:
        extra = runs.apply(label, axis=1, keys=variant)
        policy = policy.where(extra == "", policy + " [" + extra + "]")
    return context, policy


def load_sweep(
    sweep_dir: str | Path, metric: str = "cohesion_index", *, rebuild: bool = True
) -> SweepData:
    """Read a sweep's runs and outcomes from its catalogue.

    Args:
        sweep_dir: the sweep directory.
        metric: the outcome metric (scope ``all``, value at each run's last week).
        rebuild: rebuild the catalogue from the run directories first.
    """
    root = Path(sweep_dir)
    if rebuild:
        from sim.catalogue import build_catalogue

        build_catalogue(root)
    runs = load_runs(root)
    runs["context"], runs["policy_label"] = _contexts(runs)
    done = runs[(runs["status"] == "complete") & runs["in_sweep"]]
    keys = done[["run", "policy_label", "context", "future", "seed", "sample"]].rename(
        columns={"policy_label": "policy"}
    )
    measures_all = [*fx.HIGHER_IS_BETTER, *fx.LOWER_IS_BETTER]
    with connect(root) as con:
        finals = con.execute(
            "SELECT run, metric, scope, value FROM final_values "
            "WHERE (scope = 'all' AND list_contains(?, metric)) OR metric = ?",
            [measures_all, metric],
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
    outcomes = keys.merge(main[["run", "value"]], on="run", how="inner")
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
    return SweepData(runs, outcomes, series, spending, measures, metric, notes)


# --------------------------------------------------------------------------- analysis


def analyse(data: SweepData) -> dict[str, pd.DataFrame]:
    """Every table of the report, from :mod:`sim.analysis.effects`."""
    o = data.outcomes
    diffs = fx.paired_differences(o)
    eff = fx.paired_effects(diffs)
    reg = fx.regret(eff)
    rank = fx.ranking(eff)
    ce = fx.cost_effectiveness(eff, data.spending)
    pb = fx.p_best(o) if not o.empty else pd.DataFrame(columns=["context", "policy", "p_best"])
    m = data.measures
    meas_rows = []
    for measure, g in m.groupby("measure", sort=True):
        e = fx.paired_effects(fx.paired_differences(g))
        e["measure"] = measure
        meas_rows.append(e)
    meas = pd.concat(meas_rows, ignore_index=True) if meas_rows else pd.DataFrame()
    pooled_rows = []
    for measure, g in m.groupby("measure", sort=True):
        d = fx.paired_differences(g)
        d["context"] = ALL_CONTEXTS
        e = fx.paired_effects(d)
        e["measure"] = measure
        pooled_rows.append(e)
    pooled = pd.concat(pooled_rows, ignore_index=True) if pooled_rows else pd.DataFrame()
    short = fx.shortfalls(eff, reg, meas if not meas.empty else None)
    return {
        "diffs": diffs,
        "effects": eff,
        "regret": reg,
        "ranking": rank,
        "cost": ce,
        "p_best": pb,
        "measures": meas,
        "measures_pooled": pooled,
        "shortfalls": short,
        "fan": fx.fan_quantiles(data.series) if not data.series.empty else pd.DataFrame(),
        "summary": _summary(data, eff, reg, rank, ce, pb),
    }


def _summary(
    data: SweepData,
    eff: pd.DataFrame,
    reg: pd.DataFrame,
    rank: pd.DataFrame,
    ce: pd.DataFrame,
    pb: pd.DataFrame,
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
    millions = overall["euros_spent_mean"].where(overall["euros_spent_mean"] > 0) / 1e6
    overall["points_per_million_eur"] = overall["effect"] / millions
    out = pd.concat([base, overall], ignore_index=True)
    for c in cols:
        if c not in out:
            out[c] = np.nan
    return out[cols]


# --------------------------------------------------------------------------- figures


def _subplots(*args: Any, **kw: Any) -> tuple[Figure, Any]:
    """Like pyplot.subplots, on a bare Figure: no backend is touched at import or use."""
    constrained = kw.pop("constrained_layout", False)
    fig = Figure(figsize=kw.pop("figsize", None), layout="constrained" if constrained else None)
    return fig, fig.subplots(*args, **kw)


def _png(fig: Figure) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100)
    return base64.b64encode(buf.getvalue()).decode("ascii")


def _label(metric: str) -> str:
    return label(metric)


def _policies(data: SweepData) -> list[str]:
    pols = sorted(set(data.outcomes["policy"]))
    return ([fx.BASELINE] if fx.BASELINE in pols else []) + [p for p in pols if p != fx.BASELINE]


def _colors(policies: Sequence[str]) -> dict[str, Any]:
    cmap = matplotlib.colormaps["tab10"]
    return {p: ("0.35" if p == fx.BASELINE else cmap(i % 10)) for i, p in enumerate(policies)}


def fig_fan(data: SweepData, fan: pd.DataFrame, context: str) -> Figure:
    """Fan chart of the outcome over time, one panel per policy, in one context."""
    policies = _policies(data)
    colors = _colors(policies)
    n = len(policies)
    ncols = min(4, n)
    nrows = math.ceil(n / ncols)
    fig, axes = _subplots(
        nrows,
        ncols,
        figsize=(3.3 * ncols, 2.5 * nrows + 0.6),
        sharex=True,
        sharey=True,
        squeeze=False,
        constrained_layout=True,
    )
    f = fan[fan["context"] == context]
    ref = f[f["policy"] == fx.BASELINE]
    for ax in axes.flat[n:]:
        ax.set_visible(False)
    for ax, pol in zip(axes.flat, policies, strict=False):
        d = f[f["policy"] == pol]
        c = colors[pol]
        if not d.empty:
            ax.fill_between(d["step"], d["q05"], d["q95"], color=c, alpha=0.18, lw=0)
            ax.fill_between(d["step"], d["q25"], d["q75"], color=c, alpha=0.38, lw=0)
            ax.plot(d["step"], d["q50"], color=c, lw=1.8)
            runs = int(d["runs"].max())
        else:
            runs = 0
        if pol != fx.BASELINE and not ref.empty:
            ax.plot(ref["step"], ref["q50"], color="black", lw=1, ls="--")
        ax.set_title(f"{pol} ({runs} runs)", fontsize=10)
        ax.grid(alpha=0.3)
    for ax in axes[-1]:
        ax.set_xlabel("week")
    for ax in axes[:, 0]:
        ax.set_ylabel(_label(data.metric), fontsize=9)
    fig.suptitle(f"{_label(data.metric)} over time, future '{context}'", fontsize=12)
    return fig


def fig_effects(eff: pd.DataFrame, metric: str) -> Figure:
    """Forest plot: mean paired effect and 95% interval per policy, one panel per context."""
    contexts = sorted(eff["context"].unique())
    policies = sorted(eff["policy"].unique())
    ncols = min(4, len(contexts))
    nrows = math.ceil(len(contexts) / ncols)
    fig, axes = _subplots(
        nrows,
        ncols,
        figsize=(3.6 * ncols + 1.5, 0.42 * len(policies) * nrows + 1.4 * nrows + 0.4),
        sharex=True,
        sharey=True,
        squeeze=False,
        constrained_layout=True,
    )
    colors = _colors([fx.BASELINE, *policies])
    y = {p: i for i, p in enumerate(policies[::-1])}
    for ax in axes.flat[len(contexts) :]:
        ax.set_visible(False)
    for ax, ctx in zip(axes.flat, contexts, strict=False):
        d = eff[eff["context"] == ctx]
        for r in records(d):
            lo = r["effect"] - r["ci_low"] if not math.isnan(r["ci_low"]) else 0.0
            hi = r["ci_high"] - r["effect"] if not math.isnan(r["ci_high"]) else 0.0
            ax.errorbar(
                r["effect"],
                y[r["policy"]],
                xerr=[[lo], [hi]],
                fmt="o",
                color=colors[r["policy"]],
                capsize=3,
            )
        ax.axvline(0.0, color="black", lw=1)
        ax.set_title(ctx, fontsize=10)
        ax.grid(axis="x", alpha=0.3)
        ax.set_yticks(list(y.values()), list(y.keys()))
    for ax in axes[-1]:
        ax.set_xlabel(f"effect on {_label(metric).lower()} (points)")
    fig.suptitle(f"Effect of each policy against '{fx.BASELINE}' (mean, 95% interval)", fontsize=12)
    return fig


def fig_regret(reg: pd.DataFrame) -> Figure:
    """Heat map of regret per policy and context, annotated."""
    wide = reg.pivot_table(index="policy", columns="context", values="regret")
    fig, ax = _subplots(
        figsize=(1.6 * wide.shape[1] + 3.0, 0.45 * wide.shape[0] + 1.8), constrained_layout=True
    )
    im = ax.imshow(wide.to_numpy(), cmap="Reds", aspect="auto", vmin=0)
    ax.set_xticks(range(wide.shape[1]), list(wide.columns), rotation=30, ha="right")
    ax.set_yticks(range(wide.shape[0]), list(wide.index))
    values = wide.to_numpy(dtype=float)
    vmax = float(np.nanmax(values)) if wide.size else 0.0
    for i in range(wide.shape[0]):
        for j in range(wide.shape[1]):
            v = float(values[i, j])
            if not math.isnan(v):
                dark = vmax > 0 and v > 0.6 * vmax
                ax.text(
                    j,
                    i,
                    f"{v:.2f}",
                    ha="center",
                    va="center",
                    fontsize=8,
                    color="white" if dark else "black",
                )
    fig.colorbar(im, ax=ax, label="regret (points below the best policy)")
    ax.set_title("Regret: how far each policy falls below the best one, per future")
    return fig


def fig_cost(ce: pd.DataFrame, eff: pd.DataFrame, metric: str) -> Figure:
    """Effect against euros spent per policy and context, with 95% intervals."""
    d = eff.merge(ce[["context", "policy", "euros_mean"]], on=["context", "policy"])
    policies = sorted(d["policy"].unique())
    colors = _colors([fx.BASELINE, *policies])
    markers = "osD^v<>Pp*h"
    contexts = sorted(d["context"].unique())
    fig, ax = _subplots(figsize=(8, 5), constrained_layout=True)
    for r in records(d):
        lo = r["effect"] - r["ci_low"] if not math.isnan(r["ci_low"]) else 0.0
        hi = r["ci_high"] - r["effect"] if not math.isnan(r["ci_high"]) else 0.0
        ax.errorbar(
            r["euros_mean"] / 1e6,
            r["effect"],
            yerr=[[lo], [hi]],
            fmt=markers[contexts.index(r["context"]) % len(markers)],
            color=colors[r["policy"]],
            capsize=3,
        )
    for p in policies:
        ax.plot([], [], "o", color=colors[p], label=p)
    for i, c in enumerate(contexts):
        ax.plot([], [], markers[i % len(markers)], color="0.4", label=f"future: {c}")
    ax.axhline(0.0, color="black", lw=1)
    ax.set_xlim(left=0.0)
    ax.set_xlabel("euros spent per run (millions, mean)")
    ax.set_ylabel(f"effect on {_label(metric).lower()} (points)")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="center left", bbox_to_anchor=(1.01, 0.5))
    ax.set_title("What each policy costs and what it achieves")
    return fig


def fig_measures(pooled: pd.DataFrame) -> Figure:
    """Heat map of paired t statistics per policy and measure (all futures pooled)."""
    p = pooled[pooled["policy"] != fx.BASELINE].copy()
    p["t"] = p["effect"] / p["se"].replace(0.0, np.nan)
    p.loc[(p["se"] == 0.0) & (p["effect"] == 0.0), "t"] = 0.0
    wide = p.pivot_table(index="policy", columns="measure", values="t")
    order = [m for m in _MEASURE_ORDER if m in wide.columns]
    wide = wide[order + sorted(c for c in wide.columns if c not in order)]
    ci = p.set_index(["policy", "measure"])
    fig, ax = _subplots(
        figsize=(min(0.5 * wide.shape[1] + 3.0, 16.0), 0.45 * wide.shape[0] + 3.4),
        constrained_layout=True,
    )
    im = ax.imshow(np.clip(wide.to_numpy(), -6, 6), cmap="RdYlGn", vmin=-6, vmax=6, aspect="auto")
    ax.set_xticks(
        range(wide.shape[1]), [_label(c) for c in wide.columns], rotation=60, ha="right", fontsize=8
    )
    ax.set_yticks(range(wide.shape[0]), list(wide.index))
    for i, pol in enumerate(wide.index):
        for j, m in enumerate(wide.columns):
            if (pol, m) not in ci.index:
                continue
            r = ci.loc[(pol, m)]
            mark = "+" if r["ci_low"] > 0 else ("-" if r["ci_high"] < 0 else "")
            ax.text(j, i, mark, ha="center", va="center", fontsize=10, fontweight="bold")
    fig.colorbar(im, ax=ax, label="t (green: better)", fraction=0.03, pad=0.01)
    ax.set_title("Where each policy helps (+) and does harm (-), all futures pooled")
    return fig


# --------------------------------------------------------------------------- html

_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;max-width:1200px;
margin:2em auto;padding:0 1em;color:#222;line-height:1.45}
h1{font-size:1.6em}h2{font-size:1.25em;margin-top:2em;border-bottom:1px solid #ccc}
table{border-collapse:collapse;font-size:.88em;margin:.6em 0}
th,td{border:1px solid #ccc;padding:.25em .55em;text-align:right}
th{background:#f2f2f2}td:first-child,th:first-child{text-align:left}
img{max-width:100%;border:1px solid #eee}.note{background:#fff7e0;padding:.5em .8em;
border-left:4px solid #e0a000}.explain{color:#444;font-style:italic}
ul.short li{margin:.2em 0}code{background:#f4f4f4;padding:0 .2em}
"""


def _fmt(v: Any, digits: int = 2, signed: bool = False) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "-"
    if isinstance(v, int | np.integer):
        return f"{v:,}"
    if isinstance(v, float | np.floating):
        return f"{v:+.{digits}f}" if signed else f"{v:,.{digits}f}"
    return html.escape(str(v))


def _interval(e: float, lo: float, hi: float) -> str:
    if math.isnan(lo):
        return f"{_fmt(e, signed=True)} (interval needs 2 pairs)"
    return f"{_fmt(e, signed=True)} [{_fmt(lo, signed=True)}, {_fmt(hi, signed=True)}]"


def _table(df: pd.DataFrame, formats: dict[str, Any] | None = None) -> str:
    formats = formats or {}
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in df.columns)
    body = []
    for row in df.itertuples(index=False):
        cells = []
        for c, v in zip(df.columns, row, strict=True):
            f = formats.get(c)
            cells.append(f"<td>{f(v) if f else _fmt(v)}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><tr>{head}</tr>{''.join(body)}</table>"


def _figure(title: str, explain: str, png: str) -> str:
    return (
        f"<h3>{html.escape(title)}</h3><p class='explain'>{html.escape(explain)}</p>"
        f"<img alt='{html.escape(title)}' src='data:image/png;base64,{png}'>"
    )


_KIND_TEXT = {
    "harm": "lowers {metric} in future '{context}': {interval} points",
    "no_detectable_effect": "has no effect distinguishable from zero in future '{context}': "
    "{interval} points",
    "too_few_pairs": "cannot be judged in future '{context}' (fewer than 2 paired runs)",
    "outperformed": "is not the best policy in future '{context}': '{other}' does better by "
    "{effect:.2f} points on average",
    "measure_harm": "worsens {measure} in future '{context}': {interval} (improvement units)",
    "measure_not_reached": "does not measurably improve {measure} in future '{context}', "
    "although it raises {metric}: {interval}",
}


def _shortfall_html(short: pd.DataFrame, policies: list[str], metric: str, has_cost: bool) -> str:
    parts = []
    for pol in policies:
        if pol == fx.BASELINE:
            continue
        d = short[short["policy"] == pol]
        items = []
        for r in records(d):
            measure = (
                _label(r["measure"].split(" in ")[0])
                + (" in " + r["measure"].split(" in ")[1] if " in " in r["measure"] else "")
                if isinstance(r["measure"], str)
                else ""
            )
            text = _KIND_TEXT[r["kind"]].format(
                metric=_label(metric).lower(),
                context=r["context"],
                interval=_interval(r["effect"], r["ci_low"], r["ci_high"]),
                effect=r["effect"],
                other=r["other"],
                measure=measure,
            )
            items.append(f"<li>It {html.escape(text)}.</li>")
        if not has_cost:
            items.append("<li>Its cost is unknown: no spending was recorded.</li>")
        if not items:
            items.append("<li>No shortfall found at this number of runs.</li>")
        parts.append(f"<h3>{html.escape(pol)}</h3><ul class='short'>{''.join(items)}</ul>")
    return "".join(parts) or "<p>No policy other than the reference in this sweep.</p>"


def render_html(data: SweepData, tables: dict[str, pd.DataFrame], sweep_dir: Path) -> str:
    """The self-contained HTML report."""
    runs = data.runs[data.runs["in_sweep"]]
    o = data.outcomes
    metric_l = _label(data.metric).lower()
    policies = _policies(data) if not o.empty else []
    contexts = sorted(o["context"].unique()) if not o.empty else []
    status = runs["status"].value_counts().to_dict()
    seeds = o["seed"].nunique() if not o.empty else 0
    samples = o["sample"].dropna().nunique() if not o.empty else 0
    unc = data.runs.attrs.get("uncertain", [])
    steps = sorted({int(s) for s in runs["weeks"].dropna()})
    pops = sorted({int(s) for s in runs["citizens"].dropna()})
    facts = [
        f"<b>{len(runs)}</b> runs: {status.get('complete', 0)} complete, "
        f"{status.get('failed', 0)} failed, {status.get('incomplete', 0)} incomplete",
        f"policies: {', '.join(map(html.escape, policies)) or '-'}",
        f"futures: {', '.join(map(html.escape, contexts)) or '-'}",
        f"{seeds} seeds" + (f", {samples} points of the uncertainty design" if samples else ""),
        f"horizon: {', '.join(map(str, steps))} weeks; population: "
        f"{', '.join(f'{p:,}' for p in pops)} citizens",
    ]
    if unc:
        listed = "".join(f"<li>{html.escape(u.removeprefix('uncertain.'))}</li>" for u in unc)
        facts.append(
            f"<details><summary>{len(unc)} uncertain parameters, sampled by a Latin "
            "hypercube (columns <code>uncertain.*</code> of the runs table)</summary>"
            f"<ul>{listed}</ul></details>"
        )
    name = html.escape(sweep_dir.name)
    out = [
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>Sweep report: {name}</title><style>{_CSS}</style></head><body>",
        f"<h1>Which policy strengthens social cohesion? Sweep <code>{name}</code></h1>",
        "<ul>" + "".join(f"<li>{f}</li>" for f in facts) + "</ul>",
        f"<p>The outcome is the <b>{html.escape(metric_l)}</b> (0-100) of the whole population "
        "at the last week of each run. A policy's <b>effect</b> is the mean paired "
        f"difference from the run without policy ('{fx.BASELINE}') with the same seed, "
        "future and parameter sample; the brackets give its 95% interval. Because paired "
        "runs share their random numbers, the interval reflects the policy, the "
        "randomness of the society and, where sampled, the uncertain parameters.</p>",
    ]
    out += [f"<p class='note'>{html.escape(n)}</p>" for n in data.notes]
    if o.empty:
        out.append("<p class='note'>No complete run yet: nothing to report.</p></body></html>")
        return "".join(out)

    rank = tables["ranking"]
    eff = tables["effects"]
    ce = tables["cost"]
    has_cost = bool((data.spending["euros"] > 0).any())
    out.append("<h2>1. Ranking across futures</h2>")
    if not rank.empty:
        ov = tables["summary"]
        ov = ov[ov["context"] == ALL_CONTEXTS][["policy", "points_per_million_eur"]]
        r = rank.merge(ov, on="policy", how="left")
        out.append(
            "<p class='explain'>Policies ordered by their largest regret over the futures "
            "(the most they can fall short of the best choice), then by mean effect. A "
            "robust choice has a small maximum regret.</p>"
        )
        out.append(
            _table(
                r.rename(
                    columns={
                        "mean_effect": "mean effect (points)",
                        "worst_context": "worst future",
                        "worst_effect": "effect there",
                        "max_regret": "max regret",
                        "mean_regret": "mean regret",
                        "points_per_million_eur": "points per M€",
                    }
                ).drop(columns=["contexts"]),
                {
                    "mean effect (points)": lambda v: _fmt(v, signed=True),
                    "effect there": lambda v: _fmt(v, signed=True),
                },
            )
        )
    else:
        out.append("<p>No policy can be ranked without the reference runs.</p>")

    fan = tables["fan"]
    out.append(f"<h2>2. {html.escape(_label(data.metric))} over time</h2>")
    for ctx in contexts:
        out.append(
            _figure(
                f"{_label(data.metric)} over time in future '{ctx}'",
                "Each panel is one policy: the line is the median over runs (seeds and "
                "parameter samples), the dark band holds the middle 50% of runs and the "
                "light band 90%; the dashed line is the median without policy.",
                _png(fig_fan(data, fan, ctx)),
            )
        )

    out.append(f"<h2>3. Effect against '{fx.BASELINE}'</h2>")
    if not eff.empty:
        out.append(
            _figure(
                "Effect of each policy, per future",
                f"Each dot is a policy's mean paired difference in {metric_l} from the run "
                "without policy at the last week; the bar is its 95% interval. A bar that "
                "crosses the vertical line means the effect is not distinguishable from zero.",
                _png(fig_effects(eff, data.metric)),
            )
        )
        t = eff.merge(tables["p_best"], on=["context", "policy"], how="left")
        t["effect [95% interval]"] = [
            _interval(a, b, c)
            for a, b, c in zip(t["effect"], t["ci_low"], t["ci_high"], strict=True)
        ]
        out.append(
            _table(
                t[["context", "policy", "n", "effect [95% interval]", "p_best"]].rename(
                    columns={
                        "context": "future",
                        "n": "pairs",
                        "p_best": "share of pairs where best",
                    }
                ),
                {"effect [95% interval]": html.escape},
            )
        )
        out.append("<h2>4. Regret</h2>")
        out.append(
            _figure(
                "Regret per policy and future",
                "In each future, a policy's regret is the best policy's mean effect there "
                "minus its own (0 for the best); doing nothing has the best policy's "
                "effect as its regret.",
                _png(fig_regret(tables["regret"])),
            )
        )
        out.append("<h2>5. Cost-effectiveness</h2>")
        if has_cost:
            out.append(
                _figure(
                    "Effect against euros spent",
                    "Each marker is a policy in one future: horizontally the euros it "
                    "actually spent per run, vertically its effect with 95% interval. "
                    "Points per million euros is the slope from the origin.",
                    _png(fig_cost(ce, eff, data.metric)),
                )
            )
            c = ce[ce["policy"] != fx.BASELINE].copy()
            c["points per M€ [95% interval]"] = [
                _interval(a, b, d)
                for a, b, d in zip(
                    c["points_per_million"], c["ppm_ci_low"], c["ppm_ci_high"], strict=True
                )
            ]
            out.append(
                _table(
                    c[["context", "policy", "euros_mean", "points per M€ [95% interval]"]].rename(
                        columns={"context": "future", "euros_mean": "euros spent per run"}
                    ),
                    {
                        "euros spent per run": lambda v: _fmt(v, 0),
                        "points per M€ [95% interval]": html.escape,
                    },
                )
            )
            out.append(
                "<p class='explain'>Intervals divide the effect's interval by the mean "
                "cost, treating the cost as known.</p>"
            )
        else:
            out.append(
                "<p>No spending recorded in this sweep: cost-effectiveness is not shown.</p>"
            )
        out.append("<h2>6. Where each policy falls short</h2>")
        pooled = tables["measures_pooled"]
        if not pooled.empty and (pooled["policy"] != fx.BASELINE).any():
            out.append(
                _figure(
                    "Effects on each measure, all futures pooled",
                    "Each cell is a policy's paired effect on one measure (a component of "
                    "the index, or the index for one group, municipality or the vulnerable), "
                    "as a t statistic signed so that green is better; '+' marks a 95% "
                    "interval above zero, '-' one below zero.",
                    _png(fig_measures(pooled)),
                )
            )
        out.append(_shortfall_html(tables["shortfalls"], policies, data.metric, has_cost))

    failed = runs[runs["status"] != "complete"]
    if not failed.empty:
        out.append("<h2>Runs that did not complete</h2>")
        out.append(
            "<p class='explain'>Run the same command again: complete runs are kept, these "
            "are redone.</p>"
        )
        out.append(_table(failed[["run", "policy", "future", "seed", "status", "error"]]))
    out.append(
        "<h2>Data</h2><p><code>summary.csv</code> holds the numbers behind this page; "
        "<code>results.duckdb</code> holds every run (table <code>runs</code>) and their "
        "time series (view <code>timeseries</code>).</p></body></html>"
    )
    return "".join(out)


# --------------------------------------------------------------------------- entry


@dataclass
class Report:
    """Where the report went, and its tables."""

    html: Path
    summary: Path
    tables: dict[str, pd.DataFrame]


def make_report(
    sweep_dir: str | Path, *, metric: str = "cohesion_index", rebuild: bool = True
) -> Report:
    """Write ``report/index.html`` and ``summary.csv`` in the sweep directory.

    Args:
        sweep_dir: the sweep directory.
        metric: the outcome metric (scope ``all``, at each run's last week).
        rebuild: rebuild the catalogue from the run directories first.
    """
    root = Path(sweep_dir).resolve()
    data = load_sweep(root, metric, rebuild=rebuild)
    tables = analyse(data)
    page = render_html(data, tables, root)
    html_path = root / "report" / "index.html"
    summary_path = root / "summary.csv"

    def write_html(tmp: Path) -> None:
        tmp.write_text(page, encoding="utf-8")

    atomic_write(html_path, write_html)

    def write_csv(tmp: Path) -> None:
        tables["summary"].to_csv(tmp, index=False)

    atomic_write(summary_path, write_csv)
    return Report(html_path, summary_path, tables)


def main(argv: Sequence[str] | None = None) -> None:
    """``cohesion-sim-report SWEEP_DIR``: rebuild the catalogue and write the report."""
    parser = argparse.ArgumentParser(
        prog="cohesion-sim-report",
        description="Rebuild a sweep's results.duckdb and write report/index.html and "
        "summary.csv in its directory.",
    )
    parser.add_argument("sweep_dir", type=Path, help="the sweep directory (hydra.sweep.dir)")
    parser.add_argument(
        "--metric", default="cohesion_index", help="outcome metric (default: cohesion_index)"
    )
    parser.add_argument("--no-rebuild", action="store_true", help="use results.duckdb as it is")
    args = parser.parse_args(argv)
    if not args.sweep_dir.is_dir():
        print(f"cohesion-sim-report: error: {args.sweep_dir}: not a directory", file=sys.stderr)
        sys.exit(1)
    try:
        rep = make_report(args.sweep_dir, metric=args.metric, rebuild=not args.no_rebuild)
    except CatalogueError as e:
        print(f"cohesion-sim-report: error: {e}", file=sys.stderr)
        sys.exit(1)
    runs = rep.tables["summary"]
    print(f"report: {rep.html}\nsummary: {rep.summary} ({len(runs)} rows)")


if __name__ == "__main__":
    main()
