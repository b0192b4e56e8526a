"""The rules, one module each, and the registry of extra rules.

A rule is a function over arrays (state, params, rng) in its own module:
:mod:`~sim.dynamics.encounters` (who meets whom), :mod:`~sim.dynamics.influence`,
:mod:`~sim.dynamics.bubbles`, :mod:`~sim.dynamics.trust`,
:mod:`~sim.dynamics.tension`, :mod:`~sim.dynamics.prejudice` and
:mod:`~sim.dynamics.participation`. The model calls them by name, in this order, each
week (:meth:`sim.model.CohesionModel.week`).

Extra rules, a researcher's or a plug-in's, are functions ``(model, encounters) ->
None`` registered in :data:`RULES` (in-process with ``RULES.register(name, fn)``, or as
entry points of the group ``cohesion_sim.rules``). An extra rule runs only in the futures
that switch it on (``scenario.rules: [name]``), after the built-in rules, so installing
a package never silently changes other runs.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from sim.dynamics.encounters import Encounters
from sim.registry import Registry

if TYPE_CHECKING:
    from sim.model import CohesionModel

__all__ = ["BUILTIN_RULES", "RULES", "Encounters", "RuleFn"]

#: The built-in rules, in the order the model applies them; each is switched by
#: ``dynamics.<name>.enabled``.
BUILTIN_RULES = ("influence", "bubbles", "trust", "tension", "prejudice", "participation")

RuleFn = Callable[["CohesionModel", Encounters], None]

#: Extra rules by name (the built-in rules are called by name in the model).
RULES: Registry[RuleFn] = Registry("rule", "cohesion_sim.rules", callable)
