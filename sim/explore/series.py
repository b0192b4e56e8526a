"""The explorer's time-series views and tables: the cohesion index and the policy.

- ``cohesion`` and ``components`` (:class:`CohesionView`, :class:`ComponentsView`): the
  cohesion index, its three domains and its components over time, from the same tidy
  table a run writes (:meth:`sim.model.CohesionModel.timeseries`), with the metrics,
  labels and axes of ``cohesion.png`` (:func:`sim.plots.plot_cohesion`).
- ``policy`` (:class:`PolicyView`): euros spent (against the budget) and citizens
  reached (or units delivered) by each intervention of the running policy, from the
  interventions' own weekly logs (``<name>.euros``, ``<name>.reached``,
  ``<name>.contacts``).

Time runs in weeks after the burn-in, as in the run's table; the axes label each week
with its date (:func:`week_date`: the run's ``start_date`` plus 7 days a week).

:func:`timeseries` gives the model's tidy time series up to the current week,
:func:`readout` the latest plotted value of every cohesion series, and
:func:`policy_summary` the accounts (:class:`Account`) of each intervention.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass
from datetime import date, timedelta
from typing import ClassVar

import numpy as np
import pandas as pd
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.lines import Line2D
from matplotlib.ticker import FuncFormatter, MaxNLocator

from sim.explore.canvas import View
from sim.model import CohesionModel
from sim.plots import COMPONENT_LABELS, DOMAIN_LABELS

__all__ = [
    "Account",
    "CohesionView",
    "ComponentsView",
    "PolicyView",
    "date_axis",
    "date_text",
    "policy_summary",
    "readout",
    "timeseries",
    "week_date",
]


# ---------------------------------------------------------------- dates
def week_date(model: CohesionModel, week: float) -> date:
    """The date of a week after the burn-in: the run's ``start_date`` plus 7 days a week."""
    return date.fromisoformat(model.cfg.start_date) + timedelta(days=7 * round(week))


def date_text(day: date) -> str:
    """A date as the explorer writes it, e.g. ``5 Mar 2025``."""
    return f"{day.day} {day:%b %Y}"


def date_axis(ax: Axes, model: CohesionModel, ticks: int = 4) -> None:
    """Label an x axis in weeks after the burn-in with the weeks' dates (about ``ticks``)."""
    ax.xaxis.set_major_locator(MaxNLocator(nbins=ticks, integer=True, min_n_ticks=2))
    ax.xaxis.set_major_formatter(
        FuncFormatter(lambda x, _: date_text(week_date(model, x)) if x >= 0 else "")
    )


# ---------------------------------------------------------------- tables
def timeseries(model: CohesionModel) -> pd.DataFrame:
    """The model's tidy time series (step, metric, scope, value) up to the current week."""
    ts = model.timeseries().to_pandas()
    return ts[ts["step"] <= model.steps]


_wide_cache: weakref.WeakKeyDictionary[CohesionModel, tuple[int, pd.DataFrame]] = (
    weakref.WeakKeyDictionary()
)


def _wide(model: CohesionModel) -> pd.DataFrame:
    """Scope ``all`` of the time series, one column per metric (cached per week)."""
    hit = _wide_cache.get(model)
    if hit is not None and hit[0] == model.steps:
        return hit[1]
    ts = timeseries(model)
    d = ts[ts["scope"] == "all"]
    wide = d.pivot_table(index="step", columns="metric", values="value", aggfunc="first")
    _wide_cache[model] = (model.steps, wide)
    return wide


def readout(model: CohesionModel) -> list[tuple[str, str, float]]:
    """The latest plotted value of each cohesion series: (metric, label, value)."""
    wide = _wide(model)
    last = wide.iloc[-1] if len(wide) else pd.Series(dtype=float)
    labels = {**DOMAIN_LABELS, **COMPONENT_LABELS}
    return [(m, label, float(last[m])) for m, label in labels.items() if m in last]


@dataclass(frozen=True)
class Account:
    """What one intervention of the running policy has done so far."""

    name: str
    kind: str
    unit: str
    budget: float
    spent: float
    units: int
    reached: int | None  # citizens reached, for interventions that reach citizens
    first_week: int
    last_week: int
    #: for an adaptive intervention: where it acts now and its decisions so far
    pathway: str | None = None


def _pathway(model: CohesionModel, name: str) -> str | None:
    monitor = model.policy.monitor
    if monitor is None or name not in monitor.state:
        return None
    st = monitor.state[name]
    kind = monitor.triggers[name].scope
    counts = dict.fromkeys(("started", "stopped", "switched"), 0)
    for _, metric, _, _ in model.events:
        head, _, event = metric.rpartition(".")
        if head == name and event in counts:
            counts[event] += 1
    scopes = f"{kind}s" if kind != "all" else "the whole population"
    return (
        f"acting in {int(st.active.sum())} of {st.active.shape[0]} {scopes}; so far "
        f"{counts['started']} starts, {counts['stopped']} stops on recovery, "
        f"{counts['switched']} switches"
    )


def policy_summary(model: CohesionModel) -> list[Account]:
    """The accounts of each intervention of the running policy."""
    out: list[Account] = []
    for iv in model.policy.interventions:
        reached = getattr(iv, "reached", None)
        out.append(
            Account(
                name=iv.name,
                kind=iv.kind,
                unit=iv.unit,
                budget=float(iv.budget),
                spent=float(iv.spent),
                units=int(iv.units),
                reached=int(reached.sum()) if isinstance(reached, np.ndarray) else None,
                first_week=int(iv.first),
                last_week=int(iv.last),
                pathway=_pathway(model, iv.name),
            )
        )
    return out


class _SeriesView(View):
    """Metrics of scope ``all`` over time, as in one panel of cohesion.png."""

    labels: ClassVar[dict[str, str]] = {}
    title: ClassVar[str] = ""
    ylabel: ClassVar[str] = ""
    ylim: ClassVar[tuple[float, float]] = (0.0, 1.0)

    def __init__(self, model: CohesionModel) -> None:
        super().__init__()
        ax = self.fig.subplots()
        self.lines = {m: self.line(ax, m, label) for m, label in self.labels.items()}
        ax.set_xlim(0, max(model.cfg.steps, 1))
        ax.set_ylim(*self.ylim)
        date_axis(ax, model)
        ax.set_xlabel("date (week 0: the end of the burn-in)")
        ax.set_ylabel(self.ylabel)
        ax.set_title(self.title)
        ax.grid(alpha=0.3)
        self.animate(list(self.lines.values()))
        self.overlay([self.legend(ax)])

    def line(self, ax: Axes, metric: str, label: str) -> Line2D:
        """One series' line (empty until updated)."""
        raise NotImplementedError

    def legend(self, ax: Axes) -> Artist:
        """The legend (drawn over the lines)."""
        raise NotImplementedError

    def update(self, model: CohesionModel) -> None:
        """Each line: its metric up to the current week (a marker while there is one point)."""
        wide = _wide(model)
        for metric, line in self.lines.items():
            if metric in wide:
                line.set_data(wide.index.to_numpy(), wide[metric].to_numpy())
                line.set_marker("o" if len(wide) == 1 else "None")


class CohesionView(_SeriesView):
    """The cohesion index (0-100) and its three domains (left panel of cohesion.png)."""

    name = "cohesion"
    labels = DOMAIN_LABELS
    title = "Cohesion index and its three domains"
    ylabel = "index (0-100, higher is more cohesive)"
    ylim = (0.0, 100.0)

    def line(self, ax: Axes, metric: str, label: str) -> Line2D:  # noqa: D102
        main = metric == "cohesion_index"
        (ln,) = ax.plot(
            [],
            [],
            label=label,
            lw=2.8 if main else 1.4,
            color="black" if main else None,
            ls="-" if main else "--",
        )
        return ln

    def legend(self, ax: Axes) -> Artist:  # noqa: D102
        return ax.legend(loc="lower left", fontsize=8, framealpha=1.0)


class ComponentsView(_SeriesView):
    """The components of the index (right panel of cohesion.png)."""

    name = "components"
    labels = COMPONENT_LABELS
    title = "Components"
    ylabel = "value (0-1)"
    ylim = (-0.02, 1.02)

    def line(self, ax: Axes, metric: str, label: str) -> Line2D:  # noqa: D102
        (ln,) = ax.plot([], [], label=label, lw=1.5)
        return ln

    def legend(self, ax: Axes) -> Artist:  # noqa: D102
        return ax.legend(loc="upper left", fontsize=6.5, ncol=2, framealpha=1.0)


# ---------------------------------------------------------------- the policy
def _grow(limit: float, value: float) -> float:
    """An axis limit that doubles until it holds ``value`` (so it rarely changes)."""
    while value > limit:
        limit *= 2
    return limit


class PolicyView(View):
    """Cumulative euros spent (against the budget) and reach, per intervention."""

    name = "policy"

    def __init__(self, model: CohesionModel) -> None:
        super().__init__({"left": 0.12, "right": 0.98, "bottom": 0.13, "top": 0.84, "wspace": 0.35})
        self.ax1, self.ax2 = self.fig.subplots(1, 2)
        ivs = model.policy.interventions
        steps = max(model.cfg.steps, 1)
        budget = model.policy.budget
        self.euros = {iv.name: self.ax1.plot([], [], label=iv.name)[0] for iv in ivs}
        self.total = self.ax1.plot([], [], color="black", lw=1.6, label="total")[0]
        self.reach = {
            iv.name: self.ax2.plot(
                [],
                [],
                label=f"{iv.name} ({'citizens' if hasattr(iv, 'reached') else iv.unit + 's'})",
            )[0]
            for iv in ivs
        }
        if budget > 0:
            self.ax1.axhline(budget / 1e3, color="black", ls=":", lw=1, label="budget")
        self.ax1.set_xlim(0, steps)
        self.ax1.set_ylim(0, max(budget / 1e3, 1.0) * 1.08)
        self.ax1.set_xlabel("date")
        self.ax1.set_ylabel("thousand euros spent")
        self.ax1.set_title("Cost", fontsize=9)
        self.ax2.set_xlim(0, steps)
        self.reach_limit = 100.0
        self.ax2.set_ylim(0, self.reach_limit)
        self.ax2.set_xlabel("date")
        self.ax2.set_ylabel("reached so far")
        self.ax2.set_title("Reach", fontsize=9)
        dynamic: list[Artist] = [*self.euros.values(), self.total, *self.reach.values()]
        for ax in (self.ax1, self.ax2):
            date_axis(ax, model, ticks=2)
            ax.tick_params(axis="x", labelsize=8)
            ax.grid(alpha=0.3)
            if ivs:
                self.overlay([ax.legend(fontsize=6.5, loc="upper left", framealpha=1.0)])
            else:
                ax.text(0.5, 0.5, "no policy", transform=ax.transAxes, ha="center", va="center")
        self.title = self.fig.suptitle("", fontsize=10)
        self.animate([*dynamic, self.title])
        size = model.cfg.steps + 1
        self.weekly = {
            f"{iv.name}.{what}": np.zeros(size)
            for iv in ivs
            for what in ("euros", "contacts", "reached")
        }
        self.seen = 0

    def _read_events(self, model: CohesionModel) -> None:
        """Take in the log rows added since the last update (the log only grows)."""
        for step, metric, scope, value in model.events[self.seen :]:
            if scope == "all" and metric in self.weekly:
                series = self.weekly[metric]
                if step >= series.shape[0]:
                    series = np.concatenate(
                        [series, np.zeros(max(step + 1, 2 * series.shape[0]) - series.shape[0])]
                    )
                    self.weekly[metric] = series
                if metric.endswith(".reached"):
                    series[step] = value
                else:
                    series[step] += value
        self.seen = len(model.events)

    def update(self, model: CohesionModel) -> None:
        """Cumulative euros and reach per intervention, from the weekly logs."""
        self._read_events(model)
        n = model.steps + 1
        steps = np.arange(n)
        total = np.zeros(n)
        top = 0.0
        for iv in model.policy.interventions:
            cum = np.cumsum(self.weekly[f"{iv.name}.euros"][:n])
            total += cum
            self.euros[iv.name].set_data(steps, cum / 1e3)
            if hasattr(iv, "reached"):
                reach = np.maximum.accumulate(self.weekly[f"{iv.name}.reached"][:n])
            else:
                reach = np.cumsum(self.weekly[f"{iv.name}.contacts"][:n])
            self.reach[iv.name].set_data(steps, reach)
            top = max(top, float(reach[-1]))
        self.total.set_data(steps, total / 1e3)
        limit = _grow(self.reach_limit, top)
        if limit != self.reach_limit:
            self.reach_limit = limit
            self.ax2.set_ylim(0, limit)
            self.invalidate()
        self.title.set_text(
            f"Policy '{model.policy.name}': EUR {total[-1]:,.0f} spent of "
            f"{model.policy.budget:,.0f} by {date_text(week_date(model, model.steps))}"
        )
