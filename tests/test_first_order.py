"""SGD, Momentum, Nesterov (Algorithms 8.1-8.3) and gradient clipping (8.2.4): closed-form
iterates on quadratics, hand-worked steps, batching, schedules, purity and validation."""

import numpy as np
import pytest
from numpy.testing import assert_allclose

from optkit import (
    SGD,
    Momentum,
    Nesterov,
    Objective,
    clip_by_norm,
    clip_by_value,
    clip_gradients,
    objectives,
    optimize,
    schedules,
)

H_DIAG = np.array([0.5, 2.0, 7.0])  # curvatures h_i of 1/2 sum h_i x_i^2, L = 7
QUAD = objectives.quadratic(np.diag(H_DIAG))
X0 = np.array([1.0, -2.0, 0.5])


def linear(slope):
    """J(theta) = slope . theta: the same gradient everywhere."""
    slope = np.asarray(slope, dtype=float)
    return Objective(f=lambda th: th @ slope, grad=lambda th: np.broadcast_to(slope, th.shape))


# ------------------------------------------------------------------ closed forms on quadratics

def test_gd_iterates_closed_form():
    # On 1/2 h x^2 gradient descent multiplies x by (1 - lr h) per step: x_k = (1 - lr h)^k x_0.
    lr, steps = 0.1, 40
    tr = optimize(SGD(lr), QUAD, X0, steps)
    k = np.arange(steps + 1)[:, None]
    assert_allclose(tr.thetas, (1 - lr * H_DIAG) ** k * X0, rtol=1e-12)


def _recurrence(M, x0, steps):
    """Iterate (x, v) -> M (x, v) from (x0, 0) by matrix powers, one coordinate at a time."""
    out = np.empty((steps + 1, len(x0)))
    for i in range(len(x0)):
        for k in range(steps + 1):
            out[k, i] = (np.linalg.matrix_power(M[i], k) @ [x0[i], 0.0])[0]
    return out


def test_momentum_iterates_closed_form():
    # v' = alpha v - lr h x;  x' = x + v' = (1 - lr h) x + alpha v, so
    # (x', v') = M (x, v) with M = [[1 - lr h, alpha], [-lr h, alpha]].
    lr, alpha, steps = 0.1, 0.8, 60
    M = np.array([[[1 - lr * h, alpha], [-lr * h, alpha]] for h in H_DIAG])
    tr = optimize(Momentum(lr, alpha), QUAD, X0, steps)
    assert_allclose(tr.thetas, _recurrence(M, X0, steps), rtol=1e-10, atol=1e-14)


def test_nesterov_iterates_closed_form():
    # g = h (x + alpha v);  v' = alpha v - lr h (x + alpha v) = -lr h x + alpha (1 - lr h) v;
    # x' = x + v' = (1 - lr h) x + alpha (1 - lr h) v.
    lr, alpha, steps = 0.1, 0.8, 60
    M = np.array([[[1 - lr * h, alpha * (1 - lr * h)], [-lr * h, alpha * (1 - lr * h)]]
                  for h in H_DIAG])
    tr = optimize(Nesterov(lr, alpha), QUAD, X0, steps)
    assert_allclose(tr.thetas, _recurrence(M, X0, steps), rtol=1e-10, atol=1e-14)


def test_nesterov_differs_from_momentum():
    # The two recurrences above differ whenever alpha > 0 and lr h != 0.
    a = optimize(Momentum(0.1, 0.8), QUAD, X0, 5).thetas
    b = optimize(Nesterov(0.1, 0.8), QUAD, X0, 5).thetas
    assert np.all(a[:2] == b[:2])  # the first step is the same (v = 0)
    assert not np.allclose(a[2:], b[2:])


def test_alpha_zero_is_gradient_descent():
    ref = optimize(SGD(0.05), objectives.rosenbrock(), [-1.0, 1.5], 30).thetas
    for opt in (Momentum(0.05, 0.0), Nesterov(0.05, 0.0)):
        assert_allclose(optimize(opt, objectives.rosenbrock(), [-1.0, 1.5], 30).thetas, ref,
                        rtol=1e-14)


# ------------------------------------------------------------------------ hand-worked steps

def test_hand_worked_first_steps_on_the_parabola():
    # f = 6x^2 - 12x + 3, f' = 12x - 12, from x0 = 3, lr = 0.05, alpha = 0.5.
    p = objectives.parabola()
    # SGD: g = 24, x1 = 3 - 1.2 = 1.8;  g = 9.6, x2 = 1.8 - 0.48 = 1.32
    assert_allclose(optimize(SGD(0.05), p, [3.0], 2).thetas[:, 0], [3.0, 1.8, 1.32])
    # Momentum: v1 = -1.2, x1 = 1.8;  g = 9.6, v2 = -0.6 - 0.48 = -1.08, x2 = 0.72
    assert_allclose(optimize(Momentum(0.05, 0.5), p, [3.0], 2).thetas[:, 0], [3.0, 1.8, 0.72])
    # Nesterov: v1 = -1.2, x1 = 1.8;  interim 1.8 - 0.6 = 1.2, g = 2.4,
    #           v2 = -0.6 - 0.12 = -0.72, x2 = 1.08
    assert_allclose(optimize(Nesterov(0.05, 0.5), p, [3.0], 2).thetas[:, 0], [3.0, 1.8, 1.08])


def test_hand_worked_step_on_the_bowl():
    # bowl: grad = (12x - 12, 18y - 14). From (0, 0) with lr 0.1: g = (-12, -14),
    # theta1 = (1.2, 1.4); then g = (2.4, 11.2), theta2 = (0.96, 0.28)
    tr = optimize(SGD(0.1), objectives.bowl(), [0.0, 0.0], 2)
    assert_allclose(tr.thetas, [[0.0, 0.0], [1.2, 1.4], [0.96, 0.28]])


def test_sgd_with_gradient_noise_mean_and_variance_of_the_iterates():
    # SGD on 1/2 h x^2 with gradient h x + xi, xi ~ N(0, s^2), r = 1 - lr h:
    #   x_k = r^k x_0 - lr sum_{j<k} r^(k-1-j) xi_j,
    # so E x_k = r^k x_0 and Var x_k = lr^2 s^2 (1 - r^(2k)) / (1 - r^2).
    # n independent runs in one batch; tolerances are 5 standard errors.
    h, lr, s, x0, k, n = np.array([1.0, 4.0]), 0.1, 0.5, np.array([2.0, -1.0]), 30, 20_000
    noisy = objectives.with_gradient_noise(objectives.quadratic(np.diag(h)), s,
                                           np.random.default_rng(11))
    final = optimize(SGD(lr), noisy, np.tile(x0, (n, 1)), k).final
    r = 1 - lr * h
    var = lr**2 * s**2 * (1 - r ** (2 * k)) / (1 - r**2)
    assert np.all(np.abs(final.mean(0) - r**k * x0) < 5 * np.sqrt(var / n))
    assert np.all(np.abs(final.var(0, ddof=1) - var) < 5 * var * np.sqrt(2 / (n - 1)))


# --------------------------------------------------------------------------------- batching

@pytest.mark.parametrize("opt", [SGD(1e-3), Momentum(1e-3, 0.9), Nesterov(1e-3, 0.9),
                                 SGD(schedules.inverse_time(2e-3, 0.1))])
def test_batched_equals_one_at_a_time(opt):
    ros = objectives.rosenbrock()
    theta0 = np.random.default_rng(0).uniform(-1.5, 1.5, size=(3, 2, 2))
    batched = optimize(opt, ros, theta0, 25)
    for idx in np.ndindex(3, 2):
        single = optimize(opt, ros, theta0[idx], 25)
        assert_allclose(batched.thetas[(slice(None),) + idx], single.thetas, rtol=1e-14)
        assert_allclose(batched.values[(slice(None),) + idx], single.values, rtol=1e-14)


# ------------------------------------------------------------------------- schedules as lr

def test_schedule_as_learning_rate():
    # GD with eps_k on 1/2 h x^2: x_k = prod_{j<k} (1 - eps_j h) x_0.
    sched = schedules.step_decay(0.2, every=3, factor=0.5)
    steps = 10
    eps = np.array([0.2] * 3 + [0.1] * 3 + [0.05] * 3 + [0.025])
    closed = np.vstack([X0, np.cumprod(1 - eps[:, None] * H_DIAG, axis=0) * X0])
    assert_allclose(optimize(SGD(sched), QUAD, X0, steps).thetas, closed, rtol=1e-12)


@pytest.mark.parametrize("cls", [Momentum, Nesterov])
def test_momentum_methods_use_the_schedule_at_the_current_step(cls):
    sched = schedules.exponential(0.1, 0.5)
    opt = cls(sched, 0.5)
    theta = np.array([1.0, 1.0])
    state = opt.init(theta)
    slope = linear([1.0, -2.0])
    # constant gradient g: v_k = 0.5 v_{k-1} - 0.1 * 0.5^(k-1) g
    v = np.zeros(2)
    for k in range(5):
        theta_new, state = opt.step(theta, state, slope)
        v = 0.5 * v - 0.1 * 0.5**k * np.array([1.0, -2.0])
        assert_allclose(theta_new - theta, v, rtol=1e-14)
        assert state.k == k + 1
        theta = theta_new


# ---------------------------------------------------------------------------------- purity

@pytest.mark.parametrize("opt", [SGD(0.1), Momentum(0.1, 0.9), Nesterov(0.1, 0.9)])
def test_step_is_pure(opt):
    ros = objectives.rosenbrock()
    theta = np.array([[0.5, -0.5], [1.5, 2.0]])
    state = opt.init(theta)
    theta, state = opt.step(theta, state, ros)  # a state with a non-zero velocity
    theta_copy = theta.copy()
    state_copy = [np.copy(s) for s in state]
    a = opt.step(theta, state, ros)
    b = opt.step(theta, state, ros)
    assert np.array_equal(theta, theta_copy)
    for s, c in zip(state, state_copy):
        assert np.array_equal(s, c)
    assert np.array_equal(a[0], b[0])  # same inputs, same outputs
    assert a[0] is not theta


@pytest.mark.parametrize("cls", [Momentum, Nesterov])
def test_init_velocity_is_zero_and_independent_of_theta(cls):
    theta = np.array([[1, 2], [3, 4]])  # ints: the velocity must still be float
    state = cls(0.1, 0.5).init(theta)
    assert state.k == 0
    assert state.v.shape == (2, 2) and state.v.dtype == float and np.all(state.v == 0)
    assert not np.shares_memory(state.v, theta)


# ------------------------------------------------------------------------ terminal velocity

@pytest.mark.parametrize("cls", [Momentum, Nesterov])
def test_terminal_velocity(cls):
    # With a constant gradient g, v_k = -lr g (1 + alpha + ... + alpha^(k-1))
    #                                 = -lr g (1 - alpha^k) / (1 - alpha)  ->  -lr g / (1 - alpha)
    lr, alpha, g = 0.01, 0.9, np.array([3.0, -4.0])
    tr = optimize(cls(lr, alpha), linear(g), np.zeros((2, 2)), 300,
                  record=lambda th, st: {"v": st.v})
    k = np.arange(301)[:, None, None]
    expected = np.broadcast_to(-lr * g * (1 - alpha**k) / (1 - alpha), (301, 2, 2))
    assert_allclose(tr.extras["v"], expected, rtol=1e-12, atol=1e-16)
    # the step length approaches lr ||g|| / (1 - alpha) = 0.01 * 5 / 0.1 = 0.5
    assert_allclose(np.linalg.norm(tr.thetas[-1] - tr.thetas[-2], axis=-1), 0.5, rtol=1e-12)


# --------------------------------------------------------------- stability threshold 2 / L

@pytest.mark.parametrize("factor", [0.2, 0.5, 1.0, 1.5, 1.9, 1.99])
def test_gd_converges_below_two_over_L(factor):
    L = H_DIAG.max()
    tr = optimize(SGD(factor / L), QUAD, X0, 3000)
    assert np.linalg.norm(tr.final) < 1e-6 * np.linalg.norm(X0)
    assert not tr.diverged


@pytest.mark.parametrize("factor", [2.01, 2.5, 4.0])
def test_gd_diverges_above_two_over_L(factor):
    L = H_DIAG.max()
    tr = optimize(SGD(factor / L), QUAD, X0, 3000)
    # the top coordinate is multiplied by |1 - factor| > 1 every step
    assert tr.diverged or abs(tr.final[2]) > 1e6 * abs(X0[2])
    top = np.abs(tr.thetas[:100, 2])
    assert_allclose(top, abs(X0[2]) * (factor - 1) ** np.arange(100), rtol=1e-10)


def test_gd_at_exactly_two_over_L_oscillates_without_decay():
    tr = optimize(SGD(2 / 7.0), QUAD, X0, 50)
    assert_allclose(np.abs(tr.thetas[:, 2]), abs(X0[2]), rtol=1e-12)  # factor 1 - 2 = -1


# -------------------------------------------------------------- PyTorch's momentum convention

def pytorch_convention(grad, theta0, lr, mu, steps):
    """The recurrence b <- mu b + g;  theta <- theta - lr_k b, written out by hand."""
    theta, b = np.array(theta0, dtype=float), np.zeros(len(theta0))
    out = [theta]
    for k in range(steps):
        b = mu * b + grad(theta)
        theta = theta - (lr(k) if callable(lr) else lr) * b
        out.append(theta)
    return np.array(out)


def test_momentum_matches_pytorch_convention_for_constant_lr():
    ros = objectives.rosenbrock()
    ours = optimize(Momentum(1e-3, 0.9), ros, [-1.2, 1.0], 50).thetas
    theirs = pytorch_convention(ros.grad, [-1.2, 1.0], 1e-3, 0.9, 50)
    assert_allclose(ours, theirs, rtol=1e-12)


def test_momentum_differs_from_pytorch_convention_when_lr_changes():
    # v_book = -lr b only if lr is constant: a decaying lr splits the two conventions.
    ros = objectives.rosenbrock()
    sched = schedules.step_decay(1e-3, every=5, factor=0.1)
    ours = optimize(Momentum(sched, 0.9), ros, [-1.2, 1.0], 20).thetas
    theirs = pytorch_convention(ros.grad, [-1.2, 1.0], sched, 0.9, 20)
    assert_allclose(ours[:6], theirs[:6], rtol=1e-12)
    assert not np.allclose(ours[6:], theirs[6:], rtol=1e-6)


def test_nesterov_is_pytorchs_nesterov_in_the_look_ahead_variable():
    # PyTorch's form, written by hand: b <- mu b + g(phi);  phi <- phi - lr (g(phi) + mu b).
    # With phi = theta + alpha v and v = -lr b it is Algorithm 8.3: phi_k = theta_k + alpha v_k.
    ros, lr, mu = objectives.rosenbrock(), 1e-3, 0.9
    phi, b, phis = np.array([-1.2, 1.0]), np.zeros(2), []
    for _ in range(40):
        g = ros.grad(phi)
        b = mu * b + g
        phi = phi - lr * (g + mu * b)
        phis.append(phi)
    tr = optimize(Nesterov(lr, mu), ros, [-1.2, 1.0], 40, record=lambda th, st: {"v": st.v})
    look_ahead = tr.thetas[1:] + mu * tr.extras["v"][1:]
    assert_allclose(look_ahead, np.array(phis), rtol=1e-11)


# ---------------------------------------------------------------------------- ValueErrors

BAD_LR = [0.0, -0.1, np.nan, np.inf, "0.1", None, True]
BAD_ALPHA = [-0.1, 1.0, 1.5, np.nan, "0.9", None]


@pytest.mark.parametrize("lr", BAD_LR)
@pytest.mark.parametrize("cls", [SGD, Momentum, Nesterov])
def test_bad_lr_raises(cls, lr):
    with pytest.raises(ValueError, match=r"lr .*\(0, inf\)"):
        cls(lr=lr)


@pytest.mark.parametrize("alpha", BAD_ALPHA)
@pytest.mark.parametrize("cls", [Momentum, Nesterov])
def test_bad_alpha_raises(cls, alpha):
    with pytest.raises(ValueError, match=r"alpha must be in \[0, 1\)"):
        cls(lr=0.1, alpha=alpha)


def test_defaults_and_frozen():
    assert SGD().lr == 0.01
    assert Momentum().alpha == 0.9 and Nesterov().alpha == 0.9
    opt = Momentum(0.1, 0.5)
    with pytest.raises(AttributeError):
        opt.lr = 1.0


# -------------------------------------------------------------------------------- clipping

def test_clip_by_norm_caps_the_norm_and_keeps_the_direction():
    g = np.array([[3.0, 4.0], [0.3, 0.4], [0.0, 0.0], [-6.0, 8.0]])  # norms 5, 0.5, 0, 10
    c = clip_by_norm(g, 2.0)
    assert_allclose(c[0], [1.2, 1.6])  # (3, 4) * 2/5
    assert np.array_equal(c[1], g[1])  # below the threshold: unchanged
    assert np.array_equal(c[2], g[2])  # zero stays zero (no 0/0)
    assert_allclose(c[3], [-1.2, 1.6])  # (-6, 8) * 2/10
    norms = np.linalg.norm(c, axis=-1)
    assert np.all(norms <= 2.0 + 1e-15)
    # direction: the clipped vector is a positive multiple of g
    cos = (c[[0, 3]] * g[[0, 3]]).sum(-1) / (norms[[0, 3]] * np.linalg.norm(g[[0, 3]], axis=-1))
    assert_allclose(cos, 1.0)


def test_clip_by_norm_batched_equals_one_at_a_time():
    g = np.random.default_rng(1).normal(scale=3.0, size=(4, 5, 3))
    c = clip_by_norm(g, 2.5)
    for idx in np.ndindex(4, 5):
        assert_allclose(c[idx], clip_by_norm(g[idx], 2.5), rtol=1e-15)
    assert np.all(np.linalg.norm(c, axis=-1) <= 2.5 * (1 + 1e-15))


def test_clip_by_value():
    g = np.array([[-3.0, 0.5, 2.0], [0.1, -0.2, 1.0]])
    assert_allclose(clip_by_value(g, 1.0), [[-1.0, 0.5, 1.0], [0.1, -0.2, 1.0]])


def test_clip_does_not_mutate_the_gradient():
    g = np.array([3.0, 4.0])
    clip_by_norm(g, 1.0), clip_by_value(g, 1.0)
    assert np.array_equal(g, [3.0, 4.0])


def test_clipping_tames_the_cliff():
    # On the face of the cliff the gradient is about (99, 0): one SGD step of lr 0.1 throws
    # theta 9.9 away; with the gradient clipped to norm 1 the step is 0.1 long.
    cliff = objectives.cliff()
    start = np.array([1.0, 0.0])
    plain = optimize(SGD(0.1), cliff, start, 1).final
    clipped = optimize(SGD(0.1), clip_gradients(cliff, 1.0), start, 1).final
    assert_allclose(plain, [1.0 - 9.9, 0.0])
    assert_allclose(clipped, [0.9, 0.0])


@pytest.mark.parametrize("by", ["norm", "value"])
def test_clip_gradients_with_nesterov_clips_the_interim_gradient(by):
    # Nesterov written out by hand, clipping the gradient at the interim point.
    cliff, lr, alpha, thr = objectives.cliff(), 0.1, 0.9, 0.5
    clip = clip_by_norm if by == "norm" else clip_by_value
    theta0 = np.array([[0.0, 1.0], [1.0, 0.2], [-2.0, -1.0]])
    theta, v, expected = theta0.copy(), np.zeros_like(theta0), [theta0]
    for _ in range(20):
        v = alpha * v - lr * clip(cliff.grad(theta + alpha * v), thr)
        theta = theta + v
        expected.append(theta)
    tr = optimize(Nesterov(lr, alpha), clip_gradients(cliff, thr, by=by), theta0, 20)
    assert_allclose(tr.thetas, np.array(expected), rtol=1e-13)
    # and unclipped Nesterov takes a different path
    assert not np.allclose(optimize(Nesterov(lr, alpha), cliff, theta0, 20).thetas, tr.thetas)


def test_clip_gradients_keeps_f_and_hess():
    cliff = objectives.cliff()
    c = clip_gradients(cliff, 1.0)
    assert c.f is cliff.f and c.hess is cliff.hess


@pytest.mark.parametrize("threshold", [0.0, -1.0, np.nan, np.inf, "1"])
def test_bad_threshold_raises(threshold):
    g = np.ones(2)
    with pytest.raises(ValueError, match="threshold"):
        clip_by_norm(g, threshold)
    with pytest.raises(ValueError, match="threshold"):
        clip_by_value(g, threshold)
    with pytest.raises(ValueError, match="threshold"):
        clip_gradients(objectives.bowl(), threshold)


def test_bad_clip_kind_raises():
    with pytest.raises(ValueError, match="by"):
        clip_gradients(objectives.bowl(), 1.0, by="l1")
