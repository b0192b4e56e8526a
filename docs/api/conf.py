"""Sphinx configuration of the API reference, generated from the docstrings.

Build it with ``sphinx-build -W --keep-going -b html docs/api docs/api/_build`` (the
``docs`` dependency group installs Sphinx); tests/test_api_docs.py builds it the same way.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))  # the checkout's package, installed or not

project = "cohesion-sim"
author = "the cohesion-sim authors"
copyright = "the cohesion-sim authors"

extensions = ["sphinx.ext.autodoc", "sphinx.ext.napoleon"]

# The docstrings are Google style (ruff's pydocstyle convention in pyproject.toml).
napoleon_google_docstring = True
napoleon_numpy_docstring = False
napoleon_use_ivar = True  # "Attributes:" sections as fields, not as duplicate entries

autodoc_member_order = "bysource"
autodoc_typehints = "description"
autodoc_default_options = {"members": True, "show-inheritance": True}

exclude_patterns = ["_build"]
html_theme = "alabaster"
html_title = "cohesion-sim API reference"
