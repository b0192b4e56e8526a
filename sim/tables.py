"""A run's output tables, built from the arrays the model recorded.

Three tables, as Arrow tables (the file schema of the run directory, see
:mod:`sim.results`):

- ``timeseries``: tidy rows ``step, date, metric, scope, value``: every metric for every
  reported scope at each recorded week, then the event rows (elections, shocks,
  interventions' accounts), each at the week it happened; ``date`` is the week's date
  (the run's start date plus 7 days a week);
- ``events``: the event rows alone;
- ``final_state``: one row per citizen with its state at the end.

The functions take arrays, not the model, so the tables depend only on what the model
recorded.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa
import pyarrow.compute
from numpy.typing import NDArray

from sim.network import Network
from sim.population import AGE_BANDS, EDUCATION, Population

if TYPE_CHECKING:
    from sim.model import CohesionModel

__all__ = [
    "Event",
    "RunTables",
    "dated",
    "events_table",
    "final_state_table",
    "timeseries_table",
]

#: An event row: (step, metric, scope, value).
Event = tuple[int, str, str, float]

_COLUMNS = {"step": pa.int64(), "metric": pa.string(), "scope": pa.string(), "value": pa.float64()}
_EPOCH = date(1970, 1, 1)


def dated(table: pa.Table, start: str) -> pa.Table:
    """The table with a ``date`` column after ``step``: start + 7 days x step."""
    offset = (date.fromisoformat(start) - _EPOCH).days
    days = pa.compute.add(pa.compute.multiply(table["step"], 7), offset)
    column = days.cast(pa.int32()).cast(pa.date32())
    return table.add_column(1, "date", column)


@dataclass
class RunTables:
    """What a run produces.

    Attributes:
        timeseries: tidy metrics and events (step, metric, scope, value).
        final_state: one row per citizen.
        events: the event rows of ``timeseries`` alone.
        budget: the policy's euros available, spent and left, in all and per
            intervention (:meth:`sim.interventions.Policy.accounts`).
        warnings: what the run could not honour of its config, one line each.
        model: the model at the end, for inspection (None where it was not kept).
        timings: wall seconds of the run's parts (:func:`sim.run.run`): ``build_s``
            (the model, from the start state or with its burn-in), ``weeks_s`` (the
            weeks without the metrics), ``metrics_s`` (recording the metrics),
            ``tables_s`` (building these tables).
    """

    timeseries: pa.Table
    final_state: pa.Table
    events: pa.Table
    budget: dict[str, Any] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    model: CohesionModel | None = field(default=None, repr=False)
    timings: dict[str, float] = field(default_factory=dict)


def _tidy(
    step: NDArray[Any], metric: NDArray[Any], scope: NDArray[Any], value: NDArray[Any]
) -> pa.Table:
    return pa.table(
        {
            "step": pa.array(step, _COLUMNS["step"]),
            "metric": pa.array(metric, _COLUMNS["metric"]),
            "scope": pa.array(scope, _COLUMNS["scope"]),
            "value": pa.array(value, _COLUMNS["value"]),
        }
    )


def events_table(events: Sequence[Event]) -> pa.Table:
    """The event rows as a tidy table."""
    if not events:
        return pa.table({k: pa.array([], t) for k, t in _COLUMNS.items()})
    step, metric, scope, value = zip(*events, strict=True)
    return _tidy(
        np.array(step, dtype=np.int64),
        np.array(metric, dtype=object),
        np.array(scope, dtype=object),
        np.array(value, dtype=np.float64),
    )


def timeseries_table(
    steps: NDArray[np.int64],
    records: NDArray[np.float64],
    metrics: Sequence[str],
    scopes: Sequence[str],
    events: Sequence[Event],
) -> pa.Table:
    """Recorded metrics (``records[step, metric, scope]``) and events, as tidy rows."""
    n_steps, n_metrics, n_scopes = records.shape
    step = np.repeat(steps, n_metrics * n_scopes)
    metric = np.tile(np.repeat(np.array(metrics, dtype=object), n_scopes), n_steps)
    scope = np.tile(np.array(scopes, dtype=object), n_steps * n_metrics)
    table = _tidy(step, metric, scope, records.reshape(-1))
    return pa.concat_tables([table, events_table(events)]) if events else table


def final_state_table(pop: Population, tension: NDArray[np.float64], network: Network) -> pa.Table:
    """One row per citizen: its arrays and municipality code, tension and degrees.

    ``group`` and ``origin`` are the group's name, ``education`` and ``age_band`` their
    labels (``low``, ``15-24``); ``trust`` and ``trust_politics`` are both political
    trust.
    """
    cols: dict[str, Any] = {"citizen": np.arange(pop.size, dtype=np.int64)}
    labels = {
        "group": np.array(pop.group_names, dtype=object),
        "education": np.array(EDUCATION, dtype=object),
        "age_band": np.array(AGE_BANDS, dtype=object),
    }
    for k, v in pop.arrays().items():
        cols[k] = labels[k][v] if k in labels else v
        if k == "group":
            cols["origin"] = cols[k]
        if k == "trust":  # political trust, also under the name of its kind
            cols["trust_politics"] = v
        if k == "municipality":
            codes = pop.municipality_codes or tuple(str(m) for m in range(pop.n_municipalities))
            cols["municipality_code"] = np.array(codes, dtype=object)[v]
    cols["tension"] = tension[pop.neighbourhood]
    cols["offline_degree"] = network.offline.degree
    cols["online_degree"] = network.online.degree
    return pa.table({k: pa.array(v) for k, v in cols.items()})
