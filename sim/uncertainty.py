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
adding a parameter never changes another's values, and the design does not depend on
which policy a run has. Values are mapped linearly to
[low, high]; a parameter whose current value is an integer is rounded.

With ``intervention_effects: true``, every effect parameter of the run's interventions
is sampled too, from the prior its kind declares (:meth:`sim.params.Param.prior`: the
design's uniform number is mapped through the prior's quantile function, so the sample
follows the prior, not a uniform range); a key also given in ``params`` takes the range
given there, uniformly. With ``intervention_costs: true``, each intervention's unit cost
is sampled from its kind's cost prior the same way.

The values are applied to the typed config before its ranges are checked
(:func:`sim.prepare.prepare` calls :func:`apply_uncertainty`). The intervention kinds
whose declared ranges are sampled are passed in (this module imports no registry). A key under
``policy.interventions.<name>.`` is skipped in a run whose policy has no intervention
``<name>`` (the run without intervention ignores the canvassing effect); an effect
parameter the policy file leaves at its default is set in the intervention's ``effect``
map; any other key that does not exist is an error.
"""

from __future__ import annotations

import copy
import math
import zlib
from collections.abc import Mapping
from dataclasses import dataclass, fields, is_dataclass
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd

from sim.config import ConfigError, RunConfig, UncertaintyConfig
from sim.evidence import Prior

__all__ = [
    "Range",
    "apply_uncertainty",
    "check_uncertainty",
    "design_column",
    "latin_hypercube",
    "registered_costs",
    "registered_ranges",
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
    if (u.params or u.intervention_effects or u.intervention_costs) and u.samples < 1:
        raise ConfigError(
            "uncertainty.samples",
            "must be at least 1 when uncertainty.params, intervention_effects or "
            "intervention_costs is given",
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


def _set(
    cfg: RunConfig,
    key: str,
    unit: float,
    low: float,
    high: float,
    integer: bool = False,
    prior: Prior | None = None,
) -> float | None:
    """Set ``key`` in cfg to its value at ``unit``; the value set, or None if skipped.

    The value is the prior's quantile at ``unit``, or low + unit * (high - low).
    """
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
            if part not in node and last and depth > 0 and parts[depth - 1] == "effect":
                current = None  # an effect parameter left at its kind's default
            elif part not in node:
                if _skipped(parts, depth):
                    return None
                known = ", ".join(map(str, node)) or "none"
                raise ConfigError(
                    f"uncertainty.params.{key}",
                    f"'{'.'.join(parts[: depth + 1])}' is not in the config; there: {known}",
                )
            else:
                current = node[part]
        else:
            raise ConfigError(
                f"uncertainty.params.{key}",
                f"'{'.'.join(parts[:depth])}' holds a value, not more keys",
            )
        if not last:
            node = current
            continue
        if current is not None and not _number(current):
            raise ConfigError(
                f"uncertainty.params.{key}", f"must name a number in the config, got {current!r}"
            )
        value: float = (
            float(prior.quantile(unit)) if prior is not None else low + unit * (high - low)
        )
        if integer or (isinstance(current, int) and not isinstance(current, bool)):
            value = round(value)
        if is_dataclass(node):
            setattr(node, part, value)
        else:
            node[part] = value
        return value
    return None  # pragma: no cover - the loop always returns on the last part


@dataclass(frozen=True)
class Range:
    """An uncertain parameter: its range, whether it is whole, and its design column.

    With a ``prior``, a design's uniform number is mapped through the prior's quantile
    function (the range is then its 90% interval); without one, linearly onto the range.
    """

    low: float
    high: float
    integer: bool
    column: str
    prior: Prior | None = None


def registered_ranges(cfg: RunConfig, kinds: Mapping[str, Any]) -> dict[str, Range]:
    """The declared uncertainty range of each effect parameter of the run's interventions.

    The design column of a registered parameter is named by the intervention's kind,
    mode and parameter (``canvassing:deep.persuasion``), not by where the policy puts
    it, so every policy with deep canvassing gets the same persuasion effect at the same
    point of the design: policies are compared in the same uncertain world.

    Args:
        cfg: the run's config.
        kinds: the intervention kinds by name (each class declares ``modes``, ``params``).

    Returns:
        config key -> its :class:`Range`.
    """
    out: dict[str, Range] = {}
    for name, iv in cfg.policy.interventions.items():
        cls = kinds.get(iv.kind)
        if cls is None:
            continue  # the policy check names the unknown kind
        mode = iv.mode or cls.modes[0]
        for pname, spec in cls.params.items():
            low, high = spec.range(mode)
            key = f"policy.interventions.{name}.effect.{pname}"
            column = f"{iv.kind}:{mode}.{pname}"
            out[key] = Range(low, high, spec.integer, column, spec.prior(mode))
    return out


def registered_costs(cfg: RunConfig, kinds: Mapping[str, Any]) -> dict[str, Range]:
    """The prior of each intervention's unit cost (design column ``<kind>:<mode>.unit_cost``)."""
    out: dict[str, Range] = {}
    for name, iv in cfg.policy.interventions.items():
        cls = kinds.get(iv.kind)
        if cls is None:
            continue
        mode = iv.mode or cls.modes[0]
        prior = cls.unit_cost_prior(mode)
        key = f"policy.interventions.{name}.unit_cost"
        out[key] = Range(prior.low, prior.high, False, f"{iv.kind}:{mode}.unit_cost", prior)
    return out


def _apply(cfg: RunConfig, kinds: Mapping[str, Any]) -> tuple[RunConfig, dict[str, float]]:
    u = cfg.uncertainty
    check_uncertainty(u)
    ranges: dict[str, Range] = {}
    if u.intervention_effects and u.samples:
        ranges.update(registered_ranges(cfg, kinds))
    if u.intervention_costs and u.samples:
        ranges.update(registered_costs(cfg, kinds))
    for key, (low, high) in u.params.items():
        integer = ranges[key].integer if key in ranges else False
        ranges[key] = Range(float(low), float(high), integer, key)
    if not ranges:
        return cfg, {}
    out = copy.deepcopy(cfg)
    applied: dict[str, float] = {}
    for key, r in ranges.items():
        unit = design_column(u.design_seed, u.samples, r.column)[u.sample]
        value = _set(out, key, unit, r.low, r.high, r.integer, r.prior)
        if value is not None:
            applied[key] = value
    return out, applied


def apply_uncertainty(cfg: RunConfig, kinds: Mapping[str, Any]) -> RunConfig:
    """The config with this run's point of the design applied (cfg itself if none).

    Applying twice gives the same config: the values come from the design, not from
    the config's current values. ``kinds``: the intervention kinds by name.
    """
    return _apply(cfg, kinds)[0]


def uncertainty_values(cfg: RunConfig, kinds: Mapping[str, Any]) -> dict[str, float]:
    """The values this run's point of the design sets (skipped keys left out)."""
    return _apply(cfg, kinds)[1]
