"""The ``checked`` sweeper's class, where Hydra looks for it.

Hydra's basic sweeper composes every job's config before launching a batch, to catch
composition errors early, and the launcher then composes each job again to run it.
``cohesion-sim`` has already composed and checked every job of the command line before
Hydra starts (:func:`sim.cli.prevalidate`, which records the jobs it checked with
:func:`sim.sweep.jobs.mark_checked`), so this sweeper skips the first composition for
exactly those jobs and otherwise behaves as the basic sweeper, job for job. A batch
with any job that was not checked that way (a sweep started without the CLI's check) is
composed as the basic sweeper would.

The CLI picks it (``hydra/sweeper=checked``, configs/hydra/sweeper/checked.yaml) for a
sweep that would run on the basic sweeper, unless the command line names a sweeper;
a sweeper chosen by an experiment is kept.
"""

from __future__ import annotations

from collections.abc import Sequence

from hydra._internal.core_plugins.basic_sweeper import BasicSweeper

__all__ = ["CheckedSweeper"]


class CheckedSweeper(BasicSweeper):
    """Hydra's basic sweeper without its second composition of already checked jobs."""

    def validate_batch_is_legal(self, batch: Sequence[Sequence[str]]) -> None:
        """Compose the batch's jobs as the basic sweeper does, unless all were checked."""
        from sim.sweep.jobs import was_checked

        if not all(was_checked(job) for job in batch):
            super().validate_batch_is_legal(batch)
