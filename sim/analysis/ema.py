"""EMA Workbench interop: the simulator as an ``ema_workbench.Model``, a sweep as its results.

EMA Workbench (Kwakkel 2017) is the usual Python toolkit for exploratory modelling:
sampling designs, PRIM and CART for scenario discovery, feature scoring, many-objective
robust search. Two bridges let its users work on this simulator:

- :func:`ema_model` wraps a run as an EMA ``Model``: its uncertainties are config keys
  with ranges, its lever is the policy config, its outcomes are the last week's values of
  metrics (whole population). ``ema_workbench.perform_experiments(ema_model(...), 8)``
  then runs the model through EMA's own evaluators. Each experiment runs the same
  path as the command line (compose, check, run), so a bad key fails with the same
  one-line message. The lever is named ``policy_config`` (EMA's own ``policy`` column
  holds each policy sample's name): give each sample the name of its config, e.g.
  ``Sample("canvassing", policy_config="canvassing")``.
- :func:`ema_results` reads a finished sweep and returns what ``perform_experiments``
  returns, ``(experiments, outcomes)``: one row per complete run, with one column per
  uncertain parameter (the ``uncertain.`` prefix dropped), per swept parameter, and
  EMA's ``scenario``, ``policy`` and ``model`` columns; the outcomes a dict of arrays in
  the same order. A sweep run on Slurm or Ray can so be analysed with EMA's tools.

EMA names parameters as Python identifiers, so a dotted config key becomes its name with
``__`` for each dot (``dynamics.trust.bad_effect`` -> ``dynamics__trust__bad_effect``);
:func:`ema_name` and :func:`config_key` convert.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.analysis.load import final_values, runs, uncertain_columns
from sim.compose import compose
from sim.prepare import prepare
from sim.run import run as run_tables

__all__ = ["DEFAULT_OUTCOMES", "LEVER", "config_key", "ema_model", "ema_name", "ema_results"]

#: The outcomes given when none are named: the three trusts and the summary index.
DEFAULT_OUTCOMES = (
    "trust_politics_share",
    "trust_rule_of_law_share",
    "trust_people_share",
    "cohesion_index",
)
MODEL_NAME = "cohesion_sim"
#: The lever's name: EMA keeps ``policy`` for the name of each of its policy samples.
LEVER = "policy_config"


def ema_name(key: str) -> str:
    """EMA's name for a dotted config key (each ``.`` becomes ``__``)."""
    return key.replace(".", "__")


def config_key(name: str) -> str:
    """The dotted config key of an EMA parameter name (inverse of :func:`ema_name`)."""
    return name.replace("__", ".")


def _workbench() -> Any:
    try:
        with warnings.catch_warnings():
            # its optional parallel back-ends (ipyparallel, mpi) warn when absent
            warnings.simplefilter("ignore", UserWarning)
            import ema_workbench
    except ImportError as e:  # pragma: no cover - the analysis extra is missing
        raise ImportError(
            "EMA Workbench is not installed: pip install 'cohesion-sim[analysis]'"
        ) from e
    return ema_workbench


def _experiment(
    overrides: Sequence[str], outcomes: Sequence[str]
) -> Callable[..., dict[str, float]]:
    """The function EMA calls for one experiment: keyword values -> last-week outcomes."""

    def run_experiment(**values: Any) -> dict[str, float]:
        sets = [f"{config_key(k)}={v}" for k, v in values.items() if k != LEVER]
        if LEVER in values:
            sets.append(f"policy={values[LEVER]}")
        cfg = prepare(compose([*overrides, *sets, "progress=false", "plot=false"]))
        ts = run_tables(cfg, progress=False).timeseries.to_pandas()
        ts = ts[ts["scope"] == "all"]
        last = ts[ts["step"] == ts["step"].max()].set_index("metric")["value"]
        missing = [m for m in outcomes if m not in last.index]
        if missing:
            raise ValueError(f"outcome(s) {', '.join(missing)} are not metrics of the run")
        return {m: float(last[m]) for m in outcomes}

    return run_experiment


def ema_model(
    uncertainties: Mapping[str, Sequence[float]],
    *,
    policies: Sequence[str] = ("none",),
    outcomes: Sequence[str] = DEFAULT_OUTCOMES,
    overrides: Sequence[str] = (),
    name: str = MODEL_NAME,
) -> Any:
    """The simulator as an EMA Workbench ``Model``.

    Args:
        uncertainties: dotted config key -> (low, high), e.g.
            ``{"dynamics.trust.bad_effect": (0.04, 0.12)}``.
        policies: the policy configs the lever ``policy`` chooses between.
        outcomes: metrics whose last-week value (whole population) EMA records.
        overrides: fixed overrides of every experiment (e.g. ``population.size=2000``).
        name: the model's name in EMA's results.

    Returns:
        An ``ema_workbench.Model`` ready for ``perform_experiments``.

    Raises:
        ValueError: on an empty or reversed range, or no outcome.
    """
    ema = _workbench()
    if not outcomes:
        raise ValueError("outcomes: name at least one metric")
    params = []
    for key, rng in uncertainties.items():
        low, high = (float(v) for v in rng)
        if not low < high:
            raise ValueError(f"uncertainties.{key}: low must be below high, got [{low}, {high}]")
        params.append(ema.RealParameter(ema_name(key), low, high))
    model = ema.Model(name, function=_experiment(list(overrides), list(outcomes)))
    model.uncertainties = params
    model.levers = [ema.CategoricalParameter(LEVER, list(policies))]
    model.outcomes = [ema.ScalarOutcome(m) for m in outcomes]
    return model


def ema_results(
    sweep_dir: str | Path,
    outcomes: Sequence[str] = DEFAULT_OUTCOMES,
    *,
    name: str = MODEL_NAME,
) -> tuple[pd.DataFrame, dict[str, np.ndarray]]:
    """A finished sweep as EMA Workbench's ``(experiments, outcomes)``.

    Args:
        sweep_dir: the sweep directory.
        outcomes: the metrics to return (last recorded value, whole population).
        name: the value of the ``model`` column.

    Returns:
        ``experiments``: one row per complete run: the uncertain parameters (EMA
        names), the swept parameters, ``future``, ``seed``, and EMA's ``scenario``
        (future, seed and design point), ``policy`` and ``model``; ``outcomes``: metric
        -> array in the same row order (NaN where a run lacks the metric).
    """
    r = runs(sweep_dir)
    unc = uncertain_columns(r)
    swept = [c for c in r.attrs.get("swept", []) if c in r.columns and c not in ("policy",)]
    exp = pd.DataFrame({ema_name(c.removeprefix("uncertain.")): r[c] for c in unc})
    for c in swept:
        exp[ema_name(c)] = r[c].to_numpy()
    exp["future"] = r["future"].to_numpy()
    exp["seed"] = r["seed"].to_numpy()
    sample = r["sample"].astype("Int64").astype(str).replace("<NA>", "-")
    exp["scenario"] = (r["future"].astype(str) + "|seed=" + r["seed"].astype(str)
                       + "|sample=" + sample).to_numpy()  # fmt: skip
    exp["policy"] = r["policy"].to_numpy()
    exp["model"] = name
    fin = final_values(sweep_dir, list(outcomes))
    wide = fin.pivot_table(index="run", columns="metric", values="value", aggfunc="last")
    wide = wide.reindex(r["run"])
    out = {
        m: (wide[m].to_numpy(dtype=float) if m in wide else np.full(len(r), np.nan))
        for m in outcomes
    }
    return exp.reset_index(drop=True), out
