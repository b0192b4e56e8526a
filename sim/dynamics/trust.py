"""Rule 3, trust in institutions: contacts, contagion, representation gap and recovery.

Each week a citizen has a contact with an institution (police, municipality, benefits
office) with probability c, higher by a factor for vulnerable citizens, who also have
bad contacts more often. A bad contact lowers trust by a share b of its level
(t -> t - b t), a good one raises it by a share g of the room left (t -> t + g (1 - t));
b is several times g, after Skogan (2006), who found a bad police encounter weighs 4 to
14 times a good one (taken here as an upper range for institutions in general). Trust
then moves a share s towards the mean trust of the citizen's ties with similar opinions
(|x_i - x_j| < eps_i): trust spreads in like-minded circles. The gap between a
citizen's opinion and the government's position erodes it (t -> t - e |x - x_gov| t),
local tension erodes it (t -> t - k T t), and it recovers towards the citizen's own
dispositional level t0 (t -> t + r (t0 - t)), so that in calm times trust settles near
r t0 / (r + losses) and differences between citizens persist. Each step is a convex
move, so trust stays in [0, 1].

That is political trust. Trust in the rule of law (police, judges) is moved by the same
contacts with the same effects, eroded by local tension and recovers towards its own
level, but is not eroded by the opinion gap to the government nor spread through ties.
Trust in other people (:func:`people_trust`) rises by a share of the room left with a
favourable contact across groups that week (the contacts of the prejudice rule), is
eroded by local tension and recovers towards its own level. A shock or intervention
moves whichever trust it names.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from sim.config import TrustConfig
from sim.metrics import TieSums
from sim.network import Network

__all__ = ["people_trust", "similar_tie_mean", "trust"]

F64 = NDArray[np.float64]


def similar_tie_mean(
    values: F64, x: F64, eps: F64, network: Network, ties: TieSums | None = None
) -> tuple[F64, NDArray[np.int64]]:
    """Mean of ``values`` (finite) over each citizen's ties (both layers) within its bound.

    ``ties``, if given, is filled by the same pass over the ties (sim/metrics.py), so
    that the week's tie statistics cost no second pass.
    """
    n = x.shape[0]
    sums = ties if ties is not None else TieSums.empty(np.zeros(n, dtype=np.int8))
    sums.fill(network, x, eps, values)
    total, count = sums.near_sum, sums.near_count
    return np.divide(total, count, out=np.zeros(n), where=count > 0), count


def trust(
    t: F64,
    t0: F64,
    x: F64,
    eps: F64,
    vulnerable: NDArray[np.bool_],
    tension_here: F64,
    gov_position: float,
    network: Network,
    cfg: TrustConfig,
    rng: np.random.Generator,
    ties: TieSums | None = None,
    *,
    law: tuple[F64, F64] | None = None,
) -> tuple[int, int]:
    """Update trust ``t`` in place; returns (good contacts, bad contacts).

    ``ties``, if given, is filled with the week's tie sums by the contagion's pass
    over the ties (when ``spread`` > 0). ``law``, if given, is (trust in the rule of
    law, its level), updated in place by the same contacts (no further draws).
    """
    n = int(t.shape[0])
    u_contact = rng.random(n)
    u_bad = rng.random(n)
    p_contact = np.minimum(
        1.0, cfg.contact_rate * np.where(vulnerable, cfg.vulnerable_contact_factor, 1.0)
    )
    p_bad = np.minimum(
        1.0, cfg.bad_contact_prob * np.where(vulnerable, cfg.vulnerable_bad_factor, 1.0)
    )
    contact = u_contact < p_contact
    bad = contact & (u_bad < p_bad)
    good = contact & ~bad
    del u_contact, u_bad, p_contact, p_bad  # not alive during the pass over the ties
    t[bad] -= cfg.bad_effect * t[bad]
    t[good] += cfg.good_effect * (1.0 - t[good])
    if law is not None:
        tl, tl0 = law
        tl[bad] -= cfg.bad_effect * tl[bad]
        tl[good] += cfg.good_effect * (1.0 - tl[good])
        tl -= cfg.rule_of_law_tension_effect * tension_here * tl
        tl += cfg.rule_of_law_recovery * (tl0 - tl)
    if cfg.spread > 0.0:
        m, count = similar_tie_mean(t, x, eps, network, ties)
        has = count > 0
        t[has] += cfg.spread * (m[has] - t[has])
    t -= cfg.gap_erosion * np.abs(x - gov_position) * t
    t -= cfg.tension_effect * tension_here * t
    t += cfg.recovery * (t0 - t)
    return int(good.sum()), int(bad.sum())


def people_trust(
    tp: F64,
    tp0: F64,
    bridged: NDArray[np.bool_],
    tension_here: F64,
    cfg: TrustConfig,
) -> None:
    """Update trust in other people ``tp`` in place (no random draws).

    ``bridged``: citizens with a favourable contact across groups this week.
    """
    tp[bridged] += cfg.people_contact_effect * (1.0 - tp[bridged])
    tp -= cfg.people_tension_effect * tension_here * tp
    tp += cfg.people_recovery * (tp0 - tp)
