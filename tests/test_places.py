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


# ------------------------------------------------------------------ runs of real places
def test_a_run_has_dates_and_the_citizens_of_each_scope(tmp_path):
    from sim import api

    res = api.run(["population.size=800", "steps=3", "burn_in=2", "start_date=2030-06-03"])
    ts = res.timeseries
    assert list(ts.columns) == ["step", "date", "metric", "scope", "value"]
    d = ts.drop_duplicates("step").set_index("step")["date"]
    assert [str(d[s]) for s in range(4)] == ["2030-06-03", "2030-06-10", "2030-06-17", "2030-06-24"]
    sizes = ts[ts["metric"] == "citizens"].set_index("scope")["value"]
    fs = res.final_state
    assert sizes["all"] == len(fs) == 800
    assert sizes["municipality:GM0034"] == 800
    assert sizes["group:turkish"] == (fs["group"] == "turkish").sum()
    assert sizes["education:high"] == (fs["education"] == "high").sum()
    assert sizes["age:65+"] == (fs["age_band"] == "65+").sum()
    assert res.info["place"] == "Almere" and res.info["start_date"] == "2030-06-03"


def test_a_bad_start_date_is_refused_in_one_line():
    from sim.cli import prevalidate

    msg = prevalidate(["start_date=2025-13-01"])
    assert msg == "start_date: must be a date as YYYY-MM-DD, got '2025-13-01'"


def test_a_run_of_several_real_municipalities_writes_a_map(tmp_path):
    from sim import api

    small = ["steps=2", "burn_in=0", "progress=false"]
    api.run(
        ["population=netherlands", "population.fraction=0.0001", *small], out_dir=tmp_path / "nl"
    )
    assert (tmp_path / "nl" / "map.png").stat().st_size > 10_000
    api.run(["population.size=300", *small], out_dir=tmp_path / "one")  # one municipality
    assert not (tmp_path / "one" / "map.png").exists()
    assert (tmp_path / "one" / "cohesion.png").exists()


def test_a_map_hatches_small_municipalities():
    import pandas as pd

    from sim.maps import map_figure

    rows = []
    for code, n, v in (("GM0363", 500, 60.0), ("GM0518", 20, 70.0), ("GM0599", 400, 65.0)):
        rows.append({"step": 0, "metric": "citizens", "scope": f"municipality:{code}", "value": n})
        rows.append(
            {"step": 5, "metric": "cohesion_index", "scope": f"municipality:{code}", "value": v}
        )
    fig = map_figure(pd.DataFrame(rows), metrics=("cohesion_index",), small=50)
    assert "hatched: 1 municipalities with fewer than 50 citizens" in fig._suptitle.get_text()
    hatched = [c for c in fig.axes[0].collections if c.get_hatch()]
    assert len(hatched) == 1 and len(hatched[0].get_paths()) == 1  # 's-Gravenhage only
