"""Rule 6, participation: propensity follows trust and bridging ties.

A citizen's participation propensity (to vote, join a council, volunteer) moves a share
r each week towards base + w_t t + w_b b, clipped to [0, 1], where t is its trust and b
the share of its ties that cross group lines: trust and bridging social capital both
predict civic participation (Putnam 2000; Hooghe & Marien 2013). Elections are
scheduled events of the model; each citizen turns out with its propensity.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from sim.config import ParticipationConfig

__all__ = ["participation"]

F64 = NDArray[np.float64]


def participation(prop: F64, trust: F64, bridging: F64, cfg: ParticipationConfig) -> None:
    """Move participation propensity in place towards its target (no random draws)."""
    target = np.clip(cfg.base + cfg.trust_weight * trust + cfg.bridging_weight * bridging, 0.0, 1.0)
    prop += cfg.rate * (target - prop)
