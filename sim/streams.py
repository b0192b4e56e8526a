"""Independent random streams per subsystem, derived from one root seed.

Each named subsystem (population, network, each rule, each shock, each intervention)
gets its own generator from ``SeedSequence(seed, spawn_key=(crc32(name),))``. The key
depends only on the name, so adding a subsystem never shifts another's numbers: a run
with a policy and the run without draw the same numbers for everything the policy does
not touch (common random numbers).
"""

from __future__ import annotations

import zlib
from typing import Any

import numpy as np

__all__ = ["Streams"]


class Streams:
    """Lazily created child generators by name."""

    def __init__(self, seed: int) -> None:
        self.seed = int(seed)
        self._gens: dict[str, np.random.Generator] = {}

    def seed_sequence(self, name: str) -> np.random.SeedSequence:
        """The child seed sequence of a subsystem."""
        return np.random.SeedSequence(self.seed, spawn_key=(zlib.crc32(name.encode()),))

    def __getitem__(self, name: str) -> np.random.Generator:
        gen = self._gens.get(name)
        if gen is None:
            gen = np.random.Generator(np.random.PCG64(self.seed_sequence(name)))
            self._gens[name] = gen
        return gen

    def state(self) -> dict[str, Any]:
        """Bit-generator states of the streams used so far (JSON-serialisable)."""
        return {name: g.bit_generator.state for name, g in sorted(self._gens.items())}

    def set_state(self, state: dict[str, Any]) -> None:
        """Restore states saved by :meth:`state`."""
        for name, st in state.items():
            self[name].bit_generator.state = st
