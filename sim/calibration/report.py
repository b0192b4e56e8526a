"""The calibration's tables and figures for docs/calibration.md, from its output folders.

    python -m sim.calibration.report [--fit outputs/calibration]
        [--forecast outputs/calibration-2019-12-31] [--to docs/figures] [--stability]

Writes ``calibration_fit.csv`` (every pattern: CBS, the best member, the ensemble's
range, the tolerance stated in docs/calibration.md and whether it is met),
``calibration_forecast.csv``, ``calibration_history.png``, ``calibration_forecast.png``,
``calibration_pairs.png`` and, with ``--stability``, ``calibration_stability.csv`` (the
best member's patterns at the calibration's size and at twice it).
"""

from __future__ import annotations

import argparse
import json
from datetime import date
from pathlib import Path

import pandas as pd

from sim.calibration.figures import fig_history, fig_pairs, member_series, wave_runs
from sim.calibration.forecast import forecast_table
from sim.calibration.params import PARAMS
from sim.calibration.run import SIZES, read_wave, run_wave
from sim.calibration.targets import load_targets
from sim.plots import save_figure

__all__ = ["TOLERANCE", "fit_table", "tolerance"]

#: The tolerances stated in docs/calibration.md before any fit (share points).
TOLERANCE = {
    "national": 0.05,
    "subgroup": 0.08,
    "turnout": 0.03,
    "change": 0.04,
    "dissatisfied": 0.10,
}


def tolerance(name: str, targets: pd.DataFrame) -> float:
    """A pattern's tolerance by its kind."""
    if name not in targets.index:
        return TOLERANCE["change"]
    metric, scope = str(targets.loc[name, "metric"]), str(targets.loc[name, "scope"])
    if metric == "dissatisfied_share":
        return TOLERANCE["dissatisfied"]
    if metric.startswith("turnout"):
        return TOLERANCE["turnout"]
    return TOLERANCE["national"] if scope == "all" else TOLERANCE["subgroup"]


def fit_table(fit_dir: Path) -> pd.DataFrame:
    """Every pattern: CBS, the best member (mean of its seeds), the members' range."""
    targets = load_targets()
    observed = pd.read_csv(fit_dir / "observed.csv", index_col="pattern")
    means = pd.read_csv(fit_dir / "simulated.csv", index_col="point")
    ensemble = pd.read_csv(fit_dir / "ensemble.csv")
    sets = pd.read_csv(fit_dir / "sets.csv", index_col="point")
    keys = [c for c in ensemble.columns if "." in c]
    points = [_point(sets, ensemble.loc[i, keys]) for i in ensemble.index]
    best = means.loc[points[0]]
    members = means.loc[points]
    rows = []
    for name in observed.index:
        if name not in means.columns or members[name].isna().all():
            continue
        cbs, sim = float(observed.loc[name, "value"]), float(best[name])
        tol = tolerance(name, targets)
        rows.append(
            {
                "pattern": name,
                "cbs": round(cbs, 4),
                "best": round(sim, 4),
                "members_low": round(float(members[name].min()), 4),
                "members_high": round(float(members[name].max()), 4),
                "error_points": round(100 * (sim - cbs), 1),
                "tolerance_points": round(100 * tol, 1),
                "within": bool(abs(sim - cbs) <= tol),
            }
        )
    return pd.DataFrame(rows)


def _point(sets: pd.DataFrame, values: pd.Series) -> int:
    """The design point whose values are a member's (the ensemble keeps 6 digits)."""
    diff = (sets[values.index] - values.to_numpy()).abs() / (sets[values.index].abs() + 1e-12)
    return int(sets.index[int(diff.max(axis=1).to_numpy().argmin())])


def stability(fit_dir: Path, out: Path) -> pd.DataFrame:
    """The best member's patterns at the calibration's size and at twice it (2 seeds)."""
    ensemble = pd.read_csv(fit_dir / "ensemble.csv").head(1)
    design = ensemble[[c for c in ensemble.columns if "." in c]]
    base = list(SIZES["full"].overrides)
    double = [o if not o.startswith("population.fraction=") else "population.fraction=0.001"
              for o in base]  # fmt: skip
    rows = {}
    for label, overrides in (("size", base), ("twice", double)):
        wave = out / f"stability_{label}"
        runs = read_wave(wave) if (wave / "runs").is_dir() else pd.DataFrame()
        if runs.shape[0] < 2:
            runs = run_wave(design, wave, 2, overrides, ["hydra/launcher=parallel"])
        rows[label] = runs.drop(columns=["point", "seed"]).mean()
    table = pd.DataFrame(rows).dropna()
    table["difference_points"] = (100 * (table["twice"] - table["size"])).round(1)
    return table


def main(argv: list[str] | None = None) -> int:
    """Write the tables and figures."""
    ap = argparse.ArgumentParser(prog="python -m sim.calibration.report")
    ap.add_argument("--fit", type=Path, default=Path("outputs/calibration"))
    ap.add_argument("--forecast", type=Path, default=Path("outputs/calibration-2019-12-31"))
    ap.add_argument("--to", type=Path, default=Path("docs/figures"))
    ap.add_argument("--stability", action="store_true")
    a = ap.parse_args(argv)
    a.to.mkdir(parents=True, exist_ok=True)
    targets = load_targets()
    if (a.fit / "summary.json").is_file():
        table = fit_table(a.fit)
        table.to_csv(a.to / "calibration_fit.csv", index=False)
        print(f"fit: {int(table['within'].sum())} of {len(table)} patterns within tolerance")
        sets = pd.read_csv(a.fit / "sets.csv", index_col="point")
        ensemble = pd.read_csv(a.fit / "ensemble.csv")
        keys = [c for c in ensemble.columns if "." in c]
        points = [_point(sets, ensemble.loc[i, keys]) for i in ensemble.index]
        series = member_series(wave_runs(a.fit, points))
        title = f"History 2012-2024: the {len(points)} members of the ensemble against CBS"
        save_figure(fig_history(series, targets, title), a.to / "calibration_history.png")
        priors = [p for p in PARAMS if p.key in keys]
        save_figure(fig_pairs(sets, points, priors), a.to / "calibration_pairs.png")
        if a.stability:
            st = stability(a.fit, a.fit)
            st.to_csv(a.to / "calibration_stability.csv", index_label="pattern")
            print(f"stability: largest difference {st['difference_points'].abs().max():.1f} points")
    holdout = a.fit / "holdout"
    if (holdout / "points.csv").is_file():  # the first wave matched to the earlier years
        info = json.loads((holdout / "summary.json").read_text())
        until = date.fromisoformat(info["until"])
        table = pd.read_csv(holdout / "forecast.csv")
        table.to_csv(a.to / "calibration_forecast.csv", index=False)
        print(f"forecast: {info['inside_90']} of {len(table)} later patterns inside the 90% range")
        points = pd.read_csv(holdout / "points.csv")["point"].tolist()
        series = member_series(wave_runs(a.fit, points))
        title = (
            f"Matched to 2012-{until.year} only, {len(points)} sets; after the dashed line a "
            "forecast (the later events' sizes drawn from their priors)"
        )
        save_figure(fig_history(series, targets, title, split=until),
                    a.to / "calibration_forecast.png")  # fmt: skip
    elif (a.forecast / "forecast").is_dir():  # a separate fit with --until and its forecast
        info = json.loads((a.forecast / "summary.json").read_text())
        until = date.fromisoformat(info["until"])
        runs = read_wave(a.forecast / "forecast")
        table = forecast_table(runs, until)
        table.to_csv(a.to / "calibration_forecast.csv", index=False)
        inside = int(table["inside_90"].sum())
        print(f"forecast: {inside} of {len(table)} later patterns inside the runs' 90% range")
        fdirs = sorted((a.forecast / "forecast" / "runs").glob("*/patterns.csv"))
        series = member_series([f.parent for f in fdirs])
        title = f"Fitted on 2012-{until.year}, forecast after (dashed line): {len(fdirs)} runs"
        save_figure(fig_history(series, targets, title, split=until),
                    a.to / "calibration_forecast.png")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
