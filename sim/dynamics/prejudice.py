"""Rule 5, prejudice towards out-groups: contact lowers it, tension raises it.

A week's encounter with a citizen of another group whose opinion is within the
citizen's bound (a contact under Allport's favourable conditions) lowers prejudice by a
share k of its level, p -> p - k p (Pettigrew & Tropp 2006 find a mean r = -.21
between contact and prejudice; the default k is set so that a simulated contact study
reproduces a correlation of that size, see docs/model.md). Tension in the citizen's
neighbourhood raises it, p -> p + h T (1 - p), and it relaxes towards the citizen's
own dispositional level p0, p -> p + r (p0 - p). Prejudice feeds homophily in the bubbles rule.

Prejudice towards Muslims (:func:`prejudice_towards_muslims`), held by citizens who are
not Muslim, follows the same rule with the same rates: a favourable encounter with a
Muslim citizen lowers it, tension raises it, and it relaxes towards its own level.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from sim.config import PrejudiceConfig
from sim.dynamics.encounters import Encounters

__all__ = ["contacts_with", "cross_group_contacts", "prejudice", "prejudice_towards_muslims"]

F64 = NDArray[np.float64]


def cross_group_contacts(
    group: NDArray[np.int8], eps: F64, enc: Encounters, n: int
) -> NDArray[np.bool_]:
    """Citizens who had a favourable (within-bound) encounter with another group."""
    cross = group[enc.a] != group[enc.b]
    return _favourable(enc, eps, n, cross, cross)


def _favourable(
    enc: Encounters, eps: F64, n: int, for_a: NDArray[np.bool_], for_b: NDArray[np.bool_]
) -> NDArray[np.bool_]:
    """Citizens with a within-bound encounter with a partner that counts.

    ``for_a``: per pair, whether ``b`` counts as a partner for ``a``; ``for_b`` the other way.
    """
    hit = np.zeros(n, dtype=bool)
    hit[enc.a[for_a & (enc.distance < eps[enc.a])]] = True
    hit[enc.b[for_b & (enc.distance < eps[enc.b])]] = True
    return hit


def prejudice(
    p: F64,
    p0: F64,
    group: NDArray[np.int8],
    eps: F64,
    tension_here: F64,
    enc: Encounters,
    cfg: PrejudiceConfig,
    hit: NDArray[np.bool_] | None = None,
) -> int:
    """Update prejudice in place (no random draws); returns the favourable contacts.

    ``hit``: the citizens with a favourable contact across groups, if already known
    (:func:`cross_group_contacts`).
    """
    if hit is None:
        hit = cross_group_contacts(group, eps, enc, p.shape[0])
    _contact_rule(p, p0, hit, tension_here, cfg)
    return int(hit.sum())


def _contact_rule(
    p: F64, p0: F64, hit: NDArray[np.bool_], tension_here: F64, cfg: PrejudiceConfig
) -> None:
    """Contact lowers ``p``, tension raises it, it relaxes towards ``p0`` (in place)."""
    p[hit] -= cfg.contact_effect * p[hit]
    p += cfg.tension_effect * tension_here * (1.0 - p)
    p += cfg.relaxation * (p0 - p)


def contacts_with(
    target: NDArray[np.bool_], eps: F64, enc: Encounters, n: int
) -> NDArray[np.bool_]:
    """Citizens who had a favourable (within-bound) encounter with a ``target`` citizen."""
    return _favourable(enc, eps, n, target[enc.b], target[enc.a])


def prejudice_towards_muslims(
    pm: F64,
    pm0: F64,
    muslim: NDArray[np.bool_],
    eps: F64,
    tension_here: F64,
    enc: Encounters,
    cfg: PrejudiceConfig,
) -> None:
    """Update prejudice towards Muslims in place (non-Muslims only; no random draws)."""
    hit = contacts_with(muslim, eps, enc, pm.shape[0])
    hit &= ~muslim
    _contact_rule(pm, pm0, hit, tension_here, cfg)
    pm[muslim] = 0.0  # held by non-Muslims only
