"""Validation: the canonical opinion-dynamics results, and docking against ndlib.

Reduced by its presets (``preset=deffuant``, ``preset=hk``, ``preset=algorithmic_bias``),
the model should reproduce what the literature reports for those special cases, and
agree with an independent implementation of the same rule. This module holds the
measures and runners for that (docs/validation.md reports the results):

- :func:`clusters` / :func:`major_clusters`: opinion clusters as the connected
  components of the "within the bound" relation on the sorted opinions; a cluster is
  *major* if it holds more than 1% of the citizens (Weisbuch et al. 2002 count major
  clusters, leaving aside the few extremists that stay behind). :func:`effective_clusters`
  is the participation ratio of cluster sizes used by Sirbu et al. (2019).
- :func:`is_converged`: a state is converged when every cluster is tighter than a
  tolerance, so no pair that can still interact has opinions that differ by more than
  the tolerance (nothing visible will change any more). The time to converge is the
  number of interactions per citizen until that holds, for our weekly matchings and for
  ndlib's sequential iterations alike (:class:`Outcome`).
- :func:`run_model` (our model) and :func:`run_ndlib` (ndlib's
  ``AlgorithmicBiasModel``), returning the same :class:`Outcome`.
- :func:`tost`: Welch two one-sided tests of equivalence of two means, with its power.
- :func:`flache_macy_run`: polarisation on a connected-caveman network with and without
  long-range ties (Flache & Macy 2011).

``python -m sim.analysis.validation --out docs/figures`` runs every study, writes the
figures ``validation_*.png`` and ``validation.json`` with all numbers. ``--quick`` runs a
reduced set (for a smoke test); ``--only NAME`` runs one study.

Time units: one of our weeks is a random matching, each citizen in at most one pair
(about N/2 pairs under random mixing; fewer with algorithmic bias, where a proposal is
kept only if it does not conflict with another). One ndlib iteration is N sequential
pair interactions. Both are converted to *interactions per citizen*: total pairs formed
divided by N (each pair counted once, whether or not the two were within the bound),
which is the unit of Sirbu et al. (2019, Fig. 3).

Global random state: ndlib draws from numpy's global RandomState and the stdlib
``random``. The package never touches them: :func:`run_ndlib` calls the ndlib peer code
in ``benchmarks/ndlib_peer.py`` (a repository checkout, like ndlib itself a test
dependency), which seeds both, runs, and restores them.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray
from omegaconf import DictConfig

from sim.analysis.stats import Tost, tost
from sim.config import RunConfig
from sim.model import CohesionModel
from sim.prepare import prepare
from sim.run import run

__all__ = [
    "CONVERGENCE_TOL",
    "MAJOR_SHARE",
    "Outcome",
    "Tost",
    "base_config",
    "clusters",
    "effective_clusters",
    "flache_macy_run",
    "fm_polarization",
    "is_converged",
    "main",
    "major_clusters",
    "opinion_groups",
    "pair_law",
    "run_model",
    "run_ndlib",
    "sweep_table",
    "tost",
]

F64 = NDArray[np.float64]
I64 = NDArray[np.int64]

#: A cluster is major if it holds more than this share of the citizens (Weisbuch et al.
#: 2002 leave out the handful of extremists that never join a cluster).
MAJOR_SHARE = 0.01
#: Converged when every cluster's opinions span less than this (opinions in [0, 1]).
CONVERGENCE_TOL = 1e-3


# --------------------------------------------------------------------------- measures
def clusters(x: F64, eps: float, *, closed: bool = False) -> I64:
    """Sizes of the opinion clusters, from the lowest opinion to the highest.

    Two citizens are in one cluster if a chain of citizens links them in which each
    step is a distance within the bound: ``< eps`` for Deffuant and ndlib
    (``closed=False``), ``<= eps`` for Hegselmann-Krause (``closed=True``). In a
    converged state these are exactly the groups that can no longer meet anyone else.

    Args:
        x: opinions.
        eps: the confidence bound (0-1).
        closed: whether citizens exactly eps apart still interact.
    """
    if x.shape[0] == 0:
        return np.zeros(0, dtype=np.int64)
    gaps = np.diff(np.sort(x))
    split = gaps > eps if closed else gaps >= eps
    edges = np.concatenate([[0], np.flatnonzero(split) + 1, [x.shape[0]]])
    return np.diff(edges).astype(np.int64)


def major_clusters(x: F64, eps: float, *, share: float = MAJOR_SHARE, closed: bool = False) -> int:
    """Number of clusters holding more than ``share`` of the citizens."""
    sizes = clusters(x, eps, closed=closed)
    return int((sizes > share * x.shape[0]).sum())


def effective_clusters(x: F64, eps: float, *, closed: bool = False) -> float:
    """Effective number of clusters (sum c)^2 / sum c^2 (Sirbu et al. 2019)."""
    sizes = clusters(x, eps, closed=closed).astype(np.float64)
    if sizes.shape[0] == 0:
        return 0.0
    return float(sizes.sum() ** 2 / (sizes**2).sum())


def is_converged(x: F64, eps: float, *, tol: float = CONVERGENCE_TOL, closed: bool = False) -> bool:
    """Whether every cluster spans less than ``tol`` (see the module docstring)."""
    xs = np.sort(x)
    gaps = np.diff(xs)
    split = gaps > eps if closed else gaps >= eps
    starts = np.concatenate([[0], np.flatnonzero(split) + 1])
    ends = np.concatenate([np.flatnonzero(split), [xs.shape[0] - 1]])
    return bool(np.all(xs[ends] - xs[starts] < tol))


def opinion_groups(x: F64, *, tol: float = CONVERGENCE_TOL, share: float = MAJOR_SHARE) -> int:
    """Groups of near-identical opinions holding more than ``share`` of the citizens.

    The sorted opinions are split wherever two neighbours differ by more than ``tol``.
    In a converged state these are the major clusters; in a run stopped before it
    converged (strong algorithmic bias) they count the fragments that have formed, which
    may still be chained within the bound.
    """
    if x.shape[0] == 0:
        return 0
    gaps = np.diff(np.sort(x))
    edges = np.concatenate([[0], np.flatnonzero(gaps > tol) + 1, [x.shape[0]]])
    return int((np.diff(edges) > share * x.shape[0]).sum())


def fm_polarization(x: F64) -> float:
    """Flache & Macy (2011) polarisation: variance of the pairwise opinion distances.

    Computed on their [-1, 1] scale (distance 2|x_i - x_j| for our [0, 1] opinions), so
    it is 1 for two equal camps at the poles and 0 under consensus.
    """
    n = x.shape[0]
    if n < 2:
        return 0.0
    iu, ju = np.triu_indices(n, 1)
    d = 2.0 * np.abs(x[iu] - x[ju])
    return float(d.var())


# --------------------------------------------------------------------------- runners
@dataclass
class Outcome:
    """How one run ended.

    Attributes:
        converged: whether it converged within the cap.
        steps: weeks (ours) or iterations (ndlib) run, at most the cap.
        interactions: pair interactions per citizen until convergence (midpoint of the
            last check interval, see :func:`run_model`), or until the cap if it did not
            converge.
        major: number of major clusters at the end.
        effective: effective number of clusters at the end.
        groups: number of opinion groups at the end (:func:`opinion_groups`); equal to
            ``major`` once converged, and a count of fragments in a run that has not.
        opinions: the final opinions.
    """

    converged: bool
    steps: int
    interactions: float
    major: int
    effective: float
    groups: int
    opinions: F64 = field(repr=False)


def base_config(overrides: Sequence[str]) -> RunConfig:
    """Compose and validate a config (e.g. ``["preset=deffuant", "dynamics.confidence=0.2"]``)."""
    from sim import api

    return prepare(api.compose(list(overrides)))


def outcome(
    x: F64,
    eps: float,
    closed: bool,
    converged: bool,
    steps: int,
    interactions: float,
    tol: float = CONVERGENCE_TOL,
) -> Outcome:
    return Outcome(
        converged=converged,
        steps=steps,
        interactions=interactions,
        major=major_clusters(x, eps, closed=closed),
        effective=effective_clusters(x, eps, closed=closed),
        groups=opinion_groups(x, tol=tol),
        opinions=x.copy(),
    )


def run_model(
    cfg: RunConfig | DictConfig,
    seed: int,
    *,
    max_steps: int,
    max_interactions: float | None = None,
    tol: float = CONVERGENCE_TOL,
) -> Outcome:
    """Run our model from ``seed`` until converged or a cap (weeks, or interactions).

    The run stops after ``max_steps`` weeks, or once ``max_interactions`` interactions
    per citizen have taken place if that is given. Convergence is checked every week;
    the time is the interactions per citizen at the midpoint of the week in which it
    first held (the crossing lies somewhere in that week, so the midpoint is unbiased to
    first order whatever the week's length). For the synchronous update
    (Hegselmann-Krause), ``interactions`` is the number of rounds instead and ``steps``
    the round at which it converged.
    """
    typed = prepare(cfg) if isinstance(cfg, DictConfig) else cfg
    typed = dataclasses.replace(
        typed, seed=seed, steps=max_steps, metrics_every=max(max_steps, 1), progress=False
    )
    eps = typed.dynamics.confidence
    hk = typed.dynamics.influence.update == "synchronous"
    found: list[Outcome] = []
    pairs = {"start": 0, "before": 0}

    def watch(model: CohesionModel) -> bool:
        x = model.population.opinion
        n = x.shape[0]
        week = model.steps
        done = model.counters["pairs"] - pairs["start"]
        if week == 0:
            pairs["start"] = model.counters["pairs"]
            if is_converged(x, eps, tol=tol, closed=hk):
                found.append(outcome(x, eps, hk, True, 0, 0.0, tol))
            elif max_steps == 0:
                found.append(outcome(x, eps, hk, False, 0, 0.0, tol))
            return bool(found)
        if is_converged(x, eps, tol=tol, closed=hk):
            t = float(week) if hk else (pairs["before"] + 0.5 * (done - pairs["before"])) / n
            found.append(outcome(x, eps, hk, True, week, t, tol))
        elif max_interactions is not None and done >= max_interactions * n:
            found.append(outcome(x, eps, hk, False, week, done / n, tol))
        elif week == max_steps:
            found.append(outcome(x, eps, hk, False, week, float(week) if hk else done / n, tol))
        pairs["before"] = done
        return bool(found)

    run(typed, on_week=watch, keep_model=False)
    return found[0]


def run_ndlib(
    n: int,
    eps: float,
    gamma: float,
    seed: int,
    *,
    max_iterations: int,
    tol: float = CONVERGENCE_TOL,
) -> Outcome:
    """Run ndlib's ``AlgorithmicBiasModel`` on a complete graph of ``n`` nodes.

    ndlib fixes mu = 0.5 and updates pairs sequentially, N interactions per iteration
    (so one iteration is one interaction per citizen); convergence is checked after every
    iteration with the same rule as :func:`run_model`. ndlib draws from global random
    state, so the runner lives with the other ndlib peer code, outside the package
    (``benchmarks/ndlib_peer.py``, in a repository checkout): it seeds that state and
    restores it afterwards.
    """
    from benchmarks.ndlib_peer import run_to_convergence

    return run_to_convergence(n, eps, gamma, seed, max_iterations=max_iterations, tol=tol)


# --------------------------------------------------------------------------- statistics
# --------------------------------------------------------------------------- Flache & Macy
def flache_macy_run(
    cfg: RunConfig | DictConfig, seed: int, *, weeks: int, every: int = 0
) -> tuple[float, F64]:
    """Polarisation (:func:`fm_polarization`) after ``weeks`` weeks, and its path.

    Returns the final value and the values every ``every`` weeks (empty if 0).
    """
    typed = prepare(cfg) if isinstance(cfg, DictConfig) else cfg
    typed = dataclasses.replace(
        typed, seed=seed, steps=weeks, metrics_every=max(weeks, 1), progress=False
    )
    path: list[float] = []

    def watch(model: CohesionModel) -> None:
        if every and model.steps and model.steps % every == 0:
            path.append(fm_polarization(model.population.opinion))

    tables = run(typed, on_week=watch)
    assert tables.model is not None
    return fm_polarization(tables.model.population.opinion), np.asarray(path)


# --------------------------------------------------------------------------- diagnostics
def pair_law(x: F64, gamma: float, eps: float, draws: int, seed: int = 0) -> dict[str, Any]:
    """Which pairs meet: our weekly matching against the sequential law, at a fixed state.

    Sequentially (Sirbu et al. 2019; ndlib), a citizen drawn uniformly picks a partner
    with P(j) ~ max(d, 1e-5)^-gamma, so pair {i, j} meets at rate p_i(j) + p_j(i). Our
    week keeps only non-conflicting proposals. Both are summarised by the share of
    meetings between identical opinions (d < 1e-9, no effect), active ones
    (1e-9 <= d < eps) and ones beyond the bound; for ours also the pairs a week per
    citizen, which converts weeks to interactions per citizen.
    """
    from sim.dynamics.encounters import draw_encounters
    from sim.network import Network, symmetric_layer

    n = x.shape[0]
    none = np.zeros(0, dtype=np.int64)
    d = np.abs(x[:, None] - x[None, :])
    w = np.maximum(d, 1e-5) ** (-gamma)
    np.fill_diagonal(w, 0.0)
    p = w / w.sum(axis=1, keepdims=True)
    iu = np.triu_indices(n, 1)
    seq = (p + p.T)[iu]
    dd = d[iu]
    net = Network(
        symmetric_layer(none, none, n), symmetric_layer(none, none, n), random_mixing=True
    )
    rng = np.random.default_rng(seed)
    counts = np.zeros((n, n))
    for _ in range(draws):
        enc = draw_encounters(x, np.ones(n), net, gamma, rng)
        np.add.at(counts, (np.minimum(enc.a, enc.b), np.maximum(enc.a, enc.b)), 1.0)
    ours = counts[iu]

    def shares(v: F64) -> dict[str, float]:
        v = v / v.sum()
        return {
            "identical": float(v[dd < 1e-9].sum()),
            "active": float(v[(dd >= 1e-9) & (dd < eps)].sum()),
            "beyond_bound": float(v[dd >= eps].sum()),
        }

    return {
        "sequential": shares(seq),
        "matching": shares(ours),
        "pairs_per_citizen_per_week": float(ours.sum() / draws / n),
    }


# --------------------------------------------------------------------------- experiments
def sweep_table(sweep_dir: Path) -> list[dict[str, Any]]:
    """Tabulate the runs of an experiment's sweep from its job directories.

    For every job directory under ``sweep_dir`` (those holding ``final_state.parquet``),
    one row: the job's overrides (``key=value`` from ``.hydra/overrides.yaml``), and from
    the final opinions the number of major clusters, the effective number of clusters
    (under the run's own bound and update) and Flache & Macy's polarisation.
    """
    import pandas as pd
    from omegaconf import OmegaConf

    rows: list[dict[str, Any]] = []
    for state in sorted(Path(sweep_dir).rglob("final_state.parquet")):
        job = state.parent
        cfg = OmegaConf.load(job / ".hydra" / "config.yaml")
        over = OmegaConf.load(job / ".hydra" / "overrides.yaml")
        row: dict[str, Any] = {}
        for item in over:
            key, _, value = str(item).partition("=")
            if key != "experiment":
                row[key] = value
        x = pd.read_parquet(state, columns=["opinion"])["opinion"].to_numpy(np.float64)
        eps = float(cfg.dynamics.confidence)
        closed = str(cfg.dynamics.influence.update) == "synchronous"
        row["job"] = str(job.relative_to(sweep_dir))
        row["major_clusters"] = major_clusters(x, eps, closed=closed)
        row["effective_clusters"] = effective_clusters(x, eps, closed=closed)
        row["fm_polarization"] = fm_polarization(x)
        rows.append(row)
    return rows


# --------------------------------------------------------------------------- studies
@dataclass
class Sizes:
    """How big each study is (``full`` for the documented results, ``quick`` to smoke-test)."""

    deffuant_n: int = 1000
    deffuant_seeds: int = 30
    deffuant_eps: tuple[float, ...] = (0.10, 0.15, 0.20, 0.25, 0.30, 0.35, 0.40, 0.45, 0.50, 0.55)
    mu_eps: tuple[float, ...] = (0.15, 0.25, 0.35)
    mu_values: tuple[float, ...] = (0.1, 0.3, 0.5)
    mu_seeds: int = 30
    hk_n: tuple[int, ...] = (200, 1000, 5000)
    hk_eps: tuple[float, ...] = tuple(round(0.10 + 0.01 * k, 2) for k in range(21))
    hk_seeds: int = 30
    ab_n: int = 200
    ab_eps: tuple[float, ...] = (0.2, 0.3, 0.4)
    ab_gamma: tuple[float, ...] = (0.0, 0.5, 1.0, 1.5)
    ab_seeds: int = 20
    ab_max_interactions: int = 10_000
    dock_n: int = 100
    dock_eps: float = 0.2
    dock_seeds: dict[float, int] = field(default_factory=lambda: {0.0: 200, 0.5: 100, 1.0: 100})
    dock_max_interactions: int = 20_000
    fm_n: int = 100
    fm_cave: int = 5
    fm_long_range: tuple[float, ...] = (0.0, 0.05, 0.1, 0.2, 0.3, 0.5, 1.0)
    fm_seeds: int = 30
    fm_weeks: int = 5000
    fm_every: int = 10

    @classmethod
    def quick(cls) -> Sizes:
        """A few runs of every study (about a minute)."""
        return cls(
            deffuant_n=300,
            deffuant_seeds=2,
            deffuant_eps=(0.15, 0.3, 0.55),
            mu_eps=(0.3,),
            mu_values=(0.2, 0.5),
            mu_seeds=2,
            hk_n=(300,),
            hk_eps=(0.12, 0.2, 0.28),
            hk_seeds=2,
            ab_n=60,
            ab_eps=(0.3,),
            ab_gamma=(0.0, 0.5),
            ab_seeds=2,
            ab_max_interactions=2000,
            dock_n=40,
            dock_seeds={0.0: 3, 0.5: 3},
            dock_max_interactions=2000,
            fm_n=60,
            fm_long_range=(0.0, 0.5),
            fm_seeds=2,
            fm_weeks=100,
        )


#: TOST margins, fixed before the docking runs (docs/validation.md justifies them).
MARGIN_CLUSTERS = 0.3
#: On log(time): a ratio of geometric means within 1/1.15 to 1.15.
MARGIN_LOG_TIME = math.log(1.15)


def _log(msg: str) -> None:
    print(f"[validation] {msg}", file=sys.stderr, flush=True)


def _record(out: Outcome, **keys: Any) -> dict[str, Any]:
    return {
        **keys,
        "converged": out.converged,
        "steps": out.steps,
        "interactions": out.interactions,
        "major": out.major,
        "effective": out.effective,
        "groups": out.groups,
    }


def _quartiles(times: Sequence[float]) -> dict[str, float]:
    q1, q2, q3 = np.percentile(np.asarray(times, dtype=float), [25, 50, 75])
    return {"q25_interactions": q1, "median_interactions": q2, "q75_interactions": q3}


def study_deffuant(sz: Sizes) -> dict[str, Any]:
    """Deffuant et al. (2000), Weisbuch et al. (2002): major clusters against eps, mu 0.5."""
    runs = []
    for eps in sz.deffuant_eps:
        cfg = base_config(
            ["preset=deffuant", f"dynamics.confidence={eps}", f"population.size={sz.deffuant_n}"]
        )
        for seed in range(sz.deffuant_seeds):
            runs.append(_record(run_model(cfg, seed, max_steps=40_000), eps=eps, seed=seed))
        _log(f"deffuant eps={eps} done")
    table = []
    for eps in sz.deffuant_eps:
        r = [x for x in runs if x["eps"] == eps]
        major = np.array([x["major"] for x in r])
        pred = max(1, math.floor(1.0 / (2.0 * eps)))  # above eps = 0.5: consensus
        table.append(
            {
                "eps": eps,
                "predicted": pred,
                "major_mean": float(major.mean()),
                "major_sd": float(major.std(ddof=1)) if major.shape[0] > 1 else 0.0,
                "major_counts": {
                    int(k): int(v)
                    for k, v in zip(*np.unique(major, return_counts=True), strict=True)
                },
                "share_equal_to_predicted": float((major == pred).mean()),
                "share_within_one": float((np.abs(major - pred) <= 1).mean()),
                "consensus_share": float((major == 1).mean()),
                **_quartiles([x["interactions"] for x in r]),
                "converged_share": float(np.mean([x["converged"] for x in r])),
            }
        )
    return {"n": sz.deffuant_n, "mu": 0.5, "seeds": sz.deffuant_seeds, "table": table, "runs": runs}


def study_mu(sz: Sizes) -> dict[str, Any]:
    """Deffuant et al. (2000): mu changes the time to converge, not the major clusters."""
    runs = []
    for eps in sz.mu_eps:
        for mu in sz.mu_values:
            cfg = base_config(
                [
                    "preset=deffuant",
                    f"dynamics.confidence={eps}",
                    f"dynamics.convergence={mu}",
                    f"population.size={sz.deffuant_n}",
                ]
            )
            for seed in range(sz.mu_seeds):
                runs.append(
                    _record(run_model(cfg, seed, max_steps=100_000), eps=eps, mu=mu, seed=seed)
                )
            _log(f"mu eps={eps} mu={mu} done")
    table = []
    ref_mu = max(sz.mu_values)
    for eps in sz.mu_eps:
        ref = [x["major"] for x in runs if x["eps"] == eps and x["mu"] == ref_mu]
        for mu in sz.mu_values:
            r = [x for x in runs if x["eps"] == eps and x["mu"] == mu]
            major = [x["major"] for x in r]
            row: dict[str, Any] = {
                "eps": eps,
                "mu": mu,
                "major_mean": float(np.mean(major)),
                **_quartiles([x["interactions"] for x in r]),
                "converged_share": float(np.mean([x["converged"] for x in r])),
            }
            if mu != ref_mu and len(major) > 1:
                row[f"tost_vs_mu_{ref_mu}"] = tost(major, ref, MARGIN_CLUSTERS).as_dict()
            table.append(row)
    return {"n": sz.deffuant_n, "seeds": sz.mu_seeds, "table": table, "runs": runs}


def study_hk(sz: Sizes) -> dict[str, Any]:
    """Hegselmann & Krause (2002), Fortunato (2005): consensus above eps ~ 0.2."""
    runs = []
    for n in sz.hk_n:
        for eps in sz.hk_eps:
            cfg = base_config(["preset=hk", f"dynamics.confidence={eps}", f"population.size={n}"])
            for seed in range(sz.hk_seeds):
                out = run_model(cfg, seed, max_steps=5000)
                all_one = clusters(out.opinions, eps, closed=True).shape[0] == 1
                runs.append(_record(out, n=n, eps=eps, seed=seed) | {"consensus": all_one})
        _log(f"hk n={n} done")
    table = []
    thresholds = {}
    for n in sz.hk_n:
        pc = []
        for eps in sz.hk_eps:
            r = [x for x in runs if x["n"] == n and x["eps"] == eps]
            pc.append(float(np.mean([x["consensus"] for x in r])))
            table.append(
                {
                    "n": n,
                    "eps": eps,
                    "consensus_share": pc[-1],
                    "major_mean": float(np.mean([x["major"] for x in r])),
                    "median_rounds": float(np.median([x["steps"] for x in r])),
                    "converged_share": float(np.mean([x["converged"] for x in r])),
                }
            )
        thresholds[str(n)] = _crossing(list(sz.hk_eps), pc, 0.5)
    return {
        "seeds": sz.hk_seeds,
        "table": table,
        "threshold_p_consensus_half": thresholds,
        "runs": runs,
    }


def _crossing(xs: list[float], ys: list[float], level: float) -> float | None:
    """The x where ys first rises through ``level`` (linear interpolation), or None."""
    for k in range(1, len(xs)):
        if ys[k - 1] < level <= ys[k]:
            return xs[k - 1] + (level - ys[k - 1]) * (xs[k] - xs[k - 1]) / (ys[k] - ys[k - 1])
    return xs[0] if ys and ys[0] >= level else None


def study_algorithmic_bias(sz: Sizes) -> dict[str, Any]:
    """Sirbu et al. (2019): more clusters and slower convergence as gamma grows."""
    runs = []
    for eps in sz.ab_eps:
        for gamma in sz.ab_gamma:
            cfg = base_config(
                [
                    "preset=algorithmic_bias",
                    f"dynamics.confidence={eps}",
                    f"dynamics.algorithmic_bias={gamma}",
                    f"population.size={sz.ab_n}",
                ]
            )
            for seed in range(sz.ab_seeds):
                out = run_model(
                    cfg, seed, max_steps=1_000_000, max_interactions=sz.ab_max_interactions
                )
                runs.append(_record(out, eps=eps, gamma=gamma, seed=seed))
            _log(f"algorithmic bias eps={eps} gamma={gamma} done")
    table = []
    for eps in sz.ab_eps:
        for gamma in sz.ab_gamma:
            r = [x for x in runs if x["eps"] == eps and x["gamma"] == gamma]
            table.append(
                {
                    "eps": eps,
                    "gamma": gamma,
                    "effective_mean": float(np.mean([x["effective"] for x in r])),
                    "major_mean": float(np.mean([x["major"] for x in r])),
                    "groups_mean": float(np.mean([x["groups"] for x in r])),
                    **_quartiles([x["interactions"] for x in r]),
                    "converged_share": float(np.mean([x["converged"] for x in r])),
                }
            )
    return {
        "n": sz.ab_n,
        "seeds": sz.ab_seeds,
        "max_interactions": sz.ab_max_interactions,
        "table": table,
        "runs": runs,
    }


def study_docking(sz: Sizes) -> dict[str, Any]:
    """Ours against ndlib's AlgorithmicBiasModel at the same N, eps and gamma."""
    eps, n = sz.dock_eps, sz.dock_n
    runs = []
    for gamma, seeds in sz.dock_seeds.items():
        cfg = base_config(
            [
                "preset=algorithmic_bias",
                f"dynamics.confidence={eps}",
                f"dynamics.algorithmic_bias={gamma}",
                f"population.size={n}",
            ]
        )
        for seed in range(seeds):
            out = run_model(
                cfg, seed, max_steps=1_000_000, max_interactions=sz.dock_max_interactions
            )
            runs.append(_record(out, impl="ours", gamma=gamma, seed=seed))
        _log(f"docking ours gamma={gamma} done")
        if gamma == 0.0:
            cfg_d = base_config(
                ["preset=deffuant", f"dynamics.confidence={eps}", f"population.size={n}"]
            )
            for seed in range(seeds):
                out = run_model(
                    cfg_d, seed, max_steps=1_000_000, max_interactions=sz.dock_max_interactions
                )
                runs.append(_record(out, impl="ours_deffuant_preset", gamma=gamma, seed=seed))
        t0 = time.perf_counter()
        for seed in range(seeds):
            # ndlib seeds are offset so they share no seed value with ours (independent runs)
            out = run_ndlib(n, eps, gamma, 10_000 + seed, max_iterations=sz.dock_max_interactions)
            runs.append(_record(out, impl="ndlib", gamma=gamma, seed=10_000 + seed))
        _log(f"docking ndlib gamma={gamma} done ({time.perf_counter() - t0:.0f} s)")
    tests = []
    for gamma in sz.dock_seeds:
        ref = [x for x in runs if x["impl"] == "ndlib" and x["gamma"] == gamma]
        for impl in ("ours", "ours_deffuant_preset"):
            r = [x for x in runs if x["impl"] == impl and x["gamma"] == gamma]
            if not r or len(r) < 2:
                continue
            tests.append(
                {
                    "gamma": gamma,
                    "impl": impl,
                    "n_seeds": len(r),
                    "ours_major_mean": float(np.mean([x["major"] for x in r])),
                    "ndlib_major_mean": float(np.mean([x["major"] for x in ref])),
                    "ours_median_interactions": float(np.median([x["interactions"] for x in r])),
                    "ndlib_median_interactions": float(np.median([x["interactions"] for x in ref])),
                    "converged_share": [
                        float(np.mean([x["converged"] for x in r])),
                        float(np.mean([x["converged"] for x in ref])),
                    ],
                    "tost_major": tost(
                        [x["major"] for x in r], [x["major"] for x in ref], MARGIN_CLUSTERS
                    ).as_dict(),
                    "tost_log_time": tost(
                        np.log([x["interactions"] for x in r]),
                        np.log([x["interactions"] for x in ref]),
                        MARGIN_LOG_TIME,
                    ).as_dict(),
                    "ks_time_pvalue": _ks(
                        [x["interactions"] for x in r], [x["interactions"] for x in ref]
                    ),
                }
            )
    return {
        "n": n,
        "eps": eps,
        "margin_major": MARGIN_CLUSTERS,
        "margin_log_time": MARGIN_LOG_TIME,
        "tests": tests,
        "runs": runs,
    }


def _ks(a: Sequence[float], b: Sequence[float]) -> float:
    from scipy import stats

    return float(stats.ks_2samp(a, b).pvalue)


def study_pair_law(sz: Sizes) -> dict[str, Any]:
    """Diagnostic: our matching against the sequential pair law, at a mid-run state."""
    out: dict[str, Any] = {}
    for gamma in sz.dock_seeds:
        cfg = base_config(
            [
                "preset=algorithmic_bias",
                f"dynamics.confidence={sz.dock_eps}",
                f"dynamics.algorithmic_bias={gamma}",
                f"population.size={sz.dock_n}",
            ]
        )
        # a state after 30 weeks: some clusters formed, most not yet merged
        typed = dataclasses.replace(cfg, steps=30, metrics_every=30, progress=False)
        model = run(typed).model
        assert model is not None
        out[str(gamma)] = pair_law(
            model.population.opinion.copy(),
            gamma,
            sz.dock_eps,
            draws=2000 if sz.dock_n >= 100 else 100,
        )
    return out


#: Flache & Macy (2011) aggregate over all neighbours at once ("synchronous" with
#: similarity weights); "pairwise" is our weekly meeting of one partner.
FM_UPDATES = ("synchronous", "pairwise")


def study_flache_macy(sz: Sizes) -> dict[str, Any]:
    """Flache & Macy (2011): long-range ties on a connected-caveman graph.

    Run with their aggregation (every citizen moves at once by the weighted mean over all
    its ties) and with our weekly pairwise meetings, each with and without negative
    influence.
    """
    runs = []
    paths: dict[str, list[float]] = {}
    for update in FM_UPDATES:
        for neg in (True, False):
            for lr in sz.fm_long_range:
                cfg = base_config(
                    [
                        "preset=deffuant",
                        "network=caveman",
                        f"network.cave_size={sz.fm_cave}",
                        f"network.long_range={lr}",
                        f"population.size={sz.fm_n}",
                        "dynamics.influence.weighting=similarity",
                        f"dynamics.influence.update={update}",
                        f"dynamics.influence.negative_influence={str(neg).lower()}",
                    ]
                )
                acc = []
                for seed in range(sz.fm_seeds):
                    final, path = flache_macy_run(cfg, seed, weeks=sz.fm_weeks, every=sz.fm_every)
                    runs.append(
                        {
                            "update": update,
                            "negative": neg,
                            "long_range": lr,
                            "seed": seed,
                            "final": final,
                            "path": path.tolist(),
                        }
                    )
                    acc.append(path)
                paths[f"{update}:{neg}:{lr}"] = np.mean(acc, axis=0).tolist()
                _log(f"flache-macy update={update} negative={neg} long_range={lr} done")
    early = min(50, sz.fm_weeks)
    k_early = early // sz.fm_every - 1
    table = []
    trend = {}
    for update in FM_UPDATES:
        for neg in (True, False):
            sel = [x for x in runs if x["update"] == update and x["negative"] == neg]
            for lr in sz.fm_long_range:
                r = [x for x in sel if x["long_range"] == lr]
                finals = [x["final"] for x in r]
                table.append(
                    {
                        "update": update,
                        "negative": neg,
                        "long_range": lr,
                        "final_mean": float(np.mean(finals)),
                        "final_sd": float(np.std(finals, ddof=1)) if len(r) > 1 else 0.0,
                        f"week_{early}_mean": float(np.mean([x["path"][k_early] for x in r])),
                    }
                )
            # with negative influence the end state is the outcome; with positive influence
            # every run ends in consensus, so the claim is about the way there (week `early`)
            key = "final" if neg else "early"
            xs = [x["long_range"] for x in sel]
            ys = [x["final"] if neg else x["path"][k_early] for x in sel]
            trend[f"{update}:{neg}"] = {"measure": key, **_spearman(xs, ys)}
    for x in runs:
        del x["path"]
    return {
        "n": sz.fm_n,
        "cave": sz.fm_cave,
        "weeks": sz.fm_weeks,
        "early_week": early,
        "every": sz.fm_every,
        "updates": list(FM_UPDATES),
        "table": table,
        "trend_with_long_range": trend,
        "mean_paths": paths,
        "runs": runs,
    }


def _spearman(xs: Sequence[float], ys: Sequence[float]) -> dict[str, float]:
    from scipy import stats

    res = stats.spearmanr(xs, ys)
    return {"spearman_rho": float(res.statistic), "pvalue": float(res.pvalue)}


STUDIES: dict[str, Callable[[Sizes], dict[str, Any]]] = {
    "deffuant": study_deffuant,
    "deffuant_mu": study_mu,
    "hk": study_hk,
    "algorithmic_bias": study_algorithmic_bias,
    "docking": study_docking,
    "pair_law": study_pair_law,
    "flache_macy": study_flache_macy,
}


# --------------------------------------------------------------------------- figures
def _time_band(
    ax: Any, xs: Sequence[float], rows: list[dict[str, Any]], color: str, label: str | None
) -> None:
    """Median time to converge with its interquartile band, on a log axis."""
    ax.plot(xs, [t["median_interactions"] for t in rows], "o-", color=color, label=label)
    ax.fill_between(
        xs,
        [t["q25_interactions"] for t in rows],
        [t["q75_interactions"] for t in rows],
        color=color,
        alpha=0.15,
    )
    ax.set_yscale("log")


def _figure_deffuant(res: dict[str, Any], path: Path) -> None:
    import matplotlib.pyplot as plt

    from sim.plots import save_figure

    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(12, 4.5), constrained_layout=True)
    runs = res["runs"]
    rng = np.random.default_rng(0)  # jitter of the dots only
    eps = np.array([r["eps"] for r in runs])
    major = np.array([r["major"] for r in runs], dtype=float)
    ax1.scatter(
        eps + rng.uniform(-0.008, 0.008, eps.shape[0]),
        major,
        s=8,
        alpha=0.35,
        color="C0",
        label="one run",
    )
    tab = res["table"]
    ax1.plot(
        [t["eps"] for t in tab],
        [t["major_mean"] for t in tab],
        "o-",
        color="C0",
        label="mean over runs",
    )
    grid = np.linspace(0.09, 0.56, 400)
    ax1.plot(
        grid,
        np.maximum(1.0, np.floor(1.0 / (2.0 * grid))),
        color="k",
        lw=1.2,
        ls="--",
        label="floor(1 / (2 eps)); consensus above 0.5",
    )
    ax1.set_xlabel("confidence bound eps")
    ax1.set_ylabel("major clusters (> 1% of citizens)")
    ax1.set_title(f"Deffuant, random mixing, N = {res['n']}, mu = 0.5, {res['seeds']} seeds")
    ax1.legend(fontsize=8)
    ax1.grid(alpha=0.3)
    _time_band(ax2, [t["eps"] for t in tab], tab, "C0", None)
    ax2.set_xlabel("confidence bound eps")
    ax2.set_ylabel("interactions per citizen to converge\n(median, band: quartiles)")
    ax2.set_title("Time to converge (every cluster tighter than 1e-3)")
    ax2.grid(alpha=0.3, which="both")
    save_figure(fig, path)


def _figure_mu(res: dict[str, Any], path: Path) -> None:
    import matplotlib.pyplot as plt

    from sim.plots import save_figure

    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(12, 4.5), constrained_layout=True)
    tab = res["table"]
    mus = sorted({t["mu"] for t in tab})
    for k, mu in enumerate(mus):
        rows = [t for t in tab if t["mu"] == mu]
        off = (k - (len(mus) - 1) / 2) * 0.006
        ax1.plot(
            [t["eps"] + off for t in rows],
            [t["major_mean"] for t in rows],
            "o-",
            label=f"mu = {mu}",
        )
        _time_band(ax2, [t["eps"] for t in rows], rows, f"C{k}", f"mu = {mu}")
    ax1.set_xlabel("confidence bound eps")
    ax1.set_ylabel("major clusters (mean over runs)")
    ax1.set_title(
        f"Deffuant: mu and the number of major clusters (N = {res['n']}, {res['seeds']} seeds)"
    )
    ax2.set_xlabel("confidence bound eps")
    ax2.set_ylabel("interactions per citizen to converge\n(median, band: quartiles)")
    ax2.set_title("mu and the time to converge")
    for ax in (ax1, ax2):
        ax.grid(alpha=0.3, which="both")
        ax.legend(fontsize=8)
    save_figure(fig, path)


def _figure_hk(res: dict[str, Any], path: Path) -> None:
    import matplotlib.pyplot as plt

    from sim.plots import save_figure

    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(12, 4.5), constrained_layout=True)
    tab = res["table"]
    for n in sorted({t["n"] for t in tab}):
        rows = [t for t in tab if t["n"] == n]
        ax1.plot(
            [t["eps"] for t in rows],
            [t["consensus_share"] for t in rows],
            "o-",
            ms=3,
            label=f"N = {n}",
        )
        ax2.plot(
            [t["eps"] for t in rows], [t["major_mean"] for t in rows], "o-", ms=3, label=f"N = {n}"
        )
    for ax in (ax1, ax2):
        ax.axvline(0.2, color="k", ls="--", lw=1, label="eps = 0.2 (Fortunato 2005)")
        ax.set_xlabel("confidence bound eps")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    ax1.set_ylabel("share of runs ending in consensus (one cluster)")
    ax1.set_title(f"Hegselmann-Krause, complete mixing, {res['seeds']} seeds")
    ax2.set_ylabel("major clusters (mean over runs)")
    ax2.set_title("Fragmentation below the threshold")
    save_figure(fig, path)


def _figure_ab(res: dict[str, Any], path: Path) -> None:
    import matplotlib.pyplot as plt

    from sim.plots import save_figure

    fig, axes = plt.subplots(1, 3, figsize=(17, 4.6), constrained_layout=True)
    tab = res["table"]
    for k, eps in enumerate(sorted({t["eps"] for t in tab})):
        rows = [t for t in tab if t["eps"] == eps]
        g = [t["gamma"] for t in rows]
        done = [t["converged_share"] == 1.0 for t in rows]
        for ax, key in ((axes[0], "effective_mean"), (axes[1], "groups_mean")):
            ax.plot(g, [t[key] for t in rows], "-", color=f"C{k}", label=f"eps = {eps}")
            for gi, t, ok in zip(g, rows, done, strict=True):
                ax.plot(gi, t[key], "o", color=f"C{k}", mfc=f"C{k}" if ok else "white")
        _time_band(axes[2], g, rows, f"C{k}", f"eps = {eps}")
    axes[2].axhline(res["max_interactions"], color="k", lw=0.8, ls=":", label="cap")
    axes[0].set_ylabel("effective number of clusters (mean)")
    axes[0].set_title(f"Algorithmic bias, N = {res['n']}, {res['seeds']} seeds")
    axes[1].set_ylabel("opinion groups > 1% of citizens (mean)")
    axes[1].set_title("Fragments (open marker: runs stopped at the cap)")
    axes[2].set_ylabel("interactions per citizen to converge\n(median, band: quartiles)")
    axes[2].set_title("Time to converge")
    for ax in axes:
        ax.set_xlabel("algorithmic bias gamma")
        ax.grid(alpha=0.3, which="both")
        ax.legend(fontsize=8)
    save_figure(fig, path)


def _ecdf(ax: Any, values: Sequence[float], **kw: Any) -> None:
    v = np.sort(np.asarray(values, dtype=float))
    ax.step(v, np.arange(1, v.shape[0] + 1) / v.shape[0], where="post", **kw)


def _figure_docking(res: dict[str, Any], path: Path) -> None:
    import matplotlib.pyplot as plt

    from sim.plots import save_figure

    gammas = sorted({r["gamma"] for r in res["runs"]})
    fig, axes = plt.subplots(
        2, len(gammas), figsize=(4.2 * len(gammas), 7.5), constrained_layout=True, squeeze=False
    )
    styles = {
        "ndlib": {"color": "k", "lw": 2.0, "label": "ndlib AlgorithmicBiasModel"},
        "ours": {"color": "C1", "lw": 1.6, "label": "ours, preset=algorithmic_bias"},
        "ours_deffuant_preset": {
            "color": "C0",
            "lw": 1.2,
            "ls": "--",
            "label": "ours, preset=deffuant",
        },
    }
    for k, gamma in enumerate(gammas):
        for impl, st in styles.items():
            r = [x for x in res["runs"] if x["gamma"] == gamma and x["impl"] == impl]
            if not r:
                continue
            _ecdf(axes[0, k], [x["major"] for x in r], **st)
            _ecdf(axes[1, k], [x["interactions"] for x in r], **st)
        axes[0, k].set_title(f"N = {res['n']}, eps = {res['eps']}, gamma = {gamma}")
        axes[0, k].set_xlabel("major clusters")
        axes[1, k].set_xlabel("interactions per citizen to converge")
        axes[1, k].set_xscale("log")
        for ax in axes[:, k]:
            ax.set_ylabel("cumulative share of runs")
            ax.grid(alpha=0.3)
    axes[0, 0].legend(fontsize=8, loc="lower right")
    save_figure(fig, path)


_FM_TITLE = {"synchronous": "Flache & Macy averaging", "pairwise": "weekly pairwise meetings"}


def _figure_fm(res: dict[str, Any], path: Path) -> None:
    import matplotlib.pyplot as plt

    from sim.plots import save_figure

    updates = res["updates"]
    fig, axes = plt.subplots(
        len(updates), 3, figsize=(16, 4.2 * len(updates)), constrained_layout=True, squeeze=False
    )
    early = res["early_week"]
    lr_max = max(t["long_range"] for t in res["table"])
    for row, update in zip(axes, updates, strict=True):
        tab = [t for t in res["table"] if t["update"] == update]
        for neg, ax, key, what in (
            (True, row[0], "final_mean", f"with negative influence: week {res['weeks']:,}"),
            (False, row[1], f"week_{early}_mean", f"positive influence only: week {early}"),
        ):
            rows = [t for t in tab if t["negative"] == neg]
            color = "C3" if neg else "C2"
            ax.plot([t["long_range"] for t in rows], [t[key] for t in rows], "o-", color=color)
            if neg:
                pts = [x for x in res["runs"] if x["negative"] and x["update"] == update]
                ax.scatter(
                    [x["long_range"] for x in pts],
                    [x["final"] for x in pts],
                    s=6,
                    alpha=0.3,
                    color=color,
                )
            ax.set_xlabel("long-range ties added per citizen")
            ax.set_ylabel("polarisation (variance of pairwise distances)")
            ax.set_title(f"{_FM_TITLE[update]}, {what}")
            ax.grid(alpha=0.3)
        every = res["every"]
        for neg in (True, False):
            for lr in (0.0, lr_max):
                mean = res["mean_paths"].get(f"{update}:{neg}:{lr}")
                if mean is None:
                    continue
                row[2].plot(
                    every * (1 + np.arange(len(mean))),
                    mean,
                    color="C3" if neg else "C2",
                    ls="-" if lr == 0.0 else "--",
                    label=f"{'negative' if neg else 'positive only'}, {lr:g} long-range ties",
                )
        row[2].set_xscale("log")
        row[2].set_xlabel("week")
        row[2].set_ylabel("polarisation (mean over runs)")
        row[2].set_title(f"{_FM_TITLE[update]}: {res['n']} citizens, caves of {res['cave']}")
        row[2].legend(fontsize=8)
        row[2].grid(alpha=0.3)
    save_figure(fig, path)


FIGURES: dict[str, Callable[[dict[str, Any], Path], None]] = {
    "deffuant": _figure_deffuant,
    "deffuant_mu": _figure_mu,
    "hk": _figure_hk,
    "algorithmic_bias": _figure_ab,
    "docking": _figure_docking,
    "flache_macy": _figure_fm,
}


# --------------------------------------------------------------------------- entry point
# --------------------------------------------------------------------------- tables
def _md(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c) for c in r) + " |" for r in rows]
    return "\n".join(lines)


def _f(x: float | None, nd: int = 2) -> str:
    return "-" if x is None else f"{x:.{nd}f}"


def _t(x: float) -> str:
    """A time to converge, to three significant figures."""
    return f"{x:.3g}" if x < 1000 else f"{x:,.0f}"


def _tost_cell(t: dict[str, Any], *, ratio: bool = False) -> str:
    lo, hi = t["ci90"]
    if ratio:
        d, lo, hi = math.exp(t["diff"]), math.exp(lo), math.exp(hi)
        body = f"{d:.2f} ({lo:.2f} to {hi:.2f})"
    else:
        body = f"{t['diff']:+.2f} ({lo:+.2f} to {hi:+.2f})"
    verdict = "equivalent" if t["equivalent"] else "not shown equivalent"
    return f"{body}, {verdict}, power {t['power']:.2f}"


def markdown_tables(results: dict[str, Any]) -> dict[str, str]:
    """The tables of docs/validation.md, rendered from ``validation.json``.

    Returns one Markdown table per study present in ``results``, keyed by study name.
    """
    out: dict[str, str] = {}
    if "deffuant" in results:
        out["deffuant"] = _md(
            [
                "eps",
                "floor(1/(2 eps))",
                "major clusters: mean (counts)",
                "= predicted",
                "consensus",
                "interactions per citizen: median (IQR)",
                "converged",
            ],
            [
                [
                    f"{t['eps']:.2f}",
                    t["predicted"],
                    f"{t['major_mean']:.2f} ("
                    + ", ".join(f"{k}: {v}" for k, v in t["major_counts"].items())
                    + ")",
                    f"{t['share_equal_to_predicted']:.0%}",
                    f"{t['consensus_share']:.0%}",
                    f"{_t(t['median_interactions'])} ({_t(t['q25_interactions'])}"
                    f"-{_t(t['q75_interactions'])})",
                    f"{t['converged_share']:.0%}",
                ]
                for t in results["deffuant"]["table"]
            ],
        )
    if "deffuant_mu" in results:
        rows = []
        for t in results["deffuant_mu"]["table"]:
            key = next((k for k in t if k.startswith("tost_vs_mu_")), None)
            rows.append(
                [
                    f"{t['eps']:.2f}",
                    f"{t['mu']:.1f}",
                    f"{t['major_mean']:.2f}",
                    "reference" if key is None else _tost_cell(t[key]),
                    f"{_t(t['median_interactions'])} ({_t(t['q25_interactions'])}"
                    f"-{_t(t['q75_interactions'])})",
                    f"{t['converged_share']:.0%}",
                ]
            )
        out["deffuant_mu"] = _md(
            [
                "eps",
                "mu",
                "major clusters",
                "difference to mu = 0.5 (90% CI), TOST 0.3",
                "interactions per citizen: median (IQR)",
                "converged",
            ],
            rows,
        )
    if "hk" in results:
        hk = results["hk"]
        ns = sorted({t["n"] for t in hk["table"]})
        epss = sorted({t["eps"] for t in hk["table"]})
        cell = {(t["n"], t["eps"]): t for t in hk["table"]}
        out["hk"] = _md(
            ["eps"] + [f"consensus, N = {n:,}" for n in ns] + [f"major, N = {ns[-1]:,}"],
            [
                [f"{e:.2f}"]
                + [f"{cell[(n, e)]['consensus_share']:.0%}" for n in ns]
                + [f"{cell[(ns[-1], e)]['major_mean']:.2f}"]
                for e in epss
            ],
        )
        out["hk_thresholds"] = ", ".join(
            f"{_f(v, 3)} (N = {int(n):,})" for n, v in hk["threshold_p_consensus_half"].items()
        )
    if "algorithmic_bias" in results:
        out["algorithmic_bias"] = _md(
            [
                "eps",
                "gamma",
                "major clusters",
                "effective clusters",
                "opinion groups > 1%",
                "interactions per citizen: median (IQR)",
                "converged",
            ],
            [
                [
                    f"{t['eps']:.1f}",
                    f"{t['gamma']:.1f}",
                    f"{t['major_mean']:.2f}",
                    f"{t['effective_mean']:.2f}",
                    f"{t['groups_mean']:.1f}" if "groups_mean" in t else "-",
                    f"{_t(t['median_interactions'])} ({_t(t['q25_interactions'])}"
                    f"-{_t(t['q75_interactions'])})",
                    f"{t['converged_share']:.0%}",
                ]
                for t in results["algorithmic_bias"]["table"]
            ],
        )
    if "docking" in results:
        out["docking"] = _md(
            [
                "gamma",
                "ours",
                "seeds each",
                "major: ours / ndlib",
                "difference (90% CI), TOST 0.3",
                "median time: ours / ndlib",
                "time ratio (90% CI), TOST 1.15",
                "KS p (time)",
            ],
            [
                [
                    f"{t['gamma']:.1f}",
                    "`preset=deffuant`"
                    if t["impl"] == "ours_deffuant_preset"
                    else "`preset=algorithmic_bias`",
                    t["n_seeds"],
                    f"{t['ours_major_mean']:.2f} / {t['ndlib_major_mean']:.2f}",
                    _tost_cell(t["tost_major"]),
                    f"{_t(t['ours_median_interactions'])} / {_t(t['ndlib_median_interactions'])}",
                    _tost_cell(t["tost_log_time"], ratio=True),
                    f"{t['ks_time_pvalue']:.2g}",
                ]
                for t in results["docking"]["tests"]
            ],
        )
    if "pair_law" in results:
        pl = results["pair_law"]
        gammas = [g for g in pl if g not in ("wall_seconds", "size")]
        rows = []
        for g in gammas:
            for law in ("sequential", "matching"):
                p = pl[g][law]
                rows.append(
                    [
                        g,
                        law,
                        f"{p['identical']:.3f}",
                        f"{p['active']:.3f}",
                        f"{p['beyond_bound']:.3f}",
                    ]
                )
        out["pair_law"] = _md(
            [
                "gamma",
                "pair law",
                "identical (d < 1e-5)",
                "active (within bound)",
                "beyond the bound",
            ],
            rows,
        )
    if "flache_macy" in results:
        fm = results["flache_macy"]
        early = fm["early_week"]
        out["flache_macy"] = _md(
            [
                "update",
                "influence",
                "long-range ties per citizen",
                f"polarisation, week {early}",
                f"polarisation, week {fm['weeks']:,} (sd)",
            ],
            [
                [
                    _FM_TITLE[t["update"]],
                    "negative and positive" if t["negative"] else "positive only",
                    f"{t['long_range']:.2f}",
                    f"{t[f'week_{early}_mean']:.3f}",
                    f"{t['final_mean']:.3f} ({t['final_sd']:.3f})",
                ]
                for t in fm["table"]
            ],
        )
        out["flache_macy_trend"] = "; ".join(
            f"{_FM_TITLE[key.split(':')[0]]}, "
            f"{'negative' if key.endswith('True') else 'positive only'}: Spearman rho "
            f"{v['spearman_rho']:+.2f} (p = {v['pvalue']:.2g}) on the {v['measure']} value"
            for key, v in fm["trend_with_long_range"].items()
        )
    return out


def main(argv: Sequence[str] | None = None) -> int:
    """Run the studies, write ``validation_<study>.png`` and ``validation.json``."""
    ap = argparse.ArgumentParser(
        prog="python -m sim.analysis.validation", description=__doc__.split("\n")[0]
    )
    ap.add_argument(
        "--out", type=Path, default=Path("docs/figures"), help="directory for figures and JSON"
    )
    ap.add_argument("--quick", action="store_true", help="a few small runs of every study")
    ap.add_argument(
        "--only", action="append", choices=sorted(STUDIES), help="run only this study (repeatable)"
    )
    ap.add_argument(
        "--replot", action="store_true", help="redraw the figures from the JSON, run nothing"
    )
    ap.add_argument(
        "--markdown",
        action="store_true",
        help="print the tables of docs/validation.md from the JSON, run nothing",
    )
    args = ap.parse_args(argv)
    sz = Sizes.quick() if args.quick else Sizes()
    args.out.mkdir(parents=True, exist_ok=True)
    store = args.out / "validation.json"
    results: dict[str, Any] = json.loads(store.read_text()) if store.exists() else {}
    if args.markdown:
        for name, table in markdown_tables(results).items():
            print(f"<!-- {name} -->\n{table}\n")
        return 0
    if not args.replot:
        for name in args.only or list(STUDIES):
            t0 = time.perf_counter()
            results[name] = STUDIES[name](sz) | {"wall_seconds": round(time.perf_counter() - t0, 1)}
            results[name]["size"] = "quick" if args.quick else "full"
            store.write_text(json.dumps(results, indent=1, default=_json_default))
            _log(f"{name}: {results[name]['wall_seconds']} s")
    for name, draw in FIGURES.items():
        if name in results and (args.replot or not args.only or name in args.only):
            draw(results[name], args.out / f"validation_{name}.png")
    return 0


def _json_default(obj: Any) -> Any:
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    raise TypeError(f"not JSON serialisable: {type(obj).__name__}")


if __name__ == "__main__":
    sys.exit(main())
