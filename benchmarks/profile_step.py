"""Where a week's time goes: encounters, each rule, and the metrics, timed separately.

    python -m benchmarks.profile_step --size 1000000 --weeks 3

Prints the median CPU seconds per week of each part and its share, after one warm-up
week.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections import defaultdict
from functools import partial

from sim import api
from sim.metrics import compute_metrics
from sim.model import CohesionModel
from sim.prepare import prepare


def profile(size: int, weeks: int = 3, overrides: tuple[str, ...] = ()) -> dict[str, float]:
    """Median seconds per week of each part of a week of the full model."""
    cfg = prepare(
        api.compose([f"population.size={size}", "burn_in=0", "progress=false", *overrides])
    )
    m = CohesionModel(cfg)
    times: dict[str, list[float]] = defaultdict(list)
    for week in range(weeks + 1):
        t0 = time.process_time()
        m.agents.do("step")
        m._ties = None  # as the model's week does
        t1 = time.process_time()
        enc = m.meet()
        t2 = time.process_time()
        parts = {"institutions": t1 - t0, "encounters": t2 - t1}
        steps = (
            ("influence", partial(m.influence, enc)),
            ("bubbles", partial(m.rewire, enc)),
            ("trust", m.update_trust),
            ("tension", m.update_tension),
            ("prejudice", partial(m.update_prejudice, enc)),
            ("participation", m.update_participation),
        )
        for name, call in steps:  # the week's rules, in the model's order
            t = time.process_time()
            call()
            parts[name] = time.process_time() - t
        m.shock_tension[:] = 0.0
        t = time.process_time()
        ties = m.tie_stats()  # computed once a week, by participation if it is on
        parts["tie statistics"] = parts.pop("participation", 0.0) + time.process_time() - t
        t = time.process_time()
        compute_metrics(m.population, m.network, m.tension, m.scopes, ties)
        parts["metrics: scopes"] = time.process_time() - t
        if week:  # the first week warms caches up
            for k, v in parts.items():
                times[k].append(v)
    return {k: statistics.median(v) for k, v in times.items()}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--size", type=int, default=100_000)
    ap.add_argument("--weeks", type=int, default=3)
    ap.add_argument("overrides", nargs="*")
    args = ap.parse_args()
    res = profile(args.size, args.weeks, tuple(args.overrides))
    total = sum(res.values())
    for k, v in sorted(res.items(), key=lambda kv: -kv[1]):
        us = v / args.size * 1e6
        print(f"{k:22s} {v * 1e3:9.1f} ms  {us:7.3f} us/citizen  {v / total:6.1%}")
    print(f"{'total':22s} {total * 1e3:9.1f} ms  {total / args.size * 1e6:7.3f} us/citizen")


if __name__ == "__main__":
    main()
