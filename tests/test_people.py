"""Real people: three kinds of trust starting from CBS's shares, and what is refused."""

from __future__ import annotations

import numpy as np
import pytest
from omegaconf import OmegaConf

from sim import api, people
from sim.config import ConfigError
from sim.population import build_population
from sim.prepare import prepare

#: The drivers of polarised_platforms, set back to 1 to keep only its shocks.
DRIVEN = ("algorithmic_bias", "unfollow", "online_share_mean")
#: CBS, Sociale samenhang en welzijn 2022: share of persons aged 15 and over with very
#: much or fairly much trust (data/cbs_trust.csv; rule of law: mean of police and judges).
CBS_2022 = {"politics": 0.304, "rule_of_law": (0.770 + 0.766) / 2, "people": 0.66}


@pytest.fixture(scope="module")
def country():
    cfg = OmegaConf.to_object(api.compose(["population=netherlands", "population.fraction=0.01"]))
    return cfg, build_population(cfg.population, 0.2, 0.05, np.random.SeedSequence(11))


def _arrays(pop):
    return {
        "politics": pop.trust,
        "rule_of_law": pop.trust_rule_of_law,
        "people": pop.trust_people,
    }


def test_every_kind_starts_at_cbs_national_share(country):
    _, pop = country
    for kind, t in _arrays(pop).items():
        # the levels add CBS's education and origin gaps on the probit scale, so the
        # country's share is CBS's within that approximation
        assert (t > 0.5).mean() == pytest.approx(CBS_2022[kind], abs=0.025), kind


def test_every_cell_starts_at_its_share_by_education_and_origin(country):
    cfg, pop = country
    origins = [cfg.population.groups[g].origin for g in pop.group_names]
    for kind, t in _arrays(pop).items():
        want = people.cell_shares(kind, "2022", origins)
        for e in range(3):
            for g in range(len(origins)):
                cell = (pop.education == e) & (pop.group == g)
                n = int(cell.sum())
                if n < 400:
                    continue
                se = np.sqrt(want[e, g] * (1 - want[e, g]) / n)
                assert abs((t[cell] > 0.5).mean() - want[e, g]) < 4 * se + 1e-9, (kind, e, g)


def test_the_published_gaps_are_kept():
    # CBS 2017 (82378NED): trust rises with education for every kind; migrants of
    # Turkish, Moroccan and Surinamese origin trust other people less than the Dutch
    origins = ["netherlands", "turkey", "morocco", "suriname"]
    for kind in people.TRUST_KINDS:
        s = people.cell_shares(kind, "2022", origins)
        assert (np.diff(s, axis=0) > 0).all(), kind
    p = people.cell_shares("people", "2022", origins)
    assert (p[:, 1:] < p[:, :1]).all()
    # and the levels are the published ones where there is no gap to add
    assert people.cbs_share("parliament", "total", "total", "2022") == 0.304
    assert people.cbs_share("people", "origin", "Turkish", "2012-2019pooled") == 0.36


def test_a_year_without_cbs_shares_is_refused_in_one_line():
    for year in ("2018", "2030"):
        with pytest.raises(ConfigError) as err:
            prepare(api.compose([f"population.trust_year={year}"]))
        assert err.value.key == "population.trust_year"
        assert "2022" in str(err.value) and "\n" not in str(err.value)


def test_a_fixed_political_trust_mean_skips_the_levels():
    cfg = OmegaConf.to_object(api.compose(["population.trust_mean=0.45", "population.size=4000"]))
    pop = build_population(cfg.population, 0.2, 0.05, np.random.SeedSequence(2))
    low, high = pop.trust[pop.education == 0], pop.trust[pop.education == 2]
    assert abs(low.mean() - high.mean()) < 0.02  # no education gap in political trust
    assert pop.trust_people[pop.education == 2].mean() > pop.trust_people[pop.education == 0].mean()


def test_targeting_by_religion_is_refused_in_one_line():
    with pytest.raises(ConfigError) as err:
        prepare(
            api.compose(
                ["policy=canvassing", "+policy.interventions.canvassing.target.muslim=true"]
            )
        )
    assert err.value.key.endswith("target.muslim")
    assert "religion" in str(err.value) and "\n" not in str(err.value)


def test_the_trust_file_damaged_is_named(tmp_path, monkeypatch):
    from sim import datafiles

    bad = tmp_path / "cbs_trust.csv"
    bad.write_text(
        "measure,breakdown,category,period,share,source\npeople,total,total,2022,1.7,x\n"
    )
    monkeypatch.setattr(datafiles, "data_file", lambda name: bad)
    monkeypatch.setattr(people, "data_file", lambda name: bad)
    people.cbs_trust.cache_clear()
    try:
        with pytest.raises(datafiles.DataError, match=r"cbs_trust\.csv is damaged"):
            people.cbs_trust()
    finally:
        people.cbs_trust.cache_clear()


def test_the_cbs_comparison_runs_small_and_names_its_periods():
    from sim.analysis import cbs

    table = cbs.compare(["population.size=600", "burn_in=4"], seeds=1, weeks=4)
    kinds = set(table["metric"])
    assert {"trust_politics_share", "trust_rule_of_law_share", "trust_people_share"} <= kinds
    assert {"turnout_parliament", "turnout_municipal", "turnout_referendum"} <= kinds
    all_rows = table[table["scope"] == "all"].set_index("metric")
    assert all_rows.loc["trust_politics_share", "published"] == 0.304
    assert all_rows.loc["turnout_referendum", "published"] == pytest.approx(0.3228)
    assert 0.0 < all_rows.loc["turnout_referendum", "model"] < 1.0
    age = table[table["scope"].str.startswith("age:")]
    assert set(age["period"]) == {"2012-17"} and len(age) == 4


def test_prejudice_towards_muslims_starts_at_pews_share(country):
    _, pop = country
    others = ~pop.muslim
    assert (pop.prejudice_muslims[pop.muslim] == 0.0).all()
    share = (pop.prejudice_muslims[others] > 0.5).mean()
    assert share == pytest.approx(0.35, abs=0.01)  # Pew 2016: 35% unfavourable
    assert 0.03 < pop.muslim.mean() < 0.08  # CBS 2015: about 6% of persons 15 and over


def test_prejudice_towards_muslims_by_hand():
    from sim.config import PrejudiceConfig
    from sim.dynamics.encounters import Encounters
    from sim.dynamics.prejudice import prejudice_towards_muslims

    # 0 meets 1 (a Muslim) within bound; 2 meets 3 (not Muslim); 4 meets 1 out of bound
    enc = Encounters(
        a=np.array([0, 2, 4]),
        b=np.array([1, 3, 1]),
        online=np.zeros(3, bool),
        entry=np.full(3, -1),
        distance=np.array([0.1, 0.1, 0.5]),
    )
    muslim = np.array([False, True, False, False, False])
    pm = np.array([0.4, 0.0, 0.4, 0.4, 0.4])
    pm0 = np.array([0.3, 0.0, 0.3, 0.3, 0.3])
    cfg = PrejudiceConfig(contact_effect=0.5, tension_effect=0.1, relaxation=0.2)
    tension_here = np.array([0.0, 0.5, 0.0, 0.0, 0.5])
    prejudice_towards_muslims(pm, pm0, muslim, np.full(5, 0.2), tension_here, enc, cfg)
    v0 = 0.4 - 0.5 * 0.4  # a favourable contact with a Muslim halves it
    v0 += 0.2 * (0.3 - v0)
    v2 = 0.4 + 0.2 * (0.3 - 0.4)  # contact with a non-Muslim: only relaxation
    v4 = 0.4 + 0.1 * 0.5 * 0.6  # out of bound: no contact; tension raises it
    v4 += 0.2 * (0.3 - v4)
    np.testing.assert_allclose(pm, [v0, 0.0, v2, v2, v4])


def test_a_diaspora_conflict_raises_prejudice_towards_muslims_outside_the_group():
    from sim.model import CohesionModel

    base = ["population.size=3000", "burn_in=0", "steps=10", "seed=4"]
    shock = [
        "scenario=polarised_platforms",
        "~scenario.shocks.disinformation",
        "~scenario.shocks.referendum",
        "scenario.shocks.diaspora.week=1",
        *(f"scenario.drivers.{d}=1.0" for d in DRIVEN),
    ]
    a, b = (
        CohesionModel(prepare(api.compose([*base, *shock]))),
        CohesionModel(prepare(api.compose(base))),
    )
    a.run(10)
    b.run(10)
    pa, pb = a.population, b.population
    turkish = pa.group == pa.group_names.index("turkish")
    out = ~turkish & ~pa.muslim
    rise = pa.prejudice_muslims[out].mean() - pb.prejudice_muslims[out].mean()
    assert rise > 0.02  # ten weeks of 0.005 x 0.86 of the room left, and more tension
    assert (pa.prejudice_muslims[pa.muslim] == 0.0).all()
