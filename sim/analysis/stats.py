"""Statistics shared by the analyses: Student's t, mean intervals, equivalence tests.

One implementation of Student's t quantile (:func:`t_quantile`, exact for integer
degrees of freedom, no scipy needed) serves every interval of the package; the
equivalence test (:func:`tost`) needs Welch's non-integer degrees of freedom and takes
its t distribution from scipy (the ``analysis`` extra).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

__all__ = ["Tost", "mean_ci", "t_quantile", "tost"]

F64 = NDArray[np.float64]


def _t_two_sided(t: float, df: int) -> float:
    """P(|T| < t) for Student's t with integer df (Abramowitz & Stegun 26.7.3-4)."""
    if t <= 0.0:
        return 0.0
    theta = math.atan(t / math.sqrt(df))
    s, c = math.sin(theta), math.cos(theta)
    if df % 2 == 1:
        total, term = 0.0, c
        for k in range(1, (df - 1) // 2 + 1):
            if k > 1:
                term *= c * c * (2 * k - 2) / (2 * k - 1)
            total += term
        inner = total * s if df > 1 else 0.0
        return 2.0 / math.pi * (theta + inner)
    total, term = 1.0, 1.0
    for k in range(1, df // 2):
        term *= c * c * (2 * k - 1) / (2 * k)
        total += term
    return s * total


@lru_cache(maxsize=256)
def t_quantile(p: float, df: int) -> float:
    """The p-quantile (p >= 0.5) of Student's t with ``df`` >= 1 degrees of freedom.

    Computed by bisection on the exact distribution function for integer df
    (Abramowitz & Stegun 1964, 26.7.3 and 26.7.4), to about 1e-12.
    """
    if df < 1:
        raise ValueError(f"df must be at least 1, got {df}")
    if not 0.5 <= p < 1.0:
        raise ValueError(f"p must be in [0.5, 1), got {p}")
    target = 2.0 * p - 1.0
    lo, hi = 0.0, 1.0
    while _t_two_sided(hi, df) < target:
        hi *= 2.0
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        if _t_two_sided(mid, df) < target:
            lo = mid
        else:
            hi = mid
        if hi - lo < 1e-13 * max(1.0, hi):
            break
    return 0.5 * (lo + hi)


def mean_ci(values: Sequence[float] | np.ndarray, level: float = 0.95) -> pd.Series:
    """Mean, sd, and t interval of the mean: n, mean, sd, se, ci_low, ci_high.

    With one value the interval is undefined (NaN); with no spread it has zero width.
    """
    x = np.asarray(values, dtype=float)
    x = x[~np.isnan(x)]
    n = len(x)
    mean = float(x.mean()) if n else math.nan
    sd = float(x.std(ddof=1)) if n > 1 else math.nan
    se = sd / math.sqrt(n) if n > 1 else math.nan
    half = t_quantile(0.5 + level / 2.0, n - 1) * se if n > 1 else math.nan
    return pd.Series(
        {"n": n, "mean": mean, "sd": sd, "se": se, "ci_low": mean - half, "ci_high": mean + half}
    )


@dataclass
class Tost:
    """Result of a two one-sided tests (TOST) equivalence test of two means.

    Attributes:
        diff: mean(a) - mean(b).
        ci90: the 90% confidence interval of the difference (equivalence at level 0.05
            holds iff it lies inside (-margin, margin)).
        p: the TOST p-value (the larger of the two one-sided p-values).
        margin: the equivalence margin.
        equivalent: p < alpha.
        power: probability of concluding equivalence if the true difference were 0, at
            the observed standard error and degrees of freedom.
        n_a, n_b: sample sizes.
    """

    diff: float
    ci90: tuple[float, float]
    p: float
    margin: float
    equivalent: bool
    power: float
    n_a: int
    n_b: int

    def as_dict(self) -> dict[str, Any]:
        """Plain dict (for JSON)."""
        return dataclasses.asdict(self)


def tost(
    a: Sequence[float] | F64, b: Sequence[float] | F64, margin: float, alpha: float = 0.05
) -> Tost:
    """Welch two one-sided tests: is |mean(a) - mean(b)| < margin?

    H0: the difference is at most -margin, or at least +margin; rejecting both one-sided
    nulls at level alpha concludes equivalence (Schuirmann 1987). Failing to find a
    difference is not evidence of equivalence; this test is.
    """
    from scipy import stats

    xa = np.asarray(a, dtype=np.float64)
    xb = np.asarray(b, dtype=np.float64)
    na, nb = xa.shape[0], xb.shape[0]
    va, vb = xa.var(ddof=1) / na, xb.var(ddof=1) / nb
    se = math.sqrt(va + vb)
    diff = float(xa.mean() - xb.mean())
    if se == 0.0:
        eq = abs(diff) < margin
        return Tost(diff, (diff, diff), 0.0 if eq else 1.0, margin, eq, 1.0, na, nb)
    df = (va + vb) ** 2 / (va**2 / (na - 1) + vb**2 / (nb - 1))
    p_lower = float(stats.t.sf((diff + margin) / se, df))
    p_upper = float(stats.t.cdf((diff - margin) / se, df))
    p = max(p_lower, p_upper)
    tq = float(stats.t.ppf(1.0 - alpha, df))
    power = max(0.0, 2.0 * float(stats.t.cdf(margin / se - tq, df)) - 1.0)
    return Tost(
        diff=diff,
        ci90=(diff - tq * se, diff + tq * se),
        p=p,
        margin=margin,
        equivalent=p < alpha,
        power=power,
        n_a=na,
        n_b=nb,
    )
