"""What the explorer offers, discovered from the config files when it starts.

Futures are the files of ``configs/scenario/``, policies those of ``configs/policy/``;
a new file there shows up in the explorer without a code change. The levers are the
ones every intervention has (docs/interventions.md): when it starts, how long it runs, the
budget or a fixed weekly capacity, and whom it targets; the explorer applies them to
every intervention of the chosen policy. The uncertain parameters are a few keys of the
dynamics whose values the literature leaves open. Slider defaults are the values of
the composed default config, so the explorer starts from the same run as
``cohesion-sim`` does.

Everything the explorer runs is a list of Hydra overrides (:func:`overrides`), composed
with :func:`sim.api.compose` exactly as the command line would, so the page can show
the equivalent ``cohesion-sim`` command. Overrides given to ``cohesion-sim-explore``
(:func:`set_base`) come first, so the explorer can start from any config, e.g. a
smaller town (``population.size=2000``) or a shorter horizon (``steps=104``).
"""

from __future__ import annotations

import functools
from collections import Counter
from dataclasses import dataclass
from typing import Any

from omegaconf import DictConfig, OmegaConf

from sim.api import compose, config_dir
from sim.config_checks import TARGET_NEIGHBOURHOODS, TARGET_VULNERABLE
from sim.places import citizens

__all__ = [
    "AS_CONFIGURED",
    "BASE",
    "EVERYONE",
    "UNCERTAIN",
    "Choice",
    "Levers",
    "command",
    "defaults",
    "futures",
    "overrides",
    "policies",
    "policy_interventions",
    "set_base",
    "target_choices",
]

#: Target choice that keeps each intervention's own target from its policy file.
AS_CONFIGURED = "as in the policy file"
#: Target choice that lifts every filter.
EVERYONE = "everyone"

#: The uncertain parameters offered as sliders: config key -> (label, min, max, step).
#: Ranges: confidence as in the bounded-confidence literature (Deffuant et al. 2000
#: vary eps over 0.05-0.5); algorithmic bias gamma 0-3 (Sirbu et al. 2019 study 0-1.5
#: and beyond); unfollow probability q over [0, 1] (Sasahara et al. 2021).
UNCERTAIN: dict[str, tuple[str, float, float, float]] = {
    "dynamics.confidence": ("Confidence bound (eps)", 0.05, 0.5, 0.01),
    "dynamics.algorithmic_bias": ("Algorithmic bias (gamma)", 0.0, 3.0, 0.1),
    "dynamics.bubbles.unfollow": ("Unfollow probability (q)", 0.0, 1.0, 0.01),
}


#: Overrides every composition starts with (given on the explorer's command line).
BASE: list[str] = []


def set_base(base: list[str]) -> None:
    """Start every composition with ``base``."""
    BASE[:] = list(base)


@dataclass(frozen=True)
class Choice:
    """One option of a config group, as read from its file."""

    name: str
    description: str


def _group(group: str, first: str) -> list[Choice]:
    out: list[Choice] = []
    for path in sorted((config_dir() / group).glob("*.yaml")):
        node = OmegaConf.load(path)
        if isinstance(node, DictConfig) and isinstance(node.get(group), DictConfig):
            node = node[group]  # a file that also sets global keys (history's dates)
        desc = str(node.get("description", "")) if isinstance(node, DictConfig) else ""
        out.append(Choice(path.stem, desc))
    out.sort(key=lambda c: (c.name != first, c.name))
    return out


def futures() -> list[Choice]:
    """The futures (``configs/scenario/*.yaml``), ``baseline`` first."""
    return _group("scenario", "baseline")


def policies() -> list[Choice]:
    """The policies (``configs/policy/*.yaml``), ``none`` first."""
    return _group("policy", "none")


def policy_interventions(policy: str) -> tuple[str, ...]:
    """The names of a policy's interventions (from the composed config)."""
    return _policy_interventions(tuple(BASE), policy)


@functools.cache
def _policy_interventions(base: tuple[str, ...], policy: str) -> tuple[str, ...]:
    cfg = compose([*base, f"policy={policy}"])
    return tuple(str(k) for k in cfg.policy.interventions)


def target_choices(groups: list[str]) -> list[str]:
    """The target options: as configured, everyone, ranked neighbourhoods, a group, a flag."""
    out = [AS_CONFIGURED, EVERYONE]
    out += [f"neighbourhoods: {n}" for n in TARGET_NEIGHBOURHOODS if n != "all"]
    out += [f"group: {g}" for g in groups]
    out += [f"vulnerable: {v}" for v in TARGET_VULNERABLE]
    return out


def _choice(group: str, base: tuple[str, ...]) -> str:
    """The option of ``group`` in ``base``, else in the primary config's defaults list."""
    for item in reversed(base):
        key, _, value = item.partition("=")
        if key.lstrip("+~") == group:
            return value
    primary = OmegaConf.load(config_dir() / "config.yaml")
    entries = primary.get("defaults", []) if isinstance(primary, DictConfig) else []
    for entry in entries:
        if isinstance(entry, DictConfig) and group in entry:
            return str(entry[group])
    raise KeyError(f"no default option for {group}")


def defaults() -> dict[str, Any]:
    """Values of the default config (after :data:`BASE`) that the controls start from."""
    return dict(_defaults(tuple(BASE)))


@functools.cache
def _defaults(base: tuple[str, ...]) -> dict[str, Any]:
    cfg = compose(base)
    budgets = Counter(
        float(compose([*base, f"policy={p.name}"]).policy.budget)
        for p in policies()
        if _policy_interventions(base, p.name)
    )
    out: dict[str, Any] = {
        "future": _choice("scenario", base),
        "policy": _choice("policy", base),
        "seed": int(cfg.seed),
        "steps": int(cfg.steps),
        "population_size": citizens(cfg.population),
        "fraction": float(cfg.population.fraction),
        "groups": [str(g) for g in cfg.population.groups],
        "budget": budgets.most_common(1)[0][0] if budgets else 20_000.0,
        "share": 0.1,
    }
    for key in UNCERTAIN:
        out[key] = float(OmegaConf.select(cfg, key))
    return out


@dataclass(frozen=True)
class Levers:
    """Everything the explorer's controls set, in config terms.

    Attributes:
        future: a file of ``configs/scenario/``.
        policy: a file of ``configs/policy/``.
        start: the week every intervention starts (>= 1).
        weeks: how many weeks each runs (0: until the end of the run).
        budget: the policy's budget in euros per 1,000 citizens a year (replaces the
            file's).
        capacity: fixed units per week for each intervention (0: from the budget).
        target: one of :func:`target_choices`.
        share: the share of neighbourhoods a ranked target takes.
        uncertain: values of the :data:`UNCERTAIN` keys.
        population_size: citizens (for real places too: the municipalities share them
            in proportion to their residents aged 15 and over).
        seed: the root seed.
        steps: weeks after the burn-in.
    """

    future: str
    policy: str
    start: int
    weeks: int
    budget: float
    capacity: int
    target: str
    share: float
    uncertain: tuple[tuple[str, float], ...]
    population_size: int
    seed: int
    steps: int


def _target_overrides(prefix: str, target: str, share: float) -> list[str]:
    if target == AS_CONFIGURED:
        return []
    if target == EVERYONE:
        return [
            f"{prefix}.municipalities=null",
            f"{prefix}.neighbourhoods=all",
            f"{prefix}.group=null",
            f"{prefix}.vulnerable=null",
        ]
    kind, _, value = target.partition(": ")
    if kind == "neighbourhoods":
        return [f"{prefix}.neighbourhoods={value}", f"{prefix}.share={share:g}"]
    if kind in ("group", "vulnerable"):
        return [f"{prefix}.{kind}={value}"]
    raise ValueError(f"unknown target choice {target!r}")


def overrides(lv: Levers) -> list[str]:
    """The Hydra overrides of a setting of the levers (after :data:`BASE`)."""
    out = [
        *BASE,
        f"scenario={lv.future}",
        f"policy={lv.policy}",
        f"seed={lv.seed}",
        f"steps={lv.steps}",
        f"population.size={lv.population_size}",
    ]
    if defaults()["fraction"] != 1.0:  # real places scaled by a fraction: size is citizens
        out.append("population.fraction=1")
    out += [f"{key}={value:g}" for key, value in lv.uncertain]
    ivs = policy_interventions(lv.policy)
    if ivs:
        out.append(f"policy.budget={round(lv.budget)}")
    for name in ivs:
        key = f"policy.interventions.{name}"
        out.append(f"{key}.start={lv.start}")
        out.append(f"{key}.end={lv.start + lv.weeks - 1 if lv.weeks else 'null'}")
        if lv.capacity:
            out.append(f"{key}.capacity={lv.capacity}")
        out += _target_overrides(f"{key}.target", lv.target, lv.share)
    return out


def command(ov: list[str]) -> str:
    """The ``cohesion-sim`` command line that runs the same model as ``ov``."""
    quoted = [o if "'" not in o and " " not in o else f'"{o}"' for o in ov]
    return " ".join(["cohesion-sim", *quoted])
