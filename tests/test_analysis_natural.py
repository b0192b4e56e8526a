"""Natural-unit effects on hand-built time series, each expectation worked out by hand."""

from __future__ import annotations

import pandas as pd
import pytest

from sim.analysis.natural import natural_differences, natural_effects


def _run(policy, seed, steps, scope="all", citizens=100.0, events=(), **metrics):
    """Rows of one run: each metric's values at ``steps``, plus events (step, metric, v)."""
    rows = [
        {"policy": policy, "seed": seed, "step": s, "metric": m, "scope": scope, "value": v}
        for m, values in metrics.items()
        for s, v in zip(steps, values, strict=True)
    ]
    rows.append(
        {"policy": policy, "seed": seed, "step": 0, "metric": "citizens", "scope": scope,
         "value": citizens}
    )  # fmt: skip
    rows += [
        {"policy": policy, "seed": seed, "step": s, "metric": m, "scope": scope, "value": v}
        for s, m, v in events
    ]
    return rows


FLAT = {
    "trust_rule_of_law_share": [0.7] * 4,
    "trust_people_share": [0.6] * 4,
}


def _series():
    steps = [0, 1, 2, 3]
    rows = _run(
        "none",
        0,
        steps,
        trust_politics_share=[0.3, 0.3, 0.3, 0.3],
        prejudice_mean=[0.3, 0.3, 0.3, 0.30],
        prejudice_sd=[0.1, 0.1, 0.1, 0.1],
        tense_neighbourhoods=[0, 2, 2, 1],
        bridging_contacts=[10, 10, 10, 10],
        events=[(2, "turnout", 0.50)],
        **FLAT,
    )
    rows += _run(
        "talk",
        0,
        steps,
        trust_politics_share=[0.3, 0.4, 0.5, 0.5],
        prejudice_mean=[0.3, 0.29, 0.28, 0.27],
        prejudice_sd=[0.2, 0.2, 0.2, 0.2],  # the policy run's spread is not the unit
        tense_neighbourhoods=[0, 1, 1, 0],
        bridging_contacts=[10, 12, 15, 11],
        events=[(2, "turnout", 0.53), (2, "turnout_parliament", 0.7)],
        **FLAT,
    )
    # another scope, to be ignored, and a policy run without a partner
    rows += _run("talk", 0, steps, scope="group:a", trust_politics_share=[1.0] * 4)
    rows += _run("talk", 9, steps, trust_politics_share=[1.0] * 4, **FLAT)
    return pd.DataFrame(rows)


def test_natural_units_of_one_pair_by_hand():
    d = natural_differences(_series())
    got = dict(zip(d["measure"], d["diff"], strict=True))
    assert set(d["seed"]) == {0} and set(d["policy"]) == {"talk"}
    # 0.1 + 0.2 + 0.2 of 100 citizens for a week each: 50 person-weeks
    assert got["person_years_trusting_politics"] == pytest.approx(50 / 52)
    assert got["person_years_trusting_rule_of_law"] == pytest.approx(0.0)
    assert got["person_years_trusting_people"] == pytest.approx(0.0)
    row = d[d["measure"] == "person_years_trusting_politics"].iloc[0]
    assert row["baseline_value"] == pytest.approx(0.3 * 100 * 3 / 52)
    assert row["unit"] == "person-years"
    # (0.27 - 0.30) / 0.1, the baseline's spread at week 0
    assert got["prejudice_in_sd"] == pytest.approx(-0.3)
    assert got["turnout_points"] == pytest.approx(3.0)
    assert "turnout_points_parliament" not in got  # the baseline logged none
    assert got["tense_neighbourhood_weeks"] == pytest.approx(2 - 5)
    assert got["cross_group_contacts"] == pytest.approx(38 - 30)


def test_records_every_two_weeks_count_for_two_weeks_each():
    steps = [0, 2, 4]
    rows = _run("none", 0, steps, citizens=52.0, trust_politics_share=[0.5, 0.5, 0.5],
                bridging_contacts=[3, 3, 3])  # fmt: skip
    rows += _run("talk", 0, steps, citizens=52.0, trust_politics_share=[0.5, 0.75, 1.0],
                 bridging_contacts=[3, 4, 6])  # fmt: skip
    got = natural_differences(pd.DataFrame(rows)).set_index("measure")["diff"]
    # (0.25 x 2 + 0.5 x 2) weeks x 52 citizens / 52 = 1.5 person-years
    assert got["person_years_trusting_politics"] == pytest.approx(1.5)
    assert got["cross_group_contacts"] == pytest.approx(1 * 2 + 3 * 2)


def test_effects_average_the_pairs_with_a_t_interval():
    rows = []
    for seed, gain in ((0, 0.1), (1, 0.3)):
        rows += _run("none", seed, [0, 1], citizens=52.0, trust_politics_share=[0.2, 0.2])
        rows += _run("talk", seed, [0, 1], citizens=52.0, trust_politics_share=[0.2, 0.2 + gain])
    e = natural_effects(pd.DataFrame(rows)).set_index("measure")
    r = e.loc["person_years_trusting_politics"]
    assert r["n"] == 2
    assert r["effect"] == pytest.approx(0.2)  # gains of 0.1 and 0.3 person-years
    assert r["sd"] == pytest.approx(2**0.5 * 0.1)
    half = 12.706204736 * r["sd"] / 2**0.5  # t(0.975, 1)
    assert (r["ci_low"], r["ci_high"]) == pytest.approx((0.2 - half, 0.2 + half))


def test_a_run_without_its_citizens_or_with_two_baselines_is_refused():
    no_size = pd.DataFrame(_run("none", 0, [0, 1], trust_politics_share=[0.1, 0.1]))
    no_size = no_size[no_size["metric"] != "citizens"]
    with pytest.raises(ValueError, match="citizens"):
        natural_differences(no_size)
    none = _run("none", 0, [0, 1], trust_politics_share=[0.1, 0.1])
    talk = _run("talk", 0, [0, 1], trust_politics_share=[0.1, 0.2])
    runs = [pd.DataFrame(r).assign(run=i) for i, r in enumerate((none, none, talk))]
    with pytest.raises(ValueError, match="several 'none' runs"):
        natural_differences(pd.concat(runs))
    assert len(natural_differences(pd.concat([runs[0], runs[2]]))) > 0
