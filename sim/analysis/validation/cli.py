"""The validation command: ``python -m sim.analysis.validation --out DIR``.

Runs the studies of :data:`~sim.analysis.validation.studies.STUDIES` (all, or those
named by ``--only``), stores every number in ``DIR/validation.json`` and draws
``DIR/validation_<study>.png``; ``--replot`` redraws the figures and ``--markdown`` prints
the tables of docs/validation.md, both from the stored numbers without running anything.
Output goes only where ``--out`` says. The docking against ndlib is not run here (it
needs the ``peers`` extra and a repository checkout): ``python -m benchmarks.docking
--out DIR`` runs it and adds its numbers to the same ``validation.json``.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from sim.analysis.validation.figures import FIGURES
from sim.analysis.validation.studies import STUDIES, Sizes, log
from sim.analysis.validation.tables import markdown_tables

__all__ = ["DOCKING_HINT", "RESULTS_FILE", "load_results", "main", "save_results"]

#: Where the numbers of every study are stored, in the output directory.
RESULTS_FILE = "validation.json"
#: What to say when the docking study is asked for here (one line).
DOCKING_HINT = (
    "the docking study (ours against ndlib's AlgorithmicBiasModel) needs the `peers` extra "
    "and a repository checkout: run `python -m benchmarks.docking --out DIR` from the "
    "checkout"
)
_DOCKING = "docking"


def load_results(out: Path) -> dict[str, Any]:
    """The numbers stored in ``out/validation.json`` (empty if none); creates ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    store = out / RESULTS_FILE
    return json.loads(store.read_text()) if store.exists() else {}


def save_results(out: Path, results: dict[str, Any]) -> None:
    """Write ``results`` to ``out/validation.json`` (numpy scalars and arrays as JSON)."""
    (out / RESULTS_FILE).write_text(json.dumps(results, indent=1, default=_json_default))


def main(argv: Sequence[str] | None = None) -> int:
    """Run the studies, write ``validation_<study>.png`` and ``validation.json``."""
    ap = argparse.ArgumentParser(
        prog="python -m sim.analysis.validation",
        description="Validation: the canonical opinion-dynamics results (docs/validation.md).",
        epilog=f"{DOCKING_HINT}.",
    )
    ap.add_argument(
        "--out",
        type=Path,
        required=True,
        metavar="DIR",
        help="directory for the figures validation_<study>.png and the numbers "
        f"{RESULTS_FILE} (created if needed)",
    )
    ap.add_argument("--quick", action="store_true", help="a few small runs of every study")
    ap.add_argument(
        "--only",
        action="append",
        choices=[*sorted(STUDIES), _DOCKING],
        help="run only this study (repeatable); docking is run by benchmarks/docking.py",
    )
    ap.add_argument(
        "--replot", action="store_true", help="redraw the figures from the JSON, run nothing"
    )
    ap.add_argument(
        "--markdown",
        action="store_true",
        help="print the tables of docs/validation.md from the JSON, run nothing",
    )
    args = ap.parse_args(argv)
    if args.only and _DOCKING in args.only:
        print(DOCKING_HINT, file=sys.stderr)
        return 2
    sz = Sizes.quick() if args.quick else Sizes()
    results = load_results(args.out)
    if args.markdown:
        for name, table in markdown_tables(results).items():
            print(f"<!-- {name} -->\n{table}\n")
        return 0
    if not args.replot:
        for name in args.only or list(STUDIES):
            t0 = time.perf_counter()
            results[name] = STUDIES[name](sz) | {"wall_seconds": round(time.perf_counter() - t0, 1)}
            results[name]["size"] = "quick" if args.quick else "full"
            save_results(args.out, results)
            log(f"{name}: {results[name]['wall_seconds']} s")
    for name, draw in FIGURES.items():
        if name in results and (args.replot or not args.only or name in args.only):
            draw(results[name], args.out / f"validation_{name}.png")
    return 0


def _json_default(obj: Any) -> Any:
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    raise TypeError(f"not JSON serialisable: {type(obj).__name__}")
