"""The figures of docs/validation.md, drawn from a study's numbers (``validation.json``).

One function per study, ``draw(results[name], path)``, listed in :data:`FIGURES`; they
read only the stored numbers, so ``--replot`` redraws every figure without running
anything. The docking figure is here too (it needs only the numbers, not ndlib), for
``benchmarks/docking.py`` and for redrawing the page.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import numpy as np

from sim.analysis.validation.studies import FM_TITLE
from sim.plots import save_figure

__all__ = ["FIGURES"]


def _time_band(
    ax: Any, xs: Sequence[float], rows: list[dict[str, Any]], color: str, label: str | None
) -> None:
    """Median time to converge with its interquartile band, on a log axis."""
    ax.plot(xs, [t["median_interactions"] for t in rows], "o-", color=color, label=label)
    ax.fill_between(
        xs,
        [t["q25_interactions"] for t in rows],
        [t["q75_interactions"] for t in rows],
        color=color,
        alpha=0.15,
    )
    ax.set_yscale("log")


def _figure_deffuant(res: dict[str, Any], path: Path) -> None:
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(12, 4.5), constrained_layout=True)
    runs = res["runs"]
    rng = np.random.default_rng(0)  # jitter of the dots only
    eps = np.array([r["eps"] for r in runs])
    major = np.array([r["major"] for r in runs], dtype=float)
    ax1.scatter(
        eps + rng.uniform(-0.008, 0.008, eps.shape[0]),
        major,
        s=8,
        alpha=0.35,
        color="C0",
        label="one run",
    )
    tab = res["table"]
    ax1.plot(
        [t["eps"] for t in tab],
        [t["major_mean"] for t in tab],
        "o-",
        color="C0",
        label="mean over runs",
    )
    grid = np.linspace(0.09, 0.56, 400)
    ax1.plot(
        grid,
        np.maximum(1.0, np.floor(1.0 / (2.0 * grid))),
        color="k",
        lw=1.2,
        ls="--",
        label="floor(1 / (2 eps)); consensus above 0.5",
    )
    ax1.set_xlabel("confidence bound eps")
    ax1.set_ylabel("major clusters (> 1% of citizens)")
    ax1.set_title(f"Deffuant, random mixing, N = {res['n']}, mu = 0.5, {res['seeds']} seeds")
    ax1.legend(fontsize=8)
    ax1.grid(alpha=0.3)
    _time_band(ax2, [t["eps"] for t in tab], tab, "C0", None)
    ax2.set_xlabel("confidence bound eps")
    ax2.set_ylabel("interactions per citizen to converge\n(median, band: quartiles)")
    ax2.set_title("Time to converge (every cluster tighter than 1e-3)")
    ax2.grid(alpha=0.3, which="both")
    save_figure(fig, path)


def _figure_mu(res: dict[str, Any], path: Path) -> None:
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(12, 4.5), constrained_layout=True)
    tab = res["table"]
    mus = sorted({t["mu"] for t in tab})
    for k, mu in enumerate(mus):
        rows = [t for t in tab if t["mu"] == mu]
        off = (k - (len(mus) - 1) / 2) * 0.006
        ax1.plot(
            [t["eps"] + off for t in rows],
            [t["major_mean"] for t in rows],
            "o-",
            label=f"mu = {mu}",
        )
        _time_band(ax2, [t["eps"] for t in rows], rows, f"C{k}", f"mu = {mu}")
    ax1.set_xlabel("confidence bound eps")
    ax1.set_ylabel("major clusters (mean over runs)")
    ax1.set_title(
        f"Deffuant: mu and the number of major clusters (N = {res['n']}, {res['seeds']} seeds)"
    )
    ax2.set_xlabel("confidence bound eps")
    ax2.set_ylabel("interactions per citizen to converge\n(median, band: quartiles)")
    ax2.set_title("mu and the time to converge")
    for ax in (ax1, ax2):
        ax.grid(alpha=0.3, which="both")
        ax.legend(fontsize=8)
    save_figure(fig, path)


def _figure_hk(res: dict[str, Any], path: Path) -> None:
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(12, 4.5), constrained_layout=True)
    tab = res["table"]
    for n in sorted({t["n"] for t in tab}):
        rows = [t for t in tab if t["n"] == n]
        ax1.plot(
            [t["eps"] for t in rows],
            [t["consensus_share"] for t in rows],
            "o-",
            ms=3,
            label=f"N = {n}",
        )
        ax2.plot(
            [t["eps"] for t in rows], [t["major_mean"] for t in rows], "o-", ms=3, label=f"N = {n}"
        )
    for ax in (ax1, ax2):
        ax.axvline(0.2, color="k", ls="--", lw=1, label="eps = 0.2 (Fortunato 2005)")
        ax.set_xlabel("confidence bound eps")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    ax1.set_ylabel("share of runs ending in consensus (one cluster)")
    ax1.set_title(f"Hegselmann-Krause, complete mixing, {res['seeds']} seeds")
    ax2.set_ylabel("major clusters (mean over runs)")
    ax2.set_title("Fragmentation below the threshold")
    save_figure(fig, path)


def _figure_ab(res: dict[str, Any], path: Path) -> None:
    fig, axes = plt.subplots(1, 3, figsize=(17, 4.6), constrained_layout=True)
    tab = res["table"]
    for k, eps in enumerate(sorted({t["eps"] for t in tab})):
        rows = [t for t in tab if t["eps"] == eps]
        g = [t["gamma"] for t in rows]
        done = [t["converged_share"] == 1.0 for t in rows]
        for ax, key in ((axes[0], "effective_mean"), (axes[1], "groups_mean")):
            ax.plot(g, [t[key] for t in rows], "-", color=f"C{k}", label=f"eps = {eps}")
            for gi, t, ok in zip(g, rows, done, strict=True):
                ax.plot(gi, t[key], "o", color=f"C{k}", mfc=f"C{k}" if ok else "white")
        _time_band(axes[2], g, rows, f"C{k}", f"eps = {eps}")
    axes[2].axhline(res["max_interactions"], color="k", lw=0.8, ls=":", label="cap")
    axes[0].set_ylabel("effective number of clusters (mean)")
    axes[0].set_title(f"Algorithmic bias, N = {res['n']}, {res['seeds']} seeds")
    axes[1].set_ylabel("opinion groups > 1% of citizens (mean)")
    axes[1].set_title("Fragments (open marker: runs stopped at the cap)")
    axes[2].set_ylabel("interactions per citizen to converge\n(median, band: quartiles)")
    axes[2].set_title("Time to converge")
    for ax in axes:
        ax.set_xlabel("algorithmic bias gamma")
        ax.grid(alpha=0.3, which="both")
        ax.legend(fontsize=8)
    save_figure(fig, path)


def _ecdf(ax: Any, values: Sequence[float], **kw: Any) -> None:
    v = np.sort(np.asarray(values, dtype=float))
    ax.step(v, np.arange(1, v.shape[0] + 1) / v.shape[0], where="post", **kw)


def _figure_docking(res: dict[str, Any], path: Path) -> None:
    gammas = sorted({r["gamma"] for r in res["runs"]})
    fig, axes = plt.subplots(
        2, len(gammas), figsize=(4.2 * len(gammas), 7.5), constrained_layout=True, squeeze=False
    )
    styles = {
        "ndlib": {"color": "k", "lw": 2.0, "label": "ndlib AlgorithmicBiasModel"},
        "ours": {"color": "C1", "lw": 1.6, "label": "ours, preset=algorithmic_bias"},
        "ours_deffuant_preset": {
            "color": "C0",
            "lw": 1.2,
            "ls": "--",
            "label": "ours, preset=deffuant",
        },
    }
    for k, gamma in enumerate(gammas):
        for impl, st in styles.items():
            r = [x for x in res["runs"] if x["gamma"] == gamma and x["impl"] == impl]
            if not r:
                continue
            _ecdf(axes[0, k], [x["major"] for x in r], **st)
            _ecdf(axes[1, k], [x["interactions"] for x in r], **st)
        axes[0, k].set_title(f"N = {res['n']}, eps = {res['eps']}, gamma = {gamma}")
        axes[0, k].set_xlabel("major clusters")
        axes[1, k].set_xlabel("interactions per citizen to converge")
        axes[1, k].set_xscale("log")
        for ax in axes[:, k]:
            ax.set_ylabel("cumulative share of runs")
            ax.grid(alpha=0.3)
    axes[0, 0].legend(fontsize=8, loc="lower right")
    save_figure(fig, path)


def _figure_fm(res: dict[str, Any], path: Path) -> None:
    updates = res["updates"]
    fig, axes = plt.subplots(
        len(updates), 3, figsize=(16, 4.2 * len(updates)), constrained_layout=True, squeeze=False
    )
    early = res["early_week"]
    lr_max = max(t["long_range"] for t in res["table"])
    for row, update in zip(axes, updates, strict=True):
        tab = [t for t in res["table"] if t["update"] == update]
        for neg, ax, key, what in (
            (True, row[0], "final_mean", f"with negative influence: week {res['weeks']:,}"),
            (False, row[1], f"week_{early}_mean", f"positive influence only: week {early}"),
        ):
            rows = [t for t in tab if t["negative"] == neg]
            color = "C3" if neg else "C2"
            ax.plot([t["long_range"] for t in rows], [t[key] for t in rows], "o-", color=color)
            if neg:
                pts = [x for x in res["runs"] if x["negative"] and x["update"] == update]
                ax.scatter(
                    [x["long_range"] for x in pts],
                    [x["final"] for x in pts],
                    s=6,
                    alpha=0.3,
                    color=color,
                )
            ax.set_xlabel("long-range ties added per citizen")
            ax.set_ylabel("polarisation (variance of pairwise distances)")
            ax.set_title(f"{FM_TITLE[update]}, {what}")
            ax.grid(alpha=0.3)
        every = res["every"]
        for neg in (True, False):
            for lr in (0.0, lr_max):
                mean = res["mean_paths"].get(f"{update}:{neg}:{lr}")
                if mean is None:
                    continue
                row[2].plot(
                    every * (1 + np.arange(len(mean))),
                    mean,
                    color="C3" if neg else "C2",
                    ls="-" if lr == 0.0 else "--",
                    label=f"{'negative' if neg else 'positive only'}, {lr:g} long-range ties",
                )
        row[2].set_xscale("log")
        row[2].set_xlabel("week")
        row[2].set_ylabel("polarisation (mean over runs)")
        row[2].set_title(f"{FM_TITLE[update]}: {res['n']} citizens, caves of {res['cave']}")
        row[2].legend(fontsize=8)
        row[2].grid(alpha=0.3)
    save_figure(fig, path)


#: The figure of each study, by name: ``draw(results[name], path)``.
FIGURES: dict[str, Callable[[dict[str, Any], Path], None]] = {
    "deffuant": _figure_deffuant,
    "deffuant_mu": _figure_mu,
    "hk": _figure_hk,
    "algorithmic_bias": _figure_ab,
    "docking": _figure_docking,
    "flache_macy": _figure_fm,
}
