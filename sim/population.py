"""Synthetic citizens as a structure of numpy arrays (no object per citizen).

Citizens are laid out contiguously by municipality, then neighbourhood, then group, so
that a neighbourhood or a (neighbourhood, group) block is a slice. Municipality sizes are
equal or lognormal (heavy-tailed, as Dutch municipalities are; see configs/population/
netherlands.yaml for the facts they are drawn to match). Groups concentrate by
neighbourhood: each neighbourhood's group composition is drawn from a Dirichlet
distribution centred on the overall shares whose concentration falls as
``segregation`` rises (0 = every neighbourhood mirrors the town).
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np
from numpy.typing import NDArray

from sim.config import PopulationConfig

__all__ = ["Population", "build_population", "pinned_lognormal_sizes", "split_sizes"]

F64 = NDArray[np.float64]
I32 = NDArray[np.int32]


@dataclass
class Population:
    """Citizen state: one array per attribute, one row per citizen.

    Attributes:
        group: group index (int8) into ``group_names``.
        municipality: municipality index (int32).
        neighbourhood: neighbourhood index (int32), global over municipalities.
        opinion: opinion in [0, 1], 0.5 the centre.
        confidence: the citizen's confidence bound eps_i in (0, 1].
        trust: trust in institutions in [0, 1].
        prejudice: prejudice towards out-groups in [0, 1].
        trust_base: the citizen's dispositional trust, the level it recovers towards.
        prejudice_base: the citizen's dispositional prejudice, the level it relaxes to.
        debt, newcomer, ex_detainee: vulnerability flags (bool).
        online_share: share of the citizen's encounters that happen online [0, 1].
        participation: participation propensity [0, 1].
        group_names: names of the groups, in index order.
        neighbourhood_municipality: municipality of each neighbourhood.
    """

    group: NDArray[np.int8]
    municipality: I32
    neighbourhood: I32
    opinion: F64
    confidence: F64
    trust: F64
    prejudice: F64
    trust_base: F64
    prejudice_base: F64
    debt: NDArray[np.bool_]
    newcomer: NDArray[np.bool_]
    ex_detainee: NDArray[np.bool_]
    online_share: F64
    participation: F64
    group_names: tuple[str, ...]
    neighbourhood_municipality: I32

    @property
    def size(self) -> int:
        """Number of citizens."""
        return int(self.opinion.shape[0])

    @property
    def n_municipalities(self) -> int:
        """Number of municipalities."""
        return int(self.neighbourhood_municipality.max()) + 1

    @property
    def n_neighbourhoods(self) -> int:
        """Number of neighbourhoods."""
        return int(self.neighbourhood_municipality.shape[0])

    @property
    def vulnerable(self) -> NDArray[np.bool_]:
        """Citizens with any vulnerability flag."""
        return self.debt | self.newcomer | self.ex_detainee

    def arrays(self) -> dict[str, np.ndarray]:
        """The per-citizen arrays by name (for snapshots and final_state)."""
        return {
            f.name: getattr(self, f.name)
            for f in fields(self)
            if f.name not in ("group_names", "neighbourhood_municipality")
        }

    def nbytes(self) -> int:
        """Bytes held by the per-citizen arrays."""
        return sum(a.nbytes for a in self.arrays().values())


def split_sizes(total: int, weights: F64) -> NDArray[np.int64]:
    """Split ``total`` into integer parts proportional to ``weights`` (largest remainder)."""
    w = np.asarray(weights, dtype=np.float64)
    raw = total * w / w.sum()
    base = np.floor(raw).astype(np.int64)
    short = total - int(base.sum())
    if short:
        order = np.argsort(-(raw - base), kind="stable")
        base[order[:short]] += 1
    return base


def _municipality_sizes(cfg: PopulationConfig, rng: np.random.Generator) -> NDArray[np.int64]:
    m = cfg.municipalities
    if cfg.municipality_sizes == "equal" or m == 1:
        return split_sizes(cfg.size, np.ones(m))
    if cfg.max_municipality_size is not None:
        return pinned_lognormal_sizes(
            cfg.size, m, cfg.min_municipality_size, cfg.max_municipality_size, rng
        )
    # Heavy-tailed: lognormal weights, then shift so no municipality is below the minimum.
    w = rng.lognormal(0.0, cfg.municipality_size_sigma, m)
    spare = cfg.size - cfg.min_municipality_size * m
    return cfg.min_municipality_size + split_sizes(spare, w)


def pinned_lognormal_sizes(
    total: int, m: int, smallest: int, largest: int, rng: np.random.Generator
) -> NDArray[np.int64]:
    """Heavy-tailed sizes with an exact smallest, largest and total, in random order.

    Log-sizes are a sorted normal sample mapped onto [log smallest, log largest]: with
    t_i in [0, 1] the sample's rank-preserving position between its extremes, size_i =
    smallest * (largest / smallest) ** (t_i ** p). p = 1 is a lognormal pinned at both
    ends; p is found by bisection so that the sizes add up to ``total`` (p > 1 thins the
    middle, p < 1 fattens it). For the Netherlands (342 municipalities, 1,000 to 930,000,
    17.9 million) p comes out between about 0.8 and 1.7 depending on the seed: those
    facts are close to a lognormal pinned at both ends (median municipality about
    14,000 to 36,000, the four largest holding about 14% of the total).

    Args:
        total: sum of the sizes.
        m: number of sizes (>= 2).
        smallest: the exact smallest size.
        largest: the exact largest size (>= smallest).
        rng: the population stream (draws m normals).
    """
    z = np.sort(rng.standard_normal(m))
    perm = rng.permutation(m)
    span = z[-1] - z[0]
    t = (z - z[0]) / span if span > 0 else np.linspace(0.0, 1.0, m)
    t_mid = t[1:-1]
    log_ratio = np.log(largest / smallest)
    target = total - smallest - largest

    def interior(log_p: float) -> F64:
        return smallest * np.exp(log_ratio * t_mid ** np.exp(log_p))

    lo, hi = -12.0, 12.0  # log p: the sum falls as p rises
    for _ in range(100):
        mid = 0.5 * (lo + hi)
        if interior(mid).sum() > target:
            lo = mid
        else:
            hi = mid
    sizes = np.empty(m, dtype=np.int64)
    sizes[0], sizes[-1] = smallest, largest
    if m > 2:
        sizes[1:-1] = split_sizes(target, interior(0.5 * (lo + hi)))
    return sizes[perm]


def _clipped_normal(rng: np.random.Generator, mean: F64 | float, sd: float, n: int) -> F64:
    return np.clip(rng.normal(mean, sd, n), 0.0, 1.0)


def build_population(
    cfg: PopulationConfig,
    dyn_confidence: float,
    confidence_spread: float,
    seed: np.random.SeedSequence,
) -> Population:
    """Draw a synthetic population from its own stream.

    Args:
        cfg: the population config (already range-checked).
        dyn_confidence: the mean confidence bound (dynamics.confidence).
        confidence_spread: spread of the citizens' bounds (dynamics.confidence_spread).
        seed: the population's child seed sequence.
    """
    rng = np.random.default_rng(seed)
    names = tuple(cfg.groups)
    shares = np.array([cfg.groups[g].share for g in names], dtype=np.float64)
    shares = shares / shares.sum()

    muni_sizes = _municipality_sizes(cfg, rng)
    # Neighbourhoods per municipality, at least one each.
    n_nb = np.maximum(1, np.rint(muni_sizes / cfg.neighbourhood_size)).astype(np.int64)
    nb_muni = np.repeat(np.arange(cfg.municipalities, dtype=np.int32), n_nb)
    nb_sizes = np.concatenate(
        [split_sizes(int(s), np.ones(int(k))) for s, k in zip(muni_sizes, n_nb, strict=True)]
    )
    n_neigh = nb_sizes.shape[0]

    # Group composition per neighbourhood: Dirichlet around the shares.
    if cfg.segregation > 0.0 and len(names) > 1:
        conc = (1.0 - cfg.segregation) / cfg.segregation * len(names)
        comp = rng.dirichlet(np.maximum(shares * conc, 1e-9), size=n_neigh)
    else:
        comp = np.broadcast_to(shares, (n_neigh, len(names)))
    # Citizens per (neighbourhood, group), in neighbourhood-major order.
    counts = np.stack([split_sizes(int(s), c) for s, c in zip(nb_sizes, comp, strict=True)])
    flat = counts.ravel()
    n = int(flat.sum())
    group = np.repeat(np.tile(np.arange(len(names), dtype=np.int8), n_neigh), flat)
    neighbourhood = np.repeat(np.arange(n_neigh, dtype=np.int32), nb_sizes)
    municipality = nb_muni[neighbourhood]

    if cfg.opinion_init == "uniform":
        opinion = rng.random(n)
    else:
        means = np.array([cfg.groups[g].opinion_mean for g in names])[group]
        sds = np.array([cfg.groups[g].opinion_sd for g in names])[group]
        opinion = np.clip(means + sds * rng.standard_normal(n), 0.0, 1.0)
    if confidence_spread > 0.0:
        lo = max(1e-3, dyn_confidence - confidence_spread)
        confidence = np.clip(
            rng.uniform(dyn_confidence - confidence_spread, dyn_confidence + confidence_spread, n),
            lo,
            1.0,
        )
    else:
        confidence = np.full(n, dyn_confidence)

    trust = _clipped_normal(rng, cfg.trust_mean, cfg.trust_sd, n)
    prejudice = _clipped_normal(rng, cfg.prejudice_mean, cfg.prejudice_sd, n)
    debt = rng.random(n) < cfg.debt_share
    # Newcomers come from groups other than the first (the majority by convention).
    if len(names) > 1:
        minority = group > 0
        p_new = cfg.newcomer_share / max(float(minority.mean()), 1e-12)
        newcomer = minority & (rng.random(n) < min(1.0, p_new))
    else:
        newcomer = rng.random(n) < cfg.newcomer_share
    ex_detainee = rng.random(n) < cfg.ex_detainee_share
    # Online share: Beta with the configured mean (concentration 4).
    m = cfg.online_share_mean
    online_share = rng.beta(4.0 * m, 4.0 * (1.0 - m), n) if 0.0 < m < 1.0 else np.full(n, m)
    participation = _clipped_normal(rng, cfg.participation_mean, 0.1, n)
    return Population(
        group=group,
        municipality=municipality.astype(np.int32),
        neighbourhood=neighbourhood,
        opinion=opinion.astype(np.float64),
        confidence=confidence.astype(np.float64),
        trust=trust,
        prejudice=prejudice,
        trust_base=trust.copy(),
        prejudice_base=prejudice.copy(),
        debt=debt,
        newcomer=newcomer,
        ex_detainee=ex_detainee,
        online_share=online_share.astype(np.float64),
        participation=participation,
        group_names=names,
        neighbourhood_municipality=nb_muni,
    )
