"""CohesionModel: citizens withdrawing into bubbles and losing trust, week by week.

The model wires a synthetic population (numpy arrays), a multiplex network (CSR
arrays), institutional agents (Mesa agents) and the six rules of DESIGN.md §2. Mesa
owns the clock (one step is one week) and the event schedule, on which elections,
shocks and interventions are placed. Every subsystem draws from its own random stream
(:mod:`sim.streams`), never from Mesa's shared ``random``/``rng``.

Each week: the government and municipalities act, citizens meet (a random matching),
then the enabled rules run in order (influence, bubbles, trust, tension, prejudice,
participation), and the metrics are recorded.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import mesa
import numpy as np
from mesa.time import Schedule
from numpy.typing import NDArray
from omegaconf import DictConfig

from sim.allocator import release_free_memory
from sim.checks import STATE_ARRAYS, check_state
from sim.config import RunConfig, apply_drivers, validate
from sim.dynamics import RULES, WRITES, Encounters, draw_encounters
from sim.institutions import Government, Municipality
from sim.interventions import build_policy
from sim.metrics import METRICS, Scopes, compute_metrics, tie_stats
from sim.network import Network, build_network
from sim.population import Population, build_population
from sim.progress import progress_bar
from sim.shocks import build_future
from sim.state import StartState
from sim.streams import Streams

__all__ = ["CohesionModel"]

#: Rules after which the cached tie statistics are stale.
_MOVES_TIES_OR_OPINIONS = ("influence", "bubbles")

F64 = NDArray[np.float64]


class CohesionModel(mesa.Model):
    """The cohesion model.

    Args:
        cfg: a composed config (DictConfig) or a typed :class:`RunConfig`; it is
            validated here, so a bad value raises :class:`sim.config.ConfigError`.
        progress: show a progress bar for a burn-in longer than a few seconds.
        start: a state captured after the burn-in of a run with the same seed and the
            same config apart from the policy and horizon (see :mod:`sim.state`); the
            population, network and burn-in are then taken from it, not recomputed.

    Attributes:
        cfg: the typed, validated config.
        population: the citizens' arrays.
        network: the multiplex network.
        tension: tension per neighbourhood (0-1).
        government: the Government agent.
        municipalities: the Municipality agents, by index.
        streams: the model's independent random streams.
        algorithmic_bias: gamma this week (shocks of the future and policies move it).
        future: the run's future, its shocks on the event schedule (sim/shocks.py).
        policy: the run's policy, its interventions as agents (sim/interventions/).
    """

    def __init__(
        self,
        cfg: DictConfig | RunConfig,
        *,
        progress: bool = False,
        start: StartState | None = None,
    ) -> None:
        run_cfg = apply_drivers(validate(cfg))  # a future's drivers act from the start
        super().__init__(rng=run_cfg.seed)
        self.cfg = run_cfg
        self.streams = Streams(run_cfg.seed)
        dyn = run_cfg.dynamics
        if start is None:
            self.population: Population = build_population(
                run_cfg.population,
                dyn.confidence,
                dyn.confidence_spread,
                self.streams.seed_sequence("population"),
            )
            self.network: Network = build_network(
                self.population, run_cfg.network, self.streams.seed_sequence("network")
            )
            release_free_memory()  # the build's temporaries (sim/allocator.py)
        else:
            self.population = start.population()
            self.network = start.network()
        pop = self.population
        self.opinion_prior = self._opinion_prior()
        self.tension: F64 = np.zeros(pop.n_neighbourhoods)
        self.shock_tension: F64 = np.zeros(pop.n_neighbourhoods)
        self.algorithmic_bias = dyn.algorithmic_bias  # gamma now (shocks, policies move it)
        self.municipalities = [
            Municipality(self, m, dyn.tension.mayor_capacity) for m in range(pop.n_municipalities)
        ]
        self.government = Government(self, float(np.median(pop.opinion)), dyn.trust.responsiveness)
        self.rules = [
            (name, fn)
            for name, fn in RULES.items()
            if getattr(getattr(dyn, name, None), "enabled", True)
        ]
        self.counters: Counter[str] = Counter()
        self._ties: tuple[F64, F64, F64] | None = None
        self.scopes = Scopes.of(pop)
        self.events: list[tuple[int, str, str, float]] = []

        if start is None:
            for _ in progress_bar(range(run_cfg.burn_in), "burn-in", "week", enabled=progress):
                self._week()
        else:
            self.tension[:] = start.arrays["tension"]
            self.government.position = float(start.meta["government_position"])
            self.streams.set_state(start.meta["streams"])
            self.counters.update(start.meta["counters"])
        self.record_steps = self._record_steps()
        self.records = np.zeros((len(self.record_steps), len(METRICS), len(self.scopes.names)))
        self._record_index = 0
        self._record()
        self._schedule_elections()
        # -- the future and the policy (sim/shocks.py, sim/interventions/): built after
        # the burn-in, so neither acts during it; shocks go on the event schedule,
        # interventions are agents stepped at the start of each week.
        self.future = build_future(self)
        self.policy = build_policy(self)

    # ------------------------------------------------------------------ the week
    def step(self) -> None:
        """One week: institutions act, citizens meet, the rules run, metrics recorded."""
        self.agents.do("step")
        self._week()
        self._record()

    def _week(self) -> None:
        self._ties = None
        check_state(self, "an intervention or shock")
        encounters = self.meet()
        for name, rule in self.rules:
            rule(self, encounters)
            check_state(self, f"rule '{name}'", WRITES.get(name, STATE_ARRAYS))
            if name in _MOVES_TIES_OR_OPINIONS or name not in WRITES:
                self._ties = None  # tie statistics depend on opinions and ties
        self.shock_tension[:] = 0.0

    def meet(self) -> Encounters:
        """This week's pairs (a random matching) from the encounters stream."""
        return draw_encounters(
            self.population.opinion,
            self.population.online_share,
            self.network,
            self.algorithmic_bias,
            self.streams["encounters"],
        )

    def run(self, steps: int | None = None) -> None:
        """Run ``steps`` weeks (default: the configured horizon) on Mesa's clock."""
        self.run_for(self.cfg.steps if steps is None else steps)

    # ------------------------------------------------------------------ helpers
    def _opinion_prior(self) -> tuple[F64, F64] | None:
        """Each citizen's initial opinion distribution (mean, sd); None if uniform."""
        cfg = self.cfg.population
        if cfg.opinion_init == "uniform":
            return None
        groups = [cfg.groups[g] for g in self.population.group_names]
        mean = np.array([g.opinion_mean for g in groups])[self.population.group]
        sd = np.array([g.opinion_sd for g in groups])[self.population.group]
        return mean, sd

    def mayor_capacity(self) -> F64:
        """The mayors' de-escalation capacity per municipality."""
        return np.array([m.mayor_capacity for m in self.municipalities])

    def tie_stats(self) -> tuple[F64, F64, F64]:
        """Per citizen: ties, ties to other groups, mean opinion of ties (cached per week)."""
        if self._ties is None:
            self._ties = tie_stats(self.population, self.network)
        return self._ties

    def keep_tie_stats(self, stats: tuple[F64, F64, F64]) -> None:
        """Cache this week's tie statistics, computed by a rule's own pass over the ties.

        Valid for the current opinions and ties: the cache is dropped after any later
        rule that may move them.
        """
        self._ties = stats

    def citizen(self, i: int) -> dict[str, Any]:
        """One citizen's state as a dict (for inspection, never on the hot path)."""
        pop = self.population
        row = {k: v[i].item() for k, v in pop.arrays().items()}
        row["group"] = pop.group_names[int(pop.group[i])]
        row["tension"] = float(self.tension[pop.neighbourhood[i]])
        return row

    def log(self, metric: str, scope: str, value: float) -> None:
        """Record an event metric (election turnout, an intervention's contacts) now."""
        self.events.append((self.steps, metric, scope, float(value)))

    # ------------------------------------------------------------------ recording
    def _record_steps(self) -> NDArray[np.int64]:
        every, horizon = self.cfg.metrics_every, self.cfg.steps
        steps = np.arange(0, horizon + 1, every, dtype=np.int64)
        if steps[-1] != horizon:
            steps = np.append(steps, horizon)
        return steps

    def _record(self) -> None:
        i = self._record_index
        if i >= len(self.record_steps) or self.record_steps[i] != self.steps:
            return
        self.records[i] = compute_metrics(
            self.population, self.network, self.tension, self.scopes, self.tie_stats()
        )
        self._record_index += 1

    # ------------------------------------------------------------------ events
    def _schedule_elections(self) -> None:
        interval = self.cfg.dynamics.participation.election_interval
        if interval <= self.cfg.steps:
            self.schedule_recurring(self._election, Schedule(interval=interval, start=interval))

    def _election(self) -> None:
        """An election: each citizen turns out with its propensity; record turnout."""
        pop = self.population
        votes = self.streams["elections"].random(pop.size) < pop.participation
        self.log("turnout", "all", float(votes.mean()))
        k = pop.n_municipalities
        share = np.bincount(pop.municipality, weights=votes, minlength=k) / np.maximum(
            np.bincount(pop.municipality, minlength=k), 1
        )
        for m in range(k):
            self.log("turnout", f"municipality:{m}", float(share[m]))
