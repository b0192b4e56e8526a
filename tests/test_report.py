"""The comparison report: hand-made catalogue with known numbers, an independent
recomputation from the Parquet files of real runs, and the pure analysis functions."""

from __future__ import annotations

import html
import json
import math
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim import api
from sim.analysis import effects as fx
from sim.analysis.stats import mean_ci
from sim.analysis.stats import t_quantile as stats_t_quantile
from sim.report import main as report_main
from sim.report import make_report
from sim.sweep.runner import execute
from tests.conftest import ROOT

T975 = {2: 4.302652729749464, 4: 2.7764451051977987}  # t tables, 0.975 quantile

# --------------------------------------------------------------------------- hand-made

#: Final cohesion index per (future, policy) for seeds 0, 1, 2.
FINAL = {
    ("baseline", "none"): [50.0, 52.0, 54.0],
    ("baseline", "alpha"): [52.0, 55.0, 56.0],  # diffs 2, 3, 2
    ("baseline", "beta"): [51.0, 53.0, 55.0],  # diffs 1, 1, 1
    ("strain", "none"): [40.0, 41.0, 42.0],
    ("strain", "alpha"): [40.5, 41.0, 42.5],  # diffs 0.5, 0, 0.5
    ("strain", "beta"): [43.0, 44.0, 46.0],  # diffs 3, 3, 4
}
#: Cohesion index for group:x, final: alpha lowers it, beta leaves it as it is.
GROUP_X = {"none": [60.0, 60.0, 60.0], "alpha": [58.0, 57.5, 58.5], "beta": [60.0, 60.0, 60.0]}
WEEKS = 2


def _write_run(d: Path, info: dict, rows: list[tuple[int, str, str, float]]) -> None:
    d.mkdir(parents=True)
    ts = pd.DataFrame(rows, columns=["step", "metric", "scope", "value"])
    ts.to_parquet(d / "timeseries.parquet")
    pd.DataFrame({"citizen": [0, 1], "opinion": [0.1, 0.9]}).to_parquet(d / "final_state.parquet")
    (d / "run.json").write_text(json.dumps(info))


@pytest.fixture
def hand_made(tmp_path: Path) -> Path:
    """A sweep directory written by hand: 3 policies x 2 futures x 3 seeds, + 1 failed run."""
    for (future, policy), finals in FINAL.items():
        for seed, final in enumerate(finals):
            rows: list[tuple[int, str, str, float]] = []
            for step, v in ((0, 45.0), (1, (45.0 + final) / 2), (2, final)):
                rows.append((step, "cohesion_index", "all", v))
            rows.append((WEEKS, "cohesion_index", "group:x", GROUP_X[policy][seed]))
            for week in range(1, WEEKS + 1):
                if policy == "alpha":  # logs the policy's total
                    rows.append((week, "euros_spent", "all", 50_000.0))
                    rows.append((week, "alpha_team.euros", "all", 999.0))  # not added twice
                if policy == "beta":  # logs per intervention only
                    rows.append((week, "b1.euros", "all", 100_000.0))
                    rows.append((week, "b2.euros", "all", 50_000.0))
            info = {
                "policy": policy,
                "future": future,
                "seed": seed,
                "status": "complete",
                "config_hash": f"{future}-{policy}-{seed}",
                "steps": WEEKS,
                "population": 2,
                "overrides": [f"policy={policy}", f"scenario={future}", f"seed={seed}"],
            }
            _write_run(tmp_path / f"{future}-{policy}-{seed}", info, rows)
    failed = {
        "policy": "alpha",
        "future": "baseline",
        "seed": 3,
        "status": "failed",
        "error": "RuntimeError: broken",
        "overrides": ["policy=alpha", "scenario=baseline", "seed=3"],
    }
    d = tmp_path / "baseline-alpha-3"
    d.mkdir()
    (d / "run.json").write_text(json.dumps(failed))
    return tmp_path


def _row(summary: pd.DataFrame, context: str, policy: str) -> pd.Series:
    r = summary[(summary["context"] == context) & (summary["policy"] == policy)]
    assert len(r) == 1, (context, policy)
    return r.iloc[0]


def test_report_numbers_match_a_hand_made_catalogue(hand_made):
    rep = make_report(hand_made)
    s = pd.read_csv(rep.summary)
    # effects and 95% intervals: mean diff +- t(0.975, 2) * sd / sqrt(3)
    a = _row(s, "baseline", "alpha")
    assert a["pairs"] == 3
    assert a["effect"] == pytest.approx(7 / 3)
    half = T975[2] * math.sqrt(1 / 3) / math.sqrt(3)
    assert a["effect_ci_low"] == pytest.approx(7 / 3 - half)
    assert a["effect_ci_high"] == pytest.approx(7 / 3 + half)
    b = _row(s, "baseline", "beta")
    assert (b["effect"], b["effect_ci_low"], b["effect_ci_high"]) == pytest.approx((1, 1, 1))
    a2 = _row(s, "strain", "alpha")
    half2 = T975[2] * math.sqrt(1 / 12) / math.sqrt(3)
    assert (a2["effect_ci_low"], a2["effect_ci_high"]) == pytest.approx(
        (1 / 3 - half2, 1 / 3 + half2)
    )
    # regret: best policy per future minus own mean effect (none counts as 0)
    assert a["regret"] == pytest.approx(0.0)
    assert b["regret"] == pytest.approx(7 / 3 - 1)
    assert _row(s, "baseline", "none")["regret"] == pytest.approx(7 / 3)
    assert a2["regret"] == pytest.approx(10 / 3 - 1 / 3)
    assert _row(s, "strain", "beta")["regret"] == pytest.approx(0.0)
    assert a["best_policy"] == "alpha"
    assert a2["best_policy"] == "beta"
    # share of seeds in which each policy is best
    assert a["p_best"] == 1.0
    assert b["p_best"] == 0.0
    assert _row(s, "strain", "beta")["p_best"] == 1.0
    # costs: alpha logs euros_spent (its per-intervention line is not added again),
    # beta only per-intervention lines, summed
    assert a["euros_spent_mean"] == pytest.approx(100_000)
    assert b["euros_spent_mean"] == pytest.approx(300_000)
    assert a["points_per_million_eur"] == pytest.approx((7 / 3) / 0.1)
    assert a["ppm_ci_low"] == pytest.approx((7 / 3 - half) / 0.1)
    assert _row(s, "strain", "beta")["points_per_million_eur"] == pytest.approx((10 / 3) / 0.3)
    assert math.isnan(_row(s, "baseline", "none")["points_per_million_eur"])
    # ranking across futures: by maximum regret
    al, be, no = (_row(s, "all futures", p) for p in ("alpha", "beta", "none"))
    assert (be["rank"], al["rank"], no["rank"]) == (1, 2, 3)
    assert be["max_regret"] == pytest.approx(4 / 3)
    assert al["max_regret"] == pytest.approx(3.0)
    assert no["max_regret"] == pytest.approx(10 / 3)
    assert al["effect"] == pytest.approx((7 / 3 + 1 / 3) / 2)
    assert al["worst_future"] == "strain"
    assert al["worst_effect"] == pytest.approx(1 / 3)
    assert be["worst_future"] == "baseline"
    assert al["points_per_million_eur"] == pytest.approx(((7 / 3 + 1 / 3) / 2) / 0.1)
    # its interval: each seed's differences averaged over the futures, then t over seeds
    seed_means = np.array([(2 + 0.5) / 2, (3 + 0) / 2, (2 + 0.5) / 2])
    half_all = T975[2] * seed_means.std(ddof=1) / math.sqrt(3)
    assert (al["effect_ci_low"], al["effect_ci_high"]) == pytest.approx(
        (4 / 3 - half_all, 4 / 3 + half_all)
    )
    assert al["pairs"] == 3
    assert al["runs"] == 6  # the failed run is left out
    # the frontier in the baseline future: alpha (EUR 100,000, 7/3 points) against
    # nothing; beta costs more for less (EUR 300,000, 1 point): dominated
    icer = rep.tables["icer"].set_index(["context", "policy"])
    assert icer.loc[("baseline", "alpha"), "status"] == "frontier"
    assert icer.loc[("baseline", "alpha"), "icer"] == pytest.approx(100_000 / (7 / 3))
    assert icer.loc[("baseline", "beta"), "status"] == "dominated"
    ceac = rep.tables["ceac"].set_index(["context", "wtp", "policy"])["p_best"]
    assert ceac[("baseline", 0.0, "none")] == 1.0
    assert ceac[("baseline", 1e6, "alpha")] == 1.0  # 2-3 points a seed for EUR 100,000
    assert "Incremental cost-effectiveness" in rep.html.read_text()


def test_report_names_the_shortfalls(hand_made):
    rep = make_report(hand_made)
    short = rep.tables["shortfalls"]
    kinds = set(zip(short["policy"], short["context"], short["kind"], strict=True))
    assert ("alpha", "strain", "no_detectable_effect") in kinds
    assert ("alpha", "strain", "outperformed") in kinds
    assert ("beta", "baseline", "outperformed") in kinds
    harm = short[(short["kind"] == "measure_harm") & (short["policy"] == "alpha")]
    assert set(harm["measure"]) == {"cohesion_index in group:x"}
    assert harm["effect"].iloc[0] == pytest.approx(-2.0)
    missed = short[(short["kind"] == "measure_not_reached") & (short["policy"] == "beta")]
    assert set(missed["context"]) == {"baseline", "strain"}
    assert not ((short["policy"] == "beta") & (short["kind"] == "harm")).any()
    page = rep.html.read_text()
    assert "does not measurably improve" in page
    assert "RuntimeError: broken" in page  # the failed run is listed


def test_report_page_is_self_contained_and_every_figure_explained(hand_made):
    page = make_report(hand_made).html.read_text()
    assert not re.search(r"(src|href)=['\"]?(https?:|//)", page)
    figures = re.findall(r"<h3>([^<]+)</h3><p class='explain'>([^<]+)</p><img ", page)
    n_img = page.count("<img ")
    assert n_img >= 5  # two fan charts, effects, regret, costs, measures
    assert len(figures) == n_img
    for title, text in figures:
        assert title.strip()
        assert text.strip().endswith(".")


def test_report_page_fetches_nothing_and_its_template_comes_from_the_package(hand_made):
    import importlib.resources
    from html.parser import HTMLParser

    import jinja2

    from sim.report import page as report_page

    # a failed run whose message holds markup: the page must show it, not run it
    run_json = hand_made / "baseline-alpha-3" / "run.json"
    info = json.loads(run_json.read_text())
    info["error"] = "RuntimeError: <script>alert('x')</script> & more"
    run_json.write_text(json.dumps(info))
    text = make_report(hand_made).html.read_text()

    class Refs(HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.tags: list[str] = []
            self.refs: list[tuple[str, str, str]] = []

        def handle_starttag(self, tag, attrs):
            self.tags.append(tag)
            for name, value in attrs:
                if name in ("src", "href", "srcset", "poster", "data", "action", "background"):
                    self.refs.append((tag, name, value or ""))

    parsed = Refs()
    parsed.feed(text)
    assert not [r for r in parsed.refs if re.match(r"\s*(https?:)?//", r[2], re.IGNORECASE)]
    assert parsed.refs and all(
        (tag, name) == ("img", "src") and value.startswith("data:image/png;base64,")
        for tag, name, value in parsed.refs
    )
    assert not {"script", "link", "iframe", "object", "embed"} & set(parsed.tags)
    assert "style" in parsed.tags and not re.search(r"@import|url\(", text)  # inline style
    assert "RuntimeError: &lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; more" in text

    # the template is the installed package's, read by a PackageLoader, autoescaped
    env = report_page.environment()
    assert isinstance(env.loader, jinja2.PackageLoader)
    assert env.autoescape is True
    template = env.get_template(report_page.TEMPLATE)
    assert template.filename is not None
    installed = importlib.resources.files("sim.report") / "templates" / report_page.TEMPLATE
    assert Path(template.filename).resolve() == Path(str(installed)).resolve()


def test_report_without_reference_or_costs_says_so(tmp_path):
    for seed in range(2):
        rows = [(0, "cohesion_index", "all", 50.0), (1, "cohesion_index", "all", 50.0 + seed)]
        info = {"policy": "alpha", "future": "baseline", "seed": seed, "status": "complete"}
        _write_run(tmp_path / str(seed), info, rows)
    rep = make_report(tmp_path)
    page = html.unescape(rep.html.read_text())
    assert "No run of policy 'none'" in page
    assert "costs are taken as 0" in page
    assert rep.tables["effects"].empty


def test_report_command(hand_made, capsys):
    r = subprocess.run(
        [sys.executable, "-m", "sim.report", str(hand_made)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert r.returncode == 0, r.stderr
    assert "summary.csv" in r.stdout
    assert (hand_made / "results.duckdb").is_file()
    with pytest.raises(SystemExit) as exit_info:
        report_main([str(hand_made / "nowhere")])
    assert exit_info.value.code == 1
    err = capsys.readouterr().err
    assert err.strip().count("\n") == 0
    assert "not a directory" in err


# --------------------------------------------------------------------------- real runs

SMALL = ["population.size=300", "steps=8", "burn_in=4", "progress=false", "plot=false"]
POLICIES = sorted(p.stem for p in (ROOT / "configs" / "policy").glob("*.yaml"))
FUTURES = sorted(p.stem for p in (ROOT / "configs" / "scenario").glob("*.yaml"))


def test_report_agrees_with_an_independent_recomputation_from_parquet(tmp_path):
    policies = ["none", *[p for p in ("integrated",) if p in POLICIES]]
    futures = ["baseline", *[f for f in ("economic_strain",) if f in FUTURES]]
    jobs = [
        [*SMALL, f"policy={p}", f"scenario={f}", f"seed={s}"]
        for p in policies
        for f in futures
        for s in range(3)
    ]
    for i, job in enumerate(jobs):
        execute(api.compose(job), tmp_path / f"run{i}", tmp_path, job)
    summary = pd.read_csv(make_report(tmp_path).summary)

    # independently: read every run's files with pandas, pair by hand, t from scipy
    stats = pytest.importorskip("scipy.stats")
    rows = []
    for d in sorted(tmp_path.glob("run*")):
        info = json.loads((d / "run.json").read_text())
        ts = pd.read_parquet(d / "timeseries.parquet")
        ci = ts[(ts["metric"] == "cohesion_index") & (ts["scope"] == "all")]
        euros = ts[(ts["scope"] == "all") & ts["metric"].str.endswith(".euros")]["value"].sum()
        rows.append(
            {
                "policy": info["policy"],
                "future": info["future"],
                "seed": info["seed"],
                "final": ci.loc[ci["step"].idxmax(), "value"],
                "euros": euros,
            }
        )
    df = pd.DataFrame(rows)
    wide = df.pivot_table(index=["future", "seed"], columns="policy", values="final")
    for f in futures:
        means = {}
        for p in policies[1:]:
            d = (wide.loc[f, p] - wide.loc[f, "none"]).to_numpy()
            m, se = d.mean(), d.std(ddof=1) / np.sqrt(len(d))
            lo, hi = stats.t.interval(0.95, len(d) - 1, loc=m, scale=se) if se > 0 else (m, m)
            r = _row(summary, f, p)
            assert r["effect"] == pytest.approx(m, abs=1e-9)
            assert r["effect_ci_low"] == pytest.approx(lo, abs=1e-9)
            assert r["effect_ci_high"] == pytest.approx(hi, abs=1e-9)
            spent = df[(df["future"] == f) & (df["policy"] == p)]["euros"].mean()
            assert r["euros_spent_mean"] == pytest.approx(spent)
            means[p] = m
        means["none"] = 0.0
        best = max(means.values())
        for p, m in means.items():
            assert _row(summary, f, p)["regret"] == pytest.approx(best - m, abs=1e-9)


def test_report_of_several_municipalities_maps_effects_and_flags_the_small_ones(tmp_path):
    from html.parser import HTMLParser

    from sim.places import municipalities
    from sim.report.figures import fig_municipal_effects

    country = ["population=netherlands", "population.fraction=0.0002", "steps=3", "burn_in=2"]
    for policy in ("none", "canvassing"):
        for seed in range(3):
            job = [*country, "progress=false", "plot=false", f"policy={policy}", f"seed={seed}"]
            execute(api.compose(job), tmp_path / f"{policy}-{seed}", tmp_path, job)
    rep = make_report(tmp_path)
    page = rep.html.read_text()
    text = html.unescape(page)

    # dates where the page gives weeks
    assert "place: the Netherlands" in text
    assert "3 weeks, from 1 January 2025 (week 0, the end of the burn-in) to 22 January 2025" in (
        text.replace("\n", " ")
    )
    # effect tables give intervals, the ranking's mean over futures too
    summary = pd.read_csv(rep.summary)
    overall = _row(summary, "all futures", "canvassing")
    assert overall["effect_ci_low"] < overall["effect"] < overall["effect_ci_high"]
    assert overall["pairs"] == 3
    ranking = rep.tables["mean_effects"].set_index("policy").loc["canvassing"]
    one = _row(summary, "baseline", "canvassing")  # one future: the same interval
    assert (ranking["ci_low"], ranking["ci_high"]) == pytest.approx(
        (one["effect_ci_low"], one["effect_ci_high"])
    )
    assert "mean effect [95% interval]" in text

    # the fan charts' time axis is in dates
    from sim.analysis.load import load_sweep
    from sim.report.figures import fig_fan

    data = load_sweep(tmp_path, rebuild=False)
    assert data.start_date == "2025-01-01"
    fan = fig_fan(data, rep.tables["fan"], "baseline")
    assert fan.axes[0].get_xlabel() == "date"
    x = fan.axes[0].lines[0].get_xdata()
    assert pd.Timestamp(x[0]) == pd.Timestamp("2025-01-01")
    assert pd.Timestamp(x[-1]) == pd.Timestamp("2025-01-22")

    # the map of effects per municipality is written and explained
    figures = re.findall(r"<h3>([^<]+)</h3><p class='explain'>([^<]+)</p><img ", page)
    assert len(figures) == page.count("<img ")
    titles = [html.unescape(t) for t, _ in figures]
    assert "Effect of each policy per municipality, all futures pooled" in titles

    # small municipalities: counted, listed apart with their citizens, not ranked or judged
    ts = pd.read_parquet(tmp_path / "none-0" / "timeseries.parquet")
    sizes = ts[(ts["metric"] == "citizens") & ts["scope"].str.startswith("municipality:")]
    counts = {s.split(":")[1]: int(v) for s, v in zip(sizes["scope"], sizes["value"], strict=True)}
    few = {c for c, n in counts.items() if n < 50}
    assert 0 < len(few) < len(counts) == 342
    names = municipalities().set_index("code")["name"]

    class Tables(HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.summaries: list[str] = []
            self.rows: dict[str, list[list[str]]] = {}
            self.where: str | None = None
            self.cell: list[str] | None = None

        def handle_starttag(self, tag, attrs):
            if tag == "summary":
                self.summaries.append("")
                self.where = "summary"
            elif tag == "tr" and self.summaries:
                self.rows.setdefault(self.summaries[-1], []).append([])
            elif tag == "td" and self.summaries:
                self.cell = []

        def handle_endtag(self, tag):
            if tag == "summary":
                self.where = None
            elif tag == "td" and self.cell is not None:
                self.rows[self.summaries[-1]][-1].append("".join(self.cell))
                self.cell = None

        def handle_data(self, data):
            if self.where == "summary":
                self.summaries[-1] += data
            if self.cell is not None:
                self.cell.append(data)

    parsed = Tables()
    parsed.feed(page)
    precise_key = next(k for k in parsed.rows if "at least 50 citizens" in k)
    few_key = next(k for k in parsed.rows if "fewer than 50 citizens" in k)
    assert f"({len(few)})" in few_key and "imprecise, not mapped or judged" in few_key
    listed = {r[0]: r for r in parsed.rows[few_key] if r}
    assert len(listed) == len(few)
    for code in few:
        row = listed[f"{names[code]} ({code})"]
        assert row[1] == f"{counts[code]:,}"  # its citizens
        assert re.fullmatch(r"[+-]\d+\.\d\d \[[+-]\d+\.\d\d, [+-]\d+\.\d\d\]", row[2])
    precise = [r[0] for r in parsed.rows[precise_key] if r]
    assert len(precise) == len(counts) - len(few)
    assert precise == sorted(precise, key=lambda n: n.casefold().lstrip("'"))  # not ranked
    short = rep.tables["shortfalls"]
    judged = set(short["measure"].dropna())
    assert not {f"cohesion_index in municipality:{c}" for c in few} & judged
    assert "not judged here or drawn in the heat map" in text
    assert f"{len(few)} municipalities (listed with their\ncitizens in section 7)" in text

    # the map: small municipalities hatched, the others coloured by their effect
    eff = rep.tables["municipalities"]
    assert set(eff["name"]) == set(counts)
    fig = fig_municipal_effects(eff, counts, 50, "cohesion_index")
    (ax,) = [a for a in fig.axes if a.collections and a.get_title() == "canvassing"]
    by_gid = {c.get_gid(): c for c in ax.collections}
    assert len(by_gid["few"].get_paths()) == len(few) and by_gid["few"].get_hatch()
    assert len(by_gid["coloured"].get_paths()) == len(counts) - len(few)
    assert f"hatched: {len(few)} municipalities with fewer than 50 citizens" in (fig.get_suptitle())

    # a smaller minimum, from the command line's option, flags fewer
    r = subprocess.run(
        [sys.executable, "-m", "sim.report", str(tmp_path), "--no-rebuild", "--small-scope", "5"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert r.returncode == 0, r.stderr
    fewer = sum(1 for n in counts.values() if n < 5)
    assert fewer < len(few)
    assert f"fewer than 5 citizens\n({fewer})" in html.unescape(rep.html.read_text())


# --------------------------------------------------------------------------- functions


@pytest.mark.parametrize("df", [1, 2, 3, 4, 7, 9, 19, 30, 120, 1000])
def test_t_quantile(df):
    stats = pytest.importorskip("scipy.stats")
    assert stats_t_quantile(0.975, df) == pytest.approx(stats.t.ppf(0.975, df), abs=1e-10)
    assert stats_t_quantile(0.9, df) == pytest.approx(stats.t.ppf(0.9, df), abs=1e-10)
    if df in T975:
        assert stats_t_quantile(0.975, df) == pytest.approx(T975[df], abs=1e-12)


def test_mean_ci_edge_cases():
    one = mean_ci([2.0])
    assert one["mean"] == 2.0
    assert math.isnan(one["ci_low"])
    flat = mean_ci([1.5, 1.5, 1.5])
    assert (flat["ci_low"], flat["ci_high"]) == (1.5, 1.5)


def test_paired_differences_pair_by_seed_and_sample():
    o = pd.DataFrame(
        {
            "context": ["f"] * 6,
            "policy": ["none", "none", "p", "p", "p", "q"],
            "seed": [0, 1, 0, 1, 2, 0],
            "sample": [np.nan, np.nan, np.nan, np.nan, np.nan, np.nan],
            "value": [1.0, 2.0, 4.0, 6.0, 9.0, 0.0],
        }
    )
    d = fx.paired_differences(o)
    assert sorted(zip(d["policy"], d["seed"], d["diff"], strict=True)) == [
        ("p", 0, 3.0),
        ("p", 1, 4.0),
        ("q", 0, -1.0),
    ]  # seed 2 of p has no partner
    dup = pd.concat([o, o.iloc[[0]]])
    with pytest.raises(ValueError, match="share"):
        fx.paired_differences(dup)


def test_mean_over_futures_has_an_interval_only_for_a_balanced_design():
    d = pd.DataFrame(
        {
            "context": ["a", "a", "b", "b"],
            "policy": "p",
            "seed": [0, 1, 0, 1],
            "sample": np.nan,
            "diff": [1.0, 3.0, 2.0, 2.0],
        }
    )
    m = fx.context_mean_effects(d).iloc[0]
    assert (m["contexts"], m["n"], m["effect"]) == (2, 2, 2.0)
    half = stats_t_quantile(0.975, 1) * np.std([1.5, 2.5], ddof=1) / math.sqrt(2)
    assert (m["ci_low"], m["ci_high"]) == pytest.approx((2.0 - half, 2.0 + half))
    unbalanced = fx.context_mean_effects(d.iloc[:3]).iloc[0]
    assert unbalanced["effect"] == pytest.approx((2.0 + 2.0) / 2)  # as the ranking's
    assert unbalanced["n"] == 1 and math.isnan(unbalanced["ci_low"])


def test_regret_and_ranking_with_a_baseline_best():
    eff = pd.DataFrame({"context": ["a", "a"], "policy": ["p", "q"], "effect": [-1.0, -2.0]})
    r = fx.regret(eff).set_index("policy")
    assert r.loc["none", "regret"] == 0.0
    assert r.loc["p", "regret"] == 1.0
    assert r.loc["q", "best_policy"] == "none"
    rank = fx.ranking(eff)
    assert list(rank["policy"]) == ["none", "p", "q"]


def test_fan_quantiles_over_runs():
    series = pd.DataFrame(
        {
            "context": "f",
            "policy": "p",
            "run": [f"r{i}" for i in range(5)] * 2,
            "step": [0] * 5 + [1] * 5,
            "value": [1.0, 2.0, 3.0, 4.0, 5.0, 10.0, 10.0, 10.0, 10.0, 30.0],
        }
    )
    fan = fx.fan_quantiles(series).set_index("step")
    assert list(fan["runs"]) == [5, 5]
    assert fan.loc[0, ["q05", "q25", "q50", "q75", "q95"]].tolist() == pytest.approx(
        [1.2, 2.0, 3.0, 4.0, 4.8]
    )
    assert fan.loc[1, "q50"] == 10.0
    assert fan.loc[1, "q95"] == pytest.approx(26.0)


def test_a_policy_lists_at_most_a_dozen_shortfalls_and_counts_the_rest():
    import pandas as pd

    from sim.report.page import MAX_SHORTFALLS, _shortfalls

    n = MAX_SHORTFALLS + 5
    short = pd.DataFrame(
        {
            "policy": ["canvassing"] * n,
            "kind": ["measure_harm"] * n,
            "context": ["baseline"] * n,
            "measure": [f"trust_mean in municipality:GM{i:04d}" for i in range(n)],
            "effect": [-1.0] * n,
            "ci_low": [-2.0] * n,
            "ci_high": [-0.5] * n,
            "other": [None] * n,
        }
    )
    (s,) = _shortfalls(short, ["none", "canvassing"], "cohesion_index")
    assert len(s.items) == MAX_SHORTFALLS and s.more == 5
