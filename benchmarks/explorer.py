"""The explorer's cost per week: the model step and each figure (docs/explore.md).

    python -m benchmarks.explorer [--size 10000] [--policy integrated] [--weeks 30]

Builds the explorer's model as the page does (``ExplorerModel``, burn-in included),
draws every view once (axes, labels and colour bars are drawn once per run), then for
each of ``--weeks`` weeks times the step and each view's PNG, in CPU seconds of this
process. Prints the medians in milliseconds.
"""

from __future__ import annotations

import argparse
import statistics
import time

from sim.explore.model import ExplorerModel
from sim.explore.views import render

VIEWS = ("cohesion", "components", "bubbles", "neighbourhoods", "policy")


def measure(size: int, policy: str, weeks: int) -> dict[str, float]:
    """Median CPU milliseconds per week of the step and of each view."""
    model = ExplorerModel(policy=policy, population_size=size)
    for name in VIEWS:
        render(model, name)
    times: dict[str, list[float]] = {k: [] for k in ("step", *VIEWS)}
    for _ in range(weeks):
        t0 = time.process_time()
        model.step()
        times["step"].append(time.process_time() - t0)
        for name in VIEWS:
            t0 = time.process_time()
            render(model, name)
            times[name].append(time.process_time() - t0)
    return {k: 1000 * statistics.median(v) for k, v in times.items()}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--size", type=int, default=10_000)
    ap.add_argument("--policy", default="integrated")
    ap.add_argument("--weeks", type=int, default=30)
    args = ap.parse_args()
    r = measure(args.size, args.policy, args.weeks)
    figures = sum(r[v] for v in VIEWS)
    print(f"model step: {r['step']:.1f} ms")
    print(
        f"all five figures: {figures:.1f} ms (" + ", ".join(f"{v} {r[v]:.1f}" for v in VIEWS) + ")"
    )


if __name__ == "__main__":
    main()
