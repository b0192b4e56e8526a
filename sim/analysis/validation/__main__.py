"""``python -m sim.analysis.validation``: see :mod:`sim.analysis.validation.cli`."""

import sys

from sim.analysis.validation.cli import main

sys.exit(main())
