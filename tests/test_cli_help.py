"""``cohesion-sim --help``: it names the command, and every group and launcher it lists works.

About 105 s here in all, measured with the 2 cores under a load of about 6 (five commands
in subprocesses, about 40 configs composed and checked); no single test over 40 s.
"""

from __future__ import annotations

import re
import subprocess
import sys
import textwrap

import pytest
from hydra import compose, initialize_config_dir
from hydra.core.config_store import ConfigStore
from hydra.core.global_hydra import GlobalHydra

from sim.cli import (
    LAUNCHER_EXTRAS,
    NOT_GROUPS,
    check_command,
    missing_extra,
    selectable_groups,
    with_help_text,
)
from sim.compose import config_dir
from sim.config import register_schema
from sim.prepare import prepare
from tests.conftest import ROOT, run_cli

SMALL = ["population.size=1000", "steps=2", "burn_in=0"]


@pytest.fixture(scope="module")
def help_text() -> str:
    """The text of ``cohesion-sim --help`` (one subprocess, about 10 s here)."""
    done = subprocess.run(
        [sys.executable, "-m", "sim", "--help"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def _listed(text: str) -> dict[str, list[str]]:
    """Group -> options, as the help lists them."""
    groups = {}
    for m in re.finditer(r"^(\w+):.*\n {4}options: (.+)$", text, flags=re.MULTILINE):
        groups[m.group(1)] = m.group(2).split(", ")
    return groups


def test_help_names_the_command(help_text):
    """The text is the command's own, with examples, not Hydra's opening."""
    assert help_text.startswith("cohesion-sim: ")
    assert "powered by Hydra" not in help_text
    assert "Usage: cohesion-sim" in help_text
    assert help_text.count("e.g. cohesion-sim ") >= len(selectable_groups())
    assert "--cfg job" in help_text


def test_help_lists_every_group_and_only_groups(help_text):
    """Every folder of the configs is listed with its options, except those that are no group."""
    listed = _listed(help_text)
    assert listed == selectable_groups()
    folders = {p.name for p in config_dir().iterdir() if p.is_dir()} - {"hydra"}
    assert set(listed) == folders - set(NOT_GROUPS)
    for name in NOT_GROUPS:
        assert f"\n{name}:" not in help_text


def test_every_listed_option_can_be_selected(help_text):
    """Each group=option the help lists composes and passes the checks, as ``--cfg job`` would.

    One Hydra context for all of them (about 25 s here under load). An experiment is
    checked as its one composed config (its sweep's jobs are not expanded here).
    """
    listed = _listed(help_text)
    assert sum(len(o) for o in listed.values()) > 30
    register_schema()
    GlobalHydra.instance().clear()
    with initialize_config_dir(config_dir=str(config_dir()), version_base="1.3"):
        for group, options in listed.items():
            for option in options:
                cfg = compose(config_name="config", overrides=[f"{group}={option}", *SMALL])
                prepare(cfg)  # raises ConfigError naming the key if the option is broken
    GlobalHydra.instance().clear()


def test_every_listed_launcher_can_be_selected(help_text):
    """Each hydra/launcher option the help lists passes the CLI's check of a sweep (~15 s)."""
    launchers = re.findall(r"^hydra/launcher=(\w+)", help_text, flags=re.MULTILINE)
    assert {"parallel", "slurm", "ray_local"} <= set(launchers)
    for launcher in launchers:
        check = check_command(["-m", f"hydra/launcher={launcher}", "seed=0,1", *SMALL])
        assert check.error is None, (launcher, check.error)


def test_a_folder_that_is_no_group_says_so(cli_env):
    """``analysis=sensitivity``: one line, exit 1, no traceback (one subprocess, ~8 s)."""
    done = run_cli("analysis=sensitivity", env=cli_env)
    assert done.returncode == 1
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("cohesion-sim: error: analysis: not a config group")
    assert "docs/analysis.md" in lines[0]
    assert check_command(["+analysis=sensitivity"]).error == lines[0].removeprefix(
        "cohesion-sim: error: "
    )


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (
            "In 'hydra/launcher/slurm': Could not load 'hydra/launcher/submitit_slurm'.",
            "hydra/launcher=slurm needs the 'slurm' extra, which is not installed: "
            "pip install 'cohesion-sim[slurm]'",
        ),
        (
            "In 'hydra/launcher/ray_cluster': Could not load 'hydra/launcher/ray'.",
            "hydra/launcher=ray_cluster needs the 'ray' extra, which is not installed: "
            "pip install 'cohesion-sim[ray]'",
        ),
        (
            "Could not load 'hydra/launcher/submitit_local'.",
            "hydra/launcher=submitit_local needs the 'slurm' extra, which is not installed: "
            "pip install 'cohesion-sim[slurm]'",
        ),
        ("In 'hydra/launcher/mine': Could not load 'hydra/launcher/other'.", None),
        ("policy: unknown option 'nope'; available: none", None),
    ],
)
def test_missing_extra_mapping(line, expected):
    """The lines of a missing launcher plug-in name the extra to install (instant)."""
    assert missing_extra(line) == expected


def test_missing_plugin_names_its_extra(monkeypatch):
    """With the plug-ins' configs gone, each launcher names its extra (a few seconds)."""
    assert check_command(["-m", "hydra/launcher=slurm", "seed=0,1", *SMALL]).error is None
    repo = ConfigStore.instance().repo["hydra"]["launcher"]
    for name in LAUNCHER_EXTRAS:
        monkeypatch.delitem(repo, f"{name}.yaml", raising=False)
    for launcher, extra in [
        ("slurm", "slurm"),
        ("slurm_local", "slurm"),
        ("ray_local", "ray"),
        ("ray_cluster", "ray"),
    ]:
        error = check_command(["-m", f"hydra/launcher={launcher}", "seed=0,1"]).error
        assert error is not None
        assert error.endswith(f"pip install 'cohesion-sim[{extra}]'"), error
        assert error.startswith(f"hydra/launcher={launcher} needs the '{extra}' extra")


HIDE_SLURM = textwrap.dedent(
    """
    import sys
    from hydra.core.config_store import ConfigStore
    from hydra.core.plugins import Plugins

    Plugins.instance()  # discovers the installed plug-ins, which register their configs
    ConfigStore.instance().repo["hydra"]["launcher"].pop("submitit_slurm.yaml")
    from sim.cli import main

    sys.argv = ["cohesion-sim", "-m", "hydra/launcher=slurm", "seed=0,1"]
    main()
    """
)


def test_missing_slurm_extra_on_the_command_line(cli_env):
    """The command itself: one line naming the extra, exit 1, no traceback (~8 s)."""
    done = subprocess.run(
        [sys.executable, "-c", HIDE_SLURM],
        capture_output=True,
        text=True,
        env=cli_env,
        timeout=300,
        check=False,
        cwd=ROOT,
    )
    assert done.returncode == 1, done.stderr
    assert done.stderr.strip() == (
        "cohesion-sim: error: hydra/launcher=slurm needs the 'slurm' extra, which is not "
        "installed: pip install 'cohesion-sim[slurm]'"
    )


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["--help"], ["--help", "hydra/help=cohesion_sim"]),
        (["seed=3", "--help"], ["--help", "hydra/help=cohesion_sim"]),
        (["-m", "seed=0,1", "policy=none", "-h"], ["-m", "-h", "hydra/help=cohesion_sim"]),
    ],
)
def test_help_leaves_the_overrides_out(argv, expected):
    """The help text shows no config, so the overrides are dropped (instant)."""
    assert with_help_text(argv) == expected


def test_help_of_a_sweep(cli_env):
    """``-m`` with a sweep's values and ``--help`` shows the help (one subprocess, ~8 s)."""
    done = run_cli("-m", "policy=none,canvassing", "seed=0,1", "--help", env=cli_env)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("cohesion-sim: ")
