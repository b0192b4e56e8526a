"""The ``parallel`` launcher: Hydra's joblib launcher, made to survive a killed worker.

When a worker process dies (killed by the kernel's out-of-memory killer, by a user, by
a signal), joblib's process pool breaks: the runs in every worker are lost and joblib
raises ``TerminatedWorkerError`` for the whole sweep, so Hydra's own launcher would end
the sweep with a traceback and no catalogue. This launcher instead:

1. notes which jobs had started (each job appends its number to
   ``.sweep/started.jsonl`` before it begins);
2. when a worker dies, launches the jobs that had not started on fresh workers, and
   goes on until every job has ended or was running when a worker died;
3. does not retry the runs that were running when a worker died (a run that kills its
   worker, e.g. by running out of memory, would kill it again): they are left without
   ``run.json``, so the catalogue lists them as ``incomplete``, the ``cohesion-sim``
   command names them and exits 1, and running the same command again redoes them.

Hydra finds launchers only in its ``hydra_plugins`` package: the class is
``hydra_plugins.cohesion_sim.parallel_launcher.ParallelLauncher`` (a subclass of Hydra's
joblib launcher whose ``launch`` is :func:`launch`), named in
``configs/hydra/launcher/parallel.yaml``; every joblib setting works as with Hydra's
joblib launcher.
"""

from __future__ import annotations

import json
import logging
import os
import re
import uuid
from pathlib import Path
from typing import Any

from hydra.core.singleton import Singleton
from hydra.core.utils import JobReturn, JobStatus, configure_log, filter_overrides, setup_globals
from hydra.types import HydraContext, TaskFunction
from hydra_plugins.hydra_joblib_launcher.joblib_launcher import JoblibLauncher
from joblib import Parallel, delayed
from joblib.externals.loky.process_executor import TerminatedWorkerError
from omegaconf import DictConfig

from sim.sweep.hydra_compat import execute_job, process_joblib_cfg

__all__ = ["launch", "worker_deaths"]

log = logging.getLogger(__name__)

STARTED = "started.jsonl"
#: Why workers died in this process's sweeps (read by the sweep callback).
_DEATHS: list[str] = []


def worker_deaths() -> list[str]:
    """Why workers died in this process (e.g. ``a worker process died: SIGKILL(-9)``)."""
    return list(_DEATHS)


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
    _started(log_path, attempt, idx)
    return idx, execute_job(idx, overrides, hydra_context, config, task_function, singleton_state)


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


def _lost(overrides: list[str], cause: str) -> JobReturn:
    """The return of a job lost with its worker (ended, without a result)."""
    ret = JobReturn(overrides=overrides, status=JobStatus.COMPLETED)
    ret.return_value = {"status": "lost", "error": f"did not finish ({cause})"}
    return ret


def launch(launcher: JoblibLauncher, job_overrides: Any, initial_job_idx: int) -> list[JobReturn]:
    """Run the jobs on joblib workers; the returns, in the jobs' order."""
    setup_globals()
    assert launcher.config is not None
    assert launcher.task_function is not None
    assert launcher.hydra_context is not None
    configure_log(launcher.config.hydra.hydra_logging, launcher.config.hydra.verbose)
    sweep_dir = Path(str(launcher.config.hydra.sweep.dir))
    (sweep_dir / ".sweep").mkdir(parents=True, exist_ok=True)
    log_path = (sweep_dir / ".sweep" / STARTED).absolute()
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
            _DEATHS.append(cause)
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
