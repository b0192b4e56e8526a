"""The Markdown tables of docs/validation.md, rendered from ``validation.json``.

:func:`markdown_tables` turns the stored numbers of every study present (the docking
against ndlib included, if ``benchmarks/docking.py`` has added them) into the tables the
page shows; ``python -m sim.analysis.validation --out DIR --markdown`` prints them.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from sim.analysis.validation.studies import FM_TITLE

__all__ = ["markdown_tables"]


def _md(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c) for c in r) + " |" for r in rows]
    return "\n".join(lines)


def _f(x: float | None, nd: int = 2) -> str:
    return "-" if x is None else f"{x:.{nd}f}"


def _t(x: float) -> str:
    """A time to converge, to three significant figures."""
    return f"{x:.3g}" if x < 1000 else f"{x:,.0f}"


def _tost_cell(t: dict[str, Any], *, ratio: bool = False) -> str:
    lo, hi = t["ci90"]
    if ratio:
        d, lo, hi = math.exp(t["diff"]), math.exp(lo), math.exp(hi)
        body = f"{d:.2f} ({lo:.2f} to {hi:.2f})"
    else:
        body = f"{t['diff']:+.2f} ({lo:+.2f} to {hi:+.2f})"
    verdict = "equivalent" if t["equivalent"] else "not shown equivalent"
    return f"{body}, {verdict}, power {t['power']:.2f}"


def markdown_tables(results: dict[str, Any]) -> dict[str, str]:
    """The tables of docs/validation.md, rendered from ``validation.json``.

    Returns one Markdown table per study present in ``results``, keyed by study name.
    """
    out: dict[str, str] = {}
    if "deffuant" in results:
        out["deffuant"] = _md(
            [
                "eps",
                "floor(1/(2 eps))",
                "major clusters: mean (counts)",
                "= predicted",
                "consensus",
                "interactions per citizen: median (IQR)",
                "converged",
            ],
            [
                [
                    f"{t['eps']:.2f}",
                    t["predicted"],
                    f"{t['major_mean']:.2f} ("
                    + ", ".join(f"{k}: {v}" for k, v in t["major_counts"].items())
                    + ")",
                    f"{t['share_equal_to_predicted']:.0%}",
                    f"{t['consensus_share']:.0%}",
                    f"{_t(t['median_interactions'])} ({_t(t['q25_interactions'])}"
                    f"-{_t(t['q75_interactions'])})",
                    f"{t['converged_share']:.0%}",
                ]
                for t in results["deffuant"]["table"]
            ],
        )
    if "deffuant_mu" in results:
        rows = []
        for t in results["deffuant_mu"]["table"]:
            key = next((k for k in t if k.startswith("tost_vs_mu_")), None)
            rows.append(
                [
                    f"{t['eps']:.2f}",
                    f"{t['mu']:.1f}",
                    f"{t['major_mean']:.2f}",
                    "reference" if key is None else _tost_cell(t[key]),
                    f"{_t(t['median_interactions'])} ({_t(t['q25_interactions'])}"
                    f"-{_t(t['q75_interactions'])})",
                    f"{t['converged_share']:.0%}",
                ]
            )
        out["deffuant_mu"] = _md(
            [
                "eps",
                "mu",
                "major clusters",
                "difference to mu = 0.5 (90% CI), TOST 0.3",
                "interactions per citizen: median (IQR)",
                "converged",
            ],
            rows,
        )
    if "hk" in results:
        hk = results["hk"]
        ns = sorted({t["n"] for t in hk["table"]})
        epss = sorted({t["eps"] for t in hk["table"]})
        cell = {(t["n"], t["eps"]): t for t in hk["table"]}
        out["hk"] = _md(
            ["eps"] + [f"consensus, N = {n:,}" for n in ns] + [f"major, N = {ns[-1]:,}"],
            [
                [f"{e:.2f}"]
                + [f"{cell[(n, e)]['consensus_share']:.0%}" for n in ns]
                + [f"{cell[(ns[-1], e)]['major_mean']:.2f}"]
                for e in epss
            ],
        )
        out["hk_thresholds"] = ", ".join(
            f"{_f(v, 3)} (N = {int(n):,})" for n, v in hk["threshold_p_consensus_half"].items()
        )
    if "algorithmic_bias" in results:
        out["algorithmic_bias"] = _md(
            [
                "eps",
                "gamma",
                "major clusters",
                "effective clusters",
                "opinion groups > 1%",
                "interactions per citizen: median (IQR)",
                "converged",
            ],
            [
                [
                    f"{t['eps']:.1f}",
                    f"{t['gamma']:.1f}",
                    f"{t['major_mean']:.2f}",
                    f"{t['effective_mean']:.2f}",
                    f"{t['groups_mean']:.1f}" if "groups_mean" in t else "-",
                    f"{_t(t['median_interactions'])} ({_t(t['q25_interactions'])}"
                    f"-{_t(t['q75_interactions'])})",
                    f"{t['converged_share']:.0%}",
                ]
                for t in results["algorithmic_bias"]["table"]
            ],
        )
    if "docking" in results:
        out["docking"] = _md(
            [
                "gamma",
                "ours",
                "seeds each",
                "major: ours / ndlib",
                "difference (90% CI), TOST 0.3",
                "median time: ours / ndlib",
                "time ratio (90% CI), TOST 1.15",
                "KS p (time)",
            ],
            [
                [
                    f"{t['gamma']:.1f}",
                    "`preset=deffuant`"
                    if t["impl"] == "ours_deffuant_preset"
                    else "`preset=algorithmic_bias`",
                    t["n_seeds"],
                    f"{t['ours_major_mean']:.2f} / {t['ndlib_major_mean']:.2f}",
                    _tost_cell(t["tost_major"]),
                    f"{_t(t['ours_median_interactions'])} / {_t(t['ndlib_median_interactions'])}",
                    _tost_cell(t["tost_log_time"], ratio=True),
                    f"{t['ks_time_pvalue']:.2g}",
                ]
                for t in results["docking"]["tests"]
            ],
        )
    if "pair_law" in results:
        pl = results["pair_law"]
        gammas = [g for g in pl if g not in ("wall_seconds", "size")]
        rows = []
        for g in gammas:
            for law in ("sequential", "matching"):
                p = pl[g][law]
                rows.append(
                    [
                        g,
                        law,
                        f"{p['identical']:.3f}",
                        f"{p['active']:.3f}",
                        f"{p['beyond_bound']:.3f}",
                    ]
                )
        out["pair_law"] = _md(
            [
                "gamma",
                "pair law",
                "identical (d < 1e-5)",
                "active (within bound)",
                "beyond the bound",
            ],
            rows,
        )
    if "flache_macy" in results:
        fm = results["flache_macy"]
        early = fm["early_week"]
        out["flache_macy"] = _md(
            [
                "update",
                "influence",
                "long-range ties per citizen",
                f"polarisation, week {early}",
                f"polarisation, week {fm['weeks']:,} (sd)",
            ],
            [
                [
                    FM_TITLE[t["update"]],
                    "negative and positive" if t["negative"] else "positive only",
                    f"{t['long_range']:.2f}",
                    f"{t[f'week_{early}_mean']:.3f}",
                    f"{t['final_mean']:.3f} ({t['final_sd']:.3f})",
                ]
                for t in fm["table"]
            ],
        )
        out["flache_macy_trend"] = "; ".join(
            f"{FM_TITLE[key.split(':')[0]]}, "
            f"{'negative' if key.endswith('True') else 'positive only'}: Spearman rho "
            f"{v['spearman_rho']:+.2f} (p = {v['pvalue']:.2g}) on the {v['measure']} value"
            for key, v in fm["trend_with_long_range"].items()
        )
    return out
