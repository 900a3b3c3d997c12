"""The driver: run any optimizer on any objective for a batch of starting points."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace

import numpy as np

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


def _reusing_gradient(objective: Objective):
    """Wrap ``objective`` so a gradient asked for twice at the same array is computed once.

    The driver evaluates grad(theta_k) to record its norm; most optimizers then ask for the
    very same gradient inside ``step``. The identity test is exact because ``step`` is pure
    and the driver never writes into an iterate.
    """
    last = [None, None]

    def grad(theta):
        if theta is not last[0]:
            last[0], last[1] = theta, objective.grad(theta)
        return last[1]

    return replace(objective, grad=grad)


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
             record: Callable[[np.ndarray, object], dict] | None = None) -> Trace:
    """Run ``steps`` iterations of ``opt`` on ``objective`` from ``theta0`` of shape (..., d).

    Leading axes of ``theta0`` are independent problems, all advanced by one vectorized
    ``step`` per iteration. A problem whose value, gradient or iterate becomes non-finite is
    flagged in ``Trace.diverged`` and frozen at its last finite iterate; no warning escapes.
    ``record(theta, state)``, if given, returns a dict of arrays stored per iteration in
    ``Trace.extras`` (e.g. an averaged iterate kept in the optimizer's state).
    """
    if isinstance(steps, bool) or not isinstance(steps, (int, np.integer)) or steps < 0:
        raise ValueError(f"steps must be an integer >= 0, got {steps!r}")
    theta = _check_theta0(objective, theta0)
    batch = theta.shape[:-1]
    thetas = np.empty((steps + 1,) + theta.shape)
    values = np.empty((steps + 1,) + batch)
    grad_norms = np.empty((steps + 1,) + batch)
    diverged = np.zeros(batch, dtype=bool)
    extras: dict[str, np.ndarray] = {}
    objective = _reusing_gradient(objective)

    with np.errstate(all="ignore"):
        state = opt.init(theta)
        for k in range(steps + 1):
            value = np.asarray(objective.f(theta), dtype=float)
            if value.shape != batch:
                raise ValueError(f"{objective.name} returned values of shape {value.shape} "
                                 f"for theta of shape {theta.shape}; expected {batch}")
            gnorm = np.sqrt((objective.grad(theta) ** 2).sum(-1))
            bad = ~(np.isfinite(value) & np.isfinite(gnorm) & np.isfinite(theta).all(-1))
            if k > 0 and (bad.any() or diverged.any()):
                diverged |= bad
                theta = np.where(diverged[..., None], thetas[k - 1], theta)
                value = np.where(diverged, values[k - 1], value)
                gnorm = np.where(diverged, grad_norms[k - 1], gnorm)
            thetas[k], values[k], grad_norms[k] = theta, value, gnorm
            if record is not None:
                for name, arr in record(theta, state).items():
                    if name not in extras:
                        extras[name] = np.empty((steps + 1,) + np.shape(arr))
                    extras[name][k] = arr
            if k < steps:
                theta, state = opt.step(theta, state, objective)
    return Trace(thetas, values, grad_norms, diverged, extras)
