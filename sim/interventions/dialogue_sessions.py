"""Dialogue sessions: structured cross-group conversations via schools, clubs, employers.

Sessions are organised with schools, sports clubs, businesses, parents and, with
outreach, opponents of a contested local plan (an asylum centre, say). The capacity is
in seats (one citizen, one session); each citizen of the target attends at most once.
Who shows up is self-selected in ``open`` mode: citizens are drawn with weights
q (1 - p), their participation propensity times their openness, so the already
willing come first. In ``outreach`` mode organisers seek out opponents: weights p, the
citizen's prejudice (and a seat costs more). This week's participants sit, in a random
order (the organisers' stream), at tables of ``session_size``. At a table with at
least one other group present, each participant's prejudice falls by a share k of its
level, p -> p (1 - k) (intergroup contact under Allport's conditions: equal status,
common goal, support of authorities), and opinions move a share m towards the table's
mean, x -> x + m (mean - x) (deliberation).

Default k: the value for which a simulated randomised trial (a random half of a
sample attends one session; prejudice compared four weeks later, standardised by the
control group's spread) gives d = 0.39, the mean effect of the 27 randomised contact
studies with delayed outcomes meta-analysed by Paluck, Green & Green (2019), in line
with Pettigrew & Tropp's (2006) r = -.21 (d of about 0.43) from mostly observational
studies. Paluck et al. find effects on ethnic or racial prejudice substantially weaker,
so the uncertainty range of k reaches down to 0.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np

from sim.interventions.base import F64, I64, CitizenIntervention, choose, sampling_keys
from sim.params import Param

__all__ = ["CONTACT_PREJUDICE_EFFECT", "CONTACT_PREJUDICE_RANGE", "DialogueSessions"]

#: Prejudice effect k of one session: the median of its prior and its 90% interval,
#: derived on the default town by sim.analysis.evidence.derive_contact from a stated
#: judgement of d (docs/evidence.md).
CONTACT_PREJUDICE_EFFECT = 0.047
CONTACT_PREJUDICE_RANGE = (-0.024, 0.107)


class DialogueSessions(CitizenIntervention):
    """Cross-group dialogue sessions (modes ``open``: self-selected; ``outreach``)."""

    kind: ClassVar[str] = "dialogue_sessions"
    modes: ClassVar[tuple[str, ...]] = ("open", "outreach")
    unit: ClassVar[str] = "seat"
    default_unit_cost: ClassVar[dict[str, float]] = {"open": 60.0, "outreach": 120.0}
    unit_cost_source: ClassVar[str] = (
        "assumption: two facilitators for three hours (about EUR 80 an hour) and a "
        "venue, for about 12 participants; outreach to opponents doubles the cost"
    )
    params: ClassVar[dict[str, Param]] = {
        "prejudice_effect": Param(
            CONTACT_PREJUDICE_EFFECT,
            CONTACT_PREJUDICE_RANGE[0],
            CONTACT_PREJUDICE_RANGE[1],
            bounds=(-1.0, 1.0),
            basis="proxy",
            source=(
                "judgement of d = 0.2 (90% -0.1 to 0.45) for one session on ethnic "
                "prejudice, from Paluck, Green & Green (2019; pooled d not read here, "
                "weaker for ethnic prejudice) and harm in Lowe (2021) and Scacco & Warren "
                "(2018), mapped by a simulated trial (docs/evidence.md)"
            ),
            doc="share k of its level by which prejudice falls, per cross-group session",
        ),
        "moderation": Param(
            0.1,
            0.0,
            0.3,
            source="assumption: deliberation moves opinions somewhat towards the table's mean",
            doc="share m of the distance to the table's mean opinion an opinion moves",
        ),
        "session_size": Param(
            12.0,
            8.0,
            20.0,
            bounds=(2.0, 1000.0),
            integer=True,
            source="assumption: a table of about 12",
            doc="participants per table",
        ),
    }

    def weights(self) -> F64:
        """Open: participation x openness (self-selection); outreach: prejudice."""
        pop = self.m.population
        if self.mode == "outreach":
            return pop.prejudice.copy()
        return pop.participation * (1.0 - pop.prejudice)

    def week(self, capacity: int) -> None:
        """Seat this week's participants at tables in a random order; act; record."""
        pop = self.m.population
        n = pop.size
        u = self.stream.random(n)
        u_order = self.stream.random(n)
        elig = self.eligible()
        who = choose(sampling_keys(u, self.weights()), elig, capacity)
        self.act(who[np.argsort(u_order[who], kind="stable")])
        self.account(capacity, int(elig.sum()), int(who.shape[0]))
        self.record_reach(who)

    def act(self, who: I64) -> None:
        """Sessions for ``who``, seated in this order at tables of ``session_size``."""
        if who.shape[0] == 0:
            return
        pop = self.m.population
        size = int(self.p["session_size"])
        table = np.arange(who.shape[0]) // size
        n_tables = int(table[-1]) + 1
        count = np.bincount(table, minlength=n_tables).astype(np.float64)
        g = pop.group[who].astype(np.int64)
        head = g[np.arange(n_tables) * size]  # the group of each table's first seat
        mixed = np.bincount(table, weights=(g != head[table]).astype(np.float64)) > 0
        contact = mixed[table]
        hit = who[contact]
        k = self.p["prejudice_effect"]
        pop.prejudice[hit] = np.minimum(1.0, pop.prejudice[hit] * (1.0 - k))
        self.m.note_bridging(hit)  # a mixed table is a contact across groups that took place
        mean = np.bincount(table, weights=pop.opinion[who], minlength=n_tables) / count
        pop.opinion[who] += self.p["moderation"] * (mean[table] - pop.opinion[who])
