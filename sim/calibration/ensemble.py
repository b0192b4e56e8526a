"""A fitted ensemble of parameter sets, and how a run takes its values from one member.

An ensemble is a CSV file: ``member`` (0, 1, ...), then one column per config key
(dotted, e.g. ``dynamics.trust.recovery``, ``population.trust_lift.politics``,
``scenario.shocks.rally.effect.share_rise``), and optionally ``implausibility``; the
shipped ones (``data/posterior/<name>.csv``) have a sidecar ``<name>.json`` saying what
they were fitted to: the model's fingerprint, the targets' and inputs' hash, the method
and its sizes. The same format holds a calibration wave's design, whose points are
members too.

Which member a run uses (``calibration`` in the config): none; the best-supported one
(the lowest implausibility, the first row); ``seed mod members`` under ``posterior``, so
a policy run and its ``none`` run with the same seed share a member; or the member named
by ``calibration.member``. The member's values replace the config's, except:

- a key the config changed from its default (the file's default in configs/, e.g. a
  command-line ``dynamics.trust.recovery=0.05`` or an experiment's value) keeps the
  config's value, and run.json lists it under ``calibration.kept``;
- a shock's keys apply only to the future the ensemble was fitted with (their sizes
  belong to those events); a shock the run's future does not have is skipped.

Values sampled by ``uncertainty`` are applied after the member's, so they win.
"""

from __future__ import annotations

import copy
import hashlib
import json
import math
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import pandas as pd
from omegaconf import OmegaConf

from sim.compose import config_dir
from sim.config import ConfigError, RunConfig
from sim.datafiles import DataError, data_file

__all__ = ["Ensemble", "Member", "apply_calibration", "load_ensemble", "write_ensemble"]

_SHOCKS = ("scenario", "shocks")


@dataclass(frozen=True)
class Ensemble:
    """An ensemble's members (one row each, a column per config key) and its metadata."""

    name: str
    members: pd.DataFrame
    meta: dict[str, Any] = field(default_factory=dict)
    version: str = ""

    @property
    def keys(self) -> list[str]:
        """The config keys the members set."""
        return [c for c in self.members.columns if "." in c]

    def __len__(self) -> int:
        return int(self.members.shape[0])


@dataclass(frozen=True)
class Member:
    """The member a run took, its values as applied, and the keys the config kept."""

    index: int
    applied: dict[str, float]
    kept: dict[str, float]


def _path(name: str) -> tuple[Path, Path | None]:
    p = Path(name)
    if p.suffix == ".csv":
        if not p.is_file():
            raise ConfigError("calibration.ensemble", f"no ensemble file {p}")
        meta = p.with_suffix(".json")
        return p, meta if meta.is_file() else None
    try:
        csv = data_file(f"posterior/{name}.csv")
    except DataError as e:
        raise ConfigError(
            "calibration.ensemble",
            f"no shipped ensemble {name!r} (a name under data/posterior/ or a .csv path): {e}",
        ) from None
    meta = csv.with_suffix(".json")
    return csv, meta if meta.is_file() else None


@lru_cache(maxsize=16)
def _load(csv: str, meta: str | None, mtime: float) -> Ensemble:
    del mtime  # part of the cache key only: a rewritten file is read again
    text = Path(csv).read_bytes()
    members = pd.read_csv(csv)
    if "member" not in members.columns:
        raise ConfigError("calibration.ensemble", f"{csv} has no 'member' column")
    info = json.loads(Path(meta).read_text()) if meta else {}
    version = hashlib.sha256(text).hexdigest()[:12]
    return Ensemble(Path(csv).stem, members.reset_index(drop=True), info, version)


def load_ensemble(name: str) -> Ensemble:
    """A shipped ensemble by name (``history``) or an ensemble file by path.

    Raises:
        ConfigError: naming ``calibration.ensemble`` if it cannot be found or read.
    """
    csv, meta = _path(name)
    return _load(str(csv), str(meta) if meta else None, csv.stat().st_mtime)


def write_ensemble(members: pd.DataFrame, path: Path, meta: dict[str, Any] | None = None) -> None:
    """Write an ensemble (members renumbered from 0) and, if given, its metadata."""
    path.parent.mkdir(parents=True, exist_ok=True)
    out = members.reset_index(drop=True).copy()
    out.insert(0, "member", range(out.shape[0])) if "member" not in out else None
    out["member"] = range(out.shape[0])
    out.to_csv(path, index=False, float_format="%.6g")
    if meta is not None:
        path.with_suffix(".json").write_text(json.dumps(meta, indent=2, sort_keys=True) + "\n")


@lru_cache(maxsize=8)
def _yaml_defaults(group: str, option: str) -> dict[str, Any]:
    f = config_dir() / group / f"{option}.yaml"
    if not f.is_file():
        return {}
    node = OmegaConf.to_container(OmegaConf.load(f), resolve=False)
    assert isinstance(node, dict)
    inner = node.get("scenario", node) if group == "scenario" else node
    return {str(k): v for k, v in inner.items()}


def _lookup(tree: Any, parts: list[str]) -> Any:
    for part in parts:
        if isinstance(tree, dict) and part in tree:
            tree = tree[part]
        elif not isinstance(tree, dict) and hasattr(tree, part):
            tree = getattr(tree, part)
        else:
            return None
    return tree


def default_value(key: str, future: str) -> Any:
    """A calibrated key's default: from configs/ (dynamics, the future) or the schema."""
    parts = key.split(".")
    if parts[0] == "dynamics":
        return _lookup(_yaml_defaults("dynamics", "default"), parts[1:])
    if tuple(parts[:2]) == _SHOCKS:
        return _lookup(_yaml_defaults("scenario", future), parts[1:])
    return _lookup(RunConfig(), parts)


def _node(cfg: RunConfig, parts: list[str]) -> tuple[Any, str] | None:
    """The node holding a key's last part (created for a shock's effect), or None."""
    node: Any = cfg
    for depth, part in enumerate(parts[:-1]):
        if isinstance(node, dict):
            if part not in node:
                return None
            node = node[part]
        elif hasattr(node, part):
            node = getattr(node, part)
        else:
            raise ConfigError(
                "calibration.ensemble", f"'{'.'.join(parts[: depth + 1])}' is not a config key"
            )
    return node, parts[-1]


def _same(a: Any, b: Any) -> bool:
    try:
        return math.isclose(float(a), float(b), rel_tol=1e-9, abs_tol=1e-12)
    except (TypeError, ValueError):
        return a == b


def choose(cfg: RunConfig, ensemble: Ensemble) -> int | None:
    """The member a run uses, or None (``calibration.mode=none`` and no member named)."""
    c = cfg.calibration
    n = len(ensemble)
    if c.member is not None:
        if c.member >= n:
            raise ConfigError("calibration.member", f"must be 0 to {n - 1}, got {c.member}")
        return c.member
    if c.mode == "none":
        return None
    if c.mode == "best":
        return 0
    return cfg.seed % n


def apply_calibration(cfg: RunConfig) -> tuple[RunConfig, Member | None]:
    """The config with its calibration member's values applied (cfg itself if none)."""
    c = cfg.calibration
    if c.mode == "none" and c.member is None:
        return cfg, None
    ens = load_ensemble(c.ensemble)
    index = choose(cfg, ens)
    if index is None:
        return cfg, None
    row = ens.members.iloc[index]
    fitted_future = str(ens.meta.get("future", "history"))
    out = copy.deepcopy(cfg)
    applied: dict[str, float] = {}
    kept: dict[str, float] = {}
    for key in ens.keys:
        value = float(row[key])
        if not math.isfinite(value):
            continue
        parts = key.split(".")
        if tuple(parts[:2]) == _SHOCKS and cfg.scenario.name != fitted_future:
            continue
        found = _node(out, parts)
        if found is None:
            continue  # a shock this future does not have
        node, last = found
        if not isinstance(node, dict) and not hasattr(node, last):
            raise ConfigError("calibration.ensemble", f"'{key}' is not a config key")
        current = node.get(last) if isinstance(node, dict) else getattr(node, last)
        if current is not None and _same(current, value):
            applied[key] = value  # already this member's (a config prepared twice)
            continue
        default = default_value(key, fitted_future)
        if current is not None and default is not None and not _same(current, default):
            kept[key] = float(current)
            continue
        if isinstance(current, int) and not isinstance(current, bool):
            value = round(value)
        if isinstance(node, dict):
            node[last] = value
        else:
            setattr(node, last, value)
        applied[key] = value
    return out, Member(index, applied, kept)
