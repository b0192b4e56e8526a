"""cohesion-sim: a strategic-foresight simulator of social cohesion."""

from __future__ import annotations

import os
import sys

__all__ = ["SimWarning", "__version__", "numba_cache_dir"]

__version__ = "0.1.0"


class SimWarning(UserWarning):
    """Warnings of cohesion-sim (turned into errors in the test suite)."""


def numba_cache_dir() -> str | None:
    """The per-user directory for numba's compiled loops, or None without a home.

    ``$XDG_CACHE_HOME/cohesion-sim/numba`` (``~/.cache/cohesion-sim/numba`` when
    ``XDG_CACHE_HOME`` is unset or not an absolute path).
    """
    base = os.environ.get("XDG_CACHE_HOME", "")
    if not os.path.isabs(base):
        home = os.path.expanduser("~")
        if not os.path.isabs(home):
            return None
        base = os.path.join(home, ".cache")
    return os.path.join(base, "cohesion-sim", "numba")


def _writable_dir(path: str) -> bool:
    """Whether ``path`` is (or can be made) a directory this process may write into."""
    try:
        os.makedirs(path, exist_ok=True)
    except OSError:
        return False
    return os.access(path, os.W_OK | os.X_OK)


def _use_numba_cache_dir() -> None:
    """Give numba a per-user cache directory unless the user has chosen one.

    numba would write its cache beside the installed modules: that fails on a read-only
    install (without a writable home, numba then refuses to import the model), and
    every process of a cluster's shared install races to write it. Without a writable
    home the cache goes to ``cohesion-sim-<uid>/numba`` in the temporary directory. The
    setting must be made before numba reads its configuration, that is before the model
    modules are imported; ``NUMBA_CACHE_DIR`` set by the user (even empty, which gives
    numba's own default) is left alone. See docs/sweeps.md.
    """
    if "NUMBA_CACHE_DIR" in os.environ:
        return
    path = numba_cache_dir()
    if path is None or not _writable_dir(path):
        import tempfile

        path = os.path.join(tempfile.gettempdir(), f"cohesion-sim-{os.getuid()}", "numba")
    os.environ["NUMBA_CACHE_DIR"] = path
    if "numba" in sys.modules:  # imported before us: it read its settings already
        from numba.core import config

        config.reload_config()


_use_numba_cache_dir()
