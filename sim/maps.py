"""Maps of the municipalities, drawn from their 2024 boundaries and a run's tables.

A map colours each simulated municipality by a value (a metric at the last week, or a
policy's effect); municipalities with fewer citizens than ``small`` are drawn hatched and
greyed, and named so in the caption, because their values rest on too few citizens to
compare; municipalities not in the run are left blank. Coordinates are longitude and
latitude, with the longitude scaled by the cosine of the country's mean latitude, so
shapes are not stretched. Like every figure here, a map is a bare matplotlib Figure made
from tables, never from a live model.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from matplotlib import colormaps
from matplotlib.axes import Axes
from matplotlib.cm import ScalarMappable
from matplotlib.collections import PatchCollection
from matplotlib.colors import Normalize
from matplotlib.figure import Figure
from matplotlib.patches import PathPatch
from matplotlib.path import Path as MplPath

from sim.outcomes import OUTCOMES, label
from sim.places import boundaries

__all__ = [
    "MAP_METRICS",
    "coloured",
    "coloured_collection",
    "draw_map",
    "map_figure",
    "scope_values",
]

#: The metrics of a run's map, one panel each.
MAP_METRICS = ("cohesion_index", "trust_mean", "tension_mean", "bubble_index")
_ASPECT = math.cos(math.radians(52.2))


def _patch(rings: Sequence[np.ndarray]) -> PathPatch:
    vertices, codes = [], []
    for ring in rings:
        pts = np.column_stack([ring[:, 0] * _ASPECT, ring[:, 1]])
        vertices.append(pts)
        codes.append([MplPath.MOVETO, *[MplPath.LINETO] * (len(pts) - 2), MplPath.CLOSEPOLY])
    return PathPatch(MplPath(np.concatenate(vertices), np.concatenate(codes)))


def scope_values(ts: pd.DataFrame, metric: str) -> dict[str, float]:
    """A metric's value at the last recorded week, per municipality code."""
    d = ts[(ts["metric"] == metric) & ts["scope"].str.startswith("municipality:")]
    d = d[d["step"] == d["step"].max()]
    return {str(s).split(":", 1)[1]: float(v) for s, v in zip(d["scope"], d["value"], strict=True)}


def coloured(
    values: Mapping[str, float], counts: Mapping[str, float] | None = None, small: int = 0
) -> list[str]:
    """The municipalities :func:`draw_map` colours, in the order of its coloured patches.

    Those in ``values`` with at least ``small`` citizens (all of them without ``counts``).
    """
    return [
        code
        for code in boundaries()
        if code in values and (counts is None or counts.get(code, 0) >= small)
    ]


def coloured_collection(ax: Axes) -> PatchCollection | None:
    """The collection of coloured municipalities :func:`draw_map` added to ``ax``, if any.

    Its patches follow :func:`coloured`, so their colours can be set again later (a map
    that changes week by week is drawn once and recoloured).
    """
    for coll in ax.collections:
        if isinstance(coll, PatchCollection) and coll.get_gid() == "coloured":
            return coll
    return None


def draw_map(
    ax: Axes,
    values: Mapping[str, float],
    *,
    cmap: str = "viridis",
    norm: Normalize | None = None,
    counts: Mapping[str, float] | None = None,
    small: int = 0,
) -> Normalize:
    """Draw the municipalities on ``ax`` coloured by ``values``; the colour scale used.

    Municipalities not in ``values`` are left blank; those with fewer than ``small``
    citizens in ``counts`` are hatched and greyed (collections with gid ``blank``,
    ``coloured`` and ``few``).
    """
    shapes = boundaries()
    vals = np.array(list(values.values()), dtype=np.float64)
    norm = norm or Normalize(float(np.nanmin(vals)), float(np.nanmax(vals)))
    colours = colormaps[cmap]
    blank, shown, few = [], [], []
    for code, rings in shapes.items():
        patch = _patch(rings)
        if code not in values:
            blank.append(patch)
        elif counts is not None and counts.get(code, 0) < small:
            few.append(patch)
        else:
            patch.set_facecolor(colours(norm(values[code])))
            shown.append(patch)
    kinds = (
        ("blank", PatchCollection(blank, facecolor="0.96", edgecolor="0.85", lw=0.2)),
        ("coloured", PatchCollection(shown, match_original=True, edgecolor="0.4", lw=0.2)),
        ("few", PatchCollection(few, facecolor="0.85", edgecolor="0.4", lw=0.2, hatch="////")),
    )
    for gid, coll in kinds:
        coll.set_gid(gid)
        ax.add_collection(coll)
    ax.autoscale_view()
    ax.set_aspect("equal")
    ax.set_axis_off()
    return norm


def map_figure(
    ts: pd.DataFrame, metrics: Sequence[str] = MAP_METRICS, title: str = "", small: int = 0
) -> Figure:
    """Maps of a run's metrics per municipality at its last week (one panel each)."""
    counts = scope_values(ts, "citizens")
    fig = Figure(figsize=(5.2 * len(metrics), 6.4), layout="constrained")
    axes = fig.subplots(1, len(metrics), squeeze=False)[0]
    for ax, metric in zip(axes, metrics, strict=True):
        values = scope_values(ts, metric)
        o = OUTCOMES.get(metric)
        better_high = o is None or o.higher_is_better is not False
        cmap = "RdYlGn" if better_high else "RdYlGn_r"  # green: better
        norm = draw_map(ax, values, cmap=cmap, counts=counts, small=small)
        sm = ScalarMappable(norm=norm, cmap=cmap)
        fig.colorbar(sm, ax=ax, orientation="horizontal", fraction=0.05, pad=0.02)
        ax.set_title(label(metric), fontsize=10)
    n_few = sum(1 for c in counts.values() if c < small)
    note = f"; hatched: {n_few} municipalities with fewer than {small} citizens" if n_few else ""
    last = ts["date"].max() if "date" in ts else f"week {ts['step'].max()}"
    fig.suptitle(f"{title or 'By municipality'}, {last}{note}", fontsize=12)
    return fig
