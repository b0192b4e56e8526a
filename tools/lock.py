"""The locked install: what `make run` and `make test` install, pinned by requirements.lock.

``requirements.lock`` holds an exact version and the hashes of every file of every
package the project can install (the core, every extra, every dependency group), for
Python 3.12 and newer. It is used as pip's constraints: pip then installs only the locked
versions and checks each file against its hashes. pip refuses hashes for an editable
install (there is no single file to hash), so each install here is two steps: the
dependencies, named one by one from pyproject.toml and checked against the lock, then
the project itself, editable, with no dependencies. A last step compares what is
installed with the lock and fails on any difference.

Usage (the Makefile's targets call these; ``PYTHON`` is the venv's interpreter)::

    python -m tools.lock install run     # the core, the explorer and the analysis extras
    python -m tools.lock install test    # what the tests, the linters and the docs need
    python -m tools.lock install mutate  # mutmut
    python -m tools.lock check           # the installed versions against the lock
    python -m tools.lock compile         # rewrite the lock, keeping its versions where it can
    python -m tools.lock compile --upgrade   # the newest releases of everything
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import tomllib
from collections.abc import Iterable
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOCK = ROOT / "requirements.lock"
PROJECT = "cohesion-sim"

#: what each install holds: (extras, dependency groups); every one includes the core.
KINDS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "run": (("explore", "analysis"), ()),
    "test": (("explore", "analysis"), ("test", "lint", "docs")),
    "mutate": ((), ("mutate",)),
    "lock": ((), ("lock",)),
}

#: packages a venv brings along that the lock does not pin.
UNLOCKED = {"pip", PROJECT}

HEADER = """\
# requirements.lock: every package cohesion-sim can install, at exact versions with the
# hashes of their files, for Python 3.12 and newer on Linux and macOS (Windows markers
# come along from the resolver). It names no package index: install from the one you use.
# Written by `make lock` (keeps these versions where it can) or `make upgrade` (the newest
# releases, then the test suite); do not edit it by hand. `make run` and `make test` use it
# as pip's constraints (tools/lock.py); docs/testing.md says more.
"""

_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:\[([^\]]*)\])?")
_PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;\\]+)\s*(?:;\s*([^\\]+?))?\s*\\?$")


def normalize(name: str) -> str:
    """A distribution name as pip compares it (PEP 503)."""
    return re.sub(r"[-_.]+", "-", name).lower()


def _pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


def requirements(extras: Iterable[str], groups: Iterable[str]) -> list[str]:
    """The named requirements of the core, ``extras`` and ``groups``, from pyproject.toml.

    A requirement on the project itself (``cohesion-sim[slurm]``, in a group or an extra)
    is replaced by that extra's requirements; ``{include-group = ...}`` by that group's.
    """
    data = _pyproject()
    optional = data["project"].get("optional-dependencies", {})
    declared = data.get("dependency-groups", {})
    out: list[str] = []
    seen: set[tuple[str, str]] = set()

    def add(items: Iterable[str | dict]) -> None:
        for item in items:
            if isinstance(item, dict):
                add_group(item["include-group"])
                continue
            m = _NAME.match(item)
            if m and normalize(m.group(1)) == PROJECT:
                for extra in (m.group(2) or "").split(","):
                    if extra.strip():
                        add_extra(extra.strip())
            elif item not in out:
                out.append(item)

    def add_extra(name: str) -> None:
        if ("extra", name) not in seen:
            seen.add(("extra", name))
            add(optional[name])

    def add_group(name: str) -> None:
        if ("group", name) not in seen:
            seen.add(("group", name))
            add(declared[name])

    add(data["project"]["dependencies"])
    for extra in extras:
        add_extra(extra)
    for group in groups:
        add_group(group)
    return out


def locked() -> dict[str, str]:
    """The lock's versions by normalized name, for this interpreter (markers evaluated)."""
    from packaging.markers import Marker  # pip's own copy would do; packaging is core here

    out = {}
    for line in LOCK.read_text().splitlines():
        m = _PIN.match(line)
        if m and (m.group(3) is None or Marker(m.group(3)).evaluate()):
            out[normalize(m.group(1))] = m.group(2)
    return out


def installed() -> dict[str, str]:
    """The distributions installed for this interpreter, by normalized name."""
    return {normalize(d.metadata["Name"]): d.version for d in metadata.distributions()}


def differences() -> list[str]:
    """How the installed packages differ from the lock (empty when they match)."""
    lock = locked()
    out = []
    for name, version in sorted(installed().items()):
        if name in UNLOCKED:
            continue
        if name not in lock:
            out.append(f"{name} {version} is installed but not in the lock")
        elif lock[name] != version:
            out.append(f"{name} {version} is installed, the lock says {lock[name]}")
    return out


def _pip(*args: str) -> None:
    cmd = [sys.executable, "-m", "pip", "--disable-pip-version-check", *args]
    if subprocess.run(cmd, check=False, cwd=ROOT).returncode != 0:
        sys.exit(
            "tools.lock: error: pip failed (above); if it names a package or a hash missing "
            "from requirements.lock, run `make lock` and commit the lock"
        )


def install(kind: str) -> None:
    """Install ``kind`` (a key of :data:`KINDS`) into this interpreter's environment."""
    extras, groups = KINDS[kind]
    with tempfile.TemporaryDirectory() as tmp:
        wanted = Path(tmp) / "requirements.txt"
        wanted.write_text("\n".join(requirements(extras, groups)) + "\n")
        if LOCK.exists():
            _pip("install", "-q", "-c", str(LOCK), "-r", str(wanted))
        else:  # the first `make lock` of a new project
            _pip("install", "-q", "-r", str(wanted))
    _pip("install", "-q", "--no-deps", "-e", ".")


def check() -> int:
    """Say whether the installed packages are the lock's; 1 when they are not."""
    if not LOCK.exists():
        print("tools.lock: error: requirements.lock is missing; run `make lock`", file=sys.stderr)
        return 1
    diff = differences()
    if diff:
        for line in diff:
            print(f"tools.lock: {line}", file=sys.stderr)
        print(
            "tools.lock: error: the venv differs from requirements.lock; run `make clean` and "
            "install again",
            file=sys.stderr,
        )
        return 1
    n = sum(1 for name in installed() if name not in UNLOCKED)
    print(f"tools.lock: {n} packages installed, each at the lock's version")
    return 0


def compile_lock(upgrade: bool) -> None:
    """Write requirements.lock with uv (the ``lock`` group), from pyproject.toml."""
    data = _pyproject()
    extras = ",".join(data["project"].get("optional-dependencies", {}))
    groups = [f"--group=pyproject.toml:{g}" for g in data.get("dependency-groups", {})]
    uv = Path(sys.executable).parent / "uv"
    cmd = [
        str(uv),
        "pip",
        "compile",
        "-",
        *groups,
        "--universal",
        "--python-version=3.12",
        "--generate-hashes",
        "--no-header",
        f"--no-emit-package={PROJECT}",
        "--quiet",
        f"--output-file={LOCK}",
    ]  # uv keeps the versions of the file it rewrites
    if upgrade:
        cmd.append("--upgrade")
    env = {**os.environ, "UV_PYTHON_DOWNLOADS": "never"}  # never fetch an interpreter
    old = LOCK.read_text() if LOCK.exists() else None
    done = subprocess.run(
        cmd,
        input=f"-e .[{extras}]\n",
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
        env=env,
    )
    body = LOCK.read_text() if LOCK.exists() else ""
    if done.returncode != 0 or re.search(
        r"(?m)^\s*--(extra-)?index-url|^\s*--find-links|://", body
    ):
        if old is not None:
            LOCK.write_text(old)
        why = done.stderr.strip() or "its output names an index or a URL; the lock must not"
        sys.exit(f"tools.lock: error: the lock was not written: {why}")
    LOCK.write_text(HEADER + body.removeprefix(HEADER))
    print(f"tools.lock: wrote {LOCK.name} ({len(locked())} packages for this Python)")


def main(argv: list[str] | None = None) -> int:
    """The command line (see the module's docstring)."""
    parser = argparse.ArgumentParser(
        prog="python -m tools.lock", description=__doc__.split("\n")[0]
    )
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("install", help="install one kind of environment with the lock")
    p.add_argument("kind", choices=sorted(KINDS))
    sub.add_parser("check", help="compare the installed packages with the lock")
    p = sub.add_parser("compile", help="write requirements.lock")
    p.add_argument("--upgrade", action="store_true", help="take the newest releases")
    args = parser.parse_args(argv)
    if args.command == "install":
        install(args.kind)
        return 0
    if args.command == "check":
        return check()
    compile_lock(args.upgrade)
    return 0


if __name__ == "__main__":
    sys.exit(main())
