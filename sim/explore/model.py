"""The explorer's model: :class:`~sim.model.CohesionModel` built from keyword levers.

Mesa's SolaraViz (re)creates a model by calling its class with the controls' values as
keyword arguments. :class:`ExplorerModel` turns those into Hydra overrides
(:func:`sim.explore.options.overrides`), composes the config exactly as the command
line does, and hands it to :class:`CohesionModel`; it adds no rule of its own. It only
stops the run at its horizon (Mesa's ``running`` flag), and reuses the burn-in of an
earlier model whose config differs only in the policy or horizon (as sweeps do, see
:mod:`sim.sweep.burn_in`), so changing a policy lever and pressing Reset is quick.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

from sim.compose import compose
from sim.config import RunConfig
from sim.explore.options import AS_CONFIGURED, UNCERTAIN, Levers, command, defaults, overrides
from sim.model import CohesionModel
from sim.prepare import prepare
from sim.run import start_state as burn_in_state
from sim.state import StartState
from sim.sweep.burn_in import burn_in_key

__all__ = ["ExplorerModel", "start_state"]

_CACHE_SIZE = 8
_cache: OrderedDict[str, StartState] = OrderedDict()
_lock = threading.Lock()


def start_state(cfg: RunConfig) -> StartState:
    """The state after ``cfg``'s burn-in, from a small in-memory cache or computed.

    The state is copied when a model starts from it, so the cached one stays as it was.
    """
    key = burn_in_key(cfg)
    with _lock:
        state = _cache.get(key)
        if state is not None:
            _cache.move_to_end(key)
            return state
    state = burn_in_state(cfg)
    with _lock:
        _cache[key] = state
        while len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)
    return state


class ExplorerModel(CohesionModel):
    """The cohesion model as the explorer's controls set it.

    Args:
        future: a future (a file of ``configs/scenario/``); None for the default.
        policy: a policy (a file of ``configs/policy/``); None for the default.
        start_week: the week every intervention of the policy starts (>= 1).
        weeks_active: weeks each intervention runs (0: until the end of the run).
        budget: the policy's budget in euros per 1,000 citizens a year.
        capacity: fixed units per week for each intervention (0: from the budget).
        target: whom the interventions target (see
            :func:`sim.explore.options.target_choices`).
        neighbourhoods_share: the share of neighbourhoods a ranked target takes (0-1].
        confidence: ``dynamics.confidence`` (eps).
        algorithmic_bias: ``dynamics.algorithmic_bias`` (gamma).
        unfollow: ``dynamics.bubbles.unfollow`` (q).
        population_size: citizens.
        seed: the root seed.
        steps: weeks after the burn-in.

    Attributes:
        overrides: the Hydra overrides the model was composed from.
        command: the ``cohesion-sim`` command that runs the same model.
    """

    def __init__(
        self,
        future: str | None = None,
        policy: str | None = None,
        start_week: int = 1,
        weeks_active: int = 0,
        budget: int | None = None,
        capacity: int = 0,
        target: str = AS_CONFIGURED,
        neighbourhoods_share: float = 0.1,
        confidence: float | None = None,
        algorithmic_bias: float | None = None,
        unfollow: float | None = None,
        population_size: int | None = None,
        seed: int | None = None,
        steps: int | None = None,
    ) -> None:
        d = defaults()
        given: dict[str, float | None] = {
            "dynamics.confidence": confidence,
            "dynamics.algorithmic_bias": algorithmic_bias,
            "dynamics.bubbles.unfollow": unfollow,
        }
        uncertain = []
        for key in UNCERTAIN:
            value = given[key]
            uncertain.append((key, float(d[key]) if value is None else float(value)))
        levers = Levers(
            future=d["future"] if future is None else future,
            policy=d["policy"] if policy is None else policy,
            start=int(start_week),
            weeks=int(weeks_active),
            budget=float(d["budget"] if budget is None else budget),
            capacity=int(capacity),
            target=target,
            share=float(neighbourhoods_share),
            uncertain=tuple(uncertain),
            population_size=int(
                d["population_size"] if population_size is None else population_size
            ),
            seed=int(d["seed"] if seed is None else seed),
            steps=int(d["steps"] if steps is None else steps),
        )
        self.levers = levers
        self.overrides = overrides(levers)
        self.command = command(self.overrides)
        cfg = prepare(compose([*self.overrides, "progress=false", "plot=false"]))
        super().__init__(cfg, start=start_state(cfg))
        self.running = cfg.steps > 0

    def step(self) -> None:
        """One week of :class:`CohesionModel`; stop at the horizon."""
        super().step()
        if self.steps >= self.cfg.steps:
            self.running = False
