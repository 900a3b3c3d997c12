"""Widget update latency: what one move of one control costs in a live kernel.

Budget (DESIGN.md 6): under 150 ms per update (compute + redraw). Every ``*_explorer`` of
optkit.widgets is driven as a reader drives it: each control is set, in turn, to five
positions spread over its range and back to its first value, which fires the explorer's
callback (compute, redraw its figure, encode the picture, hand it to the output area). The
sweep is done three times and each move keeps its best time; a widget's verdict is its
median move, and the slowest move is reported beside it. Moves that change an axis's range
(a step count, a surface) redraw that axes' ticks and labels and cost the most.
"""

from __future__ import annotations

import contextlib
import inspect
import io
import time

import matplotlib
import numpy as np

matplotlib.use("Agg")
from optkit import plot, widgets  # noqa: E402

from .common import Row  # noqa: E402

BUDGET_MS = 150
POSITIONS = 5
PASSES = 3


def positions(control) -> list:
    """Up to POSITIONS values spread over a control's range (its options, for a menu)."""
    options = getattr(control, "options", None)
    if options is not None:
        values = [o[1] if isinstance(o, tuple) else o for o in options]
        picks = np.unique(np.linspace(0, len(values) - 1, POSITIONS).round().astype(int))
        return [values[i] for i in picks]
    lo, hi = control.min, control.max
    if hasattr(control, "base"):  # a log slider: min and max are exponents
        return list(control.base ** np.linspace(lo, hi, POSITIONS))
    grid = np.linspace(lo, hi, POSITIONS)
    if isinstance(control.value, int):
        return sorted({int(round(v / control.step) * control.step) for v in grid})
    return [float(v) for v in grid]


def sweep_times(box) -> dict[str, list[float]]:
    """Best time (ms) of every move, per control description."""
    out = {}
    for control in box.controls.values():
        first = control.value
        moves = [v for v in positions(control) if v != first] + [first]
        best = np.full(len(moves), np.inf)
        for _ in range(PASSES):
            for i, value in enumerate(moves):
                t = time.perf_counter()
                control.value = value
                best[i] = min(best[i], 1e3 * (time.perf_counter() - t))
        out[control.description] = list(best)
    return out


def run() -> list[Row]:
    plot.use_style()
    rows = []
    for name, make in inspect.getmembers(widgets, inspect.isfunction):
        if not name.endswith("_explorer"):
            continue
        with contextlib.redirect_stdout(io.StringIO()):  # the output area prints outside Jupyter
            box = make()
            box.redraw()  # the first drawing solves the layout, as on the reader's first move
            times = sweep_times(box)
        every = np.concatenate(list(times.values()))
        slowest = max(times, key=lambda k: max(times[k]))
        fast = sum(np.median(t) < BUDGET_MS for t in times.values())
        rows.append(Row(
            "widget update (compute + redraw)", name,
            f"median move {np.median(every):.0f} ms; slowest {max(times[slowest]):.0f} ms "
            f"({slowest!r}); {fast} of {len(times)} controls under {BUDGET_MS} ms "
            f"({len(every)} moves)",
            f"median move < {BUDGET_MS} ms", bool(np.median(every) < BUDGET_MS)))
    return rows
