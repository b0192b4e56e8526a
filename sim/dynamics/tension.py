"""Rule 4, tension per neighbourhood: polarisation and shocks build it, mayors defuse it.

Tension T_n in [0, 1] of neighbourhood n rises with the local spread of opinions
P_n = 2 sd(x in n) (0 when all agree, 1 for two equal camps at 0 and 1) and with shocks
that strike it, each as a share of the room left, T -> T + a P_n (1 - T) + s_n (1 - T),
and decays with the de-escalation capacity c_m of its municipality's mayor,
T -> T - d c_m T. The steady state a P / (a P + d c) rises with polarisation and falls
with capacity (Collins 2008: most confrontations fizzle out unless tension builds).
High tension raises prejudice and lowers trust (in those rules).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from sim.config import TensionConfig

__all__ = ["local_spread", "tension"]

F64 = NDArray[np.float64]


def local_spread(x: F64, neighbourhood: NDArray[np.int32], n_neigh: int) -> F64:
    """2 x the standard deviation of opinions within each neighbourhood, in [0, 1]."""
    cnt = np.bincount(neighbourhood, minlength=n_neigh).astype(np.float64)
    s1 = np.bincount(neighbourhood, weights=x, minlength=n_neigh)
    s2 = np.bincount(neighbourhood, weights=x * x, minlength=n_neigh)
    safe = np.maximum(cnt, 1.0)
    var = np.maximum(s2 / safe - (s1 / safe) ** 2, 0.0)
    return np.minimum(1.0, 2.0 * np.sqrt(var))


def tension(
    tension_nb: F64,
    x: F64,
    neighbourhood: NDArray[np.int32],
    capacity_nb: F64,
    shock_nb: F64,
    cfg: TensionConfig,
) -> None:
    """Update neighbourhood tension in place (deterministic: no random draws)."""
    spread = local_spread(x, neighbourhood, tension_nb.shape[0])
    tension_nb += cfg.rise * spread * (1.0 - tension_nb)
    tension_nb += np.clip(shock_nb, 0.0, 1.0) * (1.0 - tension_nb)
    tension_nb -= cfg.decay * capacity_nb * tension_nb
