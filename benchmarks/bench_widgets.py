"""Widget update latency: compute + redraw of every ``*_figure`` function in optkit.widgets.

Budget (DESIGN.md 6): under 150 ms per update. One update is what a slider move costs in a
live kernel: the explorer's ``Redrawer`` calls the pure function and renders the figure to
PNG (the first, layout-solving draw is done before timing, as it is when the page loads).
"""

from __future__ import annotations

import inspect

import matplotlib

matplotlib.use("Agg")
from optkit import plot, widgets  # noqa: E402

from .common import Row, best_time  # noqa: E402

BUDGET_MS = 150


def _update(redrawer):
    redrawer.png(redrawer.figure())


def run() -> list[Row]:
    plot.use_style()
    rows = []
    for name, fn in inspect.getmembers(widgets, inspect.isfunction):
        if not name.endswith("_figure") or fn.__module__ != widgets.__name__:
            continue
        redrawer = widgets.Redrawer(fn)
        _update(redrawer)  # warm caches (data sets, imports) and solve the layout once
        ms = 1e3 * best_time(lambda r=redrawer: _update(r), repeat=5)
        rows.append(Row("widget update (compute + redraw)", name, f"{ms:.0f} ms",
                        f"< {BUDGET_MS} ms", ms < BUDGET_MS))
    return rows
