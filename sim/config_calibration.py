"""The typed schema of a run's calibration: which fitted parameter set it uses.

Part of the configuration schema (:mod:`sim.config` re-exports every class here); it
imports nothing from the package. A calibration is a table of parameter sets (an
ensemble of members, each a value per config key) fitted to the measured country
(:mod:`sim.calibration`). A run uses none of them, the best-supported one, one chosen by
its seed, or one named; the chosen member's values replace the config's, except where
the config itself changed a key from its default (docs/calibration.md).
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["CALIBRATION_MODES", "CalibrationConfig", "TrustLift"]

#: ``none``: the configured values; ``best``: the best-supported member; ``posterior``:
#: member ``seed mod members``, so runs that share a seed share a member.
CALIBRATION_MODES = ("none", "best", "posterior")


@dataclass
class CalibrationConfig:
    """Which member of a fitted ensemble a run takes its calibrated values from.

    Attributes:
        mode: ``none``, ``best`` or ``posterior`` (see :data:`CALIBRATION_MODES`).
        ensemble: a shipped ensemble's name (``history``: fitted to 2012-2024) or the
            path of an ensemble file (CSV: ``member`` and one column per config key).
        member: if set, this member (0 to members - 1), whatever the mode.
        patterns: write ``patterns.csv`` into the run directory: each calibration
            target as this run simulated it (used by the calibration's own runs).
    """

    mode: str = "best"
    ensemble: str = "history"
    member: int | None = None
    patterns: bool = False


@dataclass
class TrustLift:
    """How far each kind of dispositional trust lies above the level CBS measures.

    A citizen's trust recovers towards its dispositional level while contacts, the
    distance to the government and tension erode it, so the measured share is below the
    share of dispositions above the threshold. The lift is added on the probit scale
    (sim/people.py); no survey measures it, so it is fitted (sim/calibration).

    Attributes:
        politics: lift of political trust (-3 to 3).
        rule_of_law: lift of trust in the rule of law (-3 to 3).
        people: lift of trust in other people (-3 to 3).
    """

    politics: float = 0.0
    rule_of_law: float = 0.0
    people: float = 0.0
