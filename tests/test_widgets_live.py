"""Every ``*_explorer`` in optkit.widgets redraws when any of its controls changes.

The explorers are driven as a live kernel would drive them, without a browser: each control's
``value`` is set programmatically, which fires the same ``observe`` callbacks as a reader's
mouse, and the picture the explorer shows (``box.image``) must then change. After a run of
moves, that picture must be what drawing the whole figure afresh gives (the explorers redraw
only what changed, over a saved picture of the rest: see optkit.live).
"""

import inspect
import io

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")

import ipywidgets as w  # noqa: E402
from PIL import Image  # noqa: E402

from optkit import widgets  # noqa: E402
from optkit.live import LiveFigure  # noqa: E402

EXPLORERS = sorted(name for name, fn in inspect.getmembers(widgets, inspect.isfunction)
                   if name.endswith("_explorer"))


def shown(box) -> np.ndarray:
    """The picture the explorer displayed last, decoded."""
    return np.asarray(Image.open(io.BytesIO(box.image)))


def controls_of(box) -> list:
    """The value widgets inside the explorer's box (sliders, dropdowns, ...), depth first."""
    found, stack = [], [box]
    while stack:
        node = stack.pop(0)
        if isinstance(node, w.ValueWidget) and not isinstance(node, w.Output):
            found.append(node)
        stack.extend(getattr(node, "children", ()))
    return found


def another_value(c):
    """A valid value different from the control's current one."""
    if isinstance(c, (w.Dropdown, w.RadioButtons, w.ToggleButtons, w.SelectionSlider, w.Select)):
        values = [o[1] if isinstance(o, tuple) else o for o in c.options]
        return next(v for v in values if v != c.value)
    if isinstance(c, (w.Checkbox, w.ToggleButton)):
        return not c.value
    if isinstance(c, w.FloatLogSlider):
        lo, hi = c.base ** c.min, c.base ** c.max
        return float(np.sqrt(lo * c.value)) if c.value > np.sqrt(lo * hi) else float(
            np.sqrt(hi * c.value))
    if hasattr(c, "min") and hasattr(c, "max"):
        target = c.min if c.value - c.min > c.max - c.value else c.max
        new = c.value + (target - c.value) / 2
        if isinstance(c.value, int):
            new = int(round(new))
            if new == c.value:
                new = target
        return new
    raise AssertionError(f"no rule to change a {type(c).__name__}")


def test_there_are_explorers():
    assert len(EXPLORERS) >= 3, EXPLORERS


@pytest.mark.parametrize("name", EXPLORERS)
def test_every_control_redraws_the_figure(name):
    box = getattr(widgets, name)()
    assert hasattr(box, "figure"), f"{name} does not keep box.figure (use widgets.explorer)"
    controls = controls_of(box)
    assert controls, f"{name} has no controls"
    first = {k: c.value for k, c in box.controls.items()}
    box.redraw()
    for c in controls:
        before = shown(box)
        new = another_value(c)
        c.value = new
        assert c.value == pytest.approx(new) if isinstance(new, float) else c.value == new
        after = shown(box)
        assert after.shape != before.shape or np.any(after != before), (
            f"{name}: changing {c.description!r} to {new!r} left the picture unchanged")
    # the picture after these moves is the whole figure drawn afresh, with the layout the
    # explorer solved at its first draw (for the first values)
    reference = LiveFigure(*box.live.layers)
    reference.update(**first)
    reference.render()
    reference.update(**{k: c.value for k, c in box.controls.items()})
    expected = reference.render(everything=True)
    actual = box.live.render()
    differ = np.any(actual != expected, axis=-1)
    assert not differ.any(), (
        f"{name}: {differ.sum()} pixels differ from a fresh drawing of the same values")
    matplotlib.pyplot.close("all")
