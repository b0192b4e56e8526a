"""Named mutants: small edits a real bug could make, each checked against the fast tests.

Each mutant below is one textual edit of one file of ``sim/`` (a boundary moved, a
parameter passed in the wrong place, a guard removed). For each, this script copies
the project into a temporary directory, applies the edit there (never in the checkout),
runs the default test tier of the test files named for it, and reports whether the tests
noticed (the mutant is *killed*) or not (it *survived*).

These complement ``mutmut`` (``make mutate``), which cannot reach the compiled kernels
(functions under ``@njit`` are decorated, and mutmut leaves decorated functions alone)
and does not see module-level constants. Every mutant here must be killed.

Usage::

    python -m tools.named_mutants            # all of them
    python -m tools.named_mutants -k metrics # those whose name contains "metrics"
    python -m tools.named_mutants --list
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
COPY = ("sim", "tests", "configs", "experiments", "data", "hydra_plugins", "benchmarks", "docs")


@dataclass(frozen=True)
class Mutant:
    """One edit: in ``path``, replace ``old`` (which must occur exactly once) by ``new``."""

    name: str
    path: str
    old: str
    new: str
    tests: tuple[str, ...]
    why: str


MUTANTS: tuple[Mutant, ...] = (
    Mutant(
        "influence-bound-inclusive-a",
        "sim/dynamics/influence.py",
        "move_a = np.where(dist < eps[a], mu * d, 0.0)",
        "move_a = np.where(dist <= eps[a], mu * d, 0.0)",
        ("tests/test_rules.py",),
        "a pair at exactly eps must not move (Deffuant: |x_i - x_j| < eps)",
    ),
    Mutant(
        "influence-bound-inclusive-b",
        "sim/dynamics/influence.py",
        "move_b = np.where(dist < eps[b], -mu * d, 0.0)",
        "move_b = np.where(dist <= eps[b], -mu * d, 0.0)",
        ("tests/test_rules.py",),
        "the same bound for the second citizen of the pair",
    ),
    Mutant(
        "unfollow-bound-exclusive",
        "sim/dynamics/bubbles.py",
        "go = (dist >= eps[who]) & (u_unf[who] < cfg.unfollow)",
        "go = (dist > eps[who]) & (u_unf[who] < cfg.unfollow)",
        ("tests/test_rules.py",),
        "an encounter at exactly eps is discordant",
    ),
    Mutant(
        "influence-wiring-confidence-for-convergence",
        "sim/model.py",
        "            d.convergence,\n",
        "            d.confidence,\n",
        ("tests/test_rules.py", "tests/test_model.py"),
        "dynamics.convergence must reach the influence rule as mu",
    ),
    Mutant(
        "trust-contagion-everyone",
        "sim/dynamics/trust.py",
        "t[has] += cfg.spread * (m[has] - t[has])",
        "t += cfg.spread * (m - t)",
        ("tests/test_rules.py",),
        "trust spreads only to citizens with ties of similar opinion",
    ),
    Mutant(
        "unfollow-ignores-prejudice-homophily",
        "sim/dynamics/bubbles.py",
        "accept_out = r_acc[k][todo] < 1.0 - cfg.prejudice_homophily * prejudice[w]",
        "accept_out = r_acc[k][todo] < 2.0",
        ("tests/test_rules.py",),
        "an out-group follow is accepted with probability 1 - h * prejudice",
    ),
    Mutant(
        "random-mixing-pairs-oneself",
        "sim/dynamics/encounters.py",
        "    k += k >= np.arange(m)  # skip oneself\n",
        "",
        ("tests/test_rules.py", "tests/test_model.py"),
        "under random mixing nobody is paired with themselves",
    ),
    Mutant(
        "bubble-index-counts-isolated",
        "sim/metrics.py",
        "has = 1.0 if deg[i] > 0 else 0.0",
        "has = 1.0",
        ("tests/test_metrics.py", "tests/test_model.py"),
        "citizens without ties have no tie opinion and take no part in bubble_index",
    ),
    Mutant(
        "esteban-ray-exponent",
        "sim/metrics.py",
        "p ** (1.0 + ER_ALPHA)",
        "p**ER_ALPHA",
        ("tests/test_metrics.py", "tests/test_model.py"),
        "Esteban & Ray weigh each mass by p_i^(1 + alpha)",
    ),
    Mutant(
        "config-gap-erosion-unchecked",
        "sim/config_checks.py",
        '            "gap_erosion",\n',
        "",
        ("tests/test_config.py", "tests/test_fuzz_config.py"),
        "every range the validator checks is refused when out of range",
    ),
    Mutant(
        "final-state-drops-a-column",
        "sim/tables.py",
        '    cols["online_degree"] = network.online.degree\n',
        "",
        ("tests/test_model.py",),
        "final_state.parquet's columns are part of the output contract",
    ),
    Mutant(
        "resume-ignores-status",
        "sim/sweep/runner.py",
        'if not info or info.get("status") != "complete":',
        "if not info:",
        ("tests/test_sweep.py",),
        "a run whose status is not complete is redone on resume",
    ),
)


def copy_project(dest: Path, root: Path = ROOT) -> None:
    """Copy the project's files into ``dest`` (keeping modification times)."""
    for name in COPY:
        src = root / name
        if src.exists():
            # copy2 keeps modification times, so numba's cache of unchanged modules holds
            shutil.copytree(src, dest / name, symlinks=True, copy_function=shutil.copy2)
    shutil.copy2(root / "pyproject.toml", dest / "pyproject.toml")


def _apply(root: Path, m: Mutant) -> None:
    path = root / m.path
    text = path.read_text()
    count = text.count(m.old)
    if count != 1:
        raise SystemExit(f"{m.name}: expected the text once in {m.path}, found it {count} times")
    path.write_text(text.replace(m.old, m.new))


def run(mutant: Mutant, workdir: Path, project: Path = ROOT) -> tuple[str, float]:
    """Apply one mutant in a copy of ``project`` and run its tests.

    Returns ('killed' | 'survived', seconds).
    """
    root = workdir / mutant.name
    copy_project(root, project)
    _apply(root, mutant)
    env = {**os.environ, "PYTHONPATH": str(root), "PYTHONDONTWRITEBYTECODE": "1"}
    tests = [t for t in mutant.tests if (root / t).exists()]
    t0 = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", *tests],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    seconds = time.perf_counter() - t0
    shutil.rmtree(root, ignore_errors=True)
    if proc.returncode == 0:
        return "survived", seconds
    if proc.returncode not in (1,):  # 1: tests failed; anything else: pytest itself broke
        tail = (proc.stdout + proc.stderr)[-2000:]
        raise SystemExit(f"{mutant.name}: pytest exited {proc.returncode}:\n{tail}")
    return "killed", seconds


def main(argv: list[str] | None = None) -> int:
    """Run the named mutants; exit 1 if any survives."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-k", default="", help="only mutants whose name contains this")
    ap.add_argument("--list", action="store_true", help="list the mutants and exit")
    ap.add_argument(
        "--project",
        type=Path,
        default=ROOT,
        help="the checkout to mutate (default: this one), e.g. a worktree of an older commit",
    )
    args = ap.parse_args(argv)
    chosen = [m for m in MUTANTS if args.k in m.name]
    if args.list:
        for m in chosen:
            print(f"{m.name:45s} {m.path}: {m.why}")
        return 0
    survived = []
    with tempfile.TemporaryDirectory(prefix="named-mutants-") as tmp:
        for m in chosen:
            verdict, seconds = run(m, Path(tmp), args.project.resolve())
            print(f"{verdict:9s} {m.name:45s} ({seconds:5.1f} s)", flush=True)
            if verdict == "survived":
                survived.append(m.name)
    killed = len(chosen) - len(survived)
    print(f"{killed} of {len(chosen)} named mutants killed")
    return 1 if survived else 0


if __name__ == "__main__":
    raise SystemExit(main())
