"""Figures, drawn from the tidy tables (never from live model objects).

A notebook can redraw any of them from a run directory:
``plot_cohesion(pd.read_parquet(run / "timeseries.parquet"))``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd
from matplotlib.figure import Figure

from sim.outcomes import DOMAINS, OUTCOMES

__all__ = ["COMPONENT_LABELS", "DOMAIN_LABELS", "plot_cohesion", "save_figure"]

#: The index and its domains, as figures label them.
DOMAIN_LABELS = {n: OUTCOMES[n].label for n in ("cohesion_index", *DOMAINS)}
#: The index's components (their metrics), as figures label them.
COMPONENT_LABELS = {n: o.label for n, o in OUTCOMES.items() if o.component is not None}


def plot_cohesion(ts: pd.DataFrame, title: str = "", scope: str = "all") -> Figure:
    """Cohesion index, its three domains, and its components over time for one scope."""
    d = ts[ts["scope"] == scope]
    when = "date" if "date" in d.columns else "step"
    wide = d.pivot_table(index=when, columns="metric", values="value", aggfunc="first")
    xlabel = "date (week 0: the end of the burn-in)" if when == "date" else "week (after burn-in)"
    # A bare Figure (no pyplot): no global backend is touched, and it is safe in threads.
    fig = Figure(figsize=(13, 5), layout="constrained")
    ax1, ax2 = fig.subplots(1, 2)
    for metric, label in DOMAIN_LABELS.items():
        if metric in wide:
            main = metric == "cohesion_index"
            ax1.plot(
                wide.index,
                wide[metric],
                label=label,
                lw=2.8 if main else 1.4,
                color="black" if main else None,
                ls="-" if main else "--",
            )
    ax1.set_xlabel(xlabel)
    ax1.set_ylabel("index (0-100, higher is more cohesive)")
    ax1.set_title("Cohesion index and its three domains")
    ax1.set_ylim(0, 100)
    ax1.grid(alpha=0.3)
    ax1.legend(loc="lower left", fontsize=9)
    for metric, label in COMPONENT_LABELS.items():
        if metric in wide:
            ax2.plot(wide.index, wide[metric], label=label, lw=1.5)
    ax2.set_xlabel(xlabel)
    ax2.set_ylabel("value (0-1)")
    ax2.set_title("Components")
    ax2.set_ylim(-0.02, 1.02)
    ax2.grid(alpha=0.3)
    ax2.legend(loc="center left", bbox_to_anchor=(1.01, 0.5), fontsize=8)
    fig.suptitle(title or "Social cohesion over time", fontsize=13)
    if when == "date":
        fig.autofmt_xdate()
    return fig


def save_figure(fig: Figure, path: Path) -> None:
    """Save a figure atomically as PNG (and close it if pyplot manages it)."""
    from sim.io import atomic_write

    try:
        atomic_write(path, lambda tmp: fig.savefig(tmp, format="png", dpi=110))
    finally:
        if "matplotlib.pyplot" in sys.modules:
            sys.modules["matplotlib.pyplot"].close(fig)
