"""optkit.optimize and Trace: shapes, consistency with the objective, divergence handling,
input validation and recorded extras."""

import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose

from optkit import SGD, Momentum, Nesterov, Objective, Trace, objectives, optimize

BOWL = Objective(f=lambda th: (th**2).sum(-1), grad=lambda th: 2 * th)  # any d


# ------------------------------------------------------------------------------------ shapes

@pytest.mark.parametrize("shape", [(3,), (5, 3), (2, 4, 3)])
@pytest.mark.parametrize("opt", [SGD(0.1), Momentum(0.05, 0.8), Nesterov(0.05, 0.8)])
def test_shapes(shape, opt):
    theta0 = np.random.default_rng(0).normal(size=shape)
    tr = optimize(opt, BOWL, theta0, steps=7)
    assert isinstance(tr, Trace)
    assert tr.thetas.shape == (8,) + shape
    assert tr.values.shape == (8,) + shape[:-1]
    assert tr.grad_norms.shape == (8,) + shape[:-1]
    assert tr.diverged.shape == shape[:-1] and tr.diverged.dtype == bool
    assert not tr.diverged.any()
    assert tr.steps == 7
    assert np.array_equal(tr.final, tr.thetas[-1])
    assert tr.extras == {}


def test_zero_steps_records_only_the_start():
    tr = optimize(SGD(0.1), objectives.bowl(), np.array([[0.0, 0.0], [1.0, 1.0]]), steps=0)
    assert tr.thetas.shape == (1, 2, 2)
    # bowl: f(0, 0) = 3, f(1, 1) = 6 + 9 - 12 - 14 + 3 = -8
    assert_allclose(tr.values[0], [3.0, -8.0])


def test_first_iterate_is_theta0_and_theta0_is_not_mutated():
    theta0 = np.array([[1.0, -2.0], [0.5, 0.25]])
    copy = theta0.copy()
    tr = optimize(Momentum(0.1, 0.9), objectives.rosenbrock(), theta0, steps=20)
    assert np.array_equal(tr.thetas[0], copy)
    assert np.array_equal(theta0, copy)
    assert not np.shares_memory(tr.thetas, theta0)


def test_theta0_may_be_a_list_of_ints():
    tr = optimize(SGD(0.1), BOWL, [1, 2], steps=3)
    # GD on |theta|^2 with lr 0.1: theta_k = (1 - 0.2)^k theta_0
    assert_allclose(tr.thetas[:, 1], 2 * 0.8 ** np.arange(4))


@pytest.mark.parametrize("opt", [SGD(1e-3), Momentum(1e-3, 0.9), Nesterov(1e-3, 0.5)])
def test_values_and_grad_norms_agree_with_the_objective(opt):
    ros = objectives.rosenbrock(d=3)
    theta0 = np.random.default_rng(1).uniform(-1.5, 1.5, size=(4, 3))
    tr = optimize(opt, ros, theta0, steps=25)
    assert_allclose(tr.values, ros.f(tr.thetas), rtol=1e-14)
    assert_allclose(tr.grad_norms, np.linalg.norm(ros.grad(tr.thetas), axis=-1), rtol=1e-14)


def test_iterates_are_the_optimizers_steps():
    opt, ros = Nesterov(1e-3, 0.9), objectives.rosenbrock()
    theta0 = np.array([[-1.0, 2.0], [0.0, 0.0]])
    tr = optimize(opt, ros, theta0, steps=15)
    theta, state = theta0, opt.init(theta0)
    for k in range(15):
        theta, state = opt.step(theta, state, ros)
        assert_allclose(tr.thetas[k + 1], theta, rtol=1e-15)


def test_grad_norms_are_of_the_gradient_the_step_used():
    # With a noisy gradient, the driver must record the norm of the same draw the optimizer
    # then steps with: for SGD, ||theta_{k+1} - theta_k|| / lr.
    rng = np.random.default_rng(2)
    noisy = objectives.with_gradient_noise(objectives.bowl(), 1.0, rng)
    tr = optimize(SGD(0.01), noisy, np.zeros((3, 2)), steps=10)
    step_norms = np.linalg.norm(np.diff(tr.thetas, axis=0), axis=-1) / 0.01
    assert_allclose(tr.grad_norms[:-1], step_norms, rtol=1e-10)


@pytest.mark.parametrize("batch", [(), (3,), (2, 2)])
def test_gradient_is_evaluated_once_per_iterate_for_sgd(batch):
    # SGD needs grad(theta_k) for its step and the trace needs its norm: one evaluation
    # per problem and iterate serves both (counted in points, whatever the chunking).
    points = []

    def grad(th):
        points.append(int(np.prod(th.shape[:-1])))
        return 2 * th

    bowl = Objective(f=lambda th: (th**2).sum(-1), grad=grad)
    optimize(SGD(0.1), bowl, np.ones(batch + (2,)), steps=9)
    assert sum(points) == 10 * int(np.prod(batch))


# -------------------------------------------------------------------------------- divergence

def test_divergence_flags_and_freezes_only_the_unstable_problems():
    # J = 1/2 (x^2 + 10 y^2), L = 10; GD with lr = 1 > 2/L multiplies x by (1 - 1) = 0 and
    # y by (1 - 10) = -9 each step. Starts with y = 0 converge, the others blow up.
    quad = objectives.quadratic(np.diag([1.0, 10.0]))
    theta0 = np.array([[1.0, 0.0], [0.0, 1.0], [2.0, 3.0], [-0.5, 0.0]])
    steps = 300
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # any warning fails the test
        tr = optimize(SGD(1.0), quad, theta0, steps=steps)
    assert tr.diverged.tolist() == [False, True, True, False]
    assert np.all(np.isfinite(tr.thetas)) and np.all(np.isfinite(tr.values))
    assert np.all(np.isfinite(tr.grad_norms))
    # the converging problems reach the minimum after one step and stay there
    assert np.all(tr.thetas[1:, [0, 3]] == 0.0)
    # closed form of the diverging ones: theta_k = (0^k x0, (-9)^k y0)
    k = np.arange(steps + 1)
    with np.errstate(all="ignore"):
        closed = np.stack([0.0**k[:, None] * theta0[None, [1, 2], 0],
                           (-9.0) ** k[:, None] * theta0[None, [1, 2], 1]], -1)
        f_closed = quad.f(closed)
        g_closed = quad.grad(closed)
    ok = np.isfinite(f_closed) & np.isfinite(g_closed).all(-1) & np.isfinite(closed).all(-1)
    for j, p in enumerate([1, 2]):
        K = np.argmin(ok[:, j]) - 1  # last finite closed-form iterate
        assert 100 < K < steps  # 9^K overflows f near K = 161
        assert_allclose(tr.thetas[: K + 1, p], closed[: K + 1, j], rtol=1e-12)
        assert np.all(tr.thetas[K:, p] == tr.thetas[K, p])  # frozen there
        assert np.all(tr.values[K:, p] == tr.values[K, p])
    # values and gradient norms stay those of the (frozen) iterates, for every problem;
    # the norm is computed as max|g_i| * ||g / max|g_i|||, which cannot overflow
    assert_allclose(tr.values, quad.f(tr.thetas), rtol=1e-14)
    g = quad.grad(tr.thetas)
    gmax = np.abs(g).max(-1)
    safe = np.where(gmax > 0, gmax, 1.0)
    norms = gmax * np.sqrt(((g / safe[..., None]) ** 2).sum(-1))
    assert_allclose(tr.grad_norms, norms, rtol=1e-14)


def test_a_nan_gradient_counts_as_divergence():
    # A gradient that is NaN beyond theta = 3. SGD with lr 0.5 on grad = -theta multiplies
    # theta by 1.5: 1, 1.5, 2.25, 3.375 -> NaN gradient at step 3, frozen at 2.25.
    # From -1 the iterates grow to -1.5^10 = -57.7 but stay finite.
    odd = Objective(f=lambda th: (th**2).sum(-1), grad=lambda th: np.where(th > 3, np.nan, -th))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        tr = optimize(SGD(0.5), odd, np.array([[1.0], [-1.0]]), steps=10)
    assert tr.diverged.tolist() == [True, False]
    assert_allclose(tr.thetas[:, 0, 0], [1.0, 1.5, 2.25] + [2.25] * 8)
    assert_allclose(tr.thetas[:, 1, 0], -(1.5 ** np.arange(11)))


def test_no_warning_when_everything_diverges():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        tr = optimize(Momentum(0.5, 0.9), objectives.rosenbrock(), np.ones((2, 3, 2)) * 3,
                      steps=200)
    assert tr.diverged.all()
    assert np.all(np.isfinite(tr.thetas))


# ---------------------------------------------------------------------------- bad arguments

@pytest.mark.parametrize("theta0", [np.array([1.0, np.nan]), np.array([[1.0, 2.0], [np.inf, 0]]),
                                    [-np.inf, 0.0]])
def test_non_finite_theta0_raises(theta0):
    with pytest.raises(ValueError, match="theta0"):
        optimize(SGD(0.1), objectives.bowl(), theta0, steps=3)


def test_scalar_theta0_raises():
    with pytest.raises(ValueError, match="theta0"):
        optimize(SGD(0.1), BOWL, 1.0, steps=3)


@pytest.mark.parametrize("shape", [(3,), (4, 1), (2, 2, 5)])
def test_wrong_last_axis_raises(shape):
    with pytest.raises(ValueError, match="theta0"):
        optimize(SGD(0.1), objectives.bowl(), np.zeros(shape), steps=3)


@pytest.mark.parametrize("steps", [-1, 2.5, True, "10", None])
def test_bad_steps_raise(steps):
    with pytest.raises(ValueError, match="steps"):
        optimize(SGD(0.1), BOWL, np.ones(2), steps=steps)


def test_numpy_integer_steps_are_accepted():
    assert optimize(SGD(0.1), BOWL, np.ones(2), steps=np.int64(4)).thetas.shape == (5, 2)


@pytest.mark.parametrize("chunk", [0, -2, 1.5, True])
def test_bad_chunk_raises(chunk):
    with pytest.raises(ValueError, match="chunk"):
        optimize(SGD(0.1), BOWL, np.ones(2), steps=3, chunk=chunk)


@pytest.mark.parametrize("opt", [SGD(0.0015), Nesterov(0.0008, 0.9)])
def test_chunk_size_does_not_change_the_trace(opt):
    theta0 = np.array([[1.0, 1.0], [0.9, 0.8], [-2.0, 2.0], [2.5, -1.0]])
    ros = objectives.rosenbrock()
    ref = optimize(opt, ros, theta0, steps=30)
    assert ref.diverged.tolist() == [False, False, False, True]  # the steep start blows up
    for chunk in (1, 4, 31, 1000):
        tr = optimize(opt, ros, theta0, steps=30, chunk=chunk)
        for name in ("thetas", "values", "grad_norms", "diverged"):
            assert np.array_equal(getattr(tr, name), getattr(ref, name)), (chunk, name)


def test_objective_returning_wrong_shape_raises():
    bad = Objective(f=lambda th: th.sum(), grad=lambda th: np.ones_like(th))
    with pytest.raises(ValueError, match="shape"):
        optimize(SGD(0.1), bad, np.ones((3, 2)), steps=2)


# ---------------------------------------------------------------------------------- record=

def test_record_stores_extras_per_iteration():
    opt = Momentum(0.05, 0.9)
    theta0 = np.random.default_rng(3).normal(size=(4, 2))
    tr = optimize(opt, objectives.bowl(), theta0, steps=12,
                  record=lambda th, st: {"v": st.v, "k": st.k, "x_sq": th[..., 0] ** 2})
    assert tr.extras["v"].shape == (13, 4, 2)
    assert tr.extras["k"].shape == (13,)
    assert_allclose(tr.extras["k"], np.arange(13))
    # Momentum: theta_k = theta_{k-1} + v_k, and v_0 = 0
    assert np.all(tr.extras["v"][0] == 0)
    assert_allclose(tr.extras["v"][1:], np.diff(tr.thetas, axis=0), rtol=1e-12, atol=1e-15)
    assert_allclose(tr.extras["x_sq"], tr.thetas[..., 0] ** 2)


def test_trace_is_frozen():
    tr = optimize(SGD(0.1), BOWL, np.ones(2), steps=1)
    with pytest.raises(AttributeError):
        tr.thetas = None


def test_huge_but_finite_gradient_has_a_finite_norm():
    # ||g||^2 = 2e400 overflows float64, ||g|| = sqrt(2) 1e200 does not: no divergence.
    steep = Objective(f=lambda th: th.sum(-1), grad=lambda th: np.full_like(th, 1e200))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        tr = optimize(SGD(1e-300), steep, np.zeros((2, 2)), steps=3)
    assert not tr.diverged.any()
    assert_allclose(tr.grad_norms, np.sqrt(2) * 1e200, rtol=1e-15)
    assert_allclose(tr.thetas[:, 0, 0], -1e-100 * np.arange(4))


@pytest.mark.parametrize("batch", [(), (1,), (2, 3)])
def test_divergence_for_any_batch_shape(batch):
    # GD with lr = 1 on 1/2 (x^2 + 10 y^2) multiplies y by -9: every start with y != 0 blows
    # up; in the (2, 3) batch the starts with y = 0 converge.
    quad = objectives.quadratic(np.diag([1.0, 10.0]))
    theta0 = np.ones(batch + (2,))
    if batch == (2, 3):
        theta0[0, 1, 1] = theta0[1, 2, 1] = 0.0
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        tr = optimize(SGD(1.0), quad, theta0, steps=250)
    expected = theta0[..., 1] != 0
    assert tr.diverged.shape == batch
    assert np.array_equal(tr.diverged, expected)
    assert np.all(np.isfinite(tr.thetas)) and np.all(np.isfinite(tr.values))
    # frozen: the last 50 iterates of the diverged problems do not move
    assert np.all(tr.thetas[-50:][:, expected] == tr.thetas[-1][expected])
    assert np.all(tr.thetas[1:][:, ~expected] == 0.0)


@pytest.mark.parametrize("d", [3, 17, 40])  # short rows are checked one component at a time
def test_divergence_with_few_or_many_parameters(d):
    # GD with lr = 1 on 1/2 sum_i c_i x_i^2 with c = (10, 1, ..., 1): x_0 is multiplied by -9
    # per step and blows up; problems that start with x_0 = 0 reach 0 in one step.
    quad = objectives.quadratic(np.diag([10.0] + [1.0] * (d - 1)))
    theta0 = np.ones((4, d))
    theta0[[1, 3], 0] = 0.0
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        tr = optimize(SGD(1.0), quad, theta0, steps=250)
    assert tr.diverged.tolist() == [True, False, True, False]
    k = np.arange(251)
    with np.errstate(all="ignore"):
        x0 = (-9.0) ** k  # the closed form of the first coordinate
        closed = np.zeros((251, d))
        closed[:, 0] = x0
        finite = np.isfinite(quad.f(closed)) & np.isfinite(quad.grad(closed)).all(-1)
    last = np.flatnonzero(finite)[-1]  # f overflows long before x0 does
    assert 100 < last < 250
    for p in (0, 2):
        assert_allclose(tr.thetas[: last + 1, p, 0], x0[: last + 1], rtol=1e-12)
        assert np.all(tr.thetas[last:, p] == tr.thetas[last, p])  # frozen, every component
        assert np.all(tr.thetas[1:, p, 1:] == 0.0)
    assert np.all(tr.thetas[1:, [1, 3]] == 0.0)
