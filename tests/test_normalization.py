"""Tests of optkit.normalization: batch/layer/weight normalization and NormMLP."""

import numpy as np
import pytest

from optkit import MLP, SGD, data
from optkit.derivatives import numerical_gradient
from optkit.normalization import (
    NormMLP,
    batch_norm_backward,
    batch_norm_forward,
    batch_norm_inference,
    batch_norm_running,
    layer_norm_backward,
    layer_norm_forward,
    weight_norm,
    weight_norm_backward,
)

RNG = np.random.default_rng(0)


def _fd_check(forward, backward, H, gamma, beta):
    """Compare a layer's batched backward pass with central differences of J = sum(C * out),
    computed separately for each leading index b."""
    rng = np.random.default_rng(1)
    C = rng.normal(size=H.shape)
    _, cache = forward(H, gamma, beta)
    dH, dgamma, dbeta = backward(C, cache)
    N, m = H.shape[-2:]
    for b in range(H.shape[0]):
        Hb, gb, bb, Cb = H[b], gamma[b], beta[b], C[b]
        fd = numerical_gradient(
            lambda f, gb=gb, bb=bb, Cb=Cb: (Cb * forward(f.reshape(*f.shape[:-1], N, m),
                                                          gb, bb)[0]).sum((-2, -1)),
            Hb.reshape(N * m))
        np.testing.assert_allclose(dH[b], fd.reshape(N, m), atol=1e-7)
        fdg = numerical_gradient(
            lambda g, Hb=Hb, bb=bb, Cb=Cb: (Cb * forward(Hb, g, bb)[0]).sum((-2, -1)), gb)
        np.testing.assert_allclose(dgamma[b], fdg, atol=1e-7)
        fdb = numerical_gradient(
            lambda x, Hb=Hb, gb=gb, Cb=Cb: (Cb * forward(Hb, gb, x)[0]).sum((-2, -1)), bb)
        np.testing.assert_allclose(dbeta[b], fdb, atol=1e-7)


def test_batch_norm_forward_statistics():
    H = RNG.normal(3.0, 5.0, size=(2, 7, 4))
    gamma, beta = RNG.uniform(0.5, 2, size=(2, 4)), RNG.normal(size=(2, 4))
    out, _ = batch_norm_forward(H, np.ones((2, 4)), np.zeros((2, 4)), delta=1e-12)
    np.testing.assert_allclose(out.mean(-2), 0, atol=1e-12)
    np.testing.assert_allclose(out.std(-2), 1, rtol=1e-9)  # biased variance (8.36)
    out, _ = batch_norm_forward(H, gamma, beta, delta=1e-12)
    np.testing.assert_allclose(out.mean(-2), beta, atol=1e-12)
    np.testing.assert_allclose(out.std(-2), gamma, rtol=1e-9)
    # by hand for one unit: delta inside the square root
    x = np.array([[1.0], [3.0]])
    out, _ = batch_norm_forward(x, np.ones(1), np.zeros(1), delta=1.0)
    np.testing.assert_allclose(out[:, 0], [-1 / np.sqrt(2), 1 / np.sqrt(2)])


def test_batch_norm_backward_finite_differences_batched():
    H = RNG.normal(size=(2, 5, 3)) * [1.0, 10.0, 0.1]
    gamma, beta = RNG.uniform(0.5, 2, size=(2, 3)), RNG.normal(size=(2, 3))
    _fd_check(batch_norm_forward, batch_norm_backward, H, gamma, beta)


def test_layer_norm_forward_and_backward():
    H = RNG.normal(2.0, 3.0, size=(2, 4, 6))
    gamma, beta = RNG.uniform(0.5, 2, size=(2, 6)), RNG.normal(size=(2, 6))
    out, _ = layer_norm_forward(H, np.ones((2, 6)), np.zeros((2, 6)), delta=1e-12)
    np.testing.assert_allclose(out.mean(-1), 0, atol=1e-12)
    np.testing.assert_allclose(out.std(-1), 1, rtol=1e-9)
    # each example is normalized on its own: the output of row 0 ignores the other rows
    other = H.copy()
    other[:, 1:] = RNG.normal(size=other[:, 1:].shape)
    np.testing.assert_array_equal(layer_norm_forward(other, gamma, beta)[0][:, 0],
                                  layer_norm_forward(H, gamma, beta)[0][:, 0])
    _fd_check(layer_norm_forward, layer_norm_backward, H, gamma, beta)


def test_batch_norm_gradient_is_orthogonal_to_shifts_and_scalings():
    # the loss through BN does not change when a unit's pre-activations are shifted, nor
    # (as delta -> 0) when they are scaled: dH sums to 0 and is orthogonal to H - mu
    H = RNG.normal(size=(8, 3))
    _, cache = batch_norm_forward(H, np.ones(3), np.zeros(3), delta=1e-14)
    dH, _, _ = batch_norm_backward(RNG.normal(size=(8, 3)), cache)
    np.testing.assert_allclose(dH.sum(0), 0, atol=1e-10)
    np.testing.assert_allclose((dH * (H - H.mean(0))).sum(0), 0, atol=1e-8)


def test_running_statistics_by_hand_and_inference():
    H1 = np.array([[0.0, 1.0], [2.0, 5.0]])
    H2 = np.array([[4.0, 0.0], [4.0, 2.0], [7.0, 4.0]])
    mean, var = batch_norm_running(None, None, H1)
    np.testing.assert_allclose(mean, [1.0, 3.0])
    np.testing.assert_allclose(var, [2.0, 8.0])  # unbiased: divided by N - 1 = 1
    mean, var = batch_norm_running(mean, var, H2, momentum=0.75)
    np.testing.assert_allclose(mean, [0.75 * 1 + 0.25 * 5, 0.75 * 3 + 0.25 * 2])
    np.testing.assert_allclose(var, [0.75 * 2 + 0.25 * 3, 0.75 * 8 + 0.25 * 4])
    _, var_b = batch_norm_running(None, None, H2, unbiased=False)
    np.testing.assert_allclose(var_b, [2.0, 8 / 3])
    # inference applies one fixed affine map per unit: with the batch's own biased
    # statistics it reproduces the training-mode output
    H = RNG.normal(size=(2, 9, 3))
    gamma, beta = RNG.uniform(0.5, 2, size=(2, 3)), RNG.normal(size=(2, 3))
    mu, v = batch_norm_running(None, None, H, unbiased=False)
    np.testing.assert_allclose(batch_norm_inference(H, gamma, beta, mu, v),
                               batch_norm_forward(H, gamma, beta)[0], rtol=1e-12)
    # and each row's output depends only on that row
    np.testing.assert_allclose(batch_norm_inference(H[:, :1], gamma, beta, mu, v),
                               batch_norm_inference(H, gamma, beta, mu, v)[:, :1])
    # running averages converge to the population statistics
    rng = np.random.default_rng(3)
    m, s = None, None
    for _ in range(300):
        m, s = batch_norm_running(m, s, rng.normal([1.0, -2.0], [0.5, 3.0], size=(16, 2)),
                                  momentum=0.98)
    np.testing.assert_allclose(m, [1.0, -2.0], atol=0.15)
    np.testing.assert_allclose(s, [0.25, 9.0], rtol=0.15)


def test_norm_errors():
    with pytest.raises(ValueError, match="delta"):
        batch_norm_forward(np.ones((3, 2)), np.ones(2), np.zeros(2), delta=0.0)
    with pytest.raises(ValueError, match="momentum"):
        batch_norm_running(None, None, np.ones((3, 2)), momentum=1.0)
    with pytest.raises(ValueError, match="N >= 2"):
        batch_norm_running(None, None, np.ones((1, 2)))
    with pytest.raises(ValueError, match="norm"):
        NormMLP((2, 3, 2), norm="group")
    with pytest.raises(ValueError, match="skip"):
        NormMLP((2, 3, 2), skip=1)


def test_weight_norm_and_its_gradient():
    v = RNG.normal(size=(2, 4, 3))
    g = RNG.uniform(0.5, 2, size=(2, 3))
    w = weight_norm(v, g)
    np.testing.assert_allclose(np.linalg.norm(w, axis=-2), g)
    np.testing.assert_allclose(weight_norm(5 * v, g), w)  # the length of v does not matter
    C = RNG.normal(size=w.shape)
    dv, dg = weight_norm_backward(C, v, g)
    for b in range(2):
        fd = numerical_gradient(
            lambda f, b=b: (C[b] * weight_norm(f.reshape(*f.shape[:-1], 4, 3), g[b])
                            ).sum((-2, -1)), v[b].reshape(12))
        np.testing.assert_allclose(dv[b], fd.reshape(4, 3), atol=1e-8)
        np.testing.assert_allclose(dg[b], numerical_gradient(
            lambda gg, b=b: (C[b] * weight_norm(v[b], gg)).sum((-2, -1)), g[b]), atol=1e-8)
    np.testing.assert_allclose((dv * v).sum(-2), 0, atol=1e-12)  # orthogonal to v


# ----------------------------------------------------------------------------- NormMLP

CASES = [(norm, skip, act) for norm in (None, "batch", "layer", "weight")
         for skip in (False, True) for act in ("tanh", "relu")]


@pytest.mark.parametrize("norm,skip,act", CASES)
def test_normmlp_gradient_finite_differences(norm, skip, act):
    rng = np.random.default_rng(4)
    net = NormMLP((3, 4, 4, 3), activation=act, norm=norm, skip=skip)
    theta = net.init(rng, batch_shape=2) + 0.1 * rng.normal(size=(2, net.d))
    X, y = rng.normal(size=(6, 3)), rng.integers(0, 3, size=6)
    value, grad = net.loss_and_grad(theta, X, y)
    np.testing.assert_allclose(value, net.loss(theta, X, y))
    fd = numerical_gradient(lambda t: net.loss(t, X, y), theta)
    np.testing.assert_allclose(grad, fd, atol=1e-7)


def test_normmlp_mse_and_batched_inputs():
    rng = np.random.default_rng(5)
    net = NormMLP((2, 5, 5, 1), loss="mse", norm="batch", skip=True)
    theta = net.init(rng) + 0.1 * rng.normal(size=net.d)
    X, y = rng.normal(size=(3, 7, 2)), rng.normal(size=(3, 7))
    _, grad = net.loss_and_grad(theta, X, y)  # three minibatches at once: (3, d)
    for i in range(3):
        fd = numerical_gradient(lambda t, i=i: net.loss(t, X[i], y[i]), theta)
        np.testing.assert_allclose(grad[i], fd, atol=1e-7)


def test_normmlp_without_norm_equals_mlp():
    rng = np.random.default_rng(6)
    plain, ours = MLP((4, 6, 3)), NormMLP((4, 6, 3))
    assert ours.d == plain.d
    theta = plain.init(rng, batch_shape=3)
    X, y = rng.normal(size=(5, 4)), rng.integers(0, 3, size=5)
    np.testing.assert_allclose(ours.loss_and_grad(theta, X, y)[1],
                               plain.loss_and_grad(theta, X, y)[1], rtol=1e-12)


def test_normmlp_batch_norm_details():
    rng = np.random.default_rng(7)
    net = NormMLP((4, 6, 6, 3), norm="batch")
    theta = net.init(rng)
    # layout: W, b, gamma, beta for hidden layers; W, b for the output layer
    assert net.d == (4 * 6 + 6 + 12) + (6 * 6 + 6 + 12) + (6 * 3 + 3)
    X, y = rng.normal(2.0, 3.0, size=(10, 4)), rng.integers(0, 3, size=10)
    _, grad = net.loss_and_grad(theta, X, y)
    b0 = net._layout[0]["b"]
    np.testing.assert_allclose(grad[b0:b0 + 6], 0, atol=1e-12)  # bias cancelled by BN
    # training mode: outputs depend on the rest of the minibatch; inference mode does not
    stats = net.batch_stats(theta, X)
    alone = net.forward(theta, X[:2], stats)
    np.testing.assert_allclose(alone, net.forward(theta, X, stats)[:2], rtol=1e-12)
    assert not np.allclose(net.forward(theta, X[:2]), net.forward(theta, X)[:2])
    # weight norm starts at W = V; skip=True only where widths agree
    wn = NormMLP((4, 6, 6, 3), norm="weight", skip=True)
    th = wn.init(np.random.default_rng(0))
    p = wn.unflatten(th)
    np.testing.assert_allclose(np.linalg.norm(p[0]["V"], axis=0), p[0]["g"])
    assert [e["skip"] for e in wn._layout] == [False, True, False]


def test_normmlp_update_running():
    rng = np.random.default_rng(8)
    net = NormMLP((3, 4, 2), norm="batch")
    theta = net.init(rng)
    X = rng.normal(size=(20, 3))
    run = net.update_running(None, theta, X[:10])
    run = net.update_running(run, theta, X[10:], momentum=0.5)
    z1, z2 = (X[:10] @ net.unflatten(theta)[0]["W"]), (X[10:] @ net.unflatten(theta)[0]["W"])
    np.testing.assert_allclose(run[0][0], 0.5 * z1.mean(0) + 0.5 * z2.mean(0))
    np.testing.assert_allclose(run[0][1], 0.5 * z1.var(0, ddof=1) + 0.5 * z2.var(0, ddof=1))


def test_normmlp_trains_with_data_train():
    ds = data.load_digits_split(seed=0)
    net = NormMLP((64, 16, 16, 10), norm="batch")
    rng = np.random.default_rng(0)
    hist = data.train(SGD(0.1), net, ds, epochs=2, batch_size=64, rng=rng,
                      theta0=net.init(rng, batch_shape=2))
    assert hist.train_loss.shape == (3, 2)
    assert np.all(hist.train_loss[-1] < 0.5 * hist.train_loss[0])


def test_normmlp_evaluate_matches_loss_and_error():
    rng = np.random.default_rng(9)
    net = NormMLP((3, 5, 3), norm="layer")
    theta = net.init(rng, batch_shape=2)
    X, y = rng.normal(size=(12, 3)), rng.integers(0, 3, size=12)
    ev = net.evaluate(theta, X, y, grad=True)
    np.testing.assert_allclose(ev["loss"], net.loss(theta, X, y))
    np.testing.assert_allclose(ev["error"], net.error(theta, X, y))
    np.testing.assert_allclose(ev["grad_norm"],
                               np.linalg.norm(net.loss_and_grad(theta, X, y)[1], axis=-1))


def test_reachable_from_nn():
    import optkit.nn
    from optkit import normalization

    assert optkit.nn.NormMLP is normalization.NormMLP
    assert optkit.nn.batch_norm_backward is normalization.batch_norm_backward
    with pytest.raises(AttributeError):
        optkit.nn.GroupNorm  # noqa: B018


def test_normmlp_hidden_and_pre_activations_by_hand():
    rng = np.random.default_rng(10)
    net = NormMLP((3, 4, 4, 2), activation="tanh", norm="layer", skip=True)
    theta = net.init(rng) + 0.1 * rng.normal(size=net.d)
    X = rng.normal(size=(5, 3))
    p = net.unflatten(theta)
    z1 = X @ p[0]["W"] + p[0]["b"]
    h1 = np.tanh(layer_norm_forward(z1, p[0]["gamma"], p[0]["beta"])[0])  # 3 -> 4: no skip
    z2 = h1 @ p[1]["W"] + p[1]["b"]
    h2 = np.tanh(layer_norm_forward(z2, p[1]["gamma"], p[1]["beta"])[0]) + h1  # 4 -> 4: skip
    zs, hs = net.pre_activations(theta, X), net.hidden(theta, X)
    np.testing.assert_allclose(zs[0], z1, rtol=1e-12)
    np.testing.assert_allclose(zs[1], z2, rtol=1e-12)
    np.testing.assert_allclose(hs[0], h1, atol=1e-14)
    np.testing.assert_allclose(hs[1], h2, atol=1e-14)
    np.testing.assert_allclose(net.forward(theta, X), h2 @ p[2]["W"] + p[2]["b"], atol=1e-13)
