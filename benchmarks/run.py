"""The benchmark harness: `make bench` prints one table (see docs/performance.md).

    python -m benchmarks.run                 # peers at 10^3-10^5, scaling to 10^6 (minutes)
    python -m benchmarks.run --quick         # smaller sizes, fewer repetitions
    python -m benchmarks.run --national      # also the whole country (run it alone)
    python -m benchmarks.run --out results.json

Every ratio is measured side by side in one process: the peer's step and ours
alternate, and each figure is the median of several repetitions after a warm-up step,
so that the noise of a shared machine hits both alike. Times are CPU seconds of the
process (see ``clock``).

- Mesa: the idiomatic-Mesa reference (benchmarks/mesa_reference.py) against our model
  with the same rules switched on (influence with noise, unfollowing; trust, tension,
  prejudice, participation and offline turnover off; metrics recorded only at the end),
  both on the same citizens and ties. Our full model (all rules, metrics every week for
  all scopes) is reported beside it.
- ndlib: AlgorithmicBiasModel against ``preset=algorithmic_bias network=regular`` (a
  random 10-regular graph, the same graph for both; mu = 0.5, eps = 0.3, gamma = 1).
  One ndlib iteration is N sequential interactions; one week of ours is a random
  matching (each citizen in at most one pair), so the ratio per interaction is given
  too.
- Scaling: the full model's time per week from 10^4 to 10^6 citizens, and the fitted
  exponent of time ~ N^b.
- Floors at 10^6: the bare numpy kernel of the influence rule (benchmarks/kernels.py),
  the bandwidth floor: the bytes of the model's state and edge arrays streamed once
  at the measured single-core read bandwidth, and one random gather of the neighbours'
  opinions over all tie entries (numpy, and compiled with prefetching).
- Memory at 10^6 (a fresh process, benchmarks/memory.py): state bytes and peak resident
  memory per citizen.
- National (``--national``): benchmarks/national.py under /usr/bin/time -v.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from benchmarks.kernels import (
    bare_influence_week,
    compiled_gather,
    gather_rate,
    stream_bandwidth,
    tie_list,
)
from benchmarks.mesa_reference import MesaCohesion
from benchmarks.ndlib_peer import NdlibRun, to_networkx
from sim import api
from sim.model import CohesionModel
from sim.prepare import prepare

ROOT = Path(__file__).resolve().parent.parent

#: The rules the Mesa reference implements: influence (with noise) and unfollowing.
LIKE_MESA = (
    "dynamics.trust.enabled=false",
    "dynamics.tension.enabled=false",
    "dynamics.prejudice.enabled=false",
    "dynamics.participation.enabled=false",
    "dynamics.bubbles.offline_turnover=0",
)
#: No metrics between the first and the last week (the peers record none).
NO_RECORDING = ("steps=1000000", "metrics_every=1000000")
AB = ("preset=algorithmic_bias", "network=regular", "dynamics.confidence=0.3")


def compose(size: int, *overrides: str):
    return prepare(
        api.compose(
            [f"population.size={size}", "burn_in=0", "progress=false", "plot=false", *overrides]
        )
    )


#: The clock: CPU seconds of this process. Everything timed here runs on one core, so
#: on an idle machine this equals wall time; on a shared one it leaves out the time spent
#: waiting for a core, which would otherwise dominate the noise.
clock = time.process_time


def interleaved(fns: dict[str, Callable[[], object]], reps: int) -> dict[str, float]:
    """Median seconds of each callable, timed in turn, after one warm-up call each."""
    for fn in fns.values():
        fn()
    times: dict[str, list[float]] = {k: [] for k in fns}
    for _ in range(reps):
        for k, fn in fns.items():
            t0 = clock()
            fn()
            times[k].append(clock() - t0)
    return {k: statistics.median(v) for k, v in times.items()}


def machine() -> dict[str, str]:
    cpu = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        mem = Path("/proc/meminfo").read_text().splitlines()[0].split()[1]
        mem_gb = f"{int(mem) / 2**20:.1f} GiB"
    except OSError:
        mem_gb = "?"
    import mesa

    return {
        "nproc": str(os.cpu_count()),
        "cpu": cpu,
        "memory": mem_gb,
        "python": platform.python_version(),
        "numpy": np.__version__,
        "mesa": mesa.__version__,
        "load": " ".join(f"{v:.1f}" for v in os.getloadavg()),
    }


# ------------------------------------------------------------------ the sections
def vs_mesa(sizes: list[int], reps: int) -> list[dict]:
    rows = []
    for n in sizes:
        like = compose(n, *LIKE_MESA, *NO_RECORDING)
        full = compose(n)
        mesa_model = MesaCohesion(like)
        ours_like = CohesionModel(like)
        ours_full = CohesionModel(full)
        t = interleaved(
            {"mesa": mesa_model.step, "like": ours_like.step, "full": ours_full.step},
            reps if n < 100_000 else max(3, reps // 2),
        )
        rows.append({"n": n, **t, "ratio": t["mesa"] / t["like"]})
        print(f"  mesa N={n}: {t}", file=sys.stderr)
        del mesa_model
    return rows


def vs_ndlib(sizes: list[int], reps: int, seed: int = 1) -> list[dict]:
    rows = []
    for n in sizes:
        cfg = compose(n, *AB, *NO_RECORDING, f"seed={seed}")
        ours = CohesionModel(cfg)
        # everyone is online in this preset: the 10-regular graph is the follow layer
        peer = NdlibRun(to_networkx(ours.network.online), 0.3, 1.0, seed)
        times: dict[str, list[float]] = {"ndlib": [], "ours": []}
        r = reps if n <= 10_000 else 2
        for _ in range(r):
            times["ndlib"].append(peer.timed_iteration(clock))
            t0 = clock()
            ours.step()
            times["ours"].append(clock() - t0)
        pairs = float(np.mean([ours.meet().size for _ in range(3)]))
        t = {k: statistics.median(v) for k, v in times.items()}
        rows.append(
            {
                "n": n,
                **t,
                "pairs_ours": pairs,
                "ratio": t["ndlib"] / t["ours"],
                "ratio_per_pair": (t["ndlib"] / n) / (t["ours"] / pairs),
            }
        )
        print(f"  ndlib N={n}: {rows[-1]}", file=sys.stderr)
    return rows


def scaling(sizes: list[int], reps: int) -> dict:
    times = {}
    for n in sizes:
        m = CohesionModel(compose(n))
        times[n] = interleaved({"full": m.step}, reps if n < 10**6 else 3)["full"]
        print(f"  scaling N={n}: {times[n]:.3f} s/week", file=sys.stderr)
        del m
    ns = np.array(sizes, dtype=float)
    b = float(np.polyfit(np.log(ns), np.log([times[n] for n in sizes]), 1)[0])
    return {"times": times, "exponent": b}


def floors(n: int, reps: int) -> dict:
    full = CohesionModel(compose(n))
    pop, net = full.population, full.network
    state_bytes = pop.nbytes() + net.nbytes() + full.tension.nbytes
    u_off, v_off = tie_list(net.offline.indptr, net.offline.indices, n)
    u_on, v_on = net.online.src.astype(np.int64), net.online.indices.astype(np.int64)
    u, v = np.concatenate([u_off, u_on]), np.concatenate([v_off, v_on])
    x = pop.opinion.copy()
    rng = np.random.default_rng(0)
    like = CohesionModel(compose(n, *LIKE_MESA, *NO_RECORDING))
    t = interleaved(
        {
            "full": full.step,
            "like": like.step,
            "kernel": lambda: bare_influence_week(x, pop.confidence, 0.3, u, v, rng),
        },
        reps,
    )
    bw = stream_bandwidth()
    entries = net.offline.n_entries + net.online.n_entries
    gathers = gather_rate(n, entries)
    compiled = compiled_gather([net.offline.indices, net.online.indices], pop.opinion, reps)
    return {
        "n": n,
        **t,
        "state_bytes": state_bytes,
        "bandwidth": bw,
        "floor": state_bytes / bw,
        "gather_pass": entries / gathers,
        "gather_compiled": compiled,
        "entries": entries,
    }


def memory(n: int) -> dict:
    out = subprocess.run(
        [sys.executable, "-m", "benchmarks.memory", "--size", str(n)],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def national() -> dict:
    out = subprocess.run(
        ["/usr/bin/time", "-v", sys.executable, "-m", "benchmarks.national"],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    res = json.loads(out.stdout.strip().splitlines()[-1])
    for line in out.stderr.splitlines():
        line = line.strip()
        if line.startswith("Maximum resident set size"):
            res["max_rss"] = int(line.split(":")[1]) * 1024
        if line.startswith("Elapsed (wall clock) time"):
            res["elapsed"] = line.split(": ", 1)[1]
    return res


# ------------------------------------------------------------------ the table
def _rate(n: int, seconds: float) -> str:
    return f"{n / seconds:,.0f}"


def table(res: dict) -> str:
    lines = [
        "| measure | N | ours | peer | ratio | target |",
        "| --- | ---: | ---: | ---: | ---: | --- |",
    ]
    for r in res["mesa"]:
        n = r["n"]
        lines.append(
            f"| citizen-steps/s, Mesa reference rules (ours like-with-like vs Mesa) | {n:,} "
            f"| {_rate(n, r['like'])} | {_rate(n, r['mesa'])} | {r['ratio']:.0f}x "
            f"| >= 100x at 10^5 |"
        )
        lines.append(
            f"| citizen-steps/s, full model (all rules, metrics weekly) | {n:,} "
            f"| {_rate(n, r['full'])} | | {r['mesa'] / r['full']:.0f}x vs Mesa | reported |"
        )
    for r in res["ndlib"]:
        n = r["n"]
        lines.append(
            f"| citizen-steps/s, algorithmic bias on 10-regular (vs ndlib) | {n:,} "
            f"| {_rate(n, r['ours'])} | {_rate(n, r['ndlib'])} | {r['ratio']:.0f}x "
            f"| >= 100x at 10^4 |"
        )
        lines.append(
            f"| pair interactions/s, same | {n:,} | {r['pairs_ours'] / r['ours']:,.0f} "
            f"| {n / r['ndlib']:,.0f} | {r['ratio_per_pair']:.0f}x | reported |"
        )
    sc = res["scaling"]
    for n, s in sc["times"].items():
        lines.append(
            f"| full model, s/week | {int(n):,} | {s:.3f} | | | "
            f"{'N^b fit' if n == max(sc['times']) else ''} |"
        )
    lines.append(
        f"| fitted exponent b, time ~ N^b | {min(sc['times']):,}-{max(sc['times']):,} "
        f"| {sc['exponent']:.2f} | | | <= 1.1 |"
    )
    f = res["floors"]
    lines += [
        f"| bandwidth floor: state+edges {f['state_bytes'] / 1e6:.0f} MB at "
        f"{f['bandwidth'] / 1e9:.1f} GB/s, s | {f['n']:,} | {f['floor']:.4f} | | | |",
        f"| full model week / bandwidth floor | {f['n']:,} | {f['full']:.3f} s | | "
        f"{f['full'] / f['floor']:.0f}x | <= 10x |",
        f"| like-with-like week / bandwidth floor | {f['n']:,} | {f['like']:.3f} s | | "
        f"{f['like'] / f['floor']:.0f}x | |",
        f"| bare numpy influence kernel / bandwidth floor | {f['n']:,} | {f['kernel']:.3f} s "
        f"| | {f['kernel'] / f['floor']:.0f}x | |",
        f"| one random gather pass over all {f['entries']:,} entries, s | {f['n']:,} "
        f"| {f['gather_pass']:.4f} | | {f['full'] / f['gather_pass']:.0f}x (full/gather) | |",
        f"| one compiled prefetched gather pass over all entries / bandwidth floor, s "
        f"| {f['n']:,} | {f['gather_compiled']:.4f} | | "
        f"{f['gather_compiled'] / f['floor']:.0f}x | |",
    ]
    m = res["memory"]
    n = m["size"]
    lines += [
        f"| state bytes/citizen (population {m['state_population'] / n:.0f}, network "
        f"{m['state_network'] / n:.0f}, scopes+records "
        f"{(m['state_scopes'] + m['state_records']) / n:.0f}) | {n:,} "
        f"| {m['state_bytes'] / n:.0f} | | | <= 400 |",
        f"| peak resident bytes/citizen above the interpreter and kernels, building | {n:,} "
        f"| {(m['rss_peak_build'] - m['rss_base']) / n:.0f} | | | |",
        f"| peak resident bytes/citizen above the interpreter and kernels, stepping | {n:,} "
        f"| {(m['rss_peak_step'] - m['rss_base']) / n:.0f} | | | <= 400 |",
    ]
    if "national" in res:
        r = res["national"]
        lines += [
            f"| national: build (population + network), s | {r['size']:,} "
            f"| {r['build_s']:.0f} | | | < 600 |",
            f"| national: build, CPU s | {r['size']:,} | {r['build_cpu_s']:.0f} | | | |",
            f"| national: one week (all rules, metrics for {r['scopes']} scopes), s "
            f"| {r['size']:,} | {r['week_s']:.1f} | | | < 30 |",
            f"| national: one week, CPU s | {r['size']:,} | {r['week_cpu_s']:.1f} | | | |",
            f"| national: peak memory (/usr/bin/time -v), GB | {r['size']:,} "
            f"| {r['max_rss'] / 1e9:.1f} | | | < 16 |",
            f"| national: ties per citizen across layers | {r['size']:,} "
            f"| {r['degree']:.1f} | | | ~15 |",
        ]
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="small sizes, few repetitions")
    ap.add_argument("--national", action="store_true", help="also the whole country")
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--out", type=Path, help="write the raw results as JSON")
    args = ap.parse_args()
    reps = 3 if args.quick else args.reps
    top = 10**5 if args.quick else 10**6
    res: dict = {"machine": machine()}
    print("measuring (progress on stderr) ...", file=sys.stderr)
    res["mesa"] = vs_mesa([10**3, 10**4] if args.quick else [10**3, 10**4, 10**5], reps)
    res["ndlib"] = vs_ndlib([10**3, 10**4] if args.quick else [10**3, 10**4, 10**5], reps)
    sizes = [10**4, 3 * 10**4, 10**5, 3 * 10**5, 10**6]
    res["scaling"] = scaling(sizes[: 3 if args.quick else 5], reps)
    res["floors"] = floors(top, reps)
    res["memory"] = memory(top)
    if args.national:
        res["national"] = national()
    res["machine"]["load_after"] = " ".join(f"{v:.1f}" for v in os.getloadavg())
    mach = res["machine"]
    print(
        f"\nMachine: {mach['nproc']} cores, {mach['cpu']}, {mach['memory']}; Python "
        f"{mach['python']}, numpy {mach['numpy']}, Mesa {mach['mesa']}; load average "
        f"{mach['load']} before, {mach['load_after']} after.\n"
    )
    print(table(res))
    if args.out:
        args.out.write_text(json.dumps(res, indent=2, default=str))


if __name__ == "__main__":
    main()
