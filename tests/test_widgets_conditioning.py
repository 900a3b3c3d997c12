"""The 8.2.1 widget: gradient descent on bowls of chosen condition number, against closed forms."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from optkit import widgets  # noqa: E402

START = np.array([-2.0, 1.5])


def closed_form_costs(kappa, lr_scale, steps):
    # eigenvalues 1 and kappa, eigenvectors rotated by pi/6; each eigen-component of the
    # iterate is multiplied by (1 - lr lambda) per step, with lr = lr_scale / kappa
    c, s = np.cos(np.pi / 6), np.sin(np.pi / 6)
    Q = np.array([[c, -s], [s, c]])
    z = Q.T @ START
    lam = np.array([1.0, kappa])
    k = np.arange(steps + 1)[:, None]
    return 0.5 * (lam * (z * (1 - lr_scale / kappa * lam) ** k) ** 2).sum(1)


@pytest.mark.parametrize("kappa, lr_scale", [(100.0, 1.0), (30.0, 1.5), (5.0, 0.4)])
def test_runs_follow_the_closed_form(kappa, lr_scale):
    runs = widgets.conditioning_runs(kappa, lr_scale, steps=25)
    assert sorted(runs) == sorted({1.0, 10.0, 100.0, kappa})
    for k, (_, tr) in runs.items():
        np.testing.assert_allclose(tr.values, closed_form_costs(k, lr_scale, 25),
                                   rtol=1e-9, atol=1e-300)


def test_figure_curves_and_a_too_large_learning_rate():
    fig = widgets.conditioning_figure(kappa=100.0, lr_scale=1.0, steps=30)
    a1, a2 = fig.axes[:2]
    curves = {ln.get_label(): ln.get_ydata() for ln in a2.get_lines()}
    assert set(curves) == {"kappa = 1", "kappa = 10", "kappa = 100"}
    np.testing.assert_allclose(curves["kappa = 10"], closed_form_costs(10.0, 1.0, 30), rtol=1e-9)
    # kappa = 1 with lr = 1 / lambda: exact in one step
    assert curves["kappa = 1"][1] <= 1e-16
    plt.close(fig)
    fig = widgets.conditioning_figure(kappa=100.0, lr_scale=2.2, steps=30)
    # with lr = 2.2 / lambda_max the steepest direction grows by 1.2 per step: the cost rises
    runs = widgets.conditioning_runs(100.0, 2.2, 30)
    assert runs[100.0][1].values[-1] > 100 * runs[100.0][1].values[0]
    plt.close(fig)


def test_invalid_arguments():
    with pytest.raises(ValueError, match="kappa"):
        widgets.conditioning_figure(kappa=0.5)
    with pytest.raises(ValueError, match="lr_scale"):
        widgets.conditioning_figure(lr_scale=-1.0)
    with pytest.raises(ValueError, match="steps"):
        widgets.conditioning_figure(steps=-3)


def test_explorer_redraws():
    box = widgets.conditioning_explorer()
    assert box.figure is None
    box.children[0].children[0].value = 10.0
    assert box.figure is not None
    plt.close("all")
