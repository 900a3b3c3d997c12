"""The momentum explorer of 8.3: the pure figure function and its ipywidgets wrapper."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from optkit import widgets  # noqa: E402


def momentum_by_hand(lr, alpha, steps, start, H, b):
    """Algorithm 8.2 on J = 1/2 x^T H x - b^T x, written out independently of optkit."""
    theta, v = np.array(start, dtype=float), np.zeros(2)
    path = [theta.copy()]
    for _ in range(steps):
        v = alpha * v - lr * (H @ theta - b)
        theta = theta + v
        path.append(theta.copy())
    return np.array(path)


def path_line(fig, prefix):
    """The (x, y) data of the trajectory in the left panel whose label starts with prefix."""
    (line,) = [ln for ln in fig.axes[0].get_lines() if ln.get_label().startswith(prefix)]
    return np.column_stack(line.get_data())


BOWL = (np.diag([12.0, 18.0]), np.array([12.0, 14.0]))  # 6x^2 + 9y^2 - 12x - 14y + 3


def test_figure_draws_the_hand_computed_paths():
    fig = widgets.momentum_figure(lr=0.02, alpha=0.7, steps=30, surface="bowl")
    start = widgets.STARTS["bowl"]
    assert np.allclose(path_line(fig, "momentum, alpha = 0.7"),
                       momentum_by_hand(0.02, 0.7, 30, start, *BOWL), atol=1e-12)
    assert np.allclose(path_line(fig, "gradient descent"),
                       momentum_by_hand(0.02, 0.0, 30, start, *BOWL), atol=1e-12)
    # right panel: J(theta_k) - J* of the momentum run, J* = -3 - 49/9 at (1, 7/9)
    path = momentum_by_hand(0.02, 0.7, 30, start, *BOWL)
    gap = 0.5 * np.einsum("ki,ij,kj->k", path, BOWL[0], path) - path @ BOWL[1] + 3 \
        - (-3 - 49 / 9)
    (curve,) = [ln for ln in fig.axes[1].get_lines() if ln.get_label().startswith("momentum")]
    assert np.allclose(curve.get_ydata(), np.clip(gap, 1e-16, 1e12), rtol=1e-9, atol=1e-12)
    plt.close(fig)


def test_figure_marks_a_diverged_run():
    # lr * lambda_max = 0.2 * 18 = 3.6 > 2 (1 + alpha) for alpha = 0.5: both runs blow up
    # (GD diverges for lr * lambda > 2); the right panel says so
    fig = widgets.momentum_figure(lr=0.2, alpha=0.5, steps=600, surface="bowl")
    texts = [t.get_text() for t in fig.axes[1].texts]
    assert "momentum diverged" in texts and "GD diverged" in texts
    plt.close(fig)
    fig = widgets.momentum_figure(lr=0.02, alpha=0.5, steps=60, surface="bowl")
    assert not fig.axes[1].texts
    plt.close(fig)


def test_bad_surface_raises():
    with pytest.raises(ValueError, match="surface"):
        widgets.momentum_figure(surface="no such surface")


def test_explorer_redraws_when_alpha_moves():
    box = widgets.momentum_explorer(lr=0.02, alpha=0.5, surface="bowl")
    controls = {c.description: c for c in box.children[0].children}
    assert box.figure is None  # the static figure is shown above the widget, not in it
    controls["alpha"].value = 0.8
    first = box.figure
    assert first is not None
    assert np.allclose(path_line(first, "momentum, alpha = 0.8"),
                       momentum_by_hand(0.02, 0.8, 60, widgets.STARTS["bowl"], *BOWL),
                       atol=1e-12)
    first_image = box.image
    controls["lr (epsilon)"].value = 0.01
    second = box.figure
    assert box.image != first_image  # a new picture was shown (of the same, updated figure)
    assert "lr = 0.01" in second.axes[0].get_title()
    assert np.allclose(path_line(second, "momentum, alpha = 0.8"),
                       momentum_by_hand(0.01, 0.8, 60, widgets.STARTS["bowl"], *BOWL),
                       atol=1e-12)
    controls["surface"].value = "valley"
    assert box.figure.axes[0].get_title().startswith("6x^2 + 40y^2")
