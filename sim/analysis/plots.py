"""Analysis figures for notebooks and reports, drawn from tidy tables.

The report's own figures are reused, not copied: :func:`forest` is
:func:`sim.report.fig_effects` (effect per policy with its 95% interval) and
:func:`regret_heatmap` is :func:`sim.report.fig_regret`. Added here: a fan chart from
any tidy series, tornado charts for sensitivity indices, heat maps of an outcome over
two swept parameters, the PRIM peeling trade-off, and the calibration fit.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from sim.analysis.effects import fan_quantiles
from sim.report import fig_effects as forest
from sim.report import fig_regret as regret_heatmap

__all__ = [
    "calibration_fit",
    "fan_chart",
    "forest",
    "heatmap",
    "prim_tradeoff",
    "regret_heatmap",
    "tornado",
]


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
