"""Plug-ins: interventions and rules from other installed packages, via entry points.

A researcher adds an intervention or a rule without editing this package: a package of
their own declares entry points in its ``pyproject.toml``::

    [project.entry-points."cohesion_sim.interventions"]
    town_hall = "my_package.town_hall:TownHall"      # an Intervention subclass

    [project.entry-points."cohesion_sim.rules"]
    rumours = "my_package.rumours:rumours"           # fn(model, encounters) -> None

Once the package is installed, a policy file may use ``kind: town_hall``, and a
scenario file may switch the rule on with ``rules: [rumours]`` (a plug-in rule runs
only in the futures that name it, after the built-in rules, so installing a package
never silently changes other runs). Files still name only registered names, never an
import path. Entry points are read once, the first time a registry is used (when a
config is validated).
"""

from __future__ import annotations

import warnings
from importlib.metadata import entry_points
from typing import TYPE_CHECKING

from sim import SimWarning
from sim.dynamics import RULES, Encounters, RuleFn, register_rule

if TYPE_CHECKING:
    from sim.interventions.base import Intervention
    from sim.model import CohesionModel

__all__ = [
    "INTERVENTION_GROUP",
    "RULE_GROUP",
    "load_plugins",
    "plugin_interventions",
    "plugin_rules",
    "unload_plugins",
]

INTERVENTION_GROUP = "cohesion_sim.interventions"
RULE_GROUP = "cohesion_sim.rules"

_interventions: dict[str, type[Intervention]] = {}
_rules: dict[str, RuleFn] = {}
_loaded = False


def _gated(name: str, fn: RuleFn) -> RuleFn:
    """``fn`` run only in futures whose ``scenario.rules`` names it."""

    def rule(model: CohesionModel, encounters: Encounters) -> None:
        if name in model.cfg.scenario.rules:
            fn(model, encounters)

    rule.__name__ = f"plugin_rule_{name}"
    rule.__doc__ = fn.__doc__
    return rule


def _warn(message: str) -> None:
    warnings.warn(message, SimWarning, stacklevel=3)


def load_plugins(*, force: bool = False) -> None:
    """Register the interventions and rules that installed packages declare (once).

    Args:
        force: read the entry points again (after installing a package in-process).
    """
    global _loaded
    if _loaded and not force:
        return
    if force:
        unload_plugins()
    _loaded = True
    from sim.interventions.base import Intervention  # the registry imports this module

    for ep in entry_points(group=INTERVENTION_GROUP):
        try:
            obj = ep.load()
        except Exception as e:
            _warn(f"intervention plug-in {ep.name!r} ({ep.value}) failed to load: {e}")
            continue
        if not (isinstance(obj, type) and issubclass(obj, Intervention)):
            _warn(f"intervention plug-in {ep.name!r} ({ep.value}) is not an Intervention class")
            continue
        _interventions[ep.name] = obj
    for ep in entry_points(group=RULE_GROUP):
        if ep.name in RULES:
            _warn(f"rule plug-in {ep.name!r} clashes with a registered rule; skipped")
            continue
        try:
            fn = ep.load()
        except Exception as e:
            _warn(f"rule plug-in {ep.name!r} ({ep.value}) failed to load: {e}")
            continue
        if not callable(fn):
            _warn(f"rule plug-in {ep.name!r} ({ep.value}) is not callable")
            continue
        register_rule(ep.name, _gated(ep.name, fn))
        _rules[ep.name] = fn


def unload_plugins() -> None:
    """Forget every plug-in (their rules leave the rule registry too)."""
    global _loaded
    for name in _rules:
        RULES.pop(name, None)
    _rules.clear()
    _interventions.clear()
    _loaded = False


def plugin_interventions() -> dict[str, type[Intervention]]:
    """Intervention kinds from plug-ins, by name."""
    load_plugins()
    return dict(_interventions)


def plugin_rules() -> list[str]:
    """Names of the rules from plug-ins."""
    load_plugins()
    return list(_rules)
