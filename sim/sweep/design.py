"""Uncertain parameters as data, sampled by a Latin hypercube design.

An experiment declares which parameters are uncertain and their ranges, and how many
points the design has::

    uncertainty:
      samples: 20              # points in the design
      design_seed: 2018        # the design is a pure function of this seed
      sample: ${seed}          # the point this run uses (0 to samples - 1)
      params:
        dynamics.trust.bad_effect: [0.04, 0.12]
        policy.interventions.canvassing.effect.persuasion: [0.02, 0.1]

Each parameter's column of the design is a Latin hypercube column (McKay, Beckman &
Conover 1979): the unit interval is cut into ``samples`` equal strata, each stratum is
used exactly once, at a uniform position inside it, in a random order. Each column is
drawn from its own generator, seeded by ``design_seed`` and the parameter's name, so
adding a parameter never changes another's values. Values are mapped linearly to
[low, high]; a parameter whose current value is an integer is rounded.

The values are applied to the typed config before its ranges are checked
(:func:`sim.config.validate` calls :func:`apply_uncertainty`). A key under
``policy.interventions.<name>.`` is skipped in a run whose policy has no intervention
``<name>`` (the run without intervention ignores the canvassing effect); any other key
that does not exist is an error.
"""

from __future__ import annotations

import copy
import math
import zlib
from dataclasses import fields, is_dataclass
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd

from sim.config import ConfigError, RunConfig, UncertaintyConfig

__all__ = [
    "apply_uncertainty",
    "check_uncertainty",
    "design_column",
    "latin_hypercube",
    "uncertainty_values",
]

_POLICY_PREFIX = ("policy", "interventions")


@lru_cache(maxsize=4096)
def design_column(design_seed: int, samples: int, key: str) -> tuple[float, ...]:
    """One parameter's column of the design, on the unit interval.

    Args:
        design_seed: seed of the design (>= 0).
        samples: points in the design (>= 1).
        key: the parameter's name (its dotted config key).

    Returns:
        ``samples`` values, exactly one in each stratum [k/samples, (k+1)/samples).
    """
    seq = np.random.SeedSequence(design_seed, spawn_key=(zlib.crc32(key.encode()),))
    rng = np.random.Generator(np.random.PCG64(seq))
    strata = rng.permutation(samples)
    within = rng.random(samples)
    return tuple(float(v) for v in (strata + within) / samples)


def latin_hypercube(u: UncertaintyConfig) -> pd.DataFrame:
    """The whole design of an ``uncertainty`` section: one row per point, one column per key."""
    check_uncertainty(u)
    cols = {}
    for key, (low, high) in u.params.items():
        unit = np.array(design_column(u.design_seed, u.samples, key))
        cols[key] = float(low) + unit * (float(high) - float(low))
    return pd.DataFrame(cols, index=pd.RangeIndex(u.samples, name="sample"))


def _number(x: Any) -> bool:
    return isinstance(x, int | float) and not isinstance(x, bool) and math.isfinite(x)


def check_uncertainty(u: UncertaintyConfig) -> None:
    """Check the ``uncertainty`` section; raise ConfigError naming the key."""
    if not isinstance(u.samples, int) or u.samples < 0:
        raise ConfigError("uncertainty.samples", f"must be an integer >= 0, got {u.samples!r}")
    if u.design_seed < 0:
        raise ConfigError("uncertainty.design_seed", f"must be at least 0, got {u.design_seed}")
    if u.params and u.samples < 1:
        raise ConfigError(
            "uncertainty.samples", "must be at least 1 when uncertainty.params is given"
        )
    if u.samples and not 0 <= u.sample < u.samples:
        raise ConfigError(
            "uncertainty.sample",
            f"must be in [0, {u.samples - 1}] (uncertainty.samples is {u.samples}), got {u.sample}",
        )
    for key, rng in u.params.items():
        where = f"uncertainty.params.{key}"
        if key.split(".")[0] in ("uncertainty", "seed"):
            raise ConfigError(where, "the seed and the design itself cannot be uncertain")
        if not isinstance(rng, list | tuple) or len(rng) != 2 or not all(map(_number, rng)):
            raise ConfigError(where, f"must be [low, high] with two finite numbers, got {rng!r}")
        if rng[0] > rng[1]:
            raise ConfigError(where, f"low must not exceed high, got {list(rng)}")


def _skipped(parts: list[str], depth: int) -> bool:
    """True if a missing node at ``depth`` is an intervention the policy does not have."""
    return depth == 2 and tuple(parts[:2]) == _POLICY_PREFIX


def _set(cfg: RunConfig, key: str, unit: float, low: float, high: float) -> float | None:
    """Set ``key`` in cfg to low + unit * (high - low); the value set, or None if skipped."""
    parts = key.split(".")
    node: Any = cfg
    for depth, part in enumerate(parts):
        last = depth == len(parts) - 1
        if is_dataclass(node):
            names = [f.name for f in fields(node)]
            if part not in names:
                raise ConfigError(
                    f"uncertainty.params.{key}",
                    f"'{'.'.join(parts[: depth + 1])}' is not a config key; "
                    f"allowed there: {', '.join(names)}",
                )
            current = getattr(node, part)
        elif isinstance(node, dict):
            if part not in node:
                if _skipped(parts, depth):
                    return None
                known = ", ".join(map(str, node)) or "none"
                raise ConfigError(
                    f"uncertainty.params.{key}",
                    f"'{'.'.join(parts[: depth + 1])}' is not in the config; there: {known}",
                )
            current = node[part]
        else:
            raise ConfigError(
                f"uncertainty.params.{key}",
                f"'{'.'.join(parts[:depth])}' holds a value, not more keys",
            )
        if not last:
            node = current
            continue
        if not _number(current):
            raise ConfigError(
                f"uncertainty.params.{key}", f"must name a number in the config, got {current!r}"
            )
        value: float = low + unit * (high - low)
        if isinstance(current, int):
            value = round(value)
        if is_dataclass(node):
            setattr(node, part, value)
        else:
            node[part] = value
        return value
    return None  # pragma: no cover - the loop always returns on the last part


def _apply(cfg: RunConfig) -> tuple[RunConfig, dict[str, float]]:
    u = cfg.uncertainty
    check_uncertainty(u)
    if not u.params:
        return cfg, {}
    out = copy.deepcopy(cfg)
    applied: dict[str, float] = {}
    for key, (low, high) in u.params.items():
        unit = design_column(u.design_seed, u.samples, key)[u.sample]
        value = _set(out, key, unit, float(low), float(high))
        if value is not None:
            applied[key] = value
    return out, applied


def apply_uncertainty(cfg: RunConfig) -> RunConfig:
    """The config with this run's point of the design applied (cfg itself if none).

    Applying twice gives the same config: the values come from the design, not from
    the config's current values.
    """
    return _apply(cfg)[0]


def uncertainty_values(cfg: RunConfig) -> dict[str, float]:
    """The values this run's point of the design sets (skipped keys left out)."""
    return _apply(cfg)[1]
