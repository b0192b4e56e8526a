"""``python -m sim.report SWEEP_DIR``: the same as ``cohesion-sim-report``."""

from sim.report.build import main

if __name__ == "__main__":
    main()
