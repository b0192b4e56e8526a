"""The calibration's driver: waves of runs on the sweep machinery, then the ensemble.

Each wave writes its sets as an ensemble file (``design.csv``) and runs them as one
sweep of the command line (``cohesion-sim -m ... calibration.ensemble=<design>
calibration.member=range(0,N) seed=range(0,S)``), so a wave resumes after a kill (the
finished runs are skipped), runs on whatever launcher is given (joblib here, Slurm or
Ray through ``hydra/launcher=...``) and leaves ordinary run directories. Every run
writes ``patterns.csv``: the targets as it simulated them.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.calibration.ensemble import write_ensemble
from sim.calibration.fingerprint import data_fingerprint, model_fingerprint
from sim.calibration.matching import (
    CUTOFF,
    DISCREPANCY,
    Match,
    discrepancy,
    first_wave,
    match,
    refocus,
)
from sim.calibration.params import Prior, params_until
from sim.calibration.patterns import forecast_table, observed_patterns
from sim.calibration.targets import load_targets
from sim.config_dates import week_of

__all__ = ["SIZES", "Size", "calibrate", "finish", "read_wave", "run_wave", "select"]


@dataclass(frozen=True)
class Size:
    """How big a calibration is: the population, the sets and the seeds of each wave.

    A wave of one seed a set costs half; the run's own noise (V_run) is then estimated
    from the waves with more (it is a property of the model at that size, not of a set).
    """

    overrides: tuple[str, ...]
    waves: tuple[int, ...]
    seeds: tuple[int, ...]
    ensemble: int = 100


#: ``full``: one citizen per 2,000 residents aged 15+ of the whole country (7,614; every
#: municipality has at least one), a first wave of 120 sets with one seed and a second
#: of 50 with two (docs/calibration.md shows the patterns hold at twice the size);
#: ``ci``: a town of 400 citizens and a handful of sets, to test the path.
SIZES = {
    "full": Size(
        ("population=netherlands", "population.fraction=0.0005", "metrics_every=4"),
        (120, 50),
        (1, 2),
    ),
    "ci": Size(("population.size=400", "metrics_every=4"), (8, 6), (1, 2), ensemble=5),
}
BASE = ("scenario=history", "policy=none", "plot=false", "progress=false")
#: Week 0 of the history (configs/scenario/history.yaml).
HISTORY_START = "2012-01-01"


def run_wave(
    design: pd.DataFrame,
    wave_dir: Path,
    seeds: int,
    overrides: Sequence[str],
    launcher: Sequence[str] = (),
    first_seed: int = 0,
) -> pd.DataFrame:
    """Run every set of ``design`` with ``seeds`` seeds from ``first_seed``; the patterns.

    Returns:
        One row per run: ``point``, ``seed`` and one column per pattern.
    """
    wave_dir.mkdir(parents=True, exist_ok=True)
    path = wave_dir / "design.csv"
    write_ensemble(design, path)
    n = design.shape[0]
    cmd = [
        sys.executable, "-m", "sim", "-m", *BASE, *overrides,
        f"calibration.ensemble={path.resolve()}",
        f"calibration.member=range(0,{n})",
        f"seed=range({first_seed},{first_seed + seeds})",
        "calibration.patterns=true",
        f"hydra.sweep.dir={(wave_dir / 'runs').resolve()}",
        "hydra.callbacks.sweep.report=false",
        "hydra.callbacks.sweep.catalogue=false",
        *launcher,
    ]  # fmt: skip
    done = subprocess.run(cmd, check=False)
    runs = read_wave(wave_dir)
    if done.returncode != 0 or runs.shape[0] < n * seeds:
        raise RuntimeError(
            f"wave in {wave_dir}: {runs.shape[0]} of {n * seeds} runs finished "
            f"(exit {done.returncode}); run the same command again to resume"
        )
    return runs


def read_wave(wave_dir: Path) -> pd.DataFrame:
    """The patterns of every finished run of a wave: ``point``, ``seed``, patterns."""
    frames = []
    for f in sorted((wave_dir / "runs").glob("**/patterns.csv")):
        d = pd.read_csv(f)
        row = d.set_index("pattern")["simulated"]
        frames.append({"point": int(d["member"].iloc[0]), "seed": int(d["seed"].iloc[0]), **row})
    return pd.DataFrame(frames)


@dataclass
class Result:
    """A calibration's outcome: the waves' sets, their verdict and the ensemble."""

    sets: pd.DataFrame
    verdict: Match
    ensemble: pd.DataFrame
    priors: tuple[Prior, ...]
    timings: dict[str, float] = field(default_factory=dict)
    info: dict[str, Any] = field(default_factory=dict)


def calibrate(
    out: Path,
    size: Size,
    until: date | None = None,
    launcher: Sequence[str] = (),
    seed: int = 2012,
    log: Any = print,
    holdout: date | None = None,
) -> Result:
    """History matching in waves; writes ``out``/ensemble.csv (with .json) and summary.json.

    Args:
        out: the calibration's directory (its waves' sweeps go under it).
        size: :data:`SIZES` or your own.
        until: fit only the targets that end by this date (an out-of-sample test); the
            parameters of later events stay at their priors.
        launcher: Hydra overrides for the sweeps' launcher (e.g. ``hydra/launcher=slurm``).
        seed: seed of the waves' designs.
        log: where progress lines go.
        holdout: also fit the first wave to the targets up to this date alone and
            forecast the later ones from the same runs (``out``/holdout/): the first
            wave's sizes of the later events are drawn from their priors, independently
            of anything measured after the date.
    """
    targets = load_targets()
    if until is not None:
        targets = targets[targets["end"] <= until]
    priors = params_until(until)
    overrides = list(size.overrides)
    if until is not None:  # the runs stop at the end of the fitted years
        overrides.append(f"steps={week_of(until.isoformat(), HISTORY_START)}")
    observed = observed_patterns(targets)
    disc = discrepancy(observed, targets)
    keys = [p.key for p in priors]
    sets = pd.DataFrame(columns=keys)
    runs = pd.DataFrame()
    timings: dict[str, float] = {}
    verdict: Match | None = None
    for k, (n, seeds) in enumerate(zip(size.waves, size.seeds, strict=True), start=1):
        t0 = time.perf_counter()
        if verdict is None:
            design = first_wave(priors, n, seed)
        else:
            kept = sets.loc[verdict.nroy] if verdict.nroy else _closest(sets, verdict)
            design = refocus(kept, priors, n, seed + k)
        design.index = pd.RangeIndex(sets.shape[0], sets.shape[0] + n)
        log(f"wave {k}: {n} sets x {seeds} seeds")
        wave = run_wave(design.reset_index(drop=True), out / f"wave{k}", seeds,
                        overrides, launcher)  # fmt: skip
        wave["point"] += sets.shape[0]
        sets = pd.concat([sets, design])
        runs = pd.concat([runs, wave], ignore_index=True)
        verdict = match(runs, observed, disc)
        timings[f"wave{k}_s"] = round(time.perf_counter() - t0, 1)
        log(
            f"wave {k}: {len(verdict.nroy)} of {sets.shape[0]} sets not implausible; "
            f"missed patterns: {', '.join(verdict.missed.index) or 'none'}"
        )
    assert verdict is not None
    size_info = {"overrides": overrides, "waves": list(size.waves), "seeds": list(size.seeds)}
    return _finish(out, sets, runs, priors, size_info, until, holdout, size.ensemble,
                   timings, log)  # fmt: skip


def select(score: pd.Series, cap: int) -> tuple[list[int], float]:
    """The ensemble's sets, best first, and the cutoff they meet.

    The sets within :data:`CUTOFF` if there is one; else the sets within the first of
    :data:`WIDER` that keeps :data:`MIN_MEMBERS` (the model then matches the patterns
    only at that implausibility, and the summary says so). At most ``cap``.
    """
    ordered = score.sort_values(kind="stable")
    need = min(MIN_MEMBERS, cap, len(ordered))
    for cutoff in (CUTOFF, *WIDER):
        kept = ordered[ordered <= cutoff]
        if len(kept) >= (1 if cutoff == CUTOFF else need):
            return [int(i) for i in kept.index[:cap]], cutoff
    return [int(i) for i in ordered.index[:need]], float(ordered.iloc[need - 1])


def _finish(
    out: Path,
    sets: pd.DataFrame,
    runs: pd.DataFrame,
    priors: Sequence[Prior],
    size_info: dict[str, Any],
    until: date | None,
    holdout: date | None,
    cap: int,
    timings: dict[str, float],
    log: Any,
) -> Result:
    """Match every run, select the ensemble, write it and the calibration's tables."""
    targets = load_targets()
    if until is not None:
        targets = targets[targets["end"] <= until]
    observed = observed_patterns(targets)
    disc = discrepancy(observed, targets)
    verdict = match(runs, observed, disc)
    if holdout is not None:
        first = runs[runs["point"] < size_info["waves"][0]]
        _holdout(out / "holdout", first, verdict.run_sd, holdout, cap, log)
    chosen, cutoff = select(verdict.score, cap)
    ensemble = sets.loc[chosen].copy()
    ensemble["implausibility"] = verdict.score.loc[chosen].to_numpy()
    info = {
        "model_fingerprint": model_fingerprint(),
        "data_fingerprint": data_fingerprint(),
        "future": "history",
        "until": until.isoformat() if until else None,
        "method": "history matching, second-largest implausibility, no emulator",
        "discrepancy": DISCREPANCY,
        "cutoff": CUTOFF,
        "cutoff_met": cutoff,
        "size": size_info,
        "runs": int(runs.shape[0]),
        "non_implausible": len(verdict.nroy),
        "members": len(chosen),
        "members_non_implausible": bool(verdict.nroy),
        "missed": {k: round(float(v), 2) for k, v in verdict.missed.items()},
        "priors": {p.key: [p.low, p.high, p.basis] for p in priors},
        "created": time.strftime("%Y-%m-%d"),
        "timings": timings,
    }
    write_ensemble(ensemble, out / "ensemble.csv", info)
    verdict.means.to_csv(out / "simulated.csv")
    sets.to_csv(out / "sets.csv", index_label="point")
    observed.assign(discrepancy=disc).to_csv(out / "observed.csv", index_label="pattern")
    verdict.implausibility.to_csv(out / "implausibility.csv", index_label="point")
    verdict.score.rename("score").to_csv(out / "scores.csv", index_label="point")
    (out / "summary.json").write_text(json.dumps(info, indent=2) + "\n")
    return Result(sets, verdict, ensemble, tuple(priors), timings, info)


def finish(out: Path, holdout: date | None = None, cap: int = 100, log: Any = print) -> Result:
    """Select the ensemble again from a calibration's finished waves (no new runs)."""
    info = json.loads((out / "summary.json").read_text())
    size_info = info["size"]
    sets_list, runs_list, offset = [], [], 0
    for k, _ in enumerate(size_info["waves"], start=1):
        design = pd.read_csv(out / f"wave{k}" / "design.csv").drop(columns="member")
        design.index = pd.RangeIndex(offset, offset + design.shape[0])
        wave = read_wave(out / f"wave{k}")
        wave["point"] += offset
        sets_list.append(design)
        runs_list.append(wave)
        offset += design.shape[0]
    sets = pd.concat(sets_list)
    runs = pd.concat(runs_list, ignore_index=True)
    until = date.fromisoformat(info["until"]) if info.get("until") else None
    priors = [p for p in params_until(until) if p.key in sets.columns]
    return _finish(out, sets, runs, priors, size_info, until, holdout, cap,
                   info.get("timings", {}), log)  # fmt: skip


#: Cutoffs tried in turn when no set is within :data:`CUTOFF`.
WIDER = (3.5, 4.0, 4.5, 5.0, 6.0, 8.0)
#: The fewest sets an ensemble at a wider cutoff keeps.
MIN_MEMBERS = 10


def _holdout(
    out: Path, runs: pd.DataFrame, run_sd: pd.Series, until: date, keep: int, log: Any
) -> None:
    """The first wave matched to the targets up to ``until``; the later ones forecast.

    ``run_sd``: the run's own noise per pattern, estimated from every wave.
    """
    out.mkdir(parents=True, exist_ok=True)
    targets = load_targets()
    earlier = targets[targets["end"] <= until]
    observed = observed_patterns(earlier)
    verdict = match(runs, observed, discrepancy(observed, earlier), run_sd=run_sd)
    chosen, cutoff = select(verdict.score, keep)
    points = pd.Series(chosen, name="point")
    points.to_csv(out / "points.csv", index=False)
    table = forecast_table(runs[runs["point"].isin(chosen)], until)
    table.to_csv(out / "forecast.csv", index=False)
    info = {
        "until": until.isoformat(),
        "runs": int(runs.shape[0]),
        "non_implausible": len(verdict.nroy),
        "members": len(chosen),
        "members_non_implausible": bool(verdict.nroy),
        "cutoff_met": cutoff,
        "missed": {k: round(float(v), 2) for k, v in verdict.missed.items()},
        "inside_90": int(table["inside_90"].sum()) if not table.empty else 0,
        "forecast_patterns": len(table),
    }
    (out / "summary.json").write_text(json.dumps(info, indent=2) + "\n")
    log(
        f"holdout to {until}: {len(verdict.nroy)} sets not implausible; forecast: "
        f"{info['inside_90']} of {len(table)} later patterns inside the 90% range"
    )


def _closest(sets: pd.DataFrame, verdict: Match) -> pd.DataFrame:
    """No set is non-implausible yet: refocus on the tenth with the lowest score."""
    k = max(2, int(np.ceil(0.1 * sets.shape[0])))
    return sets.loc[verdict.score.sort_values(kind="stable").index[:k]]
