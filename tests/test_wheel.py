"""The package as users install it: a wheel in a fresh virtual environment, outside the checkout.

The wheel is built from this checkout and installed, without its dependencies, into a
new venv; the dependencies come from the test environment's site-packages through a
path file (what is tested is the package's own content: configs, data, templates and
entry points, not the resolver). Every command then runs from a directory outside the
checkout, and the package must be the installed one.

Cost: about 20-30 s here (the wheel builds in 2 s; each command starts Python).
"""

from __future__ import annotations

import os
import site
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import ROOT

SCRIPTS = ("cohesion-sim", "cohesion-sim-report", "cohesion-sim-catalogue", "cohesion-sim-explore")


@pytest.fixture(scope="module")
def venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("wheel")
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q"]
    subprocess.run([*pip, "wheel", "--no-deps", "-w", str(tmp / "dist"), str(ROOT)], check=True)
    (wheel,) = (tmp / "dist").glob("cohesion_sim-*.whl")
    env = tmp / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(env)], check=True)
    python = env / "bin" / "python"
    subprocess.run([*pip, "--python", str(python), "install", "--no-deps", str(wheel)], check=True)
    purelib = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    # the dependencies, from the test environment (its .pth files are not read from there,
    # so the checkout's editable path does not come along)
    (Path(purelib) / "_test_dependencies.pth").write_text(site.getsitepackages()[0] + "\n")
    return env


def _run(venv: Path, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "HYDRA_FULL_ERROR")}
    return subprocess.run(
        list(args), cwd=cwd, env=env, capture_output=True, text=True, timeout=300, check=False
    )


def test_the_installed_package_is_the_wheel(venv, tmp_path):
    r = _run(
        venv, str(venv / "bin" / "python"), "-c", "import sim; print(sim.__file__)", cwd=tmp_path
    )
    assert r.returncode == 0, r.stderr
    assert Path(r.stdout.strip()).is_relative_to(venv), r.stdout


@pytest.mark.parametrize("script", SCRIPTS)
def test_every_console_script_answers_help(venv, tmp_path, script):
    r = _run(venv, str(venv / "bin" / script), "--help", cwd=tmp_path)
    assert r.returncode == 0, r.stderr[-2000:]
    assert r.stdout.strip()


def test_validation_help_and_a_run_from_the_wheel(venv, tmp_path):
    python = str(venv / "bin" / "python")
    r = _run(venv, python, "-m", "sim.analysis.validation", "--help", cwd=tmp_path)
    assert r.returncode == 0, r.stderr[-2000:]
    out = tmp_path / "run"
    r = _run(
        venv,
        str(venv / "bin" / "cohesion-sim"),
        "population.size=300",
        "population.neighbourhood_size=100",
        "steps=3",
        "burn_in=0",
        "policy=integrated",
        f"hydra.run.dir={out}",
        cwd=tmp_path,
    )
    assert r.returncode == 0, r.stderr[-2000:]
    for name in ("timeseries.parquet", "final_state.parquet", "run.json", "cohesion.png"):
        assert (out / name).is_file(), name
