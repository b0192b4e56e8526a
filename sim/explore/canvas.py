"""The explorer's figures: a matplotlib figure drawn once and blitted each week.

:class:`View` is the base of every view in :mod:`sim.explore.views`: a figure (object
API, never pyplot) kept for the model's life, whose static parts (axes, ticks, labels,
colour bars) are drawn once, and of which each week only the artists that change are
redrawn over a copy of that background ("blitting"), so a week renders in milliseconds
rather than redrawing every label. :meth:`View.png` returns the view as PNG. Also here:
the figure size, resolution and margins every view shares.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import ClassVar

from matplotlib.artist import Artist
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from PIL import Image

from sim.model import CohesionModel

__all__ = ["DPI", "MARGINS", "SIZE", "View"]

#: Figure size in inches at :data:`DPI`: fits a half-width card of SolaraViz's grid.
SIZE = (6.0, 3.9)
DPI = 90
#: Fixed margins (a constrained layout would redraw everything each time).
MARGINS = {"left": 0.11, "right": 0.97, "bottom": 0.13, "top": 0.9}


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
