"""The explorer's map views: citizens in their bubbles, the neighbourhoods, the municipalities.

- ``bubbles`` (:class:`BubblesView`): a sample of a few hundred citizens and their ties
  in both layers, coloured by opinion, marked by group. The sample
  (:func:`bubble_sample`) is a breadth-first snowball from a few citizens spread over
  the municipalities, fixed for the model's life; its layout (:func:`layout`) is a
  force-directed relaxation of the sample alone (a few hundred nodes, a few iterations
  per week, warm-started from the previous week), never a layout of the whole graph.
- ``neighbourhoods`` (:class:`NeighbourhoodsView`): each neighbourhood a tile, grouped
  by municipality, coloured by mean trust and by tension; tiles where the policy has
  reached citizens are outlined.
- ``municipalities`` (:class:`MunicipalitiesView`), offered when the population spans
  more than one real municipality (:func:`has_map`): the municipalities on their 2024
  boundaries (:func:`sim.maps.draw_map`), coloured by one chosen metric
  (:data:`MAP_CHOICES`, :meth:`MunicipalitiesView.choose`) at the current week, read
  from the model's records (:func:`municipality_values`, the values the run's table
  holds). Municipalities with fewer citizens than ``small_scope`` are hatched and
  greyed, uncoloured, and counted in the caption.
"""

from __future__ import annotations

import math

import numpy as np
from matplotlib import colormaps
from matplotlib.cm import ScalarMappable
from matplotlib.collections import LineCollection, PatchCollection
from matplotlib.colors import Normalize
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle
from numpy.typing import NDArray

from sim.explore.canvas import View
from sim.explore.series import date_text, week_date
from sim.maps import coloured, coloured_collection, draw_map
from sim.model import CohesionModel
from sim.outcomes import OUTCOMES, label
from sim.plots import COMPONENT_LABELS, DOMAIN_LABELS

__all__ = [
    "MAP_CHOICES",
    "SAMPLE_SIZE",
    "BubblesView",
    "MunicipalitiesView",
    "NeighbourhoodsView",
    "bubble_sample",
    "has_map",
    "layout",
    "municipality_citizens",
    "municipality_values",
]

F64 = NDArray[np.float64]
I64 = NDArray[np.int64]

#: Citizens in the network view.
SAMPLE_SIZE = 300
MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*")
OPINION_CMAP = "coolwarm"


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


# ---------------------------------------------------------------- municipalities
#: The metrics the municipality map offers: the series of the cohesion views.
MAP_CHOICES: tuple[str, ...] = (*DOMAIN_LABELS, *COMPONENT_LABELS)
_PREFIX = "municipality:"


def has_map(model: CohesionModel) -> bool:
    """Whether the population spans more than one real municipality (so has a map)."""
    return model.cfg.population.places != "synthetic" and model.population.n_municipalities > 1


def municipality_values(model: CohesionModel, metric: str) -> dict[str, float]:
    """A metric per municipality (CBS code) at the latest recorded week.

    The same numbers as :func:`sim.maps.scope_values` reads from the run's table, taken
    from the model's records without building that table.
    """
    i = int(np.searchsorted(model.record_steps, model.steps, side="right")) - 1
    row = model.records[max(i, 0), model.metric_names.index(metric)]
    return {
        name.removeprefix(_PREFIX): float(row[k])
        for k, name in enumerate(model.scopes.names)
        if name.startswith(_PREFIX)
    }


def municipality_citizens(model: CohesionModel) -> dict[str, float]:
    """Citizens per municipality (CBS code), from the run's week-0 ``citizens`` rows."""
    return {
        scope.removeprefix(_PREFIX): value
        for _, metric, scope, value in model.events
        if metric == "citizens" and scope.startswith(_PREFIX)
    }


def _scale(values: list[float]) -> tuple[float, float]:
    """A colour range holding ``values`` with a margin of a tenth of their spread."""
    finite = [v for v in values if math.isfinite(v)]
    lo, hi = (min(finite), max(finite)) if finite else (0.0, 1.0)
    margin = 0.1 * (hi - lo) or 0.05 * max(abs(hi), 1e-3)
    return lo - margin, hi + margin


class MunicipalitiesView(View):
    """The municipalities on their boundaries, coloured by a chosen metric this week.

    The colour scale is set from the first week a metric is shown and widened (never
    narrowed) when a value leaves it, so colours compare across weeks. Green is better.
    """

    name = "municipalities"
    default_metric = "cohesion_index"

    def __init__(self, model: CohesionModel) -> None:
        super().__init__({"left": 0.02, "right": 0.96, "bottom": 0.06, "top": 0.92})
        self.counts = municipality_citizens(model)
        self.small = int(model.cfg.small_scope)
        self.few = sum(1 for c in self.counts.values() if c < self.small)
        self.metric = ""
        self.codes: list[str] = []
        self.coll: PatchCollection | None = None
        self.norm = Normalize(0.0, 1.0)
        self.cmap = colormaps["RdYlGn"]
        self.choose(model, self.default_metric)

    def choose(self, model: CohesionModel, metric: str) -> None:
        """Map ``metric`` (one of :data:`MAP_CHOICES`) from now on; the figure is redrawn."""
        if metric not in MAP_CHOICES:
            raise ValueError(f"no map of {metric!r}; choose one of {', '.join(MAP_CHOICES)}")
        if metric == self.metric:
            return
        self.metric = metric
        self.fig.clear()
        self.dynamic.clear()
        self.overlays.clear()
        self.invalidate()
        values = municipality_values(model, metric)
        o = OUTCOMES.get(metric)
        cmap = "RdYlGn" if o is None or o.higher_is_better is not False else "RdYlGn_r"
        self.cmap = colormaps[cmap]
        self.codes = coloured(values, self.counts, self.small)
        self.norm = Normalize(*_scale([values[c] for c in self.codes] or list(values.values())))
        ax = self.fig.subplots()
        draw_map(ax, values, cmap=cmap, norm=self.norm, counts=self.counts, small=self.small)
        self.coll = coloured_collection(ax)
        self.fig.colorbar(
            ScalarMappable(self.norm, cmap), ax=ax, shrink=0.85, pad=0.01, extend="both"
        )
        if not has_map(model):
            note = "no map: the population does not span several real municipalities"
        elif self.few:
            note = (
                f"hatched: {self.few} municipalities with fewer than {self.small} citizens "
                "(too few to compare; not coloured)"
            )
        else:
            note = f"every municipality has at least {self.small} citizens"
        self.fig.text(0.5, 0.01, note, ha="center", va="bottom", fontsize=7)
        self.title = self.fig.suptitle("", fontsize=10)
        self.animate([*([self.coll] if self.coll is not None else []), self.title])

    def update(self, model: CohesionModel) -> None:
        """Each coloured municipality's value this week; the date in the title."""
        values = municipality_values(model, self.metric)
        v = np.array([values[c] for c in self.codes], dtype=np.float64)
        finite = v[np.isfinite(v)]
        vmin, vmax = float(self.norm.vmin or 0.0), float(self.norm.vmax or 0.0)
        if finite.size and (finite.min() < vmin or finite.max() > vmax):
            lo, hi = _scale([float(finite.min()), float(finite.max())])
            self.norm.vmin, self.norm.vmax = min(lo, vmin), max(hi, vmax)
            self.invalidate()
        if self.coll is not None:
            self.coll.set_facecolor(self.cmap(self.norm(v)))
        day = date_text(week_date(model, model.steps))
        self.title.set_text(f"{label(self.metric)} by municipality, {day} (week {model.steps})")
