"""Interventions: the policy levers of the 2018 note, one module per kind, and a registry.

A policy (configs/policy/) is a budget and a package of interventions. Each
intervention is a registered kind:

- ``canvassing``: civil servants door to door, ``standard`` or ``deep`` conversations;
- ``co_coaching``: vulnerable citizens coached by a civil servant for months;
- ``mayor_training``: de-escalation training for mayors and their teams;
- ``dialogue_sessions``: cross-group sessions, self-selected (``open``) or ``outreach``;
- ``platform_measures``: less algorithmic bias and diverse recommendations;
- ``listening_government``: client councils and work visits; a government that listens.

Kinds from other packages join through the ``cohesion_sim.interventions`` entry point
group (and rules through ``cohesion_sim.rules``), see :mod:`sim.interventions.plugins`.
The model builds the policy after the burn-in (:func:`build_policy`), so interventions
never act during it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from sim.config import PolicyConfig
from sim.interventions.base import CitizenIntervention, Intervention
from sim.interventions.canvassing import Canvassing
from sim.interventions.co_coaching import CoCoaching
from sim.interventions.dialogue_sessions import DialogueSessions
from sim.interventions.listening_government import ListeningGovernment
from sim.interventions.mayor_training import MayorTraining
from sim.interventions.params import Param
from sim.interventions.platform_measures import PlatformMeasures
from sim.interventions.plugins import load_plugins, plugin_interventions, plugin_rules

if TYPE_CHECKING:
    from sim.model import CohesionModel

__all__ = [
    "BUILTIN",
    "CitizenIntervention",
    "Intervention",
    "Param",
    "Policy",
    "build_policy",
    "intervention_kinds",
    "load_plugins",
    "register_intervention",
    "rule_names",
    "uncertainties",
]

#: The built-in kinds, by name.
BUILTIN: dict[str, type[Intervention]] = {
    cls.kind: cls
    for cls in (
        Canvassing,
        CoCoaching,
        MayorTraining,
        DialogueSessions,
        PlatformMeasures,
        ListeningGovernment,
    )
}
_registered: dict[str, type[Intervention]] = {}


def register_intervention(cls: type[Intervention], name: str | None = None) -> None:
    """Register an intervention kind in-process (plug-ins use entry points instead).

    Args:
        cls: an :class:`Intervention` subclass.
        name: the kind's name (default ``cls.kind``).
    """
    key = name or cls.kind
    if not key:
        raise ValueError("an intervention kind needs a name")
    if key in intervention_kinds():
        raise ValueError(f"an intervention named {key!r} is already registered")
    _registered[key] = cls


def intervention_kinds() -> dict[str, type[Intervention]]:
    """Every registered kind: built-in, registered in-process, and from plug-ins."""
    return {**plugin_interventions(), **_registered, **BUILTIN}


def rule_names() -> list[str]:
    """Rules from plug-ins, which a future may switch on with ``scenario.rules``."""
    return plugin_rules()


@dataclass
class Policy:
    """The interventions of the run's policy (each a Mesa agent, stepped each week)."""

    name: str
    budget: float
    interventions: list[Intervention]

    @property
    def spent(self) -> float:
        """Euros spent so far by all interventions."""
        return sum(iv.spent for iv in self.interventions)


def build_policy(model: CohesionModel) -> Policy:
    """Create the policy's interventions (as Mesa agents of ``model``)."""
    cfg = model.cfg.policy
    kinds = intervention_kinds()
    made = [
        kinds[iv.kind](model, name, iv, cfg.budget * iv.share)
        for name, iv in cfg.interventions.items()
    ]
    return Policy(cfg.name, cfg.budget, made)


def uncertainties(policy: PolicyConfig) -> dict[str, tuple[float, float]]:
    """The uncertainty range of every effect parameter of a policy, by config key.

    Keys are ``policy.interventions.<name>.effect.<param>``, for sampling in a sweep.
    """
    kinds = intervention_kinds()
    out: dict[str, tuple[float, float]] = {}
    for name, iv in policy.interventions.items():
        cls = kinds[iv.kind]
        mode = iv.mode or cls.modes[0]
        for pname, spec in cls.params.items():
            out[f"policy.interventions.{name}.effect.{pname}"] = spec.range(mode)
    return out
