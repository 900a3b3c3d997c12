"""optkit.derivatives.hessian_eigenvalues against the analytic Hessians of optkit.objectives."""

import numpy as np
import pytest
from numpy.testing import assert_allclose

from optkit import objectives
from optkit.derivatives import hessian_eigenvalues

TWO_D = [objectives.rosenbrock(), objectives.two_gaussians(), objectives.saddle(),
         objectives.cliff(), objectives.plateau()]


@pytest.mark.parametrize("obj", TWO_D, ids=lambda o: o.name)
def test_dense_eigenvalues_match_the_analytic_hessian(obj):
    rng = np.random.default_rng(0)
    theta = rng.uniform(-1.5, 1.5, size=(7, 2))
    got = hessian_eigenvalues(obj.grad, theta)
    want = np.linalg.eigvalsh(obj.hess(theta))
    assert got.shape == (7, 2)
    scale = np.abs(want).max(-1, keepdims=True) + 1.0
    assert np.all(np.abs(got - want) <= 1e-6 * scale)


def test_dense_eigenvalues_of_a_rotated_quadratic_are_its_spectrum():
    q = objectives.ill_conditioned_quadratic(100.0, d=6)
    theta = np.random.default_rng(1).normal(size=(3, 6))
    assert_allclose(hessian_eigenvalues(q.grad, theta), np.tile(np.geomspace(1, 100, 6), (3, 1)),
                    rtol=1e-7)


def test_rosenbrock_in_ten_dimensions_dense_and_lanczos_agree_with_hess():
    obj = objectives.rosenbrock(d=10)
    theta = np.random.default_rng(2).uniform(-1, 1, size=10)
    exact = np.linalg.eigvalsh(obj.hess(theta))
    assert_allclose(hessian_eigenvalues(obj.grad, theta), exact, rtol=1e-6, atol=1e-4)
    top = hessian_eigenvalues(obj.grad, theta, k=3, which="largest")
    low = hessian_eigenvalues(obj.grad, theta, k=3, which="smallest")
    assert_allclose(top, exact[-3:], rtol=1e-6)
    assert_allclose(low, exact[:3], rtol=1e-5, atol=1e-4)


def test_lanczos_on_a_large_quadratic_with_negative_eigenvalues():
    # H = Q diag(lam) Q^T with known lam, d = 300: the ends of the spectrum are recovered
    # from Hessian-vector products alone, for a batch of two points.
    rng = np.random.default_rng(3)
    d = 300
    lam = np.concatenate([[-5.0, -2.0], np.linspace(0.1, 1.0, d - 4), [7.0, 20.0]])
    Q, _ = np.linalg.qr(rng.normal(size=(d, d)))
    H = (Q * lam) @ Q.T
    q = objectives.quadratic((H + H.T) / 2)
    theta = rng.normal(size=(2, d))
    assert_allclose(hessian_eigenvalues(q.grad, theta, k=2, which="largest"),
                    np.tile([7.0, 20.0], (2, 1)), rtol=1e-6)
    assert_allclose(hessian_eigenvalues(q.grad, theta, k=2, which="smallest"),
                    np.tile([-5.0, -2.0], (2, 1)), rtol=1e-6)
    both = hessian_eigenvalues(q.grad, theta[0], k=4, which="both")
    assert_allclose(both, [-5.0, -2.0, 7.0, 20.0], rtol=1e-6)


def test_saddle_has_one_negative_eigenvalue_everywhere():
    theta = np.random.default_rng(4).normal(size=(5, 2))
    assert_allclose(hessian_eigenvalues(objectives.saddle().grad, theta),
                    np.tile([-2.0, 2.0], (5, 1)), atol=1e-6)


@pytest.mark.parametrize("kwargs, word", [({"k": 0}, "k"), ({"k": 5}, "k"), ({"k": 2.0}, "k"),
                                          ({"k": 2, "which": "middle"}, "which"),
                                          ({"eps": 0.0}, "eps")])
def test_bad_arguments_raise(kwargs, word):
    q = objectives.ill_conditioned_quadratic(10.0, d=5)
    with pytest.raises(ValueError, match=word):
        hessian_eigenvalues(q.grad, np.ones(5), **kwargs)


def test_lanczos_on_a_small_network_matches_the_dense_spectrum():
    # No closed-form Hessian here: Lanczos on Hessian-vector products must find the same
    # extreme eigenvalues as the dense finite-difference Hessian (d = 43), including the
    # negative ones of an untrained tanh network.
    from optkit.nn import MLP

    net = MLP((4, 5, 3), activation="tanh")
    rng = np.random.default_rng(5)
    X, y = rng.normal(size=(30, 4)), rng.integers(0, 3, size=30)
    obj = net.objective(X, y)
    theta = net.init(rng)
    dense = hessian_eigenvalues(obj.grad, theta)
    assert dense[0] < -1e-3  # the point is not a minimum
    lanczos = hessian_eigenvalues(obj.grad, theta, k=4, which="both")
    assert_allclose(lanczos, np.concatenate([dense[:2], dense[-2:]]), rtol=1e-5, atol=1e-7)
