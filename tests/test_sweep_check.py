"""A sweep's jobs checked from their combination's merged config give the same configs.

The check before a sweep merges each combination of config groups into the schema once
and sets the jobs' values on copies (sim.sweep.jobs.compose_jobs with checked=True);
every job must come out as the full path makes it (about 20 s here).
"""

from __future__ import annotations

import pytest

from sim.config import ConfigError
from sim.config_typed import structured, typed
from sim.prepare import prepare
from sim.sweep.jobs import compose_jobs, expand


def test_checked_jobs_equal_the_jobs_composed_one_by_one():
    sweep = expand(
        [
            "experiment=robust_strategies",
            "seed=range(3)",
            "policy=none,canvassing",
            "scenario=calm",
            "variant=as_configured,repulsion",
            "population.size=500",
        ]
    )
    assert len(sweep.jobs) == 12
    fast = [prepare(c) for c in compose_jobs(sweep.jobs, checked=True)]
    slow = [prepare(c) for c in compose_jobs(sweep.jobs)]
    assert fast == slow
    # the values differ between jobs where they should
    assert len({(c.seed, c.policy.name, c.dynamics.influence.repulsion) for c in fast}) == 12
    assert {c.uncertainty.sample for c in fast} == {0, 1, 2}


def test_a_structured_node_converts_like_the_plain_one():
    (cfg,) = compose_jobs([["seed=4", "policy=integrated"]])
    assert typed(structured(cfg)) == typed(cfg)


@pytest.mark.parametrize(
    ("value", "message"),
    [("seed=abc", "seed: must be integer"), ("dynamics.confidence=high", "must be float")],
)
def test_a_bad_value_in_a_checked_sweep_names_its_key(value, message):
    from sim.cli import prevalidate

    assert message in (prevalidate(["-m", "seed=0,1", value]) or "")
    (added,) = compose_jobs([["seed=1", "+dynamics.trust.speed=1"]], checked=True)
    with pytest.raises(ConfigError, match="unknown key"):
        typed(added)
