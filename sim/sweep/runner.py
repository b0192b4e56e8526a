"""The body of one sweep job: resume, share the burn-in, record failures, write the run.

:func:`execute` is what each job of a sweep does (the CLI calls it through
:func:`run_job` with Hydra's job directory):

1. If the job directory already holds a complete run of the same config (``run.json``
   says ``complete`` and has the same ``config_hash``, and the output files are there),
   the job is skipped: re-running a sweep into the same ``hydra.sweep.dir`` redoes only
   failed and missing runs.
2. Otherwise the earlier attempt's files (``run.json`` first, then its tables, figure
   and stray temporary files) are removed, so a run killed or failing half-way never
   looks complete and never sits beside another config's tables.
3. The starting state comes from the sweep's shared burn-in (:mod:`sim.sweep.burn_in`).
4. The run's files are written atomically, ``run.json`` last, with the job's overrides,
   the uncertain parameters' values and the timings.
5. An exception inside the run is caught: ``run.json`` records ``status: failed`` with
   the error, and the job returns normally so the sweep goes on.
6. A full disk stops the sweep instead (:class:`sim.sweep.guard.DiskFull`): the run is
   recorded as failed if that small file still fits, else it is absent; either way it
   is redone when the sweep is run again. Before computing, a job checks that the disk
   has room for a run as large as the largest this process has written (and for the
   next job's Hydra record), so an overnight sweep on a filling disk stops at once
   rather than computing runs it cannot keep.

For the reliability tests only: a job whose run directory (relative to the sweep
directory) is named by the environment variable ``COHESION_SIM_FAULT_KILL_RUN`` kills
its own process with SIGKILL before writing its outputs, as an out-of-memory killer
would.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import time
import traceback
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from omegaconf import DictConfig

from sim.config import RunConfig
from sim.io import read_json, write_json
from sim.prepare import prepare, sampled_values
from sim.results import config_hash, run_info, write_run
from sim.run import run
from sim.sweep import progress
from sim.sweep.burn_in import shared_start
from sim.sweep.guard import DiskFull, disk_full_message, free_bytes, is_disk_full

__all__ = ["execute", "is_complete", "note_launch", "run_job"]

_OUTPUTS = ("timeseries.parquet", "final_state.parquet")
FAULT_KILL_RUN = "COHESION_SIM_FAULT_KILL_RUN"
#: Bytes on disk of the largest run this process has written (its space estimate).
_LARGEST_RUN = [0]
#: What the launcher measured of the job about to run in this process (:func:`note_launch`).
_LAUNCH: dict[str, float] = {}


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def note_launch(started: float, composed: float, worker_start: float | None = None) -> None:
    """Note when the launcher began this process's next job and had composed its config.

    ``started`` and ``composed`` are ``time.perf_counter()`` values; ``worker_start`` is
    the CPU seconds the worker process spent before its first job (its start-up and
    imports; None for later jobs). The job records them in run.json's ``timings``
    (``compose_s``, ``hydra_job_s``: Hydra's own set-up of the job, ``worker_start_s``).
    """
    _LAUNCH.clear()
    _LAUNCH.update(started=started, composed=composed)
    if worker_start is not None:
        _LAUNCH["worker_start"] = worker_start


def _launch_timings(t_job: float) -> dict[str, float]:
    """The launcher's part of this job's timings (empty without :func:`note_launch`)."""
    if not _LAUNCH:
        return {}
    out = {
        "compose_s": round(_LAUNCH["composed"] - _LAUNCH["started"], 4),
        "hydra_job_s": round(t_job - _LAUNCH["composed"], 4),
    }
    if "worker_start" in _LAUNCH:
        out["worker_start_s"] = round(_LAUNCH["worker_start"], 4)
    _LAUNCH.clear()
    return out


def is_complete(run_dir: Path, cfg: RunConfig) -> dict[str, Any] | None:
    """run.json's contents if ``run_dir`` holds a complete run of ``cfg``, else None."""
    info = read_json(run_dir / "run.json")
    if not info or info.get("status") != "complete":
        return None
    if info.get("config_hash") != config_hash(cfg):
        return None
    files = list(_OUTPUTS) + (["cohesion.png"] if cfg.plot else [])
    if not all((run_dir / f).is_file() for f in files):
        return None
    return info


def _clean(run_dir: Path) -> None:
    """Remove an earlier attempt's files before the run is done again.

    run.json goes first (it is written last), then the tables, the figure and any stray
    temporary files, so that a run that fails now never sits beside the tables of
    another config (or of its own earlier attempt).
    """
    (run_dir / "run.json").unlink(missing_ok=True)
    for name in (*_OUTPUTS, "cohesion.png"):
        (run_dir / name).unlink(missing_ok=True)
    for tmp in run_dir.glob(".*.tmp"):
        tmp.unlink(missing_ok=True)


def _failed(cfg: RunConfig | None, error: BaseException, extra: dict[str, Any]) -> dict[str, Any]:
    base: dict[str, Any] = {"status": "failed"}
    if cfg is not None:
        base = run_info(cfg, 0.0, "failed")
    base.update(extra)
    base["error"] = f"{type(error).__name__}: {error}"
    base["traceback"] = "".join(traceback.format_exception(error))
    return base


def execute(
    cfg: DictConfig | RunConfig,
    run_dir: Path,
    sweep_dir: Path,
    overrides: list[str] | None = None,
    *,
    share_burn_in: bool = True,
) -> dict[str, Any]:
    """Run one job of a sweep into ``run_dir``; return its run.json contents.

    Args:
        cfg: the job's config (composed or typed).
        run_dir: the job's directory.
        sweep_dir: the sweep's directory (for shared burn-ins and progress).
        overrides: the job's overrides (recorded in run.json, used by the catalogue).
        share_burn_in: start from the sweep's shared burn-in state.

    Returns:
        run.json's contents; ``status`` is ``complete``, ``failed`` or, for a job
        whose complete run was already there, that run's (with ``skipped`` True).
    """
    t_job = time.perf_counter()
    launch = _launch_timings(t_job)
    run_dir = Path(run_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    rel = os.path.relpath(run_dir, sweep_dir)
    extra: dict[str, Any] = {
        "overrides": list(overrides or []),
        "host": socket.gethostname(),
        "started_at": _now(),
    }
    typed: RunConfig | None = None
    try:
        typed = prepare(cfg)
        done = is_complete(run_dir, typed)
        if done is not None:
            print(_record(sweep_dir, rel, "skipped"), flush=True)
            return {**done, "skipped": True}
        _clean(run_dir)
        _check_space(run_dir, sweep_dir, rel)
        info = _run(typed, run_dir, sweep_dir, rel, extra, share_burn_in, t_job, launch)
        _LARGEST_RUN[0] = max(_LARGEST_RUN[0], _disk_bytes(run_dir))
    except Exception as e:  # a failed run is recorded; the sweep goes on
        extra["finished_at"] = _now()
        info = _failed(typed, e, extra)
        _write_failed(info, e, run_dir, sweep_dir, rel)
    status = str(info.get("status"))
    line = _record(sweep_dir, rel, status)
    if status == "failed":
        line += f"\n  run {rel} failed: {info.get('error')}"
    print(line, flush=True)
    return info


def _record(sweep_dir: Path, rel: str, status: str) -> str:
    """Log the job in the sweep's progress; the progress line (a full disk stops the sweep)."""
    try:
        return progress.record(sweep_dir, rel, status).line()
    except OSError as e:
        if is_disk_full(e):
            what = f"the progress log could not be written after run {rel} ({status})"
            raise DiskFull(disk_full_message(sweep_dir, what)) from e
        raise


def _write_failed(
    info: dict[str, Any], error: Exception, run_dir: Path, sweep_dir: Path, rel: str
) -> None:
    """Record a failed run; if the disk is full, stop the sweep (run.json if it fits)."""
    full = is_disk_full(error)
    try:
        write_json(info, run_dir / "run.json")
    except OSError as e:
        if not (full or is_disk_full(e)):
            raise
        full = True
    if full:
        with contextlib.suppress(OSError):
            print(progress.record(sweep_dir, rel, "failed").line(), flush=True)
        what = f"run {rel} could not be written: {info.get('error')}"
        raise DiskFull(disk_full_message(sweep_dir, what)) from error


def _disk_bytes(path: Path) -> int:
    """Bytes a directory's files take on disk (allocated blocks)."""
    total = 0
    for root, _, files in os.walk(path):
        for f in files:
            with contextlib.suppress(OSError):
                total += os.stat(os.path.join(root, f)).st_blocks * 512
    return total


def _check_space(run_dir: Path, sweep_dir: Path, rel: str) -> None:
    """Stop before computing a run the disk has no room for (see the module docstring)."""
    if not _LARGEST_RUN[0]:
        return  # no estimate yet: the first run of this process just tries
    need = _LARGEST_RUN[0] + _disk_bytes(run_dir / ".hydra")
    free = free_bytes(run_dir)
    if free < need:
        what = (
            f"run {rel} was not started: {free / 1e6:.2f} MB free, "
            f"a run needs about {need / 1e6:.2f} MB"
        )
        raise DiskFull(disk_full_message(sweep_dir, what))


def _run(
    typed: RunConfig,
    run_dir: Path,
    sweep_dir: Path,
    rel: str,
    extra: dict[str, Any],
    share_burn_in: bool,
    t_job: float,
    launch: dict[str, float],
) -> dict[str, Any]:
    values = sampled_values(typed)
    if typed.uncertainty.samples:
        extra["uncertainty"] = {"sample": typed.uncertainty.sample, "values": values}
    t0 = time.perf_counter()
    start = None
    source = "own"
    if share_burn_in:
        start, source = shared_start(typed, sweep_dir / ".sweep" / "burn_in")
    t1 = time.perf_counter()
    tables = run(typed, start=start, keep_model=False)
    t2 = time.perf_counter()
    extra["start_state"] = source
    extra["timings"] = {
        **launch,
        "setup_s": round(t0 - t_job, 4),
        "burn_in_s": round(t1 - t0, 4),
        "simulate_s": round(t2 - t1, 4),
        **tables.timings,
    }
    extra["finished_at"] = _now()
    if os.environ.get(FAULT_KILL_RUN) == rel:  # fault injection for the tests
        os.kill(os.getpid(), signal.SIGKILL)
    extra["budget"], extra["warnings"] = tables.budget, tables.warnings
    info = run_info(typed, t2 - t0, "complete", **extra)
    extra["timings"]["info_s"] = round(time.perf_counter() - t2, 4)
    write_run(tables, typed, run_dir, info)
    return info


def run_job(cfg: DictConfig) -> dict[str, Any]:
    """The body of a Hydra multirun job: :func:`execute` in Hydra's job directory."""
    from hydra.core.hydra_config import HydraConfig

    hc = HydraConfig.get()
    run_dir = Path(hc.runtime.output_dir)
    sweep_dir = Path(hc.sweep.dir).absolute()
    return execute(cfg, run_dir, sweep_dir, list(hc.overrides.task))
