"""The model as a Mesa user expects it: keyword parameters in, a DataCollector out.

:class:`CohesionMesaModel` is :class:`~sim.model.CohesionModel` built from keyword
parameters instead of a :class:`~sim.config.RunConfig`, so Mesa's ``batch_run`` can
make it, and with a Mesa ``DataCollector`` that records every metric at week 0 and
after every week:

>>> import mesa
>>> from sim.mesa_model import CohesionMesaModel
>>> rows = mesa.batch_run(
...     CohesionMesaModel,
...     parameters={"population_size": [300, 600], "steps": 8, "burn_in": 4},
...     rng=[1, 2],
...     max_steps=8,
...     number_processes=1,
... )
>>> model = CohesionMesaModel(population_size=300, steps=8, burn_in=4, seed=1)
>>> model.run_model()
>>> model.datacollector.get_model_vars_dataframe()  # one row per week, one column per metric

A keyword becomes a config key (:data:`PARAMETERS` names the short ones; any other
keyword is a config key with ``__`` for each dot, e.g. ``dynamics__trust__recovery``,
and a dotted key such as ``"dynamics.trust.recovery"`` may be given in ``batch_run``'s
parameters as it is). A config group takes an option's name: ``policy="canvassing"``.
The config is composed and checked as the command line's is (:func:`sim.prepare.prepare`),
so a bad value raises :class:`~sim.config.ConfigError` with the command line's one line.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from functools import partial
from typing import Any

import numpy as np
from mesa import DataCollector

from sim.compose import compose
from sim.config import ConfigError, RunConfig
from sim.errors import describe
from sim.model import CohesionModel
from sim.prepare import prepare

__all__ = ["PARAMETERS", "CohesionMesaModel", "config_overrides"]

#: Short keyword parameters and the config key (or config group) each one sets.
PARAMETERS: Mapping[str, str] = {
    "population_size": "population.size",
    "municipality": "population.municipality",
    "confidence": "dynamics.confidence",
    "algorithmic_bias": "dynamics.algorithmic_bias",
    "steps": "steps",
    "burn_in": "burn_in",
    "metrics_every": "metrics_every",
    "start_date": "start_date",
    "population": "population",
    "network": "network",
    "dynamics": "dynamics",
    "scenario": "scenario",
    "policy": "policy",
    "preset": "preset",
    "calibration": "calibration",
    "experiment": "experiment",
}

_PLAIN = re.compile(r"[A-Za-z0-9_.\-/:+]+")


def _value(value: Any) -> str:
    """A Python value as a Hydra override's value."""
    if isinstance(value, np.generic):
        value = value.item()
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, Mapping):
        return "{" + ",".join(f"{k}:{_value(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list | tuple):
        return "[" + ",".join(_value(v) for v in value) + "]"
    text = str(value)
    if _PLAIN.fullmatch(text):
        return text
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def config_overrides(params: Mapping[str, Any]) -> list[str]:
    """Hydra overrides for keyword parameters (see :data:`PARAMETERS`).

    Args:
        params: keyword -> value; a keyword is a short name, a dotted config key, or a
            config key with ``__`` for each dot.

    Returns:
        One ``key=value`` override per parameter, in the order given.
    """
    out = []
    for name, value in params.items():
        key = PARAMETERS.get(name, name.replace("__", "."))
        out.append(f"{key}={_value(value)}")
    return out


def _fresh_seed() -> int:
    """A seed from the operating system's entropy, as Mesa draws one for ``rng=None``."""
    return int(np.random.SeedSequence().entropy % 2**32)  # type: ignore[operator]


def _metric(model: CohesionMesaModel, index: int) -> float:
    """Metric ``index`` for everyone this week, or NaN if this week is not recorded."""
    return model.metric_now(index)


class CohesionMesaModel(CohesionModel):
    """The cohesion model made from keyword parameters, with a Mesa DataCollector.

    Made from keywords (see the module's text and :data:`PARAMETERS`), so that
    ``mesa.batch_run`` can make it; it stops (``running`` is False) at the config's
    horizon, ``steps`` weeks after week 0. ``datacollector`` holds every recorded
    metric for everyone (scope ``all``), at week 0 and after each week, so
    ``datacollector.get_model_vars_dataframe()`` has one row per week (its index is
    the week) and one column per metric: the numbers of the run's time series for
    the same config and seed. With ``metrics_every`` above 1, the weeks between
    records are NaN. Events (turnout, the citizens per scope) and the other scopes
    are in :meth:`~sim.model.CohesionModel.tables`.

    Args:
        seed: the root seed; None draws one (kept as ``cfg.seed``, so the run can be
            repeated), as Mesa does for ``rng=None``; ``batch_run`` passes its ``rng``
            values here.
        overrides: Hydra override strings applied before the keywords, e.g.
            ``["scenario=calm", "dynamics.trust.recovery=0.03"]``.
        progress: show a progress bar for a long burn-in.
        **params: config keys and groups by keyword (:func:`config_overrides`).

    Raises:
        ConfigError: naming the first key that is unknown or out of range, and what is
            allowed, in the command line's words.

    Attributes:
        parameters: the keyword parameters, as given.
        datacollector: the weekly metrics for everyone, one reporter per metric.
    """

    def __init__(
        self,
        *,
        seed: int | None = None,
        overrides: Sequence[str] = (),
        progress: bool = False,
        **params: Any,
    ) -> None:
        self.parameters = dict(params)
        chosen = _fresh_seed() if seed is None else seed
        args = [
            "progress=false",
            *overrides,
            *config_overrides(params),
            f"seed={_value(chosen)}",
        ]
        super().__init__(self.build_config(args), progress=progress)
        self._everyone = self.scopes.names.index("all")
        self.datacollector = DataCollector(
            model_reporters={
                name: partial(_metric, index=j) for j, name in enumerate(self.metric_names)
            }
        )
        self.datacollector.collect(self)
        self.running = self.steps < self.cfg.steps

    @staticmethod
    def build_config(overrides: Sequence[str]) -> RunConfig:
        """Compose and check a config from overrides, as the command line does.

        Raises:
            ConfigError: with the command line's one line for any problem.
        """
        try:
            return prepare(compose(overrides))
        except ConfigError:
            raise
        except Exception as e:  # every failure becomes the command line's one line
            line = describe(e)
            key, _, message = line.partition(": ")
            raise (ConfigError(key, message) if message else ConfigError("config", line)) from e

    def step(self) -> None:
        """One week, then the metrics recorded and collected; stop at the horizon."""
        super().step()
        self.datacollector.collect(self)
        if self.steps >= self.cfg.steps:
            self.running = False

    def metric_now(self, index: int) -> float:
        """Metric ``index`` (of ``metric_names``) for everyone this week, or NaN.

        NaN if this week is not one of the recorded weeks (``metrics_every``).
        """
        last = self._record_index - 1
        if last < 0 or int(self.record_steps[last]) != self.steps:
            return math.nan
        return float(self.records[last, index, self._everyone])
