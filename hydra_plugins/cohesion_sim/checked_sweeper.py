"""The ``checked`` sweeper's class, where Hydra looks for it.

Hydra's basic sweeper composes every job's config before launching a batch, to catch
composition errors early, and the launcher then composes each job again to run it.
``cohesion-sim`` has already composed and checked every job of the command line before
Hydra starts (:func:`sim.cli.check_command`), so when it picks this sweeper it skips that
first composition and otherwise behaves as the basic sweeper, job for job (its settings
are the basic sweeper's, configs/hydra/sweeper/checked.yaml).

The CLI picks it (``hydra/sweeper=checked``) only for a sweep whose every job it checked
and that would run on the basic sweeper: not when the command line names a sweeper, not
for an experiment's own sweeper, and not for jobs that set Hydra's own keys (Hydra
composes those itself). Chosen by hand, it skips the early check; each job's config is
still composed and checked when it is launched.
"""

from __future__ import annotations

from collections.abc import Sequence

from sim.sweep.hydra_compat import basic_sweeper_class

__all__ = ["CheckedSweeper"]


class CheckedSweeper(basic_sweeper_class()):  # type: ignore[misc]
    """Hydra's basic sweeper without the early composition of jobs already checked."""

    def validate_batch_is_legal(self, batch: Sequence[Sequence[str]]) -> None:
        """Nothing to do: cohesion-sim checked every job before Hydra started."""
