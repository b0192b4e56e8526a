"""The model's trust and turnout against CBS's and the Kiesraad's published figures.

    python -m sim.analysis.cbs [--seeds 3] [--weeks 52] [overrides ...]

Runs the configured model (the default town unless overridden; ``burn_in`` as
configured; the baseline future with one referendum) for ``--weeks`` weeks per seed and
prints, as a Markdown table, each trust
share over the first simulated year (the mean of its weekly records) beside CBS's
figure: overall, by education, by origin, and for trust in other people by age band
(CBS publishes no institutional trust by age). Elections are held every 13 weeks for
the measurement, and a referendum whose outcome is overridden is held in week 4, so
that turnout of each kind is measured beside the real one. The comparison period of
CBS's figures is stated per row: levels are set from the national shares of
``population.trust_year`` and the education and origin gaps of 2017 (sim/people.py),
so the age rows and any municipality are checks the levels do not use.
"""

from __future__ import annotations

import argparse
import sys

import numpy as np
import pandas as pd

from sim.compose import compose as compose_config
from sim.datafiles import DataError
from sim.people import EDUCATION_PARTS, GAP_YEAR, TRUST_KINDS, cbs_share
from sim.prepare import prepare
from sim.run import run

__all__ = ["compare", "main"]

#: Real turnouts (data/elections.csv: the referendum's the Kiesraad's official result, the
#: elections' ANP's as reported in the press).
TURNOUT = {
    "turnout_parliament": (0.787, "Tweede Kamer, 17 March 2021"),
    "turnout_municipal": (0.505, "municipal councils, 16 March 2022 (preliminary)"),
    "turnout_referendum": (0.3228, "Ukraine-EU association referendum, 6 April 2016"),
}
#: Each trust metric and the CBS measures it stands for.
KINDS = {f"trust_{kind}_share": measures for kind, measures in TRUST_KINDS.items()}
ORIGIN_ROWS = {
    "dutch": "dutch_background",
    "other_european": "western_migration_background",
    "turkish": "nonwestern_migration_background",
    "moroccan": "nonwestern_migration_background",
    "surinamese": "nonwestern_migration_background",
    "other_non_european": "nonwestern_migration_background",
}
AGE_ROWS = {"15-24": ("15-24",), "25-44": ("25-34", "35-44"), "45-64": ("45-54", "55-64"),
            "65+": ("65-74", "75+")}  # fmt: skip


def _cbs(metric: str, breakdown: str, categories: tuple[str, ...], period: str) -> float:
    return float(
        np.mean([cbs_share(m, breakdown, c, period) for m in KINDS[metric] for c in categories])
    )


def _published(metric: str, scope: str, year: str) -> tuple[float, str] | None:
    """CBS's share for a scope of the model, and its period; None where none is published."""
    kind, _, value = scope.partition(":")
    if kind == "all":
        return _cbs(metric, "total", ("total",), year), year
    if kind == "education":
        return _cbs(metric, "education", EDUCATION_PARTS[value], GAP_YEAR), GAP_YEAR
    if kind == "group" and value in ORIGIN_ROWS:
        people = {
            "turkish": "Turkish",
            "moroccan": "Moroccan",
            "surinamese": "Surinamese/Antillean",
        }
        if metric == "trust_people_share" and value in people:
            return cbs_share("people", "origin", people[value], "2012-2019pooled"), "2012-19"
        return _cbs(metric, "origin", (ORIGIN_ROWS[value],), GAP_YEAR), GAP_YEAR
    if kind == "age" and metric == "trust_people_share":
        return _cbs(metric, "age", AGE_ROWS[value], "2012-2017pooled"), "2012-17"
    if kind == "municipality" and metric == "trust_people_share" and value == "GM0034":
        return cbs_share("people", "municipality", "Almere", "2012-2017"), "2012-17"
    return None


def _gap_base(metric: str, scope: str, year: str) -> float | None:
    """CBS's national share of the same period as a scope's published figure."""
    pub = _published(metric, scope, year)
    if pub is None or scope == "all":
        return None
    period = pub[1]
    if period == year:
        return _cbs(metric, "total", ("total",), year)
    if period == GAP_YEAR:
        return _cbs(metric, "total", ("total",), GAP_YEAR)
    # pooled periods: the mean of their years' national shares (those published)
    first, last = (int(y) for y in period.split("-"))
    last = last + 2000 if last < 100 else last
    shares = []
    for y in range(first, last + 1):
        try:
            shares.append(_cbs(metric, "total", ("total",), str(y)))
        except DataError:
            continue
    return float(np.mean(shares))


def compare(overrides: list[str], seeds: int = 3, weeks: int = 52) -> pd.DataFrame:
    """Model against CBS: one row per (metric, scope) with a published figure.

    Columns: ``start`` (the citizens' levels before the burn-in), ``model`` (the mean
    of the first simulated year), ``published`` and its ``period``, and each scope's
    difference from the whole population in the model (``model_gap``) and at CBS in the
    same period (``published_gap``).
    """
    elections = ["dynamics.participation.election_interval=13"]
    # the future of polarised_platforms with only its referendum, in week 4, and no
    # drivers: the baseline until then
    vote = [
        "scenario=polarised_platforms",
        "~scenario.shocks.disinformation",
        "~scenario.shocks.diaspora",
        "scenario.shocks.referendum.week=4",
        *(
            f"scenario.drivers.{d}=1.0"
            for d in ("algorithmic_bias", "unfollow", "online_share_mean")
        ),
    ]

    def series(extra: list[str]) -> pd.DataFrame:
        return run(prepare(compose_config(extra)), keep_model=False).timeseries.to_pandas()

    frames, starts, votes = [], [], []
    year = str(prepare(compose_config(overrides)).population.trust_year)
    for seed in range(seeds):
        common = [*overrides, f"seed={seed}", "plot=false"]
        frames.append(series([*common, *elections, f"steps={weeks}"]))
        starts.append(series([*common, "burn_in=0", "steps=1"]))
        votes.append(series([*common, *vote, "steps=5"]))
    ts, st, vt = pd.concat(frames), pd.concat(starts), pd.concat(votes)
    trust = ts[ts["metric"].isin(list(KINDS)) & (ts["step"] >= 1)]
    grouped = trust.groupby(["metric", "scope"])["value"].mean()
    means = {
        (str(k[0]), str(k[1])): float(v)
        for k, v in zip(grouped.index.to_list(), grouped.to_numpy(), strict=True)
    }
    at_start = st[st["step"] == 0].groupby(["metric", "scope"])["value"].mean()
    rows: list[tuple[object, ...]] = []
    for (metric, scope), value in means.items():
        pub = _published(metric, scope, year)
        if pub is None:
            continue
        base = _gap_base(metric, scope, year)
        model_gap = value - means[(metric, "all")] if base is not None else np.nan
        pub_gap = pub[0] - base if base is not None else np.nan
        rows.append(
            (metric, scope, at_start[(metric, scope)], value, pub[0], pub[1], model_gap, pub_gap)
        )
    for metric, (real, what) in TURNOUT.items():
        src = vt if metric == "turnout_referendum" else ts
        value = src[(src["metric"] == metric) & (src["scope"] == "all")]["value"].mean()
        rows.append((metric, "all", np.nan, value, real, what, np.nan, np.nan))
    cols = ["metric", "scope", "start", "model", "published", "period", "model_gap",
            "published_gap"]  # fmt: skip
    return pd.DataFrame(rows, columns=cols)


def main(argv: list[str] | None = None) -> int:
    """Print the comparison as a Markdown table."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--weeks", type=int, default=52)
    ap.add_argument("overrides", nargs="*")
    args = ap.parse_args(argv)
    table = compare(args.overrides, args.seeds, args.weeks)

    def pct(v: float) -> str:
        return "" if np.isnan(v) else f"{v:.1%}"

    def pts(v: float) -> str:
        return "" if np.isnan(v) else f"{100 * v:+.1f}"

    sys.stdout.write(
        "| metric | scope | start | first year | published | period | gap to all, model "
        "| gap to all, published |\n| --- | --- | ---: | ---: | ---: | --- | ---: | ---: |\n"
    )
    for r in table.to_dict("records"):
        sys.stdout.write(
            f"| {r['metric']} | {r['scope']} | {pct(r['start'])} | {pct(r['model'])} | "
            f"{pct(r['published'])} | {r['period']} | {pts(r['model_gap'])} | "
            f"{pts(r['published_gap'])} |\n"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
