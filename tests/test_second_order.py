"""Newton, steepest descent, conjugate gradients, BFGS and L-BFGS (8.6) against independent
truth: closed-form minimizers of quadratics, conjugacy and orthogonality identities, the
secant equation, H^{-1}, and SciPy's minimize (same minimizer, iteration counts)."""

import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose
from scipy.optimize import minimize

from optkit import (
    BFGS,
    LBFGS,
    ConjugateGradient,
    Newton,
    Objective,
    SteepestDescent,
    objectives,
    optimize,
)
from optkit import second_order as so

RNG = np.random.default_rng(86)


def random_quadratic(d, rng, kappa=30.0):
    Q, _ = np.linalg.qr(rng.standard_normal((d, d)))
    H = Q @ np.diag(np.geomspace(1.0, kappa, d)) @ Q.T
    H = (H + H.T) / 2
    b = rng.standard_normal(d)
    return objectives.quadratic(H, b), H, b


# ------------------------------------------------------------------ Newton (Algorithm 8.8)

def test_newton_exact_in_one_step_on_spd_quadratics():
    for d in (1, 3, 8):
        q, H, b = random_quadratic(d, RNG)
        theta0 = RNG.standard_normal((4, d)) * 5
        tr = optimize(Newton(), q, theta0, steps=1)
        assert_allclose(tr.final, np.broadcast_to(np.linalg.solve(H, b), (4, d)), atol=1e-10)


def test_newton_damping_shortens_each_eigen_component():
    # J = 1/2 sum h_i x_i^2: the damped step multiplies x_i by 1 - h_i / (h_i + alpha) (8.28)
    h = np.array([0.5, 2.0, 10.0])
    q = objectives.quadratic(np.diag(h))
    x0 = np.array([1.0, -1.0, 2.0])
    alpha = 3.0
    tr = optimize(Newton(damping=alpha), q, x0, steps=3)
    k = np.arange(4)[:, None]
    assert_allclose(tr.thetas, x0 * (alpha / (h + alpha)) ** k, rtol=1e-12)


def test_newton_is_attracted_to_a_saddle_and_damping_fixes_it():
    sad = objectives.saddle()  # x^2 - y^2
    x0 = np.array([0.2, 0.6])
    st = Newton().init(x0)
    x1, st = Newton().step(x0, st, sad)
    assert_allclose(x1, [0.0, 0.0], atol=1e-15)  # jumps onto the saddle point
    assert not st.descent  # ... and the step went uphill along y
    # damping alpha > 2 = -lambda_min makes H + alpha I positive definite: a descent step
    x1d, std = Newton(damping=3.0).step(x0, Newton().init(x0), sad)
    assert std.descent and sad.f(x1d) < sad.f(x0)
    # y grows by the factor 1 + 2 / (alpha - 2): away from the saddle
    assert_allclose(x1d[1], x0[1] * (1 + 2.0 / (3.0 - 2.0)))


def test_newton_converges_on_rosenbrock_and_flags_divergence():
    tr = optimize(Newton(), objectives.rosenbrock(), np.array([-1.2, 1.0]), steps=10)
    assert_allclose(tr.final, [1.0, 1.0], atol=1e-10)
    # f = log cosh x: Newton's map is x -> x - sinh x cosh x, which blows up from x = 1.5
    logcosh = Objective(f=lambda th: np.log(np.cosh(th[..., 0])),
                        grad=np.tanh,
                        hess=lambda th: np.cosh(th)[..., None] ** -2.0)
    x0 = np.array([[0.5], [1.5]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        tr = optimize(Newton(), logcosh, x0, steps=8)
    assert_allclose(tr.thetas[1], x0 - np.sinh(x0) * np.cosh(x0))
    assert abs(tr.final[0, 0]) < 1e-12
    assert list(tr.diverged) == [False, True]


def test_newton_singular_hessian_does_not_crash():
    flat = objectives.quadratic(np.diag([2.0, 0.0]), b=[2.0, 0.0])  # minimizers x = 1, any y
    x1, _ = Newton().step(np.array([[3.0, 5.0]]), Newton().init(None), flat)
    assert_allclose(x1, [[1.0, 5.0]])  # pseudo-inverse: no move along the flat axis


# ------------------------------------------------------------------ steepest descent, zig-zag

def test_steepest_descent_exact_iterates_and_orthogonal_gradients():
    q = objectives.valley()
    H = np.diag([12.0, 80.0])
    x = np.array([2.5, 1.2])
    tr = optimize(SteepestDescent(line_search="exact"), q, x, steps=8)
    # hand-computed: alpha_k = g^T g / g^T H g, x <- x - alpha g
    for k in range(8):
        g = q.grad(x)
        x = x - (g @ g) / (g @ H @ g) * g
        assert_allclose(tr.thetas[k + 1], x, rtol=1e-10)
    G = q.grad(tr.thetas)
    cos = (G[1:] * G[:-1]).sum(-1) / np.linalg.norm(G[1:], axis=-1) / np.linalg.norm(G[:-1],
                                                                                      axis=-1)
    assert_allclose(cos, 0.0, atol=1e-9)  # successive directions at right angles


# ------------------------------------------------------------------ conjugate gradients (8.9)

@pytest.mark.parametrize("beta", ["fletcher-reeves", "polak-ribiere"])
def test_cg_exact_finishes_quadratic_in_d_steps_with_conjugate_directions(beta):
    d = 7
    q, H, b = random_quadratic(d, RNG, kappa=100.0)
    theta0 = RNG.standard_normal((3, d))
    opt = ConjugateGradient(beta=beta, line_search="exact")
    tr = optimize(opt, q, theta0, steps=d, record=lambda th, st: {
        "p": np.zeros_like(th) if st.p is None else st.p})
    assert_allclose(tr.final, np.broadcast_to(np.linalg.solve(H, b), (3, d)), atol=1e-8)
    assert (tr.grad_norms[d - 1] > 1e-3).all()  # not finished early by luck
    P = tr.extras["p"][1:]  # (d, 3, d): direction used by step k, for each problem
    for n in range(3):
        C = P[:, n] @ H @ P[:, n].T
        scale = np.sqrt(np.outer(np.diag(C), np.diag(C)))
        cos_H = (C - np.diag(np.diag(C))) / scale  # the H-inner-product cosines
        assert np.abs(cos_H).max() < 1e-5  # (rounding slowly erodes exact conjugacy)


def test_cg_first_direction_is_steepest_and_beta_formulas():
    # Two hand-computed steps on J = 1/2 x^T diag(1, 4) x from (2, 1) with exact searches.
    H = np.diag([1.0, 4.0])
    q = objectives.quadratic(H)
    x0 = np.array([2.0, 1.0])
    g0 = H @ x0
    a0 = (g0 @ g0) / (g0 @ H @ g0)
    x1 = x0 - a0 * g0
    g1 = H @ x1
    for beta_name, beta in [("fletcher-reeves", (g1 @ g1) / (g0 @ g0)),
                            ("polak-ribiere", ((g1 - g0) @ g1) / (g0 @ g0))]:
        tr = optimize(ConjugateGradient(beta=beta_name, line_search="exact"), q, x0, 2,
                      record=lambda th, st: {"p": np.zeros(2) if st.p is None else st.p})
        assert_allclose(tr.thetas[1], x1)
        assert_allclose(tr.extras["p"][2], -g1 - beta * g0, rtol=1e-12)
        assert_allclose(tr.thetas[2], [0.0, 0.0], atol=1e-12)


def test_cg_restarts_every_restart_steps():
    obj = objectives.rosenbrock(d=4)
    opt = ConjugateGradient(beta="polak-ribiere", restart=3)
    tr = optimize(opt, obj, np.zeros(4), 9, record=lambda th, st: {
        "since": np.zeros(()) if st.since_restart is None else st.since_restart,
        "p": np.zeros(4) if st.p is None else st.p, "g": np.zeros(4) if st.g is None else st.g})
    since = tr.extras["since"][1:]
    assert since.max() <= 2
    for k in np.flatnonzero(since == 0):  # a restart step goes straight down the gradient
        g = obj.grad(tr.thetas[k])
        assert_allclose(tr.extras["p"][k + 1], -g)


# ------------------------------------------------------------------ BFGS and L-BFGS

def test_bfgs_update_secant_symmetry_and_skip():
    d = 5
    A = RNG.standard_normal((d, d))
    M = A @ A.T + np.eye(d)
    s = RNG.standard_normal((3, d))
    y = RNG.standard_normal((3, d))
    y[0] = np.abs(y[0]) * np.sign(s[0])  # y.s > 0
    y[1] = -y[0]                          # y.s < 0: must be skipped
    s[1] = s[0]
    Mb = np.broadcast_to(M, (3, d, d))
    new, ok = so.bfgs_update(Mb, s, y)
    assert list(ok) == [True, False, bool(s[2] @ y[2] > 0)]
    assert_allclose(new[0] @ y[0], s[0], rtol=1e-10)  # secant equation M+ y = s
    assert_allclose(new[0], new[0].T, atol=1e-12)
    assert np.linalg.eigvalsh(new[0]).min() > 0       # stays positive definite
    assert_allclose(new[1], M)                       # skipped


def test_bfgs_secant_after_every_step_and_inverse_hessian_on_quadratic():
    d = 6
    q, H, b = random_quadratic(d, RNG)
    opt = BFGS(line_search="exact")
    theta = RNG.standard_normal(d)
    state = opt.init(theta)
    for _ in range(d):
        new, state = opt.step(theta, state, q)
        s, y = new - theta, q.grad(new) - q.grad(theta)
        assert state.updated
        assert_allclose(state.Hinv @ y, s, rtol=1e-8, atol=1e-12)  # secant equation
        theta = new
    assert_allclose(state.Hinv, np.linalg.inv(H), rtol=1e-6, atol=1e-8)  # M_d = H^{-1}
    assert_allclose(theta, np.linalg.solve(H, b), atol=1e-8)


def test_bfgs_wolfe_secant_on_rosenbrock():
    r = objectives.rosenbrock()
    opt = BFGS()
    theta = np.array([-1.2, 1.0])
    state = opt.init(theta)
    for _ in range(10):
        new, state = opt.step(theta, state, r)
        s, y = new - theta, r.grad(new) - r.grad(theta)
        assert s @ y > 0  # strong Wolfe implies the curvature condition
        assert_allclose(state.Hinv @ y, s, rtol=1e-7, atol=1e-12)
        theta = new


def test_bfgs_skips_update_when_curvature_fails():
    sad = objectives.saddle()  # along (-0.2, 0.4) the curvature s^T H s is negative
    opt = BFGS(line_search="backtracking")
    x1, st = opt.step(np.array([0.1, 0.2]), opt.init(None), sad)
    s, y = x1 - np.array([0.1, 0.2]), sad.grad(x1) - sad.grad(np.array([0.1, 0.2]))
    assert s @ y < 0
    assert not st.updated
    assert_allclose(st.Hinv, np.eye(2))


def test_bad_gradient_resets_to_steepest_descent_without_crashing():
    # The gradient has the wrong sign: every "descent" direction goes uphill, so every line
    # search fails. Theta must stay put, failed is flagged, and the memory is reset.
    r = objectives.rosenbrock()
    wrong = Objective(f=r.f, grad=lambda th: -r.grad(th), hess=r.hess)
    x0 = np.array([[-1.2, 1.0], [0.5, 0.5]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for opt in (BFGS(), LBFGS(memory=3), ConjugateGradient(), SteepestDescent()):
            state = opt.init(x0)
            theta = x0
            for _ in range(3):
                theta, state = opt.step(theta, state, wrong)
            assert_allclose(theta, x0)
            assert state.failed.all()
    assert_allclose(state.f, r.f(x0))


def test_lbfgs_with_full_memory_matches_bfgs_on_quadratic():
    # With memory >= number of steps and M_0 = gamma I, the two-loop recursion applies exactly
    # the matrix that BFGS updates would build; check the direction against explicit updates.
    d, m = 5, 4
    q, H, b = random_quadratic(d, RNG)
    S = RNG.standard_normal((m, d))
    Y = S @ H  # secant pairs of the quadratic: y = H s
    g = RNG.standard_normal(d)
    gamma = (S[-1] @ Y[-1]) / (Y[-1] @ Y[-1])
    M = gamma * np.eye(d)
    for s, y in zip(S, Y):
        M, ok = so.bfgs_update(M, s, y)
        assert ok
    p = so.lbfgs_direction(g, S, Y, np.ones(m, dtype=bool))
    assert_allclose(p, -M @ g, rtol=1e-10)
    # empty slots are ignored: only the last two pairs stored
    valid = np.array([False, False, True, True])
    M2 = gamma * np.eye(d)
    for s, y in zip(S[2:], Y[2:]):
        M2, _ = so.bfgs_update(M2, s, y)
    assert_allclose(so.lbfgs_direction(g, S * valid[:, None], Y * valid[:, None], valid),
                    -M2 @ g, rtol=1e-10)


def test_validation_errors():
    with pytest.raises(ValueError, match="damping"):
        Newton(damping=-1.0)
    with pytest.raises(ValueError, match="beta"):
        ConjugateGradient(beta="hestenes")
    with pytest.raises(ValueError, match="line_search"):
        BFGS(line_search="golden")
    with pytest.raises(ValueError, match="memory"):
        LBFGS(memory=0)
    with pytest.raises(ValueError, match="restart"):
        ConjugateGradient(restart=0)
    with pytest.raises(ValueError, match="c2"):
        BFGS(c2=1.5)
    with pytest.raises(ValueError, match="hess"):
        Newton().step(np.zeros(2), Newton().init(None), Objective(f=lambda t: t.sum(-1),
                                                                   grad=np.ones_like))


def test_batched_problems_each_find_their_own_steps():
    r = objectives.rosenbrock()
    x0 = RNG.uniform(-2, 2, (6, 2))
    tr = optimize(BFGS(), r, x0, steps=15)
    for i in range(6):
        single = optimize(BFGS(), r, x0[i], steps=15)
        assert_allclose(tr.thetas[:, i], single.thetas, rtol=1e-12, atol=1e-14)


def test_steps_are_pure():
    r = objectives.rosenbrock()
    x0 = np.array([-1.2, 1.0])
    for opt in (BFGS(), LBFGS(), ConjugateGradient(), Newton(), SteepestDescent()):
        st = opt.init(x0)
        a, st1 = opt.step(x0.copy(), st, r)
        b, _ = opt.step(x0.copy(), st, r)
        assert_allclose(a, b)
        a2, _ = opt.step(a, st1, r)
        assert_allclose(x0, [-1.2, 1.0])


# ------------------------------------------------------------------ against SciPy

ROSEN_CASES = [
    ("rosenbrock d=2", objectives.rosenbrock(), np.array([-1.2, 1.0])),
    ("rosenbrock d=2", objectives.rosenbrock(), np.array([2.0, -1.0])),
    ("rosenbrock d=10", objectives.rosenbrock(d=10), np.zeros(10)),
]
METHODS = [
    ("BFGS", BFGS(), {}),
    ("L-BFGS-B", LBFGS(), {"ftol": 1e-15}),
    ("CG", ConjugateGradient(beta="polak-ribiere"), {}),
]


@pytest.mark.parametrize("case", ROSEN_CASES, ids=lambda c: c[0])
@pytest.mark.parametrize("method", METHODS, ids=lambda m: m[0])
def test_same_minimizer_and_iterations_as_scipy_on_rosenbrock(case, method):
    _, obj, x0 = case
    name, opt, extra = method
    res = so.run_until(opt, obj, x0, gtol=1e-5, max_iter=2000)
    ref = minimize(obj.f, x0, jac=obj.grad, method=name, options={"gtol": 1e-5, **extra})
    assert res.converged and ref.success
    assert_allclose(res.theta, ref.x, atol=1e-4)
    assert_allclose(res.theta, obj.minimizer, atol=1e-4)
    assert res.iterations <= 1.25 * ref.nit, (res.iterations, ref.nit)
    # evaluation counts are the optimizer's own, and in the same range as SciPy's
    assert res.counts.grad_points <= 2 * ref.njev
    assert res.counts.f_points <= 2 * ref.nfev


def test_run_until_flags_divergence_and_counts_batched():
    unbounded = Objective(f=lambda th: -np.exp(th[..., 0]),
                          grad=lambda th: -np.exp(th))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        res = so.run_until(SteepestDescent(line_search="backtracking"), unbounded,
                           np.array([0.0]), max_iter=2000)
    assert not res.converged
    assert res.diverged or res.f < -1e100
    r = objectives.rosenbrock()
    res = so.run_until(BFGS(), r, np.array([[-1.2, 1.0], [2.0, -1.0]]))
    assert res.converged.all() and res.iterations.shape == (2,)
    single = so.run_until(BFGS(), r, np.array([2.0, -1.0]))
    assert res.iterations[1] == single.iterations


def test_small_network_reaches_scipys_minimizer_in_as_many_iterations():
    # A 3-4-1 tanh network (21 parameters) fitting 40 points, with an L2 penalty so the
    # minimum is isolated; SciPy's BFGS / L-BFGS-B / CG from the same start as the reference.
    from optkit import with_l2
    from optkit.nn import MLP

    rng = np.random.default_rng(3)
    X = rng.standard_normal((40, 3))
    y = np.sin(X[:, 0]) + 0.5 * X[:, 1] * X[:, 2]
    net = MLP(sizes=(3, 4, 1), activation="tanh", loss="mse")
    obj = with_l2(net.objective(X, y), 0.03)
    theta0 = net.init(np.random.default_rng(2))
    for name, opt, extra in METHODS:
        res = so.run_until(opt, obj, theta0, gtol=1e-5, max_iter=3000)
        ref = minimize(obj.f, theta0, jac=obj.grad, method=name,
                       options={"gtol": 1e-5, "maxiter": 3000, **extra})
        assert res.converged and ref.success, name
        assert_allclose(res.theta, ref.x, atol=1e-3)
        assert_allclose(res.f, ref.fun, rtol=1e-8)
        assert res.iterations <= 1.25 * ref.nit, (name, res.iterations, ref.nit)
