"""The rules, one module each, and the registry the model steps through.

A rule is a function over arrays (state, params, rng) in its own module. The registry
maps a rule's name to an adapter ``(model, encounters) -> None`` that hands the rule its
arrays, its parameters and its own random stream. The model runs the enabled rules in
registry order, which is the order of DESIGN.md §2.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from sim.dynamics.bubbles import offline_turnover, unfollow
from sim.dynamics.encounters import Encounters, draw_encounters
from sim.dynamics.influence import influence
from sim.dynamics.participation import participation
from sim.dynamics.prejudice import prejudice
from sim.dynamics.tension import tension
from sim.dynamics.trust import trust
from sim.metrics import TieSums

if TYPE_CHECKING:
    from sim.model import CohesionModel

__all__ = ["RULES", "WRITES", "Encounters", "RuleFn", "draw_encounters", "register_rule"]

RuleFn = Callable[["CohesionModel", Encounters], None]


def _influence(m: CohesionModel, enc: Encounters) -> None:
    d = m.cfg.dynamics
    p = m.population
    influence(
        p.opinion,
        p.confidence,
        d.convergence,
        d.influence,
        enc,
        m.network,
        m.opinion_prior,
        m.streams["influence"],
    )


def _bubbles(m: CohesionModel, enc: Encounters) -> None:
    p, cfg = m.population, m.cfg.dynamics.bubbles
    rng = m.streams["bubbles"]
    n = unfollow(p.opinion, p.confidence, p.group, p.prejudice, m.network.online, enc, cfg, rng)
    s = offline_turnover(
        p.opinion, p.group, p.prejudice, p.neighbourhood, m.network.offline, cfg, rng
    )
    m.counters["unfollows"] += n
    m.counters["offline_swaps"] += s


def _trust(m: CohesionModel, enc: Encounters) -> None:
    p = m.population
    cfg = m.cfg.dynamics.trust
    ties = TieSums.empty(p.group) if cfg.spread > 0.0 else None  # filled in the same pass
    good, bad = trust(
        p.trust,
        p.trust_base,
        p.opinion,
        p.confidence,
        p.vulnerable,
        m.tension[p.neighbourhood],
        m.government.position,
        m.network,
        cfg,
        m.streams["trust"],
        ties,
    )
    if ties is not None and ties.filled:
        m.keep_tie_stats(ties.stats())
    m.counters["good_contacts"] += good
    m.counters["bad_contacts"] += bad


def _tension(m: CohesionModel, enc: Encounters) -> None:
    p = m.population
    capacity = m.mayor_capacity()[p.neighbourhood_municipality]
    tension(
        m.tension, p.opinion, p.neighbourhood, capacity, m.shock_tension, m.cfg.dynamics.tension
    )


def _prejudice(m: CohesionModel, enc: Encounters) -> None:
    p = m.population
    m.counters["cross_group_contacts"] += prejudice(
        p.prejudice,
        p.prejudice_base,
        p.group,
        p.confidence,
        m.tension[p.neighbourhood],
        enc,
        m.cfg.dynamics.prejudice,
    )


def _participation(m: CohesionModel, enc: Encounters) -> None:
    p = m.population
    deg, cross, _ = m.tie_stats()
    bridging = cross / deg.clip(min=1.0)
    participation(p.participation, p.trust, bridging, m.cfg.dynamics.participation)


#: name -> adapter, in the order the model applies them.
RULES: dict[str, RuleFn] = {
    "influence": _influence,
    "bubbles": _bubbles,
    "trust": _trust,
    "tension": _tension,
    "prejudice": _prejudice,
    "participation": _participation,
}


#: name -> the state arrays the rule writes (checked after it runs, sim/checks.py).
WRITES: dict[str, tuple[str, ...]] = {
    "influence": ("opinion",),
    "bubbles": (),
    "trust": ("trust",),
    "tension": ("tension",),
    "prejudice": ("prejudice",),
    "participation": ("participation",),
}


def register_rule(name: str, fn: RuleFn, writes: tuple[str, ...] | None = None) -> None:
    """Add a rule (e.g. from a plug-in); it runs after the built-in rules.

    Args:
        name: the rule's name (``dynamics.<name>`` is not a config key for plug-ins).
        fn: ``(model, encounters) -> None``.
        writes: the state arrays it changes (default: all are checked after it).
    """
    if name in RULES:
        raise ValueError(f"a rule named {name!r} is already registered")
    RULES[name] = fn
    if writes is not None:
        WRITES[name] = writes
