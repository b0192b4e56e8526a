"""``python -m sim.explore``: the same as ``cohesion-sim-explore``."""

from sim.explore.cli import main

main()
