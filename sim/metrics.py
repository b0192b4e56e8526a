"""Cohesion measures: pure functions of state, computed per scope in one vectorised pass.

A scope is a set of citizens: ``all``, ``municipality:<code>`` (CBS ``GMnnnn`` in real
places, the index in synthetic ones), ``group:<name>`` and ``vulnerable:yes``. Every
measure is computed for every scope from grouped sums: one ``np.bincount`` per quantity
over the finest partition of citizens (municipality x group x vulnerable, a few thousand
cells for the whole country), then cheap sums of those cells into each scope. So the
cost is one pass over the citizens per quantity, whatever the number of scopes and
kinds of scope.

Measures (their labels, units and directions: :mod:`sim.outcomes`):

- ``trust_mean``, ``low_trust_share`` (political trust < 0.3), ``prejudice_mean``,
  ``prejudice_sd`` (its standard deviation over the scope's citizens, the unit in which
  a change of prejudice is compared with its spread), ``tension_mean``
  (citizen-weighted mean of neighbourhood tension), ``tension_max`` (the most tense
  neighbourhood a citizen of the scope lives in), ``participation``;
- ``tense_neighbourhoods``: the number of neighbourhoods with tension above
  :data:`sim.outcomes.TENSE` (0.4) in which citizens of the scope live: for ``all`` and
  a municipality, its tense neighbourhoods; for a group, education level, age band or
  the vulnerable, the tense neighbourhoods where at least one of them lives (so these do
  not add up to the total);
- ``bridging_contact_share``, ``bridging_contacts``: the share and the number of the
  scope's citizens who had a realised contact across groups this week: a favourable
  (within-bound) encounter with a citizen of another group, or a mixed meeting an
  intervention noted (``CohesionModel.note_bridging``). The count adds up over weeks
  into the contacts that took place (a citizen counted once a week);
- ``bridging_contact_recent``: the share with such a contact in the last
  :data:`sim.outcomes.BRIDGING_WINDOW` (4) weeks, this one included;
- ``trust_politics_share``, ``trust_rule_of_law_share``, ``trust_people_share``: the
  shares of citizens whose trust of that kind is above 0.5, the counterpart of CBS's
  "very much or fairly much" trust (sim/people.py);
- ``prejudice_muslims_mean``: mean prejudice towards Muslims of the scope's citizens
  who are not Muslim (0 if none);
- ``dissatisfied_share``: the share of citizens whose opinion is farther from the
  government's position than their own bound (the government's line is outside what
  they would consider), the counterpart of SCP's share not satisfied with national
  politics;
- ``bridging_ties``: share of ties (both layers, counted from the scope's citizens)
  that join different groups;
- ``bubble_index``: Pearson correlation over citizens between a citizen's opinion and
  the mean opinion of its ties, both layers (Cinelli et al. 2021); 0 when either has no
  variance or no citizen has ties;
- ``polarization``: Esteban & Ray (1994) index on 10 equal bins of [0, 1], alpha 1.6,
  divided by its value for two equal masses at 0 and 1 (so 0 to 1);
- ``bimodality``: the bimodality coefficient of Pfister et al. (2013) (5/9 for a
  uniform distribution; above it suggests two modes); 0 with fewer than 4 citizens or
  no variance;
- ``cohesion_index`` (0 to 100) and its three domains, after the Bertelsmann Social
  Cohesion Radar (Dragolov et al. 2016). Each component is mapped to [0, 1] by fixed
  anchors (declared in :data:`sim.outcomes.OUTCOMES`), averaged within its domain, and
  the domains averaged:

  - social relations: bridging ties (0 -> 0, 0.5 or more -> 1; the Radar's social
    networks), acceptance of diversity (1 - prejudice), contact across groups
    (bridging_contact_recent, the share of citizens who met someone of another group
    in the last 4 weeks; anchors 0 and 1). The bubble index is measured but is not in
    the index: it was (as open networks, 1 - max(bubble_index, 0)) until a recommender
    that rewires follows was seen to raise the index without anyone meeting anyone;
  - connectedness: political trust (trust_mean), and 1 - low_trust_share;
  - focus on the common good: civic participation, respect for social rules
    (1 - tension_mean), and 1 - polarization.

  Covered of the Radar's nine dimensions: social networks (ties and realised contact
  across groups), trust in people (only via bridging ties, weakly: trust_people_share
  is measured but not in the index, so that the index keeps its meaning), acceptance of
  diversity, trust in institutions, civic participation, respect for social rules (as
  low tension). Not covered: identification with the community, perception of
  fairness, solidarity and helpfulness.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import njit
from numpy.typing import NDArray

from sim.network import Network
from sim.outcomes import DOMAINS, OUTCOMES, TENSE, components
from sim.people import TRUSTING
from sim.population import AGE_BANDS, EDUCATION, Population
from sim.prefetch import PREFETCH_AHEAD, prefetch, worth_prefetching

__all__ = [
    "COMPONENTS",
    "DOMAINS",
    "METRICS",
    "Scopes",
    "TieSums",
    "compute_metrics",
    "esteban_ray",
    "scope_means",
    "scope_sizes",
    "tense_counts",
    "tie_stats",
]

F64 = NDArray[np.float64]
I64 = NDArray[np.int64]

LOW_TRUST = 0.3
ER_ALPHA = 1.6
ER_BINS = 10


def _scaled(v: F64, anchor: tuple[float, float]) -> F64:
    """A value mapped to [0, 1] between its anchors (worst, best)."""
    worst, best = anchor
    return np.clip((v - worst) / (best - worst), 0.0, 1.0)


#: component name -> (metric, its anchors (worst, best))
COMPONENTS: dict[str, tuple[str, tuple[float, float]]] = {
    name: (o.name, o.anchor) for name, o in components().items() if o.anchor
}

#: The metrics recorded for every scope, in the order of :data:`sim.outcomes.OUTCOMES`.
METRICS: tuple[str, ...] = tuple(OUTCOMES)


@dataclass(frozen=True)
class Scopes:
    """Scopes as a partition of citizens into cells, and each kind's labels of the cells.

    Attributes:
        names: the scope names, in column order.
        kinds: per kind of scope, (label of each cell, number of labels, first column).
        cell: each citizen's cell (int32): the finest partition, in which every scope is
            a union of cells.
        n_cells: number of cells.
    """

    names: tuple[str, ...]
    kinds: tuple[tuple[NDArray[np.int64], int, int], ...]  # (cell labels, n_labels, offset)
    cell: NDArray[np.int32]
    n_cells: int

    @classmethod
    def of(cls, pop: Population) -> Scopes:
        """The standard scopes of a population."""
        n = pop.size
        per_citizen: list[tuple[NDArray[np.int64], int, int]] = []
        names: list[str] = []

        def add(labels: NDArray[np.int64], label_names: list[str]) -> None:
            per_citizen.append((labels, len(label_names), len(names)))
            names.extend(label_names)

        add(np.zeros(n, dtype=np.int64), ["all"])
        codes = pop.municipality_codes or tuple(str(m) for m in range(pop.n_municipalities))
        add(pop.municipality.astype(np.int64), [f"municipality:{c}" for c in codes])
        if len(pop.group_names) > 1:
            add(pop.group.astype(np.int64), [f"group:{g}" for g in pop.group_names])
        add(pop.education.astype(np.int64), [f"education:{e}" for e in EDUCATION])
        add(pop.age_band.astype(np.int64), [f"age:{a}" for a in AGE_BANDS])
        vul = pop.vulnerable
        if vul.any():
            # label 0 = vulnerable, 1 = not (only the first is reported)
            add(np.where(vul, 0, 1).astype(np.int64), ["vulnerable:yes", "_"])
        # The cell of a citizen: its labels of every kind, in mixed radix; then the
        # occupied cells numbered densely.
        code = np.zeros(n, dtype=np.int64)
        for labels, k, _ in per_citizen:
            code = code * k + labels
        span = int(code.max()) + 1 if n else 1
        if span <= 4 * n + 1024:
            occupied = np.flatnonzero(np.bincount(code, minlength=span))
            dense = np.zeros(span, dtype=np.int64)
            dense[occupied] = np.arange(occupied.shape[0])
            cell_of = dense[code]
        else:  # very many tiny scopes: relabel by sorting
            occupied, cell_of = np.unique(code, return_inverse=True)
        n_cells = int(occupied.shape[0])
        first = np.zeros(n_cells, dtype=np.int64)
        first[cell_of[::-1]] = np.arange(n - 1, -1, -1)  # a member of each cell
        kinds = tuple((labels[first], k, off) for labels, k, off in per_citizen)
        return cls(tuple(names), kinds, cell_of.astype(np.int32), n_cells)

    @property
    def reported(self) -> NDArray[np.bool_]:
        """Which scope slots are written out (placeholders start with '_')."""
        return np.array([not s.startswith("_") for s in self.names])


def _er_normaliser() -> float:
    p = np.zeros(ER_BINS)
    p[0] = p[-1] = 0.5
    return float(_er_rows(p[None, :])[0])


def _er_rows(p: F64) -> F64:
    y = (np.arange(ER_BINS) + 0.5) / ER_BINS
    dist = np.abs(y[:, None] - y[None, :])
    return np.einsum("si,ij,sj->s", p ** (1.0 + ER_ALPHA), dist, p)


def esteban_ray(x: F64) -> float:
    """Normalised Esteban-Ray polarisation of opinions x (see module docstring)."""
    h = np.bincount(np.minimum((x * ER_BINS).astype(np.int64), ER_BINS - 1), minlength=ER_BINS)
    p = h / max(int(h.sum()), 1)
    return float(_er_rows(p[None, :])[0] / _er_normaliser())


def _grouped(labels: NDArray[np.integer], k: int, w: F64 | None = None) -> F64:
    return np.bincount(labels, weights=w, minlength=k).astype(np.float64)


def _safe_div(a: F64, b: F64) -> F64:
    return np.divide(a, b, out=np.zeros_like(a), where=b > 0)


def _corr(n: F64, sx: F64, sy: F64, sxx: F64, syy: F64, sxy: F64) -> F64:
    mx, my = _safe_div(sx, n), _safe_div(sy, n)
    cov = _safe_div(sxy, n) - mx * my
    vx = np.maximum(_safe_div(sxx, n) - mx * mx, 0.0)
    vy = np.maximum(_safe_div(syy, n) - my * my, 0.0)
    den = np.sqrt(vx * vy)
    ok = (den > 1e-12) & (n > 1)
    out = np.zeros_like(n)
    out[ok] = np.clip(cov[ok] / den[ok], -1.0, 1.0)
    return out


def _bimodality(n: F64, s1: F64, s2: F64, s3: F64, s4: F64) -> F64:
    out = np.zeros_like(n)
    ok = n > 3
    nn = np.where(ok, n, 4.0)
    m = s1 / nn
    m2 = s2 / nn - m**2
    m3 = s3 / nn - 3 * m * s2 / nn + 2 * m**3
    m4 = s4 / nn - 4 * m * s3 / nn + 6 * m**2 * s2 / nn - 3 * m**4
    ok &= m2 > 1e-12
    m2s = np.where(ok, m2, 1.0)
    g = np.sqrt(nn * (nn - 1)) / (nn - 2) * m3 / m2s**1.5
    k = (nn - 1) / ((nn - 2) * (nn - 3)) * ((nn + 1) * m4 / m2s**2 - 3 * (nn - 1))
    den = k + 3 * (nn - 1) ** 2 / ((nn - 2) * (nn - 3))  # 0 where there is no variance
    return np.divide(g**2 + 1, den, out=out, where=ok)


@dataclass
class TieSums:
    """Per-citizen sums over the ties of both layers, filled by one pass over them.

    Attributes:
        group: each citizen's group (the input for ``cross``).
        degree: ties per citizen.
        cross: ties to another group.
        opinion_sum: sum of the neighbours' opinions.
        near_sum, near_count: sum and number of a value over the ties within the
            citizen's bound (filled when asked for, by the trust rule's contagion).
        filled: whether a pass has filled them.
    """

    group: NDArray[np.int8]
    degree: F64
    cross: F64
    opinion_sum: F64
    near_sum: F64
    near_count: I64
    filled: bool = False

    @classmethod
    def empty(cls, group: NDArray[np.int8]) -> TieSums:
        """Zeroed sums for citizens of these groups."""
        n = group.shape[0]
        z = np.zeros
        return cls(group, z(n), z(n), z(n), z(n), z(n, dtype=np.int64))

    def fill(
        self, network: Network, x: F64, eps: F64 | None = None, values: F64 | None = None
    ) -> TieSums:
        """Add one pass over both layers (with ``eps`` and ``values``: the near sums too).

        One compiled loop over each layer's rows (numba). The neighbour's opinion and
        value are packed side by side first, so that each tie entry costs one random
        memory access, and the loop prefetches the neighbour a few entries ahead
        (sim/prefetch.py): the pass is bound by memory latency, not arithmetic, and so
        keeps many neighbours' loads in flight at once.
        """
        near = eps is not None and values is not None
        if near:
            rec = np.empty((x.shape[0], 2))
            rec[:, 0] = x
            rec[:, 1] = values
        else:
            rec = x.reshape(-1, 1)
        pf = worth_prefetching(rec.nbytes + self.group.nbytes)
        for layer in (network.offline, network.online):
            if layer.n_entries:
                self.degree += layer.degree
                _tie_pass(
                    layer.indptr,
                    layer.indices,
                    rec,
                    self.group,
                    eps if eps is not None else x,
                    near,
                    self.cross,
                    self.opinion_sum,
                    self.near_sum,
                    self.near_count,
                    pf,
                )
        self.filled = True
        return self

    def stats(self) -> tuple[F64, F64, F64]:
        """(ties, ties to other groups, mean tie opinion), as :func:`tie_stats`."""
        return self.degree, self.cross, _safe_div(self.opinion_sum, self.degree)


def tie_stats(pop: Population, network: Network) -> tuple[F64, F64, F64]:
    """Per citizen: number of ties (both layers), ties to other groups, mean tie opinion."""
    return TieSums.empty(pop.group).fill(network, pop.opinion).stats()


@njit(cache=True, nogil=True)
def _tie_pass(
    indptr: I64,
    indices: NDArray[np.int32],
    rec: F64,
    group: NDArray[np.int8],
    eps: F64,
    near: bool,
    cross: F64,
    opin: F64,
    near_sum: F64,
    near_count: I64,
    pf: bool,
) -> None:
    """Add, per row, the ties to another group and the sum of the neighbours' opinions.

    ``rec`` holds each citizen's opinion and, with ``near``, the value to sum: then also
    the sum and number of ``rec[j, 1]`` over the ties with |x_i - x_j| < eps_i. Each row
    is summed in entry order; with ``pf`` it prefetches (sim/prefetch.py). The bound
    test selects by multiplying (adding 0.0 or the value), not by branching: a random
    outcome mispredicts every other entry. It is a float (0.0 or 1.0) for both the sum
    and the count (exact below 2^53): as a bool also added to an integer count it was
    compiled to a branch (11 ns per entry instead of under 4 at 10^4 citizens). So the
    values must be finite: an infinite or NaN value of a neighbour beyond the bound
    would still make the sum NaN.
    """
    m = indices.shape[0]
    width = rec.shape[1]
    flat = rec.reshape(-1)
    for i in range(indptr.shape[0] - 1):
        xi = rec[i, 0]
        gi = group[i]
        ei = eps[i]
        c = 0
        s = 0.0
        ns = 0.0
        nc = 0.0
        for e in range(indptr[i], indptr[i + 1]):
            if pf and e + PREFETCH_AHEAD < m:
                ahead = indices[e + PREFETCH_AHEAD]
                prefetch(flat, width * ahead)
                prefetch(group, ahead)
            j = indices[e]
            xj = rec[j, 0]
            c += group[j] != gi
            s += xj
            if near:
                w = (abs(xi - xj) < ei) * 1.0
                ns += rec[j, 1] * w
                nc += w
        cross[i] += c
        opin[i] += s
        if near:
            near_sum[i] += ns
            near_count[i] += int(nc)


#: The per-cell sums of compute_metrics, in the order _cell_sums returns them.
_CELL_SUMS = (
    "cnt", "t", "low", "p", "here", "part", "cross", "deg", "has",
    "xh", "mh", "xxh", "mmh", "xmh", "s1", "s2", "s3", "s4", "pp",
)  # fmt: skip


@njit(cache=True, nogil=True)
def _cell_sums(
    cell: NDArray[np.int32],
    n_cells: int,
    x: F64,
    t: F64,
    p: F64,
    here: F64,
    part: F64,
    deg: F64,
    cross: F64,
    tie_mean: F64,
) -> tuple[F64, F64, NDArray[np.int64]]:
    """Per cell: the sums named in ``_CELL_SUMS``, the largest ``here``, the histogram.

    Each sum adds its citizens in index order, as ``np.bincount`` does, so the values
    are those of one bincount per quantity.
    """
    out = np.zeros((19, n_cells))
    tmax = np.zeros(n_cells)
    hist = np.zeros((n_cells, ER_BINS), dtype=np.int64)
    for i in range(x.shape[0]):
        c = cell[i]
        xi = x[i]
        has = 1.0 if deg[i] > 0 else 0.0
        x2 = xi * xi
        xh = xi * has
        mh = tie_mean[i] * has
        out[0, c] += 1.0
        out[1, c] += t[i]
        out[2, c] += 1.0 if t[i] < LOW_TRUST else 0.0
        out[3, c] += p[i]
        out[4, c] += here[i]
        out[5, c] += part[i]
        out[6, c] += cross[i]
        out[7, c] += deg[i]
        out[8, c] += has
        out[9, c] += xh
        out[10, c] += mh
        out[11, c] += xi * xh
        out[12, c] += tie_mean[i] * mh
        out[13, c] += xi * mh
        out[14, c] += xi
        out[15, c] += x2
        out[16, c] += x2 * xi
        out[17, c] += x2 * x2
        out[18, c] += p[i] * p[i]
        if here[i] > tmax[c]:
            tmax[c] = here[i]
        hist[c, min(int(xi * ER_BINS), ER_BINS - 1)] += 1
    return out, tmax, hist


@njit(cache=True, nogil=True)
def _scope_sums(
    values: F64,
    tmax_cell: F64,
    hist_cell: NDArray[np.int64],
    labels: NDArray[np.int64],
    offsets: NDArray[np.int64],
    n_scopes: int,
) -> tuple[F64, F64, F64]:
    """Per scope: each row of ``values`` summed, the largest ``tmax_cell``, the histogram.

    ``labels[k, c]`` is cell c's label in the k-th kind of scope, whose scopes are the
    columns from ``offsets[k]``. Each scope adds its cells in cell order, as
    ``np.bincount`` does, so every sum is that of one bincount per row and kind; the
    maximum starts from 0 and the histogram counts are exact.
    """
    n_rows, n_cells = values.shape
    sums = np.zeros((n_rows, n_scopes))
    tmax = np.zeros(n_scopes)
    hist = np.zeros((n_scopes, hist_cell.shape[1]))
    for k in range(labels.shape[0]):
        off = offsets[k]
        for c in range(n_cells):
            j = off + labels[k, c]
            for r in range(n_rows):
                sums[r, j] += values[r, c]
            if tmax_cell[c] > tmax[j]:
                tmax[j] = tmax_cell[c]
            for b in range(hist_cell.shape[1]):
                hist[j, b] += hist_cell[c, b]
    return sums, tmax, hist


def scope_sizes(scopes: Scopes) -> NDArray[np.int64]:
    """The number of citizens in every scope."""
    counts = np.bincount(scopes.cell, minlength=scopes.n_cells).astype(np.float64)
    out = np.zeros(len(scopes.names), dtype=np.int64)
    for labels, k, off in scopes.kinds:
        out[off : off + k] = np.rint(_grouped(labels, k, counts)).astype(np.int64)
    return out


def scope_means(values: F64, scopes: Scopes) -> F64:
    """The mean of one value per citizen in every scope (one pass over the citizens)."""
    sums = np.bincount(scopes.cell, weights=values, minlength=scopes.n_cells)
    counts = np.bincount(scopes.cell, minlength=scopes.n_cells).astype(np.float64)
    out = np.zeros(len(scopes.names))
    for labels, k, off in scopes.kinds:
        out[off : off + k] = _safe_div(_grouped(labels, k, sums), _grouped(labels, k, counts))
    return out


def tense_counts(
    scopes: Scopes, neighbourhood: NDArray[np.int32], tension_nb: F64, tense: float = TENSE
) -> F64:
    """Per scope: the neighbourhoods with tension above ``tense`` where its citizens live.

    For ``all`` and a municipality this is the number of its tense neighbourhoods (with
    residents); for a group, education level, age band or the vulnerable, the number of
    tense neighbourhoods in which at least one of its citizens lives. Only the citizens
    of tense neighbourhoods are looked at: their (cell, neighbourhood) pairs, then those
    pairs' labels of each kind of scope.
    """
    out = np.zeros(len(scopes.names))
    hot = tension_nb > tense
    if not hot.any():
        return out
    who = np.flatnonzero(hot[neighbourhood])
    n_nb = np.int64(tension_nb.shape[0])
    pairs = np.unique(scopes.cell[who].astype(np.int64) * n_nb + neighbourhood[who])
    cell_of, nb_of = np.divmod(pairs, n_nb)
    for labels, k, off in scopes.kinds:
        seen = np.unique(labels[cell_of] * n_nb + nb_of)
        out[off : off + k] = np.bincount(seen // n_nb, minlength=k)
    return out


def compute_metrics(
    pop: Population,
    network: Network,
    tension_nb: F64,
    scopes: Scopes,
    ties: tuple[F64, F64, F64] | None = None,
    gov_position: float = 0.5,
    contact: tuple[NDArray[np.bool_], NDArray[np.bool_]] | None = None,
    tense: float = TENSE,
) -> F64:
    """All metrics for all scopes: an array of shape (len(METRICS), len(scopes.names)).

    ``ties`` is :func:`tie_stats` of the current state, if already computed;
    ``gov_position`` the government's position (for ``dissatisfied_share``);
    ``contact`` the citizens with a realised contact across groups this week and within
    the recent window (``CohesionModel.bridging_contact``; None: nobody);
    ``tense`` the tension above which a neighbourhood counts as tense.
    """
    n_scopes = len(scopes.names)
    out = np.zeros((len(METRICS), n_scopes))
    col = {m: i for i, m in enumerate(METRICS)}
    x, t, p = pop.opinion, pop.trust, pop.prejudice
    here = tension_nb[pop.neighbourhood]
    deg, cross, tie_mean = ties if ties is not None else tie_stats(pop, network)
    cell, n_cells = scopes.cell, scopes.n_cells

    # One compiled pass over the citizens: every quantity's sum per cell, the most
    # tense neighbourhood per cell and the opinion histogram per cell.
    sums, tmax_cell, hist_cell = _cell_sums(
        cell, n_cells, x, t, p, here, pop.participation, deg, cross, tie_mean
    )
    per_cell = dict(zip(_CELL_SUMS, sums, strict=True))
    # the shares trusting "very much or fairly much" (trust above TRUSTING), per cell
    trusting = {
        f"trust_{kind}_share": np.bincount(cell, weights=arr > TRUSTING, minlength=n_cells)
        for kind, arr in (
            ("politics", t),
            ("rule_of_law", pop.trust_rule_of_law),
            ("people", pop.trust_people),
        )
    }
    not_muslim = ~pop.muslim
    towards_sum = np.bincount(cell, weights=pop.prejudice_muslims * not_muslim, minlength=n_cells)
    towards_cnt = np.bincount(cell, weights=not_muslim, minlength=n_cells)
    far = np.abs(x - gov_position) > pop.confidence
    trusting["dissatisfied_share"] = np.bincount(cell, weights=far, minlength=n_cells)
    if contact is not None:
        met_week, met_recent = contact
        trusting["bridging_contact_share"] = np.bincount(cell, met_week, minlength=n_cells)
        trusting["bridging_contact_recent"] = np.bincount(cell, met_recent, minlength=n_cells)

    # Every per-cell quantity summed into every scope at once (each scope's sum adds its
    # cells in order, as one bincount per quantity and kind of scope would), then each
    # metric computed elementwise over all scopes.
    names = [*per_cell, *trusting, "towards_sum", "towards_cnt"]
    stacked = np.stack([*per_cell.values(), *trusting.values(), towards_sum, towards_cnt])
    labels = np.stack([lab for lab, _, _ in scopes.kinds]).astype(np.int64)
    offsets = np.array([off for _, _, off in scopes.kinds], dtype=np.int64)
    summed, tmax, hist = _scope_sums(stacked, tmax_cell, hist_cell, labels, offsets, n_scopes)
    q = dict(zip(names, summed, strict=True))
    cnt = q["cnt"]
    out[col["trust_mean"]] = _safe_div(q["t"], cnt)
    for name in trusting:
        out[col[name]] = _safe_div(q[name], cnt)
    if contact is not None:  # a count, not a share
        out[col["bridging_contacts"]] = q["bridging_contact_share"]
    out[col["low_trust_share"]] = _safe_div(q["low"], cnt)
    pm = _safe_div(q["p"], cnt)
    out[col["prejudice_mean"]] = pm
    out[col["prejudice_sd"]] = np.sqrt(np.maximum(_safe_div(q["pp"], cnt) - pm * pm, 0.0))
    out[col["prejudice_muslims_mean"]] = _safe_div(q["towards_sum"], q["towards_cnt"])
    out[col["tension_mean"]] = _safe_div(q["here"], cnt)
    out[col["tension_max"]] = tmax
    out[col["participation"]] = _safe_div(q["part"], cnt)
    out[col["bridging_ties"]] = _safe_div(q["cross"], q["deg"])
    out[col["bubble_index"]] = _corr(q["has"], q["xh"], q["mh"], q["xxh"], q["mmh"], q["xmh"])
    share = hist / np.maximum(cnt, 1.0)[:, None]
    out[col["polarization"]] = _er_rows(share) / _er_normaliser()
    out[col["bimodality"]] = _bimodality(cnt, q["s1"], q["s2"], q["s3"], q["s4"])
    m = _safe_div(q["s1"], cnt)
    out[col["opinion_mean"]] = m
    out[col["opinion_sd"]] = np.sqrt(np.maximum(_safe_div(q["s2"], cnt) - m * m, 0.0))
    out[col["tense_neighbourhoods"]] = tense_counts(scopes, pop.neighbourhood, tension_nb, tense)
    comp = {name: _scaled(out[col[m]], anchor) for name, (m, anchor) in COMPONENTS.items()}
    for domain, parts in DOMAINS.items():
        out[col[domain]] = 100.0 * np.mean([comp[c] for c in parts], axis=0)
    out[col["cohesion_index"]] = np.mean([out[col[d]] for d in DOMAINS], axis=0)
    return out
