"""Who meets whom this week: a random matching per step, shared by the rules.

Each citizen meets at most one other citizen per week, so simultaneous pairwise moves
never overshoot. A citizen is in the online layer this week with probability equal to
its online share, else offline; pairs form within a layer only.

- Random mixing (no network): offline, a random permutation of the offline citizens,
  paired off in order; online, each online citizen proposes a partner among all other
  online citizens as on a complete graph, with algorithmic bias (below; uniform for
  gamma = 0, so the weekly meeting rate does not jump as gamma leaves 0), and the
  proposals are matched like offline ties.
- Offline ties: every tie gets a random priority; a tie whose priority is the highest at
  both its ends is matched (one round of locally dominant matching).
- Online follows: each online citizen proposes one followee who is online too, chosen
  with algorithmic bias, P(j) proportional to max(|x_i - x_j|, 1e-5)^-gamma (Sirbu et
  al. 2019; gamma = 0 is uniform); proposals are then matched like offline ties.

Every array of random numbers is drawn at full size each week whatever the state, so a
run that changes opinions or ties draws the same numbers here (common random numbers).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from sim.network import Layer, Network

__all__ = ["DENSE_BIAS_LIMIT", "Encounters", "draw_encounters", "match_proposals"]

F64 = NDArray[np.float64]
I64 = NDArray[np.int64]

#: Largest population for algorithmic bias over all citizens (dense, O(N^2) per week).
DENSE_BIAS_LIMIT = 50_000
_MIN_DIST = 1e-5


@dataclass
class Encounters:
    """This week's pairs.

    Attributes:
        a, b: the two citizens of each pair (int64); in an online pair ``a`` proposed,
            i.e. ``a`` follows ``b``.
        online: whether each pair met online.
        entry: for online pairs, the position of ``a -> b`` in the online layer; -1 else.
        distance: |x_a - x_b| when they met (before any rule moved them).
    """

    a: I64
    b: I64
    online: NDArray[np.bool_]
    entry: I64
    distance: F64

    @property
    def size(self) -> int:
        """Number of pairs."""
        return int(self.a.shape[0])


def match_proposals(u: I64, v: I64, priority: F64, n: int) -> NDArray[np.bool_]:
    """Locally dominant matching: keep edge k if its priority is the top at u_k and v_k.

    Edges with negative priority never match. Distinct priorities make the result a
    matching (no citizen in two kept edges).
    """
    best = np.full(n, -1.0)
    np.maximum.at(best, u, priority)
    np.maximum.at(best, v, priority)
    return (priority >= 0.0) & (priority == best[u]) & (priority == best[v])


def _segment_argmax(key: F64, layer: Layer) -> I64:
    """Per row of ``layer``, the entry with the largest key (-1 for rows of -inf/empty)."""
    n = layer.n
    out = np.full(n, -1, dtype=np.int64)
    deg = layer.degree
    rows = np.flatnonzero(deg > 0)
    if rows.shape[0] == 0:
        return out
    best = np.maximum.reduceat(key, layer.indptr[rows])
    top = np.full(n, -np.inf)
    top[rows] = best
    hit = np.flatnonzero((key == top[layer.src]) & np.isfinite(key))
    # first hit per row: hits are in row order, so take the first of each run
    src = layer.src[hit]
    first = np.ones(hit.shape[0], dtype=bool)
    first[1:] = src[1:] != src[:-1]
    out[src[first]] = hit[first]
    return out


def _pairs_from_permutation(perm: I64, eligible: NDArray[np.bool_]) -> tuple[I64, I64]:
    members = perm[eligible[perm]]
    k = members.shape[0] // 2
    return members[0 : 2 * k : 2], members[1 : 2 * k : 2]


def _dense_bias_choice(
    x: F64, eligible: NDArray[np.bool_], gamma: float, u: F64, chunk: int = 2048
) -> I64:
    """Partner for every eligible citizen among all other eligible ones, with bias gamma."""
    n = int(x.shape[0])
    choice = np.full(n, -1, dtype=np.int64)
    idx = np.flatnonzero(eligible)
    if idx.shape[0] < 2:
        return choice
    xe = x[idx]
    for s in range(0, idx.shape[0], chunk):
        rows = np.arange(s, min(s + chunk, idx.shape[0]))
        d = np.abs(xe[rows, None] - xe[None, :])
        w = np.maximum(d, _MIN_DIST) ** (-gamma)
        w[np.arange(rows.shape[0]), rows] = 0.0
        cw = np.cumsum(w, axis=1)
        target = u[idx[rows]] * cw[:, -1]
        pick = (cw < target[:, None]).sum(axis=1)
        choice[idx[rows]] = idx[np.minimum(pick, idx.shape[0] - 1)]
    return choice


def _uniform_choice(eligible: NDArray[np.bool_], u: F64) -> I64:
    """Partner for every eligible citizen, uniform among the other eligible ones."""
    n = eligible.shape[0]
    choice = np.full(n, -1, dtype=np.int64)
    idx = np.flatnonzero(eligible)
    m = idx.shape[0]
    if m < 2:
        return choice
    k = np.minimum((u[idx] * (m - 1)).astype(np.int64), m - 2)
    k += k >= np.arange(m)  # skip oneself
    choice[idx] = idx[k]
    return choice


def draw_encounters(
    x: F64,
    online_share: F64,
    network: Network,
    gamma: float,
    rng: np.random.Generator,
) -> Encounters:
    """Draw this week's pairs (see module docstring). Draw sizes never depend on state."""
    n = int(x.shape[0])
    go_online = rng.random(n) < online_share
    off = network.offline
    on = network.online
    r_off = rng.random(off.n_entries)
    g_on = rng.random(on.n_entries)
    r_prop = rng.random(n)
    if network.random_mixing:
        perm = rng.permutation(n)
        u_dense = rng.random(n)
    a_parts: list[I64] = []
    b_parts: list[I64] = []
    online_parts: list[NDArray[np.bool_]] = []
    entry_parts: list[I64] = []

    def add(
        a: NDArray[np.integer], b: NDArray[np.integer], online: bool, entry: I64 | None = None
    ) -> None:
        a_parts.append(a.astype(np.int64))
        b_parts.append(b.astype(np.int64))
        online_parts.append(np.full(a.shape[0], online))
        entry_parts.append(entry if entry is not None else np.full(a.shape[0], -1, np.int64))

    if network.random_mixing:
        # Everyone can meet everyone; the layer only says online or offline.
        for layer_online in (False, True):
            elig = go_online if layer_online else ~go_online
            if layer_online:
                if gamma > 0.0 and n > DENSE_BIAS_LIMIT:
                    raise ValueError(
                        "algorithmic bias over all citizens (network.kind=random_mixing) is "
                        f"limited to {DENSE_BIAS_LIMIT} citizens; use a network"
                    )
                if gamma > 0.0:
                    choice = _dense_bias_choice(x, elig, gamma, u_dense)
                else:
                    choice = _uniform_choice(elig, u_dense)
                prop = np.flatnonzero(choice >= 0)
                keep = match_proposals(prop, choice[prop], r_prop[prop], n)
                add(prop[keep], choice[prop][keep], True)
            else:
                a, b = _pairs_from_permutation(perm, elig)
                add(a, b, layer_online)
    else:
        if off.n_entries:
            offline_ok = ~go_online[off.src] & ~go_online[off.indices]
            pr = np.where(offline_ok, np.maximum(r_off, r_off[off.twin]), -1.0)
            keep = match_proposals(off.src.astype(np.int64), off.indices.astype(np.int64), pr, n)
            keep &= off.src < off.indices  # each tie once
            add(off.src[keep], off.indices[keep], False)
        if on.n_entries:
            ok = go_online[on.src] & go_online[on.indices]
            d = np.maximum(np.abs(x[on.src] - x[on.indices]), _MIN_DIST)
            gumbel = -np.log(-np.log(np.clip(g_on, 1e-300, 1.0 - 1e-16)))
            key = np.where(ok, gumbel - gamma * np.log(d), -np.inf)
            entry = _segment_argmax(key, on)
            prop = np.flatnonzero(entry >= 0)
            to = on.indices[entry[prop]].astype(np.int64)
            keep = match_proposals(prop, to, r_prop[prop], n)
            add(prop[keep], to[keep], True, entry[prop][keep])
    a = np.concatenate(a_parts) if a_parts else np.zeros(0, np.int64)
    b = np.concatenate(b_parts) if b_parts else np.zeros(0, np.int64)
    return Encounters(
        a=a,
        b=b,
        online=np.concatenate(online_parts) if online_parts else np.zeros(0, bool),
        entry=np.concatenate(entry_parts) if entry_parts else np.zeros(0, np.int64),
        distance=np.abs(x[a] - x[b]),
    )
