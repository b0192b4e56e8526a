"""Shocks: the events of a future, scheduled on Mesa's event schedule.

A future (configs/scenario/) is a set of driver settings (factors on model inputs,
applied before the burn-in, :func:`sim.config.apply_drivers`) and shocks. A shock is
a registered kind that starts at a given week or in the week of a given date, or at
random weeks drawn at a weekly rate from its own stream, strikes everyone, one
municipality (named, or drawn at random) or one group, and lasts a number of weeks.
Each occurrence is an event on Mesa's schedule between week w - 1 and week w (time
w - 0.5), so it acts before week w's rules run, and it schedules its own weekly events
while it lasts. The model builds the future after the burn-in (:func:`build_future`),
so shocks never act during it.

Randomness: a shock draws only from its own streams: its onset weeks and random places
once, at a fixed size (one number per week of the horizon), from a generator derived
from ``shock:<name>:onsets``; within an occurrence, a fixed amount per week from
``model.streams["shock:<name>"]``. A policy never changes when or where a shock
strikes.

Kinds (each documented in its class and in docs/interventions.md):
``referendum_overridden``, ``asylum_centre``, ``diaspora_tension``, ``scandal``,
``downturn``, ``disinformation``, ``rally``.
"""

from __future__ import annotations

from sim.shocks.base import SHOCKS, Future, Occurrence, Shock, build_future
from sim.shocks.kinds import (
    AsylumCentre,
    DiasporaTension,
    Disinformation,
    Downturn,
    Rally,
    ReferendumOverridden,
    Scandal,
)

__all__ = ["SHOCKS", "Future", "Occurrence", "Shock", "build_future"]

for _kind in (
    ReferendumOverridden,
    AsylumCentre,
    DiasporaTension,
    Scandal,
    Downturn,
    Disinformation,
    Rally,
):
    SHOCKS.add_builtin(_kind.kind, _kind)
