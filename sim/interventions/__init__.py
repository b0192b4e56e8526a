"""Interventions: the policy levers of the 2018 note, one module per kind, and a registry.

A policy (configs/policy/) is a budget and a package of interventions. Each
intervention is a registered kind:

- ``canvassing``: civil servants door to door, ``standard`` or ``deep`` conversations;
- ``co_coaching``: vulnerable citizens coached by a civil servant for months;
- ``mayor_training``: de-escalation training for mayors and their teams;
- ``dialogue_sessions``: cross-group sessions, self-selected (``open``) or ``outreach``;
- ``platform_measures``: less algorithmic bias and diverse recommendations;
- ``listening_government``: client councils and work visits; a government that listens.

The kinds are looked up in :data:`INTERVENTIONS` (:class:`sim.registry.Registry`):
the built-in ones, kinds registered in-process with ``INTERVENTIONS.register(name,
cls)``, and kinds that installed packages declare as entry points of the group
``cohesion_sim.interventions`` (docs/architecture.md shows one). The model builds the
policy after the burn-in (:func:`build_policy`), so interventions never act during it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from sim.interventions.base import CitizenIntervention, Intervention
from sim.interventions.canvassing import Canvassing
from sim.interventions.co_coaching import CoCoaching
from sim.interventions.dialogue_sessions import DialogueSessions
from sim.interventions.listening_government import ListeningGovernment
from sim.interventions.mayor_training import MayorTraining
from sim.interventions.platform_measures import PlatformMeasures
from sim.params import Param
from sim.registry import Registry

if TYPE_CHECKING:
    from sim.model import CohesionModel

__all__ = [
    "INTERVENTIONS",
    "CitizenIntervention",
    "Intervention",
    "Param",
    "Policy",
    "build_policy",
]


def _is_kind(obj: object) -> bool:
    return isinstance(obj, type) and issubclass(obj, Intervention)


#: Every intervention kind, by name: built in, registered in-process, from plug-ins.
INTERVENTIONS: Registry[type[Intervention]] = Registry(
    "intervention",
    "cohesion_sim.interventions",
    _is_kind,
    {
        cls.kind: cls
        for cls in (
            Canvassing,
            CoCoaching,
            MayorTraining,
            DialogueSessions,
            PlatformMeasures,
            ListeningGovernment,
        )
    },
)


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
    made = [
        INTERVENTIONS[iv.kind](model, name, iv, cfg.budget * iv.share)
        for name, iv in cfg.interventions.items()
    ]
    return Policy(cfg.name, cfg.budget, made)
