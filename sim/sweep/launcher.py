"""Launchers that survive a lost job: joblib (``parallel``), submitit (Slurm) and Ray.

Hydra's own launchers end a sweep with a traceback and no catalogue when one job is lost:
a joblib worker process killed (by the kernel's out-of-memory killer, by a user, by a
signal), a Slurm task killed for its memory or time limit, a Ray worker that crashed.
The launchers here instead record each lost job as a ``lost`` return and go on, so the
sweep callback builds the catalogue, which lists the runs without ``run.json`` as
``incomplete``; the ``cohesion-sim`` command names them and exits 1, and running the same
command again redoes them (complete runs are kept). A lost run is never retried within
the sweep: a run that killed its worker, e.g. by running out of memory, would kill it
again.

joblib (:func:`launch`): when a worker dies, joblib's process pool breaks and every run
in it is lost; each job appends its number to ``.sweep/started.jsonl`` before it begins,
so the jobs that had not started are launched again on fresh workers, and the sweep goes
on until every job has ended or was running when a worker died.

submitit (:func:`launch_submitit`): every job is its own Slurm array task (or, with the
local executor, its own process); a task that ends without a result (submitit's
``UncompletedJobError`` or ``FailedJobError``) is lost, with the task's state (e.g.
``OUT_OF_MEMORY``, ``TIMEOUT``) as the cause.

Ray (:func:`launch_ray`): every job is one Ray task (not retried: ``max_retries: 0`` in
the launcher configs); a task whose result cannot be had (any ``ray.exceptions.RayError``:
a crashed worker, a dead node, an exception on the worker) is lost.

Every launcher fixes the sweep directory as an absolute path of the launching process
(:func:`pin_sweep_dir`) in each job's config before the job leaves it: a relative
``hydra.sweep.dir`` would otherwise be resolved in each worker's own working directory
(on a Ray node, somewhere under Ray's session directory).

Hydra finds launchers only in its ``hydra_plugins`` package: the classes are in
``hydra_plugins/cohesion_sim/`` (subclasses of Hydra's joblib, submitit and Ray launchers
whose ``launch`` is here), named in ``configs/hydra/launcher/*.yaml``; every setting of
Hydra's launcher works as with Hydra's own.
"""

from __future__ import annotations

import json
import logging
import os
import re
import time
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from hydra.core.hydra_config import HydraConfig
from hydra.core.singleton import Singleton
from hydra.core.utils import (
    JobReturn,
    JobStatus,
    configure_log,
    filter_overrides,
    run_job,
    setup_globals,
)
from hydra.types import HydraContext, TaskFunction
from hydra_plugins.hydra_joblib_launcher.joblib_launcher import JoblibLauncher
from joblib import Parallel, delayed
from joblib.externals.loky.process_executor import TerminatedWorkerError
from omegaconf import DictConfig, open_dict, read_write

from sim.sweep.hydra_compat import process_joblib_cfg, submitit_executor
from sim.sweep.runner import note_launch

__all__ = [
    "job_config",
    "job_losses",
    "launch",
    "launch_ray",
    "launch_submitit",
    "pin_sweep_dir",
    "submitit_job",
]

log = logging.getLogger(__name__)

STARTED = "started.jsonl"
#: The jobs this worker process has begun (the first one notes the worker's start-up).
_WORKER_JOBS: list[int] = []
#: Why jobs were lost in this process's sweeps (read by the sweep callback).
_LOSSES: list[str] = []


def job_losses() -> list[str]:
    """Why jobs were lost in this process (e.g. ``a worker process died: SIGKILL(-9)``)."""
    return list(_LOSSES)


def pin_sweep_dir(config: DictConfig) -> Path:
    """Set ``hydra.sweep.dir`` to its absolute path in this process; that path.

    Called in the launching process, so a relative directory (or one made by an
    interpolation such as ``${now:...}``) means the same directory for every job,
    wherever the job runs.
    """
    path = Path(str(config.hydra.sweep.dir)).absolute()
    if config.hydra.sweep.dir != str(path):
        with read_write(config.hydra.sweep):
            config.hydra.sweep.dir = str(path)
    return path


def job_config(
    hydra_context: HydraContext,
    config: DictConfig,
    overrides: Sequence[str],
    idx: int,
    job_id: str,
) -> DictConfig:
    """One job's config, composed as Hydra's launchers do, in the sweep's own directory.

    Hydra composes each job's config again from the command line's overrides, so the
    job's ``hydra.sweep.dir`` would be the command line's (possibly relative) value; it
    is set to the sweep config's (``config``, pinned by :func:`pin_sweep_dir`).
    """
    sweep_config = hydra_context.config_loader.load_sweep_config(config, list(overrides))
    with open_dict(sweep_config):
        sweep_config.hydra.sweep.dir = str(config.hydra.sweep.dir)
        sweep_config.hydra.job.id = job_id
        sweep_config.hydra.job.num = idx
    return sweep_config


def _run_config(
    hydra_context: HydraContext, task_function: TaskFunction, sweep_config: DictConfig
) -> JobReturn:
    """Run a job's composed config as Hydra's launchers do (in the job's process)."""
    HydraConfig.instance().set_config(sweep_config)
    return run_job(
        hydra_context=hydra_context,
        task_function=task_function,
        config=sweep_config,
        job_dir_key="hydra.sweep.dir",
        job_subdir_key="hydra.sweep.subdir",
    )


def _lost(overrides: Sequence[str], cause: str) -> JobReturn:
    """The return of a lost job (ended, without a result); the cause is noted."""
    _LOSSES.append(cause)
    ret = JobReturn(overrides=list(overrides), status=JobStatus.COMPLETED)
    ret.return_value = {"status": "lost", "error": f"did not finish ({cause})"}
    return ret


def _first_line(e: BaseException) -> str:
    text = str(e).strip()
    return text.splitlines()[0] if text else ""


# --------------------------------------------------------------------------- joblib


def _started(log_path: Path, attempt: str, idx: int) -> None:
    rec = json.dumps({"attempt": attempt, "job": idx, "pid": os.getpid()}) + "\n"
    fd = os.open(log_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, rec.encode())
    finally:
        os.close(fd)


def _run(
    idx: int,
    overrides: list[str],
    hydra_context: HydraContext,
    config: DictConfig,
    task_function: TaskFunction,
    singleton_state: dict[Any, Any],
    log_path: Path,
    attempt: str,
) -> tuple[int, JobReturn]:
    """One job in a worker: note that it started, then run it as Hydra's launcher does."""
    started = time.perf_counter()
    worker_start = None if _WORKER_JOBS else time.process_time()  # start-up and imports
    _WORKER_JOBS.append(idx)
    _started(log_path, attempt, idx)
    setup_globals()
    Singleton.set_state(singleton_state)
    job_id = f"{config.hydra.job.name}_{idx}"
    sweep_config = job_config(hydra_context, config, overrides, idx, job_id)
    note_launch(started, time.perf_counter(), worker_start)
    return idx, _run_config(hydra_context, task_function, sweep_config)


def _read_started(log_path: Path, attempt: str) -> set[int]:
    out: set[int] = set()
    try:
        lines = log_path.read_text().splitlines()
    except OSError:
        return out
    for line in lines:
        try:
            rec = json.loads(line)
        except ValueError:
            continue
        if rec.get("attempt") == attempt:
            out.add(int(rec["job"]))
    return out


def _cause(e: BaseException) -> str:
    m = re.search(r"exit codes of the workers are \{(.*?)\}", str(e))
    return f"a worker process died: {m.group(1)}" if m else "a worker process died"


def _start(launcher: Any) -> Path:
    """What every launcher does first: Hydra's globals and logging, the pinned sweep dir."""
    setup_globals()
    assert launcher.config is not None
    assert launcher.task_function is not None
    assert launcher.hydra_context is not None
    configure_log(launcher.config.hydra.hydra_logging, launcher.config.hydra.verbose)
    sweep_dir = pin_sweep_dir(launcher.config)
    sweep_dir.mkdir(parents=True, exist_ok=True)
    return sweep_dir


def launch(launcher: JoblibLauncher, job_overrides: Any, initial_job_idx: int) -> list[JobReturn]:
    """Run the jobs on joblib workers; the returns, in the jobs' order."""
    sweep_dir = _start(launcher)
    (sweep_dir / ".sweep").mkdir(exist_ok=True)
    log_path = sweep_dir / ".sweep" / STARTED
    joblib_cfg: dict[str, Any] = dict(launcher.joblib)
    joblib_cfg["backend"] = "loky"  # Hydra's joblib launcher does the same
    process_joblib_cfg(joblib_cfg)
    jobs = [list(o) for o in job_overrides]
    log.info(f"Joblib.Parallel({joblib_cfg}) is launching {len(jobs)} jobs")
    log.info(f"Launching jobs, sweep output dir : {sweep_dir}")
    for i, overrides in enumerate(jobs):
        log.info(f"\t#{i} : {' '.join(filter_overrides(overrides))}")

    singleton_state = Singleton.get_state()
    returns: dict[int, JobReturn] = {}
    pending = list(range(len(jobs)))
    while pending:
        attempt = uuid.uuid4().hex
        calls = (
            delayed(_run)(
                initial_job_idx + i,
                jobs[i],
                launcher.hydra_context,
                launcher.config,
                launcher.task_function,
                singleton_state,
                log_path,
                attempt,
            )
            for i in pending
        )
        try:
            for idx, ret in Parallel(**joblib_cfg, return_as="generator_unordered")(calls):
                returns[idx - initial_job_idx] = ret
            pending = []
        except TerminatedWorkerError as e:
            cause = _cause(e)
            started = {j - initial_job_idx for j in _read_started(log_path, attempt)}
            left = [i for i in pending if i not in returns]
            lost = [i for i in left if i in started or not started]
            for i in lost:
                returns[i] = _lost(jobs[i], cause)
            pending = [i for i in left if i not in lost]
            log.warning(
                f"{cause}: {len(lost)} run(s) lost, relaunching {len(pending)} that had not started"
            )
    return [returns[i] for i in range(len(jobs))]


# --------------------------------------------------------------------------- submitit


def submitit_job(
    launcher: Any,
    overrides: list[str],
    idx: int,
    singleton_state: dict[Any, Any],
) -> JobReturn:
    """One job in its Slurm task (or local process): composed and run as Hydra's does."""
    import submitit

    assert launcher.config is not None
    assert launcher.task_function is not None
    assert launcher.hydra_context is not None
    Singleton.set_state(singleton_state)
    setup_globals()
    job_id = str(submitit.JobEnvironment().job_id)
    sweep_config = job_config(launcher.hydra_context, launcher.config, overrides, idx, job_id)
    return run_job(
        hydra_context=launcher.hydra_context,
        task_function=launcher.task_function,
        config=sweep_config,
        job_dir_key="hydra.sweep.dir",
        job_subdir_key="hydra.sweep.subdir",
    )


def _submitit_cause(job: Any, e: BaseException) -> str:
    """Why a submitit job gave no result: Slurm's state of it, or where its log is."""
    from submitit.core.utils import FailedJobError
    from submitit.local.local import LocalJob

    if isinstance(e, FailedJobError):
        return f"submitit job {job.job_id} failed, see {job.paths.stderr}"
    if isinstance(job, LocalJob):  # its state says nothing of a killed task
        return f"submitit job {job.job_id} ended without a result"
    try:
        state = str(job.state)
    except Exception:  # Slurm could not be asked
        state = "UNKNOWN"
    return f"Slurm job {job.job_id} ended as {state}, without a result"


def launch_submitit(launcher: Any, job_overrides: Any, initial_job_idx: int) -> list[JobReturn]:
    """Run the jobs as submitit jobs (a Slurm array, or local processes); the returns."""
    from submitit.core.utils import FailedJobError, UncompletedJobError

    assert launcher.config is not None
    sweep_dir = pin_sweep_dir(launcher.config)
    executor = submitit_executor(launcher)
    log.info(f"Submitit '{launcher._EXECUTOR}' sweep output dir : {sweep_dir}")
    sweep_dir.mkdir(parents=True, exist_ok=True)
    if "mode" in launcher.config.hydra.sweep:
        os.chmod(sweep_dir, mode=int(str(launcher.config.hydra.sweep.mode), 8))
    jobs = [list(o) for o in job_overrides]
    for i, overrides in enumerate(jobs):
        log.info(f"\t#{initial_job_idx + i} : {' '.join(filter_overrides(overrides))}")
    state = Singleton.get_state()
    submitted = executor.map_array(
        launcher,
        jobs,
        ["hydra.sweep.dir"] * len(jobs),
        [initial_job_idx + i for i in range(len(jobs))],
        [f"job_id_for_{initial_job_idx + i}" for i in range(len(jobs))],
        [state] * len(jobs),
    )
    returns = []
    for job, overrides in zip(submitted, jobs, strict=True):
        try:
            returns.append(job.results()[0])
        except (UncompletedJobError, FailedJobError) as e:
            cause = _submitit_cause(job, e)
            log.warning(f"{cause}: run lost ({' '.join(filter_overrides(overrides))})")
            returns.append(_lost(overrides, cause))
    return returns


# --------------------------------------------------------------------------- Ray


def _ray_job(
    hydra_context: HydraContext,
    sweep_config: DictConfig,
    task_function: TaskFunction,
    singleton_state: dict[Any, Any],
) -> JobReturn:
    """One job in a Ray worker (its config was composed in the launching process)."""
    setup_globals()
    Singleton.set_state(singleton_state)
    return _run_config(hydra_context, task_function, sweep_config)


def _ray_cause(e: BaseException) -> str:
    """Why a Ray task gave no result, in a few words."""
    from ray.exceptions import RayTaskError, WorkerCrashedError

    if isinstance(e, WorkerCrashedError):
        return "a Ray worker died (WorkerCrashedError)"
    if isinstance(e, RayTaskError):
        inner = e.cause if isinstance(e.cause, BaseException) else None
        if inner is not None:
            return f"a Ray task raised {type(inner).__name__}: {_first_line(inner)}"
    return f"Ray: {type(e).__name__}: {_first_line(e)}"


def launch_ray(launcher: Any, job_overrides: Any, initial_job_idx: int) -> list[JobReturn]:
    """Run the jobs as Ray tasks (one each); the returns, in the jobs' order."""
    import ray
    from omegaconf import OmegaConf
    from ray.exceptions import RayError

    sweep_dir = _start(launcher)
    jobs = [list(o) for o in job_overrides]
    log.info(f"Ray is launching {len(jobs)} jobs, sweep output dir: {sweep_dir}")
    init = OmegaConf.to_container(launcher.ray_cfg.init, resolve=True) or {}
    assert isinstance(init, dict)
    if not ray.is_initialized():
        ray.init(**{str(k): v for k, v in init.items()})
    remote = OmegaConf.to_container(launcher.ray_cfg.remote, resolve=True) or {}
    assert isinstance(remote, dict)
    task = ray.remote(**{str(k): v for k, v in remote.items()})(_ray_job) if remote else None
    task = task or ray.remote(_ray_job)
    state = Singleton.get_state()
    refs = []
    for i, overrides in enumerate(jobs):
        idx = initial_job_idx + i
        log.info(f"\t#{idx} : {' '.join(filter_overrides(overrides))}")
        job_id = f"job_id_for_{idx}"
        cfg = job_config(launcher.hydra_context, launcher.config, overrides, idx, job_id)
        refs.append(task.remote(launcher.hydra_context, cfg, launcher.task_function, state))
    returns = []
    for ref, overrides in zip(refs, jobs, strict=True):
        try:
            returns.append(ray.get(ref))
        except RayError as e:
            cause = _ray_cause(e)
            log.warning(f"{cause}: run lost ({' '.join(filter_overrides(overrides))})")
            returns.append(_lost(overrides, cause))
    return returns
