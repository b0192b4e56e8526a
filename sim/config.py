"""Typed configuration schema and range checks.

The schema is a tree of dataclasses registered in Hydra's ConfigStore, so Hydra and
OmegaConf reject unknown keys and wrong types while composing. Ranges are checked once,
here, by :func:`validate`, which turns a composed config into typed objects and raises a
:class:`ConfigError` naming the key and what is allowed. Code after this point never
reads raw dicts.

The defaults here are the documented defaults: the same values as the default option of
each config group in ``configs/`` (where each is given with its source); a test keeps
the two equal. A group option that leaves a key out gets this default.
"""

from __future__ import annotations

import copy
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field, fields, is_dataclass
from typing import Any, get_args, get_origin, get_type_hints

from hydra.core.config_store import ConfigStore
from omegaconf import DictConfig, OmegaConf

__all__ = [
    "DRIVERS",
    "ConfigError",
    "DriversConfig",
    "DynamicsConfig",
    "GroupConfig",
    "InterventionConfig",
    "NetworkConfig",
    "PolicyConfig",
    "PopulationConfig",
    "RunConfig",
    "ScenarioConfig",
    "ShockConfig",
    "TargetConfig",
    "UncertaintyConfig",
    "apply_drivers",
    "register_schema",
    "validate",
]


class ConfigError(ValueError):
    """A config value is out of range or inconsistent; the message names the key."""

    def __init__(self, key: str, message: str) -> None:
        super().__init__(f"{key}: {message}")
        self.key = key


# --------------------------------------------------------------------------- schema


@dataclass
class GroupConfig:
    """A population group: its share and its initial opinion distribution.

    Attributes:
        share: fraction of citizens in the group (0-1); shares are normalised to sum to 1.
        opinion_mean: mean initial opinion (0-1).
        opinion_sd: spread of the initial opinion (>= 0); opinions are clipped to [0, 1].
    """

    share: float = 1.0
    opinion_mean: float = 0.5
    opinion_sd: float = 0.15


@dataclass
class PopulationConfig:
    """The synthetic population.

    Attributes:
        size: number of citizens (>= 2).
        municipalities: number of municipalities (>= 1, at most size).
        municipality_sizes: ``equal`` or ``lognormal`` (heavy-tailed, see sigma).
        municipality_size_sigma: log-scale spread of lognormal municipality sizes (> 0).
        min_municipality_size: smallest municipality for ``lognormal`` sizes (>= 1).
        max_municipality_size: if set, the largest municipality for ``lognormal`` sizes;
            the smallest and largest are then exactly min and max (sigma is implied).
        neighbourhood_size: mean citizens per neighbourhood (>= 2).
        groups: the groups by name.
        segregation: how strongly groups concentrate by neighbourhood (0 = mixed, <1).
        opinion_init: ``group`` (per-group means and spreads) or ``uniform`` on [0, 1].
        trust_mean: mean initial trust in institutions (0-1).
        trust_sd: spread of initial trust (>= 0).
        prejudice_mean: mean initial prejudice towards out-groups (0-1).
        prejudice_sd: spread of initial prejudice (>= 0).
        debt_share: share of citizens with problematic debt (0-1).
        newcomer_share: share of newcomers/refugees (0-1), drawn from non-majority groups.
        ex_detainee_share: share of ex-detainees (0-1).
        online_share_mean: mean share of a citizen's encounters that happen online (0-1).
        participation_mean: mean initial participation propensity (0-1).
    """

    size: int = 10_000
    municipalities: int = 4
    municipality_sizes: str = "equal"
    municipality_size_sigma: float = 1.0
    min_municipality_size: int = 1
    max_municipality_size: int | None = None
    neighbourhood_size: int = 500
    groups: dict[str, GroupConfig] = field(default_factory=dict)
    segregation: float = 0.3
    opinion_init: str = "group"
    trust_mean: float = 0.45
    trust_sd: float = 0.15
    prejudice_mean: float = 0.3
    prejudice_sd: float = 0.1
    debt_share: float = 0.08
    newcomer_share: float = 0.02
    ex_detainee_share: float = 0.005
    online_share_mean: float = 0.3
    participation_mean: float = 0.6


@dataclass
class NetworkConfig:
    """The multiplex social network.

    Attributes:
        kind: ``multiplex`` (offline + online layers), ``random_mixing`` (no network:
            partners drawn uniformly from everyone), ``regular`` (random k-regular
            offline graph) or ``caveman`` (connected caves, for validation).
        neighbourhood_degree: mean offline ties per citizen within the neighbourhood (>= 0).
        focus_degree: mean offline ties per citizen in each focus (>= 0).
        focus_size: mean members of a focus (school, work, club) (>= 2).
        foci: number of foci each citizen belongs to (0-3).
        homophily: probability that a tie is drawn from the citizen's own group (0-1).
        online_degree: followees per citizen (>= 0).
        online_homophily: probability that a follow goes to the own group (0-1).
        degree: degree of the ``regular`` graph (>= 1).
        cave_size: citizens per cave in the ``caveman`` graph (>= 2).
        long_range: ties per citizen rewired to random citizens in ``caveman`` (>= 0).
    """

    kind: str = "multiplex"
    neighbourhood_degree: float = 4.0
    focus_degree: float = 2.0
    focus_size: int = 40
    foci: int = 2
    homophily: float = 0.5
    online_degree: int = 7
    online_homophily: float = 0.5
    degree: int = 10
    cave_size: int = 10
    long_range: float = 0.0


@dataclass
class InfluenceConfig:
    """Switch and options of the influence rule beyond the top-level keys."""

    enabled: bool = True
    update: str = "pairwise"
    weighting: str = "bounded_confidence"
    repulsion: float | None = None
    negative_influence: bool = False
    noise: float = 0.01


@dataclass
class BubblesConfig:
    """Rewiring: online unfollowing and slow offline turnover."""

    enabled: bool = True
    unfollow: float = 0.1
    new_follow: str = "recommend"
    offline_turnover: float = 0.002
    prejudice_homophily: float = 1.0


@dataclass
class TrustConfig:
    """Trust in institutions."""

    enabled: bool = True
    contact_rate: float = 0.02
    vulnerable_contact_factor: float = 3.0
    bad_contact_prob: float = 0.3
    vulnerable_bad_factor: float = 1.5
    good_effect: float = 0.02
    bad_effect: float = 0.08
    spread: float = 0.005
    gap_erosion: float = 0.02
    recovery: float = 0.03
    tension_effect: float = 0.02
    responsiveness: float = 0.02


@dataclass
class TensionConfig:
    """Tension per neighbourhood."""

    enabled: bool = True
    rise: float = 0.05
    decay: float = 0.1
    mayor_capacity: float = 0.5


@dataclass
class PrejudiceConfig:
    """Prejudice towards out-groups."""

    enabled: bool = True
    contact_effect: float = 0.02
    tension_effect: float = 0.01
    relaxation: float = 0.01


@dataclass
class ParticipationConfig:
    """Participation propensity and elections."""

    enabled: bool = True
    rate: float = 0.05
    base: float = 0.2
    trust_weight: float = 0.5
    bridging_weight: float = 0.3
    election_interval: int = 208


@dataclass
class DynamicsConfig:
    """Parameters of the rules.

    Attributes:
        confidence: the confidence bound eps, or the mean of the citizens' bounds (0-1].
        confidence_spread: spread of the citizens' bounds around ``confidence`` (>= 0).
        convergence: mu, the share of the distance moved per encounter, in (0, 0.5].
        algorithmic_bias: gamma, the strength of algorithmic bias (>= 0).
    """

    confidence: float = 0.2
    confidence_spread: float = 0.05
    convergence: float = 0.3
    algorithmic_bias: float = 1.0
    influence: InfluenceConfig = field(default_factory=InfluenceConfig)
    bubbles: BubblesConfig = field(default_factory=BubblesConfig)
    trust: TrustConfig = field(default_factory=TrustConfig)
    tension: TensionConfig = field(default_factory=TensionConfig)
    prejudice: PrejudiceConfig = field(default_factory=PrejudiceConfig)
    participation: ParticipationConfig = field(default_factory=ParticipationConfig)


# ------------------------------------------------------------- futures and policies
# The kinds of shocks and interventions, and their parameters with defaults, sources and
# uncertainty ranges, are registered in sim/shocks.py and sim/interventions/ (documented
# in docs/interventions.md); here is only their typed frame. A future never holds a
# policy and a policy never holds a future: neither schema has a place for the other.

#: Driver name -> (the key it multiplies, low, high of the resulting value, high open).
DRIVERS: dict[str, tuple[str, float, float, bool]] = {
    "algorithmic_bias": ("dynamics.algorithmic_bias", 0.0, 100.0, False),
    "unfollow": ("dynamics.bubbles.unfollow", 0.0, 1.0, False),
    "online_share_mean": ("population.online_share_mean", 0.0, 1.0, False),
    "debt_share": ("population.debt_share", 0.0, 1.0, False),
    "newcomer_share": ("population.newcomer_share", 0.0, 1.0, False),
    "segregation": ("population.segregation", 0.0, 1.0, True),
    "bad_contact_prob": ("dynamics.trust.bad_contact_prob", 0.0, 1.0, False),
    "mayor_capacity": ("dynamics.tension.mayor_capacity", 0.0, 1.0, False),
    "responsiveness": ("dynamics.trust.responsiveness", 0.0, 1.0, False),
}


@dataclass
class DriversConfig:
    """Driver settings of a future: factors on the model's configured values.

    Each is None (the configured value stands) or a factor (>= 0) that multiplies the
    key it drives before the population is built and the burn-in runs (see
    :func:`apply_drivers`). Factors rather than values, so that a future composes with
    command-line overrides and sampled uncertainties of the same key; the product must
    stay in that key's range.

    Attributes:
        algorithmic_bias: multiplies dynamics.algorithmic_bias (gamma).
        unfollow: multiplies dynamics.bubbles.unfollow (q).
        online_share_mean: multiplies population.online_share_mean.
        debt_share: multiplies population.debt_share.
        newcomer_share: multiplies population.newcomer_share.
        segregation: multiplies population.segregation.
        bad_contact_prob: multiplies dynamics.trust.bad_contact_prob.
        mayor_capacity: multiplies dynamics.tension.mayor_capacity.
        responsiveness: multiplies dynamics.trust.responsiveness.
    """

    algorithmic_bias: float | None = None
    unfollow: float | None = None
    online_share_mean: float | None = None
    debt_share: float | None = None
    newcomer_share: float | None = None
    segregation: float | None = None
    bad_contact_prob: float | None = None
    mayor_capacity: float | None = None
    responsiveness: float | None = None


@dataclass
class ShockConfig:
    """A shock of a future: a registered kind, when, where and how strong.

    Attributes:
        kind: a registered shock kind (sim/shocks.py).
        week: the week it starts (>= 1; after the horizon it never happens), or None if
            it is drawn at ``rate``.
        rate: the chance per week that it starts (0-1), drawn from the shock's own
            random stream, or None if it is scheduled at ``week``.
        scope: where it strikes: ``all``, ``municipality:<index>``,
            ``municipality:random`` (drawn from the shock's stream) or
            ``group:<name>``; each kind says which it accepts.
        duration: weeks it lasts (>= 1), or None for the kind's default.
        effect: the kind's parameters by name; unset (or null) ones take the kind's
            default.
    """

    kind: str = ""
    week: int | None = None
    rate: float | None = None
    scope: str = "all"
    duration: int | None = None
    effect: dict[str, float | None] = field(default_factory=dict)


@dataclass
class ScenarioConfig:
    """A future: driver settings, shocks and extra registered rules (never a policy).

    Attributes:
        name: the future's name (as in reports).
        description: one sentence for a strategist.
        drivers: factors on model inputs this future changes.
        shocks: the shocks by name (the name keys the shock's random stream).
        rules: extra registered rules (from plug-ins) that operate in this future;
            they run after the built-in rules.
    """

    name: str = "baseline"
    description: str = ""
    drivers: DriversConfig = field(default_factory=DriversConfig)
    shocks: dict[str, ShockConfig] = field(default_factory=dict)
    rules: list[str] = field(default_factory=list)


@dataclass
class TargetConfig:
    """Whom an intervention may reach: the citizens who pass every filter set.

    With nothing set, everyone. Neighbourhoods are ranked when the intervention starts.

    Attributes:
        municipalities: only these municipalities (indices), or None for all.
        neighbourhoods: ``all``, or the ``k`` neighbourhoods with the ``lowest_trust``
            (mean trust of their citizens) or the ``highest_tension``.
        k: how many neighbourhoods (>= 1) for a ranked selection.
        group: only this group, or None.
        vulnerable: only vulnerable citizens: ``any`` flag, or ``debt``, ``newcomer``,
            ``ex_detainee``; None for everyone.
    """

    municipalities: list[int] | None = None
    neighbourhoods: str = "all"
    k: int = 3
    group: str | None = None
    vulnerable: str | None = None


@dataclass
class InterventionConfig:
    """One intervention of a policy: a registered kind, when, whom, budget and effect.

    Attributes:
        kind: a registered intervention kind (sim/interventions/).
        mode: the kind's mode (e.g. canvassing ``standard`` or ``deep``); None for the
            kind's first mode.
        start: the first week it acts (>= 1).
        end: the last week it acts, or None for the last week of the run.
        share: its share of the policy's budget (0-1; the shares sum to at most 1).
        unit_cost: euros per unit (a conversation, a coaching week, a trainee, a seat,
            a user-week, a citizen heard); None for the kind's documented default.
        capacity: units per week, fixed; None to derive it from the budget as
            budget / (unit_cost x active weeks). Spending never exceeds the budget.
        target: whom it may reach.
        effect: the kind's effect parameters by name; unset (or null) ones take the
            kind's default (for its mode).
    """

    kind: str = ""
    mode: str | None = None
    start: int = 1
    end: int | None = None
    share: float = 1.0
    unit_cost: float | None = None
    capacity: float | None = None
    target: TargetConfig = field(default_factory=TargetConfig)
    effect: dict[str, float | None] = field(default_factory=dict)


@dataclass
class PolicyConfig:
    """A policy: a budget and a package of interventions (never a future).

    Attributes:
        name: the policy's name (as in reports).
        description: one sentence for a strategist.
        budget: euros the policy may spend within the simulated horizon (>= 0); each
            intervention gets its ``share``. Policies compared in one study have the
            same budget by default, so a sweep can set it once (``policy.budget=...``).
        interventions: the interventions by name (the name keys its random stream and
            its metrics).
    """

    name: str = "none"
    description: str = ""
    budget: float = 0.0
    interventions: dict[str, InterventionConfig] = field(default_factory=dict)


@dataclass
class UncertaintyConfig:
    """Parameters sampled across their uncertainty ranges (a Latin hypercube design).

    See :mod:`sim.sweep.design`: the design is drawn from ``design_seed``, and
    ``sample`` picks this run's point; keys under ``policy.interventions.<name>`` are
    skipped in runs whose policy has no intervention ``<name>``.

    Attributes:
        params: config key (dotted) -> [low, high], e.g.
            ``dynamics.trust.bad_effect: [0.04, 0.12]``.
        intervention_effects: also sample every effect parameter of the run's
            interventions across the uncertainty range its kind declares
            (``params`` wins for a key given in both).
        samples: points in the design (0: no sampling).
        sample: the point this run uses (0 to samples - 1).
        design_seed: seed of the design (>= 0).
    """

    params: dict[str, list[Any]] = field(default_factory=dict)
    intervention_effects: bool = False
    samples: int = 0
    sample: int = 0
    design_seed: int = 0


@dataclass
class RunConfig:
    """A whole run.

    Attributes:
        seed: the root seed (any int >= 0; 0 is a seed like any other).
        steps: weeks simulated after the burn-in (>= 0).
        burn_in: weeks run before week 0 with no policy (>= 0).
        preset: name of the canonical special case the run reduces to, or ``none``.
        metrics_every: record metrics every this many weeks (>= 1).
        progress: show progress on long runs.
        plot: write cohesion.png.
    """

    seed: int = 0
    steps: int = 260
    burn_in: int = 156
    preset: str = "none"
    metrics_every: int = 1
    progress: bool = True
    plot: bool = True
    population: PopulationConfig = field(default_factory=PopulationConfig)
    network: NetworkConfig = field(default_factory=NetworkConfig)
    dynamics: DynamicsConfig = field(default_factory=DynamicsConfig)
    scenario: ScenarioConfig = field(default_factory=ScenarioConfig)
    policy: PolicyConfig = field(default_factory=PolicyConfig)
    uncertainty: UncertaintyConfig = field(default_factory=UncertaintyConfig)


def register_schema() -> None:
    """Register the schema as ``schema`` in Hydra's ConfigStore (idempotent)."""
    ConfigStore.instance().store(name="schema", node=RunConfig)


# --------------------------------------------------------------------------- checks

_NETWORK_KINDS = ("multiplex", "random_mixing", "regular", "caveman")
TARGET_NEIGHBOURHOODS = ("all", "lowest_trust", "highest_tension")
TARGET_VULNERABLE = ("any", "debt", "newcomer", "ex_detainee")
_NEW_FOLLOW = ("random", "triadic", "recommend")


def _finite(key: str, value: float) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ConfigError(key, f"must be a number, got {value!r}")
    if not math.isfinite(value):
        raise ConfigError(key, f"must be a finite number, got {value!r}")


def _range(
    key: str,
    value: float,
    lo: float | None = None,
    hi: float | None = None,
    *,
    lo_open: bool = False,
    hi_open: bool = False,
) -> None:
    """Check lo <= value <= hi (or strict where open); message says what is allowed."""
    _finite(key, value)
    bad = (lo is not None and (value <= lo if lo_open else value < lo)) or (
        hi is not None and (value >= hi if hi_open else value > hi)
    )
    if bad:
        left = "" if lo is None else ("(" if lo_open else "[") + _num(lo)
        right = "" if hi is None else _num(hi) + (")" if hi_open else "]")
        if lo is None:
            allowed = f"at most {_num(hi)}" if not hi_open else f"below {_num(hi)}"
        elif hi is None:
            allowed = f"at least {_num(lo)}" if not lo_open else f"above {_num(lo)}"
        else:
            allowed = f"in {left}, {right}"
        raise ConfigError(key, f"must be {allowed}, got {value!r}")


def _num(v: float | None) -> str:
    """A bound as people write it: 0.5, 2, 2,147,483,647."""
    if v is None:
        return ""
    if float(v).is_integer() and abs(v) >= 10_000:
        return f"{int(v):,}"
    return f"{v:g}"


def _choice(key: str, value: str, allowed: Iterable[str]) -> None:
    options = tuple(allowed)
    if value not in options:
        raise ConfigError(key, f"must be one of {', '.join(options)}; got {value!r}")


def _unit(prefix: str, obj: Any, names: Iterable[str]) -> None:
    for name in names:
        _range(f"{prefix}.{name}", getattr(obj, name), 0.0, 1.0)


def _nonneg(prefix: str, obj: Any, names: Iterable[str]) -> None:
    for name in names:
        _range(f"{prefix}.{name}", getattr(obj, name), 0.0)


def _check_population(p: PopulationConfig) -> None:
    _range("population.size", p.size, 2, 2**31 - 1)  # citizen ids are int32
    _range("population.municipalities", p.municipalities, 1, p.size)
    _choice("population.municipality_sizes", p.municipality_sizes, ("equal", "lognormal"))
    _range("population.municipality_size_sigma", p.municipality_size_sigma, 0.0, lo_open=True)
    _range("population.min_municipality_size", p.min_municipality_size, 1)
    if p.municipality_sizes == "lognormal" and p.min_municipality_size * p.municipalities > p.size:
        raise ConfigError(
            "population.min_municipality_size",
            f"times municipalities ({p.municipalities}) must not exceed population.size "
            f"({p.size}), got {p.min_municipality_size}",
        )
    hi, lo, m = p.max_municipality_size, p.min_municipality_size, p.municipalities
    if hi is not None and p.municipality_sizes == "lognormal" and m > 1:
        _range("population.max_municipality_size", hi, lo, p.size)
        if not (m - 1) * lo + hi <= p.size <= lo + (m - 1) * hi:
            raise ConfigError(
                "population.max_municipality_size",
                f"with {m} municipalities of {lo} to {hi} citizens the total must be between "
                f"{(m - 1) * lo + hi} and {lo + (m - 1) * hi}, got population.size={p.size}",
            )
    _range("population.neighbourhood_size", p.neighbourhood_size, 2)
    if not p.groups:
        raise ConfigError("population.groups", "must name at least one group")
    if len(p.groups) > 127:
        raise ConfigError("population.groups", f"at most 127 groups, got {len(p.groups)}")
    total = 0.0
    for name, g in p.groups.items():
        key = f"population.groups.{name}"
        _range(f"{key}.share", g.share, 0.0, 1.0)
        _range(f"{key}.opinion_mean", g.opinion_mean, 0.0, 1.0)
        _range(f"{key}.opinion_sd", g.opinion_sd, 0.0, 1.0)
        total += g.share
    if total <= 0.0:
        raise ConfigError("population.groups", "the shares must not all be 0")
    _range("population.segregation", p.segregation, 0.0, 1.0, hi_open=True)
    _choice("population.opinion_init", p.opinion_init, ("group", "uniform"))
    _unit(
        "population",
        p,
        (
            "trust_mean",
            "trust_sd",
            "prejudice_mean",
            "prejudice_sd",
            "debt_share",
            "newcomer_share",
            "ex_detainee_share",
            "online_share_mean",
            "participation_mean",
        ),
    )


def _check_network(n: NetworkConfig, size: int) -> None:
    _choice("network.kind", n.kind, _NETWORK_KINDS)
    _range("network.neighbourhood_degree", n.neighbourhood_degree, 0.0, 1000.0)
    _range("network.focus_degree", n.focus_degree, 0.0, 1000.0)
    _range("network.focus_size", n.focus_size, 2)
    _range("network.foci", n.foci, 0, 3)
    _unit("network", n, ("homophily", "online_homophily"))
    _range("network.online_degree", n.online_degree, 0, 1000)
    # degree and cave size are bounded by the population only where they are used
    _range("network.degree", n.degree, 1, max(1, size - 1) if n.kind == "regular" else None)
    if n.kind == "regular" and (n.degree * size) % 2:
        raise ConfigError(
            "network.degree", f"times population.size must be even, got {n.degree} x {size}"
        )
    _range("network.cave_size", n.cave_size, 2, size if n.kind == "caveman" else None)
    _range("network.long_range", n.long_range, 0.0, 100.0)


def _check_dynamics(d: DynamicsConfig) -> None:
    _range("dynamics.confidence", d.confidence, 0.0, 1.0, lo_open=True)
    _range("dynamics.confidence_spread", d.confidence_spread, 0.0, 1.0)
    _range("dynamics.convergence", d.convergence, 0.0, 0.5, lo_open=True)
    _range("dynamics.algorithmic_bias", d.algorithmic_bias, 0.0, 100.0)
    i = d.influence
    _choice("dynamics.influence.update", i.update, ("pairwise", "synchronous"))
    _choice("dynamics.influence.weighting", i.weighting, ("bounded_confidence", "similarity"))
    if i.repulsion is not None:
        _range("dynamics.influence.repulsion", i.repulsion, 0.0, 1.0, lo_open=True)
        if i.repulsion < d.confidence:
            raise ConfigError(
                "dynamics.influence.repulsion",
                f"must be at least dynamics.confidence ({d.confidence}), got {i.repulsion}",
            )
    _range("dynamics.influence.noise", i.noise, 0.0, 1.0)
    if i.negative_influence and i.weighting != "similarity":
        raise ConfigError(
            "dynamics.influence.negative_influence",
            "needs dynamics.influence.weighting=similarity (Flache & Macy weights)",
        )
    b = d.bubbles
    _unit("dynamics.bubbles", b, ("unfollow", "offline_turnover"))
    _choice("dynamics.bubbles.new_follow", b.new_follow, _NEW_FOLLOW)
    _range("dynamics.bubbles.prejudice_homophily", b.prejudice_homophily, 0.0, 1.0)
    t = d.trust
    _unit(
        "dynamics.trust",
        t,
        (
            "contact_rate",
            "bad_contact_prob",
            "good_effect",
            "bad_effect",
            "spread",
            "gap_erosion",
            "recovery",
            "tension_effect",
            "responsiveness",
        ),
    )
    _range("dynamics.trust.vulnerable_contact_factor", t.vulnerable_contact_factor, 0.0, 50.0)
    _range("dynamics.trust.vulnerable_bad_factor", t.vulnerable_bad_factor, 0.0, 50.0)
    _unit("dynamics.tension", d.tension, ("rise", "decay", "mayor_capacity"))
    _unit(
        "dynamics.prejudice",
        d.prejudice,
        ("contact_effect", "tension_effect", "relaxation"),
    )
    pa = d.participation
    _unit("dynamics.participation", pa, ("rate", "base", "trust_weight", "bridging_weight"))
    _range("dynamics.participation.election_interval", pa.election_interval, 1)


_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
CODE_HINT = (
    "scenario and policy files are data: they name registered kinds, never code to "
    "import (add a kind with a plug-in's entry point, see docs/interventions.md)"
)


def _check_name(key: str, name: str) -> None:
    if not _NAME.match(str(name)):
        raise ConfigError(
            key, f"a name must be letters, digits and _ (starting with a letter), got {name!r}"
        )


def _unknown_kind(key: str, kind: str, what: str, registered: Iterable[str]) -> ConfigError:
    names = ", ".join(sorted(registered))
    hint = f"; {CODE_HINT}" if any(c in kind for c in ".:/") else ""
    return ConfigError(key, f"unknown {what} {kind!r}; registered: {names}{hint}")


def _dotted(cfg: Any, path: str) -> tuple[Any, str]:
    *parents, attr = path.split(".")
    obj = cfg
    for part in parents:
        obj = getattr(obj, part)
    return obj, attr


def _check_scope(key: str, scope: str, accepted: tuple[str, ...], cfg: RunConfig) -> None:
    """Check a shock's scope against the kinds of scope its shock accepts."""
    forms = {
        "all": "all",
        "municipality": "municipality:<index> or municipality:random",
        "group": "group:<name>",
    }
    allowed = " or ".join(forms[a] for a in accepted)
    kind, _, value = scope.partition(":")
    if kind not in accepted or (kind == "all") == bool(value):
        raise ConfigError(key, f"must be {allowed}, got {scope!r}")
    if kind == "municipality" and value != "random":
        n = cfg.population.municipalities
        if not value.isdigit() or int(value) >= n:
            raise ConfigError(
                key, f"must name a municipality index 0-{n - 1} or 'random', got {value!r}"
            )
    if kind == "group" and value not in cfg.population.groups:
        raise ConfigError(
            key, f"must name a group ({', '.join(cfg.population.groups)}), got {value!r}"
        )


def _check_scenario(s: ScenarioConfig, cfg: RunConfig) -> None:
    from sim.interventions import intervention_kinds, rule_names  # they import this module
    from sim.shocks import shock_kinds

    for name, path_range in DRIVERS.items():
        factor = getattr(s.drivers, name)
        if factor is None:
            continue
        key = f"scenario.drivers.{name}"
        _range(key, factor, 0.0)
        path, lo, hi, hi_open = path_range
        obj, attr = _dotted(cfg, path)
        value = getattr(obj, attr) * factor
        if value < lo or (value >= hi if hi_open else value > hi):
            raise ConfigError(
                key,
                f"times {path} ({getattr(obj, attr)!r}) gives {value!r}, outside the range "
                f"of {path} ([{lo:g}, {hi:g}{')' if hi_open else ']'})",
            )
    shocks = shock_kinds()
    for name, shock in s.shocks.items():
        key = f"scenario.shocks.{name}"
        _check_name(key, name)
        if shock.kind not in shocks:
            if shock.kind in intervention_kinds():
                raise ConfigError(
                    f"{key}.kind",
                    f"{shock.kind!r} is an intervention, a lever of a policy; a future "
                    "cannot hold it (put it in a policy file)",
                )
            raise _unknown_kind(f"{key}.kind", shock.kind, "shock", shocks)
        if (shock.week is None) == (shock.rate is None):
            raise ConfigError(key, "give exactly one of week (scheduled) or rate (per week)")
        if shock.week is not None:
            _range(f"{key}.week", shock.week, 1)
        if shock.rate is not None:
            _range(f"{key}.rate", shock.rate, 0.0, 1.0)
        if shock.duration is not None:
            _range(f"{key}.duration", shock.duration, 1)
        kind = shocks[shock.kind]
        _check_scope(f"{key}.scope", shock.scope, kind.scopes, cfg)
        kind.check(key, shock, cfg)
    plugin_rules = rule_names()
    for i, rule in enumerate(s.rules):
        if rule not in plugin_rules:
            raise _unknown_kind(
                f"scenario.rules[{i}]", str(rule), "plug-in rule", plugin_rules or ["none"]
            )


def _check_target(key: str, t: TargetConfig, pop: PopulationConfig) -> None:
    if t.municipalities is not None:
        if not t.municipalities:
            raise ConfigError(f"{key}.municipalities", "must name at least one, or be null")
        for i, m in enumerate(t.municipalities):
            _range(f"{key}.municipalities[{i}]", m, 0, pop.municipalities - 1)
    _choice(f"{key}.neighbourhoods", t.neighbourhoods, TARGET_NEIGHBOURHOODS)
    _range(f"{key}.k", t.k, 1)
    if t.group is not None:
        _choice(f"{key}.group", t.group, pop.groups)
    if t.vulnerable is not None:
        _choice(f"{key}.vulnerable", t.vulnerable, TARGET_VULNERABLE)


def _check_policy(p: PolicyConfig, cfg: RunConfig) -> None:
    from sim.interventions import intervention_kinds  # it imports this module
    from sim.shocks import shock_kinds

    _range("policy.budget", p.budget, 0.0)
    kinds = intervention_kinds()
    total = 0.0
    for name, iv in p.interventions.items():
        key = f"policy.interventions.{name}"
        _check_name(key, name)
        if iv.kind not in kinds:
            if iv.kind in shock_kinds():
                raise ConfigError(
                    f"{key}.kind",
                    f"{iv.kind!r} is a shock, part of a future; a policy cannot hold it "
                    "(put it in a scenario file)",
                )
            raise _unknown_kind(f"{key}.kind", iv.kind, "intervention", kinds)
        kind = kinds[iv.kind]
        if iv.mode is not None:
            _choice(f"{key}.mode", iv.mode, kind.modes)
        _range(f"{key}.start", iv.start, 1)
        if iv.end is not None and iv.end < iv.start:
            raise ConfigError(
                f"{key}.end", f"must not be before start (week {iv.start}), got {iv.end}"
            )
        _range(f"{key}.share", iv.share, 0.0, 1.0)
        total += iv.share
        if iv.unit_cost is not None:
            _range(f"{key}.unit_cost", iv.unit_cost, 0.0, lo_open=True)
        if iv.capacity is not None:
            _range(f"{key}.capacity", iv.capacity, 0.0)
        _check_target(f"{key}.target", iv.target, cfg.population)
        kind.check(key, iv, cfg)
    if total > 1.0 + 1e-9:
        raise ConfigError(
            "policy.interventions",
            f"the shares of the budget must sum to at most 1, got {total:g}",
        )


def apply_drivers(cfg: RunConfig) -> RunConfig:
    """The config as the future's drivers make it: each driven key times its factor.

    Returns ``cfg`` itself if the future sets no driver, else a copy in which the driven
    keys hold their products and the drivers are spent (None), so that applying it
    again changes nothing. The config as given (in run.json) keeps the factors.
    """
    d = cfg.scenario.drivers
    factors = {n: getattr(d, n) for n in DRIVERS if getattr(d, n) is not None}
    if not factors:
        return cfg
    out = copy.deepcopy(cfg)
    for name, factor in factors.items():
        obj, attr = _dotted(out, DRIVERS[name][0])
        setattr(obj, attr, getattr(obj, attr) * factor)
        setattr(out.scenario.drivers, name, None)
    return out


def check(cfg: RunConfig) -> RunConfig:
    """Check every range of a typed config; raise ConfigError on the first violation."""
    _range("seed", cfg.seed, 0)
    _range("steps", cfg.steps, 0, 1_000_000)
    _range("burn_in", cfg.burn_in, 0, 1_000_000)
    _range("metrics_every", cfg.metrics_every, 1)
    _check_population(cfg.population)
    _check_network(cfg.network, cfg.population.size)
    _check_dynamics(cfg.dynamics)
    i = cfg.dynamics.influence
    if (
        i.enabled
        and i.update == "synchronous"
        and i.weighting == "similarity"
        and cfg.network.kind == "random_mixing"
    ):
        raise ConfigError(
            "dynamics.influence.weighting",
            "similarity with update=synchronous averages over each citizen's ties, so it "
            "needs a network (network.kind multiplex, regular or caveman), not random_mixing",
        )
    _check_scenario(cfg.scenario, cfg)
    _check_policy(cfg.policy, cfg)
    return cfg


def _check_keys(node: Any, schema: Any, prefix: str) -> None:
    """Refuse keys the schema does not have (e.g. added with ``+key=value``)."""
    hints = get_type_hints(schema)
    for key in node:
        full = f"{prefix}{key}"
        if key not in hints:
            allowed = ", ".join(hints)
            raise ConfigError(full, f"unknown key (misspelled?); allowed: {allowed}")
        value = node[key]
        hint = hints[key]
        if is_dataclass(hint) and isinstance(value, DictConfig):
            _check_keys(value, hint, f"{full}.")
        args = get_args(hint)
        if (
            get_origin(hint) is dict
            and len(args) == 2
            and is_dataclass(args[1])
            and isinstance(value, DictConfig)
        ):
            for name in value:
                item = value[name]
                if isinstance(item, DictConfig):
                    _check_keys(item, args[1], f"{full}.{name!s}.")


#: Keys that make Hydra instantiate or call code; a config file is data and has none.
CODE_KEYS = ("_target_", "_partial_", "_args_", "_recursive_", "_convert_")


def refuse_code(node: Any, prefix: str = "") -> None:
    """Refuse any key that would name code to run (``_target_`` and its kin), anywhere."""
    if not isinstance(node, DictConfig):
        return
    for key in node:
        full = f"{prefix}{key!s}"
        if str(key) in CODE_KEYS:
            raise ConfigError(full, f"not allowed: {CODE_HINT}")
        refuse_code(node._get_node(key), f"{full}.")


_SCHEMA: list[DictConfig] = []


def _schema() -> DictConfig:
    """``OmegaConf.structured(RunConfig)``, built once (12 of a validation's 41 ms)."""
    if not _SCHEMA:
        _SCHEMA.append(OmegaConf.structured(RunConfig))
    return _SCHEMA[0]


def _typed(cfg: DictConfig | RunConfig) -> RunConfig:
    if isinstance(cfg, RunConfig):
        return cfg
    keys = [str(k) for k in cfg if k != "hydra"]
    node = OmegaConf.masked_copy(cfg, keys) if "hydra" in cfg else cfg
    refuse_code(node)
    _check_keys(node, RunConfig, "")
    merged = OmegaConf.merge(_schema(), node)  # merge copies the schema, never changes it
    obj = OmegaConf.to_object(merged)
    assert isinstance(obj, RunConfig)
    return obj


def validate(cfg: DictConfig | RunConfig) -> RunConfig:
    """Turn a composed config into a checked :class:`RunConfig`.

    Raises:
        ConfigError: naming the first key that is out of range, and what is allowed.
    """
    from sim.sweep.design import apply_uncertainty  # sim.sweep imports this module

    return check(apply_uncertainty(_typed(cfg)))


def to_dict(cfg: RunConfig) -> dict[str, Any]:
    """The plain nested dict of a typed config (for hashing and run.json).

    The same dict as ``OmegaConf.to_container(OmegaConf.structured(cfg))`` (a test
    compares them on every shipped option), values converted to their fields' declared
    types as OmegaConf converts them (an int in a float field becomes a float), so
    config hashes are the same; it walks the dataclasses directly (0.2 ms against 33 ms
    here; it is called twice per job of a sweep).
    """
    out = _plain(cfg, RunConfig)
    assert isinstance(out, dict)
    return out


_HINTS: dict[type, dict[str, Any]] = {}


def _plain(value: Any, hint: Any) -> Any:
    """``value`` as plain dicts, lists and scalars, converted as OmegaConf would."""
    if is_dataclass(value) and not isinstance(value, type):
        cls = type(value)
        hints = _HINTS.get(cls)
        if hints is None:
            hints = _HINTS[cls] = get_type_hints(cls)
        return {f.name: _plain(getattr(value, f.name), hints[f.name]) for f in fields(value)}
    if value is None:
        return None
    args = [a for a in get_args(hint) if a is not type(None)]
    origin = get_origin(hint)
    if origin is not None and origin not in (dict, list, tuple) and len(args) == 1:
        return _plain(value, args[0])  # X | None
    if isinstance(value, dict):
        inner = args[1] if origin is dict and len(args) == 2 else Any
        return {str(k): _plain(v, inner) for k, v in value.items()}
    if isinstance(value, list | tuple):
        inner = args[0] if origin in (list, tuple) and args else Any
        return [_plain(v, inner) for v in value]
    if hint is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if hint is str and not isinstance(value, str):
        return str(value)
    return value


def field_names(obj: Any) -> list[str]:
    """Names of a dataclass's fields (helper for introspection in docs and tests)."""
    assert is_dataclass(obj)
    return [f.name for f in fields(obj)]
