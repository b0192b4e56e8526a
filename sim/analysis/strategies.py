"""A robust-strategies study read back: which strategy holds up, how surely, when it fails.

The study (``experiment=robust_strategies``) runs every policy on the same draws as
``none``: a draw is a future, a structural variant, a seed, and with the seed a posterior
member and a point of the levers' priors. :func:`summarise` reads the finished sweep and
answers, for one measure and one target the user states:

- ``satisficing``: per policy, the share of draws meeting the target at the last week
  (:func:`sim.analysis.robustness.satisficing`);
- ``effects``: per policy, the mean paired effect on the measure, its worst decile, the
  mean of that tail and the share of draws where it harms
  (:func:`sim.analysis.robustness.worst_decile`);
- ``regret``: per policy, the maximum and mean regret across contexts (future and
  variant), as :func:`sim.analysis.effects.ranking` computes it, on the improvement
  (the effect's sign turned where lower is better);
- ``failures``: for each policy, the PRIM box of the draws where it misses the target
  (:mod:`sim.analysis.discovery`), over the sampled parameters and the seed (which
  picks the posterior member), with the share of its draws failing in each future and
  variant; ``failures`` and ``failure_contexts`` are those of the policy chosen
  (highest satisficing share, then mean effect);
- ``evppi``: per sampled lever parameter, the expected value of partial perfect
  information about it, for the choice between the policies on their paired effects
  (:func:`sim.analysis.robustness.evppi`), with its null: the lever draws shuffled
  between seeds, since every lever value belongs to one seed, and the seed also picks
  the posterior member and the society's random numbers.

``python -m sim.analysis.strategies SWEEP_DIR --target "low_trust_share<0.2"`` prints
the tables.
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from sim.analysis import effects as fx
from sim.analysis.discovery import prim
from sim.analysis.load import _contexts, final_values, runs, uncertain_columns
from sim.analysis.robustness import Target, evppi, satisficing, worst_decile

__all__ = ["draws", "main", "summarise"]

_DRAW = ["context", "seed", "sample"]


def draws(sweep_dir: str | Path, metrics: Sequence[str]) -> pd.DataFrame:
    """One row per complete run: its policy, draw keys, lever parameters and measures.

    Returns:
        ``run``, ``policy``, ``context`` (the future and any other swept model key,
        e.g. the variant), ``future``, ``seed``, ``sample``, the ``uncertain.*`` columns,
        and one column per metric (its last recorded value, whole population).
    """
    r = runs(sweep_dir)
    context, policy = _contexts(r)
    out = r[["run", "future", "seed", "sample", *uncertain_columns(r)]].copy()
    out["context"] = context.to_numpy()
    out["policy"] = policy.to_numpy()
    fin = final_values(sweep_dir, list(metrics))
    wide = fin.pivot_table(index="run", columns="metric", values="value", aggfunc="last")
    missing = [m for m in metrics if m not in wide.columns]
    if missing:
        raise ValueError(f"metric(s) {', '.join(missing)} not recorded in {sweep_dir}")
    return out.merge(wide[list(metrics)], left_on="run", right_index=True, how="inner")


def _draw_key(d: pd.DataFrame) -> pd.Series:
    sample = d["sample"].astype("Int64").astype(str)
    return d["context"].astype(str) + "|" + d["seed"].astype(str) + "|" + sample


def _lever_params(d: pd.DataFrame) -> pd.DataFrame:
    """Each draw's value of every sampled lever parameter (the same for every policy)."""
    cols = [c for c in d.columns if c.startswith("uncertain.policy.")]
    if not cols:
        return pd.DataFrame(index=pd.Index([], name="draw"))
    return d.groupby("draw")[cols].first()


def _failure_box(mine: pd.DataFrame, failed: np.ndarray) -> pd.DataFrame:
    """PRIM's box of one policy's failing draws over its sampled inputs (empty if none).

    The inputs are the sampled parameters (``uncertain.*``) and the seed; a box needs
    both failures and successes and at least ten draws. Each row is one input with the
    box's ``low``, ``high`` and ``restricted``, and the box's ``coverage`` (share of the
    failures inside it), ``density`` (share failing inside it) and ``base_rate`` (share
    failing overall).
    """
    x_cols = [c for c in mine.columns if c.startswith("uncertain.")] + ["seed"]
    x = mine[x_cols].apply(pd.to_numeric, errors="coerce").dropna(axis=1, how="any")
    x = x.loc[:, x.nunique() > 1]
    if not failed.any() or failed.all() or not x.shape[1] or len(x) < 10:
        return pd.DataFrame()
    box = prim(x, failed, threshold=0.8)
    return box.limits.reset_index().assign(
        coverage=box.coverage, density=box.density, base_rate=float(failed.mean())
    )


def summarise(
    sweep_dir: str | Path,
    target: Target | str,
    *,
    metric: str | None = None,
    baseline: str = fx.BASELINE,
) -> dict[str, pd.DataFrame | str]:
    """The study's answer for one target (see the module doc).

    Args:
        sweep_dir: the finished sweep.
        target: e.g. ``"low_trust_share<0.2"``: met at the last week.
        metric: the measure effects and regret are on (default: the target's).
        baseline: the policy the others are paired with.

    Returns:
        ``satisficing``, ``effects``, ``regret``, ``failures`` (the chosen policy's PRIM
        box, or empty), ``failure_contexts`` (share of the chosen policy's draws failing,
        per context), ``failure_boxes`` and ``failure_shares`` (the same for every policy,
        with a ``policy`` column), ``evppi`` (empty if no lever parameter was sampled),
        and ``chosen``.
    """
    t = target if isinstance(target, Target) else Target.parse(target)
    metric = metric or t.metric
    d = draws(sweep_dir, sorted({t.metric, metric}))
    d["draw"] = _draw_key(d)
    sat = satisficing(d, t)
    diffs = fx.paired_differences(
        d.rename(columns={metric: "value"}), pair_on=("seed", "sample"), baseline=baseline
    )
    diffs["draw"] = _draw_key(diffs)
    eff = worst_decile(diffs, metric)
    better = diffs.assign(diff=-diffs["diff"]) if metric in fx.LOWER_IS_BETTER else diffs
    regret = fx.ranking(fx.paired_effects(better), baseline)
    ranked = sat.merge(eff[["policy", "mean"]], on="policy", how="left").fillna({"mean": 0.0})
    ranked = ranked.sort_values(["share", "mean"], ascending=[False, False])
    chosen = str(ranked["policy"].iloc[0])
    boxes, contexts = [], []
    for policy, mine in d.groupby("policy", sort=True):
        failed = ~t.met(mine[t.metric])
        share = mine.assign(failed=failed).groupby("context")["failed"].mean()
        contexts.append(share.rename("failed_share").reset_index().assign(policy=policy))
        box = _failure_box(mine, failed.to_numpy())
        if not box.empty:
            boxes.append(box.assign(policy=policy))
    every_context = pd.concat(contexts, ignore_index=True)
    every_box = (
        pd.concat(boxes, ignore_index=True)
        if boxes
        else pd.DataFrame(columns=["parameter", "low", "high", "restricted", "policy"])
    )
    chosen_box = every_box[every_box["policy"] == chosen].drop(columns="policy")
    chosen_contexts = every_context[every_context["policy"] == chosen].drop(columns="policy")
    nb = diffs.pivot_table(index="draw", columns="policy", values="diff", aggfunc="mean")
    nb[baseline] = 0.0
    nb = nb.dropna()
    if metric in fx.LOWER_IS_BETTER:
        nb = -nb
    params = _lever_params(d).reindex(nb.index)
    params = params.loc[:, params.notna().all() & (params.nunique() > 1)]
    value = pd.DataFrame()
    if params.shape[1] and nb.shape[1] >= 2 and len(nb) >= 4:
        seeds = d.groupby("draw")["seed"].first().reindex(nb.index)
        bins = max(2, min(len(nb) // 4, round(math.sqrt(len(nb)))))
        value = evppi(nb, params, bins=bins, groups=seeds)
    return {
        "chosen": chosen,
        "satisficing": sat,
        "effects": eff,
        "regret": regret,
        "failures": chosen_box.reset_index(drop=True),
        "failure_contexts": chosen_contexts.reset_index(drop=True),
        "failure_boxes": every_box,
        "failure_shares": every_context,
        "evppi": value,
    }


def main(argv: Sequence[str] | None = None) -> None:
    """``python -m sim.analysis.strategies SWEEP --target "low_trust_share<0.2"``."""
    p = argparse.ArgumentParser(
        prog="python -m sim.analysis.strategies",
        description="Robustness of each strategy in a finished sweep, for one target.",
    )
    p.add_argument("sweep_dir")
    p.add_argument("--target", required=True, help="e.g. 'low_trust_share<0.2' (last week)")
    p.add_argument("--metric", default=None, help="measure of effects and regret")
    a = p.parse_args(argv)
    try:
        out = summarise(a.sweep_dir, a.target, metric=a.metric)
    except ValueError as e:
        raise SystemExit(f"strategies: error: {e}") from None
    with pd.option_context("display.width", 120, "display.max_columns", 20):
        for name, table in out.items():
            print(f"\n== {name}")
            print(table if isinstance(table, str) else table.to_string(index=False))


if __name__ == "__main__":
    main()
