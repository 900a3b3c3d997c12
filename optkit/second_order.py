"""Approximate second-order methods of section 8.6, and steepest descent with a line search.

Each optimizer is a frozen dataclass of hyper-parameters with two pure methods::

    state = opt.init(theta)
    theta, state = opt.step(theta, state, objective)    # one iteration of the method

* :class:`Newton` (Algorithm 8.8, damping 8.28) needs ``objective.hess``.
* :class:`SteepestDescent`, :class:`ConjugateGradient` (Algorithm 8.9), :class:`BFGS` and
  :class:`LBFGS` choose a direction and then a step length by a line search
  (``optkit.line_search``): ``line_search`` is "wolfe" (strong Wolfe, the default),
  "backtracking" (Armijo) or "exact" (uses ``hess``; exact on quadratics).

The line-search methods keep J(theta) and grad J(theta) of the iterate they return in their
state (``f``, ``g``), so the next step does not evaluate them again; the state belongs to the
theta returned with it. Their state also carries ``failed``: True where the last line search
found no decrease. Then theta is left where it was and the method's memory (conjugate
direction, inverse-Hessian estimate, L-BFGS pairs) is dropped, so the next step is a steepest
descent step. A direction that is not downhill (g.p >= 0) is replaced by -g in the same way.
Nothing raises on a bad step: problems whose values go non-finite are flagged by
``optimize`` (``Trace.diverged``) or :func:`run_until`.

All arrays are batched over leading axes: each problem finds its own step length.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from . import _checks
from . import line_search as ls
from .first_order import Optimizer
from .objectives import Objective

# ----------------------------------------------------------------------------- helpers


def _dot(a, b):
    return (a * b).sum(-1)


def _value_and_grad(state, objective, theta):
    """J and grad J at theta: from the state if the last step left them there."""
    if state.g is not None:
        return state.f, state.g
    return (np.asarray(objective.f(theta), dtype=float),
            np.asarray(objective.grad(theta), dtype=float))


def _first_alpha(f, g, f_prev, p):
    """Initial trial step: 2 (J_k - J_{k-1}) / phi'(0), capped at 1 (Nocedal & Wright 3.60).

    It assumes the decrease of J will be about the same as in the last step. On the first
    step (no J_{k-1}), it takes a step of length about 1 along the gradient: alpha0 = 1/||g||.
    """
    slope = _dot(g, p)
    with np.errstate(all="ignore"):
        if f_prev is None:
            guess = 1.0 / np.sqrt(_dot(g, g))
        else:
            guess = 2.02 * (f - f_prev) / slope
        return np.where(np.isfinite(guess) & (guess > 0), np.minimum(1.0, guess), 1.0)


def _ensure_descent(g, p):
    """Replace p by -g where p is not a descent direction; returns (p, reset)."""
    with np.errstate(all="ignore"):
        bad = ~(_dot(g, p) < 0) | ~np.isfinite(p).all(-1)
    return np.where(bad[..., None], -g, p), bad


def _line_search(opt, objective, theta, f, g, p, alpha0):
    """Run the optimizer's line search and return the new theta, f, g and whether it moved."""
    res = ls.search(opt.line_search, objective, theta, p, f, g, alpha0, c1=opt.c1, c2=opt.c2)
    moved = res.alpha > 0
    new_theta = np.where(moved[..., None], theta + res.alpha[..., None] * p, theta)
    stationary = ~(_dot(g, g) > 0)  # g = 0: nothing to search for, not a failure
    return new_theta, res.f, res.g, res.alpha, moved, ~moved & ~stationary


def _check_search(line_search, c1, c2):
    _checks.one_of("line_search", line_search, set(ls.KINDS))
    ls._check_constants(c1, c2)


# ----------------------------------------------------------------------------- Newton


class NewtonState(NamedTuple):
    k: int
    descent: np.ndarray | None  # (...) was the last step downhill (g . step < 0)?


@dataclass(frozen=True)
class Newton(Optimizer):
    """Algorithm 8.8 (Newton's method), with the damping of 8.28:

        theta <- theta - (H + damping I)^{-1} g,   H = hess J(theta), g = grad J(theta)

    Newton's update (8.27) jumps to the stationary point of the second-order Taylor model
    (8.26): on a positive-definite quadratic it lands on the minimum in one step, but where
    H has negative eigenvalues it moves *towards* a saddle point or maximum along them.
    Adding ``damping`` = alpha I (Levenberg-Marquardt style) shortens the step and, once
    alpha exceeds -lambda_min(H), makes it a descent direction again. There is no line search
    (one step is one full Newton step, as in the book); a singular H + alpha I is handled with
    the pseudo-inverse. Cost per step: one Hessian and one O(d^3) solve.
    """

    damping: float = 0.0

    def __post_init__(self):
        _checks.positive("damping", self.damping, allow_zero=True)

    def init(self, theta):
        return NewtonState(k=0, descent=None)

    def step(self, theta, state, objective):
        if objective.hess is None:
            raise ValueError(f"Newton needs an objective with a Hessian; {objective.name} "
                             "has hess=None")
        g = np.asarray(objective.grad(theta), dtype=float)
        H = np.asarray(objective.hess(theta), dtype=float)
        if self.damping:
            H = H + self.damping * np.eye(theta.shape[-1])
        with np.errstate(all="ignore"):
            try:
                delta = np.linalg.solve(H, g[..., None])[..., 0]
            except np.linalg.LinAlgError:  # some H singular: minimum-norm solution instead
                delta = (np.linalg.pinv(H) @ g[..., None])[..., 0]
            descent = _dot(g, delta) > 0  # the step is -delta
        return theta - delta, NewtonState(state.k + 1, descent)


# ----------------------------------------------------------------------------- line-search methods


class DescentState(NamedTuple):
    k: int
    f: np.ndarray | None       # J(theta) at the current iterate (None before the first step)
    g: np.ndarray | None       # grad J(theta)
    f_prev: np.ndarray | None  # J at the previous iterate (for the initial trial step)
    alpha: np.ndarray | None   # the last step length
    failed: np.ndarray | None  # the last line search found no decrease


@dataclass(frozen=True)
class SteepestDescent(Optimizer):
    """Steepest descent with a line search: p = -g, theta <- theta + alpha* p.

    With ``line_search="exact"`` on a quadratic, alpha* minimizes J along p, so the new
    gradient is orthogonal to p: successive directions are at right angles and the path
    zig-zags across a narrow valley (the book's figure 8.6).
    """

    line_search: str = "wolfe"
    c1: float = 1e-4
    c2: float = 0.9

    def __post_init__(self):
        _check_search(self.line_search, self.c1, self.c2)

    def init(self, theta):
        return DescentState(0, None, None, None, None, None)

    def step(self, theta, state, objective):
        f, g = _value_and_grad(state, objective, theta)
        p = -g
        alpha0 = _first_alpha(f, g, state.f_prev, p)
        theta_new, f_new, g_new, alpha, moved, failed = _line_search(
            self, objective, theta, f, g, p, alpha0)
        return theta_new, DescentState(state.k + 1, f_new, g_new, f, alpha, failed)


class CGState(NamedTuple):
    k: int
    f: np.ndarray | None
    g: np.ndarray | None
    f_prev: np.ndarray | None
    g_prev: np.ndarray | None  # gradient at the previous iterate
    p: np.ndarray | None       # the direction used by the last step
    since_restart: np.ndarray | None  # (...) steps since the direction was last -g
    alpha: np.ndarray | None
    failed: np.ndarray | None


@dataclass(frozen=True)
class ConjugateGradient(Optimizer):
    """Algorithm 8.9 (nonlinear conjugate gradients):

        p_t = -g_t + beta_t p_{t-1}                                         (8.29)
        Fletcher-Reeves:  beta_t = g_t.g_t / g_{t-1}.g_{t-1}                 (8.30)
        Polak-Ribiere:    beta_t = (g_t - g_{t-1}).g_t / g_{t-1}.g_{t-1}     (8.31)
        theta_{t+1} = theta_t + alpha* p_t,   alpha* from a line search

    With exact line searches on a d-dimensional quadratic, the directions are conjugate
    (p_i^T H p_j = 0) and the minimum is reached in at most d steps. On other functions the
    method *restarts* (beta = 0, p = -g) every ``restart`` steps (None: every d steps, d the
    number of parameters), and whenever p_t is not a descent direction or the line search
    fails. ``c2`` defaults to 0.1: the next direction relies on an accurate line minimum.
    SciPy's ``minimize(method="CG")`` uses Polak-Ribiere.
    """

    beta: str = "fletcher-reeves"
    line_search: str = "wolfe"
    restart: int | None = None
    c1: float = 1e-4
    c2: float = 0.1

    def __post_init__(self):
        _checks.one_of("beta", self.beta, {"fletcher-reeves", "polak-ribiere"})
        _check_search(self.line_search, self.c1, self.c2)
        if self.restart is not None:
            _checks.positive_int("restart", self.restart)

    def init(self, theta):
        return CGState(0, None, None, None, None, None, None, None, None)

    def step(self, theta, state, objective):
        f, g = _value_and_grad(state, objective, theta)
        every = theta.shape[-1] if self.restart is None else self.restart
        if state.p is None:
            p, since = -g, np.zeros(theta.shape[:-1], dtype=int)
        else:
            with np.errstate(all="ignore"):
                gg_prev = _dot(state.g_prev, state.g_prev)
                if self.beta == "fletcher-reeves":
                    beta = _dot(g, g) / gg_prev
                else:
                    beta = _dot(g - state.g_prev, g) / gg_prev
                restart = (state.since_restart + 1 >= every) | state.failed | ~np.isfinite(beta)
                beta = np.where(restart, 0.0, beta)
                p = -g + beta[..., None] * state.p
            p, not_descent = _ensure_descent(g, p)
            since = np.where(restart | not_descent, 0, state.since_restart + 1)
        alpha0 = _first_alpha(f, g, state.f_prev, p)
        theta_new, f_new, g_new, alpha, moved, failed = _line_search(
            self, objective, theta, f, g, p, alpha0)
        return theta_new, CGState(state.k + 1, f_new, g_new, f, g, p, since, alpha, failed)


def bfgs_update(Hinv, s, y, *, eps: float = 1e-10):
    """The BFGS update of an inverse-Hessian estimate M = ``Hinv`` from a step s and the
    change of gradient y it caused (the secant pair):

        M+ = (I - rho s y^T) M (I - rho y s^T) + rho s s^T,   rho = 1 / (y^T s)

    M+ is the symmetric matrix closest to M (in a weighted norm) that satisfies the secant
    equation M+ y = s, and it stays positive definite when y^T s > 0 (the curvature
    condition). Where y^T s <= eps ||s|| ||y|| the update is skipped and M returned.
    Returns (M+, updated) with ``updated`` (...) boolean. Batched over leading axes.
    """
    with np.errstate(all="ignore"):
        sy = _dot(s, y)
        ok = sy > eps * np.sqrt(_dot(s, s) * _dot(y, y))
        rho = np.where(ok, 1.0 / np.where(ok, sy, 1.0), 0.0)
        My = np.einsum("...ij,...j->...i", Hinv, y)
        yMy = _dot(y, My)
        outer = np.einsum("...i,...j->...ij", s, My)
        new = (Hinv - rho[..., None, None] * (outer + np.swapaxes(outer, -1, -2))
               + (rho**2 * yMy + rho)[..., None, None] * np.einsum("...i,...j->...ij", s, s))
    return np.where(ok[..., None, None], new, Hinv), ok


class BFGSState(NamedTuple):
    k: int
    f: np.ndarray | None
    g: np.ndarray | None
    Hinv: np.ndarray | None    # (..., d, d) the inverse-Hessian estimate M_k
    fresh: np.ndarray | None   # (...) M_k is still the initial identity (never updated)
    alpha: np.ndarray | None
    updated: np.ndarray | None  # (...) the last step updated M (curvature condition held)
    failed: np.ndarray | None


@dataclass(frozen=True)
class BFGS(Optimizer):
    """BFGS (section 8.6.3): a quasi-Newton method that learns the inverse Hessian.

    Newton's step -H^{-1} g (8.32) is approximated with a matrix M_k ~ H^{-1} built from the
    steps s = theta_{k+1} - theta_k and gradient changes y = g_{k+1} - g_k (:func:`bfgs_update`):

        p_k = -M_k g_k;  theta_{k+1} = theta_k + alpha* p_k  (8.33);  M_{k+1} from (s, y)

    M_0 = I, and the first step's trial length is 1/||g|| (later ones: 1, the quasi-Newton
    step). We tried rescaling M_0 to (y^T s / y^T y) I before the first update (Nocedal &
    Wright 6.20): it took 2-4x more iterations on ill-conditioned quadratics, so M_0 stays I,
    as in SciPy. The strong Wolfe search
    (c2 = 0.9) guarantees y^T s > 0; with other searches a pair failing the curvature
    condition is skipped. Storing M costs O(d^2) memory, each step O(d^2) work.
    SciPy: ``minimize(method="BFGS")``; PyTorch has no BFGS (only L-BFGS).
    """

    line_search: str = "wolfe"
    c1: float = 1e-4
    c2: float = 0.9

    def __post_init__(self):
        _check_search(self.line_search, self.c1, self.c2)

    def init(self, theta):
        return BFGSState(0, None, None, None, None, None, None, None)

    def step(self, theta, state, objective):
        f, g = _value_and_grad(state, objective, theta)
        batch, d = theta.shape[:-1], theta.shape[-1]
        eye = np.broadcast_to(np.eye(d), batch + (d, d))
        if state.Hinv is None:
            M, fresh = eye, np.ones(batch, dtype=bool)
        else:
            M, fresh = state.Hinv, state.fresh
        p = -np.einsum("...ij,...j->...i", M, g)
        p, reset = _ensure_descent(g, p)
        M = np.where(reset[..., None, None], eye, M)
        fresh = fresh | reset
        alpha0 = np.where(fresh, np.minimum(1.0, 1.0 / np.sqrt(_dot(g, g))), 1.0)
        theta_new, f_new, g_new, alpha, moved, failed = _line_search(
            self, objective, theta, f, g, p, alpha0)
        M_new, updated = bfgs_update(M, theta_new - theta, g_new - g)
        M_new = np.where(failed[..., None, None], eye, M_new)  # lost: start again from -g
        fresh = (fresh & ~updated) | failed
        return theta_new, BFGSState(state.k + 1, f_new, g_new, M_new, fresh, alpha, updated,
                                    failed)


class LBFGSState(NamedTuple):
    k: int
    f: np.ndarray | None
    g: np.ndarray | None
    S: np.ndarray | None      # (..., m, d) the last m steps s, oldest first
    Y: np.ndarray | None      # (..., m, d) the matching gradient changes y
    valid: np.ndarray | None  # (..., m) which slots hold a pair
    alpha: np.ndarray | None
    failed: np.ndarray | None


def lbfgs_direction(g, S, Y, valid):
    """-M g for the L-BFGS inverse-Hessian estimate M, by the two-loop recursion.

    M is what m BFGS updates with the stored pairs (oldest first) would make of
    gamma I, gamma = s^T y / y^T y of the newest pair, without ever forming a d x d matrix:
    O(m d) work. Empty slots (``valid`` False) contribute nothing. Batched over leading axes.
    """
    m = S.shape[-2]
    with np.errstate(all="ignore"):
        sy = _dot(S, Y)  # (..., m)
        rho = np.where(valid, 1.0 / np.where(valid, sy, 1.0), 0.0)
        q = g
        a = np.zeros(sy.shape)
        for i in range(m - 1, -1, -1):  # newest to oldest
            a[..., i] = rho[..., i] * _dot(S[..., i, :], q)
            q = q - a[..., i, None] * Y[..., i, :]
        yy = _dot(Y[..., -1, :], Y[..., -1, :])
        gamma = np.where(valid[..., -1], sy[..., -1] / np.where(valid[..., -1], yy, 1.0), 1.0)
        r = gamma[..., None] * q
        for i in range(m):  # oldest to newest
            b = rho[..., i] * _dot(Y[..., i, :], r)
            r = r + (a[..., i] - b)[..., None] * S[..., i, :]
    return -r


@dataclass(frozen=True)
class LBFGS(Optimizer):
    """L-BFGS (limited-memory BFGS, section 8.6.3): BFGS without the d x d matrix.

    It keeps only the last ``memory`` = m pairs (s, y) and applies the inverse-Hessian
    estimate to g by the two-loop recursion (:func:`lbfgs_direction`): O(m d) memory and
    work per step instead of O(d^2), which is what makes it usable for networks. Pairs that
    fail the curvature condition y^T s > 0 are not stored. SciPy's nearest method is
    ``minimize(method="L-BFGS-B")`` (m = 10 by default, a different line search, bounds).
    PyTorch: ``torch.optim.LBFGS(history_size=memory, line_search_fn="strong_wolfe")``, whose
    ``step`` runs up to ``max_iter`` = 20 iterations per call (ours: one).
    """

    memory: int = 10
    line_search: str = "wolfe"
    c1: float = 1e-4
    c2: float = 0.9

    def __post_init__(self):
        _checks.positive_int("memory", self.memory)
        _check_search(self.line_search, self.c1, self.c2)

    def init(self, theta):
        return LBFGSState(0, None, None, None, None, None, None, None)

    def step(self, theta, state, objective):
        f, g = _value_and_grad(state, objective, theta)
        batch, d, m = theta.shape[:-1], theta.shape[-1], self.memory
        if state.S is None:
            S, Y = np.zeros(batch + (m, d)), np.zeros(batch + (m, d))
            valid = np.zeros(batch + (m,), dtype=bool)
        else:
            S, Y, valid = state.S, state.Y, state.valid
        p = lbfgs_direction(g, S, Y, valid)
        p, reset = _ensure_descent(g, p)
        valid = valid & ~reset[..., None]
        empty = ~valid.any(-1)
        alpha0 = np.where(empty, np.minimum(1.0, 1.0 / np.sqrt(_dot(g, g))), 1.0)
        theta_new, f_new, g_new, alpha, moved, failed = _line_search(
            self, objective, theta, f, g, p, alpha0)
        s, y = theta_new - theta, g_new - g
        with np.errstate(all="ignore"):
            keep = _dot(s, y) > 1e-10 * np.sqrt(_dot(s, s) * _dot(y, y))
        S = np.where(keep[..., None, None], np.concatenate([S[..., 1:, :], s[..., None, :]], -2),
                     S)
        Y = np.where(keep[..., None, None], np.concatenate([Y[..., 1:, :], y[..., None, :]], -2),
                     Y)
        valid = np.where(keep[..., None], np.concatenate([valid[..., 1:], keep[..., None]], -1),
                         valid)
        valid = valid & ~failed[..., None]
        return theta_new, LBFGSState(state.k + 1, f_new, g_new, S, Y, valid, alpha, failed)


# ----------------------------------------------------------------------------- a stopping driver


class RunResult(NamedTuple):
    """What :func:`run_until` measured.

    theta (..., d), f (...): where each problem stopped; grad_norm (...): max-norm of the
    gradient there; iterations (...): steps taken until ||g||_inf <= gtol (or max_iter);
    converged, diverged (...): booleans; counts: the optimizer's own evaluations
    (:class:`optkit.line_search.EvaluationCount`, summed over the batch); seconds: wall time.
    """

    theta: np.ndarray
    f: np.ndarray
    grad_norm: np.ndarray
    iterations: np.ndarray
    converged: np.ndarray
    diverged: np.ndarray
    counts: ls.EvaluationCount
    seconds: float


def run_until(opt, objective: Objective, theta0, *, gtol: float = 1e-5,
              max_iter: int = 1000) -> RunResult:
    """Step ``opt`` until the gradient's max-norm is <= ``gtol`` (SciPy's BFGS / CG test).

    Unlike :func:`optkit.optimize` (a fixed number of steps, every iterate recorded), this
    runs each problem until it converges, as ``scipy.optimize.minimize`` does, and counts the
    evaluations the optimizer itself makes. The convergence test reuses the gradient kept in
    the optimizer's state when there is one, and otherwise evaluates it uncounted. A problem
    is frozen once it converges or its value or gradient becomes non-finite (``diverged``).
    For per-problem evaluation counts, run one problem at a time.
    """
    _checks.positive("gtol", gtol)
    _checks.positive_int("max_iter", max_iter, minimum=0)
    counted, counts = ls.count_evaluations(objective)
    theta = np.array(theta0, dtype=float)
    batch = theta.shape[:-1]
    out_theta = theta.copy()
    out_f = np.full(batch, np.nan)
    out_gn = np.full(batch, np.nan)
    iterations = np.zeros(batch, dtype=int)
    active = np.ones(batch, dtype=bool)
    converged = np.zeros(batch, dtype=bool)
    diverged = np.zeros(batch, dtype=bool)
    start = time.perf_counter()
    with np.errstate(all="ignore"):
        state = opt.init(theta)
        for k in range(max_iter + 1):
            g = getattr(state, "g", None)
            g = objective.grad(theta) if g is None else g
            f = getattr(state, "f", None)
            f = objective.f(theta) if f is None else f
            gn = np.abs(g).max(-1)
            bad = active & ~(np.isfinite(f) & np.isfinite(gn))
            diverged |= bad
            active &= ~bad
            out_theta = np.where(active[..., None], theta, out_theta)
            out_f = np.where(active, f, out_f)
            out_gn = np.where(active, gn, out_gn)
            iterations = np.where(active, k, iterations)
            now = active & (gn <= gtol)
            converged |= now
            active &= ~now
            if not active.any() or k == max_iter:
                break
            theta, state = opt.step(theta, state, counted)
    return RunResult(out_theta, out_f, out_gn, iterations, converged, diverged, counts,
                     time.perf_counter() - start)
