"""The typed schema of a policy: its budget, its interventions and their targets.

Part of the configuration schema (:mod:`sim.config` re-exports every class here); it
imports nothing from the package. Budgets are intensities, so that the same policy
means the same thing in a town, a city and the whole country: euros per 1,000 citizens
per year of the run, unless a total is set; targets are shares, never counts.
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["InterventionConfig", "PolicyConfig", "TargetConfig"]


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
        budget: the budget's intensity, in euros per 1,000 citizens per year of the run
            (>= 0): a run of N citizens and S weeks may spend budget x N / 1,000 x S / 52
            euros in all. Policies compared in one study have the same intensity by
            default, so a sweep can set it once (``policy.budget=...``).
        budget_total: total euros within the run instead (>= 0), whatever its size and
            length; None to use ``budget``.
        interventions: the interventions by name (the name keys its random stream and
            its metrics); each gets its ``share`` of the total.
    """

    name: str = "none"
    description: str = ""
    budget: float = 0.0
    budget_total: float | None = None
    interventions: dict[str, InterventionConfig] = field(default_factory=dict)

    def total(self, citizens: int, weeks: int) -> float:
        """Euros the policy may spend in a run of ``citizens`` over ``weeks`` weeks."""
        if self.budget_total is not None:
            return float(self.budget_total)
        return float(self.budget) * citizens / 1000.0 * weeks / 52.0
