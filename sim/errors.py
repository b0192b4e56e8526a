"""One-line messages for everything that can go wrong while composing a config."""

from __future__ import annotations

import re
from dataclasses import fields, is_dataclass

from hydra.errors import MissingConfigException
from omegaconf.errors import (
    ConfigAttributeError,
    ConfigKeyError,
    ConfigTypeError,
    OmegaConfBaseException,
    ValidationError,
)
from yaml import MarkedYAMLError

from sim.config import ConfigError
from sim.config_checks import CODE_HINT, CODE_KEYS

__all__ = ["describe"]


def _chain(e: BaseException) -> list[BaseException]:
    out: list[BaseException] = []
    cur: BaseException | None = e
    while cur is not None and cur not in out:
        out.append(cur)
        cur = cur.__cause__ or cur.__context__
    return out


def _first_line(text: str) -> str:
    return " ".join(text.strip().splitlines()[0].split()) if text.strip() else ""


def _allowed_keys(e: OmegaConfBaseException) -> str:
    obj = getattr(e, "object_type", None)
    if obj is not None and is_dataclass(obj):
        return "allowed: " + ", ".join(f.name for f in fields(obj))
    return "see `cohesion-sim --cfg job` for the keys"


def _omegaconf(e: OmegaConfBaseException) -> str:
    key = getattr(e, "full_key", None) or "config"
    msg = _first_line(str(getattr(e, "msg", "") or e))
    if str(key).rsplit(".", 1)[-1] in CODE_KEYS:
        return f"{key}: not allowed: {CODE_HINT}"
    if isinstance(e, ConfigKeyError | ConfigAttributeError) or re.search(r"not in (struct|')", msg):
        return f"{key}: unknown key (misspelled?); {_allowed_keys(e)}"
    if isinstance(e, ValidationError | ConfigTypeError):
        m = re.search(r"Value '(.*?)' (?:of type '(\w+)' )?could not be converted to (\w+)", msg)
        if m:
            return f"{key}: must be {m.group(3).lower()}, got {m.group(1)!r}"
        return f"{key}: {msg}"
    return f"{key}: {msg}"


def describe(e: BaseException) -> str:
    """The one-line message for a config error (naming the key and what is allowed)."""
    chain = _chain(e)
    for err in chain:
        if isinstance(err, ConfigError):
            return str(err)
    for err in chain:
        if isinstance(err, MarkedYAMLError):
            mark = err.problem_mark or err.context_mark
            where = f"{mark.name}, line {mark.line + 1}" if mark else "a config file"
            return f"{where}: broken YAML ({err.problem or err.context})"
    for err in chain:
        if isinstance(err, MissingConfigException):
            text = str(err)
            m = re.search(r"Could not find '([^']+)/([^']+)'", text)
            opts = sorted(err.options or [])
            if m:
                return (
                    f"{m.group(1)}: unknown option '{m.group(2)}'; "
                    f"available: {', '.join(opts) if opts else 'none found'}"
                )
            return _first_line(text)
    for err in chain:
        if isinstance(err, OmegaConfBaseException):
            return _omegaconf(err)
    text = str(e)
    m = re.search(r"Could not override '([^']+)'", text)
    if m and "not in struct" in text:
        return f"{m.group(1)}: unknown key (misspelled?); see `cohesion-sim --cfg job` for the keys"
    m = re.search(r"full_key: (\S+)", text)
    if m:
        return f"{m.group(1)}: {_first_line(text)}"
    return _first_line(text) or type(e).__name__
