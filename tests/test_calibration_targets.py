"""The calibration targets (data/calibration_targets.csv): schema, scopes, values, sources."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from sim import datafiles, places
from tools import build_calibration_targets, composition_shift

COLUMNS = [
    "pattern",
    "metric",
    "scope",
    "start",
    "end",
    "value",
    "obs_sd",
    "source",
    "period_note",
    "where_read",
    "verified",
    "note",
]
#: The model's metrics the targets may name (the six of the trust and turnout metrics and
#: SCP's discontent, and the referendum turnout).
METRICS = {
    "trust_politics_share",
    "trust_rule_of_law_share",
    "trust_people_share",
    "turnout_parliament",
    "turnout_municipal",
    "turnout_referendum",
    "dissatisfied_share",
}
SCOPE = re.compile(
    r"all"
    r"|education:(low|middle|high)"
    r"|group:(dutch|turkish|moroccan|surinamese|caribbean_dutch|other_non_european|other_european)"
    r"|origin:(western|non_western)"
    r"|age:(15-24|25-44|45-64|65\+)"
    r"|municipality:(GM\d{4})"
    r"|province:(.+)"
)


@pytest.fixture(scope="module")
def targets() -> pd.DataFrame:
    return pd.read_csv(datafiles.data_file("calibration_targets.csv"), keep_default_na=False)


def test_the_file_loads_with_the_schema(targets):
    assert list(targets.columns) == COLUMNS
    assert len(targets) > 50
    assert targets["pattern"].is_unique
    assert targets["pattern"].str.fullmatch(r"[a-z0-9_]+").all()


def test_metrics_and_verification_are_known(targets):
    from sim.calibration.targets import METRICS as LOADED
    from sim.calibration.targets import load_targets

    assert set(targets["metric"]) <= METRICS
    assert set(LOADED) == METRICS  # the calibration reads every metric the file may name
    assert len(load_targets()) == len(targets)
    assert set(targets["verified"]) <= {"yes", "secondary", "derived"}
    # the rule of law is always computed from police and judges
    rule = targets[targets["metric"] == "trust_rule_of_law_share"]
    assert (rule["verified"] == "derived").all()
    assert rule["note"].str.contains("police").all()


def test_every_scope_parses_and_names_a_real_place(targets):
    m = places.municipalities()
    codes, provinces = set(m["code"]), set(m["province"])
    for scope in targets["scope"]:
        match = SCOPE.fullmatch(scope)
        assert match, scope
        kind, _, value = scope.partition(":")
        if kind == "municipality":
            assert value in codes, scope
        if kind == "province":
            assert value in provinces, scope


def test_periods_values_and_errors(targets):
    start = pd.to_datetime(targets["start"], format="%Y-%m-%d")
    end = pd.to_datetime(targets["end"], format="%Y-%m-%d")
    assert (start <= end).all()
    assert (start >= "2012-01-01").all()
    assert (end <= "2024-12-31").all()
    assert ((targets["value"] > 0) & (targets["value"] < 1)).all()
    assert (targets["obs_sd"] > 0).all()
    assert (targets["obs_sd"] < 0.1).all()
    turnout = targets["metric"].str.startswith("turnout_")
    assert (targets.loc[turnout, "obs_sd"] >= 0.005).all()


def test_every_row_has_a_source_and_where_it_was_read(targets):
    for col in ("source", "where_read"):
        assert targets[col].str.strip().str.len().gt(0).all(), col
    derived = targets["verified"] == "derived"
    assert targets.loc[derived, "note"].str.startswith("derived").all()


@pytest.mark.parametrize(
    ("pattern", "value"),
    [
        ("parliament_2012", 0.363),
        ("parliament_2021", 0.423),
        ("parliament_2022q4", 0.25),
        ("people_2012", 0.583),
        ("rule_of_law_2012", (0.677 + 0.688) / 2),
        ("people_edu_middle_2017", 0.593),
        ("people_almere_2012_2017", 0.511),
        ("turnout_parliament_2017", 0.8193),
        ("turnout_referendum_2016", 0.3228),
        ("turnout_referendum_2018", 0.5154),
        ("dissatisfied_2022_autumn", 0.60),
    ],
)
def test_spot_values(targets, pattern, value):
    hit = targets.loc[targets["pattern"] == pattern, "value"]
    assert len(hit) == 1, pattern
    assert hit.iloc[0] == pytest.approx(value, abs=5e-5)


def test_the_file_is_what_the_builder_writes(targets):
    built = build_calibration_targets.build().fillna("")
    pd.testing.assert_frame_equal(
        built.astype(str), targets.astype(str), check_dtype=False, check_exact=True
    )


def test_the_composition_table():
    t = composition_shift.table()
    assert len(t) == 6
    people = t[t["trust"] == "trust_people_share"]
    # a more educated population trusts more, but the mix explains only part of the rise
    assert (people["composition"] > 0).all()
    assert (people["composition"] < people["measured"]).all()
