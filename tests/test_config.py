"""Config: every group option composes and validates; bad input gives one clear line."""

from __future__ import annotations

from pathlib import Path

import pytest

from sim import api
from sim.cli import prevalidate
from sim.config import ConfigError
from sim.model import CohesionModel
from sim.prepare import prepare

from .conftest import ROOT, SMALL, run_cli, small

GROUPS = ("population", "network", "dynamics", "scenario", "policy", "preset", "variant")


def _options(group: str) -> list[str]:
    return sorted(p.stem for p in (ROOT / "configs" / group).glob("*.yaml"))


@pytest.mark.parametrize(
    ("group", "option"), [(g, o) for g in GROUPS for o in _options(g)], ids=lambda v: str(v)
)
def test_every_group_option_composes_validates_and_runs(group, option):
    cfg = api.compose([f"{group}={option}"])
    typed = prepare(cfg)
    assert typed is not None
    # Run it small: shrink the population (a national population is only composed here).
    shrink = [
        "population.municipalities=2",
        "population.min_municipality_size=1",
        "population.max_municipality_size=null",
    ]
    small_cfg = api.compose([f"{group}={option}", *SMALL, *shrink])
    model = CohesionModel(prepare(small_cfg))
    model.run()
    assert model.steps == 8
    assert model.records.shape[0] == 9


@pytest.mark.parametrize(
    ("override", "key", "allowed"),
    [
        ("population.size=0", "population.size", "in [2, 2,147,483,647]"),
        ("population.size=-5", "population.size", "in [2, 2,147,483,647]"),
        ("dynamics.convergence=0.7", "dynamics.convergence", "(0, 0.5]"),
        ("dynamics.convergence=0", "dynamics.convergence", "(0, 0.5]"),
        ("dynamics.confidence=nan", "dynamics.confidence", "finite"),
        ("population.size=abc", "population.size", "integer"),
        ("dynamics.confidence=high", "dynamics.confidence", "float"),
        ("policy=no_such_policy", "policy", "available: "),
        ("scenario=no_such_future", "scenario", "available: "),
        ("population.sizee=10", "population.sizee", "allowed: places, municipality, size"),
        ("+dynamics.trust.speed=1", "dynamics.trust.speed", "allowed: enabled"),
        ("network.kind=smallworld", "network.kind", "multiplex"),
        ("population.groups.dutch.share=1.5", "population.groups.dutch.share", "[0, 1]"),
        ("seed=-1", "seed", "at least 0"),
        ("steps=2.5", "steps", "integer"),
    ],
)
def test_bad_input_is_refused_with_the_key_named(override, key, allowed):
    msg = prevalidate([override])
    assert msg is not None
    assert msg.startswith(f"{key}:") or msg.startswith(f"{key} "), msg
    assert allowed in msg
    assert "\n" not in msg


def test_valid_input_is_accepted():
    assert prevalidate(["seed=0", "steps=0", "dynamics.convergence=0.5"]) is None
    assert prevalidate(["-m", "seed=0,1,2", "dynamics.confidence=0.1,0.45"]) is None
    # a tiny population is valid without a regular graph or caves that would need more
    assert prevalidate(["preset=deffuant", "population.size=2"]) is None
    assert prevalidate(["network=regular", "population.size=5"]) == (
        "network.degree: must be in [1, 4], got 10"
    )


def test_sweep_is_validated_job_by_job():
    msg = prevalidate(["-m", "dynamics.convergence=0.2,0.6"])
    assert msg is not None
    assert msg.startswith("dynamics.convergence:")


def test_contradictory_settings():
    with pytest.raises(ConfigError, match=r"dynamics\.influence\.repulsion"):
        prepare(small("dynamics.influence.repulsion=0.1", "dynamics.confidence=0.3"))
    with pytest.raises(ConfigError, match="negative_influence"):
        prepare(small("dynamics.influence.negative_influence=true"))


def _user_dir(tmp_path: Path, text: str) -> Path:
    d = tmp_path / "mine" / "scenario"
    d.mkdir(parents=True)
    (d / "local.yaml").write_text(text)
    return tmp_path / "mine"


@pytest.mark.parametrize(
    ("text", "expect"),
    [
        ("name: local\nshocks: {a: [1,\n", "broken YAML"),
        ("name: local\nshocks: 5\n", "scenario.shocks"),
        ("name: [1, 2]\n", "scenario.name"),
        ("name: local\nshockz: {}\n", "scenario.shockz: unknown key"),
    ],
)
def test_cli_bad_user_config_file(tmp_path, cli_env, text, expect):
    user = _user_dir(tmp_path, text)
    out = tmp_path / "run"
    proc = run_cli(
        "-cd", str(user), "scenario=local", f"hydra.run.dir={out}", env=cli_env, timeout=120
    )
    assert proc.returncode == 1
    lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1, proc.stderr
    assert expect in lines[0]
    assert "Traceback" not in proc.stderr + proc.stdout
    assert not out.exists()


@pytest.mark.parametrize(
    "override",
    ["population.size=0", "dynamics.convergence=0.51", "population.size=ten", "policy=nope"],
)
def test_cli_bad_input_exit_1_one_line(tmp_path, cli_env, override):
    out = tmp_path / "run"
    proc = run_cli(override, f"hydra.run.dir={out}", env=cli_env, timeout=120)
    assert proc.returncode == 1
    lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("cohesion-sim: error: "), proc.stderr
    assert "Traceback" not in proc.stderr
    assert not out.exists()


def _omegaconf_dict(cfg):
    from omegaconf import OmegaConf

    return OmegaConf.to_container(OmegaConf.structured(cfg), resolve=True)


@pytest.mark.parametrize(
    "overrides",
    [[f"{g}={p.stem}"] for g in GROUPS for p in sorted((ROOT / "configs" / g).glob("*.yaml"))]
    + [[f"experiment={p.stem}"] for p in sorted((ROOT / "experiments").glob("*.yaml"))]
    + [["experiment=compare_interventions", "uncertainty.sample=7"]],
)
def test_to_dict_is_the_dict_omegaconf_makes_so_hashes_stay(overrides):
    import json
    from dataclasses import replace

    from sim.config import to_dict

    cfg = prepare(api.compose(overrides))
    # and with an int where a float is declared, as code may set it (OmegaConf makes 1.0)
    odd = replace(cfg, dynamics=replace(cfg.dynamics, confidence=1), steps=0)
    for c in (cfg, odd):
        assert json.dumps(to_dict(c), sort_keys=True) == json.dumps(
            _omegaconf_dict(c), sort_keys=True
        )


# ------------------------------------------------------------------ one source of defaults
#: Keys whose schema default is deliberately not the default option's: texts that name
#: an option, and collections that each option states in full (a dict field merges, so
#: a default there would leak into every option that names its own).
PER_OPTION = (
    "name",
    "description",
    "groups",
    "shocks",
    "elections",
    "interventions",
    "params",
    "rules",
)


def _leaves(d, prefix=""):
    out = {}
    for k, v in d.items():
        if k in PER_OPTION:
            continue
        if isinstance(v, dict):
            out.update(_leaves(v, f"{prefix}{k}."))
        else:
            out[f"{prefix}{k}"] = v
    return out


def _composed(overrides):
    from omegaconf import OmegaConf

    d = OmegaConf.to_container(api.compose(overrides), resolve=True)
    d.pop("hydra", None)
    return _leaves(d)


def test_schema_defaults_are_the_default_options():
    from sim.config import RunConfig, to_dict

    schema = _leaves(to_dict(RunConfig()))
    composed = _composed([])
    assert set(schema) == set(composed)
    differ = {k: (composed[k], schema[k]) for k in schema if composed[k] != schema[k]}
    assert not differ, f"config files and schema disagree (file, schema): {differ}"


@pytest.mark.parametrize(
    ("group", "option"), [(g, o) for g in GROUPS for o in _options(g)], ids=lambda v: str(v)
)
def test_every_option_is_its_file_over_the_schema_defaults(group, option):
    import yaml

    from sim.config import RunConfig, to_dict

    text = (ROOT / "configs" / group / f"{option}.yaml").read_text()
    raw = yaml.safe_load(text) or {}
    raw.pop("defaults", None)
    file_keys = _leaves(raw if "@package _global_" in text else {group: raw})
    schema = _leaves(to_dict(RunConfig()))
    # the option's own defaults list may pull in other options (presets do)
    pulled = {}
    for line in (yaml.safe_load(text) or {}).get("defaults", []):
        if line == "_self_":
            continue
        # "- other" is an option of the same group; "- override /group: option" another's
        pairs = line.items() if isinstance(line, dict) else [(group, line)]
        for k, v in pairs:
            sub = k.replace("override ", "").strip("/")
            other = yaml.safe_load((ROOT / "configs" / sub / f"{v}.yaml").read_text()) or {}
            other.pop("defaults", None)
            pulled.update(_leaves({sub: other}))
    for key, value in _composed([f"{group}={option}"]).items():
        want = file_keys.get(key, pulled.get(key, schema[key]))
        if isinstance(want, int | float) and not isinstance(want, bool):
            assert value == pytest.approx(want), key
        else:
            assert value == want, key
