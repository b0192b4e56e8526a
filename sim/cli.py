"""The ``cohesion-sim`` command: a Hydra app, thin.

Before Hydra starts, every job's config is composed and checked, so bad input (an
out-of-range value, an unknown key or option, a broken YAML file) ends the program with
exit status 1 and one line naming the key and what is allowed, before any output
directory is made. Set HYDRA_FULL_ERROR=1 for the full traceback.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import hydra
import pandas as pd
from hydra.core.hydra_config import HydraConfig
from hydra.types import RunMode
from omegaconf import DictConfig, OmegaConf

from sim.allocator import keep_freed_memory
from sim.compose import config_dir
from sim.config import ConfigError, register_schema
from sim.errors import describe
from sim.outcomes import OUTCOMES
from sim.prepare import prepare
from sim.results import run_info, write_run
from sim.run import run

if TYPE_CHECKING:
    from sim.sweep.callbacks import SweepOutcome
    from sim.sweep.jobs import Sweep

__all__ = ["main", "prevalidate", "task"]

register_schema()

#: The outcomes the command prints after a run, at week 0 and at the last week.
SUMMARY = (
    "cohesion_index",
    "trust_mean",
    "low_trust_share",
    "prejudice_mean",
    "tension_mean",
    "tension_max",
    "bubble_index",
    "polarization",
    "bridging_ties",
    "participation",
)


def _summary(ts: pd.DataFrame, info: dict[str, Any], out_dir: Path, wall: float) -> str:
    last = int(ts["step"].max())
    overall = ts[ts["scope"] == "all"]
    lines = [
        f"cohesion-sim: policy '{info['policy']}', future '{info['future']}', "
        f"seed {info['seed']}, {info['population']:,} citizens, {last} weeks "
        f"({wall:.1f} s)",
        f"  {'':44s} {'week 0':>10s} {f'week {last}':>10s}",
    ]
    for metric in SUMMARY:
        o = OUTCOMES[metric]
        s = overall[overall["metric"] == metric].sort_values("step")["value"]
        first, end = o.fmt.format(s.iloc[0]), o.fmt.format(s.iloc[-1])
        lines.append(f"  {o.label:44s} {first:>10s} {end:>10s}")
    lines.append(f"  outputs: {out_dir}")
    return "\n".join(lines)


def task(cfg: DictConfig) -> None:
    """The Hydra task: one run, or one job of a sweep (:func:`sim.sweep.runner.run_job`)."""
    if HydraConfig.get().mode == RunMode.MULTIRUN:
        from sim.sweep.runner import run_job

        run_job(cfg)
        return
    try:
        typed = prepare(cfg)
    except ConfigError as e:
        _fail(str(e))
    out_dir = Path(HydraConfig.get().runtime.output_dir)
    t0 = time.perf_counter()
    try:
        tables = run(typed, progress=typed.progress, keep_model=False)
        info = run_info(typed, time.perf_counter() - t0, "complete")
        write_run(tables, typed, out_dir, info)
    except OSError as e:
        from sim.sweep.guard import is_disk_full

        if not is_disk_full(e):
            raise
        _fail(
            f"the disk holding {out_dir} is full ({type(e).__name__}: {e}); the run's files "
            "were not kept: free some space and run the same command again"
        )
    print(_summary(tables.timeseries.to_pandas(), info, out_dir, time.perf_counter() - t0))


_app = hydra.main(version_base="1.3", config_path=str(config_dir()), config_name="config")(task)


def _fail(message: str) -> None:
    print(f"cohesion-sim: error: {message}", file=sys.stderr)
    sys.exit(1)


def _check_jobs(jobs: Sequence[Sequence[str]], name: str, extra: Sequence[str]) -> None:
    """Validate every job; in a sweep, every uncertain parameter must apply to some job."""
    from sim.prepare import sampled_values
    from sim.sweep.jobs import compose_jobs

    declared: set[str] = set()
    applied: set[str] = set()
    for cfg in compose_jobs(jobs, name, extra):
        typed = prepare(cfg)
        declared.update(typed.uncertainty.params)
        applied.update(sampled_values(typed))
    if len(jobs) > 1 and declared - applied:
        key = sorted(declared - applied)[0]
        raise ConfigError(
            f"uncertainty.params.{key}",
            "applies to no run of this sweep (no policy in it has that intervention)",
        )


def prevalidate(argv: Sequence[str]) -> str | None:
    """Compose and check every job of a command line; the first error, or None.

    A sweep (``-m``, or an experiment with ``hydra.mode: MULTIRUN``) is expanded into its
    jobs as Hydra's basic sweeper would, and each job's config is checked.
    """
    from hydra._internal.utils import get_args_parser

    from sim.sweep.jobs import BASIC_SWEEPERS, expand, mark_checked

    args = get_args_parser().parse_args(list(argv))
    if args.help or args.hydra_help or args.info or args.shell_completion:
        return None
    extra = [args.config_dir] if args.config_dir else []
    name = args.config_name or "config"
    mark_checked([])
    try:
        sweep = expand(args.overrides, args.multirun, name, extra)
        _check_jobs(sweep.jobs, name, extra)
    except Exception as e:  # every failure becomes one line
        return describe(e)
    sweeper = OmegaConf.select(sweep.hydra, "sweeper._target_") if sweep.hydra else None
    if sweep.multirun and sweeper in BASIC_SWEEPERS:
        mark_checked(sweep.jobs)  # the checked sweeper need not compose them again
    return _unwritable(sweep)


def _checked_sweeper(argv: Sequence[str]) -> list[str]:
    """``hydra/sweeper=checked`` if the checked sweeper can take this sweep, else nothing.

    Only when :func:`prevalidate` recorded the sweep's jobs (so the sweep would use the
    basic sweeper) and the command line names no sweeper of its own; an experiment's
    own choice of sweeper is not the basic one, so it is kept.
    """
    from sim.sweep.jobs import any_checked

    named = any(a.lstrip("+~").startswith("hydra/sweeper") for a in argv)
    return [] if named or not any_checked() else ["hydra/sweeper=checked"]


def _unwritable(sweep: Sweep) -> str | None:
    """The one line if the command's output directory cannot be written, else None."""
    from sim.sweep.guard import Unwritable, check_writable

    key = "hydra.sweep.dir" if sweep.multirun else "hydra.run.dir"
    if sweep.hydra is None:
        return None
    try:
        path = Path(str(OmegaConf.select(sweep.hydra, key.removeprefix("hydra."))))
    except Exception:  # an interpolation only Hydra's run can resolve: Hydra checks it
        return None
    try:
        check_writable(path, key)
    except Unwritable as e:
        return str(e)
    return None


def main() -> None:
    """Console entry point: check every job's config, then hand over to Hydra.

    After a sweep, the exit status is 1 if any run failed (the others are complete and
    in the catalogue; running the same command again redoes only the failed ones).
    """
    keep_freed_memory()  # large arrays reuse freed memory, here and in sweep workers
    if not os.environ.get("HYDRA_FULL_ERROR"):
        error = prevalidate(sys.argv[1:])
        if error:
            _fail(error)
        sys.argv += _checked_sweeper(sys.argv[1:])
    from sim.sweep.guard import SweepStop

    try:
        _app()
    except SweepStop as e:  # a full disk, a locked or unwritable sweep dir: one line
        _fail(str(e))
    from sim.sweep.callbacks import last_outcome

    outcome = last_outcome()
    if outcome is not None and (outcome.failed or outcome.missing or outcome.errors):
        _fail(_outcome_message(outcome))


def _outcome_message(outcome: SweepOutcome) -> str:
    """The one line after a sweep some of whose runs did not complete."""
    from sim.sweep.guard import disk_full_message

    bad = outcome.failed + outcome.missing
    first = outcome.errors[0] if outcome.errors else "a job did not finish"
    if outcome.disk_full:
        return disk_full_message(outcome.sweep_dir, first)
    listed = ""
    if outcome.unfinished:
        names = outcome.unfinished
        more = f" and {len(names) - 8} more" if len(names) > 8 else ""
        cause = f" ({outcome.cause})" if outcome.cause else ""
        listed = f"did not finish{cause}: {', '.join(names[:8])}{more}"
        if not outcome.failed:
            return (
                f"{bad} of {outcome.runs} runs {listed}; "
                "run the same command again to finish them (complete runs are kept)"
            )
        listed = f"; {listed}"
    return (
        f"{bad} of {outcome.runs} runs did not complete (first: {first}){listed}; "
        "run the same command again to redo them (complete runs are kept)"
    )
