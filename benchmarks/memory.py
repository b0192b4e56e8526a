"""Memory per citizen of the full model, in a fresh process (printed as one JSON line).

    python -m benchmarks.memory --size 1000000

Reports the bytes the model's state holds (population, both network layers, scopes,
metric records) and the process's resident memory: its baseline after imports and after
loading the compiled row loops (numba: a fixed ~30 MB per process, paid by a tiny model
stepped once), its peak while building, and its peak while stepping (the peak is reset
between the two through /proc/self/clear_refs, so the second is what the weekly step
adds on top of the state).
"""

from __future__ import annotations

import argparse
import json
import re
import time
from pathlib import Path

from sim import api
from sim.model import CohesionModel
from sim.prepare import prepare


def _status(field: str) -> int:
    text = Path("/proc/self/status").read_text()
    m = re.search(rf"^{field}:\s+(\d+) kB", text, re.MULTILINE)
    return int(m.group(1)) * 1024 if m else 0


def _reset_peak() -> bool:
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def measure(size: int, weeks: int, overrides: list[str]) -> dict[str, float]:
    cfg = prepare(
        api.compose(
            [f"population.size={size}", "burn_in=0", "progress=false", "plot=false", *overrides]
        )
    )
    warm = CohesionModel(
        prepare(api.compose(["population.size=300", "burn_in=0", "progress=false"]))
    )
    warm.step()  # loads the compiled kernels: a fixed cost per process, not per citizen
    del warm
    base = _status("VmRSS")
    t0 = time.perf_counter()
    model = CohesionModel(cfg)
    build_s = time.perf_counter() - t0
    build_peak = _status("VmHWM")
    reset = _reset_peak()
    t0 = time.perf_counter()
    for _ in range(weeks):
        model.step()
    step_s = (time.perf_counter() - t0) / weeks
    step_peak = _status("VmHWM")
    pop, net = model.population, model.network
    state = {
        "population": pop.nbytes(),
        "network": net.nbytes(),
        "scopes": model.scopes.cell.nbytes,
        "records": model.records.nbytes,
    }
    return {
        "size": size,
        "state_bytes": sum(state.values()),
        **{f"state_{k}": v for k, v in state.items()},
        "rss_base": base,
        "rss_peak_build": build_peak,
        "rss_peak_step": step_peak if reset else float("nan"),
        "rss_after": _status("VmRSS"),
        "build_s": build_s,
        "step_s": step_s,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--size", type=int, default=1_000_000)
    ap.add_argument("--weeks", type=int, default=2)
    ap.add_argument("overrides", nargs="*")
    args = ap.parse_args()
    print(json.dumps(measure(args.size, args.weeks, args.overrides)))


if __name__ == "__main__":
    main()
