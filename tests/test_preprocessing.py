"""optkit.preprocessing: whitening against closed forms and scikit-learn, the range test."""

import numpy as np
import pytest
from scipy.linalg import sqrtm
from sklearn.decomposition import PCA

from optkit import SGD
from optkit.nn import MLP
from optkit.preprocessing import covariance, lr_range_test, pca_whiten, standardize, zca_whiten


def correlated(n=400, seed=0):
    A = np.random.default_rng(42).normal(size=(4, 4)) * np.array([10.0, 1.0, 0.1, 3.0])
    return np.random.default_rng(seed).normal(size=(n, 4)) @ A + np.array([5.0, -2.0, 0.0, 100.0])


def test_covariance_matches_numpy():
    X = correlated()
    np.testing.assert_allclose(covariance(X), np.cov(X.T, bias=True), rtol=1e-12)


def test_standardize_unit_variances_keeps_correlations():
    X = correlated()
    Z = standardize(X)(X)
    np.testing.assert_allclose(Z.mean(0), 0, atol=1e-12)
    np.testing.assert_allclose(Z.std(0), 1, rtol=1e-12)
    np.testing.assert_allclose(np.corrcoef(Z.T), np.corrcoef(X.T), atol=1e-12)
    X2 = np.column_stack([X, np.full(len(X), 7.0)])  # a constant feature maps to 0
    np.testing.assert_array_equal(standardize(X2)(X2)[:, -1], 0.0)


@pytest.mark.parametrize("whiten", [pca_whiten, zca_whiten])
def test_whitening_gives_identity_covariance(whiten):
    X = correlated()
    Z = whiten(X)(X)
    np.testing.assert_allclose(np.cov(Z.T, bias=True), np.eye(4), atol=1e-10)
    # The same map applied to new data from the same distribution: close to identity only.
    Znew = whiten(X)(correlated(n=20000, seed=1))
    assert np.abs(np.cov(Znew.T, bias=True) - np.eye(4)).max() < 0.1


def test_zca_is_inverse_square_root_of_covariance():
    X = correlated()
    W = zca_whiten(X).matrix
    np.testing.assert_allclose(W, np.real(np.linalg.inv(sqrtm(np.cov(X.T, bias=True)))),
                               rtol=1e-8, atol=1e-12)
    np.testing.assert_allclose(W, W.T, atol=1e-12)
    eps = 0.5
    np.testing.assert_allclose(zca_whiten(X, eps=eps).matrix,
                               np.real(np.linalg.inv(sqrtm(np.cov(X.T, bias=True)
                                                           + eps * np.eye(4)))), rtol=1e-8)


def test_zca_stays_closest_to_the_input_among_whitenings():
    X = correlated()
    Xc = X - X.mean(0)
    Zz, Zp = zca_whiten(X)(X), pca_whiten(X)(X)
    rng = np.random.default_rng(3)
    Q, _ = np.linalg.qr(rng.normal(size=(4, 4)))
    for other in (Zp, Zp @ Q, Zz @ Q):  # every whitening is a rotation of another
        assert np.linalg.norm(Zz - Xc) <= np.linalg.norm(other - Xc) + 1e-9


def test_pca_whiten_matches_sklearn_up_to_sign_and_ddof():
    X = correlated()
    Z = pca_whiten(X)(X)
    Zs = PCA(whiten=True).fit_transform(X)  # sklearn divides by the ddof=1 deviation
    Zs *= np.sqrt(len(X) / (len(X) - 1))
    signs = np.sign((Z * Zs).sum(0))
    np.testing.assert_allclose(Z, Zs * signs, atol=1e-8)
    sd = np.linalg.norm(np.linalg.pinv(pca_whiten(X).matrix), axis=1)  # sqrt(lam) per component
    assert np.all(np.diff(sd) < 0)  # components by decreasing variance


def test_singular_covariance_needs_eps():
    X = correlated()
    X = np.column_stack([X, X[:, 0]])  # a duplicated feature: covariance of rank 4
    with pytest.raises(ValueError, match="eps"):
        pca_whiten(X)
    Z = zca_whiten(X, eps=1e-6)(X)
    assert np.all(np.isfinite(Z))


@pytest.mark.parametrize("bad", [dict(eps=-1.0), dict(eps=np.nan)])
def test_invalid_eps(bad):
    with pytest.raises(ValueError, match="eps"):
        zca_whiten(correlated(), **bad)


def test_invalid_X():
    with pytest.raises(ValueError, match="X"):
        standardize(np.ones(5))
    with pytest.raises(ValueError, match="X"):
        pca_whiten(np.array([[1.0, np.nan], [0.0, 1.0]]))
    with pytest.raises(ValueError, match="X"):
        standardize(correlated())(np.ones((3, 2)))


def linear_regression(n=64, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 3)) * np.array([3.0, 1.0, 0.5])
    y = X @ np.array([1.0, -2.0, 0.5]) + 0.1 * rng.normal(size=n)
    return X, y


def test_range_test_rates_and_losses_by_hand():
    X, y = linear_regression()
    net = MLP(sizes=(3, 1), activation="identity", loss="mse")
    theta0 = np.zeros(net.d)
    res = lr_range_test(lambda lr: SGD(lr=lr), net, X, y, 1e-3, 1.0, steps=10,
                        batch_size=len(X), rng=np.random.default_rng(0), theta0=theta0)
    np.testing.assert_allclose(res.lrs, np.geomspace(1e-3, 1.0, 10), rtol=1e-12)
    theta = theta0.copy()  # full batch: the run is plain gradient descent with these rates
    for k in range(10):
        loss, g = net.loss_and_grad(theta, X, y)
        np.testing.assert_allclose(res.losses[k], loss, rtol=1e-12)
        theta = theta - res.lrs[k] * g


def test_range_test_blows_up_past_two_over_lambda_max():
    # Full-batch GD on least squares is stable iff lr < 2 / lambda_max(H), H = 2 [X 1]^T [X 1] / N.
    X, y = linear_regression()
    A = np.column_stack([X, np.ones(len(X))])
    lam_max = np.linalg.eigvalsh(2 * A.T @ A / len(X)).max()
    net = MLP(sizes=(3, 1), activation="identity", loss="mse")
    res = lr_range_test(lambda lr: SGD(lr=lr), net, X, y, 1e-3, 10.0, steps=200,
                        batch_size=len(X), rng=np.random.default_rng(0),
                        theta0=np.zeros((2, net.d)))
    assert res.losses.shape == (200, 2)
    loss = res.losses[:, 0]
    stable = res.lrs < 2 / lam_max  # descent lemma: the loss decreases at every stable step
    assert np.all(np.diff(loss[stable]) <= 1e-12)
    k_min = int(np.nanargmin(loss))
    assert res.lrs[k_min] > 2 / lam_max  # it turns up only once the rate is unstable ...
    assert not loss[-1] < 10 * loss[0]  # ... and ends exploded (nan once non-finite)
    assert res.suggest() < 2 / lam_max  # a decade below the minimum: a stable rate


def test_range_test_smoothing_is_bias_corrected_average():
    X, y = linear_regression()
    net = MLP(sizes=(3, 1), activation="identity", loss="mse")
    res = lr_range_test(lambda lr: SGD(lr=lr), net, X, y, 1e-3, 1e-2, steps=5, batch_size=8,
                        rng=np.random.default_rng(1), theta0=np.zeros(net.d))
    beta, L = 0.5, res.losses
    w = [beta ** (2 - i) * (1 - beta) for i in range(3)]
    np.testing.assert_allclose(res.smoothed(beta)[2], np.dot(w, L[:3]) / (1 - beta**3))
    with pytest.raises(ValueError, match="beta"):
        res.smoothed(1.0)


@pytest.mark.parametrize("kw, word", [(dict(lr_min=-1.0), "lr_min"), (dict(lr_max=1e-4), "lr_max"),
                                      (dict(steps=1), "steps"), (dict(batch_size=0), "batch_size"),
                                      (dict(rng=0), "rng"), (dict(theta0=np.zeros(3)), "theta0")])
def test_range_test_invalid(kw, word):
    X, y = linear_regression()
    net = MLP(sizes=(3, 1), activation="identity", loss="mse")
    args = dict(lr_min=1e-3, lr_max=1.0, steps=5, batch_size=8, rng=np.random.default_rng(0),
                theta0=np.zeros(net.d))
    args.update(kw)
    with pytest.raises(ValueError, match=word):
        lr_range_test(lambda lr: SGD(lr=lr), net, X, y, **args)
