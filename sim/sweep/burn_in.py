"""Shared starting states: one burn-in per seed and future, reused by every policy.

The burn-in runs before week 0 with no policy (docs/model.md), so runs whose configs
differ only in the policy, the horizon, the uncertain-parameter design or presentation
pass through the same burn-in. A sweep computes it once, stores it with
:func:`sim.state.save` (an ``.npz`` of plain arrays and a JSON file, never pickle) under
``<sweep dir>/.sweep/burn_in/<key>/``, and every other such run starts from it with
``run(cfg, start=state)`` (:mod:`sim.run`).

Parallel workers may race to create the same state. Each writes its copy into a
temporary directory and renames it into place; the rename is atomic and fails if the
state is already there, in which case the copy is dropped. Both computed the same state
(the burn-in is deterministic), so either copy is right; none is ever half-written under
the final name.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import uuid
from pathlib import Path
from typing import Literal

from sim.config import RunConfig, stable_dict
from sim.run import start_state
from sim.state import StartState, load, save

__all__ = ["burn_in_key", "shared_start"]

#: Config keys that do not change the burn-in (left out of its key).
NOT_IN_BURN_IN = (
    "policy",
    "steps",
    "plot",
    "progress",
    "metrics_every",
    "uncertainty",
    "small_scope",
    "start_date",
)

Source = Literal["computed", "shared"]


def burn_in_key(cfg: RunConfig) -> str:
    """SHA-256 of the config without the keys that do not change the burn-in.

    Uncertain parameters are applied to the config before it is hashed, so runs whose
    sampled values change the burn-in (e.g. a dynamics parameter) get different keys.
    """
    d = stable_dict(cfg)
    for k in NOT_IN_BURN_IN:
        d.pop(k, None)
    blob = json.dumps(d, sort_keys=True, separators=(",", ":")).encode()
    return hashlib.sha256(blob).hexdigest()


def _publish(state: StartState, final: Path) -> None:
    tmp = final.parent / f".{final.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp"
    try:
        save(state, tmp / "state")
        os.rename(tmp, final)  # atomic; fails if another worker got there first
    except OSError:
        if not (final / "state.json").is_file():
            raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def shared_start(cfg: RunConfig, store: Path) -> tuple[StartState, Source]:
    """The run's starting state from ``store``, computing and storing it if absent.

    Args:
        cfg: the run's typed config.
        store: the directory of shared states (``<sweep dir>/.sweep/burn_in``).

    Returns:
        The state, and whether it was ``computed`` here or ``shared`` (loaded).
    """
    final = store / burn_in_key(cfg)[:24]
    if (final / "state.json").is_file():
        return load(final / "state"), "shared"
    state = start_state(cfg)
    store.mkdir(parents=True, exist_ok=True)
    _publish(state, final)
    return state, "computed"
