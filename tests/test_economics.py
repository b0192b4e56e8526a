"""Cost-effectiveness: ICERs, the efficiency frontier and acceptability curves, by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim.analysis.economics import ceac, icer_table, incremental


def _draws(rows):
    return pd.DataFrame(rows, columns=["seed", "policy", "effect", "cost"])


def test_frontier_with_dominance_and_extended_dominance():
    # means: A (100, 1), B (300, 2), C (200, 0.5), D (400, 4)
    d = _draws(
        [
            (0, "A", 1.0, 100.0),
            (0, "B", 2.0, 300.0),
            (0, "C", 0.5, 200.0),
            (0, "D", 4.0, 400.0),
        ]
    )
    t = icer_table(d).set_index("policy")
    assert list(t.index) == ["none", "A", "C", "B", "D"]  # by cost
    assert t.loc["C", "status"] == "dominated"  # dearer than A and worse
    # none -> A costs 100 a unit, A -> B 200, B -> D 50: B is beaten by a mix of A and D
    assert t.loc["B", "status"] == "extendedly dominated"
    assert t.loc["A", "icer"] == pytest.approx(100.0)
    assert t.loc["D", "icer"] == pytest.approx(100.0)  # (400 - 100) / (4 - 1)
    assert t.loc["D", "icer_vs_none"] == pytest.approx(100.0)
    assert np.isnan(t.loc["B", "icer"]) and np.isnan(t.loc["none", "icer"])


def test_a_harmful_policy_has_no_icer_against_nothing():
    t = icer_table(_draws([(0, "bad", -1.0, 50.0)])).set_index("policy")
    assert t.loc["bad", "status"] == "dominated" and np.isnan(t.loc["bad", "icer_vs_none"])


def test_acceptability_curve_by_hand():
    d = _draws(
        [
            (0, "A", 1.0, 100.0),
            (0, "B", 3.0, 400.0),
            (1, "A", 1.0, 100.0),
            (1, "B", 1.0, 400.0),
        ]
    )
    c = ceac(d, [0.0, 120.0, 200.0], ["seed"]).set_index(["wtp", "policy"])["p_best"]
    assert c[(0.0, "none")] == 1.0  # nothing is free
    # at 120 a unit: A's benefit 20 in both draws, B's -40 and -280: A
    assert c[(120.0, "A")] == 1.0
    # at 200: draw 0 A 100, B 200 -> B; draw 1 A 100, B -200 -> A
    assert c[(200.0, "A")] == 0.5 and c[(200.0, "B")] == 0.5
    for lam in (0.0, 120.0, 200.0):
        assert c.xs(lam, level="wtp").sum() == pytest.approx(1.0)


def test_incremental_pairs_effects_with_euros_spent():
    diffs = pd.DataFrame(
        {
            "seed": [0, 0, 1],
            "policy": ["A", "A", "A"],
            "measure": ["x", "y", "x"],
            "diff": [2.0, 9.0, -1.0],
        }
    )
    spending = pd.DataFrame({"seed": [0, 1], "policy": ["A", "A"], "euros": [10.0, 20.0]})
    inc = incremental(diffs, spending, "x", sign=-1.0)
    assert inc[["seed", "effect", "cost"]].to_numpy().tolist() == [[0, -2.0, 10.0], [1, 1.0, 20.0]]


def test_prior_study_pairs_every_policy_with_nothing_on_the_same_draws():
    from sim.analysis.prior_study import draws, effect_table, tables

    town = ["population=synthetic", "population.size=300", "burn_in=3", "steps=12"]
    series, spending = draws(("canvassing", "mayor_training"), 2, town)
    assert set(spending["policy"]) == {"none", "canvassing", "mayor_training"}
    assert (spending[spending["policy"] == "none"]["euros"] == 0).all()
    # costs are sampled from the cost prior: the same draw, different unit costs per draw
    units = spending[spending["policy"] == "canvassing"]["euros"]
    assert units.nunique() == 2 and (units > 0).all()
    table = effect_table(series, spending)
    assert list(table["policy"]) == ["canvassing", "mayor_training"]
    assert table.iloc[0]["euros spent"].startswith("+")  # median [5%, 95%]
    text = tables(series, spending)
    assert "person_years_trusting_politics" in text and "frontier" in text
