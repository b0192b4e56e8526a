"""Three kinds of trust and where each citizen starts: CBS's shares by education and origin.

CBS's survey *Sociale samenhang en welzijn* (persons aged 15 and over) asks how much
trust people have in the Tweede Kamer, the police, judges and other people; CBS reports
the share with "very much or fairly much" trust (``data/cbs_trust.csv``). The model has
three trusts per citizen, each in [0, 1], with 0.5 the level that answers "fairly much":

- ``politics``: the counterpart of trust in the Tweede Kamer (``Population.trust``);
- ``rule_of_law``: the counterpart of the mean of trust in the police and in judges;
- ``people``: trust in other people ("most people can be trusted").

A citizen's dispositional level of each trust is drawn from a normal distribution with
spread ``sd`` around 0.5 + sd z, where z is the probit of the share trusting in the
citizen's cell (education level x origin group): the national share of the chosen year,
moved by the gaps that CBS published by education and by origin (82378NED, 2017, the last
year with both), added on the probit scale. So P(trust > 0.5) is the cell's share, and
the population's share is CBS's within the additive approximation. Age, sex and
vulnerability set no level (CBS publishes no institutional trust by age; docs/model.md
compares the age pattern of trust in people with CBS as a check the levels do not use).
"""

from __future__ import annotations

from functools import cache
from statistics import NormalDist

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from sim.config import ConfigError
from sim.datafiles import DataError, data_file

__all__ = [
    "GAP_YEAR",
    "TRUSTING",
    "TRUST_FILE",
    "TRUST_KINDS",
    "cbs_share",
    "cbs_trust",
    "cell_shares",
    "cell_z",
    "levels",
    "years",
]

F64 = NDArray[np.float64]
_NORMAL = NormalDist()

TRUST_FILE = "cbs_trust.csv"
#: A trust above this answers "very much or fairly much".
TRUSTING = 0.5
#: The model's trusts and the CBS measures each stands for (a mean where several).
TRUST_KINDS: dict[str, tuple[str, ...]] = {
    "politics": ("parliament",),
    "rule_of_law": ("police", "judges"),
    "people": ("people",),
}
#: The last year CBS published trust by education and by origin (82378NED).
GAP_YEAR = "2017"
#: CBS's five education categories in the three levels of the model (CBS's own grouping:
#: laag = basisonderwijs and vmbo/mbo-1/avo onderbouw; middelbaar = havo/vwo/mbo;
#: hoog = hbo and wo); the parts are averaged with equal weights (their sizes are not in
#: the table).
EDUCATION_PARTS = {
    "low": ("basisonderwijs", "vmbo_mbo1_avo_onderbouw"),
    "middle": ("havo_vwo_mbo",),
    "high": ("hbo_wo_bachelor", "wo_master_doctor"),
}
#: Each origin key's CBS category (the former classification, 2017); for trust in other
#: people, CBS's pooled 2012-2019 figures for the largest groups replace the non-western
#: one.
ORIGIN_CATEGORY = {
    "netherlands": "dutch_background",
    "europe": "western_migration_background",
    "outside_europe": "nonwestern_migration_background",
    "turkey": "nonwestern_migration_background",
    "morocco": "nonwestern_migration_background",
    "suriname": "nonwestern_migration_background",
    "caribbean": "nonwestern_migration_background",
    "other_outside_europe": "nonwestern_migration_background",
}
PEOPLE_ORIGIN = {
    "turkey": ("Turkish", "2012-2019pooled"),
    "morocco": ("Moroccan", "2012-2019pooled"),
    "suriname": ("Surinamese/Antillean", "2012-2019pooled"),
    "caribbean": ("Surinamese/Antillean", "2012-2019pooled"),
}


@cache
def cbs_trust() -> pd.DataFrame:
    """CBS's trust shares (data/README.md): measure, breakdown, category, period, share.

    Where the file has two figures for the same cell and period (a first release and a
    revised one), the first row is the one used.
    """
    path = data_file(TRUST_FILE)
    try:
        df = pd.read_csv(path, dtype={"period": str})
    except (OSError, ValueError, pd.errors.ParserError) as e:
        raise DataError(f"data file {path} cannot be read ({type(e).__name__}: {e})") from e
    cols = ("measure", "breakdown", "category", "period", "share", "source")
    missing = [c for c in cols if c not in df.columns]
    if missing:
        raise DataError(f"data file {path} is damaged: no column {', '.join(missing)}")
    share = pd.to_numeric(df["share"], errors="coerce")
    if share.isna().any() or ((share < 0) | (share > 1)).any():
        raise DataError(f"data file {path} is damaged: a share is missing or outside 0-1")
    df["share"] = share
    return df.drop_duplicates(["measure", "breakdown", "category", "period"], keep="first")


def cbs_share(measure: str, breakdown: str, category: str, period: str) -> float:
    """One published share; a missing one raises DataError naming it."""
    df = cbs_trust()
    hit = df[
        (df["measure"] == measure)
        & (df["breakdown"] == breakdown)
        & (df["category"] == category)
        & (df["period"] == period)
    ]
    if hit.empty:
        raise DataError(f"{TRUST_FILE} has no share for {measure}, {category}, {period}")
    return float(hit["share"].iloc[0])


def _kind_share(kind: str, breakdown: str, category: str, period: str) -> float:
    return float(np.mean([cbs_share(m, breakdown, category, period) for m in TRUST_KINDS[kind]]))


def years() -> list[str]:
    """The years with a national share for every kind of trust."""
    df = cbs_trust()
    total = df[df["breakdown"] == "total"]
    have = [set(total.loc[total["measure"] == m, "period"]) for ms in TRUST_KINDS.values()
            for m in ms]  # fmt: skip
    return sorted(p for p in set.intersection(*have) if p.isdigit())


def _z(share: float) -> float:
    return _NORMAL.inv_cdf(share)


def cell_shares(kind: str, year: str, origins: list[str | None]) -> F64:
    """The share trusting per (education level, group): shape (3, len(origins))."""
    return np.vectorize(_NORMAL.cdf, otypes=[np.float64])(cell_z(kind, year, origins))


def cell_z(kind: str, year: str, origins: list[str | None]) -> F64:
    """The probit of the share trusting per (education level, group), (3, len(origins)).

    ``origins`` are the groups' origin keys (None: no origin gap).

    Raises:
        ConfigError: for a year without national shares of every kind.
    """
    if str(year) not in years():
        raise ConfigError(
            "population.trust_year",
            f"must be a year with CBS's national shares of every trust ({', '.join(years())}), "
            f"got {year!r}",
        )
    z_total = _z(_kind_share(kind, "total", "total", str(year)))
    z_gap_total = _z(_kind_share(kind, "total", "total", GAP_YEAR))
    edu = np.array(
        [
            np.mean([_z(_kind_share(kind, "education", c, GAP_YEAR)) for c in parts])
            for parts in EDUCATION_PARTS.values()
        ]
    )
    org = np.zeros(len(origins))
    for j, origin in enumerate(origins):
        if origin is None:
            continue
        if kind == "people" and origin in PEOPLE_ORIGIN:
            category, period = PEOPLE_ORIGIN[origin]
            org[j] = _z(cbs_share("people", "origin", category, period)) - z_gap_total
        else:
            share = _kind_share(kind, "origin", ORIGIN_CATEGORY[origin], GAP_YEAR)
            org[j] = _z(share) - z_gap_total
    return np.asarray(z_total + (edu - z_gap_total)[:, None] + org[None, :], np.float64)


def levels(
    kind: str, year: str, origins: list[str | None], education: NDArray[np.int8],
    group: NDArray[np.int8], sd: float,
) -> F64:  # fmt: skip
    """Each citizen's mean dispositional trust: 0.5 + sd z of its cell."""
    return 0.5 + sd * cell_z(kind, year, origins)[education, group]
