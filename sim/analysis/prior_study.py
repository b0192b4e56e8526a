"""Policies under their priors: paired effects in natural units, costs, ICERs and CEACs.

Each draw is one seed and one point of the prior (``uncertainty.sample`` = the draw):
every lever's effects and unit costs are sampled from their priors
(docs/evidence.md), and every policy runs against doing nothing from the same state
after the burn-in, with the same random numbers for everything it does not touch. So a
policy's effect in a draw is a paired difference, and the spread over draws is the
spread over the prior and the seeds together.

``python -m sim.analysis.prior_study [draws [prefix]]`` prints the tables of
docs/interventions.md (Almere at 3,000 citizens over three years; about 20 minutes for 20
draws on two cores).
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

import numpy as np
import pandas as pd

from sim.analysis.economics import ceac, icer_table, incremental
from sim.analysis.natural import natural_differences
from sim.compose import compose
from sim.prepare import prepare
from sim.run import run, start_state

__all__ = ["MEASURES", "POLICIES", "WTP", "draws", "effect_table", "main", "markdown", "tables"]

POLICIES = (
    "canvassing",
    "deep_canvassing",
    "co_coaching",
    "mayor_training",
    "dialogue_sessions",
    "platform_measures",
    "listening_government",
    "deepening_sessions",
    "integrated",
)


def draws(
    policies: Sequence[str] = POLICIES, n: int = 20, overrides: Sequence[str] = ()
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Run every policy and ``none`` in ``n`` draws of the prior.

    Returns:
        (series, spending): the long time series of scope ``all`` (``policy``, ``seed``,
        ``sample``, ``step``, ``metric``, ``scope``, ``value``) and the euros each run
        spent (``policy``, ``seed``, ``sample``, ``euros``).
    """
    series, spending = [], []
    for i in range(n):
        common = [
            *overrides,
            f"seed={i}",
            "progress=false",
            "plot=false",
            "uncertainty.intervention_effects=true",
            "uncertainty.intervention_costs=true",
            f"uncertainty.samples={n}",
            f"uncertainty.sample={i}",
        ]
        start = start_state(prepare(compose([*common, "policy=none"])))
        for policy in ("none", *policies):
            cfg = prepare(compose([*common, f"policy={policy}"]))
            ts = run(cfg, start=start, keep_model=False).timeseries.to_pandas()
            ts = ts[ts["scope"] == "all"].drop(columns=["date"], errors="ignore")
            series.append(ts.assign(policy=policy, seed=i, sample=i))
            euros = ts[ts["metric"].str.endswith(".euros")]["value"].sum()
            spending.append({"policy": policy, "seed": i, "sample": i, "euros": float(euros)})
        print(f"draw {i + 1}/{n}", file=sys.stderr, flush=True)
    return pd.concat(series, ignore_index=True), pd.DataFrame(spending)


def _q(x: pd.Series, digits: int = 1) -> str:
    lo, mid, hi = np.quantile(x.to_numpy(dtype=float), [0.05, 0.5, 0.95])
    return f"{mid:+,.{digits}f} [{lo:+,.{digits}f}, {hi:+,.{digits}f}]"


#: The town of the tables: Almere at 3,000 citizens, three years after the burn-in.
STUDY_TOWN = ("population.size=3000", "steps=156")

#: The natural-unit measures of the table, with a sign (+1: more is better).
MEASURES = {
    "person_years_trusting_politics": 1.0,
    "person_years_trusting_rule_of_law": 1.0,
    "person_years_trusting_people": 1.0,
    "prejudice_in_sd": -1.0,
    "cross_group_contacts": 1.0,
    "tense_neighbourhood_weeks": -1.0,
}


def effect_table(series: pd.DataFrame, spending: pd.DataFrame) -> pd.DataFrame:
    """Median and 90% interval over the draws of each policy's paired effects and costs."""
    diffs = natural_differences(series)
    rows = []
    for policy, g in diffs.groupby("policy", sort=False):
        row = {
            "policy": policy,
            "euros spent": _q(spending[spending["policy"] == policy]["euros"], 0),
        }
        for m in MEASURES:
            d = g[g["measure"] == m]["diff"]
            row[m] = _q(d, 3) if m == "prejudice_in_sd" else _q(d)
        rows.append(row)
    return pd.DataFrame(rows)


def markdown(df: pd.DataFrame) -> str:
    """A table as markdown (numbers to three significant figures)."""

    def cell(v: object) -> str:
        if isinstance(v, float):
            return "" if np.isnan(v) else f"{v:,.3g}"
        return str(v)

    lines = ["| " + " | ".join(map(str, df.columns)) + " |", "|" + "---|" * df.shape[1]]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in df.itertuples(False)]
    return "\n".join(lines)


#: Willingness to pay (euros per unit of effect) at which the acceptability curves are read.
WTP = {
    "person_years_trusting_politics": (0.0, 1e3, 3e3, 1e4, 3e4),
    "prejudice_in_sd": (0.0, 3e5, 1e6, 3e6, 1e7),
}


def tables(series: pd.DataFrame, spending: pd.DataFrame) -> str:
    """The effect table, and for each measure of :data:`WTP` the ICERs and the CEAC."""
    out = [markdown(effect_table(series, spending))]
    diffs = natural_differences(series)
    for measure, wtp in WTP.items():
        inc = incremental(diffs, spending, measure, sign=MEASURES[measure])
        out += [f"\n{measure}\n", markdown(icer_table(inc)), ""]
        c = ceac(inc, wtp, ["seed", "sample"])
        out.append(markdown(c.pivot(index="policy", columns="wtp", values="p_best").reset_index()))
    return "\n".join(out)


def main() -> None:  # pragma: no cover - a report script
    """Print the tables (markdown) for docs/interventions.md; keep the draws (Parquet)."""
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    series, spending = draws(n=n, overrides=STUDY_TOWN)
    if len(sys.argv) > 2:
        series.to_parquet(f"{sys.argv[2]}.series.parquet")
        spending.to_parquet(f"{sys.argv[2]}.spending.parquet")
    print(tables(series, spending))


if __name__ == "__main__":  # pragma: no cover
    main()
