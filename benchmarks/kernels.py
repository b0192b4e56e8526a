"""The floors: a bare numpy kernel of the influence rule, and streaming memory once.

- :func:`bare_influence_week`: the influence rule and nothing else, written as tightly as
  numpy allows: a random matching over the ties (random edge priorities, one round of
  locally dominant matching, as sim/dynamics/encounters.py) and the bounded-confidence
  move of both ends (as sim/dynamics/influence.py). No layers, no online choice, no
  algorithmic bias, no noise, no bookkeeping: what the full model could approach if
  every other rule were free.
- :func:`stream_bandwidth`: bytes per second for reading a large array once (the
  machine's memory bandwidth for one core, as numpy sees it), and :func:`gather_rate`:
  random gathers per second (``x[indices]``), the access pattern of every rule that
  reads a neighbour's state.
- :func:`compiled_gather`: the same gather as the model's compiled passes make it at
  best (numba, prefetched as sim/prefetch.py): every tie entry reads its neighbour's
  opinion once and adds it up, nothing else. The week's passes over the ties cannot
  cost less than this each.
"""

from __future__ import annotations

import statistics
import time

import numpy as np
from numba import njit
from numpy.typing import NDArray

from sim.prefetch import PREFETCH_AHEAD, prefetch

F64 = NDArray[np.float64]
I64 = NDArray[np.int64]


def tie_list(indptr: I64, indices: NDArray[np.int32], n: int) -> tuple[I64, I64]:
    """Each tie of a CSR layer once (u < v), as int64 endpoints."""
    src = np.repeat(np.arange(n, dtype=np.int64), np.diff(indptr))
    dst = indices.astype(np.int64)
    keep = src < dst
    return src[keep], dst[keep]


def bare_influence_week(
    x: F64, eps: F64, mu: float, u: I64, v: I64, rng: np.random.Generator
) -> int:
    """One week of Deffuant pairs over the ties (u, v), in place; returns pairs formed."""
    n = x.shape[0]
    pr = rng.random(u.shape[0])
    best = np.full(n, -1.0)
    np.maximum.at(best, u, pr)
    np.maximum.at(best, v, pr)
    keep = (pr == best[u]) & (pr == best[v])
    a, b = u[keep], v[keep]
    xa, xb = x[a], x[b]
    d = xb - xa
    dist = np.abs(d)
    x[a] = xa + np.where(dist < eps[a], mu * d, 0.0)
    x[b] = xb - np.where(dist < eps[b], mu * d, 0.0)
    return int(a.shape[0])


def _median_time(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        t0 = time.process_time()  # CPU seconds, as benchmarks/run.py
        fn()
        times.append(time.process_time() - t0)
    return statistics.median(times)


def stream_bandwidth(n_bytes: int = 400_000_000, repeats: int = 5) -> float:
    """Bytes per second for summing a float64 array of ``n_bytes`` (read once)."""
    a = np.ones(n_bytes // 8)
    a.sum()  # touch the pages
    return n_bytes / _median_time(a.sum, repeats)


def gather_rate(n: int, entries: int, repeats: int = 5, seed: int = 0) -> float:
    """Random gathers ``x[idx]`` per second, x of n float64, idx of ``entries`` int32."""
    rng = np.random.default_rng(seed)
    x = rng.random(n)
    idx = rng.integers(0, n, entries).astype(np.int32)
    x[idx]
    return entries / _median_time(lambda: x[idx], repeats)


@njit(cache=True, nogil=True)
def _gather_sum(indices: NDArray[np.int32], x: F64) -> float:
    m = indices.shape[0]
    s = 0.0
    for e in range(m):
        if e + PREFETCH_AHEAD < m:
            prefetch(x, indices[e + PREFETCH_AHEAD])
        s += x[indices[e]]
    return s


def compiled_gather(layers: list[NDArray[np.int32]], x: F64, repeats: int = 5) -> float:
    """CPU seconds of one compiled, prefetched gather of ``x`` over all entries of layers."""
    for ind in layers:
        _gather_sum(ind, x)  # compile and warm up
    return _median_time(lambda: [_gather_sum(ind, x) for ind in layers], repeats)
