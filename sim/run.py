"""The one run path: a checked config in, the run's tables out.

Every caller runs the model through :func:`run`: the CLI, the Python API, sweep
workers, the simulated studies, calibration and validation. ``on_week`` lets a caller
look at (or act on) the model at week 0 and after every week, e.g. a simulated study
that treats half the citizens before the first week and measures them afterwards, or
a validation run that stops once opinions have converged.

>>> from sim.prepare import prepare
>>> from sim import api
>>> tables = run(prepare(api.compose(["population.size=2000", "steps=20"])))
>>> tables.timeseries.num_rows > 0
True
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import replace

from sim.calibration.fingerprint import calibration_warnings
from sim.config import PolicyConfig, RunConfig, UncertaintyConfig
from sim.model import CohesionModel
from sim.progress import progress_bar
from sim.state import StartState, capture
from sim.tables import RunTables

__all__ = ["RunTables", "run", "start_state"]


def run(
    cfg: RunConfig,
    *,
    start: StartState | None = None,
    on_week: Callable[[CohesionModel], bool | None] | None = None,
    progress: bool = False,
    keep_model: bool = True,
) -> RunTables:
    """Build the model, run ``cfg.steps`` weeks, and return its tables.

    Args:
        cfg: a checked config (:func:`sim.prepare.prepare`).
        start: a state after the burn-in of the same seed and future (a sweep's shared
            burn-in, :mod:`sim.state`); None runs the burn-in.
        on_week: called with the model at week 0 (before the first week) and after
            every week; if it returns True the run stops there (e.g. at convergence).
        progress: show progress bars for a long burn-in and horizon.
        keep_model: keep the model in the result (``RunTables.model``) for inspection.
    """
    t0 = time.perf_counter()
    model = CohesionModel(cfg, progress=progress, start=start)
    t1 = time.perf_counter()
    at_start = model.metrics_seconds  # week 0's record, made while building
    for line in calibration_warnings(cfg):
        model.warnings.append(line)
        logging.getLogger("cohesion_sim").warning(line)
    stop = on_week is not None and bool(on_week(model))
    weeks = progress_bar(range(cfg.steps), "weeks", "week", enabled=progress)
    for _ in weeks if not stop else ():
        model.step()
        if on_week is not None and on_week(model):
            break
    t2 = time.perf_counter()
    tables = model.tables()
    t3 = time.perf_counter()
    metrics = model.metrics_seconds
    tables.timings = {
        "build_s": round(t1 - t0 - at_start, 4),
        "weeks_s": round(t2 - t1 - (metrics - at_start), 4),
        "metrics_s": round(metrics, 4),
        "tables_s": round(t3 - t2, 4),
    }
    if not keep_model:
        tables.model = None
    return tables


def start_state(cfg: RunConfig) -> StartState:
    """The state at week 0 after ``cfg``'s burn-in, to start other runs from.

    The burn-in runs with no policy, so every run with the same seed and future (and
    the same model config apart from the policy, the horizon and the uncertain policy
    effects) can start from this state instead of repeating it.
    """
    base = replace(
        cfg, policy=PolicyConfig(), uncertainty=UncertaintyConfig(), steps=0, progress=False
    )
    # A model of no weeks would warn that every dated event falls after its horizon: those
    # lines are not the run's (the run built from this state gives its own).
    log = logging.getLogger("cohesion_sim")
    level = log.level
    log.setLevel(logging.ERROR)
    try:
        return capture(CohesionModel(base))
    finally:
        log.setLevel(level)
