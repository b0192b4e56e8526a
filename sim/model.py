"""CohesionModel: citizens withdrawing into bubbles and losing trust, week by week.

The model wires a synthetic population (numpy arrays), a multiplex network (CSR
arrays), institutional agents (Mesa agents), the future's shocks and the policy's
interventions. Mesa owns the clock (one step is one week) and the event schedule, on
which elections, shocks and interventions are placed. Every subsystem draws from its
own random stream (:mod:`sim.streams`), never from Mesa's shared ``random``/``rng``.

Each week (:meth:`CohesionModel.week`), in this order:

1. institutions act: the government moves towards the median opinion, the
   municipalities and the policy's intervention teams do their week (Mesa agents);
2. citizens meet: a random matching over the network's ties (:meth:`~CohesionModel.meet`);
3. the rules run, each on the week's arrays: influence, bubbles (rewiring), trust,
   tension, prejudice, participation, then any extra rules the future switches on.

After the week the metrics are recorded (every ``metrics_every`` weeks). The burn-in,
before week 0, runs the same weeks with no policy and no future, off Mesa's clock.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from typing import Any

import mesa
import numpy as np
import pyarrow as pa
from mesa.time import Schedule
from numpy.typing import NDArray

from sim.allocator import release_free_memory
from sim.checks import check_state
from sim.config import ELECTION_KINDS, RunConfig, apply_drivers, week_of
from sim.dynamics import RULES, Encounters
from sim.dynamics.bubbles import offline_turnover, unfollow
from sim.dynamics.encounters import draw_encounters
from sim.dynamics.influence import influence
from sim.dynamics.participation import participation
from sim.dynamics.prejudice import (
    cross_group_contacts,
    prejudice,
    prejudice_towards_muslims,
)
from sim.dynamics.tension import tension
from sim.dynamics.trust import people_trust, trust
from sim.institutions import Government, Municipality
from sim.interventions import build_policy
from sim.metrics import (
    METRICS,
    Scopes,
    TieSums,
    compute_metrics,
    scope_means,
    scope_sizes,
    tie_stats,
)
from sim.network import Network, build_network
from sim.outcomes import BRIDGING_WINDOW, EXTRA_METRICS
from sim.population import Population, build_population
from sim.progress import progress_bar
from sim.shocks import build_future
from sim.state import StartState
from sim.streams import Streams
from sim.tables import (
    Event,
    RunTables,
    dated,
    events_table,
    final_state_table,
    timeseries_table,
)

__all__ = ["CohesionModel"]

_log = logging.getLogger("cohesion_sim")

F64 = NDArray[np.float64]

#: ``bridging_last`` of a citizen who has had no realised contact across groups yet.
NEVER = -(2**30)


class CohesionModel(mesa.Model):
    """The cohesion model.

    Args:
        cfg: a checked config (:func:`sim.prepare.prepare` makes one from a composed
            config or overrides); the future's drivers are applied here.
        progress: show a progress bar for a burn-in longer than a few seconds.
        start: a state captured after the burn-in of a run with the same seed and the
            same config apart from the policy and horizon (see :mod:`sim.state`); the
            population, network and burn-in are then taken from it, not recomputed.

    Attributes:
        cfg: the config as the future's drivers make it.
        population: the citizens' arrays.
        network: the multiplex network.
        tension: tension per neighbourhood (0-1).
        government: the Government agent.
        municipalities: the Municipality agents, by index.
        streams: the model's independent random streams.
        algorithmic_bias: gamma this week (shocks of the future and policies move it).
        future: the run's future, its shocks on the event schedule (sim/shocks/).
        policy: the run's policy, its interventions as agents (sim/interventions/).
        events: event rows (step, metric, scope, value) logged so far.
        weeks_run: weeks run so far, the burn-in's included (week 0 of a run with a
            burn-in of B weeks is week B here).
        bridging_last: per citizen, the last week (of ``weeks_run``) in which it had a
            realised contact across groups (:meth:`note_bridging`), or ``NEVER``.
        heard: per citizen, whether civil servants have heard them in this run (a
            canvassing conversation, a coaching week, a client council or work visit:
            :meth:`note_heard`); a listening government acts on what was heard.
    """

    def __init__(
        self,
        cfg: RunConfig,
        *,
        progress: bool = False,
        start: StartState | None = None,
    ) -> None:
        if not isinstance(cfg, RunConfig):
            raise TypeError(
                f"CohesionModel takes a RunConfig, got {type(cfg).__name__}: "
                "make one with sim.prepare.prepare(cfg)"
            )
        run_cfg = apply_drivers(cfg)  # a future's drivers act from the start
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
        self.extra_rules = [(name, RULES[name]) for name in run_cfg.scenario.rules]
        self.counters: Counter[str] = Counter()
        self._ties: tuple[F64, F64, F64] | None = None
        self.scopes = Scopes.of(pop)
        self.extra_metrics = dict(EXTRA_METRICS)  # as registered when the model is built
        self.metric_names: tuple[str, ...] = (*METRICS, *self.extra_metrics)
        self.events: list[Event] = []
        self.weeks_run = 0
        self.bridging_last: NDArray[np.int32] = np.full(pop.size, NEVER, dtype=np.int32)
        self.heard: NDArray[np.bool_] = np.zeros(pop.size, dtype=bool)

        if start is None:
            for _ in progress_bar(range(run_cfg.burn_in), "burn-in", "week", enabled=progress):
                self.week()  # the same week, off Mesa's clock, with no policy or future yet
        else:
            self.tension[:] = start.arrays["tension"]
            self.government.position = float(start.meta["government_position"])
            self.streams.set_state(start.meta["streams"])
            self.counters.update(start.meta["counters"])
            self.weeks_run = int(start.meta.get("weeks_run", 0))
            if "bridging_last" in start.arrays:  # states saved before it was kept: none
                self.bridging_last[:] = start.arrays["bridging_last"]
        self.record_steps = self._record_steps()
        self.records = np.zeros(
            (len(self.record_steps), len(self.metric_names), len(self.scopes.names))
        )
        self._record_index = 0
        #: Wall seconds spent recording the metrics so far (the run's timings).
        self.metrics_seconds = 0.0
        self._record()
        for name, size in zip(self.scopes.names, scope_sizes(self.scopes), strict=True):
            if not name.startswith("_"):
                self.log("citizens", name, float(size))
        unheld = self._schedule_elections()
        # The future and the policy are built after the burn-in, so neither acts during
        # it; shocks go on the event schedule, interventions are agents.
        self.future = build_future(self)
        self.policy = build_policy(self)
        #: What the run cannot honour of its config, one line each (also in run.json).
        self.warnings: list[str] = [*unheld, *self.future.warnings, *self.policy.warnings]
        for line in self.warnings:
            _log.warning(line)

    # ------------------------------------------------------------------ the week
    def step(self) -> None:
        """One week on Mesa's clock, then the metrics recorded."""
        self.week()
        self._record()

    def week(self) -> None:
        """One week: institutions act, citizens meet, the rules run."""
        self.weeks_run += 1
        self.agents.do("step")  # government, municipalities, intervention teams
        self._ties = None
        check_state(self, "an intervention or shock")
        encounters = self.meet()
        self.counters["pairs"] += encounters.size
        self.influence(encounters)
        self.rewire(encounters)
        self.update_trust()
        self.update_tension()
        self.update_prejudice(encounters)
        self.update_participation()
        self.run_extra_rules(encounters)
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

    def influence(self, encounters: Encounters) -> None:
        """Rule 1: citizens who met move towards each other (sim/dynamics/influence.py)."""
        d, p = self.cfg.dynamics, self.population
        if not d.influence.enabled:
            return
        influence(
            p.opinion,
            p.confidence,
            d.convergence,
            d.influence,
            encounters,
            self.network,
            self.opinion_prior,
            self.streams["influence"],
        )
        check_state(self, "rule 'influence'", ("opinion",))

    def rewire(self, encounters: Encounters) -> None:
        """Rule 2: unfollowing online, slow offline turnover (sim/dynamics/bubbles.py)."""
        cfg, p = self.cfg.dynamics.bubbles, self.population
        if not cfg.enabled:
            return
        rng = self.streams["bubbles"]
        online = self.network.online
        self.counters["unfollows"] += unfollow(
            p.opinion, p.confidence, p.group, p.prejudice, online, encounters, cfg, rng
        )
        self.counters["offline_swaps"] += offline_turnover(
            p.opinion, p.group, p.prejudice, p.neighbourhood, self.network.offline, cfg, rng
        )

    def update_trust(self) -> None:
        """Rule 3: contacts, contagion, representation gap, recovery (sim/dynamics/trust.py).

        Its pass over the ties also fills the week's tie statistics (no second pass).
        """
        cfg, p = self.cfg.dynamics.trust, self.population
        if not cfg.enabled:
            return
        ties = TieSums.empty(p.group) if cfg.spread > 0.0 else None
        good, bad = trust(
            p.trust,
            p.trust_base,
            p.opinion,
            p.confidence,
            p.vulnerable,
            self.tension[p.neighbourhood],
            self.government.position,
            self.network,
            cfg,
            self.streams["trust"],
            ties,
            law=(p.trust_rule_of_law, p.trust_rule_of_law_base),
        )
        if ties is not None and ties.filled:
            self._ties = ties.stats()  # opinions and ties do not move again this week
        self.counters["good_contacts"] += good
        self.counters["bad_contacts"] += bad
        check_state(self, "rule 'trust'", ("trust", "trust_rule_of_law"))

    def update_tension(self) -> None:
        """Rule 4: tension per neighbourhood (sim/dynamics/tension.py)."""
        cfg, p = self.cfg.dynamics.tension, self.population
        if not cfg.enabled:
            return
        capacity = self.mayor_capacity()[p.neighbourhood_municipality]
        tension(self.tension, p.opinion, p.neighbourhood, capacity, self.shock_tension, cfg)
        check_state(self, "rule 'tension'", ("tension",))

    def update_prejudice(self, encounters: Encounters) -> None:
        """Rule 5: prejudice towards out-groups (sim/dynamics/prejudice.py).

        Trust in other people is updated here too: the same favourable contacts across
        groups raise it (sim/dynamics/trust.py).
        """
        cfg, p = self.cfg.dynamics.prejudice, self.population
        hit = cross_group_contacts(p.group, p.confidence, encounters, p.size)
        self.note_bridging(hit)
        here = self.tension[p.neighbourhood]
        if self.cfg.dynamics.trust.enabled:
            people_trust(p.trust_people, p.trust_people_base, hit, here, self.cfg.dynamics.trust)
            check_state(self, "rule 'trust'", ("trust_people",))
        if not cfg.enabled:
            return
        self.counters["cross_group_contacts"] += prejudice(
            p.prejudice, p.prejudice_base, p.group, p.confidence, here, encounters, cfg, hit
        )
        prejudice_towards_muslims(
            p.prejudice_muslims,
            p.prejudice_muslims_base,
            p.muslim,
            p.confidence,
            here,
            encounters,
            cfg,
        )
        check_state(self, "rule 'prejudice'", ("prejudice", "prejudice_muslims"))

    def update_participation(self) -> None:
        """Rule 6: participation propensity (sim/dynamics/participation.py)."""
        cfg, p = self.cfg.dynamics.participation, self.population
        if not cfg.enabled:
            return
        deg, cross, _ = self.tie_stats()
        participation(p.participation, p.trust, cross / deg.clip(min=1.0), cfg)
        check_state(self, "rule 'participation'", ("participation",))

    def run_extra_rules(self, encounters: Encounters) -> None:
        """The extra rules the future switches on (``scenario.rules``), in its order."""
        for name, rule in self.extra_rules:
            rule(self, encounters)
            check_state(self, f"rule '{name}'")
            self._ties = None  # an extra rule may move anything

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

    def note_bridging(self, who: NDArray[np.bool_] | NDArray[np.integer]) -> None:
        """Record that ``who`` (a mask or indices) had a realised contact across groups.

        The encounters' favourable contacts with another group are noted each week
        (:meth:`update_prejudice`); an intervention that brings citizens of different
        groups together (a mixed table of a dialogue session) notes its participants
        too, in the week it acts. The metrics read it (:meth:`bridging_contact`).
        """
        self.bridging_last[who] = self.weeks_run

    def note_heard(self, who: NDArray[np.bool_] | NDArray[np.integer]) -> None:
        """Record that civil servants heard ``who`` (a mask or indices) this week."""
        self.heard[who] = True

    def bridging_contact(self) -> tuple[NDArray[np.bool_], NDArray[np.bool_]]:
        """Who had a realised contact across groups: (this week, in the recent window).

        The window is the last ``BRIDGING_WINDOW`` weeks, this one included.
        """
        since = self.weeks_run - self.bridging_last
        return since == 0, since < BRIDGING_WINDOW

    def tie_stats(self) -> tuple[F64, F64, F64]:
        """Per citizen: ties, ties to other groups, mean opinion of ties (once per week)."""
        if self._ties is None:
            self._ties = tie_stats(self.population, self.network)
        return self._ties

    def citizen(self, i: int) -> dict[str, Any]:
        """One citizen's state as a dict (for inspection, never on the hot path)."""
        pop = self.population
        row = {k: v[i].item() for k, v in pop.arrays().items()}
        row["group"] = pop.group_names[int(pop.group[i])]
        row["tension"] = float(self.tension[pop.neighbourhood[i]])
        return row

    def log(self, metric: str, scope: str, value: float, week: int | None = None) -> None:
        """Record an event row (an election's turnout, an intervention's contacts).

        ``week`` defaults to now; events scheduled between weeks pass the week they
        belong to.
        """
        self.events.append((self.steps if week is None else int(week), metric, scope, float(value)))

    def run(self, steps: int | None = None) -> None:
        """Run ``steps`` weeks (default: the configured horizon) on Mesa's clock."""
        self.run_for(self.cfg.steps if steps is None else steps)

    # ------------------------------------------------------------------ outputs
    def timeseries(self) -> pa.Table:
        """The time series so far: the recorded metrics of every reported scope, and events."""
        rep = self.scopes.reported
        names = [s for s, keep in zip(self.scopes.names, rep, strict=True) if keep]
        done = self._record_index
        records = self.records[:done][:, :, rep]
        table = timeseries_table(
            self.record_steps[:done], records, self.metric_names, names, self.events
        )
        return dated(table, self.cfg.start_date)

    def tables(self) -> RunTables:
        """The run's tables so far: time series, final state, events."""
        return RunTables(
            timeseries=self.timeseries(),
            final_state=final_state_table(self.population, self.tension, self.network),
            events=dated(events_table(self.events), self.cfg.start_date),
            budget=self.policy.accounts(),
            warnings=list(self.warnings),
            model=self,
        )

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
        t0 = time.perf_counter()
        built_in = len(METRICS)
        self.records[i, :built_in] = compute_metrics(
            self.population,
            self.network,
            self.tension,
            self.scopes,
            self.tie_stats(),
            gov_position=self.government.position,
            contact=self.bridging_contact(),
        )
        for j, metric in enumerate(self.extra_metrics.values(), start=built_in):
            values = np.asarray(metric.values(self), dtype=np.float64)
            self.records[i, j] = scope_means(values, self.scopes)
        self._record_index += 1
        self.metrics_seconds += time.perf_counter() - t0

    # ------------------------------------------------------------------ events
    def _schedule_elections(self) -> list[str]:
        """Put the elections on the event schedule; the lines of those not held.

        A future that lists its elections (``scenario.elections``) has exactly those,
        each at the end of the week containing its date (several in one week are one
        election of their kinds); otherwise both kinds are held together every
        ``election_interval`` weeks. Either way an election is an event at time w, after
        week w's rules, logged at week w.
        """
        listed, steps = self.cfg.scenario.elections, self.cfg.steps
        #: Week -> the kinds of election held at its end (a future's listed elections).
        self.election_weeks: dict[int, tuple[str, ...]] = {}
        if not listed:
            interval = self.cfg.dynamics.participation.election_interval
            if interval <= steps:
                self.schedule_recurring(self._election, Schedule(interval=interval, start=interval))
            return []
        start = self.cfg.start_date
        held: dict[int, set[str]] = {}
        unheld = []
        for name, election in listed.items():
            week = week_of(election.date, start)
            where = f"scenario.elections.{name}.date: {election.date}"
            if week < 1:
                unheld.append(f"{where} is before the run's start ({start}), so it is not held")
            elif week > steps:
                unheld.append(
                    f"{where} (week {week}) is after the run's last week ({steps}), "
                    "so it is not held"
                )
            else:
                held.setdefault(week, set()).add(election.kind)
        for w, kinds in held.items():
            self.election_weeks[w] = tuple(k for k in ELECTION_KINDS if k in kinds)
        for week in sorted(self.election_weeks):
            self.schedule_event(self._listed_election, at=week)
        return unheld

    def _listed_election(self) -> None:
        """The listed election(s) of this week."""
        self._election(self.election_weeks[self.steps])

    def _election(self, kinds: tuple[str, ...] = ELECTION_KINDS) -> None:
        """An election: turnout by propensity, and for each kind held.

        Each citizen turns out with its propensity (``turnout``), and for parliament and
        the municipal council with the propensity times each kind's factor; each
        turnout is recorded for all and per municipality. The stream draws for both
        kinds whichever are held, so every election draws the same amount.
        """
        pop, cfg = self.population, self.cfg.dynamics.participation
        stream = self.streams["elections"]
        votes = stream.random(pop.size) < pop.participation
        self.log_turnout("turnout", votes)
        for kind, factor in (
            ("parliament", cfg.parliament_factor),
            ("municipal", cfg.municipal_factor),
        ):
            voted = stream.random(pop.size) < np.minimum(1.0, pop.participation * factor)
            if kind in kinds:
                self.log_turnout(f"turnout_{kind}", voted)

    def log_turnout(
        self,
        metric: str,
        voted: NDArray[np.bool_],
        among: NDArray[np.bool_] | None = None,
        week: int | None = None,
    ) -> None:
        """Log the share of ``among`` (everyone) who voted, for all and per municipality.

        ``week`` defaults to now; a vote held between weeks passes the week it belongs to.
        """
        pop = self.population
        mask = np.ones(pop.size, bool) if among is None else among
        self.log(metric, "all", float(voted[mask].sum()) / max(int(mask.sum()), 1), week)
        k = pop.n_municipalities
        share = np.bincount(pop.municipality, weights=voted & mask, minlength=k) / np.maximum(
            np.bincount(pop.municipality, weights=mask, minlength=k), 1
        )
        for m in range(k):
            self.log(metric, pop.municipality_scope(m), float(share[m]), week)
