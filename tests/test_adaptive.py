"""Adaptive policies: the survey, the triggers, and what an adaptive intervention does.

The monitor is tested on a bare Mesa model with the few arrays it reads, so each
signpost's true share is set exactly; the interventions are tested in full runs.
"""

from __future__ import annotations

from types import SimpleNamespace

import mesa
import numpy as np
import pytest
from omegaconf import OmegaConf

from sim import api
from sim.adaptive import SIGNPOST_VALUES, Monitor
from sim.compose import compose
from sim.config import ConfigError, PolicyConfig, SurveyConfig, TriggerConfig
from sim.config import InterventionConfig as Iv
from sim.config_policy import SIGNPOSTS
from sim.prepare import prepare
from sim.streams import Streams


class Town(mesa.Model):
    """What the monitor reads: citizens' political trust in one scope, a clock, a log."""

    def __init__(self, n: int, share: float, seed: int) -> None:
        super().__init__(rng=seed)
        self.streams = Streams(seed)
        self.population = SimpleNamespace(
            size=n,
            trust=np.zeros(n),
            municipality=np.zeros(n, dtype=np.int64),
            municipality_codes=("GM0000",),
            n_municipalities=1,
        )
        self.set_share(share)
        self.events: list[tuple[str, str, float, int]] = []

    def set_share(self, share: float) -> None:
        t = self.population.trust
        t[:] = 0.2
        t[: round(share * t.shape[0])] = 0.9  # trusting: above 0.5

    def log(self, metric: str, scope: str, value: float, week: int | None = None) -> None:
        self.events.append((metric, scope, value, self.steps if week is None else week))

    def step(self) -> None:
        self.agents.do("step")

    def estimates(self) -> dict[int, float]:
        return {w: v for m, _, v, w in self.events if m == "survey.trust_politics_share"}

    def decisions(self, name: str = "listen") -> dict[str, list[int]]:
        out: dict[str, list[int]] = {}
        for m, _, _, w in self.events:
            if m.startswith(f"{name}.") and not m.endswith("active_scopes"):
                out.setdefault(m.split(".")[1], []).append(w)
        return out


def _policy(survey: SurveyConfig, **trigger: object) -> PolicyConfig:
    t = TriggerConfig(signpost="trust_politics_share", scope="municipality", **trigger)  # type: ignore[arg-type]
    return PolicyConfig(
        interventions={"listen": Iv(kind="listening_government", trigger=t)}, survey=survey
    )


def test_it_starts_after_the_survey_crosses_the_trigger_and_its_delay_and_stops_on_recovery():
    # true share 0.10, far below the trigger 0.25: every wave of 200 estimates it below
    survey = SurveyConfig(sample=200, every=13, first=13, delay=4)
    town = Town(2_000, 0.10, seed=1)
    mon = Monitor(town, _policy(survey, below=0.25, waves=2, recover=0.30))
    active = []
    for week in range(1, 80):
        if week == 45:
            town.set_share(0.50)  # the town recovers in week 45
        town.step()
        active.append(mon.any_active("listen"))
    est = town.estimates()
    assert sorted(est) == [13, 26, 39, 52, 65, 78]  # a wave each quarter from week 13
    d = town.decisions()
    # two waves below (13, 26): results of week 26 acted on 4 weeks later, in week 30
    assert d == {"started": [30], "stopped": [56]}  # the first wave after week 45 is 52
    assert est[52] >= 0.30 and est[39] < 0.25
    weeks = np.arange(1, 80)
    assert np.array_equal(np.asarray(active), (weeks >= 30) & (weeks < 56))


def test_decisions_follow_the_survey_not_the_exact_state():
    # true share 0.24, just below the trigger: samples of 20 often say otherwise
    disagree = 0
    for seed in range(12):
        town = Town(1_000, 0.24, seed=seed)
        mon = Monitor(
            town, _policy(SurveyConfig(sample=20, every=5, first=5, delay=0), below=0.25, waves=1)
        )
        started = None
        for _ in range(40):
            town.step()
            if started is None and mon.any_active("listen"):
                started = town.steps
        est = town.estimates()
        first_below = min((w for w, v in est.items() if v < 0.25), default=None)
        assert started == first_below  # delay 0: in the week of the first wave below
        disagree += sum(v >= 0.25 for v in est.values())
    assert disagree > 0  # the exact state (0.24) was below every time; the survey was not


def test_the_survey_estimate_has_the_sampling_error_of_its_sample():
    town = Town(5_000, 0.30, seed=3)
    Monitor(town, _policy(SurveyConfig(sample=100, every=1, first=1, delay=0), below=0.1))
    for _ in range(400):
        town.step()
    v = np.array(list(town.estimates().values()))
    se = np.sqrt(0.3 * 0.7 / 100 * (5_000 - 100) / (5_000 - 1))  # with the finite-population factor
    assert abs(v.mean() - 0.30) < 4 * se / np.sqrt(v.size)
    assert 0.85 * se < v.std(ddof=1) < 1.15 * se


def test_a_switch_hands_over_where_the_signpost_has_not_moved():
    survey = SurveyConfig(sample=500, every=10, first=10, delay=0)
    town = Town(1_000, 0.10, seed=2)  # never recovers
    listen = TriggerConfig(
        signpost="trust_politics_share", scope="all", below=0.25, waves=1,
        switch_after=30, min_change=0.02, switch_to="coach",
    )  # fmt: skip
    coach = TriggerConfig(signpost="trust_politics_share", scope="all", below=0.25, by_switch=True)
    policy = PolicyConfig(
        interventions={
            "listen": Iv(kind="listening_government", trigger=listen),
            "coach": Iv(kind="co_coaching", trigger=coach),
        },
        survey=survey,
    )
    mon = Monitor(town, policy)
    for _ in range(70):
        town.step()
    assert town.decisions("listen") == {"started": [10], "switched": [40]}
    assert town.decisions("coach") == {"started": [40]}
    assert not mon.any_active("listen") and mon.any_active("coach")
    assert set(SIGNPOST_VALUES) == set(SIGNPOSTS)


@pytest.fixture(scope="module")
def runs():
    common = ["population.size=2000", "steps=60", "seed=4", "burn_in=20"]
    adaptive = api.run(["policy=adaptive_listening", *common])
    fixed = api.run(["policy=listening_government", *common])
    return adaptive, fixed


def test_an_adaptive_intervention_acts_only_where_and_when_triggered(runs):
    adaptive, _ = runs
    ts = adaptive.timeseries
    active = adaptive.metric("listening.active_scopes")
    contacts = ts[(ts.metric == "listening.contacts") & (ts.scope == "all")]
    assert active.gt(0).any()
    acted = contacts[contacts.value > 0]["step"]
    assert acted.map(active).gt(0).all()  # never in a week triggered nowhere
    assert acted.min() >= 13 + 13 + 4  # two waves, then the delay
    started = ts[ts.metric == "listening.started"]
    assert started["scope"].str.startswith("neighbourhood:").all()


def test_an_adaptive_policy_spends_no_more_than_its_budget(runs):
    adaptive, fixed = runs
    a, f = adaptive.info["budget"], fixed.info["budget"]
    assert a["available"] == f["available"]
    assert a["spent"] <= a["available"] + 1e-6
    for iv in a["interventions"].values():
        assert iv["spent"] <= iv["available"] + 1e-6


def _refused(edit: dict[str, object], key: str, match: str) -> None:
    cfg = compose(["policy=adaptive_listening"])
    for k, v in edit.items():
        OmegaConf.update(cfg, k, v, force_add=True)
    with pytest.raises(ConfigError, match=match) as e:
        prepare(cfg)
    assert e.value.key == key and "\n" not in str(e.value)


@pytest.mark.parametrize(
    ("edit", "key", "match"),
    [
        ({"policy.interventions.listening.trigger.signpost": "trust"},
         "policy.interventions.listening.trigger.signpost", "a surveyed share"),
        ({"policy.interventions.listening.trigger.scope": "province"},
         "policy.interventions.listening.trigger.scope", "one of all, municipality"),
        ({"policy.interventions.listening.trigger.below": 0.0},
         "policy.interventions.listening.trigger.below", "can cross"),
        ({"policy.interventions.listening.trigger.below": 1.5},
         "policy.interventions.listening.trigger.below", "can cross"),
        ({"policy.interventions.listening.trigger.above": 0.5},
         "policy.interventions.listening.trigger", "exactly one of below or above"),
        ({"policy.interventions.listening.trigger.recover": 0.2},
         "policy.interventions.listening.trigger.recover", "at or above the trigger"),
        ({"policy.interventions.listening.trigger.switch_to": "nobody"},
         "policy.interventions.listening.trigger.switch_to", "no intervention 'nobody'"),
        ({"policy.interventions.coaching.trigger.switch_to": "listening",
          "policy.interventions.coaching.trigger.switch_after": 10},
         "policy.interventions.listening.trigger.switch_to", "cycle"),
        ({"policy.interventions.listening.trigger.switch_to": None},
         "policy.interventions.coaching.trigger.by_switch", "never start"),
        ({"policy.survey.sample": 0}, "policy.survey.sample", "at least 1"),
        ({"policy.interventions.listening.kind": "mayor_training"},
         "policy.interventions.listening.trigger", "cannot be triggered per scope"),
    ],
)  # fmt: skip
def test_bad_triggers_are_refused_with_one_line_naming_the_key(edit, key, match):
    _refused(edit, key, match)


@pytest.fixture(scope="module")
def sweep(tmp_path_factory):
    import os

    from tests.conftest import run_cli

    env = {k: v for k, v in os.environ.items() if k != "HYDRA_FULL_ERROR"}
    env["PYTHONWARNINGS"] = "ignore"

    out = tmp_path_factory.mktemp("adaptive") / "sweep"
    r = run_cli(
        "-m", "policy=none,adaptive_listening", "seed=range(2)", "population.size=1500",
        "steps=60", "burn_in=20", f"hydra.sweep.dir={out}", env=env, timeout=600,
    )  # fmt: skip
    assert r.returncode == 0, r.stderr[-3000:]
    return out


def test_the_pathways_map_agrees_with_the_weekly_count_of_active_scopes(sweep):
    from sim.analysis.load import timeseries
    from sim.analysis.pathways import activity, episodes, transitions

    spells = episodes(sweep)
    assert set(spells["policy"]) == {"adaptive_listening"}
    assert (spells["end"] > spells["start"]).all()
    act = activity(spells, 60)
    for action in ("listening", "coaching"):
        counted = timeseries(sweep, f"{action}.active_scopes").groupby("step")["value"].sum()
        mapped = act[act["action"] == action].groupby("week")["share"].sum() * 2  # two runs
        mapped = mapped.reindex(counted.index, fill_value=0.0)
        assert np.allclose(mapped.to_numpy(), counted.to_numpy()), action
    ends = transitions(spells)
    assert ends["spells"].sum() == len(spells)
    page = (sweep / "report" / "index.html").read_text()
    assert "<h2>Adaptive pathways</h2>" in page
    assert "Pathways of &#39;adaptive_listening&#39;" in page


def test_the_explorer_says_where_an_adaptive_intervention_acts(runs):
    from sim.explore.series import policy_summary

    adaptive, fixed = runs
    acc = {a.name: a for a in policy_summary(adaptive.model)}
    ts = adaptive.timeseries
    starts = int((ts.metric == "listening.started").sum())
    now = int(adaptive.metric("listening.active_scopes").iloc[-1])
    assert acc["listening"].pathway is not None
    assert acc["listening"].pathway.startswith(f"acting in {now} of ")
    assert f"so far {starts} starts" in acc["listening"].pathway
    assert all(a.pathway is None for a in policy_summary(fixed.model))
