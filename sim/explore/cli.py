"""The ``cohesion-sim-explore`` command: serve the explorer page on this machine.

``cohesion-sim-explore [--host HOST] [--port PORT] [OVERRIDE ...]`` serves the page
(:mod:`sim.explore.app`) with Solara's server. It listens on 127.0.0.1 only, unless
another interface is asked for explicitly with ``--host`` (e.g. ``--host 0.0.0.0`` to
let others on the network in: the page runs simulations for anyone who can reach it).
Hydra overrides after the options set the config every run of the page starts from,
e.g. ``cohesion-sim-explore population.size=2000 steps=104``; they are checked before
the server starts, and bad input ends the program with exit status 1 and one line.
"""

from __future__ import annotations

import argparse
import os
import sys
import warnings
from collections.abc import Sequence

__all__ = ["DEFAULT_HOST", "DEFAULT_PORT", "main", "parse_args"]

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8765
APP = "sim.explore.app"


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    """The command line's options and overrides."""
    p = argparse.ArgumentParser(
        prog="cohesion-sim-explore",
        description="Serve the interactive scenario explorer (Mesa SolaraViz) in the browser.",
    )
    p.add_argument(
        "--host",
        default=DEFAULT_HOST,
        help=f"interface to listen on (default {DEFAULT_HOST}: this machine only)",
    )
    p.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT})")
    p.add_argument(
        "overrides",
        nargs="*",
        metavar="OVERRIDE",
        help="Hydra overrides the explorer's runs start from, e.g. population.size=2000",
    )
    return p.parse_args(list(argv))


def _fail(message: str) -> None:
    print(f"cohesion-sim-explore: error: {message}", file=sys.stderr)
    sys.exit(1)


def _check(overrides: list[str]) -> None:
    """Compose and validate the base config; exit with one line if it is bad."""
    from sim.api import compose
    from sim.errors import describe
    from sim.prepare import prepare

    try:
        prepare(compose(overrides))
    except Exception as e:  # every failure becomes one line
        _fail(describe(e))


def main(argv: Sequence[str] | None = None) -> None:
    """Console entry point."""
    args = parse_args(sys.argv[1:] if argv is None else argv)
    if not 0 <= args.port <= 65535:
        _fail(f"--port: must be in [0, 65535], got {args.port}")
    try:
        import mesa.visualization  # noqa: F401
        import solara  # noqa: F401
    except ImportError as e:
        _fail(f"the explorer needs the 'explore' extra (pip install 'cohesion-sim[explore]'): {e}")
    _check(args.overrides)
    from sim.explore.model import ExplorerModel
    from sim.explore.options import set_base

    set_base(args.overrides)
    # read the options and run the default burn-in now, so the first page opens quickly
    ExplorerModel()
    # no usage reports and no version check: the page must work without the internet
    os.environ.setdefault("SOLARA_TELEMETRY_MIXPANEL_ENABLE", "false")
    import solara.server.settings as solara_settings
    from solara.__main__ import run

    solara_settings.telemetry.mixpanel_enable = False
    # plain http on a local interface is the intended set-up, not a mistake to warn about
    warnings.filterwarnings("ignore", message="Cookies with samesite=none require https")
    run.main(
        [
            APP,
            "--host",
            args.host,
            "--port",
            str(args.port),
            "--no-open",
            "--production",
            "--no-check-version",
        ],
        prog_name="cohesion-sim-explore",
        standalone_mode=True,
    )
