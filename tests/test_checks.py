"""A NaN or out-of-range value stops the run with a message naming the rule."""

from __future__ import annotations

import numpy as np
import pytest

from sim import dynamics
from sim.checks import StateError
from sim.dynamics import trust as trust_rule
from sim.model import CohesionModel

from .conftest import small


@pytest.fixture
def broken_trust(monkeypatch):
    """Replace the trust rule with one that writes a NaN for one citizen in week 3."""
    original = trust_rule.trust
    calls = []

    def faulty(t, *args, **kwargs):
        out = original(t, *args, **kwargs)
        calls.append(1)
        if len(calls) == 3:  # the third week (no burn-in)
            t[17] = np.nan
        return out

    monkeypatch.setattr("sim.model.trust", faulty)


def test_nan_names_the_rule(broken_trust):
    m = CohesionModel(small("burn_in=0"))
    m.step()
    m.step()
    with pytest.raises(
        StateError, match=r"week 3: rule 'trust' left 1 invalid value\(s\) in 'trust'"
    ) as e:
        m.step()
    assert "citizen 17" in str(e.value)


def test_out_of_range_from_outside_a_rule_is_caught_next_week():
    m = CohesionModel(small())
    m.step()
    m.population.prejudice[5] = 1.5  # e.g. a faulty intervention
    with pytest.raises(StateError, match=r"an intervention or shock .* 'prejudice'"):
        m.step()


def test_extra_rule_is_checked_on_every_array():
    def bad(model, enc):
        model.tension[0] = -0.1

    dynamics.RULES.register("plugin_demo", bad)
    try:
        cfg = small("burn_in=0")
        cfg.scenario.rules = ["plugin_demo"]
        m = CohesionModel(cfg)
    finally:
        dynamics.RULES.unregister("plugin_demo")
    with pytest.raises(StateError, match=r"rule 'plugin_demo' .* 'tension'"):
        m.step()
