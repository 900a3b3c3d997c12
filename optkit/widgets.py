"""Interactive explorers: pure compute+draw functions, and one ipywidgets wrapper.

Each ``*_figure`` function takes plain numbers, computes with optkit and returns a
Matplotlib Figure: the static book shows it, tests call it, and :func:`explorer` redraws it
when the reader moves a control in a live kernel.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from . import objectives, plot
from .first_order import Momentum
from .run import optimize


def explorer(draw, note: str = "Move a control to redraw (this needs a live kernel).",
             **controls):
    """Wrap ``draw(**values) -> Figure`` as a widget: ``controls`` are ipywidgets by keyword.

    The output area starts with ``note`` rather than a figure, because the notebook shows
    the static figure for the default values just above the widget. The latest figure is
    kept as ``box.figure`` (so tests can drive the controls without a browser).
    """
    import ipywidgets as w
    from IPython.display import display

    out = w.Output()
    box = w.VBox([w.HBox(list(controls.values())), out])
    box.figure = None
    with out:
        print(note)

    def redraw(_change=None):
        fig = draw(**{name: c.value for name, c in controls.items()})
        box.figure = fig
        with out:
            out.clear_output(wait=True)
            display(fig)
        plt.close(fig)

    for c in controls.values():
        c.observe(redraw, names="value")
    box.redraw = redraw
    return box


SURFACES = {
    "narrow valley": lambda: objectives.ill_conditioned_quadratic(50.0, angle=np.pi / 6),
    "valley": objectives.valley,
    "bowl": objectives.bowl,
    "two_gaussians": objectives.two_gaussians,
}
STARTS = {"narrow valley": (-2.0, 1.5), "valley": (-0.5, 1.2), "bowl": (-0.5, 2.0),
          "two_gaussians": (1.5, 1.5)}


def momentum_figure(lr: float = 0.015, alpha: float = 0.8, steps: int = 60,
                    surface: str = "narrow valley"):
    """Momentum (Algorithm 8.2) on a 2-D surface: its path beside plain gradient descent,
    and both cost curves. ``surface`` is a key of ``SURFACES``."""
    if surface not in SURFACES:
        raise ValueError(f"surface must be one of {sorted(SURFACES)}, got {surface!r}")
    obj = SURFACES[surface]()
    start = np.array(STARTS[surface])
    gd = optimize(Momentum(lr=lr, alpha=0.0), obj, start, steps)
    mom = optimize(Momentum(lr=lr, alpha=alpha), obj, start, steps)
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(10, 4.2))
    plot.paths(obj, {"gradient descent": gd.thetas, f"momentum, alpha = {alpha:g}": mom.thetas},
               title=f"{obj.name}, lr = {lr:g}", ax=a1)
    best = obj.f(obj.minimizer) if obj.minimizer is not None else 0.0
    gap = {"gradient descent": gd.values - best, f"momentum, alpha = {alpha:g}": mom.values - best}
    plot.loss_curves(a2, {k: np.maximum(v, 1e-16) for k, v in gap.items()},
                     ylabel=r"$J(\theta_k) - J^*$", title="distance to the minimum value")
    for name, tr in (("GD", gd), ("momentum", mom)):
        if tr.diverged.any():
            a2.text(0.5, 0.5, f"{name} diverged", transform=a2.transAxes, ha="center",
                    color="C3", fontsize=12)
    return fig


def momentum_explorer(lr: float = 0.015, alpha: float = 0.8, surface: str = "narrow valley"):
    """Sliders for the learning rate and the momentum alpha over :func:`momentum_figure`."""
    import ipywidgets as w

    return explorer(
        momentum_figure,
        lr=w.FloatLogSlider(value=lr, base=10, min=-3, max=-0.5, step=0.05,
                            description="lr (epsilon)", readout_format=".4f"),
        alpha=w.FloatSlider(value=alpha, min=0.0, max=0.99, step=0.01, description="alpha"),
        surface=w.Dropdown(options=list(SURFACES), value=surface,
                           description="surface"),
    )
