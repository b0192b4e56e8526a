"""The report's figures: bare matplotlib Figures (no pyplot), and their PNG encoding.

:func:`fig_effects` and :func:`fig_regret` are :func:`sim.analysis.plots.forest` and
:func:`sim.analysis.plots.regret_heatmap`, which notebooks draw too. Time axes show
dates when the sweep's runs share a start date; :func:`fig_municipal_effects` maps the
effects per municipality with :func:`sim.maps.draw_map`.
"""

from __future__ import annotations

import base64
import io
import math
from collections.abc import Mapping

import numpy as np
import pandas as pd
from matplotlib.cm import ScalarMappable
from matplotlib.colors import Normalize
from matplotlib.dates import AutoDateLocator, ConciseDateFormatter
from matplotlib.figure import Figure

from sim.analysis import effects as fx
from sim.analysis.effects import records
from sim.analysis.load import SweepData
from sim.analysis.plots import bare_subplots, policy_colors
from sim.analysis.plots import forest as fig_effects
from sim.analysis.plots import regret_heatmap as fig_regret
from sim.maps import draw_map
from sim.outcomes import label
from sim.plots import COMPONENT_LABELS, DOMAIN_LABELS

__all__ = [
    "fig_cost",
    "fig_effects",
    "fig_fan",
    "fig_measures",
    "fig_municipal_effects",
    "fig_regret",
    "png_base64",
    "policies",
    "week_dates",
]

#: Measures in the order the shortfall figure shows them: domains, then components.
_MEASURE_ORDER = [
    *[m for m in DOMAIN_LABELS if m != "cohesion_index"],
    *COMPONENT_LABELS,
    "tension_max",
    "bimodality",
]


def png_base64(fig: Figure) -> str:
    """The figure as a PNG (100 dpi), base64-encoded for a ``data:`` URL."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100)
    return base64.b64encode(buf.getvalue()).decode("ascii")


def policies(data: SweepData) -> list[str]:
    """The sweep's policies: the reference (``none``) first, then the others sorted."""
    pols = sorted(set(data.outcomes["policy"]))
    return ([fx.BASELINE] if fx.BASELINE in pols else []) + [p for p in pols if p != fx.BASELINE]


def week_dates(start: str, steps: pd.Series | np.ndarray) -> pd.Series:
    """The dates of weeks after the burn-in: ``start`` plus 7 days a week."""
    return pd.Series(pd.Timestamp(start) + pd.to_timedelta(7 * np.asarray(steps), unit="D"))


def fig_fan(data: SweepData, fan: pd.DataFrame, context: str) -> Figure:
    """Fan chart of the outcome over time, one panel per policy, in one context.

    The time axis shows dates when the runs share a start date, else weeks.
    """
    pols = policies(data)
    colors = policy_colors(pols)
    n = len(pols)
    ncols = min(4, n)
    nrows = math.ceil(n / ncols)
    fig, axes = bare_subplots(
        nrows,
        ncols,
        figsize=(3.3 * ncols, 2.5 * nrows + 0.6),
        sharex=True,
        sharey=True,
        squeeze=False,
        constrained_layout=True,
    )
    f = fan[fan["context"] == context].copy()
    if data.start_date is not None:
        f["step"] = week_dates(data.start_date, f["step"]).to_numpy()
    ref = f[f["policy"] == fx.BASELINE]
    for ax in axes.flat[n:]:
        ax.set_visible(False)
    for ax, pol in zip(axes.flat, pols, strict=False):
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
    if data.start_date is not None:
        locator = AutoDateLocator(minticks=2, maxticks=5)
        for ax in axes.flat:
            ax.xaxis.set_major_locator(locator)
            ax.xaxis.set_major_formatter(ConciseDateFormatter(locator))
    for ax in axes[-1]:
        ax.set_xlabel("date" if data.start_date is not None else "week")
    for ax in axes[:, 0]:
        ax.set_ylabel(label(data.metric), fontsize=9)
    fig.suptitle(f"{label(data.metric)} over time, future '{context}'", fontsize=12)
    return fig


def fig_municipal_effects(
    effects: pd.DataFrame, counts: Mapping[str, float], small: int, metric: str
) -> Figure:
    """Each policy's effect per municipality on a map, one panel per policy.

    Args:
        effects: from :func:`sim.analysis.effects.scope_effects` (kind
            ``municipality``) for one context: ``policy``, ``name`` (the CBS code),
            ``effect`` (signed so that higher is better).
        counts: citizens per municipality code.
        small: municipalities with fewer citizens are hatched and left out of the
            colour scale.
        metric: the metric the effects are on.
    """
    pols = [p for p in sorted(effects["policy"].unique()) if p != fx.BASELINE]
    n = max(len(pols), 1)
    ncols = min(3, n)
    nrows = math.ceil(n / ncols)
    fig, axes = bare_subplots(
        nrows,
        ncols,
        figsize=(max(4.2 * ncols, 6.0), 4.6 * nrows + 0.9),
        squeeze=False,
        constrained_layout=True,
    )
    precise = effects[[counts.get(c, 0) >= small for c in effects["name"]]]
    top = float(np.nanmax(np.abs(precise["effect"]))) if not precise.empty else 0.0
    top = top if math.isfinite(top) and top > 0 else 1.0
    norm = Normalize(-top, top)
    for ax in axes.flat[len(pols) :]:
        ax.set_visible(False)
    for ax, pol in zip(axes.flat, pols, strict=False):
        e = effects[effects["policy"] == pol]
        values = dict(zip(e["name"], e["effect"].astype(float), strict=True))
        draw_map(ax, values, cmap="RdYlGn", norm=norm, counts=counts, small=small)
        ax.set_title(pol, fontsize=10)
    fig.colorbar(
        ScalarMappable(norm, "RdYlGn"),
        ax=axes.ravel().tolist(),
        orientation="horizontal",
        fraction=0.04,
        pad=0.03,
        label=f"effect on {label(metric).lower()} (points; green: better)",
    )
    few = sum(1 for c in set(effects["name"]) if counts.get(c, 0) < small)
    note = f"\nhatched: {few} municipalities with fewer than {small} citizens" if few else ""
    fig.suptitle(
        f"Effect per municipality against '{fx.BASELINE}', all futures pooled{note}", fontsize=11
    )
    return fig


def fig_cost(ce: pd.DataFrame, eff: pd.DataFrame, metric: str) -> Figure:
    """Effect against euros spent per policy and context, with 95% intervals."""
    d = eff.merge(ce[["context", "policy", "euros_mean"]], on=["context", "policy"])
    pols = sorted(d["policy"].unique())
    colors = policy_colors([fx.BASELINE, *pols])
    markers = "osD^v<>Pp*h"
    contexts = sorted(d["context"].unique())
    fig, ax = bare_subplots(figsize=(8, 5), constrained_layout=True)
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
    for p in pols:
        ax.plot([], [], "o", color=colors[p], label=p)
    for i, c in enumerate(contexts):
        ax.plot([], [], markers[i % len(markers)], color="0.4", label=f"future: {c}")
    ax.axhline(0.0, color="black", lw=1)
    ax.set_xlim(left=0.0)
    ax.set_xlabel("euros spent per run (millions, mean)")
    ax.set_ylabel(f"effect on {label(metric).lower()} (points)")
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
    fig, ax = bare_subplots(
        figsize=(min(0.5 * wide.shape[1] + 3.0, 16.0), 0.45 * wide.shape[0] + 3.4),
        constrained_layout=True,
    )
    im = ax.imshow(np.clip(wide.to_numpy(), -6, 6), cmap="RdYlGn", vmin=-6, vmax=6, aspect="auto")
    ax.set_xticks(
        range(wide.shape[1]), [label(c) for c in wide.columns], rotation=60, ha="right", fontsize=8
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


def fig_pathways(act: pd.DataFrame, policy: str, weeks: int) -> Figure:
    """An adaptive policy's pathways map: where and when each action acted, across draws.

    One panel per action (in the order they first act): a row per scope, a column per
    week, shaded by the share of the policy's runs in which the action was acting there
    (:func:`sim.analysis.pathways.activity`).
    """
    a = act[act["policy"] == policy]
    first = a.groupby("action")["week"].min().sort_values()
    actions = list(first.index)
    scopes = sorted(set(a["scope"]), key=lambda s: (s.partition(":")[0], _num(s)))
    row = {s: i for i, s in enumerate(scopes)}
    n = max(len(actions), 1)
    fig, axes = bare_subplots(
        n, 1, figsize=(8.0, 1.0 + min(0.06 * len(scopes), 3.0) * n + 0.8 * n),
        squeeze=False, constrained_layout=True,
    )  # fmt: skip
    norm = Normalize(0.0, 1.0)
    for ax, action in zip(axes[:, 0], actions, strict=False):
        grid = np.zeros((len(scopes), weeks + 1))
        g = a[(a["action"] == action) & (a["week"] <= weeks)]
        grid[[row[s] for s in g["scope"]], g["week"].to_numpy(dtype=int)] = g["share"]
        ax.imshow(grid, aspect="auto", interpolation="nearest", cmap="Blues", norm=norm)
        ax.set_title(f"{action}: {len(set(g['scope']))} scopes acted in", fontsize=10)
        ax.set_ylabel(scopes[0].partition(":")[0] if scopes else "scope")
        ax.set_yticks([])
    axes[-1, 0].set_xlabel("week")
    fig.colorbar(
        ScalarMappable(norm, "Blues"), ax=axes.ravel().tolist(), fraction=0.04,
        label="share of draws acting there",
    )  # fmt: skip
    fig.suptitle(f"Pathways of '{policy}': where and when each action acted", fontsize=11)
    return fig


def _num(scope: str) -> int:
    name = scope.partition(":")[2]
    return int(name) if name.isdigit() else 0
