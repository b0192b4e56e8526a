"""The ``jobs`` sweeper's class, where Hydra looks for it: a sweep of listed jobs.

Hydra's basic sweeper runs the Cartesian product of the sweep overrides; a design (the
points of a Morris or Sobol design, each with its seeds, or a Latin hypercube's cases)
is no product. This sweeper runs an explicit list of jobs, each a list of override
strings, read from a JSON file (``hydra.sweeper.jobs_file``, written by
:func:`sim.sweep.jobs.write_jobs_file`; :func:`sim.api.sweep` writes it into
``<sweep dir>/.sweep/jobs.json``). The command line's own overrides come first in every
job (their sweeps, if any, crossed with the list: :func:`sim.sweep.jobs.listed_jobs`).
Everything else is the basic sweeper's: the same launchers, the same callback, the same
batches (``max_batch_size``). With ``checked: true`` (set by :func:`sim.api.sweep`, which
has composed and checked every job) the jobs are not composed a second time before the
launch, as with the ``checked`` sweeper.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sim.sweep.hydra_compat import basic_sweeper_class
from sim.sweep.jobs import listed_jobs, read_jobs_file

__all__ = ["JobsSweeper"]


class JobsSweeper(basic_sweeper_class()):  # type: ignore[misc]
    """Hydra's basic sweeper over an explicit list of jobs (a JSON file).

    Args:
        jobs_file: the file of jobs (``{"jobs": [[override, ...], ...]}``).
        checked: every job was composed and checked before Hydra started.
        max_batch_size: as the basic sweeper's.
    """

    def __init__(
        self, jobs_file: str, checked: bool = False, max_batch_size: int | None = None
    ) -> None:
        super().__init__(max_batch_size=max_batch_size, params=None)
        self.jobs_file = jobs_file
        self.checked = checked
        self._arguments: list[str] = []

    def sweep(self, arguments: list[str]) -> Any:
        """Run the listed jobs, each after the command line's overrides."""
        self._arguments = list(arguments)
        return super().sweep(arguments)

    def split_arguments(self, overrides: Any, max_batch_size: int | None) -> list[list[list[str]]]:
        """The batches: the listed jobs after the command line's overrides."""
        jobs = listed_jobs(read_jobs_file(self.jobs_file), self._arguments)
        n = len(jobs) if max_batch_size in (None, -1) else int(max_batch_size)
        return [jobs[i : i + n] for i in range(0, len(jobs), max(n, 1))] or [[]]

    def validate_batch_is_legal(self, batch: Sequence[Sequence[str]]) -> None:
        """Compose every job of the batch first, unless they were all checked already."""
        if not self.checked:
            super().validate_batch_is_legal(batch)
