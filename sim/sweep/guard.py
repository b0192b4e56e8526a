"""Guards of a sweep directory: writable, one sweep at a time, and a full disk.

Each fault ends the command with exit status 1 and one line that says what happened
and what to do, never a traceback:

- :func:`check_writable`: an output directory that cannot be written (read-only file
  system, no permission) is refused before anything is computed.
- :func:`lock_sweep`: one sweep at a time writes to a sweep directory. The lock is an
  ``fcntl.flock`` on ``.sweep/lock``, taken by the launching process before the first
  job and held until it exits; a second sweep into the same directory refuses at once
  (it does not wait: a sweep can last a night). The kernel releases the lock when its
  holder dies, so a sweep killed with SIGKILL never blocks its own resume. Where the
  file system cannot lock at all (NFS without its lock service, some FUSE mounts) the
  sweep runs unlocked after one warning line: then the user must not start two sweeps
  into the same directory.
- :class:`DiskFull`: a job that cannot write because the disk is full stops the sweep
  (every later run would fail the same way); the runs already complete are kept. A
  sweep does not start on a disk with less than :data:`MIN_FREE` bytes free
  (:func:`check_space`).

These errors derive from :class:`SweepStop`, a ``BaseException``: Hydra's launchers
record an ordinary exception of a job as a failed job and go on with the next one, and
Hydra's error reporter prints a traceback for it; a ``BaseException`` passes both, up
to the ``cohesion-sim`` command, which prints its one line (:func:`sim.cli.main`).
"""

from __future__ import annotations

import errno
import fcntl
import logging
import os
import shutil
import tempfile
from pathlib import Path

__all__ = [
    "DiskFull",
    "SweepLocked",
    "SweepStop",
    "Unwritable",
    "check_space",
    "check_writable",
    "disk_full_message",
    "free_bytes",
    "is_disk_full",
    "lock_sweep",
    "unlock_sweep",
]

LOCK = "lock"
_FULL_ERRNOS = {errno.ENOSPC, errno.EDQUOT}
_FULL_TEXT = ("no space left on device", "disk quota exceeded", "[errno 28]")
#: What flock gives where the file system cannot lock (NFS without lockd, some FUSE mounts).
_NO_LOCKING = {errno.ENOLCK, errno.EOPNOTSUPP, errno.ENOTSUP, errno.ENOSYS}

_log = logging.getLogger("cohesion_sim")


class SweepStop(BaseException):
    """A fault that stops the whole command with one line (its message)."""


class Unwritable(SweepStop):
    """The output directory cannot be written."""


class SweepLocked(SweepStop):
    """Another sweep is writing to the same sweep directory."""


class DiskFull(SweepStop):
    """The disk holding the sweep directory is full."""


def is_disk_full(e: BaseException) -> bool:
    """Whether ``e`` (or an exception it was raised from) says the disk is full.

    Python's own writes set ``errno``; pyarrow and DuckDB put the system's message in
    their own text, so that is checked too.
    """
    seen: list[BaseException] = []
    cur: BaseException | None = e
    while cur is not None and cur not in seen:
        seen.append(cur)
        if isinstance(cur, OSError) and cur.errno in _FULL_ERRNOS:
            return True
        if any(t in str(cur).lower() for t in _FULL_TEXT):
            return True
        cur = cur.__cause__ or cur.__context__
    return False


def disk_full_message(sweep_dir: Path, what: str) -> str:
    """The one line for a full disk: what could not be written, and what to do."""
    return (
        f"the disk holding {sweep_dir} is full ({what}); free some space (or move the "
        "directory to a bigger disk and point hydra.sweep.dir there) and run the same "
        "command again: complete runs are kept, the others are redone"
    )


def free_bytes(path: Path) -> int:
    """Bytes free for this user on the file system holding ``path``."""
    return shutil.disk_usage(path).free


def _existing(path: Path) -> Path:
    """``path`` or its nearest existing ancestor (what a ``mkdir -p`` would write into)."""
    p = path.absolute()
    while not p.exists() and p != p.parent:
        p = p.parent
    return p


def check_writable(path: Path, setting: str = "hydra.sweep.dir") -> None:
    """Refuse an output directory that cannot be written, before anything runs.

    ``os.access`` alone is not enough (root passes every permission check, yet cannot
    write to a read-only file system), so a small file is also created and removed in
    the directory, or in its nearest existing ancestor if it does not exist yet.

    Args:
        path: the output directory.
        setting: the override that chooses it (named in the message).

    Raises:
        Unwritable: naming the directory, the reason and what to do.
    """
    target = _existing(Path(path))
    reason = None
    if not target.is_dir():
        reason = f"{target} is not a directory"
    elif not os.access(target, os.W_OK | os.X_OK):
        reason = "no permission to write there" if os.access(target, os.R_OK) else "no access"
        if os.statvfs(target).f_flag & os.ST_RDONLY:
            reason = "read-only file system"
    else:
        try:
            fd, name = tempfile.mkstemp(prefix=".cohesion-sim-probe.", dir=target)
            os.close(fd)
            os.unlink(name)
        except OSError as e:
            reason = e.strerror or type(e).__name__
            if e.errno == errno.EROFS:
                reason = "read-only file system"
    if reason is not None:
        full = Path(path).absolute()
        where = f"{full}" + (f" (in {target})" if target != full else "")
        raise Unwritable(
            f"cannot write the output directory {where}: {reason}; make it writable or "
            f"choose another directory with {setting}=PATH"
        )


#: Free space a sweep needs before it starts: Hydra's own records (``multirun.yaml``,
#: the first job's ``.hydra/``) take about 32 KiB, and Hydra's writes would fail with a
#: traceback rather than this module's line.
MIN_FREE = 64 * 1024


def check_space(sweep_dir: Path, need: int = MIN_FREE) -> None:
    """Refuse to start a sweep on a disk that is already (nearly) full.

    Raises:
        DiskFull: fewer than ``need`` bytes are free where the sweep would be written.
    """
    free = free_bytes(_existing(Path(sweep_dir)))
    if free < need:
        what = f"{free / 1024:.0f} KiB free before the first run"
        raise DiskFull(disk_full_message(Path(sweep_dir).absolute(), what))


_HELD: dict[Path, int] = {}


def lock_sweep(sweep_dir: Path) -> None:
    """Take the sweep directory's lock for this process (until it exits).

    Where the file system does not support locking, log one warning line and go on
    without the lock (the sweep then runs unprotected against a second one).

    Raises:
        SweepLocked: another live process holds it (its pid is named).
    """
    root = Path(sweep_dir).absolute()
    if root in _HELD:
        return
    d = root / ".sweep"
    d.mkdir(parents=True, exist_ok=True)
    path = d / LOCK
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        holder = os.pread(fd, 64, 0).decode(errors="replace").strip() or "unknown"
        os.close(fd)
        raise SweepLocked(
            f"another sweep is writing to {root} (pid {holder}); wait for it to finish "
            "or choose another hydra.sweep.dir"
        ) from None
    except OSError as e:
        os.close(fd)
        if e.errno not in _NO_LOCKING:
            raise
        _log.warning(
            "the file system holding %s does not support file locking (%s): the sweep "
            "runs unlocked, so do not start a second sweep into this directory until "
            "it ends",
            root,
            e.strerror or errno.errorcode.get(e.errno or 0, "unknown error"),
        )
        _HELD[root] = -1  # warned once; nothing to release
        return
    except BaseException:
        os.close(fd)
        raise
    os.ftruncate(fd, 0)
    os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
    _HELD[root] = fd  # kept open: the lock lasts as long as this process


def unlock_sweep(sweep_dir: Path) -> None:
    """Release the lock this process holds on ``sweep_dir`` (if any)."""
    fd = _HELD.pop(Path(sweep_dir).absolute(), None)
    if fd is not None and fd >= 0:
        os.close(fd)
