"""What the change of the population's education mix alone does to the national trust shares.

A shift-share estimate: each education level keeps its 2012-2017 trust (the mean of CBS's
yearly shares in 82378NED, ``data/cbs_trust.csv``) and only the levels' population shares
change (``data/education_mix.csv``); the rise this gives is set against the measured rise
(``data/calibration_targets.csv``). Two versions, as the published education mixes do
not line up exactly (data/README.md, section *education_mix.csv*):

- five levels, 2012 -> 2022: the five categories of 82378NED; persons 15-65 in 2012
  (71822NED) against persons 15-75 in 2022 (85525NED);
- three levels, 2013 -> 2021: persons 15-65 in both years (CBS's figures by sex, averaged);
  the trust of the low and high levels is the mean of their two categories weighted by
  their 2012 population counts (71822NED).

Usage::

    python -m tools.composition_shift
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data"

FIVE = [
    "basisonderwijs",
    "vmbo_mbo1_avo_onderbouw",
    "havo_vwo_mbo",
    "hbo_wo_bachelor",
    "wo_master_doctor",
]
THREE = {"low": FIVE[:2], "middle": FIVE[2:3], "high": FIVE[3:]}
#: The model's trusts and CBS's measures (a mean where two).
KINDS = {
    "trust_politics_share": ("parliament",),
    "trust_rule_of_law_share": ("police", "judges"),
    "trust_people_share": ("people",),
}
PATTERN = {
    "trust_politics_share": "parliament",
    "trust_rule_of_law_share": "rule_of_law",
    "trust_people_share": "people",
}


def trust_levels() -> pd.DataFrame:
    """The 2012-2017 mean trust per CBS education category: rows categories, columns kinds."""
    df = pd.read_csv(DATA / "cbs_trust.csv", dtype={"period": str})
    df = df[(df["breakdown"] == "education") & df["category"].isin(FIVE)]
    df = df[df["period"].isin([str(y) for y in range(2012, 2018)])]
    means = df.groupby(["measure", "category"])["share"].mean().unstack("measure")
    out = pd.DataFrame({k: means[list(m)].mean(axis=1) for k, m in KINDS.items()})
    return out.loc[FIVE]


def mixes() -> dict[str, pd.Series]:
    """The population shares: five levels 2012 and 2022, three levels 2013 and 2021."""
    mix = pd.read_csv(DATA / "education_mix.csv")
    five = {}
    for y in (2012, 2022):
        m = mix[(mix["year"] == y) & mix["level"].isin(FIVE)].set_index("level")["value"]
        five[y] = (m / m.sum()).loc[FIVE]  # without the unknown; 2022 adds up to 99.9
    three = {}
    for y in (2013, 2021):
        m = mix[(mix["year"] == y) & mix["level"].isin(["middle", "high"])]
        s = m.groupby("level")["value"].mean() / 100  # men and women, unweighted
        three[y] = pd.Series({"low": 1 - s["middle"] - s["high"], **s}).loc[list(THREE)]
    return {"five_2012": five[2012], "five_2022": five[2022], **{
        f"three_{y}": v for y, v in three.items()}}  # fmt: skip


def three_levels(levels: pd.DataFrame) -> pd.DataFrame:
    """Trust of the low, middle and high levels, weighted by the 2012 population counts."""
    mix = pd.read_csv(DATA / "education_mix.csv")
    w = mix[(mix["year"] == 2012) & mix["level"].isin(FIVE)].set_index("level")["value"]
    rows = {}
    for level, parts in THREE.items():
        rows[level] = levels.loc[parts].mul(w[parts], axis=0).sum() / w[parts].sum()
    return pd.DataFrame(rows).T


def measured(metric: str, y0: int, y1: int) -> float:
    """The measured change of a national share between two years (calibration targets)."""
    t = pd.read_csv(DATA / "calibration_targets.csv").set_index("pattern")["value"]
    return float(t[f"{PATTERN[metric]}_{y1}"] - t[f"{PATTERN[metric]}_{y0}"])


def table() -> pd.DataFrame:
    """One row per trust and version: composition-only change against the measured one."""
    levels = trust_levels()
    lv3 = three_levels(levels)
    m = mixes()
    rows = []
    for metric in KINDS:
        for version, lv, s0, s1, y0, y1 in (
            ("five levels, 2012 -> 2022", levels, m["five_2012"], m["five_2022"], 2012, 2022),
            ("three levels, 2013 -> 2021", lv3, m["three_2013"], m["three_2021"], 2013, 2021),
        ):
            before = float((s0 * lv[metric]).sum())
            after = float((s1 * lv[metric]).sum())
            change = measured(metric, y0, y1)
            rows.append(
                {
                    "trust": metric,
                    "version": version,
                    "mix before": round(before, 4),
                    "mix after": round(after, 4),
                    "composition": round(after - before, 4),
                    "measured": round(change, 4),
                    "share of measured": round((after - before) / change, 2) if change else None,
                }
            )
    return pd.DataFrame(rows)


def markdown(df: pd.DataFrame) -> str:
    """A DataFrame as a Markdown table (numbers as they are)."""
    head = "| " + " | ".join(df.columns) + " |"
    rule = "|" + "|".join("---" for _ in df.columns) + "|"
    body = ["| " + " | ".join(str(v) for v in r) + " |" for r in df.itertuples(index=False)]
    return "\n".join([head, rule, *body])


def main() -> None:
    """Print the table as Markdown."""
    print(markdown(table()))


if __name__ == "__main__":
    main()
