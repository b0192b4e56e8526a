"""The ``cohesion-sim`` command: a Hydra app, thin.

Before Hydra starts, every job's config is composed and checked, so bad input (an
out-of-range value, an unknown key or option, a broken YAML file) ends the program with
exit status 1 and one line naming the key and what is allowed, before any output
directory is made. Set HYDRA_FULL_ERROR=1 for the full traceback.

``--help`` shows the command's own text (``configs/hydra/help/cohesion_sim.yaml``): the
config groups and launchers that can be selected, listed from the configs directory,
with examples.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

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
from sim.sweep.callbacks import last_outcome
from sim.sweep.check import (
    LAUNCHER_EXTRAS,
    NOT_GROUPS,
    check_jobs,
    missing_extra,
    not_a_group,
    outcome_message,
)
from sim.sweep.guard import (
    SweepStop,
    Unwritable,
    check_writable,
    is_disk_full,
)
from sim.sweep.hydra_compat import parse_command_line, run_app
from sim.sweep.jobs import BASIC_SWEEPERS, Sweep, expand, sets_hydra_keys
from sim.sweep.runner import run_job

__all__ = [
    "GROUPS",
    "LAUNCHER_EXTRAS",
    "NOT_GROUPS",
    "Check",
    "check_command",
    "groups_help",
    "launchers_help",
    "main",
    "missing_extra",
    "prevalidate",
    "selectable_groups",
    "task",
    "with_help_text",
]

register_schema()

#: What each config group chooses, and an example; --help lists every selectable group.
GROUPS: dict[str, tuple[str, str]] = {
    "population": (
        "who and where: a real municipality, the whole country, a synthetic town",
        "population=synthetic population.size=5000",
    ),
    "network": ("how citizens are tied to each other", "network=caveman"),
    "dynamics": ("the rules' parameters", "dynamics.confidence=0.25"),
    "scenario": ("the future: its drivers, shocks and elections", "scenario=crisis_2020"),
    "policy": ("the interventions and their budget", "policy=canvassing"),
    "preset": ("a canonical opinion-dynamics model the run reduces to", "preset=deffuant"),
    "calibration": ("the parameters fitted to 2012-2024, or none", "calibration=none"),
    "experiment": ("a named study (experiments/), most of them a sweep", "experiment=quick"),
}


def selectable_groups() -> dict[str, list[str]]:
    """The config groups a command line can select, each with its options, by name."""
    root = config_dir()
    groups = {}
    for folder in sorted(p for p in root.iterdir() if p.is_dir()):
        if folder.name == "hydra" or folder.name in NOT_GROUPS:
            continue
        options = sorted(f.stem for f in folder.glob("*.yaml"))
        if options:
            groups[folder.name] = options
    return groups


def groups_help() -> str:
    """The config groups' part of ``--help``: each group, its options and an example."""
    lines = []
    for name, options in selectable_groups().items():
        what, example = GROUPS.get(name, ("", f"{name}={options[0]}"))
        lines.append(f"{name}: {what}" if what else f"{name}:")
        lines.append(f"    options: {', '.join(options)}")
        lines.append(f"    e.g. cohesion-sim {example}")
    return "\n".join(lines)


def _launcher_base(path: Path) -> str | None:
    """The launcher plug-in config a launcher option's defaults start from, if any."""
    loaded = OmegaConf.load(path)
    defaults = (loaded.get("defaults") if isinstance(loaded, DictConfig) else None) or []
    first = defaults[0] if defaults else None
    return first if isinstance(first, str) else None


def launchers_help() -> str:
    """The launchers' part of ``--help``: each ``hydra/launcher`` option and its extra."""
    lines = ["(none named: Hydra's basic launcher, one run after another)"]
    for path in sorted((config_dir() / "hydra" / "launcher").glob("*.yaml")):
        extra = LAUNCHER_EXTRAS.get(_launcher_base(path) or "")
        needs = f"  (needs: pip install 'cohesion-sim[{extra}]')" if extra else ""
        lines.append(f"hydra/launcher={path.stem}{needs}")
    lines.append(
        "e.g. cohesion-sim -m seed=0,1,2,3 hydra/launcher=parallel hydra.launcher.n_jobs=2"
    )
    return "\n".join(lines)


for _name, _resolver in (
    ("cohesion_sim_groups", groups_help),
    ("cohesion_sim_launchers", launchers_help),
):
    if not OmegaConf.has_resolver(_name):
        OmegaConf.register_new_resolver(_name, _resolver)


def with_help_text(argv: Sequence[str]) -> list[str]:
    """``argv`` for ``--help``: the command's own text selected, the overrides left out.

    The text shows no config, so the overrides do not change it; left in, a sweep's
    values (``-m seed=0,1 --help``) would stop Hydra's composition of it.
    """
    args, out = parse_command_line(argv), list(argv)
    if args.overrides:
        at = out.index(args.overrides[0])
        del out[at : at + len(args.overrides)]
    return [*out, "hydra/help=cohesion_sim"]


#: The outcomes the command prints after a run, at week 0 and at the last week.
SUMMARY = (
    "cohesion_index",
    "trust_politics_share",
    "trust_rule_of_law_share",
    "trust_people_share",
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
    first_day = overall["date"].min() if "date" in overall else None
    last_day = overall["date"].max() if "date" in overall else None
    lines = [
        f"cohesion-sim: {info['place']}, policy '{info['policy']}', future '{info['future']}', "
        f"seed {info['seed']}, {info['population']:,} citizens, {last} weeks "
        f"({wall:.1f} s)",
        f"  {'':44s} {'week 0':>10s} {f'week {last}':>10s}",
        f"  {'':44s} {first_day!s:>10s} {last_day!s:>10s}",
    ]
    for metric in SUMMARY:
        o = OUTCOMES[metric]
        s = overall[overall["metric"] == metric].sort_values("step")["value"]
        first, end = o.fmt.format(s.iloc[0]), o.fmt.format(s.iloc[-1])
        lines.append(f"  {o.label:44s} {first:>10s} {end:>10s}")
    budget = info.get("budget") or {}
    if budget.get("interventions"):
        lines.append(
            f"  budget: EUR {budget['available']:,.0f} available, "
            f"EUR {budget['spent']:,.0f} spent, EUR {budget['left']:,.0f} left"
        )
    lines.extend(f"  warning: {w}" for w in info.get("warnings", ()))
    lines.append(f"  outputs: {out_dir}")
    return "\n".join(lines)


def task(cfg: DictConfig) -> None:
    """The Hydra task: one run, or one job of a sweep (:func:`sim.sweep.runner.run_job`)."""
    if HydraConfig.get().mode == RunMode.MULTIRUN:
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
        info = run_info(
            typed,
            time.perf_counter() - t0,
            "complete",
            budget=tables.budget,
            warnings=tables.warnings,
        )
        write_run(tables, typed, out_dir, info)
    except OSError as e:
        if not is_disk_full(e):
            raise
        _fail(
            f"the disk holding {out_dir} is full ({type(e).__name__}: {e}); the run's files "
            "were not kept: free some space and run the same command again"
        )
    print(_summary(tables.timeseries.to_pandas(), info, out_dir, time.perf_counter() - t0))


def _fail(message: str) -> None:
    print(f"cohesion-sim: error: {message}", file=sys.stderr)
    sys.exit(1)


@dataclass(frozen=True)
class Check:
    """The outcome of checking a command line before Hydra starts.

    Attributes:
        error: the one line naming the first problem, or None.
        extra_args: arguments for Hydra: ``hydra/sweeper=checked`` when every job of a
            sweep that would run on the basic sweeper was checked here.
    """

    error: str | None
    extra_args: tuple[str, ...] = ()


def check_command(argv: Sequence[str]) -> Check:
    """Compose and check every job of a command line, before Hydra starts.

    A sweep (``-m``, or an experiment with ``hydra.mode: MULTIRUN``) is expanded into its
    jobs as Hydra's basic sweeper would, and each job's config is checked. If all pass
    and the sweep would use the basic sweeper (the command line names no sweeper, and no
    job sets Hydra's own keys), the checked sweeper need not compose them again.
    """
    args = parse_command_line(argv)
    if args.help or args.hydra_help or args.info or args.shell_completion:
        return Check(None)
    extra = [args.config_dir] if args.config_dir else []
    name = args.config_name or "config"
    wrong = not_a_group(args.overrides)
    if wrong is not None:
        return Check(wrong)
    try:
        sweep = expand(args.overrides, args.multirun, name, extra)
        check_jobs(sweep.jobs, name, extra)
    except Exception as e:  # every failure becomes one line
        line = describe(e)
        return Check(missing_extra(line) or line)
    error = _unwritable(sweep)
    if error is not None:
        return Check(error)
    sweeper = OmegaConf.select(sweep.hydra, "sweeper._target_") if sweep.hydra else None
    named = any(a.lstrip("+~").startswith("hydra/sweeper") for a in argv)
    basic = sweep.multirun and sweeper in BASIC_SWEEPERS and not named
    if basic and not sets_hydra_keys(sweep.jobs):
        return Check(None, ("hydra/sweeper=checked",))
    return Check(None)


def prevalidate(argv: Sequence[str]) -> str | None:
    """Compose and check every job of a command line; the first error, or None."""
    return check_command(argv).error


def _unwritable(sweep: Sweep) -> str | None:
    """The one line if the command's output directory cannot be written, else None."""
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
    argv = sys.argv[1:]
    if "--help" in argv or "-h" in argv:
        argv = with_help_text(argv)
    if not os.environ.get("HYDRA_FULL_ERROR"):
        check = check_command(argv)
        if check.error:
            _fail(check.error)
        argv = [*argv, *check.extra_args]
    try:
        run_app(task, str(config_dir()), argv)
    except SweepStop as e:  # a full disk, a locked or unwritable sweep dir: one line
        _fail(str(e))
    outcome = last_outcome()
    if outcome is not None and (outcome.failed or outcome.missing or outcome.errors):
        _fail(outcome_message(outcome))
