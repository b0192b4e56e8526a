"""The multiplex social network as CSR arrays, built without networkx.

Two layers:

- offline: undirected ties within neighbourhoods and foci (school, work, sports club),
  drawn with group homophily; stored symmetric (each tie twice) with ``twin`` pointing
  each entry at its reverse, so that degree-preserving swaps are four in-place writes;
- online: a directed follow graph (row i lists whom i follows), initially random with
  group homophily; rewiring replaces an entry in place, so out-degrees never change.

Validation graphs (random k-regular, connected caveman) are the one graph on which
citizens meet, placed in the layer where they meet: the offline layer if nobody is ever
online, the online layer (as mutual follows, so that algorithmic bias acts on it) if
everyone always is (``preset=algorithmic_bias``), both otherwise. All construction
draws come from the network's own stream.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from sim.config import NetworkConfig
from sim.population import Population

__all__ = [
    "Layer",
    "Network",
    "build_network",
    "csr_contains",
    "directed_layer",
    "replace_follows",
    "symmetric_layer",
]

F64 = NDArray[np.float64]
I32 = NDArray[np.int32]
I64 = NDArray[np.int64]


@dataclass
class Layer:
    """One layer in CSR form.

    Attributes:
        indptr: row pointers (int64, n + 1).
        indices: neighbour of each entry (int32).
        src: row of each entry (int32), constant since degrees never change.
        twin: for a symmetric layer, the position of each entry's reverse; else None.
    """

    indptr: I64
    indices: I32
    src: I32
    twin: I32 | None = None

    @property
    def n(self) -> int:
        """Number of nodes."""
        return int(self.indptr.shape[0] - 1)

    @property
    def degree(self) -> I64:
        """Entries per row (degree, or out-degree for a directed layer)."""
        return np.diff(self.indptr)

    @property
    def n_entries(self) -> int:
        """Number of stored entries."""
        return int(self.indices.shape[0])

    def nbytes(self) -> int:
        """Bytes held by the layer's arrays."""
        parts: list[np.ndarray] = [self.indptr, self.indices, self.src]
        if self.twin is not None:
            parts.append(self.twin)
        return sum(a.nbytes for a in parts)

    def edge_keys(self) -> I64:
        """``src * n + dst`` of every entry (for consistency checks)."""
        return self.src.astype(np.int64) * self.n + self.indices


@dataclass
class Network:
    """The multiplex network: an offline and an online layer over the same citizens."""

    offline: Layer
    online: Layer
    random_mixing: bool = False

    def nbytes(self) -> int:
        """Bytes held by both layers."""
        return self.offline.nbytes() + self.online.nbytes()


def _empty_layer(n: int) -> Layer:
    return Layer(
        indptr=np.zeros(n + 1, dtype=np.int64),
        indices=np.zeros(0, dtype=np.int32),
        src=np.zeros(0, dtype=np.int32),
        twin=np.zeros(0, dtype=np.int32),
    )


def _indptr(counts: NDArray[np.integer]) -> I64:
    indptr = np.zeros(counts.shape[0] + 1, dtype=np.int64)
    np.cumsum(counts, out=indptr[1:])
    return indptr


def _sorted_unique(keys: I64) -> I64:
    """Sorted distinct values (np.sort + adjacent compare; far faster than np.unique here)."""
    keys = np.sort(keys)
    if keys.shape[0] > 1:
        keys = keys[np.concatenate(([True], keys[1:] != keys[:-1]))]
    return keys


def symmetric_layer(u: NDArray[np.integer], v: NDArray[np.integer], n: int) -> Layer:
    """Undirected CSR layer from edge endpoints; drops self-loops and duplicate ties.

    Rows list their neighbours in increasing order. Built from one sort of the distinct
    ties (a < b) and one stable sort of their larger ends, without a sort of all 2m
    entries, so that a national network (about 10^8 ties) builds in seconds per layer.
    """
    lo_end = np.minimum(u, v).astype(np.int64)
    keys = np.maximum(u, v).astype(np.int64)
    keep = lo_end != keys
    keys += lo_end * n
    keys = _sorted_unique(keys[keep])
    del lo_end, keep
    a, b = np.divmod(keys, n)  # distinct ties a < b, sorted by (a, b)
    del keys
    m = a.shape[0]
    if 2 * m >= np.iinfo(np.int32).max:
        raise ValueError(f"too many ties for int32 positions: {m}")
    up = np.bincount(a, minlength=n)  # entries where the row is the smaller end
    down = np.bincount(b, minlength=n)  # entries where the row is the larger end
    indptr = _indptr(up + down)
    # In row r, neighbours below r come first (sorted), then those above r (sorted).
    rank = np.arange(m, dtype=np.int64)
    pos_up = indptr[a] + down[a] + (rank - _indptr(up)[a])
    order = np.argsort(b, kind="stable")  # by (b, a): keys were sorted by (a, b)
    b_sorted = b[order]
    pos_down = np.empty(m, dtype=np.int64)
    pos_down[order] = indptr[b_sorted] + (rank - _indptr(down)[b_sorted])
    del order, b_sorted, rank
    indices = np.empty(2 * m, dtype=np.int32)
    indices[pos_up] = b
    indices[pos_down] = a
    twin = np.empty(2 * m, dtype=np.int32)
    twin[pos_up] = pos_down
    twin[pos_down] = pos_up
    src = np.repeat(np.arange(n, dtype=np.int32), np.diff(indptr))
    return Layer(indptr=indptr, indices=indices, src=src, twin=twin)


def directed_layer(u: NDArray[np.integer], v: NDArray[np.integer], n: int) -> Layer:
    """Directed CSR layer (u follows v); drops self-loops and duplicates."""
    keys = u.astype(np.int64) * n + v.astype(np.int64)
    keys = _sorted_unique(keys[u != v])
    src, dst = np.divmod(keys, n)
    return Layer(
        indptr=_indptr(np.bincount(src, minlength=n)),
        indices=dst.astype(np.int32),
        src=src.astype(np.int32),
    )


def csr_contains(layer: Layer, rows: I64, cols: I64) -> NDArray[np.bool_]:
    """For each query k, whether ``cols[k]`` is in row ``rows[k]`` of the layer."""
    if rows.shape[0] == 0:
        return np.zeros(0, dtype=bool)
    starts = layer.indptr[rows]
    lens = layer.indptr[rows + 1] - starts
    total = int(lens.sum())
    if total == 0:
        return np.zeros(rows.shape[0], dtype=bool)
    owner = np.repeat(np.arange(rows.shape[0]), lens)
    offs = np.arange(total) - np.repeat(np.cumsum(lens) - lens, lens)
    hit = layer.indices[starts[owner] + offs] == cols[owner]
    return np.bincount(owner[hit], minlength=rows.shape[0]) > 0


def _blocks(keys: I64) -> tuple[I64, I64, I64]:
    """Sort order of keys, and for each element the start and size of its key's block."""
    order = np.argsort(keys, kind="stable")
    sk = keys[order]
    first = np.flatnonzero(np.concatenate(([True], sk[1:] != sk[:-1])))
    counts = np.diff(np.append(first, sk.shape[0]))
    del sk
    block = np.repeat(np.arange(first.shape[0]), counts)
    start = np.empty_like(order)
    size = np.empty_like(order)
    start[order] = first[block]
    size[order] = counts[block]
    return order, start, size


def unit_ties(
    unit: I64, group: NDArray[np.int8], degree: float, homophily: float, rng: np.random.Generator
) -> tuple[I64, I64]:
    """Ties within units (neighbourhoods or foci): each citizen proposes about degree/2.

    A proposal goes to a random member of the citizen's own (unit, group) block with
    probability ``homophily``, else to a random member of the unit.
    """
    n = unit.shape[0]
    half = degree / 2.0
    k = int(np.floor(half))
    m = k + (rng.random(n) < half - k)
    who = np.repeat(np.arange(n, dtype=np.int64), m)
    n_groups = int(group.max()) + 1 if n else 1
    order_u, start_u, size_u = _blocks(unit)
    order_g, start_g, size_g = _blocks(unit * n_groups + group)
    same = rng.random(who.shape[0]) < homophily
    r = rng.random(who.shape[0])
    pick_u = order_u[start_u[who] + (r * size_u[who]).astype(np.int64)]
    pick_g = order_g[start_g[who] + (r * size_g[who]).astype(np.int64)]
    return who, np.where(same, pick_g, pick_u)


def _foci(pop: Population, size: int, rng: np.random.Generator) -> I64:
    """A focus id per citizen: random foci of about ``size`` members per municipality."""
    muni = pop.municipality.astype(np.int64)
    counts = np.bincount(muni, minlength=pop.n_municipalities)
    n_foci = np.maximum(1, np.rint(counts / size)).astype(np.int64)
    offset = np.concatenate([[0], np.cumsum(n_foci)[:-1]])
    return offset[muni] + (rng.random(pop.size) * n_foci[muni]).astype(np.int64)


def _regular(n: int, k: int, rng: np.random.Generator) -> tuple[I64, I64]:
    """Random k-regular graph by stub matching, repaired with random double-edge swaps."""
    stubs = np.repeat(np.arange(n, dtype=np.int64), k)
    rng.shuffle(stubs)
    e = stubs.reshape(-1, 2)
    for _ in range(200):
        a, b = np.minimum(e[:, 0], e[:, 1]), np.maximum(e[:, 0], e[:, 1])
        keys = a * n + b
        _, inv, cnt = np.unique(keys, return_inverse=True, return_counts=True)
        bad = (a == b) | (cnt[inv] > 1)
        # keep the first copy of each duplicate
        first = np.zeros(keys.shape[0], dtype=bool)
        _, idx = np.unique(keys, return_index=True)
        first[idx] = True
        bad &= ~(first & (a != b))
        nb = int(bad.sum())
        if nb == 0:
            break
        bad_idx = np.flatnonzero(bad)
        other = rng.integers(0, e.shape[0], nb)
        x = e[bad_idx, 1].copy()
        e[bad_idx, 1] = e[other, 0]
        e[other, 0] = x
    return e[:, 0], e[:, 1]


def _caveman(n: int, cave: int, long_range: float, rng: np.random.Generator) -> tuple[I64, I64]:
    """Connected caveman graph (Watts 1999) plus random long-range ties.

    Caves of ``cave`` citizens are cliques; in each cave one tie is moved to the next
    cave so the caves form a ring. ``long_range`` random ties per citizen are added.
    """
    caves = np.arange(n, dtype=np.int64) // cave
    iu, ju = np.triu_indices(cave, 1)
    n_caves = int(caves.max()) + 1
    base = np.arange(n_caves, dtype=np.int64) * cave
    u = (base[:, None] + iu[None, :]).ravel()
    v = (base[:, None] + ju[None, :]).ravel()
    keep = (u < n) & (v < n)
    u, v = u[keep], v[keep]
    # Rewire the (0, 1) tie of every cave to the first member of the next cave.
    first_tie = (u % cave == 0) & (v % cave == 1)
    v = np.where(first_tie, (u + cave) % (n_caves * cave) % n, v)
    extra = round(n * long_range / 2.0)
    eu = rng.integers(0, n, extra)
    ev = rng.integers(0, n, extra)
    return np.concatenate([u, eu]), np.concatenate([v, ev])


def _online(pop: Population, cfg: NetworkConfig, rng: np.random.Generator) -> Layer:
    """Follow graph: ``online_degree`` follows each, own group with prob. online_homophily."""
    n, k = pop.size, cfg.online_degree
    if k == 0 or n < 2:
        return _empty_layer(n)
    group = pop.group.astype(np.int64)
    order, start, size = _blocks(group)
    # Row i of the (n, k) matrices holds citizen i's k follows.
    same = rng.random(n * k).reshape(n, k) < cfg.online_homophily
    r = rng.random(n * k).reshape(n, k)
    own = order[start[:, None] + (r * size[:, None]).astype(np.int64)]
    dst = np.where(same, own, (r * n).astype(np.int64))
    del same, r, own
    # Redraw self-follows and repeated follows (all but the first copy in a row)
    # uniformly a few times; drop what remains.
    bad = _row_duplicates(dst)
    for _ in range(5):
        redo = np.flatnonzero(bad)
        if redo.shape[0] == 0:
            break
        dst.reshape(-1)[redo] = rng.integers(0, n, redo.shape[0])
        bad = _row_duplicates(dst)
    dst.sort(axis=1)
    keep = ~_row_duplicates(dst)
    return Layer(
        indptr=_indptr(keep.sum(axis=1)),
        indices=dst[keep].astype(np.int32),
        src=np.repeat(np.arange(n, dtype=np.int32), k).reshape(n, k)[keep],
    )


def _row_duplicates(dst: I64) -> NDArray[np.bool_]:
    """Entries of an (n, k) follow matrix that follow oneself or repeat an earlier entry."""
    n = dst.shape[0]
    order = np.argsort(dst, axis=1, kind="stable")
    ranked = np.take_along_axis(dst, order, axis=1)
    dup_ranked = np.zeros(dst.shape, dtype=bool)
    dup_ranked[:, 1:] = ranked[:, 1:] == ranked[:, :-1]
    dup = np.empty_like(dup_ranked)
    np.put_along_axis(dup, order, dup_ranked, axis=1)
    return dup | (dst == np.arange(n)[:, None])


def _validation_network(graph: Layer, pop: Population) -> Network:
    """A validation graph in the layer(s) where citizens meet (see the module docstring)."""
    n = graph.n
    follows = Layer(graph.indptr.copy(), graph.indices.copy(), graph.src.copy())
    if np.all(pop.online_share >= 1.0):  # everyone always online
        return Network(_empty_layer(n), follows)
    if not np.any(pop.online_share > 0.0):  # nobody ever online
        return Network(graph, _empty_layer(n))
    return Network(graph, follows)


def build_network(pop: Population, cfg: NetworkConfig, seed: np.random.SeedSequence) -> Network:
    """Build both layers from the network's child stream."""
    rng = np.random.default_rng(seed)
    n = pop.size
    if cfg.kind == "random_mixing":
        return Network(_empty_layer(n), _empty_layer(n), random_mixing=True)
    if cfg.kind in ("regular", "caveman"):
        if cfg.kind == "regular":
            u, v = _regular(n, cfg.degree, rng)
        else:
            u, v = _caveman(n, cfg.cave_size, cfg.long_range, rng)
        return _validation_network(symmetric_layer(u, v, n), pop)
    parts_u = []
    parts_v = []
    if cfg.neighbourhood_degree > 0:
        u, v = unit_ties(
            pop.neighbourhood.astype(np.int64),
            pop.group,
            cfg.neighbourhood_degree,
            cfg.homophily,
            rng,
        )
        parts_u.append(u)
        parts_v.append(v)
    for _ in range(cfg.foci):
        focus = _foci(pop, cfg.focus_size, rng)
        u, v = unit_ties(focus, pop.group, cfg.focus_degree, cfg.homophily, rng)
        parts_u.append(u)
        parts_v.append(v)
    if parts_u:
        offline = symmetric_layer(np.concatenate(parts_u), np.concatenate(parts_v), n)
    else:
        offline = _empty_layer(n)
    return Network(offline, _online(pop, cfg, rng))


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
    """Replace one follow of each of ``who`` in place; returns how many were replaced.

    Used by platform measures (diverse recommendations) and by the disinformation wave
    (like-minded recommendations). A chosen user replaces one of their follows (a random
    entry of their row) by a citizen drawn uniformly from those whose opinion lies
    outside (``outside=True``) or inside their confidence bound; ``outside=False`` only
    replaces a follow that was outside the bound (a discordant one). The replacement is
    skipped if it would be a self-loop or a follow the user already has. Out-degrees
    never change.

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
