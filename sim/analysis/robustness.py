"""Robustness of strategies across draws, and the value of better evidence.

A *draw* is one joint sample of everything a study leaves uncertain: the future, the
seed, the posterior member, the levers' effect and cost priors, the model variant. Each
policy is run on the same draws as the run without policy, so its outcomes and effects
can be compared draw by draw. These functions take one row per run and answer three
questions a strategist asks beside the regret table of :mod:`sim.analysis.effects`:

- **Satisficing** (Simon 1956; as a robustness measure, Lempert & Collins 2007): in what
  share of the draws does a policy meet a target the user states, e.g. "the share with
  low political trust under 20% at the end"? The share has a Wilson score interval,
  so a share of 0 or 1 from few draws is not read as certain.
- **The domain criterion** (Starr 1963; McPhail et al. 2018 review it with the other
  satisficing measures): the share of draws in which a policy meets *every* target of
  a list at once; with one target it equals the satisficing share.
- **The worst decile**: the 10th percentile of a policy's effect over the draws (the
  90th for a measure where lower is better), and the mean effect of the draws at or
  beyond it (the expected shortfall of that tail), so a policy that usually helps but
  sometimes harms shows its harm.

**Value of information** (:func:`evppi`): which uncertain input, if it were measured
exactly, would most change the choice between policies? Its expected value of partial
perfect information (EVPPI) is

    EVPPI(theta) = E_theta[ max_p E(NB_p | theta) ] - max_p E(NB_p)

where NB_p is policy p's net benefit in a draw (its effect, or effect minus a
willingness to pay times its cost). The conditional means are estimated by cutting the
draws into bins of equal count along theta and averaging within each bin (the
one-parameter method of Strong & Oakley 2013). With few draws per bin this estimate is
biased upwards by noise; the function therefore also gives the same estimate with theta
shuffled across draws (a value the noise alone produces): only an EVPPI clearly above
that null value says that measuring theta better would change the choice. The expected
value of perfect information (all inputs at once) bounds every EVPPI.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.analysis.effects import LOWER_IS_BETTER

__all__ = ["Target", "domain_criterion", "evpi", "evppi", "satisficing", "worst_decile"]

_TARGET = re.compile(r"^\s*([A-Za-z_][\w.:]*)\s*(<=|>=|<|>)\s*([-+0-9.eE]+)\s*$")


@dataclass(frozen=True)
class Target:
    """A target a run's outcome meets or not, e.g. ``low_trust_share < 0.2``.

    Attributes:
        metric: the outcome column.
        op: one of ``<``, ``<=``, ``>``, ``>=``.
        threshold: the value compared with.
    """

    metric: str
    op: str
    threshold: float

    @classmethod
    def parse(cls, text: str) -> Target:
        """A target from its text, e.g. ``"low_trust_share<0.2"``.

        Raises:
            ValueError: if the text is not ``metric OP number``.
        """
        m = _TARGET.match(text)
        if not m:
            raise ValueError(
                f"target {text!r}: write it as METRIC OP NUMBER, e.g. 'low_trust_share<0.2' "
                "(OP one of <, <=, >, >=)"
            )
        return cls(m.group(1), m.group(2), float(m.group(3)))

    def met(self, values: pd.Series) -> pd.Series:
        """Whether each value meets the target (a missing value does not)."""
        v = pd.to_numeric(values, errors="coerce")
        ops = {"<": v.lt, "<=": v.le, ">": v.gt, ">=": v.ge}
        return ops[self.op](self.threshold).fillna(False).astype(bool)

    def __str__(self) -> str:
        return f"{self.metric} {self.op} {self.threshold:g}"


def _targets(targets: Sequence[Target | str] | Target | str) -> list[Target]:
    if isinstance(targets, Target | str):
        targets = [targets]
    out = [t if isinstance(t, Target) else Target.parse(t) for t in targets]
    if not out:
        raise ValueError("no target given")
    return out


def _wilson(met: int, n: int, level: float) -> tuple[float, float]:
    """Wilson's score interval for a share ``met / n``."""
    if n == 0:
        return math.nan, math.nan
    from statistics import NormalDist

    z = NormalDist().inv_cdf(0.5 + level / 2)
    p = met / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def domain_criterion(
    runs: pd.DataFrame,
    targets: Sequence[Target | str] | Target | str,
    *,
    by: Sequence[str] = ("policy",),
    level: float = 0.95,
) -> pd.DataFrame:
    """The share of draws in which each policy meets every target at once.

    Args:
        runs: one row per run (draw) with the ``by`` columns and each target's metric.
        targets: targets (objects or text such as ``"low_trust_share<0.2"``).
        by: the columns a share is computed per (default: per policy).
        level: the level of the Wilson interval.

    Returns:
        One row per group: the ``by`` columns, ``draws``, ``met``, ``share``, ``low``,
        ``high``, sorted by share (highest first).

    Raises:
        ValueError: if a target's metric or a ``by`` column is not in ``runs``.
    """
    ts = _targets(targets)
    missing = [c for c in [*by, *(t.metric for t in ts)] if c not in runs.columns]
    if missing:
        raise ValueError(
            f"column(s) {', '.join(dict.fromkeys(missing))} not in the runs table "
            f"(it has {', '.join(map(str, runs.columns))})"
        )
    ok = pd.Series(True, index=runs.index)
    for t in ts:
        ok &= t.met(runs[t.metric])
    rows = []
    for key, g in ok.groupby([runs[c] for c in by], sort=True):
        key = key if isinstance(key, tuple) else (key,)
        n, k = len(g), int(g.sum())
        low, high = _wilson(k, n, level)
        rows.append({**dict(zip(by, key, strict=True)), "draws": n, "met": k,
                     "share": k / n if n else math.nan, "low": low, "high": high})  # fmt: skip
    out = pd.DataFrame(rows, columns=[*by, "draws", "met", "share", "low", "high"])
    return out.sort_values(["share", *by], ascending=[False, *[True] * len(by)]).reset_index(
        drop=True
    )


def satisficing(
    runs: pd.DataFrame,
    target: Target | str,
    *,
    by: Sequence[str] = ("policy",),
    level: float = 0.95,
) -> pd.DataFrame:
    """The share of draws in which each policy meets one target (see the module doc).

    Same arguments and table as :func:`domain_criterion` with a single target.
    """
    return domain_criterion(runs, [target], by=by, level=level)


def worst_decile(
    effects: pd.DataFrame,
    metric: str,
    *,
    value: str = "diff",
    by: Sequence[str] = ("policy",),
    tail: float = 0.1,
) -> pd.DataFrame:
    """Each policy's effect in its worst draws.

    Args:
        effects: one row per draw with the ``by`` columns and the effect ``value``
            (e.g. :func:`sim.analysis.effects.paired_differences`'s ``diff``).
        metric: the measure the effect is on; decides which direction is worse
            (:data:`sim.analysis.effects.LOWER_IS_BETTER`).
        value: the effect column.
        by: the grouping columns.
        tail: the share of draws in the tail (0.1: the worst decile).

    Returns:
        One row per group: the ``by`` columns, ``draws``, ``mean`` (the mean effect),
        ``worst_decile`` (the effect at the tail's edge: the 10th percentile, or the
        90th where lower is better), ``tail_mean`` (the mean effect of the draws at or
        beyond that edge) and ``harmful_share`` (the share of draws in which the effect
        goes the wrong way).

    Raises:
        ValueError: if ``tail`` is not in (0, 0.5] or a column is missing.
    """
    if not 0 < tail <= 0.5:
        raise ValueError(f"tail: must be in (0, 0.5], got {tail}")
    missing = [c for c in [*by, value] if c not in effects.columns]
    if missing:
        raise ValueError(f"column(s) {', '.join(missing)} not in the effects table")
    lower = metric in LOWER_IS_BETTER
    rows = []
    for key, g in effects.groupby(list(by), sort=True):
        key = key if isinstance(key, tuple) else (key,)
        v = g[value].astype(float).dropna().to_numpy()
        if v.size == 0:
            continue
        edge = float(np.quantile(v, 1 - tail if lower else tail))
        worst = v[v >= edge] if lower else v[v <= edge]
        harm = (v > 0) if lower else (v < 0)
        rows.append(
            {
                **dict(zip(by, key, strict=True)),
                "draws": int(v.size),
                "mean": float(v.mean()),
                "worst_decile": edge,
                "tail_mean": float(worst.mean()),
                "harmful_share": float(harm.mean()),
            }
        )
    cols = [*by, "draws", "mean", "worst_decile", "tail_mean", "harmful_share"]
    return pd.DataFrame(rows, columns=cols)


def _check_nb(net_benefit: pd.DataFrame) -> np.ndarray:
    if net_benefit.shape[1] < 2:
        raise ValueError("value of information needs at least two policies to choose between")
    nb = net_benefit.to_numpy(dtype=float)
    if np.isnan(nb).any():
        raise ValueError("net benefit has missing values: every policy needs every draw")
    return nb


def evpi(net_benefit: pd.DataFrame) -> float:
    """The expected value of perfect information about every uncertain input.

    Args:
        net_benefit: one row per draw, one column per policy (the same draws for all).

    Returns:
        E[max over policies] - max over policies of E, in the net benefit's units (>= 0).
    """
    nb = _check_nb(net_benefit)
    return float(nb.max(axis=1).mean() - nb.mean(axis=0).max())


def _binned(nb: np.ndarray, theta: np.ndarray, bins: int) -> float:
    order = np.argsort(theta, kind="stable")
    parts = np.array_split(order, bins)
    best = sum(len(p) * nb[p].mean(axis=0).max() for p in parts if len(p))
    return float(best / len(theta) - nb.mean(axis=0).max())


def _shuffled(theta: np.ndarray, groups: np.ndarray | None, rng: np.random.Generator) -> np.ndarray:
    """Theta shuffled across draws, or across groups (each group keeps one value)."""
    if groups is None:
        return rng.permutation(theta)
    codes, uniques = pd.factorize(groups)
    per_group = pd.Series(theta).groupby(codes).first().to_numpy()
    return per_group[rng.permutation(len(uniques))][codes]


def evppi(
    net_benefit: pd.DataFrame,
    params: pd.DataFrame,
    *,
    bins: int | None = None,
    shuffles: int = 20,
    seed: int = 0,
    groups: pd.Series | None = None,
) -> pd.DataFrame:
    """The expected value of partial perfect information about each input.

    Args:
        net_benefit: one row per draw, one column per policy.
        params: the same rows (same index), one column per uncertain input's value in
            that draw.
        bins: bins along each input (default: the square root of the draws, at least 2).
        shuffles: how many shuffles of the input estimate the null value.
        seed: seed of the shuffles.
        groups: the same rows' group, where an input takes one value per group (a
            study's lever draw is one per seed, shared by its futures and variants): the
            null then shuffles the values between groups, so an input is not credited
            with what the group itself decides (its seed, its posterior member).

    Returns:
        One row per input: ``param``, ``evppi``, ``null`` (the mean estimate with the
        input shuffled), ``null_q95`` (the 95th percentile of the shuffled estimates:
        an ``evppi`` below it is within noise), ``excess`` (``evppi - null``),
        ``evpi`` (the bound), sorted by excess (highest first).

    Raises:
        ValueError: on fewer than two policies, missing values, or rows that do not match.
    """
    nb = _check_nb(net_benefit)
    if not params.index.equals(net_benefit.index):
        raise ValueError("params and net_benefit must have the same rows (index)")
    n = len(nb)
    b = bins if bins is not None else max(2, round(math.sqrt(n)))
    if not 2 <= b <= n:
        raise ValueError(f"bins: must be between 2 and the number of draws ({n}), got {b}")
    rng = np.random.default_rng(seed)
    g = None if groups is None else groups.reindex(net_benefit.index).to_numpy()
    bound = evpi(net_benefit)
    rows = []
    for name in params.columns:
        theta = params[name].to_numpy(dtype=float)
        value = _binned(nb, theta, b)
        nulls = [_binned(nb, _shuffled(theta, g, rng), b) for _ in range(shuffles)]
        null, q95 = float(np.mean(nulls)), float(np.quantile(nulls, 0.95))
        rows.append({"param": name, "evppi": value, "null": null, "null_q95": q95,
                     "excess": value - null, "evpi": bound})  # fmt: skip
    cols = ["param", "evppi", "null", "null_q95", "excess", "evpi"]
    out = pd.DataFrame(rows, columns=cols)
    return out.sort_values(["excess", "param"], ascending=[False, True]).reset_index(drop=True)
