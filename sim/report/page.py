"""The report's page: one self-contained HTML file, from ``templates/report.html.j2``.

The template holds the page's markup and wording; this module prepares what it shows:
table cells formatted as plain text, figures as base64 PNG (embedded as ``data:`` URLs,
so the page works offline), and the sentences that name each policy's shortfalls. The
template is read from the installed package (:class:`jinja2.PackageLoader`), never from
a repository path, and autoescaping is on: every value is escaped where it is inserted,
none is marked safe.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2
import numpy as np
import pandas as pd

from sim.analysis import effects as fx
from sim.analysis.effects import records
from sim.analysis.load import SweepData
from sim.outcomes import label
from sim.report.figures import (
    fig_cost,
    fig_effects,
    fig_fan,
    fig_measures,
    fig_regret,
    png_base64,
    policies,
)
from sim.report.tables import ALL_CONTEXTS

__all__ = ["TEMPLATE", "environment", "render_html"]

#: The page's template, in the package's ``templates`` directory.
TEMPLATE = "report.html.j2"


@functools.cache
def environment() -> jinja2.Environment:
    """The Jinja2 environment: templates from the installed package, autoescaped."""
    return jinja2.Environment(
        loader=jinja2.PackageLoader("sim.report", "templates"),
        autoescape=True,  # the template's name ends in .j2, which select_autoescape misses
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def _fmt(v: Any, digits: int = 2, signed: bool = False) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "-"
    if isinstance(v, int | np.integer):
        return f"{v:,}"
    if isinstance(v, float | np.floating):
        return f"{v:+.{digits}f}" if signed else f"{v:,.{digits}f}"
    return str(v)


def _signed(v: Any) -> str:
    return _fmt(v, signed=True)


def _interval(e: float, lo: float, hi: float) -> str:
    if math.isnan(lo):
        return f"{_fmt(e, signed=True)} (interval needs 2 pairs)"
    return f"{_fmt(e, signed=True)} [{_fmt(lo, signed=True)}, {_fmt(hi, signed=True)}]"


def _cells(
    df: pd.DataFrame, formats: dict[str, Callable[[Any], str]] | None = None
) -> pd.DataFrame:
    """The table as the page shows it: every cell formatted as text (escaped later)."""
    formats = formats or {}
    rows = [
        [formats.get(c, _fmt)(v) for c, v in zip(df.columns, row, strict=True)]
        for row in df.itertuples(index=False)
    ]
    return pd.DataFrame(rows, columns=[str(c) for c in df.columns], dtype=object)


_KIND_TEXT = {
    "harm": "lowers {metric} in future '{context}': {interval} points",
    "no_detectable_effect": "has no effect distinguishable from zero in future '{context}': "
    "{interval} points",
    "too_few_pairs": "cannot be judged in future '{context}' (fewer than 2 paired runs)",
    "outperformed": "is not the best policy in future '{context}': '{other}' does better by "
    "{effect:.2f} points on average",
    "measure_harm": "worsens {measure} in future '{context}': {interval} (improvement units)",
    "measure_not_reached": "does not measurably improve {measure} in future '{context}', "
    "although it raises {metric}: {interval}",
}


@dataclass(frozen=True)
class Shortfalls:
    """One policy's shortfalls, each a sentence to follow "It"."""

    policy: str
    items: list[str]


def _shortfalls(short: pd.DataFrame, pols: list[str], metric: str) -> list[Shortfalls]:
    out = []
    for pol in pols:
        if pol == fx.BASELINE:
            continue
        items = []
        for r in records(short[short["policy"] == pol]):
            measure = (
                label(r["measure"].split(" in ")[0])
                + (" in " + r["measure"].split(" in ")[1] if " in " in r["measure"] else "")
                if isinstance(r["measure"], str)
                else ""
            )
            items.append(
                _KIND_TEXT[r["kind"]].format(
                    metric=label(metric).lower(),
                    context=r["context"],
                    interval=_interval(r["effect"], r["ci_low"], r["ci_high"]),
                    effect=r["effect"],
                    other=r["other"],
                    measure=measure,
                )
            )
        out.append(Shortfalls(pol, items))
    return out


def _ranking(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    ov = tables["summary"]
    ov = ov[ov["context"] == ALL_CONTEXTS][["policy", "points_per_million_eur"]]
    r = tables["ranking"].merge(ov, on="policy", how="left")
    r = r.rename(
        columns={
            "mean_effect": "mean effect (points)",
            "worst_context": "worst future",
            "worst_effect": "effect there",
            "max_regret": "max regret",
            "mean_regret": "mean regret",
            "points_per_million_eur": "points per M€",
        }
    ).drop(columns=["contexts"])
    return _cells(r, {"mean effect (points)": _signed, "effect there": _signed})


def _effects(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    t = tables["effects"].merge(tables["p_best"], on=["context", "policy"], how="left")
    t["effect [95% interval]"] = [
        _interval(a, b, c) for a, b, c in zip(t["effect"], t["ci_low"], t["ci_high"], strict=True)
    ]
    t = t[["context", "policy", "n", "effect [95% interval]", "p_best"]].rename(
        columns={"context": "future", "n": "pairs", "p_best": "share of pairs where best"}
    )
    return _cells(t)


def _cost(ce: pd.DataFrame) -> pd.DataFrame:
    c = ce[ce["policy"] != fx.BASELINE].copy()
    c["points per M€ [95% interval]"] = [
        _interval(a, b, d)
        for a, b, d in zip(c["points_per_million"], c["ppm_ci_low"], c["ppm_ci_high"], strict=True)
    ]
    c = c[["context", "policy", "euros_mean", "points per M€ [95% interval]"]].rename(
        columns={"context": "future", "euros_mean": "euros spent per run"}
    )
    return _cells(c, {"euros spent per run": lambda v: _fmt(v, 0)})


def render_html(data: SweepData, tables: dict[str, pd.DataFrame], sweep_dir: Path) -> str:
    """The self-contained HTML report."""
    runs = data.runs[data.runs["in_sweep"]]
    o = data.outcomes
    pols = policies(data) if not o.empty else []
    status = runs["status"].value_counts().to_dict()
    weeks = sorted({int(s) for s in runs["weeks"].dropna()})
    citizens = sorted({int(s) for s in runs["citizens"].dropna()})
    page: dict[str, Any] = {
        "name": sweep_dir.name,
        "runs": len(runs),
        "complete": status.get("complete", 0),
        "failed": status.get("failed", 0),
        "incomplete": status.get("incomplete", 0),
        "policies": pols,
        "contexts": sorted(o["context"].unique()) if not o.empty else [],
        "seeds": o["seed"].nunique() if not o.empty else 0,
        "samples": o["sample"].dropna().nunique() if not o.empty else 0,
        "uncertain": [u.removeprefix("uncertain.") for u in data.runs.attrs.get("uncertain", [])],
        "weeks": ", ".join(map(str, weeks)),
        "citizens": ", ".join(f"{p:,}" for p in citizens),
        "metric_label": label(data.metric),
        "metric_l": label(data.metric).lower(),
        "baseline": fx.BASELINE,
        "notes": data.notes,
        "empty": o.empty,
    }
    if not o.empty:
        sections = _sections(data, tables, runs, pols, page["contexts"])
        assert not page.keys() & sections.keys(), "a section would hide a value of the page"
        page |= sections
    return environment().get_template(TEMPLATE).render(page)


def _sections(
    data: SweepData,
    tables: dict[str, pd.DataFrame],
    runs: pd.DataFrame,
    pols: list[str],
    contexts: list[str],
) -> dict[str, Any]:
    """What the page shows below its introduction, when some run is complete."""
    eff = tables["effects"]
    ce = tables["cost"]
    pooled = tables["measures_pooled"]
    has_cost = bool((data.spending["euros"] > 0).any())
    failed = runs[runs["status"] != "complete"]
    s: dict[str, Any] = {
        "ranking": _ranking(tables) if not tables["ranking"].empty else None,
        "fans": [(ctx, png_base64(fig_fan(data, tables["fan"], ctx))) for ctx in contexts],
        "has_effects": not eff.empty,
        "has_cost": has_cost,
        "failed_runs": (
            _cells(failed[["run", "policy", "future", "seed", "status", "error"]])
            if not failed.empty
            else None
        ),
    }
    if eff.empty:
        return s
    s["effects_png"] = png_base64(fig_effects(eff, data.metric))
    s["effects"] = _effects(tables)
    s["regret_png"] = png_base64(fig_regret(tables["regret"]))
    if has_cost:
        s["cost_png"] = png_base64(fig_cost(ce, eff, data.metric))
        s["cost"] = _cost(ce)
    s["measures_png"] = (
        png_base64(fig_measures(pooled))
        if not pooled.empty and (pooled["policy"] != fx.BASELINE).any()
        else None
    )
    s["shortfalls"] = _shortfalls(tables["shortfalls"], pols, data.metric)
    return s
