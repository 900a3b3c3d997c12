"""The 8.1 widget's pure functions: what minibatch_run computes, checked independently."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from optkit import SGD, data, widgets  # noqa: E402
from optkit.nn import MLP  # noqa: E402


def test_run_replays_sgd_on_the_sampled_minibatches():
    run = widgets.minibatch_run(batch_size=128, sampling="shuffle_once", epochs=2, lr=0.2,
                                seed=3)
    ds = data.load_digits_split(seed=0)
    net = MLP((64, 32, 10))
    rng = np.random.default_rng(3)
    theta = net.init(rng)
    losses = []
    for idx in data.sample_shuffle_once(ds.n_train, 128, rng, 2):
        value, g = net.loss_and_grad(theta, ds.X_train[idx], ds.y_train[idx])
        losses.append(value)
        theta = theta - 0.2 * g
    np.testing.assert_allclose(run["batch_loss"], losses, rtol=1e-12)
    assert len(losses) == 2 * 9 and run["step_epoch"][-1] == 2.0
    np.testing.assert_allclose(run["val_loss"][-1], net.loss(theta, ds.X_val, ds.y_val))
    np.testing.assert_allclose(run["val_error"][-1], net.error(theta, ds.X_val, ds.y_val))
    # also the same as data.train with SGD
    hist = data.train(SGD(lr=0.2), net, ds, epochs=2, batch_size=128, sampling="shuffle_once",
                      rng=np.random.default_rng(3))
    np.testing.assert_allclose(run["train_loss"], hist.train_loss, rtol=1e-12)


def test_sorted_batches_hold_one_class_and_hurt():
    srt = widgets.minibatch_run(batch_size=64, sampling="sorted by class", epochs=2, lr=0.3)
    shf = widgets.minibatch_run(batch_size=64, sampling="reshuffle", epochs=2, lr=0.3)
    assert srt["val_loss"][-1] > 1.2 * shf["val_loss"][-1]
    ds = data.load_digits_split(seed=0)
    order = np.argsort(ds.y_train, kind="stable")
    # the first minibatch of the sorted order is all zeros: one class only
    assert set(ds.y_train[order[:64]]) == {0}


@pytest.mark.parametrize("sampling", widgets.MINIBATCH_SAMPLINGS)
def test_figure_draws_every_scheme(sampling):
    fig = widgets.minibatch_figure(batch_size=256, sampling=sampling, epochs=1)
    a1, a2 = fig.axes
    assert sampling in a1.get_title() and a1.get_xlabel() == "epoch"
    assert len(a1.lines) == 3 and a1.get_legend() is not None
    plt.close(fig)


def test_bad_sampling_raises():
    with pytest.raises(ValueError, match="sampling"):
        widgets.minibatch_run(sampling="sorted")


def test_explorer_redraws():
    box = widgets.minibatch_explorer(batch_size=512, epochs=1)
    box.redraw()
    assert box.figure is not None
