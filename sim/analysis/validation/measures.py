"""Measures of a state of opinions: clusters, convergence, polarisation, the pair law.

Everything here is a pure function of opinions (and, for :func:`pair_law`, of the
encounter rule at a fixed state); the runs that produce the opinions are in
:mod:`sim.analysis.validation.studies`. The constants are the conventions of the
validation: when a cluster counts as major, when a state counts as converged, and the
equivalence margins of the TOST comparisons (fixed before the docking runs;
docs/validation.md justifies them).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from sim.dynamics.encounters import draw_encounters
from sim.network import Network, symmetric_layer

__all__ = [
    "CONVERGENCE_TOL",
    "MAJOR_SHARE",
    "MARGIN_CLUSTERS",
    "MARGIN_LOG_TIME",
    "Outcome",
    "clusters",
    "effective_clusters",
    "fm_polarization",
    "is_converged",
    "major_clusters",
    "opinion_groups",
    "outcome",
    "pair_law",
]

F64 = NDArray[np.float64]
I64 = NDArray[np.int64]

#: A cluster is major if it holds more than this share of the citizens (Weisbuch et al.
#: 2002 leave out the handful of extremists that never join a cluster).
MAJOR_SHARE = 0.01
#: Converged when every cluster's opinions span less than this (opinions in [0, 1]).
CONVERGENCE_TOL = 1e-3

#: TOST margins, fixed before the docking runs (docs/validation.md justifies them).
MARGIN_CLUSTERS = 0.3
#: On log(time): a ratio of geometric means within 1/1.15 to 1.15.
MARGIN_LOG_TIME = math.log(1.15)


def clusters(x: F64, eps: float, *, closed: bool = False) -> I64:
    """Sizes of the opinion clusters, from the lowest opinion to the highest.

    Two citizens are in one cluster if a chain of citizens links them in which each
    step is a distance within the bound: ``< eps`` for Deffuant and ndlib
    (``closed=False``), ``<= eps`` for Hegselmann-Krause (``closed=True``). In a
    converged state these are exactly the groups that can no longer meet anyone else.

    Args:
        x: opinions.
        eps: the confidence bound (0-1).
        closed: whether citizens exactly eps apart still interact.
    """
    if x.shape[0] == 0:
        return np.zeros(0, dtype=np.int64)
    gaps = np.diff(np.sort(x))
    split = gaps > eps if closed else gaps >= eps
    edges = np.concatenate([[0], np.flatnonzero(split) + 1, [x.shape[0]]])
    return np.diff(edges).astype(np.int64)


def major_clusters(x: F64, eps: float, *, share: float = MAJOR_SHARE, closed: bool = False) -> int:
    """Number of clusters holding more than ``share`` of the citizens."""
    sizes = clusters(x, eps, closed=closed)
    return int((sizes > share * x.shape[0]).sum())


def effective_clusters(x: F64, eps: float, *, closed: bool = False) -> float:
    """Effective number of clusters (sum c)^2 / sum c^2 (Sirbu et al. 2019)."""
    sizes = clusters(x, eps, closed=closed).astype(np.float64)
    if sizes.shape[0] == 0:
        return 0.0
    return float(sizes.sum() ** 2 / (sizes**2).sum())


def is_converged(x: F64, eps: float, *, tol: float = CONVERGENCE_TOL, closed: bool = False) -> bool:
    """Whether every cluster spans less than ``tol`` (see the package docstring)."""
    xs = np.sort(x)
    gaps = np.diff(xs)
    split = gaps > eps if closed else gaps >= eps
    starts = np.concatenate([[0], np.flatnonzero(split) + 1])
    ends = np.concatenate([np.flatnonzero(split), [xs.shape[0] - 1]])
    return bool(np.all(xs[ends] - xs[starts] < tol))


def opinion_groups(x: F64, *, tol: float = CONVERGENCE_TOL, share: float = MAJOR_SHARE) -> int:
    """Groups of near-identical opinions holding more than ``share`` of the citizens.

    The sorted opinions are split wherever two neighbours differ by more than ``tol``.
    In a converged state these are the major clusters; in a run stopped before it
    converged (strong algorithmic bias) they count the fragments that have formed, which
    may still be chained within the bound.
    """
    if x.shape[0] == 0:
        return 0
    gaps = np.diff(np.sort(x))
    edges = np.concatenate([[0], np.flatnonzero(gaps > tol) + 1, [x.shape[0]]])
    return int((np.diff(edges) > share * x.shape[0]).sum())


def fm_polarization(x: F64) -> float:
    """Flache & Macy (2011) polarisation: variance of the pairwise opinion distances.

    Computed on their [-1, 1] scale (distance 2|x_i - x_j| for our [0, 1] opinions), so
    it is 1 for two equal camps at the poles and 0 under consensus.
    """
    n = x.shape[0]
    if n < 2:
        return 0.0
    iu, ju = np.triu_indices(n, 1)
    d = 2.0 * np.abs(x[iu] - x[ju])
    return float(d.var())


@dataclass
class Outcome:
    """How one run ended.

    Attributes:
        converged: whether it converged within the cap.
        steps: weeks (ours) or iterations (ndlib) run, at most the cap.
        interactions: pair interactions per citizen until convergence (midpoint of the
            last check interval, see :func:`~sim.analysis.validation.studies.run_model`),
            or until the cap if it did not converge.
        major: number of major clusters at the end.
        effective: effective number of clusters at the end.
        groups: number of opinion groups at the end (:func:`opinion_groups`); equal to
            ``major`` once converged, and a count of fragments in a run that has not.
        opinions: the final opinions.
    """

    converged: bool
    steps: int
    interactions: float
    major: int
    effective: float
    groups: int
    opinions: F64 = field(repr=False)


def outcome(
    x: F64,
    eps: float,
    closed: bool,
    converged: bool,
    steps: int,
    interactions: float,
    tol: float = CONVERGENCE_TOL,
) -> Outcome:
    """The :class:`Outcome` of a run that ended with opinions ``x`` (measured here)."""
    return Outcome(
        converged=converged,
        steps=steps,
        interactions=interactions,
        major=major_clusters(x, eps, closed=closed),
        effective=effective_clusters(x, eps, closed=closed),
        groups=opinion_groups(x, tol=tol),
        opinions=x.copy(),
    )


def pair_law(x: F64, gamma: float, eps: float, draws: int, seed: int = 0) -> dict[str, Any]:
    """Which pairs meet: our weekly matching against the sequential law, at a fixed state.

    Sequentially (Sirbu et al. 2019; ndlib), a citizen drawn uniformly picks a partner
    with P(j) ~ max(d, 1e-5)^-gamma, so pair {i, j} meets at rate p_i(j) + p_j(i). Our
    week keeps only non-conflicting proposals. Both are summarised by the share of
    meetings between identical opinions (d < 1e-9, no effect), active ones
    (1e-9 <= d < eps) and ones beyond the bound; for ours also the pairs a week per
    citizen, which converts weeks to interactions per citizen.
    """
    n = x.shape[0]
    none = np.zeros(0, dtype=np.int64)
    d = np.abs(x[:, None] - x[None, :])
    w = np.maximum(d, 1e-5) ** (-gamma)
    np.fill_diagonal(w, 0.0)
    p = w / w.sum(axis=1, keepdims=True)
    iu = np.triu_indices(n, 1)
    seq = (p + p.T)[iu]
    dd = d[iu]
    net = Network(
        symmetric_layer(none, none, n), symmetric_layer(none, none, n), random_mixing=True
    )
    rng = np.random.default_rng(seed)
    counts = np.zeros((n, n))
    for _ in range(draws):
        enc = draw_encounters(x, np.ones(n), net, gamma, rng)
        np.add.at(counts, (np.minimum(enc.a, enc.b), np.maximum(enc.a, enc.b)), 1.0)
    ours = counts[iu]

    def shares(v: F64) -> dict[str, float]:
        v = v / v.sum()
        return {
            "identical": float(v[dd < 1e-9].sum()),
            "active": float(v[(dd >= 1e-9) & (dd < eps)].sum()),
            "beyond_bound": float(v[dd >= eps].sum()),
        }

    return {
        "sequential": shares(seq),
        "matching": shares(ours),
        "pairs_per_citizen_per_week": float(ours.sum() / draws / n),
    }
