"""Invariants, reproducibility, common random numbers, presets, API and CLI."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
from scipy import stats

from sim import api
from sim.metrics import METRICS
from sim.model import CohesionModel
from sim.prepare import prepare

from .conftest import run_cli, small
from .test_rules import _assert_layer_consistent


def test_invariants_hold_over_a_run():
    m = CohesionModel(small("steps=40", "dynamics.bubbles.offline_turnover=0.05"))
    deg_off = m.network.offline.degree.copy()
    deg_on = m.network.online.degree.copy()
    for _ in range(40):
        m.step()
        p = m.population
        for name in ("opinion", "trust", "prejudice", "participation"):
            v = getattr(p, name)
            assert np.all(np.isfinite(v)), name
            assert v.min() >= 0.0 and v.max() <= 1.0, name
        assert np.all((m.tension >= 0) & (m.tension <= 1))
    assert m.counters["unfollows"] > 0
    assert m.counters["offline_swaps"] > 0
    _assert_layer_consistent(m.network.offline)
    _assert_layer_consistent(m.network.online)
    assert np.array_equal(deg_off, m.network.offline.degree)
    assert np.array_equal(deg_on, m.network.online.degree)
    assert m.network.offline.degree.sum() == m.network.offline.n_entries
    assert np.all(np.isfinite(m.records))


def test_metrics_recorded_for_all_scopes_each_step():
    res = api.run(small())
    ts = res.timeseries
    assert list(ts.columns) == ["step", "date", "metric", "scope", "value"]
    scopes = set(ts["scope"])
    assert {"all", "municipality:GM0034", "group:dutch", "vulnerable:yes"} <= scopes
    grid = ts[ts["metric"].isin(METRICS)]
    assert grid.groupby(["metric", "scope"]).size().eq(9).all()  # steps 0..8
    assert set(grid["metric"]) == set(METRICS)
    assert ts["value"].notna().all()
    ci = grid[grid["metric"] == "cohesion_index"]["value"]
    assert ci.between(0, 100).all()


def _write(tmp_path, name, *ov):
    out = tmp_path / name
    api.run(small(*ov), out_dir=out)
    return out


def test_same_seed_same_bytes_other_seed_other_values(tmp_path):
    a = _write(tmp_path, "a", "seed=7")
    b = _write(tmp_path, "b", "seed=7")
    c = _write(tmp_path, "c", "seed=8")
    for f in ("timeseries.parquet", "final_state.parquet"):
        assert (a / f).read_bytes() == (b / f).read_bytes(), f
        assert (a / f).read_bytes() != (c / f).read_bytes(), f
    fa = pd.read_parquet(a / "final_state.parquet")
    fc = pd.read_parquet(c / "final_state.parquet")
    assert not np.allclose(fa["opinion"], fc["opinion"])


def test_seed_zero_is_a_seed():
    a = api.run(small("seed=0")).final_state
    b = api.run(small("seed=0")).final_state
    pd.testing.assert_frame_equal(a, b)


@pytest.mark.parametrize(
    "change",
    [
        "dynamics.confidence=0.45",
        "dynamics.bubbles.unfollow=1.0",
        "dynamics.trust.bad_effect=0.5",
        "dynamics.prejudice.contact_effect=0.5",
        "dynamics.tension.rise=0.9",
    ],
)
def test_streams_draw_the_same_amount_whatever_the_state(change):
    """Common random numbers: changing a rule's parameter moves no stream's position."""
    m1 = CohesionModel(small("steps=12"))
    m2 = CohesionModel(small("steps=12", change))
    m1.run()
    m2.run()
    assert m1.streams.state() == m2.streams.state()
    assert not np.array_equal(m1.records, m2.records)


def test_trust_parameters_do_not_touch_opinions_or_ties():
    """Trust feeds no opinion or tie rule, so its parameters leave them bit-identical."""
    m1 = CohesionModel(small("steps=15"))
    m2 = CohesionModel(small("steps=15", "dynamics.trust.bad_effect=0.5"))
    m1.run()
    m2.run()
    assert np.array_equal(m1.population.opinion, m2.population.opinion)
    assert np.array_equal(m1.network.online.indices, m2.network.online.indices)
    assert not np.array_equal(m1.population.trust, m2.population.trust)


@pytest.mark.parametrize("preset", ["deffuant", "hk", "algorithmic_bias"])
def test_presets_reduce_the_model(preset):
    cfg = prepare(api.compose([f"preset={preset}", "population.size=2000", "steps=5"]))
    assert cfg.preset == preset
    assert cfg.network.kind == "random_mixing"
    assert cfg.burn_in == 0
    assert cfg.dynamics.confidence_spread == 0.0
    d = cfg.dynamics
    assert d.influence.enabled
    for rule in ("bubbles", "trust", "tension", "prejudice", "participation"):
        assert not getattr(d, rule).enabled, rule
    assert d.influence.repulsion is None
    assert d.influence.noise == 0.0
    assert d.influence.update == ("synchronous" if preset == "hk" else "pairwise")
    m = CohesionModel(cfg)
    p = m.population
    assert len(p.group_names) == 1
    assert np.all(p.confidence == cfg.dynamics.confidence)
    assert stats.kstest(p.opinion, "uniform").pvalue > 1e-3
    trust0, prej0 = p.trust.copy(), p.prejudice.copy()
    m.run()
    assert np.array_equal(trust0, p.trust)
    assert np.array_equal(prej0, p.prejudice)
    if preset == "algorithmic_bias":
        assert cfg.dynamics.algorithmic_bias > 0
        assert np.all(p.online_share == 1.0)
    else:
        assert cfg.dynamics.algorithmic_bias == 0.0


def test_preset_with_a_network_for_validation():
    cfg = prepare(api.compose(["preset=deffuant", "network=regular", "population.size=500"]))
    m = CohesionModel(cfg)
    assert np.all(m.network.offline.degree == 10)
    _assert_layer_consistent(m.network.offline)


def test_hk_preset_reaches_consensus_for_wide_bounds():
    res = api.run(["preset=hk", "dynamics.confidence=0.3", "steps=30", "population.size=500"])
    x = res.final_state["opinion"]
    assert x.max() - x.min() < 1e-9


def test_api_and_cli_give_the_same_result(tmp_path, cli_env):
    ov = ["population.size=500", "steps=6", "burn_in=3", "seed=11"]
    out = tmp_path / "cli"
    proc = run_cli(*ov, f"hydra.run.dir={out}", env=cli_env, timeout=300)
    assert proc.returncode == 0, proc.stderr
    for f in ("timeseries.parquet", "final_state.parquet", "run.json", "cohesion.png"):
        assert (out / f).is_file(), f
    assert (out / ".hydra" / "config.yaml").is_file()
    assert "Cohesion index" in proc.stdout
    assert str(out) in proc.stdout
    res = api.run(ov)
    pd.testing.assert_frame_equal(pd.read_parquet(out / "timeseries.parquet"), res.timeseries)
    pd.testing.assert_frame_equal(pd.read_parquet(out / "final_state.parquet"), res.final_state)
    info = json.loads((out / "run.json").read_text())
    assert info["status"] == "complete"
    assert info["config_hash"] == res.info["config_hash"]
    assert info["seed"] == 11
    assert {"mesa", "numpy", "hydra-core"} <= set(info["versions"])


def test_config_hash_ignores_presentation_keys_only():
    h = api.run(small("plot=true")).info["config_hash"]
    assert api.run(small("plot=false")).info["config_hash"] == h
    assert api.run(small("seed=3")).info["config_hash"] != h


#: final_state.parquet's columns and Arrow types, in order (the output contract).
FINAL_STATE_SCHEMA = [
    ("citizen", "int64"),
    ("group", "string"),
    ("origin", "string"),
    ("municipality", "int32"),
    ("municipality_code", "string"),
    ("neighbourhood", "int32"),
    ("opinion", "double"),
    ("confidence", "double"),
    ("trust", "double"),
    ("trust_politics", "double"),
    ("prejudice", "double"),
    ("trust_base", "double"),
    ("prejudice_base", "double"),
    ("prejudice_muslims", "double"),
    ("prejudice_muslims_base", "double"),
    ("trust_rule_of_law", "double"),
    ("trust_people", "double"),
    ("trust_rule_of_law_base", "double"),
    ("trust_people_base", "double"),
    ("education", "string"),
    ("age_band", "string"),
    ("muslim", "bool"),
    ("debt", "bool"),
    ("newcomer", "bool"),
    ("ex_detainee", "bool"),
    ("online_share", "double"),
    ("participation", "double"),
    ("tension", "double"),
    ("offline_degree", "int64"),
    ("online_degree", "int64"),
]


def test_final_state_schema_is_pinned_and_its_values_are_the_models(tmp_path):
    res = api.run(small("seed=2"), out_dir=tmp_path)
    schema = pq.read_schema(tmp_path / "final_state.parquet")
    assert [(f.name, str(f.type)) for f in schema] == FINAL_STATE_SCHEMA
    fs = pd.read_parquet(tmp_path / "final_state.parquet")
    m = res.model
    pop = m.population
    np.testing.assert_array_equal(fs["tension"], m.tension[pop.neighbourhood])
    np.testing.assert_array_equal(fs["offline_degree"], m.network.offline.degree)
    np.testing.assert_array_equal(fs["online_degree"], m.network.online.degree)
    np.testing.assert_array_equal(fs["opinion"], pop.opinion)
    np.testing.assert_array_equal(fs["debt"], pop.debt)
    assert fs["group"].tolist() == [pop.group_names[g] for g in pop.group]


def test_final_state_has_one_row_per_citizen():
    fs = api.run(small()).final_state
    assert len(fs) == 600
    assert {
        "citizen",
        "group",
        "municipality",
        "neighbourhood",
        "opinion",
        "trust",
        "prejudice",
    } <= set(fs.columns)
    assert fs["citizen"].tolist() == list(range(600))
    assert set(fs["group"]) == {
        "dutch",
        "other_european",
        "turkish",
        "moroccan",
        "surinamese",
        "caribbean_dutch",
        "other_non_european",
    }
    assert (fs["origin"] == fs["group"]).all()
    assert set(fs["education"]) == {"low", "middle", "high"}
    assert set(fs["age_band"]) == {"15-24", "25-44", "45-64", "65+"}
    assert set(fs["municipality_code"]) == {"GM0034"}  # the default town, Almere


def test_the_burn_in_runs_the_same_week_as_the_horizon():
    # With no policy and no shocks, burn-in weeks and measured weeks are the same weeks:
    # 6 + 9 weeks end where 0 + 15 weeks end (institutions act in both).
    a = api.run(small("burn_in=6", "steps=9", "seed=5")).model
    b = api.run(small("burn_in=0", "steps=15", "seed=5")).model
    np.testing.assert_array_equal(a.population.opinion, b.population.opinion)
    np.testing.assert_array_equal(a.population.trust, b.population.trust)
    assert a.government.position == b.government.position
    assert a.weeks_run == b.weeks_run == 15
    np.testing.assert_array_equal(a.bridging_last, b.bridging_last)
    # and the government moves during the burn-in
    still = api.run(small("burn_in=6", "steps=0", "seed=5", "dynamics.trust.responsiveness=0"))
    moved = api.run(small("burn_in=6", "steps=0", "seed=5"))
    assert still.model.government.position != moved.model.government.position


def test_realised_contact_across_groups_is_recorded_each_week_and_kept_in_a_start_state():
    from sim.dynamics.prejudice import cross_group_contacts
    from sim.run import run, start_state

    cfg = small("burn_in=5", "steps=6", "seed=3")
    model = CohesionModel(cfg)
    seen = []
    meet = model.meet

    def meet_and_see():  # the week's favourable contacts across groups, found again
        encounters = meet()
        p = model.population
        seen.append(cross_group_contacts(p.group, p.confidence, encounters, p.size))
        return encounters

    model.meet = meet_and_see
    model.step()
    model.step()
    this_week, recent = model.bridging_contact()
    np.testing.assert_array_equal(this_week, seen[-1])
    np.testing.assert_array_equal(recent[seen[-1] | seen[-2]], True)
    # an intervention notes its participants in the week it acts
    model.note_bridging(np.array([0, 1]))
    assert model.bridging_contact()[0][[0, 1]].all()
    # a run from the state after the burn-in records what the full run records
    ts = run(cfg).timeseries.to_pandas()
    from_start = run(cfg, start=start_state(cfg)).timeseries.to_pandas()
    pd.testing.assert_frame_equal(ts, from_start)
    share = ts[(ts.metric == "bridging_contact_share") & (ts.scope == "all")]["value"]
    recent_share = ts[(ts.metric == "bridging_contact_recent") & (ts.scope == "all")]["value"]
    assert (share > 0).all() and (recent_share.to_numpy() >= share.to_numpy()).all()
