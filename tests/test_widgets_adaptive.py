"""The 8.5 widget's pure function: it draws what optkit computes, and rejects bad input."""

import matplotlib.pyplot as plt
import numpy as np
import pytest

from optkit import AdaGrad, Adam, objectives, optimize, widgets


def test_adaptive_figure_draws_the_computed_paths():
    fig = widgets.adaptive_figure("plateau", steps=30, lr_scale=2.0)
    try:
        paths_ax, curves_ax = fig.axes[:2]
        # Adam's path on the figure is Adam(lr = 2 * 0.1) run from the surface's start
        expected = optimize(Adam(lr=0.2), objectives.plateau(), np.array([3.0, 0.8]), 30)
        lines = {ln.get_label(): ln for ln in paths_ax.get_lines()}
        adam = lines["Adam, lr = 0.2"]
        np.testing.assert_allclose(np.c_[adam.get_xdata(), adam.get_ydata()], expected.thetas)
        # the right panel plots J - J* = J (the minimum value is 0 at the origin)
        curve = {ln.get_label(): ln for ln in curves_ax.get_lines()}["Adam, lr = 0.2"]
        np.testing.assert_allclose(curve.get_ydata(), np.maximum(expected.values, 1e-16))
        assert curves_ax.get_yscale() == "log"
        assert paths_ax.get_title() and curves_ax.get_xlabel() and curves_ax.get_ylabel()
        labels = {t.get_text() for t in curves_ax.get_legend().get_texts()}
        assert {f"{n}, lr" in " ".join(labels) for n in widgets.ADAPTIVE_OPTIMIZERS} == {True}
    finally:
        plt.close(fig)


def test_adaptive_runs_uses_each_surface_and_rate():
    obj, runs = widgets.adaptive_runs("narrow valley", steps=5, names=("AdaGrad",))
    (label, tr), = runs.items()
    assert label == "AdaGrad, lr = 0.5"
    ref = optimize(AdaGrad(lr=0.5), objectives.ill_conditioned_quadratic(50.0),
                   np.array([-2.0, 1.5]), 5)
    np.testing.assert_allclose(tr.thetas, ref.thetas)
    # AdaGrad's first step moves every coordinate by lr (here 0.5) towards the minimum
    np.testing.assert_allclose(tr.thetas[1] - tr.thetas[0], [0.5, -0.5], rtol=1e-6)


def test_every_surface_draws_without_divergence_at_default_rates():
    for surface in widgets.ADAPTIVE_SURFACES:
        _, runs = widgets.adaptive_runs(surface, steps=60)
        assert not any(tr.diverged.any() for tr in runs.values()), surface


@pytest.mark.parametrize("kwargs, name", [({"surface": "moon"}, "surface"),
                                          ({"lr_scale": 0.0}, "lr_scale"),
                                          ({"lr_scale": float("nan")}, "lr_scale"),
                                          ({"names": ("Adamax",)}, "optimizer")])
def test_bad_arguments_raise(kwargs, name):
    with pytest.raises(ValueError, match=name):
        widgets.adaptive_runs(**kwargs)


def test_explorer_redraws_when_a_control_moves():
    box = widgets.adaptive_explorer(steps=20)
    box.children[0].children[2].value = 0.5  # lr x
    assert box.figure is not None and len(box.figure.axes) >= 2
