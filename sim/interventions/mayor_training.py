"""Mayor training: de-escalation training for mayors and their crisis teams.

The training offer for mayors (how to handle polarisation in one's municipality, how
to de-escalate) is extended to the municipal team around each mayor (aldermen, the
police chief, neighbourhood officers): ``team_size`` places per municipality that has
citizens in the target. The trainer (a Mesa agent) trains as many people per week as
its capacity allows, one place at a time to the municipality with the highest mean
tension that still has places (ties: the lower index). Each person trained raises the
mayor's de-escalation capacity c (the share of the tension rule's decay rate the
municipality achieves) by a share h of the room left, c -> c + h (1 - c), from the
week of training on; 25 trainees at h = 0.01 take c from 0.5 to about 0.61.

No evaluation of training for mayors is known: h is a judgement with a wide prior that
reaches zero, scaled from police de-escalation training (docs/evidence.md). Not
captured: training decaying, staff turnover, mayors' other tools (emergency ordinances,
mediation), and whether calmer streets follow from capacity.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

import numpy as np

from sim.config import InterventionConfig
from sim.interventions.base import Intervention
from sim.interventions.target import select
from sim.params import Param

if TYPE_CHECKING:
    from sim.model import CohesionModel

__all__ = ["MayorTraining"]


class MayorTraining(Intervention):
    """De-escalation training for mayors and their teams (units: trainees)."""

    kind: ClassVar[str] = "mayor_training"
    unit: ClassVar[str] = "trainee"
    default_unit_cost: ClassVar[float] = 5000.0
    unit_cost_source: ClassVar[str] = (
        "assumption: a multi-day de-escalation course with exercises, about EUR 5,000 a "
        "participant including the participant's time"
    )
    params: ClassVar[dict[str, Param]] = {
        "team_size": Param(
            25.0,
            10.0,
            50.0,
            bounds=(1.0, 10_000.0),
            integer=True,
            source="assumption: mayor, aldermen, police chief, neighbourhood officers",
            doc="places per municipality",
        ),
        "capacity_gain": Param(
            0.01,
            0.0,
            0.04,
            basis="proxy",
            source=(
                "judgement: no evaluation of training for mayors is known; police "
                "de-escalation training cut use of force by 28% in one trial (Engel et al. "
                "2022); a full team of 25 closes about 22% of the capacity gap (90%: 0 to 64%)"
            ),
            doc="share h of the room left by which the mayor's capacity rises, per trainee",
        ),
    }

    def __init__(
        self, model: CohesionModel, name: str, cfg: InterventionConfig, budget: float
    ) -> None:
        super().__init__(model, name, cfg, budget)
        k = model.population.n_municipalities
        self.places = np.zeros(k, dtype=np.int64)
        self.trained = np.zeros(k, dtype=np.int64)

    def begin(self) -> None:
        """Open ``team_size`` places in each municipality with citizens in the target."""
        pop = self.m.population
        mask = select(self.m, self.cfg.target)
        targeted = np.unique(pop.municipality[mask])
        self.places[targeted] = int(self.p["team_size"])

    def deliverable(self) -> int | None:
        """Places in the municipalities with citizens in the target now."""
        mask = select(self.m, self.cfg.target)
        return int(np.unique(self.m.population.municipality[mask]).shape[0]) * int(
            self.p["team_size"]
        )

    def municipal_tension(self) -> np.ndarray:
        """Citizen-weighted mean tension per municipality."""
        pop = self.m.population
        k = pop.n_municipalities
        here = self.m.tension[pop.neighbourhood]
        total = np.bincount(pop.municipality, weights=here, minlength=k)
        return total / np.maximum(np.bincount(pop.municipality, minlength=k), 1)

    def week(self, capacity: int) -> None:
        """Train up to ``capacity`` people where tension is highest; log by municipality."""
        left = self.places - self.trained
        eligible = int(left.sum())
        contacts = min(capacity, eligible)
        tension = self.municipal_tension()
        order = np.lexsort((np.arange(tension.shape[0]), -tension))
        this_week = np.zeros_like(self.trained)
        todo = contacts
        for m in order:
            if todo == 0:
                break
            take = int(min(todo, left[m]))
            this_week[m] = take
            todo -= take
        gain = self.p["capacity_gain"]
        for m in np.flatnonzero(this_week):
            mun = self.m.municipalities[m]
            closed = 1.0 - (1.0 - gain) ** int(this_week[m])
            mun.mayor_capacity += closed * (1.0 - mun.mayor_capacity)
        self.trained += this_week
        self.account(capacity, eligible, contacts)
        for m in np.flatnonzero(self.places):
            scope = self.m.population.municipality_scope(int(m))
            self.m.log(f"{self.name}.contacts", scope, int(this_week[m]))
            self.m.log(f"{self.name}.reached", scope, int(self.trained[m]))
