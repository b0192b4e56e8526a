"""Fingerprints: which model, which data and which ensemble a result comes from.

- The model's fingerprint hashes what decides its numbers: the source of the model
  (the rules, shocks, interventions, population, network, metrics and the model
  itself) and its default configs (dynamics, populations, networks, futures). A change
  to any of them changes the fingerprint, even one that leaves the numbers alone: an
  ensemble fitted to an older model is then flagged, not silently trusted.
- The data's fingerprint hashes the data files the model and the calibration read.
- An ensemble's version is the hash of its file (:class:`sim.calibration.ensemble.Ensemble`).

A run that uses an ensemble fitted to another model fingerprint warns in one line
(:func:`calibration_warnings`); run.json and the sweep catalogue record all three.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path
from typing import Any

from sim.compose import config_dir

__all__ = ["calibration_info", "calibration_warnings", "data_fingerprint", "model_fingerprint"]

_PACKAGE = Path(__file__).resolve().parent.parent
#: The model's own source, relative to the package: its schema's defaults, the rules,
#: shocks, interventions, population, places, network, metrics and the model. The checks
#: at the edge, the analysis, reports, the command line and the calibration itself do
#: not change a run's numbers.
MODEL_SOURCES = (
    "config.py", "config_calibration.py", "config_dates.py", "config_policy.py",
    "institutions.py", "metrics.py", "model.py", "network.py", "people.py", "places.py",
    "population.py", "prefetch.py", "state.py", "streams.py", "adaptive.py", "dynamics/*.py",
    "shocks/*.py", "interventions/*.py",
)  # fmt: skip
MODEL_CONFIGS = ("config.yaml", "dynamics/*.yaml", "population/*.yaml", "network/*.yaml",
                 "scenario/*.yaml")  # fmt: skip


def _digest(files: list[Path], root: Path) -> str:
    h = hashlib.sha256()
    for f in sorted(files):
        h.update(str(f.relative_to(root)).encode())
        lines = f.read_bytes().replace(b"\r\n", b"\n").split(b"\n")
        # which calibration a run takes by default is not part of the model it takes it for
        h.update(b"\n".join(x for x in lines if not x.lstrip().startswith(b"- calibration:")))
    return h.hexdigest()[:12]


def _files(root: Path, patterns: tuple[str, ...]) -> list[Path]:
    return [f for pattern in patterns for f in root.glob(pattern) if f.is_file()]


@lru_cache(maxsize=1)
def model_fingerprint() -> str:
    """The model's fingerprint: its source and default configs (12 hex digits)."""
    code = _digest(_files(_PACKAGE, MODEL_SOURCES), _PACKAGE)
    conf = _digest(_files(config_dir(), MODEL_CONFIGS), config_dir())
    return hashlib.sha256(f"{code}{conf}".encode()).hexdigest()[:12]


@lru_cache(maxsize=1)
def data_fingerprint() -> str:
    """The data's fingerprint: every CSV and GeoJSON file the package reads."""
    for root in (_PACKAGE.parent / "data", _PACKAGE / "_data"):
        if root.is_dir():
            files = [f for f in root.rglob("*") if f.suffix in (".csv", ".geojson")]
            files = [f for f in files if "posterior" not in f.parts]
            return _digest(files, root)
    return "none"


def calibration_info(cfg: Any) -> dict[str, Any]:
    """What run.json records of a run's calibration (empty when it uses none)."""
    from sim.calibration.ensemble import choose, load_ensemble

    c = cfg.calibration
    info: dict[str, Any] = {"model": model_fingerprint(), "data": data_fingerprint()}
    if c.mode == "none" and c.member is None:
        return {**info, "mode": "none"}
    ens = load_ensemble(c.ensemble)
    fitted = ens.meta.get("model_fingerprint")
    return {
        **info,
        "mode": c.mode,
        "ensemble": ens.name,
        "posterior": ens.version,
        "member": choose(cfg, ens),
        "members": len(ens),
        "fitted_to": fitted,
        "matches": fitted is None or fitted == model_fingerprint(),
    }


def calibration_warnings(cfg: Any) -> list[str]:
    """One line if the run's ensemble was fitted to another model, else none."""
    info = calibration_info(cfg)
    if info.get("fitted_to") and not info["matches"]:
        return [
            f"calibration: ensemble {info['ensemble']!r} was fitted to model {info['fitted_to']}, "
            f"this is model {info['model']}; refit it (make calibrate) or check it still fits"
        ]
    return []
