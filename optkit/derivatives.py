"""Finite-difference derivatives: check an analytic gradient, or get curvature without one.

The first three functions use central differences, whose error shrinks like ``eps**2`` (a
forward difference only shrinks like ``eps``), and all broadcast over leading axes: ``theta``
has shape ``(..., d)`` and each leading index is an independent point. They cost ``2 d``
evaluations of ``f`` or ``grad`` per point (two for the Hessian-vector product), done as one
batched call, so they are meant for small ``d``: tests, and the curvature pictures of 8.2.
:func:`hessian_eigenvalues` builds on them: all eigenvalues for small ``d``, or a few extreme
ones of a network's Hessian by Lanczos iterations on Hessian-vector products.

The default step ``eps = 1e-5`` balances the truncation error (about ``eps**2`` times the
third derivative) against rounding (about ``1e-16 / eps`` times the function's size), which
suits functions whose values and derivatives are of moderate size.
"""

from __future__ import annotations

import numpy as np

from . import _checks


def _points(theta) -> np.ndarray:
    theta = np.asarray(theta, dtype=float)
    if theta.ndim == 0:
        raise ValueError("theta must have shape (..., d) with d >= 1, got a scalar")
    return theta


def numerical_gradient(f, theta, eps: float = 1e-5) -> np.ndarray:
    """Central-difference gradient of ``f: (..., d) -> (...)`` at ``theta`` of shape (..., d).

    g_i = (f(theta + eps e_i) - f(theta - eps e_i)) / (2 eps), all i and all points at once.
    """
    _checks.positive("eps", eps)
    theta = _points(theta)
    step = eps * np.eye(theta.shape[-1])  # row i is eps e_i
    shifted = theta[..., None, :]  # (..., 1, d) broadcast against the d shifts
    return (f(shifted + step) - f(shifted - step)) / (2 * eps)


def numerical_hessian(grad, theta, eps: float = 1e-5) -> np.ndarray:
    """Central-difference Hessian from ``grad: (..., d) -> (..., d)``, shape (..., d, d).

    Row i is (grad(theta + eps e_i) - grad(theta - eps e_i)) / (2 eps), the derivative of the
    gradient along e_i. The exact Hessian is symmetric; the estimate is symmetrized,
    (H + H^T) / 2, which also averages away part of the rounding error.
    """
    _checks.positive("eps", eps)
    theta = _points(theta)
    step = eps * np.eye(theta.shape[-1])
    shifted = theta[..., None, :]
    H = (grad(shifted + step) - grad(shifted - step)) / (2 * eps)
    return 0.5 * (H + np.swapaxes(H, -1, -2))


def hessian_vector_product(grad, theta, v, eps: float = 1e-5) -> np.ndarray:
    """H(theta) v without forming H: two gradient evaluations, shape (..., d).

    H v ~ (grad(theta + h v) - grad(theta - h v)) / (2 h) with h = eps / ||v||, so the
    step taken in parameter space has length ``eps`` whatever the size of ``v``. A zero
    ``v`` gives a zero product. ``v`` broadcasts against ``theta``.
    """
    _checks.positive("eps", eps)
    theta = _points(theta)
    v = np.asarray(v, dtype=float)
    norm = np.sqrt((v**2).sum(-1, keepdims=True))
    h = eps / np.where(norm > 0, norm, 1.0)
    return (grad(theta + h * v) - grad(theta - h * v)) / (2 * h)


def hessian_eigenvalues(grad, theta, k: int | None = None, which: str = "both",
                        eps: float = 1e-5, tol: float = 1e-6) -> np.ndarray:
    """Eigenvalues of the Hessian at ``theta``, from the gradient alone (8.2.1, 8.2.3).

    ``k = None`` (small d): all d eigenvalues, in ascending order, of the central-difference
    Hessian :func:`numerical_hessian`; batched, ``theta`` (..., d) gives (..., d).

    ``k`` an integer (large d, e.g. a network): only ``k`` eigenvalues at one end of the
    spectrum, found by the Lanczos method (SciPy's ``eigsh``, ARPACK) on the operator
    ``v -> H v`` of :func:`hessian_vector_product`, so H is never formed: each Lanczos
    iteration costs two gradient evaluations. ``which`` is "largest" (the k largest,
    algebraically), "smallest" (the k most negative) or "both" (k from the two ends together).
    ``theta`` (..., d) is handled one point at a time; the result is (..., k), ascending.
    """
    _checks.positive("eps", eps)
    theta = _points(theta)
    if k is None:
        return np.linalg.eigvalsh(numerical_hessian(grad, theta, eps))
    d = theta.shape[-1]
    _checks.positive_int("k", k)
    if k >= d:
        raise ValueError(f"k must be an integer in [1, d - 1] = [1, {d - 1}] (use k=None for "
                         f"all d eigenvalues), got {k!r}")
    _checks.one_of("which", which, {"largest", "smallest", "both"})
    from scipy.sparse.linalg import LinearOperator, eigsh

    mode = {"largest": "LA", "smallest": "SA", "both": "BE"}[which]
    out = np.empty(theta.shape[:-1] + (k,))
    for idx in np.ndindex(theta.shape[:-1]):
        point = theta[idx]
        op = LinearOperator((d, d), dtype=float, matvec=lambda v, p=point:
                            hessian_vector_product(grad, p, v.ravel(), eps))
        # A fixed starting vector keeps the result deterministic (ARPACK's default is random).
        v0 = np.ones(d) / np.sqrt(d)
        out[idx] = np.sort(eigsh(op, k=k, which=mode, v0=v0, tol=tol, return_eigenvectors=False))
    return out
