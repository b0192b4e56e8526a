"""The explorer's views: figures and tables drawn from a live model, no browser needed.

Each view is a matplotlib figure kept for the model's life, drawn once and then redrawn
each week only where it changes (:class:`~sim.explore.canvas.View`, in
:mod:`sim.explore.canvas`). :func:`render` returns a view as PNG; :mod:`sim.explore.app`
shows the views in Mesa's SolaraViz, and the tests call them directly.

This module is the registry (:data:`VIEWS`, :func:`view`, :func:`render`) and the one
place to import the views from; they are defined in

- :mod:`sim.explore.series`: ``cohesion`` and ``components`` (the cohesion index, its
  domains and components over time, as in ``cohesion.png``) and ``policy`` (euros
  spent and citizens reached by each intervention), with the tables :func:`timeseries`,
  :func:`readout` (the latest plotted value of every cohesion series) and
  :func:`policy_summary` (the accounts of each intervention);
- :mod:`sim.explore.maps`: ``bubbles`` (a sample of citizens and their ties, coloured
  by opinion), ``neighbourhoods`` (tiles coloured by mean trust and by tension) and,
  for a population of several real municipalities (:func:`has_map`),
  ``municipalities`` (a map of a chosen metric, :func:`choose_map`).

The axes of time label the weeks with their dates (:func:`week_date`).
"""

from __future__ import annotations

import threading
import weakref

from sim.explore.canvas import View
from sim.explore.maps import (
    MAP_CHOICES,
    SAMPLE_SIZE,
    BubblesView,
    MunicipalitiesView,
    NeighbourhoodsView,
    bubble_sample,
    has_map,
    layout,
    municipality_citizens,
    municipality_values,
)
from sim.explore.maps import _sample_ties as _sample_ties
from sim.explore.series import (
    Account,
    CohesionView,
    ComponentsView,
    PolicyView,
    date_text,
    policy_summary,
    readout,
    timeseries,
    week_date,
)
from sim.model import CohesionModel

__all__ = [
    "MAP_CHOICES",
    "SAMPLE_SIZE",
    "VIEWS",
    "Account",
    "BubblesView",
    "CohesionView",
    "ComponentsView",
    "MunicipalitiesView",
    "NeighbourhoodsView",
    "PolicyView",
    "View",
    "bubble_sample",
    "choose_map",
    "date_text",
    "has_map",
    "layout",
    "municipality_citizens",
    "municipality_values",
    "policy_summary",
    "readout",
    "render",
    "timeseries",
    "view",
    "week_date",
]


# ---------------------------------------------------------------- registry
#: The views by name.
VIEWS: dict[str, type[View]] = {
    cls.name: cls
    for cls in (
        CohesionView,
        ComponentsView,
        BubblesView,
        NeighbourhoodsView,
        PolicyView,
        MunicipalitiesView,
    )
}

_views: weakref.WeakKeyDictionary[CohesionModel, tuple[threading.Lock, dict[str, View]]] = (
    weakref.WeakKeyDictionary()
)
_views_lock = threading.Lock()


def view(model: CohesionModel, name: str) -> View:
    """The model's view ``name`` (made on first use, kept for the model's life)."""
    with _views_lock:
        entry = _views.get(model)
        if entry is None:
            entry = (threading.Lock(), {})
            _views[model] = entry
    lock, made = entry
    with lock:
        v = made.get(name)
        if v is None:
            v = VIEWS[name](model)
            made[name] = v
        return v


def render(model: CohesionModel, name: str) -> bytes:
    """View ``name`` of the model now, as PNG."""
    v = view(model, name)
    lock = _views[model][0]
    with lock:
        return v.png(model)


def choose_map(model: CohesionModel, metric: str) -> None:
    """Map ``metric`` (one of :data:`MAP_CHOICES`) in the model's ``municipalities`` view."""
    v = view(model, "municipalities")
    assert isinstance(v, MunicipalitiesView)
    with _views[model][0]:
        v.choose(model, metric)
