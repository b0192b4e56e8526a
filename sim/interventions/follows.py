"""Replacing online follows: recommendations from the other side, or from one's own.

Used by platform measures (diverse recommendations) and by the disinformation wave
(like-minded recommendations). A chosen user replaces one of their follows (a random
entry of their row) by a citizen drawn uniformly from those whose opinion lies outside
(``outside=True``) or inside their confidence bound; ``outside=False`` only replaces a
follow that was outside the bound (a discordant one). The replacement is skipped if it
would be a self-loop or a follow the user already has. Out-degrees never change.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from sim.network import Layer, csr_contains

__all__ = ["replace_follows"]

F64 = NDArray[np.float64]
I64 = NDArray[np.int64]


def replace_follows(
    online: Layer,
    x: F64,
    eps: F64,
    who: I64,
    u_entry: F64,
    u_cand: F64,
    *,
    outside: bool,
) -> int:
    """Replace one follow of each of ``who`` in place (see module docstring); returns count.

    ``u_entry`` and ``u_cand`` are uniform numbers per citizen (drawn at full size by the
    caller, so its stream draws the same amount whoever is chosen).
    """
    n = x.shape[0]
    who = who[online.degree[who] > 0]
    if who.shape[0] == 0:
        return 0
    order = np.argsort(x, kind="stable")
    xs = x[order]
    lo = np.searchsorted(xs, x[who] - eps[who], side="left")
    hi = np.searchsorted(xs, x[who] + eps[who], side="right")
    deg = online.degree[who]
    entry = online.indptr[who] + np.minimum((u_entry[who] * deg).astype(np.int64), deg - 1)
    if outside:
        pool = n - (hi - lo)
        r = np.minimum((u_cand[who] * pool).astype(np.int64), np.maximum(pool - 1, 0))
        cand = order[np.minimum(np.where(r < lo, r, r + (hi - lo)), n - 1)]
    else:
        pool = hi - lo
        old = online.indices[entry].astype(np.int64)
        pool = np.where(np.abs(x[old] - x[who]) >= eps[who], pool, 0)
        r = np.minimum((u_cand[who] * pool).astype(np.int64), np.maximum(pool - 1, 0))
        cand = order[np.minimum(lo + r, n - 1)]
    ok = (pool > 0) & (cand != who) & ~csr_contains(online, who, cand)
    online.indices[entry[ok]] = cand[ok].astype(np.int32)
    return int(ok.sum())
