"""Range checks of a typed config: one clear message naming the key and what is allowed.

:func:`check` checks every value of a :class:`~sim.config.RunConfig` against its range
and the config's consistency, and raises :class:`~sim.config.ConfigError` at the first
violation. The kinds of interventions, shocks and extra rules are checked against the
registries the caller passes in (:class:`Kinds`); this module imports none of them, so
it sits just above the schema. :func:`typed` (from :mod:`sim.config_typed`) turns a
composed config (OmegaConf) into the dataclasses, refusing unknown keys and any key that
would name code to run.

Called once per run, at the edge, by :func:`sim.prepare.prepare`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from sim.config import (
    DRIVERS,
    ELECTION_KINDS,
    ConfigError,
    DynamicsConfig,
    NetworkConfig,
    PolicyConfig,
    PopulationConfig,
    RunConfig,
    ScenarioConfig,
    TargetConfig,
    dotted,
)
from sim.config_adaptive import check_adaptive
from sim.config_calibration import CALIBRATION_MODES
from sim.config_typed import CODE_HINT, CODE_KEYS, refuse_code, typed
from sim.people import years as trust_years
from sim.places import chosen, citizens, find_municipality, inhabitants

__all__ = [
    "CODE_HINT",
    "CODE_KEYS",
    "TARGET_NEIGHBOURHOODS",
    "TARGET_VULNERABLE",
    "Kinds",
    "check",
    "refuse_code",
    "typed",
]


@dataclass(frozen=True)
class Kinds:
    """What the checks need to know of the registries (the caller passes them in).

    Attributes:
        interventions: kind -> its class (``modes``; ``check(key, cfg, run)``).
        shocks: kind -> its class (``scopes``; ``check(key, cfg, run)``).
        rules: the extra rules (in-process or plug-in) a future may switch on.
    """

    interventions: Mapping[str, Any]
    shocks: Mapping[str, Any]
    rules: Collection[str]


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


_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def _date(key: str, value: str) -> None:
    try:
        if not _ISO_DAY.fullmatch(str(value)):
            raise ValueError(value)  # fromisoformat also takes 20160406 and 2016-W14-3
        date.fromisoformat(str(value))
    except ValueError:
        raise ConfigError(key, f"must be a date as YYYY-MM-DD, got {value!r}") from None


def _choice(key: str, value: str, allowed: Iterable[str]) -> None:
    options = tuple(allowed)
    if value not in options:
        raise ConfigError(key, f"must be one of {', '.join(options)}; got {value!r}")


def _unit(prefix: str, obj: Any, names: Iterable[str]) -> None:
    for name in names:
        _range(f"{prefix}.{name}", getattr(obj, name), 0.0, 1.0)


PLACES = ("synthetic", "netherlands", "municipality")
#: The CBS origins a group of real places stands for (data/README.md).
ORIGINS = ("netherlands", "europe", "outside_europe")
#: Outside Europe split into its four largest origins and the rest (sim/places.py).
FINE_ORIGINS = (
    "netherlands",
    "europe",
    "turkey",
    "morocco",
    "suriname",
    "caribbean",
    "other_outside_europe",
)
MAX_CITIZENS = 2**31 - 1  # citizen ids are int32


def _check_population(p: PopulationConfig) -> int:
    """Check the population; the number of citizens it makes."""
    _choice("population.places", p.places, PLACES)
    _range("population.fraction", p.fraction, 0.0, 1.0, lo_open=True)
    real = p.places != "synthetic"
    if p.places == "municipality":
        if p.municipality is None:
            raise ConfigError(
                "population.municipality",
                "must name a municipality for places: municipality (a CBS code such as "
                "GM0518, or a name such as 's-Gravenhage)",
            )
        find_municipality(p.municipality)
    if p.size is None and not real:
        raise ConfigError(
            "population.size",
            "must be a number for synthetic places (null stands for the real number of "
            "residents aged 15 and over, for real places)",
        )
    if p.size is not None:
        _range("population.size", p.size, 2, MAX_CITIZENS)
    n = citizens(p)
    low = 342 if p.places == "netherlands" else 2
    if not low <= n <= MAX_CITIZENS:
        raise ConfigError(
            "population.fraction",
            f"gives {n:,} citizens ({p.fraction:g} of {inhabitants(p):,} residents); "
            f"a population needs {_num(low)} to {_num(MAX_CITIZENS)}",
        )
    if not real:
        _check_synthetic_places(p, n)
    _range("population.neighbourhood_size", p.neighbourhood_size, 2)
    _check_groups(p, real)
    if p.trust_mean is not None:
        _range("population.trust_mean", p.trust_mean, 0.0, 1.0)
    _range("population.trust_sd", p.trust_sd, 0.0, 1.0)
    for kind in ("politics", "rule_of_law", "people"):
        _range(f"population.trust_lift.{kind}", getattr(p.trust_lift, kind), -3.0, 3.0)
    if str(p.trust_year) not in trust_years():
        raise ConfigError(
            "population.trust_year",
            f"must be a year with CBS's national shares of every trust "
            f"({', '.join(trust_years())}), got {p.trust_year!r}",
        )
    _range("population.segregation", p.segregation, 0.0, 1.0, hi_open=True)
    _choice("population.opinion_init", p.opinion_init, ("group", "uniform"))
    _unit(
        "population",
        p,
        (
            "trust_sd",
            "prejudice_mean",
            "prejudice_sd",
            "prejudice_muslims_share",
            "debt_share",
            "newcomer_share",
            "ex_detainee_share",
            "online_share_mean",
            "participation_mean",
        ),
    )
    return n


def _check_synthetic_places(p: PopulationConfig, n: int) -> None:
    _range("population.municipalities", p.municipalities, 1, n)
    _choice("population.municipality_sizes", p.municipality_sizes, ("equal", "lognormal"))
    _range("population.municipality_size_sigma", p.municipality_size_sigma, 0.0, lo_open=True)
    _range("population.min_municipality_size", p.min_municipality_size, 1)
    if p.municipality_sizes == "lognormal" and p.min_municipality_size * p.municipalities > n:
        raise ConfigError(
            "population.min_municipality_size",
            f"times municipalities ({p.municipalities}) must not exceed the citizens "
            f"({n}), got {p.min_municipality_size}",
        )
    hi, lo, m = p.max_municipality_size, p.min_municipality_size, p.municipalities
    if hi is not None and p.municipality_sizes == "lognormal" and m > 1:
        _range("population.max_municipality_size", hi, lo, n)
        if not (m - 1) * lo + hi <= n <= lo + (m - 1) * hi:
            raise ConfigError(
                "population.max_municipality_size",
                f"with {m} municipalities of {lo} to {hi} citizens the total must be between "
                f"{(m - 1) * lo + hi} and {lo + (m - 1) * hi}, got {n} citizens",
            )


def _check_groups(p: PopulationConfig, real: bool) -> None:
    if not p.groups:
        raise ConfigError("population.groups", "must name at least one group")
    if len(p.groups) > 127:
        raise ConfigError("population.groups", f"at most 127 groups, got {len(p.groups)}")
    total = 0.0
    for name, g in p.groups.items():
        key = f"population.groups.{name}"
        _range(f"{key}.share", g.share, 0.0, 1.0)
        if g.origin is not None:
            _choice(f"{key}.origin", g.origin, sorted({*ORIGINS, *FINE_ORIGINS}))
        _range(f"{key}.opinion_mean", g.opinion_mean, 0.0, 1.0)
        _range(f"{key}.muslim_share", g.muslim_share, 0.0, 1.0)
        _range(f"{key}.opinion_sd", g.opinion_sd, 0.0, 1.0)
        total += g.share
    if total <= 0.0:
        raise ConfigError("population.groups", "the shares must not all be 0")
    origins = sorted(str(g.origin) for g in p.groups.values())
    if real and origins not in (sorted(ORIGINS), sorted(FINE_ORIGINS)):
        raise ConfigError(
            "population.groups",
            f"real places need one group for each CBS origin ({', '.join(ORIGINS)}), "
            f"or with outside Europe split ({', '.join(FINE_ORIGINS)}), given by its "
            f"origin key; got {', '.join(origins)}",
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
            "rule_of_law_tension_effect",
            "rule_of_law_recovery",
            "people_contact_effect",
            "people_tension_effect",
            "people_recovery",
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
    _range("dynamics.participation.parliament_factor", pa.parliament_factor, 0.0, 10.0)
    _range("dynamics.participation.municipal_factor", pa.municipal_factor, 0.0, 10.0)


_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")


def _check_name(key: str, name: str) -> None:
    if not _NAME.match(str(name)):
        raise ConfigError(
            key, f"a name must be letters, digits and _ (starting with a letter), got {name!r}"
        )


def _unknown_kind(key: str, kind: str, what: str, registered: Iterable[str]) -> ConfigError:
    names = ", ".join(sorted(registered))
    hint = f"; {CODE_HINT}" if any(c in kind for c in ".:/") else ""
    return ConfigError(key, f"unknown {what} {kind!r}; registered: {names}{hint}")


def _codes(p: PopulationConfig) -> list[str]:
    """The codes of a population's municipalities (indices as text in synthetic places)."""
    if p.places == "synthetic":
        return [str(m) for m in range(p.municipalities)]
    return list(chosen(p)["code"])


def _check_scope(key: str, scope: str, accepted: tuple[str, ...], cfg: RunConfig) -> None:
    """Check a shock's scope against the kinds of scope its shock accepts."""
    forms = {
        "all": "all",
        "municipality": "municipality:<index or code> or municipality:random",
        "group": "group:<name>",
    }
    allowed = " or ".join(forms[a] for a in accepted)
    kind, _, value = scope.partition(":")
    if kind not in accepted or (kind == "all") == bool(value):
        raise ConfigError(key, f"must be {allowed}, got {scope!r}")
    if kind == "municipality" and value != "random":
        codes = _codes(cfg.population)
        if not (value.isdigit() and int(value) < len(codes)) and value not in codes:
            named = f" or a code ({', '.join(codes[:3])}, ...)" if codes[0].startswith("GM") else ""
            raise ConfigError(
                key,
                f"must name a municipality index 0-{len(codes) - 1}{named} or 'random', "
                f"got {value!r}",
            )
    if kind == "group" and value not in cfg.population.groups:
        raise ConfigError(
            key, f"must name a group ({', '.join(cfg.population.groups)}), got {value!r}"
        )


def _check_scenario(s: ScenarioConfig, cfg: RunConfig, kinds: Kinds) -> None:
    for name, path_range in DRIVERS.items():
        factor = getattr(s.drivers, name)
        if factor is None:
            continue
        key = f"scenario.drivers.{name}"
        _range(key, factor, 0.0)
        path, lo, hi, hi_open = path_range
        obj, attr = dotted(cfg, path)
        value = getattr(obj, attr) * factor
        if value < lo or (value >= hi if hi_open else value > hi):
            raise ConfigError(
                key,
                f"times {path} ({getattr(obj, attr)!r}) gives {value!r}, outside the range "
                f"of {path} ([{lo:g}, {hi:g}{')' if hi_open else ']'})",
            )
    shocks = kinds.shocks
    for name, shock in s.shocks.items():
        key = f"scenario.shocks.{name}"
        _check_name(key, name)
        if shock.kind not in shocks:
            if shock.kind in kinds.interventions:
                raise ConfigError(
                    f"{key}.kind",
                    f"{shock.kind!r} is an intervention, a lever of a policy; a future "
                    "cannot hold it (put it in a policy file)",
                )
            raise _unknown_kind(f"{key}.kind", shock.kind, "shock", shocks)
        if shock.week is not None and shock.date is not None:
            raise ConfigError(f"{key}.date", "give week or date, not both")
        if (shock.week is None and shock.date is None) == (shock.rate is None):
            raise ConfigError(
                key, "give exactly one of week or date (scheduled) or rate (per week)"
            )
        if shock.week is not None:
            _range(f"{key}.week", shock.week, 1)
        if shock.date is not None:
            _date(f"{key}.date", shock.date)
        if shock.rate is not None:
            _range(f"{key}.rate", shock.rate, 0.0, 1.0)
        if shock.duration is not None:
            _range(f"{key}.duration", shock.duration, 1)
        kind = shocks[shock.kind]
        _check_scope(f"{key}.scope", shock.scope, kind.scopes, cfg)
        kind.check(key, shock, cfg)
    for name, election in s.elections.items():
        key = f"scenario.elections.{name}"
        _check_name(key, name)
        _choice(f"{key}.kind", election.kind, ELECTION_KINDS)
        _date(f"{key}.date", election.date)
    for i, rule in enumerate(s.rules):
        if rule not in kinds.rules:
            raise _unknown_kind(
                f"scenario.rules[{i}]", str(rule), "extra rule", kinds.rules or ["none"]
            )


def _check_target(key: str, t: TargetConfig, pop: PopulationConfig) -> None:
    if t.municipalities is not None:
        if not t.municipalities:
            raise ConfigError(f"{key}.municipalities", "must name at least one, or be null")
        for i, m in enumerate(t.municipalities):
            _range(f"{key}.municipalities[{i}]", m, 0, len(_codes(pop)) - 1)
    _choice(f"{key}.neighbourhoods", t.neighbourhoods, TARGET_NEIGHBOURHOODS)
    _range(f"{key}.share", t.share, 0.0, 1.0, lo_open=True)
    if t.group is not None:
        _choice(f"{key}.group", t.group, pop.groups)
    if t.vulnerable is not None:
        _choice(f"{key}.vulnerable", t.vulnerable, TARGET_VULNERABLE)


def _check_policy(p: PolicyConfig, cfg: RunConfig, kinds: Kinds) -> None:
    _range("policy.budget", p.budget, 0.0)
    if p.budget_total is not None:
        _range("policy.budget_total", p.budget_total, 0.0)
    registered = kinds.interventions
    total = 0.0
    for name, iv in p.interventions.items():
        key = f"policy.interventions.{name}"
        _check_name(key, name)
        if iv.kind not in registered:
            if iv.kind in kinds.shocks:
                raise ConfigError(
                    f"{key}.kind",
                    f"{iv.kind!r} is a shock, part of a future; a policy cannot hold it "
                    "(put it in a scenario file)",
                )
            raise _unknown_kind(f"{key}.kind", iv.kind, "intervention", registered)
        kind = registered[iv.kind]
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
    check_adaptive(p, registered)


def check(cfg: RunConfig, kinds: Kinds) -> RunConfig:
    """Check every range of a typed config; raise ConfigError on the first violation.

    Args:
        cfg: the typed config (uncertain parameters already applied).
        kinds: the registered kinds the scenario and policy may name.
    """
    _range("seed", cfg.seed, 0)
    _date("start_date", cfg.start_date)
    _range("steps", cfg.steps, 0, 1_000_000)
    _range("burn_in", cfg.burn_in, 0, 1_000_000)
    _range("metrics_every", cfg.metrics_every, 1)
    _range("small_scope", cfg.small_scope, 0)
    n = _check_population(cfg.population)
    _check_network(cfg.network, n)
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
    _check_scenario(cfg.scenario, cfg, kinds)
    _check_policy(cfg.policy, cfg, kinds)
    _choice("calibration.mode", cfg.calibration.mode, CALIBRATION_MODES)
    if cfg.calibration.member is not None:
        _range("calibration.member", cfg.calibration.member, 0)
    return cfg
