"""Study throughput: a slice of the strategy study through the real command, timed per part.

    python -m benchmarks.study                          # 8 policies x 2 futures x 3 seeds = 48 runs
    python -m benchmarks.study --futures 5 --seeds 25   # the 1,000-run study (about 25 min here)
    python -m benchmarks.study --tree /tmp/before --tree . --reps 3   # side by side, alternating

Each repetition runs ``python -m sim experiment=robust_strategies`` (Hydra multirun, the
``parallel`` joblib launcher with ``--jobs`` workers, the sweep callback's catalogue and
report) for policies x futures x seeds (seed k takes posterior member k mod 11, and
design point k of the levers' effects and costs) at ``--size`` citizens over ``--steps``
weeks, one structural variant (``as_configured``), into a temporary directory. A tree
(``--tree``, a checkout of cohesion-sim; default this one) runs with this interpreter
and that tree first on the path, so two commits can be timed against each other on the
same environment, their repetitions alternating.

It reports the wall time, runs per minute, and where a run's time goes, from the
timings each run records in its run.json (``timings``, :mod:`sim.sweep.runner`) and
the sweep's timestamps:

- start-up: from the command's start to the first job's start (interpreter, imports,
  composing and checking every job, Hydra's set-up, the workers' start), shared by the
  runs; then per run, each worker's own start-up (CPU before its first job), composing
  the job's config in the worker (``compose_s``), Hydra's set-up of the job directory
  (``hydra_job_s``), and the job's config check, resume check and clean-up (``setup_s``);
- burn-in: computed (once per burn-in key, then stored) or shared (loaded), per run;
- weeks: the model built from the start state, and its weeks without the metrics;
- metrics: recording the metrics;
- outputs: building the tables, run.json's contents, writing the Parquet files;
- catalogue: from the last run's end to the command's end (the catalogue and report).

Per-run parts are wall seconds inside a worker, averaged over the runs; with two workers
the sweep's wall time is about (start-up) + (sum of the runs' parts) / 2 + (catalogue).
The extrapolation to ``--target`` runs scales the per-run parts and the catalogue
linearly, and keeps the start-up as measured (it grows a little with the number of jobs).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent

POLICIES = (
    "none",
    "canvassing",
    "deep_canvassing",
    "co_coaching",
    "mayor_training",
    "dialogue_sessions",
    "platform_measures",
    "listening_government",
    "integrated",
)
FUTURES = ("baseline", "polarised_platforms", "economic_strain", "fragmented", "calm")

#: The per-run parts, in the table's order: (label, timing keys summed).
PARTS = (
    ("start-up: worker process (imports), per run", ("worker_start_s",)),
    ("start-up: compose the job in the worker", ("compose_s",)),
    ("start-up: Hydra's job set-up", ("hydra_job_s",)),
    ("start-up: config check, resume check", ("setup_s",)),
    ("burn-in computed (amortised)", ("burn_in_computed_s",)),
    ("burn-in shared (load)", ("burn_in_shared_s",)),
    ("model from the start state", ("build_s",)),
    ("weeks (without metrics)", ("weeks_s",)),
    ("metrics", ("metrics_s",)),
    ("outputs: tables", ("tables_s",)),
    ("outputs: run.json contents", ("info_s",)),
    ("outputs: writing files", ("write_s",)),
)


def _when(iso: str) -> float:
    return datetime.fromisoformat(iso).timestamp()


def _children_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def command(
    policies: list[str],
    futures: list[str],
    seeds: int,
    size: int,
    steps: int,
    jobs: int,
    out: Path,
    extra: tuple[str, ...] = (),
) -> list[str]:
    """The study slice's command line."""
    return [
        sys.executable,
        "-m",
        "sim",
        "experiment=robust_strategies",
        f"policy={','.join(policies)}",
        f"scenario={','.join(futures)}",
        "variant=as_configured",
        f"seed=range({seeds})",
        f"uncertainty.samples={max(24, seeds)}",
        f"population.size={size}",
        f"steps={steps}",
        f"hydra.launcher.n_jobs={jobs}",
        f"hydra.sweep.dir={out}",
        *extra,
    ]


def breakdown(out: Path, t_start: float, t_end: float) -> dict[str, Any]:
    """Per-run means of each part, and the sweep's start-up and catalogue, from run.json."""
    infos = [json.loads(p.read_text()) for p in out.glob("*/run.json")]
    done = [i for i in infos if i.get("status") == "complete"]
    n = len(done)
    sums: dict[str, float] = {}
    for info in done:
        t = dict(info.get("timings") or {})
        burn = t.pop("burn_in_s", 0.0)
        key = "burn_in_computed_s" if info.get("start_state") == "computed" else "burn_in_shared_s"
        t[key] = burn
        for k, v in t.items():
            sums[k] = sums.get(k, 0.0) + float(v)
    first = min(_when(i["started_at"]) for i in done)
    last = max(_when(i["finished_at"]) for i in done)
    per_run = {label: sum(sums.get(k, 0.0) for k in keys) / n for label, keys in PARTS}
    return {
        "runs": n,
        "failed": len(infos) - n,
        "computed_burn_ins": sum(i.get("start_state") == "computed" for i in done),
        "startup_s": first - t_start,
        "catalogue_s": t_end - last,
        "per_run": per_run,
        "per_run_total": sum(per_run.values()),
    }


def measure(tree: Path, cmd_args: dict[str, Any]) -> dict[str, Any]:
    """One run of the slice in ``tree``; wall and CPU seconds and the breakdown."""
    env = dict(os.environ, PYTHONPATH=str(tree))
    with tempfile.TemporaryDirectory(prefix="study-") as d:
        out = Path(d) / "sweep"
        cmd = command(out=out, **cmd_args)
        cpu0, t0, w0 = _children_cpu(), time.perf_counter(), time.time()
        proc = subprocess.run(cmd, cwd=tree, env=env, capture_output=True, text=True)
        wall, cpu, w1 = time.perf_counter() - t0, _children_cpu() - cpu0, time.time()
        if proc.returncode != 0:
            sys.stderr.write(proc.stdout[-3000:] + proc.stderr[-3000:])
            raise SystemExit(f"the study slice failed in {tree} (exit {proc.returncode})")
        res = breakdown(out, w0, w1)
    res.update(wall_s=wall, cpu_s=cpu, runs_per_min=res["runs"] / wall * 60)
    return res


def extrapolate(res: dict[str, Any], target: int) -> float:
    """Wall seconds for ``target`` runs: start-up + per-run wall x target + catalogue."""
    n = res["runs"]
    per_run_wall = (res["wall_s"] - res["startup_s"] - res["catalogue_s"]) / n
    return float(res["startup_s"] + (per_run_wall + res["catalogue_s"] / n) * target)


def _median(results: list[dict[str, Any]], key: str) -> float:
    return statistics.median(float(r[key]) for r in results)


def report(trees: list[Path], results: dict[Path, list[dict[str, Any]]], target: int) -> str:
    """The markdown table: one column per tree, medians of the repetitions."""
    names = [str(t) for t in trees]
    lines = [
        "| per run (wall s in a worker, mean over runs) | " + " | ".join(names) + " |",
        "|---|" + "---:|" * len(trees),
    ]
    for label, _ in PARTS:
        vals = [statistics.median(r["per_run"][label] for r in results[t]) for t in trees]
        lines.append(f"| {label} | " + " | ".join(f"{v:.3f}" for v in vals) + " |")
    rows: list[tuple[str, Any]] = [
        ("sum of the per-run parts", lambda r: r["per_run_total"]),
        ("sweep start-up to the first job, s", lambda r: r["startup_s"]),
        ("catalogue and report after the last run, s", lambda r: r["catalogue_s"]),
        ("wall time, s", lambda r: r["wall_s"]),
        ("CPU time of the command and its workers, s", lambda r: r["cpu_s"]),
        ("CPU s per run", lambda r: r["cpu_s"] / r["runs"]),
        ("runs per minute", lambda r: r["runs_per_min"]),
        (f"extrapolated wall time for {target:,} runs, min", lambda r: extrapolate(r, target) / 60),
    ]
    for label, fn in rows:
        vals = [statistics.median(fn(r) for r in results[t]) for t in trees]
        lines.append(f"| {label} | " + " | ".join(f"{v:.3f}" for v in vals) + " |")
    lines.append(
        "| runs (complete / failed), burn-ins computed | "
        + " | ".join(
            f"{results[t][0]['runs']} / {results[t][0]['failed']}, "
            f"{results[t][0]['computed_burn_ins']}"
            for t in trees
        )
        + " |"
    )
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--policies", type=int, default=8, help="the first N of the study's nine")
    ap.add_argument("--futures", type=int, default=2, help="the first N of the study's five")
    ap.add_argument("--seeds", type=int, default=3, help="seeds 0..N-1 (posterior member k mod 11)")
    ap.add_argument("--size", type=int, default=10_000)
    ap.add_argument("--steps", type=int, default=260)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--reps", type=int, default=1)
    ap.add_argument("--target", type=int, default=1000, help="runs to extrapolate to")
    ap.add_argument("--tree", type=Path, action="append", help="a checkout (default: this one)")
    ap.add_argument("--json", type=Path, help="write every repetition's numbers here")
    ap.add_argument("overrides", nargs="*", help="more overrides, e.g. metrics_every=1")
    args = ap.parse_args()
    trees = [t.resolve() for t in (args.tree or [ROOT])]
    cmd_args = {
        "policies": list(POLICIES[: args.policies]),
        "futures": list(FUTURES[: args.futures]),
        "seeds": args.seeds,
        "size": args.size,
        "steps": args.steps,
        "jobs": args.jobs,
        "extra": tuple(args.overrides),
    }
    n = args.policies * args.futures * args.seeds
    results: dict[Path, list[dict[str, Any]]] = {t: [] for t in trees}
    for rep in range(args.reps):
        for tree in trees:  # alternating, so that the machine's load falls on both
            res = measure(tree, cmd_args)
            results[tree].append(res)
            print(
                f"  rep {rep + 1}/{args.reps} {tree}: {res['runs']} runs in {res['wall_s']:.1f} s "
                f"({res['runs_per_min']:.1f} runs/min, load {os.getloadavg()[0]:.1f})",
                file=sys.stderr,
                flush=True,
            )
    print(
        f"\n{args.policies} policies x {args.futures} futures x {args.seeds} seeds = {n} runs, "
        f"{args.size:,} citizens, {args.steps} weeks, {args.jobs} workers; "
        f"medians of {args.reps}\n"
    )
    print(report(trees, results, args.target))
    if args.json:
        args.json.write_text(json.dumps({str(k): v for k, v in results.items()}, indent=1))


if __name__ == "__main__":
    main()
