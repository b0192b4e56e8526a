"""The Python API for notebooks and tests: compose a config, run it or sweep it, get the tables.

>>> from sim import api
>>> res = api.run(["population.size=2000", "steps=20", "seed=1"])
>>> res.timeseries.query("metric == 'cohesion_index' and scope == 'all'").tail(1)
>>> runs = api.sweep(["policy=none,canvassing", "seed=0,1", "steps=20"], sweep_dir="sw")

Composition uses Hydra's compose API on the package's own configs; nothing changes the
working directory, and nothing is written unless ``out_dir`` is given. A run goes
through the same path as the command line's (:func:`sim.run.run`); a sweep
(:func:`sweep`) is the command line's ``cohesion-sim -m``, run in this process: the same
launchers, the same sweep callback and catalogue, the same resumption.
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from omegaconf import DictConfig, OmegaConf

from sim.catalogue import connect, load_runs
from sim.compose import compose, config_dir
from sim.config import RunConfig
from sim.errors import describe
from sim.model import CohesionModel
from sim.prepare import prepare
from sim.results import run_info, write_run
from sim.run import run as run_tables
from sim.sweep.callbacks import last_outcome
from sim.sweep.check import check_jobs, missing_extra, not_a_group, outcome_message
from sim.sweep.guard import SweepStop, check_writable
from sim.sweep.hydra_compat import run_app
from sim.sweep.jobs import (
    BASIC_SWEEPERS,
    expand,
    sets_hydra_keys,
    write_jobs_file,
)
from sim.sweep.runner import run_job

__all__ = [
    "RunResult",
    "SweepError",
    "SweepRunner",
    "compose",
    "config_dir",
    "run",
    "sweep",
]


@dataclass
class RunResult:
    """What a run returns: both tables, run.json's contents and the model itself."""

    timeseries: pd.DataFrame
    final_state: pd.DataFrame
    info: dict[str, Any]
    model: CohesionModel

    def metric(self, name: str, scope: str = "all") -> pd.Series:
        """One metric's series for one scope, indexed by step."""
        ts = self.timeseries
        d = ts[(ts["metric"] == name) & (ts["scope"] == scope)]
        return d.set_index("step")["value"]


def run(
    cfg: DictConfig | RunConfig | Sequence[str] | None = None,
    out_dir: str | Path | None = None,
    *,
    progress: bool | None = False,
) -> RunResult:
    """Compose (if given overrides), run, and return the tables; write them if out_dir.

    Args:
        cfg: a config, or a list of override strings, or None for the defaults.
        out_dir: where to write the run files (nothing is written if None).
        progress: show progress bars (None: as the config says).
    """
    if cfg is None:
        cfg = compose([])
    elif not isinstance(cfg, DictConfig | RunConfig):
        cfg = compose([str(o) for o in cfg])
    typed = prepare(cfg)
    t0 = time.perf_counter()
    tables = run_tables(typed, progress=typed.progress if progress is None else progress)
    wall = time.perf_counter() - t0
    info = run_info(typed, wall, "complete", budget=tables.budget, warnings=tables.warnings)
    if out_dir is not None:
        write_run(tables, typed, Path(out_dir), info)
    assert tables.model is not None
    return RunResult(
        timeseries=tables.timeseries.to_pandas(),
        final_state=tables.final_state.to_pandas(),
        info=info,
        model=tables.model,
    )


# --------------------------------------------------------------------------- sweeps


class SweepError(RuntimeError):
    """A sweep that could not start, or some of whose runs did not complete.

    The message is the command line's one line: the bad key and what is allowed, the
    launcher's missing extra, a locked or unwritable sweep directory, or how many runs
    did not complete and the first error. After the latter the complete runs are in the
    sweep directory and its catalogue (:func:`sim.catalogue.load_runs`), and calling
    :func:`sweep` again with the same arguments redoes only the others.
    """


#: How ``n_jobs`` is set for each launcher that takes it.
N_JOBS_KEY = {
    "parallel": "hydra.launcher.n_jobs",
    "ray_local": "hydra.launcher.ray.init.num_cpus",
    "slurm": "hydra.launcher.array_parallelism",
}

#: Where :func:`sweep` writes an explicit list of jobs, in the sweep directory.
JOBS_FILE = Path(".sweep") / "jobs.json"


def _quoted(path: Path) -> str:
    """A path as a quoted value of a Hydra override."""
    text = str(path).replace("\\", "\\\\").replace("'", "\\'")
    return f"'{text}'"


@contextlib.contextmanager
def _isolated(quiet: bool) -> Iterator[None]:
    """Hydra run in this process, leaving it as it was found.

    Exceptions reach the caller instead of Hydra's printing and exit
    (``HYDRA_FULL_ERROR``); the working directory, the root logger's handlers and level,
    and Hydra's global state (its config singleton) are restored; with ``quiet``, what
    the sweep prints to this process's standard output (progress lines) is dropped.
    """
    from hydra.core.global_hydra import GlobalHydra
    from hydra.core.hydra_config import HydraConfig

    cwd = os.getcwd()
    env = os.environ.get("HYDRA_FULL_ERROR")
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    os.environ["HYDRA_FULL_ERROR"] = "1"
    out = contextlib.redirect_stdout(io.StringIO()) if quiet else contextlib.nullcontext()
    try:
        with out:
            yield
    finally:
        os.chdir(cwd)
        if env is None:
            os.environ.pop("HYDRA_FULL_ERROR", None)
        else:
            os.environ["HYDRA_FULL_ERROR"] = env
        for h in root.handlers:
            if h not in handlers:
                root.removeHandler(h)
                h.close()
        for h in handlers:
            if h not in root.handlers:
                root.addHandler(h)
        root.setLevel(level)
        HydraConfig.instance().cfg = None
        GlobalHydra.instance().clear()


def _launcher_args(launcher: str | None, n_jobs: int | None) -> list[str]:
    if launcher is None:
        if n_jobs is not None:
            raise SweepError("n_jobs: needs a launcher (e.g. launcher='parallel')")
        return []
    args = [f"hydra/launcher={launcher}"]
    if n_jobs is not None:
        if isinstance(n_jobs, bool) or not isinstance(n_jobs, int) or n_jobs < 1:
            raise SweepError(f"n_jobs: must be a positive integer, got {n_jobs!r}")
        key = N_JOBS_KEY.get(launcher)
        if key is None:
            raise SweepError(
                f"n_jobs: launcher {launcher!r} does not take it; "
                f"launchers that do: {', '.join(N_JOBS_KEY)}"
            )
        args.append(f"{key}={n_jobs}")
    return args


def _check(argv: Sequence[str], listed: bool) -> list[str]:
    """Check every job of a sweep as the CLI does; the extra arguments for Hydra.

    Raises:
        SweepError: the CLI's one line for the first problem.
    """
    try:
        swept = expand(list(argv), True)
        check_jobs(swept.jobs, "config", [])
    except Exception as e:  # every failure becomes one line
        line = describe(e)
        raise SweepError(missing_extra(line) or line) from None
    if listed:
        return ["hydra.sweeper.checked=true"]
    sweeper = OmegaConf.select(swept.hydra, "sweeper._target_") if swept.hydra else None
    named = any(a.lstrip("+~").startswith("hydra/sweeper") for a in argv)
    if sweeper in BASIC_SWEEPERS and not named and not sets_hydra_keys(swept.jobs):
        return ["hydra/sweeper=checked"]
    return []


def sweep(
    overrides: Sequence[str] = (),
    *,
    sweep_dir: str | Path,
    jobs: Sequence[Sequence[str]] | None = None,
    launcher: str | None = "parallel",
    n_jobs: int | None = None,
    report: bool = True,
    progress: bool = False,
) -> pd.DataFrame:
    """Run a sweep in this process, as ``cohesion-sim -m`` would; its catalogue's runs.

    The same Hydra multirun as the command line's: every job is composed and checked
    first, then launched on the chosen launcher; each job is
    :func:`sim.sweep.runner.run_job` (complete runs already in ``sweep_dir`` are kept,
    shared burn-ins), and the sweep callback builds the catalogue (and the report). So
    calling it again with the same arguments redoes only failed and missing runs.

    Args:
        overrides: override strings as after ``cohesion-sim -m``; sweeps (``seed=0,1,2``,
            ``policy=none,canvassing``) are expanded as the basic sweeper does.
        sweep_dir: the sweep directory (``hydra.sweep.dir``); created if absent.
        jobs: an explicit list of jobs, each a list of override strings (a design that
            is no Cartesian product); each runs after ``overrides`` (the ``jobs``
            sweeper; the list is kept in ``<sweep_dir>/.sweep/jobs.json``).
        launcher: a ``hydra/launcher`` option: ``parallel`` (joblib, one run per
            core), ``slurm``, ``slurm_local``, ``ray_local``, ``ray_cluster``, or
            ``basic`` (one run after another in this process); None keeps the config's
            own (an experiment's, else ``basic``).
        n_jobs: runs at once (``parallel``: its ``n_jobs``; ``ray_local``: its CPUs;
            ``slurm``: the array's parallelism); None: the launcher's default.
        report: write the sweep's HTML report and ``summary.csv`` as well.
        progress: let the sweep print its progress lines here.

    Returns:
        The catalogue's ``runs`` table (:func:`sim.catalogue.load_runs`: one row per run
        directory, ``in_sweep`` marking this sweep's runs); query the rest (time series,
        final values) with :func:`sim.catalogue.connect` on ``sweep_dir``.

    Raises:
        SweepError: a bad override (the command line's one line, before anything runs),
            a sweep directory that is locked or cannot be written, or runs that did not
            complete (after the sweep; the others are kept).
    """
    root = Path(sweep_dir).absolute()
    overrides = [str(o) for o in overrides]
    if jobs is not None and not jobs:
        raise SweepError("jobs: an empty list; give at least one job (a list of overrides)")
    wrong = not_a_group(overrides)
    if wrong is not None:
        raise SweepError(wrong)
    argv = [*overrides, *_launcher_args(launcher, n_jobs), f"hydra.sweep.dir={_quoted(root)}"]
    if not report:
        argv.append("hydra.callbacks.sweep.report=false")
    try:
        check_writable(root)
    except SweepStop as e:
        raise SweepError(str(e)) from None
    if jobs is None:
        argv += _check(argv, False)
    else:
        listed = [[str(o) for o in job] for job in jobs]
        with tempfile.TemporaryDirectory(prefix="cohesion-sim-jobs.") as tmp:
            draft = write_jobs_file(listed, Path(tmp) / JOBS_FILE.name)
            extra = _check(
                [*argv, "hydra/sweeper=jobs", f"hydra.sweeper.jobs_file={_quoted(draft)}"], True
            )
        path = write_jobs_file(listed, root / JOBS_FILE)
        argv += ["hydra/sweeper=jobs", f"hydra.sweeper.jobs_file={_quoted(path)}", *extra]
    before = last_outcome()
    try:
        with _isolated(quiet=not progress):
            run_app(run_job, str(config_dir()), ["-m", *argv])
    except SweepStop as e:  # a full disk, a locked sweep dir: the CLI's one line
        raise SweepError(str(e)) from None
    outcome = last_outcome()
    bad = outcome is not None and (outcome.failed or outcome.missing or outcome.errors)
    if outcome is not None and outcome is not before and bad:
        raise SweepError(outcome_message(outcome, "call api.sweep again"))
    return load_runs(root)


class SweepRunner:
    """Runs a design's jobs as one sweep and reads back each job's outcome at the horizon.

    The analyses that evaluate designs (:func:`sim.analysis.sensitivity.run_study`,
    :func:`sim.analysis.discovery.policy_outcomes`) take it as their ``runner``: every
    run of a stage (its points x seeds x policies) goes to :func:`sweep` as one list of
    jobs, into ``<sweep_dir>/<stage>``, and the outcome of each is its metric's value at
    the last recorded week (scope ``all``), read from the run tables through the
    catalogue. A job listed twice is run once. Calling the same study again on the same
    directory redoes only runs that are not complete.

    Args:
        sweep_dir: the directory of the study (one sub-directory per stage).
        launcher: as :func:`sweep`'s (``parallel`` by default; ``slurm``, ``ray_local``,
            ``ray_cluster``, ``basic``).
        n_jobs: as :func:`sweep`'s.
        progress: as :func:`sweep`'s.
    """

    def __init__(
        self,
        sweep_dir: str | Path,
        *,
        launcher: str | None = "parallel",
        n_jobs: int | None = None,
        progress: bool = False,
    ) -> None:
        self.sweep_dir = Path(sweep_dir).absolute()
        self.launcher = launcher
        self.n_jobs = n_jobs
        self.progress = progress

    def __call__(
        self, jobs: Sequence[Sequence[str]], metric: str, stage: str = "design"
    ) -> np.ndarray:
        """Each job's ``metric`` at the horizon (scope ``all``), in the jobs' order."""
        keys = [" ".join(sorted(str(o) for o in job)) for job in jobs]
        unique = list(dict.fromkeys(keys))
        first = {k: list(job) for k, job in zip(keys, jobs, strict=True)}
        where = self.sweep_dir / stage
        sweep(
            jobs=[first[k] for k in unique],
            sweep_dir=where,
            launcher=self.launcher,
            n_jobs=self.n_jobs,
            report=False,
            progress=self.progress,
        )
        with connect(where) as con:
            rows = con.execute(
                "SELECT r.overrides, f.value FROM final_values AS f JOIN runs AS r USING (run) "
                "WHERE r.in_sweep AND f.metric = ? AND f.scope = 'all'",
                [metric],
            ).fetchall()
        values = {str(k): float(v) for k, v in rows}
        missing = [k for k in unique if k not in values]
        if missing:
            raise SweepError(f"no {metric!r} at the horizon for the run of: {missing[0]}")
        return np.array([values[k] for k in keys], dtype=float)
