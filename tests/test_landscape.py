"""optkit.landscape: slices of a cost, checked against closed forms on quadratics."""

import numpy as np
import pytest
from numpy.testing import assert_allclose

from optkit import landscape, objectives
from optkit.nn import MLP

RNG = np.random.default_rng(0)
D = 5
M = RNG.normal(size=(D, D))
H = M @ M.T - 2 * np.eye(D)  # symmetric, some negative eigenvalues
B = RNG.normal(size=D)
Q = objectives.quadratic(H, B, c=0.7)


def test_interpolation_of_a_quadratic_is_the_known_parabola():
    # J(a + alpha u), u = b - a, is J(a) + alpha g(a).u + alpha^2/2 u^T H u.
    a, b = RNG.normal(size=D), RNG.normal(size=D)
    u = b - a
    alphas = np.linspace(-0.5, 1.5, 21)
    want = Q.f(a) + alphas * (Q.grad(a) @ u) + 0.5 * alphas**2 * (u @ H @ u)
    got = landscape.interpolate(Q.f, a, b, alphas)
    assert got.shape == (21,)
    assert_allclose(got, want, rtol=1e-12, atol=1e-12)


def test_interpolation_endpoints_and_chunking():
    a, b = RNG.normal(size=D), RNG.normal(size=D)
    alphas = np.linspace(0, 1, 11)
    whole = landscape.interpolate(Q.f, a, b, alphas)
    assert_allclose(whole[[0, -1]], [Q.f(a), Q.f(b)], rtol=1e-13)
    assert_allclose(landscape.interpolate(Q.f, a, b, alphas, chunk=3), whole, rtol=0)


def test_plane_of_a_quadratic_matches_its_taylor_expansion():
    c, d1, d2 = RNG.normal(size=(3, D))
    a_vals, b_vals = np.linspace(-1, 1, 7), np.linspace(-2, 2, 5)
    A, Bm, Z = landscape.plane(Q.f, c, d1, d2, (a_vals, b_vals), chunk=4)
    assert A.shape == Bm.shape == Z.shape == (5, 7)
    assert_allclose(A[0], a_vals)
    assert_allclose(Bm[:, 0], b_vals)
    g = Q.grad(c)
    want = (Q.f(c) + A * (g @ d1) + Bm * (g @ d2) + 0.5 * A**2 * (d1 @ H @ d1)
            + A * Bm * (d1 @ H @ d2) + 0.5 * Bm**2 * (d2 @ H @ d2))
    assert_allclose(Z, want, rtol=1e-12, atol=1e-12)


def test_plane_with_one_grid_is_square_and_centered():
    c, d1, d2 = RNG.normal(size=(3, D))
    A, Bm, Z = landscape.plane(Q.f, c, d1, d2, np.linspace(-1, 1, 5))
    assert Z.shape == (5, 5)
    assert_allclose(Z[2, 2], Q.f(c))
    assert_allclose(Z[2, 4], Q.f(c + d1))
    assert_allclose(Z[0, 2], Q.f(c - d2))


def test_filter_normalized_direction_matches_each_units_norm():
    net = MLP((4, 6, 3), activation="relu")
    theta = net.init(np.random.default_rng(1))
    theta = theta + 0.1  # non-zero biases: the direction must still zero them
    v = landscape.random_direction(net, theta, np.random.default_rng(2))
    assert v.shape == (net.d,)
    for (W, _b), (R, rb) in zip(net.unflatten(theta), net.unflatten(v), strict=True):
        assert_allclose(np.linalg.norm(R, axis=0), np.linalg.norm(W, axis=0), rtol=1e-12)
        assert np.all(rb == 0)
    # a different seed gives a different direction; the same seed the same one
    v2 = landscape.random_direction(net, theta, np.random.default_rng(3))
    assert not np.allclose(v, v2)
    assert_allclose(landscape.random_direction(net, theta, np.random.default_rng(2)), v)


def test_global_and_raw_directions():
    net = MLP((4, 6, 3))
    theta = net.init(np.random.default_rng(1))
    g = landscape.random_direction(net, theta, np.random.default_rng(5), normalize="global")
    assert_allclose(np.linalg.norm(g), np.linalg.norm(theta))
    raw = landscape.random_direction(net, theta, np.random.default_rng(5), normalize="none")
    assert_allclose(raw, np.random.default_rng(5).standard_normal(net.d))


def test_bad_inputs_raise():
    a = np.zeros(D)
    with pytest.raises(ValueError, match="theta_b"):
        landscape.interpolate(Q.f, a, np.zeros(D + 1), [0.0, 1.0])
    with pytest.raises(ValueError, match="alphas"):
        landscape.interpolate(Q.f, a, a, [])
    with pytest.raises(ValueError, match="d2"):
        landscape.plane(Q.f, a, a, np.zeros(3), [0.0])
    with pytest.raises(ValueError, match="center"):
        landscape.plane(Q.f, [np.nan] * D, a, a, [0.0])
    with pytest.raises(ValueError, match="chunk"):
        landscape.interpolate(Q.f, a, a, [0.0], chunk=0)
    net = MLP((2, 3, 2))
    with pytest.raises(ValueError, match="normalize"):
        landscape.random_direction(net, np.ones(net.d), np.random.default_rng(0), "layer")
    with pytest.raises(ValueError, match="rng"):
        landscape.random_direction(net, np.ones(net.d), 0)
