"""Scenario sweeps: policies x futures x seeds, resumable, with shared burn-ins.

A sweep is a Hydra multirun (``cohesion-sim -m ...`` or an experiment file with
``hydra.mode: MULTIRUN``). The pieces, each in its own module:

- :mod:`sim.sweep.design`: uncertain parameters declared as data, sampled by a Latin
  hypercube design (``uncertainty`` in the config);
- :mod:`sim.sweep.jobs`: the jobs a command line expands to (for checking every job's
  config before the first starts, and for the sweep's manifest);
- :mod:`sim.sweep.burn_in`: one burn-in per seed and future, stored as arrays and shared
  by every policy's run;
- :mod:`sim.sweep.runner`: the body of one job: skip it if already complete, record a
  failure instead of stopping the sweep, write the run directory;
- :mod:`sim.sweep.progress`: runs done of total, elapsed time and time left;
- :mod:`sim.sweep.callbacks`: the Hydra callback that starts the manifest and, at the
  end, builds the catalogue (:mod:`sim.catalogue`) and the report (:mod:`sim.report`).

Nothing is imported here, so :mod:`sim.config` can use :mod:`sim.sweep.design` cheaply.
"""
