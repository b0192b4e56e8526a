"""Calibration to the measured Netherlands, 2012-2024: targets, patterns, history matching.

- :mod:`sim.calibration.targets`: the measured patterns (data/calibration_targets.csv);
- :mod:`sim.calibration.patterns`: each pattern as a run simulated it;
- :mod:`sim.calibration.params`: the calibrated parameters and their prior ranges;
- :mod:`sim.calibration.matching`: implausibility, waves and the non-implausible set;
- :mod:`sim.calibration.ensemble`: the fitted ensemble and how a run uses a member;
- :mod:`sim.calibration.fingerprint`: which model, data and ensemble a result has;
- ``python -m sim.calibration`` (``make calibrate``): the calibration, its runs on the
  sweep machinery.
"""
