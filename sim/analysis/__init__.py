"""Analyses of runs and sweeps: summaries, robustness, sensitivity, validation."""
