"""The data files the package reads (``data/`` in a checkout, ``sim/_data`` when installed).

Every file's source, period and where it was read are in ``data/README.md``. A file that
is missing or cannot be read raises :class:`DataError` naming it, which the command line
turns into one line.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["DataError", "data_file"]


class DataError(RuntimeError):
    """A data file of the package is missing or damaged; the message names it."""


def data_file(name: str) -> Path:
    """A file of ``data/``: the repository's in a checkout, else the copy in the package.

    Raises:
        DataError: if neither exists.
    """
    pkg = Path(__file__).resolve().parent
    for candidate in (pkg.parent / "data" / name, pkg / "_data" / name):
        if candidate.is_file():
            return candidate
    raise DataError(
        f"data file {name} is missing (looked in {pkg.parent / 'data'} and {pkg / '_data'}); "
        "reinstall cohesion-sim or restore the file from the repository"
    )
