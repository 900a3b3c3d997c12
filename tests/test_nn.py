"""Tests of optkit.nn: finite-difference gradients for every activation and loss (batched and
unbatched), losses against a per-example reference written with SciPy, the flat layout,
initialization, the 0-1 error, stability of the softmax, and argument checking."""

import itertools

import numpy as np
import pytest
from scipy.special import expit, log_softmax

from optkit import SGD, optimize
from optkit.nn import ACTIVATIONS, LOSSES, MLP, logsumexp, softmax

SIZES = (5, 4, 3, 3)  # two hidden layers, so the backward pass crosses an activation twice


def _data(net, N, rng, batch=()):
    X = rng.normal(size=(*batch, N, net.sizes[0]))
    if net.loss_name == "cross_entropy":
        y = rng.integers(0, net.sizes[-1], size=(*batch, N))
    else:
        y = rng.normal(size=(*batch, N, net.sizes[-1]))
    return X, y


def _central_difference(f, theta, eps=1e-6):
    """One coordinate at a time, unbatched: an independent check of the batched code."""
    g = np.zeros_like(theta)
    for i in range(theta.size):
        e = np.zeros_like(theta)
        e[i] = eps
        g[i] = (f(theta + e) - f(theta - e)) / (2 * eps)
    return g


def _reference_loss(net, theta, X, y):
    """Per-example loop with plain formulas (SciPy's log_softmax / expit)."""
    acts = {"tanh": np.tanh, "relu": lambda z: np.maximum(z, 0), "sigmoid": expit,
            "identity": lambda z: z}
    total = 0.0
    params = net.unflatten(theta)
    for n in range(X.shape[0]):
        h = X[n]
        for layer, (W, b) in enumerate(params):
            z = np.array([sum(h[i] * W[i, j] for i in range(W.shape[0])) + b[j]
                          for j in range(W.shape[1])])
            h = z if layer == len(params) - 1 else acts[net.activation](z)
        if net.loss_name == "cross_entropy":
            total += -log_softmax(h)[y[n]]
        else:
            total += np.sum((h - y[n]) ** 2)
    return total / X.shape[0]


CASES = list(itertools.product(ACTIVATIONS, LOSSES))


@pytest.mark.parametrize("activation, loss", CASES)
def test_gradient_matches_finite_differences_unbatched(activation, loss):
    rng = np.random.default_rng(1)
    net = MLP(SIZES, activation, loss)
    theta = net.init(rng) + 0.1 * rng.normal(size=net.d)  # nonzero biases too
    X, y = _data(net, 6, rng)
    value, grad = net.loss_and_grad(theta, X, y)
    assert value.shape == () and grad.shape == (net.d,)
    fd = _central_difference(lambda t: float(net.loss(t, X, y)), theta)
    np.testing.assert_allclose(grad, fd, rtol=1e-6, atol=1e-8)
    assert np.abs(grad).max() > 1e-3  # a real gradient, not a trivially zero one


@pytest.mark.parametrize("activation, loss", CASES)
def test_batched_networks_match_one_at_a_time(activation, loss):
    rng = np.random.default_rng(2)
    net = MLP(SIZES, activation, loss)
    thetas = net.init(rng, batch_shape=(2, 3)) + 0.1 * rng.normal(size=(2, 3, net.d))
    X, y = _data(net, 7, rng)
    values, grads = net.loss_and_grad(thetas, X, y)
    assert values.shape == (2, 3) and grads.shape == (2, 3, net.d)
    for i, j in np.ndindex(2, 3):
        v, g = net.loss_and_grad(thetas[i, j], X, y)
        np.testing.assert_allclose(values[i, j], v, rtol=1e-12)
        np.testing.assert_allclose(grads[i, j], g, rtol=1e-10, atol=1e-14)
        fd = _central_difference(lambda t: float(net.loss(t, X, y)), thetas[i, j])
        np.testing.assert_allclose(grads[i, j], fd, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(net.loss(thetas, X, y), values, rtol=1e-12)


@pytest.mark.parametrize("activation, loss", CASES)
def test_batched_minibatches_match_one_at_a_time(activation, loss):
    """X of shape (B, N, m): B different minibatches at one theta give B gradients."""
    rng = np.random.default_rng(3)
    net = MLP(SIZES, activation, loss)
    theta = net.init(rng)
    X, y = _data(net, 5, rng, batch=(4,))
    values, grads = net.loss_and_grad(theta, X, y)
    assert grads.shape == (4, net.d)
    for b in range(4):
        v, g = net.loss_and_grad(theta, X[b], y[b])
        np.testing.assert_allclose(values[b], v, rtol=1e-12)
        np.testing.assert_allclose(grads[b], g, rtol=1e-10, atol=1e-14)


@pytest.mark.parametrize("activation, loss", CASES)
def test_loss_matches_per_example_reference(activation, loss):
    rng = np.random.default_rng(4)
    net = MLP(SIZES, activation, loss)
    theta = net.init(rng) + 0.2 * rng.normal(size=net.d)
    X, y = _data(net, 5, rng)
    np.testing.assert_allclose(net.loss(theta, X, y), _reference_loss(net, theta, X, y),
                               rtol=1e-12)


def test_softmax_regression_gradient_closed_form():
    """One affine layer + softmax: dJ/dW = X^T (P - Y) / N, dJ/db = mean(P - Y)."""
    rng = np.random.default_rng(5)
    net = MLP((3, 4))
    W, b = rng.normal(size=(3, 4)), rng.normal(size=4)
    X, y = rng.normal(size=(8, 3)), rng.integers(0, 4, 8)
    P = np.exp(X @ W + b)
    P /= P.sum(1, keepdims=True)
    Y = np.eye(4)[y]
    _, g = net.loss_and_grad(net.flatten([(W, b)]), X, y)
    (gW, gb), = net.unflatten(g)
    np.testing.assert_allclose(gW, X.T @ (P - Y) / 8, rtol=1e-12)
    np.testing.assert_allclose(gb, (P - Y).mean(0), rtol=1e-12, atol=1e-15)


def test_linear_regression_gradient_closed_form():
    """One output, identity: J = mean (x w + b - y)^2, dJ/dw = 2 X^T r / N."""
    rng = np.random.default_rng(6)
    net = MLP((3, 1), loss="mse")
    w, b = rng.normal(size=(3, 1)), rng.normal(size=1)
    X, y = rng.normal(size=(10, 3)), rng.normal(size=10)  # (N,) targets for one output
    r = (X @ w + b)[:, 0] - y
    v, g = net.loss_and_grad(net.flatten([(w, b)]), X, y)
    np.testing.assert_allclose(v, np.mean(r**2), rtol=1e-12)
    np.testing.assert_allclose(g, np.r_[2 * X.T @ r / 10, 2 * r.mean()], rtol=1e-12)


def test_flat_layout_and_round_trip():
    net = MLP((3, 2, 4))
    assert net.d == 3 * 2 + 2 + 2 * 4 + 4
    theta = np.arange(net.d, dtype=float)
    (W1, b1), (W2, b2) = net.unflatten(theta)
    np.testing.assert_array_equal(W1, [[0, 1], [2, 3], [4, 5]])  # row-major, then the bias
    np.testing.assert_array_equal(b1, [6, 7])
    np.testing.assert_array_equal(W2[0], [8, 9, 10, 11])
    np.testing.assert_array_equal(b2, [16, 17, 18, 19])
    batch = np.random.default_rng(0).normal(size=(2, 5, net.d))
    params = net.unflatten(batch)
    assert params[1][0].shape == (2, 5, 2, 4) and params[1][1].shape == (2, 5, 4)
    np.testing.assert_array_equal(net.flatten(params), batch)
    # broadcasting: one shared first layer, a batch of second layers
    mixed = net.flatten([(W1, b1), (np.zeros((7, 2, 4)), np.ones(4))])
    assert mixed.shape == (7, net.d)
    np.testing.assert_array_equal(mixed[:, :8], np.broadcast_to(theta[:8], (7, 8)))


def test_forward_and_hidden_by_hand():
    rng = np.random.default_rng(7)
    net = MLP((3, 4, 2), activation="sigmoid")
    W1, b1, W2, b2 = (rng.normal(size=s) for s in [(3, 4), 4, (4, 2), 2])
    X = rng.normal(size=(5, 3))
    h = 1 / (1 + np.exp(-(X @ W1 + b1)))
    theta = net.flatten([(W1, b1), (W2, b2)])
    np.testing.assert_allclose(net.hidden(theta, X)[0], h, rtol=1e-12)
    np.testing.assert_allclose(net.forward(theta, X), h @ W2 + b2, rtol=1e-12)
    assert len(MLP((3, 4, 5, 2)).hidden(MLP((3, 4, 5, 2)).init(rng), X)) == 2


def test_init_glorot_uniform_zero_bias_and_seeded():
    net = MLP((64, 32, 10))
    theta = net.init(np.random.default_rng(0), batch_shape=(3,))
    assert theta.shape == (3, net.d)
    for (m, n), (W, b) in zip([(64, 32), (32, 10)], net.unflatten(theta)):
        a = np.sqrt(6 / (m + n))
        assert np.all(np.abs(W) <= a) and np.abs(W).max() > 0.95 * a
        assert abs(W.var() - a**2 / 3) < 0.15 * a**2 / 3
        np.testing.assert_array_equal(b, 0.0)
    assert not np.allclose(theta[0], theta[1])  # each network its own draw
    np.testing.assert_array_equal(theta, net.init(np.random.default_rng(0), batch_shape=(3,)))


def test_error_counts_wrong_argmax():
    net = MLP((2, 2), activation="identity")
    theta = net.flatten([(np.eye(2), np.zeros(2))])  # logits = inputs
    X = np.array([[1.0, 0.0], [0.0, 1.0], [2.0, 1.0], [0.0, 3.0]])
    y = np.array([0, 0, 0, 0])  # predictions 0, 1, 0, 1
    assert net.error(theta, X, y) == 0.5
    np.testing.assert_array_equal(net.predict(theta, X), [0, 1, 0, 1])
    batch = np.stack([theta, net.flatten([(-np.eye(2), np.zeros(2))])])
    np.testing.assert_array_equal(net.error(batch, X, y), [0.5, 0.5])
    np.testing.assert_array_equal(net.error(batch, X, np.array([0, 1, 0, 1])), [0.0, 1.0])


def test_cross_entropy_is_stable_for_huge_logits():
    net = MLP((2, 3), activation="identity")
    W = np.array([[800.0, -900.0, 0.0], [0.0, 1000.0, -700.0]])
    theta = net.flatten([(W, np.zeros(3))])
    X, y = np.array([[1.0, 0.0], [0.0, 1.0]]), np.array([1, 1])
    with np.errstate(over="raise", invalid="raise", divide="raise"):  # underflow is harmless
        v, g = net.loss_and_grad(theta, X, y)
    # example 0: logits (800, -900, 0), label 1 -> loss 1700; example 1: loss ~ 0
    np.testing.assert_allclose(v, (1700.0 + 0.0) / 2, rtol=1e-12)
    assert np.all(np.isfinite(g))
    np.testing.assert_allclose(logsumexp(np.array([1000.0, 1000.0])), 1000 + np.log(2))
    np.testing.assert_allclose(softmax(np.array([[1000.0, 0.0]])), [[1.0, 0.0]])


def test_objective_works_with_optimize():
    rng = np.random.default_rng(8)
    net = MLP((4, 6, 3), activation="relu")
    X, y = rng.normal(size=(20, 4)), rng.integers(0, 3, 20)
    obj = net.objective(X, y)
    assert obj.dim == net.d
    theta0 = net.init(rng, batch_shape=(2,))
    tr = optimize(SGD(lr=0.5), obj, theta0, steps=3)
    # the first step is theta0 - lr * grad, for each network
    np.testing.assert_allclose(tr.thetas[1], theta0 - 0.5 * net.loss_and_grad(theta0, X, y)[1])
    np.testing.assert_allclose(tr.values, net.loss(tr.thetas, X, y))
    tr = optimize(SGD(lr=0.5), obj, theta0, steps=100)
    assert np.all(tr.values[-1] < 0.5 * tr.values[0])


@pytest.mark.parametrize("kwargs, match", [
    (dict(sizes=(3,)), "sizes"),
    (dict(sizes=(3, 0)), "sizes"),
    (dict(sizes=(3, 2.5)), "sizes"),
    (dict(sizes=5), "sizes"),
    (dict(sizes=(3, 2), activation="softplus"), "activation"),
    (dict(sizes=(3, 2), loss="hinge"), "loss"),
    (dict(sizes=(3, 1)), "2 outputs"),
])
def test_invalid_networks(kwargs, match):
    with pytest.raises(ValueError, match=match):
        MLP(**kwargs)


def test_invalid_inputs():
    net = MLP((3, 2))
    theta = np.zeros(net.d)
    X = np.zeros((4, 3))
    with pytest.raises(ValueError, match="theta"):
        net.loss(np.zeros(net.d + 1), X, np.zeros(4, int))
    with pytest.raises(ValueError, match="X"):
        net.loss(theta, np.zeros((4, 2)), np.zeros(4, int))
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        net.loss(theta, X, np.array([0, 1, 2, 0]))
    with pytest.raises(ValueError, match="one integer label"):
        net.loss(theta, X, np.zeros(3, int))
    with pytest.raises(ValueError, match="integer class labels"):
        net.loss(theta, X, np.array([0.5, 0, 0, 0]))
    reg = MLP((3, 2), loss="mse")
    with pytest.raises(ValueError, match="one target per example"):
        reg.loss(np.zeros(reg.d), X, np.zeros(4))
    with pytest.raises(ValueError, match="classifiers"):
        reg.error(np.zeros(reg.d), X, np.zeros((4, 2)))
    with pytest.raises(ValueError, match="pairs"):
        net.flatten([])


@pytest.mark.parametrize("loss", LOSSES)
def test_evaluate_matches_the_separate_methods(loss):
    rng = np.random.default_rng(9)
    net = MLP((3, 5, 2), loss=loss)
    theta = net.init(rng, batch_shape=(4,))
    X, y = _data(net, 11, rng)
    ev = net.evaluate(theta, X, y, grad=True)
    v, g = net.loss_and_grad(theta, X, y)
    np.testing.assert_allclose(ev["loss"], v, rtol=1e-12)
    np.testing.assert_allclose(ev["grad_norm"], np.linalg.norm(g, axis=-1), rtol=1e-12)
    if loss == "cross_entropy":
        np.testing.assert_array_equal(ev["error"], net.error(theta, X, y))
    else:
        assert np.all(np.isnan(ev["error"]))
    assert set(net.evaluate(theta, X, y)) == {"loss", "error"}
