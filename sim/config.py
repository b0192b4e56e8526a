"""Typed configuration schema and range checks.

The schema is a tree of dataclasses registered in Hydra's ConfigStore, so Hydra and
OmegaConf reject unknown keys and wrong types while composing. Ranges are checked once,
here, by :func:`validate`, which turns a composed config into typed objects and raises a
:class:`ConfigError` naming the key and what is allowed. Code after this point never
reads raw dicts.

Defaults here are only the schema's fallbacks; the documented defaults, each with its
source, live in ``configs/``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field, fields, is_dataclass
from typing import Any, get_args, get_origin, get_type_hints

from hydra.core.config_store import ConfigStore
from omegaconf import DictConfig, OmegaConf

__all__ = [
    "ConfigError",
    "DynamicsConfig",
    "GroupConfig",
    "InterventionConfig",
    "NetworkConfig",
    "PolicyConfig",
    "PopulationConfig",
    "RunConfig",
    "ScenarioConfig",
    "ShockConfig",
    "UncertaintyConfig",
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
    segregation: float = 0.0
    opinion_init: str = "group"
    trust_mean: float = 0.5
    trust_sd: float = 0.15
    prejudice_mean: float = 0.3
    prejudice_sd: float = 0.1
    debt_share: float = 0.0
    newcomer_share: float = 0.0
    ex_detainee_share: float = 0.0
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
    neighbourhood_degree: float = 6.0
    focus_degree: float = 2.0
    focus_size: int = 40
    foci: int = 2
    homophily: float = 0.5
    online_degree: int = 8
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
    noise: float = 0.0


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
    spread: float = 0.02
    gap_erosion: float = 0.01
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

    confidence: float = 0.3
    confidence_spread: float = 0.0
    convergence: float = 0.3
    algorithmic_bias: float = 0.0
    influence: InfluenceConfig = field(default_factory=InfluenceConfig)
    bubbles: BubblesConfig = field(default_factory=BubblesConfig)
    trust: TrustConfig = field(default_factory=TrustConfig)
    tension: TensionConfig = field(default_factory=TensionConfig)
    prejudice: PrejudiceConfig = field(default_factory=PrejudiceConfig)
    participation: ParticipationConfig = field(default_factory=ParticipationConfig)


@dataclass
class ShockConfig:
    """A shock of a future: a registered kind, when, where and how strong."""

    kind: str = ""
    week: int | None = None
    rate: float | None = None
    scope: str = "all"
    magnitude: float = 0.0
    duration: int = 1


@dataclass
class ScenarioConfig:
    """A future: driver settings and shocks (never a policy)."""

    name: str = "baseline"
    description: str = ""
    shocks: dict[str, ShockConfig] = field(default_factory=dict)


@dataclass
class InterventionConfig:
    """One intervention of a policy: a registered kind, when, whom, budget and effect."""

    kind: str = ""
    start: int = 1
    end: int = 260
    budget: float = 0.0
    unit_cost: float = 1.0
    capacity: float | None = None
    target: str = "everyone"
    effect: dict[str, float] = field(default_factory=dict)


@dataclass
class PolicyConfig:
    """A policy: a package of interventions (never a future)."""

    name: str = "none"
    description: str = ""
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
    burn_in: int = 52
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
    _range("network.degree", n.degree, 1, max(1, size - 1))
    if n.kind == "regular" and (n.degree * size) % 2:
        raise ConfigError(
            "network.degree", f"times population.size must be even, got {n.degree} x {size}"
        )
    _range("network.cave_size", n.cave_size, 2, size)
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


def _check_scenario(s: ScenarioConfig, steps: int) -> None:
    for name, shock in s.shocks.items():
        key = f"scenario.shocks.{name}"
        if not shock.kind:
            raise ConfigError(f"{key}.kind", "must name a registered shock")
        if (shock.week is None) == (shock.rate is None):
            raise ConfigError(key, "give exactly one of week (scheduled) or rate (per week)")
        if shock.week is not None:
            _range(f"{key}.week", shock.week, 1)
        if shock.rate is not None:
            _range(f"{key}.rate", shock.rate, 0.0, 1.0)
        _range(f"{key}.magnitude", shock.magnitude, -1.0, 1.0)
        _range(f"{key}.duration", shock.duration, 1)


def _check_policy(p: PolicyConfig) -> None:
    for name, iv in p.interventions.items():
        key = f"policy.interventions.{name}"
        if not iv.kind:
            raise ConfigError(f"{key}.kind", "must name a registered intervention")
        _range(f"{key}.start", iv.start, 1)
        _range(f"{key}.end", iv.end, 1)
        if iv.end < iv.start:
            raise ConfigError(
                f"{key}.end", f"must not be before start (week {iv.start}), got {iv.end}"
            )
        _range(f"{key}.budget", iv.budget, 0.0)
        _range(f"{key}.unit_cost", iv.unit_cost, 0.0, lo_open=True)
        if iv.capacity is not None:
            _range(f"{key}.capacity", iv.capacity, 0.0)
        for ename, value in iv.effect.items():
            _finite(f"{key}.effect.{ename}", value)


def check(cfg: RunConfig) -> RunConfig:
    """Check every range of a typed config; raise ConfigError on the first violation."""
    _range("seed", cfg.seed, 0)
    _range("steps", cfg.steps, 0, 1_000_000)
    _range("burn_in", cfg.burn_in, 0, 1_000_000)
    _range("metrics_every", cfg.metrics_every, 1)
    _check_population(cfg.population)
    _check_network(cfg.network, cfg.population.size)
    _check_dynamics(cfg.dynamics)
    _check_scenario(cfg.scenario, cfg.steps)
    _check_policy(cfg.policy)
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


def _typed(cfg: DictConfig | RunConfig) -> RunConfig:
    if isinstance(cfg, RunConfig):
        return cfg
    keys = [str(k) for k in cfg if k != "hydra"]
    node = OmegaConf.masked_copy(cfg, keys) if "hydra" in cfg else cfg
    _check_keys(node, RunConfig, "")
    merged = OmegaConf.merge(OmegaConf.structured(RunConfig), node)
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
    """The plain nested dict of a typed config (for hashing and run.json)."""
    out = OmegaConf.to_container(OmegaConf.structured(cfg), resolve=True)
    assert isinstance(out, dict)
    return {str(k): v for k, v in out.items()}


def field_names(obj: Any) -> list[str]:
    """Names of a dataclass's fields (helper for introspection in docs and tests)."""
    assert is_dataclass(obj)
    return [f.name for f in fields(obj)]
