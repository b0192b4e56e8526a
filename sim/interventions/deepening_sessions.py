"""Deepening sessions: the government meets a partner, and reaches people through it.

The 2018 note's deepening sessions are sessions of local and national government with
partners in society: schools, sports clubs, businesses, social-media platforms, and the
citizens who oppose the arrival of an asylum centre. What comes out of a session works
in two ways:

- it raises the mayor's responsiveness where it is held: the mayor and the partner learn
  each other's networks and concerns, so the mayor's de-escalation capacity c (the share
  of the tension rule's decay the municipality achieves) rises by a share of the room
  left in proportion to the share s of the municipality's citizens the session reaches,
  c -> c + h s (1 - c), with h = ``mayor_gain`` (proportional, so that the same euros
  per citizen do as much for a mayor in a town as in a city);
- it reaches citizens through the partner's network: ``reach`` of the partner's people in
  that municipality, each once, hear what was agreed (a good contact with government at
  one remove, trust t -> t + g (1 - t); a negative g, possible for opponents who feel
  unheard, lowers it, t -> t (1 + g)), may lose prejudice (p -> p (1 - k), kept within 1),
  and count as heard (``model.heard``), so a listening government weighs their views.

Who a partner reaches (the mode): ``schools`` reach citizens aged 15-24 (pupils and
students), ``sports_clubs`` anyone, ``businesses`` citizens aged 25-64, ``platforms``
the platform's users, ``asylum_opponents`` the most prejudiced citizens of the
municipality (those who oppose an asylum centre are reached first). A session is held in
the municipality of the target that has had the fewest sessions so far, the most tense
first (ties: the lower index), while it has partner people left to reach.

No evaluation of such sessions is known: every effect is a judgement with a wide prior
reaching zero, and harm for the opponents' trust (docs/evidence.md).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

import numpy as np

from sim.config import InterventionConfig
from sim.interventions.base import F64, I64, CitizenIntervention, Mask, choose
from sim.interventions.target import select
from sim.params import Param
from sim.population import AGE_BANDS

if TYPE_CHECKING:
    from sim.model import CohesionModel

__all__ = ["DeepeningSessions"]

_MODES = ("schools", "sports_clubs", "businesses", "platforms", "asylum_opponents")


def _per_mode(**values: float) -> dict[str, float]:
    return {m: values.get(m, values["other"]) for m in _MODES}


class DeepeningSessions(CitizenIntervention):
    """Government sessions with a partner (one mode per kind of partner)."""

    kind: ClassVar[str] = "deepening_sessions"
    modes: ClassVar[tuple[str, ...]] = _MODES
    unit: ClassVar[str] = "session"
    default_unit_cost: ClassVar[float] = 2500.0
    unit_cost_source: ClassVar[str] = (
        "judgement: half a day of four civil servants and a facilitator with preparation "
        "and follow-up, about 25 hours at about EUR 100 an hour"
    )
    params: ClassVar[dict[str, Param]] = {
        "reach": Param(
            _per_mode(schools=60.0, platforms=200.0, asylum_opponents=20.0, other=40.0),
            _per_mode(schools=15.0, platforms=50.0, asylum_opponents=5.0, other=10.0),
            _per_mode(schools=180.0, platforms=600.0, asylum_opponents=60.0, other=120.0),
            bounds=(1.0, 100_000.0),
            integer=True,
            source="judgement: how many of a partner's people hear what a session agreed",
            doc="citizens a session reaches through the partner's network",
        ),
        "trust_effect": Param(
            _per_mode(platforms=0.002, other=0.01),
            _per_mode(asylum_opponents=-0.02, other=0.0),
            _per_mode(platforms=0.01, other=0.03),
            bounds=(-1.0, 1.0),
            source=(
                "judgement: half a direct good contact (a contact at one remove); "
                "opponents who feel unheard may lose trust"
            ),
            doc="share g of the room left by which political trust rises, per citizen reached",
        ),
        "prejudice_effect": Param(
            _per_mode(asylum_opponents=0.01, schools=0.005, other=0.0),
            _per_mode(asylum_opponents=-0.02, other=-0.01),
            _per_mode(asylum_opponents=0.04, other=0.02),
            bounds=(-1.0, 1.0),
            source=(
                "judgement: a message carried by one's own school or the opponents' own "
                "representatives; it may harden views (harm) as well as soften them"
            ),
            doc="share k of its level by which prejudice falls, per citizen reached",
        ),
        "mayor_gain": Param(
            0.2,
            0.0,
            0.6,
            source=(
                "judgement: partners reaching every citizen of a municipality close a fifth "
                "of the mayor's capacity gap (training a full team closes about 22%)"
            ),
            doc=(
                "share h of the room left by which the mayor's capacity rises, times the "
                "share of the municipality's citizens a session reaches"
            ),
        ),
    }

    def __init__(
        self, model: CohesionModel, name: str, cfg: InterventionConfig, budget: float
    ) -> None:
        super().__init__(model, name, cfg, budget)
        self.sessions = np.zeros(model.population.n_municipalities, dtype=np.int64)

    def members(self) -> Mask:
        """The partner's people (before the target and who was reached)."""
        pop = self.m.population
        if self.mode == "schools":
            return pop.age_band == AGE_BANDS.index("15-24")
        if self.mode == "businesses":
            return np.isin(pop.age_band, [AGE_BANDS.index("25-44"), AGE_BANDS.index("45-64")])
        if self.mode == "platforms":
            return (self.m.network.online.degree > 0) & (pop.online_share > 0.0)
        return np.ones(pop.size, dtype=bool)

    def eligible_now(self) -> Mask:
        """The partner's people in the target now (for the warnings)."""
        return select(self.m, self.cfg.target) & self.members()

    def deliverable(self) -> int | None:
        """Sessions until every partner person of the target is reached."""
        left = np.bincount(
            self.m.population.municipality[self.eligible_now()],
            minlength=self.m.population.n_municipalities,
        )
        return int(np.ceil(left / int(self.p["reach"])).sum())

    def week(self, capacity: int) -> None:
        """Hold this week's sessions, one municipality at a time; act; record."""
        pop = self.m.population
        u = self.stream.random(pop.size)
        left = self.target & self.members() & ~self.reached
        per_mun = np.bincount(pop.municipality[left], minlength=pop.n_municipalities)
        reach = int(self.p["reach"])
        eligible = int(np.ceil(per_mun / reach).sum())
        key: F64 = pop.prejudice + 1e-9 * u if self.mode == "asylum_opponents" else u
        tension = self.m.tension[pop.neighbourhood]
        mean_t = np.bincount(pop.municipality, weights=tension, minlength=pop.n_municipalities)
        mean_t /= np.maximum(np.bincount(pop.municipality, minlength=pop.n_municipalities), 1)
        size = np.bincount(pop.municipality, minlength=pop.n_municipalities)
        held, chosen = 0, []
        for _ in range(min(capacity, eligible)):
            open_ = np.flatnonzero(per_mun > 0)
            m = open_[np.lexsort((open_, -mean_t[open_], self.sessions[open_]))[0]]
            who = choose(key, left & (pop.municipality == m), reach)
            left[who] = False
            per_mun[m] -= who.shape[0]
            self.sessions[m] += 1
            mun = self.m.municipalities[m]
            gain = self.p["mayor_gain"] * who.shape[0] / size[m]
            mun.mayor_capacity += gain * (1.0 - mun.mayor_capacity)
            chosen.append(who)
            held += 1
        who_all = np.sort(np.concatenate(chosen)) if chosen else np.zeros(0, dtype=np.int64)
        self.act(who_all)
        self.account(capacity, eligible, held)
        self.record_reach(who_all)

    def act(self, who: I64) -> None:
        """Citizens reached through the partner: trust, prejudice, heard."""
        pop = self.m.population
        g, k = self.p["trust_effect"], self.p["prejudice_effect"]
        t = pop.trust[who]
        pop.trust[who] = t + g * (1.0 - t) if g >= 0 else t * (1.0 + g)
        pop.prejudice[who] = np.minimum(1.0, pop.prejudice[who] * (1.0 - k))
        self.m.note_heard(who)
