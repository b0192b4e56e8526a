"""Calibration of the uncertain trust parameters to CBS trust in parliament.

Observed: ``data/cbs_trust_parliament.csv`` (CBS, share of persons 15+ trusting the
Tweede Kamer; sources in the file and in data/README.md).

Mapping from model state to a survey share (the rule, stated once):

- a citizen "trusts parliament" when their institutional trust is above 0.5 (the same
  reading the rally shock uses, :class:`sim.shocks.Rally`);
- model week w = 1 is the first week of January 2020 (week 0 is the state after the
  burn-in, the end of 2019); a date d falls in week ``(d - 2019-12-30).days // 7 + 1``;
- a published figure for a period (a quarter or a year) is compared with the mean of
  the weekly share over the model weeks that period covers;
- periods before week 1 (the 2012-2016 average) are not fitted.

The future is ``crisis_2020``: the rally round the flag in week 11 (mid-March 2020)
and the benefits scandal in week 55 (January 2021), the shock kinds ``rally`` and
``scandal`` of :mod:`sim.shocks`.

Estimator (chosen deliberately for few, noisy points and a costly simulator): an
approximate Bayesian computation by rejection (Beaumont, Zhang & Balding 2002) on a
Latin hypercube over the parameter box (uniform prior): every point is run with the
same seeds (common random numbers, so the loss surface is smooth in the parameters and
not in the dice), the loss is the root mean square error in percentage points, and the
``accept`` share of points with the lowest loss (at least 5) is the approximate
posterior. The best point (the lowest loss, so always an accepted point) is the
estimate; each parameter's accepted range is the lowest to the highest value among the
accepted points, so it holds the estimate. Identifiability is read from the posterior
spread: a parameter whose accepted values spread more than ``identified_ratio`` (0.5)
times as widely as the prior (standard deviations) is reported as not identifiable from
these points; the profile (lowest loss in each bin of one parameter, :func:`profile`)
shows the same thing as a flat curve. A gradient optimiser is not used: the share of
citizens above a threshold is a step function of the parameters at any finite
population.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
from omegaconf import DictConfig

from sim.analysis.sensitivity import Size, base_config, with_values
from sim.config import UncertaintyConfig
from sim.datafiles import data_file
from sim.model import CohesionModel
from sim.prepare import prepare
from sim.run import run
from sim.uncertainty import latin_hypercube

__all__ = [
    "CBS_DATA",
    "DEFAULT_PARAMS",
    "Calibration",
    "fit",
    "load_observed",
    "profile",
    "simulate_shares",
    "survey_share",
    "week_of",
]


CBS_DATA = data_file("cbs_trust_parliament.csv")
#: Week 1 of the model starts on this Monday (the first week of January 2020).
WEEK_ONE = date(2019, 12, 30)
#: A citizen trusts parliament when trust exceeds this.
TRUST_THRESHOLD = 0.5
FUTURE = "crisis_2020"
#: At least this many accepted points for a posterior spread ...
MIN_ACCEPTED = 5
#: ... and they may be at most this share of the design, or the verdict is left open.
MAX_ACCEPTED_SHARE = 0.25
#: The uncertain trust parameters fitted by default, with their prior ranges.
DEFAULT_PARAMS: dict[str, tuple[float, float]] = {
    # level: the town population's default 0.45 gives ~37% above 0.5 (configs/population)
    "population.trust_mean": (0.35, 0.75),
    # how fast the rally ebbs: half-lives from 9 to 140 weeks
    "dynamics.trust.recovery": (0.005, 0.08),
    # the scandal's depth (the kind's own range, sim.shocks.Scandal)
    "scenario.shocks.benefits_scandal.effect.vulnerable_loss": (0.1, 0.5),
}


def week_of(d: date | str | pd.Timestamp) -> int:
    """The model week a date falls in (week 1 begins on Monday 30 December 2019)."""
    day = pd.Timestamp(d).date()
    return (day - WEEK_ONE).days // 7 + 1


def load_observed(path: str | Path = CBS_DATA) -> pd.DataFrame:
    """The observed series with the model weeks each figure covers.

    Returns:
        period, start, end, share, first_week, last_week, fitted (False for periods
        before week 1).
    """
    obs = pd.read_csv(path, comment="#")
    obs["first_week"] = obs["start"].map(week_of)
    obs["last_week"] = obs["end"].map(week_of)
    obs["fitted"] = obs["first_week"] >= 1
    return obs


def survey_share(trust: np.ndarray) -> float:
    """The survey reading of the model: share of citizens with trust above 0.5."""
    return float((trust > TRUST_THRESHOLD).mean())


def _weekly_shares(cfg: DictConfig) -> np.ndarray:
    """Share above the threshold at week 0..steps for one run."""
    typed = prepare(cfg)
    out = np.empty(typed.steps + 1)

    def read(model: CohesionModel) -> None:
        out[model.steps] = survey_share(model.population.trust)

    run(typed, on_week=read, keep_model=False)
    return out


def period_shares(weekly: np.ndarray, obs: pd.DataFrame) -> np.ndarray:
    """Each observed period's model value: the mean weekly share over its weeks."""
    first = obs["first_week"].to_numpy(dtype=int)
    last = obs["last_week"].to_numpy(dtype=int)
    return np.array([weekly[a : b + 1].mean() for a, b in zip(first, last, strict=True)])


def simulate_shares(
    values: dict[str, float],
    obs: pd.DataFrame,
    *,
    population: int = 500,
    burn_in: int = 20,
    seeds: Sequence[int] = (0,),
    overrides: Sequence[str] = (),
) -> np.ndarray:
    """The model's value for each fitted period at a parameter point, mean over seeds.

    Args:
        values: dotted config key -> value.
        obs: the fitted observations (from :func:`load_observed`).
        population: citizens.
        burn_in: weeks of burn-in.
        seeds: seeds (the same at every point).
        overrides: more Hydra overrides.
    """
    steps = int(obs["last_week"].max())
    cfg = base_config(
        [f"scenario={FUTURE}", "policy=none", f"metrics_every={steps}", *overrides],
        Size(population, steps, burn_in, 1, 1, 1, 1),
    )
    runs = [
        period_shares(_weekly_shares(with_values(cfg, {**values, "seed": s})), obs) for s in seeds
    ]
    return np.mean(runs, axis=0)


@dataclass
class Calibration:
    """A finished fit.

    Attributes:
        observed: the fitted observations.
        design: one row per design point: the parameters, ``rmse`` (percentage points)
            and ``accepted``.
        estimate: the best point's parameter values.
        fitted: the observations with the model's value at the estimate (``model``).
        posterior: per parameter: prior low/high, estimate, posterior mean, sd,
            ``accepted_low`` and ``accepted_high`` (the lowest and the highest value among
            the accepted points: every accepted point, the estimate included, lies in
            between; not a 95% interval, whose 2.5% and 97.5% quantiles of a handful of
            points would leave out the points at the ends, which may be the estimate),
            ``spread_ratio`` (posterior sd / prior sd), ``identifiable`` and ``verdict``
            (``identifiable``, ``not identifiable``, or ``too few design points to tell``
            when the accepted points, at least 5, would be more than a quarter of the
            design).
        runs: model runs made.
        seconds: wall time.
    """

    observed: pd.DataFrame
    design: pd.DataFrame
    estimate: dict[str, float]
    fitted: pd.DataFrame
    posterior: pd.DataFrame
    runs: int
    seconds: float

    @property
    def rmse(self) -> float:
        """RMSE of the best point, percentage points."""
        return float(self.design["rmse"].min())


def rmse_pp(model: np.ndarray, observed: np.ndarray) -> float:
    """Root mean square error in percentage points."""
    return float(np.sqrt(np.mean((100.0 * (model - observed)) ** 2)))


def fit(
    obs: pd.DataFrame | None = None,
    params: dict[str, tuple[float, float]] | None = None,
    *,
    samples: int = 40,
    accept: float = 0.2,
    identified_ratio: float = 0.5,
    population: int = 500,
    burn_in: int = 20,
    seeds: Sequence[int] = (0,),
    design_seed: int = 2020,
    overrides: Sequence[str] = (),
) -> Calibration:
    """Fit the parameters to the observed shares by ABC rejection on a Latin hypercube.

    Args:
        obs: observations (default: the CBS series); only rows with ``fitted`` are used.
        params: dotted key -> (low, high) prior ranges (default :data:`DEFAULT_PARAMS`).
        samples: points in the design.
        accept: share of points (lowest loss) accepted as the posterior.
        identified_ratio: a parameter is identifiable if its posterior sd is below this
            many times its prior sd.
        population: citizens.
        burn_in: weeks of burn-in.
        seeds: seeds run at every point.
        design_seed: seed of the design.
        overrides: more Hydra overrides.

    Raises:
        ValueError: when the loss at a design point is not a finite number.
    """
    t0 = time.perf_counter()
    obs = load_observed() if obs is None else obs
    obs = obs[obs["fitted"]].reset_index(drop=True)
    params = DEFAULT_PARAMS if params is None else params
    design = latin_hypercube(
        UncertaintyConfig(
            samples=samples,
            design_seed=design_seed,
            params={k: [float(lo), float(hi)] for k, (lo, hi) in params.items()},
        )
    ).reset_index(drop=True)
    target = obs["share"].to_numpy(dtype=float)
    sims = []
    keys = list(params)
    for point in design[keys].to_numpy(dtype=float):
        values = dict(zip(keys, map(float, point), strict=True))
        sims.append(
            simulate_shares(
                values,
                obs,
                population=population,
                burn_in=burn_in,
                seeds=seeds,
                overrides=overrides,
            )
        )
    design["rmse"] = [rmse_pp(s, target) for s in sims]
    broken = np.flatnonzero(~np.isfinite(design["rmse"].to_numpy(dtype=float)))
    if broken.size:
        # a point without a loss can be neither ranked nor accepted
        raise ValueError(
            f"the loss is not a finite number at design points {broken.tolist()} "
            "(a model value is missing or not a number there)"
        )
    n_acc = max(MIN_ACCEPTED, math.ceil(accept * samples))
    decidable = n_acc <= MAX_ACCEPTED_SHARE * samples
    order = design["rmse"].rank(method="first")
    design["accepted"] = order <= n_acc
    acc = design[design["accepted"]]
    # the estimate is taken from the accepted points (the one with the lowest loss, which
    # is the best point of the design), so it lies in every range reported below
    rows_accepted = np.flatnonzero(design["accepted"].to_numpy())
    best = int(rows_accepted[np.argmin(acc["rmse"].to_numpy(dtype=float))])
    estimate = {k: float(design[k].to_numpy(dtype=float)[best]) for k in params}
    fitted = obs.copy()
    fitted["model"] = sims[best]
    rows = []
    for k, (lo, hi) in params.items():
        prior_sd = (hi - lo) / math.sqrt(12.0)
        sd = float(acc[k].std(ddof=1))
        ratio = sd / prior_sd if prior_sd > 0 else math.nan
        rows.append(
            {
                "parameter": k,
                "prior_low": lo,
                "prior_high": hi,
                "estimate": estimate[k],
                "posterior_mean": float(acc[k].mean()),
                "posterior_sd": sd,
                "accepted_low": float(acc[k].min()),
                "accepted_high": float(acc[k].max()),
                "spread_ratio": ratio,
                "identifiable": bool(decidable and ratio < identified_ratio),
                "verdict": (
                    "too few design points to tell"
                    if not decidable
                    else "identifiable"
                    if ratio < identified_ratio
                    else "not identifiable"
                ),
            }
        )
    posterior = pd.DataFrame(rows).set_index("parameter")
    return Calibration(
        observed=obs,
        design=design,
        estimate=estimate,
        fitted=fitted,
        posterior=posterior,
        runs=samples * len(seeds),
        seconds=time.perf_counter() - t0,
    )


def profile(cal: Calibration, parameter: str, bins: int = 5) -> pd.DataFrame:
    """The loss profile of one parameter: the lowest RMSE in each of ``bins`` equal bins.

    A flat profile means the data cannot tell the parameter's values apart.
    """
    post = cal.posterior
    lo = float(post["prior_low"].to_numpy(dtype=float)[post.index.get_loc(parameter)])
    hi = float(post["prior_high"].to_numpy(dtype=float)[post.index.get_loc(parameter)])
    edges = np.linspace(lo, hi, bins + 1)
    d = cal.design
    which = np.clip(np.searchsorted(edges, d[parameter], side="right") - 1, 0, bins - 1)
    out = d.groupby(which)["rmse"].min().reindex(range(bins))
    return pd.DataFrame(
        {"low": edges[:-1], "high": edges[1:], "min_rmse": out.to_numpy()},
    )
