"""The API reference (docs/api, Sphinx) builds with warnings as errors and covers the surface.

About 25 s here (one Sphinx build in a subprocess, with the 2 cores under load).
Skipped only where Sphinx is not installed (the ``docs`` group; ``make test`` installs it).
"""

from __future__ import annotations

import importlib
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

pytest.importorskip("sphinx", reason="Sphinx is not installed (the docs dependency group)")

#: Each page of the reference and the modules whose ``__all__`` it must document.
PAGES = {
    "api": ["sim.api"],
    "mesa_model": ["sim.mesa_model"],
    "config": ["sim.config"],
    "catalogue": ["sim.catalogue"],
    "analysis": ["sim.analysis.load"],
    "report": ["sim.report"],
}


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("api-html")
    flags = ["-W", "--keep-going", "-q", "-b", "html"]
    done = subprocess.run(
        [sys.executable, "-m", "sphinx", *flags, str(ROOT / "docs" / "api"), str(out)],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    assert done.stderr.strip() == "", done.stderr[-4000:]
    return out


@pytest.mark.parametrize("page", sorted(PAGES))
def test_every_public_name_is_documented(built, page):
    """Each name in the modules' ``__all__`` has an entry on its page."""
    html = (built / f"{page}.html").read_text(encoding="utf-8")
    ids = set(re.findall(r'id="([\w.]+)"', html))
    for name in PAGES[page]:
        module = importlib.import_module(name)
        missing = [n for n in module.__all__ if f"{name}.{n}" not in ids]
        assert not missing, f"{page}.html lacks {missing}"


def test_docstrings_are_read_as_google_style(built):
    """napoleon turns ``Args:`` and ``Raises:`` into fields, not literal text."""
    html = (built / "mesa_model.html").read_text(encoding="utf-8")
    assert "Args:" not in html
    assert "Raises" in html and "ConfigError" in html
    assert "sim.model.CohesionModel.tables" in html  # the base class's outputs too
    index = (built / "index.html").read_text(encoding="utf-8")
    for page in PAGES:
        assert f'href="{page}.html"' in index
