"""First-order methods of section 8.3 and gradient clipping (8.2.4).

Each optimizer is a frozen dataclass of hyper-parameters with two pure methods::

    state = opt.init(theta)
    theta, state = opt.step(theta, state, objective)

``lr`` is a number or a schedule (a callable of the iteration k, see ``optkit.schedules``).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import NamedTuple

import numpy as np

from . import _checks
from ._buffers import add, lincomb
from .objectives import Objective
from .schedules import lr_at


class Optimizer:
    """Base class: subclasses define ``init`` and ``step``."""

    def init(self, theta):  # pragma: no cover - overridden
        raise NotImplementedError

    def step(self, theta, state, objective: Objective):  # pragma: no cover - overridden
        raise NotImplementedError


class StepState(NamedTuple):
    k: int  # iterations taken so far


class VelocityState(NamedTuple):
    k: int
    v: np.ndarray  # velocity, same shape as theta


@dataclass(frozen=True)
class SGD(Optimizer):
    """Algorithm 8.1 (stochastic gradient descent): theta <- theta - eps_k g.

    ``g`` is whatever gradient the objective returns: the full batch gives gradient
    descent, a minibatch objective gives SGD. PyTorch: ``torch.optim.SGD(lr=...)``.
    """

    lr: float = 0.01

    def __post_init__(self):
        _checks.learning_rate("lr", self.lr)

    def init(self, theta):
        return StepState(k=0)

    def step(self, theta, state, objective):
        eps, g = lr_at(self.lr, state.k), objective.grad(theta)
        theta = lincomb(1, theta, -eps, g)  # theta - eps g, a new array (optkit._buffers)
        return theta, StepState(state.k + 1)


@dataclass(frozen=True)
class Momentum(Optimizer):
    """Algorithm 8.2 (SGD with momentum): v <- alpha v - eps g;  theta <- theta + v.

    The step size approaches the terminal velocity eps ||g|| / (1 - alpha) on a constant
    slope. PyTorch's ``SGD(lr, momentum)`` keeps v' = mu v' + g and steps -lr v'; with a
    constant learning rate the iterates are the same.
    """

    lr: float = 0.01
    alpha: float = 0.9

    def __post_init__(self):
        _checks.learning_rate("lr", self.lr)
        _checks.in_unit_interval("alpha", self.alpha)

    def init(self, theta):
        return VelocityState(k=0, v=np.zeros_like(theta, dtype=float))

    def step(self, theta, state, objective):
        eps, g = lr_at(self.lr, state.k), objective.grad(theta)
        v = lincomb(self.alpha, state.v, -eps, g)  # v <- alpha v - eps g
        return add(theta, v), VelocityState(state.k + 1, v)  # theta <- theta + v


@dataclass(frozen=True)
class Nesterov(Optimizer):
    """Algorithm 8.3 (Nesterov momentum): the gradient is taken at the interim point.

        g <- grad J(theta + alpha v);  v <- alpha v - eps g;  theta <- theta + v

    PyTorch: ``SGD(lr, momentum, nesterov=True)``, which rewrites the same method in terms
    of the look-ahead point.
    """

    lr: float = 0.01
    alpha: float = 0.9

    def __post_init__(self):
        _checks.learning_rate("lr", self.lr)
        _checks.in_unit_interval("alpha", self.alpha)

    def init(self, theta):
        return VelocityState(k=0, v=np.zeros_like(theta, dtype=float))

    def step(self, theta, state, objective):
        eps = lr_at(self.lr, state.k)
        g = objective.grad(lincomb(1, theta, self.alpha, state.v))  # at theta + alpha v
        v = lincomb(self.alpha, state.v, -eps, g)  # v <- alpha v - eps g
        return add(theta, v), VelocityState(state.k + 1, v)  # theta <- theta + v


def clip_by_value(g, threshold: float):
    """Clip every component of g to [-threshold, threshold] (8.2.4)."""
    _checks.positive("threshold", threshold)
    return np.clip(g, -threshold, threshold)


def clip_by_norm(g, threshold: float):
    """Rescale g to norm ``threshold`` if ||g|| > threshold, keeping its direction (8.2.4)."""
    _checks.positive("threshold", threshold)
    norm = np.sqrt((g**2).sum(-1, keepdims=True))
    return g * np.minimum(1.0, threshold / np.maximum(norm, np.finfo(float).tiny))


def clip_gradients(objective: Objective, threshold: float, by: str = "norm") -> Objective:
    """The same objective with its gradient clipped ``by`` "norm" or "value".

    Wrapping the objective works with every optimizer (Nesterov's interim gradient is
    clipped too) without changing the optimizers themselves.
    """
    _checks.positive("threshold", threshold)
    _checks.one_of("by", by, {"norm", "value"})
    clip = clip_by_norm if by == "norm" else clip_by_value
    return replace(objective, grad=lambda th: clip(objective.grad(th), threshold),
                   name=f"{objective.name}, clipped by {by}")
