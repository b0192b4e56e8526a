"""From a composed config to a checked :class:`~sim.config.RunConfig`, once, at the edge.

:func:`prepare` is what the CLI task, the Python API and every sweep worker call before
a run: it types the composed config (refusing unknown keys and code), applies the values
of its calibration member (:mod:`sim.calibration.ensemble`), then the run's point of the
uncertainty design, and checks every range against the registered kinds of
interventions, shocks and extra rules. The model takes only what it returns.

The future's drivers (factors on model inputs) are checked here and applied by the
model when it is built, so the config a run records (and its ``config_hash``) is the
config as given, with the factors.
"""

from __future__ import annotations

from typing import Any

from omegaconf import DictConfig

from sim.calibration.ensemble import apply_calibration
from sim.config import RunConfig
from sim.config_checks import Kinds, check, typed
from sim.dynamics import RULES
from sim.interventions import INTERVENTIONS
from sim.shocks import SHOCKS
from sim.uncertainty import apply_uncertainty, uncertainty_values

__all__ = ["kinds", "load_plugins", "prepare", "sampled_values"]


def kinds() -> Kinds:
    """The registered kinds a config may name."""
    return Kinds(interventions=INTERVENTIONS, shocks=SHOCKS, rules=list(RULES))


def load_plugins(*, force: bool = False) -> None:
    """Read the plug-ins of every registry (again, with ``force``, after an install)."""
    for registry in (INTERVENTIONS, SHOCKS, RULES):
        registry.load_plugins(force=force)


def prepare(cfg: DictConfig | RunConfig) -> RunConfig:
    """A composed (or typed) config, typed, with its sampled values applied, and checked.

    Raises:
        ConfigError: naming the first key that is out of range, and what is allowed.
    """
    calibrated, _ = apply_calibration(typed(cfg))
    return check(apply_uncertainty(calibrated, INTERVENTIONS), kinds())


def sampled_values(cfg: RunConfig) -> dict[str, Any]:
    """The values this run's point of the uncertainty design sets, by config key."""
    return uncertainty_values(cfg, INTERVENTIONS)
