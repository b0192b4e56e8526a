"""Mutation testing of the core with mutmut: does the fast test tier notice small bugs?

mutmut makes mutants (one small edit each: ``<`` for ``<=``, ``+ 1``, a dropped
argument, ...) of the functions of the modules below and runs, for each, the tests that
call the mutated function; a mutant that no test notices *survived*. The modules are
mutated in groups, each with the fast test files that cover it, so a mutant runs only
those. Results are cached by mutmut: running again tests only what changed.

Mutants that cannot change behaviour (*equivalent* mutants) are listed, with the reason,
in ``tools/equivalent_mutants.toml`` and left out of the score. The score is the share
of the other mutants that the tests kill (a timeout counts as killed: the tests noticed
a hang). mutmut leaves decorated functions alone, so the compiled kernels (``@njit``) are
not mutated here; ``tools/named_mutants.py`` mutates them by hand.

Usage::

    python -m tools.mutate                 # every group (about an hour here)
    python -m tools.mutate --group rules   # one group
    python -m tools.mutate --report        # the report of the last runs, without running
    python -m tools.mutate --fresh         # forget mutmut's cache (after changing tests)

The report goes to ``build/mutation/report.md`` (and is printed).
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import time
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from tools.named_mutants import COPY, ROOT, copy_project

WORK = ROOT / "build" / "mutation"
EQUIVALENT = ROOT / "tools" / "equivalent_mutants.toml"

#: group -> (modules mutated, the fast test files that cover them)
GROUPS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "rules": (
        ("sim/dynamics/*.py",),
        (
            "tests/test_rules.py",
            "tests/test_rules_branches.py",
            "tests/test_kernels.py",
            "tests/test_encounter_law.py",
            "tests/test_network.py",
        ),
    ),
    "metrics": (
        ("sim/metrics.py", "sim/tables.py"),
        ("tests/test_metrics.py", "tests/test_performance.py", "tests/test_model.py"),
    ),
    "accounting": (("sim/interventions/base.py",), ("tests/test_interventions.py",)),
    "config": (
        ("sim/config_checks.py", "sim/config_typed.py"),
        ("tests/test_config.py", "tests/test_fuzz_config.py"),
    ),
    "results": (
        ("sim/results.py", "sim/sweep/runner.py"),
        ("tests/test_sweep.py", "tests/test_model.py"),
    ),
}

STATUS = {1: "killed", 3: "killed", 0: "survived", 5: "no tests", 33: "no tests", 36: "timeout"}


@dataclass
class Group:
    """One group's mutants by status, and the survivors' diffs."""

    name: str
    status: dict[str, str] = field(default_factory=dict)
    diffs: dict[str, str] = field(default_factory=dict)
    equivalent: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0

    def count(self, status: str) -> int:
        """Mutants with this status (equivalent ones excluded)."""
        return sum(1 for m, s in self.status.items() if s == status and m not in self.equivalent)

    @property
    def score(self) -> float:
        """Killed (or timed out) over all non-equivalent mutants."""
        judged = len(self.status) - len(self.equivalent)
        caught = self.count("killed") + self.count("timeout")
        return caught / judged if judged else 1.0


def _config(modules: tuple[str, ...], tests: tuple[str, ...]) -> str:
    def toml_list(items: tuple[str, ...] | list[str]) -> str:
        return "[" + ", ".join(json.dumps(i) for i in items) + "]"

    also = ["configs", "experiments", "data", "hydra_plugins", "benchmarks", "tools", "docs"]
    return (
        "\n[tool.mutmut]\n"
        'source_paths = ["sim"]\n'
        f"only_mutate = {toml_list(modules)}\n"
        f"also_copy = {toml_list(also)}\n"
        f"pytest_add_cli_args_test_selection = {toml_list(tests)}\n"
        'pytest_add_cli_args = ["-p", "no:cacheprovider"]\n'
    )


def _workdir(name: str) -> Path:
    """The group's copy of the project, refreshed from the checkout (mutmut's cache kept)."""
    d = WORK / name
    d.mkdir(parents=True, exist_ok=True)
    for sub in COPY:
        shutil.rmtree(d / sub, ignore_errors=True)
    copy_project(d, ROOT)
    modules, tests = GROUPS[name]
    text = (ROOT / "pyproject.toml").read_text()
    (d / "pyproject.toml").write_text(text + _config(modules, tests))
    return d


def run_group(name: str, jobs: int, fresh: bool = False) -> float:
    """Run mutmut on one group (``fresh``: forget its cached results); seconds it took.

    The group's copy of the project must have been made (:func:`_workdir`).
    """
    d = WORK / name
    if fresh:
        shutil.rmtree(d / "mutants", ignore_errors=True)
    t0 = time.perf_counter()
    cmd = [sys.executable, "-m", "mutmut", "run", "--max-children", str(jobs)]
    proc = subprocess.run(cmd, cwd=d, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - t0
    out = proc.stdout + proc.stderr
    if proc.returncode not in (0, 1) or "failed to collect stats" in out:
        tail = out[-3000:]
        raise SystemExit(f"mutmut failed on group {name} (exit {proc.returncode}):\n{tail}")
    (d / "seconds.txt").write_text(f"{seconds:.0f}\n")
    return seconds


def _equivalents() -> list[dict[str, str]]:
    if not EQUIVALENT.is_file():
        return []
    return list(tomllib.loads(EQUIVALENT.read_text()).get("mutant", []))


def _diff(d: Path, mutant: str) -> str:
    out = subprocess.run(
        [sys.executable, "-m", "mutmut", "show", mutant],
        cwd=d,
        capture_output=True,
        text=True,
        check=False,
    ).stdout
    return "\n".join(line for line in out.splitlines() if re.match(r"^[-+](?![-+])", line))


def collect(name: str) -> Group:
    """Read a group's results from mutmut's files."""
    d = WORK / name
    group = Group(name)
    for meta in sorted((d / "mutants").rglob("*.meta")):
        data = json.loads(meta.read_text())
        for mutant, code in data.get("exit_code_by_key", {}).items():
            group.status[mutant] = STATUS.get(code, "not checked" if code is None else "other")
    seconds = d / "seconds.txt"
    group.seconds = float(seconds.read_text()) if seconds.is_file() else 0.0
    known = _equivalents()
    for mutant, status in group.status.items():
        if status not in ("survived", "no tests"):
            continue
        diff = _diff(d, mutant)
        group.diffs[mutant] = diff
        for eq in known:
            if eq["function"] in mutant and eq["old"] in diff and eq["new"] in diff:
                group.equivalent[mutant] = eq["reason"]
                break
    return group


def report(groups: list[Group]) -> str:
    """The Markdown report: counts and score per group, then every survivor's diff."""
    lines = [
        "| group | mutants | killed | timeout | survived | no tests | not run | equivalent | score "
        "| time |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for g in groups:
        lines.append(
            f"| {g.name} | {len(g.status)} | {g.count('killed')} | {g.count('timeout')} | "
            f"{g.count('survived')} | {g.count('no tests')} | {g.count('not checked')} | "
            f"{len(g.equivalent)} | "
            f"{g.score:.1%} | {g.seconds / 60:.0f} min |"
        )
    total = sum(len(g.status) - len(g.equivalent) for g in groups)
    caught = sum(g.count("killed") + g.count("timeout") for g in groups)
    lines.append(f"\nAll groups: {caught} of {total} non-equivalent mutants killed "
                 f"({caught / max(total, 1):.1%}).\n")  # fmt: skip
    for g in groups:
        alive = [m for m in g.diffs if m not in g.equivalent]
        if alive:
            lines.append(f"\n## {g.name}: not killed\n")
            for m in alive:
                lines.append(f"- `{m}` ({g.status[m]})\n```diff\n{g.diffs[m]}\n```")
        if g.equivalent:
            lines.append(f"\n## {g.name}: equivalent\n")
            for m, reason in g.equivalent.items():
                lines.append(f"- `{m}`: {reason}")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Run the groups (or only report); exit 1 if the score is under 90%."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--group", action="append", choices=sorted(GROUPS), help="only these")
    ap.add_argument("--jobs", type=int, default=2, help="mutants run at once (default 2)")
    ap.add_argument("--report", action="store_true", help="only report the last results")
    ap.add_argument("--fresh", action="store_true", help="forget cached results (tests changed)")
    args = ap.parse_args(argv)
    names = args.group or list(GROUPS)
    if not args.report:
        for name in names:  # copy the project for every group first: edits made while
            _workdir(name)  # the groups run do not reach the later ones
        for name in names:
            seconds = run_group(name, args.jobs, args.fresh)
            print(f"{name}: {seconds / 60:.1f} min", flush=True)
    groups = [collect(n) for n in names if (WORK / n / "mutants").is_dir()]
    text = report(groups)
    WORK.mkdir(parents=True, exist_ok=True)
    (WORK / "report.md").write_text(text)
    print(text)
    total = sum(len(g.status) - len(g.equivalent) for g in groups)
    caught = sum(g.count("killed") + g.count("timeout") for g in groups)
    return 0 if total and caught / total >= 0.9 else 1


if __name__ == "__main__":
    raise SystemExit(main())
