"""A hash of five short runs, to check that a speed-up changes no number.

    python -m benchmarks.fingerprint > after.txt
    git stash; python -m benchmarks.fingerprint > before.txt; git stash pop
    diff before.txt after.txt

Each line is one config (the default model, triadic new follows, the Deffuant preset,
algorithmic bias on a random 10-regular graph, a caveman graph) run for 25 weeks
without burn-in, and the SHA-256 of every recorded metric, the opinions, trust,
prejudice, participation and both layers' ties at the end.
"""

from __future__ import annotations

import hashlib

import numpy as np

from sim import api
from sim.model import CohesionModel
from sim.prepare import prepare

CASES = (
    ("population.size=20000",),
    ("population.size=20000", "dynamics.bubbles.new_follow=triadic"),
    ("preset=deffuant", "population.size=2000"),
    ("preset=algorithmic_bias", "network=regular", "population.size=3000"),
    ("network=caveman", "population.size=1000"),
)
WEEKS = 25


def fingerprint(overrides: tuple[str, ...]) -> str:
    """SHA-256 (first 16 hex digits) of a run's records and end state."""
    cfg = prepare(api.compose([*overrides, "burn_in=0", f"steps={WEEKS}", "progress=false"]))
    m = CohesionModel(cfg)
    for _ in range(WEEKS):
        m.step()
    p = m.population
    h = hashlib.sha256()
    for a in (
        m.records,
        p.opinion,
        p.trust,
        p.prejudice,
        p.participation,
        m.network.offline.indices,
        m.network.online.indices,
    ):
        h.update(np.ascontiguousarray(a).tobytes())
    return h.hexdigest()[:16]


def main() -> None:
    for case in CASES:
        print(" ".join(case), fingerprint(case))


if __name__ == "__main__":
    main()
