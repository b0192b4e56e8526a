"""How the C allocator (glibc's malloc) hands memory back: two settings for big models.

numpy takes its arrays from malloc. glibc serves an array above its mmap threshold (at
most 32 MB) from a fresh mapping, returns that mapping to the system when the array is
freed, and the next array of that size is faulted in and zeroed again; smaller arrays
come from the heap, whose freed middle it keeps. Both matter at scale:

- a national week (17.9 million citizens) makes dozens of per-citizen temporaries of
  143 MB each; unmapping and faulting them in again was half of a week's CPU time
  (docs/performance.md). :func:`keep_freed_memory` serves them from the heap and keeps
  freed memory for the next one (the command line does this for every run);
- building the network leaves hundreds of MB of freed temporaries in the heap behind
  the live arrays; :func:`release_free_memory` hands those pages back after the build,
  so they do not count against the run's peak memory.

Both are no-ops where glibc is not the C library (macOS, musl).
"""

from __future__ import annotations

import ctypes
import os
from functools import cache

__all__ = ["keep_freed_memory", "release_free_memory"]

_M_TRIM_THRESHOLD = -1
_M_MMAP_MAX = -4
#: Freed heap memory kept for reuse before glibc trims the heap's top (64 GB: always).
_TRIM_THRESHOLD = 2**36


@cache
def _libc() -> ctypes.CDLL | None:
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:
        return None
    return libc if hasattr(libc, "mallopt") and hasattr(libc, "malloc_trim") else None


def keep_freed_memory(children: bool = True) -> bool:
    """Serve large arrays from the heap and keep freed memory for reuse (glibc).

    Equivalent to ``MALLOC_MMAP_MAX_=0 MALLOC_TRIM_THRESHOLD_=68719476736`` in the
    environment; with ``children`` those variables are also set for processes started
    later (the workers of a parallel sweep). Returns whether the setting took effect.
    """
    if children:
        os.environ.setdefault("MALLOC_MMAP_MAX_", "0")
        os.environ.setdefault("MALLOC_TRIM_THRESHOLD_", str(_TRIM_THRESHOLD))
    libc = _libc()
    if libc is None:
        return False
    # mallopt takes an int: the largest threshold it accepts is 2**31 - 1.
    return bool(libc.mallopt(_M_MMAP_MAX, 0) and libc.mallopt(_M_TRIM_THRESHOLD, 2**31 - 1))


def release_free_memory() -> bool:
    """Return the heap's free pages to the system (glibc ``malloc_trim(0)``)."""
    libc = _libc()
    return bool(libc is not None and libc.malloc_trim(0))
