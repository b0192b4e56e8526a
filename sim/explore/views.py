"""The explorer's views: figures and tables drawn from a live model, no browser needed.

Each view is a matplotlib figure (object API, never pyplot) kept for the model's life:
its static parts (axes, ticks, labels, colour bars) are drawn once, and each week only
the artists that change are redrawn over a copy of that background ("blitting"), so a
week renders in milliseconds rather than redrawing every label. :func:`render` returns
a view as PNG; :mod:`sim.explore.app` shows the views in Mesa's SolaraViz, and the
tests call them directly.

- ``cohesion`` and ``components``: the cohesion index, its three domains and its
  components over time, from the same tidy table a run writes
  (:meth:`sim.model.CohesionModel.timeseries`), with the metrics, labels and axes of
  ``cohesion.png`` (:func:`sim.plots.plot_cohesion`).
- ``bubbles``: a sample of a few hundred citizens and their ties in both layers,
  coloured by opinion, marked by group. The sample is a breadth-first snowball from a
  few citizens spread over the municipalities, fixed for the model's life; its layout is
  a force-directed relaxation of the sample alone (a few hundred nodes, a few
  iterations per week, warm-started from the previous week), never a layout of the
  whole graph.
- ``neighbourhoods``: each neighbourhood a tile, grouped by municipality, coloured by
  mean trust and by tension; tiles where the policy has reached citizens are outlined.
- ``policy``: euros spent (against the budget) and citizens reached (or units
  delivered) by each intervention of the running policy, from the interventions' own
  weekly logs (``<name>.euros``, ``<name>.reached``, ``<name>.contacts``).

:func:`readout` gives the latest plotted value of every cohesion series, and
:func:`policy_summary` the accounts of each intervention.
"""

from __future__ import annotations

import io
import math
import threading
import weakref
from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import pandas as pd
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.cm import ScalarMappable
from matplotlib.collections import LineCollection, PatchCollection
from matplotlib.colors import Normalize
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle
from numpy.typing import NDArray
from PIL import Image

from sim.model import CohesionModel
from sim.outcomes import label
from sim.plots import COMPONENT_LABELS, DOMAIN_LABELS

__all__ = [
    "SAMPLE_SIZE",
    "VIEWS",
    "Account",
    "BubblesView",
    "CohesionView",
    "ComponentsView",
    "NeighbourhoodsView",
    "PolicyView",
    "View",
    "bubble_sample",
    "layout",
    "policy_summary",
    "readout",
    "render",
    "timeseries",
    "view",
]

F64 = NDArray[np.float64]
I64 = NDArray[np.int64]

#: Citizens in the network view.
SAMPLE_SIZE = 300
#: Figure size in inches at :data:`DPI`: fits a half-width card of SolaraViz's grid.
SIZE = (6.0, 3.9)
DPI = 90
#: Fixed margins (a constrained layout would redraw everything each time).
MARGINS = {"left": 0.11, "right": 0.97, "bottom": 0.13, "top": 0.9}
MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*")
OPINION_CMAP = "coolwarm"


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
            )
        )
    return out


# ---------------------------------------------------------------- drawing
def _encode(canvas: FigureCanvasAgg) -> bytes:
    """The canvas as PNG (fast compression: the page is local, speed matters more)."""
    w, h = canvas.get_width_height()
    img = Image.frombuffer("RGBA", (w, h), canvas.buffer_rgba(), "raw", "RGBA", 0, 1)
    img = img.convert("RGB")
    buf = io.BytesIO()
    img.save(buf, format="png", compress_level=1)
    return buf.getvalue()


class View:
    """A figure whose static parts are drawn once and whose ``dynamic`` artists move.

    Subclasses build the figure in ``__init__``, calling :meth:`animate` on the artists
    that change and :meth:`overlay` on static artists that lie over them (legends), and
    set the dynamic artists' data from the model in :meth:`update`; a subclass calls
    :meth:`invalidate` when a static part changes (e.g. an axis limit). Each time, the
    background's pixels are restored, the dynamic artists drawn, and the overlays'
    pixels (captured once, so their text is not laid out again) pasted on top.
    """

    name: ClassVar[str] = ""

    def __init__(self, margins: dict[str, float] | None = None) -> None:
        self.fig = Figure(figsize=SIZE, dpi=DPI)
        self.fig.subplots_adjust(**{**MARGINS, **(margins or {})})
        self.canvas = FigureCanvasAgg(self.fig)
        self.dynamic: list[Artist] = []
        self.overlays: list[Artist] = []
        self._background: object | None = None
        self._overlay_pixels: list[object] = []

    def animate(self, artists: Sequence[Artist]) -> None:
        """Mark artists as dynamic: left out of the background, drawn each time."""
        for a in artists:
            a.set_animated(True)
            self.dynamic.append(a)

    def overlay(self, artists: Sequence[Artist]) -> None:
        """Mark opaque static artists that lie over the dynamic ones (e.g. a legend)."""
        for a in artists:
            a.set_animated(True)
            self.overlays.append(a)

    def invalidate(self) -> None:
        """Redraw the background next time."""
        self._background = None

    def update(self, model: CohesionModel) -> None:
        """Set the dynamic artists from the model's current state."""
        raise NotImplementedError

    def _draw_background(self) -> None:
        self.canvas.draw()
        self._background = self.canvas.copy_from_bbox(self.fig.bbox)
        self._overlay_pixels = []
        for a in self.overlays:
            self.fig.draw_artist(a)
            box = a.get_window_extent(self.canvas.get_renderer()).expanded(1.0, 1.0)
            self._overlay_pixels.append(self.canvas.copy_from_bbox(box.padded(2)))

    def png(self, model: CohesionModel) -> bytes:
        """The view of the model now, as PNG."""
        self.update(model)
        if self._background is None:
            self._draw_background()
        self.canvas.restore_region(self._background)
        for a in self.dynamic:
            if a.get_visible():
                self.fig.draw_artist(a)
        for pixels in self._overlay_pixels:
            self.canvas.restore_region(pixels)
        return _encode(self.canvas)


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
        ax.set_xlabel("week (after burn-in)")
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


# ---------------------------------------------------------------- bubbles
def bubble_sample(model: CohesionModel, size: int = SAMPLE_SIZE) -> I64:
    """A breadth-first snowball of about ``size`` citizens over both layers (sorted ids).

    It starts from the middle citizen of each of up to four municipalities (no random
    draw, so the model's streams are untouched) and follows offline ties and follows.
    """
    pop = model.population
    n = pop.size
    size = min(size, n)
    k = min(4, pop.n_municipalities)
    seeds = []
    for m in range(k):
        members = np.flatnonzero(pop.municipality == m)
        if members.shape[0]:
            seeds.append(int(members[members.shape[0] // 2]))
    per_seed = math.ceil(size / max(len(seeds), 1))
    taken = np.zeros(n, dtype=bool)
    out: list[I64] = []
    layers = (model.network.offline, model.network.online)
    for seed in seeds:
        count = 0
        frontier = np.array([seed], dtype=np.int64)
        frontier = frontier[~taken[frontier]]
        while frontier.shape[0] and count < per_seed:
            frontier = frontier[: per_seed - count]
            taken[frontier] = True
            out.append(frontier)
            count += frontier.shape[0]
            nxt = [
                layer.indices[layer.indptr[i] : layer.indptr[i + 1]]
                for layer in layers
                for i in frontier
            ]
            cand = np.unique(np.concatenate(nxt)).astype(np.int64) if nxt else frontier[:0]
            frontier = cand[~taken[cand]]
    if not out:
        return np.zeros(0, dtype=np.int64)
    return np.sort(np.concatenate(out))[:size]


def _sample_ties(model: CohesionModel, nodes: I64) -> tuple[I64, I64]:
    """Ties among ``nodes`` as local index pairs: (offline pairs, online pairs)."""
    local = np.full(model.population.size, -1, dtype=np.int64)
    local[nodes] = np.arange(nodes.shape[0])
    out = []
    for layer in (model.network.offline, model.network.online):
        src = local[layer.src]
        dst = local[layer.indices]
        keep = (src >= 0) & (dst >= 0) & (src < dst if layer.twin is not None else src != dst)
        out.append(np.stack([src[keep], dst[keep]], axis=1))
    return out[0], out[1]


def layout(pos: F64, edges: I64, iterations: int, k: float | None = None) -> F64:
    """Fruchterman-Reingold relaxation of ``pos`` (n x 2) for a small graph, in place.

    Dense O(n^2) repulsion per iteration (in float32): meant for a sample of a few
    hundred nodes, never the whole network. Deterministic (no random draws). Positions
    are kept centred and scaled into [-1, 1].
    """
    n = pos.shape[0]
    if n < 2:
        return pos
    k2 = np.float32((k if k is not None else 1.0 / math.sqrt(n)) ** 2)
    step = 0.05
    u, v = edges[:, 0], edges[:, 1]
    for _ in range(iterations):
        p = pos.astype(np.float32)
        dx = p[:, 0, None] - p[None, :, 0]
        dy = p[:, 1, None] - p[None, :, 1]
        inv = k2 / np.maximum(dx * dx + dy * dy, np.float32(1e-6))
        disp = np.stack([(dx * inv).sum(1), (dy * inv).sum(1)], axis=1).astype(np.float64)
        if edges.shape[0]:
            d = pos[u] - pos[v]
            f = d * (np.sqrt((d**2).sum(-1)) / math.sqrt(k2))[:, None]
            disp -= np.stack(
                [np.bincount(u, f[:, i], n) - np.bincount(v, f[:, i], n) for i in range(2)],
                axis=1,
            )
        norm = np.sqrt(np.maximum((disp**2).sum(-1), 1e-12))
        pos += disp * (np.minimum(norm, step) / norm)[:, None]
        pos -= pos.mean(0)
        scale = np.abs(pos).max()
        if scale > 0:
            pos /= scale
    return pos


class BubblesView(View):
    """A sample of citizens and their ties, coloured by opinion and marked by group."""

    name = "bubbles"
    first_iterations = 60
    weekly_iterations = 5

    def __init__(self, model: CohesionModel) -> None:
        super().__init__({"left": 0.02, "right": 0.98, "bottom": 0.03, "top": 0.92})
        pop = model.population
        self.nodes = bubble_sample(model)
        m = self.nodes.shape[0]
        # start from opinion on x and a low-discrepancy spread on y, then relax
        x = pop.opinion[self.nodes] * 2 - 1
        y = ((np.arange(m) * 0.6180339887) % 1.0) * 2 - 1
        self.pos: F64 = np.stack([x, y], axis=1)
        self.laid_out_at = -1
        self.group = pop.group[self.nodes]
        ax = self.fig.subplots()
        self.offline = LineCollection([], colors="0.6", linewidths=0.5, alpha=0.45)
        self.online = LineCollection([], colors="tab:purple", linewidths=0.6, alpha=0.45)
        ax.add_collection(self.offline)
        ax.add_collection(self.online)
        norm = Normalize(0.0, 1.0)
        self.scatters = []
        for g in range(len(pop.group_names)):
            sel = self.group == g
            self.scatters.append(
                ax.scatter(
                    np.zeros(int(sel.sum())),
                    np.zeros(int(sel.sum())),
                    c=np.zeros(int(sel.sum())),
                    cmap=OPINION_CMAP,
                    norm=norm,
                    marker=MARKERS[g % len(MARKERS)],
                    s=22,
                    edgecolors="black",
                    linewidths=0.3,
                )
            )
        handles = [
            Line2D([], [], color="0.6", lw=1, label="offline tie"),
            Line2D([], [], color="tab:purple", lw=1, label="online follow"),
        ] + [
            Line2D(
                [],
                [],
                ls="",
                marker=MARKERS[g % len(MARKERS)],
                mfc="white",
                mec="black",
                label=name.replace("_", " "),
            )
            for g, name in enumerate(pop.group_names)
        ]
        legend = ax.legend(handles=handles, loc="upper left", fontsize=6.5, framealpha=1.0)
        self.fig.colorbar(
            ScalarMappable(norm, OPINION_CMAP), ax=ax, label="opinion (0-1)", shrink=0.8, pad=0.01
        )
        ax.set_xlim(-1.1, 1.1)
        ax.set_ylim(-1.1, 1.1)
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_title(f"Bubbles: {m} citizens and their ties")
        self.animate([self.offline, self.online, *self.scatters])
        self.overlay([legend])

    def update(self, model: CohesionModel) -> None:
        """This week's ties among the sample, a few layout iterations, opinions."""
        offline, online = _sample_ties(model, self.nodes)
        if self.laid_out_at != model.steps:
            first = self.laid_out_at < 0
            iters = self.first_iterations if first else self.weekly_iterations
            layout(self.pos, np.concatenate([offline, online]), iters)
            self.laid_out_at = model.steps
        pos = self.pos
        for coll, pairs in ((self.offline, offline), (self.online, online)):
            coll.set_segments(list(np.stack([pos[pairs[:, 0]], pos[pairs[:, 1]]], axis=1)))
        opinion = model.population.opinion[self.nodes]
        for g, sc in enumerate(self.scatters):
            sel = self.group == g
            sc.set_offsets(pos[sel])
            sc.set_array(opinion[sel])


# ---------------------------------------------------------------- neighbourhoods
def _tiles(model: CohesionModel) -> tuple[F64, list[tuple[float, float, int]]]:
    """Tile positions (x, y) per neighbourhood, and a label spot (x, y, m) per municipality.

    Each municipality is a near-square block of its neighbourhoods; the blocks are laid
    out on a near-square grid.
    """
    pop = model.population
    nb_mun = pop.neighbourhood_municipality
    xy = np.zeros((pop.n_neighbourhoods, 2))
    labels: list[tuple[float, float, int]] = []
    n_mun = pop.n_municipalities
    counts = np.bincount(nb_mun, minlength=n_mun)
    side = max(1, math.ceil(math.sqrt(int(counts.max()) if n_mun else 1)))
    grid = max(1, math.ceil(math.sqrt(n_mun)))
    rows_per_block = max(1, math.ceil(int(counts.max()) / side)) if n_mun else 1
    for m in range(n_mun):
        nbs = np.flatnonzero(nb_mun == m)
        x0 = (m % grid) * (side + 0.8)
        y0 = -(m // grid) * (rows_per_block + 1.2)
        i = np.arange(nbs.shape[0])
        xy[nbs, 0] = x0 + i % side
        xy[nbs, 1] = y0 - (i // side)
        labels.append((x0 + (side - 1) / 2, y0 + 0.55, m))
    return xy, labels


def _reached_neighbourhoods(model: CohesionModel) -> NDArray[np.bool_]:
    pop = model.population
    hit = np.zeros(pop.n_neighbourhoods, dtype=bool)
    for iv in model.policy.interventions:
        reached = getattr(iv, "reached", None)
        if isinstance(reached, np.ndarray) and reached.any():
            hit[np.unique(pop.neighbourhood[reached])] = True
    return hit


class NeighbourhoodsView(View):
    """Neighbourhoods coloured by mean trust and by tension, grouped by municipality."""

    name = "neighbourhoods"
    #: Fixed colour scales (fixed, so colours compare across weeks and runs); values
    #: beyond them take the end colours. Neighbourhood means differ by a few hundredths.
    trust_range = (0.2, 0.6)
    tension_range = (0.0, 0.4)

    def __init__(self, model: CohesionModel) -> None:
        super().__init__({"left": 0.01, "right": 0.99, "bottom": 0.12, "top": 0.9, "wspace": 0.08})
        pop = model.population
        self.size = np.maximum(np.bincount(pop.neighbourhood, minlength=pop.n_neighbourhoods), 1)
        self.municipality = pop.neighbourhood_municipality
        xy, labels = _tiles(model)
        axes = self.fig.subplots(1, 2)
        self.colls: list[PatchCollection] = []
        for ax, cmap, norm, title in (
            (axes[0], "RdYlGn", Normalize(*self.trust_range), label("trust_mean")),
            (axes[1], "Reds", Normalize(*self.tension_range), "Tension"),
        ):
            patches = [Rectangle((x - 0.45, y - 0.45), 0.9, 0.9) for x, y in xy]
            coll = PatchCollection(patches, cmap=cmap, norm=norm, edgecolors="black")
            coll.set_array(np.zeros(len(patches)))
            ax.add_collection(coll)
            if len(labels) <= 16:
                for x, y, m in labels:
                    ax.text(x, y, f"mun. {m}", ha="center", va="bottom", fontsize=7)
            ax.set_xlim(xy[:, 0].min() - 0.6, xy[:, 0].max() + 0.6)
            ax.set_ylim(xy[:, 1].min() - 0.6, xy[:, 1].max() + 1.2)
            ax.set_aspect("equal")
            ax.axis("off")
            ax.set_title(title, fontsize=9)
            self.fig.colorbar(
                ScalarMappable(norm, cmap),
                ax=ax,
                orientation="horizontal",
                shrink=0.8,
                pad=0.02,
                extend="both",
            )
            self.colls.append(coll)
        self.note = self.fig.text(0.5, 0.01, "", ha="center", va="bottom", fontsize=7)
        self.animate([*self.colls, self.note])

    def update(self, model: CohesionModel) -> None:
        """Mean trust and tension per neighbourhood; outline where the policy reached."""
        pop = model.population
        k = pop.n_neighbourhoods
        trust = np.bincount(pop.neighbourhood, weights=pop.trust, minlength=k) / self.size
        hit = _reached_neighbourhoods(model)
        for coll, values in zip(self.colls, (trust, model.tension), strict=True):
            coll.set_array(values)
            coll.set_linewidth(np.where(hit, 2.2, 0.3).tolist())
        lo, hi = int(np.argmin(trust)), int(np.argmax(model.tension))
        note = (
            f"lowest trust {trust[lo]:.2f} (neighbourhood {lo}, mun. {self.municipality[lo]}); "
            f"highest tension {model.tension[hi]:.2f} (neighbourhood {hi}, "
            f"mun. {self.municipality[hi]})"
        )
        if hit.any():
            note += "\nthick outline: the policy has reached citizens there"
        self.note.set_text(note)


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
        self.ax1.set_xlabel("week")
        self.ax1.set_ylabel("thousand euros spent")
        self.ax1.set_title("Cost", fontsize=9)
        self.ax2.set_xlim(0, steps)
        self.reach_limit = 100.0
        self.ax2.set_ylim(0, self.reach_limit)
        self.ax2.set_xlabel("week")
        self.ax2.set_ylabel("reached so far")
        self.ax2.set_title("Reach", fontsize=9)
        dynamic: list[Artist] = [*self.euros.values(), self.total, *self.reach.values()]
        for ax in (self.ax1, self.ax2):
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
            f"{model.policy.budget:,.0f}"
        )


# ---------------------------------------------------------------- registry
#: The views by name.
VIEWS: dict[str, type[View]] = {
    cls.name: cls
    for cls in (CohesionView, ComponentsView, BubblesView, NeighbourhoodsView, PolicyView)
}

_views: weakref.WeakKeyDictionary[CohesionModel, tuple[threading.Lock, dict[str, View]]] = (
    weakref.WeakKeyDictionary()
)
_views_lock = threading.Lock()


def view(model: CohesionModel, name: str) -> View:
    """The model's view ``name`` (made on first use, kept for the model's life)."""
    with _views_lock:
        entry = _views.get(model)
        if entry is None:
            entry = (threading.Lock(), {})
            _views[model] = entry
    lock, made = entry
    with lock:
        v = made.get(name)
        if v is None:
            v = VIEWS[name](model)
            made[name] = v
        return v


def render(model: CohesionModel, name: str) -> bytes:
    """View ``name`` of the model now, as PNG."""
    v = view(model, name)
    lock = _views[model][0]
    with lock:
        return v.png(model)
