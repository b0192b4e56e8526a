"""The typed schema of a policy: its budget, its interventions and their targets.

Part of the configuration schema (:mod:`sim.config` re-exports every class here); it
imports nothing from the package. Budgets are intensities, so that the same policy
means the same thing in a town, a city and the whole country: euros per 1,000 citizens
per year of the run, unless a total is set; targets are shares, never counts.
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = [
    "SIGNPOSTS",
    "TRIGGER_SCOPES",
    "InterventionConfig",
    "PolicyConfig",
    "SurveyConfig",
    "TargetConfig",
    "TriggerConfig",
]

#: The shares a survey can measure, each the share of respondents for whom a statement
#: holds (sim/adaptive.py defines them on the citizens' state).
SIGNPOSTS = (
    "trust_politics_share",
    "trust_rule_of_law_share",
    "trust_people_share",
    "low_trust_share",
    "dissatisfied_share",
)
#: The kinds of scope a trigger reads and acts in, each on its own.
TRIGGER_SCOPES = ("all", "municipality", "neighbourhood")


@dataclass
class TargetConfig:
    """Whom an intervention may reach: the citizens who pass every filter set.

    With nothing set, everyone. Neighbourhoods are ranked when the intervention starts.

    Attributes:
        municipalities: only these municipalities (indices), or None for all.
        neighbourhoods: ``all``, or the neighbourhoods with the ``lowest_trust`` (mean
            political trust of their citizens) or the ``highest_tension``.
        share: for a ranked selection, the share of the neighbourhoods (those with
            citizens passing the other filters) that is chosen, at least one
            (0 < share <= 1).
        group: only this group, or None.
        vulnerable: only vulnerable citizens: ``any`` flag, or ``debt``, ``newcomer``,
            ``ex_detainee``; None for everyone.
    """

    municipalities: list[int] | None = None
    neighbourhoods: str = "all"
    share: float = 0.1
    group: str | None = None
    vulnerable: str | None = None


@dataclass
class TriggerConfig:
    """When an adaptive intervention acts: a signpost, read from a survey, per scope.

    In each scope of the kind ``scope`` on its own, the intervention starts when the
    survey's estimate of ``signpost`` has been beyond the trigger (``below`` or
    ``above``, one of them) in ``waves`` consecutive waves, and acts there, within its
    window, until the estimate is back beyond ``recover`` (default: the trigger level)
    in ``recover_waves`` consecutive waves. Decisions are taken when a wave's results
    are in (the survey's ``delay`` after its fieldwork), never on the exact state.

    Attributes:
        signpost: the surveyed share (:data:`sim.adaptive.SIGNPOSTS`).
        scope: ``all``, ``municipality`` or ``neighbourhood``.
        below: start where the estimate is below this share (0-1), or None.
        above: start where the estimate is above this share (0-1), or None.
        waves: consecutive waves beyond the trigger before it starts (>= 1).
        recover: stop where the estimate is back at or beyond this share (on the good
            side of the trigger), or None for the trigger level itself.
        recover_waves: consecutive recovered waves before it stops (>= 1).
        switch_after: weeks after starting in a scope at which, if the estimate has not
            improved by ``min_change`` since the wave that started it, it stops there
            for good and ``switch_to`` starts there; None never to switch.
        min_change: the improvement (a share, >= 0) that counts as moving the signpost.
        switch_to: another intervention of the policy (with a trigger on the same
            scope kind) to start where this one has not worked, or None.
        by_switch: start only where another intervention switches to it (its own
            trigger level then only says when it has recovered), not on its own.
    """

    signpost: str = ""
    scope: str = "municipality"
    below: float | None = None
    above: float | None = None
    waves: int = 2
    recover: float | None = None
    recover_waves: int = 1
    switch_after: int | None = None
    min_change: float = 0.02
    switch_to: str | None = None
    by_switch: bool = False


@dataclass
class SurveyConfig:
    """The survey adaptive interventions read: a random sample per scope, in waves.

    Attributes:
        sample: respondents per scope and wave (a simple random sample of its
            citizens, all of them where it has fewer); the estimate's standard error
            is about sqrt(p(1-p)/sample).
        every: weeks between waves (13: quarterly).
        first: the week of the first wave (>= 1).
        delay: weeks from a wave's fieldwork until its results are acted on (>= 0).
    """

    sample: int = 400
    every: int = 13
    first: int = 13
    delay: int = 4


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
        trigger: None to act throughout its window; or when and where to act, read
            from the policy's survey (an adaptive intervention).
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
    trigger: TriggerConfig | None = None


@dataclass
class PolicyConfig:
    """A policy: a budget and a package of interventions (never a future).

    Attributes:
        name: the policy's name (as in reports).
        description: one sentence for a strategist.
        budget: the budget's intensity, in euros per 1,000 citizens per year of the run
            (>= 0): a run of N citizens and S weeks may spend budget x N / 1,000 x S / 52
            euros in all. Policies compared in one study have the same intensity by
            default, so a sweep can set it once (``policy.budget=...``).
        budget_total: total euros within the run instead (>= 0), whatever its size and
            length; None to use ``budget``.
        interventions: the interventions by name (the name keys its random stream and
            its metrics); each gets its ``share`` of the total.
        survey: the survey that adaptive interventions (those with a ``trigger``) read.
    """

    name: str = "none"
    description: str = ""
    budget: float = 0.0
    budget_total: float | None = None
    interventions: dict[str, InterventionConfig] = field(default_factory=dict)
    survey: SurveyConfig = field(default_factory=SurveyConfig)

    def total(self, citizens: int, weeks: int) -> float:
        """Euros the policy may spend in a run of ``citizens`` over ``weeks`` weeks."""
        if self.budget_total is not None:
            return float(self.budget_total)
        return float(self.budget) * citizens / 1000.0 * weeks / 52.0
