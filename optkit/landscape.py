"""Loss-landscape slices: the cost along a line and over a plane in parameter space (8.2).

A network's cost lives in thousands of dimensions; we can only look at low-dimensional
slices of it. Two kinds are standard:

* :func:`interpolate`, the cost along the segment from ``theta_a`` to ``theta_b``,
  ``J((1 - alpha) theta_a + alpha theta_b)``: with ``theta_a`` the initialization and
  ``theta_b`` the trained parameters this is the experiment of Goodfellow, Vinyals and
  Saxe (2015) behind figure 8.2 of the book.
* :func:`plane`, the cost on ``center + a d1 + b d2`` over a grid of ``(a, b)``, for two
  directions ``d1``, ``d2`` (random ones, or e.g. towards the initialization).

For networks, random directions are only comparable between layers (and between networks)
after *filter normalization* (Li et al. 2018): :func:`random_direction` rescales the random
incoming-weight vector of every unit to the norm of that unit's weights in ``theta``.

Every function evaluates ``f`` on many points in one batched call (``f`` maps (..., d) to
(...)), ``chunk`` points at a time so that a large network does not exhaust memory.
"""

from __future__ import annotations

import numpy as np

from . import _checks

__all__ = ["interpolate", "plane", "random_direction"]


def _vector(name: str, v, d: int | None = None) -> np.ndarray:
    v = np.asarray(v, dtype=float)
    if v.ndim != 1 or (d is not None and v.shape[0] != d):
        want = "(d,)" if d is None else f"({d},)"
        raise ValueError(f"{name} must be a vector of shape {want}, got shape {v.shape}")
    if not np.all(np.isfinite(v)):
        raise ValueError(f"{name} must be finite (it contains nan or inf)")
    return v


def _coefficients(name: str, a) -> np.ndarray:
    a = np.asarray(a, dtype=float)
    if a.ndim != 1 or a.size == 0 or not np.all(np.isfinite(a)):
        raise ValueError(f"{name} must be a non-empty 1-D array of finite numbers, "
                         f"got shape {a.shape}")
    return a


def _evaluate(f, points: np.ndarray, chunk: int) -> np.ndarray:
    """f on points (n, d), ``chunk`` rows per call -> (n,)."""
    out = np.empty(points.shape[0])
    for i in range(0, points.shape[0], chunk):
        out[i:i + chunk] = f(points[i:i + chunk])
    return out


def interpolate(f, theta_a, theta_b, alphas, chunk: int = 64) -> np.ndarray:
    """The cost along the line through ``theta_a`` and ``theta_b``, one value per alpha.

        values[i] = f((1 - alphas[i]) theta_a + alphas[i] theta_b)

    alpha = 0 is ``theta_a``, alpha = 1 is ``theta_b``; alphas outside [0, 1] extend the line
    beyond the two points. Returns an array of shape ``(len(alphas),)``.
    """
    theta_a = _vector("theta_a", theta_a)
    theta_b = _vector("theta_b", theta_b, theta_a.shape[0])
    alphas = _coefficients("alphas", alphas)
    _checks.positive_int("chunk", chunk)
    points = theta_a + alphas[:, None] * (theta_b - theta_a)
    return _evaluate(f, points, chunk)


def plane(f, center, d1, d2, grid, chunk: int = 64):
    """The cost on the plane ``center + a d1 + b d2`` over a grid of coefficients.

    ``grid`` is one 1-D array of coefficients used for both directions, or a pair
    ``(a_values, b_values)``. Returns ``(A, B, Z)``, each of shape ``(len(b), len(a))`` as
    ``np.meshgrid`` makes them (ready for ``plt.contour(A, B, Z)``), with
    ``Z[i, j] = f(center + A[i, j] d1 + B[i, j] d2)``.
    """
    center = _vector("center", center)
    d = center.shape[0]
    d1 = _vector("d1", d1, d)
    d2 = _vector("d2", d2, d)
    if isinstance(grid, tuple) and len(grid) == 2:
        a, b = _coefficients("grid[0]", grid[0]), _coefficients("grid[1]", grid[1])
    else:
        a = b = _coefficients("grid", grid)
    _checks.positive_int("chunk", chunk)
    A, B = np.meshgrid(a, b)
    points = center + A.reshape(-1, 1) * d1 + B.reshape(-1, 1) * d2
    return A, B, _evaluate(f, points, chunk).reshape(A.shape)


def random_direction(net, theta, rng, normalize: str = "filter") -> np.ndarray:
    """A Gaussian random direction in the parameter space of ``net`` (an ``optkit.nn.MLP``).

    normalize:
      "filter": every unit's incoming weights (a column of W_l) are rescaled to the norm of
                the same column of ``theta``'s W_l, and the biases' part is zero
                (filter normalization, Li et al. 2018), so a step of size 1 along the
                direction changes every unit's weights by about their own size;
      "global": the whole direction is rescaled to the norm of ``theta``;
      "none":   the raw N(0, I) draw.
    Returns a vector of shape ``(net.d,)``.
    """
    _checks.one_of("normalize", normalize, {"filter", "global", "none"})
    theta = _vector("theta", theta, net.d)
    if not isinstance(rng, np.random.Generator):
        raise ValueError("rng must be a numpy.random.Generator (np.random.default_rng(seed))")
    v = rng.standard_normal(net.d)
    if normalize == "none":
        return v
    if normalize == "global":
        return v * np.linalg.norm(theta) / np.linalg.norm(v)
    out = []
    for (W, _), (R, rb) in zip(net.unflatten(theta), net.unflatten(v), strict=True):
        wn = np.sqrt((W**2).sum(0))  # (fan_out,) norm of each unit's incoming weights
        rn = np.sqrt((R**2).sum(0))
        out.append((R * wn / rn, np.zeros_like(rb)))
    return net.flatten(out)
