"""Interventions and policies: accounts, mechanisms, literature defaults, common random numbers."""

from __future__ import annotations

import copy
import filecmp
import math
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from sim import api
from sim.analysis import studies
from sim.analysis.evidence import CONTACT_D, derive_contact, derive_deep_canvassing, pooled_for
from sim.config import ConfigError, RunConfig, TargetConfig, week_of
from sim.interventions import INTERVENTIONS
from sim.interventions.base import choose
from sim.interventions.canvassing import DEEP_PREJUDICE_EFFECT, DEEP_PREJUDICE_RANGE
from sim.interventions.deepening_sessions import DeepeningSessions
from sim.interventions.dialogue_sessions import CONTACT_PREJUDICE_EFFECT, CONTACT_PREJUDICE_RANGE
from sim.interventions.listening_government import weighted_median
from sim.interventions.target import ranked_count, select
from sim.metrics import METRICS
from sim.model import CohesionModel
from sim.population import AGE_BANDS
from sim.prepare import prepare
from sim.state import capture
from sim.uncertainty import registered_ranges

from .conftest import ROOT

# synthetic places (four made-up municipalities, the former three groups), so that targets
# by municipality and group have others to compare with
SMALL = [
    "population=synthetic",
    "population.size=1500",
    "burn_in=20",
    "steps=40",
    "progress=false",
    "plot=false",
]
POLICY_DIR = ROOT / "configs" / "policy"
SCENARIO_DIR = ROOT / "configs" / "scenario"
POLICIES = sorted(p.stem for p in POLICY_DIR.glob("*.yaml"))
FUTURES = sorted(p.stem for p in SCENARIO_DIR.glob("*.yaml"))
#: Policies of several interventions (the rest are one lever each).
PACKAGES = ("none", "integrated", "adaptive_listening")
SINGLE = [p for p in POLICIES if p not in PACKAGES]

_starts: dict[tuple[int, tuple[str, ...]], object] = {}
_composed: dict[tuple[str, ...], RunConfig] = {}


def typed(*overrides: str) -> RunConfig:
    """A composed, validated config (composed once per set of overrides)."""
    if overrides not in _composed:
        _composed[overrides] = prepare(api.compose(list(overrides)))
    return copy.deepcopy(_composed[overrides])


def run(
    seed: int, *overrides: str, base: tuple[str, ...] = tuple(SMALL), budget: float | None = None
) -> CohesionModel:
    """A small run from a burn-in shared by every policy of the same seed and future."""
    future = tuple(o for o in overrides if o.startswith("scenario"))
    key = (seed, base + future)
    if key not in _starts:
        cfg0 = typed(*base, *future)
        cfg0.seed = seed
        _starts[key] = capture(CohesionModel(cfg0))
    cfg = typed(*base, *overrides)
    cfg.seed = seed
    if budget is not None:
        cfg.policy.budget_total = budget
    model = CohesionModel(cfg, start=_starts[key])  # type: ignore[arg-type]
    model.run()
    return model


def series(model: CohesionModel, metric: str, scope: str = "all") -> np.ndarray:
    return model.records[:, METRICS.index(metric), model.scopes.names.index(scope)]


def events(model: CohesionModel) -> pd.DataFrame:
    return pd.DataFrame(model.events, columns=["step", "metric", "scope", "value"])


# --------------------------------------------------------------------------- the files


def test_every_policy_has_the_same_budget_and_shares_sum_to_one():
    budgets = {}
    for name in POLICIES:
        doc = yaml.safe_load((POLICY_DIR / f"{name}.yaml").read_text())
        if name == "none":
            assert doc["budget"] == 0
            assert doc["interventions"] == {}
            continue
        budgets[name] = doc["budget"]
        shares = [iv.get("share", 1.0) for iv in doc["interventions"].values()]
        assert sum(shares) == pytest.approx(1.0), name
    assert len(set(budgets.values())) == 1, budgets
    assert {p for p in SINGLE if p != "deep_canvassing"} == set(
        INTERVENTIONS.builtin
    )  # one per kind


def test_values_written_in_the_files_are_the_documented_defaults():
    """Files spell defaults out for readers; the declared defaults stay the one source."""
    from sim.shocks import SHOCKS

    for name in POLICIES:
        for iv in typed(f"policy={name}").policy.interventions.values():
            cls = INTERVENTIONS[iv.kind]
            mode = iv.mode or cls.modes[0]
            for pname, value in iv.effect.items():
                if value is not None:
                    assert value == cls.params[pname].value(mode), (name, pname)
    for name in FUTURES:
        # a value of a future's own (a dated past's event sizes) states its prior on its line
        own = re.findall(
            r"^\s+(\w+): ([0-9.]+)\s+# prior: ([0-9.]+)-([0-9.]+) \(",
            (SCENARIO_DIR / f"{name}.yaml").read_text(),
            re.M,
        )
        for _, value, lo, hi in own:
            assert float(lo) <= float(value) <= float(hi), (name, value)
        for shock in typed(f"scenario={name}", "calibration=none").scenario.shocks.values():
            cls = SHOCKS[shock.kind]
            for pname, value in shock.effect.items():
                if value is not None and (pname, value) not in {(n, float(v)) for n, v, *_ in own}:
                    assert value == cls.params[pname].value("default"), (name, pname)


#: What a future may set outside its group (``# @package _global_``, its own keys under
#: ``scenario:``): the run's dates and the year of CBS's trust figures, never a policy.
FUTURE_GLOBAL_KEYS = {"scenario", "start_date", "steps", "population"}


def test_files_are_plain_data_of_their_group():
    for path in [*POLICY_DIR.glob("*.yaml"), *SCENARIO_DIR.glob("*.yaml")]:
        text = path.read_text()
        assert "_target_" not in text, path
        doc = yaml.safe_load(text)
        if "@package" in text:  # only a future, only to set its dates
            assert path.parent == SCENARIO_DIR, path
            assert text.startswith("# @package _global_\n"), path
            assert set(doc) <= FUTURE_GLOBAL_KEYS, (path, set(doc) - FUTURE_GLOBAL_KEYS)
            assert set(doc.get("population", {})) <= {"trust_year"}, path
            doc = doc["scenario"]
        if path.parent == POLICY_DIR:
            assert "scenario" not in doc and "shocks" not in doc, path
        else:
            assert "policy" not in doc and "interventions" not in doc, path


# --------------------------------------------------------------------------- never acting


#: The interventions of the integrated policy (the names its logged metrics start with).
NEVER_NAMES = set(prepare(api.compose(["policy=integrated"])).policy.interventions)

NEVER = {
    "budget_zero": ["policy=integrated", "policy.budget_total=0"],
    "starts_after_the_horizon": [
        "policy=integrated",
        *(f"policy.interventions.{n}.start=41" for n in sorted(NEVER_NAMES)),
    ],
}


@pytest.mark.parametrize("how", sorted(NEVER))
def test_policy_that_never_acts_equals_none_byte_for_byte(tmp_path, how):
    base = [*SMALL, "population.size=1000", "seed=3", "scenario=fragmented"]
    api.run([*base, "policy=none"], out_dir=tmp_path / "none")
    api.run([*base, *NEVER[how]], out_dir=tmp_path / "never")
    assert filecmp.cmp(
        tmp_path / "none" / "final_state.parquet",
        tmp_path / "never" / "final_state.parquet",
        shallow=False,
    )
    ref = pd.read_parquet(tmp_path / "none" / "timeseries.parquet")
    got = pd.read_parquet(tmp_path / "never" / "timeseries.parquet")
    merged = ref.merge(got, on=["step", "metric", "scope"], how="left", suffixes=("", "_p"))
    assert merged["value_p"].notna().all()
    assert (merged["value"] == merged["value_p"]).all()
    extra = set(got["metric"]) - set(ref["metric"])
    assert all(m.split(".")[0] in NEVER_NAMES for m in extra), extra
    spent = got[got["metric"].str.endswith(".euros")]["value"].sum()
    assert spent == 0.0


def test_policy_draws_only_from_its_own_streams():
    none = run(5, "policy=none")
    pol = run(5, "policy=integrated", "policy.budget_total=200000")
    a, b = none.streams.state(), pol.streams.state()
    ours = {k for k in b if k.startswith("intervention:")}
    assert ours  # the interventions drew
    assert set(b) - ours == set(a)
    for name in a:
        assert a[name] == b[name], name  # everything else drew exactly the same numbers


# --------------------------------------------------------------------------- accounts

# policy -> overrides making capacity bind in some weeks and eligibility in others
ACCOUNTS = {
    "canvassing": [
        "policy.budget_total=15000",
        "policy.interventions.canvassing.target.neighbourhoods=lowest_trust",
        "policy.interventions.canvassing.target.share=0.01",  # at least one
    ],
    "deep_canvassing": [
        "policy.budget_total=40000",
        "policy.interventions.canvassing.end=30",
        "policy.interventions.canvassing.target.municipalities=[0]",
    ],
    "co_coaching": [
        "policy.budget_total=60000",
        "policy.interventions.co_coaching.target.municipalities=[0]",
        "policy.interventions.co_coaching.effect.coaching_weeks=6",
    ],
    "mayor_training": ["policy.budget_total=600000", "policy.interventions.mayor_training.start=5"],
    "dialogue_sessions": [
        "policy.budget_total=30000",
        "policy.interventions.dialogue_sessions.target.municipalities=[0]",
        "policy.interventions.dialogue_sessions.target.group=dutch",
    ],
    "platform_measures": [
        "policy.budget_total=1000",
        "policy.interventions.platform_measures.unit_cost=0.03",
        "policy.interventions.platform_measures.capacity=1000",
    ],
    "listening_government": [
        "policy.budget_total=50000",
        "policy.interventions.listening_government.capacity=45.5",
        "policy.interventions.listening_government.target.municipalities=[0]",
    ],
}


@pytest.mark.parametrize("policy", sorted(ACCOUNTS))
def test_weekly_accounts_are_exact(policy):
    model = run(1, f"policy={policy}", *ACCOUNTS[policy])
    (iv,) = model.policy.interventions
    ev = events(model)
    mine = ev[ev["metric"].str.startswith(f"{iv.name}.") & (ev["scope"] == "all")]
    wide = mine.pivot(index="step", columns="metric", values="value")
    wide.columns = [c.split(".", 1)[1] for c in wide.columns]
    weeks = np.arange(iv.first, iv.last + 1)
    assert list(wide.index) == list(weeks)
    cap, elig, cont, euros = (
        wide[c].to_numpy() for c in ("capacity", "eligible", "contacts", "euros")
    )
    assert np.array_equal(cont, np.minimum(cap, elig))  # contacts = min(capacity, eligible)
    assert np.allclose(euros, cont * iv.cost, rtol=0, atol=1e-9)  # euros = contacts x cost
    assert euros.sum() <= iv.budget + 1e-6
    assert iv.spent == pytest.approx(euros.sum())
    # capacity: the budget spread over the active weeks, fractions carried over, never
    # more than the budget left
    rate = iv.cfg.capacity if iv.cfg.capacity is not None else iv.budget / (iv.cost * len(weeks))
    k = np.arange(1, len(weeks) + 1)
    allowance = np.floor(rate * k + 1e-9) - np.floor(rate * (k - 1) + 1e-9)
    left = iv.budget - np.concatenate([[0.0], np.cumsum(euros)[:-1]])
    assert np.array_equal(cap, np.minimum(allowance, np.floor(left / iv.cost + 1e-9)))
    assert (cap < elig).any(), "capacity binds in some weeks"
    if policy == "platform_measures":  # every user is eligible every week: the budget binds
        assert (cap < allowance).any() and iv.budget - euros.sum() < iv.cost
    else:
        assert (cap > elig).any(), "eligibility binds in some weeks"
    if policy != "mayor_training":
        by = ev[(ev["metric"] == f"{iv.name}.contacts") & ev["scope"].str.startswith("group:")]
        assert np.array_equal(by.groupby("step")["value"].sum().to_numpy(), cont)
        vul = ev[
            (ev["metric"] == f"{iv.name}.contacts") & ev["scope"].str.startswith("vulnerable:")
        ]
        assert np.array_equal(vul.groupby("step")["value"].sum().to_numpy(), cont)
        reached = wide["reached"].to_numpy()
        assert reached[-1] == iv.reached.sum()
    if policy in ("canvassing", "deep_canvassing", "listening_government"):
        # each citizen once: eligible = target minus everyone reached before this week
        before = np.concatenate([[0.0], np.cumsum(cont)[:-1]])
        assert np.array_equal(elig, iv.target.sum() - before)


def test_capacity_from_budget_spends_it_all_when_eligibility_never_binds():
    model = run(2, "policy=deep_canvassing", "policy.budget_total=12345")
    (iv,) = model.policy.interventions
    assert iv.units == math.floor(12345 / 60.0)
    assert iv.spent == pytest.approx(iv.units * 60.0)


# --------------------------------------------------------------------------- mechanisms

ZERO = {
    "canvassing": ["trust_effect", "persuasion", "prejudice_effect"],
    "deep_canvassing": ["trust_effect", "persuasion", "prejudice_effect"],
    "co_coaching": ["trust_effect", "participation_effect", "debt_resolution"],
    "mayor_training": ["capacity_gain"],
    "dialogue_sessions": ["prejudice_effect", "moderation"],
    "platform_measures": ["bias_reduction", "diverse_follow"],
    "listening_government": ["trust_effect", "responsiveness_gain", "voice_weight"],
}
NAME = {"deep_canvassing": "canvassing"}


@pytest.mark.parametrize("policy", sorted(ZERO))
def test_effect_zero_changes_nothing(policy):
    name = NAME.get(policy, policy)
    zero = [f"policy.interventions.{name}.effect.{p}=0" for p in ZERO[policy]]
    none = run(4, "policy=none")
    acted = run(4, f"policy={policy}", "policy.budget_total=100000", *zero)
    assert acted.policy.interventions[0].units > 0  # it did act
    for field, value in none.population.arrays().items():
        assert np.array_equal(value, acted.population.arrays()[field]), field
    assert np.array_equal(none.network.online.indices, acted.network.online.indices)
    assert np.array_equal(none.tension, acted.tension)
    assert set(ZERO[policy]) | {"coaching_weeks", "team_size", "session_size"} >= set(
        acted.policy.interventions[0].p
    )


# policy -> (metric, scope, direction) it targets
TARGETS = {
    "canvassing": ("trust_mean", "all", +1),
    "deep_canvassing": ("prejudice_mean", "all", -1),
    "co_coaching": ("trust_mean", "vulnerable:yes", +1),
    "mayor_training": ("tension_mean", "all", -1),
    "dialogue_sessions": ("prejudice_mean", "all", -1),
    "platform_measures": ("bubble_index", "all", -1),
    "listening_government": ("trust_mean", "all", +1),
}
BUDGETS = {"platform_measures": (200, 2000)}
SEEDS = range(4)
DOSE_RUN = ("population.size=1000", "burn_in=20", "steps=30", "progress=false", "plot=false")


@pytest.mark.parametrize("policy", sorted(TARGETS))
def test_larger_budget_larger_paired_effect(policy):
    metric, scope, sign = TARGETS[policy]
    small, large = BUDGETS.get(policy, (20_000, 80_000))

    def level(model: CohesionModel) -> float:
        s = series(model, metric, scope)
        return float(s[len(s) // 2 :].mean())  # the second half of the run

    gain = []
    for seed in SEEDS:
        ref = level(run(seed, "policy=none", base=DOSE_RUN))
        lo = level(run(seed, f"policy={policy}", base=DOSE_RUN, budget=small)) - ref
        hi = level(run(seed, f"policy={policy}", base=DOSE_RUN, budget=large)) - ref
        gain.append(sign * (hi - lo))
    g = np.asarray(gain)
    # one-sided t test over seeds: the tolerance is the spread of the paired difference
    t = g.mean() / (g.std(ddof=1) / math.sqrt(len(g)))
    assert t > 2.353, (g.mean(), g.std(ddof=1))  # t(0.95, df=3)


# --------------------------------------------------------------------------- literature

STUDY = ["population.size=2000", "burn_in=156"]


def test_deep_canvassing_at_its_default_gives_the_pooled_effect():
    """The default k (the prior's median) gives the studies' pooled d in the simulated
    trial, lasting three months; the former k fitted to a quoted ten thermometer points
    would not."""
    pooled = pooled_for("canvassing", "deep", "prejudice_effect")[0]
    res = [studies.deep_canvassing_study(STUDY, s) for s in (0, 1)]
    weeks = studies.STUDY_WEEKS
    d13 = np.mean([r.estimate[weeks] / r.sd[weeks] for r in res])
    d1 = np.mean([r.estimate[1] / r.sd[1] for r in res])
    assert pooled.low <= d13 <= pooled.high, (d13, pooled)
    assert d13 > 0.75 * d1, (d1, d13)  # durable over three months
    old = studies.deep_canvassing_study(STUDY, 0, {"prejudice_effect": 0.28})
    assert old.estimate[weeks] / old.sd[weeks] > pooled.pred_high  # the test can tell k apart


def test_standard_canvassing_persuades_about_nobody_kalla_broockman_2018():
    res = studies.persuasion_study(STUDY, 0)
    assert abs(res.estimate[1] - studies.KB2018_POINTS) < 2.0 * res.se[1], res
    # the study would detect persuasion: a pull of a tenth of the way to the government
    # (in Almere, where opinions sit near the government's, 0.05 moves too few points for
    # 2,000 citizens to show it at 3 standard errors: 2.1)
    pushed = studies.persuasion_study(STUDY, 0, {"persuasion": 0.1})
    assert pushed.estimate[1] > 3.0 * pushed.se[1], pushed


def test_dialogue_sessions_at_their_default_give_the_judged_effect():
    mid = CONTACT_D[0]
    d = np.mean([studies.contact_study(STUDY, s).estimate[4] for s in (0, 1, 2)])
    assert abs(d - mid) < 0.06, d
    doubled = studies.contact_study(STUDY, 0, {"prejudice_effect": 0.094}).estimate[4]
    assert doubled > mid + 0.1  # the test can tell k apart


@pytest.mark.slow
def test_priors_rederived_on_the_default_town():
    """The declared priors are what the derivation gives on the default town now."""
    der = derive_deep_canvassing()
    assert der.prior.median == pytest.approx(DEEP_PREJUDICE_EFFECT, abs=0.002)
    assert (der.prior.low, der.prior.high) == pytest.approx(DEEP_PREJUDICE_RANGE, abs=0.005)
    _, contact = derive_contact()
    assert contact.median == pytest.approx(CONTACT_PREJUDICE_EFFECT, abs=0.002)
    assert (contact.low, contact.high) == pytest.approx(CONTACT_PREJUDICE_RANGE, abs=0.005)


def test_every_declared_parameter_is_a_prior_that_reaches_zero():
    """Each effect's default lies in its 90% interval, and every effect (not a design
    choice such as weeks or seats) can be zero; harm where a study found it."""
    design = {"coaching_weeks", "team_size", "session_size", "reach"}
    for kind, cls in INTERVENTIONS.items():
        for mode in cls.modes:
            for name, spec in cls.params.items():
                prior = spec.prior(mode)  # raises unless low <= default <= high
                if name not in design:
                    assert prior.low <= 0.0, (kind, mode, name, prior)
                assert prior.basis in ("evidence", "proxy", "judgement"), (kind, name)
            cost = cls.unit_cost_prior(mode)
            assert cost.low < cls.unit_cost_for(mode) < cost.high
    for kind, mode in (("canvassing", "deep"), ("dialogue_sessions", "open")):
        assert INTERVENTIONS[kind].params["prejudice_effect"].prior(mode).low < 0.0  # harm


# --------------------------------------------------------------------------- targets


def test_target_selection_filters():
    model = CohesionModel(prepare(api.compose([*SMALL, "population.size=3000", "steps=2"])))
    pop = model.population
    everyone = select(model, TargetConfig())
    assert everyone.all()
    m1 = select(model, TargetConfig(municipalities=[1]))
    assert np.array_equal(m1, pop.municipality == 1)
    g = select(model, TargetConfig(group="turkish", vulnerable="debt"))
    assert np.array_equal(g, (pop.group == pop.group_names.index("turkish")) & pop.debt)
    assert pop.n_neighbourhoods == 8
    low = select(model, TargetConfig(neighbourhoods="lowest_trust", share=0.25))
    nb_trust = np.bincount(pop.neighbourhood, weights=pop.trust) / np.bincount(pop.neighbourhood)
    assert set(np.unique(pop.neighbourhood[low])) == set(np.argsort(nb_trust)[:2])
    model.tension[:] = np.arange(pop.n_neighbourhoods)[::-1] / pop.n_neighbourhoods
    ranked = TargetConfig(neighbourhoods="highest_tension", share=0.01, municipalities=[1])
    tense = select(model, ranked)
    in_m1 = np.unique(pop.neighbourhood[pop.municipality == 1])
    assert set(np.unique(pop.neighbourhood[tense])) == {in_m1.min()}


def test_ranked_target_takes_a_share_of_the_neighbourhoods_at_least_one():
    assert [ranked_count(71, s) for s in (0.07, 0.1, 0.5, 1.0, 0.001)] == [5, 7, 36, 71, 1]
    assert ranked_count(6, 0.25) == 2  # 1.5 rounds to the nearest, up
    assert ranked_count(0, 0.5) == 0


def test_choose_and_weighted_median_hand_cases():
    key = np.array([0.1, 0.9, 0.5, 0.7])
    assert choose(key, np.array([True, False, True, True]), 2).tolist() == [2, 3]
    assert choose(key, np.ones(4, bool), 9).tolist() == [0, 1, 2, 3]
    assert choose(key, np.ones(4, bool), 0).tolist() == []
    assert choose(key, np.ones(4, bool), 1).tolist() == [1]  # a single contact
    x = np.array([0.1, 0.2, 0.9])
    assert weighted_median(x, np.ones(3)) == 0.2
    assert weighted_median(x, np.array([1.0, 1.0, 5.0])) == 0.9


def test_sampling_keys_by_hand():
    from sim.interventions.base import sampling_keys

    u = np.array([0.5, 0.25, 0.9, 0.1])
    assert sampling_keys(u, None) is u  # no weights: the draws themselves
    got = sampling_keys(u, np.array([1.0, 2.0, 0.0, 0.5]))
    want = [np.log(0.5), np.log(0.25) / 2.0, -np.inf, np.log(0.1) / 0.5]
    np.testing.assert_array_equal(got, want)
    # the largest weight wins when the draws are equal; weight 0 never does
    same = np.full(3, 0.3)
    assert choose(sampling_keys(same, np.array([0.0, 1.0, 3.0])), np.ones(3, bool), 1).tolist() == [
        2
    ]


def test_a_weighted_citizen_intervention_reaches_the_largest_keys():
    # canvassing runs the base class's week; weights as a plug-in's would give them
    model = CohesionModel(typed(*SMALL, "policy=canvassing"))
    iv = model.policy.interventions[0]
    iv.begin()
    n = model.population.size
    w = np.where(np.arange(n) % 2 == 0, 0.0, 1.0 + np.arange(n) % 3)
    iv.weights = lambda: w
    u = copy.deepcopy(iv.stream).random(n)
    with np.errstate(divide="ignore"):
        key = np.where(w > 0, np.log(u) / np.where(w > 0, w, 1.0), -np.inf)
    want = choose(key, iv.eligible(), 50)
    iv.week(50)
    assert np.flatnonzero(iv.reached).tolist() == want.tolist()
    assert len(want) == 50 and (w[want] > 0).all()  # nobody of weight 0
    # heavier citizens are reached more often than their share
    assert w[want].mean() > w[w > 0].mean()


def test_self_selection_and_outreach_reach_different_people():
    open_ = run(6, "policy=dialogue_sessions", "policy.budget_total=6000")
    reach = run(
        6,
        "policy=dialogue_sessions",
        "policy.budget_total=6000",
        "policy.interventions.dialogue_sessions.mode=outreach",
        "policy.interventions.dialogue_sessions.unit_cost=60",
    )
    p0 = open_.population.prejudice_base
    a, b = open_.policy.interventions[0], reach.policy.interventions[0]
    assert a.reached.sum() == b.reached.sum() == 100
    assert p0[b.reached].mean() > p0.mean() > p0[a.reached].mean()


def test_listening_moves_the_government_towards_the_heard():
    model = run(
        7,
        "policy=listening_government",
        "policy.budget_total=100000",
        "policy.interventions.listening_government.target.municipalities=[0]",
        "policy.interventions.listening_government.effect.voice_weight=5",
    )
    none = run(7, "policy=none")
    x = none.population.opinion
    heard_side = np.median(x[none.population.municipality == 0]) - np.median(x)
    shift = model.government.position - none.government.position
    assert np.sign(shift) == np.sign(heard_side) and shift != 0.0
    assert model.government.responsiveness > none.government.responsiveness


def test_what_canvassers_and_coaches_hear_reaches_the_listening_government():
    """In a package, the listening government counts everyone heard by any lever: its
    responsiveness rises with that share, more than with its own councils alone."""
    key = "policy.interventions"
    common = ["policy=integrated", "policy.budget_total=60000", "steps=10"]
    model = CohesionModel(prepare(api.compose([*SMALL, *common])))
    for _ in range(10):
        model.step()
    ivs = {iv.name: iv for iv in model.policy.interventions}
    reached = ivs["deep_canvassing"].reached | ivs["co_coaching"].reached
    assert (model.heard >= (reached | ivs["listening_government"].reached)).all()
    assert (model.heard & ~ivs["listening_government"].reached).any()  # heard by others
    lg = ivs["listening_government"]
    coverage = (model.heard & lg.target).sum() / lg.target.sum()
    r = lg.r0 * (1.0 + lg.p["responsiveness_gain"] * coverage)
    assert model.government.responsiveness == pytest.approx(min(1.0, r))
    alone = lg.reached.sum() / lg.target.sum()
    assert coverage > alone  # canvassers and coaches added to what the government heard
    # without the other levers (their shares zero), only the councils count
    quiet = CohesionModel(
        prepare(
            api.compose(
                [*SMALL, *common, f"{key}.deep_canvassing.share=0", f"{key}.co_coaching.share=0"]
            )
        )
    )
    for _ in range(10):
        quiet.step()
    q = {iv.name: iv for iv in quiet.policy.interventions}["listening_government"]
    assert (quiet.heard == q.reached).all()


def _deepening(partner: str, *extra: str) -> tuple[CohesionModel, np.ndarray]:
    """A model with one deepening partner, stepped one week; prejudice before the week."""
    others = [m for m in DeepeningSessions.modes if m != partner]
    off = [f"policy.interventions.{m}.share=0" for m in others]
    off.append(f"policy.interventions.{partner}.share=1")
    # three sessions a week over the 40 weeks at EUR 2,500
    cfg = [*SMALL, "policy=deepening_sessions", "policy.budget_total=300000", *off, *extra]
    model = CohesionModel(prepare(api.compose(cfg)))
    before = model.population.prejudice.copy()
    model.step()
    return model, before


def test_deepening_sessions_reach_the_partners_people_and_the_mayors():
    pop_of = lambda m: m.population  # noqa: E731
    model, _ = _deepening("schools")
    iv = {i.name: i for i in model.policy.interventions}["schools"]
    pop = pop_of(model)
    assert iv.units > 0 and iv.reached.sum() > 0
    assert (pop.age_band[iv.reached] == AGE_BANDS.index("15-24")).all()
    # sessions go to the municipalities with the fewest so far: spread one each first
    assert iv.sessions.max() - iv.sessions.min() <= 1
    # the mayor's capacity where a session was held (one each in the first week):
    # c -> c0 + h s (1 - c0), s the share of the municipality's citizens it reached
    assert iv.sessions.max() == 1
    h = iv.p["mayor_gain"]
    c0 = model.cfg.dynamics.tension.mayor_capacity
    cap = np.array([m.mayor_capacity for m in model.municipalities])
    k = pop.n_municipalities
    s = np.bincount(pop.municipality[iv.reached], minlength=k) / np.bincount(
        pop.municipality, minlength=k
    )
    assert np.allclose(cap, c0 + h * s * (1 - c0))
    assert (cap[iv.sessions > 0] > c0).all()
    # every citizen reached counts as heard
    assert model.heard[iv.reached].all()
    # contacts (sessions) = min(capacity, eligible), euros = sessions x unit cost
    ev = events(model)
    row = ev[(ev["metric"].str.startswith("schools.")) & (ev["scope"] == "all")]
    v = dict(zip(row["metric"], row["value"], strict=True))
    assert v["schools.contacts"] == min(v["schools.capacity"], v["schools.eligible"])
    assert v["schools.euros"] == v["schools.contacts"] * iv.cost


def test_deepening_sessions_with_opponents_reach_the_most_prejudiced_first():
    model, before = _deepening(
        "asylum_opponents", "policy.interventions.asylum_opponents.target={}"
    )
    iv = {i.name: i for i in model.policy.interventions}["asylum_opponents"]
    pop = model.population
    for m in np.flatnonzero(iv.sessions):
        here = pop.municipality == m
        reached, rest = iv.reached & here, ~iv.reached & here
        assert before[reached].min() >= before[rest].max()


def test_deepening_sessions_at_zero_effects_change_nothing():
    zero = [
        f"++policy.interventions.{m}.effect.{p}=0"
        for m in DeepeningSessions.modes
        for p in ("trust_effect", "prejudice_effect", "mayor_gain")
    ]
    none = run(4, "policy=none")
    acted = run(4, "policy=deepening_sessions", "policy.budget_total=100000", *zero)
    assert all(iv.units > 0 for iv in acted.policy.interventions)
    for field, value in none.population.arrays().items():
        assert np.array_equal(value, acted.population.arrays()[field]), field
    assert np.array_equal(none.tension, acted.tension)


def test_platform_measures_lower_the_bias_while_they_run():
    model = CohesionModel(
        prepare(
            api.compose(
                [
                    *SMALL,
                    "policy=platform_measures",
                    "policy.budget_total=1e6",
                    "policy.interventions.platform_measures.end=3",
                ]
            )
        )
    )
    base = model.cfg.dynamics.algorithmic_bias
    model.step()
    assert model.algorithmic_bias == pytest.approx(base * 0.5)  # everyone covered
    model.run(3)
    assert model.algorithmic_bias == base


def test_mayor_training_raises_capacity_where_tension_is_highest():
    model = run(8, "policy=mayor_training", "policy.budget_total=100000")
    cap = np.array([m.mayor_capacity for m in model.municipalities])
    trained = model.policy.interventions[0].trained
    assert trained.sum() == 20
    gain = model.policy.interventions[0].p["capacity_gain"]
    assert gain == 0.01  # the default
    assert np.allclose(cap, 0.5 + 0.5 * (1 - (1 - gain) ** trained))


def test_co_coaching_only_coaches_the_vulnerable_and_clears_debts():
    none = run(9, "policy=none")
    model = run(
        9,
        "policy=co_coaching",
        "policy.budget_total=60000",
        "policy.interventions.co_coaching.target.vulnerable=null",
        "policy.interventions.co_coaching.effect.debt_resolution=0.5",
    )
    iv = model.policy.interventions[0]
    # no shock in this future, so only coaching changes who is vulnerable
    assert iv.reached.any() and none.population.vulnerable[iv.reached].all()
    assert model.population.debt.sum() < none.population.debt.sum()


# --------------------------------------------------------------------------- config


@pytest.mark.parametrize(
    ("overrides", "key", "says"),
    [
        (
            ["policy=canvassing", "+policy.interventions.canvassing.effect.charm=1"],
            "policy.interventions.canvassing.effect.charm",
            "allowed: trust_effect",
        ),
        (
            ["policy=canvassing", "policy.interventions.canvassing.effect.persuasion=2"],
            "policy.interventions.canvassing.effect.persuasion",
            "[0, 1]",
        ),
        (
            ["policy=canvassing", "policy.interventions.canvassing.mode=shouting"],
            "policy.interventions.canvassing.mode",
            "standard, deep",
        ),
        (
            ["policy=integrated", "policy.interventions.co_coaching.share=0.9"],
            "policy.interventions",
            "at most 1",
        ),
        (
            ["policy=canvassing", "policy.interventions.canvassing.kind=downturn"],
            "policy.interventions.canvassing.kind",
            "a policy cannot hold it",
        ),
        (
            ["policy=canvassing", "policy.interventions.canvassing.kind=sim.model:CohesionModel"],
            "policy.interventions.canvassing.kind",
            "never code to import",
        ),
        (
            ["policy=canvassing", "policy.interventions.canvassing.target.group=aliens"],
            "policy.interventions.canvassing.target.group",
            "dutch",
        ),
        (
            ["policy=canvassing", "policy.interventions.canvassing.target.municipalities=[7]"],
            "policy.interventions.canvassing.target.municipalities[0]",
            "[0, 3]",
        ),
        (
            ["policy=canvassing", "policy.interventions.canvassing.end=0"],
            "policy.interventions.canvassing.end",
            "before start",
        ),
        (["policy=canvassing", "policy.budget=-1"], "policy.budget", "at least 0"),
        (
            ["policy=co_coaching", "policy.interventions.co_coaching.effect.coaching_weeks=2.5"],
            "policy.interventions.co_coaching.effect.coaching_weeks",
            "whole number",
        ),
    ],
)
def test_bad_policy_values_are_refused(overrides, key, says):
    with pytest.raises(ConfigError) as err:
        prepare(api.compose([*SMALL, *overrides]))
    assert err.value.key == key
    assert says in str(err.value)


def test_uncertainty_ranges_cover_the_defaults():
    for name in POLICIES:
        typed = prepare(api.compose([f"policy={name}"]))
        for key, r in registered_ranges(typed, INTERVENTIONS).items():
            lo, hi = r.low, r.high
            iv_name = key.split(".")[2]
            pname = key.rsplit(".", 1)[1]
            iv = typed.policy.interventions[iv_name]
            cls = INTERVENTIONS[iv.kind]
            default = cls.params[pname].value(iv.mode or cls.modes[0])
            assert lo <= default <= hi, key
            assert cls.params[pname].source, key  # every default names its source


# --------------------------------------------------------------------------- every pair


PAIR_RUN = [
    "population.size=400",
    "population.neighbourhood_size=100",
    "burn_in=2",
    "metrics_every=5",
    "progress=false",
    "plot=false",
]


def _compressed(future: str) -> list[str]:
    """Overrides that bring every scheduled shock of a future into the first 30 weeks."""
    cfg = prepare(api.compose([f"scenario={future}"]))
    out = []
    for i, (name, shock) in enumerate(cfg.scenario.shocks.items()):
        if shock.week is not None or shock.date is not None:
            out.append(f"scenario.shocks.{name}.week={2 + 4 * i}")
        if shock.date is not None:
            out.append(f"scenario.shocks.{name}.date=null")
        out.append(f"scenario.shocks.{name}.duration=4")
    return out


def _every_policy(future: str, steps: int, overrides: list[str]) -> None:
    none = None
    world = typed(*PAIR_RUN, f"steps={steps}", f"scenario={future}", *overrides)
    for policy in POLICIES:
        cfg = copy.deepcopy(world)
        cfg.policy = typed(f"policy={policy}").policy  # a policy is independent of the future
        # a small town for a few weeks: ten times the shipped intensity, so that every
        # lever can buy a unit (one trainee of a mayor's team costs EUR 5,000)
        cfg.policy.budget *= 10
        model = CohesionModel(cfg)
        model.run()
        assert model.steps == steps
        assert np.isfinite(model.records).all()
        for arr in (model.population.trust, model.population.opinion, model.population.prejudice):
            assert ((arr >= 0) & (arr <= 1)).all()
        if policy == "none":
            none = model
        else:
            assert model.policy.spent > 0
            assert model.policy.spent <= model.policy.budget + 1e-6
    assert none is not None
    fired = {e[1] for e in none.events if e[1].startswith("shock.")}
    wanted = {f"shock.{s.name}" for s in none.future.shocks if s.week and 1 <= s.week <= steps}
    assert wanted <= fired, wanted - fired


@pytest.mark.parametrize("future", FUTURES)
def test_every_policy_runs_in_every_future(future):
    _every_policy(future, 30, _compressed(future))


@pytest.mark.slow
@pytest.mark.parametrize("future", FUTURES)
def test_every_policy_runs_in_every_future_over_its_own_weeks(future):
    cfg = prepare(api.compose([f"scenario={future}"]))
    weeks = [s.week or 0 for s in cfg.scenario.shocks.values()]
    weeks += [week_of(s.date, cfg.start_date) for s in cfg.scenario.shocks.values() if s.date]
    _every_policy(future, max(140, *weeks), [])  # up to the last scheduled shock


# --------------------------------------------------------------------------- files name no code

CODE_FILES = {
    "target_at_top": ("policy", "name: evil\n_target_: os.system\n", "policy._target_"),
    "target_in_effect": (
        "policy",
        "name: evil\ninterventions:\n  x:\n    kind: canvassing\n"
        "    effect: {_target_: subprocess.run}\n",
        "policy.interventions.x.effect._target_",
    ),
    "import_path_kind": (
        "policy",
        "name: evil\ninterventions:\n  x:\n    kind: os:system\n",
        "policy.interventions.x.kind",
    ),
    "scenario_target": ("scenario", "name: evil\n_target_: builtins.exec\n", "scenario._target_"),
    "scenario_import_kind": (
        "scenario",
        "name: evil\nshocks:\n  x: {kind: builtins.eval, week: 2}\n",
        "scenario.shocks.x.kind",
    ),
}


def _evil_dir(tmp_path: Path, group: str, text: str) -> Path:
    d = tmp_path / "mine" / group
    d.mkdir(parents=True)
    (d / "evil.yaml").write_text(text)
    return tmp_path / "mine"


@pytest.mark.parametrize("case", sorted(CODE_FILES))
def test_files_naming_code_are_refused(tmp_path, case):
    from sim.cli import prevalidate

    group, text, key = CODE_FILES[case]
    user = _evil_dir(tmp_path, group, text)
    msg = prevalidate(["-cd", str(user), f"{group}=evil"])
    assert msg is not None and msg.startswith(key), msg
    assert "data" in msg and "code" in msg, msg  # says why
    assert "\n" not in msg


def test_cli_refuses_a_policy_naming_code_and_runs_nothing(tmp_path, cli_env):
    import subprocess

    from .conftest import CLI

    marker = tmp_path / "ran"
    user = _evil_dir(
        tmp_path, "policy", f"name: evil\n_target_: pathlib.Path.touch\n_args_: ['{marker}']\n"
    )
    out = tmp_path / "run"
    proc = subprocess.run(
        [*CLI, "-cd", str(user), "policy=evil", f"hydra.run.dir={out}"],
        capture_output=True,
        text=True,
        env=cli_env,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 1
    lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and "not allowed" in lines[0], proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout
    assert not out.exists() and not marker.exists()


def test_every_kind_and_parameter_is_documented():
    text = (ROOT / "docs" / "interventions.md").read_text()
    for kind, cls in INTERVENTIONS.builtin.items():
        assert f"### {kind}" in text, kind
        for name in cls.params:
            assert f"`{name}`" in text, (kind, name)
    for policy in POLICIES:
        assert f"`{policy}`" in text, policy
    for future in FUTURES:
        assert f"`{future}`" in text, future
