"""Composing configs with Hydra's compose API, from the package's own config files.

Nothing here changes the working directory or writes anything. The configs directory is
the repository's ``configs/`` in a checkout, else the copy packaged in the wheel.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from hydra import compose as hydra_compose
from hydra import initialize_config_dir
from hydra.core.global_hydra import GlobalHydra
from omegaconf import DictConfig

from sim.config import register_schema

__all__ = ["compose", "config_dir"]


def config_dir() -> Path:
    """The configs directory: the repository's in a checkout, else the packaged copy."""
    here = Path(__file__).resolve().parent
    for candidate in (here.parent / "configs", here / "_configs"):
        if (candidate / "config.yaml").is_file():
            return candidate
    raise FileNotFoundError(f"no configs directory next to {here}")


def compose(
    overrides: Sequence[str] = (), config_name: str = "config", *, extra_dirs: Sequence[str] = ()
) -> DictConfig:
    """Compose the config with Hydra overrides (e.g. ``["seed=3", "policy=none"]``).

    Args:
        overrides: Hydra override strings.
        config_name: the primary config.
        extra_dirs: more config directories to search (a user's own configs).
    """
    register_schema()
    ov = list(overrides)
    if extra_dirs:
        paths = ",".join(f"file://{Path(d).resolve()}" for d in extra_dirs)
        ov.append(f"hydra.searchpath=[{paths}]")
    gh = GlobalHydra.instance()
    if gh.is_initialized():
        gh.clear()
    try:
        with initialize_config_dir(config_dir=str(config_dir()), version_base="1.3"):
            return hydra_compose(config_name=config_name, overrides=ov)
    finally:
        GlobalHydra.instance().clear()
