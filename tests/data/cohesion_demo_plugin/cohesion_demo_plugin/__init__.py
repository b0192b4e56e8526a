"""An example plug-in: town-hall meetings (an intervention) and rumours (a rule).

Installed, it registers through entry points (see pyproject.toml); a policy file may
then say ``kind: town_hall`` and a scenario file ``rules: [rumours]``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

import numpy as np

from sim.interventions import CitizenIntervention, Param

if TYPE_CHECKING:
    from sim.dynamics import Encounters
    from sim.model import CohesionModel

__all__ = ["TownHall", "rumours"]


class TownHall(CitizenIntervention):
    """Town-hall meetings: each seat is one citizen heard by the mayor once."""

    kind: ClassVar[str] = "town_hall"
    unit: ClassVar[str] = "seat"
    default_unit_cost: ClassVar[float] = 40.0
    unit_cost_source: ClassVar[str] = "example value"
    params: ClassVar[dict[str, Param]] = {
        "trust_effect": Param(0.05, 0.0, 0.1, source="example value", doc="trust gain share"),
    }

    def act(self, who: np.ndarray) -> None:
        """Attendees' trust rises by a share of the room left."""
        t = self.m.population.trust
        t[who] += self.p["trust_effect"] * (1.0 - t[who])


def rumours(model: CohesionModel, encounters: Encounters) -> None:
    """Rumours: citizens who met online this week lose 1% of their trust."""
    online = np.concatenate([encounters.a[encounters.online], encounters.b[encounters.online]])
    model.population.trust[online] *= 0.99
    model.counters["rumours"] += int(online.shape[0])
