"""optkit.derivatives against closed-form derivatives of hand-picked functions."""

import numpy as np
import pytest
from numpy.testing import assert_allclose

from optkit.derivatives import hessian_vector_product, numerical_gradient, numerical_hessian

A = np.array([0.3, -0.7, 0.2])


def f_exp(th):  # f = exp(a . theta): grad = a f, Hessian = a a^T f
    return np.exp(th @ A)


def grad_exp(th):
    return A * np.exp(th @ A)[..., None]


def hess_exp(th):
    return np.outer(A, A) * np.exp(th @ A)[..., None, None]


def f_cubic(th):  # f = sum theta_i^3 + theta_0 theta_1: grad = 3 theta^2 + (theta_1, theta_0, 0)
    return (th**3).sum(-1) + th[..., 0] * th[..., 1]


def grad_cubic(th):
    g = 3 * th**2
    g[..., 0] += th[..., 1]
    g[..., 1] += th[..., 0]
    return g


def hess_cubic(th):
    H = np.zeros(th.shape + (3,))
    H[..., [0, 1, 2], [0, 1, 2]] = 6 * th
    H[..., 0, 1] = H[..., 1, 0] = 1.0
    return H


SHAPES = [(3,), (4, 3), (2, 5, 3)]
CASES = [(f_exp, grad_exp, hess_exp), (f_cubic, grad_cubic, hess_cubic)]


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("f, grad, hess", CASES)
def test_numerical_gradient_matches_closed_form(shape, f, grad, hess):
    theta = np.random.default_rng(0).normal(size=shape)
    g = numerical_gradient(f, theta)
    assert g.shape == shape
    assert_allclose(g, grad(theta), rtol=1e-8, atol=1e-8)


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("f, grad, hess", CASES)
def test_numerical_hessian_matches_closed_form(shape, f, grad, hess):
    theta = np.random.default_rng(1).normal(size=shape)
    H = numerical_hessian(grad, theta)
    assert H.shape == shape + (3,)
    assert_allclose(H, hess(theta), rtol=1e-8, atol=1e-8)


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("f, grad, hess", CASES)
def test_hessian_vector_product_matches_closed_form(shape, f, grad, hess):
    rng = np.random.default_rng(2)
    theta, v = rng.normal(size=shape), rng.normal(size=shape)
    Hv = hessian_vector_product(grad, theta, v)
    assert Hv.shape == shape
    assert_allclose(Hv, (hess(theta) @ v[..., None])[..., 0], rtol=1e-7, atol=1e-8)


def test_hessian_vector_product_is_accurate_for_any_size_of_v():
    theta = np.array([0.5, -1.0, 2.0])
    v = np.array([1.0, 2.0, -1.0])
    exact = hess_cubic(theta) @ v
    for scale in (1e-8, 1.0, 1e8):
        assert_allclose(hessian_vector_product(grad_cubic, theta, scale * v), scale * exact,
                        rtol=1e-7)


def test_hessian_vector_product_of_zero_vector_is_zero():
    Hv = hessian_vector_product(grad_exp, np.ones((2, 3)), np.zeros(3))
    assert Hv.shape == (2, 3)
    assert np.all(Hv == 0)


def test_hessian_vector_product_broadcasts_v_over_the_batch():
    theta = np.random.default_rng(3).normal(size=(4, 3))
    v = np.array([0.0, 1.0, 0.0])  # picks the middle column of each Hessian
    assert_allclose(hessian_vector_product(grad_exp, theta, v), hess_exp(theta)[..., :, 1],
                    rtol=1e-7, atol=1e-10)


def test_central_differences_are_second_order():
    # For f = sin, the central-difference error is about eps^2/6 |cos'''| = eps^2/6 |cos x|:
    # ten times smaller eps gives a hundred times smaller error (a forward difference: ten).
    x = np.array([0.7])
    errors = [abs(numerical_gradient(lambda t: np.sin(t[..., 0]), x, eps)[0] - np.cos(0.7))
              for eps in (1e-2, 1e-3)]
    assert_allclose(errors[0], 1e-4 / 6 * np.cos(0.7), rtol=1e-3)
    assert 90 < errors[0] / errors[1] < 110


def test_finite_differences_do_not_mutate_theta():
    theta = np.array([[0.1, 0.2, 0.3]])
    copy = theta.copy()
    numerical_gradient(f_exp, theta)
    numerical_hessian(grad_exp, theta)
    hessian_vector_product(grad_exp, theta, np.ones(3))
    assert np.array_equal(theta, copy)


def test_a_wrong_gradient_is_detected():
    # The helper must be able to tell a right gradient from a slightly wrong one.
    theta = np.array([0.4, -0.2, 1.0])
    assert not np.allclose(numerical_gradient(f_exp, theta), 1.001 * grad_exp(theta),
                           rtol=1e-6, atol=0)


@pytest.mark.parametrize("eps", [0.0, -1e-5, np.nan, np.inf])
def test_bad_eps_raises(eps):
    theta = np.ones(3)
    with pytest.raises(ValueError, match="eps"):
        numerical_gradient(f_exp, theta, eps)
    with pytest.raises(ValueError, match="eps"):
        numerical_hessian(grad_exp, theta, eps)
    with pytest.raises(ValueError, match="eps"):
        hessian_vector_product(grad_exp, theta, theta, eps)


def test_scalar_theta_raises():
    with pytest.raises(ValueError, match="theta"):
        numerical_gradient(f_exp, 1.0)
