"""The real places: the municipality table, its districts and boundaries, and bad input."""

from __future__ import annotations

import shutil

import pytest

from sim import datafiles, places
from sim.config import ConfigError

#: CBS's national total on 1 January 2024 (70072NED, 37230ned; data/README.md).
CBS_TOTAL_2024 = 17_942_942


def test_the_municipality_table():
    m = places.municipalities()
    assert len(m) == 342
    assert m["code"].is_unique
    assert m["code"].str.fullmatch(r"GM\d{4}").all()
    assert abs(int(m["population"].sum()) - CBS_TOTAL_2024) <= 0.001 * CBS_TOTAL_2024
    assert int(m["population"].sum()) == CBS_TOTAL_2024
    assert set(m["code"]) == set(places.boundaries())
    assert m["province"].nunique() == 12
    big = m.set_index("code")["population"]
    assert big["GM0363"] == 931_298  # Amsterdam
    assert big.idxmin() == "GM0088"  # Schiermonnikoog, the smallest


def test_every_municipality_has_districts_that_add_up():
    d = places.districts()
    per = d.groupby("municipality")["population"].sum()
    m = places.municipalities().set_index("code")["population"]
    assert set(per.index) == set(m.index)
    # CBS rounds district counts to fives (2.5 at most each); a few dozen residents more or
    # less than that (at most 61, Velsen) are not placed in a district
    k = d.groupby("municipality").size()
    assert ((per - m).abs() <= 2.5 * k + 40).all()
    assert (d["population"] == 0).sum() == 26  # districts with no residents (e.g. industry)


@pytest.mark.parametrize(
    ("given", "code"),
    [("GM0518", "GM0518"), ("gm0518", "GM0518"), ("'s-Gravenhage", "GM0518"),
     ("Den Haag", "GM0518"), ("ALMERE", "GM0034"), ("Sudwest-Fryslan", "GM1900")],
)  # fmt: skip
def test_a_municipality_by_code_or_name(given, code):
    assert places.find_municipality(given) == code


def test_an_unknown_municipality_names_the_closest_matches():
    with pytest.raises(ConfigError) as e:
        places.find_municipality("Almer")
    msg = str(e.value)
    assert msg.startswith("population.municipality: unknown municipality 'Almer'")
    assert "Almere (GM0034)" in msg
    assert "\n" not in msg


def test_a_missing_or_damaged_data_file_is_named(tmp_path, monkeypatch):
    data = tmp_path / "data"
    shutil.copytree(datafiles.data_file("cbs_trust_parliament.csv").parent, data)
    fake = tmp_path / "sim"
    fake.mkdir()
    monkeypatch.setattr(datafiles, "__file__", str(fake / "datafiles.py"))
    places.municipalities.cache_clear()
    try:
        (data / "municipalities_2024.csv").write_text("code,name\nGM0001,x\n")
        with pytest.raises(datafiles.DataError, match=r"municipalities_2024\.csv is damaged"):
            places.municipalities()
        (data / "municipalities_2024.csv").unlink()
        with pytest.raises(datafiles.DataError, match=r"municipalities_2024\.csv is missing"):
            places.municipalities()
    finally:
        places.municipalities.cache_clear()


def test_composition_quality_flags_and_sums():
    c = places.composition()
    flags = {
        col: c[col].value_counts().to_dict() for col in c.columns if col.startswith("quality_")
    }
    assert flags == {
        "quality_origin": {"measured": 342},
        "quality_age": {"measured": 342},
        "quality_background_2020": {"measured": 342},
        "quality_education": {"measured": 342},
        "quality_income": {"measured": 342},
    }
    m = places.municipalities().set_index("code")["population"]
    origins = c[list(places.ORIGINS)].sum(axis=1)
    assert (origins == m.reindex(c.index)).all()  # municipality counts are exact
    ages = c[["age_0_14", "age_15_24", "age_25_44", "age_45_64", "age_65_plus"]].sum(axis=1)
    assert (ages == m.reindex(c.index)).all()
    assert int(c["harmonised_2020"].sum()) == 14
    edu = c[["education_low", "education_middle", "education_high"]].sum(axis=1)
    assert ((edu - 1.0).abs() < 1e-3).all()
    assert c.loc["GM0599", "nonwestern_2020_pct"] == 39.0  # Rotterdam, as CBS published
    assert bool(c.loc["GM0363", "harmonised_2020"])  # Amsterdam took in Weesp in 2022
