"""Plug-ins: a tiny package from tests/data/ adds an intervention and a rule via entry points.

The package is installed the way pip would lay it out (its module and a ``.dist-info``
with the entry points its pyproject.toml declares) into a temporary directory on the
import path, so ``importlib.metadata`` finds it as an installed distribution.
"""

from __future__ import annotations

import copy
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import numpy as np
import pytest

from sim import api
from sim.config import ConfigError, InterventionConfig
from sim.dynamics import RULES
from sim.interventions import INTERVENTIONS
from sim.model import CohesionModel
from sim.prepare import load_plugins, prepare

from .conftest import CLI, ROOT

PLUGIN = ROOT / "tests" / "data" / "cohesion_demo_plugin"
SMALL = ["population.size=800", "burn_in=4", "steps=6", "progress=false", "plot=false"]


def install(target: Path) -> Path:
    """Lay the plug-in out in ``target`` as an installed distribution."""
    meta = tomllib.loads((PLUGIN / "pyproject.toml").read_text())["project"]
    shutil.copytree(PLUGIN / "cohesion_demo_plugin", target / "cohesion_demo_plugin")
    info = target / f"cohesion_demo_plugin-{meta['version']}.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(
        f"Metadata-Version: 2.1\nName: {meta['name']}\nVersion: {meta['version']}\n"
    )
    lines = []
    for group, eps in meta["entry-points"].items():
        lines.append(f"[{group}]")
        lines.extend(f"{name} = {value}" for name, value in eps.items())
    (info / "entry_points.txt").write_text("\n".join(lines) + "\n")
    return target


@pytest.fixture
def plugin(tmp_path):
    path = str(install(tmp_path / "site"))
    sys.path.insert(0, path)
    load_plugins(force=True)
    try:
        yield
    finally:
        sys.path.remove(path)
        sys.modules.pop("cohesion_demo_plugin", None)
        load_plugins(force=True)  # back to what is really installed


def test_plugin_kinds_register_and_run(plugin):
    assert "town_hall" in INTERVENTIONS
    assert "rumours" in RULES
    cfg = prepare(api.compose(SMALL))
    cfg.policy.budget_total = 4000.0
    cfg.policy.interventions = {"hall": InterventionConfig(kind="town_hall")}
    plain = copy.deepcopy(cfg)
    cfg.scenario.rules = ["rumours"]
    model = CohesionModel(prepare(cfg))
    model.run()
    (hall,) = model.policy.interventions
    assert hall.units == 100  # EUR 4,000 at EUR 40 a seat
    contacts = [e[3] for e in model.events if e[1] == "hall.contacts" and e[2] == "all"]
    assert len(contacts) == 6 and sum(contacts) == 100
    assert model.counters["rumours"] > 0  # the rule ran each week
    # the rule runs only in futures that name it
    without = CohesionModel(prepare(plain))
    without.run()
    assert without.counters["rumours"] == 0
    assert model.population.trust.mean() < without.population.trust.mean()
    assert np.array_equal(model.population.opinion, without.population.opinion)


def test_plugin_parameters_are_checked(plugin):
    cfg = prepare(api.compose(SMALL))
    cfg.policy.interventions = {"hall": InterventionConfig(kind="town_hall", effect={"zeal": 1.0})}
    with pytest.raises(ConfigError, match="allowed: trust_effect"):
        prepare(cfg)


def test_without_the_plugin_its_names_are_unknown():
    assert "town_hall" not in INTERVENTIONS
    cfg = prepare(api.compose(SMALL))
    cfg.policy.interventions = {"hall": InterventionConfig(kind="town_hall")}
    with pytest.raises(ConfigError, match="unknown intervention 'town_hall'"):
        prepare(cfg)


def test_cli_runs_a_policy_file_using_the_plugin(tmp_path, cli_env):
    site = install(tmp_path / "site")
    user = tmp_path / "mine"
    (user / "policy").mkdir(parents=True)
    (user / "policy" / "halls.yaml").write_text(
        "name: halls\ndescription: Town halls.\nbudget_total: 2000\n"
        "interventions:\n  hall:\n    kind: town_hall\n"
    )
    (user / "scenario").mkdir()
    (user / "scenario" / "rumours.yaml").write_text("name: rumours\nrules: [rumours]\n")
    env = dict(cli_env, PYTHONPATH=str(site))
    out = tmp_path / "run"
    proc = subprocess.run(
        [
            *CLI,
            "-cd",
            str(user),
            "policy=halls",
            "scenario=rumours",
            *SMALL,
            f"hydra.run.dir={out}",
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert (out / "timeseries.parquet").exists()
    import pandas as pd

    ts = pd.read_parquet(out / "timeseries.parquet")
    assert ts[ts["metric"] == "hall.euros"]["value"].sum() == 2000.0
