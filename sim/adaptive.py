"""Adaptive policies: a survey in waves, signposts read from it, triggers per scope.

An intervention with a ``trigger`` (:class:`sim.config.TriggerConfig`) does not act
throughout its window: it acts in the scopes (the whole population, each municipality
or each neighbourhood) where a surveyed signpost has crossed its trigger, stops where
the survey shows recovery, and hands over to another intervention where it has not
moved the signpost in a stated time (after Walker, Rahman & Cave 2001, adaptive
policymaking; Haasnoot et al. 2013, dynamic adaptive policy pathways).

Realistic monitoring, never the exact state: every wave (``policy.survey``: every
``every`` weeks from week ``first``) draws a simple random sample of ``sample`` citizens
in each scope (all of them where it has fewer) and estimates each signpost as the share
of respondents for whom it holds. The count in the sample is hypergeometric given the
scope's true count, which is exactly what sampling without replacement gives, drawn for
all scopes at once from the stream ``survey``. Decisions on a wave are taken ``delay``
weeks after its fieldwork. The monitor is an institutional Mesa agent stepped before
the interventions each week; it exists only in runs of an adaptive policy, so every
other run draws the same numbers as before.

Each wave's estimates are logged as ``survey.<signpost>`` per scope (events, at the
wave's week), every start, stop and switch as ``<intervention>.started``,
``.stopped`` and ``.switched`` (value 1, in the scope, at the week of the decision), and
each week the number of scopes where an adaptive intervention may act as
``<intervention>.active_scopes``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import mesa
import numpy as np
from numpy.typing import NDArray

from sim.config import PolicyConfig, SurveyConfig, TriggerConfig
from sim.metrics import LOW_TRUST
from sim.people import TRUSTING

if TYPE_CHECKING:
    from sim.model import CohesionModel

__all__ = ["SIGNPOST_VALUES", "Monitor", "TriggerState", "scope_labels"]

Mask = NDArray[np.bool_]
F64 = NDArray[np.float64]
I64 = NDArray[np.int64]


def _dissatisfied(m: CohesionModel) -> Mask:
    pop = m.population
    far: Mask = np.abs(pop.opinion - m.government.position) > pop.confidence
    return far


#: For each signpost, whether the statement holds for each citizen now (the same
#: definitions as the metrics of the same names, sim/metrics.py).
SIGNPOST_VALUES: dict[str, Callable[[CohesionModel], Mask]] = {
    "trust_politics_share": lambda m: m.population.trust > TRUSTING,
    "trust_rule_of_law_share": lambda m: m.population.trust_rule_of_law > TRUSTING,
    "trust_people_share": lambda m: m.population.trust_people > TRUSTING,
    "low_trust_share": lambda m: m.population.trust < LOW_TRUST,
    "dissatisfied_share": _dissatisfied,
}


def scope_labels(m: CohesionModel, kind: str) -> tuple[I64, list[str]]:
    """Each citizen's scope of one kind, and the scopes' names (as in the time series)."""
    pop = m.population
    if kind == "all":
        return np.zeros(pop.size, dtype=np.int64), ["all"]
    if kind == "municipality":
        codes = pop.municipality_codes or tuple(str(i) for i in range(pop.n_municipalities))
        return pop.municipality.astype(np.int64), [f"municipality:{c}" for c in codes]
    names = [f"neighbourhood:{i}" for i in range(pop.n_neighbourhoods)]
    return pop.neighbourhood.astype(np.int64), names


@dataclass
class TriggerState:
    """One adaptive intervention's state in every scope of its kind.

    Attributes:
        active: it may act there now.
        beyond: consecutive waves with the estimate beyond the trigger.
        recovered: consecutive waves with the estimate recovered.
        since: the week it last started there (-1: never).
        start_value: the estimate of the wave that started it there.
        abandoned: it was switched away from there and does not come back.
    """

    active: Mask
    beyond: I64
    recovered: I64
    since: I64
    start_value: F64
    abandoned: Mask

    @classmethod
    def empty(cls, n: int) -> TriggerState:
        """No scope active, no wave seen."""
        return cls(
            np.zeros(n, dtype=bool),
            np.zeros(n, dtype=np.int64),
            np.zeros(n, dtype=np.int64),
            np.full(n, -1, dtype=np.int64),
            np.full(n, np.nan),
            np.zeros(n, dtype=bool),
        )


class Monitor(mesa.Agent):
    """The survey and the triggers of an adaptive policy (see the module doc).

    Args:
        model: the model.
        policy: the policy (its survey and the interventions with a trigger).
    """

    def __init__(self, model: CohesionModel, policy: PolicyConfig) -> None:
        super().__init__(model)
        self.m: CohesionModel = model
        self.survey_cfg: SurveyConfig = policy.survey
        self.triggers: dict[str, TriggerConfig] = {
            n: iv.trigger for n, iv in policy.interventions.items() if iv.trigger is not None
        }
        self.stream = model.streams["survey"]
        self.labels: dict[str, I64] = {}
        self.names: dict[str, list[str]] = {}
        for t in self.triggers.values():
            if t.scope not in self.labels:
                self.labels[t.scope], self.names[t.scope] = scope_labels(model, t.scope)
        self.measured = sorted({(t.signpost, t.scope) for t in self.triggers.values()})
        self.state = {
            n: TriggerState.empty(len(self.names[t.scope])) for n, t in self.triggers.items()
        }
        #: waves not yet acted on: (week their results are in, estimates per measure)
        self.pending: list[tuple[int, dict[tuple[str, str], F64]]] = []

    # ------------------------------------------------------------ the week
    def step(self) -> None:
        """Field a wave if one is due; act on the waves whose results are in."""
        week = self.m.steps
        s = self.survey_cfg
        if week >= s.first and (week - s.first) % s.every == 0:
            self.pending.append((week + s.delay, self.field(week)))
        while self.pending and self.pending[0][0] <= week:
            _, results = self.pending.pop(0)
            self.decide(week, results)
        for name, st in self.state.items():
            self.m.log(f"{name}.active_scopes", "all", float(st.active.sum()))

    def field(self, week: int) -> dict[tuple[str, str], F64]:
        """One wave: each signpost's estimate in each scope, from a random sample.

        Draws a fixed amount (one hypergeometric number per measure and scope with
        citizens).
        """
        out: dict[tuple[str, str], F64] = {}
        for signpost, kind in self.measured:
            labels, names = self.labels[kind], self.names[kind]
            k = len(names)
            holds = SIGNPOST_VALUES[signpost](self.m)
            size = np.bincount(labels, minlength=k)
            good = np.bincount(labels, weights=holds, minlength=k).astype(np.int64)
            n = np.minimum(size, self.survey_cfg.sample)
            some = n > 0
            drawn = np.zeros(k, dtype=np.int64)
            drawn[some] = self.stream.hypergeometric(good[some], (size - good)[some], n[some])
            est = np.full(k, np.nan)
            est[some] = drawn[some] / n[some]
            out[(signpost, kind)] = est
            for i in np.flatnonzero(n > 0):
                self.m.log(f"survey.{signpost}", names[i], float(est[i]), week=week)
        return out

    def decide(self, week: int, results: dict[tuple[str, str], F64]) -> None:
        """Start, stop and switch each adaptive intervention on one wave's estimates."""
        for name, t in self.triggers.items():
            st = self.state[name]
            est = results[(t.signpost, t.scope)]
            known = ~np.isnan(est)
            if t.below is not None:
                beyond = known & (est < t.below)
                back = known & (est >= (t.recover if t.recover is not None else t.below))
                gain = est - st.start_value
            else:
                assert t.above is not None
                beyond = known & (est > t.above)
                back = known & (est <= (t.recover if t.recover is not None else t.above))
                gain = st.start_value - est
            st.beyond = np.where(beyond, st.beyond + 1, 0)
            st.recovered = np.where(back, st.recovered + 1, 0)
            stop = st.active & (st.recovered >= t.recover_waves)
            self._set(name, stop, False, week, "stopped")
            if t.switch_after is not None and t.switch_to is not None:
                stuck = known & ~(gain >= t.min_change)
                switch = st.active & (week - st.since >= t.switch_after) & stuck
                self._set(name, switch, False, week, "switched")
                st.abandoned |= switch
                other = self.state[t.switch_to]
                take = switch & ~other.active & ~other.abandoned
                other_est = results[(self.triggers[t.switch_to].signpost, t.scope)]
                self._set(t.switch_to, take, True, week, "started", other_est)
            if not t.by_switch:
                start = ~st.active & ~st.abandoned & (st.beyond >= t.waves)
                self._set(name, start, True, week, "started", est)

    def _set(
        self, name: str, where: Mask, on: bool, week: int, event: str, est: F64 | None = None
    ) -> None:
        if not where.any():
            return
        st = self.state[name]
        st.active[where] = on
        if on:
            assert est is not None
            st.since[where] = week
            st.start_value[where] = est[where]
            st.recovered[where] = 0
        names = self.names[self.triggers[name].scope]
        for i in np.flatnonzero(where):
            self.m.log(f"{name}.{event}", names[i], 1.0)

    # ------------------------------------------------------------ for interventions
    def any_active(self, name: str) -> bool:
        """Whether the intervention may act anywhere this week."""
        return bool(self.state[name].active.any())

    def mask(self, name: str) -> Mask:
        """The citizens in the scopes where the intervention may act this week."""
        st = self.state[name]
        out: Mask = st.active[self.labels[self.triggers[name].scope]]
        return out
