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
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from sim.analysis.studies import STUDY_WEEKS, bisect, contact_study, deep_canvassing_study
from sim.evidence import Pooled, Prior, Study, pool, studies

__all__ = [
    "CONTACT_D",
    "Derivation",
    "contact_d",
    "debt_resolution_from_nvvk",
    "deep_canvassing_d",
    "derive_contact",
    "derive_deep_canvassing",
    "pooled_for",
]


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


def _invert(study_d: Callable[[float], float], goal: float, tol: float) -> tuple[float, float]:
    """The k at which ``study_d`` gives ``goal``, and d per unit of k there.

    Bisection: the studies' d rises with k.
    """
    median = bisect(study_d, goal, 0.0, 1.0, tol)
    return median, study_d(median) / median


def _prior(
    median: float, per_unit: float, low_d: float, high_d: float, basis: str, reason: str
) -> Prior:
    return Prior(
        median=median,
        low=max(-1.0, low_d / per_unit),
        high=min(1.0, high_d / per_unit),
        bounds=(-1.0, 1.0),
        basis=basis,
        reason=f"{reason}; mapped by the simulated trial: d = {per_unit:.2f} per unit of k",
    )


def derive_deep_canvassing(
    overrides: Sequence[str] = (), seeds: Sequence[int] = (0, 1, 2), tol: float = 1e-3
) -> Derivation:
    """The prior of deep canvassing's ``prejudice_effect`` k from the pooled studies.

    The median is the k at which the simulated trial gives the pooled d (bisection: the
    trial's d rises with k); the interval ends are the prediction interval's ends over
    the trial's d per unit of k at the median (the response is close to linear there).
    """
    pooled, _ = pooled_for("canvassing", "deep", "prejudice_effect")
    median, per_unit = _invert(lambda k: deep_canvassing_d(k, overrides, seeds), pooled.mean, tol)
    reason = (
        f"random-effects pool of {pooled.k} field experiments (d = {pooled.mean:.3f}, "
        f"95% prediction interval {pooled.pred_low:.2f} to {pooled.pred_high:.2f})"
    )
    prior = _prior(median, per_unit, pooled.pred_low, pooled.pred_high, "evidence", reason)
    return Derivation(pooled, per_unit, median, prior)


#: A judgement of the effect (d) of one cross-group session on ethnic prejudice in a new
#: Dutch setting: median, and the 90% interval. Paluck, Green & Green's (2019) pooled d
#: could not be read here (0.39 is the value usually quoted, 0.27 a co-author's), they
#: report weaker effects for ethnic and racial prejudice and none studied adults' racial
#: prejudice, and a bias-corrected re-analysis puts it near zero; contact as adversaries
#: (Lowe 2021) and in homogeneous groups (Scacco & Warren 2018) did harm.
CONTACT_D = (0.2, -0.1, 0.45)


def contact_d(k: float, overrides: Sequence[str] = (), seeds: Sequence[int] = (0, 1, 2)) -> float:
    """The simulated contact trial's d four weeks after one session (mean over seeds)."""
    return float(
        np.mean([contact_study(overrides, s, {"prejudice_effect": k}).estimate[4] for s in seeds])
    )


def derive_contact(
    overrides: Sequence[str] = (), seeds: Sequence[int] = (0, 1, 2), tol: float = 1e-3
) -> tuple[float, Prior]:
    """The prior of dialogue sessions' ``prejudice_effect`` from the judgement CONTACT_D."""
    mid, low, high = CONTACT_D
    median, per_unit = _invert(lambda k: contact_d(k, overrides, seeds), mid, tol)
    reason = (
        f"judgement: d = {mid} (90% {low} to {high}) from unverified and proxy studies "
        "(docs/evidence.md)"
    )
    return per_unit, _prior(median, per_unit, low, high, "judgement", reason)


#: Dutch debt help (NVVK 2016, data/evidence/studies.csv): a settlement is reached in 41%
#: of applications, 64% of settlements are completed, and a settlement runs three years.
NVVK_SETTLED, NVVK_COMPLETED, NVVK_WEEKS = 0.41, 0.64, 156


def debt_resolution_from_nvvk() -> float:
    """The weekly chance of becoming debt-free that matches Dutch debt help.

    A constant weekly chance h gives 1 - (1 - h)^156 debt-free after three years; set
    equal to the share of applicants whose settlement is completed (0.41 x 0.64).
    """
    share = NVVK_SETTLED * NVVK_COMPLETED
    return float(1.0 - (1.0 - share) ** (1.0 / NVVK_WEEKS))


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
    print(f"  the former default k = 0.28 gives d = {deep_canvassing_d(0.28):.3f}")
    per_unit, c = derive_contact()
    mid, low, high = CONTACT_D
    print(f"Dialogue sessions, prejudice (judgement d = {mid}, 90% {low} to {high}):")
    print(f"  model: d = {per_unit:.3f} per unit of k at k = {c.median:.4f}")
    print(f"  prior on k: median {c.median:.4f}, 90% [{c.low:.4f}, {c.high:.4f}]")
    print(f"  the former default k = 0.098 gives d = {contact_d(0.098):.3f}")
    print(f"Co-coaching, debt_resolution from NVVK 2016: {debt_resolution_from_nvvk():.4f} a week")


if __name__ == "__main__":  # pragma: no cover
    main()
