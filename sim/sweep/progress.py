"""Progress of a whole sweep: runs done of total, elapsed time, time left.

The sweep callback writes ``<sweep dir>/.sweep/sweep.json`` when the sweep starts (its
jobs, their number, the start time, a session id). Each job, wherever it runs (a joblib
worker, a Ray actor, a Slurm node sharing the file system), appends one line to
``.sweep/done.jsonl`` when it ends and prints a progress line computed from that file::

    sweep: 7/12 runs done (2 already complete, 1 failed), 0:00:21 elapsed, about 0:00:15 left

The time left is the runs not yet done times the elapsed time per run computed in this
session (skipped runs are not counted as computed, so resuming a sweep does not make
the estimate optimistic).
"""

from __future__ import annotations

import json
import os
import time
import uuid
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from sim.catalogue import MANIFEST
from sim.io import read_json, write_json

__all__ = ["Progress", "read_progress", "record", "start"]

DONE = "done.jsonl"


def _dir(sweep_dir: Path) -> Path:
    return Path(sweep_dir) / ".sweep"


def start(sweep_dir: Path, jobs: list[list[str]] | None) -> dict[str, Any]:
    """Record the start of a sweep session (manifest) and clear the done log.

    Args:
        sweep_dir: the sweep's directory.
        jobs: each job's overrides (None if the sweeper decides them as it goes).
    """
    d = _dir(sweep_dir)
    d.mkdir(parents=True, exist_ok=True)
    manifest = {
        "session": uuid.uuid4().hex,
        "started_at": time.time(),
        "total": None if jobs is None else len(jobs),
        "jobs": None if jobs is None else [sorted(j) for j in jobs],
    }
    write_json(manifest, d / MANIFEST)
    (d / DONE).unlink(missing_ok=True)
    return manifest


def _manifest(sweep_dir: Path) -> dict[str, Any] | None:
    return read_json(_dir(sweep_dir) / MANIFEST)


@dataclass
class Progress:
    """Counts of one sweep session."""

    total: int | None
    done: int
    skipped: int
    failed: int
    elapsed: float

    @property
    def left(self) -> float | None:
        """Estimated seconds left (None until a run has been computed)."""
        computed = self.done - self.skipped
        if self.total is None or computed <= 0:
            return None
        return max(self.total - self.done, 0) * self.elapsed / computed

    @property
    def elapsed_text(self) -> str:
        """Elapsed time as h:mm:ss."""
        return str(timedelta(seconds=round(self.elapsed)))

    def line(self) -> str:
        """One line for the console."""
        of = f"/{self.total}" if self.total is not None else ""
        notes = []
        if self.skipped:
            notes.append(f"{self.skipped} already complete")
        if self.failed:
            notes.append(f"{self.failed} failed")
        extra = f" ({', '.join(notes)})" if notes else ""
        left = self.left
        eta = "" if left is None else f", about {timedelta(seconds=round(left))} left"
        return f"sweep: {self.done}{of} runs done{extra}, {self.elapsed_text} elapsed{eta}"


def read_progress(sweep_dir: Path, now: float | None = None) -> Progress:
    """The progress of the current session, from the manifest and the done log."""
    manifest = _manifest(sweep_dir)
    session = manifest["session"] if manifest else None
    started = float(manifest["started_at"]) if manifest else None
    runs: dict[str, str] = {}
    first: float | None = None
    try:
        lines = (_dir(sweep_dir) / DONE).read_text().splitlines()
    except OSError:
        lines = []
    for line in lines:
        try:
            rec = json.loads(line)
        except ValueError:
            continue  # a line cut short by a killed writer
        if session is not None and rec.get("session") != session:
            continue
        runs[rec["run"]] = rec["status"]
        first = rec["t"] if first is None else min(first, rec["t"])
    t0 = started if started is not None else (first or time.time())
    now = time.time() if now is None else now
    statuses = list(runs.values())
    return Progress(
        total=int(manifest["total"]) if manifest and manifest["total"] is not None else None,
        done=len(statuses),
        skipped=statuses.count("skipped"),
        failed=statuses.count("failed"),
        elapsed=max(now - t0, 0.0),
    )


def record(sweep_dir: Path, run: str, status: str) -> Progress:
    """Append a finished job to the done log (one atomic append); the new progress."""
    manifest = _manifest(sweep_dir)
    rec = {
        "session": manifest["session"] if manifest else None,
        "run": run,
        "status": status,
        "t": time.time(),
    }
    d = _dir(sweep_dir)
    d.mkdir(parents=True, exist_ok=True)
    data = (json.dumps(rec) + "\n").encode()
    fd = os.open(d / DONE, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, data)
    finally:
        os.close(fd)
    return read_progress(sweep_dir)
