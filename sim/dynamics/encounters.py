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

On a network the draw is two compiled loops over the rows of each layer (numba): the
offline one gives each tie one uniform priority (taken in row order at the tie's entry
from its smaller end), the online one picks each proposal by the inverse of the
weights' running sum over the row with one uniform per citizen. Neither allocates
anything per tie entry; each reads a neighbour's state once or twice, prefetched a few
entries ahead (sim/prefetch.py).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import njit
from numpy.typing import NDArray

from sim.network import Network
from sim.prefetch import PREFETCH_AHEAD, prefetch, worth_prefetching

__all__ = ["DENSE_BIAS_LIMIT", "Encounters", "draw_encounters", "match_proposals"]

F64 = NDArray[np.float64]
I64 = NDArray[np.int64]

#: Largest population for algorithmic bias over all citizens (dense, O(N^2) per week).
DENSE_BIAS_LIMIT = 50_000
_MIN_DIST = 1e-5
#: How many online citizens ahead the online draw prefetches the followees' state.
_ROWS_AHEAD = 4


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


@njit(cache=True, nogil=True)
def _offline_matching(
    indptr: I64,
    indices: NDArray[np.int32],
    go_online: NDArray[np.bool_],
    r_tie: F64,
    pf: bool,
) -> tuple[I64, I64]:
    """Locally dominant matching of the offline ties whose ends are both offline.

    Tie k (in row order, counted at the entry ``i -> j`` with ``i < j``) has priority
    ``r_tie[k]``; a tie is kept when its priority is the top at both ends. A citizen
    already kept is never kept twice (ties between equal priorities), so the result is
    a matching. Pairs come out in row order of their smaller end.

    One pass over the ties finds each citizen's top priority and the other end of that
    tie (side by side, one cache miss per entry); with distinct priorities a tie is kept
    exactly when its two ends name each other, which a pass over the citizens checks.
    If two ties at one citizen share its top priority, a second pass over the ties
    settles them in row order (:func:`_match_in_row_order`). With ``pf`` the state of
    the citizens a few entries ahead is prefetched (:func:`sim.prefetch.worth_prefetching`).
    """
    n = indptr.shape[0] - 1
    m = indices.shape[0]
    top = np.full((n, 2), -1.0)  # top priority at each citizen, the other end of its tie
    flat = top.reshape(-1)
    equal = False
    t = 0
    for i in range(n):
        off_i = not go_online[i]
        for e in range(indptr[i], indptr[i + 1]):
            if pf and e + PREFETCH_AHEAD < m:
                ahead = indices[e + PREFETCH_AHEAD]
                prefetch(go_online, ahead)
                prefetch(flat, 2 * ahead)
            j = indices[e]
            if j > i:
                if off_i and not go_online[j]:
                    p = r_tie[t]
                    if p >= top[i, 0]:
                        equal |= p == top[i, 0]
                        top[i, 0] = p
                        top[i, 1] = j
                    if p >= top[j, 0]:
                        equal |= p == top[j, 0]
                        top[j, 0] = p
                        top[j, 1] = i
                t += 1
    if equal:
        return _match_in_row_order(indptr, indices, go_online, r_tie, top[:, 0].copy())
    a = np.empty(n // 2, dtype=np.int64)
    b = np.empty(n // 2, dtype=np.int64)
    k = 0
    for i in range(n):
        if pf and i + PREFETCH_AHEAD < n:
            ahead = int(top[i + PREFETCH_AHEAD, 1])
            if ahead >= 0:
                prefetch(flat, 2 * ahead)
        j = int(top[i, 1])
        if j > i and int(top[j, 1]) == i:
            a[k] = i
            b[k] = j
            k += 1
    return a[:k], b[:k]


@njit(cache=True, nogil=True)
def _match_in_row_order(
    indptr: I64,
    indices: NDArray[np.int32],
    go_online: NDArray[np.bool_],
    r_tie: F64,
    best: F64,
) -> tuple[I64, I64]:
    """Keep, in row order, each tie whose priority is ``best`` at both unmatched ends."""
    n = indptr.shape[0] - 1
    matched = np.zeros(n, dtype=np.bool_)
    a = np.empty(n // 2, dtype=np.int64)
    b = np.empty(n // 2, dtype=np.int64)
    k = 0
    t = 0
    for i in range(n):
        bi = best[i]
        for e in range(indptr[i], indptr[i + 1]):
            j = indices[e]
            if j > i:
                top = bi >= 0.0 and r_tie[t] == bi and best[j] == bi
                if top and not matched[i] and not matched[j] and not go_online[j]:
                    matched[i] = True
                    matched[j] = True
                    a[k] = i
                    b[k] = j
                    k += 1
                t += 1
    return a[:k], b[:k]


@njit(cache=True, nogil=True)
def _online_matching(
    indptr: I64,
    indices: NDArray[np.int32],
    x: F64,
    go_online: NDArray[np.bool_],
    gamma: float,
    u_pick: F64,
    r_prop: F64,
    pf: bool,
) -> tuple[I64, I64, I64]:
    """Biased online proposals, then locally dominant matching of the proposals.

    Each online citizen i picks one online followee j with probability proportional to
    w = max(|x_i - x_j|, 1e-5)^-gamma: the entry where the running sum of w over its
    row first exceeds ``u_pick[i]`` times the row's total. The proposal i -> j has
    priority ``r_prop[i]`` and is kept when that is the top at both i and j. Only the
    online citizens' rows are read; with ``pf`` those of the citizen a few rows on are
    prefetched.
    """
    n = indptr.shape[0] - 1
    online = np.flatnonzero(go_online)
    n_on = online.shape[0]
    pick = np.full(n, -1, dtype=np.int64)
    best = np.full(n, -1.0)
    widest = 1
    for i in range(n):
        widest = max(widest, indptr[i + 1] - indptr[i])
    cum = np.empty(widest)
    for r in range(n_on):
        if pf and r + _ROWS_AHEAD < n_on:  # the followees of an online citizen a few rows on
            later = online[r + _ROWS_AHEAD]
            for e in range(indptr[later], indptr[later + 1]):
                prefetch(go_online, indices[e])
                prefetch(x, indices[e])
                prefetch(best, indices[e])
        i = online[r]
        xi = x[i]
        lo, hi = indptr[i], indptr[i + 1]
        total = 0.0
        for e in range(lo, hi):
            j = indices[e]
            if go_online[j]:
                total += _bias_weight(abs(xi - x[j]), gamma)
            cum[e - lo] = total  # running sum; flat over followees offline this week
        if total <= 0.0:
            continue
        # The first entry whose running sum exceeds u * total (it carries weight): the
        # number of running sums at or below the target, counted without branches.
        target = u_pick[i] * total
        below = 0
        for k in range(hi - lo):
            below += cum[k] <= target
        if below == hi - lo:  # u * total rounded up to total: the last entry with weight
            below = 0
            for k in range(hi - lo):
                below += cum[k] < total
        chosen = lo + below
        pick[i] = chosen
        j = indices[chosen]
        p = r_prop[i]
        best[i] = max(best[i], p)  # no branch on a load that may miss the cache
        best[j] = max(best[j], p)
    matched = np.zeros(n, dtype=np.bool_)
    a = np.empty(n // 2, dtype=np.int64)
    b = np.empty(n // 2, dtype=np.int64)
    entry = np.empty(n // 2, dtype=np.int64)
    k = 0
    for r in range(n_on):  # proposers in index order
        if pf and r + PREFETCH_AHEAD < n_on:
            later = pick[online[r + PREFETCH_AHEAD]]
            if later >= 0:
                prefetch(best, indices[later])
                prefetch(matched, indices[later])
        i = online[r]
        e = pick[i]
        if e < 0:
            continue
        j = indices[e]
        p = r_prop[i]
        if best[i] == p and best[j] == p and not matched[i] and not matched[j]:
            matched[i] = True
            matched[j] = True
            a[k] = i
            b[k] = j
            entry[k] = e
            k += 1
    return a[:k], b[:k], entry[:k]


@njit(cache=True, nogil=True, inline="always")
def _bias_weight(d: float, gamma: float) -> float:
    """max(d, 1e-5)^-gamma, with the common cases gamma = 0 and 1 without a power."""
    if gamma == 0.0:
        return 1.0
    d = max(d, _MIN_DIST)
    if gamma == 1.0:
        return 1.0 / d
    return d ** (-gamma)


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
    if network.random_mixing:
        rng.random(off.n_entries)  # empty layers: these two draw nothing
        rng.random(on.n_entries)
        r_prop = rng.random(n)
        perm = rng.permutation(n)
        u_dense = rng.random(n)
    else:
        r_tie = rng.random(off.n_entries // 2)  # one priority per offline tie
        u_pick = rng.random(n)  # one uniform per citizen for its online proposal
        r_prop = rng.random(n)
    a_parts: list[I64] = []
    b_parts: list[I64] = []
    online_parts: list[NDArray[np.bool_]] = []
    entry_parts: list[I64] = []

    def add(
        a: NDArray[np.integer], b: NDArray[np.integer], online: bool, entry: I64 | None = None
    ) -> None:
        a_parts.append(a.astype(np.int64, copy=False))
        b_parts.append(b.astype(np.int64, copy=False))
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
        # each reads per citizen at random: whether online (1 byte), and a top
        # priority and its tie's other end, or an opinion and a best priority (16 bytes)
        pf = worth_prefetching(17 * n)
        if off.n_entries:
            a, b = _offline_matching(off.indptr, off.indices, go_online, r_tie, pf)
            del r_tie
            add(a, b, False)
        if on.n_entries:
            a, b, entry = _online_matching(
                on.indptr, on.indices, x, go_online, float(gamma), u_pick, r_prop, pf
            )
            add(a, b, True, entry)
    a = np.concatenate(a_parts) if a_parts else np.zeros(0, np.int64)
    b = np.concatenate(b_parts) if b_parts else np.zeros(0, np.int64)
    return Encounters(
        a=a,
        b=b,
        online=np.concatenate(online_parts) if online_parts else np.zeros(0, bool),
        entry=np.concatenate(entry_parts) if entry_parts else np.zeros(0, np.int64),
        distance=np.abs(x[a] - x[b]),
    )
