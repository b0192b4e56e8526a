"""Rule 1, influence: bounded confidence between the citizens who met this week.

Pairwise (Deffuant et al. 2000): if |x_i - x_j| < eps_i, citizen i moves by
mu (x_j - x_i) towards j (and j likewise with its own eps_j); mu is in (0, 0.5], so
neither passes the midpoint. Optional repulsion (Jager & Amblard 2005): beyond a second
bound the two move apart by mu times their distance, clipped to [0, 1]. Optional
similarity weighting (Flache & Macy 2011): every pair interacts with weight
w = 1 - |d| (positive influence only) or w = 1 - 2|d| (negative influence for
|d| > 0.5), and a move is damped by the distance to the bound it heads for, which keeps
opinions in [0, 1] without clipping (their smoothing, mapped from [-1, 1] to [0, 1]).

Noise (Pineda, Toral & Hernandez-Garcia 2009): each week a share of citizens redraw
their opinion from their group's initial distribution (new experiences, newcomers,
generational turnover); without it bounded confidence freezes into a few clusters that
never change, with it a lasting diversity of opinion survives.

Synchronous (Hegselmann & Krause 2002): every citizen moves at once to the mean
opinion of everyone within its bound (itself included): over all citizens under random
mixing, over its ties on a network. With similarity weighting, synchronous is Flache &
Macy's (2011) own aggregation: every citizen moves at once by mu times the weighted mean
of (x_j - x_i) over all its ties, the weights as above (negative ones push away), damped
as above. Their rate is 1/2 (mu = 0.5); it needs a network (ties to average over).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from sim.config import InfluenceConfig
from sim.dynamics.encounters import Encounters
from sim.network import Network

__all__ = ["hk_update", "influence", "similarity_update"]

F64 = NDArray[np.float64]


def _pairwise(x: F64, eps: F64, mu: float, cfg: InfluenceConfig, enc: Encounters) -> None:
    a, b = enc.a, enc.b
    xa, xb = x[a], x[b]
    d = xb - xa
    if cfg.weighting == "similarity":
        w = 1.0 - (2.0 if cfg.negative_influence else 1.0) * np.abs(d)
        da = mu * w * d
        db = -mu * w * d
        x[a] = _damp(xa, da)
        x[b] = _damp(xb, db)
        return
    dist = np.abs(d)
    move_a = np.where(dist < eps[a], mu * d, 0.0)
    move_b = np.where(dist < eps[b], -mu * d, 0.0)
    if cfg.repulsion is not None:
        far = dist > cfg.repulsion
        move_a = np.where(far, -mu * d, move_a)
        move_b = np.where(far, mu * d, move_b)
        x[a] = np.clip(xa + move_a, 0.0, 1.0)
        x[b] = np.clip(xb + move_b, 0.0, 1.0)
        return
    x[a] = xa + move_a
    x[b] = xb + move_b


def _damp(x: F64, delta: F64) -> F64:
    """Flache & Macy smoothing: a move towards 1 is scaled by (1 - x), towards 0 by x."""
    return x + np.where(delta > 0, delta * (1.0 - x), delta * x)


def hk_update(x: F64, eps: F64, network: Network) -> F64:
    """Synchronous Hegselmann-Krause update; returns the new opinions."""
    n = int(x.shape[0])
    if network.random_mixing:
        order = np.argsort(x, kind="stable")
        xs = x[order]
        csum = np.concatenate([[0.0], np.cumsum(xs)])
        lo = np.searchsorted(xs, x - eps, side="left")
        hi = np.searchsorted(xs, x + eps, side="right")
        return (csum[hi] - csum[lo]) / (hi - lo)
    total = x.copy()
    count = np.ones(n)
    for layer in (network.offline, network.online):
        if layer.n_entries == 0:
            continue
        src, dst = layer.src, layer.indices
        near = np.abs(x[src] - x[dst]) <= eps[src]
        total += np.bincount(src[near], weights=x[dst][near], minlength=n)
        count += np.bincount(src[near], minlength=n)
    return total / count


def similarity_update(x: F64, mu: float, negative: bool, network: Network) -> F64:
    """Synchronous Flache & Macy (2011) update over the ties; returns the new opinions.

    Each citizen i moves by mu * sum_j w_ij (x_j - x_i) / k_i over its k_i tie entries in
    both layers, with w_ij = 1 - c |x_j - x_i| (c = 2 with negative influence, else 1),
    damped by the distance to the bound it heads for. A citizen without ties stays put.
    """
    n = int(x.shape[0])
    c = 2.0 if negative else 1.0
    total = np.zeros(n)
    count = np.zeros(n)
    for layer in (network.offline, network.online):
        if layer.n_entries == 0:
            continue
        src, dst = layer.src, layer.indices
        d = x[dst] - x[src]
        total += np.bincount(src, weights=(1.0 - c * np.abs(d)) * d, minlength=n)
        count += np.bincount(src, minlength=n)
    delta = mu * total / np.maximum(count, 1.0)
    return _damp(x, delta)


def influence(
    x: F64,
    eps: F64,
    mu: float,
    cfg: InfluenceConfig,
    enc: Encounters,
    network: Network,
    prior: tuple[F64, F64] | None,
    rng: np.random.Generator,
) -> None:
    """Apply the influence rule in place to the opinions ``x``.

    ``prior`` is the (mean, sd) of each citizen's initial opinion distribution, or None
    for uniform initial opinions; noise redraws from it.
    """
    n = int(x.shape[0])
    u_noise = rng.random(n)
    z = rng.standard_normal(n)
    u_new = rng.random(n)
    if cfg.update == "synchronous" and cfg.weighting == "similarity":
        x[:] = similarity_update(x, mu, cfg.negative_influence, network)
    elif cfg.update == "synchronous":
        x[:] = hk_update(x, eps, network)
    else:
        _pairwise(x, eps, mu, cfg, enc)
    if cfg.noise > 0.0:
        redraw = np.flatnonzero(u_noise < cfg.noise)
        if prior is None:
            x[redraw] = u_new[redraw]
        else:
            x[redraw] = np.clip(prior[0][redraw] + prior[1][redraw] * z[redraw], 0.0, 1.0)
