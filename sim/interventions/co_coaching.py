"""Co-coaching: a vulnerable citizen paired with a civil servant for months.

Citizens with problematic debts, newcomers (refugees) and ex-detainees are paired with
a civil servant who helps them find their way, and who learns from them where policy
meets daily life. The pool of coaches has a weekly capacity in coaching weeks (one
coachee, one week). Each week coachees already in the programme are seen first (in the
order they joined); free places go to vulnerable citizens of the target who have never
been coached, chosen at random (the pool's stream). A coachee stays for
``coaching_weeks`` coaching weeks. Each coaching week is a good contact with an
institution, t -> t + g (1 - t); it raises participation propensity, q -> q + a (1 - q);
and a coachee with problematic debts clears them with probability d that week (the
debt flag is dropped, so the citizen is no longer vulnerable on that count).

What the civil servants learn is not modelled (see listening_government for a
government that listens). All defaults are assumptions, with ranges.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

import numpy as np

from sim.config import InterventionConfig
from sim.interventions.base import F64, I64, CitizenIntervention, choose
from sim.interventions.target import select
from sim.params import Param

if TYPE_CHECKING:
    from sim.model import CohesionModel

__all__ = ["CoCoaching"]


class CoCoaching(CitizenIntervention):
    """Vulnerable citizens coached by civil servants for months."""

    kind: ClassVar[str] = "co_coaching"
    unit: ClassVar[str] = "coaching week"
    default_unit_cost: ClassVar[float] = 150.0
    unit_cost_source: ClassVar[str] = (
        "assumption: about two hours of a civil servant's time a week (meeting and "
        "travel) at about EUR 80 an hour, less for group sessions"
    )
    params: ClassVar[dict[str, Param]] = {
        "coaching_weeks": Param(
            26.0,
            13.0,
            52.0,
            bounds=(1.0, 520.0),
            integer=True,
            source="assumption: 'for months' (the 2018 note); half a year",
            doc="coaching weeks per coachee",
        ),
        "trust_effect": Param(
            0.02,
            0.0,
            0.05,
            source="assumption: a good institutional contact a week (dynamics.trust.good_effect)",
            doc="share g of the room left by which trust rises, per coaching week",
        ),
        "participation_effect": Param(
            0.01,
            0.0,
            0.03,
            source="assumption: finding one's way raises civic participation a little",
            doc="share a of the room left by which participation propensity rises, per week",
        ),
        "debt_resolution": Param(
            0.002,
            0.0,
            0.01,
            basis="proxy",
            source=(
                "judgement from Dutch debt help (NVVK 2016): a settlement is reached in 41% "
                "of applications and 64% of settlements are completed, after about three "
                "years; so about 5% debt-free within half a year of coaching (90%: 0 to 23%)"
            ),
            doc="chance per coaching week that a coachee's problematic debts are cleared",
        ),
    }

    def __init__(
        self, model: CohesionModel, name: str, cfg: InterventionConfig, budget: float
    ) -> None:
        super().__init__(model, name, cfg, budget)
        n = model.population.size
        self.remaining = np.zeros(n, dtype=np.int64)
        self.joined = np.full(n, np.iinfo(np.int64).max, dtype=np.int64)

    def deliverable(self) -> int | None:
        """Vulnerable citizens of the target now, each for the coaching weeks."""
        now = select(self.m, self.cfg.target) & self.m.population.vulnerable
        return int(now.sum()) * int(self.p["coaching_weeks"])

    def week(self, capacity: int) -> None:
        """Coach the continuing coachees first, fill free places with new ones."""
        pop = self.m.population
        n = pop.size
        u_pick = self.stream.random(n)
        u_debt = self.stream.random(n)
        continuing = np.flatnonzero(self.remaining > 0)
        continuing = continuing[np.argsort(self.joined[continuing], kind="stable")]
        new_eligible = self.target & pop.vulnerable & ~self.reached
        eligible = int(continuing.shape[0] + new_eligible.sum())
        kept = continuing[:capacity]
        new = choose(u_pick, new_eligible, capacity - kept.shape[0])
        self.remaining[new] = int(self.p["coaching_weeks"])
        self.joined[new] = self.m.steps
        who = np.sort(np.concatenate([kept, new]))
        self.act(who, u_debt)
        self.remaining[who] -= 1
        self.account(capacity, eligible, int(who.shape[0]))
        self.record_reach(who)

    def act(self, who: I64, u_debt: F64 | None = None) -> None:
        """One coaching week for each of ``who``."""
        pop = self.m.population
        p = self.p
        pop.trust[who] += p["trust_effect"] * (1.0 - pop.trust[who])
        self.m.note_heard(who)  # what coaches hear reaches a listening government
        pop.participation[who] += p["participation_effect"] * (1.0 - pop.participation[who])
        if u_debt is not None:
            cleared = who[pop.debt[who] & (u_debt[who] < p["debt_resolution"])]
            pop.debt[cleared] = False
