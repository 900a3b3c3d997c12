"""The driver: run any optimizer on any objective for a batch of starting points."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import numpy as np

from . import _checks
from .objectives import Objective


@dataclass(frozen=True)
class Trace:
    """What a run of :func:`optimize` recorded, iterate by iterate.

    thetas:     (steps+1, ..., d)  the iterates theta_0 ... theta_steps
    values:     (steps+1, ...)     J(theta_k)
    grad_norms: (steps+1, ...)     ||grad J(theta_k)||_2
    diverged:   (...)              True where a value, gradient or iterate went non-finite;
                                   that problem was frozen at its last finite iterate
    extras:     name -> (steps+1, ...) arrays recorded by ``optimize(..., record=...)``
    """

    thetas: np.ndarray
    values: np.ndarray
    grad_norms: np.ndarray
    diverged: np.ndarray
    extras: dict = field(default_factory=dict)

    @property
    def final(self) -> np.ndarray:
        """The last iterate, shape (..., d)."""
        return self.thetas[-1]

    @property
    def steps(self) -> int:
        return self.thetas.shape[0] - 1


def _check_theta0(objective: Objective, theta0) -> np.ndarray:
    theta = np.array(theta0, dtype=float)  # a copy: the caller's array is never touched
    if theta.ndim == 0:
        raise ValueError("theta0 must have shape (..., d) with d >= 1, got a scalar")
    if not np.all(np.isfinite(theta)):
        raise ValueError("theta0 must be finite (it contains nan or inf)")
    d = theta.shape[-1]
    if objective.dim is not None and d != objective.dim:
        raise ValueError(f"theta0's last axis has size {d}, but {objective.name} takes "
                         f"d = {objective.dim} parameters")
    return theta


def optimize(opt, objective: Objective, theta0, steps: int, *,
             record: Callable[[np.ndarray, object], dict] | None = None,
             chunk: int | None = None) -> Trace:
    """Run ``steps`` iterations of ``opt`` on ``objective`` from ``theta0`` of shape (..., d).

    Leading axes of ``theta0`` are independent problems, all advanced by one vectorized
    ``step`` per iteration. A problem whose value, gradient or iterate becomes non-finite is
    flagged in ``Trace.diverged`` and frozen at its last finite iterate; no warning escapes.
    ``record(theta, state)``, if given, returns a dict of arrays stored per iteration in
    ``Trace.extras`` (e.g. an averaged iterate kept in the optimizer's state).

    Cost: the loop does only what the optimizer asks for. When ``step`` asks for the gradient
    at the current iterate (every method but Nesterov's does), its norm is recorded on the
    way; values, and gradient norms that were not seen, are evaluated after the loop on
    ``chunk`` iterates at a time, in one vectorized call per chunk (by default as many as
    keep a chunk under 2**16 parameters).
    """
    if isinstance(steps, bool) or not isinstance(steps, (int, np.integer)) or steps < 0:
        raise ValueError(f"steps must be an integer >= 0, got {steps!r}")
    theta = _check_theta0(objective, theta0)
    batch = theta.shape[:-1]
    if chunk is not None:
        _checks.positive_int("chunk", chunk)
    chunk = max(1, 2**16 // theta.size) if chunk is None else chunk
    thetas = np.empty((steps + 1,) + theta.shape)
    grad_norms = np.full((steps + 1,) + batch, np.nan)
    seen = np.zeros(steps + 1, dtype=bool)  # gradient norm recorded during the loop
    extras: dict[str, np.ndarray] = {}
    current = {"k": 0, "theta": theta}

    def grad(x):
        g = objective.grad(x)
        k = current["k"]
        if x is current["theta"] and not seen[k]:
            grad_norms[k] = _norms(g)
            seen[k] = True
        return g

    watched = replace(objective, grad=grad)
    with np.errstate(all="ignore"):
        state = opt.init(theta)
        for k in range(steps + 1):
            current["k"], current["theta"] = k, theta
            thetas[k] = theta
            if record is not None:
                for name, arr in record(theta, state).items():
                    if name not in extras:
                        extras[name] = np.empty((steps + 1,) + np.shape(arr))
                    extras[name][k] = arr
            if k < steps:
                theta, state = opt.step(theta, state, watched)
        values = _evaluate(objective, thetas, chunk)
        missing = np.flatnonzero(~seen)
        if missing.size:
            for i in range(0, missing.size, chunk):
                ks = missing[i:i + chunk]
                g = objective.grad(thetas[ks])
                grad_norms[ks] = _norms(g)
        diverged = _freeze_divergent(thetas, values, grad_norms)
    return Trace(thetas, values, grad_norms, diverged, extras)


def _norms(g: np.ndarray) -> np.ndarray:
    """Euclidean norms over the last axis. A finite gradient has a finite norm even when its
    squares overflow (||g|| > 1e154): those few norms are recomputed from g / max|g_i|."""
    n = np.sqrt(np.einsum("...i,...i->...", g, g))
    if not math.isfinite(np.add.reduce(n, axis=None)):  # rare: one cheap test for them all
        n = np.asarray(n)
        overflowed = np.isinf(n)  # rescale only those rows: a diverging run overflows often
        big = g[overflowed]
        s = np.abs(big).max(-1)
        n[overflowed] = s * np.sqrt(((big / s[..., None]) ** 2).sum(-1))
    return n


def _evaluate(objective: Objective, thetas: np.ndarray, chunk: int) -> np.ndarray:
    """f at every recorded iterate, ``chunk`` iterates per vectorized call."""
    parts = []
    for i in range(0, len(thetas), chunk):
        block = thetas[i:i + chunk]
        value = np.asarray(objective.f(block), dtype=float)
        if value.shape != block.shape[:-1]:  # e.g. an f that sums over all axes
            raise ValueError(f"{objective.name} returned values of shape {value.shape} for "
                             f"theta of shape {block.shape}; expected {block.shape[:-1]}")
        parts.append(value)
    return np.concatenate(parts)


# Up to this many components per row, loop over the components: NumPy reduces or masks
# millions of two-element rows about ten times slower than it handles one column at a time.
_SHORT_ROWS = 16


def _freeze_divergent(thetas, values, grad_norms) -> np.ndarray:
    """Flag problems that went non-finite and freeze them (in place) at their last finite
    iterate; return the flags, shape (...)."""
    bad = ~(np.isfinite(values) & np.isfinite(grad_norms) & _finite_rows(thetas))
    diverged = bad.any(0)
    if not diverged.any():
        return diverged
    steps1 = len(values)
    flat_bad = bad.reshape(steps1, -1)
    first_bad = np.where(flat_bad.any(0), flat_bad.argmax(0), steps1)
    last_good = np.maximum(first_bad - 1, 0)  # the last step for a problem that never broke
    after = np.arange(steps1)[:, None] > last_good  # the entries to overwrite, (steps+1, n)
    problems = np.arange(last_good.size)
    for a in (thetas, values, grad_norms):  # reshape gives views: this writes the trace
        flat = a.reshape(steps1, last_good.size, -1)
        frozen = flat[last_good, problems]
        if flat.shape[-1] > _SHORT_ROWS:
            np.copyto(flat, frozen[None], where=after[..., None])
        else:  # short rows: one component at a time
            for i in range(flat.shape[-1]):
                np.copyto(flat[..., i], frozen[:, i], where=after)
    return diverged


def _finite_rows(x: np.ndarray) -> np.ndarray:
    """``np.isfinite(x).all(-1)``, one component at a time for short rows."""
    if x.shape[-1] > _SHORT_ROWS:
        return np.isfinite(x).all(-1)
    ok = np.isfinite(x[..., 0])
    for i in range(1, x.shape[-1]):
        ok &= np.isfinite(x[..., i])
    return ok
