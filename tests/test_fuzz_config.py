"""The config edge, fuzzed: every kind of bad input is refused in one line; valid input never.

Bad inputs are generated from the schema itself (every field of every config group, by
its type), so a field added later is fuzzed too, and by hypothesis (a number moved out of
its hard range, or made NaN, among otherwise valid settings; text given for a number).
Valid inputs are drawn from an independent statement of the documented ranges
(``VALID``), so a validator that refuses too much fails here as well as one that accepts
too much.
"""

from __future__ import annotations

import dataclasses
import math
import typing
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.calibration.ensemble import load_ensemble
from sim.cli import prevalidate
from sim.config import InterventionConfig, RunConfig, TriggerConfig

from .conftest import ROOT, run_cli

GROUPS = ("population", "network", "dynamics", "scenario", "policy", "preset", "variant")
# Keys whose value selects data by name; fuzzed with the group/choice tests instead.
FREE_TEXT = {"name", "description", "preset"}


def _leaves(cls: type, prefix: str = "") -> Iterator[tuple[str, typing.Any]]:
    """(dotted key, type) of every scalar field of a dataclass schema."""
    hints = typing.get_type_hints(cls)
    for f in dataclasses.fields(cls):
        hint = hints[f.name]
        key = f"{prefix}{f.name}"
        if dataclasses.is_dataclass(hint):
            yield from _leaves(hint, f"{key}.")  # type: ignore[arg-type]
        elif typing.get_origin(hint) in (dict, list):
            continue
        else:
            yield key, hint


LEAVES = [(k, t) for k, t in _leaves(RunConfig) if k.split(".")[-1] not in FREE_TEXT]


def _base_type(t: typing.Any) -> type:
    args = [a for a in typing.get_args(t) if a is not type(None)]
    return args[0] if args else t


def _bad_values(t: typing.Any) -> list[str]:
    b = _base_type(t)
    if b is bool:
        return ["maybe", "yes please", "[1]"]
    if b is int:
        return ["abc", "1.5", "''", "[1,2]", "{a: 1}"]
    if b is float:
        return ["abc", "nan", "inf", "-inf", "''", "[0.1]"]
    if b is str:
        return ["[1,2]", "{a: 1}"]
    return ["[1,2]"]


BAD_TYPED = [(k, v) for k, t in LEAVES for v in _bad_values(t)]
# CI runs every 10th; `make test-all` runs them all.
BAD_TYPED_PARAMS = [
    pytest.param(k, v, marks=() if i % 10 == 0 else pytest.mark.slow, id=f"{k}={v}")
    for i, (k, v) in enumerate(BAD_TYPED)
]

# Out-of-range numbers for the documented ranges (docs: configs/*.yaml and sim/config.py).
#: Keys checked only for synthetic places (real ones have their municipalities).
SYNTHETIC_ONLY = {
    "population.municipalities",
    "population.municipality_sizes",
    "population.municipality_size_sigma",
    "population.min_municipality_size",
    "population.max_municipality_size",
}

OUT_OF_RANGE = [
    ("population.size", "1"),
    ("population.size", "0"),
    ("population.size", "-10"),
    ("population.size", "100000000000"),
    ("population.municipalities", "0"),
    ("population.municipalities", "20000"),
    ("population.segregation", "1.0"),
    ("population.segregation", "-0.1"),
    ("population.trust_mean", "1.5"),
    ("population.debt_share", "-0.01"),
    ("population.neighbourhood_size", "1"),
    ("network.foci", "4"),
    ("network.homophily", "1.01"),
    ("network.online_degree", "-1"),
    ("network.focus_size", "1"),
    ("dynamics.confidence", "0"),
    ("dynamics.confidence", "1.2"),
    ("dynamics.convergence", "0.500001"),
    ("dynamics.convergence", "0"),
    ("dynamics.algorithmic_bias", "-1"),
    ("dynamics.algorithmic_bias", "1e9"),
    ("dynamics.influence.noise", "2"),
    ("dynamics.bubbles.unfollow", "1.5"),
    ("dynamics.trust.bad_effect", "-0.2"),
    ("dynamics.trust.vulnerable_contact_factor", "-1"),
    ("dynamics.tension.decay", "3"),
    ("dynamics.prejudice.contact_effect", "1.1"),
    ("dynamics.participation.election_interval", "0"),
    ("steps", "-1"),
    ("steps", "10000000"),
    ("burn_in", "-3"),
    ("metrics_every", "0"),
    ("seed", "-1"),
]

UNKNOWN_OPTION = [(g, "no_such_option_zz") for g in GROUPS] + [
    ("network.kind", "small_world"),
    ("population.opinion_init", "bimodal"),
    ("population.municipality_sizes", "zipf"),
    ("population.places", "europe"),
    ("population.municipality", "Atlantis"),
    ("population.groups.dutch.origin", "mars"),
    ("dynamics.influence.update", "async"),
    ("dynamics.influence.weighting", "cosine"),
    ("dynamics.bubbles.new_follow", "friends"),
]

CONTRADICTIONS = [
    ["dynamics.confidence=0.3", "dynamics.influence.repulsion=0.2"],
    ["dynamics.influence.negative_influence=true"],
    ["network=regular", "population.size=1001", "network.degree=3"],
    ["population.size=100", "network=regular", "network.degree=100"],
    ["population=synthetic", "population.size=100", "population.municipalities=101"],
    ["population=netherlands", "population.fraction=0.00001"],
    ["population.places=municipality", "population.municipality=null"],
    ["population=synthetic", "population.size=null"],
    [
        "network=random_mixing",
        "dynamics.influence.update=synchronous",
        "dynamics.influence.weighting=similarity",
    ],
]


def _unknown_keys() -> list[str]:
    out = ["+no_such_key=1", "+hydra_typo.x=1"]
    for cls_key in ("population", "network", "dynamics", "dynamics.trust", "scenario", "policy"):
        out.append(f"+{cls_key}.no_such_key=1")
    out += ["population.sise=10", "dynamics.confidance=0.2", "dynamics.trust.badeffect=0.1"]
    return out


def _assert_refused(overrides: list[str], key_hint: str | None = None) -> str:
    msg = prevalidate(overrides)
    assert msg is not None, f"accepted bad input {overrides}"
    assert "\n" not in msg, msg
    assert "Traceback" not in msg
    if key_hint is not None:
        assert msg.startswith(key_hint), (overrides, msg)
    return msg


def test_the_fuzz_covers_at_least_fifty_kinds():
    kinds = (
        len(BAD_TYPED)
        + len(OUT_OF_RANGE)
        + len(UNKNOWN_OPTION)
        + len(CONTRADICTIONS)
        + len(_unknown_keys())
        + len(GROUPS)  # broken YAML, one per group
    )
    assert kinds >= 50
    assert len({k for k, _ in BAD_TYPED}) >= 40  # every scalar field of the schema


@pytest.mark.parametrize(("key", "value"), BAD_TYPED_PARAMS)
def test_wrong_types_and_non_finite_values(key, value):
    synthetic = ["population=synthetic"] if key in SYNTHETIC_ONLY else []
    _assert_refused([*synthetic, f"{key}={value}"], key)


@pytest.mark.parametrize(
    ("key", "value"),
    [
        pytest.param(k, v, marks=() if i % 2 == 0 else pytest.mark.slow, id=f"{k}={v}")
        for i, (k, v) in enumerate(OUT_OF_RANGE)
    ],
)
def test_out_of_range(key, value):
    synthetic = ["population=synthetic"] if key in SYNTHETIC_ONLY else []
    msg = _assert_refused([*synthetic, f"{key}={value}"], key)
    assert "must" in msg


@pytest.mark.parametrize(("key", "value"), UNKNOWN_OPTION, ids=lambda v: str(v))
def test_unknown_options(key, value):
    synthetic = ["population=synthetic"] if key in SYNTHETIC_ONLY else []
    msg = _assert_refused([*synthetic, f"{key}={value}"], key)
    assert "one of" in msg or "available" in msg or "closest" in msg


@pytest.mark.parametrize("override", _unknown_keys())
def test_unknown_keys(override):
    key = override.lstrip("+").split("=")[0]
    if key.startswith("hydra_typo"):
        key = "hydra_typo"  # the unknown top-level key is the one named
    msg = _assert_refused([override], key)
    assert "unknown key" in msg


@pytest.mark.parametrize("overrides", CONTRADICTIONS, ids=lambda v: " ".join(v))
def test_contradictory_settings(overrides):
    _assert_refused(overrides)


@pytest.mark.parametrize("group", ["population", "network", "dynamics", "scenario", "policy"])
def test_broken_yaml_in_a_users_config_dir(tmp_path, group):
    d = tmp_path / group
    d.mkdir()
    (d / "mine.yaml").write_text("size: [1, 2\nname: x: y\n")
    msg = _assert_refused(["-cd", str(tmp_path), f"{group}=mine"])
    assert "broken YAML" in msg and "mine.yaml" in msg


def test_empty_and_huge_values():
    _assert_refused(["population.size="], "population.size")
    _assert_refused(["dynamics.confidence=" + "9" * 400], "dynamics.confidence")
    _assert_refused(["dynamics.convergence="], "dynamics.convergence")


def test_refused_before_any_job_of_a_sweep_starts():
    msg = _assert_refused(["-m", "seed=0,1,2", "dynamics.convergence=0.3,0.9"])
    assert msg.startswith("dynamics.convergence")


def test_cli_exit_status_and_no_output(tmp_path, cli_env):
    for ov in (["+population.foo=1"],):
        out = tmp_path / "run"
        proc = run_cli(*ov, f"hydra.run.dir={out}", env=cli_env, timeout=120)
        assert proc.returncode == 1, ov
        assert len(proc.stderr.strip().splitlines()) == 1, proc.stderr
        assert not out.exists()


# ------------------------------------------------------------------ valid input
#: Independent statement of the documented ranges: key -> (low, high) inclusive.
VALID = {
    "dynamics.confidence": (1e-6, 1.0),
    "dynamics.convergence": (1e-6, 0.5),
    "dynamics.algorithmic_bias": (0.0, 5.0),
    "dynamics.confidence_spread": (0.0, 1.0),
    "dynamics.influence.noise": (0.0, 1.0),
    "dynamics.bubbles.unfollow": (0.0, 1.0),
    "dynamics.bubbles.offline_turnover": (0.0, 1.0),
    "dynamics.trust.contact_rate": (0.0, 1.0),
    "dynamics.trust.bad_effect": (0.0, 1.0),
    "dynamics.trust.good_effect": (0.0, 1.0),
    "dynamics.trust.recovery": (0.0, 1.0),
    "dynamics.tension.rise": (0.0, 1.0),
    "dynamics.tension.mayor_capacity": (0.0, 1.0),
    "dynamics.prejudice.contact_effect": (0.0, 1.0),
    "dynamics.participation.rate": (0.0, 1.0),
    "population.segregation": (0.0, 0.999),
    "population.trust_mean": (0.0, 1.0),
    "population.debt_share": (0.0, 1.0),
    "population.online_share_mean": (0.0, 1.0),
    "network.homophily": (0.0, 1.0),
}
VALID_INT = {
    "seed": (0, 2**40),
    "steps": (0, 5000),
    "burn_in": (0, 500),
    "population.size": (2, 50_000_000),
    "network.foci": (0, 3),
    "network.online_degree": (0, 50),
    "metrics_every": (1, 100),
}


@st.composite
def valid_overrides(draw: st.DrawFn) -> list[str]:
    keys = draw(st.lists(st.sampled_from(sorted(VALID)), min_size=1, max_size=6, unique=True))
    out = []
    for k in keys:
        lo, hi = VALID[k]
        v = draw(st.floats(lo, hi, allow_nan=False))
        out.append(f"{k}={v!r}")
    ikeys = draw(st.lists(st.sampled_from(sorted(VALID_INT)), max_size=3, unique=True))
    for k in ikeys:
        lo, hi = VALID_INT[k]
        out.append(f"{k}={draw(st.integers(lo, hi))}")
    if any(o.startswith("population.size=") for o in out):
        out.append("population.municipalities=1")
    return out


@given(valid_overrides())
@settings(
    max_examples=15, derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
def test_valid_configs_are_accepted(overrides):
    # the bounds are inclusive in VALID; repulsion stays off, so no contradiction
    assert all(math.isfinite(float(o.split("=")[1])) for o in overrides)
    assert prevalidate(overrides) is None, overrides


@pytest.mark.parametrize(
    ("group", "option"),
    [(g, p.stem) for g in GROUPS for p in sorted((ROOT / "configs" / g).glob("*.yaml"))],
)
def test_every_shipped_option_is_accepted(group, option):
    assert prevalidate([f"{group}={option}"]) is None


def test_user_config_dir_valid_file_is_accepted(tmp_path: Path):
    d = tmp_path / "dynamics"
    d.mkdir()
    text = (ROOT / "configs" / "dynamics" / "default.yaml").read_text()
    (d / "mine.yaml").write_text(text.replace("confidence: 0.2 ", "confidence: 0.25 "))
    assert prevalidate(["-cd", str(tmp_path), "dynamics=mine"]) is None


# ------------------------------------------------------------------ generated bad input
#: The hard bounds of some documented ranges: key -> (low, high, low_open, high_open).
HARD = {
    "dynamics.confidence": (0.0, 1.0, True, False),
    "dynamics.convergence": (0.0, 0.5, True, False),
    "dynamics.algorithmic_bias": (0.0, 100.0, False, False),
    "dynamics.confidence_spread": (0.0, 1.0, False, False),
    "dynamics.influence.noise": (0.0, 1.0, False, False),
    "dynamics.bubbles.unfollow": (0.0, 1.0, False, False),
    "dynamics.bubbles.offline_turnover": (0.0, 1.0, False, False),
    "dynamics.trust.contact_rate": (0.0, 1.0, False, False),
    "dynamics.trust.bad_effect": (0.0, 1.0, False, False),
    "dynamics.trust.good_effect": (0.0, 1.0, False, False),
    "dynamics.trust.recovery": (0.0, 1.0, False, False),
    "dynamics.prejudice.contact_effect": (0.0, 1.0, False, False),
    "population.trust_mean": (0.0, 1.0, False, False),
    "population.debt_share": (0.0, 1.0, False, False),
    "network.homophily": (0.0, 1.0, False, False),
}


@st.composite
def one_bad_among_valid(draw: st.DrawFn) -> tuple[str, list[str]]:
    """A valid config with one number moved outside its hard range (or made non-finite)."""
    ok = [o for o in draw(valid_overrides()) if not o.startswith("population.size")]
    key = draw(st.sampled_from(sorted(HARD)))
    lo, hi, lo_open, hi_open = HARD[key]
    bad = draw(
        st.one_of(
            st.floats(max_value=lo, exclude_max=not lo_open, allow_nan=False),
            st.floats(min_value=hi, exclude_min=not hi_open, allow_nan=False),
            st.just(math.nan),
        )
    )
    ok = [o for o in ok if not o.startswith(f"{key}=")]
    pos = draw(st.integers(0, len(ok)))
    return key, [*ok[:pos], f"{key}={bad!r}", *ok[pos:]]


@given(one_bad_among_valid())
@settings(
    max_examples=20, derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
def test_generated_out_of_range_values_are_refused_naming_the_key(case):
    key, overrides = case
    _assert_refused(overrides, key)


@given(
    st.sampled_from([k for k, t in LEAVES if _base_type(t) in (int, float)]),
    st.text(alphabet="abcxyz!?@ ", min_size=1, max_size=12).filter(lambda s: s.strip() != ""),
)
@settings(
    max_examples=20, derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
def test_generated_text_for_numbers_is_refused_naming_the_key(key, text):
    _assert_refused([f"{key}='{text}'"], key)


# ------------------------------------------------------------------ every checked bound
#: Every numeric key's hard bounds, stated here independently of the validator:
#: key -> (low, high, low_open, high_open, context). None: unbounded on that side.
#: ``context`` sets the other keys a bound depends on (e.g. the population size).
#: Members of the shipped ensemble (calibration.member goes from 0 to this less one).
_MEMBERS = len(load_ensemble("history"))
INF = None
SYN: dict[str, object] = {"population.places": "synthetic", "population.municipality": None}
#: The survey is read (and checked) only in a policy with an adaptive intervention.
_ADAPTIVE: dict[str, object] = {
    "policy.interventions": {
        "listen": InterventionConfig(
            kind="listening_government",
            trigger=TriggerConfig(signpost="trust_politics_share", scope="all", below=0.25),
        )
    }
}

BOUNDS: dict[str, tuple[float | None, float | None, bool, bool, dict[str, object]]] = {
    "seed": (0, INF, False, False, {}),
    "steps": (0, 1_000_000, False, False, {}),
    "burn_in": (0, 1_000_000, False, False, {}),
    "metrics_every": (1, INF, False, False, {}),
    "small_scope": (0, INF, False, False, {}),
    "population.size": (2, 2**31 - 1, False, False, {"population.municipalities": 1}),
    "population.fraction": (0.0, 1.0, True, False, {"population.size": 2**31 - 1}),
    # the keys of synthetic places are checked for synthetic places
    "population.municipalities": (1, 600, False, False, {**SYN, "population.size": 600}),
    "population.municipality_size_sigma": (0.0, INF, True, False, SYN),
    "population.min_municipality_size": (1, INF, False, False, SYN),
    # four municipalities of 10 or more within 600 citizens: the largest is 197 to 570
    "population.max_municipality_size": (
        197,
        570,
        False,
        False,
        {
            **SYN,
            "population.size": 600,
            "population.municipalities": 4,
            "population.municipality_sizes": "lognormal",
            "population.min_municipality_size": 10,
        },
    ),
    "population.neighbourhood_size": (2, INF, False, False, {}),
    "population.segregation": (0.0, 1.0, False, True, {}),
    "population.trust_mean": (0.0, 1.0, False, False, {}),
    "population.trust_year": (2012, 2022, False, False, {}),
    "population.trust_sd": (0.0, 1.0, False, False, {}),
    "population.trust_lift.politics": (-3.0, 3.0, False, False, {}),
    "population.trust_lift.rule_of_law": (-3.0, 3.0, False, False, {}),
    "population.trust_lift.people": (-3.0, 3.0, False, False, {}),
    "calibration.member": (0, _MEMBERS - 1, False, False, {}),
    "population.prejudice_mean": (0.0, 1.0, False, False, {}),
    "population.prejudice_sd": (0.0, 1.0, False, False, {}),
    "population.prejudice_muslims_share": (0.0, 1.0, False, False, {}),
    "population.debt_share": (0.0, 1.0, False, False, {}),
    "population.newcomer_share": (0.0, 1.0, False, False, {}),
    "population.ex_detainee_share": (0.0, 1.0, False, False, {}),
    "population.online_share_mean": (0.0, 1.0, False, False, {}),
    "population.participation_mean": (0.0, 1.0, False, False, {}),
    "network.neighbourhood_degree": (0.0, 1000.0, False, False, {}),
    "network.focus_degree": (0.0, 1000.0, False, False, {}),
    "network.focus_size": (2, INF, False, False, {}),
    "network.foci": (0, 3, False, False, {}),
    "network.homophily": (0.0, 1.0, False, False, {}),
    "network.online_degree": (0, 1000, False, False, {}),
    "network.online_homophily": (0.0, 1.0, False, False, {}),
    "network.degree": (1, 599, False, False, {"network.kind": "regular", "population.size": 600}),
    "network.cave_size": (
        2,
        600,
        False,
        False,
        {"network.kind": "caveman", "population.size": 600},
    ),
    "network.long_range": (0.0, 100.0, False, False, {}),
    "dynamics.confidence": (0.0, 1.0, True, False, {}),
    "dynamics.confidence_spread": (0.0, 1.0, False, False, {}),
    "dynamics.convergence": (0.0, 0.5, True, False, {}),
    "dynamics.algorithmic_bias": (0.0, 100.0, False, False, {}),
    "dynamics.influence.repulsion": (0.3, 1.0, False, False, {"dynamics.confidence": 0.3}),
    "dynamics.influence.noise": (0.0, 1.0, False, False, {}),
    "dynamics.bubbles.unfollow": (0.0, 1.0, False, False, {}),
    "dynamics.bubbles.offline_turnover": (0.0, 1.0, False, False, {}),
    "dynamics.bubbles.prejudice_homophily": (0.0, 1.0, False, False, {}),
    **{
        f"dynamics.trust.{k}": (0.0, 1.0, False, False, {})
        for k in (
            "contact_rate",
            "bad_contact_prob",
            "good_effect",
            "bad_effect",
            "spread",
            "gap_erosion",
            "recovery",
            "tension_effect",
            "responsiveness",
            "rule_of_law_tension_effect",
            "rule_of_law_recovery",
            "people_contact_effect",
            "people_tension_effect",
            "people_recovery",
        )
    },
    "dynamics.trust.vulnerable_contact_factor": (0.0, 50.0, False, False, {}),
    "dynamics.trust.vulnerable_bad_factor": (0.0, 50.0, False, False, {}),
    **{
        f"dynamics.tension.{k}": (0.0, 1.0, False, False, {})
        for k in ("rise", "decay", "mayor_capacity")
    },
    **{
        f"dynamics.prejudice.{k}": (0.0, 1.0, False, False, {})
        for k in ("contact_effect", "tension_effect", "relaxation")
    },
    **{
        f"dynamics.participation.{k}": (0.0, 1.0, False, False, {})
        for k in ("rate", "base", "trust_weight", "bridging_weight")
    },
    "dynamics.participation.election_interval": (1, INF, False, False, {}),
    "dynamics.participation.parliament_factor": (0.0, 10.0, False, False, {}),
    "dynamics.participation.municipal_factor": (0.0, 10.0, False, False, {}),
    # a driver is a factor >= 0; its product with the key it drives must stay in that
    # key's range (the product's bound is checked in CONTRADICTIONS and test_shocks)
    **{
        f"scenario.drivers.{k}": (0.0, INF, False, False, {})
        for k in (
            "algorithmic_bias",
            "unfollow",
            "online_share_mean",
            "debt_share",
            "newcomer_share",
            "segregation",
            "bad_contact_prob",
            "mayor_capacity",
            "responsiveness",
        )
    },
    "policy.budget": (0.0, INF, False, False, {}),
    **{
        f"policy.survey.{k}": (lo, INF, False, False, _ADAPTIVE)
        for k, lo in (("sample", 1), ("every", 1), ("first", 1), ("delay", 0))
    },
    "policy.budget_total": (0.0, INF, False, False, {}),
    "uncertainty.samples": (0, INF, False, False, {}),
    "uncertainty.sample": (0, 4, False, False, {"uncertainty.samples": 5}),
    "uncertainty.design_seed": (0, INF, False, False, {}),
    "population.groups.dutch.share": (0.0, 1.0, False, False, {}),
    "population.groups.dutch.opinion_mean": (0.0, 1.0, False, False, {}),
    "population.groups.dutch.opinion_sd": (0.0, 1.0, False, False, {}),
}


def test_every_numeric_key_has_its_bounds_stated():
    numeric = {k for k, t in LEAVES if _base_type(t) in (int, float)}
    assert numeric <= set(BOUNDS), sorted(numeric - set(BOUNDS))


def _typed_base():
    from sim.prepare import prepare

    from .conftest import small

    return prepare(small())


_BASE: list[object] = []


def _checked(key: str, value: object, context: dict[str, object]) -> str | None:
    """Set ``key`` (and its context) on a copy of a valid typed config; the error or None."""
    import copy

    from sim.config import ConfigError
    from sim.prepare import prepare

    if not _BASE:
        _BASE.append(_typed_base())
    cfg = copy.deepcopy(_BASE[0])
    for k, v in {**context, key: value}.items():
        *parents, attr = k.split(".")
        obj = cfg
        for p in parents:
            obj = obj[p] if isinstance(obj, dict) else getattr(obj, p)
        setattr(obj, attr, v)
    try:
        prepare(cfg)
    except ConfigError as e:
        return str(e)
    return None


def _outside(bound: float, is_int: bool, below: bool, open_: bool) -> float:
    if open_:
        return bound
    step = 1 if is_int else max(abs(bound) * 1e-9, 1e-9)
    return bound - step if below else bound + step


def _inside(bound: float, is_int: bool, below: bool, open_: bool) -> float:
    if not open_:
        return bound
    step = 1 if is_int else max(abs(bound) * 1e-9, 1e-9)
    return bound + step if below else bound - step


@pytest.mark.parametrize("key", sorted(BOUNDS))
def test_each_bound_refuses_just_outside_and_accepts_its_edge(key):
    lo, hi, lo_open, hi_open, context = BOUNDS[key]
    leaf = dict(LEAVES).get(key)
    is_int = leaf is not None and _base_type(leaf) is int
    for bound, below, open_ in ((lo, True, lo_open), (hi, False, hi_open)):
        if bound is None:
            continue
        bad = _outside(bound, is_int, below, open_)
        msg = _checked(key, bad, context)
        assert msg is not None and msg.startswith(f"{key}:"), (key, bad, msg)
        good = _inside(bound, is_int, below, open_)
        assert _checked(key, good, context) is None, (key, good)
