"""History matching: which parameter sets are not implausible given the measured patterns.

After Craig et al. (1997) and Vernon, Goldstein & Bower (2010), as in Andrianakis et al.
(2015). For a parameter set x, pattern i's implausibility is

    I_i(x) = |z_i - f_i(x)| / sqrt(V_obs,i + V_disc,i + V_run,i)

with z_i the measured value, f_i(x) the mean over the seeds the set was run with,
V_obs its sampling variance (the target's ``obs_sd``), V_disc the model discrepancy
stated in advance (:data:`DISCREPANCY`: how far the best the model can do may lie from
the country, by kind of pattern) and V_run the variance of one run around the mean
(pooled over the wave's sets, since the country is one run of history). A set is not
implausible when the second-largest I_i over the matched patterns is at most 3 (the
three-sigma rule of Pukelsheim 1994; the second-largest, as Vernon et al. do with many
outputs, lets one pattern miss).

A pattern that no set of a wave brings within 3 cannot be reproduced by this model at
all: it is reported with its smallest implausibility and left out of the criterion, so
that the ensemble is what the model can do on the rest, and the miss is stated, not
hidden.

Emulators are not used: a run of the history at the calibration's size takes seconds,
so each wave runs the simulator itself at every set. Wave k + 1 refocuses: its sets
are drawn around the non-implausible sets found so far (a normal kernel per parameter
with the non-implausible sets' spread, kept within the prior box), as in sequential
Monte Carlo.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.calibration.params import Prior

__all__ = [
    "CUTOFF",
    "DISCREPANCY",
    "Match",
    "discrepancy",
    "first_wave",
    "match",
    "refocus",
]

#: A set is not implausible when its second-largest implausibility is at most this.
CUTOFF = 3.0
#: Model discrepancy (standard deviation, as a share), stated before any fit: national
#: trust shares 3 points, a subgroup's or a place's 5, a turnout 3, a change 3.
DISCREPANCY = {"national": 0.03, "subgroup": 0.05, "turnout": 0.03, "change": 0.03}


def discrepancy(observed: pd.DataFrame, targets: pd.DataFrame) -> pd.Series:
    """Each pattern's model discrepancy (sd) by its kind."""
    out = {}
    for name in observed.index:
        if name not in targets.index:
            out[name] = DISCREPANCY["change"]
        elif str(targets.loc[name, "metric"]).startswith("turnout"):
            out[name] = DISCREPANCY["turnout"]
        elif str(targets.loc[name, "scope"]) == "all":
            out[name] = DISCREPANCY["national"]
        else:
            out[name] = DISCREPANCY["subgroup"]
    return pd.Series(out, dtype=float)


@dataclass
class Match:
    """A wave's (or several waves') verdict.

    Attributes:
        means: per set (rows) and pattern (columns), the mean over seeds.
        implausibility: I_i per set and pattern.
        score: per set, the second-largest implausibility over the matched patterns.
        matched: the patterns some set brings within the cutoff.
        missed: the others, with their smallest implausibility.
        nroy: the sets whose score is within the cutoff.
        run_sd: per pattern, the pooled sd of one run around its set's mean.
    """

    means: pd.DataFrame
    implausibility: pd.DataFrame
    score: pd.Series
    matched: list[str]
    missed: pd.Series
    nroy: list[int]
    run_sd: pd.Series


def match(
    runs: pd.DataFrame,
    observed: pd.DataFrame,
    disc: pd.Series,
    cutoff: float = CUTOFF,
    run_sd: pd.Series | None = None,
) -> Match:
    """The implausibility of every set from its runs.

    Args:
        runs: one row per run: ``point``, ``seed`` and one column per pattern.
        observed: per pattern, ``value`` and ``obs_sd``.
        disc: per pattern, the model discrepancy (sd).
        cutoff: a set is not implausible when its score is at most this.
        run_sd: the run's own noise per pattern, if known from other runs; else pooled
            from the sets run with several seeds here (none if no set has two).
    """
    simulated = runs.columns[runs.notna().any()]
    patterns = [p for p in observed.index if p in simulated]  # the run can give them
    grouped = runs.groupby("point")[patterns]
    means = grouped.mean()
    within = grouped.var(ddof=1)
    run_var = within.mean().fillna(0.0)  # unknown with one seed a set: then none
    if run_sd is not None:
        run_var = (run_sd.reindex(patterns).fillna(0.0)) ** 2
    total = observed.loc[patterns, "obs_sd"] ** 2 + disc.reindex(patterns) ** 2 + run_var
    imp = (means - observed.loc[patterns, "value"]).abs() / np.sqrt(total)
    best = imp.min()
    matched = [p for p in patterns if best[p] <= cutoff]
    missed = best[[p for p in patterns if p not in matched]].sort_values()
    score = _second_largest(imp[matched]) if matched else pd.Series(np.inf, index=imp.index)
    nroy = sorted(int(i) for i in score.index[score <= cutoff])
    return Match(means, imp, score, matched, missed, nroy, np.sqrt(run_var))


def _second_largest(imp: pd.DataFrame) -> pd.Series:
    values = np.nan_to_num(imp.to_numpy(), nan=0.0)
    if values.shape[1] < 2:
        return pd.Series(values.max(axis=1), index=imp.index)
    part = np.sort(values, axis=1)[:, -2]
    return pd.Series(part, index=imp.index)


def first_wave(priors: Sequence[Prior], n: int, seed: int) -> pd.DataFrame:
    """A Latin hypercube of ``n`` sets over the prior box (McKay et al. 1979)."""
    rng = np.random.default_rng(seed)
    cols = {}
    for p in priors:
        u = (rng.permutation(n) + rng.random(n)) / n
        cols[p.key] = p.low + u * (p.high - p.low)
    return pd.DataFrame(cols)


def refocus(
    kept: pd.DataFrame, priors: Sequence[Prior], n: int, seed: int, widen: float = 1.0
) -> pd.DataFrame:
    """``n`` new sets drawn around the kept (non-implausible) ones, inside the box.

    Each new set picks a kept set at random and moves every parameter by a normal step
    with ``widen`` times the kept sets' spread of it (at least 2% of its prior range);
    a step that leaves the box is drawn again (at most 100 times, then clipped).
    """
    rng = np.random.default_rng(seed)
    keys = [p.key for p in priors]
    base = kept[keys].to_numpy(float)
    lo = np.array([p.low for p in priors])
    hi = np.array([p.high for p in priors])
    sd = np.maximum(widen * base.std(axis=0, ddof=1 if base.shape[0] > 1 else 0), 0.02 * (hi - lo))
    out = base[rng.integers(base.shape[0], size=n)]
    step = rng.standard_normal((n, len(keys))) * sd
    for _ in range(100):
        bad = (out + step < lo) | (out + step > hi)
        if not bad.any():
            break
        step[bad] = rng.standard_normal(int(bad.sum())) * np.broadcast_to(sd, bad.shape)[bad]
    return pd.DataFrame(np.clip(out + step, lo, hi), columns=keys)
