"""Target selection: which citizens an intervention may reach.

A :class:`~sim.config.TargetConfig` is a conjunction of filters (municipalities, a
group, a vulnerability flag, and a share of the neighbourhoods: those with the lowest
mean political trust or the highest tension). A share rather than a count, so the same
target means the same in a town of a few neighbourhoods and in the country. The
selection is evaluated once, when the intervention starts, from
the state at that moment; it draws no random numbers.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from sim.config import TargetConfig

if TYPE_CHECKING:
    from sim.model import CohesionModel

__all__ = ["ranked_count", "select", "vulnerable_mask"]

Mask = NDArray[np.bool_]


def ranked_count(candidates: int, share: float) -> int:
    """How many of ``candidates`` neighbourhoods a ranked target takes.

    The share of them, rounded to the nearest, and at least one (none if there are no
    candidates).
    """
    if candidates == 0:
        return 0
    return min(candidates, max(1, math.floor(share * candidates + 0.5)))


def vulnerable_mask(model: CohesionModel, which: str) -> Mask:
    """Citizens with the given vulnerability flag (``any`` for any flag), now."""
    pop = model.population
    if which == "any":
        return pop.vulnerable.copy()
    flag: Mask = getattr(pop, which)
    return flag.copy()


def select(model: CohesionModel, target: TargetConfig) -> Mask:
    """The citizens ``target`` selects in the model's current state (a boolean mask)."""
    pop = model.population
    mask = np.ones(pop.size, dtype=bool)
    if target.municipalities is not None:
        mask &= np.isin(pop.municipality, np.asarray(target.municipalities))
    if target.group is not None:
        mask &= pop.group == pop.group_names.index(target.group)
    if target.vulnerable is not None:
        mask &= vulnerable_mask(model, target.vulnerable)
    if target.neighbourhoods != "all":
        n_nb = pop.n_neighbourhoods
        size = np.bincount(pop.neighbourhood, minlength=n_nb).astype(np.float64)
        if target.neighbourhoods == "lowest_trust":
            mean_trust = np.bincount(pop.neighbourhood, weights=pop.trust, minlength=n_nb)
            score = mean_trust / np.maximum(size, 1.0)
        else:
            score = -model.tension
        candidates = np.flatnonzero(np.bincount(pop.neighbourhood[mask], minlength=n_nb) > 0)
        order = np.argsort(score[candidates], kind="stable")
        chosen = candidates[order[: ranked_count(candidates.shape[0], target.share)]]
        mask &= np.isin(pop.neighbourhood, chosen)
    return mask
