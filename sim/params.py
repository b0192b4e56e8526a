"""Declared parameters of interventions and shocks: default, uncertainty range, source.

Each intervention or shock kind declares its effect parameters as data: a
:class:`Param` per name with its default (per mode where the kind has modes), the range
over which it is uncertain (for sensitivity and robustness sweeps), the hard bounds a
config value must respect, and the source of the default. Together they are a prior
(:meth:`Param.prior`): the default is its median and the range its 90% interval, with
``basis`` saying whether it rests on pooled studies (``evidence``, docs/evidence.md), on
studies of a related lever (``proxy``) or on a stated judgement. A policy or scenario file
sets only the parameters it changes; :func:`resolve` fills in the rest and refuses
unknown names or values out of bounds with a :class:`~sim.config.ConfigError`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from sim.config import ConfigError
from sim.evidence import Prior

__all__ = ["Param", "resolve"]

Value = float | Mapping[str, float]


@dataclass(frozen=True)
class Param:
    """One declared parameter.

    Attributes:
        default: the default value, or a value per mode.
        low: low end of the uncertainty range (or per mode).
        high: high end of the uncertainty range (or per mode).
        bounds: the values a config may set (inclusive).
        source: where the default comes from ("assumption: ..." if it is one).
        doc: what the parameter means, with its unit.
        integer: whether the value is a whole number (a count of weeks or people).
        basis: ``evidence``, ``proxy`` or ``judgement`` (what the default rests on), or
            one per mode.
    """

    default: Value
    low: Value
    high: Value
    bounds: tuple[float, float] = (0.0, 1.0)
    source: str = ""
    doc: str = ""
    integer: bool = False
    basis: str | Mapping[str, str] = "judgement"

    @staticmethod
    def _pick(v: Value, mode: str) -> float:
        return float(v[mode]) if isinstance(v, Mapping) else float(v)

    def value(self, mode: str) -> float:
        """The default in ``mode``."""
        return self._pick(self.default, mode)

    def range(self, mode: str) -> tuple[float, float]:
        """The uncertainty range in ``mode``."""
        return self._pick(self.low, mode), self._pick(self.high, mode)

    def prior(self, mode: str) -> Prior:
        """The prior in ``mode``: median the default, 90% interval the range."""
        low, high = self.range(mode)
        basis = self.basis if isinstance(self.basis, str) else self.basis[mode]
        return Prior(self.value(mode), low, high, self.bounds, basis, self.source)


def resolve(
    key: str, declared: Mapping[str, Param], given: Mapping[str, float | None], mode: str
) -> dict[str, float]:
    """The full parameter set: ``given`` values checked, defaults for the rest.

    Args:
        key: the config key of the parameter dict (for error messages).
        declared: the kind's declared parameters.
        given: the values a config sets (None: the default).
        mode: the kind's mode (selects per-mode defaults).

    Raises:
        ConfigError: for an unknown name, a non-number, or a value outside its bounds.
    """
    out: dict[str, float] = {}
    for name, value in given.items():
        if value is None and name in declared:
            continue  # null: the declared default
        if name not in declared:
            allowed = ", ".join(declared) if declared else "none"
            raise ConfigError(f"{key}.{name}", f"unknown parameter; allowed: {allowed}")
        spec = declared[name]
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ConfigError(f"{key}.{name}", f"must be a number, got {value!r}")
        lo, hi = spec.bounds
        if not math.isfinite(value) or not lo <= value <= hi:
            raise ConfigError(f"{key}.{name}", f"must be in [{lo:g}, {hi:g}], got {value!r}")
        if spec.integer and value != int(value):
            raise ConfigError(f"{key}.{name}", f"must be a whole number, got {value!r}")
        out[name] = float(value)
    for name, spec in declared.items():
        out.setdefault(name, spec.value(mode))
    return out
