"""Cost-effectiveness as health economists report it: ICERs, the frontier, CEACs.

Every policy is compared with doing nothing (``none``, which costs nothing) on the same
draws: a draw is one pair of runs (the same seed, future and point of the prior), so
each policy's incremental cost and effect are paired differences.

- :func:`icer_table`: each policy's mean incremental cost and effect, its incremental
  cost-effectiveness ratio (ICER) against doing nothing, and the efficiency frontier:
  policies ordered by cost, those dominated (dearer and no better than another) or
  extendedly dominated (a mix of two others would buy more for the same money: their
  ICER against the previous frontier policy exceeds the next one's) are marked, and
  each frontier policy's ICER is taken against the previous one on the frontier
  (Drummond et al., *Methods for the Economic Evaluation of Health Care Programmes*).
- :func:`ceac`: the cost-effectiveness acceptability curve: for each willingness to pay
  lambda (euros per unit of effect), the share of draws in which each policy, doing
  nothing included, has the highest net monetary benefit lambda x effect - cost
  (Fenwick, Claxton & Sculpher 2001). Over the prior, this is the probability that each
  policy is the best buy at that price.

The effect is any measure with a direction where more is better (person-years
trusting, cross-group contacts); for measures where less is better (prejudice in
standard deviations, tense neighbourhood-weeks) pass its negative.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import pairwise

import numpy as np
import pandas as pd

__all__ = ["BASELINE", "ceac", "icer_table", "incremental"]

BASELINE = "none"


def incremental(
    diffs: pd.DataFrame, spending: pd.DataFrame, measure: str, *, sign: float = 1.0
) -> pd.DataFrame:
    """One row per policy and draw: its incremental effect and cost against doing nothing.

    Args:
        diffs: paired differences, e.g. :func:`sim.analysis.natural.natural_differences`
            (``policy``, ``measure``, ``diff`` and the draw's key columns).
        spending: euros spent per run: ``policy``, ``euros`` and the same key columns.
        measure: the measure used as effect.
        sign: +1 where more is better, -1 where less is.

    Returns:
        The key columns, ``policy``, ``effect``, ``cost``.
    """
    d = diffs[diffs["measure"] == measure]
    keys = [c for c in d.columns if c in spending.columns and c not in ("policy", "euros")]
    d = d[[*keys, "policy", "diff"]].rename(columns={"diff": "effect"})
    d["effect"] = sign * d["effect"]
    out = d.merge(spending[[*keys, "policy", "euros"]], on=[*keys, "policy"], how="left")
    out = out.rename(columns={"euros": "cost"})
    out["cost"] = out["cost"].fillna(0.0)
    return out.reset_index(drop=True)


def icer_table(draws: pd.DataFrame) -> pd.DataFrame:
    """Mean incremental cost and effect per policy, ICERs and the efficiency frontier.

    Args:
        draws: from :func:`incremental` (``policy``, ``effect``, ``cost``).

    Returns:
        One row per policy, doing nothing first: ``policy``, ``cost`` (mean euros),
        ``effect`` (mean), ``icer_vs_none`` (euros per unit of effect; NaN where the
        effect is not positive), ``status`` (``frontier``, ``dominated`` or
        ``extendedly dominated``) and ``icer`` (against the previous frontier policy;
        NaN off the frontier).
    """
    means = draws[draws["policy"] != BASELINE].groupby("policy")[["cost", "effect"]].mean()
    names = [BASELINE, *[str(p) for p in means.index]]
    cost = np.concatenate([[0.0], means["cost"].to_numpy(dtype=np.float64)])
    effect = np.concatenate([[0.0], means["effect"].to_numpy(dtype=np.float64)])
    order = np.lexsort((-effect, cost))
    names = [names[i] for i in order]
    cost, effect = cost[order], effect[order]
    status = ["frontier"] * len(names)
    best = -np.inf
    for i in range(len(names)):  # dominated: another is cheaper and at least as good
        if effect[i] <= best and names[i] != BASELINE:
            status[i] = "dominated"
        best = max(best, effect[i])
    while True:  # extended dominance: ICERs along the frontier must rise
        on = [i for i, s in enumerate(status) if s == "frontier"]
        icers = [(cost[b] - cost[a]) / (effect[b] - effect[a]) for a, b in pairwise(on)]
        bad = next((k for k in range(len(icers) - 1) if icers[k] > icers[k + 1]), None)
        if bad is None:
            break
        status[on[bad + 1]] = "extendedly dominated"
    icer = np.full(len(names), np.nan)
    for a, b in pairwise([i for i, s in enumerate(status) if s == "frontier"]):
        icer[b] = (cost[b] - cost[a]) / (effect[b] - effect[a])
    with np.errstate(divide="ignore", invalid="ignore"):
        vs_none = np.where(effect > 0, cost / np.where(effect > 0, effect, 1.0), np.nan)
    return pd.DataFrame(
        {
            "policy": names,
            "cost": cost,
            "effect": effect,
            "icer_vs_none": vs_none,
            "status": status,
            "icer": icer,
        }
    )


def ceac(draws: pd.DataFrame, wtp: Sequence[float], keys: Sequence[str]) -> pd.DataFrame:
    """The probability that each policy is the best buy, per willingness to pay.

    Args:
        draws: from :func:`incremental`.
        wtp: willingness to pay, euros per unit of effect.
        keys: the columns that identify a draw (e.g. ``seed``, ``sample``, ``context``).

    Returns:
        ``wtp``, ``policy``, ``p_best`` (doing nothing included; each wtp's shares sum
        to 1; ties split evenly).
    """
    wide_e = draws.pivot_table(index=list(keys), columns="policy", values="effect")
    wide_c = draws.pivot_table(index=list(keys), columns="policy", values="cost")
    wide_e[BASELINE] = 0.0
    wide_c[BASELINE] = 0.0
    wide_e = wide_e.dropna()
    wide_c = wide_c.loc[wide_e.index, wide_e.columns]
    policies = list(wide_e.columns)
    rows = []
    for lam in wtp:
        nmb = lam * wide_e.to_numpy() - wide_c.to_numpy()
        top = nmb == nmb.max(axis=1, keepdims=True)
        share = (top / top.sum(axis=1, keepdims=True)).mean(axis=0)
        rows += [
            {"wtp": float(lam), "policy": p, "p_best": float(s)}
            for p, s in zip(policies, share, strict=True)
        ]
    return pd.DataFrame(rows, columns=["wtp", "policy", "p_best"])
