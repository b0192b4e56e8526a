"""The robust-strategies study read back, on a 12-run slice of the shipped experiment.

Two policies x one future x two structural variants x three seeds (each a posterior
member and a point of the levers' priors), 300 citizens over 4 weeks: about 30 s here.
"""

from __future__ import annotations

import pandas as pd
import pytest

from sim.analysis.robustness import Target
from sim.analysis.strategies import draws, main, summarise
from tests.conftest import run_cli


@pytest.fixture(scope="module")
def study(tmp_path_factory):
    import os

    sweep = tmp_path_factory.mktemp("robust") / "sweep"
    env = dict(os.environ)
    env.pop("HYDRA_FULL_ERROR", None)
    env["PYTHONWARNINGS"] = "ignore"
    r = run_cli(
        "experiment=robust_strategies", "seed=range(3)", "policy=none,canvassing",
        "scenario=baseline", "variant=as_configured,repulsion", "population.size=300",
        "steps=4", "burn_in=2", f"hydra.sweep.dir={sweep}", env=env, timeout=600,
    )  # fmt: skip
    assert r.returncode == 0, r.stderr[-3000:]
    return sweep


def test_draws_pair_every_policy_with_none_on_the_same_draws(study):
    d = draws(study, ["trust_politics_share"])
    assert len(d) == 12
    assert d.groupby(["context", "seed"])["policy"].nunique().eq(2).all()
    assert set(d["context"]) == {"baseline | variant=as_configured", "baseline | variant=repulsion"}
    levers = [c for c in d.columns if c.startswith("uncertain.policy.interventions.canvassing")]
    assert levers  # the canvassing runs sampled its effect and cost priors
    assert d.loc[d.policy == "canvassing", levers].notna().all().all()


def test_summary_tables_agree_with_the_draws(study):
    d = draws(study, ["trust_politics_share"])
    cut = float(d["trust_politics_share"].median())
    target = Target("trust_politics_share", ">=", cut)
    out = summarise(study, target)
    sat = out["satisficing"].set_index("policy")
    for policy, g in d.groupby("policy"):
        assert sat.loc[policy, "met"] == int((g["trust_politics_share"] >= cut).sum())
        assert sat.loc[policy, "draws"] == 6
    chosen = out["chosen"]
    assert sat.loc[chosen, "share"] == sat["share"].max()
    eff = out["effects"].set_index("policy")
    assert list(eff.index) == ["canvassing"] and eff.loc["canvassing", "draws"] == 6
    assert set(out["regret"]["policy"]) == {"none", "canvassing"}
    assert (out["regret"]["max_regret"] >= 0).all()
    fc = out["failure_contexts"]
    assert fc["failed_share"].between(0, 1).all()
    v = out["evppi"]
    assert isinstance(v, pd.DataFrame) and len(v) > 0
    assert (v["evppi"] <= v["evpi"] + 1e-12).all()
    assert v["param"].str.startswith("uncertain.policy.interventions.canvassing").all()


def test_the_command_prints_the_tables_and_refuses_a_bad_target(study, capsys):
    main([str(study), "--target", "low_trust_share<0.5"])
    text = capsys.readouterr().out
    for name in ("satisficing", "effects", "regret", "failures", "evppi"):
        assert f"== {name}" in text
    with pytest.raises(SystemExit, match="METRIC OP NUMBER"):
        main([str(study), "--target", "low_trust_share = 0.5"])


def _text(html: str) -> str:
    import re

    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", re.sub(r"<img[^>]*>", "", html)))


def test_the_sweeps_report_opens_with_the_answer_in_order(study):
    page = (study / "report" / "index.html").read_text()
    first = page.index("The answer, for the target trust_politics_share &gt;= 0.25")
    heads = [
        "1. Which strategies are robust", "2. Where", "3. At what cost", "4. When they fail",
        "5. What evidence would change the choice", "6. What the model cannot tell you",
    ]  # fmt: skip
    at = [page.index(f"<h3>{h}</h3>") for h in heads]
    assert first < at[0] and at == sorted(at)
    assert at[-1] < page.index("<h2>1. Ranking across futures</h2>")


def test_the_answer_agrees_with_the_summary(study, tmp_path):
    import shutil

    from sim.report import make_report

    d = draws(study, ["trust_politics_share"])
    cut = float(d["trust_politics_share"].median())
    target = f"trust_politics_share>={cut!r}"
    sweep = tmp_path / "copy"
    shutil.copytree(study, sweep)
    make_report(sweep, rebuild=False, target=target)
    text = _text((sweep / "report" / "index.html").read_text())
    out = summarise(sweep, target)
    chosen = out["chosen"]
    assert f"{chosen} (chosen)" in text
    sat = out["satisficing"].set_index("policy")
    for policy in sat.index:
        r = sat.loc[policy]
        assert f"{r['share']:.0%} [{r['low']:.0%}, {r['high']:.0%}] of {int(r['draws'])}" in text
        shares = out["failure_shares"]
        failed = shares.loc[shares["policy"] == policy, "failed_share"].mean()
        assert f"{policy} misses the target in {failed:.0%} of its draws" in text
    with pytest.raises(ValueError, match="METRIC OP NUMBER"):
        make_report(sweep, rebuild=False, target="trust_politics_share = 0.3")


def test_a_bad_target_is_refused_before_any_run():
    from sim.sweep.callbacks import SweepCallback

    with pytest.raises(ValueError, match=r"hydra.callbacks.sweep.target: no outcome 'trust'"):
        SweepCallback(target="trust>0.3")
    with pytest.raises(ValueError, match=r"hydra.callbacks.sweep.target: .*METRIC OP NUMBER"):
        SweepCallback(target="trust_politics_share")
    assert SweepCallback(target="low_trust_share<0.2").target == "low_trust_share<0.2"
