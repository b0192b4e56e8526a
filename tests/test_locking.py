"""Where file locking fails: the sweep lock, the catalogue, and numba's cache directory.

A read-only DuckDB open still locks the file, and ``flock`` fails on a file system that
cannot lock (NFS without its lock service). These tests make locking fail three ways:
``fcntl.flock`` and ``duckdb.connect`` replaced by ones that raise what the system and
DuckDB raise there; a real lock held by another process; and, where a C compiler is at
hand, a small library preloaded into a subprocess that makes every lock call of the
system fail with ENOLCK, as NFS without lockd does. Each time the sweep lock goes on
with one warning line, the catalogue is read from the run files with the same rows as
the file's, and the message speaks of the lock, never of damage.
"""

from __future__ import annotations

import errno
import json
import logging
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from sim import api, catalogue
from sim.catalogue import CATALOGUE, CatalogueError, build_catalogue, connect, load_runs
from sim.sweep import guard, progress
from sim.sweep.guard import SweepLocked, lock_sweep, unlock_sweep
from sim.sweep.runner import execute

TINY = ["population.size=200", "steps=4", "burn_in=2", "progress=false", "plot=false"]
NO_LOCKS = 'IO Error: Could not set lock on file "{}": No locks available. See also the manual'


def _warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]


@pytest.fixture(scope="module")
def sweep(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Three tiny complete runs and their catalogue (6 to 10 s here, once per module)."""
    root = tmp_path_factory.mktemp("sweep")
    jobs = [[*TINY, f"seed={s}"] for s in range(3)]
    progress.start(root, jobs)
    for i, job in enumerate(jobs):
        execute(api.compose(job), root / str(i), root, job)
    build_catalogue(root)
    return root


@pytest.fixture(autouse=True)
def _fresh_warnings() -> None:
    catalogue._WARNED.clear()


def _normal(sweep: Path) -> tuple[pd.DataFrame, int]:
    """The runs and the number of time-series rows, read from the catalogue file."""
    runs = load_runs(sweep)
    with connect(sweep) as con:
        ts = con.execute("SELECT count(*) FROM timeseries").fetchone()
    assert ts is not None
    return runs, ts[0]


def _same(got: pd.DataFrame, want: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(got, want)
    assert got.attrs == want.attrs


# --------------------------------------------------------------------------- sweep lock


@pytest.mark.parametrize("code", [errno.ENOLCK, errno.EOPNOTSUPP, errno.ENOSYS])
def test_sweep_lock_goes_on_unlocked_with_one_warning_where_flock_is_unsupported(
    tmp_path, monkeypatch, caplog, code
):
    """flock raising what NFS without lockd (or a FUSE mount) raises: one warning, no
    error, and unlocking is harmless (a few ms)."""

    def no_flock(fd: int, op: int) -> None:
        raise OSError(code, os.strerror(code))

    monkeypatch.setattr(guard.fcntl, "flock", no_flock)
    with caplog.at_level(logging.WARNING, logger="cohesion_sim"):
        lock_sweep(tmp_path)
        lock_sweep(tmp_path)  # taken already by this process: no second line
    lines = _warnings(caplog)
    assert len(lines) == 1 and "\n" not in lines[0]
    assert lines[0].startswith(f"the file system holding {tmp_path} does not support file locking")
    assert os.strerror(code) in lines[0]
    assert "do not start a second sweep into this directory" in lines[0]
    unlock_sweep(tmp_path)
    unlock_sweep(tmp_path)


def test_sweep_lock_still_refuses_when_held_and_raises_other_errors(tmp_path, monkeypatch):
    """A lock held elsewhere refuses as before; an error that is not about support of
    locking is not swallowed (a few ms)."""

    def held(fd: int, op: int) -> None:
        raise BlockingIOError(errno.EWOULDBLOCK, "Resource temporarily unavailable")

    monkeypatch.setattr(guard.fcntl, "flock", held)
    with pytest.raises(SweepLocked, match="another sweep is writing to"):
        lock_sweep(tmp_path)

    def broken(fd: int, op: int) -> None:
        raise OSError(errno.EIO, "Input/output error")

    monkeypatch.setattr(guard.fcntl, "flock", broken)
    with pytest.raises(OSError, match="Input/output error"):
        lock_sweep(tmp_path)
    assert tmp_path.absolute() not in guard._HELD


# --------------------------------------------------------------------------- catalogue


def test_catalogue_locked_by_a_writer_in_another_process_is_read_from_the_run_files(sweep, caplog):
    """Another process holds results.duckdb open to write (a real lock conflict): the
    read gives the file's rows from the run files, with one line about the lock (about
    2 s here, most of it the other process's start)."""
    want, ts_rows = _normal(sweep)
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, duckdb\ncon = duckdb.connect(sys.argv[1])\nprint('held', flush=True)\n"
            "sys.stdin.read()",
            str(sweep / CATALOGUE),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        with caplog.at_level(logging.WARNING, logger="cohesion_sim"):
            got = load_runs(sweep)
            with connect(sweep) as con:
                got_ts = con.execute("SELECT count(*) FROM timeseries").fetchone()
                finals = con.execute("SELECT count(*) FROM final_values").fetchone()
    finally:
        holder.communicate("", timeout=30)
    _same(got, want)
    assert got_ts == (ts_rows,) and finals is not None and finals[0] > 0
    lines = _warnings(caplog)
    assert len(lines) == 1, lines  # one line, though the file was opened twice
    assert lines[0].startswith(f"cannot open the catalogue {sweep / CATALOGUE}: ")
    assert f"another process holds its lock (pid {holder.pid}," in lines[0]
    assert "reading the run files into memory instead" in lines[0]
    assert "damaged" not in lines[0] and "rebuild" not in lines[0]


def test_catalogue_open_for_writing_in_this_process_is_read_from_the_run_files(sweep, caplog):
    """The same process holds the file open read-write (a notebook, say): DuckDB refuses
    a read-only open of it; that is no damage either (well under 1 s)."""
    want, _ = _normal(sweep)
    writer = duckdb.connect(str(sweep / CATALOGUE))
    try:
        with caplog.at_level(logging.WARNING, logger="cohesion_sim"):
            got = load_runs(sweep)
    finally:
        writer.close()
    _same(got, want)
    (line,) = _warnings(caplog)
    assert "this process already has the file open with other settings" in line


def test_catalogue_where_locking_is_unsupported_is_built_and_read(sweep, monkeypatch, caplog):
    """DuckDB cannot lock any file in the sweep directory (it raises what it raises on
    NFS without lockd): the rebuild still writes results.duckdb (built in the local
    temporary directory), and reading falls back to the run files with the same rows
    (about 1.5 s here)."""
    want, ts_rows = _normal(sweep)
    real = duckdb.connect
    refused: list[str] = []

    def no_locks(database: str = ":memory:", *args: object, **kwargs: object):
        if str(database).startswith(str(sweep)):
            refused.append(str(database))
            raise duckdb.IOException(NO_LOCKS.format(database))
        return real(database, *args, **kwargs)

    (sweep / CATALOGUE).unlink()
    monkeypatch.setattr(catalogue.duckdb, "connect", no_locks)
    with caplog.at_level(logging.WARNING, logger="cohesion_sim"):
        path = build_catalogue(sweep)
        got = load_runs(sweep)
        with connect(sweep) as con:
            got_ts = con.execute("SELECT count(*) FROM timeseries").fetchone()
    monkeypatch.undo()
    assert refused and path == sweep / CATALOGUE and path.is_file()
    assert not [p for p in sweep.iterdir() if p.name.endswith((".tmp", ".wal"))]
    _same(got, want)
    assert got_ts == (ts_rows,)
    (line,) = _warnings(caplog)
    assert line == (
        f"cannot open the catalogue {path}: file locking is not supported on this file "
        "system (No locks available); reading the run files into memory instead (the same "
        "tables, not written to disk)"
    )
    _same(load_runs(sweep), want)  # the copied file is whole and read as usual


def test_a_damaged_catalogue_still_says_damaged_and_names_the_rebuild(sweep, caplog):
    """Random bytes in place of the file: damage, not a lock (well under 1 s)."""
    path = sweep / CATALOGUE
    good = path.read_bytes()
    try:
        path.write_bytes(os.urandom(4096))
        with (
            caplog.at_level(logging.WARNING, logger="cohesion_sim"),
            pytest.raises(CatalogueError) as err,
        ):
            load_runs(sweep)
    finally:
        path.write_bytes(good)
    text = str(err.value)
    assert text.startswith(f"the catalogue {path} cannot be read")
    assert text.endswith(f"rebuild it from the run files with: cohesion-sim-catalogue {sweep}")
    assert "lock" not in text.lower()
    assert _warnings(caplog) == []


_NOLOCK_C = r"""
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

/* Whether fd is a file under $NOLOCK_UNDER: the mount that cannot lock. */
static int on_nolock_mount(int fd) {
    const char *under = getenv("NOLOCK_UNDER");
    char link[64], path[4096];
    if (under == NULL || *under == 0) return 0;
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    ssize_t n = readlink(link, path, sizeof path - 1);
    if (n < 0) return 0;
    path[n] = 0;
    return strncmp(path, under, strlen(under)) == 0;
}

static int is_lock(int cmd) {
    return cmd == F_SETLK || cmd == F_SETLKW || cmd == F_GETLK
        || cmd == F_OFD_SETLK || cmd == F_OFD_SETLKW || cmd == F_OFD_GETLK;
}

#define PASS(name)                                                        \
    int name(int fd, int cmd, ...) {                                      \
        va_list ap; va_start(ap, cmd); void *arg = va_arg(ap, void *);    \
        va_end(ap);                                                       \
        if (is_lock(cmd) && on_nolock_mount(fd)) {                        \
            errno = ENOLCK; return -1;                                    \
        }                                                                 \
        int (*real)(int, int, ...) = dlsym(RTLD_NEXT, #name);             \
        return real(fd, cmd, arg);                                        \
    }
PASS(fcntl)
PASS(fcntl64)

int flock(int fd, int op) {
    if (on_nolock_mount(fd)) { errno = ENOLCK; return -1; }
    int (*real)(int, int) = dlsym(RTLD_NEXT, "flock");
    return real(fd, op);
}
"""

_NOLOCK_SCRIPT = """
import json, logging, sys
from sim.catalogue import build_catalogue, load_runs
from sim.sweep.guard import lock_sweep, unlock_sweep

logging.basicConfig(format="%(message)s")
root = sys.argv[1]
lock_sweep(root)
build_catalogue(root)
runs = load_runs(root)
unlock_sweep(root)
print(runs.to_json(orient="split", date_format="iso"))
"""


def test_with_no_lock_calls_at_all_a_sweep_locks_builds_and_reads(sweep, tmp_path, cli_env):
    """In a subprocess every lock call on a file of the sweep directory fails with
    ENOLCK (a preloaded library; as on NFS without lockd, while the local temporary
    directory locks): the sweep lock warns, the catalogue is rebuilt and read from the
    run files with the normal rows, each with one line (about 4 s here; skipped without
    a C compiler)."""
    cc = shutil.which("cc") or shutil.which("gcc")
    if cc is None or not sys.platform.startswith("linux"):
        pytest.skip("needs a C compiler on Linux to build the library that fails locks")
    src = tmp_path / "nolock.c"
    src.write_text(_NOLOCK_C)
    lib = tmp_path / "nolock.so"
    subprocess.run([cc, "-shared", "-fPIC", "-o", str(lib), str(src), "-ldl"], check=True)
    want, _ = _normal(sweep)
    env = {**cli_env, "LD_PRELOAD": str(lib), "NOLOCK_UNDER": f"{sweep}/"}
    r = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(_NOLOCK_SCRIPT), str(sweep)],
        capture_output=True,
        text=True,
        env=env,
        check=False,
        timeout=120,
    )
    assert r.returncode == 0, r.stderr[-3000:]
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 2, lines
    assert lines[0].startswith(f"the file system holding {sweep} does not support file locking")
    assert lines[1] == (
        f"cannot open the catalogue {sweep / CATALOGUE}: file locking is not supported on "
        "this file system (No locks available); reading the run files into memory instead "
        "(the same tables, not written to disk)"
    )
    got = json.loads(r.stdout)
    expected = json.loads(want.to_json(orient="split", date_format="iso"))
    assert got == expected
    _same(load_runs(sweep), want)  # the file the subprocess wrote reads as usual here


# --------------------------------------------------------------------------- numba's cache

_CACHE_SCRIPT = """
import os, sys
import numpy as np
import sim
from sim.dynamics.bubbles import opinion_buckets
print(os.environ.get("NUMBA_CACHE_DIR"))
opinion_buckets(np.linspace(0.0, 1.0, 50))
"""


def _python(script: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=env, check=False
    )


def test_numba_cache_goes_to_a_per_user_directory(tmp_path, cli_env):
    """Without NUMBA_CACHE_DIR the compiled loops are cached under XDG_CACHE_HOME (or
    ~/.cache) in cohesion-sim/numba, not beside the installed modules (about 7 s here:
    two interpreters, one small loop compiled cold)."""
    env = {k: v for k, v in cli_env.items() if k != "NUMBA_CACHE_DIR"}
    env["XDG_CACHE_HOME"] = str(tmp_path / "xdg")
    r = _python(_CACHE_SCRIPT, env)
    assert r.returncode == 0, r.stderr[-3000:]
    where = tmp_path / "xdg" / "cohesion-sim" / "numba"
    assert r.stdout.strip() == str(where)
    cached = sorted(p.name for p in where.rglob("bubbles.opinion_buckets-*"))
    assert any(n.endswith(".nbi") for n in cached) and any(n.endswith(".nbc") for n in cached)

    env.pop("XDG_CACHE_HOME")
    env["HOME"] = str(tmp_path / "home")
    r = _python("import os, sim; print(os.environ['NUMBA_CACHE_DIR'])", env)
    assert r.stdout.strip() == str(tmp_path / "home" / ".cache" / "cohesion-sim" / "numba")


def test_numba_cache_without_a_writable_home_goes_to_the_temporary_directory(tmp_path, cli_env):
    """The cache directory cannot be made (a file is in the way, as an unwritable home
    would refuse it): the cache goes to the temporary directory (about 0.1 s here)."""
    (tmp_path / "file").write_text("")
    env = {k: v for k, v in cli_env.items() if k != "NUMBA_CACHE_DIR"}
    env.update(XDG_CACHE_HOME=str(tmp_path / "file"), TMPDIR=str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    r = _python("import os, sim; print(os.environ['NUMBA_CACHE_DIR'])", env)
    assert r.returncode == 0, r.stderr[-3000:]
    assert r.stdout.strip() == str(tmp_path / "tmp" / f"cohesion-sim-{os.getuid()}" / "numba")


@pytest.mark.parametrize("chosen", ["/somewhere/numba", ""])
def test_numba_cache_dir_chosen_by_the_user_is_kept(cli_env, chosen):
    """A NUMBA_CACHE_DIR set by the user, even empty (numba's own default), is left
    alone (about 0.1 s here each)."""
    r = _python(
        "import os, sim; print(repr(os.environ['NUMBA_CACHE_DIR']))",
        {**cli_env, "NUMBA_CACHE_DIR": chosen},
    )
    assert r.returncode == 0, r.stderr[-3000:]
    assert r.stdout.strip() == repr(chosen)


def test_numba_imported_before_sim_still_uses_the_per_user_directory(tmp_path, cli_env):
    """numba read its settings before sim was imported: they are read again (about 2 s
    here)."""
    env = {k: v for k, v in cli_env.items() if k != "NUMBA_CACHE_DIR"}
    env["XDG_CACHE_HOME"] = str(tmp_path)
    r = _python(
        "from numba.core import config\nimport sim\nprint(config.CACHE_DIR)",
        env,
    )
    assert r.returncode == 0, r.stderr[-3000:]
    assert r.stdout.strip() == str(tmp_path / "cohesion-sim" / "numba")
