"""ndlib's AlgorithmicBiasModel (Sirbu et al. 2019) on a graph of cohesion-sim's own.

ndlib draws from numpy's global random state and, on graphs that are not complete,
from the stdlib ``random`` module too (DESIGN.md §4). Seeding both around its runs is
the one place in this project where global random state is used.
"""

from __future__ import annotations

import random
import time
import warnings
from collections.abc import Callable

import networkx as nx
import numpy as np

from sim.network import Layer


def to_networkx(layer: Layer) -> nx.Graph:
    """The undirected graph of a symmetric layer (or of mutual follows); ndlib fails on
    isolated nodes, which a k-regular graph has none of."""
    g = nx.Graph()
    g.add_nodes_from(range(layer.n))
    keep = layer.src < layer.indices
    g.add_edges_from(zip(layer.src[keep].tolist(), layer.indices[keep].tolist(), strict=True))
    return g


class NdlibRun:
    """An AlgorithmicBiasModel set up on ``graph`` with bound eps and bias gamma."""

    def __init__(self, graph: nx.Graph, eps: float, gamma: float, seed: int) -> None:
        import ndlib.models.ModelConfig as mc
        import ndlib.models.opinions as op

        self.seed = seed
        self._seed_globals()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            self.model = op.AlgorithmicBiasModel(graph, seed=seed)
            config = mc.Configuration()
            config.add_model_parameter("epsilon", eps)
            config.add_model_parameter("gamma", gamma)
            self.model.set_initial_status(config)
        self.model.iteration(node_status=False)  # iteration 0 only records the state

    def _seed_globals(self) -> None:
        # Global RNG: ndlib reads numpy's global state and stdlib random (allowed here only).
        np.random.seed(self.seed)  # noqa: NPY002
        random.seed(self.seed)

    def timed_iteration(self, clock: Callable[[], float] = time.perf_counter) -> float:
        """Seconds for one iteration (N sequential pair interactions)."""
        t0 = clock()
        self.model.iteration(node_status=False)
        return clock() - t0

    def opinions(self) -> np.ndarray:
        return np.array([self.model.status[i] for i in sorted(self.model.status)])
