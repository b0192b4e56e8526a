"""The calibrated parameters: each with its prior range and why.

No study gives any of these as a weekly rate, so every prior is a judgement, uniform
over a range wide enough to include small effects and (for the lifts) none at all. The
ranges of the shocks' sizes are those the history future states with each event
(configs/scenario/history.yaml). ``after`` is the first date a parameter can act on:
an out-of-sample calibration on the years before a date leaves the later events'
sizes at their priors.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

__all__ = ["PARAMS", "SHOCKS", "Prior", "params_until"]


@dataclass(frozen=True)
class Prior:
    """A calibrated parameter's config key, its uniform prior range and its basis."""

    key: str
    low: float
    high: float
    basis: str
    after: date = date(1900, 1, 1)


PARAMS: tuple[Prior, ...] = (
    Prior(
        "population.trust_lift.politics",
        0.0,
        1.5,
        "judgement: dispositions from as measured (0) to 1.5 spreads above it (at 1.5, "
        "three quarters would trust parliament after the burn-in, more than any year measured)",
    ),
    Prior("population.trust_lift.rule_of_law", 0.0, 1.5, "judgement: as political trust"),
    Prior("population.trust_lift.people", 0.0, 1.5, "judgement: as political trust"),
    Prior(
        "dynamics.trust.recovery",
        0.005,
        0.08,
        "judgement: a half-life of 8 weeks to 2.6 years for political trust",
    ),
    Prior(
        "dynamics.trust.gap_erosion",
        0.0,
        0.06,
        "judgement: none to 6% a week per unit of opinion gap to the government",
    ),
    Prior(
        "dynamics.trust.bad_effect",
        0.02,
        0.16,
        "Skogan (2006): a bad police contact weighs 4-14 times a good one (good_effect 0.02 "
        "gives 0.08-0.28); widened down to 1 times",
    ),
    Prior(
        "dynamics.trust.contact_rate",
        0.005,
        0.06,
        "judgement: one institutional contact in four years to three a year",
    ),
    Prior("dynamics.trust.tension_effect", 0.0, 0.05, "judgement: none to 5% a week at tension 1"),
    Prior("dynamics.trust.rule_of_law_recovery", 0.005, 0.08, "judgement: as political trust"),
    Prior("dynamics.trust.people_recovery", 0.005, 0.08, "judgement: as political trust"),
    Prior(
        "dynamics.trust.people_contact_effect",
        0.0,
        0.04,
        "judgement: a favourable contact across groups closes none to 4% of the gap",
    ),
    Prior(
        "dynamics.participation.parliament_factor",
        1.0,
        1.7,
        "data/elections.csv: general-election turnout 75-82% against a mean propensity "
        "of about 0.5-0.6 after the burn-in",
    ),
    Prior(
        "dynamics.participation.municipal_factor",
        0.6,
        1.2,
        "data/elections.csv: municipal turnout 50-55%",
    ),
)


def _shock(name: str, param: str, low: float, high: float, when: date, basis: str) -> Prior:
    return Prior(f"scenario.shocks.{name}.effect.{param}", low, high, basis, when)


#: The sizes of the history's events (configs/scenario/history.yaml states each range
#: and its reason beside the event).
SHOCKS: tuple[Prior, ...] = (
    _shock("ukraine_referendum", "trust_loss", 0.0, 0.4, date(2016, 4, 6), "judgement"),
    _shock(
        "intelligence_act_referendum",
        "turnout_factor",
        0.37,
        0.7,
        date(2018, 3, 21),
        "without and with the pull of the council elections held the same day",
    ),
    _shock("rally_2020", "share_rise", 0.02, 0.2, date(2020, 3, 16), "CBS: 44% in Q1, 58% in Q2"),
    _shock("rally_2020", "half_life", 8.0, 104.0, date(2020, 3, 16), "judgement (weeks)"),
    _shock("benefits_scandal", "vulnerable_loss", 0.0, 0.5, date(2020, 12, 17), "judgement"),
    _shock("benefits_scandal", "others_loss", 0.0, 0.1, date(2020, 12, 17), "judgement"),
    _shock("energy_2022", "trust_loss", 0.0, 0.2, date(2022, 2, 24), "judgement"),
    _shock("groningen_inquiry", "others_loss", 0.0, 0.05, date(2023, 2, 24), "judgement"),
)
PARAMS = PARAMS + SHOCKS


def params_until(until: date | None) -> tuple[Prior, ...]:
    """The parameters a calibration on the years up to ``until`` can learn."""
    return tuple(p for p in PARAMS if until is None or p.after <= until)
