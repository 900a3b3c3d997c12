"""Figures for the book: contours with trajectories, loss curves, and animations.

Every function draws on a Matplotlib axes (made for you when ``ax`` is None) and returns
it, so notebooks can compose panels. :func:`animate` returns HTML (``to_jshtml``) that plays
with a scrubber in the static book, no kernel needed.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from matplotlib import animation

STYLE = Path(__file__).with_name("book.mplstyle")


def use_style() -> None:
    """Apply the book's figure style (``optkit/book.mplstyle``)."""
    plt.style.use(STYLE)


def _axes(ax, figsize=None):
    if ax is None:
        _, ax = plt.subplots(figsize=figsize)
    return ax


def _as_paths(thetas) -> np.ndarray:
    """(steps+1, d) or (steps+1, ..., d) -> (steps+1, n, d)."""
    thetas = np.asarray(thetas, dtype=float)
    return thetas.reshape(thetas.shape[0], -1, thetas.shape[-1])


def _bounds(objective, bounds, paths=None):
    if bounds is not None:
        return bounds
    if objective.bounds is not None:
        return objective.bounds
    pts = paths.reshape(-1, paths.shape[-1])
    lo, hi = pts.min(0), pts.max(0)
    pad = 0.15 * np.maximum(hi - lo, 1e-3)
    return tuple(zip(lo - pad, hi + pad, strict=True))


def contour(objective, ax=None, bounds=None, levels=25, n=200, log=False,
            mark_minimum=True):
    """Filled contours of a 2-D objective (or its curve, for a 1-D one) on ``bounds``."""
    ax = _axes(ax)
    bounds = _bounds(objective, bounds)
    if len(bounds) == 1:  # 1-D: draw the curve
        x = np.linspace(*bounds[0], n)
        ax.plot(x, objective.f(x[:, None]), color="0.3", lw=1.5, label=objective.name)
        ax.set(xlabel=r"$\theta$", ylabel=r"$J(\theta)$")
        return ax
    (x0, x1), (y0, y1) = bounds
    X, Y = np.meshgrid(np.linspace(x0, x1, n), np.linspace(y0, y1, n))
    Z = objective.f(np.stack([X, Y], -1))
    if log:
        Z = np.log10(Z - Z.min() + 1e-3)
    ax.contourf(X, Y, Z, levels=levels, cmap="viridis", alpha=0.85)
    ax.contour(X, Y, Z, levels=levels, colors="white", linewidths=0.4, alpha=0.6)
    if mark_minimum and objective.minimizer is not None and len(objective.minimizer) == 2:
        ax.plot(*objective.minimizer, marker="*", color="white", ms=13, mec="black",
                ls="none", label="minimum")
    ax.set(xlim=(x0, x1), ylim=(y0, y1), xlabel=r"$\theta_1$", ylabel=r"$\theta_2$")
    ax.set_aspect("auto")
    ax.grid(False)
    return ax


def trajectories(ax, thetas, labels=None, colors=None, objective=None, markers=True):
    """Draw the paths ``thetas`` (steps+1, [n,] d) on ``ax``: d = 2, or d = 1 with ``objective``."""
    paths = _as_paths(thetas)
    n = paths.shape[1]
    labels = [None] * n if labels is None else list(labels)
    colors = colors or [f"C{i % 10}" for i in range(n)]
    for i in range(n):
        p = paths[:, i]
        xy = (p[:, 0], objective.f(p)) if p.shape[-1] == 1 else (p[:, 0], p[:, 1])
        ax.plot(*xy, "-", color=colors[i], lw=1.5, label=labels[i],
                marker="o" if markers else None, ms=3.5)
        ax.plot(xy[0][0], xy[1][0], "s", color=colors[i], ms=6, mec="black")
    return ax


def path_lines(ax, runs: dict, objective=None):
    """One trajectory per entry of ``runs`` (label -> thetas), in the colours C0, C1, ..."""
    for i, (label, thetas) in enumerate(runs.items()):
        p = _as_paths(thetas)
        names = [label] + [None] * (p.shape[1] - 1)
        trajectories(ax, p, names, [f"C{i % 10}"] * p.shape[1], objective=objective)
    return ax


def paths(objective, runs: dict, title: str = "", ax=None, bounds=None, log=False):
    """Contours of ``objective`` with one trajectory per entry of ``runs`` (label -> thetas)."""
    ax = _axes(ax, figsize=(6.5, 5))
    arrays = [_as_paths(t) for t in runs.values()]
    contour(objective, ax=ax, bounds=bounds or _bounds(objective, None, np.concatenate(
        [a.reshape(-1, a.shape[-1]) for a in arrays])[None]), log=log)
    path_lines(ax, runs, objective)
    ax.set_title(title or objective.name)
    ax.legend(loc="best")
    return ax


def loss_curves(ax, curves: dict, xlabel="iteration $k$", ylabel="cost $J$", log=True,
                title="", spread=True, legend=True):
    """Plot value curves, label -> array (steps+1,) or (steps+1, n) (mean and min-max band).

    ``legend`` may be False when another panel's legend already names the same colours.
    """
    ax = _axes(ax)
    for i, (label, v) in enumerate(curves.items()):
        v = np.asarray(v, dtype=float).reshape(len(v), -1)
        k = np.arange(len(v))
        ax.plot(k, v.mean(1), color=f"C{i % 10}", label=label)
        if spread and v.shape[1] > 1:
            ax.fill_between(k, v.min(1), v.max(1), color=f"C{i % 10}", alpha=0.2, lw=0)
    if log:
        ax.set_yscale("log")
    ax.set(xlabel=xlabel, ylabel=ylabel, title=title)
    if legend:
        ax.legend()
    return ax


def animate(objective, runs: dict, title: str = "", bounds=None, max_frames: int = 60,
            interval: int = 120, log: bool = False, figsize=(6.0, 4.8)):
    """An animation of trajectories (label -> thetas of shape (steps+1, [n,] d), d = 1 or 2)
    drawn over the objective's contours, as HTML that plays in the static book.

    Long runs are subsampled to at most ``max_frames`` frames so the page stays small.
    """
    from IPython.display import HTML

    arrays = {k: _as_paths(v) for k, v in runs.items()}
    steps = max(a.shape[0] for a in arrays.values())
    frames = np.unique(np.linspace(0, steps - 1, min(steps, max_frames)).astype(int))
    # A fixed layout: constrained layout would be re-solved for every frame.
    fig, ax = plt.subplots(figsize=figsize, dpi=72, layout="none")
    pts = np.concatenate([a.reshape(-1, a.shape[-1]) for a in arrays.values()])
    contour(objective, ax=ax, bounds=bounds or _bounds(objective, None, pts[None]), log=log)
    one_d = pts.shape[-1] == 1
    lines, heads = [], []
    for i, (label, a) in enumerate(arrays.items()):
        for j in range(a.shape[1]):
            (ln,) = ax.plot([], [], "-", color=f"C{i % 10}", lw=1.5,
                            label=label if j == 0 else None)
            (hd,) = ax.plot([], [], "o", color=f"C{i % 10}", mec="black", ms=6)
            lines.append((ln, a[:, j])), heads.append(hd)
    ax.legend(loc="upper right")
    text = ax.text(0.02, 0.95, "", transform=ax.transAxes, color="black",
                   bbox=dict(facecolor="white", alpha=0.7, lw=0))

    def xy(p):
        return (p[:, 0], objective.f(p)) if one_d else (p[:, 0], p[:, 1])

    def draw(f):
        for (ln, p), hd in zip(lines, heads, strict=True):
            upto = p[: min(f, len(p) - 1) + 1]
            x, y = xy(upto)
            ln.set_data(x, y)
            hd.set_data(x[-1:], y[-1:])
        text.set_text(f"k = {f}")
        return [ln for ln, _ in lines] + heads + [text]

    ax.set_title(title or objective.name)
    if not one_d:
        _freeze_contours(fig, ax, hide=[ax.get_legend(), text])
    fig.canvas.draw()
    fig.set_layout_engine("none")  # keep the layout just computed: frames only move lines
    # blit=False: to_jshtml saves every frame in full anyway, and blitting would add a
    # second redraw of the figure per frame.
    anim = animation.FuncAnimation(fig, draw, frames=frames, interval=interval, blit=False)
    # Saving draws each frame once; the animation's own "redraw when idle" after every frame
    # would draw it a second time for a screen that does not exist (the figure is closed).
    fig.canvas.draw_idle = lambda *args, **kwargs: None
    with plt.rc_context({"animation.frame_format": "jpeg", "savefig.dpi": 72}):
        html = anim.to_jshtml(default_mode="once")  # JPEG frames keep the page small
    plt.close(fig)
    return HTML(html)


def _freeze_contours(fig, ax, hide=()):
    """Replace the filled contours of ``ax`` by a picture of themselves.

    Every frame of an animation redraws the whole figure, and filled contours are by far the
    slowest artists to draw. We render the axes once (with the artists in ``hide`` and the
    still-empty trajectories invisible to the snapshot), remove the contour sets and show the
    snapshot as an image filling the same axes: the frames look the same and render several
    times faster.
    """
    sets = list(ax.collections)
    if not sets:
        return
    for artist in hide:
        if artist is not None:
            artist.set_visible(False)
    fig.canvas.draw()  # the final layout: the axes will not move after this
    x0, y0, x1, y1 = (int(round(v)) for v in ax.bbox.extents)
    pixels = np.asarray(fig.canvas.buffer_rgba())
    height = pixels.shape[0]
    background = pixels[height - y1:height - y0, x0:x1].copy()
    for artist in hide:
        if artist is not None:
            artist.set_visible(True)
    for c in sets:
        c.remove()
    ax.imshow(background, extent=(*ax.get_xlim(), *ax.get_ylim()), aspect="auto",
              interpolation="nearest", zorder=0.5)
