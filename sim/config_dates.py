"""Dates in a future: its listed elections, and the week a date falls in.

Like :mod:`sim.config_policy`, this is schema at the bottom of the package: it imports
nothing else from it, and :mod:`sim.config` re-exports what a config holds.

Weeks are counted as the rest of the model counts them: week 0 is the state at
``start_date`` (the end of the burn-in), and week w >= 1 is the week that runs from day
``start_date + 7 (w - 1)`` to day ``start_date + 7 w - 1``; its record is dated
``start_date + 7 w`` (:func:`sim.tables.dated`). A date therefore falls in week
``(date - start_date) // 7 + 1``: the start date itself in week 1, a date before it in
week 0 or earlier (before the run).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

__all__ = ["ELECTION_KINDS", "ElectionConfig", "week_of"]

#: The kinds of election a future may list (each has a turnout factor in
#: ``dynamics.participation``: ``parliament_factor``, ``municipal_factor``).
ELECTION_KINDS = ("parliament", "municipal")


@dataclass
class ElectionConfig:
    """An election a future holds on its date (its name is its key in the future).

    Attributes:
        kind: ``parliament`` (the Tweede Kamer) or ``municipal`` (the municipal councils).
        date: the polling day (ISO, ``YYYY-MM-DD``); the election is held in the week
            that contains it (:func:`week_of`). For a vote spread over several days, the
            last day.
    """

    kind: str = ""
    date: str = ""


def week_of(day: str, start: str) -> int:
    """The week (1 = the week starting on ``start``) that contains the date ``day``.

    Both are ISO dates. A date before ``start`` gives a week below 1.
    """
    return (date.fromisoformat(day) - date.fromisoformat(start)).days // 7 + 1
