"""Tests of optkit.init: moments and bounds of every scheme, Haar orthogonality, sparsity,
bias rules, determinism and argument checking."""

import numpy as np
import pytest
from scipy import stats

from optkit import init

M, N = 40, 30          # fan_in, fan_out
DRAWS = 200            # independent layers per moment test -> 240,000 weights


def _moment_check(W, var, *, bound=None):
    """Mean 0 and variance ``var`` within 5 standard errors; all |W| <= bound if given."""
    w = W.ravel()
    n = w.size
    assert abs(w.mean()) < 5 * np.sqrt(var / n)
    # standard error of the sample variance is sqrt((mu4 - var^2) / n) <= sqrt(2) var / sqrt(n)
    # for the Gaussian; the uniform's is smaller. Use the Gaussian one (conservative).
    assert abs(w.var() - var) < 5 * np.sqrt(2.0 / n) * var
    if bound is not None:
        assert np.all(np.abs(w) <= bound)
        assert np.abs(w).max() > 0.99 * bound       # the whole interval is used


FIXED = [
    # (scheme, variance, uniform bound or None, excess kurtosis)
    (init.uniform_fan_in, 1 / (3 * M), 1 / np.sqrt(M), -1.2),
    (init.glorot_uniform, 2 / (M + N), np.sqrt(6 / (M + N)), -1.2),
    (init.glorot_normal, 2 / (M + N), None, 0.0),
    (init.lecun_normal, 1 / M, None, 0.0),
    (init.he_normal, 2 / M, None, 0.0),
    (init.he_uniform, 2 / M, np.sqrt(6 / M), -1.2),
    (init.gaussian(0.3), 0.09, None, 0.0),
    (init.uniform(0.3), 0.03, 0.3, -1.2),
]


@pytest.mark.parametrize("scheme, var, bound, kurt", FIXED)
def test_scheme_moments_and_shape(scheme, var, bound, kurt):
    W = scheme(np.random.default_rng(1), M, N, (DRAWS,))
    assert W.shape == (DRAWS, M, N)
    _moment_check(W, var, bound=bound)
    # the shape of the distribution: excess kurtosis -1.2 (uniform) or 0 (Gaussian)
    assert abs(stats.kurtosis(W.ravel()) - kurt) < 0.05


def test_glorot_formula_8_23_is_the_uniform_with_variance_2_over_m_plus_n():
    # Independent truth: U(-a, a) has variance a^2 / 3, so a = sqrt(6/(m+n)) <=> var 2/(m+n).
    for m, n in [(1, 1), (5, 100), (784, 10)]:
        W = init.glorot_uniform(np.random.default_rng(0), m, n, (4000 // (m * n) + 1,))
        assert np.abs(W).max() <= np.sqrt(6 / (m + n))
        W = init.glorot_uniform(np.random.default_rng(2), m, n, (20000 // (m * n) + 1,))
        _moment_check(W, 2 / (m + n))


def test_batch_shape_int_and_tuple_and_independent_draws():
    rng = np.random.default_rng(3)
    W = init.he_normal(rng, 3, 4, (2, 5))
    assert W.shape == (2, 5, 3, 4)
    assert init.he_normal(rng, 3, 4, 7).shape == (7, 3, 4)
    assert init.he_normal(rng, 3, 4).shape == (3, 4)
    flat = W.reshape(10, 12)
    # no two networks of the batch got the same draw
    assert np.all(np.abs(flat[:, None] - flat[None]).sum(-1)[~np.eye(10, dtype=bool)] > 0)


ALL = [init.uniform_fan_in, init.glorot_uniform, init.glorot_normal, init.lecun_normal,
       init.he_normal, init.he_uniform, init.gaussian(0.1), init.uniform(0.1),
       init.orthogonal(1.3), init.sparse(3, 0.5)]


@pytest.mark.parametrize("scheme", ALL)
def test_determinism_under_a_seed(scheme):
    a = scheme(np.random.default_rng(42), 6, 5, (3,))
    b = scheme(np.random.default_rng(42), 6, 5, (3,))
    c = scheme(np.random.default_rng(43), 6, 5, (3,))
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)


# ----------------------------------------------------------------------------- orthogonal

@pytest.mark.parametrize("m, n", [(7, 7), (9, 4), (3, 8)])
def test_orthogonal_is_orthogonal_times_gain(m, n):
    W = init.orthogonal(gain=1.7)(np.random.default_rng(0), m, n, (50,))
    assert W.shape == (50, m, n)
    if m >= n:  # orthonormal columns
        G = np.swapaxes(W, -1, -2) @ W
        np.testing.assert_allclose(G, np.broadcast_to(1.7**2 * np.eye(n), G.shape), atol=1e-12)
    else:       # orthonormal rows
        G = W @ np.swapaxes(W, -1, -2)
        np.testing.assert_allclose(G, np.broadcast_to(1.7**2 * np.eye(m), G.shape), atol=1e-12)
    # all singular values equal the gain
    np.testing.assert_allclose(np.linalg.svd(W, compute_uv=False), 1.7, atol=1e-12)


def _haar_statistics(Q):
    """Statistics that are ~0 for a Haar-distributed Q and biased for a sign-uncorrected QR."""
    n = Q.shape[-1]
    diag = np.diagonal(Q, axis1=-2, axis2=-1)
    return {
        "mean_Q": np.abs(Q.mean(axis=0)).max(),       # E[Q] = 0 entrywise
        "mean_diag": diag.mean(),                      # E[Q_ii] = 0
        "sign_Q00": np.mean(np.sign(Q[:, 0, 0])),      # P(Q_00 > 0) = 1/2
        "n": n,
    }


def test_orthogonal_is_haar_sign_corrected():
    n, draws = 6, 20000
    Q = init.orthogonal(1.0)(np.random.default_rng(5), n, n, (draws,))
    s = _haar_statistics(Q)
    # for Haar Q each entry has variance 1/n: standard error of a mean is sqrt(1/(n draws))
    se = np.sqrt(1 / (n * draws))
    assert s["mean_Q"] < 5 * se
    assert abs(s["mean_diag"]) < 5 * se
    assert abs(s["sign_Q00"]) < 5 / np.sqrt(draws)
    # exact marginal: a column of a Haar matrix is uniform on the sphere, so
    # Q_00^2 ~ Beta(1/2, (n-1)/2), and E[trace Q] = 0, E[(trace Q)^2] = 1.
    ks = stats.kstest(Q[:, 0, 0] ** 2, stats.beta(0.5, (n - 1) / 2).cdf)
    assert ks.pvalue > 1e-3
    tr = np.trace(Q, axis1=-2, axis2=-1)
    assert abs(tr.mean()) < 5 * np.sqrt(1 / draws)
    assert abs((tr**2).mean() - 1) < 0.1


def test_the_haar_checks_reject_an_uncorrected_qr():
    # The same statistics on the plain QR (diag(R) > 0 convention): the test has power.
    n, draws = 6, 20000
    A = np.random.default_rng(5).standard_normal((draws, n, n))
    Q, _ = np.linalg.qr(A)
    s = _haar_statistics(Q)
    se = np.sqrt(1 / (n * draws))
    assert abs(s["mean_diag"]) > 20 * se or abs(s["sign_Q00"]) > 20 / np.sqrt(draws)


def test_orthogonal_wide_rows_are_haar_too():
    W = init.orthogonal(1.0)(np.random.default_rng(8), 3, 5, (20000,))
    assert np.abs(W.mean(axis=0)).max() < 5 * np.sqrt(1 / (5 * 20000))
    assert abs(np.mean(np.sign(W[:, 0, 0]))) < 5 / np.sqrt(20000)


# --------------------------------------------------------------------------------- sparse

def test_sparse_has_exactly_k_nonzeros_per_unit():
    k, m, n = 4, 25, 12
    W = init.sparse(k, scale=0.5)(np.random.default_rng(0), m, n, (3000,))
    assert W.shape == (3000, m, n)
    np.testing.assert_array_equal((W != 0).sum(axis=-2), k)      # per unit (column)
    nz = W[W != 0]
    _moment_check(nz, 0.25)                                       # N(0, scale^2) values
    assert abs(stats.kurtosis(nz)) < 0.05
    # the k inputs are a uniform random subset: each input is chosen w.p. k/m
    freq = (W != 0).mean(axis=0)
    se = np.sqrt(k / m * (1 - k / m) / 3000)
    assert np.abs(freq - k / m).max() < 5 * se


def test_sparse_k_equal_fan_in_is_dense():
    W = init.sparse(5, 1.0)(np.random.default_rng(0), 5, 3)
    assert np.all(W != 0)


# --------------------------------------------------------------------------------- biases

def test_zero_and_constant_bias():
    np.testing.assert_array_equal(init.zero_bias(4, (2,)), np.zeros((2, 4)))
    np.testing.assert_array_equal(init.constant_bias(3, 0.1), [0.1, 0.1, 0.1])
    assert init.constant_bias(3, 0.1, (2, 2)).shape == (2, 2, 3)


def test_class_marginals_counts_labels():
    y = np.array([0, 2, 2, 1, 2, 0, 2, 2])
    np.testing.assert_allclose(init.class_marginals(y, 4), [2 / 8, 1 / 8, 5 / 8, 0])


def test_softmax_of_the_output_bias_equals_the_marginals():
    rng = np.random.default_rng(0)
    p = rng.dirichlet(5 * np.ones(10))
    b = init.softmax_bias(p, (3,))
    assert b.shape == (3, 10)
    e = np.exp(b - b.max(-1, keepdims=True))
    np.testing.assert_allclose(e / e.sum(-1, keepdims=True), np.broadcast_to(p, (3, 10)),
                               rtol=1e-12)
    # and it is the minimizer of the mean cross-entropy of a constant prediction
    y = rng.choice(10, size=5000, p=p)
    q = init.class_marginals(y, 10)
    bq = init.softmax_bias(q)

    def ce(bias):
        return -(bias[y] - np.log(np.exp(bias).sum()))

    assert ce(bq).mean() <= ce(bq + 0.01 * rng.standard_normal(10)).mean()
    np.testing.assert_allclose(np.exp(bq) / np.exp(bq).sum(), q, rtol=1e-12)


def test_lstm_forget_gate_bias():
    b = init.lstm_bias(3, forget=1.0)
    np.testing.assert_array_equal(b, [0, 0, 0, 1, 1, 1, 0, 0, 0, 0, 0, 0])
    b = init.lstm_bias(2, forget=2.0, batch_shape=(5,), gate_order="fioc".replace("c", "g"))
    assert b.shape == (5, 8)
    np.testing.assert_array_equal(b[0], [2, 2, 0, 0, 0, 0, 0, 0])
    # sigmoid(1) ~ 0.73: the cell keeps most of its state at the start
    assert 1 / (1 + np.exp(-init.lstm_bias(1)[1])) == pytest.approx(0.7311, abs=1e-4)


# ------------------------------------------------------------------------------ bad input

@pytest.mark.parametrize("make", [
    lambda: init.gaussian(0.0), lambda: init.gaussian(-1.0), lambda: init.gaussian(np.inf),
    lambda: init.uniform(-0.1), lambda: init.orthogonal(0.0), lambda: init.orthogonal("1"),
    lambda: init.sparse(0), lambda: init.sparse(3, scale=-1.0), lambda: init.sparse(2.5),
])
def test_bad_hyper_parameters_raise(make):
    with pytest.raises(ValueError):
        make()


@pytest.mark.parametrize("scheme", ALL)
@pytest.mark.parametrize("args", [
    (0, 3, ()), (3, -1, ()), (2.5, 3, ()), (3, 3, (0,)), (3, 3, (-2,)), (3, 3, "ab"),
    (3, 3, (2.5,)),
])
def test_bad_shapes_raise(scheme, args):
    with pytest.raises(ValueError):
        scheme(np.random.default_rng(0), *args)


@pytest.mark.parametrize("scheme", ALL)
def test_a_generator_is_required(scheme):
    with pytest.raises(ValueError, match="rng"):
        scheme(0, 3, 3)
    with pytest.raises(ValueError, match="rng"):
        scheme(np.random.RandomState(0), 3, 3)


def test_sparse_k_larger_than_fan_in_raises():
    with pytest.raises(ValueError, match="k"):
        init.sparse(10)(np.random.default_rng(0), 5, 3)


@pytest.mark.parametrize("make", [
    lambda: init.softmax_bias([0.5, 0.6]), lambda: init.softmax_bias([1.0, 0.0]),
    lambda: init.softmax_bias([1.0]), lambda: init.softmax_bias([[0.5, 0.5]]),
    lambda: init.class_marginals([0, 1, 3], 3), lambda: init.class_marginals([0.0, 1.0], 2),
    lambda: init.class_marginals([], 2), lambda: init.class_marginals([0, 1], 1),
    lambda: init.lstm_bias(0), lambda: init.lstm_bias(2, gate_order="ifgx"),
    lambda: init.lstm_bias(2, forget=np.nan), lambda: init.constant_bias(3, np.inf),
    lambda: init.zero_bias(0), lambda: init.get_scheme("xavier"), lambda: init.get_scheme(3),
])
def test_bad_bias_arguments_raise(make):
    with pytest.raises(ValueError):
        make()


# -------------------------------------------------------------------------- network level

def _net(sizes=(8, 30, 20, 5), activation="relu"):
    from optkit.nn import MLP
    return MLP(sizes=sizes, activation=activation, loss="cross_entropy")


def test_network_assembles_each_layer_in_order():
    net = _net()
    theta = init.network(net, np.random.default_rng(7), weights="he_normal", biases=0.1,
                         batch_shape=(2, 3))
    assert theta.shape == (2, 3, net.d)
    # the same draws, layer by layer, from the same seed
    rng = np.random.default_rng(7)
    params = net.unflatten(theta)
    for (m, n), (W, _b) in zip(zip(net.sizes[:-1], net.sizes[1:]), params):
        np.testing.assert_array_equal(W, init.he_normal(rng, m, n, (2, 3)))
    np.testing.assert_array_equal(params[0][1], 0.1)
    np.testing.assert_array_equal(params[1][1], 0.1)
    np.testing.assert_array_equal(params[2][1], 0.0)           # output bias: 0 by default


def test_network_per_layer_schemes_biases_and_output_bias():
    net = _net()
    p = np.array([0.1, 0.2, 0.3, 0.25, 0.15])
    theta = init.network(net, np.random.default_rng(0),
                         weights=[init.orthogonal(2.0), "glorot_uniform", init.gaussian(1e-3)],
                         biases=[0.0, np.arange(20.0) / 20, 0.0], output_bias=init.softmax_bias(p))
    (W1, b1), (W2, b2), (W3, b3) = net.unflatten(theta)
    np.testing.assert_allclose(W1 @ W1.T, 4 * np.eye(8), atol=1e-12)     # orthogonal rows
    assert np.abs(W2).max() <= np.sqrt(6 / 50)
    assert np.abs(W3).max() < 1e-2
    np.testing.assert_array_equal(b2, np.arange(20.0) / 20)
    # tiny output weights: the network predicts the marginals for any input
    out = net.forward(theta, np.random.default_rng(1).standard_normal((4, 8)))
    probs = np.exp(out) / np.exp(out).sum(-1, keepdims=True)
    np.testing.assert_allclose(probs, np.broadcast_to(p, (4, 5)), atol=5e-3)


def test_network_is_deterministic_and_matches_mlp_init():
    net = _net()
    a = init.network(net, np.random.default_rng(3), batch_shape=(4,))
    b = init.network(net, np.random.default_rng(3), batch_shape=(4,))
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(a, net.init(np.random.default_rng(3), batch_shape=(4,)))
    assert not np.array_equal(a, init.network(net, np.random.default_rng(4), batch_shape=(4,)))


@pytest.mark.parametrize("kwargs", [
    dict(weights="kaiming"), dict(weights=["he_normal"] * 2), dict(biases=[0.0] * 2),
    dict(biases=np.nan), dict(biases=[0.0, np.zeros(3), 0.0]), dict(output_bias=np.zeros(4)),
    dict(batch_shape=(0,)), dict(weights=lambda rng, m, n, s: np.zeros((m, n, 1))),
])
def test_network_bad_arguments_raise(kwargs):
    with pytest.raises(ValueError):
        init.network(_net(), np.random.default_rng(0), **kwargs)
    with pytest.raises(ValueError, match="rng"):
        init.network(_net(), 0)
    with pytest.raises(ValueError, match="net"):
        init.network(object(), np.random.default_rng(0))


def _preactivation_vars(net, theta, X):
    """Variance over examples and units of every layer's h W + b (computed by hand)."""
    params = net.unflatten(theta)
    hs = [X, *net.hidden(theta, X)]
    return np.stack([(h @ W + b[..., None, :]).var(axis=(-2, -1))
                     for h, (W, b) in zip(hs, params)], axis=-1)


@pytest.mark.parametrize("activation", ["relu", "tanh"])
def test_lsuv_gives_unit_variance_in_every_layer(activation):
    net = _net(sizes=(8, 40, 40, 40, 5), activation=activation)
    rng = np.random.default_rng(0)
    X = rng.standard_normal((500, 8)) * 3.0 + 1.0
    theta0 = init.network(net, rng, weights=init.gaussian(0.01), biases=0.1, batch_shape=(3,))
    before = _preactivation_vars(net, theta0, X)
    assert np.all(before[..., -1] < 1e-3)                   # the tiny init starts far off
    theta = init.lsuv(net, theta0, X)
    np.testing.assert_allclose(_preactivation_vars(net, theta, X), 1.0, rtol=0.01)
    # only the weights changed, each layer by a positive factor; theta0 is untouched
    for (W0, b0), (W, b) in zip(net.unflatten(theta0), net.unflatten(theta)):
        np.testing.assert_array_equal(b, b0)
        ratio = W / W0
        np.testing.assert_allclose(ratio, np.broadcast_to(ratio[..., :1, :1], ratio.shape),
                                   rtol=1e-10)
        assert np.all(ratio > 0)
    assert np.all(_preactivation_vars(net, theta0, X) == before)
    # the scaling found on one minibatch carries over to fresh data from the same law
    X2 = np.random.default_rng(1).standard_normal((2000, 8)) * 3.0 + 1.0
    np.testing.assert_allclose(_preactivation_vars(net, theta, X2), 1.0, rtol=0.2)


def test_lsuv_target_and_layer_subset():
    net = _net(sizes=(8, 30, 30, 5), activation="tanh")
    rng = np.random.default_rng(2)
    X = rng.standard_normal((300, 8))
    theta0 = init.network(net, rng, weights="he_normal")
    theta = init.lsuv(net, theta0, X, target_var=0.25, layers=[1])
    v0, v = _preactivation_vars(net, theta0, X), _preactivation_vars(net, theta, X)
    assert v[0] == v0[0]                                    # layer 0 untouched
    assert v[1] == pytest.approx(0.25, rel=0.01)


@pytest.mark.parametrize("kwargs", [
    dict(target_var=0.0), dict(tol=-1.0), dict(max_iter=0), dict(layers=[3]),
    dict(layers=[True]), dict(X=np.zeros((10, 7))), dict(X=np.zeros((1, 8))),
    dict(theta=np.zeros(5)), dict(X=np.zeros((10, 8))),
])
def test_lsuv_bad_arguments_raise(kwargs):
    net = _net(sizes=(8, 30, 30, 5))
    args = dict(theta=init.network(net, np.random.default_rng(0)),
                X=np.random.default_rng(1).standard_normal((10, 8)))
    args.update(kwargs)
    theta, X = args.pop("theta"), args.pop("X")
    with pytest.raises(ValueError):
        init.lsuv(net, theta, X, **args)
