"""Real places: the 342 municipalities of 2024, their districts, and their boundaries.

Read through one loader from the package's data files (sources in ``data/README.md``):

- ``municipalities_2024.csv``: CBS code (``GM0363``), name (CBS spelling), province and
  inhabitants on 1 January 2024 (CBS 85984NED, summing to 17,942,942);
- ``municipal_composition.csv``: each municipality's inhabitants by origin and age band
  (2024), its shares of the largest origins outside Europe (2020), of education levels
  and of low-income households;
- ``districts_2024.csv``: the districts (wijken, ``WK036300``) of each municipality and
  their inhabitants on 1 January 2024 (85984NED; CBS rounds district counts to fives);
- ``gemeente_2024.geojson``: generalised 2024 municipal boundaries with CBS codes, for maps.

A municipality is named by its code or its name; names match whatever their case and
accents (``'s-gravenhage``, ``Sudwest-Fryslan``), and the common names ``Den Haag`` and
``Den Bosch`` are understood. An unknown one is refused in one line
that names the closest matches.
"""

from __future__ import annotations

import difflib
import json
import unicodedata
from functools import cache
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from sim.config import ConfigError, PopulationConfig
from sim.datafiles import DataError, data_file

__all__ = [
    "AGE_BANDS",
    "EDUCATION",
    "MUNICIPALITIES_FILE",
    "ORIGINS",
    "ORIGIN_PARTS",
    "adults",
    "boundaries",
    "chosen",
    "citizens",
    "composition",
    "districts",
    "find_municipality",
    "inhabitants",
    "label",
    "municipalities",
    "origin_counts",
    "origin_parent",
]

MUNICIPALITIES_FILE = "municipalities_2024.csv"
#: Names in common use that are not CBS's (folded: lower case, no accents).
ALIASES = {"den haag": "GM0518", "the hague": "GM0518", "den bosch": "GM0796"}
DISTRICTS_FILE = "districts_2024.csv"
COMPOSITION_FILE = "municipal_composition.csv"
#: The CBS herkomst counts per municipality and district (1 January 2024).
ORIGINS = ("origin_netherlands", "origin_europe", "origin_outside_europe")
#: The four largest origins outside Europe, split from ``outside_europe`` by their 2020
#: shares (the former migration background, CBS 84799NED); the rest of outside Europe is
#: ``other_outside_europe``. Each finer origin's districts are those of its 2024 origin.
ORIGIN_PARTS = {
    "turkey": "turkey_2020_pct",
    "morocco": "morocco_2020_pct",
    "suriname": "suriname_2020_pct",
    "caribbean": "antilles_aruba_2020_pct",
}
#: Age bands of the residents aged 15 and over (the citizens), CBS 85984NED 2024.
AGE_BANDS = {"15-24": "age_15_24", "25-44": "age_25_44", "45-64": "age_45_64", "65+": "age_65_plus"}
#: Education levels (CBS laag, middelbaar, hoog), shares from CBS 84799NED.
EDUCATION = {"low": "education_low", "middle": "education_middle", "high": "education_high"}
BOUNDARIES_FILE = "gemeente_2024.geojson"


def _read_csv(name: str, columns: tuple[str, ...]) -> pd.DataFrame:
    path = data_file(name)
    text = ("code", "name", "province", "province_code", "municipality")
    try:
        df = pd.read_csv(path, dtype={c: str for c in columns if c in text})
    except (OSError, ValueError, pd.errors.ParserError) as e:
        raise DataError(f"data file {path} cannot be read ({type(e).__name__}: {e})") from e
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise DataError(f"data file {path} is damaged: no column {', '.join(missing)}")
    counts = [c for c in columns if c == "population" or c.startswith(("origin_", "age_"))]
    for col in counts:
        values = pd.to_numeric(df[col], errors="coerce")
        if values.isna().any() or (values < 0).any():
            raise DataError(f"data file {path} is damaged: a {col} is missing or negative")
        df[col] = values.astype(np.int64)
    return df


@cache
def municipalities() -> pd.DataFrame:
    """The 342 municipalities of 2024: code, name, province, province_code, population.

    Raises:
        DataError: if the file is missing or damaged (naming it).
    """
    df = _read_csv(MUNICIPALITIES_FILE, ("code", "name", "province", "province_code", "population"))
    if df["code"].duplicated().any() or not df["code"].str.fullmatch(r"GM\d{4}").all():
        raise DataError(f"data file {MUNICIPALITIES_FILE} is damaged: codes must be unique GMnnnn")
    if (df["population"] <= 0).any():
        raise DataError(f"data file {MUNICIPALITIES_FILE} is damaged: a municipality is empty")
    return df.reset_index(drop=True)


@cache
def composition() -> pd.DataFrame:
    """Each municipality's composition (data/README.md), indexed by code."""
    shares = (*ORIGIN_PARTS.values(), *EDUCATION.values())
    df = _read_csv(
        COMPOSITION_FILE, ("code", *ORIGINS, *AGE_BANDS.values(), *shares, "quality_origin")
    )
    if set(df["code"]) != set(municipalities()["code"]):
        raise DataError(f"data file {COMPOSITION_FILE} is damaged: not the 342 municipalities")
    for col in shares:
        values = pd.to_numeric(df[col], errors="coerce")
        if values.isna().any() or (values < 0).any():
            raise DataError(
                f"data file {COMPOSITION_FILE} is damaged: a {col} is missing or negative"
            )
        df[col] = values.astype(np.float64)
    return df.set_index("code")


def origin_counts(codes: pd.Series | list[str]) -> pd.DataFrame:
    """Inhabitants by origin of these municipalities (rows in the given order).

    Columns: the three 2024 origins (``netherlands``, ``europe``, ``outside_europe``),
    the finer ones of :data:`ORIGIN_PARTS` (the 2020 per cent of the municipality's
    inhabitants applied to its 2024 total, scaled down where they would exceed
    outside Europe) and ``other_outside_europe`` (the rest of outside Europe). Counts
    of the finer origins are estimates (floats): CBS publishes them per municipality
    in whole per cents of 2020, under the former classification (data/README.md).
    """
    comp = composition().loc[list(codes)]
    out = pd.DataFrame(index=comp.index)
    for col in ORIGINS:
        out[col.removeprefix("origin_")] = comp[col].astype(np.float64)
    total = comp[list(ORIGINS)].sum(axis=1).astype(np.float64)
    parts = pd.DataFrame({k: comp[c] / 100.0 * total for k, c in ORIGIN_PARTS.items()})
    named = parts.sum(axis=1)
    scale = np.minimum(1.0, out["outside_europe"] / named.where(named > 0, 1.0))
    parts = parts.mul(scale, axis=0)
    for k in ORIGIN_PARTS:
        out[k] = parts[k]
    out["other_outside_europe"] = (out["outside_europe"] - parts.sum(axis=1)).clip(lower=0.0)
    return out


def origin_parent(origin: str) -> str:
    """The 2024 origin whose district counts place a (finer) origin's citizens."""
    return (
        "outside_europe" if origin in ORIGIN_PARTS or origin == "other_outside_europe" else origin
    )


def adults(codes: pd.Series | list[str]) -> NDArray[np.int64]:
    """Residents aged 15 and over of these municipalities, 1 January 2024 (85984NED)."""
    comp = composition().loc[list(codes)]
    return comp[list(AGE_BANDS.values())].sum(axis=1).to_numpy(np.int64)


@cache
def districts() -> pd.DataFrame:
    """The districts (wijken) of 2024: code, municipality (its code), population, origins."""
    df = _read_csv(DISTRICTS_FILE, ("code", "municipality", "population", *ORIGINS))
    unknown = set(df["municipality"]) - set(municipalities()["code"])
    if unknown:
        raise DataError(
            f"data file {DISTRICTS_FILE} is damaged: unknown municipality {sorted(unknown)[0]}"
        )
    return df


def _fold(text: str) -> str:
    """Lower case without accents, for matching names."""
    plain = unicodedata.normalize("NFKD", text)
    return "".join(c for c in plain if not unicodedata.combining(c)).lower().strip()


def find_municipality(name: str, key: str = "population.municipality") -> str:
    """The code of the municipality named ``name`` (a code or a name).

    Raises:
        ConfigError: for no such municipality, naming the closest matches.
    """
    df = municipalities()
    wanted = _fold(str(name))
    by_code = {c.lower(): c for c in df["code"]}
    if wanted in by_code:
        return by_code[wanted]
    by_name = {_fold(n): c for n, c in zip(df["name"], df["code"], strict=True)}
    if wanted in by_name:
        return by_name[wanted]
    if wanted in ALIASES:
        return ALIASES[wanted]
    label = dict(zip(df["code"], df["name"], strict=True))
    close = difflib.get_close_matches(wanted, list(by_name) + list(by_code), n=3, cutoff=0.5)
    codes = list(dict.fromkeys(by_name.get(c) or by_code[c] for c in close))
    hint = ", ".join(f"{label[c]} ({c})" for c in codes) if codes else "none close"
    raise ConfigError(key, f"unknown municipality {name!r}; closest: {hint}")


def _rings(geometry: dict[str, Any]) -> list[NDArray[np.float64]]:
    kind = geometry.get("type")
    coords = geometry.get("coordinates", [])
    polygons = [coords] if kind == "Polygon" else coords if kind == "MultiPolygon" else []
    return [np.asarray(ring, dtype=np.float64) for poly in polygons for ring in poly]


@cache
def boundaries() -> dict[str, list[NDArray[np.float64]]]:
    """Each municipality's boundary rings (lon, lat in degrees), by CBS code."""
    path = data_file(BOUNDARIES_FILE)
    try:
        features = json.loads(path.read_text())["features"]
        out = {f["properties"]["statcode"]: _rings(f["geometry"]) for f in features}
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise DataError(f"data file {path} is damaged ({type(e).__name__}: {e})") from e
    return out


def chosen(cfg: PopulationConfig) -> pd.DataFrame:
    """The real municipalities a population is made of (all 342, or the one named)."""
    df = municipalities()
    if cfg.places == "netherlands":
        return df
    code = find_municipality(str(cfg.municipality))
    return df[df["code"] == code].reset_index(drop=True)


def inhabitants(cfg: PopulationConfig) -> int:
    """The residents a population stands for: ``size``, or its places' real number.

    Real places stand for their residents aged 15 and over (the population of CBS's
    surveys).
    """
    if cfg.size is not None:
        return int(cfg.size)
    if cfg.places == "synthetic":
        raise ConfigError("population.size", "must be given for synthetic places")
    return int(adults(chosen(cfg)["code"]).sum())


def citizens(cfg: PopulationConfig) -> int:
    """The citizens the model simulates: round(inhabitants x fraction)."""
    return round(inhabitants(cfg) * cfg.fraction)


def label(cfg: PopulationConfig) -> str:
    """How reports name a population's place: a municipality, the country, or synthetic."""
    if cfg.places == "netherlands":
        return "the Netherlands"
    if cfg.places == "municipality":
        return str(chosen(cfg)["name"].iloc[0])
    return "a synthetic town"
