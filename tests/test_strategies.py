"""Tests of optkit.strategies: coordinate descent, sparse coding, averaging wrappers."""

import numpy as np
import pytest
from scipy.optimize import minimize_scalar

from optkit import SGD, Newton, objectives, optimize, schedules
from optkit.strategies import (
    Averaged,
    CoordinateDescent,
    continuation,
    dictionary_least_squares,
    gaussian_blur,
    lasso_codes,
    soft_threshold,
    sparse_coding,
    sparse_coding_objective,
)


def bad_case(alpha):
    """(x1 - x2)^2 + alpha (x1^2 + x2^2) = 1/2 x^T H x with H below."""
    H = 2 * np.array([[1 + alpha, -1.0], [-1.0, 1 + alpha]])
    return objectives.quadratic(H)


# ------------------------------------------------------------------ coordinate descent

def test_coordinate_step_minimizes_each_coordinate_exactly():
    rng = np.random.default_rng(0)
    A = rng.normal(size=(4, 4))
    H = A @ A.T + np.eye(4)
    b = rng.normal(size=4)
    obj = objectives.quadratic(H, b)
    x0 = rng.normal(size=4)
    x1, _ = CoordinateDescent().step(x0, CoordinateDescent().init(x0), obj)
    # redo the sweep by hand with a 1-D numerical minimizer on each coordinate in turn
    x = x0.copy()
    for i in range(4):
        def along(t, i=i, x=x):
            y = x.copy()
            y[i] = t
            return obj.f(y)
        x[i] = minimize_scalar(along, tol=1e-12).x
    np.testing.assert_allclose(x1, x, atol=1e-7)


def test_coordinate_descent_is_gauss_seidel():
    rng = np.random.default_rng(1)
    A = rng.normal(size=(5, 5))
    H = A @ A.T + 5 * np.eye(5)
    b = rng.normal(size=5)
    x = rng.normal(size=5)
    L = np.tril(H)  # Gauss-Seidel: (D + L) x_new = b - U x_old
    U = H - L
    want = np.linalg.solve(L, b - U @ x)
    got, _ = CoordinateDescent().step(x, CoordinateDescent().init(x), objectives.quadratic(H, b))
    np.testing.assert_allclose(got, want, rtol=1e-12)


def test_one_block_is_newton_and_blocks_are_exact():
    rng = np.random.default_rng(2)
    A = rng.normal(size=(6, 6))
    H = A @ A.T + np.eye(6)
    b = rng.normal(size=6)
    obj = objectives.quadratic(H, b)
    x0 = rng.normal(size=(3, 6))
    full, _ = CoordinateDescent(block_size=6).step(x0, CoordinateDescent().init(x0), obj)
    np.testing.assert_allclose(full, np.broadcast_to(np.linalg.solve(H, b), (3, 6)), rtol=1e-10)
    # blocks of 4 and 2: the first block minimizes over x[:4] with x[4:] fixed
    x1, _ = CoordinateDescent(block_size=4).step(x0, CoordinateDescent().init(x0), obj)
    first = x0.copy()
    first[:, :4] = np.linalg.solve(H[:4, :4], (b[:4] - x0[:, 4:] @ H[4:, :4]).T).T
    np.testing.assert_allclose(obj.grad(first)[:, :4], 0, atol=1e-10)
    np.testing.assert_allclose(obj.grad(x1)[:, 4:], 0, atol=1e-10)
    np.testing.assert_allclose(x1[:, :4], first[:, :4], rtol=1e-12)


def test_bad_case_rate_closed_form_and_newton():
    # On the bad case, one sweep maps x1 <- x2/(1+a), x2 <- x1_new/(1+a): a factor 1/(1+a)^2
    for alpha in (1.0, 0.1, 0.01):
        obj = bad_case(alpha)
        tr = optimize(CoordinateDescent(), obj, np.array([1.0, 2.0]), steps=5)
        k = np.arange(1, 6)
        np.testing.assert_allclose(tr.thetas[1:, 1], 2.0 / (1 + alpha) ** (2 * k), rtol=1e-12)
        np.testing.assert_allclose(tr.thetas[1:, 0], 2.0 / (1 + alpha) ** (2 * k - 1),
                                   rtol=1e-12)
        newton = optimize(Newton(), obj, np.array([1.0, 2.0]), steps=1)
        np.testing.assert_allclose(newton.final, 0, atol=1e-12)


def test_coordinate_descent_batched_and_errors():
    obj = bad_case(0.5)
    x0 = np.random.default_rng(3).normal(size=(2, 3, 2))
    tr = optimize(CoordinateDescent(), obj, x0, steps=3)
    for i in range(2):
        for j in range(3):
            one = optimize(CoordinateDescent(), obj, x0[i, j], steps=3)
            np.testing.assert_allclose(tr.thetas[:, i, j], one.thetas, rtol=1e-14)
    with pytest.raises(ValueError, match="block_size"):
        CoordinateDescent(block_size=0)
    with pytest.raises(ValueError, match="damping"):
        CoordinateDescent(damping=-1.0)
    with pytest.raises(ValueError, match="Hessian"):
        CoordinateDescent().step(np.zeros(2), CoordinateDescent().init(0), objectives.Objective(
            f=lambda t: (t**2).sum(-1), grad=lambda t: 2 * t))


def test_coordinate_damping_shortens_the_step():
    obj = objectives.quadratic(np.diag([2.0, 4.0]))
    opt = CoordinateDescent(damping=2.0)
    x, _ = opt.step(np.array([1.0, 1.0]), opt.init(0), obj)
    np.testing.assert_allclose(x, [1 - 2 / 4, 1 - 4 / 6])


# ---------------------------------------------------------------------- sparse coding

def test_soft_threshold_is_the_prox_of_the_l1_norm():
    z = np.linspace(-3, 3, 13)
    for t in (0.0, 0.5, 2.0):
        want = [minimize_scalar(lambda h, zz=zz, t=t: 0.5 * (h - zz) ** 2 + t * abs(h),
                                bounds=(-5, 5), method="bounded",
                                options={"xatol": 1e-10}).x for zz in z]
        np.testing.assert_allclose(soft_threshold(z, t), want, atol=1e-7)


def _lasso_problem(seed=0):
    rng = np.random.default_rng(seed)
    W = rng.normal(size=(4, 6))
    X = rng.normal(size=(5, 6))
    return X, W


def test_sparse_coding_objective_by_hand():
    X = np.array([[1.0, 2.0]])
    H = np.array([[0.5, -1.0]])
    W = np.array([[1.0, 0.0], [0.0, 1.0]])
    # residual [0.5, 3], |H| = 1.5, ||W||^2 = 2
    assert sparse_coding_objective(X, H, W, lam=2.0, mu=0.5) == pytest.approx(
        2 * 1.5 + 0.25 + 9 + 0.5 * 2)


def test_lasso_coordinate_and_ista_reach_the_lasso_minimum():
    X, W = _lasso_problem()
    lam = 1.5
    H_cd = lasso_codes(X, W, np.zeros((5, 4)), lam, sweeps=400)
    H_ista = lasso_codes(X, W, np.zeros((5, 4)), lam, sweeps=5000, method="ista")
    np.testing.assert_allclose(H_cd, H_ista, atol=1e-6)
    # optimality (subgradient) conditions of min lam|h| + ||x - h W||^2, row by row
    G = 2 * (H_cd @ W - X) @ W.T
    on = H_cd != 0
    np.testing.assert_allclose(G[on], -lam * np.sign(H_cd[on]), atol=1e-6)
    assert np.all(np.abs(G[~on]) <= lam + 1e-6)
    assert (~on).any()  # the penalty did make some codes exactly zero


def test_lasso_coordinate_update_is_exact_per_unit():
    X, W = _lasso_problem(1)
    H0 = np.random.default_rng(5).normal(size=(5, 4))
    lam = 0.7
    H1 = lasso_codes(X, W, H0, lam, sweeps=1)
    # unit 0 was updated first, from H0: check it minimizes over that column numerically
    for i in range(5):
        def along(t, i=i):
            H = H0.copy()
            H[i, 0] = t
            return sparse_coding_objective(X[i:i + 1], H[i:i + 1], W, lam)
        assert H1[i, 0] == pytest.approx(minimize_scalar(along, bounds=(-10, 10),
                                                         method="bounded",
                                                         options={"xatol": 1e-10}).x, abs=1e-6)


def test_lasso_never_increases_and_batched():
    X, W = _lasso_problem(2)
    H = np.random.default_rng(0).normal(size=(5, 4))
    for method in ("coordinate", "ista"):
        prev = sparse_coding_objective(X, H, W)
        Hm = H
        for _ in range(10):
            Hm = lasso_codes(X, W, Hm, 1.0, method=method)
            now = sparse_coding_objective(X, Hm, W)
            assert now <= prev + 1e-12
            prev = now
    Xb = np.stack([X, 2 * X])
    Hb = lasso_codes(Xb, W, np.zeros((2, 5, 4)), 1.0, sweeps=3)
    np.testing.assert_allclose(Hb[1], lasso_codes(2 * X, W, np.zeros((5, 4)), 1.0, sweeps=3))


def test_dictionary_least_squares_closed_form():
    rng = np.random.default_rng(3)
    H, X = rng.normal(size=(20, 4)), rng.normal(size=(20, 6))
    W = dictionary_least_squares(X, H)
    np.testing.assert_allclose(W, np.linalg.lstsq(H, X, rcond=None)[0], rtol=1e-10)
    Wr = dictionary_least_squares(X, H, mu=0.3)
    # the gradient of ||X - HW||^2 + mu ||W||^2 vanishes
    np.testing.assert_allclose(-2 * H.T @ (X - H @ Wr) + 2 * 0.3 * Wr, 0, atol=1e-10)
    with pytest.raises(ValueError, match="mu"):
        dictionary_least_squares(X, H, mu=-1.0)


def test_sparse_coding_is_monotone_and_sparse():
    rng = np.random.default_rng(4)
    atoms = rng.normal(size=(3, 8))
    codes = rng.normal(size=(40, 3)) * (rng.random((40, 3)) < 0.4)
    X = codes @ atoms + 0.01 * rng.normal(size=(40, 8))
    for method in ("coordinate", "ista"):
        res = sparse_coding(X, k=3, lam=0.5, mu=0.1, sweeps=15,
                            rng=np.random.default_rng(0), method=method)
        assert np.all(np.diff(res.values) <= 1e-9)
        assert res.values[-1] < 0.2 * res.values[0]
    assert (res.H == 0).mean() > 0.2
    with pytest.raises(ValueError, match="rng"):
        sparse_coding(X, k=3)
    with pytest.raises(ValueError, match="method"):
        lasso_codes(X, atoms, np.zeros((40, 3)), method="lars")


# -------------------------------------------------------------------------- averaging

def noisy_bowl(rng, scale=1.0):
    """f(x) = ||x||^2 (minimum at 0) with N(0, scale^2 I) noise on every gradient."""
    return objectives.with_gradient_noise(objectives.quadratic(2 * np.eye(2)), scale, rng)


def _run(kind, steps=30, **kw):
    rng = np.random.default_rng(0)
    obj = noisy_bowl(rng)
    x0 = np.array([[1.0, -2.0], [0.5, 0.5]])
    return optimize(Averaged(SGD(0.1), kind=kind, **kw), obj, x0, steps,
                    record=lambda th, st: {"average": st.average}), x0


def test_wrapper_does_not_change_the_trajectory():
    tr, x0 = _run("polyak")
    plain = optimize(SGD(0.1), noisy_bowl(np.random.default_rng(0)), x0, 30)
    np.testing.assert_array_equal(tr.thetas, plain.thetas)


def test_polyak_average_is_the_running_mean():
    tr, _ = _run("polyak")
    want = np.cumsum(tr.thetas, 0) / np.arange(1, 32)[:, None, None]
    np.testing.assert_allclose(tr.extras["average"], want, rtol=1e-12)
    tr1, _ = _run("polyak", start=5)
    np.testing.assert_allclose(tr1.extras["average"][:6], tr1.thetas[:6])
    want = np.cumsum(tr1.thetas[5:], 0) / np.arange(1, 27)[:, None, None]
    np.testing.assert_allclose(tr1.extras["average"][5:], want, rtol=1e-12)


def test_ema_by_hand():
    tr, _ = _run("ema", decay=0.8)
    avg = tr.thetas[0]
    for k in range(1, 31):
        avg = 0.8 * avg + 0.2 * tr.thetas[k]
        np.testing.assert_allclose(tr.extras["average"][k], avg, rtol=1e-12)
    # weights of the EMA: (1-decay) decay^(k-i) on theta_i, decay^k on theta_0: sum to 1
    w = np.r_[0.8**30, 0.2 * 0.8 ** np.arange(29, -1, -1)]
    np.testing.assert_allclose(np.tensordot(w, tr.thetas, 1), tr.extras["average"][-1])


def test_swa_averages_the_cycle_ends():
    rng = np.random.default_rng(0)
    opt = Averaged(SGD(schedules.warm_restarts(0.3, period=5)), kind="swa", start=5, cycle=5)
    tr = optimize(opt, noisy_bowl(rng), np.array([3.0, 3.0]), 23,
                  record=lambda th, st: {"average": st.average})
    ends = tr.thetas[[5, 10, 15, 20]]
    np.testing.assert_allclose(tr.extras["average"][22], ends.mean(0), rtol=1e-12)
    np.testing.assert_allclose(tr.extras["average"][12], ends[:2].mean(0), rtol=1e-12)
    np.testing.assert_allclose(tr.extras["average"][3], tr.thetas[3])


def test_polyak_average_beats_last_iterate_under_noise():
    # SGD with lr 0.1 on x^2 under unit noise: x <- 0.8 x - 0.1 xi keeps a stationary spread
    # of variance 0.01 / (1 - 0.64) per coordinate, while the average concentrates on 0
    rng = np.random.default_rng(1)
    x0 = np.zeros((500, 2)) + 1.0
    tr = optimize(Averaged(SGD(0.1), kind="polyak", start=100), noisy_bowl(rng), x0, 2000,
                  record=lambda th, st: {"average": st.average})
    last = (tr.final**2).sum(-1).mean()
    avg = (tr.extras["average"][-1] ** 2).sum(-1).mean()
    assert avg < 0.05 * last


def test_averaged_errors():
    with pytest.raises(ValueError, match="kind"):
        Averaged(SGD(0.1), kind="median")
    with pytest.raises(ValueError, match="decay"):
        Averaged(SGD(0.1), kind="ema", decay=1.0)
    with pytest.raises(ValueError, match="cycle"):
        Averaged(SGD(0.1), kind="swa", cycle=0)
    with pytest.raises(ValueError, match="start"):
        Averaged(SGD(0.1), start=-1)
    with pytest.raises(ValueError, match="opt"):
        Averaged(0.1)


# ----------------------------------------------------------------------- continuation

def test_gaussian_blur_of_a_quadratic():
    rng = np.random.default_rng(0)
    A = rng.normal(size=(3, 3))
    H, b = A @ A.T + np.eye(3), rng.normal(size=3)
    obj = objectives.quadratic(H, b)
    blurred = gaussian_blur(obj, 0.5, np.random.default_rng(1), samples=64)
    eps = 0.5 * np.random.default_rng(1).standard_normal((32, 3))
    eps = np.concatenate([eps, -eps])
    x = rng.normal(size=(4, 3))
    # antithetic draws: the gradient is exact, the value gains 1/2 mean(eps^T H eps)
    np.testing.assert_allclose(blurred.grad(x), obj.grad(x), rtol=1e-12)
    extra = 0.5 * np.einsum("si,ij,sj->s", eps, H, eps).mean()
    np.testing.assert_allclose(blurred.f(x), obj.f(x) + extra, rtol=1e-12)
    np.testing.assert_allclose(blurred.hess(x), np.broadcast_to(H, (4, 3, 3)))


def test_gaussian_blur_damps_a_cosine():
    w, sigma = 3.0, 0.4
    cos = objectives.Objective(f=lambda t: np.cos(w * t[..., 0]),
                               grad=lambda t: -w * np.sin(w * t), dim=1)
    blurred = gaussian_blur(cos, sigma, np.random.default_rng(2), samples=20000)
    x = np.linspace(-2, 2, 9)[:, None]
    np.testing.assert_allclose(blurred.f(x), np.exp(-(w * sigma) ** 2 / 2) * np.cos(w * x[:, 0]),
                               atol=0.02)
    with pytest.raises(ValueError, match="sigma"):
        gaussian_blur(cos, -1.0, np.random.default_rng(0))
    with pytest.raises(ValueError, match="d must"):
        gaussian_blur(objectives.Objective(f=np.sum, grad=np.ones_like), 1.0,
                      np.random.default_rng(0))


def test_continuation_warm_starts_each_level():
    obj = objectives.quadratic(np.diag([1.0, 4.0]), [1.0, 2.0])
    shifts = {2.0: np.array([3.0, 0.0]), 1.0: np.array([1.0, 1.0]), 0.0: np.zeros(2)}

    def family(level):  # the same bowl with its minimum moved by shifts[level]
        s = shifts[level]
        return objectives.Objective(f=lambda t: obj.f(t - s), grad=lambda t: obj.grad(t - s),
                                    dim=2)

    res = continuation(SGD(0.1), family, [2.0, 1.0, 0.0], np.array([5.0, 5.0]), steps=7)
    assert len(res.traces) == 3
    for a, b in zip(res.traces[:-1], res.traces[1:]):
        np.testing.assert_array_equal(b.thetas[0], a.final)
    start = res.traces[1].final
    want = optimize(SGD(0.1), family(0.0), start, 7).final
    np.testing.assert_array_equal(res.final, want)
    with pytest.raises(ValueError, match="levels"):
        continuation(SGD(0.1), family, [], np.zeros(2), 3)
