"""EMA Workbench interop: the simulator as an EMA model, a sweep as EMA's results.

Runs ema-workbench's own ``perform_experiments`` on the wrapped model (4 tiny runs) and
reads a 4-run sweep back (about 30 s here in all, 50 s with the other core busy).
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from sim import api
from sim.analysis.ema import config_key, ema_model, ema_name, ema_results
from tests.conftest import run_cli

with warnings.catch_warnings():
    warnings.simplefilter("ignore", UserWarning)  # optional parallel back-ends absent
    import ema_workbench

TINY = ["population.size=300", "steps=4", "burn_in=2"]
OUTCOMES = ["trust_politics_share", "cohesion_index"]


def test_names_round_trip():
    assert ema_name("dynamics.trust.bad_effect") == "dynamics__trust__bad_effect"
    assert config_key(ema_name("dynamics.trust.bad_effect")) == "dynamics.trust.bad_effect"


@pytest.mark.filterwarnings("ignore::DeprecationWarning", "ignore::FutureWarning")
def test_perform_experiments_runs_the_wrapped_model():
    model = ema_model(
        {"dynamics.confidence": (0.1, 0.4)},
        policies=["none", "canvassing"],
        outcomes=OUTCOMES,
        overrides=[*TINY, "seed=2"],
    )
    policies = [ema_workbench.Sample(p, policy_config=p) for p in ("none", "canvassing")]
    experiments, outcomes = ema_workbench.perform_experiments(model, 2, policies)
    assert len(experiments) == 4
    assert set(experiments["policy"]) == {"none", "canvassing"}
    assert set(outcomes) == set(OUTCOMES)
    assert all(np.isfinite(v).all() and len(v) == 4 for v in outcomes.values())
    # an experiment is a run of the command line's path: same config, same numbers
    row = experiments.iloc[0]
    conf = float(row["dynamics__confidence"])
    res = api.run([*TINY, "seed=2", f"dynamics.confidence={conf}", f"policy={row['policy']}"])
    ts = res.timeseries.query("scope == 'all' and metric == 'cohesion_index'")
    assert outcomes["cohesion_index"][0] == pytest.approx(ts["value"].iloc[-1], rel=1e-12)


def test_ema_model_refuses_a_reversed_range():
    with pytest.raises(ValueError, match="low must be below high"):
        ema_model({"dynamics.confidence": (0.4, 0.1)})


def test_a_sweep_reads_back_as_ema_results(tmp_path, cli_env):
    sweep = tmp_path / "sweep"
    r = run_cli(
        "-m", *TINY, "progress=false", "plot=false", "policy=none,canvassing",
        "uncertainty.samples=2", "uncertainty.sample=0,1",
        "+uncertainty.params={dynamics.confidence:[0.1,0.4]}",
        f"hydra.sweep.dir={sweep}", env=cli_env,
    )  # fmt: skip
    assert r.returncode == 0, r.stderr[-2000:]
    experiments, outcomes = ema_results(sweep, OUTCOMES)
    assert len(experiments) == 4
    for col in ("dynamics__confidence", "scenario", "policy", "model"):
        assert col in experiments.columns
    assert experiments["dynamics__confidence"].between(0.1, 0.4).all()
    # each design point is one scenario shared by both policies (paired draws)
    assert experiments.groupby("scenario")["policy"].nunique().eq(2).all()
    assert all(len(v) == 4 and np.isfinite(v).all() for v in outcomes.values())
