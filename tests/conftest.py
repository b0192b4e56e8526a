"""Shared helpers: small configs composed from the real config files."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from sim import api
from sim.config import RunConfig
from sim.prepare import prepare

ROOT = Path(__file__).resolve().parent.parent
CLI = [sys.executable, "-m", "sim"]
SMALL = ["population.size=600", "steps=8", "burn_in=4", "progress=false", "plot=false"]


def small(*overrides: str) -> RunConfig:
    """The default config shrunk to a few hundred citizens and weeks, checked."""
    return prepare(api.compose([*SMALL, *overrides]))


def run_cli(*args: str, env: dict[str, str], timeout: int = 300) -> subprocess.CompletedProcess:
    """Run the ``cohesion-sim`` command in a subprocess and capture its output."""
    return subprocess.run(
        [*CLI, *args], capture_output=True, text=True, env=env, timeout=timeout, check=False
    )


@pytest.fixture
def cli_env() -> dict[str, str]:
    env = dict(os.environ)
    env.pop("HYDRA_FULL_ERROR", None)
    env["PYTHONWARNINGS"] = "ignore"
    return env
