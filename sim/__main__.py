"""``python -m sim`` is the ``cohesion-sim`` command."""

from sim.cli import main

main()
