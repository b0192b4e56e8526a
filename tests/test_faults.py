"""Faults during a sweep, each ending with one line that says what happened and what to do.

A full disk (a small tmpfs, and ENOSPC injected into the writes), a read-only output
directory, a killed worker process, two sweeps into one directory (and the stale lock of
a killed one), a deleted or damaged catalogue. In every case: nothing complete is lost,
nothing half-written is counted complete, and running the same command again finishes
the sweep. (A run that raises inside the model is in tests/test_sweep.py.)
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from importlib import metadata
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from sim import api
from sim.catalogue import CATALOGUE, CatalogueError, build_catalogue, load_runs
from sim.catalogue import main as catalogue_main
from sim.cli import prevalidate
from sim.report import main as report_main
from sim.sweep import progress
from sim.sweep.guard import (
    SweepLocked,
    Unwritable,
    check_writable,
    free_bytes,
    lock_sweep,
    unlock_sweep,
)
from sim.sweep.runner import FAULT_KILL_RUN, execute
from tests.conftest import CLI, run_cli

TINY = ["population.size=200", "steps=4", "burn_in=2", "progress=false", "plot=false"]
ERROR = "cohesion-sim: error: "


def sweep_args(sweep: Path, seeds: int, *extra: str) -> list[str]:
    return ["-m", *TINY, f"seed=range({seeds})", f"hydra.sweep.dir={sweep}", *extra]


def one_line(r: subprocess.CompletedProcess) -> str:
    """The command failed with exit status 1 and one error line, no traceback."""
    assert r.returncode == 1, (r.returncode, r.stderr[-2000:])
    assert "Traceback" not in r.stderr, r.stderr[-3000:]
    errors = [ln for ln in r.stderr.splitlines() if ln.startswith(ERROR)]
    assert len(errors) == 1, r.stderr[-3000:]
    return errors[0].removeprefix(ERROR)


def run_dirs(sweep: Path) -> list[Path]:
    return sorted(p for p in sweep.iterdir() if p.is_dir() and p.name.isdigit())


def status(run_dir: Path) -> str | None:
    try:
        return json.loads((run_dir / "run.json").read_text())["status"]
    except FileNotFoundError:
        return None


def complete_runs(sweep: Path) -> dict[str, bytes]:
    """run.json of every complete run, each checked to be whole."""
    out = {}
    for d in run_dirs(sweep):
        if status(d) != "complete":
            continue
        ts = pd.read_parquet(d / "timeseries.parquet")
        fs = pd.read_parquet(d / "final_state.parquet")
        assert len(ts) > 0 and len(fs) == 200
        assert not list(d.glob(".*.tmp"))
        out[d.name] = (d / "run.json").read_bytes()
    return out


def resume_completes(sweep: Path, args: list[str], env: dict[str, str], before: dict) -> str:
    """Run the same command again: every run complete, the earlier ones untouched."""
    r = run_cli(*args, env=env)
    assert r.returncode == 0, r.stderr[-3000:]
    after = complete_runs(sweep)
    assert all(after.get(k) == v for k, v in before.items()), "a complete run was redone"
    runs = load_runs(sweep)
    assert (runs["status"] == "complete").all()
    assert sorted(runs["run"]) == sorted(after)
    return r.stdout


# --------------------------------------------------------------------------- disk full


@contextlib.contextmanager
def mounted_tmpfs(path: Path, options: str, why: str) -> Iterator[Path]:
    """Mount a tmpfs with ``options`` on ``path`` for the block; skip with ``why`` if we can't."""
    try:
        r = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(path)],
            capture_output=True,
            text=True,
            check=False,
        )
    except OSError as e:
        pytest.skip(f"{why}: {e}")
    if r.returncode != 0:
        pytest.skip(f"{why}: {r.stderr.strip()}")
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=False)


@pytest.fixture
def tmpfs(tmp_path: Path):
    """A 192 KiB tmpfs (about one tiny run and its shared burn-in), unmounted after."""
    mnt = tmp_path / "mnt"
    mnt.mkdir()
    with mounted_tmpfs(mnt, "size=192k", "cannot mount a tmpfs here") as m:
        yield m


def test_full_disk_stops_the_sweep_and_a_bigger_disk_resumes_it(tmpfs, cli_env):
    sweep = tmpfs / "sweep"
    args = sweep_args(sweep, 4)
    filler = tmpfs / "filler"  # a disk already full: refused before the first run
    filler.write_bytes(bytes(free_bytes(tmpfs) - 32 * 1024))
    msg = one_line(run_cli(*args, env=cli_env))
    assert msg.startswith(f"the disk holding {sweep} is full (32 KiB free before the first run)")
    assert not sweep.exists()
    filler.unlink()
    msg = one_line(run_cli(*args, env=cli_env))
    assert msg.startswith(f"the disk holding {sweep} is full (run ")
    assert "free some space" in msg and "run the same command again" in msg
    before = complete_runs(sweep)
    assert 1 <= len(before) < 4  # the first run fits; the sweep does not
    for d in run_dirs(sweep):  # nothing else looks complete; no half-written file kept
        assert d.name in before or status(d) in (None, "failed")
        assert not list(d.glob(".*.tmp"))
    subprocess.run(["mount", "-o", "remount,size=8m", str(tmpfs)], check=True)  # space freed
    out = resume_completes(sweep, args, cli_env, before)
    assert f"4/4 runs done ({len(before)} already complete)" in out


_FILL_DISK = """
import errno, os, sys
import sim.io as io

real = io.atomic_write
full = []

def atomic_write(path, write):
    if full or path.parent.name == os.environ["FAULT_FULL_AT_RUN"]:
        full.append(path)

        def partial(tmp):  # some bytes reach the disk, then it is full
            tmp.write_bytes(b"PAR1" + bytes(100))
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(tmp))

        return real(path, partial)
    return real(path, write)

io.atomic_write = atomic_write
sys.argv = ["cohesion-sim", *sys.argv[1:]]
from sim.cli import main

main()
"""


def run_filling_disk(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    """The CLI with ENOSPC injected into its writes (see ``_FILL_DISK``)."""
    return subprocess.run(
        [sys.executable, "-c", _FILL_DISK, *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_enospc_while_a_run_writes_counts_nothing_half_written(tmp_path, cli_env):
    """Portable: ENOSPC injected into the writes from run 1's first file on."""
    sweep = tmp_path / "sweep"
    args = sweep_args(sweep, 3)
    env = {**cli_env, "FAULT_FULL_AT_RUN": "1"}
    r = run_filling_disk(args, env)
    msg = one_line(r)
    assert msg.startswith(f"the disk holding {sweep} is full (run 1 could not be written: ")
    assert "No space left on device" in msg
    before = complete_runs(sweep)
    assert list(before) == ["0"]
    assert status(sweep / "1") is None  # its run.json could not be written either
    assert not (sweep / "1" / "final_state.parquet").exists()  # the half-written file
    assert not list((sweep / "1").glob(".*.tmp"))
    assert [d.name for d in run_dirs(sweep)] == ["0", "1"]  # the sweep stopped there
    out = resume_completes(sweep, args, cli_env, before)
    assert "3/3 runs done (1 already complete)" in out


def test_enospc_in_a_single_run_ends_with_one_line(tmp_path, cli_env):
    run_dir = tmp_path / "run"
    r = run_filling_disk(
        [*TINY, f"hydra.run.dir={run_dir}"], {**cli_env, "FAULT_FULL_AT_RUN": "run"}
    )
    msg = one_line(r)
    assert msg.startswith(f"the disk holding {run_dir} is full (OSError: [Errno 28] ")
    assert msg.endswith("free some space and run the same command again")
    assert not (run_dir / "run.json").exists()
    assert not list(run_dir.glob(".*.tmp"))


# --------------------------------------------------------------------------- read-only


@pytest.fixture
def read_only_dir(tmp_path: Path):
    """A directory this user cannot write to (a read-only tmpfs as root, else mode 0555)."""
    d = tmp_path / "ro"
    d.mkdir()
    if os.geteuid() != 0:
        d.chmod(0o555)
        yield d
        d.chmod(0o755)
        return
    with mounted_tmpfs(d, "ro,size=64k", "root ignores permission bits and cannot mount here"):
        yield d


def test_read_only_output_dir_is_refused_before_anything_runs(read_only_dir, cli_env):
    sweep = read_only_dir / "sweep"
    r = run_cli(*sweep_args(sweep, 2), env=cli_env)
    msg = one_line(r)
    assert msg.startswith(f"cannot write the output directory {sweep} (in {read_only_dir}): ")
    assert msg.endswith("make it writable or choose another directory with hydra.sweep.dir=PATH")
    assert "sweep:" not in r.stdout  # refused before the sweep started
    assert r.stderr.strip() == ERROR + msg
    # a single run names its own setting; a writable directory is accepted
    single = prevalidate([*TINY, f"hydra.run.dir={read_only_dir / 'run'}"])
    assert single is not None and single.endswith("hydra.run.dir=PATH")
    assert prevalidate([*TINY, f"hydra.run.dir={read_only_dir.parent / 'run'}"]) is None
    with pytest.raises(Unwritable, match="cannot write the output directory"):
        check_writable(read_only_dir)


# --------------------------------------------------------------------------- killed worker


def test_killed_worker_loses_only_its_runs_and_a_rerun_finishes_them(tmp_path, cli_env):
    sweep = tmp_path / "sweep"
    args = sweep_args(sweep, 6, "hydra/launcher=parallel", "hydra.launcher.n_jobs=2")
    r = run_cli(*args, env={**cli_env, FAULT_KILL_RUN: "2"})
    msg = one_line(r)
    prefix = " runs did not finish (a worker process died: SIGKILL(-9)): "
    assert prefix in msg, msg
    named = msg.split(prefix)[1].split(";")[0].split(", ")
    # run directories, or "(seed=N)" for a lost job that had not made its directory yet
    lost = [n.removeprefix("(seed=").removesuffix(")") for n in named]
    assert "2" in lost  # the killed run, and any other run lost with the worker pool
    assert msg.endswith("run the same command again to finish them (complete runs are kept)")
    before = complete_runs(sweep)
    assert "2" not in before and status(sweep / "2") is None
    assert sorted([*before, *lost], key=int) == [str(i) for i in range(6)]
    assert len(before) >= 3  # runs not started when the worker died went on
    runs = load_runs(sweep).set_index("run")
    incomplete = set(runs.index[runs["status"] == "incomplete"])
    digits = {n for n in named if n.isdigit()}
    assert digits <= incomplete
    # A job killed while Hydra was still writing its .hydra files has a directory but no
    # overrides yet: it is named by its overrides ("(seed=N)"), and its directory is N.
    assert incomplete - digits <= set(lost) - digits
    assert "Runs that did not complete" in (sweep / "report" / "index.html").read_text()
    out = resume_completes(sweep, args, cli_env, before)
    assert f"6/6 runs done ({len(before)} already complete)" in out


# --------------------------------------------------------------------------- two sweeps


def _start(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [*CLI, *args],
        env=env,
        cwd=cwd,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def _wait_for_lock(sweep: Path, proc: subprocess.Popen, runs: int = 0) -> None:
    """Wait until ``proc`` holds the sweep's lock (and has written ``runs`` runs)."""
    deadline = time.monotonic() + 120
    lock = sweep / ".sweep" / "lock"
    while time.monotonic() < deadline and proc.poll() is None:
        held = lock.is_file() and lock.read_text().strip() == str(proc.pid)
        if held and len(list(sweep.glob("*/run.json"))) >= runs:
            return
        time.sleep(0.05)
    raise AssertionError(f"the sweep never held its lock (exit status {proc.poll()})")


def test_second_sweep_is_refused_and_a_killed_sweeps_lock_does_not_block_resume(tmp_path, cli_env):
    """Sweep A holds the lock (paused with SIGSTOP, so the overlap is certain); sweep B into
    the same directory is refused and touches nothing; A is then killed with SIGKILL,
    leaving its lock file behind: running A's command again resumes and completes."""
    sweep = tmp_path / "sweep"
    args = [*sweep_args(sweep, 3), "steps=40"]
    first = _start(args, cli_env, tmp_path)
    try:
        _wait_for_lock(sweep, first, runs=1)
        os.kill(first.pid, signal.SIGSTOP)
        before = complete_runs(sweep)
        files = sorted(p.relative_to(sweep) for p in sweep.rglob("*"))
        r = run_cli(*sweep_args(sweep, 3), env=cli_env)  # same dir, other runs
        msg = one_line(r)
        assert msg == (
            f"another sweep is writing to {sweep} (pid {first.pid}); wait for it to finish "
            "or choose another hydra.sweep.dir"
        )
        assert sorted(p.relative_to(sweep) for p in sweep.rglob("*")) == files
        assert complete_runs(sweep) == before
    finally:
        os.killpg(first.pid, signal.SIGKILL)
        first.wait(timeout=30)
    assert (sweep / ".sweep" / "lock").read_text().strip() == str(first.pid)  # left behind
    assert 1 <= len(before) < 3
    out = resume_completes(sweep, args, cli_env, before)
    assert f"3/3 runs done ({len(before)} already complete)" in out
    done = complete_runs(sweep)
    assert all(json.loads(b)["steps"] == 40 for b in done.values())  # all A's runs
    runs = load_runs(sweep).set_index("run")
    for name, blob in done.items():
        assert runs.loc[name, "config_hash"] == json.loads(blob)["config_hash"]
    with duckdb.connect(str(sweep / CATALOGUE), read_only=True) as con:
        assert con.execute("SELECT count(DISTINCT run) FROM timeseries").fetchone() == (3,)


def test_lock_is_refused_while_held_and_free_once_released(tmp_path):
    lock_sweep(tmp_path)
    script = (
        "import sys\nfrom sim.sweep.guard import SweepLocked, lock_sweep\n"
        "try:\n    lock_sweep(sys.argv[1])\nexcept SweepLocked as e:\n    print(e)\n"
    )
    held = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path)], capture_output=True, text=True, check=True
    )
    assert f"(pid {os.getpid()})" in held.stdout
    unlock_sweep(tmp_path)
    free = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path)], capture_output=True, text=True, check=True
    )
    assert free.stdout == ""
    assert issubclass(SweepLocked, BaseException) and not issubclass(SweepLocked, Exception)


# --------------------------------------------------------------------------- catalogue


def _command(main, args: list[str], capsys) -> tuple[int, str, str]:
    """Run a console entry point in this process: (exit status, stdout, stderr)."""
    code = 0
    try:
        main(args)
    except SystemExit as e:
        code = int(e.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def _rows(sweep: Path) -> pd.DataFrame:
    runs = load_runs(sweep).sort_values("run").reset_index(drop=True)
    with duckdb.connect(str(sweep / CATALOGUE), read_only=True) as con:
        runs.attrs["timeseries_rows"] = con.execute("SELECT count(*) FROM timeseries").fetchone()
    return runs


def test_catalogue_deleted_or_damaged_is_rebuilt_by_a_command(tmp_path, cli_env, capsys):
    jobs = [[*TINY, f"seed={s}"] for s in range(3)]
    progress.start(tmp_path, jobs)
    for i, job in enumerate(jobs):
        execute(api.compose(job), tmp_path / str(i), tmp_path, job)
    build_catalogue(tmp_path)
    before = _rows(tmp_path)
    assert len(before) == 3
    path = tmp_path / CATALOGUE
    good = path.read_bytes()
    for damage in ("delete", "garbage", "truncate"):
        if damage == "delete":
            path.unlink()
        else:
            path.write_bytes(os.urandom(4096) if damage == "garbage" else good[: len(good) // 3])
            with pytest.raises(CatalogueError) as err:
                load_runs(tmp_path)
            text = str(err.value)
            assert "\n" not in text and text.startswith(f"the catalogue {path} cannot be read")
            assert text.endswith(
                f"rebuild it from the run files with: cohesion-sim-catalogue {tmp_path}"
            )
            code, _, err = _command(report_main, ["--no-rebuild", str(tmp_path)], capsys)
            assert code == 1
            assert err.strip().splitlines() == [f"cohesion-sim-report: error: {text}"]
        if damage == "delete":  # the installed command, in its own process
            script = Path(sys.executable).with_name("cohesion-sim-catalogue")
            cmd = [str(script)] if script.is_file() else [sys.executable, "-m", "sim.catalogue"]
            r = subprocess.run(
                [*cmd, str(tmp_path)], capture_output=True, text=True, env=cli_env, check=False
            )
            code, out = r.returncode, r.stdout
        else:
            code, out, _ = _command(catalogue_main, [str(tmp_path)], capsys)
        assert code == 0
        assert out.strip() == f"catalogue: {path} (3 runs: 3 complete)"
        after = _rows(tmp_path)
        pd.testing.assert_frame_equal(after, before)
        assert after.attrs["timeseries_rows"] == before.attrs["timeseries_rows"]
    scripts = metadata.entry_points(group="console_scripts")
    assert scripts["cohesion-sim-catalogue"].value == "sim.catalogue:main"
