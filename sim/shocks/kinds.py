"""The built-in shock kinds (each documented in its class and in docs/interventions.md)."""

from __future__ import annotations

from typing import ClassVar

import numpy as np
from numpy.typing import NDArray

from sim.network import replace_follows
from sim.params import Param
from sim.shocks.base import Occurrence, Shock, log, per_week

__all__ = [
    "AsylumCentre",
    "DiasporaTension",
    "Disinformation",
    "Downturn",
    "Rally",
    "ReferendumOverridden",
    "Scandal",
]

F64 = NDArray[np.float64]


class ReferendumOverridden(Shock):
    """A referendum whose outcome the government sets aside.

    At the onset citizens of the scope vote: each turns out with probability
    (participation propensity) x (the parliament factor of
    ``dynamics.participation``) x ``turnout_factor`` (a draw per citizen from the
    shock's stream), that is ``turnout_factor`` times its chance of voting in a general
    election, and votes yes if their opinion is above 0.5. The government then overrides
    the majority. Those who voted for the overridden outcome lose a share ``trust_loss``
    of their trust and a share ``participation_loss`` of their participation
    propensity ("my vote does not count"); those who share that view but did not vote
    lose ``bystander_share`` of that trust loss; the other side loses nothing. Logs the
    turnout (also as ``turnout_referendum``, for all and per municipality), the yes
    share and the outcome (1 = yes).
    """

    kind: ClassVar[str] = "referendum_overridden"
    scopes: ClassVar[tuple[str, ...]] = ("all", "municipality")
    params: ClassVar[dict[str, Param]] = {
        "turnout_factor": Param(
            0.4,
            0.3,
            0.6,
            source="Dutch 2016 Ukraine-EU referendum: 32.3% turnout (Kiesraad), against "
            "81.6% at the 2017 general election: 0.40",
            doc="turnout as a share of the turnout at a general election",
        ),
        "trust_loss": Param(
            0.2,
            0.05,
            0.4,
            source="assumption",
            doc="share of trust lost by those who voted for the overridden outcome",
        ),
        "bystander_share": Param(
            0.25,
            0.0,
            0.5,
            source="assumption",
            doc="share of that loss for those who share the view but did not vote",
        ),
        "participation_loss": Param(
            0.1,
            0.0,
            0.3,
            source="assumption",
            doc="share of participation propensity lost by those who voted for it",
        ),
    }

    def start(self, occ: Occurrence) -> None:
        """Hold the vote, override it, and hit the trust of the overridden side."""
        pop = self.model.population
        u = self.stream.random(pop.size)
        p = self.p
        general = self.model.cfg.dynamics.participation.parliament_factor
        voted = occ.mask & (u < np.minimum(1.0, pop.participation * general) * p["turnout_factor"])
        yes = pop.opinion > 0.5
        n_voted = int(voted.sum())
        yes_share = float((voted & yes).sum()) / max(n_voted, 1)
        won = yes if yes_share > 0.5 else ~yes
        voters = voted & won
        bystanders = occ.mask & won & ~voted
        pop.trust[voters] *= 1.0 - p["trust_loss"]
        pop.trust[bystanders] *= 1.0 - p["trust_loss"] * p["bystander_share"]
        pop.participation[voters] *= 1.0 - p["participation_loss"]
        occ.state.update(voted=voted, won=won)
        week = occ.week
        log(
            self.model,
            week,
            f"shock.{self.name}.turnout",
            occ.scope,
            n_voted / max(int(occ.mask.sum()), 1),
        )
        self.model.log_turnout("turnout_referendum", voted, occ.mask, week)
        log(self.model, week, f"shock.{self.name}.yes_share", occ.scope, yes_share)
        log(self.model, week, f"shock.{self.name}.outcome_yes", occ.scope, float(yes_share > 0.5))


class AsylumCentre(Shock):
    """The announcement of an asylum centre in one municipality.

    Each week it lasts, every neighbourhood of the municipality gets a tension input
    ``tension`` (tension T -> T + s (1 - T), in the tension rule) and the prejudice of
    the municipality's majority group (the population's first group) rises by a share of
    the room left, p -> p + ``majority_prejudice`` (1 - p). Elsewhere nothing happens.
    """

    kind: ClassVar[str] = "asylum_centre"
    scopes: ClassVar[tuple[str, ...]] = ("municipality",)
    default_duration: ClassVar[int] = 8
    params: ClassVar[dict[str, Param]] = {
        "tension": Param(
            0.05,
            0.02,
            0.1,
            source="assumption: protests over weeks, as after announcements in 2015-2016",
            doc="weekly tension input s in the municipality's neighbourhoods",
        ),
        "majority_prejudice": Param(
            0.02,
            0.005,
            0.05,
            source="assumption",
            doc="weekly rise of the majority's prejudice, as a share of the room left",
        ),
    }

    def weekly(self, occ: Occurrence, k: int) -> None:
        """Tension input in the municipality; the majority's prejudice rises there."""
        pop = self.model.population
        self.model.shock_tension[self.nb_mask(occ.mask)] += self.p["tension"]
        hit = occ.mask & (pop.group == 0)
        pop.prejudice[hit] += self.p["majority_prejudice"] * (1.0 - pop.prejudice[hit])


class DiasporaTension(Shock):
    """Tension within one group over a conflict abroad (e.g. a coup attempt at home).

    Each week it lasts, members of the group move a share ``polarisation`` of the way
    to the pole on their side of the group's median opinion (0 below it, 1 at or
    above), so the group's opinions spread; members' prejudice rises by a share
    ``prejudice_rise`` of the room left, and other citizens' by ``spill`` times that;
    the prejudice towards Muslims of citizens outside the group who are not Muslim rises
    by ``islamophobia`` times the group's share of Muslims; neighbourhoods get a tension
    input ``tension`` times the group's share of their citizens.
    """

    kind: ClassVar[str] = "diaspora_tension"
    scopes: ClassVar[tuple[str, ...]] = ("group",)
    default_duration: ClassVar[int] = 12
    params: ClassVar[dict[str, Param]] = {
        "polarisation": Param(
            0.03,
            0.01,
            0.06,
            source="assumption",
            doc="weekly share of the way to the pole of one's side of the group median",
        ),
        "prejudice_rise": Param(
            0.01,
            0.005,
            0.03,
            source="assumption",
            doc="weekly rise of members' prejudice, as a share of the room left",
        ),
        "spill": Param(
            0.5,
            0.0,
            1.0,
            source="assumption",
            doc="the rise for other citizens, as a share of the members' rise",
        ),
        "tension": Param(
            0.02,
            0.0,
            0.05,
            source="assumption",
            doc="weekly tension input per unit of the group's share of a neighbourhood",
        ),
        "islamophobia": Param(
            0.005,
            0.0,
            0.015,
            source="assumption (half the members' prejudice rise, as spill)",
            doc="weekly rise of others' prejudice towards Muslims, times the group's "
            "Muslim share, as a share of the room left",
        ),
    }

    def weekly(self, occ: Occurrence, k: int) -> None:
        """Polarise the group; prejudice up between groups; tension where they live."""
        pop = self.model.population
        p = self.p
        members = occ.mask
        x = pop.opinion
        if members.any():
            median = float(np.median(x[members]))
            pole = (x[members] >= median).astype(np.float64)
            x[members] += p["polarisation"] * (pole - x[members])
        rise = np.where(members, p["prejudice_rise"], p["prejudice_rise"] * p["spill"])
        pop.prejudice += rise * (1.0 - pop.prejudice)
        if members.any():
            muslim_share = float(pop.muslim[members].mean())
            out = ~members & ~pop.muslim
            pm = pop.prejudice_muslims
            pm[out] += p["islamophobia"] * muslim_share * (1.0 - pm[out])
        n_nb = pop.n_neighbourhoods
        share = np.bincount(pop.neighbourhood[members], minlength=n_nb) / np.maximum(
            np.bincount(pop.neighbourhood, minlength=n_nb), 1
        )
        self.model.shock_tension += p["tension"] * share


class Scandal(Shock):
    """An institutional scandal that hits the vulnerable (as the benefits scandal did).

    Over the weeks it lasts, citizens who were vulnerable at the onset lose a share
    ``vulnerable_loss`` of their trust in all, others a share ``others_loss`` (spread
    evenly, compounding weekly).
    """

    kind: ClassVar[str] = "scandal"
    scopes: ClassVar[tuple[str, ...]] = ("all", "municipality")
    default_duration: ClassVar[int] = 4
    params: ClassVar[dict[str, Param]] = {
        "vulnerable_loss": Param(
            0.3,
            0.1,
            0.5,
            source="assumption; CBS trust in the Tweede Kamer fell from 53% (2020) to 42% "
            "(2021), the year the benefits scandal brought down the cabinet",
            doc="share of trust the vulnerable lose over the scandal",
        ),
        "others_loss": Param(
            0.05,
            0.0,
            0.1,
            source="assumption",
            doc="share of trust other citizens lose over the scandal",
        ),
    }

    def start(self, occ: Occurrence) -> None:
        """Fix who counts as vulnerable: those vulnerable at the onset."""
        occ.state["vulnerable"] = occ.mask & self.model.population.vulnerable

    def weekly(self, occ: Occurrence, k: int) -> None:
        """This week's part of the trust loss."""
        pop = self.model.population
        vul = occ.state["vulnerable"]
        others = occ.mask & ~vul
        pop.trust[vul] *= 1.0 - per_week(self.p["vulnerable_loss"], self.duration)
        pop.trust[others] *= 1.0 - per_week(self.p["others_loss"], self.duration)


class Downturn(Shock):
    """An economic downturn: more citizens fall into problematic debt, and distrust.

    Each week it lasts, each citizen of the scope without problematic debts falls into
    them with the weekly probability that compounds to ``debt_rise`` over the downturn
    (a draw per citizen from the shock's stream). The newly indebted lose a share
    ``trust_loss`` of their trust at once; being vulnerable now, they also meet
    institutions more often and fare worse there (the trust rule), so their trust
    keeps falling. Logs the newly indebted per week.
    """

    kind: ClassVar[str] = "downturn"
    scopes: ClassVar[tuple[str, ...]] = ("all", "municipality")
    default_duration: ClassVar[int] = 26
    params: ClassVar[dict[str, Param]] = {
        "debt_rise": Param(
            0.05,
            0.02,
            0.1,
            source="assumption; CBS counts problematic debts in about 8% of households",
            doc="share of the non-indebted who fall into problematic debt over the downturn",
        ),
        "trust_loss": Param(
            0.1,
            0.0,
            0.2,
            source="assumption, after Kroknes, Jakobsen & Gronning (2015): economic "
            "hardship lowers political trust",
            doc="share of trust the newly indebted lose when they fall into debt",
        ),
    }

    def start(self, occ: Occurrence) -> None:
        """Start a record of who fell into debt."""
        occ.state["newly"] = np.zeros(self.model.population.size, dtype=bool)

    def weekly(self, occ: Occurrence, k: int) -> None:
        """This week's fall into debt and its trust loss."""
        pop = self.model.population
        u = self.stream.random(pop.size)
        new = occ.mask & ~pop.debt & (u < per_week(self.p["debt_rise"], self.duration))
        pop.debt[new] = True
        pop.trust[new] *= 1.0 - self.p["trust_loss"]
        occ.state["newly"] |= new
        log(
            self.model, occ.week + k, f"shock.{self.name}.newly_indebted", occ.scope, int(new.sum())
        )


class Disinformation(Shock):
    """A disinformation wave: the platforms' algorithmic bias rises while it lasts.

    For the weeks it lasts, ``bias_rise`` is added to gamma, the bias with which
    online partners are picked (P(j) ~ |x_i - x_j|^-gamma, Sirbu et al. 2019), so online
    encounters turn more like-minded; and the amplified content steers follows: each
    week each platform user (online follows, online share above 0), with probability
    ``like_minded_follow`` times their online share, replaces a follow outside their
    confidence bound by one inside it (drawn at random). The bias returns after; the
    follows stay as they are, for the bubbles rule to undo or not.
    """

    kind: ClassVar[str] = "disinformation"
    default_duration: ClassVar[int] = 12
    params: ClassVar[dict[str, Param]] = {
        "bias_rise": Param(
            1.0,
            0.5,
            2.0,
            bounds=(0.0, 100.0),
            source="assumption; in Sirbu et al. (2019) opinion fragmentation grows with "
            "gamma above about 1",
            doc="added to the algorithmic bias gamma while the wave lasts",
        ),
        "like_minded_follow": Param(
            0.1,
            0.02,
            0.2,
            source="assumption",
            doc="weekly chance (times the online share) that a user's discordant follow "
            "is replaced by a like-minded one",
        ),
    }

    def start(self, occ: Occurrence) -> None:
        """Raise the bias."""
        self.future.set_bias(f"shock:{self.name}:{occ.week}", add=self.p["bias_rise"])

    def weekly(self, occ: Occurrence, k: int) -> None:
        """Like-minded recommendations replace some discordant follows."""
        pop = self.model.population
        n = pop.size
        u_go = self.stream.random(n)
        u_entry = self.stream.random(n)
        u_cand = self.stream.random(n)
        go = np.flatnonzero(occ.mask & (u_go < self.p["like_minded_follow"] * pop.online_share))
        replace_follows(
            self.model.network.online,
            pop.opinion,
            pop.confidence,
            go,
            u_entry,
            u_cand,
            outside=False,
        )

    def end(self, occ: Occurrence) -> None:
        """The bias returns."""
        self.future.clear_bias(f"shock:{self.name}:{occ.week}")


class Rally(Shock):
    """A rally round the flag: trust jumps in a common crisis, then ebbs away.

    At the onset every citizen of the scope gains trust t -> t + u (1 - t), with the
    uplift u found (by bisection, from the state at that moment) so that the share
    with trust above 0.5 (the model's reading of "trusts parliament") rises by
    ``share_rise``: 14 points, as CBS measured from 44% in 2020 Q1 to 58% in Q2. The
    same premium lifts each citizen's dispositional trust (the level the trust rule
    pulls trust back to), and that premium ebbs with a half-life of ``half_life``
    weeks, so trust follows it down; what is left after the rally's duration goes at
    once. Logs the uplift.
    """

    kind: ClassVar[str] = "rally"
    scopes: ClassVar[tuple[str, ...]] = ("all", "municipality")
    default_duration: ClassVar[int] = 208
    params: ClassVar[dict[str, Param]] = {
        "share_rise": Param(
            0.14,
            0.07,
            0.2,
            source="CBS: 44% trusted the Tweede Kamer in 2020 Q1, 58% in Q2",
            doc="rise of the share with trust above 0.5 at the onset",
        ),
        "half_life": Param(
            52.0,
            13.0,
            104.0,
            bounds=(1.0, 10_000.0),
            source="CBS: 53.2% over 2020 (44% in Q1, 58% in Q2) puts the second half "
            "near 55%, so most of the premium lasted the year",
            doc="weeks in which half of the premium on dispositional trust ebbs away",
        ),
    }

    @staticmethod
    def uplift(trust: F64, rise: float) -> float:
        """The u for which the share of ``trust`` above 0.5 rises by ``rise`` (at most to 1)."""
        if trust.shape[0] == 0:
            return 0.0
        goal = min(1.0, float((trust > 0.5).mean()) + rise)
        lo, hi = 0.0, 1.0
        for _ in range(60):
            mid = 0.5 * (lo + hi)
            if float((trust + mid * (1.0 - trust) > 0.5).mean()) >= goal:
                hi = mid
            else:
                lo = mid
        return hi

    def start(self, occ: Occurrence) -> None:
        """Lift trust and dispositional trust; remember each citizen's premium."""
        pop = self.model.population
        u = self.uplift(pop.trust[occ.mask], self.p["share_rise"])
        lift = np.where(occ.mask, u * (1.0 - pop.trust), 0.0)
        pop.trust += lift
        premium = np.minimum(lift, 1.0 - pop.trust_base)
        pop.trust_base += premium
        occ.state["premium"] = premium
        log(self.model, occ.week, f"shock.{self.name}.uplift", occ.scope, u)

    def weekly(self, occ: Occurrence, k: int) -> None:
        """After the onset week, part of the premium on dispositional trust ebbs away."""
        if k == 0:
            return
        premium = occ.state["premium"]
        ebb = premium * (1.0 - 0.5 ** (1.0 / self.p["half_life"]))
        pop = self.model.population
        pop.trust_base -= ebb
        premium -= ebb

    def end(self, occ: Occurrence) -> None:
        """What is left of the premium goes."""
        pop = self.model.population
        pop.trust_base -= occ.state["premium"]
        occ.state["premium"][:] = 0.0


#: The built-in shock kinds, by name.
