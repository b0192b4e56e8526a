"""A cheap check of the state after every rule: NaN or out-of-range stops the run.

After each rule runs, the model checks the arrays that rule writes for values that are
not finite or fall outside [0, 1] (all of them after an extra rule). The check
costs one pass over each array per week, so finding the rule that went wrong never
needs a re-run. What interventions and shocks did since the last rule is checked at the
start of each week.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from sim.model import CohesionModel

__all__ = ["STATE_ARRAYS", "StateError", "check_state"]

#: Arrays that must stay finite and in [0, 1]: citizen arrays by name, and "tension".
STATE_ARRAYS = (
    "opinion",
    "trust",
    "trust_rule_of_law",
    "trust_people",
    "prejudice",
    "prejudice_muslims",
    "participation",
    "tension",
)


class StateError(RuntimeError):
    """A rule (or an intervention or shock) left a NaN or out-of-range value."""

    def __init__(self, source: str, array: str, week: int, bad: int, first: int) -> None:
        where = "neighbourhood" if array == "tension" else "citizen"
        super().__init__(
            f"week {week}: {source} left {bad} invalid value(s) in '{array}' "
            f"(NaN, infinite or outside [0, 1]; first at {where} {first}). "
            "This is a bug in that rule or in its parameters; please report it with the config."
        )
        self.source = source
        self.array = array


def check_state(model: CohesionModel, source: str, arrays: tuple[str, ...] = STATE_ARRAYS) -> None:
    """Raise StateError if any of ``arrays`` holds a NaN, an infinity or a value outside [0, 1]."""
    for name in arrays:
        v = model.tension if name == "tension" else getattr(model.population, name)
        if v.size == 0:
            continue
        # v.min() and v.max(), not np.min(v, initial=0.0): the same test, and numpy
        # takes a path three times as fast without ``initial`` (2 against 7 us at 10^4).
        lo, hi = v.min(), v.max()
        if np.isfinite(lo) and np.isfinite(hi) and lo >= 0.0 and hi <= 1.0:
            continue
        bad = ~np.isfinite(v) | (v < 0.0) | (v > 1.0)
        raise StateError(source, name, model.steps, int(bad.sum()), int(np.argmax(bad)))
