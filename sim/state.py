"""Starting states: the model's state after burn-in, as arrays (never pickle).

Runs with the same seed and the same model config apart from the policy (and the
horizon) pass through the same burn-in, so a sweep can compute it once and start every
such run from it. A :class:`StartState` holds every array the burn-in changes, the
random streams' positions and the government's position; :func:`save` writes it as an
``.npz`` of plain arrays (loaded with ``allow_pickle=False``) beside a JSON file.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from sim.io import atomic_write, write_json
from sim.network import Layer, Network
from sim.population import Population

if TYPE_CHECKING:
    from sim.model import CohesionModel

__all__ = ["StartState", "capture", "load", "save"]

_LAYER_FIELDS = ("indptr", "indices", "src", "twin")


@dataclass
class StartState:
    """Arrays and scalars that fully determine a model at week 0."""

    arrays: dict[str, np.ndarray]
    meta: dict[str, Any]

    def population(self) -> Population:
        """A fresh Population holding copies of the saved arrays."""
        a = self.arrays
        fields = {k[4:]: a[k].copy() for k in a if k.startswith("pop.")}
        return Population(
            **fields,
            group_names=tuple(self.meta["group_names"]),
            neighbourhood_municipality=a["neighbourhood_municipality"].copy(),
            municipality_codes=tuple(self.meta.get("municipality_codes", ())),
            municipality_names=tuple(self.meta.get("municipality_names", ())),
        )

    def network(self) -> Network:
        """A fresh Network holding copies of the saved arrays."""
        layers = []
        for name in ("offline", "online"):
            parts = {
                f: (self.arrays[f"{name}.{f}"].copy() if f"{name}.{f}" in self.arrays else None)
                for f in _LAYER_FIELDS
            }
            layers.append(Layer(**parts))  # type: ignore[arg-type]
        return Network(layers[0], layers[1], random_mixing=bool(self.meta["random_mixing"]))


def capture(model: CohesionModel) -> StartState:
    """The model's current state (copies), to start other runs from."""
    arrays: dict[str, np.ndarray] = {
        f"pop.{k}": v.copy() for k, v in model.population.arrays().items()
    }
    arrays["neighbourhood_municipality"] = model.population.neighbourhood_municipality.copy()
    for name, layer in (("offline", model.network.offline), ("online", model.network.online)):
        for f in _LAYER_FIELDS:
            v = getattr(layer, f)
            if v is not None:
                arrays[f"{name}.{f}"] = v.copy()
    arrays["tension"] = model.tension.copy()
    arrays["bridging_last"] = model.bridging_last.copy()
    meta = {
        "group_names": list(model.population.group_names),
        "municipality_codes": list(model.population.municipality_codes),
        "municipality_names": list(model.population.municipality_names),
        "random_mixing": model.network.random_mixing,
        "government_position": model.government.position,
        "streams": model.streams.state(),
        "counters": dict(model.counters),
        "weeks_run": model.weeks_run,
    }
    return StartState(arrays, meta)


def save(state: StartState, path: str | Path) -> None:
    """Write ``path``.npz (arrays) and ``path``.json (scalars and stream states)."""
    p = Path(path)

    def write_npz(tmp: Path) -> None:
        with open(tmp, "wb") as fh:
            np.savez(fh, **state.arrays)  # type: ignore[arg-type]

    atomic_write(p.with_suffix(".npz"), write_npz)
    write_json(state.meta, p.with_suffix(".json"))


def load(path: str | Path) -> StartState:
    """Read a state written by :func:`save`."""
    p = Path(path)
    with np.load(p.with_suffix(".npz"), allow_pickle=False) as z:
        arrays = {k: z[k] for k in z.files}
    meta = json.loads(p.with_suffix(".json").read_text())
    return StartState(arrays, meta)
