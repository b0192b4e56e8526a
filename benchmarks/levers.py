"""A week with every lever on, in two source trees side by side (docs/performance.md).

    git worktree add /tmp/before <commit>
    python -m benchmarks.levers /tmp/before . --size 100000 --weeks 8 --reps 5

Each repetition runs, for each tree in turn (interleaved, so both see the same machine),
a subprocess with that tree first on the path: it builds the default town at ``--size``
citizens with the ``integrated`` policy (all six levers) and a short burn-in, then times
``--weeks`` weeks of the run in CPU seconds. Both trees get the same total euros
(``policy.budget_total``, or ``policy.budget`` in a tree from before budgets were
intensities), so the levers do the same amount of work. Prints the median CPU seconds
per week of each tree and their ratio.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
from pathlib import Path

_SCRIPT = """
import sys, time
from sim import api
from sim.model import CohesionModel
from sim.prepare import prepare
cfg = prepare(api.compose(sys.argv[1:]))
m = CohesionModel(cfg)
weeks = int(cfg.steps)
t0 = time.process_time()
for _ in range(weeks):
    m.step()
print((time.process_time() - t0) / weeks)
"""


def _week(tree: Path, size: int, weeks: int, euros: float) -> float:
    key = "policy.budget_total" if (tree / "sim" / "config_policy.py").exists() else "policy.budget"
    args = [
        "policy=integrated",
        f"population.size={size}",
        "burn_in=2",
        f"steps={weeks}",
        "progress=false",
        "plot=false",
        f"{key}={euros:g}",
    ]
    env = {**os.environ, "PYTHONPATH": str(tree)}
    out = subprocess.run(
        [sys.executable, "-c", _SCRIPT, *args],
        cwd=tree,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return float(out.stdout.strip().splitlines()[-1])


def main() -> None:  # pragma: no cover - a benchmark script
    """Time the trees side by side and print medians and their ratio."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("trees", nargs=2, type=Path, help="before and after source trees")
    ap.add_argument("--size", type=int, default=100_000)
    ap.add_argument("--weeks", type=int, default=8)
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--euros", type=float, default=1_000_000.0)
    a = ap.parse_args()
    times: dict[Path, list[float]] = {t: [] for t in a.trees}
    for rep in range(a.reps):
        for tree in a.trees:
            times[tree].append(_week(tree.resolve(), a.size, a.weeks, a.euros))
        print(f"rep {rep + 1}: " + ", ".join(f"{times[t][-1]:.3f}" for t in a.trees), flush=True)
    med = [statistics.median(times[t]) for t in a.trees]
    for t, m in zip(a.trees, med, strict=True):
        print(f"{t}: median {m:.3f} CPU s a week ({a.size:,} citizens, every lever on)")
    print(f"after / before: {med[1] / med[0]:.3f}")


if __name__ == "__main__":  # pragma: no cover
    main()
