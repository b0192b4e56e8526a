"""Simulated versions of the studies behind the defaults, and paired policy effects.

Where the literature reports an outcome statistic rather than a parameter, the default
parameter is the one for which a simulated version of that study reproduces the
statistic. The simulated studies run inside the model (the default town, after its
burn-in, in the baseline future) and randomise like the originals:

- :func:`deep_canvassing_study`: Broockman & Kalla (2016). A random half of the
  citizens has one deep canvassing conversation at the start of week 1; the feeling
  thermometer towards out-groups, 100 (1 - prejudice), is compared with the other half
  a week later and three months (13 weeks) later. They report about 10 points, lasting.
- :func:`persuasion_study`: Kalla & Broockman (2018). A random half has one standard
  doorstep conversation; how far opinions moved towards the government's position in
  that week (points on the 0-100 opinion scale) is compared with the other half. They
  find about zero.
- :func:`contact_study`: Paluck, Green & Green (2019). A random half attends one
  dialogue session (random tables); prejudice is compared four weeks later as a
  standardised difference d (control mean minus treated mean, over the control sd).
  Their meta-analytic mean over 27 randomised studies with delayed outcomes is 0.39.

:func:`paired_effects` runs policies against ``none`` with the same seed and future
(common random numbers) and reports the paired differences with t-intervals; it made
the table in docs/interventions.md. ``python -m sim.interventions.studies`` prints the
studies and the table.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim import api
from sim.config import InterventionConfig, RunConfig, validate
from sim.interventions.base import CitizenIntervention
from sim.interventions.canvassing import Canvassing
from sim.interventions.dialogue_sessions import DialogueSessions
from sim.metrics import METRICS
from sim.model import CohesionModel
from sim.results import timeseries_table
from sim.state import StartState, capture

__all__ = [
    "BK2016_POINTS",
    "KB2018_POINTS",
    "PGG2019_D",
    "StudyResult",
    "calibrate",
    "contact_study",
    "deep_canvassing_study",
    "paired_effects",
    "persuasion_study",
]

#: Broockman & Kalla (2016): about 10 points on the 0-100 feeling thermometer.
BK2016_POINTS = 10.0
#: Kalla & Broockman (2018): persuasion by campaign contact in general elections, ~0.
KB2018_POINTS = 0.0
#: Paluck, Green & Green (2019): mean d of randomised contact studies, delayed outcomes.
PGG2019_D = 0.39

STUDY_WEEKS = 13


@dataclass
class StudyResult:
    """A simulated study's estimate per measurement week, with its standard error."""

    estimate: dict[int, float]
    se: dict[int, float]


_STARTS: dict[tuple[tuple[str, ...], int], StartState] = {}


def _model(overrides: Sequence[str], seed: int, weeks: int) -> CohesionModel:
    """The town after its burn-in (computed once per config and seed), for ``weeks``."""
    cfg = validate(
        api.compose([*overrides, f"seed={seed}", f"steps={weeks}", "policy=none", "progress=false"])
    )
    key = (tuple(overrides), seed)
    if key not in _STARTS:
        _STARTS[key] = capture(CohesionModel(cfg))
    return CohesionModel(cfg, start=_STARTS[key])


def _arms(model: CohesionModel) -> tuple[np.ndarray, np.ndarray]:
    """A random half (treated) and the rest (control), from the study's own stream."""
    n = model.population.size
    order = model.streams["study:assignment"].permutation(n)
    treated = np.sort(order[: n // 2])
    control = np.sort(order[n // 2 :])
    return treated, control


def _team(
    model: CohesionModel, cls: type[CitizenIntervention], **cfg: object
) -> CitizenIntervention:
    """An intervention used only for its effect (it never acts on its own)."""
    iv = InterventionConfig(kind=cls.kind, start=model.cfg.steps + 1, **cfg)  # type: ignore[arg-type]
    return cls(model, "study", iv, 0.0)


def _diff(a: np.ndarray, b: np.ndarray) -> tuple[float, float]:
    est = float(a.mean() - b.mean())
    se = math.sqrt(a.var(ddof=1) / a.shape[0] + b.var(ddof=1) / b.shape[0])
    return est, se


def deep_canvassing_study(
    overrides: Sequence[str] = (), seed: int = 0, effect: dict[str, float] | None = None
) -> StudyResult:
    """Broockman & Kalla (2016), simulated: thermometer points at week 1 and week 13."""
    m = _model(overrides, seed, STUDY_WEEKS)
    team = _team(m, Canvassing, mode="deep", effect=dict(effect or {}))
    treated, control = _arms(m)
    team.act(treated)
    out, se = {}, {}
    for week in range(1, STUDY_WEEKS + 1):
        m.step()
        if week in (1, STUDY_WEEKS):
            therm = 100.0 * (1.0 - m.population.prejudice)
            out[week], se[week] = _diff(therm[treated], therm[control])
    return StudyResult(out, se)


def persuasion_study(
    overrides: Sequence[str] = (), seed: int = 0, effect: dict[str, float] | None = None
) -> StudyResult:
    """Kalla & Broockman (2018), simulated: points moved towards the government, week 1."""
    m = _model(overrides, seed, 1)
    team = _team(m, Canvassing, mode="standard", effect=dict(effect or {}))
    treated, control = _arms(m)
    x0 = m.population.opinion.copy()
    towards = np.sign(m.government.position - x0)
    team.act(treated)
    m.step()
    moved = 100.0 * (m.population.opinion - x0) * towards  # points towards the government
    est, se = _diff(moved[treated], moved[control])
    return StudyResult({1: est}, {1: se})


def contact_study(
    overrides: Sequence[str] = (), seed: int = 0, effect: dict[str, float] | None = None
) -> StudyResult:
    """Paluck, Green & Green (2019), simulated: d four weeks after one dialogue session."""
    weeks = 4
    m = _model(overrides, seed, weeks)
    team = _team(m, DialogueSessions, mode="open", effect=dict(effect or {}))
    treated, control = _arms(m)
    seating = m.streams["study:seating"].permutation(treated.shape[0])
    team.act(treated[seating])
    for _ in range(weeks):
        m.step()
    p = m.population.prejudice
    sd = float(p[control].std(ddof=1))
    est, se = _diff(p[control], p[treated])
    return StudyResult({weeks: est / sd}, {weeks: se / sd})


def calibrate(
    study: Callable[..., StudyResult],
    param: str,
    goal: float,
    week: int,
    overrides: Sequence[str] = (),
    seeds: Sequence[int] = (0, 1, 2),
    lo: float = 0.0,
    hi: float = 1.0,
    tol: float = 1e-3,
) -> float:
    """The value of ``param`` for which ``study`` (mean over seeds) gives ``goal``.

    Bisection; the studies' estimates rise with their effect parameter.
    """

    def mean(value: float) -> float:
        return float(np.mean([study(overrides, s, {param: value}).estimate[week] for s in seeds]))

    while hi - lo > tol:
        mid = 0.5 * (lo + hi)
        if mean(mid) < goal:
            lo = mid
        else:
            hi = mid
    return 0.5 * (lo + hi)


# ------------------------------------------------------------------ paired policy effects

#: Metrics (scope ``all``) whose paired differences are reported.
EFFECT_METRICS = (
    "cohesion_index",
    "trust_mean",
    "low_trust_share",
    "prejudice_mean",
    "tension_mean",
    "bubble_index",
    "polarization",
)


def _summary(model: CohesionModel) -> dict[str, float]:
    """Each effect metric (scope ``all``) at the final week and averaged over weeks 1-T."""
    scope = model.scopes.names.index("all")
    out = {}
    for metric in EFFECT_METRICS:
        series = model.records[:, METRICS.index(metric), scope]
        out[f"{metric}/final"] = float(series[-1])
        out[f"{metric}/mean"] = float(series[1:].mean()) if series.shape[0] > 1 else 0.0
    ts = timeseries_table(model).to_pandas()
    euros = ts[ts["metric"].str.endswith(".euros") & (ts["scope"] == "all")]["value"].sum()
    out["euros_spent/total"] = float(euros)
    return out


def _t95(n: int) -> float:
    """The 97.5% quantile of Student's t with n - 1 degrees of freedom."""
    if n < 2:
        return math.inf
    try:
        from scipy import stats
    except ImportError:  # pragma: no cover - scipy is in the analysis extra
        return 1.96 + 2.4 / (n - 1)  # a close approximation for n >= 3
    return float(stats.t.ppf(0.975, n - 1))


def paired_effects(
    policies: Sequence[str],
    seeds: Sequence[int],
    overrides: Sequence[str] = (),
) -> pd.DataFrame:
    """Paired effects (policy minus ``none``, same seed and future).

    Every policy of a seed starts from the ``none`` run's state after the burn-in (the
    same state a separate burn-in would reach), so only the policies differ.

    Returns:
        One row per policy, metric and ``when`` (``final``: the last week; ``mean``:
        averaged over weeks 1 to the horizon; ``total`` for euros spent): the mean
        paired difference, its standard error, the t-interval (95%) and the seeds.
    """
    rows: dict[tuple[str, str], list[float]] = {}
    for seed in seeds:
        base_cfg: RunConfig = validate(
            api.compose([*overrides, f"seed={seed}", "policy=none", "progress=false"])
        )
        base = CohesionModel(base_cfg)
        start = capture(base)
        base.run()
        ref = _summary(base)
        for policy in policies:
            cfg = validate(
                api.compose([*overrides, f"seed={seed}", f"policy={policy}", "progress=false"])
            )
            model = CohesionModel(cfg, start=start)
            model.run()
            got = _summary(model)
            for metric, value in got.items():
                rows.setdefault((policy, metric), []).append(value - ref[metric])
    out = []
    for (policy, key), diffs in rows.items():
        metric, when = key.split("/")
        d = np.asarray(diffs)
        n = d.shape[0]
        se = float(d.std(ddof=1) / math.sqrt(n)) if n > 1 else math.nan
        half = _t95(n) * se
        out.append(
            {
                "policy": policy,
                "metric": metric,
                "when": when,
                "effect": float(d.mean()),
                "se": se,
                "low": float(d.mean() - half),
                "high": float(d.mean() + half),
                "seeds": n,
            }
        )
    return pd.DataFrame(out)


def markdown_table(table: pd.DataFrame) -> str:
    """The docs' table: per policy, euros spent and effects with their 95% intervals."""
    cols = [
        ("cohesion_index", "mean", "cohesion index, mean", "{:+.3f}"),
        ("cohesion_index", "final", "cohesion index, week T", "{:+.3f}"),
        ("trust_mean", "mean", "trust, mean", "{:+.4f}"),
        ("prejudice_mean", "mean", "prejudice, mean", "{:+.4f}"),
        ("tension_mean", "mean", "tension, mean", "{:+.4f}"),
        ("bubble_index", "mean", "bubble index, mean", "{:+.4f}"),
        ("polarization", "mean", "polarisation, mean", "{:+.4f}"),
    ]
    head = "| policy | euros spent | " + " | ".join(c[2] for c in cols) + " |"
    lines = [head, "|---" * (len(cols) + 2) + "|"]
    rows: dict[str, dict[tuple[str, str], dict[str, float]]] = {}
    for rec in table.to_dict("records"):
        key = (str(rec["metric"]), str(rec["when"]))
        rows.setdefault(str(rec["policy"]), {})[key] = {
            k: float(rec[k]) for k in ("effect", "se", "low", "high")
        }
    for policy, by in rows.items():
        cells = [f"`{policy}`", f"{by[('euros_spent', 'total')]['effect']:,.0f}"]
        for metric, when, _, fmt in cols:
            r = by[(metric, when)]
            if r["effect"] == 0.0 and r["se"] == 0.0:
                cells.append("0")
            else:
                lo, hi = fmt.format(r["low"]), fmt.format(r["high"])
                cells.append(f"{fmt.format(r['effect'])} [{lo}, {hi}]")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> None:  # pragma: no cover - a report script
    """Print the simulated studies and the paired effects of every policy (default town)."""
    import sys

    seeds = range(int(sys.argv[1]) if len(sys.argv) > 1 else 10)
    for s in (0, 1, 2):
        bk = deep_canvassing_study([], s)
        kb = persuasion_study([], s)
        pgg = contact_study([], s)
        print(
            f"seed {s}: B&K 2016 {bk.estimate[1]:.2f} (se {bk.se[1]:.2f}) points at week 1, "
            f"{bk.estimate[STUDY_WEEKS]:.2f} at week {STUDY_WEEKS}; "
            f"K&B 2018 {kb.estimate[1]:.2f} (se {kb.se[1]:.2f}) points; "
            f"PGG 2019 d = {pgg.estimate[4]:.3f} (se {pgg.se[4]:.3f})"
        )
    policies = [
        "canvassing",
        "deep_canvassing",
        "co_coaching",
        "mayor_training",
        "dialogue_sessions",
        "platform_measures",
        "listening_government",
        "integrated",
    ]
    table = paired_effects(policies, list(seeds))
    with pd.option_context("display.width", 200, "display.max_rows", 500):
        print(table.to_string(index=False, float_format=lambda v: f"{v:.4g}"))
    print(markdown_table(table))


if __name__ == "__main__":  # pragma: no cover
    main()
