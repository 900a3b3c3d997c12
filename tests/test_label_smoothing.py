"""optkit.label_smoothing: targets, gradients by finite differences, the optimal logit gap."""

import numpy as np
import pytest
from scipy.optimize import minimize

from optkit import SGD, data, optimize
from optkit.derivatives import numerical_gradient
from optkit.label_smoothing import (
    SmoothedLabels,
    cross_entropy,
    optimal_logit_gap,
    smooth_labels,
    smoothed_objective,
)
from optkit.nn import MLP
from optkit.objectives import Objective


def test_smooth_labels_by_hand():
    T = smooth_labels(np.array([0, 2]), K=4, eps=0.2)
    np.testing.assert_allclose(T, [[0.85, 0.05, 0.05, 0.05], [0.05, 0.05, 0.85, 0.05]])
    np.testing.assert_array_equal(smooth_labels(np.array([1]), 3, 0.0), [[0, 1, 0]])


@pytest.mark.parametrize("kw, word", [(dict(eps=1.0), "eps"), (dict(eps=-0.1), "eps"),
                                      (dict(K=1), "K"), (dict(y=np.array([3])), "labels"),
                                      (dict(y=np.array([0.5])), "integer")])
def test_smooth_labels_invalid(kw, word):
    args = dict(y=np.array([0, 1]), K=3, eps=0.1)
    args.update(kw)
    with pytest.raises(ValueError, match=word):
        smooth_labels(**args)


def test_cross_entropy_gradient_by_finite_differences():
    rng = np.random.default_rng(0)
    z = rng.normal(size=(3, 5))
    T = smooth_labels(np.array([0, 3, 4]), 5, 0.1)
    loss, g = cross_entropy(z, T)
    num = numerical_gradient(lambda w: cross_entropy(w, T[:, None, :])[0], z)
    np.testing.assert_allclose(g, num, atol=1e-8)
    p = np.exp(z) / np.exp(z).sum(-1, keepdims=True)
    np.testing.assert_allclose(loss, -(T * np.log(p)).sum(-1), rtol=1e-12)


@pytest.mark.parametrize("eps, K", [(0.1, 10), (0.3, 3), (0.01, 2)])
def test_optimal_gap_is_the_minimizer_found_by_scipy(eps, K):
    T = smooth_labels(np.array(1), K, eps)
    res = minimize(lambda z: cross_entropy(z, T)[0], np.zeros(K),
                   jac=lambda z: cross_entropy(z, T)[1], method="BFGS", options={"gtol": 1e-10})
    gaps = res.x[1] - np.delete(res.x, 1)
    np.testing.assert_allclose(gaps, optimal_logit_gap(eps, K), rtol=1e-6)


def test_without_smoothing_the_gap_keeps_growing():
    assert optimal_logit_gap(0.0, 10) == np.inf
    T = smooth_labels(np.array(0), 3, 0.0)
    obj = Objective(f=lambda z: cross_entropy(z, T)[0], grad=lambda z: cross_entropy(z, T)[1])
    tr = optimize(SGD(lr=1.0), obj, np.zeros(3), steps=2000)
    gap = tr.thetas[:, 0] - tr.thetas[:, 1]
    assert np.all(np.diff(gap) > 0)
    assert gap[2000] > gap[200] + 1.5  # grows like log k: no finite limit


def test_smoothed_objective_matches_net_at_zero_and_finite_differences():
    rng = np.random.default_rng(1)
    net = MLP(sizes=(4, 6, 3), activation="tanh")
    X, y = rng.normal(size=(7, 4)), rng.integers(0, 3, size=7)
    theta = net.init(rng, batch_shape=(2,))
    plain = smoothed_objective(net, X, y, 0.0)
    np.testing.assert_allclose(plain.f(theta), net.loss(theta, X, y), rtol=1e-12)
    np.testing.assert_allclose(plain.grad(theta), net.loss_and_grad(theta, X, y)[1], rtol=1e-12)
    obj = smoothed_objective(net, X, y, 0.2)
    T = smooth_labels(y, 3, 0.2)
    np.testing.assert_allclose(obj.f(theta), cross_entropy(net.forward(theta, X), T)[0].mean(-1))
    np.testing.assert_allclose(obj.grad(theta), numerical_gradient(obj.f, theta), atol=1e-8)


def test_smoothed_labels_view_trains_with_data_train():
    ds = data.blobs(n=120, seed=0)
    net = MLP(sizes=(2, 3), activation="identity")
    theta0 = np.zeros(net.d)
    h = data.train(SGD(lr=0.5), SmoothedLabels(net, 0.2), ds, epochs=3, batch_size=len(ds.y_train),
                   rng=np.random.default_rng(0), theta0=theta0)
    theta = theta0.copy()  # full batch: three steps of GD on the smoothed loss, by hand
    for _ in range(3):
        logits = net.forward(theta, ds.X_train)
        G = cross_entropy(logits, smooth_labels(ds.y_train, 3, 0.2))[1] / len(ds.y_train)
        theta = theta - 0.5 * net.flatten([(ds.X_train.T @ G, G.sum(0))])
    np.testing.assert_allclose(h.theta, theta, rtol=1e-10)
    np.testing.assert_allclose(h.train_loss[-1], net.loss(theta, ds.X_train, ds.y_train))


def test_invalid_net():
    net = MLP(sizes=(2, 1), activation="identity", loss="mse")
    with pytest.raises(ValueError, match="cross_entropy"):
        SmoothedLabels(net, 0.1)
    with pytest.raises(ValueError, match="cross_entropy"):
        smoothed_objective(net, np.zeros((2, 2)), np.zeros(2), 0.1)
