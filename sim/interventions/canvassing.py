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
elections is zero. The deep-mode k is the value for which a simulated version of
Broockman & Kalla's (2016) randomised trial (canvass a random half of a sample; compare
feeling thermometers, 100 (1 - p), a week and three months later) gives the about 10
thermometer points they report, lasting three months (:mod:`sim.analysis.studies`,
tests/test_interventions.py). Standard mode does not address prejudice (k = 0).
"""

from __future__ import annotations

from typing import ClassVar

from sim.interventions.base import I64, CitizenIntervention
from sim.params import Param

__all__ = ["DEEP_PREJUDICE_EFFECT", "Canvassing"]

#: Deep-mode prejudice effect k, calibrated by sim.analysis.studies.calibrate on the
#: default town (see docs/interventions.md for the run that produced it).
DEEP_PREJUDICE_EFFECT = 0.28


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
            {"standard": 0.0, "deep": 0.5 * DEEP_PREJUDICE_EFFECT},
            {"standard": 0.05, "deep": 1.5 * DEEP_PREJUDICE_EFFECT},
            source=(
                "deep: calibrated to Broockman & Kalla (2016), about 10 thermometer "
                "points lasting 3 months; standard: assumption, a doorstep conversation "
                "does not address prejudice"
            ),
            doc="share k of its level by which prejudice falls, per conversation",
        ),
    }

    def act(self, who: I64) -> None:
        """Trust up, opinion towards the government (persuasion), prejudice down."""
        pop = self.m.population
        p = self.p
        pop.trust[who] += p["trust_effect"] * (1.0 - pop.trust[who])
        gov = self.m.government.position
        pop.opinion[who] += p["persuasion"] * (gov - pop.opinion[who])
        pop.prejudice[who] -= p["prejudice_effect"] * pop.prejudice[who]
