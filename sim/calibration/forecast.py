"""The out-of-sample test: fitted on 2012-2019, the years 2020-2024 forecast.

The members of an ensemble fitted to the targets up to a date carry no information on
the sizes of the later events (the 2020 rally, the benefits scandal, the energy crisis,
the Groningen inquiry): each member is run with those sizes drawn from their priors
(:mod:`sim.calibration.params`), one draw per member, on the same sweep machinery as the
waves. The forecast of a pattern is the spread of the runs (median and 90% range);
it is compared with what CBS measured, side by side.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from sim.calibration.params import PARAMS
from sim.calibration.patterns import forecast_table
from sim.calibration.run import Size, run_wave

__all__ = ["forecast", "forecast_table"]


def forecast(
    out: Path,
    ensemble: pd.DataFrame,
    size: Size,
    until: date,
    launcher: Sequence[str] = (),
    seed: int = 2020,
    members: int = 40,
) -> pd.DataFrame:
    """Run the best ``members`` members with the later events' sizes drawn from their priors.

    Returns:
        One row per run: ``point``, ``seed`` and each pattern (also in
        ``out``/forecast/).
    """
    rng = np.random.default_rng(seed)
    fitted = [c for c in ensemble.columns if "." in c]
    design = ensemble[fitted].head(members).reset_index(drop=True).copy()
    for p in PARAMS:
        if p.after > until and p.key not in fitted:
            design[p.key] = rng.uniform(p.low, p.high, design.shape[0])
    design.to_csv(out / "forecast_design.csv", index_label="point")
    return run_wave(design, out / "forecast", max(size.seeds), size.overrides, launcher)
