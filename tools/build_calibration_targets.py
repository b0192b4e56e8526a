"""Write ``data/calibration_targets.csv``: the measured patterns of 2012-2024 to calibrate on.

Each row is one published figure (or one figure computed from published ones) with the
period it covers, its sampling standard error and where it was read; ``data/README.md``
(section *calibration_targets.csv*) describes the columns and the choices. Figures that
are already in ``data/cbs_trust.csv`` are taken from there with that file's provenance;
the others are entered below with theirs.

Standard errors (``obs_sd``) of survey shares are ``sqrt(p (1 - p) / n) * DEFF_SE``, with
``n`` the cell's (approximate) number of respondents; a figure rounded to a whole per cent
adds the rounding error (0.01 / sqrt(12)) in quadrature. Turnouts are counts: 0.005.

Usage::

    python -m tools.build_calibration_targets          # writes data/calibration_targets.csv
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Iterable
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data"
OUT = DATA / "calibration_targets.csv"

COLUMNS = [
    "pattern",
    "metric",
    "scope",
    "start",
    "end",
    "value",
    "obs_sd",
    "source",
    "period_note",
    "where_read",
    "verified",
    "note",
]

#: Net respondents a year of CBS's Sociale samenhang en welzijn ("circa 7 500 personen",
#: CBS's short survey description; data/README.md).
N_YEAR = 7500
#: Factor applied to the simple-random-sampling standard error (weighting, mixed mode).
DEFF_SE = 1.5
#: Respondents of one wave of SCP's Continu Onderzoek Burgerperspectieven (1,171 in 2018|1).
N_COB = 1200
#: Standard deviation of the error of rounding to a whole per cent.
ROUND_PCT = 0.01 / math.sqrt(12)
#: Turnouts are counts; their standard deviation only covers rounding.
TURNOUT_SD = 0.005

#: Approximate shares used for the cell sizes (see data/README.md): the 2012 share of
#: havo/vwo/mbo among persons 15-65 (71822NED, data/education_mix.csv), shares of
#: inhabitants by the former classification and origin in 2020 (84799NED, via
#: data/municipal_composition.csv), and the age bands of persons 15+ in 2024 (85984NED).
SHARE = {
    "edu_middle": 4432 / 10884,
    "dutch": 0.758,
    "western": 0.104,
    "non_western": 0.138,
    "turkish": 0.0239,
    "moroccan": 0.0235,
    "surinamese": 0.0198 + 0.0089,  # CBS's group includes the Antillean origin
    "age:15-24": 0.145,
    "age:25-44": 0.301,
    "age:45-64": 0.313,
    "age:65+": 0.241,
}

CBS_82378 = "CBS StatLine 82378NED Vertrouwen in mensen en in organisaties; persoonskenmerken"
ST_2022 = (
    "CBS Statistische Trends 2022 (Schmeets & Exel), Vertrouwen in medemens en instituties "
    "voor en tijdens de pandemie"
)
ST_2022_URL = (
    "https://www.cbs.nl/nl-nl/longread/statistische-trends/2022/"
    "vertrouwen-in-medemens-en-instituties-voor-en-tijdens-de-pandemie/"
)
ST_2021 = (
    "CBS Statistische Trends 2021 (Schmeets & Exel), Vertrouwen van migranten in medemens en "
    "instituties, section 4 (table 4.1)"
)
ST_2021_URL = (
    "https://www.cbs.nl/nl-nl/longread/statistische-trends/2021/"
    "vertrouwen-van-migranten-in-medemens-en-instituties/4-de-18-groepen-met-een-migratieachtergrond"
)
HEERLEN = (
    "CBS Aanvullende statistische diensten 2022 (Schmeets, Exel, Ten Westenend, Martens), De "
    "Heitjes en het {} in Heerlen (51 large municipalities, 2012-2019)"
)
HEERLEN_URL = "https://www.cbs.nl/nl-nl/longread/aanvullende-statistische-diensten/2022/"
KAART = "CBS Statistische Trends 2018 (Schmeets), Vertrouwen op de kaart"
SSW_2023 = "CBS news 9 May 2023 on Sociale samenhang en welzijn 2022"
SCP_COB = "SCP Continu Onderzoek Burgerperspectieven"
SCP_2023_1 = (
    "https://www.scp.nl/onderzoeksprogramma/continu-onderzoek-burgerperspectieven/"
    "documenten/publicaties/2023/04/20/burgerperspectieven-2023-bericht-1"
)


def se(p: float, n: float, rounded: bool = False) -> float:
    """The standard error of a survey share: binomial, times DEFF_SE, plus rounding."""
    s = math.sqrt(p * (1 - p) / n) * DEFF_SE
    return math.hypot(s, ROUND_PCT) if rounded else s


def year(y: int) -> tuple[str, str]:
    """The first and last day of a year."""
    return f"{y}-01-01", f"{y}-12-31"


def span(y0: int, y1: int) -> tuple[str, str]:
    """The first day of one year and the last of another (a pooled period)."""
    return f"{y0}-01-01", f"{y1}-12-31"


def quarter(y: int, q: int) -> tuple[str, str]:
    """The first and last day of a quarter."""
    last = {1: "03-31", 2: "06-30", 3: "09-30", 4: "12-31"}[q]
    return f"{y}-{3 * q - 2:02d}-01", f"{y}-{last}"


def row(
    pattern: str,
    metric: str,
    scope: str,
    period: tuple[str, str],
    value: float,
    obs_sd: float,
    source: str,
    where_read: str,
    verified: str,
    note: str = "",
    period_note: str = "",
) -> dict[str, object]:
    """One row of the file (value and obs_sd rounded to four decimals)."""
    return {
        "pattern": pattern,
        "metric": metric,
        "scope": scope,
        "start": period[0],
        "end": period[1],
        "value": round(value, 4),
        "obs_sd": round(obs_sd, 4),
        "source": source,
        "period_note": period_note,
        "where_read": where_read,
        "verified": verified,
        "note": note,
    }


class Trust:
    """Lookups in data/cbs_trust.csv (first row of a cell, as sim/people.py reads it)."""

    def __init__(self) -> None:
        df = pd.read_csv(DATA / "cbs_trust.csv", dtype={"period": str})
        self.df = df.drop_duplicates(["measure", "breakdown", "category", "period"])

    def get(self, measure: str, breakdown: str, category: str, period: str) -> pd.Series:
        """The row of one cell; KeyError if the file has none."""
        hit = self.df[
            (self.df["measure"] == measure)
            & (self.df["breakdown"] == breakdown)
            & (self.df["category"] == category)
            & (self.df["period"] == period)
        ]
        if hit.empty:
            raise KeyError((measure, breakdown, category, period))
        return hit.iloc[0]


def _82378(trust: Trust, measure: str, breakdown: str, category: str, y: int) -> pd.Series:
    r = trust.get(measure, breakdown, category, str(y))
    assert r["source"].startswith("CBS StatLine 82378NED"), r["source"]
    return r


def totals_82378(trust: Trust) -> Iterable[dict[str, object]]:
    """Totals 2012-2017 (82378NED) for the three trusts."""
    check = "totals also read on CBS's own page of 82378NED (cbs.nl/nl-nl/cijfers/detail/82378NED)"
    for y in range(2012, 2018):
        p = _82378(trust, "parliament", "total", "total", y)
        yield row(
            f"parliament_{y}", "trust_politics_share", "all", year(y), p["share"],
            se(p["share"], N_YEAR), CBS_82378, p["where_read"], "yes", check,
        )  # fmt: skip
        yield rule_of_law(
            f"rule_of_law_{y}", "all", year(y),
            _82378(trust, "police", "total", "total", y),
            _82378(trust, "judges", "total", "total", y), N_YEAR, CBS_82378, check,
        )  # fmt: skip
        q = _82378(trust, "people", "total", "total", y)
        yield row(
            f"people_{y}", "trust_people_share", "all", year(y), q["share"],
            se(q["share"], N_YEAR), CBS_82378, q["where_read"], "yes", check,
        )  # fmt: skip


def rule_of_law(
    pattern: str,
    scope: str,
    period: tuple[str, str],
    police: pd.Series | float,
    judges: pd.Series | float,
    n: float,
    source: str,
    note: str = "",
    where_read: str = "",
    inputs: str = "verified",
    rounded: bool = False,
    period_note: str = "",
) -> dict[str, object]:
    """The mean of trust in the police and in judges, with the mean of their errors."""
    p = float(police["share"]) if isinstance(police, pd.Series) else police
    j = float(judges["share"]) if isinstance(judges, pd.Series) else judges
    if isinstance(police, pd.Series):
        where_read = where_read or str(police["where_read"])
    value = (p + j) / 2
    sd = (se(p, n, rounded) + se(j, n, rounded)) / 2
    how = (
        f"derived: mean of trust in the police ({p:.3f}) and in judges ({j:.3f}), both "
        f"{inputs}; obs_sd the mean of their standard errors (correlation 1 assumed)"
    )
    return row(
        pattern, "trust_rule_of_law_share", scope, period, value, sd, source, where_read,
        "derived", f"{how}; {note}" if note else how, period_note,
    )  # fmt: skip


def totals_later(trust: Trust) -> Iterable[dict[str, object]]:
    """Totals 2018-2024 from CBS's later publications and the press."""
    st_inst = ST_2022 + ", table 4.1.1"
    url_inst = ST_2022_URL + "4-vertrouwen-in-instituties"
    url_people = ST_2022_URL + "3-onderling-vertrouwen"
    # parliament
    p18 = trust.get("parliament", "total", "total", "2018")
    yield row(
        "parliament_2018", "trust_politics_share", "all", year(2018), p18["share"],
        se(p18["share"], N_YEAR, rounded=True),
        "CBS release of March 2019 (Sociale samenhang en welzijn 2018)", p18["where_read"],
        "secondary",
        "ANP's report of the release (42 per cent); consistent with CBS's mean of 41% over "
        "2017-2019 in its release of March 2022 (blikopnieuws.nl/nieuws/293500): "
        "3 x 41 - 40.8 - 40.0 = 42",
    )  # fmt: skip
    for y, v in ((2019, 0.400), (2020, 0.532), (2021, 0.423)):
        first = {2019: " CBS's first release (March 2021) gave 39%.", 2020: " CBS's first "
                 "release (March 2021) gave 52%.", 2021: ""}[y]  # fmt: skip
        yield row(
            f"parliament_{y}", "trust_politics_share", "all", year(y), v, se(v, N_YEAR),
            st_inst, url_inst, "yes", ("the later, revised figure." + first).strip(),
        )  # fmt: skip
    for q, v in ((1, 0.44), (2, 0.58)):
        yield row(
            f"parliament_2020q{q}", "trust_politics_share", "all", quarter(2020, q), v,
            se(v, N_YEAR / 4, rounded=True), SSW_2023,
            "https://www.blikopnieuws.nl/nieuws/298407/"
            "vertrouwen-in-tweede-kamer-in-afgelopen-10-jaar-nog-nooit-zo-laag.html",
            "secondary", "CBS's quarterly figure as quoted by the press (whole per cents); "
            "CBS's quarterly figures come from a time-series model",
            "a quarter of parliament_2020",
        )  # fmt: skip
    # 84994NED publishes the 95% interval: 35.3 (33.5-37.2)
    yield row(
        "parliament_2021q4", "trust_politics_share", "all", quarter(2021, 4), 0.353,
        (0.372 - 0.335) / (2 * 1.96),
        "CBS StatLine 84994NED Welzijn; tevredenheid, vertrouwen en participatie per kwartaal",
        "https://www.cbs.nl/nl-nl/cijfers/detail/84994NED?q=tweede%20kamer%20verkiezingen",
        "yes", "obs_sd from CBS's published 95% interval (33.5-37.2), a model-based "
        "(time-series) estimate", "a quarter of parliament_2021",
    )  # fmt: skip
    p22 = trust.get("parliament", "total", "total", "2022")
    yield row(
        "parliament_2022", "trust_politics_share", "all", year(2022), p22["share"],
        se(p22["share"], N_YEAR), SSW_2023, p22["where_read"], "secondary",
        "30.4% for the whole year as reported by parlement.com (PDC) from the CBS release",
    )  # fmt: skip
    q4 = trust.get("parliament", "total", "total", "2022Q4")
    yield row(
        "parliament_2022q4", "trust_politics_share", "all", quarter(2022, 4), q4["share"],
        se(q4["share"], N_YEAR / 4, rounded=True), SSW_2023,
        "https://www.blikopnieuws.nl/nieuws/298407/"
        "vertrouwen-in-tweede-kamer-in-afgelopen-10-jaar-nog-nooit-zo-laag.html",
        "secondary", "CBS's words as quoted: 25 per cent in the last quarter of 2022, the lowest "
        "since 2012", "a quarter of parliament_2022",
    )  # fmt: skip
    p23 = trust.get("parliament", "total", "total", "2023")
    yield row(
        "parliament_2023", "trust_politics_share", "all", year(2023), p23["share"],
        se(p23["share"], N_YEAR, rounded=True),
        "CBS release of 2024 (Sociale samenhang en welzijn 2023)", p23["where_read"],
        "secondary", "ANP's report: 29 per cent 'last year'; the year follows from the EU "
        "figure compared with 'two years earlier' (53% in 2021)",
    )  # fmt: skip
    # rule of law
    for y, pol, jud in ((2019, 0.753, 0.736), (2020, 0.781, 0.773), (2021, 0.793, 0.792)):
        yield rule_of_law(
            f"rule_of_law_{y}", "all", year(y), pol, jud, N_YEAR, st_inst,
            where_read=url_inst, inputs="read in table 4.1.1",
        )  # fmt: skip
    yield rule_of_law(
        "rule_of_law_2022", "all", year(2022),
        trust.get("police", "total", "total", "2022"),
        trust.get("judges", "total", "total", "2022"), N_YEAR, SSW_2023,
        inputs="secondary (police 77.0%, judges 76.6%, parlement.com from the CBS release)",
    )  # fmt: skip
    yield rule_of_law(
        "rule_of_law_2024", "all", year(2024),
        trust.get("police", "total", "total", "2024"),
        trust.get("judges", "total", "total", "2024"), N_YEAR,
        "CBS release of May 2025 (Sociale samenhang en welzijn 2012-2024)",
        inputs="secondary (police 79%, judges 78%, ANP's report of the CBS release)",
        rounded=True,
    )  # fmt: skip
    # people
    q18 = trust.get("people", "total", "total", "2018")
    yield row(
        "people_2018", "trust_people_share", "all", year(2018), q18["share"],
        se(q18["share"], N_YEAR), "CBS release of March 2019 (Sociale samenhang en welzijn 2018)",
        q18["where_read"], "secondary",
        "61.7% as reported by nu.nl; CBS's own text gives 62% for 2017 and 2018 (Statistische "
        "Trends 2020, Vertrouwen, maatschappelijk onbehagen en pessimisme, section 2.1)",
    )  # fmt: skip
    yield row(
        "people_2020", "trust_people_share", "all", year(2020), 0.63,
        se(0.63, N_YEAR, rounded=True), ST_2022 + ", section 3 and summary", url_people, "yes",
        "63% (whole per cent; the four quarters of table 3.1 are 62.9-63.2)",
    )  # fmt: skip
    quarters = {
        (2020, 1): 0.630, (2020, 2): 0.629, (2020, 3): 0.632, (2020, 4): 0.630,
        (2021, 1): 0.649, (2021, 2): 0.659, (2021, 3): 0.673, (2021, 4): 0.672,
    }  # fmt: skip
    for (y, q), v in quarters.items():
        yield row(
            f"people_{y}q{q}", "trust_people_share", "all", quarter(y, q), v,
            se(v, N_YEAR / 4), ST_2022 + ", table 3.1", url_people, "yes",
            "CBS's quarterly figures come from a time-series model"
            + ("; 84994NED gives the same 67.2 with the 95% interval 64.9-69.5" if (y, q) == (
                2021, 4) else ""),
            f"a quarter of people_{y}",
        )  # fmt: skip
    yield row(
        "people_2021", "trust_people_share", "all", year(2021), 0.66,
        se(0.66, N_YEAR, rounded=True), ST_2022 + ", section 3", url_people, "yes",
        "the year's mean, 66% (whole per cent)",
    )  # fmt: skip
    q22 = trust.get("people", "total", "total", "2022")
    yield row(
        "people_2022", "trust_people_share", "all", year(2022), q22["share"],
        se(q22["share"], N_YEAR, rounded=True), SSW_2023, q22["where_read"], "secondary",
        "66 per cent as quoted from the CBS release",
    )  # fmt: skip
    yield row(
        "people_2023", "trust_people_share", "all", year(2023), 0.667, se(0.667, N_YEAR),
        "CBS Monitor Brede Welvaart en de Sustainable Development Goals, Hier en nu: "
        "Samenleving (indicator Vertrouwen in andere mensen)",
        "https://www.cbs.nl/nl-nl/visualisaties/monitor-brede-welvaart-en-de-sustainable-"
        "development-goals/hier-en-nu/samenleving",
        "yes", "66.7% of persons 15+ find most people can be trusted in 2023",
    )  # fmt: skip


def cells(trust: Trust) -> Iterable[dict[str, object]]:
    """Education (the level that maps cleanly) and origin, 2012 and 2017, from 82378NED."""
    groups = (
        ("edu_middle", "education", "havo_vwo_mbo", "education:middle", "edu_middle",
         "CBS's havo, vwo, mbo (mbo2-4 and havo/vwo upper years) is the model's middle level; "
         "low (basisonderwijs; vmbo, mbo1, avo onderbouw) and high (hbo, wo bachelor; wo "
         "master, doctor) are two categories each and the table gives no counts or weights, "
         "so they are not aggregated here (the five categories are in data/cbs_trust.csv)"),
        ("dutch", "origin", "dutch_background", "group:dutch", "dutch",
         "Dutch background, the former classification"),
        ("western", "origin", "western_migration_background", "origin:western", "western",
         "western migration background, the former classification (no single model group)"),
        ("nonwestern", "origin", "nonwestern_migration_background", "origin:non_western",
         "non_western", "non-western migration background, the former classification (no "
         "single model group)"),
    )  # fmt: skip
    for tag, breakdown, category, scope, share_key, what in groups:
        n = N_YEAR * SHARE[share_key]
        size = f"n assumed {n:.0f} ({N_YEAR} x the group's share {SHARE[share_key]:.3f})"
        for y in (2012, 2017):
            p = _82378(trust, "parliament", breakdown, category, y)
            yield row(
                f"parliament_{tag}_{y}", "trust_politics_share", scope, year(y), p["share"],
                se(p["share"], n), CBS_82378, p["where_read"], "yes", f"{what}; {size}",
            )  # fmt: skip
            yield rule_of_law(
                f"rule_of_law_{tag}_{y}", scope, year(y),
                _82378(trust, "police", breakdown, category, y),
                _82378(trust, "judges", breakdown, category, y), n, CBS_82378,
                f"{what}; {size}",
            )  # fmt: skip
            q = _82378(trust, "people", breakdown, category, y)
            yield row(
                f"people_{tag}_{y}", "trust_people_share", scope, year(y), q["share"],
                se(q["share"], n), CBS_82378, q["where_read"], "yes", f"{what}; {size}",
            )  # fmt: skip


def groups_and_ages(trust: Trust) -> Iterable[dict[str, object]]:
    """Trust in people of the largest origin groups (2012-2019) and by age (2012-2017)."""
    for group, category, what in (
        ("turkish", "Turkish", "origin Turkey"),
        ("moroccan", "Moroccan", "origin Morocco"),
        ("surinamese", "Surinamese/Antillean", "CBS's one group of origin Suriname and the "
         "(former) Netherlands Antilles; the model's caribbean_dutch has no figure of its own"),
    ):  # fmt: skip
        r = trust.get("people", "origin", category, "2012-2019pooled")
        n = 8 * N_YEAR * SHARE[group]
        yield row(
            f"people_{group}_2012_2019", "trust_people_share", f"group:{group}", span(2012, 2019),
            r["share"], se(r["share"], n, rounded=True), ST_2021, ST_2021_URL, "yes",
            f"{what}; uncorrected for age, sex and education; whole per cent; n assumed "
            f"{n:.0f} (eight years x {N_YEAR} x the group's 2020 share of inhabitants)",
            period_note="pooled 2012-2019",
        )  # fmt: skip
    age_src = (
        "CBS news 2018/22 Meer vertrouwen in elkaar en instituties, table Vertrouwen in de "
        "medemens 2012/2017"
    )
    age_url = "https://www.cbs.nl/nl-nl/nieuws/2018/22/meer-vertrouwen-in-elkaar-en-instituties"
    n6 = 6 * N_YEAR
    b = trust.get("people", "age", "15-24", "2012-2017pooled")
    yield row(
        "people_age_15_24_2012_2017", "trust_people_share", "age:15-24", span(2012, 2017),
        b["share"], se(b["share"], n6 * SHARE["age:15-24"]), age_src, age_url, "yes",
        "CBS's band 15 tot 25 is the model's 15-24", period_note="pooled 2012-2017",
    )  # fmt: skip
    for band, parts in (
        ("25-44", ("25-34", "35-44")), ("45-64", ("45-54", "55-64")), ("65+", ("65-74", "75+")),
    ):  # fmt: skip
        vals = [float(trust.get("people", "age", c, "2012-2017pooled")["share"]) for c in parts]
        n_part = n6 * SHARE[f"age:{band}"] / 2
        sd = math.hypot(*(se(v, n_part) for v in vals)) / 2
        yield row(
            f"people_age_{band.replace('-', '_').replace('+', 'plus')}_2012_2017",
            "trust_people_share", f"age:{band}", span(2012, 2017), sum(vals) / 2, sd, age_src,
            age_url, "derived",
            f"derived: unweighted mean of CBS's bands {parts[0]} ({vals[0]:.3f}) and {parts[1]} "
            f"({vals[1]:.3f}); CBS's ten-year bands do not match the model's band {band} and the "
            "source gives no weights",
            period_note="pooled 2012-2017",
        )  # fmt: skip


def places(trust: Trust) -> Iterable[dict[str, object]]:
    """Municipalities and provinces: CBS's regional figures as published or reported."""
    n6, n8 = 6 * N_YEAR, 8 * N_YEAR
    share15 = {  # the municipality's or province's share of persons 15+ (2024, 85984NED)
        "GM0034": 0.0122, "GM0193": 0.0073, "GM0014": 0.0142, "GM0153": 0.0092,
        "GM0917": 0.0050, "Flevoland": 0.0243, "Utrecht": 0.0768,
    }  # fmt: skip
    nu_utrecht = "https://www.nu.nl/utrecht/5286575/utrechters-hebben-stad-meeste-vertrouwen-in-medemens.html"
    blog = "https://www.klaasvanderkamp.nl/regionalia/statistiek-overijssel-flevoland/cijfers-vertrouwen-kerk"
    kaart = f"{KAART}, as reported"
    muni = (
        ("almere", "GM0034", 0.511, nu_utrecht, "51.1%, the lowest of the large cities (nu.nl; "
         "also the regional blog of Klaas van der Kamp)", False),
        ("zwolle", "GM0193", 0.715, blog, "71.5% (Van der Kamp's report of the publication); "
         "de Volkskrant gives 72%, the highest of 23 large cities", False),
        ("groningen", "GM0014", 0.69, nu_utrecht, "69%, third of the large cities; the "
         "municipality of 2012-2017, before Haren and Ten Boer merged into it (2019)", True),
        ("enschede", "GM0153", 0.566, blog, "56.6% (Van der Kamp's report of the publication)",
         False),
    )  # fmt: skip
    for name, code, v, url, what, rounded in muni:
        n = n6 * share15[code]
        yield row(
            f"people_{name}_2012_2017", "trust_people_share", f"municipality:{code}",
            span(2012, 2017), v, se(v, n, rounded), kaart, url, "secondary",
            f"{what}; n assumed {n:.0f} (six years x {N_YEAR} x the municipality's share of "
            "persons 15+ in 2024)", period_note="pooled 2012-2017",
        )  # fmt: skip
    for pattern, metric, code, v, part, essay, what in (
        ("people_heerlen_2012_2019", "trust_people_share", "GM0917", 0.49,
         "de-heitjes-en-het-onderlinge-wantrouwen-in-heerlen/3-niet-overal-goed-zoals-heerlen",
         "onderlinge wantrouwen", "49%, among the three lowest of 51 large municipalities; "
         "national 60% over the same years"),
        ("people_zwolle_2012_2019", "trust_people_share", "GM0193", 0.71,
         "de-heitjes-en-het-onderlinge-wantrouwen-in-heerlen/3-niet-overal-goed-zoals-heerlen",
         "onderlinge wantrouwen", "71%, the highest of 51 large municipalities"),
        ("parliament_heerlen_2012_2019", "trust_politics_share", "GM0917", 0.24,
         "de-heitjes-en-het-politieke-vertrouwen-in-heerlen?onepage=true",
         "politieke vertrouwen", "24% in the essay's summary, the lowest of 51 large "
         "municipalities ('less than a quarter' in section 3)"),
    ):  # fmt: skip
        n = n8 * share15[code]
        yield row(
            pattern, metric, f"municipality:{code}", span(2012, 2019), v, se(v, n, True),
            HEERLEN.format(essay), HEERLEN_URL + part, "yes",
            f"{what}; whole per cent; n assumed {n:.0f} (eight years x {N_YEAR} x the "
            "municipality's share of persons 15+ in 2024)", period_note="pooled 2012-2019",
        )  # fmt: skip
    rd = "https://www.rd.nl/vandaag/binnenland/meer-vertrouwen-in-politiek-pers-en-banken-1.1552738"
    nu_prov = "https://www.nu.nl/utrecht/5785755/provincie-utrecht-heeft-grootste-vertrouwen-in-medemens.html"
    rel_2019 = "CBS release of March 2019 (Sociale samenhang en welzijn 2018), by province"
    for pattern, metric, prov, period, v, src, url, n_years, what, rounded, pnote in (
        ("people_flevoland_2012_2017", "trust_people_share", "Flevoland", span(2012, 2017),
         0.528, kaart, blog, 6, "52.8% for the region Flevoland (the COROP region is the "
         "province)", False, "pooled 2012-2017"),
        ("people_flevoland_2018", "trust_people_share", "Flevoland", year(2018), 0.55, rel_2019,
         rd, 1, "55%, the lowest province", True, ""),
        ("people_utrecht_2018", "trust_people_share", "Utrecht", year(2018), 0.677, rel_2019,
         nu_prov, 1, "67.7% (LocalFocus's analysis of the CBS figures, nu.nl); the highest "
         "province (68% in ANP's report)", False, ""),
        ("parliament_utrecht_2018", "trust_politics_share", "Utrecht", year(2018), 0.47,
         rel_2019, nu_prov, 1, "47% (LocalFocus's analysis of the CBS figures, nu.nl), the "
         "highest province", True, ""),
        ("people_utrecht_2012_2023", "trust_people_share", "Utrecht", span(2012, 2023), 0.69,
         "CBS release of May 2024 (Sociale samenhang en welzijn 2012-2023), by region",
         "https://rplwoerden.nl/vertrouwen-in-de-medemens-stijgt/", 12,
         "69%, second only to the region Gooi en Vechtstreek (70%)", True, "pooled 2012-2023"),
    ):  # fmt: skip
        n = n_years * N_YEAR * share15[prov]
        yield row(
            pattern, metric, f"province:{prov}", period, v, se(v, n, rounded), src, url,
            "secondary", f"{what}; n assumed {n:.0f} ({n_years} year(s) x {N_YEAR} x the "
            "province's share of persons 15+ in 2024)", period_note=pnote,
        )  # fmt: skip


def turnout() -> Iterable[dict[str, object]]:
    """Turnout: the Kiesraad's official results; municipal elections as ANP counted them."""
    counts = "turnout is a count; obs_sd 0.005 covers rounding"
    kr = "Kiesraad, official result (centraal stembureau)"
    for pattern, metric, start, end, voters, electorate, src, url, verified, note in (
        ("turnout_parliament_2012", "turnout_parliament", "2012-09-12", "2012-09-12", 9462223,
         12689810, f"{kr}, Tweede Kamer 12 September 2012",
         "https://www.kiesraad.nl/actueel/nieuws/2012/09/17/"
         "officiele-uitslag-tweede-kamerverkiezing-12-september-2012", "yes", ""),
        ("turnout_parliament_2017", "turnout_parliament", "2017-03-15", "2017-03-15", 10563456,
         12893466, f"{kr}, Tweede Kamer 15 March 2017 (established 21 March 2017)",
         "http://www.blikopnieuws.nl/nieuws/251442/"
         "officiele-uitslag-tweede-kamerverkiezing-15-maart-2017-bekend.html", "yes",
         "the Kiesraad's announcement reproduced verbatim (also bestuurlijknieuws.nl); ANP's "
         "81.6% (in the press and data/elections.csv) was a count before every vote was in"),
        ("turnout_parliament_2021", "turnout_parliament", "2021-03-15", "2021-03-17", 10462677,
         13293186, f"{kr}, Tweede Kamer 15-17 March 2021 (established 26 March 2021)",
         "https://www.kiesraad.nl/actueel/nieuws/2021/03/26/"
         "officiele-uitslag-tweede-kamerverkiezing-17-maart-2021", "yes", ""),
        ("turnout_parliament_2023", "turnout_parliament", "2023-11-22", "2023-11-22", 10475203,
         13473750, f"{kr}, Tweede Kamer 22 November 2023 (established 1 and 4 December 2023)",
         "https://www.kiesraad.nl/actueel/nieuws/2023/12/01/"
         "kiesraad-stelt-uitslag-tweede-kamerverkiezing-22-november-2023-vast", "yes",
         "ANP's 77.8% (data/elections.csv) was a count of about 96% of the votes"),
        ("turnout_referendum_2016", "turnout_referendum", "2016-04-06", "2016-04-06", 4151613,
         12862658, f"{kr}, advisory referendum on the EU-Ukraine association agreement "
         "(established 12 April 2016)",
         "https://www.blikopnieuws.nl/nieuws/239838/"
         "officiele-uitslag-referendum-oekraine-61-tegen-en-38-voor.html", "yes",
         "the Kiesraad's figures as quoted (32.28%)"),
    ):  # fmt: skip
        yield row(
            pattern, metric, "all", (start, end), voters / electorate, TURNOUT_SD, src, url,
            verified, f"{voters:,} voters of {electorate:,} entitled; {counts}"
            + (f"; {note}" if note else ""),
            "three voting days (COVID-19)" if pattern.endswith("2021") else "",
        )  # fmt: skip
    yield row(
        "turnout_referendum_2018", "turnout_referendum", "all", ("2018-03-21", "2018-03-21"),
        0.5154, TURNOUT_SD,
        f"{kr}, advisory referendum on the Wet op de inlichtingen- en veiligheidsdiensten 2017; "
        "proces-verbaal in Staatscourant 2018-19469",
        "https://zoek.officielebekendmakingen.nl/stcrt-2018-19469.html", "yes",
        f"51.54% (NRC quotes the same at the Kiesraad's session of 29 March 2018); {counts}; "
        "held on the day of the municipal elections",
    )  # fmt: skip
    anp = "ANP Verkiezingsdienst, national total of the municipal results, as reported"
    for pattern, start, end, v, sd, url, note in (
        ("turnout_municipal_2014", "2014-03-19", "2014-03-19", 0.538, TURNOUT_SD,
         "https://www.nu.nl/gemeenteraadsverkiezingen-2022/6189819/"
         "alle-uitslagen-zijn-binnen-maar-nog-niet-overal-zijn-alle-stemmen-geteld.html",
         "53.8% (nu.nl, AD); 53.9% in other reports (de Volkskrant, RD)"),
        ("turnout_municipal_2018", "2018-03-21", "2018-03-21", 0.549, 0.008,
         "https://nieuws.nl/algemeen/20220321/landelijke-opkomst-verkiezingen-stijgt-licht-naar-51-procent/",
         "54.9% (ANP in 2022, nu.nl); 'about 55%' on the night; other reports give 54.1% "
         "(gemeente.nu, AD): obs_sd 0.008, not 0.005, to cover that disagreement"),
        ("turnout_municipal_2022", "2022-03-14", "2022-03-16", 0.510, TURNOUT_SD,
         "https://nieuws.nl/algemeen/20220321/landelijke-opkomst-verkiezingen-stijgt-licht-naar-51-procent/",
         "51% after Amsterdam's full count (21 March 2022); the 50.5% of data/elections.csv was "
         "the count before every vote was in"),
    ):  # fmt: skip
        yield row(
            pattern, "turnout_municipal", "all", (start, end), v, sd, anp, url, "secondary",
            "the Kiesraad establishes no national municipal total; " + note
            + ("" if sd != TURNOUT_SD else "; turnout is a count; obs_sd 0.005 covers rounding"),
            "three voting days (COVID-19)" if pattern.endswith("2022") else "",
        )  # fmt: skip


def discontent() -> Iterable[dict[str, object]]:
    """SCP's share not satisfied with national politics (data/scp_discontent.csv)."""
    size = f"n assumed {N_COB} a wave (1,171 in COB 2018|1)"
    yield row(
        "dissatisfied_2018q1", "dissatisfied_share", "all", quarter(2018, 1), 0.43,
        se(0.43, N_COB, rounded=True), f"{SCP_COB} 2018|1",
        "https://www.rd.nl/vandaag/binnenland/nederlander-optimistischer-over-het-land-1.1477542",
        "derived", "derived: 100% minus the 57% giving 'de Haagse politiek' a pass mark, as "
        f"reported by RD (secondary); includes those who gave no mark; {size}",
        "first quarter of 2018 (the COB's quarterly wave; exact fieldwork dates not found)",
    )  # fmt: skip
    nieuws = "https://nieuws.nl/algemeen/20201228/nederlanders-positief-over-politici-minder-over-elkaar/"
    for pattern, period, v, what in (
        ("dissatisfied_2020_01", ("2020-01-01", "2020-01-31"), 0.50, "'about half' gave "
         "politics a pass mark in January 2020"),
        ("dissatisfied_2020_10", ("2020-10-01", "2020-10-31"), 0.33, "'two thirds' gave "
         "politics a pass mark in October 2020 (ND's report of a later COB says the regering)"),
    ):  # fmt: skip
        yield row(
            pattern, "dissatisfied_share", "all", period, v, 0.03, f"{SCP_COB} (December 2020)",
            nieuws, "derived", f"derived and approximate: 100% minus the share giving a pass "
            f"mark; {what} (ANP); obs_sd 0.03 for the approximation",
            "the month SCP names; fieldwork dates not found",
        )  # fmt: skip
    for pattern, period, v, pnote in (
        ("dissatisfied_2022_spring", ("2022-03-01", "2022-05-31"), 0.49,
         "SCP's 'voorjaar 2022'; the months are taken as March-May (exact dates not found)"),
        ("dissatisfied_2022_autumn", ("2022-07-01", "2022-10-31"), 0.60,
         "fieldwork July-October 2022 (De Telegraaf's report of the same COB)"),
    ):  # fmt: skip
        yield row(
            pattern, "dissatisfied_share", "all", period, v, se(v, N_COB, rounded=True),
            f"{SCP_COB} 2023 bericht 1 (20 April 2023)", SCP_2023_1, "yes",
            f"'niet tevreden met de politiek in Den Haag'; whole per cent; {size}", pnote,
        )  # fmt: skip
    yield row(
        "dissatisfied_2023_2024_winter", "dissatisfied_share", "all", ("2023-11-01", "2024-02-29"),
        0.55, se(0.55, N_COB, rounded=True), f"{SCP_COB} 2024 (September 2024)",
        "https://www.hartvannederland.nl/politiek/beleid/artikelen/"
        "ruim-helft-nederlanders-heeft-onvoldoende-vertrouwen-in-regering",
        "secondary", f"'Politiek Den Haag' gets a fail mark from 55% (Hart van Nederland's "
        f"report); {size}",
        "'last winter' around the elections of November 2023; months taken as November-February",
    )  # fmt: skip


def build() -> pd.DataFrame:
    """Every target row, in file order."""
    trust = Trust()
    rows = [
        *totals_82378(trust),
        *totals_later(trust),
        *cells(trust),
        *groups_and_ages(trust),
        *places(trust),
        *turnout(),
        *discontent(),
    ]
    df = pd.DataFrame(rows, columns=COLUMNS)
    order = {"trust_politics_share": 0, "trust_rule_of_law_share": 1, "trust_people_share": 2,
             "turnout_parliament": 3, "turnout_municipal": 4, "turnout_referendum": 5,
             "dissatisfied_share": 6}  # fmt: skip
    df["_m"] = df["metric"].map(order)
    df["_s"] = df["scope"].ne("all")
    df = df.sort_values(["_m", "_s", "scope", "start", "end"], kind="stable")
    return df.drop(columns=["_m", "_s"]).reset_index(drop=True)


def main(argv: list[str] | None = None) -> None:
    """Write the file (or ``--out``)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    df = build()
    assert df["pattern"].is_unique
    df.to_csv(args.out, index=False)
    print(f"{len(df)} rows -> {args.out}")


if __name__ == "__main__":
    main()
