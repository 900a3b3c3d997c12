"""Tests of optkit.adaptive against independent truth.

1. Each algorithm against a deliberately plain, per-problem Python loop written here from the
   book's algorithm box (scalars, lists and math.sqrt; no NumPy), over many steps, compared
   with the library advancing a whole batch of problems at once.
2. Hand-worked iterates (arithmetic in the comments) on f(x) = x^2 from x = 1. Where the
   convention is the same (Adam and PyTorch/optax; AdaGrad and torch.optim.Adagrad), these
   are also the iterates those libraries produce.
3. The claims of section 8.5 (Adam's first step, bias correction, AdamW vs L2) and every
   ValueError.
"""

import math

import numpy as np
import pytest

import optkit
from optkit import (
    SGD,
    AdaDelta,
    AdaGrad,
    Adam,
    AdamW,
    DecoupledWeightDecay,
    DeltaBarDelta,
    Objective,
    RMSProp,
    RMSPropNesterov,
    optimize,
    schedules,
    with_l2,
)
from optkit.objectives import quadratic, rosenbrock

# --------------------------------------------------------------------------------------------
# Plain per-problem objectives (their own gradient code, independent of optkit.objectives)

# The quadratic is diagonal on purpose: near its minimum RMSProp-type methods oscillate,
# and those oscillations amplify rounding differences (a different summation order in H x)
# into visible ones; with a diagonal H both codes compute exactly the same gradient bits.
# Rosenbrock supplies the coupling between coordinates.
H3 = [4.0, 1.0, 0.2]
B3 = [1.0, -2.0, 0.5]


def plain_quadratic_grad(x):
    return [H3[i] * x[i] - B3[i] for i in range(3)]


def plain_rosenbrock_grad(x):
    a, b = 1.0, 100.0
    return [-4 * b * x[0] * (x[1] - x[0] ** 2) - 2 * (a - x[0]), 2 * b * (x[1] - x[0] ** 2)]


PROBLEMS = {
    "quadratic": (quadratic(np.diag(H3), B3), plain_quadratic_grad,
                  np.array([[1.0, 2.0, -1.0], [-3.0, 0.5, 2.0], [0.2, -0.1, 4.0],
                            [2.0, 2.0, 2.0]])),
    "rosenbrock": (rosenbrock(), plain_rosenbrock_grad,
                   np.array([[-1.2, 1.0], [0.5, -0.5], [1.5, 2.0], [-0.3, 0.8]])),
}

# --------------------------------------------------------------------------------------------
# The book's algorithm boxes, written as plainly as possible (one problem, Python floats).
# lr_of(k) is the learning rate at step k (k = 0 for the first update).


def loop_adagrad(x, grad, steps, lr_of, delta):  # Algorithm 8.4
    x, r = list(x), [0.0] * len(x)
    for k in range(steps):
        g = grad(x)
        for i in range(len(x)):
            r[i] = r[i] + g[i] * g[i]
            x[i] = x[i] - lr_of(k) / (delta + math.sqrt(r[i])) * g[i]
    return x


def loop_rmsprop(x, grad, steps, lr_of, rho, delta):  # Algorithm 8.5
    x, r = list(x), [0.0] * len(x)
    for k in range(steps):
        g = grad(x)
        for i in range(len(x)):
            r[i] = rho * r[i] + (1 - rho) * g[i] * g[i]
            x[i] = x[i] - lr_of(k) / math.sqrt(delta + r[i]) * g[i]
    return x


def loop_rmsprop_nesterov(x, grad, steps, lr_of, rho, alpha, delta):  # Algorithm 8.6
    x, r, v = list(x), [0.0] * len(x), [0.0] * len(x)
    for k in range(steps):
        interim = [x[i] + alpha * v[i] for i in range(len(x))]
        g = grad(interim)
        for i in range(len(x)):
            r[i] = rho * r[i] + (1 - rho) * g[i] * g[i]
            v[i] = alpha * v[i] - lr_of(k) / math.sqrt(delta + r[i]) * g[i]
            x[i] = x[i] + v[i]
    return x


def loop_adam(x, grad, steps, lr_of, rho1, rho2, delta, correct=True):  # Algorithm 8.7
    x, s, r, t = list(x), [0.0] * len(x), [0.0] * len(x), 0
    for k in range(steps):
        g = grad(x)
        t = t + 1
        for i in range(len(x)):
            s[i] = rho1 * s[i] + (1 - rho1) * g[i]
            r[i] = rho2 * r[i] + (1 - rho2) * g[i] * g[i]
            s_hat = s[i] / (1 - rho1**t) if correct else s[i]
            r_hat = r[i] / (1 - rho2**t) if correct else r[i]
            x[i] = x[i] - lr_of(k) * s_hat / (math.sqrt(r_hat) + delta)
    return x


def loop_adadelta(x, grad, steps, rho, delta):  # Zeiler (2012), Algorithm 1
    x, eg2, edx2 = list(x), [0.0] * len(x), [0.0] * len(x)
    for _ in range(steps):
        g = grad(x)
        for i in range(len(x)):
            eg2[i] = rho * eg2[i] + (1 - rho) * g[i] ** 2
            dx = -math.sqrt(edx2[i] + delta) / math.sqrt(eg2[i] + delta) * g[i]
            edx2[i] = rho * edx2[i] + (1 - rho) * dx**2
            x[i] = x[i] + dx
    return x


def loop_delta_bar_delta(x, grad, steps, lr0, kappa, phi, rho):  # Jacobs (1988)
    x = list(x)
    lr, bar = [lr0] * len(x), [0.0] * len(x)
    for _ in range(steps):
        g = grad(x)
        for i in range(len(x)):
            if bar[i] * g[i] > 0:
                lr[i] = lr[i] + kappa
            elif bar[i] * g[i] < 0:
                lr[i] = (1 - phi) * lr[i]
            x[i] = x[i] - lr[i] * g[i]
            bar[i] = (1 - rho) * g[i] + rho * bar[i]
    return x


def loop_adamw(x, grad, steps, lr, rho1, rho2, delta, wd):  # Loshchilov & Hutter (2019)
    x, s, r = list(x), [0.0] * len(x), [0.0] * len(x)
    for t in range(1, steps + 1):
        g = grad(x)
        for i in range(len(x)):
            s[i] = rho1 * s[i] + (1 - rho1) * g[i]
            r[i] = rho2 * r[i] + (1 - rho2) * g[i] ** 2
            s_hat, r_hat = s[i] / (1 - rho1**t), r[i] / (1 - rho2**t)
            x[i] = x[i] - lr * (s_hat / (math.sqrt(r_hat) + delta) + wd * x[i])
    return x


def const(lr):
    return lambda k: lr


INV = schedules.inverse_time(0.05, decay=0.02)  # a schedule: lr_k = 0.05 / (1 + 0.02 k)

# name -> (library optimizer, reference loop taking (x, grad, steps))
CASES = {
    "adagrad": (AdaGrad(lr=0.1),
                lambda x, g, n: loop_adagrad(x, g, n, const(0.1), 1e-7)),
    "adagrad-schedule": (AdaGrad(lr=INV),
                         lambda x, g, n: loop_adagrad(x, g, n, INV, 1e-7)),
    "rmsprop": (RMSProp(lr=0.01, rho=0.9),
                lambda x, g, n: loop_rmsprop(x, g, n, const(0.01), 0.9, 1e-6)),
    "rmsprop-schedule": (RMSProp(lr=INV, rho=0.95, delta=1e-4),
                         lambda x, g, n: loop_rmsprop(x, g, n, INV, 0.95, 1e-4)),
    "rmsprop-nesterov": (RMSPropNesterov(lr=0.005, rho=0.9, alpha=0.5),
                         lambda x, g, n: loop_rmsprop_nesterov(x, g, n, const(0.005), 0.9,
                                                               0.5, 1e-6)),
    "adam": (Adam(lr=0.01),
             lambda x, g, n: loop_adam(x, g, n, const(0.01), 0.9, 0.999, 1e-8)),
    "adam-schedule": (Adam(lr=INV, rho1=0.8, rho2=0.99, delta=1e-6),
                      lambda x, g, n: loop_adam(x, g, n, INV, 0.8, 0.99, 1e-6)),
    "adam-uncorrected": (Adam(lr=0.002, bias_correction=False),
                         lambda x, g, n: loop_adam(x, g, n, const(0.002), 0.9, 0.999, 1e-8,
                                                   correct=False)),
    "adadelta": (AdaDelta(rho=0.95, delta=1e-6),
                 lambda x, g, n: loop_adadelta(x, g, n, 0.95, 1e-6)),
    "delta-bar-delta": (DeltaBarDelta(lr=0.001, kappa=1e-4, phi=0.3, rho=0.7),
                        lambda x, g, n: loop_delta_bar_delta(x, g, n, 0.001, 1e-4, 0.3, 0.7)),
    "adamw": (AdamW(lr=0.01, weight_decay=0.1),
              lambda x, g, n: loop_adamw(x, g, n, 0.01, 0.9, 0.999, 1e-8, 0.1)),
}


@pytest.mark.parametrize("problem", sorted(PROBLEMS))
@pytest.mark.parametrize("case", sorted(CASES))
def test_batched_library_matches_plain_loop_of_the_algorithm_box(case, problem):
    opt, reference = CASES[case]
    objective, plain_grad, theta0 = PROBLEMS[problem]
    steps = 150
    tr = optimize(opt, objective, theta0, steps)
    assert not tr.diverged.any()
    for n in range(theta0.shape[0]):
        expected = reference(theta0[n].tolist(), plain_grad, steps)
        np.testing.assert_allclose(tr.final[n], expected, rtol=1e-9, atol=1e-10)
    # and the iterates really moved (a do-nothing step would fail above, but say it plainly)
    assert np.abs(tr.final - theta0).max() > 1e-3


# --------------------------------------------------------------------------------------------
# Hand-worked iterates on f(x) = x^2 (gradient 2x) from x = 1

PARABOLA = Objective(f=lambda th: (th**2).sum(-1), grad=lambda th: 2 * th, name="x^2")


def run_1d(opt, steps):
    return optimize(opt, PARABOLA, np.array([1.0]), steps).thetas[:, 0]


def test_adam_hand_worked_iterates():
    # lr = 0.1, rho1 = 0.9, rho2 = 0.999, delta = 1e-8 (PyTorch / optax defaults but lr).
    # t=1: g = 2, s = 0.1*2 = 0.2, r = 0.001*4 = 0.004, s_hat = 0.2/0.1 = 2,
    #      r_hat = 0.004/0.001 = 4, step = 0.1 * 2 / (2 + 1e-8) = 0.1 (to 5e-10): x1 = 0.9
    # t=2: g = 1.8, s = 0.9*0.2 + 0.1*1.8 = 0.36, s_hat = 0.36 / (1 - 0.81) = 1.894737,
    #      r = 0.999*0.004 + 0.001*3.24 = 0.007236, r_hat = 0.007236 / 0.001999 = 3.619810,
    #      sqrt(r_hat) = 1.902580, step = 0.1 * 1.894737 / 1.902580 = 0.099588: x2 = 0.800412
    x = run_1d(Adam(lr=0.1), 2)
    np.testing.assert_allclose(x, [1.0, 0.9, 0.800412], atol=2e-6)


def test_adagrad_hand_worked_iterates():
    # lr = 0.5, delta = 1e-7 (outside the root, like torch.optim.Adagrad).
    # k=1: g = 2, r = 4, x1 = 1 - 0.5 * 2 / 2 = 0.5
    # k=2: g = 1, r = 5, x2 = 0.5 - 0.5 * 1 / sqrt(5) = 0.5 - 0.2236068 = 0.2763932
    x = run_1d(AdaGrad(lr=0.5), 2)
    np.testing.assert_allclose(x, [1.0, 0.5, 0.2763932], atol=1e-6)


def test_rmsprop_hand_worked_iterates():
    # lr = 0.01, rho = 0.9, delta = 1e-6 inside the root.
    # k=1: g = 2, r = 0.1 * 4 = 0.4, step = 0.01 * 2 / sqrt(0.400001) = 0.0316228: x1 = 0.9683772
    # k=2: g = 1.9367544, r = 0.9*0.4 + 0.1*3.7510177 = 0.7351018,
    #      step = 0.01 * 1.9367544 / 0.8573806 = 0.0225892: x2 = 0.9457880
    x = run_1d(RMSProp(lr=0.01, rho=0.9), 2)
    np.testing.assert_allclose(x, [1.0, 0.9683772, 0.9457880], atol=2e-6)


def test_adadelta_hand_worked_first_step_is_tiny():
    # rho = 0.95, delta = 1e-6. k=1: g = 2, E[g^2] = 0.05*4 = 0.2, E[dx^2] = 0, so
    # dx = -sqrt(1e-6) / sqrt(0.200001) * 2 = -1e-3 * 2 / 0.4472147 = -0.0044721: x1 = 0.9955279
    x = run_1d(AdaDelta(), 1)
    np.testing.assert_allclose(x, [1.0, 0.9955279], atol=1e-7)


def test_delta_bar_delta_hand_worked_iterates():
    # Agreement: lr0 = 0.1, kappa = 0.05, phi = 0.5, rho = 0 (bar = last gradient).
    # k=1: bar = 0, no change: x1 = 1 - 0.1*2 = 0.8, bar = 2
    # k=2: g = 1.6 agrees: lr = 0.15, x2 = 0.8 - 0.15*1.6 = 0.56
    # k=3: g = 1.12 agrees: lr = 0.2,  x3 = 0.56 - 0.2*1.12 = 0.336
    x = run_1d(DeltaBarDelta(lr=0.1, kappa=0.05, phi=0.5, rho=0.0), 3)
    np.testing.assert_allclose(x, [1.0, 0.8, 0.56, 0.336], atol=1e-12)
    # Disagreement: lr0 = 0.6. k=1: x1 = 1 - 1.2 = -0.2; k=2: g = -0.4 flips sign,
    # lr = 0.5 * 0.6 = 0.3, x2 = -0.2 + 0.3*0.4 = -0.08
    x = run_1d(DeltaBarDelta(lr=0.6, kappa=0.05, phi=0.5, rho=0.0), 2)
    np.testing.assert_allclose(x, [1.0, -0.2, -0.08], atol=1e-12)


# --------------------------------------------------------------------------------------------
# Claims of section 8.5


def test_adam_first_step_has_magnitude_lr_in_every_coordinate():
    rng = np.random.default_rng(0)
    scales = 10.0 ** rng.uniform(-3, 3, size=(50, 6))  # gradients from 1e-3 to 1e3
    H = np.diag(rng.uniform(0.5, 2.0, 6))
    obj = quadratic(H)
    theta0 = scales * rng.choice([-1.0, 1.0], size=scales.shape)
    for lr in (1e-3, 0.1):
        tr = optimize(Adam(lr=lr), obj, theta0, 1)
        step = tr.thetas[1] - tr.thetas[0]
        np.testing.assert_allclose(np.abs(step), lr, rtol=1e-4)
        # and it goes downhill in every coordinate (H is diagonal and positive)
        assert np.all(np.sign(step) == -np.sign(theta0))


def test_bias_correction_factor_on_a_constant_gradient():
    # f = c . theta has the constant gradient c: s_t = (1 - rho1^t) c, r_t = (1 - rho2^t) c^2,
    # so the uncorrected step is the corrected one (lr * sign c) times (1-rho1^t)/sqrt(1-rho2^t).
    c = np.array([0.5, -3.0])
    lin = Objective(f=lambda th: th @ c, grad=lambda th: np.broadcast_to(c, th.shape))
    steps = 30
    on = np.diff(optimize(Adam(lr=0.01), lin, np.zeros(2), steps).thetas, axis=0)
    off = np.diff(optimize(Adam(lr=0.01, bias_correction=False), lin, np.zeros(2),
                           steps).thetas, axis=0)
    t = np.arange(1, steps + 1)[:, None]
    np.testing.assert_allclose(on, -0.01 * np.sign(c) * np.ones_like(on), rtol=1e-6)
    np.testing.assert_allclose(off / on, (1 - 0.9**t) / np.sqrt(1 - 0.999**t)
                               * np.ones_like(on), rtol=1e-6)


def test_decoupled_weight_decay_equals_l2_for_sgd():
    obj, _, theta0 = PROBLEMS["quadratic"]
    for lr in (0.05, INV):
        a = optimize(DecoupledWeightDecay(SGD(lr=lr), weight_decay=0.3), obj, theta0, 80)
        b = optimize(SGD(lr=lr), with_l2(obj, 0.3), theta0, 80)
        np.testing.assert_allclose(a.thetas, b.thetas, rtol=1e-12, atol=1e-13)


def test_adamw_differs_from_adam_with_l2():
    H, b, lam = np.diag([100.0, 1.0]), np.array([1.0, 1.0]), 0.5
    obj, theta0 = quadratic(H, b), np.array([2.0, -1.0])
    # One step, by hand: g = H theta0 - b = (199, -2). Adam + L2 sees g + lam theta0 = (200, -2.5)
    # and moves lr * sign(.) = (-lr, +lr). AdamW moves lr * (sign(g) + lam theta0)
    # = lr * ((1 + 1), (-1 - 0.5)) downhill: (-2 lr, +1.5 lr).
    lr = 0.01
    l2 = optimize(Adam(lr=lr), with_l2(obj, lam), theta0, 1).thetas[1] - theta0
    w = optimize(AdamW(lr=lr, weight_decay=lam), obj, theta0, 1).thetas[1] - theta0
    np.testing.assert_allclose(l2, [-lr, lr], rtol=1e-6)
    np.testing.assert_allclose(w, [-2 * lr, 1.5 * lr], rtol=1e-6)
    # In the long run Adam + L2 settles at the minimizer of the penalized cost,
    # (H + lam I)^{-1} b, and AdamW does not.
    target = np.linalg.solve(H + lam * np.eye(2), b)
    sched = schedules.exponential(0.05, gamma=0.995)
    end_l2 = optimize(Adam(lr=sched), with_l2(obj, lam), theta0, 2000).final
    end_w = optimize(AdamW(lr=sched, weight_decay=lam), obj, theta0, 2000).final
    np.testing.assert_allclose(end_l2, target, atol=1e-3)
    assert np.abs(end_w - target).max() > 0.05


def test_with_l2_value_gradient_and_hessian():
    obj = rosenbrock()
    reg = with_l2(obj, 0.7)
    rng = np.random.default_rng(1)
    th = rng.normal(size=(5, 2))
    np.testing.assert_allclose(reg.f(th), obj.f(th) + 0.35 * (th**2).sum(-1))
    h = 1e-6  # central differences of the penalized value
    fd = np.stack([(reg.f(th + h * e) - reg.f(th - h * e)) / (2 * h) for e in np.eye(2)], -1)
    np.testing.assert_allclose(reg.grad(th), fd, rtol=1e-6, atol=1e-5)
    np.testing.assert_allclose(reg.hess(th), obj.hess(th) + 0.7 * np.eye(2))


def test_adagrad_effective_rate_only_decreases():
    # the premature-decay mechanism: lr / (delta + sqrt(r)) is non-increasing in every coordinate
    obj, _, theta0 = PROBLEMS["rosenbrock"]
    opt = AdaGrad(lr=0.05)
    theta, state = theta0, opt.init(theta0)
    rates = []
    for _ in range(100):
        theta, state = opt.step(theta, state, obj)
        rates.append(0.05 / (1e-7 + np.sqrt(state.r)))
    assert np.all(np.diff(np.array(rates), axis=0) <= 0)


@pytest.mark.parametrize("case", sorted(CASES))
def test_step_is_pure(case):
    opt = CASES[case][0]
    obj, _, theta0 = PROBLEMS["quadratic"]
    theta = theta0.copy()
    state = opt.init(theta)
    theta1, state1 = opt.step(theta, state, obj)
    frozen = [a.copy() for a in state1[1:]]
    theta2, _ = opt.step(theta1, state1, obj)
    np.testing.assert_array_equal(theta, theta0)
    for a, b in zip(state1[1:], frozen):
        np.testing.assert_array_equal(a, b)
    assert state1.k == 1 and not np.allclose(theta2, theta1)


def test_exported_from_the_package():
    assert optkit.adaptive.Adam is optkit.Adam
    for name in ("DeltaBarDelta", "AdaGrad", "RMSProp", "RMSPropNesterov", "Adam", "AdaDelta",
                 "AdamW", "DecoupledWeightDecay", "with_l2"):
        assert name in optkit.__all__


def test_defaults_follow_the_book():
    assert AdaGrad().delta == 1e-7
    assert RMSProp().delta == 1e-6
    a = Adam()
    assert (a.lr, a.rho1, a.rho2, a.delta, a.bias_correction) == (1e-3, 0.9, 0.999, 1e-8, True)


# --------------------------------------------------------------------------------------------
# Every ValueError names the parameter

BAD = [
    (AdaGrad, {"lr": -1.0}, "lr"), (AdaGrad, {"lr": 0.0}, "lr"), (AdaGrad, {"delta": 0.0}, "delta"),
    (RMSProp, {"lr": -0.1}, "lr"), (RMSProp, {"rho": 1.0}, "rho"), (RMSProp, {"rho": -0.1}, "rho"),
    (RMSProp, {"delta": -1e-6}, "delta"),
    (RMSPropNesterov, {"lr": float("nan")}, "lr"), (RMSPropNesterov, {"rho": 1.5}, "rho"),
    (RMSPropNesterov, {"alpha": 1.0}, "alpha"), (RMSPropNesterov, {"delta": 0.0}, "delta"),
    (Adam, {"lr": -1e-3}, "lr"), (Adam, {"rho1": 1.0}, "rho1"), (Adam, {"rho2": -0.5}, "rho2"),
    (Adam, {"delta": 0.0}, "delta"), (Adam, {"bias_correction": "yes"}, "bias_correction"),
    (AdamW, {"weight_decay": -0.1}, "weight_decay"), (AdamW, {"rho1": 2.0}, "rho1"),
    (AdaDelta, {"rho": 1.0}, "rho"), (AdaDelta, {"delta": 0.0}, "delta"),
    (AdaDelta, {"lr": 0.0}, "lr"),
    (DeltaBarDelta, {"lr": 0.0}, "lr"), (DeltaBarDelta, {"lr": INV}, "lr"),
    (DeltaBarDelta, {"kappa": -0.1}, "kappa"), (DeltaBarDelta, {"phi": 0.0}, "phi"),
    (DeltaBarDelta, {"phi": 1.0}, "phi"), (DeltaBarDelta, {"rho": 1.0}, "rho"),
]


@pytest.mark.parametrize("cls, kwargs, name", BAD, ids=lambda x: str(x))
def test_invalid_hyper_parameters_raise(cls, kwargs, name):
    with pytest.raises(ValueError, match=name):
        cls(**kwargs)


def test_invalid_weight_decay_wrappers_raise():
    with pytest.raises(ValueError, match="weight_decay"):
        with_l2(PARABOLA, -1.0)
    with pytest.raises(ValueError, match="weight_decay"):
        DecoupledWeightDecay(SGD(0.1), weight_decay=float("inf"))
    with pytest.raises(ValueError, match="opt"):
        DecoupledWeightDecay("sgd", weight_decay=0.1)


# --------------------------------------------------------------------------------------------
# The plateau surface used by section 8.5 (objectives.plateau)


def test_plateau_value_gradient_hessian():
    obj = optkit.objectives.plateau(a=1.0, b=4.0)
    rng = np.random.default_rng(2)
    th = rng.uniform(-3, 3, size=(7, 2))
    x, y = th[:, 0], th[:, 1]
    np.testing.assert_allclose(obj.f(th), 1 - np.exp(-(x**2 + 4 * y**2) / 2))
    h = 1e-6
    eye = np.eye(2)
    fd_g = np.stack([(obj.f(th + h * e) - obj.f(th - h * e)) / (2 * h) for e in eye], -1)
    np.testing.assert_allclose(obj.grad(th), fd_g, rtol=1e-6, atol=1e-9)
    fd_h = np.stack([(obj.grad(th + h * e) - obj.grad(th - h * e)) / (2 * h) for e in eye], -1)
    np.testing.assert_allclose(obj.hess(th), fd_h, rtol=1e-5, atol=1e-8)
    assert obj.f(np.zeros(2)) == 0 and np.all(obj.f(th) > 0)
    with pytest.raises(ValueError, match="b"):
        optkit.objectives.plateau(b=0.0)


# --------------------------------------------------------------------------------------------
# A "schedule" returning one rate per problem, shape (n, 1), trains problems with different
# rates side by side (section 8.5.4 tunes its learning-rate grid this way).


@pytest.mark.parametrize("make", [lambda lr: SGD(lr=lr), lambda lr: optkit.Momentum(lr=lr),
                                  lambda lr: AdaGrad(lr=lr), lambda lr: RMSProp(lr=lr),
                                  lambda lr: RMSPropNesterov(lr=lr), lambda lr: Adam(lr=lr),
                                  lambda lr: AdaDelta(lr=lr), lambda lr: AdamW(lr=lr)],
                         ids=["SGD", "Momentum", "AdaGrad", "RMSProp", "RMSPropNesterov", "Adam",
                              "AdaDelta", "AdamW"])
def test_per_problem_rates_equal_separate_runs(make):
    obj, _, theta0 = PROBLEMS["rosenbrock"]
    rates = np.array([1e-4, 3e-4, 1e-3, 3e-3])
    together = optimize(make(lambda k: rates[:, None]), obj, theta0, 40)
    for i, lr in enumerate(rates):
        alone = optimize(make(float(lr)), obj, theta0[i], 40)
        np.testing.assert_allclose(together.thetas[:, i], alone.thetas, rtol=1e-12, atol=1e-14)
