"""The report's first page for a stated target: which strategy holds up, and why.

Given a target (e.g. ``trust_politics_share>=0.25``, met at the last week), the page
answers in that order, every number from :func:`sim.analysis.strategies.summarise` and,
for places and money, from the same functions as the rest of the report applied to the
target's measure:

1. robust: per policy, the share of draws meeting the target (with its 95% Wilson
   interval), the mean paired effect on the measure, its worst decile, the share of
   draws it harms, and its maximum regret across futures and variants;
2. where: each policy's effect per municipality (a map for real places) when the runs
   span more than one municipality;
3. at what cost: the efficiency frontier and the probability of the best buy, all
   draws pooled;
4. when they fail: each policy's PRIM box of failing draws and its worst future;
5. what evidence would change the choice: the expected value of partial perfect
   information per sampled lever parameter, beside its shuffled null;
6. what the model cannot tell: the limits that hold for this sweep.

Effects are improvements (the sign turned where less is better) and, for shares, in
percentage points.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pandas as pd

from sim.analysis import effects as fx
from sim.analysis.load import SweepData, load_sweep
from sim.analysis.robustness import Target
from sim.analysis.strategies import summarise
from sim.outcomes import OUTCOMES, label
from sim.report.figures import fig_municipal_effects, png_base64
from sim.report.tables import WTP, _economics, _measure_effects

__all__ = ["answer"]

#: The context every draw is pooled into for the page's cost tables.
_POOLED = "all draws"


def _scale(metric: str) -> tuple[float, str]:
    """The factor that turns a measure's effect into display units, and their name."""
    o = OUTCOMES.get(metric)
    if o is not None and o.unit.startswith("share"):
        return 100.0, "percentage points"
    return 1.0, "points"


def _improvement(data: SweepData, factor: float) -> SweepData:
    """The sweep with the measure signed as an improvement and scaled to display units."""
    outs = data.outcomes.assign(value=data.outcomes["value"] * factor)
    m = data.measures
    own = m["measure"].astype(str).str.startswith(f"{data.metric} in ")
    # scoped values of the measure are already signed by the loader; only scale them
    measures = m.assign(value=m["value"].where(~own, m["value"] * abs(factor)))
    return replace(data, outcomes=outs, measures=measures)


def _f(v: Any, digits: int = 2) -> str:
    return "-" if pd.isna(v) else f"{float(v):.{digits}f}"


def _robust(out: dict[str, Any], factor: float, sign: float) -> pd.DataFrame:
    sat = out["satisficing"]
    eff = out["effects"].set_index("policy")
    reg = out["regret"].set_index("policy")
    mean = eff["mean"].reindex(sat["policy"]).fillna(0.0).to_numpy()
    sat = sat.assign(_mean=mean).sort_values(["share", "_mean"], ascending=[False, False])
    rows = []
    for r in sat.itertuples(index=False):
        p = str(r.policy)
        e = eff.loc[p] if p in eff.index else None
        rows.append(
            {
                "policy": p + (" (chosen)" if p == out["chosen"] else ""),
                "meets the target [95% interval]": (
                    f"{r.share:.0%} [{r.low:.0%}, {r.high:.0%}] of {r.draws}"
                ),
                "mean effect": _f(sign * factor * e["mean"]) if e is not None else "0",
                "worst decile": _f(sign * factor * e["worst_decile"]) if e is not None else "0",
                "draws harmed": f"{e['harmful_share']:.0%}" if e is not None else "-",
                "max regret": _f(factor * reg.loc[p, "max_regret"]) if p in reg.index else "-",
            }
        )
    return pd.DataFrame(rows)


def _where(data: SweepData, pols: list[str]) -> dict[str, Any]:
    _, pooled = _measure_effects(data.measures)
    eff = fx.scope_effects(pooled, data.metric, "municipality") if not pooled.empty else pooled
    codes = sorted(set(eff["name"])) if not eff.empty else []
    places = sorted({str(p) for p in data.runs["place"].dropna()}) if "place" in data.runs else []
    if len(codes) < 2:
        return {"map_png": None, "municipalities": len(codes), "places": places}
    counts = {
        scope.removeprefix("municipality:"): n
        for scope, n in data.scope_citizens().items()
        if scope.startswith("municipality:")
    }
    eff = eff[eff["policy"].isin(pols)]
    fig = fig_municipal_effects(eff, counts, data.small_scope, data.metric)
    return {"map_png": png_base64(fig), "municipalities": len(codes), "places": places}


def _cost(data: SweepData) -> tuple[pd.DataFrame | None, pd.DataFrame | None]:
    # every draw in one context; the draw's own context goes into its pairing key
    o = data.outcomes
    draw = o["context"].astype(str) + "|" + o["sample"].astype(str)
    pooled = replace(
        data,
        outcomes=o.assign(context=_POOLED, sample=draw),
        spending=data.spending.assign(context=_POOLED),
    )
    icer, ceac = _economics(fx.paired_differences(pooled.outcomes), pooled)
    if icer.empty:
        return None, None
    t = icer[["policy", "cost", "effect", "status", "icer"]].rename(
        columns={"cost": "euros (mean)", "effect": "effect (mean)", "icer": "euros per point"}
    )
    t = t.assign(
        **{
            "euros (mean)": t["euros (mean)"].map(lambda v: _f(v, 0)),
            "effect (mean)": t["effect (mean)"].map(_f),
            "euros per point": t["euros per point"].map(lambda v: _f(v, 0)),
        }
    )
    wide = ceac.pivot_table(index="policy", columns="wtp", values="p_best").reset_index()
    wide.columns = [c if isinstance(c, str) else f"EUR {c:,.0f} a point" for c in wide.columns]
    for c in wide.columns[1:]:
        wide[c] = wide[c].map(lambda v: f"{v:.0%}")
    return t, wide


def _failures(out: dict[str, Any]) -> list[dict[str, str]]:
    boxes = out["failure_boxes"]
    shares = out["failure_shares"]
    order = {p: i for i, p in enumerate(out["robust_order"])}
    items = []
    for policy, g in sorted(shares.groupby("policy"), key=lambda pg: order.get(pg[0], 0)):
        share = float(g["failed_share"].mean())
        worst = g.sort_values("failed_share", ascending=False).iloc[0]
        box = boxes[boxes["policy"] == policy]
        restricted = box[box["restricted"].astype(bool)] if not box.empty else box
        if share == 0:
            text = "never misses the target in these draws"
        elif box.empty:
            text = "misses it in too few or too many draws for a box of conditions"
        elif restricted.empty:
            text = "no region of the sampled inputs concentrates its failures"
        else:
            conds = " and ".join(
                f"{r.parameter.removeprefix('uncertain.')} in [{r.low:.3g}, {r.high:.3g}]"
                for r in restricted.itertuples(index=False)
            )
            b = box.iloc[0]
            text = (
                f"fails most when {conds}: {b['density']:.0%} of the draws there fail "
                f"(against {b['base_rate']:.0%} overall), and the box holds "
                f"{b['coverage']:.0%} of its failures"
            )
        items.append(
            {
                "policy": str(policy),
                "failed": f"{share:.0%}",
                "worst": (
                    f"{worst['context']} ({worst['failed_share']:.0%} fail)" if share > 0 else ""
                ),
                "text": text,
            }
        )
    return items


def _evidence(out: dict[str, Any], factor: float) -> tuple[pd.DataFrame | None, bool]:
    v = out["evppi"]
    if v.empty:
        return None, False
    t = pd.DataFrame(
        {
            "lever parameter": v["param"].str.removeprefix("uncertain.policy.interventions."),
            "EVPPI": (v["evppi"] * factor).map(lambda x: f"{x:.3f}"),
            "null (shuffled)": (v["null"] * factor).map(lambda x: f"{x:.3f}"),
            "95% of null": (v["null_q95"] * factor).map(lambda x: f"{x:.3f}"),
        }
    )
    return t.head(8), bool((v["evppi"] > v["null_q95"]).any())


def _limits(data: SweepData, out: dict[str, Any], evidence_signal: bool) -> list[str]:
    runs = data.runs[data.runs["in_sweep"]]
    notes = []
    bad = int((runs["status"] != "complete").sum())
    if bad:
        notes.append(f"{bad} of {len(runs)} runs did not complete and are left out.")
    sat = out["satisficing"]
    width = float((sat["high"] - sat["low"]).max()) if not sat.empty else 0.0
    notes.append(
        f"Shares meeting the target are known only to within {width:.0%} (the widest "
        "95% interval above); policies whose intervals overlap are not told apart."
    )
    seeds = int(data.outcomes["seed"].nunique())
    if seeds < 20:
        notes.append(
            f"The failure conditions rest on {seeds} seeds, each a fitted parameter set and "
            "a draw of the levers: boxes from so few independent draws are as likely "
            "chance as cause."
        )
    contexts = " ".join(data.outcomes["context"].astype(str).unique())
    if "variant=" in contexts:
        notes.append(
            "Structural variants other than the configured influence rule run with "
            "parameters fitted under the configured rule: their draws show what the "
            "rule does, not a fit of that rule to the country."
        )
    if not evidence_signal:
        notes.append(
            "No lever parameter's EVPPI rises above its shuffled null: at this number of "
            "draws the study cannot say which evaluation would be worth funding."
        )
    notes.append(
        "The levers' effects and costs are drawn from priors built from published "
        "studies; reach and take-up (doors opened, invitations accepted) are not "
        "modelled, and where evidence is thin the priors are wide."
    )
    notes.append(
        "The calibrated model misses measured patterns of 2012-2024 (e.g. dissatisfaction "
        "with politics, the slow rises in trust), so its futures are what-ifs from a "
        "baseline that resembles the country, not forecasts."
    )
    return notes


def answer(sweep_dir: str | Path, target: str, *, small_scope: int | None = None) -> dict[str, Any]:
    """The first page's content for one target (see the module doc)."""
    t = Target.parse(target)
    out: dict[str, Any] = dict(summarise(sweep_dir, t))
    factor, units = _scale(t.metric)
    sign = -1.0 if t.metric in fx.LOWER_IS_BETTER else 1.0
    data = load_sweep(sweep_dir, t.metric, rebuild=False, small_scope=small_scope)
    data = _improvement(data, sign * factor)
    pols = [p for p in out["satisficing"]["policy"] if p != fx.BASELINE]
    robust = _robust(out, factor, sign)
    out["robust_order"] = [p.removesuffix(" (chosen)") for p in robust["policy"]]
    frontier, accept = _cost(data)
    evidence, signal = _evidence(out, factor)
    return {
        "target": str(t),
        "measure": label(t.metric),
        "units": units,
        "chosen": out["chosen"],
        "robust": robust,
        "where": _where(data, pols),
        "frontier": frontier,
        "accept": accept,
        "wtp": list(WTP),
        "failures": _failures(out),
        "evidence": evidence,
        "evidence_signal": signal,
        "limits": _limits(data, out, signal),
    }
