"""Shocks: the events of a future, scheduled on Mesa's event schedule.

A future (configs/scenario/) is a set of driver settings (factors on model inputs,
applied before the burn-in, :func:`sim.config.apply_drivers`) and shocks. A shock is
a registered kind that starts at a given week, or at random weeks drawn at a weekly
rate from its own stream, strikes everyone, one municipality (named, or drawn at
random) or one group, and lasts a number of weeks. Each occurrence is an event on
Mesa's schedule between week w - 1 and week w (time w - 0.5), so it acts before week
w's rules run, and it schedules its own weekly events while it lasts. The model builds
the future after the burn-in (:func:`build_future`), so shocks never act during it.

Randomness: a shock draws only from its own streams: its onset weeks and random places
once, at a fixed size (one number per week of the horizon), from a generator derived
from ``shock:<name>:onsets``; within an occurrence, a fixed amount per week from
``model.streams["shock:<name>"]``. A policy never changes when or where a shock
strikes.

Kinds (each documented in its class and in docs/interventions.md):
``referendum_overridden``, ``asylum_centre``, ``diaspora_tension``, ``scandal``,
``downturn``, ``disinformation``, ``rally``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np
from numpy.typing import NDArray

from sim.config import RunConfig, ShockConfig
from sim.interventions.follows import replace_follows
from sim.interventions.params import Param, resolve

if TYPE_CHECKING:
    from sim.model import CohesionModel

__all__ = [
    "SHOCKS",
    "Future",
    "Occurrence",
    "Shock",
    "build_future",
    "register_shock",
    "shock_kinds",
]

F64 = NDArray[np.float64]
Mask = NDArray[np.bool_]


def _log(model: CohesionModel, week: int, metric: str, scope: str, value: float) -> None:
    """A tidy row at ``week`` (events run between weeks, before ``model.steps`` moves on)."""
    model.events.append((int(week), metric, scope, float(value)))


def _per_week(total: float, weeks: int) -> float:
    """The weekly share whose compound over ``weeks`` weeks is ``total``."""
    return 1.0 - (1.0 - total) ** (1.0 / weeks)


class Occurrence:
    """One occurrence of a shock: where, from which week, and its own state."""

    def __init__(self, shock: Shock, week: int, scope: str, mask: Mask) -> None:
        self.shock = shock
        self.week = week
        self.scope = scope
        self.mask = mask
        self.k = 0
        self.state: dict[str, NDArray[Any]] = {}

    def begin(self) -> None:
        """The onset (an event at week - 0.5): log, start, and the first week's effect."""
        s = self.shock
        _log(s.model, self.week, f"shock.{s.name}", self.scope, 1.0)
        s.start(self)
        self.tick()

    def tick(self) -> None:
        """This week's effect; then schedule the next week, or the end."""
        s = self.shock
        s.weekly(self, self.k)
        self.k += 1
        at = self.week + self.k - 0.5
        if self.k < s.duration:
            s.model.schedule_event(self.tick, at=at)
        else:
            s.model.schedule_event(self.end, at=at)

    def end(self) -> None:
        """After the last week (an event before the first week after it)."""
        self.shock.end(self)


class Shock:
    """A shock kind (subclass per kind) and its configured instance in a future.

    Subclasses declare ``kind``, ``scopes`` (which of ``all``, ``municipality``,
    ``group`` they accept), ``params`` (as :class:`Param`) and ``default_duration``, and
    implement any of :meth:`start`, :meth:`weekly`, :meth:`end`.
    """

    kind: ClassVar[str] = ""
    scopes: ClassVar[tuple[str, ...]] = ("all",)
    params: ClassVar[dict[str, Param]] = {}
    default_duration: ClassVar[int] = 1

    def __init__(self, future: Future, name: str, cfg: ShockConfig) -> None:
        self.future = future
        self.model = future.model
        self.name = name
        self.cfg = cfg
        self.p = resolve(f"scenario.shocks.{name}.effect", self.params, cfg.effect, "default")
        self.duration = cfg.duration if cfg.duration is not None else self.default_duration
        self.stream = self.model.streams[f"shock:{name}"]
        self.occurrences: list[Occurrence] = []

    @classmethod
    def check(cls, key: str, cfg: ShockConfig, run: RunConfig) -> None:
        """Check the kind-specific parts of a config (its effect parameters)."""
        resolve(f"{key}.effect", cls.params, cfg.effect, "default")

    def onsets(self, horizon: int) -> list[tuple[int, str]]:
        """(week, scope) of every occurrence within the horizon (fixed-size draws).

        The draws come from a generator of their own, derived from the shock's name and
        not kept among the model's streams, so a state captured after the model is built
        (:mod:`sim.state`) and a model started from it agree on when shocks strike.
        """
        cfg = self.cfg
        kind, _, value = cfg.scope.partition(":")
        seq = self.model.streams.seed_sequence(f"shock:{self.name}:onsets")
        draws = np.random.Generator(np.random.PCG64(seq))
        if cfg.rate is not None:
            starts = np.flatnonzero(draws.random(horizon) < cfg.rate) + 1
        else:
            assert cfg.week is not None
            starts = np.array([cfg.week] if cfg.week <= horizon else [], dtype=np.int64)
        if kind == "municipality" and value == "random":
            k = self.model.population.n_municipalities
            drawn = draws.integers(0, k, max(horizon, 1))
            return [(int(w), f"municipality:{drawn[w - 1]}") for w in starts]
        return [(int(w), cfg.scope) for w in starts]

    def mask(self, scope: str) -> Mask:
        """The citizens a scope covers."""
        pop = self.model.population
        kind, _, value = scope.partition(":")
        if kind == "municipality":
            return pop.municipality == int(value)
        if kind == "group":
            return pop.group == pop.group_names.index(value)
        return np.ones(pop.size, dtype=bool)

    def start(self, occ: Occurrence) -> None:
        """The one-off effect at the onset."""

    def weekly(self, occ: Occurrence, k: int) -> None:
        """The effect in week ``occ.week + k`` (k = 0 is the onset week)."""

    def end(self, occ: Occurrence) -> None:
        """Undo temporary effects after the last week."""

    def nb_mask(self, mask: Mask) -> Mask:
        """Neighbourhoods with any citizen in ``mask``."""
        pop = self.model.population
        return np.bincount(pop.neighbourhood[mask], minlength=pop.n_neighbourhoods) > 0


# ------------------------------------------------------------------ the kinds


class ReferendumOverridden(Shock):
    """A referendum whose outcome the government sets aside.

    At the onset citizens of the scope vote: each turns out with probability
    (participation propensity) x ``turnout_factor`` (a draw per citizen from the shock's
    stream) and votes yes if their opinion is above 0.5. The government then overrides
    the majority. Those who voted for the overridden outcome lose a share ``trust_loss``
    of their trust and a share ``participation_loss`` of their participation
    propensity ("my vote does not count"); those who share that view but did not vote
    lose ``bystander_share`` of that trust loss; the other side loses nothing. Logs the
    turnout, the yes share and the outcome (1 = yes).
    """

    kind: ClassVar[str] = "referendum_overridden"
    scopes: ClassVar[tuple[str, ...]] = ("all", "municipality")
    params: ClassVar[dict[str, Param]] = {
        "turnout_factor": Param(
            0.4,
            0.3,
            0.6,
            source="Dutch 2016 Ukraine-EU referendum: 32% turnout, against 82% at the 2017 "
            "general election",
            doc="turnout as a share of the participation propensity",
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
        voted = occ.mask & (u < pop.participation * p["turnout_factor"])
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
        _log(
            self.model,
            week,
            f"shock.{self.name}.turnout",
            occ.scope,
            n_voted / max(int(occ.mask.sum()), 1),
        )
        _log(self.model, week, f"shock.{self.name}.yes_share", occ.scope, yes_share)
        _log(self.model, week, f"shock.{self.name}.outcome_yes", occ.scope, float(yes_share > 0.5))


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
    neighbourhoods get a tension input ``tension`` times the group's share of their
    citizens.
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
        pop.trust[vul] *= 1.0 - _per_week(self.p["vulnerable_loss"], self.duration)
        pop.trust[others] *= 1.0 - _per_week(self.p["others_loss"], self.duration)


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
        new = occ.mask & ~pop.debt & (u < _per_week(self.p["debt_rise"], self.duration))
        pop.debt[new] = True
        pop.trust[new] *= 1.0 - self.p["trust_loss"]
        occ.state["newly"] |= new
        _log(
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
        _log(self.model, occ.week, f"shock.{self.name}.uplift", occ.scope, u)

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
SHOCKS: dict[str, type[Shock]] = {
    cls.kind: cls
    for cls in (
        ReferendumOverridden,
        AsylumCentre,
        DiasporaTension,
        Scandal,
        Downturn,
        Disinformation,
        Rally,
    )
}
_registered: dict[str, type[Shock]] = {}


def register_shock(cls: type[Shock], name: str | None = None) -> None:
    """Register a shock kind in-process (e.g. from a researcher's module)."""
    key = name or cls.kind
    if not key or key in shock_kinds():
        raise ValueError(f"a shock kind needs a new name, got {key!r}")
    _registered[key] = cls


def shock_kinds() -> dict[str, type[Shock]]:
    """Every registered shock kind."""
    return {**_registered, **SHOCKS}


# ------------------------------------------------------------------ the future


class Future:
    """The run's future: its shocks on Mesa's schedule, and the time-varying drivers.

    Attributes:
        name: the future's name.
        shocks: the configured shocks.
    """

    def __init__(self, model: CohesionModel) -> None:
        self.model = model
        cfg = model.cfg.scenario
        self.name = cfg.name
        self._bias_base = float(model.cfg.dynamics.algorithmic_bias)
        self._bias_add: dict[str, float] = {}
        self._bias_factor: dict[str, float] = {}
        kinds = shock_kinds()
        self.shocks: list[Shock] = [
            kinds[sc.kind](self, name, sc) for name, sc in cfg.shocks.items()
        ]
        horizon = model.cfg.steps
        for shock in self.shocks:
            for week, scope in shock.onsets(horizon):
                occ = Occurrence(shock, week, scope, shock.mask(scope))
                shock.occurrences.append(occ)
                model.schedule_event(occ.begin, at=week - 0.5)

    def set_bias(self, key: str, *, add: float = 0.0, factor: float = 1.0) -> None:
        """Set a term of the algorithmic bias: gamma = (base + sum adds) x prod factors."""
        self._bias_add[key] = add
        self._bias_factor[key] = factor
        self._apply_bias()

    def clear_bias(self, key: str) -> None:
        """Remove a term set by :meth:`set_bias`."""
        self._bias_add.pop(key, None)
        self._bias_factor.pop(key, None)
        self._apply_bias()

    def _apply_bias(self) -> None:
        gamma = self._bias_base + sum(self._bias_add.values())
        for f in self._bias_factor.values():
            gamma *= f
        self.model.algorithmic_bias = max(0.0, gamma)


def build_future(model: CohesionModel) -> Future:
    """Build the run's future and put its shocks on the model's event schedule."""
    return Future(model)
