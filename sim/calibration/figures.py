"""The calibration's figures: the history against CBS, the forecast, the kept sets.

The series are read from the runs the calibration already made (each wave's run
directories), so drawing costs no further run.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pyarrow.parquet as pq
from matplotlib.figure import Figure

from sim.calibration.params import Prior

__all__ = ["PANELS", "fig_history", "fig_pairs", "member_series", "short", "wave_runs"]

#: The panels of the history figure: (metric, title).
PANELS = (
    ("trust_politics_share", "Trusting the Tweede Kamer"),
    ("trust_rule_of_law_share", "Trusting the rule of law (police, judges)"),
    ("trust_people_share", "Trusting other people"),
    ("turnout", "Turnout (general: dots; municipal: squares; referendums: triangles)"),
)
_TURNOUTS = {"turnout_parliament": "o", "turnout_municipal": "s", "turnout_referendum": "^"}


def wave_runs(out: Path, points: Sequence[int]) -> list[Path]:
    """The run directories of the given sets (all their seeds), from the waves' sweeps."""
    waves = json.loads((out / "summary.json").read_text())["size"]["waves"]
    wanted = {int(p) for p in points}
    dirs: list[Path] = []
    offset = 0
    for k, n in enumerate(waves, start=1):
        for f in sorted((out / f"wave{k}" / "runs").glob("*/patterns.csv")):
            member = int(pd.read_csv(f, usecols=["member"])["member"].iloc[0])
            if member + offset in wanted:
                dirs.append(f.parent)
        offset += n
    return dirs


def member_series(run_dirs: Sequence[Path]) -> pd.DataFrame:
    """The national series of the panels' metrics, and the turnouts, of each run."""
    metrics = [m for m, _ in PANELS if m != "turnout"] + list(_TURNOUTS)
    frames = []
    for i, d in enumerate(run_dirs):
        t = pq.read_table(
            d / "timeseries.parquet",
            columns=["date", "metric", "scope", "value"],
            filters=[("scope", "=", "all"), ("metric", "in", metrics)],
        ).to_pandas()
        t["run"] = i
        frames.append(t)
    out = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    if not out.empty:
        out["date"] = pd.to_datetime(out["date"])
    return out


def fig_history(
    series: pd.DataFrame,
    targets: pd.DataFrame,
    title: str,
    split: date | None = None,
) -> Figure:
    """Each panel: the runs' median and 90% band, and CBS's figures over their periods."""
    fig, axes = plt.subplots(2, 2, figsize=(12, 7.5), sharex=True)
    national = targets[targets["scope"] == "all"]
    for ax, (metric, name) in zip(axes.flat, PANELS, strict=True):
        if metric == "turnout":
            for m, marker in _TURNOUTS.items():
                sim = series[series["metric"] == m]
                if not sim.empty:
                    ax.scatter(sim["date"], sim["value"], marker=marker, s=10, color="C0",
                               alpha=0.25, label=None)  # fmt: skip
                obs = national[national["metric"] == m]
                ax.scatter(pd.to_datetime(obs["start"]), obs["value"], marker=marker, s=40,
                           facecolor="none", edgecolor="k", zorder=3)  # fmt: skip
        else:
            sim = series[series["metric"] == metric]
            if not sim.empty:
                q = sim.groupby("date")["value"].quantile(np.array([0.05, 0.5, 0.95])).unstack()
                ax.fill_between(q.index, q[0.05], q[0.95], color="C0", alpha=0.25,
                                label="runs, 90%")  # fmt: skip
                ax.plot(q.index, q[0.5], color="C0", label="runs, median")
            obs = national[national["metric"] == metric]
            for row in obs.to_dict("records"):
                start, end = pd.Timestamp(str(row["start"])), pd.Timestamp(str(row["end"]))
                half = (end - start) / 2
                value, sd = float(row["value"]), float(row["obs_sd"])
                ax.errorbar(start + half, value, xerr=[[half], [half]], yerr=2 * sd,
                            fmt="o", color="k", ms=3, lw=1)  # fmt: skip
            ax.plot([], [], "ok", ms=3, label="CBS (period, 2 s.e.)")
            ax.legend(loc="lower left", fontsize=7)
        if split is not None:
            ax.axvline(pd.Timestamp(split), color="C3", ls="--", lw=1)
        ax.set_title(name, fontsize=10)
        ax.set_ylim(0, 1)
        ax.grid(alpha=0.3)
    fig.suptitle(title, fontsize=11)
    fig.autofmt_xdate()
    fig.tight_layout()
    return fig


def short(key: str) -> str:
    """A calibrated key's short label: ``recovery``, ``lift.politics``, ``rally_2020.half_life``."""
    parts = key.split(".")
    if parts[0] == "scenario":
        return f"{parts[2]}.{parts[-1]}"
    if parts[1] == "trust_lift":
        return f"lift.{parts[-1]}"
    return parts[-1]


def fig_pairs(sets: pd.DataFrame, kept: Sequence[int], priors: Sequence[Prior]) -> Figure:
    """Pairs of the calibrated parameters: every set run (grey), the kept ones (blue)."""
    keys = [p.key for p in priors]
    k = len(keys)
    fig, axes = plt.subplots(k, k, figsize=(1.6 * k, 1.6 * k))
    axes = np.atleast_2d(axes)
    ok = sets.loc[list(kept)]
    for i, yi in enumerate(keys):
        for j, xj in enumerate(keys):
            ax = axes[i, j]
            ax.set_xticks([])
            ax.set_yticks([])
            if i == j:
                ax.hist(ok[xj], bins=12, range=(priors[j].low, priors[j].high), color="C0")
            elif i > j:
                ax.scatter(sets[xj], sets[yi], s=2, color="0.75")
                ax.scatter(ok[xj], ok[yi], s=3, color="C0")
                ax.set_xlim(priors[j].low, priors[j].high)
                ax.set_ylim(priors[i].low, priors[i].high)
            else:
                ax.axis("off")
            if i == k - 1:
                ax.set_xlabel(short(xj), fontsize=6, rotation=30)
            if j == 0:
                ax.set_ylabel(short(yi), fontsize=6, rotation=60)
    fig.suptitle(
        "Calibrated parameters: every set run (grey), the non-implausible (blue); "
        "each axis spans the prior",
        fontsize=9,
    )
    fig.tight_layout()
    return fig
