"""Docking against ndlib's AlgorithmicBiasModel (docs/validation.md, section 5).

Does our model, reduced by ``preset=algorithmic_bias`` (and ``preset=deffuant`` at
gamma = 0), produce the same distributions of the final number of major clusters and of
the time to converge as ndlib's independent implementation of Sirbu et al. (2019), at
the same N, eps and gamma? Equivalence by TOST with the margins of
``sim.analysis.validation`` (0.3 clusters; a time ratio within 1.15), and a KS test on
the times.

    python -m benchmarks.docking --out DIR            # the documented study (minutes)
    python -m benchmarks.docking --out DIR --quick    # a few small runs
    python -m benchmarks.docking --out DIR --replot   # the figure from the stored numbers

It needs ndlib (the ``peers`` extra) and this repository checkout (``benchmarks/`` is not
in the installed package). The numbers go into ``DIR/validation.json`` under
``docking``, next to those of ``python -m sim.analysis.validation --out DIR`` (whose
``--markdown`` prints the docking table too), and the figure to
``DIR/validation_docking.png``. ndlib draws from global random state; the runner
(``benchmarks/ndlib_peer.py``) seeds it around each run and restores it.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.ndlib_peer import restored_global_random, run_to_convergence
from sim.analysis.stats import tost
from sim.analysis.validation import (
    CONVERGENCE_TOL,
    FIGURES,
    MARGIN_CLUSTERS,
    MARGIN_LOG_TIME,
    Outcome,
    Sizes,
    base_config,
    load_results,
    record,
    run_model,
    save_results,
)

NAME = "docking"
INSTALL_HINT = (
    "the docking study needs ndlib: install the `peers` extra "
    "(pip install -e '.[peers]' in the repository checkout)"
)


def run_ndlib(
    n: int,
    eps: float,
    gamma: float,
    seed: int,
    *,
    max_iterations: int,
    tol: float = CONVERGENCE_TOL,
) -> Outcome:
    """Run ndlib's ``AlgorithmicBiasModel`` on a complete graph of ``n`` nodes.

    ndlib fixes mu = 0.5 and updates pairs sequentially, N interactions per iteration
    (so one iteration is one interaction per citizen); convergence is checked after every
    iteration with the same rule as ``sim.analysis.validation.run_model``. ndlib draws
    from global random state, so the runner lives with the other ndlib peer code
    (``benchmarks/ndlib_peer.py``): it seeds that state and restores it afterwards.
    """
    return run_to_convergence(n, eps, gamma, seed, max_iterations=max_iterations, tol=tol)


def _log(msg: str) -> None:
    print(f"[docking] {msg}", file=sys.stderr, flush=True)


def study_docking(sz: Sizes) -> dict[str, Any]:
    """Ours against ndlib's AlgorithmicBiasModel at the same N, eps and gamma."""
    eps, n = sz.dock_eps, sz.dock_n
    runs = []
    for gamma, seeds in sz.dock_seeds.items():
        cfg = base_config(
            [
                "preset=algorithmic_bias",
                f"dynamics.confidence={eps}",
                f"dynamics.algorithmic_bias={gamma}",
                f"population.size={n}",
            ]
        )
        for seed in range(seeds):
            out = run_model(
                cfg, seed, max_steps=1_000_000, max_interactions=sz.dock_max_interactions
            )
            runs.append(record(out, impl="ours", gamma=gamma, seed=seed))
        _log(f"ours gamma={gamma} done")
        if gamma == 0.0:
            cfg_d = base_config(
                ["preset=deffuant", f"dynamics.confidence={eps}", f"population.size={n}"]
            )
            for seed in range(seeds):
                out = run_model(
                    cfg_d, seed, max_steps=1_000_000, max_interactions=sz.dock_max_interactions
                )
                runs.append(record(out, impl="ours_deffuant_preset", gamma=gamma, seed=seed))
        t0 = time.perf_counter()
        for seed in range(seeds):
            # ndlib seeds are offset so they share no seed value with ours (independent runs)
            out = run_ndlib(n, eps, gamma, 10_000 + seed, max_iterations=sz.dock_max_interactions)
            runs.append(record(out, impl="ndlib", gamma=gamma, seed=10_000 + seed))
        _log(f"ndlib gamma={gamma} done ({time.perf_counter() - t0:.0f} s)")
    tests = []
    for gamma in sz.dock_seeds:
        ref = [x for x in runs if x["impl"] == "ndlib" and x["gamma"] == gamma]
        for impl in ("ours", "ours_deffuant_preset"):
            r = [x for x in runs if x["impl"] == impl and x["gamma"] == gamma]
            if not r or len(r) < 2:
                continue
            tests.append(
                {
                    "gamma": gamma,
                    "impl": impl,
                    "n_seeds": len(r),
                    "ours_major_mean": float(np.mean([x["major"] for x in r])),
                    "ndlib_major_mean": float(np.mean([x["major"] for x in ref])),
                    "ours_median_interactions": float(np.median([x["interactions"] for x in r])),
                    "ndlib_median_interactions": float(np.median([x["interactions"] for x in ref])),
                    "converged_share": [
                        float(np.mean([x["converged"] for x in r])),
                        float(np.mean([x["converged"] for x in ref])),
                    ],
                    "tost_major": tost(
                        [x["major"] for x in r], [x["major"] for x in ref], MARGIN_CLUSTERS
                    ).as_dict(),
                    "tost_log_time": tost(
                        np.log([x["interactions"] for x in r]),
                        np.log([x["interactions"] for x in ref]),
                        MARGIN_LOG_TIME,
                    ).as_dict(),
                    "ks_time_pvalue": _ks(
                        [x["interactions"] for x in r], [x["interactions"] for x in ref]
                    ),
                }
            )
    return {
        "n": n,
        "eps": eps,
        "margin_major": MARGIN_CLUSTERS,
        "margin_log_time": MARGIN_LOG_TIME,
        "tests": tests,
        "runs": runs,
    }


def _ks(a: Sequence[float], b: Sequence[float]) -> float:
    from scipy import stats

    return float(stats.ks_2samp(a, b).pvalue)


def ndlib_problem() -> str | None:
    """Why ndlib's AlgorithmicBiasModel cannot be imported, or None if it can."""
    # inside the restored region: importing ndlib's opinion models reseeds ``random``
    with restored_global_random():
        try:
            from ndlib.models.opinions import AlgorithmicBiasModel  # noqa: F401
        except ImportError as err:
            return str(err)
    return None


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        prog="python -m benchmarks.docking",
        description="Docking: our model against ndlib's AlgorithmicBiasModel "
        "(docs/validation.md, section 5). Needs the `peers` extra.",
    )
    ap.add_argument(
        "--out",
        type=Path,
        required=True,
        metavar="DIR",
        help="directory for validation_docking.png and validation.json (the docking "
        "numbers are added to it; created if needed)",
    )
    ap.add_argument("--quick", action="store_true", help="a few small runs")
    ap.add_argument(
        "--replot", action="store_true", help="redraw the figure from the JSON, run nothing"
    )
    args = ap.parse_args(argv)
    if not args.replot:
        problem = ndlib_problem()
        if problem is not None:
            raise SystemExit(f"{INSTALL_HINT} ({problem})")
    results = load_results(args.out)
    if not args.replot:
        sz = Sizes.quick() if args.quick else Sizes()
        t0 = time.perf_counter()
        results[NAME] = study_docking(sz) | {"wall_seconds": round(time.perf_counter() - t0, 1)}
        results[NAME]["size"] = "quick" if args.quick else "full"
        save_results(args.out, results)
        _log(f"{NAME}: {results[NAME]['wall_seconds']} s")
    if NAME not in results:
        raise SystemExit(f"no docking numbers in {args.out}: run without --replot first")
    FIGURES[NAME](results[NAME], args.out / f"validation_{NAME}.png")
    return 0


if __name__ == "__main__":
    sys.exit(main())
