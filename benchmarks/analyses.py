"""Morris on the parallel launcher: 2 workers against 1, side by side (docs/analysis.md).

    python -m benchmarks.analyses                  # 2,000 citizens, 52 weeks, 3 repetitions
    python -m benchmarks.analyses --trajectories 2 --reps 5 --serial

The Morris stage of the sensitivity study (configs/analysis/sensitivity.yaml: six
factors and the dummy, so 8 points per trajectory, each run with ``--replicates`` seeds:
3 x 8 x 2 = 48 runs by default) at an honest size: ``--population`` citizens,
``--steps`` weeks after a ``--burn-in``. Its runs go to ``api.SweepRunner`` on the
``parallel`` launcher with ``n_jobs`` 1 and 2, each study into a fresh directory (no run
is resumed), the variants interleaved in each repetition; with ``--serial`` the
in-process path (``runner=None``, one run after another) runs beside them. Before
every study the joblib workers are shut down, so each variant pays for starting its
own workers, as a fresh call does. Wall seconds of the whole study (what a user
waits), median of ``--reps`` repetitions; the Morris tables of every variant are
checked to be identical.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from dataclasses import replace

import pandas as pd

from sim import api
from sim.analysis import sensitivity


def _fresh_workers() -> None:
    """Shut the reusable joblib worker pool down, so the next sweep starts its own."""
    from joblib.externals.loky import get_reusable_executor

    get_reusable_executor().shutdown(wait=True)


def study(size: sensitivity.Size, n_jobs: int | None) -> tuple[float, pd.DataFrame, int]:
    """(wall seconds, Morris table, runs) of one Morris stage in a fresh directory."""
    spec = sensitivity.load_spec()
    _fresh_workers()
    with tempfile.TemporaryDirectory(prefix="bench-morris-") as d:
        runner = None if n_jobs is None else api.SweepRunner(d, n_jobs=n_jobs)
        t0 = time.perf_counter()
        res = sensitivity.run_study(spec, size, sobol=False, runner=runner)
        wall = time.perf_counter() - t0
    return wall, res.morris, res.runs


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--population", type=int, default=2000)
    ap.add_argument("--steps", type=int, default=52)
    ap.add_argument("--burn-in", type=int, default=26)
    ap.add_argument("--replicates", type=int, default=2)
    ap.add_argument("--trajectories", type=int, default=3)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--serial", action="store_true", help="also the in-process path")
    args = ap.parse_args()
    full = sensitivity.load_spec().sizes["full"]
    size = replace(
        full,
        population=args.population,
        steps=args.steps,
        burn_in=args.burn_in,
        replicates=args.replicates,
        morris_trajectories=args.trajectories,
    )
    variants: dict[str, int | None] = {"1 worker": 1, "2 workers": 2}
    if args.serial:
        variants = {"in process": None, **variants}
    times: dict[str, list[float]] = {k: [] for k in variants}
    tables: dict[str, pd.DataFrame] = {}
    runs = 0
    print(
        f"Morris: {size.morris_trajectories} trajectories x 8 points x {size.replicates} seeds, "
        f"{size.population:,} citizens, {size.steps} weeks after a {size.burn_in}-week "
        f"burn-in; {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}",
        flush=True,
    )
    for rep in range(args.reps):
        order = list(variants) if rep % 2 == 0 else list(reversed(variants))
        for name in order:
            wall, table, runs = study(size, variants[name])
            times[name].append(wall)
            tables.setdefault(name, table)
            print(f"  rep {rep + 1} {name:>10s}: {wall:6.1f} s", flush=True)
    first = next(iter(tables.values()))
    same = all(t.equals(first) for t in tables.values())
    med: dict[str, float] = {k: statistics.median(v) for k, v in times.items()}
    print(f"\n{runs} runs per study; median wall seconds of {args.reps} repetitions:")
    for name, m in med.items():
        print(f"  {name:>10s}: {m:6.1f} s  ({m / runs:.2f} s per run)")
    print(f"speed-up, 2 workers against 1: {med['1 worker'] / med['2 workers']:.2f}x")
    if "in process" in med:
        print(f"2 workers against the in-process path: {med['in process'] / med['2 workers']:.2f}x")
    print(f"Morris tables identical across variants: {same}")
    print(f"load average after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
