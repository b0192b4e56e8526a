"""Reading a composed config into the schema: unknown keys and code refused, with hints.

:func:`typed` turns a composed config (OmegaConf) into the schema's dataclasses: a key
the schema does not have is refused with the keys it allows (and a hint where a key was
renamed), and any key that would make Hydra import or call code (``_target_`` and its
kin) is refused, because scenario and policy files are data. Range checks come after,
in :mod:`sim.config_checks`.
"""

from __future__ import annotations

from dataclasses import is_dataclass
from typing import Any, get_args, get_origin, get_type_hints

from omegaconf import DictConfig, OmegaConf

from sim.config import ConfigError, RunConfig, TargetConfig

__all__ = [
    "CODE_HINT",
    "CODE_KEYS",
    "K_REPLACED",
    "RELIGION_REFUSED",
    "refuse_code",
    "structured",
    "typed",
]

CODE_HINT = (
    "scenario and policy files are data: they name registered kinds, never code to "
    "import (add a kind with a plug-in's entry point, see docs/interventions.md)"
)


#: Keys that would target citizens by religion.
_SPECIAL_CATEGORIES = ("muslim", "religion", "religious")
RELIGION_REFUSED = (
    "interventions cannot target citizens by religion: it is recorded only to measure "
    "prejudice towards Muslims (docs/model.md, responsible use)"
)


#: A ranked target was once a count of neighbourhoods; it is a share now.
K_REPLACED = (
    "targets are shares, not counts, so a policy means the same in a town and a city: "
    "use share (of the neighbourhoods, e.g. share=0.1)"
)


def _check_keys(node: Any, schema: Any, prefix: str) -> None:
    """Refuse keys the schema does not have (e.g. added with ``+key=value``)."""
    hints = get_type_hints(schema)
    for key in node:
        full = f"{prefix}{key}"
        if key not in hints:
            if schema is TargetConfig and str(key).lower() in _SPECIAL_CATEGORIES:
                raise ConfigError(full, RELIGION_REFUSED)
            if schema is TargetConfig and key == "k":
                raise ConfigError(full, K_REPLACED)
            allowed = ", ".join(hints)
            raise ConfigError(full, f"unknown key (misspelled?); allowed: {allowed}")
        value = node[key]
        hint = hints[key]
        if is_dataclass(hint) and isinstance(value, DictConfig):
            _check_keys(value, hint, f"{full}.")
        args = get_args(hint)
        if (
            get_origin(hint) is dict
            and len(args) == 2
            and is_dataclass(args[1])
            and isinstance(value, DictConfig)
        ):
            for name in value:
                item = value[name]
                if isinstance(item, DictConfig):
                    _check_keys(item, args[1], f"{full}.{name!s}.")


#: Keys that make Hydra instantiate or call code; a config file is data and has none.
CODE_KEYS = ("_target_", "_partial_", "_args_", "_recursive_", "_convert_")


def refuse_code(node: Any, prefix: str = "") -> None:
    """Refuse any key that would name code to run (``_target_`` and its kin), anywhere."""
    if not isinstance(node, DictConfig):
        return
    for key in node:
        full = f"{prefix}{key!s}"
        if str(key) in CODE_KEYS:
            raise ConfigError(full, f"not allowed: {CODE_HINT}")
        refuse_code(node._get_node(key), f"{full}.")


_SCHEMA: list[DictConfig] = []


def _schema() -> DictConfig:
    """``OmegaConf.structured(RunConfig)``, built once (12 of a validation's 41 ms)."""
    if not _SCHEMA:
        _SCHEMA.append(OmegaConf.structured(RunConfig))
    return _SCHEMA[0]


#: The flag :func:`structured` sets on the node it returns.
_MERGED = "sim_merged_into_schema"


def _checked(cfg: DictConfig) -> DictConfig:
    keys = [str(k) for k in cfg if k != "hydra"]
    node = OmegaConf.masked_copy(cfg, keys) if "hydra" in cfg else cfg
    refuse_code(node)
    _check_keys(node, RunConfig, "")
    return node


def structured(cfg: DictConfig) -> DictConfig:
    """A composed config checked and merged into the schema (still an OmegaConf node).

    The merge is most of a validation's cost; a sweep's check merges each combination of
    config groups once and sets the jobs' values on copies (:mod:`sim.sweep.jobs`), where
    the schema checks each value's type as it is set.

    Raises:
        ConfigError: for a key the schema does not have, or one that names code.
    """
    merged = OmegaConf.merge(_schema(), _checked(cfg))  # a copy: the schema never changes
    assert isinstance(merged, DictConfig)
    merged._set_flag(_MERGED, True)
    return merged


def typed(cfg: DictConfig | RunConfig) -> RunConfig:
    """A composed config as the schema's dataclasses (a RunConfig is returned as it is).

    A node :func:`structured` made (or a copy of it with values set) is checked for
    unknown keys and code again, but not merged again.

    Raises:
        ConfigError: for a key the schema does not have, or one that names code.
    """
    if isinstance(cfg, RunConfig):
        return cfg
    node = _checked(cfg)
    merged = node if node._get_flag(_MERGED) else OmegaConf.merge(_schema(), node)
    obj = OmegaConf.to_object(merged)
    assert isinstance(obj, RunConfig)
    return obj
