"""What every intervention shares: a capacity-limited team on Mesa's clock, with accounts.

An intervention is a Mesa agent (a canvassing team, a pool of coaches, a trainer, ...)
stepped at the start of each week by ``model.agents.do("step")``. It acts from week
``start`` to week ``end`` (clipped to the run's horizon). The budget is the one source of
truth: its weekly capacity is budget / (unit cost x active weeks) units, unless a
capacity is fixed, and fractional capacities carry over from week to week, so the
units over the whole programme are exactly floor(budget / unit cost). Spending never
exceeds the budget. Each active week it logs (``model.log``) its capacity, the number
of eligible units, the contacts made (= min(capacity, eligible)), the euros spent
(= contacts x unit cost) and, for citizens, who was reached by group and vulnerability.

Randomness: an intervention draws only from its own stream
``model.streams["intervention:<name>"]``, a fixed amount every active week, so a run
with the policy and the run without draw the same numbers for everything else
(common random numbers, :mod:`sim.streams`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import TYPE_CHECKING, ClassVar

import mesa
import numpy as np
from numpy.typing import NDArray

from sim.config import InterventionConfig, RunConfig
from sim.evidence import Prior
from sim.interventions.target import select
from sim.params import Param, resolve

if TYPE_CHECKING:
    from sim.model import CohesionModel

__all__ = ["CitizenIntervention", "Intervention", "choose", "sampling_keys"]

F64 = NDArray[np.float64]
I64 = NDArray[np.int64]
Mask = NDArray[np.bool_]

_EPS = 1e-9


def sampling_keys(u: F64, w: F64 | None) -> F64:
    """Keys for a random choice: ``u`` itself, or log(u) / w for weights ``w``.

    The largest keys are a weighted random choice without replacement (Efraimidis &
    Spirakis 2006); a weight of 0 gives -inf, chosen only when nobody else is left.
    """
    if w is None:
        return u
    with np.errstate(divide="ignore"):
        return np.where(w > 0, np.log(u) / np.where(w > 0, w, 1.0), -np.inf)


def choose(key: F64, eligible: Mask, k: int) -> I64:
    """The (at most) ``k`` eligible citizens with the largest keys, in index order."""
    idx = np.flatnonzero(eligible)
    if k <= 0:
        return np.zeros(0, dtype=np.int64)
    if k >= idx.shape[0]:
        return idx.astype(np.int64)
    top = np.argpartition(-key[idx], k - 1)[:k]
    return np.sort(idx[top]).astype(np.int64)


class Intervention(mesa.Agent):
    """A policy lever acting each week within its window (subclass per kind).

    Subclasses declare, as class attributes: ``kind`` (the registry name), ``modes``
    (the first is the default), ``params`` (effect parameters as :class:`Param`),
    ``unit`` (what one unit of capacity is), ``default_unit_cost`` (euros per unit, a
    number or one per mode) and ``unit_cost_source``; and implement :meth:`week`.

    Args:
        model: the model.
        name: the intervention's name in the policy (keys its stream and metrics).
        cfg: its config.
        budget: euros it may spend (its share of the policy budget).

    Attributes:
        mode: the mode it runs in.
        p: the effect parameters (declared defaults, overridden by the config).
        cost: euros per unit.
        first, last: the first and last week it acts (last < first: never).
        rate: units per week (before carrying fractions over); an adaptive one acts
            at most at this rate, only in the weeks it is triggered somewhere, so it
            never spends more than its fixed counterpart.
        active_weeks: weeks it has acted so far.
        adaptive: whether it has a trigger (acts where the survey triggered it).
        spent: euros spent so far.
        units: units delivered so far.
    """

    kind: ClassVar[str] = ""
    #: Whether it acts on citizens and so can act in some scopes only (an adaptive
    #: intervention, with a trigger, acts only where the survey triggered it).
    scoped: ClassVar[bool] = False
    modes: ClassVar[tuple[str, ...]] = ("default",)
    params: ClassVar[dict[str, Param]] = {}
    unit: ClassVar[str] = "contact"
    default_unit_cost: ClassVar[float | Mapping[str, float]] = 1.0
    unit_cost_source: ClassVar[str] = ""
    #: The unit cost's 90% interval as factors on the default (cost_reason says why).
    cost_range: ClassVar[tuple[float, float]] = (0.6, 2.0)
    cost_reason: ClassVar[str] = (
        "judgement: a civil servant's hour costs about EUR 50 to 160 with overheads "
        "(the government's tariffs were not read here), and how long a unit takes, with "
        "doors not opened and invitations declined, is itself uncertain; skewed upwards "
        "as cost estimates of new programmes are"
    )

    def __init__(
        self, model: CohesionModel, name: str, cfg: InterventionConfig, budget: float
    ) -> None:
        super().__init__(model)
        self.m: CohesionModel = model
        self.name = name
        self.cfg = cfg
        self.mode = cfg.mode or self.modes[0]
        self.p = resolve(f"policy.interventions.{name}.effect", self.params, cfg.effect, self.mode)
        self.cost = (
            float(cfg.unit_cost) if cfg.unit_cost is not None else self.unit_cost_for(self.mode)
        )
        self.budget = float(budget)
        horizon = model.cfg.steps
        self.first = cfg.start
        self.last = min(cfg.end if cfg.end is not None else horizon, horizon)
        self.weeks = max(0, self.last - self.first + 1)
        if cfg.capacity is not None:
            self.rate = float(cfg.capacity)
        else:
            self.rate = self.budget / (self.cost * self.weeks) if self.weeks else 0.0
        self.spent = 0.0
        self.units = 0
        self.active_weeks = 0
        self.adaptive = cfg.trigger is not None
        self.started = False
        self.finished = False
        self.stream = model.streams[f"intervention:{name}"]

    # ------------------------------------------------------------ declared data
    @classmethod
    def unit_cost_for(cls, mode: str) -> float:
        """The default euros per unit in ``mode``."""
        c = cls.default_unit_cost
        return float(c[mode]) if isinstance(c, Mapping) else float(c)

    @classmethod
    def unit_cost_prior(cls, mode: str) -> Prior:
        """The prior of the unit cost in ``mode``.

        The default is its median and ``cost_range`` times it its 90% interval (a
        judgement until tariffs are read, docs/evidence.md).
        """
        cost = cls.unit_cost_for(mode)
        low, high = cls.cost_range
        return Prior(cost, low * cost, high * cost, (0.0, math.inf), "judgement", cls.cost_reason)

    @classmethod
    def check(cls, key: str, cfg: InterventionConfig, run: RunConfig) -> None:
        """Check the kind-specific parts of a config (its effect parameters)."""
        resolve(f"{key}.effect", cls.params, cfg.effect, cfg.mode or cls.modes[0])

    # ------------------------------------------------------------ the week
    def step(self) -> None:
        """Act if this week is in the window; on the week after it, wind down."""
        week = self.m.steps
        if week > self.last:
            if self.started and not self.finished:
                self.finished = True
                self.finish()
            return
        if week < self.first:
            return
        monitor = self.m.policy.monitor if self.adaptive else None
        if monitor is not None and not monitor.any_active(self.name):
            return  # triggered nowhere this week: neither acts nor spends
        if not self.started:
            self.started = True
            self.begin()
        if monitor is not None:
            self.rescope(monitor.mask(self.name))
        self.active_weeks += 1
        k = self.active_weeks  # weeks it has acted, this one included
        allowance = math.floor(self.rate * k + _EPS) - math.floor(self.rate * (k - 1) + _EPS)
        affordable = math.floor((self.budget - self.spent) / self.cost + _EPS)
        self.week(max(0, min(allowance, affordable)))

    def begin(self) -> None:
        """Called once, in the first active week, before acting (e.g. select targets)."""

    def rescope(self, where: Mask) -> None:
        """Act this week only on citizens in ``where`` (an adaptive intervention's scopes)."""

    def deliverable(self) -> int | None:
        """The most units it could deliver in its window, judged from the state now.

        None where no bound is known. Used only to warn, at the start of a run, of a
        budget that cannot be spent; the accounts count what was delivered.
        """
        return None

    def warnings(self) -> list[str]:
        """One line for each part of its config the run cannot honour."""
        key = f"policy.interventions.{self.name}"
        horizon = self.m.cfg.steps
        out = []
        if self.cfg.start > horizon:
            out.append(
                f"{key}.start: week {self.cfg.start} is after the run's last week "
                f"({horizon}), so it never acts"
            )
        elif self.cfg.end is not None and self.cfg.end > horizon:
            out.append(
                f"{key}.end: week {self.cfg.end} is after the run's last week ({horizon}); "
                f"it acts until week {horizon} and spends its budget in those weeks"
            )
        if not self.weeks or self.budget <= 0:
            return out
        if self.budget + _EPS < self.cost:
            out.append(
                f"{key}: its EUR {self.budget:,.0f} buys not one {self.unit} "
                f"(EUR {self.cost:,.0f} each), so it never acts: raise the budget"
            )
            return out
        if self.adaptive:  # what it can deliver depends on where it will be triggered
            return out
        most = self.deliverable()
        if self.cfg.capacity is not None:
            by_capacity = math.floor(self.rate * self.weeks + _EPS)
            most = by_capacity if most is None else min(most, by_capacity)
        if most is not None and (most + 1) * self.cost <= self.budget + _EPS:
            out.append(
                f"{key}: at most {most:,} {self.unit}s can be delivered "
                f"(EUR {most * self.cost:,.0f} of its EUR {self.budget:,.0f}); the rest "
                "stays unspent: widen the target, lower the budget or set a fixed capacity"
            )
        return out

    def finish(self) -> None:
        """Called once, the week after the last active week (e.g. undo temporary effects)."""

    def week(self, capacity: int) -> None:
        """Deliver at most ``capacity`` units this week, and record them."""
        raise NotImplementedError

    # ------------------------------------------------------------ accounts
    def account(self, capacity: int, eligible: int, contacts: int) -> None:
        """Log the week's capacity, eligible units, contacts and euros; book the spending."""
        if contacts > min(capacity, eligible):
            raise RuntimeError(f"{self.name}: {contacts} contacts exceed min(capacity, eligible)")
        euros = contacts * self.cost
        self.spent += euros
        self.units += contacts
        log = self.m.log
        log(f"{self.name}.capacity", "all", capacity)
        log(f"{self.name}.eligible", "all", eligible)
        log(f"{self.name}.contacts", "all", contacts)
        log(f"{self.name}.euros", "all", euros)


class CitizenIntervention(Intervention):
    """An intervention whose units are contacts with citizens of its target.

    Each active week it draws one uniform number per citizen from its stream (a fixed
    amount), and reaches the ``capacity`` eligible citizens with the largest keys: the
    numbers themselves (a random choice), or, where :meth:`weights` gives weights, keys
    log(u) / w (a weighted random choice without replacement, Efraimidis & Spirakis
    2006), e.g. for self-selection.

    Attributes:
        target: the citizens it may reach (fixed when it starts; for an adaptive
            intervention, those of them in the scopes triggered this week).
        selected: the citizens its target config selected when it started.
        reached: citizens reached so far.
    """

    #: Whether a citizen can be reached at most once.
    once: ClassVar[bool] = True
    scoped = True

    def __init__(
        self, model: CohesionModel, name: str, cfg: InterventionConfig, budget: float
    ) -> None:
        super().__init__(model, name, cfg, budget)
        n = model.population.size
        self.target: Mask = np.zeros(n, dtype=bool)
        self.selected: Mask = np.zeros(n, dtype=bool)
        self.reached: Mask = np.zeros(n, dtype=bool)

    def begin(self) -> None:
        """Fix the target from the state in the first active week."""
        self.selected = select(self.m, self.cfg.target)
        self.target = self.selected

    def rescope(self, where: Mask) -> None:
        """The target this week: the selected citizens in the triggered scopes."""
        self.target = self.selected & where

    def deliverable(self) -> int | None:
        """Citizens of the target now (once each), or those times the active weeks."""
        size = int(self.eligible_now().sum())
        return size if self.once else size * self.weeks

    def eligible_now(self) -> Mask:
        """Who the target would hold if it started now (for the warnings)."""
        return select(self.m, self.cfg.target)

    def eligible(self) -> Mask:
        """Who may be reached this week."""
        return self.target & ~self.reached if self.once else self.target.copy()

    def weights(self) -> F64 | None:
        """Selection weights (>= 0) per citizen, or None for a uniform random choice."""
        return None

    def week(self, capacity: int) -> None:
        """Choose this week's contacts, act on them, record them."""
        n = self.m.population.size
        u = self.stream.random(n)
        elig = self.eligible()
        who = choose(sampling_keys(u, self.weights()), elig, capacity)
        self.act(who)
        self.account(capacity, int(elig.sum()), int(who.shape[0]))
        self.record_reach(who)

    def act(self, who: I64) -> None:
        """Apply the effect to this week's contacts ``who`` (draws: fixed sizes only)."""
        raise NotImplementedError

    def record_reach(self, who: I64) -> None:
        """Log this week's contacts and the citizens reached so far, by group and vulnerability."""
        pop = self.m.population
        log = self.m.log
        new = who[~self.reached[who]]
        self.reached[new] = True
        reached = np.flatnonzero(self.reached)
        for metric, idx in ((f"{self.name}.contacts", who), (f"{self.name}.reached", reached)):
            if metric.endswith(".reached"):
                log(metric, "all", idx.shape[0])
            counts = np.bincount(pop.group[idx], minlength=len(pop.group_names))
            for g, gname in enumerate(pop.group_names):
                log(metric, f"group:{gname}", int(counts[g]))
            vul = int(pop.vulnerable[idx].sum())
            log(metric, "vulnerable:yes", vul)
            log(metric, "vulnerable:no", idx.shape[0] - vul)
