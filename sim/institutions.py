"""Institutional actors as Mesa agents: municipalities with their mayor, and the government.

They are few (one per municipality, one government), so they are ordinary Mesa agents
with a ``step``. They draw no random numbers that shape citizen dynamics.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa
import numpy as np

if TYPE_CHECKING:
    from sim.model import CohesionModel

__all__ = ["Government", "Municipality"]


class Municipality(mesa.Agent):
    """A municipality and its mayor.

    Attributes:
        index: the municipality's index in the citizen arrays.
        mayor_capacity: the mayor's de-escalation capacity (0-1); the share of the
            tension rule's decay rate the mayor achieves (see dynamics/tension.py).
    """

    def __init__(self, model: CohesionModel, index: int, mayor_capacity: float) -> None:
        super().__init__(model)
        self.index = index
        self.mayor_capacity = mayor_capacity


class Government(mesa.Agent):
    """The national government: a position on the opinion scale and a responsiveness.

    Each week its position moves a share ``responsiveness`` (0-1) of the way to the
    median citizen opinion (a government that listens moves faster).
    """

    def __init__(self, model: CohesionModel, position: float, responsiveness: float) -> None:
        super().__init__(model)
        self.position = position
        self.responsiveness = responsiveness

    def step(self) -> None:
        """Move the position towards the median opinion."""
        model: CohesionModel = self.model
        median = float(np.median(model.population.opinion))
        self.position += self.responsiveness * (median - self.position)
