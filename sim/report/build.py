"""Write a sweep's report (:func:`make_report`), and the command ``cohesion-sim-report``."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from sim.analysis.load import MixedVersions, load_sweep
from sim.catalogue import CatalogueError
from sim.io import atomic_write
from sim.report.answer import answer
from sim.report.page import render_html
from sim.report.tables import analyse

__all__ = ["Report", "main", "make_report"]


@dataclass
class Report:
    """Where the report went, and its tables."""

    html: Path
    summary: Path
    tables: dict[str, pd.DataFrame]


def make_report(
    sweep_dir: str | Path,
    *,
    metric: str = "cohesion_index",
    rebuild: bool = True,
    small_scope: int | None = None,
    target: str | None = None,
) -> Report:
    """Write ``report/index.html`` and ``summary.csv`` in the sweep directory.

    Args:
        sweep_dir: the sweep directory.
        metric: the outcome metric (scope ``all``, at each run's last week).
        rebuild: rebuild the catalogue from the run directories first.
        small_scope: scopes with fewer citizens are reported as imprecise (default: the
            runs' ``small_scope``).
        target: a target met or missed at the last week, e.g.
            ``"trust_politics_share>=0.25"``: the page then opens with the robust
            strategies for it (:mod:`sim.report.answer`).

    Raises:
        ValueError: if the target cannot be read or names a metric the runs lack.
    """
    root = Path(sweep_dir).resolve()
    data = load_sweep(root, metric, rebuild=rebuild, small_scope=small_scope)
    tables = analyse(data)
    first = None
    if target is not None and not data.outcomes.empty:
        first = answer(root, target, small_scope=small_scope)
    page = render_html(data, tables, root, first)
    html_path = root / "report" / "index.html"
    summary_path = root / "summary.csv"

    def write_html(tmp: Path) -> None:
        tmp.write_text(page, encoding="utf-8")

    atomic_write(html_path, write_html)

    def write_csv(tmp: Path) -> None:
        tables["summary"].to_csv(tmp, index=False)

    atomic_write(summary_path, write_csv)
    return Report(html_path, summary_path, tables)


def main(argv: Sequence[str] | None = None) -> None:
    """``cohesion-sim-report SWEEP_DIR``: rebuild the catalogue and write the report."""
    parser = argparse.ArgumentParser(
        prog="cohesion-sim-report",
        description="Rebuild a sweep's results.duckdb and write report/index.html and "
        "summary.csv in its directory.",
    )
    parser.add_argument("sweep_dir", type=Path, help="the sweep directory (hydra.sweep.dir)")
    parser.add_argument(
        "--metric", default="cohesion_index", help="outcome metric (default: cohesion_index)"
    )
    parser.add_argument(
        "--target",
        default=None,
        metavar="TARGET",
        help="open the page with the robust strategies for a target met at the last "
        "week, e.g. 'trust_politics_share>=0.25'",
    )
    parser.add_argument("--no-rebuild", action="store_true", help="use results.duckdb as it is")
    parser.add_argument(
        "--small-scope",
        type=int,
        default=None,
        metavar="N",
        help="scopes with fewer citizens are reported as imprecise "
        "(default: the runs' small_scope, 50 unless set)",
    )
    args = parser.parse_args(argv)
    if not args.sweep_dir.is_dir():
        print(f"cohesion-sim-report: error: {args.sweep_dir}: not a directory", file=sys.stderr)
        sys.exit(1)
    try:
        rep = make_report(
            args.sweep_dir,
            metric=args.metric,
            rebuild=not args.no_rebuild,
            small_scope=args.small_scope,
            target=args.target,
        )
    except (CatalogueError, MixedVersions, ValueError) as e:
        print(f"cohesion-sim-report: error: {e}", file=sys.stderr)
        sys.exit(1)
    runs = rep.tables["summary"]
    print(f"report: {rep.html}\nsummary: {rep.summary} ({len(runs)} rows)")
