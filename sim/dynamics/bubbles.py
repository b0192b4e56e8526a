"""Rule 2, bubbles: unfollowing after discordant encounters, and slow offline turnover.

Online (Sasahara et al. 2021): when citizen i met a followee j online and
|x_i - x_j| >= eps_i (a discordant encounter), i unfollows j with probability q and
follows someone new: a random citizen (``random``), a followee of a followee
(``triadic``), or a random citizen within its confidence bound, as a recommender of
similar users would (``recommend``). A candidate from another group is accepted only
with probability 1 - h p_i (h the prejudice homophily, p_i the citizen's prejudice),
so prejudice steers bubbles along group lines too. If no candidate of three is
acceptable the tie stays. Out-degrees never change, so q = 0 means no tie ever changes.

Offline: each week a share of ties is offered a degree-preserving swap between two
citizens of the same neighbourhood, (a, b), (c, d) -> (a, d), (c, b), taken when it
lowers the summed dissimilarity of the two ties (opinion distance plus, between groups,
the mean prejudice of the pair times h): friendships drift slowly towards similar
neighbours (homophilous tie dissolution, McPherson et al. 2001).
"""

from __future__ import annotations

import numpy as np
from numba import njit
from numpy.typing import NDArray

from sim.config import BubblesConfig
from sim.dynamics.encounters import Encounters
from sim.network import Layer, csr_contains

__all__ = ["offline_turnover", "opinion_buckets", "recommended", "unfollow"]

F64 = NDArray[np.float64]
I64 = NDArray[np.int64]
ATTEMPTS = 3


#: Citizens per opinion bucket, on average, in the rank index of recommended follows.
_PER_BUCKET = 8


@njit(cache=True, nogil=True, inline="always")
def _bucket(v: float, n_buckets: int) -> int:
    """The bucket of value v among ``n_buckets`` equal buckets of [0, 1] (clamped).

    Non-decreasing in v, so a citizen in a lower bucket than v has a lower opinion.
    Clamped before the conversion to an integer, so bounds far outside [0, 1] (or
    infinite) fall in the first or last bucket.
    """
    return int(min(max(v * n_buckets, 0.0), n_buckets - 1.0))


@njit(cache=True, nogil=True)
def opinion_buckets(x: F64) -> I64:
    """Where each opinion bucket starts in the opinion order (``n_buckets + 1`` entries)."""
    n = x.shape[0]
    nb = max(n // _PER_BUCKET, 1)
    start = np.zeros(nb + 1, dtype=np.int64)
    for i in range(n):
        start[_bucket(x[i], nb) + 1] += 1
    for b in range(nb):
        start[b + 1] += start[b]
    return start


@njit(cache=True, nogil=True)
def _sorted_members(x: F64, start: I64, wanted: I64) -> tuple[I64, I64, I64, F64]:
    """The citizens of each wanted bucket in opinion order (ties by index).

    Returns ``slot`` (per bucket, its slot or -1), ``first`` (where each slot's citizens
    begin), the citizens, and their opinions.
    """
    nb = start.shape[0] - 1
    slot = np.full(nb, -1, dtype=np.int64)
    n_slots = 0
    for b in wanted:
        if slot[b] < 0:
            slot[b] = n_slots
            n_slots += 1
    first = np.zeros(n_slots + 1, dtype=np.int64)
    for b in wanted:
        first[slot[b] + 1] = start[b + 1] - start[b]
    for s in range(n_slots):
        first[s + 1] += first[s]
    members = np.empty(first[n_slots], dtype=np.int64)
    fill = first[:-1].copy()
    for i in range(x.shape[0]):  # in index order, so a stable sort breaks ties by index
        s = slot[_bucket(x[i], nb)]
        if s >= 0:
            members[fill[s]] = i
            fill[s] += 1
    for s in range(n_slots):
        lo, hi = first[s], first[s + 1]
        if hi - lo > 32:
            sub = members[lo:hi].copy()
            members[lo:hi] = sub[np.argsort(x[sub], kind="mergesort")]
            continue
        for k in range(lo + 1, hi):
            v = members[k]
            xv = x[v]
            m = k - 1
            while m >= lo and x[members[m]] > xv:
                members[m + 1] = members[m]
                m -= 1
            members[m + 1] = v
    return slot, first, members, x[members]


@njit(cache=True, nogil=True)
def recommended(x: F64, start: I64, low: F64, high: F64, r: F64) -> I64:
    """For each query q, the citizen of rank ``lo + int(r_q (hi - lo))`` in opinion order.

    ``lo`` is the number of citizens with opinion below ``low[q]``, ``hi`` the number at
    or below ``high[q]``, and the opinion order is the stable argsort of x (ties by
    index): the same citizen as indexing ``np.argsort(x, kind="stable")`` at that rank,
    without sorting everyone. Only the buckets (``start``: :func:`opinion_buckets`)
    holding a bound or a chosen rank are sorted.
    """
    n = x.shape[0]
    nb = start.shape[0] - 1
    m = low.shape[0]
    b_lo = np.empty(m, dtype=np.int64)
    b_hi = np.empty(m, dtype=np.int64)
    for q in range(m):
        b_lo[q] = _bucket(low[q], nb)
        b_hi[q] = _bucket(high[q], nb)
    slot, first, _, xs = _sorted_members(x, start, np.concatenate((b_lo, b_hi)))
    rank = np.empty(m, dtype=np.int64)
    for q in range(m):
        s = slot[b_lo[q]]
        lo = start[b_lo[q]] + np.searchsorted(xs[first[s] : first[s + 1]], low[q], "left")
        s = slot[b_hi[q]]
        hi = start[b_hi[q]] + np.searchsorted(xs[first[s] : first[s + 1]], high[q], "right")
        rank[q] = min(lo + int(r[q] * (hi - lo)), n - 1)
    b_rank = np.searchsorted(start, rank, "right") - 1
    slot, first, members, _ = _sorted_members(x, start, b_rank)
    out = np.empty(m, dtype=np.int64)
    for q in range(m):
        out[q] = members[first[slot[b_rank[q]]] + rank[q] - start[b_rank[q]]]
    return out


def _candidates(
    who: I64,
    x: F64,
    eps: F64,
    online: Layer,
    cfg: BubblesConfig,
    r1: F64,
    r2: F64,
    start: I64 | None,
) -> I64:
    n = int(x.shape[0])
    if cfg.new_follow == "random":
        return np.minimum((r1 * n).astype(np.int64), n - 1)
    if cfg.new_follow == "triadic":
        deg = online.degree
        f = online.indices[online.indptr[who] + (r1 * deg[who]).astype(np.int64)].astype(np.int64)
        df = deg[f]
        pos = online.indptr[f] + (r2 * np.maximum(df, 1)).astype(np.int64)
        fof = online.indices[np.minimum(pos, online.n_entries - 1)].astype(np.int64)
        return np.where(df > 0, fof, np.minimum((r2 * n).astype(np.int64), n - 1))
    assert start is not None
    return recommended(x, start, x[who] - eps[who], x[who] + eps[who], r1)


def unfollow(
    x: F64,
    eps: F64,
    group: NDArray[np.int8],
    prejudice: F64,
    online: Layer,
    enc: Encounters,
    cfg: BubblesConfig,
    rng: np.random.Generator,
) -> int:
    """Rewire the online layer in place after discordant encounters; returns rewirings."""
    n = int(x.shape[0])
    u_unf = rng.random(n)
    sel = enc.online & (enc.entry >= 0)
    who, entry, dist = enc.a[sel], enc.entry[sel], enc.distance[sel]
    go = (dist >= eps[who]) & (u_unf[who] < cfg.unfollow)
    who, entry = who[go], entry[go]
    # Three (ATTEMPTS, n) arrays are drawn in full every week (common random numbers),
    # one row at a time, keeping only the rewiring citizens' values.
    r1, r2, r_acc = (np.stack([rng.random(n)[who] for _ in range(ATTEMPTS)]) for _ in range(3))
    if who.shape[0] == 0:
        return 0
    new = np.full(who.shape[0], -1, dtype=np.int64)
    start = opinion_buckets(x) if cfg.new_follow == "recommend" else None
    for k in range(ATTEMPTS):
        todo = np.flatnonzero(new < 0)
        if todo.shape[0] == 0:
            break
        w = who[todo]
        c = _candidates(w, x, eps, online, cfg, r1[k][todo], r2[k][todo], start)
        accept_out = r_acc[k][todo] < 1.0 - cfg.prejudice_homophily * prejudice[w]
        ok = (c != w) & ((group[c] == group[w]) | accept_out)
        ok &= ~csr_contains(online, w, c)
        new[todo[ok]] = c[ok]
    done = new >= 0
    online.indices[entry[done]] = new[done].astype(np.int32)
    return int(done.sum())


def _tie_cost(x: F64, group: NDArray[np.int8], prej: F64, h: float, u: I64, v: I64) -> F64:
    mismatch = group[u] != group[v]
    return np.abs(x[u] - x[v]) + h * 0.5 * (prej[u] + prej[v]) * mismatch


def offline_turnover(
    x: F64,
    group: NDArray[np.int8],
    prejudice: F64,
    neighbourhood: NDArray[np.int32],
    offline: Layer,
    cfg: BubblesConfig,
    rng: np.random.Generator,
) -> int:
    """Degree-preserving, similarity-seeking swaps of offline ties, in place; returns swaps."""
    n_ties = offline.n_entries // 2
    s = round(cfg.offline_turnover * n_ties)
    e1 = rng.integers(0, max(offline.n_entries, 1), s)
    r_c = rng.random(s)
    r_e = rng.random(s)
    if s == 0 or offline.n_entries == 0:
        return 0
    assert offline.twin is not None
    nb = neighbourhood.astype(np.int64)
    nb_size = np.bincount(nb)
    nb_start = np.concatenate([[0], np.cumsum(nb_size)[:-1]])
    a = offline.src[e1].astype(np.int64)
    b = offline.indices[e1].astype(np.int64)
    c = nb_start[nb[a]] + (r_c * nb_size[nb[a]]).astype(np.int64)
    deg = offline.degree
    has = deg[c] > 0
    e2 = offline.indptr[c] + (r_e * np.maximum(deg[c], 1)).astype(np.int64)
    e2 = np.where(has, e2, 0)
    d = offline.indices[e2].astype(np.int64)
    t1, t2 = offline.twin[e1], offline.twin[e2]
    h = cfg.prejudice_homophily
    old = _tie_cost(x, group, prejudice, h, a, b) + _tie_cost(x, group, prejudice, h, c, d)
    new = _tie_cost(x, group, prejudice, h, a, d) + _tie_cost(x, group, prejudice, h, c, b)
    ok = has & (new < old) & (a != c) & (a != d) & (c != b) & (b != d)
    ok &= ~csr_contains(offline, a, d) & ~csr_contains(offline, c, b)
    idx = np.flatnonzero(ok)
    # Swaps in one batch must touch distinct entries and create distinct ties.
    pos = np.concatenate([e1[idx], t1[idx], e2[idx], t2[idx]])
    _, inv, cnt = np.unique(pos, return_inverse=True, return_counts=True)
    clash = (cnt[inv] > 1).reshape(4, -1).any(axis=0)
    n = offline.n
    k1 = np.minimum(a[idx], d[idx]) * n + np.maximum(a[idx], d[idx])
    k2 = np.minimum(c[idx], b[idx]) * n + np.maximum(c[idx], b[idx])
    _, kinv, kcnt = np.unique(np.concatenate([k1, k2]), return_inverse=True, return_counts=True)
    clash |= (kcnt[kinv] > 1).reshape(2, -1).any(axis=0)
    idx = idx[~clash]
    if idx.shape[0] == 0:
        return 0
    e1, t1, e2, t2 = e1[idx], t1[idx], e2[idx], t2[idx]
    offline.indices[e1] = d[idx].astype(np.int32)
    offline.indices[t2] = a[idx].astype(np.int32)
    offline.indices[e2] = b[idx].astype(np.int32)
    offline.indices[t1] = c[idx].astype(np.int32)
    offline.twin[e1] = t2
    offline.twin[t2] = e1
    offline.twin[e2] = t1
    offline.twin[t1] = e2
    return int(idx.shape[0])
