"""The whole country through the real API: build, then simulated weeks (one JSON line).

    /usr/bin/time -v python -m benchmarks.national [--weeks 2] [--default-allocator] [overrides ...]

Builds ``population=netherlands`` (17.9 million citizens in 342 municipalities) with the
default multiplex network and all rules, without a burn-in (a burn-in is that many
weeks more; for national studies start from a saved post-burn-in state, sim.state), then
steps ``--weeks`` weeks with the metrics recorded every week for all scopes. Wall and
CPU seconds are both reported: on a shared machine the wall time includes waiting for a
core. Like ``cohesion-sim``, it keeps freed memory for reuse (sim/allocator.py) unless
``--default-allocator`` is given. Run it alone: it needs about half of this machine's
memory.
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np

from sim import api
from sim.allocator import keep_freed_memory
from sim.model import CohesionModel
from sim.prepare import prepare


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--weeks", type=int, default=2)
    ap.add_argument(
        "--default-allocator",
        action="store_true",
        help="leave glibc's defaults (the command line keeps freed memory: sim/allocator.py)",
    )
    ap.add_argument("overrides", nargs="*")
    args = ap.parse_args()
    kept = False if args.default_allocator else keep_freed_memory(children=False)
    cfg = prepare(
        api.compose(
            ["population=netherlands", "burn_in=0", "progress=false", "plot=false", *args.overrides]
        )
    )
    t0, c0 = time.perf_counter(), time.process_time()
    model = CohesionModel(cfg)
    build_s, build_cpu = time.perf_counter() - t0, time.process_time() - c0
    weeks, weeks_cpu = [], []
    for _ in range(args.weeks):
        t0, c0 = time.perf_counter(), time.process_time()
        model.step()
        weeks.append(time.perf_counter() - t0)
        weeks_cpu.append(time.process_time() - c0)
    pop, net = model.population, model.network
    sizes = np.bincount(pop.municipality)
    print(
        json.dumps(
            {
                "size": pop.size,
                "keep_freed_memory": kept,
                "municipalities": int(sizes.shape[0]),
                "municipality_min": int(sizes.min()),
                "municipality_max": int(sizes.max()),
                "neighbourhoods": pop.n_neighbourhoods,
                "degree": (net.offline.n_entries + net.online.n_entries) / pop.size,
                "scopes": len(model.scopes.names),
                "state_bytes": pop.nbytes() + net.nbytes(),
                "build_s": build_s,
                "build_cpu_s": build_cpu,
                "weeks_s": weeks,
                "weeks_cpu_s": weeks_cpu,
                "week_s": float(np.median(weeks)),
                "week_cpu_s": float(np.median(weeks_cpu)),
            }
        )
    )


if __name__ == "__main__":
    main()
