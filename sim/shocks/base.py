"""What every shock shares: its occurrences on Mesa's event schedule, and the future.

See :mod:`sim.shocks` for what a shock and a future are, and how they draw their
random numbers.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np
from numpy.typing import NDArray

from sim.config import RunConfig, ShockConfig, week_of
from sim.params import Param, resolve
from sim.registry import Registry

if TYPE_CHECKING:
    from sim.model import CohesionModel

__all__ = ["SHOCKS", "Future", "Occurrence", "Shock", "build_future", "log", "per_week"]

F64 = NDArray[np.float64]
Mask = NDArray[np.bool_]


def log(model: CohesionModel, week: int, metric: str, scope: str, value: float) -> None:
    """A tidy row at ``week`` (events run between weeks, before ``model.steps`` moves on)."""
    model.events.append((int(week), metric, scope, float(value)))


def per_week(total: float, weeks: int) -> float:
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
        log(s.model, self.week, f"shock.{s.name}", self.scope, 1.0)
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
        #: The week it starts: its ``week``, or the week of its ``date`` (below 1 if the
        #: date is before the run's start); None if it is drawn at a rate.
        self.week: int | None = cfg.week
        if cfg.date is not None:
            self.week = week_of(cfg.date, self.model.cfg.start_date)
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
            week = self.week
            assert week is not None
            starts = np.array([week] if 1 <= week <= horizon else [], dtype=np.int64)
        if kind == "municipality" and value == "random":
            k = self.model.population.n_municipalities
            drawn = draws.integers(0, k, max(horizon, 1))
            pop = self.model.population
            return [(int(w), pop.municipality_scope(int(drawn[w - 1]))) for w in starts]
        return [(int(w), cfg.scope) for w in starts]

    def mask(self, scope: str) -> Mask:
        """The citizens a scope covers."""
        pop = self.model.population
        kind, _, value = scope.partition(":")
        if kind == "municipality":
            return pop.municipality == pop.municipality_index(value)
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


def _is_kind(obj: object) -> bool:
    return isinstance(obj, type) and issubclass(obj, Shock)


#: Every shock kind, by name: built in (added by :mod:`sim.shocks.kinds`), registered
#: in-process, or from plug-ins (entry-point group ``cohesion_sim.shocks``).
SHOCKS: Registry[type[Shock]] = Registry("shock", "cohesion_sim.shocks", _is_kind)


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
        self.shocks: list[Shock] = [
            SHOCKS[sc.kind](self, name, sc) for name, sc in cfg.shocks.items()
        ]
        horizon, start = model.cfg.steps, model.cfg.start_date
        self.warnings: list[str] = []
        for shock in self.shocks:
            week0, day = shock.week, shock.cfg.date
            key = f"scenario.shocks.{shock.name}.{'week' if day is None else 'date'}"
            when = f"week {week0}" if day is None else f"{day} (week {week0})"
            if week0 is not None and week0 < 1:
                self.warnings.append(
                    f"{key}: {day} is before the run's start ({start}), so it never strikes"
                )
            elif week0 is not None and week0 > horizon:
                self.warnings.append(
                    f"{key}: {when} is after the run's last week ({horizon}), so it never strikes"
                )
            elif week0 is not None and week0 + shock.duration - 1 > horizon:
                self.warnings.append(
                    f"{key}: it lasts until week {week0 + shock.duration - 1}, after the "
                    f"run's last week ({horizon}); only its first {horizon - week0 + 1} "
                    "weeks are simulated"
                )
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
