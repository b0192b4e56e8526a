"""Dated futures: a future's own dates, dated shocks, listed elections, and ``history``.

The whole of ``scenario=history`` (679 weeks) runs once here at 300 citizens (about 5 s).
"""

from __future__ import annotations

import copy
import re
from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest

from sim import api
from sim.cli import prevalidate
from sim.config import ElectionConfig, RunConfig, ShockConfig, stable_dict, week_of
from sim.model import CohesionModel
from sim.prepare import prepare
from sim.results import config_hash
from sim.state import StartState, capture

from .conftest import ROOT, run_cli

TINY = ["population.size=300", "burn_in=4", "progress=false", "plot=false"]
START = date(2012, 1, 1)


def _day(s: str) -> date:
    return date.fromisoformat(s)


def _week_covers(week: int, day: date, start: date = START) -> bool:
    """Week w runs from start + 7 (w - 1) to start + 7 w - 1 (the model's counting)."""
    return start + timedelta(days=7 * (week - 1)) <= day <= start + timedelta(days=7 * week - 1)


# --------------------------------------------------------------------------- the dates


def test_history_starts_on_its_date_and_runs_to_its_end_date():
    cfg = prepare(api.compose(["scenario=history"]))
    assert cfg.start_date == "2012-01-01"
    assert cfg.population.trust_year == 2012
    assert week_of("2024-12-31", cfg.start_date) == cfg.steps == 679  # the last week holds it
    other = prepare(api.compose(["scenario=baseline"]))
    assert (other.start_date, other.steps, other.population.trust_year) == ("2025-01-01", 260, 2022)


@pytest.mark.parametrize(
    ("overrides", "start", "steps"),
    [
        (["steps=52"], "2012-01-01", 52),
        (["start_date=2016-01-03"], "2016-01-03", 679),
        (["steps=10", "start_date=2020-01-05"], "2020-01-05", 10),
        (["population=netherlands", "steps=3"], "2012-01-01", 3),
    ],
)
def test_a_users_dates_win_over_the_futures(overrides, start, steps):
    for order in (["scenario=history", *overrides], [*overrides, "scenario=history"]):
        cfg = prepare(api.compose(order))
        assert (cfg.start_date, cfg.steps) == (start, steps), order
        assert cfg.population.trust_year == 2012
    assert (
        prepare(
            api.compose(["scenario=history", "population.trust_year=2022"])
        ).population.trust_year
        == 2022
    )


def test_the_command_line_gives_a_users_steps_the_last_word(cli_env):
    proc = run_cli("scenario=history", "steps=52", "--cfg", "job", env=cli_env, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert re.search(r"^steps: 52$", proc.stdout, re.M), proc.stdout
    assert re.search(r"^start_date: '?2012-01-01'?$", proc.stdout, re.M), proc.stdout


def test_week_of_counts_weeks_as_the_dated_tables_do():
    assert week_of("2012-01-01", "2012-01-01") == 1
    assert week_of("2012-01-07", "2012-01-01") == 1
    assert week_of("2012-01-08", "2012-01-01") == 2
    assert week_of("2011-12-31", "2012-01-01") == 0
    assert week_of("2011-12-24", "2012-01-01") == -1
    for d in ("2016-04-06", "2020-03-16", "2024-12-31"):
        assert _week_covers(week_of(d, "2012-01-01"), _day(d))


# --------------------------------------------------------------------------- the whole past


@pytest.fixture(scope="module")
def past() -> tuple[RunConfig, pd.DataFrame, list[str]]:
    """The whole of history at 300 citizens: its config and its events (scope all)."""
    res = api.run(["scenario=history", *TINY])
    ts = res.timeseries
    events = ts[ts["scope"] == "all"]
    cfg = prepare(api.compose(["scenario=history", *TINY]))
    return cfg, events, res.info["warnings"]


def _rows(events: pd.DataFrame, metric: str) -> pd.DataFrame:
    return events[events["metric"] == metric]


def test_history_runs_its_whole_span_and_honours_all_of_it(past):
    cfg, events, warnings = past
    assert warnings == []
    assert events["step"].max() == cfg.steps
    assert events["date"].max() == date(2025, 1, 5)  # the state after week 679 (to 4 Jan 2025)


def test_elections_are_held_on_their_dates_and_only_then(past):
    cfg, events, _ = past
    for kind in ("parliament", "municipal"):
        want = {
            week_of(e.date, cfg.start_date): _day(e.date)
            for e in cfg.scenario.elections.values()
            if e.kind == kind
        }
        rows = _rows(events, f"turnout_{kind}")
        assert sorted(rows["step"]) == sorted(want), kind
        for _, row in rows.iterrows():
            assert _week_covers(int(row["step"]), want[int(row["step"])])
            assert row["date"] == START + timedelta(days=7 * int(row["step"]))  # its week's record
            assert 0.0 < row["value"] < 1.0
    held = {week_of(e.date, cfg.start_date) for e in cfg.scenario.elections.values()}
    assert set(_rows(events, "turnout")["step"]) == held == {37, 116, 272, 325, 481, 533, 621}
    # 208-week elections would have fallen in weeks 208, 416 and 624: none did
    assert not {208, 416, 624} & set(_rows(events, "turnout")["step"])


def test_every_event_lands_in_the_week_of_its_date(past):
    cfg, events, _ = past
    assert set(cfg.scenario.shocks) == {
        "ukraine_referendum",
        "intelligence_act_referendum",
        "rally_2020",
        "benefits_scandal",
        "energy_2022",
        "groningen_inquiry",
    }
    for name, shock in cfg.scenario.shocks.items():
        assert shock.week is None and shock.rate is None and shock.date is not None
        (step,) = _rows(events, f"shock.{name}")["step"]
        assert step == week_of(shock.date, cfg.start_date)
        assert _week_covers(int(step), _day(shock.date)), name
    for name in ("ukraine_referendum", "intelligence_act_referendum"):
        onset = int(_rows(events, f"shock.{name}")["step"].iloc[0])
        assert onset in set(_rows(events, "turnout_referendum")["step"])
        assert onset in set(_rows(events, f"shock.{name}.turnout")["step"])
    assert set(_rows(events, "turnout_referendum")["step"]) == {223, 325}
    assert _rows(events, "shock.rally_2020")["step"].iloc[0] == 429  # as crisis_2020's week 11


def test_the_futures_effect_sizes_carry_sources_and_priors():
    """Each effect value is the kind's default or stated with a prior that contains it."""
    from sim.shocks import SHOCKS

    text = (ROOT / "configs" / "scenario" / "history.yaml").read_text()
    priors = re.findall(r"^\s+(\w+): ([0-9.]+)\s+# prior: ([0-9.]+)-([0-9.]+) \(", text, re.M)
    cfg = prepare(api.compose(["scenario=history"]))
    stated = sum(len(s.effect) for s in cfg.scenario.shocks.values())
    assert len(priors) == stated == 16
    for _, value, lo, hi in priors:
        assert float(lo) <= float(value) <= float(hi)
    for shock in cfg.scenario.shocks.values():
        for name, value in shock.effect.items():
            assert value is not None
            lo, hi = SHOCKS[shock.kind].params[name].bounds
            assert lo <= value <= hi


# --------------------------------------------------------------------------- the mechanisms

BASE = ("population=synthetic", "population.size=600", "burn_in=6", "steps=12", *TINY[2:])
_start: dict[str, StartState] = {}


def _model(shocks=None, elections=None, interval=208) -> CohesionModel:
    """A synthetic town from 1 January 2012 for 12 weeks, from a shared burn-in."""
    cfg = prepare(api.compose(list(BASE)))
    if "s" not in _start:
        _start["s"] = capture(CohesionModel(copy.deepcopy(cfg)))
    cfg.start_date = "2012-01-01"
    cfg.dynamics.participation.election_interval = interval
    cfg.scenario.shocks = shocks or {}
    cfg.scenario.elections = elections or {}
    return CohesionModel(prepare(cfg), start=_start["s"])


def test_a_dated_shock_acts_from_the_week_of_its_date():
    # 2012-01-17 is day 16: week 3 (days 14-20)
    dated = _model({"s": ShockConfig(kind="scandal", date="2012-01-17", duration=2)})
    by_week = _model({"s": ShockConfig(kind="scandal", week=3, duration=2)})
    plain = _model()
    for week in range(1, 6):
        for m in (dated, by_week, plain):
            m.step()
        same = np.array_equal(dated.population.trust, plain.population.trust)
        assert same == (week < 3), week
        assert np.array_equal(dated.population.trust, by_week.population.trust)
    assert [e[:2] for e in dated.events if e[1] == "shock.s"] == [(3, "shock.s")]


def test_a_date_before_the_start_warns_as_a_week_after_the_horizon_does():
    early = _model({"s": ShockConfig(kind="scandal", date="2011-12-31")})
    late = _model({"s": ShockConfig(kind="scandal", week=13)})
    after = _model({"s": ShockConfig(kind="scandal", date="2012-04-01")})  # week 14
    for m in (early, late, after):
        m.run()
        assert not [e for e in m.events if e[1].startswith("shock.")]
        (line,) = m.warnings
        assert line.endswith("so it never strikes"), line
    assert early.warnings[0].startswith("scenario.shocks.s.date: 2011-12-31 is before the run's")
    assert late.warnings[0].startswith("scenario.shocks.s.week: week 13 is after")
    assert after.warnings[0].startswith("scenario.shocks.s.date: 2012-04-01 (week 14) is after")


def test_listed_elections_replace_the_recurring_ones():
    listed = {
        "a": ElectionConfig(kind="municipal", date="2012-01-20"),  # week 3
        "b": ElectionConfig(kind="parliament", date="2012-02-22"),  # week 8
        "c": ElectionConfig(kind="municipal", date="2012-02-20"),  # week 8 too: one election
        "gone": ElectionConfig(kind="parliament", date="2011-11-01"),
        "later": ElectionConfig(kind="parliament", date="2013-01-01"),
    }
    m = _model(elections=listed, interval=2)  # the interval is not read: the future lists
    m.run()
    turnout = [(e[0], e[1]) for e in m.events if e[1].startswith("turnout") and e[2] == "all"]
    assert sorted(turnout) == sorted(
        {
            (3, "turnout"),
            (3, "turnout_municipal"),
            (8, "turnout"),
            (8, "turnout_parliament"),
            (8, "turnout_municipal"),
        }
    )  # one election in week 8, of both kinds
    assert [w.split(":")[0] for w in m.warnings] == [
        "scenario.elections.gone.date",
        "scenario.elections.later.date",
    ]


def test_without_listed_elections_both_kinds_recur_as_before():
    cfg = prepare(api.compose([*BASE, "dynamics.participation.election_interval=5"]))
    m = CohesionModel(cfg)
    m.run()
    turnout = sorted({(e[0], e[1]) for e in m.events if e[1].startswith("turnout")})
    assert turnout == [
        (w, k) for w in (5, 10) for k in ("turnout", "turnout_municipal", "turnout_parliament")
    ]


def test_unset_later_keys_leave_the_config_hash_as_it_was():
    cfg = prepare(api.compose(["scenario=crisis_2020"]))
    d = stable_dict(cfg)
    assert "elections" not in d["scenario"]
    assert all("date" not in s for s in d["scenario"]["shocks"].values())
    dated = copy.deepcopy(cfg)
    dated.scenario.shocks["rally"].date, dated.scenario.shocks["rally"].week = "2020-03-16", None
    assert config_hash(dated) != config_hash(cfg)
    hist = stable_dict(prepare(api.compose(["scenario=history"])))
    assert len(hist["scenario"]["elections"]) == 7


# --------------------------------------------------------------------------- refusals


@pytest.mark.parametrize(
    ("override", "key", "says"),
    [
        ("scenario.shocks.rally_2020.week=5", "scenario.shocks.rally_2020.date", "not both"),
        (
            "scenario.shocks.rally_2020.date=2020-02-30",
            "scenario.shocks.rally_2020.date",
            "YYYY-MM-DD",
        ),
        (
            "scenario.shocks.rally_2020.date=2020-3-16",
            "scenario.shocks.rally_2020.date",
            "YYYY-MM-DD",
        ),
        (
            "scenario.shocks.rally_2020.date=16-03-2020",
            "scenario.shocks.rally_2020.date",
            "YYYY-MM-DD",
        ),
        ("scenario.shocks.rally_2020.rate=0.1", "scenario.shocks.rally_2020", "exactly one of"),
        (
            "scenario.elections.municipal_2014.kind=senate",
            "scenario.elections.municipal_2014.kind",
            "parliament, municipal",
        ),
        (
            "scenario.elections.municipal_2014.date=2014-03-32",
            "scenario.elections.municipal_2014.date",
            "YYYY-MM-DD",
        ),
        ("start_date=20120101", "start_date", "YYYY-MM-DD"),
    ],
)
def test_bad_dates_are_refused_in_one_line_naming_the_key(override, key, says):
    msg = prevalidate(["scenario=history", override])
    assert msg is not None and "\n" not in msg
    assert msg.startswith(f"{key}: "), msg
    assert says in msg


@pytest.mark.parametrize(
    ("text", "key", "says"),
    [
        ("elections:\n  x: {kind: parliament}\n", "scenario.elections.x.date", "YYYY-MM-DD"),
        ("elections:\n  x: {date: '2026-05-01'}\n", "scenario.elections.x.kind", "one of"),
        (
            "elections:\n  9x: {kind: municipal, date: '2026-03-18'}\n",
            "scenario.elections.9x",
            "a name",
        ),
        (
            "shocks:\n  x: {kind: scandal, week: 2, date: '2026-01-01'}\n",
            "scenario.shocks.x.date",
            "not both",
        ),
        (
            "shocks:\n  x: {kind: scandal, date: 2026-01-01T00:00}\n",
            "scenario.shocks.x.date",
            "YYYY-MM-DD",
        ),
    ],
)
def test_a_users_future_with_bad_dates_is_refused(tmp_path, text, key, says):
    d = tmp_path / "scenario"
    d.mkdir()
    (d / "mine.yaml").write_text("name: mine\n" + text)
    msg = prevalidate(["-cd", str(tmp_path), "scenario=mine"])
    assert msg is not None and "\n" not in msg
    assert msg.startswith(f"{key}: "), msg
    assert says in msg


def test_a_users_future_may_list_elections_and_date_shocks_without_global_keys(tmp_path):
    d = tmp_path / "scenario"
    d.mkdir()
    (d / "mine.yaml").write_text(
        "name: mine\nelections:\n  x: {kind: municipal, date: '2026-03-18'}\n"
        "shocks:\n  y: {kind: scandal, date: '2025-02-01'}\n"
    )
    cfg = prepare(api.compose(["scenario=mine", *TINY], extra_dirs=[str(tmp_path)]))
    assert (cfg.start_date, cfg.steps) == ("2025-01-01", 260)  # the defaults: none set here
    m = CohesionModel(cfg)
    assert m.election_weeks == {week_of("2026-03-18", "2025-01-01"): ("municipal",)}
    assert m.future.shocks[0].week == 5  # 1 February 2025 is day 31


def test_a_bad_date_stops_the_command_line_before_anything_runs(tmp_path, cli_env):
    out = tmp_path / "run"
    proc = run_cli(
        "scenario=history",
        "scenario.shocks.rally_2020.week=11",
        f"hydra.run.dir={out}",
        env=cli_env,
        timeout=120,
    )
    assert proc.returncode == 1
    lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and "scenario.shocks.rally_2020.date" in lines[0], proc.stderr
    assert not out.exists()
