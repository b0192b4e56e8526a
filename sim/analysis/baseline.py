"""The default baseline beside the runs with each rule switched off.

Used by docs/model.md to trace each trend of the baseline to the rule that produces it.
Every run starts from the initial state (no burn-in) and lasts burn-in + horizon weeks,
so the figure shows both how the state settles and what it does afterwards.

Run ``python -m sim.analysis.baseline --out docs/figures`` to redraw the figure and
rewrite the table of start and end values (baseline_ablation.csv).
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from sim.compose import compose
from sim.dynamics import BUILTIN_RULES
from sim.outcomes import label as outcome_label
from sim.plots import save_figure
from sim.prepare import prepare
from sim.run import run

__all__ = ["PANELS", "ablation_runs", "plot_ablation", "summary_table"]

#: The figure's panels: metric -> its label (from :data:`sim.outcomes.OUTCOMES`).
PANELS = {
    m: outcome_label(m)
    for m in (
        "cohesion_index",
        "bubble_index",
        "polarization",
        "opinion_sd",
        "trust_mean",
        "low_trust_share",
        "tension_mean",
        "tension_max",
        "prejudice_mean",
        "bridging_ties",
        "participation",
    )
}


def ablation_runs(overrides: Sequence[str] = (), seeds: Sequence[int] = (0, 1, 2)) -> pd.DataFrame:
    """Baseline and rule-off runs from the initial state; tidy rows with ``variant``, ``seed``.

    Each run lasts burn_in + steps weeks of the composed config, starting at week
    -burn_in (so week 0 is where a default run's horizon begins).
    """
    base = prepare(compose(list(overrides)))
    total = base.burn_in + base.steps
    frames = []
    for variant in ["baseline", *BUILTIN_RULES]:
        off = [] if variant == "baseline" else [f"dynamics.{variant}.enabled=false"]
        for seed in seeds:
            cfg = compose(
                [*overrides, *off, f"seed={seed}", "burn_in=0", f"steps={total}", "plot=false"]
            )
            ts = run(prepare(cfg), keep_model=False).timeseries.to_pandas()
            ts = ts[(ts["scope"] == "all") & ts["metric"].isin(PANELS)].copy()
            ts["week"] = ts["step"] - base.burn_in
            ts["variant"] = "baseline" if variant == "baseline" else f"no {variant}"
            ts["seed"] = seed
            frames.append(ts)
    return pd.concat(frames, ignore_index=True)


def plot_ablation(df: pd.DataFrame, title: str = "") -> object:
    """One panel per metric: the mean over seeds of each variant against the week."""
    import matplotlib.pyplot as plt

    mean = df.groupby(["variant", "metric", "week"], as_index=False)["value"].mean()
    variants = list(dict.fromkeys(df["variant"]))
    fig, axes = plt.subplots(3, 4, figsize=(17, 11), constrained_layout=True)
    for ax, (metric, label) in zip(axes.flat, PANELS.items(), strict=False):
        for v in variants:
            d = mean[(mean["variant"] == v) & (mean["metric"] == metric)]
            ax.plot(
                d["week"],
                d["value"],
                label=v,
                lw=2.5 if v == "baseline" else 1.2,
                color="black" if v == "baseline" else None,
            )
        ax.axvline(0, color="grey", ls=":", lw=1)
        ax.set_title(label, fontsize=10)
        ax.set_xlabel("week (0 = end of the default burn-in)")
        ax.grid(alpha=0.3)
    last = axes.flat[len(PANELS)]
    handles, labels = axes.flat[0].get_legend_handles_labels()
    last.legend(handles, labels, loc="center", fontsize=10, title="run")
    last.axis("off")
    fig.suptitle(title or "Baseline and the runs with each rule switched off", fontsize=13)
    return fig


def summary_table(df: pd.DataFrame) -> pd.DataFrame:
    """Mean over seeds at week 0 (end of burn-in) and at the horizon, per variant."""
    end = int(df["week"].max())
    d = df[df["week"].isin([0, end])]
    t = d.groupby(["metric", "variant", "week"])["value"].mean().unstack("week")
    t.columns = [f"week {c}" for c in t.columns]
    return t.round(3)


def main() -> None:
    """Draw baseline_ablation.png and its table into the directory given by --out."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, required=True, help="directory for the figure")
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("overrides", nargs="*", help="Hydra overrides for every run")
    args = parser.parse_args()
    df = ablation_runs(args.overrides, range(args.seeds))
    args.out.mkdir(parents=True, exist_ok=True)
    save_figure(plot_ablation(df), args.out / "baseline_ablation.png")  # type: ignore[arg-type]
    table = summary_table(df)
    table.to_csv(args.out / "baseline_ablation.csv")
    print(table.to_string())


if __name__ == "__main__":
    main()
