"""Canvassing: civil servants go door to door, for a standard or a deep conversation.

Each week the canvassing team has as many conversations as its capacity allows, each
with a citizen of its target who has not been canvassed yet, chosen at random (the
team's own stream). A conversation is a good contact with an institution, so trust
rises by a share g of the room left, t -> t + g (1 - t); it may move the citizen's
opinion a share s of the way to the government's position (persuasion), x -> x +
s (x_gov - x); and, in ``deep`` mode (a non-judgmental exchange of experiences that
invites perspective taking), it lowers prejudice towards out-groups by a share k of its
level, p -> p (1 - k). The prejudice rule then pulls prejudice back towards the
citizen's dispositional level only slowly, so the change lasts for months.

Defaults: persuasion s = 0, as Kalla & Broockman (2018) find in 49 field experiments
that the best estimate of the persuasive effect of campaign contact in general
elections is zero. The deep-mode k is the median of its prior, derived from the studies
(docs/evidence.md, :mod:`sim.analysis.evidence`): the random-effects pool of Broockman &
Kalla (2016) and the three experiments of Kalla & Broockman (2020) gives d = 0.115 three
to four months on, and k is the value at which a simulated version of their trial
(canvass a random half; compare prejudice 13 weeks later in control-group standard
deviations) gives it. The prior reaches harm (k < 0: prejudice rises, kept within 1).
Standard mode does not address prejudice (k = 0).
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np

from sim.interventions.base import I64, CitizenIntervention
from sim.params import Param

__all__ = ["DEEP_PREJUDICE_EFFECT", "DEEP_PREJUDICE_RANGE", "Canvassing"]

#: Deep-mode prejudice effect k: the median of its prior and its 90% interval, derived
#: on the default town by sim.analysis.evidence.derive_deep_canvassing (docs/evidence.md).
DEEP_PREJUDICE_EFFECT = 0.030
DEEP_PREJUDICE_RANGE = (-0.074, 0.134)


class Canvassing(CitizenIntervention):
    """Door-to-door conversations by civil servants (modes ``standard``, ``deep``)."""

    kind: ClassVar[str] = "canvassing"
    modes: ClassVar[tuple[str, ...]] = ("standard", "deep")
    unit: ClassVar[str] = "conversation"
    default_unit_cost: ClassVar[dict[str, float]] = {"standard": 25.0, "deep": 60.0}
    unit_cost_source: ClassVar[str] = (
        "assumption: about EUR 80 an hour for a civil servant's time; a standard "
        "doorstep conversation costs about 20 minutes of canvassing (doors not opened "
        "included), a deep one (about ten minutes of talk, Broockman & Kalla 2016) about 45"
    )
    params: ClassVar[dict[str, Param]] = {
        "trust_effect": Param(
            0.02,
            0.0,
            0.05,
            source="assumption: a good institutional contact (dynamics.trust.good_effect)",
            doc="share g of the room left by which trust rises, per conversation",
        ),
        "persuasion": Param(
            0.0,
            0.0,
            0.02,
            source="Kalla & Broockman (2018): persuasion by campaign contact is about zero",
            doc="share s of the distance to the government's position an opinion moves",
        ),
        "prejudice_effect": Param(
            {"standard": 0.0, "deep": DEEP_PREJUDICE_EFFECT},
            {"standard": 0.0, "deep": DEEP_PREJUDICE_RANGE[0]},
            {"standard": 0.05, "deep": DEEP_PREJUDICE_RANGE[1]},
            bounds=(-1.0, 1.0),
            basis={"standard": "judgement", "deep": "evidence"},
            source=(
                "deep: random-effects pool of Broockman & Kalla (2016) and Kalla & "
                "Broockman (2020), d = 0.115, mapped by a simulated trial "
                "(docs/evidence.md); standard: judgement, a doorstep conversation does "
                "not address prejudice"
            ),
            doc="share k of its level by which prejudice falls, per conversation",
        ),
    }

    def act(self, who: I64) -> None:
        """Trust up, opinion towards the government (persuasion), prejudice down."""
        pop = self.m.population
        p = self.p
        pop.trust[who] += p["trust_effect"] * (1.0 - pop.trust[who])
        self.m.note_heard(who)  # what canvassers hear reaches a listening government
        gov = self.m.government.position
        pop.opinion[who] += p["persuasion"] * (gov - pop.opinion[who])
        pop.prejudice[who] = np.minimum(1.0, pop.prejudice[who] * (1.0 - p["prejudice_effect"]))
