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

from sim import api
from sim.config import validate
from sim.metrics import compute_metrics
from sim.model import CohesionModel


def profile(size: int, weeks: int = 3, overrides: tuple[str, ...] = ()) -> dict[str, float]:
    """Median seconds per week of each part of a week of the full model."""
    cfg = validate(
        api.compose([f"population.size={size}", "burn_in=0", "progress=false", *overrides])
    )
    m = CohesionModel(cfg)
    times: dict[str, list[float]] = defaultdict(list)
    for week in range(weeks + 1):
        t0 = time.process_time()
        m.agents.do("step")
        m._ties = None
        t1 = time.process_time()
        enc = m.meet()
        t2 = time.process_time()
        parts = {"institutions": t1 - t0, "encounters": t2 - t1}
        for name, rule in m.rules:
            t = time.process_time()
            rule(m, enc)
            parts[name] = time.process_time() - t
            if name in ("influence", "bubbles"):
                m._ties = None  # as the model does: tie statistics are stale
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
