"""Citizens as a structure of numpy arrays (no object per citizen).

Citizens are laid out contiguously by municipality, then neighbourhood, then group, so
that a neighbourhood or a (neighbourhood, group) block is a slice. First the places are
laid out (how many citizens of each group live in each neighbourhood), then each
citizen's attributes are drawn from the population's own stream.

- **Real places** (``places: netherlands`` or ``municipality``): the municipalities of
  2024 with their districts as neighbourhoods, from CBS's counts (:mod:`sim.places`).
  Citizens are residents aged 15 and over. Nothing is drawn: each municipality gets
  its share of the citizens (its residents aged 15 and over), each group its share of
  the municipality (the municipality's measured origin counts, outside Europe split
  by the 2020 shares of its largest origins), both by the largest remainder; a group's
  citizens are spread over the districts in proportion to the district's measured count
  of its 2024 origin, by cumulative rounding, so that every (municipality, group) cell
  is exact and every (district, group) cell is within one citizen of its share.
  Districts that get nobody are left out.
- **Synthetic places**: municipality sizes equal or lognormal (heavy-tailed); each
  municipality has the configured group shares exactly (largest remainder), spread over
  its neighbourhoods by weights drawn from a Dirichlet distribution centred on those
  shares, whose concentration falls as ``segregation`` rises (0 = every neighbourhood
  mirrors the town).

Age bands and education levels are exact in every municipality too (its own measured
shares, or the country's in synthetic places), dealt to its citizens at random: within
a municipality they are independent of origin and of each other, which real ones are
not (migrant groups are younger, the old less educated). A citizen considers itself
Muslim with its group's ``muslim_share``.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from statistics import NormalDist

import numpy as np
from numpy.typing import NDArray

from sim import people, places
from sim.config import PopulationConfig

__all__ = [
    "AGE_BANDS",
    "EDUCATION",
    "Layout",
    "Population",
    "build_population",
    "cumulative_round",
    "pinned_lognormal_sizes",
    "real_layout",
    "split_sizes",
]

F64 = NDArray[np.float64]
I32 = NDArray[np.int32]

#: Education levels in index order (CBS: laag, middelbaar, hoog).
EDUCATION: tuple[str, ...] = tuple(places.EDUCATION)
#: Age bands in index order (residents aged 15 and over).
AGE_BANDS: tuple[str, ...] = tuple(places.AGE_BANDS)


@dataclass
class Population:
    """Citizen state: one array per attribute, one row per citizen.

    Attributes:
        group: group index (int8) into ``group_names``.
        municipality: municipality index (int32).
        neighbourhood: neighbourhood index (int32), global over municipalities.
        opinion: opinion in [0, 1], 0.5 the centre.
        confidence: the citizen's confidence bound eps_i in (0, 1].
        trust: political trust in [0, 1] (the counterpart of trust in the Tweede Kamer;
            above 0.5 answers "very much or fairly much", sim/people.py).
        prejudice: prejudice towards out-groups in [0, 1].
        prejudice_muslims: prejudice towards Muslims in [0, 1] of citizens who are not
            Muslim (0 for Muslims), and its dispositional level (``..._base``).
        trust_base: the citizen's dispositional political trust, the level it recovers
            towards.
        prejudice_base: the citizen's dispositional prejudice, the level it relaxes to.
        trust_rule_of_law, trust_people: trust in the rule of law (police and judges) and
            in other people, in [0, 1], and their dispositional levels (``..._base``).
        education: education level (int8) into :data:`EDUCATION` (CBS laag, middelbaar,
            hoog).
        age_band: age band (int8) into :data:`AGE_BANDS`; citizens are residents aged
            15 and over.
        muslim: the citizen considers itself Muslim (bool), for measuring prejudice
            towards Muslims only.
        debt, newcomer, ex_detainee: vulnerability flags (bool).
        online_share: share of the citizen's encounters that happen online [0, 1].
        participation: participation propensity [0, 1].
        group_names: names of the groups, in index order.
        neighbourhood_municipality: municipality of each neighbourhood.
        municipality_codes: each municipality's code (CBS ``GMnnnn`` for real places, its
            index as text for synthetic ones).
        municipality_names: each municipality's name.
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
    prejudice_muslims: F64
    prejudice_muslims_base: F64
    trust_rule_of_law: F64
    trust_people: F64
    trust_rule_of_law_base: F64
    trust_people_base: F64
    education: NDArray[np.int8]
    age_band: NDArray[np.int8]
    muslim: NDArray[np.bool_]
    debt: NDArray[np.bool_]
    newcomer: NDArray[np.bool_]
    ex_detainee: NDArray[np.bool_]
    online_share: F64
    participation: F64
    group_names: tuple[str, ...]
    neighbourhood_municipality: I32
    municipality_codes: tuple[str, ...] = ()
    municipality_names: tuple[str, ...] = ()

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
            f.name: getattr(self, f.name) for f in fields(self) if f.name not in _NOT_PER_CITIZEN
        }

    def municipality_scope(self, m: int) -> str:
        """The scope name of municipality ``m`` (``municipality:GM0363``, or its index)."""
        codes = self.municipality_codes
        return f"municipality:{codes[m] if codes else m}"

    def municipality_index(self, value: str) -> int:
        """The index of a municipality named by its index or its code."""
        if value in self.municipality_codes:
            return self.municipality_codes.index(value)
        return int(value)

    def nbytes(self) -> int:
        """Bytes held by the per-citizen arrays."""
        return sum(a.nbytes for a in self.arrays().values())


_NOT_PER_CITIZEN = (
    "group_names",
    "neighbourhood_municipality",
    "municipality_codes",
    "municipality_names",
)


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


def _municipality_sizes(
    cfg: PopulationConfig, n: int, rng: np.random.Generator
) -> NDArray[np.int64]:
    m = cfg.municipalities
    if cfg.municipality_sizes == "equal" or m == 1:
        return split_sizes(n, np.ones(m))
    if cfg.max_municipality_size is not None:
        return pinned_lognormal_sizes(
            n, m, cfg.min_municipality_size, cfg.max_municipality_size, rng
        )
    # Heavy-tailed: lognormal weights, then shift so no municipality is below the minimum.
    w = rng.lognormal(0.0, cfg.municipality_size_sigma, m)
    spare = n - cfg.min_municipality_size * m
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


@dataclass(frozen=True)
class Layout:
    """Where the citizens live: how many of each group in each neighbourhood.

    Attributes:
        codes: each municipality's code.
        names: each municipality's name.
        nb_muni: each neighbourhood's municipality (int32).
        counts: citizens per (neighbourhood, group), int64.
    """

    codes: tuple[str, ...]
    names: tuple[str, ...]
    nb_muni: I32
    counts: NDArray[np.int64]


def _synthetic_layout(
    cfg: PopulationConfig, names: tuple[str, ...], rng: np.random.Generator
) -> Layout:
    shares = np.array([cfg.groups[g].share for g in names], dtype=np.float64)
    shares = shares / shares.sum()
    muni_sizes = _municipality_sizes(cfg, places.citizens(cfg), rng)
    # Neighbourhoods per municipality, at least one each.
    n_nb = np.maximum(1, np.rint(muni_sizes / cfg.neighbourhood_size)).astype(np.int64)
    nb_muni = np.repeat(np.arange(cfg.municipalities, dtype=np.int32), n_nb)
    nb_sizes = np.concatenate(
        [split_sizes(int(s), np.ones(int(k))) for s, k in zip(muni_sizes, n_nb, strict=True)]
    )
    n_neigh = nb_sizes.shape[0]
    # Group composition per neighbourhood: Dirichlet around the shares, as weights for
    # spreading each group's exact total in its municipality over the neighbourhoods
    # (so the municipality's composition is the configured one, within one citizen).
    if cfg.segregation > 0.0 and len(names) > 1:
        conc = (1.0 - cfg.segregation) / cfg.segregation * len(names)
        comp = rng.dirichlet(np.maximum(shares * conc, 1e-9), size=n_neigh)
    else:
        comp = np.broadcast_to(shares, (n_neigh, len(names)))
    weights = comp * nb_sizes[:, None]
    counts = np.concatenate(
        [
            _spread(split_sizes(int(size), shares), weights[nb_muni == m])
            for m, size in enumerate(muni_sizes)
        ]
    )
    codes = tuple(str(m) for m in range(cfg.municipalities))
    return Layout(codes, codes, nb_muni, counts)


def cumulative_round(targets: F64) -> NDArray[np.int64]:
    """Whole numbers for real ``targets`` (1-d), each within one of its target.

    Rounds the running sums, not the parts, so the parts add up to the rounded total.
    """
    cum = np.rint(np.cumsum(targets))
    return np.diff(np.concatenate([[0.0], cum])).astype(np.int64)


def _spread(total: NDArray[np.int64], weights: F64) -> NDArray[np.int64]:
    """Each group's citizens of a municipality over its districts (columns: groups)."""
    out = np.zeros(weights.shape, dtype=np.int64)
    for g in range(weights.shape[1]):
        w = weights[:, g]
        if w.sum() <= 0.0:
            w = weights.sum(axis=1) + 1e-12  # nobody of that origin measured: by size
        out[:, g] = cumulative_round(total[g] * w / w.sum())
    return out


def real_layout(cfg: PopulationConfig, names: tuple[str, ...]) -> Layout:
    """The citizens of real municipalities and their districts (see the module docstring)."""
    munis = places.chosen(cfg)
    origins = [str(cfg.groups[g].origin) for g in names]
    comp = places.origin_counts(munis["code"])[origins].to_numpy(dtype=np.float64)
    in_districts = [f"origin_{places.origin_parent(o)}" for o in origins]
    dist = places.districts()
    sizes = split_sizes(places.citizens(cfg), places.adults(munis["code"]).astype(np.float64))
    # every municipality keeps a citizen: at fractions so small that one would get none,
    # the largest gives up the citizens that takes (the checks keep >= 1 per municipality)
    sizes = np.maximum(sizes, 1)
    sizes[np.argmax(sizes)] -= int(sizes.sum()) - places.citizens(cfg)
    blocks: list[NDArray[np.int64]] = []
    nb_muni: list[NDArray[np.int32]] = []
    by_muni = dict(tuple(dist.groupby("municipality", sort=False)))
    for m, (code, size) in enumerate(zip(munis["code"], sizes, strict=True)):
        group_totals = split_sizes(int(size), comp[m])
        d = by_muni.get(code)
        weights = (
            d[in_districts].to_numpy(dtype=np.float64)
            if d is not None
            else np.ones((1, len(names)))
        )
        counts = _spread(group_totals, weights)
        counts = counts[counts.sum(axis=1) > 0]
        blocks.append(counts)
        nb_muni.append(np.full(counts.shape[0], m, dtype=np.int32))
    return Layout(
        tuple(munis["code"]),
        tuple(munis["name"]),
        np.concatenate(nb_muni),
        np.concatenate(blocks),
    )


def municipal_shares(cfg: PopulationConfig, n_municipalities: int) -> tuple[F64, F64]:
    """Each municipality's shares of the age bands and of the education levels.

    Real places have their own (CBS 85984NED ages of 2024, 84799NED education);
    synthetic ones the country's (residents aged 15 and over, weighted by them).
    """
    comp = places.composition()
    ages, edu = list(places.AGE_BANDS.values()), list(places.EDUCATION.values())
    if cfg.places == "synthetic":
        weight = comp[ages].sum(axis=1).to_numpy(np.float64)
        age = comp[ages].sum(axis=0).to_numpy(np.float64)
        educ = (comp[edu].to_numpy(np.float64) * weight[:, None]).sum(axis=0)
        return (
            np.tile(age / age.sum(), (n_municipalities, 1)),
            np.tile(educ / educ.sum(), (n_municipalities, 1)),
        )
    codes = places.chosen(cfg)["code"]
    return comp.loc[codes, ages].to_numpy(np.float64), comp.loc[codes, edu].to_numpy(np.float64)


def exact_labels(municipality: I32, shares: F64, rng: np.random.Generator) -> NDArray[np.int8]:
    """Labels whose counts in every municipality are its shares rounded exactly.

    ``municipality`` must be sorted (citizens are laid out by municipality); each
    municipality's counts are its shares of its citizens by the largest remainder, and
    they are dealt to its citizens in a random order (the population's stream).
    """
    n, m = municipality.shape[0], shares.shape[0]
    sizes = np.bincount(municipality, minlength=m)
    counts = np.stack([split_sizes(int(s), w) for s, w in zip(sizes, shares, strict=True)])
    labels = np.repeat(np.tile(np.arange(shares.shape[1], dtype=np.int8), m), counts.ravel())
    order = np.lexsort((np.asarray(rng.random(n)), municipality))
    out = np.empty(n, dtype=np.int8)
    out[order] = labels
    return out


def build_population(
    cfg: PopulationConfig,
    dyn_confidence: float,
    confidence_spread: float,
    seed: np.random.SeedSequence,
) -> Population:
    """Lay out the places and draw the citizens' attributes from the population's stream.

    Args:
        cfg: the population config (already range-checked).
        dyn_confidence: the mean confidence bound (dynamics.confidence).
        confidence_spread: spread of the citizens' bounds (dynamics.confidence_spread).
        seed: the population's child seed sequence.
    """
    rng = np.random.default_rng(seed)
    names = tuple(cfg.groups)
    if cfg.places == "synthetic":
        layout = _synthetic_layout(cfg, names, rng)
    else:
        layout = real_layout(cfg, names)
    n_neigh = layout.counts.shape[0]
    flat = layout.counts.ravel()
    n = int(flat.sum())
    group = np.repeat(np.tile(np.arange(len(names), dtype=np.int8), n_neigh), flat)
    neighbourhood = np.repeat(np.arange(n_neigh, dtype=np.int32), layout.counts.sum(axis=1))
    municipality = layout.nb_muni[neighbourhood]

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

    age_shares, edu_shares = municipal_shares(cfg, int(layout.nb_muni.max()) + 1)
    age_band = exact_labels(municipality, age_shares, rng)
    education = exact_labels(municipality, edu_shares, rng)
    origins = [cfg.groups[g].origin for g in names]

    def level(kind: str) -> F64:
        year = str(cfg.trust_year)
        lift = cfg.trust_sd * float(getattr(cfg.trust_lift, kind))  # probit scale
        return people.levels(kind, year, origins, education, group, cfg.trust_sd) + lift

    political = level("politics") if cfg.trust_mean is None else cfg.trust_mean
    trust = _clipped_normal(rng, political, cfg.trust_sd, n)
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
    muslim = rng.random(n) < np.array([cfg.groups[g].muslim_share for g in names])[group]
    # prejudice towards Muslims: a share prejudice_muslims_share of non-Muslims above 0.5
    z = NormalDist().inv_cdf(min(max(cfg.prejudice_muslims_share, 1e-9), 1.0 - 1e-9))
    towards = _clipped_normal(rng, 0.5 + cfg.prejudice_sd * z, cfg.prejudice_sd, n)
    towards[muslim] = 0.0
    law = _clipped_normal(rng, level("rule_of_law"), cfg.trust_sd, n)
    others = _clipped_normal(rng, level("people"), cfg.trust_sd, n)
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
        prejudice_muslims=towards,
        prejudice_muslims_base=towards.copy(),
        trust_rule_of_law=law,
        trust_people=others,
        trust_rule_of_law_base=law.copy(),
        trust_people_base=others.copy(),
        education=education,
        age_band=age_band,
        muslim=muslim,
        debt=debt,
        newcomer=newcomer,
        ex_detainee=ex_detainee,
        online_share=online_share.astype(np.float64),
        participation=participation,
        group_names=names,
        neighbourhood_municipality=layout.nb_muni,
        municipality_codes=layout.codes,
        municipality_names=layout.names,
    )
