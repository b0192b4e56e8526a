"""Scenario discovery: which combinations of uncertain parameters make a policy fail.

PRIM, the Patient Rule Induction Method (Friedman & Fisher 1999), as used for scenario
discovery in robust decision making (Bryant & Lempert 2010): starting from the box that
holds every case, repeatedly peel off the ``alpha`` share of the remaining cases at the
low or high end of one parameter, choosing the peel that leaves the highest share of
cases of interest inside, until the box holds less than ``mass_min`` of all cases.
Each box on that peeling trajectory has a

- coverage: the share of all cases of interest that fall inside it;
- density: the share of cases inside it that are of interest;
- mass: the share of all cases inside it.

The box reported is the one with the highest coverage among those whose density reaches
``threshold`` (the usual choice on the trajectory's coverage-density trade-off); a
parameter whose limits were never peeled is unrestricted. This is a compact numpy
implementation (peeling only, no pasting), so the analysis does not depend on a
particular version of ema-workbench, whose ``prim`` module offers the same method with
more options.

:func:`policy_outcomes` runs the cases: a Latin hypercube over the uncertain
parameters (:mod:`sim.uncertainty`), at each point the policy and ``none`` with the same
seeds (paired, common random numbers), giving the policy's effect per point. With a
``runner`` (``sim.api.SweepRunner``) every case's runs go to a launcher as one sweep
(stage ``cases``), resumable; without one they are run here, one after another.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.analysis.sensitivity import (
    Runner,
    Size,
    base_config,
    base_overrides,
    policy_free,
    run_value,
    value_overrides,
    with_values,
)
from sim.config import UncertaintyConfig
from sim.uncertainty import latin_hypercube

__all__ = ["PrimBox", "policy_outcomes", "prim"]


@dataclass
class PrimBox:
    """A PRIM box.

    Attributes:
        limits: one row per parameter: low, high, restricted (bool).
        coverage: share of all cases of interest inside the box.
        density: share of the cases inside the box that are of interest.
        mass: share of all cases inside the box.
        trajectory: the peeling trajectory: coverage, density, mass, restricted
            dimensions per step.
        index: the chosen step of the trajectory.
    """

    limits: pd.DataFrame
    coverage: float
    density: float
    mass: float
    trajectory: pd.DataFrame
    index: int

    def describe(self, digits: int = 3) -> str:
        """The box in words: the restricted parameters and their limits."""
        rows = self.limits[self.limits["restricted"]]
        if rows.empty:
            return "no restriction (the whole space)"
        parts = [
            f"{name} in [{r.low:.{digits}g}, {r.high:.{digits}g}]" for name, r in rows.iterrows()
        ]
        return " and ".join(parts)


def prim(
    x: pd.DataFrame,
    y: np.ndarray | Sequence[bool],
    *,
    threshold: float = 0.8,
    alpha: float = 0.05,
    mass_min: float = 0.05,
) -> PrimBox:
    """Find the box where the cases of interest concentrate.

    Args:
        x: one row per case, one numeric column per uncertain parameter.
        y: True for a case of interest (e.g. the policy fails there).
        threshold: the density a box must reach to be chosen.
        alpha: share of the box's cases peeled per step.
        mass_min: stop peeling when the box holds less than this share of the cases.

    Returns:
        The chosen :class:`PrimBox`.

    Raises:
        ValueError: if x and y differ in length, or y has no case of interest.
    """
    xv = x.to_numpy(dtype=float)
    yv = np.asarray(y, dtype=bool)
    if xv.shape[0] != yv.shape[0]:
        raise ValueError(f"x has {xv.shape[0]} rows, y {yv.shape[0]}")
    if not yv.any():
        raise ValueError("no case of interest: nothing to discover")
    n, k = xv.shape
    total = yv.sum()
    low = xv.min(axis=0).copy()
    high = xv.max(axis=0).copy()
    inside = np.ones(n, dtype=bool)
    boxes = [(low.copy(), high.copy(), inside.copy())]
    while inside.sum() / n > mass_min:
        best: tuple[float, int, str, float] | None = None
        xi, yi = xv[inside], yv[inside]
        for j in range(k):
            col = xi[:, j]
            for side in ("low", "high"):
                q = np.quantile(col, alpha if side == "low" else 1 - alpha)
                keep = col > q if side == "low" else col < q
                if keep.all() or not keep.any():
                    continue
                dens = float(yi[keep].mean())
                if best is None or dens > best[0]:
                    best = (dens, j, side, float(q))
        if best is None:
            break
        _, j, side, q = best
        if side == "low":
            low[j] = q
            inside &= xv[:, j] > q
        else:
            high[j] = q
            inside &= xv[:, j] < q
        if inside.sum() / n < mass_min:
            break
        boxes.append((low.copy(), high.copy(), inside.copy()))
    full_low, full_high = boxes[0][0], boxes[0][1]
    rows = []
    for lo, hi, ins in boxes:
        restricted = (lo > full_low) | (hi < full_high)
        rows.append(
            {
                "coverage": float(yv[ins].sum() / total),
                "density": float(yv[ins].mean()) if ins.any() else 0.0,
                "mass": float(ins.mean()),
                "restricted": int(restricted.sum()),
            }
        )
    traj = pd.DataFrame(rows)
    cov = traj["coverage"].to_numpy(dtype=float)
    dns = traj["density"].to_numpy(dtype=float)
    good = dns >= threshold
    idx = int(np.flatnonzero(good)[np.argmax(cov[good])]) if good.any() else int(np.argmax(dns))
    lo, hi, _ = boxes[idx]
    limits = pd.DataFrame(
        {"low": lo, "high": hi, "restricted": (lo > full_low) | (hi < full_high)},
        index=pd.Index(x.columns, name="parameter"),
    )
    mass = float(traj["mass"].to_numpy(dtype=float)[idx])
    return PrimBox(limits, float(cov[idx]), float(dns[idx]), mass, traj, idx)


def policy_outcomes(
    policy: str,
    params: dict[str, tuple[float, float] | list[float]],
    samples: int,
    *,
    overrides: Sequence[str] = (),
    population: int = 300,
    steps: int = 20,
    burn_in: int = 5,
    replicates: int = 1,
    metric: str = "cohesion_index",
    design_seed: int = 2018,
    seed_base: int = 0,
    runner: Runner | None = None,
) -> pd.DataFrame:
    """A policy's paired effect at each point of a Latin hypercube over the parameters.

    Args:
        policy: the policy (a file in configs/policy/).
        params: dotted config key -> [low, high].
        samples: points of the design.
        overrides: Hydra overrides for every run (e.g. the future).
        population: citizens.
        steps: weeks after the burn-in.
        burn_in: weeks of burn-in.
        replicates: seeds per point (the same seeds at every point).
        metric: the outcome (scope ``all``, last week).
        design_seed: seed of the design.
        seed_base: first seed.
        runner: where the runs are made: ``sim.api.SweepRunner(sweep_dir, ...)`` runs them
            all as one sweep on a launcher; None runs them here (the same outcomes).

    Keys under ``policy.interventions.`` are left out of the run without policy, as in
    :mod:`sim.uncertainty`.

    Returns:
        One row per point: the parameters, ``effect`` (mean over seeds of policy minus
        ``none``), ``level`` (the policy's mean outcome).
    """
    design = latin_hypercube(
        UncertaintyConfig(
            samples=samples,
            design_seed=design_seed,
            params={k: [float(v[0]), float(v[1])] for k, v in params.items()},
        )
    )
    size = Size(population, steps, burn_in, replicates, 1, 1, 1)
    none = base_config([*overrides, "policy=none"], size)
    treated = base_config([*overrides, f"policy={policy}"], size)
    keys = list(params)
    points = [dict(zip(keys, map(float, p), strict=True)) for p in design[keys].to_numpy(float)]
    seeds = [seed_base + r for r in range(replicates)]
    if runner is None:
        pairs = [
            (
                run_value(with_values(treated, {**v, "seed": s}), metric),
                run_value(with_values(none, policy_free({**v, "seed": s})), metric),
            )
            for v in points
            for s in seeds
        ]
    else:
        on = base_overrides([*overrides, f"policy={policy}"], size)
        off = base_overrides([*overrides, "policy=none"], size)
        jobs = [
            job
            for v in points
            for s in seeds
            for job in (
                [*on, *value_overrides(treated, v), f"seed={s}"],
                [*off, *value_overrides(none, policy_free(v)), f"seed={s}"],
            )
        ]
        y = runner(jobs, metric, "cases")
        pairs = [(float(y[i]), float(y[i + 1])) for i in range(0, len(jobs), 2)]
    ab = np.array(pairs, dtype=float).reshape(len(points), replicates, 2)
    effects = (ab[..., 0] - ab[..., 1]).mean(axis=1)
    levels = ab[..., 0].mean(axis=1)
    out = design.reset_index(drop=True)
    out["effect"] = effects
    out["level"] = levels
    return out
