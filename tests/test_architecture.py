"""The worked examples of docs/architecture.md run as written (each in its own namespace).

Cost: about 10 s (six small runs).
"""

from __future__ import annotations

import re

import pytest

from .conftest import ROOT

DOC = ROOT / "docs" / "architecture.md"


def _examples() -> dict[str, str]:
    text = DOC.read_text()
    out = {}
    for heading, body in re.findall(r"^## (Adding an? \w+)\n(.*?)(?=^## |\Z)", text, re.M | re.S):
        blocks = re.findall(r"```python\n(.*?)```", body, re.S)
        assert len(blocks) == 1, heading
        out[heading] = blocks[0]
    return out


def test_the_page_has_the_four_examples():
    assert set(_examples()) == {
        "Adding a rule",
        "Adding an intervention",
        "Adding a shock",
        "Adding a metric",
    }


@pytest.mark.parametrize("heading", sorted(_examples()))
def test_example_runs(heading):
    code = _examples()[heading]
    exec(compile(code, f"docs/architecture.md: {heading}", "exec"), {"__name__": "example"})
