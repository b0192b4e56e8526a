"""The Mesa-facing model: keyword parameters, batch_run, the DataCollector's wide table.

About 12 s here in all.
"""

from __future__ import annotations

import re
import warnings

import numpy as np
import pandas as pd
import pytest
from mesa.batchrunner import batch_run

from sim import api
from sim.config import ConfigError
from sim.mesa_model import PARAMETERS, CohesionMesaModel, config_overrides
from tests.conftest import ROOT

TINY = {"population_size": 300, "steps": 5, "burn_in": 2}
TINY_OVERRIDES = ["population.size=300", "steps=5", "burn_in=2", "progress=false", "plot=false"]


def test_keywords_become_config_overrides():
    """Short names, ``__`` keys, dotted keys and Python values map to overrides (instant)."""
    got = config_overrides(
        {
            "population_size": 300,
            "dynamics__trust__recovery": 0.03,
            "dynamics.tension.decay": np.float64(0.1),
            "policy": "canvassing",
            "population.municipality": "'s-Hertogenbosch",
            "population.size": None,
            "plot": False,
            "scenario.rules": ["rumours"],
        }
    )
    assert got == [
        "population.size=300",
        "dynamics.trust.recovery=0.03",
        "dynamics.tension.decay=0.1",
        "policy=canvassing",
        "population.municipality='\\'s-Hertogenbosch'",
        "population.size=null",
        "plot=false",
        "scenario.rules=[rumours]",
    ]
    assert PARAMETERS["population_size"] == "population.size"


def test_keywords_reach_the_config():
    """Every short name sets the key it names (a few seconds: one small model)."""
    model = CohesionMesaModel(seed=4, confidence=0.31, policy="canvassing", **TINY)
    assert model.cfg.seed == 4
    assert model.cfg.population.size == 300
    assert model.cfg.steps == 5
    assert model.cfg.dynamics.confidence == pytest.approx(0.31)
    assert "canvassing" in model.cfg.policy.interventions
    assert model.parameters == {"confidence": 0.31, "policy": "canvassing", **TINY}


def test_the_wide_table_is_the_run_timeseries():
    """Same config and seed: the DataCollector's table has the time series' numbers (~3 s)."""
    model = CohesionMesaModel(seed=7, **TINY)
    model.run_model()
    assert not model.running
    assert model.steps == 5
    wide = model.datacollector.get_model_vars_dataframe()

    ts = api.run([*TINY_OVERRIDES, "seed=7"]).timeseries
    metrics = ts[(ts["scope"] == "all") & ts["metric"].isin(model.metric_names)]
    expected = metrics.pivot(index="step", columns="metric", values="value")
    expected = expected[list(model.metric_names)]
    assert list(wide.columns) == list(model.metric_names)
    assert len(wide) == 6  # week 0 and five weeks
    np.testing.assert_array_equal(wide.to_numpy(), expected.to_numpy())


def test_weeks_between_records_are_nan():
    """With metrics every 2 weeks, the odd weeks have no numbers (a second or two)."""
    model = CohesionMesaModel(seed=1, metrics_every=2, **TINY)
    model.run_model()
    wide = model.datacollector.get_model_vars_dataframe()
    recorded = [0, 2, 4, 5]  # the horizon is always recorded
    assert wide.index[wide["cohesion_index"].notna()].tolist() == recorded


def test_batch_run_two_values():
    """mesa.batch_run over 2 sizes x 1 seed, in this process (about 3 s)."""
    rows = batch_run(
        CohesionMesaModel,
        parameters={"population_size": [300, 400], "steps": 3, "burn_in": 2},
        rng=[11],
        max_steps=50,
        number_processes=1,
        data_collection_period=1,
        display_progress=False,
    )
    table = pd.DataFrame(rows)
    assert sorted(table["population_size"].unique()) == [300, 400]
    assert (table["seed"] == 11).all()
    assert table.groupby("population_size")["Step"].max().tolist() == [3, 3]  # the horizon
    assert len(table) == 2 * 4  # weeks 0-3 for each size
    assert table["cohesion_index"].notna().all()
    # the batch's numbers are the model's for the same keywords and seed
    one = CohesionMesaModel(seed=11, population_size=400, steps=3, burn_in=2)
    one.run_model()
    last = table[(table["population_size"] == 400) & (table["Step"] == 3)]
    assert last["polarization"].item() == one.datacollector.model_vars["polarization"][-1]


def test_batch_run_iterations_draw_seeds():
    """``iterations`` (rng None) draws a seed per run and keeps it in the config (~2 s)."""
    with warnings.catch_warnings():  # Mesa 3.5 deprecates iterations for rng=[...]
        warnings.simplefilter("ignore", DeprecationWarning)
        rows = batch_run(
            CohesionMesaModel,
            parameters={"population_size": 300, "steps": 1, "burn_in": 0},
            iterations=2,
            max_steps=5,
            number_processes=1,
            display_progress=False,
        )
    assert len(rows) == 2
    assert [r["seed"] for r in rows] == [None, None]
    assert rows[0]["cohesion_index"] != rows[1]["cohesion_index"]


@pytest.mark.parametrize(
    ("params", "line"),
    [
        ({"population_size": -5}, "population.size"),
        ({"dynamics__confidnce": 0.2}, "dynamics.confidnce: unknown key"),
        ({"policy": "nope"}, "policy: unknown option 'nope'"),
    ],
)
def test_bad_keywords_give_the_command_lines_error(params, line):
    """A bad keyword raises ConfigError with the command line's one line (under a second)."""
    with pytest.raises(ConfigError) as err:
        CohesionMesaModel(seed=0, **{**TINY, **params})
    assert str(err.value).startswith(line)
    assert "\n" not in str(err.value)


def test_the_pages_first_examples_run():
    """docs/mesa.md's two single-model examples run as written (about 4 s here)."""
    text = (ROOT / "docs" / "mesa.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", text, flags=re.DOTALL)
    assert len(blocks) == 3
    for code in blocks[:2]:  # the third is a batch of 9 longer runs
        namespace: dict[str, object] = {}
        exec(compile(code, "docs/mesa.md", "exec"), namespace)
    assert namespace["wide"].shape == (21, len(namespace["model"].metric_names))
