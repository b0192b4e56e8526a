"""Checking a sweep before it starts, and its one-line messages (the CLI's and the API's).

``cohesion-sim`` (:mod:`sim.cli`) and :func:`sim.api.sweep` both compose and check every
job of a sweep before Hydra starts, and both report a bad override, a launcher whose
extra is not installed, or runs that did not complete in the same one line.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from sim.config import ConfigError
from sim.prepare import prepare, sampled_values
from sim.sweep.callbacks import SweepOutcome
from sim.sweep.guard import disk_full_message
from sim.sweep.jobs import compose_jobs

__all__ = [
    "LAUNCHER_EXTRAS",
    "NOT_GROUPS",
    "check_jobs",
    "missing_extra",
    "not_a_group",
    "outcome_message",
]

#: Folders of the configs directory that are not config groups, and what they hold.
NOT_GROUPS: dict[str, str] = {
    "analysis": (
        "the sensitivity study's factors and ranges (configs/analysis/sensitivity.yaml), "
        "read by sim.analysis.sensitivity, not an option of a run: see docs/analysis.md"
    ),
}

#: The extra that installs each Hydra launcher plug-in a launcher option builds on.
LAUNCHER_EXTRAS: dict[str, str] = {
    "submitit_slurm": "slurm",
    "submitit_local": "slurm",
    "ray": "ray",
    "ray_aws": "ray",
}


def missing_extra(line: str) -> str | None:
    """The one line for a launcher whose plug-in is not installed, else None.

    Args:
        line: the one line a failed composition gave (:func:`sim.errors.describe`).
    """
    m = re.search(
        r"(?:In 'hydra/launcher/([\w-]+)': )?Could not load 'hydra/launcher/([\w-]+)'", line
    )
    extra = LAUNCHER_EXTRAS.get(m.group(2)) if m else None
    if m is None or extra is None:
        return None
    chosen = m.group(1) or m.group(2)
    return (
        f"hydra/launcher={chosen} needs the '{extra}' extra, which is not installed: "
        f"pip install 'cohesion-sim[{extra}]'"
    )


def not_a_group(overrides: Sequence[str]) -> str | None:
    """The one line if an override selects a folder of the configs that is no group."""
    for override in overrides:
        key = override.lstrip("+~").split("=", 1)[0].split(".", 1)[0].split("@", 1)[0]
        if key in NOT_GROUPS:
            return f"{key}: not a config group to select: the folder holds {NOT_GROUPS[key]}"
    return None


def check_jobs(jobs: Sequence[Sequence[str]], name: str, extra: Sequence[str]) -> None:
    """Validate every job; in a sweep, every uncertain parameter must apply to some job.

    Args:
        jobs: each job's overrides.
        name: the primary config's name.
        extra: the user's own config directories.

    Raises:
        Exception: the first job's error (:func:`sim.errors.describe` makes it one line).
    """
    declared: set[str] = set()
    applied: set[str] = set()
    for cfg in compose_jobs(jobs, name, extra, checked=True):
        typed = prepare(cfg)
        declared.update(typed.uncertainty.params)
        applied.update(sampled_values(typed))
    if len(jobs) > 1 and declared - applied:
        key = sorted(declared - applied)[0]
        raise ConfigError(
            f"uncertainty.params.{key}",
            "applies to no run of this sweep (no policy in it has that intervention)",
        )


def outcome_message(outcome: SweepOutcome, again: str = "run the same command again") -> str:
    """The one line after a sweep some of whose runs did not complete.

    Args:
        outcome: the sweep's outcome (:func:`sim.sweep.callbacks.last_outcome`).
        again: how to run the sweep again, in the message.
    """
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
                f"{again} to finish them (complete runs are kept)"
            )
        listed = f"; {listed}"
    return (
        f"{bad} of {outcome.runs} runs did not complete (first: {first}){listed}; "
        f"{again} to redo them (complete runs are kept)"
    )
