"""Analysis figures for notebooks and reports, drawn from tidy tables.

Two of them are the report's own (:mod:`sim.report.figures` draws them): :func:`forest`
(effect per policy with its 95% interval, one panel per context) and
:func:`regret_heatmap` (regret per policy and context). They are bare
:class:`~matplotlib.figure.Figure` objects (no pyplot), as are the helpers they share
with the report's other figures (:func:`bare_subplots`, :func:`policy_colors`). The
others, for notebooks: a fan chart from any tidy series, tornado charts for sensitivity
indices, heat maps of an outcome over two swept parameters, the PRIM peeling trade-off,
and the calibration fit.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from sim.analysis.effects import BASELINE, fan_quantiles, records
from sim.outcomes import label

__all__ = [
    "bare_subplots",
    "calibration_fit",
    "fan_chart",
    "forest",
    "heatmap",
    "policy_colors",
    "prim_tradeoff",
    "regret_heatmap",
    "tornado",
]


# --------------------------------------------------------------------------- the report's


def bare_subplots(*args: Any, **kw: Any) -> tuple[Figure, Any]:
    """Like pyplot.subplots, on a bare Figure: no backend is touched at import or use."""
    constrained = kw.pop("constrained_layout", False)
    fig = Figure(figsize=kw.pop("figsize", None), layout="constrained" if constrained else None)
    return fig, fig.subplots(*args, **kw)


def policy_colors(policies: Sequence[str]) -> dict[str, Any]:
    """One colour per policy (grey for the reference, ``none``), by position."""
    cmap = matplotlib.colormaps["tab10"]
    return {p: ("0.35" if p == BASELINE else cmap(i % 10)) for i, p in enumerate(policies)}


def forest(eff: pd.DataFrame, metric: str) -> Figure:
    """Forest plot: mean paired effect and 95% interval per policy, one panel per context.

    Args:
        eff: paired effects (:func:`sim.analysis.effects.paired_effects`).
        metric: the outcome's metric name (for the axis label).
    """
    contexts = sorted(eff["context"].unique())
    policies = sorted(eff["policy"].unique())
    ncols = min(4, len(contexts))
    nrows = math.ceil(len(contexts) / ncols)
    fig, axes = bare_subplots(
        nrows,
        ncols,
        figsize=(3.6 * ncols + 1.5, 0.42 * len(policies) * nrows + 1.4 * nrows + 0.4),
        sharex=True,
        sharey=True,
        squeeze=False,
        constrained_layout=True,
    )
    colors = policy_colors([BASELINE, *policies])
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
        ax.set_xlabel(f"effect on {label(metric).lower()} (points)")
    fig.suptitle(f"Effect of each policy against '{BASELINE}' (mean, 95% interval)", fontsize=12)
    return fig


def regret_heatmap(reg: pd.DataFrame) -> Figure:
    """Heat map of regret per policy and context, annotated.

    Args:
        reg: regret per policy and context (:func:`sim.analysis.effects.regret`).
    """
    wide = reg.pivot_table(index="policy", columns="context", values="regret")
    fig, ax = bare_subplots(
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


# --------------------------------------------------------------------------- notebooks'


def fan_chart(series: pd.DataFrame, ylabel: str = "value", title: str = "") -> Figure:
    """Median and 50%/90% bands over runs, one line per policy (one panel per context).

    Args:
        series: run, policy, context, step, value (as :func:`sim.analysis.load.timeseries`
            gives, with a ``context`` column, e.g. the future).
        ylabel: the y axis label.
        title: the figure title.
    """
    fan = fan_quantiles(series)
    contexts = sorted(fan["context"].unique())
    fig, axes = plt.subplots(
        1, len(contexts), figsize=(4.5 * len(contexts), 3.4), squeeze=False, sharey=True
    )
    cmap = plt.get_cmap("tab10")
    policies = sorted(fan["policy"].unique())
    for ax, ctx in zip(axes.flat, contexts, strict=True):
        for i, pol in enumerate(policies):
            d = fan[(fan["context"] == ctx) & (fan["policy"] == pol)]
            c = cmap(i % 10)
            ax.fill_between(d["step"], d["q05"], d["q95"], color=c, alpha=0.12, lw=0)
            ax.fill_between(d["step"], d["q25"], d["q75"], color=c, alpha=0.3, lw=0)
            ax.plot(d["step"], d["q50"], color=c, lw=1.6, label=pol)
        ax.set_title(str(ctx))
        ax.set_xlabel("week")
        ax.grid(alpha=0.3)
    axes[0, 0].set_ylabel(ylabel)
    axes[0, -1].legend(fontsize=8)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def tornado(
    table: pd.DataFrame,
    value: str,
    conf: str | None = None,
    title: str = "",
    xlabel: str | None = None,
) -> Figure:
    """Horizontal bars of one index per factor, largest on top (Morris mu_star, Sobol ST).

    Args:
        table: indexed by factor, with the ``value`` column (and ``conf``, a half-width).
        value: the column to draw.
        conf: the column of interval half-widths, if any.
        title: the figure title.
        xlabel: the x axis label (default: ``value``).
    """
    d = table.sort_values(value)
    fig, ax = plt.subplots(figsize=(7, 0.45 * len(d) + 1.3))
    err = d[conf].to_numpy(dtype=float) if conf else None
    dummy = d["dummy"].to_numpy(dtype=bool) if "dummy" in d else np.zeros(len(d), bool)
    colors = ["0.65" if x else "tab:blue" for x in dummy]
    ax.barh([str(i) for i in d.index], d[value].to_numpy(dtype=float), xerr=err, color=colors)
    ax.axvline(0.0, color="black", lw=0.8)
    ax.set_xlabel(xlabel or value)
    ax.grid(axis="x", alpha=0.3)
    ax.set_title(title or f"{value} per parameter (grey: dummy)")
    fig.tight_layout()
    return fig


def heatmap(
    df: pd.DataFrame, x: str, y: str, value: str = "value", title: str = "", fmt: str = ".2f"
) -> Figure:
    """Mean of ``value`` over a two-parameter sweep, one cell per (x, y) pair, annotated."""
    wide = df.pivot_table(index=y, columns=x, values=value, aggfunc="mean").sort_index(
        ascending=False
    )
    fig, ax = plt.subplots(figsize=(1.0 * wide.shape[1] + 3, 0.6 * wide.shape[0] + 1.8))
    vals = wide.to_numpy(dtype=float)
    im = ax.imshow(vals, cmap="viridis", aspect="auto")
    ax.set_xticks(range(wide.shape[1]), [f"{v:g}" for v in wide.columns])
    ax.set_yticks(range(wide.shape[0]), [f"{v:g}" for v in wide.index])
    ax.set_xlabel(x)
    ax.set_ylabel(y)
    for i in range(vals.shape[0]):
        for j in range(vals.shape[1]):
            if not math.isnan(vals[i, j]):
                ax.text(j, i, format(vals[i, j], fmt), ha="center", va="center", color="w")
    fig.colorbar(im, ax=ax, label=value)
    ax.set_title(title or f"{value} over {x} and {y}")
    fig.tight_layout()
    return fig


def prim_tradeoff(trajectory: pd.DataFrame, chosen: int | None = None) -> Figure:
    """PRIM's peeling trajectory: density against coverage, coloured by restricted dims."""
    fig, ax = plt.subplots(figsize=(5.5, 4))
    sc = ax.scatter(
        trajectory["coverage"], trajectory["density"], c=trajectory["restricted"], cmap="viridis"
    )
    if chosen is not None:
        r = trajectory.loc[chosen]
        ax.scatter([r["coverage"]], [r["density"]], s=150, facecolors="none", edgecolors="red")
    fig.colorbar(sc, ax=ax, label="parameters restricted")
    ax.set_xlabel("coverage")
    ax.set_ylabel("density")
    ax.grid(alpha=0.3)
    ax.set_title("PRIM peeling trajectory (red: the box reported)")
    fig.tight_layout()
    return fig


def calibration_fit(
    fitted: pd.DataFrame, others: Sequence[np.ndarray] = (), title: str = ""
) -> Figure:
    """Observed and modelled survey shares per period (accepted points in grey)."""
    fig, ax = plt.subplots(figsize=(7, 3.8))
    xs = np.arange(len(fitted))
    for o in others:
        ax.plot(xs, 100 * np.asarray(o), color="0.75", lw=0.8)
    ax.plot(xs, 100 * fitted["share"], "ko", label="CBS")
    ax.plot(xs, 100 * fitted["model"], "s-", color="tab:red", label="model (best fit)")
    ax.set_xticks(xs, list(fitted["period"]))
    ax.set_ylabel("% trusting parliament")
    ax.grid(alpha=0.3)
    ax.legend()
    ax.set_title(title or "Trust in the Tweede Kamer: CBS and the model")
    fig.tight_layout()
    return fig
