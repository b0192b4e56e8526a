"""ndlib's AlgorithmicBiasModel (Sirbu et al. 2019) on a graph of cohesion-sim's own.

ndlib draws from numpy's global random state and, on graphs that are not complete,
from the stdlib ``random`` module too. Seeding both around its runs is
the one place in this project where global random state is used: the benchmark peer
(:class:`NdlibRun`) and the validation docking (:func:`run_to_convergence`, called by
``benchmarks.docking.run_ndlib``, which restores the state afterwards). This module
imports from ``sim`` only (the measures of ``sim.analysis.validation``), never from the
benchmarks that use it.
"""

from __future__ import annotations

import random
import time
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import networkx as nx
import numpy as np

from sim.analysis.validation.measures import CONVERGENCE_TOL, Outcome, is_converged, outcome
from sim.network import Layer


def seed_global_random(seed: int) -> None:
    """Seed what ndlib draws from: numpy's global RandomState and stdlib ``random``."""
    np.random.seed(seed)  # noqa: NPY002 - peer library draws from the global state
    random.seed(seed)


@contextmanager
def restored_global_random() -> Iterator[None]:
    """Save numpy's global RandomState and stdlib ``random``; restore both on leaving."""
    np_state = np.random.get_state()  # noqa: NPY002 - peer library: save global state
    py_state = random.getstate()
    try:
        yield
    finally:
        np.random.set_state(np_state)  # noqa: NPY002 - peer library: restore global state
        random.setstate(py_state)


def run_to_convergence(
    n: int,
    eps: float,
    gamma: float,
    seed: int,
    *,
    max_iterations: int,
    tol: float = CONVERGENCE_TOL,
) -> Outcome:
    """ndlib's AlgorithmicBiasModel on a complete graph until converged (validation docking).

    See :func:`benchmarks.docking.run_ndlib`; the time is taken at the midpoint of
    the iteration in which convergence first held.
    """
    with restored_global_random():
        # inside the restored region: importing ndlib's opinion models reseeds ``random``
        from ndlib.models import ModelConfig
        from ndlib.models.opinions import AlgorithmicBiasModel

        seed_global_random(seed)
        model = AlgorithmicBiasModel(nx.complete_graph(n), seed=seed)
        conf = ModelConfig.Configuration()
        conf.add_model_parameter("epsilon", eps)
        conf.add_model_parameter("gamma", gamma)
        model.set_initial_status(conf)
        model.iteration(node_status=False)  # iteration 0 returns the initial state

        def opinions() -> np.ndarray:
            return np.fromiter(model.status.values(), dtype=np.float64, count=n)

        x = opinions()
        if is_converged(x, eps, tol=tol):
            return outcome(x, eps, False, True, 0, 0.0, tol)
        for it in range(1, max_iterations + 1):
            model.iteration(node_status=False)
            x = opinions()
            if is_converged(x, eps, tol=tol):
                return outcome(x, eps, False, True, it, it - 0.5, tol)
        return outcome(x, eps, False, False, max_iterations, float(max_iterations), tol)


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
        seed_global_random(seed)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            self.model = op.AlgorithmicBiasModel(graph, seed=seed)
            config = mc.Configuration()
            config.add_model_parameter("epsilon", eps)
            config.add_model_parameter("gamma", gamma)
            self.model.set_initial_status(config)
        self.model.iteration(node_status=False)  # iteration 0 only records the state

    def timed_iteration(self, clock: Callable[[], float] = time.perf_counter) -> float:
        """Seconds for one iteration (N sequential pair interactions)."""
        t0 = clock()
        self.model.iteration(node_status=False)
        return clock() - t0

    def opinions(self) -> np.ndarray:
        return np.array([self.model.status[i] for i in sorted(self.model.status)])
