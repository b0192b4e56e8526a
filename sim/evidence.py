"""The evidence behind the levers: studies as data, pooled, and priors over parameters.

Two data files (``data/evidence/``, documented in docs/evidence.md):

- ``studies.csv``: one row per effect a study reports, as read (authors, year, design,
  country, population, N, outcome and its scale, the effect with its 95% interval,
  follow-up in weeks), the lever and model parameter it informs, its role (``primary``,
  ``replication``, ``meta-analysis``, ``proxy``) and where it was read (``verified``
  ``yes``, or ``no`` with the reason it could not be checked here);
- ``priors.csv``: the prior of each effect and cost parameter of every intervention kind
  (``kind``, ``mode``, ``parameter``, median, 5th and 95th percentile, hard bounds,
  ``basis``: ``evidence``, ``proxy`` or ``judgement``). Rows with basis ``evidence`` are
  written by :mod:`sim.analysis.evidence` from ``studies.csv`` (rerun it after editing
  the studies); the others are judgements, each with its reason.

The statistics are here: :func:`pool`, a random-effects meta-analysis (DerSimonian &
Laird 1986) with the prediction interval for a new setting (Higgins, Thompson &
Spiegelhalter 2009), which is what a prior for a Dutch municipality needs, not the
confidence interval of the mean; and :class:`Prior`, a split normal (different spreads
below and above the median) truncated to the parameter's bounds, from which a design's
uniform numbers are mapped by the quantile function.
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from functools import cache
from statistics import NormalDist
from typing import Any

import numpy as np
from numpy.typing import NDArray

from sim.datafiles import DataError, data_file

__all__ = [
    "Pooled",
    "Prior",
    "Study",
    "pool",
    "prior_for",
    "priors",
    "studies",
]

F64 = NDArray[np.float64]
_N = NormalDist()
_Z90 = _N.inv_cdf(0.95)  # 1.645: the 5th and 95th percentiles are the median -/+ this x sd
_Z95 = _N.inv_cdf(0.975)


@dataclass(frozen=True)
class Prior:
    """A prior over one parameter: a split normal truncated to ``bounds``.

    The median and the 5th and 95th percentiles are those of the split normal before
    truncation; the bounds only cut where the parameter cannot go (a share above 1).

    Attributes:
        median: the central value (the parameter's default).
        low: the 5th percentile.
        high: the 95th percentile.
        bounds: the values the parameter can take (inclusive).
        basis: ``evidence`` (pooled studies), ``proxy`` (studies of a related lever or
            outcome) or ``judgement`` (no study; the reason says why this centre).
        reason: where the numbers come from, in one sentence.
    """

    median: float
    low: float
    high: float
    bounds: tuple[float, float] = (-math.inf, math.inf)
    basis: str = "judgement"
    reason: str = ""

    def __post_init__(self) -> None:
        if not self.low <= self.median <= self.high:
            raise ValueError(f"prior needs low <= median <= high, got {self}")
        if not self.bounds[0] <= self.median <= self.bounds[1]:
            raise ValueError(f"prior median {self.median} outside its bounds {self.bounds}")

    @property
    def spreads(self) -> tuple[float, float]:
        """Standard deviations of the normal halves below and above the median."""
        return (self.median - self.low) / _Z90, (self.high - self.median) / _Z90

    def _cdf(self, x: float) -> float:
        lo, hi = self.spreads
        sd = lo if x < self.median else hi
        if sd == 0.0:
            return 0.0 if x < self.median else 1.0
        # a split normal: each half holds half of the mass
        return _N.cdf((x - self.median) / sd)

    def quantile(self, u: F64 | float) -> F64:
        """Values at probabilities ``u`` (0-1) of the truncated prior (vectorised)."""
        u = np.asarray(u, dtype=np.float64)
        a = self._cdf(self.bounds[0]) if math.isfinite(self.bounds[0]) else 0.0
        b = self._cdf(self.bounds[1]) if math.isfinite(self.bounds[1]) else 1.0
        p = np.clip(a + u * (b - a), 1e-12, 1.0 - 1e-12)
        z = np.array([_N.inv_cdf(float(q)) for q in np.ravel(p)]).reshape(p.shape)
        lo, hi = self.spreads
        x = self.median + z * np.where(z < 0.0, lo, hi)
        return np.clip(x, self.bounds[0], self.bounds[1])

    def includes_zero(self) -> bool:
        """Whether zero (no effect) lies within the 90% interval."""
        return self.low <= 0.0 <= self.high


@dataclass(frozen=True)
class Pooled:
    """A random-effects pooled estimate.

    Attributes:
        mean: the pooled mean effect.
        se: its standard error.
        tau: the between-study standard deviation (0 if the studies agree).
        k: studies pooled.
        low, high: the 95% confidence interval of the mean.
        pred_low, pred_high: the 95% prediction interval for the effect in a new
            setting (mean -/+ t x sqrt(tau^2 + se^2); with fewer than three studies,
            the normal quantile and tau as estimated).
    """

    mean: float
    se: float
    tau: float
    k: int
    low: float
    high: float
    pred_low: float
    pred_high: float


def _t_quantile(df: int) -> float:
    """The 97.5% quantile of Student's t with ``df`` degrees of freedom.

    Exact for 1 and 2 degrees of freedom; a Cornish-Fisher expansion above (within 1%
    at 3, closer as ``df`` grows).
    """
    p = 0.975
    if df == 1:
        return math.tan(math.pi * (p - 0.5))
    if df == 2:
        return (2 * p - 1) * math.sqrt(2.0 / (4 * p * (1 - p)))
    z = _Z95
    g1 = (z**3 + z) / 4.0
    g2 = (5 * z**5 + 16 * z**3 + 3 * z) / 96.0
    g3 = (3 * z**7 + 19 * z**5 + 17 * z**3 - 15 * z) / 384.0
    return z + g1 / df + g2 / df**2 + g3 / df**3


def pool(effects: list[float], ses: list[float]) -> Pooled:
    """DerSimonian-Laird random-effects meta-analysis of ``effects`` with standard errors."""
    y = np.asarray(effects, dtype=np.float64)
    s = np.asarray(ses, dtype=np.float64)
    if y.shape != s.shape or y.size == 0:
        raise ValueError("pool needs as many standard errors as effects, and at least one")
    if (s <= 0).any():
        raise ValueError("standard errors must be positive")
    w = 1.0 / s**2
    fixed = float(np.sum(w * y) / np.sum(w))
    k = int(y.size)
    q = float(np.sum(w * (y - fixed) ** 2))
    c = float(np.sum(w) - np.sum(w**2) / np.sum(w))
    tau2 = max(0.0, (q - (k - 1)) / c) if k > 1 and c > 0 else 0.0
    w_star = 1.0 / (s**2 + tau2)
    mean = float(np.sum(w_star * y) / np.sum(w_star))
    se = float(1.0 / math.sqrt(np.sum(w_star)))
    half = math.sqrt(tau2 + se**2) * (_t_quantile(k - 2) if k >= 3 else _Z95)
    return Pooled(
        mean=mean,
        se=se,
        tau=math.sqrt(tau2),
        k=k,
        low=mean - _Z95 * se,
        high=mean + _Z95 * se,
        pred_low=mean - half,
        pred_high=mean + half,
    )


@dataclass(frozen=True)
class Study:
    """One effect a study reports (a row of data/evidence/studies.csv)."""

    kind: str
    mode: str
    parameter: str
    study: str
    reference: str
    design: str
    country: str
    population: str
    n: str
    outcome: str
    scale: str
    effect: float
    low: float
    high: float
    follow_up_weeks: float
    role: str
    verified: str
    read_at: str

    @property
    def se(self) -> float:
        """The standard error implied by the 95% interval."""
        return (self.high - self.low) / (2.0 * _Z95)


_FLOATS = ("effect", "low", "high", "follow_up_weeks")
_COLUMNS = tuple(Study.__dataclass_fields__)


def _row(r: dict[str, str]) -> dict[str, Any]:
    return {k: _cell(k, r[k]) for k in _COLUMNS}


def _cell(column: str, text: str) -> float | str:
    """A cell as its column's type: numbers (empty: not reported, NaN) or text."""
    if column in _FLOATS:
        return float(text) if text.strip() else math.nan
    return text


@cache
def studies() -> tuple[Study, ...]:
    """Every row of data/evidence/studies.csv."""
    path = data_file("evidence/studies.csv")
    with path.open(newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    try:
        return tuple(Study(**_row(r)) for r in rows)
    except (KeyError, TypeError, ValueError) as e:
        raise DataError(
            f"{path}: a row does not fit the columns docs/evidence.md gives ({e})"
        ) from None


@cache
def priors() -> dict[tuple[str, str, str], Prior]:
    """Every prior of data/evidence/priors.csv, by (kind, mode, parameter)."""
    path = data_file("evidence/priors.csv")
    out = {}
    with path.open(newline="", encoding="utf-8") as f:
        for r in csv.DictReader(f):
            try:
                out[(r["kind"], r["mode"], r["parameter"])] = Prior(
                    median=float(r["median"]),
                    low=float(r["p05"]),
                    high=float(r["p95"]),
                    bounds=(float(r["lower_bound"]), float(r["upper_bound"])),
                    basis=r["basis"],
                    reason=r["reason"],
                )
            except (KeyError, ValueError) as e:
                raise DataError(f"{path}: row {r} does not fit ({e})") from None
    return out


def prior_for(kind: str, mode: str, parameter: str) -> Prior | None:
    """The prior of a kind's parameter in ``mode`` (or for every mode: ``*``), if any."""
    table = priors()
    return table.get((kind, mode, parameter)) or table.get((kind, "*", parameter))
