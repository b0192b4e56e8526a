"""The locked install: requirements.lock, what `make run` installs, run.json's versions.

Most tests here read files only (under half a second each). Two ask pip to resolve an
install against the lock without installing anything (``--dry-run``); they need the
package registry, and cost about 17 s (what `make run` installs) and 5 s (one small
package, twice) here. The whole file: about 25 s.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from packaging.requirements import Requirement

from sim import results
from tools import lock

from .conftest import ROOT

#: Tools a user does not need to run, explore or analyse: none may come with `make run`.
NOT_FOR_USERS = (
    "pytest",
    "hypothesis",
    "ruff",
    "mypy",
    "import-linter",
    "mutmut",
    "playwright",
    "submitit",
    "hydra-submitit-launcher",
    "ray",
    "hydra-ray-launcher",
    "sphinx",
    "uv",
    "ndlib",
)


def _pins() -> list[re.Match[str]]:
    pins = [lock._PIN.match(line) for line in lock.LOCK.read_text().splitlines()]
    return [m for m in pins if m]


def test_the_lock_pins_every_package_with_hashes_and_names_no_index():
    text = lock.LOCK.read_text()
    assert not re.search(r"://|--index-url|--extra-index-url|--find-links|--trusted-host", text)
    entries = re.split(r"\n(?=[A-Za-z0-9])", text.split("\n# The following packages")[0])
    pinned = [e for e in entries if not e.startswith("#")]
    assert len(pinned) > 100
    for entry in pinned:
        assert lock._PIN.match(entry.splitlines()[0]), entry.splitlines()[0]
        assert "--hash=sha256:" in entry, entry.splitlines()[0]
    assert "make lock" in text.splitlines()[3]  # the header says how it was made


@pytest.mark.parametrize("kind", sorted(lock.KINDS))
def test_the_lock_satisfies_every_requirement_of_pyproject(kind):
    # a dependency added or narrowed in pyproject.toml without `make lock` fails here
    pins = {lock.normalize(m.group(1)): m.group(2) for m in _pins()}
    extras, groups = lock.KINDS[kind]
    for text in lock.requirements(extras, groups):
        req = Requirement(text)
        if req.marker is not None and not req.marker.evaluate():
            continue
        name = lock.normalize(req.name)
        assert name in pins, f"{req} is not in requirements.lock: run `make lock`"
        assert req.specifier.contains(pins[name], prereleases=True), (
            f"{req}: the lock has {pins[name]}; run `make lock`"
        )


def test_the_test_group_brings_the_extras_the_tests_need():
    names = {lock.normalize(Requirement(r).name) for r in lock.requirements(*lock.KINDS["test"])}
    assert {"hydra-submitit-launcher", "hydra-ray-launcher", "ndlib", "pytest", "sphinx"} <= names
    assert {"ruff", "mypy", "import-linter", "pandas-stubs"} <= names
    assert "cohesion-sim" not in names  # the project's own extras are expanded


def test_this_venv_is_the_lock():
    # the suite runs in the venv `make test` installed; it must hold the lock's versions
    assert lock.differences() == []


def test_a_version_off_the_lock_is_reported(monkeypatch):
    versions = {**lock.installed(), "numpy": "1.0.0", "not-in-the-lock": "2.0"}
    monkeypatch.setattr(lock, "installed", lambda: versions)
    diff = lock.differences()
    assert any(d.startswith("numpy 1.0.0 is installed, the lock says") for d in diff), diff
    assert "not-in-the-lock 2.0 is installed but not in the lock" in diff


def test_the_makefile_installs_the_run_kind_for_make_run():
    text = (ROOT / "Makefile").read_text()
    assert re.search(r"(?m)^run: \$\(VENV\)/\.run-installed$", text)
    rule = text.split("$(VENV)/.run-installed:")[1].split("\n\n")[0]
    assert "tools.lock install run" in rule
    assert "tools.lock check" in rule


def _dry_run(tmp_path: Path, constraints: Path, *requirements: str) -> dict:
    wanted = tmp_path / "requirements.txt"
    wanted.write_text("\n".join(requirements) + "\n")
    report = tmp_path / "report.json"
    cmd = [sys.executable, "-m", "pip", "--disable-pip-version-check", "install", "-q"]
    cmd += ["--dry-run", "--ignore-installed", "--report", str(report)]
    cmd += ["-c", str(constraints), "-r", str(wanted)]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=600, check=False)
    return {"returncode": done.returncode, "stderr": done.stderr, "report": report}


def test_make_run_installs_no_test_tool_and_only_locked_versions(tmp_path):
    # the lock's versions without its hashes: pip then reads each package's metadata
    # instead of fetching every file to hash it (the hashes are the next test's subject)
    pins = tmp_path / "pins.txt"
    pins.write_text("".join(m.group(0).rstrip(" \\") + "\n" for m in _pins()))
    got = _dry_run(tmp_path, pins, *lock.requirements(*lock.KINDS["run"]))
    assert got["returncode"] == 0, got["stderr"][-2000:]
    items = json.loads(got["report"].read_text())["install"]
    resolved = {lock.normalize(i["metadata"]["name"]): i["metadata"]["version"] for i in items}
    present = sorted(set(resolved) & set(NOT_FOR_USERS))
    assert not present, f"make run would install {present}"
    locked = lock.locked()
    off = {n: v for n, v in resolved.items() if locked.get(n) != v}
    assert not off, f"resolved off the lock: {off}"
    # the explorer and the analysis come with it
    assert {"solara", "mesa", "salib", "scipy", "numba", "duckdb"} <= set(resolved)


def test_a_file_that_does_not_match_the_lock_is_refused(tmp_path):
    # the lock's hashes are checked, not only its versions: spoil those of one small package
    text = lock.LOCK.read_text()
    start = text.index("\nsix==")
    end = text.index("# via", start)
    spoiled = re.sub(r"sha256:[0-9a-f]{64}", "sha256:" + "0" * 64, text[start:end])
    bad = tmp_path / "requirements.lock"
    bad.write_text(text[:start] + spoiled + text[end:])
    got = _dry_run(tmp_path, bad, "six")
    assert got["returncode"] != 0
    assert "DO NOT MATCH THE HASHES" in got["stderr"], got["stderr"][-2000:]
    good = _dry_run(tmp_path, lock.LOCK, "six")
    assert good["returncode"] == 0, good["stderr"][-2000:]


def test_run_json_records_every_version_that_can_change_a_number(monkeypatch):
    got = results.package_versions()
    for pkg in ("cohesion-sim", "mesa", "hydra-core", "numpy", "numba", "scipy", "duckdb"):
        assert got[pkg] == lock.locked().get(lock.normalize(pkg), got[pkg]) != "absent", pkg
    assert {"pandas", "pyarrow", "llvmlite", "omegaconf"} <= set(got)
    monkeypatch.setattr(results, "VERSIONED", ("numpy", "no-such-package"))
    assert results.package_versions() == {"numpy": got["numpy"], "no-such-package": "absent"}
