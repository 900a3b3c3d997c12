"""The 8.4 widget's pure functions: deep activations under each initialization, checked
against the variance recursions, and the figure drawing what was computed."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from optkit import widgets  # noqa: E402


def _ms(hs):
    return np.mean(np.square(hs), axis=(1, 2))      # mean square per layer


def test_shape_and_determinism():
    hs = widgets.deep_activations("relu", "He normal", depth=4, width=30, n=50, seed=2)
    assert hs.shape == (4, 50, 30)
    np.testing.assert_array_equal(
        hs, widgets.deep_activations("relu", "He normal", depth=4, width=30, n=50, seed=2))
    assert np.all(hs >= 0)                            # ReLU outputs


def test_tiny_tanh_init_is_linear_and_shrinks_by_sigma_sqrt_m_per_layer():
    # tanh(z) ~ z for tiny z, so E[h_l^2] = (m sigma^2)^l E[x^2] = (100 * 1e-4)^l
    ms = _ms(widgets.deep_activations("tanh", "N(0, 0.01^2) (too small)", depth=6, n=2000))
    np.testing.assert_allclose(ms, 0.01 ** np.arange(1, 7), rtol=0.15)


def test_he_keeps_the_relu_second_moment_and_glorot_halves_it():
    # square layers: He gives m * 2/m * E[h^2] / 2 = E[h^2]; Glorot (1/m) gives half of it
    he = _ms(widgets.deep_activations("relu", "He normal", depth=3, n=2000, width=200))
    gl = _ms(widgets.deep_activations("relu", "Glorot (8.23)", depth=3, n=2000, width=200))
    np.testing.assert_allclose(he, 1.0, rtol=0.2)
    np.testing.assert_allclose(gl, 0.5 ** np.arange(1, 4), rtol=0.2)


def test_too_large_tanh_saturates():
    hs = widgets.deep_activations("tanh", "N(0, 1) (too large)", depth=3)
    assert np.mean(np.abs(hs[-1]) > 0.99) > 0.5


def test_figure_draws_the_computed_rms_and_one_histogram_per_layer():
    fig = widgets.init_histograms_figure("relu", "He normal", depth=5, width=40)
    ridge, curves = fig.axes
    assert sum(len(c.get_paths()) for c in ridge.collections) == 5  # one histogram a layer
    assert len(curves.get_lines()) == len(widgets.INIT_SCHEMES)
    thick = max(curves.get_lines(), key=lambda line: line.get_linewidth())
    assert thick.get_label() == "He normal"
    rms = np.sqrt(_ms(widgets.deep_activations("relu", "He normal", depth=5, width=40,
                                                n=widgets.INIT_WIDGET_INPUTS)))
    np.testing.assert_allclose(thick.get_ydata(), rms)
    assert curves.get_yscale() == "log" and curves.get_xlabel() and curves.get_title()
    plt.close(fig)


def test_explorer_redraws():
    box = widgets.init_histograms_explorer()
    controls = box.children[0].children
    controls[0].value = "relu"
    assert box.figure is not None and "relu" in box.figure.axes[0].get_title()
    plt.close("all")


@pytest.mark.parametrize("kwargs", [dict(activation="sigmoid"), dict(scheme="Xavier"),
                                    dict(depth=0), dict(width=1), dict(n=1)])
def test_bad_arguments_raise(kwargs):
    with pytest.raises(ValueError):
        widgets.deep_activations(**kwargs)
