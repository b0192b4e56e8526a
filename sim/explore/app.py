"""The explorer's page: Mesa's SolaraViz around :class:`~sim.explore.model.ExplorerModel`.

SolaraViz supplies the controls (Reset, play/pause, Step, the play interval and how
many weeks pass between renders) and the model parameters card; changed parameters
take effect when Reset builds a new model from them. The page adds the explorer's
views (:mod:`sim.explore.views`) as SolaraViz components, each redrawn after every
rendered step, and, for a population of several real municipalities, a map of the
municipalities with a choice of metric (:func:`components`). Weeks are shown with
their dates. Each browser session gets its own model.

Serve it with ``cohesion-sim-explore`` (:mod:`sim.explore.cli`).
"""

from __future__ import annotations

import html
from typing import Any

import solara
from mesa.visualization import SolaraViz
from mesa.visualization.user_param import Slider

from sim.explore import views
from sim.explore.model import ExplorerModel
from sim.explore.options import (
    AS_CONFIGURED,
    UNCERTAIN,
    defaults,
    futures,
    policies,
    target_choices,
)
from sim.explore.views import date_text, week_date
from sim.outcomes import label as metric_label
from sim.places import label as place_label

__all__ = ["COMPONENTS", "Page", "components", "model_params"]

#: Largest population the sliders offer (the explorer is responsive up to 10,000).
MAX_CITIZENS = 20_000


def model_params() -> dict[str, Any]:
    """SolaraViz's model parameters: the explorer's controls, discovered from the configs."""
    d = defaults()
    steps = int(d["steps"])
    size = int(d["population_size"])
    budget = round(d["budget"])
    params: dict[str, Any] = {
        "future": {
            "type": "Select",
            "label": "Future",
            "value": d["future"],
            "values": [c.name for c in futures()],
        },
        "policy": {
            "type": "Select",
            "label": "Policy",
            "value": d["policy"],
            "values": [c.name for c in policies()],
        },
        "start_week": Slider("Policy starts in week", 1, 1, max(steps, 1), 1),
        "weeks_active": Slider("Weeks it runs (0: to the end)", 0, 0, max(steps, 1), 1),
        "budget": Slider(
            "Budget (EUR per 1,000 citizens a year)",
            budget,
            0,
            max(5 * budget, 100_000),
            1000,
            dtype=int,
        ),
        "capacity": Slider("Fixed capacity per week (0: from budget)", 0, 0, 2000, 10),
        "target": {
            "type": "Select",
            "label": "Target",
            "value": AS_CONFIGURED,
            "values": target_choices(list(d["groups"])),
        },
        "neighbourhoods_share": Slider(
            "Share of neighbourhoods targeted (ranked)", 0.1, 0.01, 1.0, 0.01
        ),
    }
    names = {
        "dynamics.confidence": "confidence",
        "dynamics.algorithmic_bias": "algorithmic_bias",
        "dynamics.bubbles.unfollow": "unfollow",
    }
    for key, (label, lo, hi, step) in UNCERTAIN.items():
        params[names[key]] = Slider(label, float(d[key]), lo, hi, step, dtype=float)
    params["population_size"] = Slider(
        "Citizens", size, min(1000, size), max(MAX_CITIZENS, size), 1000, dtype=int
    )
    params["seed"] = Slider("Seed", int(d["seed"]), 0, max(99, int(d["seed"])), 1, dtype=int)
    params["steps"] = Slider("Weeks to simulate", steps, 1, max(520, steps), 1, dtype=int)
    return params


def _table(rows: list[tuple[str, str]], cls: str, week: int) -> str:
    body = "".join(
        f"<tr><td>{html.escape(a)}</td><td style='text-align:right'>{html.escape(b)}</td></tr>"
        for a, b in rows
    )
    style = "font-size:12px;border-spacing:8px 0"
    return f"<table class='{cls}' data-week='{week}' style='{style}'>{body}</table>"


def _levers(model: ExplorerModel) -> str:
    """The levers of the running model in words."""
    lv = model.levers
    short = {
        "dynamics.confidence": "eps",
        "dynamics.algorithmic_bias": "gamma",
        "dynamics.bubbles.unfollow": "q",
    }
    uncertain = ", ".join(f"{short.get(k, k)} {v:g}" for k, v in lv.uncertain)
    if not model.policy.interventions:
        return f"Uncertain parameters: {uncertain}."
    end = (
        f"for {lv.weeks} weeks (to {date_text(week_date(model, lv.start + lv.weeks - 1))})"
        if lv.weeks
        else "to the end"
    )
    capacity = f"{lv.capacity} units a week" if lv.capacity else "capacity from the budget"
    ranked = lv.target.startswith("neighbourhoods")
    target = lv.target + (f" ({lv.share:.0%} of them)" if ranked else "")
    return (
        f"Levers: from week {lv.start} ({date_text(week_date(model, lv.start))}) {end}, "
        f"EUR {model.policy.budget:,.0f}, {capacity}, "
        f"target {target}. Uncertain parameters: {uncertain}."
    )


def RunInfo(model: ExplorerModel) -> solara.Element:
    """The run: week and date, place, future, policy, the values now, the same run's command."""
    lv = model.levers
    place = html.escape(place_label(model.cfg.population))
    values = [
        (label, f"{v:.2f}" if m.startswith("cohesion") else f"{v:.3f}")
        for m, label, v in views.readout(model)
    ]
    style = {"padding": "4px 12px", "height": "100%", "overflow-y": "auto", "font-size": "13px"}
    with solara.Column(gap="4px", style=style) as col:
        solara.HTML(
            tag="div",
            unsafe_innerHTML=f"<b>Week <span class='explore-week'>{model.steps}</span> of "
            f"{model.cfg.steps}</b>, <span class='explore-date'>"
            f"{date_text(week_date(model, model.steps))}</span> &middot; "
            f"{model.population.size:,} citizens in {place} &middot; seed {lv.seed}",
        )
        # HTML, not Markdown: solara's Markdown loads a maths renderer from the internet
        solara.HTML(
            tag="div",
            unsafe_innerHTML=f"<b>Future</b> <code>{html.escape(lv.future)}</code>: "
            f"{html.escape(model.cfg.scenario.description)}<br><b>Policy</b> "
            f"<code>{html.escape(lv.policy)}</code>: {html.escape(model.cfg.policy.description)}"
            f"<br>{html.escape(_levers(model))}"
            "<br><i>Changed parameters take effect on Reset.</i>",
        )
        solara.HTML(tag="div", unsafe_innerHTML=_table(values, "explore-readout", model.steps))
        solara.HTML(
            tag="div",
            unsafe_innerHTML="The same run on the command line:<br><code "
            "class='explore-command' style='font-size:11px;white-space:normal;"
            f"word-break:break-all'>{html.escape(model.command)}</code>",
        )
    return col


def _image(model: ExplorerModel, name: str) -> solara.Element:
    return solara.Image(views.render(model, name), width="100%", classes=[f"explore-{name}"])


def CohesionView(model: ExplorerModel) -> solara.Element:
    """The cohesion index and its domains over time."""
    return _image(model, "cohesion")


def ComponentsChart(model: ExplorerModel) -> solara.Element:
    """The components of the index over time."""
    return _image(model, "components")


def BubblesView(model: ExplorerModel) -> solara.Element:
    """A sample of citizens and their ties."""
    return _image(model, "bubbles")


def NeighbourhoodsView(model: ExplorerModel) -> solara.Element:
    """Neighbourhoods by trust and tension."""
    return _image(model, "neighbourhoods")


def PolicyView(model: ExplorerModel) -> solara.Element:
    """Cost and reach of the running policy."""
    rows = []
    for a in views.policy_summary(model):
        reached = f", {a.reached:,} citizens reached" if a.reached is not None else ""
        first, last = (date_text(week_date(model, w)) for w in (a.first_week, a.last_week))
        rows.append(
            (
                f"{a.name} (weeks {a.first_week}-{a.last_week}: {first} to {last})",
                f"EUR {a.spent:,.0f} of {a.budget:,.0f}; {a.units:,} {a.unit}s{reached}",
            )
        )
        if a.pathway is not None:  # an adaptive intervention: where it acts, its decisions
            rows.append((f"{a.name}: adaptive", a.pathway))
    with solara.Column(gap="0px", style={"height": "100%", "overflow-y": "auto"}) as col:
        _image(model, "policy")
        if rows:
            solara.HTML(
                tag="div", unsafe_innerHTML=_table(rows, "explore-policy-table", model.steps)
            )
    return col


def MunicipalitiesMap(model: ExplorerModel) -> solara.Element:
    """The municipalities coloured by a metric chosen here (takes effect at once)."""
    names = {metric_label(m): m for m in views.MAP_CHOICES}
    chosen = views.view(model, "municipalities")
    assert isinstance(chosen, views.MunicipalitiesView)
    # the choice lives in the view (so it outlasts a redraw); this state redraws the card
    _, set_metric = solara.use_state(chosen.metric)

    def pick(name: str) -> None:
        views.choose_map(model, names[name])
        set_metric(names[name])

    with solara.Column(gap="0px", style={"height": "100%", "overflow-y": "auto"}) as col:
        solara.Select(
            label="Map of", values=list(names), value=metric_label(chosen.metric), on_value=pick
        )
        _image(model, "municipalities")
    return col


#: The views, in the order SolaraViz lays them out (two per row).
COMPONENTS = [
    CohesionView,
    ComponentsChart,
    BubblesView,
    NeighbourhoodsView,
    PolicyView,
    RunInfo,
]


def components(model: ExplorerModel) -> list[Any]:
    """The page's views: :data:`COMPONENTS`, and the municipality map where there is one.

    The map is offered when the population spans more than one real municipality
    (:func:`sim.explore.views.has_map`); the base config decides that, so every model
    the page resets to has the same views.
    """
    return [*COMPONENTS, MunicipalitiesMap] if views.has_map(model) else list(COMPONENTS)


@solara.component
def Page() -> None:
    """The explorer page (one model per browser session)."""
    model = solara.use_memo(ExplorerModel, [])
    SolaraViz(
        model,
        components=components(model),
        model_params=model_params(),
        name="cohesion-sim explorer",
        play_interval=50,
    )
