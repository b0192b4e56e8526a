"""Interventions: the policy levers of the 2018 note, one module per kind, and a registry.

A policy (configs/policy/) is a budget and a package of interventions. Each
intervention is a registered kind:

- ``canvassing``: civil servants door to door, ``standard`` or ``deep`` conversations;
- ``co_coaching``: vulnerable citizens coached by a civil servant for months;
- ``mayor_training``: de-escalation training for mayors and their teams;
- ``dialogue_sessions``: cross-group sessions, self-selected (``open``) or ``outreach``;
- ``platform_measures``: less algorithmic bias and diverse recommendations;
- ``listening_government``: client councils and work visits; a government that listens;
- ``deepening_sessions``: government sessions with partners (schools, sports clubs,
  businesses, platforms, opponents of an asylum centre), reaching people through them.

The kinds are looked up in :data:`INTERVENTIONS` (:class:`sim.registry.Registry`):
the built-in ones, kinds registered in-process with ``INTERVENTIONS.register(name,
cls)``, and kinds that installed packages declare as entry points of the group
``cohesion_sim.interventions`` (docs/architecture.md shows one). The model builds the
policy after the burn-in (:func:`build_policy`), so interventions never act during it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sim.adaptive import Monitor
from sim.interventions.base import CitizenIntervention, Intervention
from sim.interventions.canvassing import Canvassing
from sim.interventions.co_coaching import CoCoaching
from sim.interventions.deepening_sessions import DeepeningSessions
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
            DeepeningSessions,
        )
    },
)


@dataclass
class Policy:
    """The interventions of the run's policy (each a Mesa agent, stepped each week).

    Attributes:
        name: the policy's name.
        budget: euros available within the run, in all (the config's intensity times
            the run's citizens and years, or its total).
        interventions: the interventions, each with its share of the budget.
        warnings: parts of the config the run cannot honour, one line each.
        monitor: the survey and triggers, if any intervention is adaptive.
    """

    name: str
    budget: float
    interventions: list[Intervention]
    warnings: list[str] = field(default_factory=list)
    monitor: Monitor | None = None

    @property
    def spent(self) -> float:
        """Euros spent so far by all interventions."""
        return sum(iv.spent for iv in self.interventions)

    def accounts(self) -> dict[str, Any]:
        """Euros available, spent and left, in all and per intervention (for run.json)."""
        return {
            "available": round(self.budget, 2),
            "spent": round(self.spent, 2),
            "left": round(self.budget - self.spent, 2),
            "interventions": {
                iv.name: {
                    "available": round(iv.budget, 2),
                    "spent": round(iv.spent, 2),
                    "units": iv.units,
                    "unit": iv.unit,
                    "unit_cost": iv.cost,
                }
                for iv in self.interventions
            },
        }


def build_policy(model: CohesionModel) -> Policy:
    """Create the policy's interventions (as Mesa agents of ``model``).

    The budget in euros is fixed here, from the config's intensity (euros per 1,000
    citizens per year) and the run's citizens and weeks, or its total.
    """
    cfg = model.cfg.policy
    total = cfg.total(model.population.size, model.cfg.steps)
    # the monitor is made first, so Mesa steps it before the interventions each week
    adaptive = any(iv.trigger is not None for iv in cfg.interventions.values())
    monitor = Monitor(model, cfg) if adaptive else None
    made = [
        INTERVENTIONS[iv.kind](model, name, iv, total * iv.share)
        for name, iv in cfg.interventions.items()
    ]
    warnings = [w for iv in made for w in iv.warnings()]
    return Policy(cfg.name, total, made, warnings, monitor)
