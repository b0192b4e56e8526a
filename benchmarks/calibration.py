"""The calibration's cost: runs per hour here, a full calibration's wall time, the CI version's.

    python -m benchmarks.calibration                          # the CI version, timed
    python -m benchmarks.calibration --read outputs/calibration  # a full one's own record

The CI version (``python -m sim.calibration --size ci``: a town of 400 citizens, two
waves) is run in a temporary folder and timed end to end, Hydra's start-up included. A
full calibration records the wall time of each wave in its ``summary.json``; this prints
them with the runs per hour they mean.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def _ci() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "sim.calibration", "--size", "ci", "--out", tmp],
            check=True,
            capture_output=True,
        )
        wall = time.perf_counter() - t0
        info = json.loads((Path(tmp) / "summary.json").read_text())
    runs = info["runs"]
    print(f"CI version: {runs} runs in {wall:.0f} s wall ({3600 * runs / wall:.0f} runs/hour)")


def _read(out: Path) -> None:
    info = json.loads((out / "summary.json").read_text())
    waves, seeds = info["size"]["waves"], info["size"]["seeds"]
    total = 0.0
    for k, (n, s) in enumerate(zip(waves, seeds, strict=True), start=1):
        secs = float(info["timings"][f"wave{k}_s"])
        total += secs
        print(f"wave {k}: {n} sets x {s} seeds = {n * s} runs in {secs / 60:.1f} min "
              f"({3600 * n * s / secs:.0f} runs/hour)")  # fmt: skip
    n_runs = info["runs"]
    print(f"all: {n_runs} runs in {total / 60:.1f} min ({3600 * n_runs / total:.0f} runs/hour)")


def main() -> None:  # pragma: no cover - a benchmark script
    """Time the CI version, or read a full calibration's record."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--read", type=Path, default=None, help="a calibration's output folder")
    a = ap.parse_args()
    if a.read is not None:
        _read(a.read)
    else:
        _ci()


if __name__ == "__main__":
    main()
