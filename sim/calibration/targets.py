"""The measured patterns of 2012-2024 the model is calibrated against.

``data/calibration_targets.csv`` (sources and checks in data/README.md) holds one row per
published figure: the model metric it is compared with, the scope (the whole country,
an education level, an origin group, an age band, a municipality or a province), the
dates the figure covers, the share and its sampling standard error. Trust in the rule
of law is the mean of trust in the police and in judges.

A change between two periods is a pattern of its own (:data:`CHANGES`): a model that
gets every level a little wrong in the same direction may still get a rise right, and
the calibration asks for both.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from sim.datafiles import data_file

__all__ = [
    "CHANGES",
    "METRICS",
    "Change",
    "changes",
    "load_targets",
]

TARGETS_FILE = "calibration_targets.csv"
#: The model metrics a target may name.
METRICS = (
    "trust_politics_share",
    "trust_rule_of_law_share",
    "trust_people_share",
    "turnout_parliament",
    "turnout_municipal",
    "turnout_referendum",
    "dissatisfied_share",
)
#: Model metrics recorded as events (at an election), not every week.
EVENT_METRICS = ("turnout_parliament", "turnout_municipal", "turnout_referendum")
COLUMNS = ("pattern", "metric", "scope", "start", "end", "value", "obs_sd")


@dataclass(frozen=True)
class Change:
    """A change between two targets (``later`` minus ``earlier``), a pattern of its own."""

    name: str
    earlier: str
    later: str


#: The rises and falls the model must reproduce, by the targets' pattern ids: the slow
#: rise of trust in the rule of law and in other people over 2012-2022, and the fall of
#: trust in parliament from the 2020 rally to the end of 2022.
CHANGES = (
    Change("rise_rule_of_law_2012_2022", "rule_of_law_2012", "rule_of_law_2022"),
    Change("rise_people_2012_2022", "people_2012", "people_2022"),
    Change("rise_parliament_2012_2017", "parliament_2012", "parliament_2017"),
    Change("fall_parliament_2020_2022", "parliament_2020", "parliament_2022"),
)


def load_targets(path: str | None = None) -> pd.DataFrame:
    """The targets: one row per pattern, with ``start``/``end`` as dates, indexed by id.

    Raises:
        ValueError: a missing column, an unknown metric or a repeated pattern id.
    """
    df = pd.read_csv(path or data_file(TARGETS_FILE), dtype={"scope": str})
    missing = [c for c in COLUMNS if c not in df.columns]
    if missing:
        raise ValueError(f"{path or TARGETS_FILE}: missing columns {', '.join(missing)}")
    unknown = sorted(set(df["metric"]) - set(METRICS))
    if unknown:
        raise ValueError(f"{path or TARGETS_FILE}: unknown metrics {', '.join(unknown)}")
    if df["pattern"].duplicated().any():
        dup = df.loc[df["pattern"].duplicated(), "pattern"].tolist()
        raise ValueError(f"{path or TARGETS_FILE}: repeated pattern ids {', '.join(dup)}")
    df = df.copy()
    df["start"] = pd.to_datetime(df["start"]).dt.date
    df["end"] = pd.to_datetime(df["end"]).dt.date
    return df.set_index("pattern", drop=False)


def changes(targets: pd.DataFrame) -> list[Change]:
    """The changes of :data:`CHANGES` whose two targets are both in ``targets``."""
    have = set(targets["pattern"])
    return [c for c in CHANGES if c.earlier in have and c.later in have]
