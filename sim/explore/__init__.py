"""The interactive scenario explorer: turn the levers and watch a town respond.

A page in the browser, built on Mesa's own visualisation (SolaraViz), served by
``cohesion-sim-explore`` on 127.0.0.1. Choose a future and a policy, set the policy's
levers (start, duration, budget or capacity, target) and a few uncertain parameters,
then play, pause, step or reset, and watch the cohesion index and its components, a
sample of citizens in their bubbles, the neighbourhoods' trust and tension, the reach
and cost of the policy, and, for a population of several real municipalities, a map of
the municipalities; weeks are shown with their dates. Every run is the model of the
command line (:class:`~sim.model.CohesionModel` from a config composed with Hydra
overrides); the page shows the ``cohesion-sim`` command that runs it.

Modules: :mod:`~sim.explore.options` (what the page offers, read from the config
files), :mod:`~sim.explore.model` (the model built from the controls),
:mod:`~sim.explore.views` (figures and tables, no browser needed),
:mod:`~sim.explore.app` (the SolaraViz page; needs the ``explore`` extra),
:mod:`~sim.explore.cli` (the console script). See docs/explore.md.
"""

from sim.explore.model import ExplorerModel
from sim.explore.options import Levers, futures, overrides, policies

__all__ = ["ExplorerModel", "Levers", "futures", "overrides", "policies"]
