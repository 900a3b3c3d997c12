"""The test functions of optkit.objectives: values, gradients and Hessians against
hand-computed values, finite differences and SciPy; batching; minimizers; gradient noise."""

import numpy as np
import pytest
from numpy.testing import assert_allclose
from scipy.optimize import minimize, rosen, rosen_der, rosen_hess
from scipy.special import expit

from optkit import objectives as obj
from optkit.derivatives import numerical_gradient, numerical_hessian

_rng = np.random.default_rng(12345)
_M = _rng.normal(size=(3, 3))

# name -> (factory, d). Every objective the chapters use, at default and non-default settings.
OBJECTIVES = {
    "quadratic": (lambda: obj.quadratic(_M @ _M.T + np.eye(3), [1.0, -2.0, 0.5], 0.7), 3),
    "quadratic-indefinite": (lambda: obj.quadratic([[1.0, 2.0], [2.0, -3.0]], [1.0, 1.0]), 2),
    "ill_conditioned-d4": (lambda: obj.ill_conditioned_quadratic(50.0, d=4), 4),
    "ill_conditioned-rotated": (lambda: obj.ill_conditioned_quadratic(10.0, angle=0.4), 2),
    "parabola": (obj.parabola, 1),
    "bowl": (obj.bowl, 2),
    "valley": (obj.valley, 2),
    "two_gaussians": (obj.two_gaussians, 2),
    "two_gaussians-3d": (lambda: obj.two_gaussians(((0, 0, 1), (1, 0, 0), (0, 2, 0)),
                                                   (1.0, 2.0, 0.5)), 3),
    "rosenbrock": (obj.rosenbrock, 2),
    "rosenbrock-d5": (lambda: obj.rosenbrock(d=5), 5),
    "rosenbrock-a2-b50": (lambda: obj.rosenbrock(a=2.0, b=50.0), 2),
    "saddle": (obj.saddle, 2),
    "cliff": (obj.cliff, 2),
    "cliff-steep": (lambda: obj.cliff(height=5.0, steepness=50.0, wall=0.5, centre=1.5), 2),
    "plateau": (obj.plateau, 2),
    "plateau-a3-b0.5": (lambda: obj.plateau(a=3.0, b=0.5), 2),
}
NAMES = list(OBJECTIVES)


def make(name):
    factory, d = OBJECTIVES[name]
    return factory(), d


def points(d, shape=(4, 3), seed=0):
    """Random points in a window of moderate size around the interesting region."""
    return np.random.default_rng(seed).uniform(-2.0, 2.0, size=shape + (d,))


# ----------------------------------------------------------------------------- derivatives

@pytest.mark.parametrize("name", NAMES)
def test_gradient_matches_finite_differences(name):
    o, d = make(name)
    th = points(d)
    if name.startswith("cliff"):  # also sample the wall's face, where the gradient is large
        wall = 1.0 if name == "cliff" else 0.5
        th[0, :, 0] = wall + np.array([-0.05, 0.0, 0.05])
    g = o.grad(th)
    scale = max(1.0, np.abs(g).max())
    assert_allclose(numerical_gradient(o.f, th), g, rtol=1e-6, atol=1e-7 * scale)


@pytest.mark.parametrize("name", NAMES)
def test_hessian_matches_finite_differences(name):
    o, d = make(name)
    th = points(d, seed=1)
    H = o.hess(th)
    assert H.shape == th.shape + (d,)
    assert_allclose(H, np.swapaxes(H, -1, -2))  # symmetric
    scale = max(1.0, np.abs(H).max())
    assert_allclose(numerical_hessian(o.grad, th), H, rtol=1e-6, atol=1e-7 * scale)


@pytest.mark.parametrize("name", NAMES)
def test_batched_evaluation_equals_one_at_a_time(name):
    o, d = make(name)
    th = points(d, shape=(2, 3), seed=2)
    f, g, H = o.f(th), o.grad(th), o.hess(th)
    assert f.shape == (2, 3) and g.shape == (2, 3, d) and H.shape == (2, 3, d, d)
    for i in range(2):
        for j in range(3):
            one = th[i, j]
            assert np.shape(o.f(one)) == ()
            assert_allclose(o.f(one), f[i, j], rtol=1e-14, atol=1e-14)
            assert_allclose(o.grad(one), g[i, j], rtol=1e-14, atol=1e-14)
            assert_allclose(o.hess(one), H[i, j], rtol=1e-14, atol=1e-14)


@pytest.mark.parametrize("name", NAMES)
def test_evaluation_does_not_mutate_theta(name):
    o, d = make(name)
    th = points(d, seed=3)
    copy = th.copy()
    o.f(th), o.grad(th), o.hess(th), o(th)
    assert np.array_equal(th, copy)


@pytest.mark.parametrize("name", NAMES)
def test_integer_points_give_the_same_as_float_points(name):
    o, d = make(name)
    th = np.random.default_rng(4).integers(-2, 3, size=(5, d))
    assert th.dtype.kind == "i"
    thf = th.astype(float)
    assert_allclose(o.f(th), o.f(thf), rtol=1e-15)
    assert_allclose(o.grad(th), o.grad(thf), rtol=1e-15)
    assert_allclose(o.hess(th), o.hess(thf), rtol=1e-15)


@pytest.mark.parametrize("name", NAMES)
def test_dim_is_declared(name):
    o, d = make(name)
    assert o.dim == d


# ------------------------------------------------------------------- hand-computed values

def test_quadratic_by_hand():
    # H = [[2, 1], [1, 3]], b = (1, -1), c = 0.5 at theta = (1, 2):
    # 1/2 theta^T H theta = 1/2 (2*1 + 2*1*1*2 + 3*4) = 9;  -b.theta = -(1 - 2) = 1;  f = 10.5
    # grad = H theta - b = (2 + 2, 1 + 6) - (1, -1) = (3, 8)
    q = obj.quadratic([[2.0, 1.0], [1.0, 3.0]], [1.0, -1.0], 0.5)
    th = np.array([1.0, 2.0])
    assert_allclose(q.f(th), 10.5)
    assert_allclose(q.grad(th), [3.0, 8.0])
    assert_allclose(q.hess(th), [[2.0, 1.0], [1.0, 3.0]])
    # minimizer H^{-1} b = 1/5 [[3, -1], [-1, 2]] (1, -1) = (4/5, -3/5)
    assert_allclose(q.minimizer, [0.8, -0.6])
    assert_allclose(q([1, 2]), 10.5)  # __call__ accepts lists


def test_quadratic_without_minimizer_and_bad_H():
    assert obj.quadratic([[1.0, 0.0], [0.0, -1.0]]).minimizer is None
    with pytest.raises(ValueError, match="H"):
        obj.quadratic([[1.0, 2.0], [0.0, 1.0]])  # not symmetric
    with pytest.raises(ValueError, match="H"):
        obj.quadratic(np.ones((2, 3)))


def test_parabola_by_hand():
    p = obj.parabola()  # 6x^2 - 12x + 3
    x = np.array([[0.0], [1.0], [2.0], [-1.0]])
    assert_allclose(p.f(x), [3.0, -3.0, 3.0, 21.0])
    assert_allclose(p.grad(x), [[-12.0], [0.0], [12.0], [-24.0]])
    assert_allclose(p.hess(x), np.full((4, 1, 1), 12.0))
    assert_allclose(p.minimizer, [1.0])


def test_bowl_and_valley_by_hand():
    b = obj.bowl()  # 6x^2 + 9y^2 - 12x - 14y + 3
    # at (1, 7/9): 6 + 9*49/81 - 12 - 98/9 + 3 = -3 - 49/9 = -76/9
    assert_allclose(b.minimizer, [1.0, 7 / 9])
    assert_allclose(b.f(np.array([1.0, 7 / 9])), -76 / 9)
    assert_allclose(b.f(np.array([0.0, 1.0])), 9 - 14 + 3)
    assert_allclose(b.grad(np.array([0.0, 1.0])), [-12.0, 18 - 14])
    v = obj.valley()  # 6x^2 + 40y^2 - 12x - 30y + 3, minimum at (1, 30/80)
    assert_allclose(v.minimizer, [1.0, 0.375])
    assert_allclose(v.f(np.array([1.0, 0.375])), 6 + 40 * 0.140625 - 12 - 11.25 + 3)
    assert_allclose(np.linalg.eigvalsh(v.hess(np.zeros(2))), [12.0, 80.0])


def test_two_gaussians_by_hand():
    g = obj.two_gaussians()
    # f(-1, 1) = -2 exp(0) - exp(-(4 + 4)/2) = -2 - e^-4
    assert_allclose(g.f(np.array([-1.0, 1.0])), -2 - np.exp(-4.0))
    # f(0, 0) = -2 e^-1 - e^-1
    assert_allclose(g.f(np.array([0.0, 0.0])), -3 * np.exp(-1.0))


def test_saddle_by_hand():
    s = obj.saddle()
    assert_allclose(s.f(np.array([3.0, 2.0])), 9 - 4)
    assert_allclose(s.grad(np.zeros(2)), [0.0, 0.0])
    assert_allclose(np.linalg.eigvalsh(s.hess(np.zeros(2))), [-2.0, 2.0])


def test_cliff_by_hand():
    c = obj.cliff()  # height 20, steepness 20, wall 1, centre 2
    x = np.array([-1.0, 0.5, 1.0, 1.2, 3.0])
    y = np.array([0.3, -1.0, 0.0, 2.0, 0.0])
    th = np.stack([x, y], -1)
    s = expit(20 * (x - 1))
    assert_allclose(c.f(th), 0.5 * ((x - 2) ** 2 + y**2) + 20 * s)
    # on the face of the wall (x = 1, sigmoid = 1/2) the slope is (1 - 2) + 20*20/4 = 99
    assert_allclose(c.grad(np.array([1.0, 0.0])), [99.0, 0.0])
    assert_allclose(c.f(np.array([1.0, 0.0])), 0.5 + 10.0)


def test_cliff_rejects_bad_parameters():
    with pytest.raises(ValueError, match="height"):
        obj.cliff(height=0.0)
    with pytest.raises(ValueError, match="steepness"):
        obj.cliff(steepness=-1.0)


# ------------------------------------------------------------------------------ Rosenbrock

@pytest.mark.parametrize("d", [2, 5])
def test_rosenbrock_matches_scipy(d):
    r = obj.rosenbrock(d=d)
    th = np.random.default_rng(4).uniform(-2, 2, size=(6, d))
    assert_allclose(r.f(th), rosen(th.T), rtol=1e-13)
    for x in th:
        assert_allclose(r.grad(x), rosen_der(x), rtol=1e-13, atol=1e-12)
        assert_allclose(r.hess(x), rosen_hess(x), rtol=1e-13, atol=1e-12)


def test_rosenbrock_by_hand_with_a_and_b():
    r = obj.rosenbrock(a=2.0, b=50.0)
    # f(0, 1) = 50 (1 - 0)^2 + (2 - 0)^2 = 54;  grad = (-4 b x r - 2(a - x), 2 b r) = (-4, 100)
    assert_allclose(r.f(np.array([0.0, 1.0])), 54.0)
    assert_allclose(r.grad(np.array([0.0, 1.0])), [-4.0, 100.0])
    assert_allclose(r.minimizer, [2.0, 4.0])


def test_rosenbrock_rejects_d1():
    with pytest.raises(ValueError, match="d"):
        obj.rosenbrock(d=1)


# ------------------------------------------------------------------ ill-conditioned quadratic

@pytest.mark.parametrize("kappa", [1.0, 4.0, 100.0, 1e4])
@pytest.mark.parametrize("d", [2, 3, 6])
def test_ill_conditioned_quadratic_has_condition_number_kappa(kappa, d):
    q = obj.ill_conditioned_quadratic(kappa, d=d, smallest=0.5)
    H = q.hess(np.zeros(d))
    eig = np.linalg.eigvalsh(H)
    assert_allclose(eig.max() / eig.min(), kappa, rtol=1e-10)
    assert_allclose(np.linalg.cond(H), kappa, rtol=1e-10)
    assert_allclose(eig.min(), 0.5)
    # eigenvalues geometrically spaced: constant ratio between neighbours
    assert_allclose(eig[1:] / eig[:-1], kappa ** (1 / (d - 1)), rtol=1e-10)
    assert_allclose(q.minimizer, np.zeros(d), atol=1e-12)


def test_ill_conditioned_quadratic_angle_rotates_the_axes():
    a = 0.4
    q = obj.ill_conditioned_quadratic(10.0, angle=a)
    H = q.hess(np.zeros(2))
    u = np.array([np.cos(a), np.sin(a)])  # the rotated first axis: curvature 1
    w = np.array([-np.sin(a), np.cos(a)])  # the rotated second axis: curvature 10
    assert_allclose(H @ u, u, atol=1e-12)
    assert_allclose(H @ w, 10 * w, atol=1e-12)


def test_ill_conditioned_quadratic_in_one_dimension():
    # one eigenvalue: the condition number is 1, so only kappa = 1 can be honoured
    assert_allclose(obj.ill_conditioned_quadratic(1.0, d=1, smallest=3.0).hess(np.zeros(1)),
                    [[3.0]])
    with pytest.raises(ValueError, match="kappa"):
        obj.ill_conditioned_quadratic(10.0, d=1)


@pytest.mark.parametrize("kwargs, param", [
    ({"kappa": 0.5}, "kappa"), ({"kappa": 0.0}, "kappa"), ({"kappa": np.nan}, "kappa"),
    ({"kappa": 10.0, "d": 0}, "d"), ({"kappa": 10.0, "smallest": -1.0}, "smallest"),
])
def test_ill_conditioned_quadratic_rejects_bad_parameters(kwargs, param):
    with pytest.raises(ValueError, match=param):
        obj.ill_conditioned_quadratic(**kwargs)


# ------------------------------------------------------------------------- known minimizers

EXPECTED_MINIMIZERS = {  # computed by hand, not read from the objects
    "parabola": [1.0], "bowl": [1.0, 7 / 9], "valley": [1.0, 0.375],
    "rosenbrock": [1.0, 1.0], "rosenbrock-d5": [1.0] * 5, "rosenbrock-a2-b50": [2.0, 4.0],
    "ill_conditioned-d4": [0.0] * 4, "ill_conditioned-rotated": [0.0, 0.0],
    "plateau": [0.0, 0.0], "plateau-a3-b0.5": [0.0, 0.0],
}


@pytest.mark.parametrize("name", list(EXPECTED_MINIMIZERS))
def test_known_minimizer(name):
    o, d = make(name)
    x = np.asarray(EXPECTED_MINIMIZERS[name])
    assert_allclose(o.minimizer, x, atol=1e-12)
    assert_allclose(o.grad(x), np.zeros(d), atol=1e-10)
    assert np.linalg.eigvalsh(o.hess(x)).min() > 0
    nearby = x + np.random.default_rng(5).normal(scale=0.1, size=(50, d))
    assert np.all(o.f(nearby) > o.f(x))


def test_generic_quadratic_minimizer_is_stationary():
    o, d = make("quadratic")
    assert_allclose(o.grad(o.minimizer), np.zeros(d), atol=1e-12)


@pytest.mark.parametrize("name", ["two_gaussians", "two_gaussians-3d"])
def test_two_gaussians_minimizer(name):
    o, d = make(name)
    x = o.minimizer
    assert_allclose(o.grad(x), np.zeros(d), atol=1e-12)
    assert np.linalg.eigvalsh(o.hess(x)).min() > 0
    # SciPy, started at the deepest centre, finds the same point
    centres = {"two_gaussians": [-1.0, 1.0], "two_gaussians-3d": [1.0, 0.0, 0.0]}
    res = minimize(o.f, centres[name], jac=o.grad, method="BFGS", options={"gtol": 1e-12})
    assert_allclose(x, res.x, atol=1e-6)
    # and it is the global minimum: lower than on a grid covering the bumps
    grid = np.random.default_rng(6).uniform(-3, 3, size=(20000, d))
    assert o.f(x) <= o.f(grid).min()


# -------------------------------------------------------------------------- gradient noise

def test_gradient_noise_mean_and_variance():
    base = obj.bowl()
    scale, n = 0.7, 40_000
    noisy = obj.with_gradient_noise(base, scale, np.random.default_rng(7))
    th = np.tile([0.3, -0.5], (n, 1))  # n independent draws in one batched call
    noise = noisy.grad(th) - base.grad(th)
    # mean 0: standard error of a mean of n draws is scale / sqrt(n); allow 5 of them
    se_mean = scale / np.sqrt(n)
    assert np.all(np.abs(noise.mean(0)) < 5 * se_mean)
    # variance scale^2: the sample variance of n normal draws has standard error
    # scale^2 sqrt(2 / (n - 1)); allow 5 of them
    se_var = scale**2 * np.sqrt(2 / (n - 1))
    assert np.all(np.abs(noise.var(0, ddof=1) - scale**2) < 5 * se_var)
    # independent components: sample correlation has standard error about 1/sqrt(n)
    assert abs(np.corrcoef(noise.T)[0, 1]) < 5 / np.sqrt(n)


def test_gradient_noise_is_fresh_per_call_and_leaves_f_exact():
    base = obj.rosenbrock()
    noisy = obj.with_gradient_noise(base, 0.1, np.random.default_rng(8))
    th = np.array([0.5, 0.5])
    assert not np.array_equal(noisy.grad(th), noisy.grad(th))
    assert noisy.f(th) == base.f(th)
    assert noisy.hess is base.hess
    # seeded: the same seed gives the same draws
    a = obj.with_gradient_noise(base, 0.1, np.random.default_rng(9)).grad(th)
    b = obj.with_gradient_noise(base, 0.1, np.random.default_rng(9)).grad(th)
    assert np.array_equal(a, b)


def test_zero_gradient_noise_is_exact():
    base = obj.valley()
    th = points(2, seed=9)
    assert np.array_equal(obj.with_gradient_noise(base, 0.0, np.random.default_rng(0)).grad(th),
                          base.grad(th))


def test_gradient_noise_rejects_bad_arguments():
    with pytest.raises(ValueError, match="scale"):
        obj.with_gradient_noise(obj.bowl(), -0.1, np.random.default_rng(0))
    with pytest.raises(ValueError, match="rng"):
        obj.with_gradient_noise(obj.bowl(), 0.1, 0)


def test_objective_is_frozen():
    o = obj.bowl()
    with pytest.raises(AttributeError):
        o.f = None
