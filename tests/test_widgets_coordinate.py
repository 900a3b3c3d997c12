"""The 8.7 widget: coordinate descent vs Newton on the bad case, as a pure figure function."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from optkit import widgets  # noqa: E402


def test_figure_draws_the_staircase_and_the_closed_form_rate():
    alpha, sweeps = 0.25, 6
    fig = widgets.coordinate_descent_figure(alpha=alpha, sweeps=sweeps, x0=(-1.0, 2.0))
    a1, a2 = fig.axes[:2]
    # the staircase: 2 * sweeps + 1 points, alternating x1 and x2 moves; first x1 update
    # is the exact minimizer x1 = x2 / (1 + alpha) with x2 = 2
    stairs = [ln for ln in a1.get_lines() if len(ln.get_xdata()) == 2 * sweeps + 1]
    assert len(stairs) == 1
    x, y = stairs[0].get_xdata(), stairs[0].get_ydata()
    assert x[1] == pytest.approx(2.0 / (1 + alpha)) and y[1] == pytest.approx(2.0)
    assert np.all(np.diff(x)[1::2] == 0) and np.all(np.diff(y)[0::2] == 0)
    # right panel: f after each sweep falls by exactly (1 + alpha)^-4 after the first
    cd = a2.get_lines()[0].get_ydata()
    assert len(cd) == sweeps + 1
    np.testing.assert_allclose(cd[2:] / cd[1:-1], (1 + alpha) ** -4, rtol=1e-10)
    plt.close(fig)


def test_invalid_arguments():
    with pytest.raises(ValueError, match="alpha"):
        widgets.coordinate_descent_figure(alpha=0.0)
    with pytest.raises(ValueError, match="sweeps"):
        widgets.coordinate_descent_figure(sweeps=0)


def test_explorer_redraws():
    box = widgets.coordinate_descent_explorer()
    box.redraw()
    assert box.figure is not None
    plt.close("all")
