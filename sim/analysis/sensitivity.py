"""Global sensitivity: Morris screening, then Sobol indices on the influential few.

The uncertain parameters and their ranges are data (``configs/analysis/sensitivity.yaml``,
read by :func:`load_spec`), not code. The study answers: how much does the outcome (the
cohesion index at the horizon, or the paired effect of one policy) depend on each
uncertain parameter?

Two stages, as is usual when model runs are costly (Saltelli et al. 2008, *Global
Sensitivity Analysis: The Primer*, ch. 3-4):

1. Morris elementary effects (Morris 1991; ``mu_star`` of Campolongo, Cariboni &
   Saltelli 2007) over every parameter, with few runs;
2. Sobol first-order and total indices (Saltelli 2002; Saltelli et al. 2010 estimators,
   as implemented by SALib) over the parameters Morris finds influential.

Noise is not sensitivity. The model is stochastic, so every point of a design is run
with ``replicates`` seeds and the outcome is their mean. By default the seeds are
common to all points (``common_seeds: true``: common random numbers, :mod:`sim.streams`), so
the difference between two points is the parameters' doing, not the dice's, and the
study measures the sensitivity of the seed-averaged model. With ``common_seeds: false``
each point gets fresh seeds, and leftover seed noise shows up in every index.

A *dummy* parameter (declared in the config under ``dummies``) is read by nothing: the
wrapper drops it, explicitly, before the model sees a point. With common seeds it must
score zero (a check on the wrapper); with fresh seeds its score is the noise floor.
Either way a real parameter counts as influential only if its ``mu_star`` exceeds
``floor_factor`` times the largest dummy's and its own bootstrap interval half-width
(it is distinguishable from zero). The dummy goes on into the Sobol stage too, as a
reference. The share of single-seed variance that is seed noise is reported.

Test function: :func:`ishigami` (Ishigami & Homma 1990) with its analytic indices
(:func:`ishigami_indices`), to check the wrapper itself.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import yaml
from omegaconf import DictConfig, OmegaConf

from sim.analysis.reference_functions import ishigami, ishigami_indices
from sim.compose import compose, config_dir
from sim.prepare import prepare
from sim.run import run

__all__ = [
    "Factor",
    "ModelFunction",
    "Runner",
    "SensitivityResult",
    "SensitivitySpec",
    "Size",
    "ishigami",
    "ishigami_indices",
    "load_spec",
    "morris_screen",
    "run_study",
    "sobol_indices",
]

#: The default spec, in the configs directory (the repository's, or the packaged copy).
DEFAULT_SPEC = Path("analysis") / "sensitivity.yaml"


@dataclass(frozen=True)
class Factor:
    """An uncertain parameter: its dotted config key and range; a dummy maps to nothing."""

    key: str
    low: float
    high: float
    dummy: bool = False


@dataclass(frozen=True)
class Size:
    """How big a study is: model size and design size."""

    population: int
    steps: int
    burn_in: int
    replicates: int
    morris_trajectories: int
    sobol_n: int
    sobol_top: int


@dataclass
class SensitivitySpec:
    """A sensitivity study, as declared in its YAML file.

    Attributes:
        factors: the uncertain parameters (dummies included, flagged).
        outcome: the metric read at the horizon (scope ``all``).
        policy: if set, the outcome is this policy's paired effect (policy minus
            ``none``, same seed and point) instead of the level.
        overrides: Hydra overrides for every run (e.g. the future).
        floor_factor: a factor is influential if its mu_star exceeds this many times
            the largest dummy's.
        sizes: named sizes (``ci``, ``full``).
        seed: the design's seed.
        common_seeds: every point runs the same seeds (else fresh seeds per point).
    """

    factors: list[Factor]
    outcome: str = "cohesion_index"
    policy: str | None = None
    overrides: list[str] = field(default_factory=list)
    floor_factor: float = 2.0
    sizes: dict[str, Size] = field(default_factory=dict)
    seed: int = 2018
    common_seeds: bool = True


class SpecError(ValueError):
    """A sensitivity config that does not make sense; the message names the key."""


def _range(key: str, value: Any) -> tuple[float, float]:
    ok = (
        isinstance(value, list | tuple)
        and len(value) == 2
        and all(isinstance(v, int | float) and not isinstance(v, bool) for v in value)
        and all(math.isfinite(v) for v in value)
    )
    if not ok:
        raise SpecError(
            f"factors.{key}: must be [low, high] with two finite numbers, got {value!r}"
        )
    low, high = float(value[0]), float(value[1])
    if not low < high:
        raise SpecError(f"factors.{key}: low must be below high, got {[low, high]}")
    return low, high


def load_spec(path: str | Path | None = None) -> SensitivitySpec:
    """Read and check a sensitivity config (plain YAML).

    Args:
        path: the file; default ``analysis/sensitivity.yaml`` in the configs directory.

    Raises:
        SpecError: naming the key, for a missing or malformed entry.
    """
    if path is None:
        path = config_dir() / DEFAULT_SPEC
    raw = yaml.safe_load(Path(path).read_text())
    if not isinstance(raw, dict):
        raise SpecError(f"{path}: must be a mapping")
    known = {"factors", "dummies", "outcome", "policy", "overrides", "floor_factor", "sizes"}
    known |= {"seed", "description", "common_seeds"}
    for k in raw:
        if k not in known:
            raise SpecError(f"{k}: unknown key; allowed: {', '.join(sorted(known))}")
    facs = raw.get("factors")
    if not isinstance(facs, dict) or not facs:
        raise SpecError("factors: must map dotted config keys to [low, high]")
    factors = [Factor(str(k), *_range(str(k), v)) for k, v in facs.items()]
    dummies = raw.get("dummies") or {}
    if not isinstance(dummies, dict):
        raise SpecError("dummies: must map names to [low, high]")
    for k, v in dummies.items():
        if str(k) in facs:
            raise SpecError(f"dummies.{k}: also declared as a factor")
        factors.append(Factor(str(k), *_range(str(k), v), dummy=True))
    sizes: dict[str, Size] = {}
    names = [f.name for f in Size.__dataclass_fields__.values()]
    for name, s in (raw.get("sizes") or {}).items():
        if not isinstance(s, dict) or set(s) != set(names):
            raise SpecError(f"sizes.{name}: must give exactly {', '.join(names)}")
        for k, v in s.items():
            if not isinstance(v, int) or isinstance(v, bool) or v < (0 if k == "burn_in" else 1):
                raise SpecError(f"sizes.{name}.{k}: must be a positive integer, got {v!r}")
        sizes[str(name)] = Size(**s)
    floor = raw.get("floor_factor", 2.0)
    if not isinstance(floor, int | float) or floor <= 0:
        raise SpecError(f"floor_factor: must be a positive number, got {floor!r}")
    overrides = raw.get("overrides") or []
    if not isinstance(overrides, list) or not all(isinstance(o, str) for o in overrides):
        raise SpecError("overrides: must be a list of Hydra override strings")
    common = raw.get("common_seeds", True)
    if not isinstance(common, bool):
        raise SpecError(f"common_seeds: must be true or false, got {common!r}")
    policy = raw.get("policy")
    if policy is not None and not isinstance(policy, str):
        raise SpecError(f"policy: must be a policy name or null, got {policy!r}")
    return SensitivitySpec(
        factors=factors,
        outcome=str(raw.get("outcome", "cohesion_index")),
        policy=policy,
        overrides=list(overrides),
        floor_factor=float(floor),
        sizes=sizes,
        seed=int(raw.get("seed", 2018)),
        common_seeds=common,
    )


def problem(factors: Sequence[Factor]) -> dict[str, Any]:
    """SALib's problem dict for these factors."""
    return {
        "num_vars": len(factors),
        "names": [f.key for f in factors],
        "bounds": [[f.low, f.high] for f in factors],
    }


# --------------------------------------------------------------------------- SALib stages


def morris_screen(
    func: Callable[[np.ndarray], np.ndarray],
    factors: Sequence[Factor],
    trajectories: int,
    *,
    levels: int = 4,
    seed: int = 0,
) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """Morris elementary effects.

    Args:
        func: maps a design (rows = points, columns = factors) to one outcome per row.
        factors: the factors, in column order.
        trajectories: Morris trajectories r (runs: r (k + 1)).
        levels: grid levels p.
        seed: seed of the design and of the bootstrap.

    Returns:
        (table indexed by factor with mu, mu_star, mu_star_conf, sigma and dummy, the
        design X, the outcomes Y).
    """
    from SALib.analyze import morris as morris_analyze
    from SALib.sample import morris as morris_sample

    prob = problem(factors)
    x = morris_sample.sample(prob, trajectories, num_levels=levels, seed=seed)
    y = np.asarray(func(x), dtype=float)
    res = morris_analyze.analyze(prob, x, y, num_levels=levels, seed=seed)
    table = pd.DataFrame(
        {
            "mu": res["mu"],
            "mu_star": res["mu_star"],
            "mu_star_conf": res["mu_star_conf"],
            "sigma": res["sigma"],
            "dummy": [f.dummy for f in factors],
        },
        index=pd.Index(prob["names"], name="factor"),
    )
    return table, x, y


def sobol_indices(
    func: Callable[[np.ndarray], np.ndarray],
    factors: Sequence[Factor],
    n: int,
    *,
    seed: int = 0,
) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """First-order and total Sobol indices (Saltelli sampling, no second order).

    Args:
        func: maps a design to one outcome per row.
        factors: the factors, in column order.
        n: base sample size N, a power of 2 (runs: N (k + 2)).
        seed: seed of the design and of the bootstrap.

    Returns:
        (table indexed by factor with S1, S1_conf, ST, ST_conf and dummy, X, Y).
    """
    from SALib.analyze import sobol as sobol_analyze
    from SALib.sample import sobol as sobol_sample

    prob = problem(factors)
    x = sobol_sample.sample(prob, n, calc_second_order=False, seed=seed)
    y = np.asarray(func(x), dtype=float)
    res = sobol_analyze.analyze(prob, y, calc_second_order=False, seed=seed)
    table = pd.DataFrame(
        {
            "S1": res["S1"],
            "S1_conf": res["S1_conf"],
            "ST": res["ST"],
            "ST_conf": res["ST_conf"],
            "dummy": [f.dummy for f in factors],
        },
        index=pd.Index(prob["names"], name="factor"),
    )
    return table, x, y


# --------------------------------------------------------------------------- the model


def horizon_value(ts: pa.Table, metric: str, scope: str = "all") -> float:
    """A metric's value at the last recorded week of a run's time series."""
    rows = ts.filter(pc.and_(pc.equal(ts["metric"], metric), pc.equal(ts["scope"], scope)))
    if rows.num_rows == 0:
        raise KeyError(f"no {metric!r} for scope {scope!r} in the time series")
    last = pc.max(rows["step"])
    return float(rows.filter(pc.equal(rows["step"], last))["value"][0].as_py())


def run_value(cfg: DictConfig, metric: str, scope: str = "all") -> float:
    """Run a composed config (the one run path) and return its metric at the horizon."""
    tables = run(prepare(cfg), keep_model=False)
    return horizon_value(tables.timeseries, metric, scope)


def base_overrides(overrides: Sequence[str], size: Size) -> list[str]:
    """The overrides every run of a study starts from (quiet, at the given size)."""
    return [
        *overrides,
        f"population.size={size.population}",
        f"steps={size.steps}",
        f"burn_in={size.burn_in}",
        "progress=false",
        "plot=false",
    ]


def base_config(overrides: Sequence[str], size: Size) -> DictConfig:
    """The composed config every run of a study starts from (quiet, at the given size)."""
    return compose(base_overrides(overrides, size))


def policy_free(values: dict[str, float]) -> dict[str, float]:
    """The values without intervention parameters (``policy.interventions.*``).

    The run without policy has no interventions, so their parameters are left out of
    it, as :mod:`sim.uncertainty` skips them.
    """
    return {k: v for k, v in values.items() if not k.startswith("policy.interventions.")}


def with_values(cfg: DictConfig, values: dict[str, float]) -> DictConfig:
    """A copy of cfg with the dotted keys set; a key that is not in the config is an error."""
    out = cfg.copy()
    for key, value in values.items():
        if OmegaConf.select(out, key, default="__missing__") == "__missing__":
            raise SpecError(f"factors.{key}: not a config key")
        current = OmegaConf.select(out, key)
        v: float | int = value
        if isinstance(current, int) and not isinstance(current, bool):
            v = round(value)
        OmegaConf.update(out, key, v, merge=False)
    return out


def value_overrides(cfg: DictConfig, values: dict[str, float]) -> list[str]:
    """``values`` as override strings (``key=value``) that set what :func:`with_values` sets.

    A key whose configured value is an integer gets the rounded value, as in
    :func:`with_values`; a float is written exactly (``repr``).

    Raises:
        SpecError: a key that is not in the config.
    """
    out = []
    for key, value in values.items():
        current = OmegaConf.select(cfg, key, default="__missing__")
        if current == "__missing__":
            raise SpecError(f"factors.{key}: not a config key")
        if isinstance(current, int) and not isinstance(current, bool):
            out.append(f"{key}={round(value)}")
        else:
            out.append(f"{key}={float(value)!r}")
    return out


class Runner(Protocol):
    """Where a design's runs are made: each job's outcome at the horizon, in order.

    ``sim.api.SweepRunner`` runs them as one sweep on a launcher (parallel, Slurm, Ray)
    into a sweep directory, resumable; ``None`` in place of a runner runs them here, one
    after another.
    """

    def __call__(
        self, jobs: Sequence[Sequence[str]], metric: str, stage: str = "design"
    ) -> np.ndarray:
        """Run each job (override strings) and return its metric at the horizon (scope all).

        Args:
            jobs: each job's overrides, complete (on top of the defaults).
            metric: the outcome metric.
            stage: a name for this batch of runs (a sub-directory of a sweep runner's).
        """
        ...


class ModelFunction:
    """The model as a function of a design: each row's outcome, averaged over seeds.

    Dummy factors are dropped here, explicitly, before the model sees the point. With
    ``spec.common_seeds`` every point runs seeds ``seed_base`` to ``seed_base +
    replicates - 1``; otherwise each evaluation gets fresh seeds (a running count from
    ``seed_base``), so seed noise is not common to all points and a dummy shows it.
    Per-seed outcomes are kept in ``replicate_values`` (one row per point) to estimate
    the noise share.

    ``factors`` (the design's columns) starts as every factor of the spec; set it to a
    subset for a later stage (the others stay at their configured values).

    With a ``runner`` (e.g. ``sim.api.SweepRunner``) each call's runs (every point x
    seed x [``none``, policy]) are handed to it as one list of jobs, named by ``stage``
    (``run_study`` sets ``morris``, then ``sobol``); without one they are run here, one
    after another. Both give the same outcomes.

    Args:
        spec: the study.
        size: the model and design size.
        seed_base: first seed.
        runner: where the runs are made (None: here, one after another).
    """

    def __init__(
        self,
        spec: SensitivitySpec,
        size: Size,
        seed_base: int = 10_000,
        runner: Runner | None = None,
    ) -> None:
        self.spec = spec
        self.size = size
        self.runner = runner
        self.stage = "design"
        self.base = base_overrides([*spec.overrides, "policy=none"], size)
        self.base_policy = base_overrides([*spec.overrides, f"policy={spec.policy}"], size)
        self.cfg = compose(self.base)
        self.cfg_policy = compose(self.base_policy) if spec.policy else None
        real = [f for f in spec.factors if not f.dummy]
        lows = {f.key: f.low for f in real}
        with_values(self.cfg_policy or self.cfg, lows)  # fail early on a bad key
        with_values(self.cfg, policy_free(lows))
        self.factors: list[Factor] = list(spec.factors)
        self.seed_base = seed_base
        self.next_seed = seed_base
        self.runs = 0
        self.seconds = 0.0
        self.replicate_values: list[np.ndarray] = []

    def _outcome(self, values: dict[str, float], seed: int) -> float:
        t0 = time.perf_counter()
        cfg = with_values(self.cfg, {**policy_free(values), "seed": seed})
        value = run_value(cfg, self.spec.outcome)
        self.runs += 1
        if self.cfg_policy is not None:
            treated = with_values(self.cfg_policy, {**values, "seed": seed})
            value = run_value(treated, self.spec.outcome) - value
            self.runs += 1
        self.seconds += time.perf_counter() - t0
        return value

    def _jobs(self, values: dict[str, float], seed: int) -> list[list[str]]:
        """The runs of one point and seed as jobs: ``none``, then the policy if any."""
        none = [*self.base, *value_overrides(self.cfg, policy_free(values)), f"seed={seed}"]
        if self.cfg_policy is None:
            return [none]
        treated = [*self.base_policy, *value_overrides(self.cfg_policy, values), f"seed={seed}"]
        return [none, treated]

    def _seeds(self, n: int) -> np.ndarray:
        """The seeds of n points (rows) x replicates (columns)."""
        reps = self.size.replicates
        if self.spec.common_seeds:
            return np.tile(np.arange(reps) + self.seed_base, (n, 1))
        seeds = np.arange(n * reps).reshape(n, reps) + self.next_seed
        self.next_seed += n * reps
        return seeds

    def __call__(self, x: np.ndarray) -> np.ndarray:
        """One outcome per row of x (columns in the order of ``self.factors``)."""
        x = np.atleast_2d(x)
        points = [
            {f.key: float(v) for f, v in zip(self.factors, row, strict=True) if not f.dummy}
            for row in x
        ]
        seeds = self._seeds(len(points))
        if self.runner is None:
            reps = np.array(
                [
                    [self._outcome(p, int(s)) for s in row]
                    for p, row in zip(points, seeds, strict=True)
                ]
            ).reshape(seeds.shape)
        else:
            reps = self._run_all(points, seeds)
        self.replicate_values.extend(np.asarray(r, dtype=float) for r in reps)
        return reps.mean(axis=1)

    def _run_all(self, points: list[dict[str, float]], seeds: np.ndarray) -> np.ndarray:
        """Every run of the points on the runner, as one batch; outcomes per point and seed."""
        assert self.runner is not None
        t0 = time.perf_counter()
        jobs = [
            job
            for p, row in zip(points, seeds, strict=True)
            for s in row
            for job in self._jobs(p, int(s))
        ]
        y = np.asarray(self.runner(jobs, self.spec.outcome, self.stage), dtype=float)
        self.runs += len(jobs)
        self.seconds += time.perf_counter() - t0
        per = 2 if self.cfg_policy is not None else 1
        y = y.reshape((*seeds.shape, per))
        out = y[..., 1] - y[..., 0] if per == 2 else y[..., 0]
        return np.asarray(out, dtype=float)

    def noise_share(self) -> float:
        """Share of a single run's variance that is seed noise, over the design's points.

        One-way random-effects decomposition: noise variance s_w^2 (mean within-point
        variance over seeds), parameter variance max(0, var(point means) - s_w^2 / R);
        the share is s_w^2 / (s_w^2 + parameter variance).
        """
        if not self.replicate_values or self.size.replicates < 2:
            return math.nan
        reps = np.vstack(self.replicate_values)
        within = float(reps.var(axis=1, ddof=1).mean())
        between = max(0.0, float(reps.mean(axis=1).var(ddof=1)) - within / reps.shape[1])
        total = within + between
        return within / total if total > 0 else math.nan


@dataclass
class SensitivityResult:
    """A finished study.

    Attributes:
        morris: Morris table (mu_star etc.) with ``influential``.
        sobol: Sobol table for the factors taken forward (empty if none).
        noise_floor: the largest dummy's mu_star (0 with common seeds).
        noise_share: share of single-seed variance that is seed noise (Morris stage).
        runs: model runs made.
        seconds: wall time in model runs.
        size: the size used.
    """

    morris: pd.DataFrame
    sobol: pd.DataFrame
    noise_floor: float
    noise_share: float
    runs: int
    seconds: float
    size: Size

    @property
    def seconds_per_run(self) -> float:
        """Mean wall time per model run."""
        return self.seconds / self.runs if self.runs else math.nan


def run_study(
    spec: SensitivitySpec,
    size: Size | str = "ci",
    *,
    sobol: bool = True,
    runner: Runner | None = None,
) -> SensitivityResult:
    """Morris over every factor, then Sobol over the influential ones and the dummies.

    Args:
        spec: the study (see :func:`load_spec`).
        size: a :class:`Size` or the name of one in ``spec.sizes``.
        sobol: run the second stage.
        runner: where the runs are made: ``sim.api.SweepRunner(sweep_dir, launcher=...,
            n_jobs=...)`` runs each stage as one sweep (stages ``morris`` and ``sobol``,
            resumable); None runs them here, one after another (the same outcomes).
    """
    sz = spec.sizes[size] if isinstance(size, str) else size
    func = ModelFunction(spec, sz, runner=runner)
    func.stage = "morris"
    morris, _, _ = morris_screen(func, spec.factors, sz.morris_trajectories, seed=spec.seed)
    dummies = morris[morris["dummy"]]
    floor = float(dummies["mu_star"].max()) if not dummies.empty else 0.0
    morris["influential"] = (
        ~morris["dummy"]
        & (morris["mu_star"] > spec.floor_factor * floor)
        & (morris["mu_star"] > morris["mu_star_conf"])
    )
    morris = morris.sort_values("mu_star", ascending=False)
    noise = func.noise_share()
    table = pd.DataFrame(columns=["S1", "S1_conf", "ST", "ST_conf", "dummy"])
    if sobol:
        top = morris[morris["influential"]].head(sz.sobol_top).index.tolist()
        chosen = [f for f in spec.factors if f.key in top or f.dummy]
        if top:
            func.factors = chosen  # the others stay at their configured values
            func.stage = "sobol"
            table, _, _ = sobol_indices(func, chosen, sz.sobol_n, seed=spec.seed)
    return SensitivityResult(morris, table, floor, noise, func.runs, func.seconds, sz)
