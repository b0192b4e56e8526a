"""From the studies to a prior: pooled effects mapped onto model parameters by simulation.

For a lever whose studies report an outcome statistic, the prior of the model parameter
is derived in three steps, all code (``python -m sim.analysis.evidence`` reruns them):

1. pool the studies' effects on one scale (data/evidence/studies.csv, rows of the
   parameter with an interval) by a random-effects meta-analysis (:func:`sim.evidence.pool`);
   the original study is shrunk towards its replications by the pooling itself;
2. find, by bisection, the parameter at which the simulated version of the studies'
   design (:mod:`sim.analysis.studies`) gives the pooled mean: the prior's median;
3. map the prediction interval for a new setting onto the parameter by the simulated
   effect per unit of the parameter at the median (the effect is zero at zero by
   construction). The 95% prediction interval is used as the prior's 90% interval, wider on
   purpose: three of the four deep-canvassing estimates come from one team, and three of
   the intervals are imputed from sample sizes (docs/evidence.md).

The model's response at the prior's median is then checked against the pooled interval
(tests/test_evidence.py), so a change of the model that breaks the mapping fails a test.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from sim.analysis.studies import STUDY_WEEKS, deep_canvassing_study
from sim.evidence import Pooled, Prior, Study, pool, studies

__all__ = ["Derivation", "deep_canvassing_d", "derive_deep_canvassing", "pooled_for"]


@dataclass(frozen=True)
class Derivation:
    """A parameter's prior and how it was reached.

    Attributes:
        pooled: the pooled effect of the studies (d).
        per_unit: the model's effect (d) per unit of the parameter at the median, in the
            simulated study.
        reference: the parameter value the simulated study gives the pooled mean at.
        prior: the resulting prior over the parameter.
    """

    pooled: Pooled
    per_unit: float
    reference: float
    prior: Prior


def pooled_for(kind: str, mode: str, parameter: str) -> tuple[Pooled, list[Study]]:
    """The random-effects pool of a parameter's studies that report an interval."""
    rows = [
        s
        for s in studies()
        if (s.kind, s.mode, s.parameter) == (kind, mode, parameter)
        and math.isfinite(s.low)
        and math.isfinite(s.high)
    ]
    if not rows:
        raise ValueError(f"no study with an interval for {kind}/{mode}/{parameter}")
    return pool([s.effect for s in rows], [s.se for s in rows]), rows


def deep_canvassing_d(
    k: float, overrides: Sequence[str] = (), seeds: Sequence[int] = (0, 1, 2)
) -> float:
    """The simulated Broockman & Kalla trial's effect at 13 weeks, as a d (mean over seeds)."""
    ds = []
    for seed in seeds:
        res = deep_canvassing_study(overrides, seed, {"prejudice_effect": k})
        ds.append(res.estimate[STUDY_WEEKS] / res.sd[STUDY_WEEKS])
    return float(np.mean(ds))


def derive_deep_canvassing(
    overrides: Sequence[str] = (), seeds: Sequence[int] = (0, 1, 2), tol: float = 1e-3
) -> Derivation:
    """The prior of deep canvassing's ``prejudice_effect`` k from the pooled studies.

    The median is the k at which the simulated trial gives the pooled d (bisection: the
    trial's d rises with k); the interval ends are the prediction interval's ends over
    the trial's d per unit of k at the median (the response is close to linear there).
    """
    pooled, _ = pooled_for("canvassing", "deep", "prejudice_effect")
    lo_k, hi_k = 0.0, 1.0
    while hi_k - lo_k > tol:
        mid = 0.5 * (lo_k + hi_k)
        if deep_canvassing_d(mid, overrides, seeds) < pooled.mean:
            lo_k = mid
        else:
            hi_k = mid
    median = 0.5 * (lo_k + hi_k)
    per_unit = deep_canvassing_d(median, overrides, seeds) / median
    prior = Prior(
        median=median,
        low=max(-1.0, pooled.pred_low / per_unit),
        high=min(1.0, pooled.pred_high / per_unit),
        bounds=(-1.0, 1.0),
        basis="evidence",
        reason=(
            f"random-effects pool of {pooled.k} field experiments (d = {pooled.mean:.3f}, "
            f"95% prediction interval {pooled.pred_low:.2f} to {pooled.pred_high:.2f}), "
            f"mapped by the simulated trial: d = {per_unit:.2f} per unit of k at the median"
        ),
    )
    return Derivation(pooled, per_unit, median, prior)


def main() -> None:  # pragma: no cover - a report script
    """Print the derivations (the default town; a few minutes on two cores)."""
    pooled, rows = pooled_for("canvassing", "deep", "prejudice_effect")
    print("Deep canvassing, prejudice (d):")
    for s in rows:
        print(f"  {s.study:32s} d = {s.effect:+.3f} [{s.low:+.3f}, {s.high:+.3f}]  {s.role}")
    print(
        f"  pooled: d = {pooled.mean:.3f} [{pooled.low:.3f}, {pooled.high:.3f}], tau = "
        f"{pooled.tau:.3f}, prediction [{pooled.pred_low:.3f}, {pooled.pred_high:.3f}]"
    )
    der = derive_deep_canvassing()
    p = der.prior
    print(f"  model: d = {der.per_unit:.3f} per unit of k at k = {der.reference:.4f}")
    print(f"  prior on k: median {p.median:.4f}, 90% [{p.low:.4f}, {p.high:.4f}]")
    print(f"  the current default k = 0.28 gives d = {deep_canvassing_d(0.28):.3f}")


if __name__ == "__main__":  # pragma: no cover
    main()
