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

:func:`policy_effects` runs policies against ``none`` with the same seed and future
(common random numbers) and reports the paired differences with t-intervals; it made
the table in docs/interventions.md. ``python -m sim.analysis.studies`` prints the
studies and the table.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from sim.analysis.effects import paired_differences, paired_effects
from sim.compose import compose
from sim.config import InterventionConfig
from sim.interventions.base import CitizenIntervention
from sim.interventions.canvassing import Canvassing
from sim.interventions.dialogue_sessions import DialogueSessions
from sim.model import CohesionModel
from sim.prepare import prepare
from sim.run import run, start_state
from sim.state import StartState

__all__ = [
    "BK2016_POINTS",
    "KB2018_POINTS",
    "PGG2019_D",
    "StudyResult",
    "bisect",
    "calibrate",
    "contact_study",
    "deep_canvassing_study",
    "persuasion_study",
    "policy_effects",
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
    """A simulated study's estimate per measurement week, with its standard error.

    ``sd``: the control arm's standard deviation of the outcome, where the estimate is
    not already standardised (so it can be expressed as a d).
    """

    estimate: dict[int, float]
    se: dict[int, float]
    sd: dict[int, float] = field(default_factory=dict)


_STARTS: dict[tuple[tuple[str, ...], int], StartState] = {}


def _study(
    overrides: Sequence[str], seed: int, weeks: int, on_week: Callable[[CohesionModel], None]
) -> None:
    """Run the town after its burn-in (computed once per config and seed) for ``weeks``.

    ``on_week`` treats the arms at week 0 and measures them afterwards. Metrics are
    recorded only at the end (they draw nothing, so the dynamics are the same).
    """
    cfg = prepare(
        compose(
            [
                *overrides,
                f"seed={seed}",
                f"steps={weeks}",
                f"metrics_every={weeks}",
                "policy=none",
                "progress=false",
            ]
        )
    )
    key = (tuple(overrides), seed)
    if key not in _STARTS:
        _STARTS[key] = start_state(cfg)
    run(cfg, start=_STARTS[key], on_week=on_week, keep_model=False)


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
    out: dict[int, float] = {}
    se: dict[int, float] = {}
    sd: dict[int, float] = {}
    arms: list[np.ndarray] = []

    def on_week(m: CohesionModel) -> None:
        if m.steps == 0:
            team = _team(m, Canvassing, mode="deep", effect=dict(effect or {}))
            arms.extend(_arms(m))
            team.act(arms[0])
        elif m.steps in (1, STUDY_WEEKS):
            therm = 100.0 * (1.0 - m.population.prejudice)
            out[m.steps], se[m.steps] = _diff(therm[arms[0]], therm[arms[1]])
            sd[m.steps] = float(therm[arms[1]].std(ddof=1))

    _study(overrides, seed, STUDY_WEEKS, on_week)
    return StudyResult(out, se, sd)


def persuasion_study(
    overrides: Sequence[str] = (), seed: int = 0, effect: dict[str, float] | None = None
) -> StudyResult:
    """Kalla & Broockman (2018), simulated: points moved towards the government, week 1."""
    result: list[tuple[float, float]] = []
    before: dict[str, np.ndarray] = {}

    def on_week(m: CohesionModel) -> None:
        if m.steps == 0:
            team = _team(m, Canvassing, mode="standard", effect=dict(effect or {}))
            before["treated"], before["control"] = _arms(m)
            before["x0"] = m.population.opinion.copy()
            before["towards"] = np.sign(m.government.position - before["x0"])
            team.act(before["treated"])
        else:
            moved = 100.0 * (m.population.opinion - before["x0"]) * before["towards"]
            result.append(_diff(moved[before["treated"]], moved[before["control"]]))

    _study(overrides, seed, 1, on_week)
    est, se = result[0]
    return StudyResult({1: est}, {1: se})


def contact_study(
    overrides: Sequence[str] = (), seed: int = 0, effect: dict[str, float] | None = None
) -> StudyResult:
    """Paluck, Green & Green (2019), simulated: d four weeks after one dialogue session."""
    weeks = 4
    arms: list[np.ndarray] = []
    result: dict[int, tuple[float, float]] = {}

    def on_week(m: CohesionModel) -> None:
        if m.steps == 0:
            team = _team(m, DialogueSessions, mode="open", effect=dict(effect or {}))
            arms.extend(_arms(m))
            seating = m.streams["study:seating"].permutation(arms[0].shape[0])
            team.act(arms[0][seating])
        elif m.steps == weeks:
            p = m.population.prejudice
            sd = float(p[arms[1]].std(ddof=1))
            est, se = _diff(p[arms[1]], p[arms[0]])
            result[weeks] = (est / sd, se / sd)

    _study(overrides, seed, weeks, on_week)
    return StudyResult({weeks: result[weeks][0]}, {weeks: result[weeks][1]})


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

    return bisect(mean, goal, lo, hi, tol)


def bisect(
    f: Callable[[float], float], goal: float, lo: float = 0.0, hi: float = 1.0, tol: float = 1e-3
) -> float:
    """The x in [lo, hi] at which the rising function ``f`` reaches ``goal`` (bisection)."""
    while hi - lo > tol:
        mid = 0.5 * (lo + hi)
        if f(mid) < goal:
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


def _summary(ts: pd.DataFrame) -> dict[str, float]:
    """Each effect metric (scope ``all``) at the final week and averaged over weeks 1-T."""
    overall = ts[ts["scope"] == "all"]
    out = {}
    for metric in EFFECT_METRICS:
        series = overall[overall["metric"] == metric].sort_values("step")
        values = series["value"].to_numpy()
        out[f"{metric}/final"] = float(values[-1])
        later = values[series["step"].to_numpy() >= 1]
        out[f"{metric}/mean"] = float(later.mean()) if later.shape[0] else 0.0
    euros = overall[overall["metric"].str.endswith(".euros")]["value"].sum()
    out["euros_spent/total"] = float(euros)
    return out


def policy_effects(
    policies: Sequence[str],
    seeds: Sequence[int],
    overrides: Sequence[str] = (),
) -> pd.DataFrame:
    """Paired effects of policies (policy minus ``none``, same seed and future).

    Every run of a seed starts from the same state after the burn-in (the state its own
    burn-in would reach), so only the policies differ. The intervals are those of
    :func:`sim.analysis.effects.paired_effects`.

    Returns:
        One row per policy, metric and ``when`` (``final``: the last week; ``mean``:
        averaged over weeks 1 to the horizon; ``total`` for euros spent): the mean
        paired difference, its standard error, the t-interval (95%) and the seeds.
    """
    rows = []
    for seed in seeds:
        common = [*overrides, f"seed={seed}", "progress=false"]
        start = start_state(prepare(compose([*common, "policy=none"])))
        for policy in ["none", *policies]:
            cfg = prepare(compose([*common, f"policy={policy}"]))
            ts = run(cfg, start=start, keep_model=False).timeseries.to_pandas()
            for key, value in _summary(ts).items():
                rows.append({"policy": policy, "context": key, "seed": seed, "value": value})
    eff = paired_effects(paired_differences(pd.DataFrame(rows), pair_on=("seed",)))
    metric_when = eff["context"].str.split("/", expand=True)
    return pd.DataFrame(
        {
            "policy": eff["policy"],
            "metric": metric_when[0],
            "when": metric_when[1],
            "effect": eff["effect"],
            "se": eff["se"],
            "low": eff["ci_low"],
            "high": eff["ci_high"],
            "seeds": eff["n"],
        }
    )


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
    from sim.analysis.prior_study import POLICIES

    policies = list(POLICIES)
    table = policy_effects(policies, list(seeds))
    with pd.option_context("display.width", 200, "display.max_rows", 500):
        print(table.to_string(index=False, float_format=lambda v: f"{v:.4g}"))
    print(markdown_table(table))


if __name__ == "__main__":  # pragma: no cover
    main()
