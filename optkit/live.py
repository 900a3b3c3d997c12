"""Figures that a slider can redraw fast: a static frame drawn once, content blitted over it.

A widget's figure is described by three functions of the controls' values:

- ``frame()`` makes the figure and its axes (axis labels, scales: what never changes);
- ``backdrop(axes, **values)`` draws what changes rarely, such as a surface's contours;
- ``content(axes, **values)`` draws what changes with every control: paths, curves, legends,
  texts and the axes' titles.

Each receives only the values named in its signature, and draws on the axes only.
:class:`LiveFigure` keeps one figure and, on every update, replaces the content artists (and
the backdrop ones only when one of the backdrop's values changed). Rendering pastes a saved
picture of the frame and backdrop and draws the content over it (Matplotlib's "blitting"):
a few milliseconds, where laying out every tick and label again takes 100-250 ms. An axes
whose limits or labels changed, or whose backdrop was redrawn, is blanked and drawn again on
the saved picture; the whole figure is drawn only the first time. Autoscaled limits are
snapped outwards to round numbers, so that most moves keep them.

The static book draws the same three functions once (``LiveFigure(...).update(**values)``
returns the finished figure), so the figure above a widget and the one the widget redraws
are the same drawing.
"""

from __future__ import annotations

import inspect
import io

import matplotlib as mpl
import numpy as np
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg


def _call(fn, axes, values: dict):
    """``fn(axes, **values)`` with only the values ``fn`` names."""
    return fn(axes, **_accepted(fn, values))


def _accepted(fn, values: dict) -> dict:
    names = inspect.signature(fn).parameters
    return {k: v for k, v in values.items() if k in names}


def _children(axes) -> list:
    return [a for ax in axes for a in ax.get_children()]


class LiveFigure:
    """One figure updated in place by :meth:`update` and rendered by :meth:`jpeg`."""

    def __init__(self, frame, content, backdrop=None):
        self.layers = (frame, content, backdrop)
        self.fig, axes = frame()
        self.axes = tuple(np.atleast_1d(axes).ravel())
        # Titles are content, drawn after the rest, so Matplotlib cannot place them from the
        # tick labels as in a full drawing: pin them just above the axes (widgets put no
        # ticks on top).
        for ax in self.axes:
            ax.set_title(ax.get_title(), y=1.0)
        self.content, self.backdrop = content, backdrop
        self._content, self._backdrop = [], []
        self._backdrop_values = None
        self._background = None  # the saved picture of frame + backdrop, and its state
        self._dirty = set()  # axes whose backdrop was drawn again since that picture
        self._layout_frozen = False
        self.full_renders = 0  # how often the whole figure was drawn
        self.axes_redraws = 0  # how often one axes was drawn again (new limits or labels)

    def update(self, **values):
        """Redraw the content (and the backdrop if its values changed); returns the figure."""
        if self.backdrop is not None:
            wanted = _accepted(self.backdrop, values)
            if wanted != self._backdrop_values:
                touched = {a.axes for a in self._backdrop}
                self._backdrop = self._replace(self._backdrop, self.backdrop, values)
                self._backdrop_values = wanted
                touched |= {a.axes for a in self._backdrop}
                self._dirty |= {i for i, ax in enumerate(self.axes) if ax in touched}
        self._content = self._replace(self._content, self.content, values)
        self._snap_limits()
        return self.fig

    def _replace(self, old: list, draw, values: dict) -> list:
        for artist in old:
            artist.remove()
        for ax in self.axes:  # default colours start at C0 in every redraw, as in the first
            ax.set_prop_cycle(None)
        before = {id(a) for a in _children(self.axes)}
        _call(draw, self.axes if len(self.axes) > 1 else self.axes[0], values)
        return [a for a in _children(self.axes) if id(a) not in before]

    def _snap_limits(self):
        """Autoscaled axes: fit the current artists, rounded out to the ticks' round numbers."""
        with mpl.rc_context({"axes.autolimit_mode": "round_numbers"}):
            for ax in self.axes:
                if ax.get_autoscalex_on() or ax.get_autoscaley_on():
                    ax.relim()
                    ax.autoscale_view()
                    ax.get_xlim(), ax.get_ylim()  # settle the limits now, in this mode

    # ---------------------------------------------------------------- rendering (live only)

    def _figure_state(self):
        return id(self.fig.canvas), self.fig.dpi, tuple(self.fig.get_size_inches())

    @staticmethod
    def _axes_state(ax):
        return (ax.get_xlim(), ax.get_ylim(), ax.get_xscale(), ax.get_yscale(),
                ax.get_xlabel(), ax.get_ylabel())

    def _layer(self) -> list:
        """What is drawn over the saved picture, in Matplotlib's drawing order: the content,
        the titles, and the spines (which a full drawing puts over contours and curves)."""
        artists = self._content + [a for ax in self.axes for a in (ax.title,
                                                                   *ax.spines.values())]
        return sorted(artists, key=lambda a: a.get_zorder())  # stable: keeps added order

    def render(self, everything: bool = False) -> np.ndarray:
        """Draw the figure on its Agg canvas, blitting when possible (``everything=True``
        draws it all again, as a reference picture); returns the RGBA pixels."""
        if not isinstance(self.fig.canvas, FigureCanvasAgg):
            FigureCanvasAgg(self.fig)
        canvas = self.fig.canvas
        if not self._layout_frozen:  # solve the layout once, with everything in place
            canvas.draw()
            self.fig.set_layout_engine("none")
            self._layout_frozen = True
        layer = self._layer()
        shown = [a.get_visible() for a in layer]
        for a in layer:
            a.set_visible(False)
        if everything:
            self._background = None
        self._refresh_background()
        for a, visible in zip(layer, shown, strict=True):
            a.set_visible(visible)
            self.fig.draw_artist(a)
        return np.asarray(canvas.buffer_rgba())

    def _parts(self) -> list:
        """What the saved picture is drawn from, in the figure's drawing order: the axes,
        then figure-level artists such as a legend beside the axes (part of the frame)."""
        extra = [a for a in (*self.fig.legends, *self.fig.texts) if a.get_visible()]
        return list(self.axes) + sorted(extra, key=lambda a: a.get_zorder())

    def _refresh_background(self):
        """Put the frame and backdrop on the canvas: the saved picture when it is current,
        else a redraw of the axes whose limits or labels changed (or of the whole figure)."""
        canvas, saved = self.fig.canvas, self._background
        states = [self._axes_state(ax) for ax in self.axes]
        parts = self._parts()
        if saved is not None and saved["figure"] == self._figure_state() \
                and len(saved["regions"]) == len(parts):
            canvas.restore_region(saved["pixels"])
            changed = {i for i, st in enumerate(states) if st != saved["axes"][i]} | self._dirty
            if not changed:
                return
            regions = list(saved["regions"])
            stale = sorted(_overlapping(changed, regions))  # blanking must not cut another
            pixels = np.asarray(canvas.buffer_rgba())
            face = np.round(255 * np.asarray(self.fig.get_facecolor())).astype(np.uint8)
            for i in stale:  # blank what each covered (old tick labels included) ...
                _fill(pixels, regions[i], face)
            for i in stale:  # ... and draw it again, in the figure's order
                self.fig.draw_artist(parts[i])
            self.axes_redraws += sum(i < len(self.axes) for i in stale)
            renderer = canvas.get_renderer()
            for i in stale:
                regions[i] = _region(parts[i], renderer)
            if _overlapping(set(stale), regions) == set(stale):
                self._save(states, regions)
                return
            # a redrawn axes now reaches into another part (wider tick labels): draw it all
        canvas.draw()
        self.full_renders += 1
        renderer = canvas.get_renderer()
        self._save(states, [_region(part, renderer) for part in parts])

    def _save(self, states, regions):
        self._dirty = set()
        self._background = {"figure": self._figure_state(), "axes": states, "regions": regions,
                            "pixels": self.fig.canvas.copy_from_bbox(self.fig.bbox)}

    def jpeg(self) -> bytes:
        """The rendered figure as JPEG bytes: quality 95 without chroma subsampling looks
        like the PNG but encodes in 3 ms instead of 20 (the animations use JPEG too)."""
        from PIL import Image

        buf = io.BytesIO()
        Image.fromarray(self.render()[..., :3]).save(buf, format="jpeg", quality=95,
                                                     subsampling=0)
        return buf.getvalue()


def _region(part, renderer):
    """What an axes (its box, tick labels and axis labels) or a figure-level artist covers on
    the canvas, with 3 pixels to spare for antialiased edges. An axes' other artists are
    clipped to its box: not measuring them one by one halves the cost."""
    if isinstance(part, Axes):
        return part.get_tightbbox(renderer, bbox_extra_artists=[]).padded(3)
    return part.get_window_extent(renderer).padded(3)


def _overlapping(indices: set, regions: list) -> set:
    """``indices`` and every region that overlaps them, directly or through another."""
    found = set(indices)
    while True:
        more = {j for j, r in enumerate(regions) if j not in found
                and any(r.overlaps(regions[i]) for i in found)}
        if not more:
            return found
        found |= more


def _fill(pixels: np.ndarray, box, color) -> None:
    """Paint the display-space ``box`` (origin bottom left) of an RGBA buffer."""
    height, width = pixels.shape[:2]
    x0, x1 = max(0, int(np.floor(box.x0))), min(width, int(np.ceil(box.x1)))
    y0, y1 = max(0, int(np.floor(box.y0))), min(height, int(np.ceil(box.y1)))
    pixels[height - y1:height - y0, x0:x1] = color
