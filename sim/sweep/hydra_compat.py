"""Every use of Hydra's private API, in one place, for the Hydra versions it was checked on.

cohesion-sim checks every job of a sweep before Hydra starts and composes many jobs'
configs quickly; for that it needs a few of Hydra's internals that have no public
counterpart in Hydra 1.3: the command-line parser, the basic sweeper's expansion of
sweep overrides into jobs, the config loader's cached repository and its way of applying
overrides, running the app with an explicit argument list, the joblib launcher's
settings, and the submitit launcher's way of building its executor from its settings.
They are all here, and nowhere else in the package; importing this module
checks the installed versions first and refuses, in one line, versions it was not
checked on (a test pins that behaviour), rather than failing somewhere deep in a sweep.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from importlib import metadata
from typing import Any

from hydra.core.override_parser.types import Override
from hydra.types import TaskFunction
from omegaconf import DictConfig

__all__ = [
    "BASIC_SWEEPER",
    "SUPPORTED",
    "BasicSweeper",
    "UnsupportedHydra",
    "apply_overrides",
    "basic_sweeper_class",
    "check_versions",
    "group_repository",
    "parse_command_line",
    "process_joblib_cfg",
    "run_app",
    "split_arguments",
    "submitit_executor",
]

#: package -> (lowest version, first version not supported), as (major, minor, patch).
SUPPORTED: dict[str, tuple[tuple[int, ...], tuple[int, ...]]] = {
    "hydra-core": ((1, 3, 2), (1, 4)),
    "hydra-joblib-launcher": ((1, 2, 0), (1, 3)),
    "hydra-submitit-launcher": ((1, 2, 0), (1, 3)),
    "hydra-ray-launcher": ((1, 2, 0), (1, 3)),
}

#: The ``_target_`` of Hydra's basic sweeper.
BASIC_SWEEPER = "hydra._internal.core_plugins.basic_sweeper.BasicSweeper"


class UnsupportedHydra(RuntimeError):
    """An installed Hydra package is outside the versions this module was checked on."""


def _parse(version: str) -> tuple[int, ...]:
    parts = []
    for p in version.split(".")[:3]:
        digits = "".join(c for c in p if c.isdigit())
        parts.append(int(digits) if digits else 0)
    return tuple(parts)


def check_versions(versions: dict[str, str] | None = None) -> None:
    """Refuse Hydra packages outside :data:`SUPPORTED` (``versions``: for tests).

    Raises:
        UnsupportedHydra: naming the package, its version and the supported range.
    """
    for pkg, (low, high) in SUPPORTED.items():
        try:
            found = versions[pkg] if versions is not None else metadata.version(pkg)
        except (KeyError, metadata.PackageNotFoundError):
            continue  # a launcher that is not installed is not used
        v = _parse(found)
        if not low <= v < high:
            lo, hi = ".".join(map(str, low)), ".".join(map(str, high))
            raise UnsupportedHydra(
                f"{pkg} {found} is not supported: cohesion-sim's sweeps use its private API, "
                f"checked on >={lo},<{hi}; install {pkg}>={lo},<{hi}"
            )


check_versions()

from hydra import version  # noqa: E402
from hydra._internal.config_loader_impl import ConfigLoaderImpl  # noqa: E402
from hydra._internal.core_plugins.basic_sweeper import BasicSweeper  # noqa: E402
from hydra._internal.utils import _run_hydra, get_args_parser  # noqa: E402
from hydra.core.global_hydra import GlobalHydra  # noqa: E402
from hydra_plugins.hydra_joblib_launcher._core import process_joblib_cfg  # noqa: E402


def basic_sweeper_class() -> type[BasicSweeper]:
    """Hydra's basic sweeper class as its module now defines it, to subclass.

    Hydra's plug-in scan executes plug-in modules again, Hydra's own included, so a class
    bound when this module was imported can be an older copy than the one Hydra
    instantiates; a subclass must take the current one.
    """
    current: type[BasicSweeper] = sys.modules[BasicSweeper.__module__].BasicSweeper
    return current


def parse_command_line(argv: Sequence[str]) -> argparse.Namespace:
    """The command line as Hydra's app parses it (``-m``, ``-cd``, overrides, ...)."""
    return get_args_parser().parse_args(list(argv))


def split_arguments(overrides: list[Override]) -> list[list[str]]:
    """The jobs of sweep overrides, in the basic sweeper's order (Cartesian product)."""
    batches = BasicSweeper.split_arguments(overrides, None)
    return [list(job) for batch in batches for job in batch]


def group_repository(config_name: str, searchpath: Sequence[str]) -> Any:
    """The config loader's caching repository (answers ``group_exists``) for the app.

    Must be called inside an initialized Hydra (``initialize_config_dir``).
    """
    loader = GlobalHydra.instance().config_loader()
    assert isinstance(loader, ConfigLoaderImpl)
    _, repo = loader._parse_overrides_and_create_caching_repo(config_name, list(searchpath))
    return repo


def apply_overrides(overrides: list[Override], cfg: DictConfig) -> None:
    """Apply value overrides to a composed config in place, exactly as Hydra does."""
    ConfigLoaderImpl._apply_overrides_to_config(overrides, cfg)


def run_app(task: TaskFunction, config_path: str, argv: Sequence[str]) -> None:
    """Run the Hydra app on ``argv``, as ``@hydra.main`` runs it on ``sys.argv``."""
    version.setbase("1.3")
    parser = get_args_parser()
    args = parser.parse_args(list(argv))
    if args.experimental_rerun is not None:
        raise SystemExit("cohesion-sim: error: --experimental-rerun is not supported")
    _run_hydra(
        args=args,
        args_parser=parser,
        task_function=task,
        config_path=config_path,
        config_name="config",
    )


def submitit_executor(launcher: Any) -> Any:
    """The submitit executor of a Hydra submitit launcher, set up as Hydra's launch does.

    ``launcher`` is a ``BaseSubmititLauncher`` (its ``params`` are the launcher config's
    keys; ``_EXECUTOR`` is ``slurm`` or ``local``). Needs the ``slurm`` extra.
    """
    import submitit
    from hydra_plugins.hydra_submitit_launcher.config import BaseQueueConf
    from omegaconf import OmegaConf

    kind = str(launcher._EXECUTOR)
    params: dict[str, Any] = dict(launcher.params)
    init_keys = {"max_num_timeout"}
    init: dict[str, Any] = {"folder": params["submitit_folder"]}
    init.update({f"{kind}_{k}": v for k, v in params.items() if k in init_keys})
    executor = submitit.AutoExecutor(cluster=kind, **init)
    base = set(OmegaConf.structured(BaseQueueConf).keys())
    executor.update_parameters(
        **{
            (k if k in base else f"{kind}_{k}"): v
            for k, v in params.items()
            if k not in init_keys | {"submitit_folder"}
        }
    )
    return executor
