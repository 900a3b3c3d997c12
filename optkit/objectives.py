"""Objectives: a function with its gradient (and Hessian where it has one).

Every objective maps parameters of shape ``(..., d)`` to values of shape ``(...)``:
the last axis is one problem's parameter vector, leading axes are independent problems.
The test functions here are the ones the chapters use (quadratics of chosen
conditioning, the syllabus' quadratics, two inverted Gaussians, Rosenbrock, a saddle,
a cliff). Each returns an :class:`Objective` with analytic ``f``, ``grad`` and ``hess``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np

from . import _checks

Array = np.ndarray


@dataclass(frozen=True)
class Objective:
    """A differentiable cost J(theta).

    f:    (..., d) -> (...)        the value
    grad: (..., d) -> (..., d)     the gradient
    hess: (..., d) -> (..., d, d)  the Hessian, or None if not available
    dim:  d, if the objective only makes sense for one size (None: any size)
    minimizer: a known global minimizer (d,), if there is one (for tests and plots)
    bounds: a ((x_lo, x_hi), (y_lo, y_hi)) window that shows the interesting part (2-D only)
    """

    f: Callable[[Array], Array]
    grad: Callable[[Array], Array]
    hess: Callable[[Array], Array] | None = None
    name: str = "objective"
    dim: int | None = None
    minimizer: Array | None = None
    bounds: tuple | None = None

    def __call__(self, theta):
        return self.f(np.asarray(theta, dtype=float))


def quadratic(H, b=None, c: float = 0.0, name: str = "quadratic") -> Objective:
    """J(theta) = 1/2 theta^T H theta - b^T theta + c, with H symmetric.

    The gradient is H theta - b and the Hessian is H everywhere. If H is positive
    definite the unique minimizer is H^{-1} b.
    """
    H = np.atleast_2d(np.asarray(H, dtype=float))
    d = H.shape[0]
    if H.shape != (d, d) or not np.allclose(H, H.T):
        raise ValueError(f"H must be a symmetric (d, d) matrix, got shape {H.shape}")
    b = np.zeros(d) if b is None else np.asarray(b, dtype=float).reshape(d)
    eig = np.linalg.eigvalsh(H)
    minimizer = np.linalg.solve(H, b) if eig.min() > 0 else None

    def f(theta):
        return 0.5 * np.einsum("...i,ij,...j->...", theta, H, theta) - theta @ b + c

    def grad(theta):
        return theta @ H - b  # H is symmetric, so theta @ H == (H theta)^T

    def hess(theta):
        return np.broadcast_to(H, theta.shape[:-1] + (d, d))

    return Objective(f, grad, hess, name=name, dim=d, minimizer=minimizer)


def ill_conditioned_quadratic(kappa: float, d: int = 2, angle: float = 0.0,
                              smallest: float = 1.0) -> Objective:
    """A bowl 1/2 theta^T H theta whose eigenvalues run from ``smallest`` to ``kappa * smallest``.

    The eigenvalues are spaced geometrically, so the condition number (8.2.1) is exactly
    ``kappa``. For d = 2, ``angle`` (radians) rotates the axes of the ellipses.
    """
    _checks.positive("kappa", kappa)
    if kappa < 1:
        raise ValueError(f"kappa must be in [1, inf), got {kappa!r}")
    _checks.positive_int("d", d)
    _checks.positive("smallest", smallest)
    if d == 1 and kappa != 1:
        raise ValueError(f"kappa must be 1 when d = 1 (one eigenvalue), got {kappa!r}")
    eig = smallest * np.geomspace(1.0, kappa, d) if d > 1 else np.array([smallest])
    if d == 2 and angle:
        c, s = np.cos(angle), np.sin(angle)
        Q = np.array([[c, -s], [s, c]])
    else:
        Q = np.eye(d)
    return quadratic(Q @ np.diag(eig) @ Q.T, name=f"quadratic, kappa={kappa:g}")


def parabola() -> Objective:
    """The 1-D quadratic f(x) = 6x^2 - 12x + 3, minimum f(1) = -3, curvature L = 12."""
    return _with(quadratic([[12.0]], [12.0], 3.0, name="6x^2 - 12x + 3"), bounds=((-1.5, 3.5),))


def bowl() -> Objective:
    """f(x, y) = 6x^2 + 9y^2 - 12x - 14y + 3 (curvatures 12 and 18), minimum at (1, 7/9)."""
    q = quadratic(np.diag([12.0, 18.0]), [12.0, 14.0], 3.0, name="6x^2 + 9y^2 - 12x - 14y + 3")
    return _with(q, bounds=((-1.0, 3.0), (-1.0, 2.5)))


def valley() -> Objective:
    """f(x, y) = 6x^2 + 40y^2 - 12x - 30y + 3: an elongated valley (curvatures 12 and 80)."""
    q = quadratic(np.diag([12.0, 80.0]), [12.0, 30.0], 3.0, name="6x^2 + 40y^2 - 12x - 30y + 3")
    return _with(q, bounds=((-1.0, 3.0), (-0.6, 1.4)))


def two_gaussians(centers=((-1.0, 1.0), (1.0, -1.0)), depths=(2.0, 1.0)) -> Objective:
    """A sum of inverted Gaussian bumps: f = -sum_i a_i exp(-1/2 ||theta - c_i||^2).

    With the defaults, f(x, y) = -2 exp(-((x+1)^2 + (y-1)^2)/2) - exp(-((x-1)^2 + (y+1)^2)/2):
    a deep minimum near (-1, 1) and a shallow one near (1, -1).
    """
    C = np.asarray(centers, dtype=float)
    a = np.asarray(depths, dtype=float)
    if C.ndim != 2 or C.shape[0] != a.shape[0]:
        raise ValueError("centers must be (m, d) with one depth per center")
    d = C.shape[1]

    def bumps(theta):
        diff = theta[..., None, :] - C  # (..., m, d)
        return diff, a * np.exp(-0.5 * (diff**2).sum(-1))  # (..., m)

    def f(theta):
        return -bumps(theta)[1].sum(-1)

    def grad(theta):
        diff, e = bumps(theta)
        return (e[..., None] * diff).sum(-2)

    def hess(theta):
        diff, e = bumps(theta)
        outer = diff[..., :, None] * diff[..., None, :]
        return (e[..., None, None] * (np.eye(d) - outer)).sum(-3)

    deep = C[np.argmax(a)]
    # The deepest centre is only approximately the minimizer (the other bump pulls on it);
    # refine it with a few Newton steps so tests and plots can use the exact point.
    x = deep.copy()
    for _ in range(20):
        x = x - np.linalg.solve(hess(x), grad(x))
    return Objective(f, grad, hess, name="two inverted Gaussians", dim=d, minimizer=x,
                     bounds=((-2.5, 2.5), (-2.5, 2.5)))


def rosenbrock(a: float = 1.0, b: float = 100.0, d: int = 2) -> Objective:
    """Rosenbrock's banana: sum_i b (x_{i+1} - x_i^2)^2 + (a - x_i)^2, minimum at (a, a^2, ...).

    For d > 2 this is the chained form used by ``scipy.optimize.rosen`` (with a = 1: the
    minimizer is all ones).
    """
    _checks.positive_int("d", d, minimum=2)

    def f(x):
        return (b * (x[..., 1:] - x[..., :-1] ** 2) ** 2 + (a - x[..., :-1]) ** 2).sum(-1)

    def grad(x):
        r = x[..., 1:] - x[..., :-1] ** 2
        g = np.zeros(x.shape)  # float even for integer x
        g[..., :-1] = -4 * b * x[..., :-1] * r - 2 * (a - x[..., :-1])
        g[..., 1:] += 2 * b * r
        return g

    def hess(x):
        H = np.zeros(x.shape + (d,))
        i = np.arange(d - 1)
        diag = np.zeros(x.shape)
        diag[..., :-1] = 12 * b * x[..., :-1] ** 2 - 4 * b * x[..., 1:] + 2
        diag[..., 1:] += 2 * b
        H[..., np.arange(d), np.arange(d)] = diag
        H[..., i, i + 1] = -4 * b * x[..., :-1]
        H[..., i + 1, i] = -4 * b * x[..., :-1]
        return H

    if d == 2:
        minimizer = np.array([a, a * a], dtype=float)
    else:
        minimizer = np.ones(d) if a == 1 else None
    return Objective(f, grad, hess, name="Rosenbrock", dim=d, minimizer=minimizer,
                     bounds=((-2.0, 2.0), (-1.0, 3.0)))


def saddle() -> Objective:
    """f(x, y) = x^2 - y^2: a saddle point at the origin (Hessian eigenvalues +2 and -2)."""
    q = quadratic(np.diag([2.0, -2.0]), name="x^2 - y^2 (saddle)")
    return _with(q, bounds=((-1.5, 1.5), (-1.5, 1.5)))


def cliff(height: float = 20.0, steepness: float = 20.0, wall: float = 1.0,
          centre: float = 2.0) -> Objective:
    """A bowl with a cliff (8.2.4).

    f(x, y) = 1/2 ((x - centre)^2 + y^2) + height * sigmoid(steepness * (x - wall)).

    Left of ``x = wall`` the surface is a gentle slope down towards the bowl's centre; at the
    wall it rises by ``height`` over a width of about ``1 / steepness``. On the wall's face the
    gradient is about ``height * steepness / 4``, so one gradient step there throws the
    parameters far away unless the gradient is clipped.
    """
    for name, v in (("height", height), ("steepness", steepness)):
        _checks.positive(name, v)

    def sig(x):
        return 0.5 * (1 + np.tanh(0.5 * steepness * (x - wall)))  # overflow-free logistic

    def f(th):
        x, y = th[..., 0], th[..., 1]
        return 0.5 * ((x - centre) ** 2 + y**2) + height * sig(x)

    def grad(th):
        x, y = th[..., 0], th[..., 1]
        s = sig(x)
        return np.stack([x - centre + height * steepness * s * (1 - s), y], -1)

    def hess(th):
        x = th[..., 0]
        s = sig(x)
        H = np.zeros(th.shape[:-1] + (2, 2))
        H[..., 0, 0] = 1 + height * steepness**2 * s * (1 - s) * (1 - 2 * s)
        H[..., 1, 1] = 1
        return H

    return Objective(f, grad, hess, name="cliff", dim=2, bounds=((-4.0, 4.0), (-2.0, 2.0)))


def plateau(a: float = 1.0, b: float = 4.0) -> Objective:
    """A well in a plateau: f(x, y) = 1 - exp(-(a x^2 + b y^2) / 2), minimum f(0, 0) = 0.

    Far from the origin the surface is almost flat (the gradient decays like exp(-q/2)), so
    plain gradient descent crawls; methods that divide by the gradient's own size (8.5)
    keep moving at about their learning rate.
    """
    _checks.positive("a", a)
    _checks.positive("b", b)
    A = np.array([a, b], dtype=float)

    def f(th):
        return 1 - np.exp(-0.5 * (A * th**2).sum(-1))

    def grad(th):
        return np.exp(-0.5 * (A * th**2).sum(-1))[..., None] * A * th

    def hess(th):
        e = np.exp(-0.5 * (A * th**2).sum(-1))[..., None, None]
        At = A * th
        return e * (np.diag(A) - At[..., :, None] * At[..., None, :])

    return Objective(f, grad, hess, name="plateau", dim=2, minimizer=np.zeros(2),
                     bounds=((-4.0, 4.0), (-2.0, 2.0)))


def mountain(depth: float = 1.0, height: float = 1.0, width: float = 1.0,
             center: float = -1.0) -> Objective:
    """A 1-D cost with no minimum, only asymptotes, and a mountain in the way (8.2.7).

    f(theta) = depth * sigmoid(-theta) + height / (1 + ((theta - center) / width)^2).

    The first term falls from ``depth`` (theta -> -inf) to 0 (theta -> +inf); the second is a
    bump whose tails decay only like 1 / theta^2, so far to the left it outweighs the
    sigmoid's exponentially small slope. With the defaults the only critical point is the top
    of the mountain (near theta = -1.1): left of it the cost falls towards its asymptote
    ``depth``, right of it towards the infimum 0, which no finite theta attains. Gradient
    descent started on the wrong (left) side walks away from the good region for ever.
    """
    for name, v in (("depth", depth), ("height", height), ("width", width)):
        _checks.positive(name, v)
    if not (isinstance(center, (int, float)) and np.isfinite(center)):
        raise ValueError(f"center must be a finite number, got {center!r}")

    def parts(th):
        t = th[..., 0]
        s = 0.5 * (1 + np.tanh(0.5 * t))  # sigmoid(t), overflow-free
        u = (t - center) / width
        return s, u, 1 + u**2

    def f(th):
        s, u, q = parts(th)
        return depth * (1 - s) + height / q

    def grad(th):
        s, u, q = parts(th)
        return (-depth * s * (1 - s) - 2 * height * u / (width * q**2))[..., None]

    def hess(th):
        s, u, q = parts(th)
        h = -depth * s * (1 - s) * (1 - 2 * s) - 2 * height * (1 - 3 * u**2) / (width**2 * q**3)
        return h[..., None, None]

    return Objective(f, grad, hess, name="asymptotes and a mountain", dim=1,
                     bounds=((-8.0, 8.0),))

def _with(obj: Objective, **changes) -> Objective:
    return replace(obj, **changes)


def with_gradient_noise(objective: Objective, scale: float, rng: np.random.Generator) -> Objective:
    """The same objective whose gradient carries fresh Gaussian noise N(0, scale^2 I) per call.

    A stand-in for a minibatch gradient (8.1.3, 8.2.6): unbiased, with a chosen variance.
    The value f stays exact, so traces show the true cost.
    """
    _checks.positive("scale", scale, allow_zero=True)
    if not isinstance(rng, np.random.Generator):
        raise ValueError("rng must be a numpy.random.Generator (np.random.default_rng(seed))")

    def grad(theta):
        g = objective.grad(theta)
        return g + scale * rng.standard_normal(g.shape)

    return replace(objective, grad=grad, name=f"{objective.name} + gradient noise {scale:g}")
