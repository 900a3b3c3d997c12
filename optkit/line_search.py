"""Line searches (8.6): how far to move along a direction p from theta.

A line search looks at the one-dimensional function phi(alpha) = J(theta + alpha p), with
phi'(alpha) = grad J(theta + alpha p) . p, and returns a step length alpha > 0. Three kinds:

* :func:`backtracking` (Armijo): start at alpha0 and halve until the *sufficient decrease*
  (Armijo) condition  phi(alpha) <= phi(0) + c1 alpha phi'(0)  holds.
* :func:`strong_wolfe`: sufficient decrease plus the *strong curvature* condition
  |phi'(alpha)| <= c2 |phi'(0)|, found by bracketing an interval that must contain such a step
  and then shrinking it ("zoom") with safeguarded quadratic interpolation
  (Nocedal & Wright 2006, Algorithms 3.5-3.6). c1 = 1e-4; c2 = 0.9 for (quasi-)Newton
  methods, c2 = 0.1 for nonlinear conjugate gradients, whose next direction needs an
  accurate step.
* :func:`exact`: alpha = -g.p / (p^T H p), the minimizer of the second-order model along p.
  On a quadratic this *is* the exact line minimizer, which is what makes conjugate gradients
  finish a d-dimensional quadratic in d steps (Algorithm 8.9). Elsewhere it is guarded by
  backtracking, so it always decreases J.

Everything is batched: ``theta`` and ``p`` have shape (..., d) and every problem on the
leading axes finds its own step. Only the problems still searching are evaluated (the
objective is called on the rows that need it), and the Python loop runs over line-search
iterations, with a fixed maximum. A search that finds no decrease returns alpha = 0 and
``ok = False`` instead of raising: the caller decides what to do (the methods in
``optkit.second_order`` reset to steepest descent).

:func:`count_evaluations` wraps an objective to count its f and grad evaluations, for
comparing methods (and SciPy) by cost rather than by iterations.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import NamedTuple

import numpy as np

from . import _checks
from .objectives import Objective

KINDS = ("wolfe", "backtracking", "exact")


class LineSearchResult(NamedTuple):
    """The outcome of a batched line search (leading axes as theta's).

    alpha: (...)     the step lengths (0 where no decrease was found)
    f:     (...)     J(theta + alpha p)
    g:     (..., d)  grad J(theta + alpha p)
    ok:    (...)     True where the search's conditions hold at alpha (for "wolfe": both
                     strong Wolfe conditions; for the others: sufficient decrease)
    """

    alpha: np.ndarray
    f: np.ndarray
    g: np.ndarray
    ok: np.ndarray


def _flat(theta, p, f0, g0, alpha0):
    """Reshape everything to (B, d) / (B,) so the searches can index problems by row."""
    theta = np.asarray(theta, dtype=float)
    batch, d = theta.shape[:-1], theta.shape[-1]
    B = int(np.prod(batch, dtype=int))
    th = theta.reshape(B, d)
    p = np.broadcast_to(np.asarray(p, dtype=float), theta.shape).reshape(B, d)
    f0 = np.broadcast_to(np.asarray(f0, dtype=float), batch).reshape(B)
    g0 = np.broadcast_to(np.asarray(g0, dtype=float), theta.shape).reshape(B, d)
    a0 = np.broadcast_to(np.asarray(alpha0, dtype=float), batch).reshape(B).copy()
    return batch, th, p, f0, g0, a0


def _check_alpha0(alpha0):
    a = np.asarray(alpha0, dtype=float)
    if not np.all(np.isfinite(a) & (a > 0)):
        raise ValueError(f"alpha0 (the first trial step) must be finite and in (0, inf), "
                         f"got {alpha0!r}")


def _result(batch, alpha, f, g, ok) -> LineSearchResult:
    d = g.shape[-1]
    return LineSearchResult(alpha.reshape(batch), f.reshape(batch), g.reshape(batch + (d,)),
                            ok.reshape(batch))


def _check_constants(c1, c2=None):
    if not (_checks._is_number(c1) and 0 < c1 < 1):
        raise ValueError(f"c1 must be in (0, 1), got {c1!r}")
    if c2 is not None and not (_checks._is_number(c2) and c1 < c2 < 1):
        raise ValueError(f"c2 must be in (c1, 1) = ({c1}, 1), got {c2!r}")


def backtracking(objective: Objective, theta, p, f0, g0, alpha0=1.0, *, c1: float = 1e-4,
                 shrink: float = 0.5, max_iter: int = 60) -> LineSearchResult:
    """Backtracking (Armijo) line search: alpha = alpha0 shrink^j for the smallest j >= 0 with

        J(theta + alpha p) <= J(theta) + c1 alpha g.p          (sufficient decrease)

    ``f0`` = J(theta) and ``g0`` = grad J(theta) are passed in (the caller has them). Each
    problem stops at its own j; after ``max_iter`` halvings without decrease, alpha = 0.
    """
    _check_constants(c1)
    if not (_checks._is_number(shrink) and 0 < shrink < 1):
        raise ValueError(f"shrink must be in (0, 1), got {shrink!r}")
    _checks.positive_int("max_iter", max_iter)
    _check_alpha0(alpha0)
    batch, th, p, f0, g0, alpha = _flat(theta, p, f0, g0, alpha0)
    slope = (g0 * p).sum(-1)
    found = np.zeros(alpha.shape, dtype=bool)
    searching = slope < 0  # uphill or flat directions have no decrease to find
    f_new = f0.copy()
    with np.errstate(all="ignore"):
        for _ in range(max_iter):
            idx = np.flatnonzero(searching)
            if idx.size == 0:
                break
            ft = np.asarray(objective.f(th[idx] + alpha[idx, None] * p[idx]), dtype=float)
            good = ft <= f0[idx] + c1 * alpha[idx] * slope[idx]  # False for nan
            found[idx[good]] = True
            searching[idx[good]] = False
            f_new[idx[good]] = ft[good]
            alpha[idx[~good]] *= shrink
        done = found
        alpha = np.where(done, alpha, 0.0)
        g_new = g0.copy()
        moved = np.flatnonzero(done)
        if moved.size:
            g_new[moved] = objective.grad(th[moved] + alpha[moved, None] * p[moved])
    return _result(batch, alpha, f_new, g_new, done)


def _zoom_trial(lo, f_lo, d_lo, hi, f_hi):
    """Minimizer of the quadratic through (lo, f_lo) with slope d_lo and through (hi, f_hi),
    kept inside the middle 80% of [lo, hi]; bisection when the quadratic has no minimum."""
    width = hi - lo
    curv = 2.0 * (f_hi - f_lo - d_lo * width)  # = 2 * (quadratic's coefficient) * width^2
    t = -d_lo * width / curv  # fraction of the way from lo to hi
    t = np.where(np.isfinite(t) & (curv > 0), np.clip(t, 0.1, 0.9), 0.5)
    return lo + t * width


def strong_wolfe(objective: Objective, theta, p, f0, g0, alpha0=1.0, *, c1: float = 1e-4,
                 c2: float = 0.9, max_iter: int = 30, alpha_max: float = 1e10
                 ) -> LineSearchResult:
    """Strong Wolfe line search: find alpha with

        J(theta + alpha p) <= J(theta) + c1 alpha g.p                 (sufficient decrease)
        |grad J(theta + alpha p) . p| <= c2 |g.p|                      (strong curvature)

    Phase 1 (bracketing) tries alpha0, 2 alpha0, 4 alpha0, ... until a trial fails sufficient
    decrease, is no lower than the previous trial, or has phi' >= 0: then [lo, hi] contains
    an acceptable step. Phase 2 (zoom) tries the safeguarded quadratic interpolant inside
    [lo, hi], keeping lo the lowest point found that satisfies sufficient decrease.
    The gradient at a trial is evaluated only when the trial passes the value tests.

    Problems that exhaust ``max_iter`` trials return their best sufficient-decrease point
    (``ok = False``), or alpha = 0 if there is none. A non-finite value counts as too high,
    so the search backs away from overflow instead of accepting it.
    """
    _check_constants(c1, c2)
    _checks.positive_int("max_iter", max_iter)
    _checks.positive("alpha_max", alpha_max)
    _check_alpha0(alpha0)
    batch, th, p, f0, g0, a = _flat(theta, p, f0, g0, alpha0)
    a = np.minimum(a, alpha_max)
    B = a.shape[0]
    dphi0 = (g0 * p).sum(-1)
    # bracketing state: previous trial (starts at alpha = 0)
    a_prev, f_prev, d_prev = np.zeros(B), f0.copy(), dphi0.copy()
    first = np.ones(B, dtype=bool)
    # zoom state: lo has the lowest sufficient-decrease value so far, with its slope
    zoom = np.zeros(B, dtype=bool)
    lo, f_lo, d_lo = np.zeros(B), f0.copy(), dphi0.copy()
    hi, f_hi = np.zeros(B), f0.copy()
    # the best acceptable-so-far point (returned when the search runs out of trials)
    best_a, best_f, best_g = np.zeros(B), f0.copy(), g0.copy()
    done = dphi0 >= 0  # not a descent direction: nothing to search (alpha stays 0)
    ok = np.zeros(B, dtype=bool)
    with np.errstate(all="ignore"):
        for _ in range(max_iter):
            idx = np.flatnonzero(~done)
            if idx.size == 0:
                break
            z = zoom[idx]
            trial = np.where(z, _zoom_trial(lo[idx], f_lo[idx], d_lo[idx], hi[idx], f_hi[idx]),
                             a[idx])
            ft = np.asarray(objective.f(th[idx] + trial[:, None] * p[idx]), dtype=float)
            decrease = ft <= f0[idx] + c1 * trial * dphi0[idx]  # False for nan / inf
            not_lower = np.where(z, ft >= f_lo[idx], ~first[idx] & (ft >= f_prev[idx]))
            value_ok = decrease & ~not_lower
            # slopes only where the value tests passed
            dt = np.full(idx.size, np.nan)
            gt = np.full((idx.size, th.shape[1]), np.nan)
            j = np.flatnonzero(value_ok)
            if j.size:
                gt[j] = objective.grad(th[idx[j]] + trial[j, None] * p[idx[j]])
                dt[j] = (gt[j] * p[idx[j]]).sum(-1)
            curvature_ok = value_ok & (np.abs(dt) <= -c2 * dphi0[idx])
            # every point passing the value tests improves on the best one so far
            best_a[idx[j]], best_f[idx[j]], best_g[idx[j]] = trial[j], ft[j], gt[j]

            # 1. accepted: both conditions hold
            acc = idx[curvature_ok]
            done[acc] = ok[acc] = True
            # 2. bracketing, value too high: the step lies in [a_prev, trial]
            m = idx[~z & ~value_ok]
            zoom[m] = True
            lo[m], f_lo[m], d_lo[m] = a_prev[m], f_prev[m], d_prev[m]
            hi[m], f_hi[m] = trial[~z & ~value_ok], ft[~z & ~value_ok]
            # 3. bracketing, lower but slope >= 0: the step lies in [trial, a_prev]
            sel = ~z & value_ok & ~curvature_ok & (dt >= 0)
            m = idx[sel]
            zoom[m] = True
            hi[m], f_hi[m] = a_prev[m], f_prev[m]
            lo[m], f_lo[m], d_lo[m] = trial[sel], ft[sel], dt[sel]
            # 4. bracketing, still going down steeply: extrapolate
            sel = ~z & value_ok & ~curvature_ok & (dt < 0)
            m = idx[sel]
            a_prev[m], f_prev[m], d_prev[m] = trial[sel], ft[sel], dt[sel]
            first[m] = False
            a[m] = np.minimum(2.0 * trial[sel], alpha_max)
            done[m[trial[sel] >= alpha_max]] = True  # cannot go further
            # 5. zoom, value too high: trial becomes the new hi
            sel = z & ~value_ok
            m = idx[sel]
            hi[m], f_hi[m] = trial[sel], ft[sel]
            # 6. zoom, lower but slope too large: trial becomes the new lo
            sel = z & value_ok & ~curvature_ok
            m = idx[sel]
            flip = dt[sel] * (hi[m] - lo[m]) >= 0  # minimum lies on lo's other side
            hi[m[flip]], f_hi[m[flip]] = lo[m[flip]], f_lo[m[flip]]
            lo[m], f_lo[m], d_lo[m] = trial[sel], ft[sel], dt[sel]
            # an interval shrunk to rounding level cannot give anything better
            tiny = zoom & ~done & (np.abs(hi - lo) <= 1e-14 * np.maximum(np.abs(lo), 1e-300))
            done |= tiny
    return _result(batch, best_a, best_f, best_g, ok)


def exact(objective: Objective, theta, p, f0, g0, *, c1: float = 1e-4,
          max_iter: int = 60) -> LineSearchResult:
    """Exact line search for quadratics: alpha = -g.p / (p^T H p), with H = hess(theta).

    On J = 1/2 theta^T H theta - b^T theta, phi(alpha) is a parabola with phi'(0) = g.p and
    phi'' = p^T H p, so this alpha minimizes J along p exactly (and g_new . p = 0). On other
    functions it minimizes the local quadratic model; if that step fails sufficient decrease
    (or p^T H p <= 0), the step is found by :func:`backtracking` from it instead.
    """
    if objective.hess is None:
        raise ValueError(f"line_search='exact' needs an objective with a Hessian; "
                         f"{objective.name} has hess=None (use 'wolfe' or 'backtracking')")
    _check_constants(c1)
    theta = np.asarray(theta, dtype=float)
    p = np.broadcast_to(np.asarray(p, dtype=float), theta.shape)
    g0 = np.asarray(g0, dtype=float)
    with np.errstate(all="ignore"):
        H = objective.hess(theta)
        curv = np.einsum("...i,...ij,...j->...", p, H, p)
        slope = (g0 * p).sum(-1)
        alpha = -slope / curv
        usable = np.isfinite(alpha) & (curv > 0) & (slope < 0)
        alpha = np.where(usable, alpha, 1.0)
    return backtracking(objective, theta, p, f0, g0, alpha, c1=c1, max_iter=max_iter)


def search(kind: str, objective: Objective, theta, p, f0, g0, alpha0=1.0, *,
           c1: float = 1e-4, c2: float = 0.9) -> LineSearchResult:
    """Dispatch to the line search named ``kind`` ("wolfe", "backtracking" or "exact")."""
    _checks.one_of("line_search", kind, set(KINDS))
    if kind == "wolfe":
        return strong_wolfe(objective, theta, p, f0, g0, alpha0, c1=c1, c2=c2)
    if kind == "backtracking":
        return backtracking(objective, theta, p, f0, g0, alpha0, c1=c1)
    return exact(objective, theta, p, f0, g0, c1=c1)


@dataclass
class EvaluationCount:
    """How often an objective was evaluated: calls, and points (rows of a batched call)."""

    f_calls: int = 0
    grad_calls: int = 0
    hess_calls: int = 0
    f_points: int = 0
    grad_points: int = 0
    hess_points: int = 0


def count_evaluations(objective: Objective) -> tuple[Objective, EvaluationCount]:
    """The same objective, plus a counter that its f, grad and hess calls increment.

    ``*_points`` count evaluated parameter vectors (a call on shape (n, d) counts n), so for a
    single problem they are the usual "number of function / gradient evaluations"
    (SciPy's ``nfev`` / ``njev``). Give the counted objective to the optimizer only, so the
    counts are the optimizer's own work, not a driver's bookkeeping.
    """
    count = EvaluationCount()

    def counted(kind, fn):
        def wrapper(theta):
            theta = np.asarray(theta, dtype=float)
            n = int(np.prod(theta.shape[:-1], dtype=int))
            setattr(count, f"{kind}_calls", getattr(count, f"{kind}_calls") + 1)
            setattr(count, f"{kind}_points", getattr(count, f"{kind}_points") + n)
            return fn(theta)
        return wrapper

    hess = None if objective.hess is None else counted("hess", objective.hess)
    return replace(objective, f=counted("f", objective.f), grad=counted("grad", objective.grad),
                   hess=hess), count
