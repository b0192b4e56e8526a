"""A listening government: client councils and work visits where citizens are heard.

Civil servants no longer write policy in their towers alone: they sit with client
councils and go on work visits. The capacity is in citizens heard; each citizen of the
target is heard at most once, chosen at random (the programme's stream). Being heard
is a good contact with an institution, t -> t + g (1 - t) (procedural justice: being
heard raises the legitimacy people grant authorities, Tyler 2006). What is heard
reaches the government in two ways while the programme runs, and so does what
canvassers and coaches hear (the 2018 note means canvassing and co-coaching as ways for
civil servants to learn what people think): a citizen heard by any of them counts
(``model.heard``; a judgement: a doorstep conversation counts as much as a council):

- it listens faster: its responsiveness (the share of the way to the citizens' median
  opinion it moves each week) is r0 (1 + a c), where c is the share of the target heard
  so far;
- reached neighbourhoods weigh more: the government moves towards the median opinion
  in which each citizen counts 1 + v h_n, where h_n is the share of their
  neighbourhood heard so far (instead of the plain median the Government agent uses,
  it moves r (M_w - x_gov): the agent's move plus r (M_w - M), with M the same
  median with equal weights).

When the programme ends, the government's responsiveness returns to r0 and every
citizen counts one again. All defaults are assumptions. Not captured: what the
government does with what it hears beyond moving its position.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

import numpy as np

from sim.config import InterventionConfig
from sim.interventions.base import F64, I64, CitizenIntervention
from sim.params import Param

if TYPE_CHECKING:
    from sim.model import CohesionModel

__all__ = ["ListeningGovernment", "weighted_median"]


def weighted_median(x: F64, w: F64) -> float:
    """The smallest x at which the cumulative weight reaches half the total."""
    order = np.argsort(x, kind="stable")
    cw = np.cumsum(w[order])
    i = int(np.searchsorted(cw, 0.5 * cw[-1], side="left"))
    return float(x[order[min(i, x.shape[0] - 1)]])


class ListeningGovernment(CitizenIntervention):
    """Client councils and work visits: citizens heard, a government that moves."""

    kind: ClassVar[str] = "listening_government"
    unit: ClassVar[str] = "citizen heard"
    default_unit_cost: ClassVar[float] = 100.0
    unit_cost_source: ClassVar[str] = (
        "assumption: a work visit of four civil servants for half a day (about EUR 80 "
        "an hour each) hears about a dozen citizens; client councils cost similar"
    )
    params: ClassVar[dict[str, Param]] = {
        "trust_effect": Param(
            0.02,
            0.0,
            0.05,
            source="assumption, after Tyler (2006) on procedural justice: a good "
            "institutional contact (dynamics.trust.good_effect)",
            doc="share g of the room left by which trust rises when heard",
        ),
        "responsiveness_gain": Param(
            1.0,
            0.0,
            3.0,
            bounds=(0.0, 100.0),
            source="assumption: responsiveness doubles once the whole target is heard",
            doc="a in r0 (1 + a c), c the share of the target heard",
        ),
        "voice_weight": Param(
            1.0,
            0.0,
            3.0,
            bounds=(0.0, 100.0),
            source="assumption: a fully heard neighbourhood counts double",
            doc="v in the weight 1 + v h_n of a citizen whose neighbourhood is a share h_n heard",
        ),
    }

    def __init__(
        self, model: CohesionModel, name: str, cfg: InterventionConfig, budget: float
    ) -> None:
        super().__init__(model, name, cfg, budget)
        self.r0 = model.government.responsiveness

    def week(self, capacity: int) -> None:
        """Hear this week's citizens, then correct the government's move of this week."""
        gov = self.m.government
        r_used = gov.responsiveness
        super().week(capacity)
        heard_here = self.m.heard  # its own councils and visits, and canvassers and coaches
        if not heard_here.any():
            return
        pop = self.m.population
        n_nb = pop.n_neighbourhoods
        heard = np.bincount(pop.neighbourhood[heard_here], minlength=n_nb)
        share = heard / np.maximum(np.bincount(pop.neighbourhood, minlength=n_nb), 1)
        w = 1.0 + self.p["voice_weight"] * share[pop.neighbourhood]
        shift = weighted_median(pop.opinion, w) - weighted_median(pop.opinion, np.ones_like(w))
        gov.position += r_used * shift
        coverage = (heard_here & self.target).sum() / max(int(self.target.sum()), 1)
        gov.responsiveness = min(1.0, self.r0 * (1.0 + self.p["responsiveness_gain"] * coverage))

    def act(self, who: I64) -> None:
        """Being heard: trust rises."""
        pop = self.m.population
        pop.trust[who] += self.p["trust_effect"] * (1.0 - pop.trust[who])
        self.m.note_heard(who)

    def finish(self) -> None:
        """The programme ends: responsiveness returns to r0."""
        self.m.government.responsiveness = self.r0
