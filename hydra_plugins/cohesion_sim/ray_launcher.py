"""The ``ray_local`` and ``ray_cluster`` launchers' class, where Hydra looks for it.

The code is in :mod:`sim.sweep.launcher`: Hydra's Ray launcher that goes on when a Ray
worker crashes or a node is lost. Defined only when the ``ray`` extra
(hydra-ray-launcher) is installed.
"""

from __future__ import annotations

import importlib.util
from typing import Any

from hydra.core.utils import JobReturn

__all__ = ["RayLauncher"]

if importlib.util.find_spec("hydra_plugins.hydra_ray_launcher") is not None:
    from hydra_plugins.hydra_ray_launcher import ray_launcher as _hydra

    class RayLauncher(_hydra.RayLauncher):
        """Hydra's Ray launcher that survives a lost task (:mod:`sim.sweep.launcher`)."""

        def launch(self, job_overrides: Any, initial_job_idx: int) -> list[JobReturn]:
            """Run the jobs as Ray tasks; the returns, in order (lost ones as ``lost``)."""
            from sim.sweep.launcher import launch_ray

            return launch_ray(self, job_overrides, initial_job_idx)
