"""The studies: runs of the model reduced by its presets, summarised for docs/validation.md.

:func:`run_model` runs our model until converged or a cap, through the one run path
(:func:`sim.run.run` with an ``on_week`` watcher), and :func:`flache_macy_run` runs it
for a fixed number of weeks on a caveman graph. Each ``study_*`` function runs one study
at the sizes of :class:`Sizes` and returns its numbers as plain JSON-ready dicts (a
``table`` of summaries and the ``runs`` themselves); :data:`STUDIES` lists them by name.
The docking against ndlib is not here: it needs ndlib (the ``peers`` extra) and a
repository checkout, and lives in ``benchmarks/docking.py``.
"""

from __future__ import annotations

import dataclasses
import math
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray
from omegaconf import DictConfig

from sim.analysis.stats import tost
from sim.analysis.validation.measures import (
    CONVERGENCE_TOL,
    MARGIN_CLUSTERS,
    Outcome,
    clusters,
    fm_polarization,
    is_converged,
    outcome,
    pair_law,
)
from sim.compose import compose
from sim.config import RunConfig
from sim.model import CohesionModel
from sim.prepare import prepare
from sim.run import run

__all__ = [
    "FM_TITLE",
    "FM_UPDATES",
    "STUDIES",
    "Sizes",
    "base_config",
    "flache_macy_run",
    "log",
    "record",
    "run_model",
    "study_algorithmic_bias",
    "study_deffuant",
    "study_flache_macy",
    "study_hk",
    "study_mu",
    "study_pair_law",
]

F64 = NDArray[np.float64]


# --------------------------------------------------------------------------- runners
def base_config(overrides: Sequence[str]) -> RunConfig:
    """Compose and validate a config (e.g. ``["preset=deffuant", "dynamics.confidence=0.2"]``)."""
    return prepare(compose(list(overrides)))


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


# --------------------------------------------------------------------------- studies
@dataclass
class Sizes:
    """How big each study is (``full`` for the documented results, ``quick`` to smoke-test).

    The ``dock_*`` sizes serve the pair-law diagnostic here and the docking against
    ndlib in ``benchmarks/docking.py``.
    """

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


def log(msg: str) -> None:
    """Progress of a study, on stderr."""
    print(f"[validation] {msg}", file=sys.stderr, flush=True)


def record(out: Outcome, **keys: Any) -> dict[str, Any]:
    """One run as a JSON row: ``keys`` (the run's settings) and its :class:`Outcome`."""
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
            runs.append(record(run_model(cfg, seed, max_steps=40_000), eps=eps, seed=seed))
        log(f"deffuant eps={eps} done")
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
                    record(run_model(cfg, seed, max_steps=100_000), eps=eps, mu=mu, seed=seed)
                )
            log(f"mu eps={eps} mu={mu} done")
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
                runs.append(record(out, n=n, eps=eps, seed=seed) | {"consensus": all_one})
        log(f"hk n={n} done")
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
                runs.append(record(out, eps=eps, gamma=gamma, seed=seed))
            log(f"algorithmic bias eps={eps} gamma={gamma} done")
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
#: How figures and tables name the two updates.
FM_TITLE = {"synchronous": "Flache & Macy averaging", "pairwise": "weekly pairwise meetings"}


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
                log(f"flache-macy update={update} negative={neg} long_range={lr} done")
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
    # scipy is the ``analysis`` extra: imported here, so the measures and the other
    # studies work without it (as sim.analysis.stats.tost does)
    from scipy import stats

    res = stats.spearmanr(xs, ys)
    return {"spearman_rho": float(res.statistic), "pvalue": float(res.pvalue)}


#: The studies this package runs, by name (the docking is ``benchmarks/docking.py``).
STUDIES: dict[str, Callable[[Sizes], dict[str, Any]]] = {
    "deffuant": study_deffuant,
    "deffuant_mu": study_mu,
    "hk": study_hk,
    "algorithmic_bias": study_algorithmic_bias,
    "pair_law": study_pair_law,
    "flache_macy": study_flache_macy,
}
