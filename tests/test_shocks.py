"""Futures: drivers, shock scheduling on Mesa's clock, and each shock's signature."""

from __future__ import annotations

import copy
import math

import numpy as np
import pytest

from sim import api
from sim.config import ConfigError, RunConfig, ShockConfig, apply_drivers
from sim.metrics import METRICS
from sim.model import CohesionModel
from sim.prepare import prepare
from sim.shocks import SHOCKS, Rally
from sim.state import StartState, capture

# synthetic places: four made-up municipalities and the former three groups, so that a
# shock in one municipality or group has others to compare with
BASE = (
    "population=synthetic",
    "population.size=2000",
    "burn_in=20",
    "steps=30",
    "progress=false",
    "plot=false",
)
_cfg: dict[tuple[str, ...], RunConfig] = {}
_start: dict[int, StartState] = {}


def config(*overrides: str) -> RunConfig:
    key = BASE + overrides
    if key not in _cfg:
        _cfg[key] = prepare(api.compose(list(key)))
    return copy.deepcopy(_cfg[key])


def model(
    seed: int, shocks: dict[str, ShockConfig], *overrides: str, steps: int = 30
) -> CohesionModel:
    """A model in the baseline future plus ``shocks``, from a burn-in shared per seed."""
    if seed not in _start:
        cfg0 = config()
        cfg0.seed = seed
        _start[seed] = capture(CohesionModel(cfg0))
    cfg = config(*overrides)
    cfg.seed = seed
    cfg.steps = steps
    cfg.scenario.shocks = shocks
    return CohesionModel(prepare(cfg), start=_start[seed])


def pair(seed: int, shocks: dict[str, ShockConfig], weeks: int, **kw: object):
    """The shocked model and the baseline model of the same seed, both run ``weeks``."""
    a = model(seed, shocks, **kw)  # type: ignore[arg-type]
    b = model(seed, {}, **kw)  # type: ignore[arg-type]
    a.run(weeks)
    b.run(weeks)
    return a, b


def series(m: CohesionModel, metric: str, scope: str = "all") -> np.ndarray:
    return m.records[: m.steps + 1, METRICS.index(metric), m.scopes.names.index(scope)]


def tstat(d: np.ndarray) -> float:
    return float(d.mean() / (d.std(ddof=1) / math.sqrt(d.shape[0])))


# --------------------------------------------------------------------------- scheduling


def test_shock_acts_from_its_week_never_in_the_burn_in():
    shocks = {"s": ShockConfig(kind="scandal", week=3, duration=2)}
    a = model(0, shocks)
    b = model(0, {})
    for week in (1, 2):
        a.step()
        b.step()
        assert np.array_equal(a.population.trust, b.population.trust), week
    a.step()
    b.step()
    assert (a.population.trust < b.population.trust).any()
    assert [e for e in a.events if e[1] == "shock.s"] == [(3, "shock.s", "all", 1.0)]
    # a shock at week 1 still leaves the burn-in (step 0) alone
    c = model(0, {"s": ShockConfig(kind="scandal", week=1)})
    assert np.array_equal(c.records[0], b.records[0])


def test_rate_shock_weeks_come_from_its_own_stream_whatever_the_policy():
    shocks = {"wave": ShockConfig(kind="disinformation", rate=0.1, duration=2)}
    runs = []
    for policy in ("none", "integrated"):
        m = model(1, copy.deepcopy(shocks), f"policy={policy}")
        m.run()
        runs.append([e for e in m.events if e[1] == "shock.wave"])
    assert runs[0] == runs[1]
    assert 0 < len(runs[0]) < 30  # about 3 expected in 30 weeks
    other_seed = model(2, copy.deepcopy(shocks))
    other_seed.run()
    assert [e for e in other_seed.events if e[1] == "shock.wave"] != runs[0]


def test_shock_after_the_horizon_never_happens_and_random_place_is_drawn():
    late = model(0, {"s": ShockConfig(kind="scandal", week=31)})
    late.run()
    assert not [e for e in late.events if e[1].startswith("shock.")]
    places = set()
    for seed in range(6):
        m = model(
            seed, {"a": ShockConfig(kind="asylum_centre", week=2, scope="municipality:random")}
        )
        m.run(2)
        (ev,) = [e for e in m.events if e[1] == "shock.a"]
        places.add(ev[2])
    assert len(places) > 1 and all(p.startswith("municipality:") for p in places)


def test_a_run_started_from_a_captured_state_meets_the_same_shocks():
    cfg = config()
    cfg.seed = 3
    cfg.scenario.shocks = {
        "wave": ShockConfig(kind="disinformation", rate=0.1, duration=2),
        "centre": ShockConfig(kind="asylum_centre", rate=0.05, scope="municipality:random"),
        "slump": ShockConfig(kind="downturn", week=4, duration=3),
    }
    direct = CohesionModel(prepare(cfg))
    again = CohesionModel(prepare(copy.deepcopy(cfg)), start=capture(direct))
    direct.run()
    again.run()
    shocks = [e for e in direct.events if e[1].startswith("shock.")]
    assert shocks and shocks == [e for e in again.events if e[1].startswith("shock.")]
    assert np.array_equal(direct.population.trust, again.population.trust)


# --------------------------------------------------------------------------- drivers


def test_drivers_multiply_their_keys_before_the_burn_in():
    plain = CohesionModel(config())
    polar = CohesionModel(config("scenario=polarised_platforms"))
    strain = CohesionModel(config("scenario=economic_strain"))
    assert polar.cfg.dynamics.algorithmic_bias == 2.0 * plain.cfg.dynamics.algorithmic_bias
    assert polar.algorithmic_bias == polar.cfg.dynamics.algorithmic_bias
    assert polar.cfg.dynamics.bubbles.unfollow == 2.0 * plain.cfg.dynamics.bubbles.unfollow
    assert strain.cfg.population.debt_share == pytest.approx(1.5 * plain.cfg.population.debt_share)
    assert strain.population.debt.mean() > plain.population.debt.mean()  # in the population
    given = config("scenario=polarised_platforms")
    assert given.scenario.drivers.algorithmic_bias == 2.0  # the config as given keeps it
    assert polar.cfg.scenario.drivers.algorithmic_bias is None  # spent in the model's
    assert apply_drivers(polar.cfg) is polar.cfg  # so applying twice changes nothing
    assert apply_drivers(given) == polar.cfg


def test_fragmented_composes_both_futures():
    frag = config("scenario=fragmented").scenario
    econ = config("scenario=economic_strain").scenario
    polar = config("scenario=polarised_platforms").scenario
    assert set(frag.shocks) == set(econ.shocks) | set(polar.shocks)
    assert frag.drivers.debt_share == econ.drivers.debt_share
    assert frag.drivers.algorithmic_bias == polar.drivers.algorithmic_bias


@pytest.mark.parametrize(
    ("overrides", "key", "says"),
    [
        (
            ["scenario=economic_strain", "scenario.drivers.debt_share=20"],
            "scenario.drivers.debt_share",
            "outside the range",
        ),
        (
            ["scenario.drivers.algorithmic_bias=-1"],
            "scenario.drivers.algorithmic_bias",
            "at least 0",
        ),
        (["scenario.rules=[telepathy]"], "scenario.rules[0]", "unknown extra rule"),
        (
            ["scenario=economic_strain", "scenario.shocks.downturn.duration=0"],
            "scenario.shocks.downturn.duration",
            "at least 1",
        ),
    ],
)
def test_bad_scenario_values_are_refused(overrides, key, says):
    with pytest.raises(ConfigError) as err:
        prepare(api.compose([*BASE, *overrides]))
    assert err.value.key == key
    assert says in str(err.value)


@pytest.mark.parametrize(
    ("shock", "key", "says"),
    [
        (ShockConfig(kind="canvassing", week=3), "x.kind", "a future cannot hold it"),
        (ShockConfig(kind="os.system", week=3), "x.kind", "never code to import"),
        (ShockConfig(kind="scandal"), "x", "exactly one of week"),
        (ShockConfig(kind="scandal", week=2, rate=0.1), "x", "exactly one of week"),
        (ShockConfig(kind="asylum_centre", week=3), "x.scope", "municipality:<index or code>"),
        (ShockConfig(kind="asylum_centre", week=3, scope="municipality:9"), "x.scope", "0-3"),
        (
            ShockConfig(kind="diaspora_tension", week=3, scope="group:martians"),
            "x.scope",
            "dutch",
        ),
        (ShockConfig(kind="rally", week=3, scope="group:dutch"), "x.scope", "all or"),
        (
            ShockConfig(kind="rally", week=3, effect={"glow": 1.0}),
            "x.effect.glow",
            "allowed: share_rise",
        ),
        (
            ShockConfig(kind="rally", week=3, effect={"share_rise": 1.5}),
            "x.effect.share_rise",
            "[0, 1]",
        ),
    ],
)
def test_bad_shocks_are_refused(shock, key, says):
    cfg = config()
    cfg.scenario.shocks = {"x": shock}
    with pytest.raises(ConfigError) as err:
        prepare(cfg)
    assert err.value.key == f"scenario.shocks.{key}"
    assert says in str(err.value)


# --------------------------------------------------------------------------- signatures


def test_overridden_referendum_hits_those_who_voted_for_the_outcome():
    a, b = pair(0, {"r": ShockConfig(kind="referendum_overridden", week=2)}, 2)
    (occ,) = a.future.shocks[0].occurrences
    voters = occ.state["voted"] & occ.state["won"]
    loss = b.population.trust - a.population.trust
    others = ~voters
    assert loss[voters].mean() > 0.0
    assert loss[voters].mean() > 3.0 * loss[others].mean()
    assert loss[~occ.state["won"]].mean() == pytest.approx(0.0, abs=1e-3)  # the other side
    turnout = [e[3] for e in a.events if e[1] == "shock.r.turnout"]
    assert turnout == [pytest.approx(occ.state["voted"].mean())]


def test_asylum_centre_raises_tension_and_majority_prejudice_in_its_municipality_only():
    a, b = pair(1, {"a": ShockConfig(kind="asylum_centre", week=2, scope="municipality:1")}, 10)
    here = series(a, "tension_mean", "municipality:1") - series(b, "tension_mean", "municipality:1")
    assert here[-1] > 0.1
    pop_a, pop_b = a.population, b.population
    for m in range(4):
        d = series(a, "tension_mean", f"municipality:{m}") - series(
            b, "tension_mean", f"municipality:{m}"
        )
        if m != 1:
            assert np.abs(d).max() < 0.05 * here[-1], m
        major = (pop_a.municipality == m) & (pop_a.group == 0)
        rise = pop_a.prejudice[major].mean() - pop_b.prejudice[major].mean()
        if m == 1:
            assert rise > 0.05
        else:
            assert abs(rise) < 0.1 * 0.05, m


def test_diaspora_tension_widens_the_group_and_raises_prejudice_between_groups():
    g = "group:turkish"
    a, b = pair(2, {"d": ShockConfig(kind="diaspora_tension", week=2, scope=g)}, 14)
    assert series(a, "opinion_sd", g)[-1] > series(b, "opinion_sd", g)[-1] + 0.02
    others = ("group:dutch", "group:other_european")
    for scope in (g, *others):
        assert (
            series(a, "prejudice_mean", scope)[-1] > series(b, "prejudice_mean", scope)[-1] + 0.02
        )
    for scope in others:  # the other groups' opinions do not split
        assert abs(series(a, "opinion_sd", scope)[-1] - series(b, "opinion_sd", scope)[-1]) < 0.01


def test_scandal_lowers_the_trust_of_the_vulnerable_more():
    a, b = pair(3, {"s": ShockConfig(kind="scandal", week=2)}, 5)
    vul = a.future.shocks[0].occurrences[0].state["vulnerable"]
    loss = 1.0 - a.population.trust / b.population.trust
    assert loss[vul].mean() > 3.0 * loss[~vul].mean() > 0.0
    assert loss[vul].mean() == pytest.approx(0.3, abs=0.05)  # the configured share


@pytest.mark.parametrize("trust_loss", [0.1, 0.0])
def test_downturn_raises_debt_then_lowers_the_trust_of_the_newly_indebted(trust_loss):
    shock = ShockConfig(
        kind="downturn", week=2, duration=10, effect={"debt_rise": 0.3, "trust_loss": trust_loss}
    )
    a, b = pair(4, {"d": shock}, 28)
    newly = a.future.shocks[0].occurrences[0].state["newly"]
    free = ~b.population.debt
    assert newly.sum() == pytest.approx(0.3 * free.sum(), rel=0.15)
    assert a.population.debt.mean() > b.population.debt.mean() + 0.2
    diff = a.population.trust - b.population.trust
    others = free & ~newly
    # the newly indebted lose trust (directly, and through worse institutional contacts as
    # vulnerable citizens); citizens who stayed out of debt do not
    assert tstat(-diff[newly]) > 3.0
    assert diff[newly].mean() < diff[others].mean() - 0.005
    assert abs(diff[others].mean()) < 0.002


def test_disinformation_raises_the_bias_for_its_duration_and_the_bubble_index():
    gains = []
    for seed in range(5):  # 3 seeds left the t-test at df=2 too weak for a gain of 0.02
        a = model(seed, {"w": ShockConfig(kind="disinformation", week=3, duration=10)})
        b = model(seed, {})
        base = a.algorithmic_bias
        bias = []
        for _ in range(16):
            a.step()
            b.step()
            bias.append(a.algorithmic_bias)
        assert bias[:2] == [base, base]
        assert bias[2:12] == [base + 1.0] * 10
        assert bias[12:] == [base] * 4
        gains.append(series(a, "bubble_index")[12] - series(b, "bubble_index")[12])
    g = np.asarray(gains)
    assert g.mean() > 0.01 and tstat(g) > 2.132, g  # t(0.95, df=4)


def _trusting(m: CohesionModel) -> float:
    """The share with trust above 0.5 (the model's reading of trusting parliament)."""
    return float((m.population.trust > 0.5).mean())


def test_rally_raises_trust_then_lets_it_ebb():
    for seed in range(2):
        a, b = pair(seed, {"r": ShockConfig(kind="rally", week=2)}, 2)
        gap = [_trusting(a) - _trusting(b)]
        for _ in range(4):  # half a year at a time
            a.run(26)
            b.run(26)
            gap.append(_trusting(a) - _trusting(b))
        g = np.asarray(gap)
        assert abs(g[0] - 0.14) < 0.02  # CBS 2020: 44% -> 58%, 14 points
        assert (np.diff(g) < 0).all() and g[-1] >= 0.0, g  # then it ebbs away
        assert g[2] < 0.6 * g[0] and g[4] < 0.3 * g[0], g  # half-life of about a year
    fast = model(1, {"r": ShockConfig(kind="rally", week=2, effect={"half_life": 8.0})})
    none = model(1, {})
    fast.run(28)
    none.run(28)
    # a shorter half-life ebbs faster (trust follows at the trust rule's recovery rate)
    assert _trusting(fast) - _trusting(none) < g[1] - 0.01


def test_rally_uplift_hits_the_share_exactly():
    t = np.random.default_rng(0).beta(4, 5, 1000)
    u = Rally.uplift(t, 0.14)
    assert (t + u * (1 - t) > 0.5).mean() == pytest.approx((t > 0.5).mean() + 0.14, abs=1e-3)


def test_every_kind_is_documented():
    text = (api.config_dir().parent / "docs" / "interventions.md").read_text()
    for kind, cls in SHOCKS.builtin.items():
        assert f"### {kind}" in text, kind
        for name in cls.params:
            assert f"`{name}`" in text, (kind, name)
