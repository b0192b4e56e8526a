"""The ``parallel`` launcher's class, where Hydra looks for it.

The code is in :mod:`sim.sweep.launcher`: Hydra's joblib launcher that goes on when a
worker process dies.
"""

from __future__ import annotations

from typing import Any

from hydra.core.utils import JobReturn
from hydra_plugins.hydra_joblib_launcher.joblib_launcher import JoblibLauncher

__all__ = ["ParallelLauncher"]


class ParallelLauncher(JoblibLauncher):
    """Hydra's joblib launcher that survives a killed worker (:func:`sim.sweep.launcher.launch`)."""

    def launch(self, job_overrides: Any, initial_job_idx: int) -> list[JobReturn]:
        """Run the jobs on joblib workers; the returns, in the jobs' order."""
        from sim.sweep.launcher import launch

        return launch(self, job_overrides, initial_job_idx)
