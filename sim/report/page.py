"""The report's page: one self-contained HTML file, from ``templates/report.html.j2``.

The template holds the page's markup and wording; this module prepares what it shows:
table cells formatted as plain text, figures as base64 PNG (embedded as ``data:`` URLs,
so the page works offline), and the sentences that name each policy's shortfalls. The
template is read from the installed package (:class:`jinja2.PackageLoader`), never from
a repository path, and autoescaping is on: every value is escaped where it is inserted,
none is marked safe.

Weeks are given with their dates when the runs share a start date. When the runs span
more than one municipality, a section gives each policy's effect per municipality (all
futures pooled): a map for real municipalities, and a table in alphabetical order, never
ranked, in which municipalities with fewer citizens than the sweep's ``small_scope``
are listed apart with their citizens; the map hatches them.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import jinja2
import numpy as np
import pandas as pd

from sim.analysis import effects as fx
from sim.analysis.effects import records
from sim.analysis.load import SweepData
from sim.analysis.pathways import activity, episodes, transitions
from sim.outcomes import label
from sim.places import boundaries, municipalities
from sim.report.figures import (
    fig_cost,
    fig_effects,
    fig_fan,
    fig_measures,
    fig_municipal_effects,
    fig_pathways,
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


#: At most this many shortfall sentences per policy (a country has hundreds of scopes).
MAX_SHORTFALLS = 12


@dataclass(frozen=True)
class Shortfalls:
    """One policy's shortfalls, each a sentence to follow "It", and how many were left out."""

    policy: str
    items: list[str]
    more: int = 0


def _shortfalls(short: pd.DataFrame, pols: list[str], metric: str) -> list[Shortfalls]:
    out = []
    for pol in pols:
        if pol == fx.BASELINE:
            continue
        items = []
        for r in records(short[short["policy"] == pol]):
            measure = (
                label(r["measure"].split(" in ")[0])
                + (
                    " in " + _scope_name(r["measure"].split(" in ")[1])
                    if " in " in r["measure"]
                    else ""
                )
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
        out.append(Shortfalls(pol, items[:MAX_SHORTFALLS], max(len(items) - MAX_SHORTFALLS, 0)))
    return out


def _ranking(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    ov = tables["summary"]
    ov = ov[ov["context"] == ALL_CONTEXTS][["policy", "points_per_million_eur"]]
    r = tables["ranking"].merge(ov, on="policy", how="left")
    means = {r["policy"]: r for r in records(tables["mean_effects"])}
    worst = {(r["context"], r["policy"]): r for r in records(tables["effects"])}

    def mean_cell(pol: str, effect: float) -> str:
        m = means.get(pol)
        if m is None:
            return _fmt(effect, signed=True)
        if math.isnan(m["ci_low"]) and m["n"] >= 2:
            return f"{_fmt(effect, signed=True)} (interval needs every seed in every future)"
        return _interval(effect, m["ci_low"], m["ci_high"])

    def worst_cell(ctx: str, pol: str, effect: float) -> str:
        w = worst.get((ctx, pol))
        if w is None:
            return _fmt(effect, signed=True)
        return _interval(effect, w["ci_low"], w["ci_high"])

    r["mean_effect"] = [mean_cell(p, e) for p, e in zip(r["policy"], r["mean_effect"], strict=True)]
    r["worst_effect"] = [
        worst_cell(c, p, e)
        for c, p, e in zip(r["worst_context"], r["policy"], r["worst_effect"], strict=True)
    ]
    r = r.rename(
        columns={
            "mean_effect": "mean effect [95% interval]",
            "worst_context": "worst future",
            "worst_effect": "effect there [95% interval]",
            "max_regret": "max regret",
            "mean_regret": "mean regret",
            "points_per_million_eur": "points per M€",
        }
    ).drop(columns=["contexts"])
    return _cells(r)


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


def _icer(t: pd.DataFrame) -> pd.DataFrame:
    c = t[["context", "policy", "cost", "effect", "icer_vs_none", "status", "icer"]].rename(
        columns={
            "context": "future",
            "cost": "euros (mean)",
            "effect": "effect (mean)",
            "icer_vs_none": "euros per point vs nothing",
            "icer": "euros per point vs previous on the frontier",
        }
    )
    money = {k: (lambda v: _fmt(v, 0)) for k in c.columns if k.startswith("euros")}
    return _cells(c, {**money, "effect (mean)": lambda v: _fmt(v, 3)})


def _ceac(t: pd.DataFrame) -> pd.DataFrame:
    wide = t.pivot_table(index=["context", "policy"], columns="wtp", values="p_best").reset_index()
    wide.columns = [c if isinstance(c, str) else f"EUR {c:,.0f} a point" for c in wide.columns]
    wide = wide.rename(columns={"context": "future"})
    share = {k: (lambda v: _fmt(v, 2)) for k in wide.columns if k.startswith("EUR")}
    return _cells(wide, share)


def _day(start: str, week: int) -> str:
    """The date of a week after the burn-in, e.g. ``5 March 2025``."""
    d = date.fromisoformat(start) + timedelta(days=7 * week)
    return f"{d.day} {d:%B %Y}"


def _horizon(data: SweepData, weeks: list[int]) -> str:
    """The horizon in weeks, with the dates of week 0 and the last week where known."""
    text = ", ".join(map(str, weeks))
    if data.start_date is None:
        return f"{text} weeks"
    if len(weeks) == 1:
        return (
            f"{text} weeks, from {_day(data.start_date, 0)} (week 0, the end of the burn-in) "
            f"to {_day(data.start_date, weeks[0])}"
        )
    return f"{text} weeks from {_day(data.start_date, 0)} (week 0, the end of the burn-in)"


@functools.cache
def _municipality_names() -> dict[str, str]:
    """The real municipalities' names by CBS code."""
    m = municipalities()
    return dict(zip(m["code"], m["name"], strict=True))


def _scope_name(scope: str) -> str:
    """A scope as the page names it: ``Amsterdam (GM0363)``, ``municipality 2``, ``group:x``."""
    kind, _, key = scope.partition(":")
    if kind == "municipality":
        names = _municipality_names()
        return f"{names[key]} ({key})" if key in names else f"municipality {key}"
    return scope


def _municipal(data: SweepData, tables: dict[str, pd.DataFrame], pols: list[str]) -> dict[str, Any]:
    """The effects per municipality: a map (real places) and two tables, never ranked."""
    eff = tables["municipalities"]
    codes = sorted(set(eff["name"])) if not eff.empty else []
    if len(codes) < 2:
        return {"municipal": None}
    counts = {
        scope.removeprefix("municipality:"): n
        for scope, n in data.scope_citizens().items()
        if scope.startswith("municipality:")
    }
    small = data.small_scope
    shown = [p for p in pols if p != fx.BASELINE]
    rows = []
    by = {(r["name"], r["policy"]): r for r in records(eff)}
    for code in codes:
        row: dict[str, Any] = {
            "municipality": _scope_name(f"municipality:{code}"),
            "citizens": counts.get(code),
        }
        for p in shown:
            e = by.get((code, p))
            row[f"{p} [95% interval]"] = (
                _interval(e["effect"], e["ci_low"], e["ci_high"]) if e is not None else "-"
            )
        rows.append(row)
    table = pd.DataFrame(rows)
    table["citizens"] = pd.to_numeric(table["citizens"], errors="coerce")
    table = table.sort_values(
        "municipality", key=lambda c: c.str.casefold().str.lstrip("'"), kind="stable"
    )
    few = table["citizens"].notna() & (table["citizens"] < small)
    cells: dict[str, Callable[[Any], str]] = {
        "citizens": lambda v: _fmt(int(v)) if pd.notna(v) else "-"
    }
    real = set(codes) <= set(boundaries())
    return {
        "municipal": {
            "count": len(codes),
            "map_png": (
                png_base64(fig_municipal_effects(eff, counts, small, data.metric)) if real else None
            ),
            "precise": _cells(table[~few], cells) if (~few).any() else None,
            "few": _cells(table[few], cells) if few.any() else None,
            "n_few": int(few.sum()),
        }
    }


def render_html(
    data: SweepData,
    tables: dict[str, pd.DataFrame],
    sweep_dir: Path,
    answer: dict[str, Any] | None = None,
) -> str:
    """The self-contained HTML report.

    ``answer`` (:func:`sim.report.answer.answer`) is its first page when a target is given.
    """
    runs = data.runs[data.runs["in_sweep"]]
    o = data.outcomes
    pols = policies(data) if not o.empty else []
    status = runs["status"].value_counts().to_dict()
    weeks = sorted({int(s) for s in runs["weeks"].dropna()})
    citizens = sorted({int(s) for s in runs["citizens"].dropna()})
    done = runs[runs["status"] == "complete"]
    places = sorted({str(p) for p in done["place"].dropna()}) if "place" in done else []
    last = (
        _day(data.start_date, weeks[0]) if data.start_date is not None and len(weeks) == 1 else ""
    )
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
        "horizon": _horizon(data, weeks),
        "last_date": last,
        "places": places,
        "citizens": ", ".join(f"{p:,}" for p in citizens),
        "small_scope": data.small_scope,
        "metric_label": label(data.metric),
        "metric_l": label(data.metric).lower(),
        "baseline": fx.BASELINE,
        "notes": data.notes,
        "empty": o.empty,
        "answer": answer,
    }
    if not o.empty:
        sections = _sections(data, tables, runs, pols, page["contexts"])
        sections["pathways"] = _pathways(sweep_dir, weeks)
        assert not page.keys() & sections.keys(), "a section would hide a value of the page"
        page |= sections
    return environment().get_template(TEMPLATE).render(page)


def _pathways(sweep_dir: Path, weeks: list[int]) -> list[dict[str, Any]]:
    """Each adaptive policy's pathways map and how its actions' spells ended."""
    spells = episodes(sweep_dir)
    if spells.empty:
        return []
    act = activity(spells, max(weeks) if weeks else None)
    ends = transitions(spells)
    out = []
    for policy in sorted(spells["policy"].unique()):
        t = ends[ends["policy"] == policy].drop(columns="policy")
        png = png_base64(fig_pathways(act, policy, max(weeks) if weeks else int(act["week"].max())))
        out.append({"policy": policy, "png": png, "table": _cells(t)})
    return out


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
    municipal = _municipal(data, tables, pols)
    small = data.small_scopes()
    left_out = {f"{data.metric} in {scope}" for scope in small}
    if municipal["municipal"] is not None:  # mapped and tabled in their own section
        left_out |= set(tables["municipalities"]["measure"])
    if not pooled.empty:
        pooled = pooled[~pooled["measure"].isin(left_out)]
    has_cost = bool((data.spending["euros"] > 0).any())
    failed = runs[runs["status"] != "complete"]
    s: dict[str, Any] = {
        **municipal,
        "small": [
            (_scope_name(scope), f"{n:,}")
            for scope, n in sorted(small.items())
            if not scope.startswith("municipality:")
        ],
        "small_municipalities": sum(1 for scope in small if scope.startswith("municipality:")),
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
        s["icer"] = _icer(tables["icer"]) if not tables["icer"].empty else None
        s["ceac"] = _ceac(tables["ceac"]) if not tables["ceac"].empty else None
    s["measures_png"] = (
        png_base64(fig_measures(pooled))
        if not pooled.empty and (pooled["policy"] != fx.BASELINE).any()
        else None
    )
    s["shortfalls"] = _shortfalls(tables["shortfalls"], pols, data.metric)
    return s
