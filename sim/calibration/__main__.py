"""``python -m sim.calibration``: calibrate the model to the Netherlands 2012-2024.

    python -m sim.calibration                      # fit on every target (outputs/calibration)
    python -m sim.calibration --until 2019-12-31   # fit on 2012-2019, forecast 2020-2024
    python -m sim.calibration --size ci            # the small version (a town, a few sets)
    python -m sim.calibration hydra/launcher=slurm # the runs on another launcher

Run again after a kill: finished runs are kept and skipped.
"""

from __future__ import annotations

import argparse
import shutil
from datetime import date
from pathlib import Path

import pandas as pd

from sim.calibration.forecast import forecast, forecast_table
from sim.calibration.run import SIZES, calibrate, finish
from sim.datafiles import data_file


def main(argv: list[str] | None = None) -> int:
    """Run a calibration (and its forecast with ``--until``); print where the results are."""
    ap = argparse.ArgumentParser(
        prog="python -m sim.calibration",
        description="Calibrate the model to the Netherlands 2012-2024 (docs/calibration.md).",
    )
    ap.add_argument("--size", choices=sorted(SIZES), default="full")
    ap.add_argument(
        "--until", type=date.fromisoformat, default=None,
        help="fit the targets up to this date only, then forecast the later ones",
    )  # fmt: skip
    ap.add_argument(
        "--holdout", type=date.fromisoformat, default=date(2019, 12, 31),
        help="also match the first wave to the targets up to this date and forecast the "
        "later ones from the same runs (outputs in OUT/holdout; default 2019-12-31)",
    )  # fmt: skip
    ap.add_argument("--out", type=Path, default=None, help="default: outputs/calibration[-UNTIL]")
    ap.add_argument("--seed", type=int, default=2012, help="seed of the waves' designs")
    ap.add_argument(
        "--finish", action="store_true",
        help="no new runs: select the ensemble again from OUT's finished waves",
    )  # fmt: skip
    ap.add_argument(
        "--ship", action="store_true",
        help="copy the ensemble to data/posterior/history.csv (the package's default)",
    )  # fmt: skip
    ap.add_argument(
        "launcher", nargs="*", default=["hydra/launcher=parallel"],
        help="Hydra overrides for the sweeps' launcher (default: joblib on every core)",
    )  # fmt: skip
    a = ap.parse_args(argv)
    size = SIZES[a.size]
    out = a.out or Path(f"outputs/calibration{'-' + a.until.isoformat() if a.until else ''}")
    holdout = a.holdout if a.until is None else None
    if a.finish:
        res = finish(out, holdout, size.ensemble)
    else:
        res = calibrate(out, size, a.until, a.launcher, a.seed, holdout=holdout)
    print(
        f"ensemble: {out / 'ensemble.csv'} ({len(res.ensemble)} members; "
        f"{res.info['non_implausible']} sets not implausible after {res.info['runs']} runs; "
        f"the members meet implausibility {res.info['cutoff_met']})"
    )
    if res.info["missed"]:
        missed = ", ".join(f"{k} ({v})" for k, v in res.info["missed"].items())
        print(f"patterns no set reproduces (smallest implausibility): {missed}")
    if a.until is not None:
        runs = forecast(out, res.ensemble, size, a.until, a.launcher, a.seed + 1)
        table = forecast_table(runs, a.until)
        table.to_csv(out / "forecast.csv", index=False)
        with pd.option_context("display.width", 160, "display.max_columns", 20):
            print(table.to_string(index=False))
    if a.ship:
        target = data_file("calibration_targets.csv").parent / "posterior"
        target.mkdir(exist_ok=True)
        shutil.copy(out / "ensemble.csv", target / "history.csv")
        shutil.copy(out / "ensemble.json", target / "history.json")
        print(f"shipped: {target / 'history.csv'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
