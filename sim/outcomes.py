"""The outcomes a run measures, declared once: name, label, unit, direction, anchors.

Every figure, table, summary and analysis reads its labels and directions from
:data:`OUTCOMES`; :mod:`sim.metrics` computes them in this order. The cohesion index
(after the Bertelsmann Social Cohesion Radar, Dragolov et al. 2016) maps each of its
components to [0, 1] between fixed anchors, ``(worst, best)``: a component is
``clip((value - worst) / (best - worst), 0, 1)``; components are averaged within their
domain, and the three domains averaged (x 100).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from sim.registry import Registry

__all__ = [
    "BRIDGING_WINDOW",
    "DOMAINS",
    "EXTRA_METRICS",
    "OUTCOMES",
    "TENSE",
    "CitizenMetric",
    "Outcome",
    "components",
    "higher_is_better",
    "label",
    "lower_is_better",
]


@dataclass(frozen=True)
class Outcome:
    """One outcome (a metric recorded for every scope each recorded week).

    Attributes:
        name: the metric's name in the time series.
        label: how figures and tables name it.
        unit: its unit or scale.
        higher_is_better: True if a rise is an improvement, False if a fall is, None if
            neither (a description, not a goal).
        fmt: how a value is printed.
        component: its name as a component of the cohesion index, if it is one.
        domain: the cohesion domain that component belongs to.
        anchor: (worst, best) values that map to 0 and 1 in the index.
    """

    name: str
    label: str
    unit: str
    higher_is_better: bool | None
    fmt: str = "{:.3f}"
    component: str | None = None
    domain: str | None = None
    anchor: tuple[float, float] | None = None


#: Weeks over which a realised contact across groups counts for the cohesion index
#: (``bridging_contact_recent``): a month, the usual "at least monthly" step of contact
#: frequency questions, long enough that one weekly matching missed does not count as
#: withdrawal, short enough that the index sees a change within a quarter.
BRIDGING_WINDOW = 4
#: Tension above which a neighbourhood counts as tense (``tense_neighbourhoods``): twice
#: the level at which the default dynamics settle (about 0.2, docs/model.md section 8), so
#: a neighbourhood is counted when a shock or sharply divided opinions have pushed it
#: well past the usual; a judgement, not a measured threshold.
TENSE = 0.4

_RELATIONS = "cohesion_social_relations"
_CONNECTED = "cohesion_connectedness"
_COMMON = "cohesion_common_good"

OUTCOMES: dict[str, Outcome] = {
    o.name: o
    for o in (
        Outcome("cohesion_index", "Cohesion index (0-100)", "index 0-100", True, "{:.1f}"),
        Outcome(_RELATIONS, "Social relations", "index 0-100", True, "{:.1f}"),
        Outcome(_CONNECTED, "Connectedness", "index 0-100", True, "{:.1f}"),
        Outcome(_COMMON, "Focus on the common good", "index 0-100", True, "{:.1f}"),
        Outcome(
            "trust_mean",
            "Political trust (mean)",
            "0-1",
            True,
            component="institutional_trust",
            domain=_CONNECTED,
            anchor=(0.0, 1.0),
        ),
        Outcome(
            "low_trust_share",
            "Share with low trust (< 0.3)",
            "share of citizens",
            False,
            "{:.1%}",
            component="few_distrustful",
            domain=_CONNECTED,
            anchor=(1.0, 0.0),
        ),
        Outcome(
            "trust_politics_share",
            "Trusting politics (share)",
            "share of citizens",
            True,
            "{:.1%}",
        ),
        Outcome(
            "trust_rule_of_law_share",
            "Trusting the rule of law (share)",
            "share of citizens",
            True,
            "{:.1%}",
        ),
        Outcome(
            "trust_people_share",
            "Trusting other people (share)",
            "share of citizens",
            True,
            "{:.1%}",
        ),
        Outcome(
            "dissatisfied_share",
            "Dissatisfied with national politics (share)",
            "share of citizens",
            False,
            "{:.1%}",
        ),
        Outcome(
            "prejudice_mean",
            "Prejudice towards out-groups (mean)",
            "0-1",
            False,
            component="acceptance",
            domain=_RELATIONS,
            anchor=(1.0, 0.0),
        ),
        Outcome("prejudice_sd", "Prejudice spread (sd over citizens)", "0-1", None),
        Outcome(
            "prejudice_muslims_mean",
            "Prejudice towards Muslims (mean, non-Muslims)",
            "0-1",
            False,
        ),
        Outcome(
            "tension_mean",
            "Neighbourhood tension (mean)",
            "0-1",
            False,
            component="low_tension",
            domain=_COMMON,
            anchor=(1.0, 0.0),
        ),
        Outcome("tension_max", "Most tense neighbourhood", "0-1", False),
        Outcome(
            "tense_neighbourhoods",
            f"Tense neighbourhoods (tension above {TENSE})",
            "neighbourhoods",
            False,
            "{:,.0f}",
        ),
        Outcome(
            "participation",
            "Participation propensity (mean)",
            "0-1",
            True,
            component="participation",
            domain=_COMMON,
            anchor=(0.0, 1.0),
        ),
        Outcome(
            "bridging_ties",
            "Ties across groups (share)",
            "share of ties",
            True,
            "{:.1%}",
            component="bridging",
            domain=_RELATIONS,
            anchor=(0.0, 0.5),
        ),
        Outcome(
            "bridging_contact_share",
            "Met someone of another group this week (share)",
            "share of citizens",
            True,
            "{:.1%}",
        ),
        Outcome(
            "bridging_contacts",
            "Citizens who met someone of another group this week",
            "citizens",
            True,
            "{:,.0f}",
        ),
        # The index's contact component: anchors 0 (nobody met anyone of another group
        # in the window) and 1 (everyone did), the share itself, unstretched. A
        # judgement: no Dutch statistic of monthly contact across origins was found to
        # set a "good" level (SCP, Dichter bij elkaar?, 2012: 56% of persons of Dutch
        # origin had (almost) never contact in their free time with migrants, 2011).
        # It replaces 1 - bubble_index, which a recommender rewiring follows could
        # raise without anyone meeting anyone.
        Outcome(
            "bridging_contact_recent",
            f"Met someone of another group in the last {BRIDGING_WINDOW} weeks (share)",
            "share of citizens",
            True,
            "{:.1%}",
            component="cross_group_contact",
            domain=_RELATIONS,
            anchor=(0.0, 1.0),
        ),
        Outcome(
            "bubble_index",
            "Bubble index (opinion-neighbour correlation)",
            "correlation -1 to 1",
            False,
        ),
        Outcome(
            "polarization",
            "Polarisation (Esteban-Ray, normalised)",
            "0-1",
            False,
            component="depolarised",
            domain=_COMMON,
            anchor=(1.0, 0.0),
        ),
        Outcome("bimodality", "Bimodality coefficient", "0-1 (5/9: uniform)", False),
        Outcome("opinion_mean", "Opinion (mean)", "0-1 (0.5: the centre)", None),
        Outcome("opinion_sd", "Opinion spread (sd)", "0-1", None),
    )
}

#: The cohesion index's domains and, in the order they are averaged, their components
#: (each component's outcome names its domain; a test checks that the two agree).
DOMAINS: dict[str, tuple[str, ...]] = {
    _RELATIONS: ("bridging", "acceptance", "cross_group_contact"),
    _CONNECTED: ("institutional_trust", "few_distrustful"),
    _COMMON: ("participation", "low_tension", "depolarised"),
}


@dataclass(frozen=True)
class CitizenMetric:
    """An extra metric: a value per citizen, recorded as its mean in every scope.

    Attributes:
        outcome: its declaration (name, label, unit, direction).
        values: ``model -> array`` of one number per citizen, read each recorded week.
    """

    outcome: Outcome
    values: Callable[[Any], NDArray[np.float64]]


#: Extra metrics by name, recorded in every run after the built-in ones: registered
#: in-process (``EXTRA_METRICS.register(name, CitizenMetric(...))``) or by plug-ins
#: (entry-point group ``cohesion_sim.metrics``).
EXTRA_METRICS: Registry[CitizenMetric] = Registry(
    "metric", "cohesion_sim.metrics", lambda obj: isinstance(obj, CitizenMetric)
)


def components() -> dict[str, Outcome]:
    """The cohesion index's components, by component name."""
    return {o.component: o for o in OUTCOMES.values() if o.component is not None}


def label(name: str) -> str:
    """An outcome's label (other metrics, e.g. events: their name in words)."""
    o = OUTCOMES.get(name)
    if o is None and name in EXTRA_METRICS:
        o = EXTRA_METRICS[name].outcome
    return o.label if o is not None else name.replace("_", " ")


def higher_is_better() -> tuple[str, ...]:
    """Outcomes for which a rise is an improvement."""
    return tuple(n for n, o in OUTCOMES.items() if o.higher_is_better is True)


def lower_is_better() -> tuple[str, ...]:
    """Outcomes for which a fall is an improvement."""
    return tuple(n for n, o in OUTCOMES.items() if o.higher_is_better is False)
