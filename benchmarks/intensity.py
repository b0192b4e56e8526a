"""The same policy at the same intensity in a town and a city: effects per citizen agree.

    python -m benchmarks.intensity                       # 5,000 and 50,000 citizens
    python -m benchmarks.intensity --sizes 5000 50000 --weeks 52 --seeds 4

Deep canvassing at EUR 60,000 per 1,000 citizens a year, paired with ``none`` seed by
seed, in the synthetic town at each size; prints the paired change in mean prejudice at
the end (the effect per citizen) with its standard error over the seeds, for each size,
and the difference between the sizes in standard errors. tests/test_budget.py checks the
same at 1,500 and 6,000 citizens.
"""

from __future__ import annotations

import argparse
import math
import statistics

from sim import api
from sim.metrics import METRICS
from sim.model import CohesionModel
from sim.prepare import prepare
from sim.state import capture


def _effect(size: int, seed: int, weeks: int) -> float:
    base = ["population=synthetic", f"population.size={size}", "burn_in=26", f"steps={weeks}"]
    base += ["progress=false", "plot=false", f"seed={seed}"]
    start = capture(CohesionModel(prepare(api.compose(base))))
    ends = []
    for extra in ([], ["policy=deep_canvassing", "policy.budget=60000"]):
        m = CohesionModel(prepare(api.compose([*base, *extra])), start=start)
        m.run()
        ends.append(m.records[-1, METRICS.index("prejudice_mean"), m.scopes.names.index("all")])
    return float(ends[1] - ends[0])


def main() -> None:  # pragma: no cover - a benchmark script
    """Print each size's effect per citizen and the difference in standard errors."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", nargs=2, type=int, default=[5000, 50000])
    ap.add_argument("--weeks", type=int, default=52)
    ap.add_argument("--seeds", type=int, default=4)
    a = ap.parse_args()
    stats = []
    for size in a.sizes:
        e = [_effect(size, s, a.weeks) for s in range(a.seeds)]
        mean, se = statistics.mean(e), statistics.stdev(e) / math.sqrt(len(e))
        stats.append((mean, se))
        print(f"{size:>7,} citizens: mean prejudice {mean:+.5f} (se {se:.5f}) over {a.seeds} seeds")
    (m1, s1), (m2, s2) = stats
    print(f"difference {m2 - m1:+.5f} = {(m2 - m1) / math.hypot(s1, s2):+.2f} standard errors")


if __name__ == "__main__":  # pragma: no cover
    main()
