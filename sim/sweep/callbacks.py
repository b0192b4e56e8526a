"""The Hydra callback of a sweep: a manifest at the start, catalogue and report at the end.

Registered in ``configs/config.yaml`` under ``hydra.callbacks.sweep``, so every sweep
gets it (``cohesion-sim -m ...`` and every experiment). Switch parts off with
``hydra.callbacks.sweep.report=false`` or ``hydra.callbacks.sweep.catalogue=false``.

- ``on_multirun_start`` (in the launching process, before the first job): fixes
  ``hydra.sweep.dir`` as an absolute path of the launching process (so the launcher and
  every job use the same directory, see :func:`sim.sweep.launcher.pin_sweep_dir`), refuses a
  sweep directory that cannot be written, takes its lock (one sweep at a time, see
  :mod:`sim.sweep.guard`), writes the sweep's manifest (its jobs and their number, for
  the progress lines) and prints what will run.
- ``on_multirun_end`` (in the launching process, after every job): rebuilds
  ``results.duckdb`` from the run directories (:func:`sim.catalogue.build_catalogue`),
  writes ``report/index.html`` and ``summary.csv`` (:func:`sim.report.make_report`),
  and prints where they are and how many runs failed or did not finish; then releases
  the lock.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hydra.experimental.callback import Callback
from omegaconf import DictConfig, OmegaConf

from sim.sweep import progress
from sim.sweep.guard import (
    DiskFull,
    check_space,
    check_writable,
    disk_full_message,
    is_disk_full,
    lock_sweep,
    unlock_sweep,
)
from sim.sweep.jobs import (
    BASIC_SWEEPERS,
    JOBS_SWEEPER,
    jobs_of,
    listed_jobs,
    read_jobs_file,
)

__all__ = ["SweepCallback", "SweepOutcome", "last_outcome"]


@dataclass
class SweepOutcome:
    """What the last sweep of this process produced (the CLI sets its exit status from it)."""

    sweep_dir: Path
    runs: int = 0
    failed: int = 0
    missing: int = 0
    errors: list[str] = field(default_factory=list)
    #: Runs of the sweep that started and did not finish (no run.json), and why.
    unfinished: list[str] = field(default_factory=list)
    cause: str = ""
    #: The catalogue or report could not be written because the disk is full.
    disk_full: bool = False


_LAST: list[SweepOutcome] = []


def _first_line(e: BaseException) -> str:
    text = str(e).strip()
    return text.splitlines()[0] if text else ""


def _unstarted(sweep_dir: Path, done: list[str]) -> list[str]:
    """Jobs of the manifest with no run directory, named by the overrides that vary."""
    try:
        manifest = json.loads((sweep_dir / ".sweep" / progress.MANIFEST).read_text())
    except (OSError, ValueError):
        return []
    jobs = [list(j) for j in manifest.get("jobs") or []]
    have = set(done)
    missing = [j for j in jobs if " ".join(j) not in have]
    values: dict[str, set[str]] = {}
    for job in jobs:
        for o in job:
            key, _, value = o.partition("=")
            values.setdefault(key, set()).add(value)
    varying = {k for k, v in values.items() if len(v) > 1}
    return [
        "(" + " ".join(o for o in j if o.partition("=")[0] in varying or not varying) + ")"
        for j in missing
    ]


def last_outcome() -> SweepOutcome | None:
    """The outcome of the last sweep that ended in this process, if any."""
    return _LAST[-1] if _LAST else None


def sweep_jobs(config: DictConfig) -> list[list[str]] | None:
    """The jobs of a sweep from its master config (None if its sweeper chooses them as it goes)."""
    hydra = config.hydra
    target = OmegaConf.select(hydra, "sweeper._target_")
    if target == JOBS_SWEEPER:
        listed = read_jobs_file(str(hydra.sweeper.jobs_file))
        return listed_jobs(listed, [str(o) for o in hydra.overrides.task])
    if target not in BASIC_SWEEPERS:
        return None
    node = OmegaConf.select(hydra, "sweeper.params")
    params = OmegaConf.to_container(node, resolve=False) if node is not None else {}
    assert isinstance(params, dict)
    named: dict[str, Any] = {str(k): v for k, v in params.items()}
    return jobs_of(named, [str(o) for o in hydra.overrides.task])


def check_target(text: str) -> str:
    """The target's text if it reads as ``METRIC OP NUMBER`` on a known outcome.

    Raises:
        ValueError: naming the key ``hydra.callbacks.sweep.target``.
    """
    from sim.analysis.robustness import Target
    from sim.outcomes import EXTRA_METRICS, OUTCOMES

    key = "hydra.callbacks.sweep.target"
    try:
        t = Target.parse(text)
    except ValueError as e:
        raise ValueError(f"{key}: {e}") from None
    if t.metric not in OUTCOMES and t.metric not in EXTRA_METRICS:
        known = ", ".join(sorted(OUTCOMES))
        raise ValueError(f"{key}: no outcome {t.metric!r} (one of: {known})")
    return text


class SweepCallback(Callback):
    """Manifest at the start of a sweep; catalogue and report at its end.

    Args:
        catalogue: rebuild ``results.duckdb`` at the end.
        report: write ``report/index.html`` and ``summary.csv`` at the end.
        target: open the report with the robust strategies for this target (e.g.
            ``"trust_politics_share>=0.25"``, met at the last week); checked here, before
            any run, so a typo does not wait for the end of the sweep.

    Raises:
        ValueError: if the target cannot be read or names no outcome.
    """

    def __init__(
        self, catalogue: bool = True, report: bool = True, target: str | None = None
    ) -> None:
        self.catalogue = catalogue
        self.report = report
        self.target = None if target is None else check_target(str(target))

    def on_multirun_start(self, config: DictConfig, **kwargs: Any) -> None:
        """Fix the sweep directory's absolute path, write the manifest, say what will run."""
        from sim.sweep.launcher import pin_sweep_dir

        sweep_dir = pin_sweep_dir(config)
        check_writable(sweep_dir)
        check_space(sweep_dir)
        jobs = sweep_jobs(config)
        try:
            lock_sweep(sweep_dir)
            progress.start(sweep_dir, jobs)
        except OSError as e:
            if is_disk_full(e):
                what = "the sweep's manifest could not be written"
                raise DiskFull(disk_full_message(sweep_dir, what)) from e
            raise
        launcher = OmegaConf.select(config, "hydra.runtime.choices.hydra/launcher") or "basic"
        n = "some" if jobs is None else str(len(jobs))
        print(f"sweep: {n} runs into {sweep_dir} (launcher: {launcher})", flush=True)

    def on_multirun_end(self, config: DictConfig, **kwargs: Any) -> None:
        """Build the catalogue and the report; print where they are."""
        sweep_dir = Path(config.hydra.sweep.dir).absolute()
        outcome = SweepOutcome(sweep_dir)
        _LAST.append(outcome)
        try:
            if self.catalogue:
                self._finish(sweep_dir, outcome)
        except Exception as e:  # Hydra would only warn; the CLI exits 1 with this line
            outcome.disk_full = is_disk_full(e)
            outcome.errors.append(f"catalogue: {type(e).__name__}: {_first_line(e)}")
            print(f"sweep: the catalogue failed: {type(e).__name__}: {e}", file=sys.stderr)
        finally:
            unlock_sweep(sweep_dir)

    def _finish(self, sweep_dir: Path, outcome: SweepOutcome) -> None:
        from sim.catalogue import build_catalogue, load_runs

        path = build_catalogue(sweep_dir)
        runs = load_runs(sweep_dir)
        current = runs[runs["in_sweep"]]
        outcome.runs = len(current)
        outcome.failed = int((current["status"] == "failed").sum())
        outcome.missing = int((current["status"] == "incomplete").sum())
        p = progress.read_progress(sweep_dir)
        if p.total is not None and p.total > outcome.runs:  # jobs that never started
            outcome.missing += p.total - outcome.runs
            outcome.runs = p.total
        unfinished_note = f", {outcome.missing} did not finish" if outcome.missing else ""
        print(
            f"sweep: {outcome.runs} runs ({outcome.failed} failed{unfinished_note}), "
            f"{p.elapsed_text} elapsed; catalogue: {path}",
            flush=True,
        )
        if outcome.failed:
            failed = current[current["status"] == "failed"]
            for run, err in zip(failed["run"], failed["error"], strict=True):
                outcome.errors.append(f"{run}: {err}")
        outcome.unfinished = sorted(current.loc[current["status"] == "incomplete", "run"])
        outcome.unfinished += _unstarted(sweep_dir, list(runs["overrides"]))
        if outcome.unfinished:
            from sim.sweep.launcher import job_losses

            losses = job_losses()
            outcome.cause = losses[-1] if losses else ""
            note = f" ({outcome.cause})" if outcome.cause else ""
            for run in outcome.unfinished:
                outcome.errors.append(f"{run}: did not finish{note}")
        if self.report:
            from sim.report import make_report

            try:
                rep = make_report(sweep_dir, rebuild=False, target=self.target)
            except Exception as e:  # the runs and catalogue stay usable
                outcome.disk_full = outcome.disk_full or is_disk_full(e)
                outcome.errors.append(f"report: {type(e).__name__}: {_first_line(e)}")
                print(f"sweep: the report failed: {type(e).__name__}: {e}", file=sys.stderr)
            else:
                print(f"sweep: report: {rep.html}; summary: {rep.summary}", flush=True)
