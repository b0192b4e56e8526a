"""What the sweep machinery costs per run and per sweep (docs/sweeps.md).

    python -m benchmarks.machinery                 # 2,000 citizens, 52 weeks, 3 repetitions
    python -m benchmarks.machinery --size 10000 --steps 260

The same runs (policies ``none`` and ``canvassing``, seeds 0 to k-1; no burn-in, so
that a run costs the same in a loop and in a sweep, which shares burn-ins) three ways:

- bare: an in-process loop of ``api.simulate`` (no files), CPU seconds per run after
  one warm-up run;
- sweep: ``python -m sim -m ...`` with the basic launcher, a subprocess, for 6 and
  for 12 runs, with ``plot=true`` (the default) and ``plot=false``, and with Hydra's
  own sweeper (``hydra/sweeper=basic``, which composes every job twice) instead of the
  default ``checked`` one. CPU seconds of the
  subprocess (user + system, from ``RUSAGE_CHILDREN``) and wall seconds. Per extra run:
  (T12 - T6) / 6; the machinery's cost per run is that minus the bare run;
- start-up: a subprocess that only imports the CLI (``python -c "import sim.cli"``).
  What a sweep costs beyond its runs and that start-up (composing and checking every
  job, Hydra's own set-up, the catalogue and the report) is T6 - 6 x per extra run -
  start-up.

Each figure is the median of ``--reps`` repetitions, the variants interleaved.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from sim import api

ROOT = Path(__file__).resolve().parent.parent


def _children_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def _timed_subprocess(cmd: list[str]) -> tuple[float, float]:
    """(CPU, wall) seconds of one subprocess run to completion."""
    cpu0, t0 = _children_cpu(), time.perf_counter()
    subprocess.run(cmd, cwd=ROOT, check=True, capture_output=True)
    return _children_cpu() - cpu0, time.perf_counter() - t0


def _sweep(runs: int, plot: bool, common: list[str], *extra: str) -> tuple[float, float]:
    with tempfile.TemporaryDirectory() as d:
        cmd = [
            sys.executable,
            "-m",
            "sim",
            "-m",
            "policy=none,canvassing",
            f"seed=range({runs // 2})",
            f"plot={str(plot).lower()}",
            f"hydra.sweep.dir={d}",
            *common,
            *extra,
        ]
        return _timed_subprocess(cmd)


def measure(size: int, steps: int, reps: int) -> dict[str, float]:
    """Median CPU and wall seconds of each part (see the module docstring)."""
    common = [f"population.size={size}", f"steps={steps}", "burn_in=0", "progress=false"]
    cfgs = [
        api.compose([f"policy={p}", f"seed={s}", *common])
        for p in ("none", "canvassing")
        for s in range(6)
    ]
    api.simulate(cfgs[0])  # warm-up: imports, compiled kernels

    def bare() -> tuple[float, float]:
        cpu0, t0 = time.process_time(), time.perf_counter()
        for cfg in cfgs:
            api.simulate(cfg)
        return (time.process_time() - cpu0) / len(cfgs), (time.perf_counter() - t0) / len(cfgs)

    variants: dict[str, Callable[[], tuple[float, float]]] = {
        "bare_per_run": bare,
        "sweep6_plot": lambda: _sweep(6, True, common),
        "sweep12_plot": lambda: _sweep(12, True, common),
        "sweep6_noplot": lambda: _sweep(6, False, common),
        "sweep12_noplot": lambda: _sweep(12, False, common),
        "sweep6_basic": lambda: _sweep(6, True, common, "hydra/sweeper=basic"),
        "sweep12_basic": lambda: _sweep(12, True, common, "hydra/sweeper=basic"),
        "startup": lambda: _timed_subprocess([sys.executable, "-c", "import sim.cli"]),
    }
    samples: dict[str, list[tuple[float, float]]] = {k: [] for k in variants}
    for rep in range(reps):
        for name, fn in variants.items():
            samples[name].append(fn())
            print(f"  rep {rep + 1}/{reps} {name}: {samples[name][-1]}", file=sys.stderr)
    out: dict[str, float] = {}
    for name, vals in samples.items():
        out[f"{name}_cpu"] = statistics.median(v[0] for v in vals)
        out[f"{name}_wall"] = statistics.median(v[1] for v in vals)
    for clock in ("cpu", "wall"):
        extra = (out[f"sweep12_plot_{clock}"] - out[f"sweep6_plot_{clock}"]) / 6
        extra_np = (out[f"sweep12_noplot_{clock}"] - out[f"sweep6_noplot_{clock}"]) / 6
        out[f"extra_run_{clock}"] = extra
        out[f"extra_run_basic_{clock}"] = (
            out[f"sweep12_basic_{clock}"] - out[f"sweep6_basic_{clock}"]
        ) / 6
        out[f"overhead_per_run_{clock}"] = extra - out[f"bare_per_run_{clock}"]
        out[f"figure_{clock}"] = extra - extra_np
        out[f"fixed_per_sweep_{clock}"] = (
            out[f"sweep6_plot_{clock}"] - 6 * extra - out[f"startup_{clock}"]
        )
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--size", type=int, default=2000)
    ap.add_argument("--steps", type=int, default=52)
    ap.add_argument("--reps", type=int, default=3)
    args = ap.parse_args()
    r = measure(args.size, args.steps, args.reps)
    rows = [
        ("bare in-process loop, per run", "bare_per_run"),
        ("sweep (basic launcher), per extra run", "extra_run"),
        ("the same with Hydra's own sweeper (hydra/sweeper=basic)", "extra_run_basic"),
        ("overhead per run (job set-up, run directory, progress)", "overhead_per_run"),
        ("of which cohesion.png", "figure"),
        ("interpreter start-up and imports, per sweep", "startup"),
        ("fixed cost per sweep beyond start-up (checks, catalogue, report)", "fixed_per_sweep"),
    ]
    print(f"\n{args.size:,} citizens, {args.steps} weeks, medians of {args.reps}\n")
    print("| | CPU | wall |\n|---|---|---|")
    for label, key in rows:
        print(f"| {label} | {r[key + '_cpu']:.2f} s | {r[key + '_wall']:.2f} s |")


if __name__ == "__main__":
    main()
