"""Fingerprints: the numbers of ten small runs, pinned while the code around them changes.

Each case runs through the public run path and hashes the values of its output tables
(rows sorted, numbers as float64, strings as UTF-8; not the file bytes, so a new pyarrow
or Parquet writer does not change it) and its ``config_hash``. The expected hashes are in
``tests/data/fingerprints.json``, with the versions of the packages that can change a
number they were recorded with (requirements.lock pins them). A deliberate change of the
model's numbers updates that file in its own commit, saying why
(``python -m tests.test_fingerprint --record``).

Cost: about 10 s here (ten runs of a few hundred to 1,800 citizens and a few weeks).
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim import api
from sim.sweep.runner import execute

DATA = Path(__file__).parent / "data" / "fingerprints.json"
BASE = ["progress=false", "plot=false"]

#: name -> overrides (the shared burn-in case runs two jobs of a sweep, see _shared).
CASES: dict[str, list[str]] = {
    "default": ["population.size=800", "steps=10", "burn_in=6"],
    "synthetic_town": ["population=synthetic", "population.size=800", "steps=10", "burn_in=6"],
    "netherlands_small": [
        "population=netherlands",
        "population.fraction=0.0001",
        "steps=4",
        "burn_in=2",
        "seed=7",
    ],
    "integrated_crisis_2020": [
        "policy=integrated",
        "scenario=crisis_2020",
        "population.size=900",
        "steps=60",
        "burn_in=8",
        "policy.budget_total=60000",
    ],
    "sampled_intervention_effects": [
        "policy=canvassing",
        "population.size=700",
        "steps=12",
        "burn_in=4",
        "uncertainty.samples=4",
        "uncertainty.sample=2",
        "uncertainty.design_seed=7",
        "uncertainty.intervention_effects=true",
        "+uncertainty.params={dynamics.trust.bad_effect: [0.04, 0.12]}",
    ],
    "shared_burn_in": ["policy=deep_canvassing", "population.size=700", "steps=10", "burn_in=6"],
    "preset_deffuant": ["preset=deffuant", "population.size=500", "steps=30", "seed=3"],
    "preset_hk": ["preset=hk", "population.size=300", "steps=8", "seed=1"],
    "preset_algorithmic_bias_regular": [
        "preset=algorithmic_bias",
        "network=regular",
        "population.size=400",
        "steps=15",
        "seed=2",
    ],
    "platforms_every_third_week": [
        "scenario=polarised_platforms",
        "policy=platform_measures",
        "population.size=600",
        "steps=13",
        "burn_in=5",
        "metrics_every=3",
        "seed=5",
    ],
}


def _column_bytes(s: pd.Series) -> bytes:
    if pd.api.types.is_bool_dtype(s) or pd.api.types.is_numeric_dtype(s):
        v = s.to_numpy(dtype=np.float64) + 0.0  # -0.0 -> 0.0
        return v.tobytes()
    return "\x00".join(s.astype(str).tolist()).encode()


def table_hash(df: pd.DataFrame, keys: list[str]) -> str:
    """SHA-256 (first 16 hex digits) of a table's values, rows sorted by ``keys``."""
    d = df.sort_values(keys, kind="mergesort").reset_index(drop=True)
    h = hashlib.sha256()
    for col in sorted(d.columns):
        h.update(col.encode() + b"\x01")
        h.update(_column_bytes(d[col]) + b"\x02")
    return h.hexdigest()[:16]


def _shared(tmp: Path) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    """A run that starts from a burn-in another job of its sweep computed."""
    none = [*BASE, *CASES["shared_burn_in"][1:], "policy=none"]
    execute(api.compose(none), tmp / "0", tmp, none)
    job = [*BASE, *CASES["shared_burn_in"]]
    info = execute(api.compose(job), tmp / "1", tmp, job)
    assert info["start_state"] == "shared"
    return (
        pd.read_parquet(tmp / "1" / "timeseries.parquet"),
        pd.read_parquet(tmp / "1" / "final_state.parquet"),
        info,
    )


def fingerprint(name: str, tmp: Path) -> dict[str, str]:
    """The case's hashes: timeseries, final_state, config_hash."""
    if name == "shared_burn_in":
        ts, fs, info = _shared(tmp)
    else:
        res = api.run([*BASE, *CASES[name]])
        ts, fs, info = res.timeseries, res.final_state, res.info
    return {
        "timeseries": table_hash(ts, ["step", "metric", "scope"]),
        "final_state": table_hash(fs, ["citizen"]),
        "config_hash": info["config_hash"][:16],
    }


def versions() -> dict[str, str]:
    """The versions of the packages that can change a number (as run.json records them)."""
    from sim.results import VERSIONED, package_versions

    return {p: v for p, v in package_versions().items() if p in VERSIONED and p != "cohesion-sim"}


@pytest.fixture(scope="module")
def recorded() -> dict:
    return json.loads(DATA.read_text())


@pytest.mark.parametrize("name", sorted(CASES))
def test_fingerprint_is_unchanged(name, recorded, tmp_path):
    got = fingerprint(name, tmp_path)
    want = recorded["cases"][name]
    note = ""
    if recorded["versions"] != versions():
        note = f" (recorded with {recorded['versions']}, running {versions()})"
    assert got == want, f"{name}: the run's numbers changed{note}"


def _record() -> None:
    import tempfile

    out: dict = {"versions": versions(), "cases": {}}
    for name in sorted(CASES):
        with tempfile.TemporaryDirectory() as tmp:
            out["cases"][name] = fingerprint(name, Path(tmp))
        print(name, out["cases"][name])
    DATA.write_text(json.dumps(out, indent=2, sort_keys=True) + "\n")


if __name__ == "__main__" and "--record" in sys.argv:
    _record()
