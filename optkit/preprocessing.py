"""Input preprocessing and a learning-rate range test: practical recipes (appendix).

Preprocessing maps the inputs through an affine map ``z = (x - mean) @ matrix`` fitted on
the training set and applied unchanged to validation and test data. Three choices:

- :func:`standardize`: each feature centred and divided by its standard deviation, so the
  diagonal of the covariance becomes 1 (correlations are kept).
- :func:`pca_whiten`: rotate onto the eigenvectors of the covariance C = U diag(lam) U^T and
  divide each coordinate by sqrt(lam): ``matrix = U diag(1/sqrt(lam + eps))``. The covariance
  of the result is the identity (for ``eps = 0``).
- :func:`zca_whiten`: PCA whitening rotated back, ``matrix = U diag(1/sqrt(lam + eps)) U^T
  = (C + eps I)^(-1/2)``: also identity covariance, and of all whitening maps the one whose
  output stays closest to the centred input (Bell & Sejnowski 1997; Kessy et al. 2018).

For a linear model with squared loss the Hessian is ``X^T X / N`` (centred inputs), the
covariance of the inputs: whitening makes it the identity, condition number 1 (8.2.1).

Covariances use the 1/N normalization. ``eps`` (>= 0) is added to the eigenvalues: it keeps
directions of (near) zero variance from being blown up by ``1/sqrt(lam)``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import _checks


@dataclass(frozen=True)
class Affine:
    """A fitted preprocessing map ``z = (x - mean) @ matrix``: mean (m,), matrix (m, k)."""

    mean: np.ndarray
    matrix: np.ndarray

    def __call__(self, X) -> np.ndarray:
        X = np.asarray(X, dtype=float)
        if X.ndim < 1 or X.shape[-1] != self.mean.shape[0]:
            raise ValueError(f"X must have shape (..., {self.mean.shape[0]}), got {X.shape}")
        return (X - self.mean) @ self.matrix


def _data(X) -> np.ndarray:
    X = np.asarray(X, dtype=float)
    if X.ndim != 2 or X.shape[0] < 2:
        raise ValueError(f"X must have shape (N, m) with N >= 2 examples, got {X.shape}")
    if not np.all(np.isfinite(X)):
        raise ValueError("X must be finite (it contains nan or inf)")
    return X


def covariance(X) -> np.ndarray:
    """The 1/N covariance (m, m) of the rows of X (N, m)."""
    X = _data(X)
    Xc = X - X.mean(0)
    return Xc.T @ Xc / X.shape[0]


def standardize(X, eps: float = 1e-12) -> Affine:
    """Centre each feature and divide by its standard deviation (a constant feature -> 0)."""
    _checks.positive("eps", eps, allow_zero=True)
    X = _data(X)
    std = X.std(0)
    scale = np.where(std > eps, 1.0 / np.where(std > eps, std, 1.0), 0.0)
    return Affine(mean=X.mean(0), matrix=np.diag(scale))


def _eigen(X, eps: float):
    _checks.positive("eps", eps, allow_zero=True)
    X = _data(X)
    lam, U = np.linalg.eigh(covariance(X))
    lam = lam[::-1]  # descending; rounding-level eigenvalues of a singular covariance -> 0
    lam = np.where(lam > 1e-12 * max(lam[0], 0.0), lam, 0.0)
    U = U[:, ::-1]
    if np.any(lam + eps <= 0):
        raise ValueError("the covariance is singular: pass eps > 0 (or drop constant features)")
    return X, lam, U


def pca_whiten(X, eps: float = 0.0) -> Affine:
    """PCA whitening: ``matrix = U diag(1/sqrt(lam + eps))``, components by decreasing variance.

    The output's coordinates are the principal components, each scaled to unit variance.
    """
    X, lam, U = _eigen(X, eps)
    return Affine(mean=X.mean(0), matrix=U / np.sqrt(lam + eps))


def zca_whiten(X, eps: float = 0.0) -> Affine:
    """ZCA ("zero-phase") whitening: ``matrix = (C + eps I)^(-1/2)``, a symmetric matrix."""
    X, lam, U = _eigen(X, eps)
    return Affine(mean=X.mean(0), matrix=(U / np.sqrt(lam + eps)) @ U.T)


# ------------------------------------------------------------------ learning-rate range test

@dataclass(frozen=True)
class RangeTest:
    """Result of :func:`lr_range_test`.

    lrs:     (steps,) the learning rate used at each step, growing geometrically
    losses:  (steps, ...) the minibatch loss just before each step, per network
    """

    lrs: np.ndarray
    losses: np.ndarray

    def smoothed(self, beta: float = 0.9) -> np.ndarray:
        """Bias-corrected exponential moving average of the losses (as in Adam's moments)."""
        if not 0.0 <= beta < 1.0:
            raise ValueError(f"beta must be in [0, 1), got {beta!r}")
        out = np.empty_like(self.losses)
        avg = np.zeros(self.losses.shape[1:])
        for k, loss in enumerate(self.losses):
            avg = beta * avg + (1 - beta) * loss
            out[k] = avg / (1 - beta ** (k + 1))
        return out

    def suggest(self, beta: float = 0.9, factor: float = 10.0) -> float:
        """A learning rate: the one at the lowest smoothed loss (mean over networks) / factor.

        The loss is lowest just before training becomes unstable; a rate ``factor`` times
        smaller leaves a safety margin (Smith 2017 suggests about a decade below).
        """
        curve = self.smoothed(beta).reshape(len(self.lrs), -1).mean(-1)
        curve = np.where(np.isfinite(curve), curve, np.inf)
        return float(self.lrs[int(np.argmin(curve))] / factor)


def lr_range_test(make_opt, net, X, y, lr_min: float, lr_max: float, steps: int,
                  batch_size: int, rng, theta0) -> RangeTest:
    """The learning-rate range test (Smith 2017): one short run whose rate grows each step.

    ``make_opt(lr)`` builds the optimizer from a learning rate or a schedule; the run uses the
    schedule ``lr_k = lr_min (lr_max / lr_min)^(k / (steps - 1))``, k = 0 ... steps - 1, on
    minibatches of ``batch_size`` drawn by reshuffling (``rng``). ``theta0`` (..., d) may hold
    several networks, trained side by side on the same minibatches. The minibatch loss is
    recorded before each step; once a network's loss is non-finite it stays non-finite.
    Plot ``losses`` against ``lrs`` on a log axis and pick a rate where the loss still
    falls steeply, well below the point where it turns up.
    """
    _checks.positive("lr_min", lr_min)
    _checks.positive("lr_max", lr_max)
    if lr_max <= lr_min:
        raise ValueError(f"lr_max must be larger than lr_min={lr_min}, got {lr_max!r}")
    _checks.positive_int("steps", steps, minimum=2)
    _checks.positive_int("batch_size", batch_size)
    if not isinstance(rng, np.random.Generator):
        raise ValueError("rng must be a np.random.Generator (e.g. np.random.default_rng(0))")
    X = np.asarray(X, dtype=float)
    y = np.asarray(y)
    theta = _checks.flat_theta("theta0", theta0, net.d, copy=True)
    lrs = lr_min * (lr_max / lr_min) ** (np.arange(steps) / (steps - 1))
    opt = make_opt(lambda k: lrs[min(k, steps - 1)])
    n = X.shape[0]
    losses = np.empty((steps, *theta.shape[:-1]))
    order = rng.permutation(n)
    pos = 0
    with np.errstate(all="ignore"):
        state = opt.init(theta)
        for k in range(steps):
            if pos + batch_size > n:
                order, pos = rng.permutation(n), 0
            idx = order[pos:pos + batch_size]
            pos += batch_size
            objective = net.objective(X[idx], y[idx])
            losses[k] = objective.f(theta)
            theta, state = opt.step(theta, state, objective)
    bad = np.maximum.accumulate(~np.isfinite(losses), axis=0)
    return RangeTest(lrs=lrs, losses=np.where(bad, np.nan, losses))


__all__ = ["Affine", "covariance", "standardize", "pca_whiten", "zca_whiten", "RangeTest",
           "lr_range_test"]
