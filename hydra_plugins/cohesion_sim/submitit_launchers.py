"""The ``slurm`` and ``slurm_local`` launchers' classes, where Hydra looks for them.

The code is in :mod:`sim.sweep.launcher`: Hydra's submitit launchers that go on when a
Slurm task (or a local process) ends without a result. Defined only when the ``slurm``
extra (hydra-submitit-launcher) is installed.
"""

from __future__ import annotations

import importlib.util
from typing import Any

from hydra.core.utils import JobReturn

__all__ = ["LocalLauncher", "SlurmLauncher"]

if importlib.util.find_spec("hydra_plugins.hydra_submitit_launcher") is not None:
    from hydra_plugins.hydra_submitit_launcher import submitit_launcher as _hydra

    class _Surviving(_hydra.BaseSubmititLauncher):
        """Hydra's submitit launcher that survives a lost task (:mod:`sim.sweep.launcher`)."""

        def __call__(
            self,
            sweep_overrides: list[str],
            job_dir_key: str,
            job_num: int,
            job_id: str,
            singleton_state: dict[Any, Any],
        ) -> JobReturn:
            """Run one job in its task, in the sweep directory of the launching process."""
            from sim.sweep.launcher import submitit_job

            return submitit_job(self, sweep_overrides, job_num, singleton_state)

        def launch(self, job_overrides: Any, initial_job_idx: int) -> list[JobReturn]:
            """Submit the jobs; the returns, in the jobs' order (lost ones as ``lost``)."""
            from sim.sweep.launcher import launch_submitit

            return launch_submitit(self, job_overrides, initial_job_idx)

    class SlurmLauncher(_Surviving):
        """The ``slurm`` launcher: one Slurm array task per run."""

        _EXECUTOR = "slurm"

    class LocalLauncher(_Surviving):
        """The ``slurm_local`` launcher: submitit's local executor, one process per run."""

        _EXECUTOR = "local"
