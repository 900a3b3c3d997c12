"""Line searches (8.6): the returned steps satisfy the conditions they claim (checked by
evaluating J directly), the exact step is the line minimizer (checked against SciPy's scalar
minimizer), batching gives each problem its own step, failures return alpha = 0 quietly."""

import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose
from scipy.optimize import minimize_scalar

from optkit import Objective, objectives
from optkit import line_search as ls

ROSEN = objectives.rosenbrock()
RNG = np.random.default_rng(8)


def random_spd(d, rng, kappa=50.0):
    Q, _ = np.linalg.qr(rng.standard_normal((d, d)))
    return Q @ np.diag(np.geomspace(1.0, kappa, d)) @ Q.T


def starts_and_directions(obj, n, d, rng):
    theta = rng.uniform(-1.5, 1.5, (n, d))
    g = obj.grad(theta)
    p = -g * rng.uniform(0.01, 2.0, (n, 1))  # downhill, of assorted lengths
    return theta, obj.f(theta), g, p


def phi(obj, theta, p, alpha):
    return obj.f(theta + np.asarray(alpha)[..., None] * p)


def dphi(obj, theta, p, alpha):
    return (obj.grad(theta + np.asarray(alpha)[..., None] * p) * p).sum(-1)


# ------------------------------------------------------------------ backtracking (Armijo)

def test_backtracking_armijo_and_largest_power_of_half():
    theta, f0, g0, p = starts_and_directions(ROSEN, 50, 2, RNG)
    res = ls.backtracking(ROSEN, theta, p, f0, g0, alpha0=1.0, c1=1e-4)
    slope = (g0 * p).sum(-1)
    assert res.ok.all() and (res.alpha > 0).all()
    # sufficient decrease holds at alpha ...
    assert (phi(ROSEN, theta, p, res.alpha) <= f0 + 1e-4 * res.alpha * slope).all()
    # ... alpha is a power of 1/2, and the next larger power (if <= 1) violates it
    j = -np.log2(res.alpha)
    assert_allclose(j, np.round(j), atol=1e-12)
    bigger = 2 * res.alpha
    tried = bigger <= 1.0
    assert tried.any()
    assert (phi(ROSEN, theta[tried], p[tried], bigger[tried])
            > f0[tried] + 1e-4 * bigger[tried] * slope[tried]).all()
    # returned value and gradient are those at the new point
    assert_allclose(res.f, phi(ROSEN, theta, p, res.alpha))
    assert_allclose(res.g, ROSEN.grad(theta + res.alpha[:, None] * p))


def test_backtracking_uphill_direction_fails_quietly():
    theta = np.array([[0.3, -0.2], [1.0, 2.0]])
    g = ROSEN.grad(theta)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        res = ls.backtracking(ROSEN, theta, g, ROSEN.f(theta), g)  # p = +g: uphill
    assert_allclose(res.alpha, 0.0)
    assert not res.ok.any()
    assert_allclose(res.f, ROSEN.f(theta))
    assert_allclose(res.g, g)


# ------------------------------------------------------------------ strong Wolfe

@pytest.mark.parametrize("c2", [0.9, 0.1])
def test_strong_wolfe_conditions_hold(c2):
    obj = objectives.rosenbrock(d=5)
    theta, f0, g0, p = starts_and_directions(obj, 200, 5, RNG)
    res = ls.strong_wolfe(obj, theta, p, f0, g0, alpha0=1.0, c1=1e-4, c2=c2)
    slope = (g0 * p).sum(-1)
    assert res.ok.mean() > 0.99  # a (rare) exhausted search still returns a decrease
    assert (res.alpha > 0).all()
    ok = res.ok
    assert (phi(obj, theta, p, res.alpha) <= f0 + 1e-4 * res.alpha * slope).all()
    assert (np.abs(dphi(obj, theta[ok], p[ok], res.alpha[ok]))
            <= c2 * np.abs(slope[ok]) * (1 + 1e-12)).all()
    assert_allclose(res.f, phi(obj, theta, p, res.alpha))
    assert_allclose(res.g, obj.grad(theta + res.alpha[:, None] * p))


def test_strong_wolfe_batched_equals_one_at_a_time():
    theta, f0, g0, p = starts_and_directions(ROSEN, 12, 2, RNG)
    batched = ls.strong_wolfe(ROSEN, theta.reshape(3, 4, 2), p.reshape(3, 4, 2),
                              f0.reshape(3, 4), g0.reshape(3, 4, 2))
    assert batched.alpha.shape == (3, 4) and batched.g.shape == (3, 4, 2)
    single = [ls.strong_wolfe(ROSEN, theta[i], p[i], f0[i], g0[i]) for i in range(12)]
    assert_allclose(batched.alpha.ravel(), [r.alpha for r in single], rtol=1e-14)
    assert len(np.unique(batched.alpha)) > 3  # each problem found its own step


def test_strong_wolfe_extrapolates_when_alpha0_is_too_short():
    # phi(alpha) = 1/2 (1 - alpha)^2 on J = 1/2 x^2 from x = 1, p = -1: minimum at alpha = 1.
    quad = objectives.quadratic([[1.0]])
    res = ls.strong_wolfe(quad, np.array([1.0]), np.array([-1.0]), 0.5, np.array([1.0]),
                          alpha0=1e-3, c2=0.1)
    assert res.ok
    assert abs(1 - res.alpha) <= 0.1  # |phi'(alpha)| = |alpha - 1| <= c2 |phi'(0)| = 0.1


def test_strong_wolfe_uphill_and_nan_regions():
    g = ROSEN.grad(np.array([0.5, 0.5]))
    res = ls.strong_wolfe(ROSEN, np.array([0.5, 0.5]), g, ROSEN.f(np.array([0.5, 0.5])), g)
    assert res.alpha == 0 and not res.ok
    # J = x^2 where x < 1 and nan beyond: the search must back off into the finite region
    nan_wall = Objective(f=lambda th: np.where(th[..., 0] < 1, th[..., 0] ** 2, np.nan),
                         grad=lambda th: np.where(th < 1, 2 * th, np.nan))
    x0 = np.array([0.5])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        res = ls.strong_wolfe(nan_wall, x0, np.array([-4.0]), 0.25, np.array([1.0]),
                              alpha0=1.0)
    assert np.isfinite(res.f) and res.f < 0.25 and res.alpha > 0


# ------------------------------------------------------------------ exact step on quadratics

def test_exact_step_is_the_line_minimizer():
    d = 6
    H = random_spd(d, RNG)
    b = RNG.standard_normal(d)
    q = objectives.quadratic(H, b)
    theta = RNG.standard_normal((5, d))
    p = RNG.standard_normal((5, d))
    g = q.grad(theta)
    p = np.where(((g * p).sum(-1) < 0)[:, None], p, -p)  # make each direction downhill
    res = ls.exact(q, theta, p, q.f(theta), g)
    for i in range(5):
        ref = minimize_scalar(lambda a, i=i: q.f(theta[i] + a * p[i]),
                              options={"xtol": 1e-12})
        assert_allclose(res.alpha[i], ref.x, rtol=1e-6)
    # the new gradient is orthogonal to the direction: the line minimum
    assert_allclose((res.g * p).sum(-1), 0.0, atol=1e-9)


def test_exact_falls_back_to_backtracking_and_needs_hess():
    # On Rosenbrock the model step may overshoot; the result must still decrease J.
    theta, f0, g0, p = starts_and_directions(ROSEN, 100, 2, RNG)
    res = ls.exact(ROSEN, theta, p, f0, g0)
    slope = (g0 * p).sum(-1)
    assert (res.f <= f0 + 1e-4 * res.alpha * slope).all() and (res.alpha > 0).all()
    no_hess = Objective(f=ROSEN.f, grad=ROSEN.grad)
    with pytest.raises(ValueError, match="hess"):
        ls.exact(no_hess, theta, p, f0, g0)


def test_search_dispatch_and_validation():
    theta, f0, g0, p = starts_and_directions(ROSEN, 4, 2, RNG)
    for kind in ls.KINDS:
        res = ls.search(kind, ROSEN, theta, p, f0, g0)
        assert (res.f < f0).all()
    with pytest.raises(ValueError, match="line_search"):
        ls.search("golden", ROSEN, theta, p, f0, g0)
    with pytest.raises(ValueError, match="c2"):
        ls.strong_wolfe(ROSEN, theta, p, f0, g0, c1=0.5, c2=0.4)
    with pytest.raises(ValueError, match="c1"):
        ls.backtracking(ROSEN, theta, p, f0, g0, c1=1.5)
    with pytest.raises(ValueError, match="shrink"):
        ls.backtracking(ROSEN, theta, p, f0, g0, shrink=1.0)


# ------------------------------------------------------------------ counting evaluations

def test_count_evaluations_counts_calls_and_points():
    counted, count = ls.count_evaluations(ROSEN)
    counted.f(np.zeros((3, 2)))
    counted.f(np.zeros(2))
    counted.grad(np.zeros((4, 5, 2)))
    counted.hess(np.zeros(2))
    assert (count.f_calls, count.f_points) == (2, 4)
    assert (count.grad_calls, count.grad_points) == (1, 20)
    assert (count.hess_calls, count.hess_points) == (1, 1)
    # the wrapped functions return the same numbers
    x = RNG.standard_normal((3, 2))
    assert_allclose(counted.f(x), ROSEN.f(x))
    assert_allclose(counted.grad(x), ROSEN.grad(x))


def test_backtracking_evaluates_only_searching_problems():
    # Problem 0 accepts alpha0 at once; problem 1 needs several halvings.
    quad = objectives.quadratic(np.eye(1))
    counted, count = ls.count_evaluations(quad)
    theta = np.array([[1.0], [1.0]])
    p = np.array([[-1.0], [-100.0]])
    res = ls.backtracking(counted, theta, p, quad.f(theta), quad.grad(theta))
    # problem 1: J(1 - 100 a) <= J(1) - 1e-4 * 100 a needs a <= ~0.02: 1/64 after 6 halvings
    assert_allclose(res.alpha, [1.0, 1 / 64])
    assert count.f_points == 1 + 7  # one trial for problem 0, seven for problem 1


def test_alpha0_must_be_positive():
    theta, f0, g0, p = starts_and_directions(ROSEN, 3, 2, RNG)
    for bad in (0.0, -1.0, np.nan, np.array([1.0, 0.0, 1.0])):
        with pytest.raises(ValueError, match="alpha0"):
            ls.strong_wolfe(ROSEN, theta, p, f0, g0, alpha0=bad)
        with pytest.raises(ValueError, match="alpha0"):
            ls.backtracking(ROSEN, theta, p, f0, g0, alpha0=bad)
