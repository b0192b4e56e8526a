"""The idiomatic-Mesa peer: one ``mesa.Agent`` per citizen on a Mesa ``Network``.

This is how a Mesa user would write cohesion-sim's influence and unfollow rules: each
citizen is a ``CellAgent`` on a ``mesa.discrete_space.Network`` cell (its offline ties
are the cell's neighbourhood) with a Python list of the citizens it follows online, and
the week is a few passes over ``model.agents`` (``do`` / ``shuffle_do``). It lives in
benchmarks/ only: it is the yardstick for speed (benchmarks/run.py) and, on a small
case, a check that our vectorised rules compute the same thing
(tests/test_performance.py).

The rules are those of sim/dynamics (influence.py, bubbles.py, encounters.py):

- each week a citizen is online with probability ``online_share``, else offline;
- citizens meet at most one other citizen a week, in the same layer, by the same
  random matching as ours, written agent by agent: offline, each end of a tie draws a
  number and the tie's priority is the larger; online, each citizen proposes one online
  followee chosen with algorithmic bias, P(j) ~ max(|x_i - x_j|, 1e-5)^-gamma (Sirbu et
  al. 2019), with a random priority; a tie or proposal that is the highest at both its
  ends is a pair (one round of locally dominant matching). A greedy matching in
  ``shuffle_do`` order would be shorter to write but forms more pairs a week, which
  changes the model's pace and its balance of rewiring against drift;
- bounded confidence (Deffuant et al. 2000): if |x_i - x_j| < eps_i, i moves mu of the
  way to j (and j likewise with eps_j);
- noise: with probability ``noise`` a citizen redraws its opinion from its group's
  initial distribution;
- unfollow (Sasahara et al. 2021): after a discordant online encounter the follower
  unfollows with probability q and follows a citizen recommended from within its bound
  (uniform among the citizens whose opinion is within eps_i after this week's moves),
  accepting one from another group with probability 1 - h p_i, at most three tries.

Randomness comes from Mesa's own ``model.random`` (seeded), as a Mesa user would write.
"""

from __future__ import annotations

import bisect

import mesa
import networkx as nx
import numpy as np
from mesa.discrete_space import CellAgent, Network

from sim.config import RunConfig
from sim.network import build_network
from sim.population import build_population
from sim.streams import Streams

ATTEMPTS = 3
MIN_DIST = 1e-5


class Citizen(CellAgent):
    """A citizen: its opinion, bound, group, prejudice, and whom it follows."""

    def __init__(self, model: MesaCohesion, cell, **state) -> None:
        super().__init__(model)
        self.cell = cell
        self.opinion: float = state["opinion"]
        self.eps: float = state["eps"]
        self.group: int = state["group"]
        self.prejudice: float = state["prejudice"]
        self.online_share: float = state["online_share"]
        self.prior: tuple[float, float] | None = state["prior"]
        self.following: list[Citizen] = []
        self.online = False
        self.partner: Citizen | None = None
        self.discordant_followee: Citizen | None = None

    # --------------------------------------------------------------- the week
    def begin_week(self) -> None:
        self.online = self.random.random() < self.online_share
        self.partner = None
        self.discordant_followee = None
        self.proposal: tuple[float, Citizen] | None = None  # (priority, followee)
        self.incoming: list[tuple[float, Citizen]] = []  # proposals received
        self.draws: dict[Citizen, float] = {}  # my draw for each offline tie
        self.best: tuple[float, Citizen] | None = None

    def propose(self) -> None:
        """Online: propose a followee (algorithmic bias); offline: draw for each tie."""
        m = self.model
        if self.online:
            online = [f for f in self.following if f.online]
            if not online:
                return
            if m.gamma > 0.0:
                w = [max(abs(f.opinion - self.opinion), MIN_DIST) ** -m.gamma for f in online]
                target = self.random.choices(online, weights=w)[0]
            else:
                target = self.random.choice(online)
            self.proposal = (self.random.random(), target)
            target.incoming.append((self.proposal[0], self))
        else:
            for other in self.cell.neighborhood.agents:
                self.draws[other] = self.random.random()

    def choose(self) -> None:
        """My highest-priority tie or proposal this week (in my layer)."""
        if self.online:
            options = self.incoming + ([self.proposal] if self.proposal else [])
        else:
            options = [
                (max(r, other.draws[self]), other)
                for other, r in self.draws.items()
                if not other.online
            ]
        self.best = max(options, key=lambda o: o[0]) if options else None

    def meet(self) -> None:
        """Meet if my best option is also my partner's best (a locally dominant match)."""
        if self.best is None or self.partner is not None:
            return
        priority, other = self.best
        if other.best is None or other.best[0] != priority:
            return
        mine = self.proposal is not None and self.proposal[0] == priority
        # offline the order does not matter; online the proposer follows the other
        proposer, followee = (self, other) if mine or not self.online else (other, self)
        proposer.partner, followee.partner = followee, proposer
        self.model.interact(proposer, followee, online=self.online)

    def drift(self) -> None:
        if self.random.random() < self.model.noise:
            if self.prior is None:
                self.opinion = self.random.random()
            else:
                mean, sd = self.prior
                self.opinion = min(1.0, max(0.0, self.random.gauss(mean, sd)))

    def rewire(self) -> None:
        old = self.discordant_followee
        m = self.model
        if old is None or self.random.random() >= m.q:
            return
        for _ in range(ATTEMPTS):
            new = m.recommend(self)
            if new is self:
                continue
            if new.group != self.group and self.random.random() >= 1.0 - m.h * self.prejudice:
                continue
            if new in self.following:
                continue
            self.following[self.following.index(old)] = new
            m.unfollows += 1
            return


class MesaCohesion(mesa.Model):
    """Influence and unfollowing with one Mesa agent per citizen.

    Args:
        cfg: a validated config; the population and network are drawn by cohesion-sim's
            own builders from the same seed, so both models start from the same citizens
            and ties.
    """

    def __init__(self, cfg: RunConfig) -> None:
        super().__init__(rng=cfg.seed)
        dyn = cfg.dynamics
        self.mu = dyn.convergence
        self.gamma = dyn.algorithmic_bias
        self.noise = dyn.influence.noise
        self.q = dyn.bubbles.unfollow
        self.h = dyn.bubbles.prejudice_homophily
        self.unfollows = 0
        streams = Streams(cfg.seed)
        pop = build_population(
            cfg.population,
            dyn.confidence,
            dyn.confidence_spread,
            streams.seed_sequence("population"),
        )
        net = build_network(pop, cfg.network, streams.seed_sequence("network"))
        n = pop.size
        graph = nx.Graph()
        graph.add_nodes_from(range(n))
        off = net.offline
        keep = off.src < off.indices
        graph.add_edges_from(zip(off.src[keep].tolist(), off.indices[keep].tolist(), strict=True))
        self.grid = Network(graph, capacity=1, random=self.random, layout=None)
        if cfg.population.opinion_init == "uniform":
            priors: list[tuple[float, float] | None] = [None] * len(pop.group_names)
        else:
            groups = cfg.population.groups
            priors = [(groups[g].opinion_mean, groups[g].opinion_sd) for g in pop.group_names]
        self.citizens = [
            Citizen(
                self,
                self.grid[i],
                opinion=float(pop.opinion[i]),
                eps=float(pop.confidence[i]),
                group=int(pop.group[i]),
                prejudice=float(pop.prejudice[i]),
                online_share=float(pop.online_share[i]),
                prior=priors[int(pop.group[i])],
            )
            for i in range(n)
        ]
        on = net.online
        for i, c in enumerate(self.citizens):
            c.following = [self.citizens[j] for j in on.indices[on.indptr[i] : on.indptr[i + 1]]]
        self._xs: list[float] = []
        self._order: list[Citizen] = []

    def recommend(self, who: Citizen) -> Citizen:
        """A citizen drawn uniformly from those within ``who``'s bound (this week's opinions)."""
        lo = bisect.bisect_left(self._xs, who.opinion - who.eps)
        hi = bisect.bisect_right(self._xs, who.opinion + who.eps)
        return self._order[min(lo + int(self.random.random() * (hi - lo)), len(self._xs) - 1)]

    def interact(self, a: Citizen, b: Citizen, online: bool) -> None:
        """Bounded confidence between a and b; in an online pair a follows b."""
        d = b.opinion - a.opinion
        if online and abs(d) >= a.eps:
            a.discordant_followee = b
        if abs(d) < a.eps:
            a.opinion += self.mu * d
        if abs(d) < b.eps:
            b.opinion -= self.mu * d

    def step(self) -> None:
        """One week: choose layers, match and influence, noise, then unfollow."""
        self.agents.do("begin_week")
        self.agents.shuffle_do("propose")
        self.agents.do("choose")
        self.agents.shuffle_do("meet")
        self.agents.do("drift")
        self._order = sorted(self.citizens, key=lambda c: c.opinion)
        self._xs = [c.opinion for c in self._order]
        self.agents.shuffle_do("rewire")

    # --------------------------------------------------------------- outcomes
    def opinions(self) -> np.ndarray:
        return np.array([c.opinion for c in self.citizens])

    def follow_pairs(self) -> tuple[np.ndarray, np.ndarray]:
        """(follower, followee) indices of every online follow."""
        index = {c: i for i, c in enumerate(self.citizens)}
        src = [i for i, c in enumerate(self.citizens) for _ in c.following]
        dst = [index[f] for c in self.citizens for f in c.following]
        return np.array(src, dtype=np.int64), np.array(dst, dtype=np.int64)
