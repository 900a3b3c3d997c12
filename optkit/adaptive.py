"""Algorithms with adaptive learning rates (section 8.5), AdaDelta and decoupled weight decay.

Every optimizer here keeps one learning rate *per parameter* (per coordinate of ``theta``),
rescaled from the history of that coordinate's gradient. Same interface as
``optkit.first_order``::

    state = opt.init(theta)
    theta, state = opt.step(theta, state, objective)   # pure: inputs are never mutated

Shapes: ``theta`` is ``(..., d)`` and every accumulator in a state has the same shape, so a
batch of problems (starting points, networks trained side by side) is advanced by one call.
``lr`` may be a number or a schedule (a callable of the iteration ``k``), except in
:class:`DeltaBarDelta`, where it is the *initial* per-parameter rate that the method adapts.

Where delta sits (the small constant that prevents division by zero) differs between the
book and the libraries; each docstring says where, because it changes the first steps.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import NamedTuple

import numpy as np

from . import _checks
from ._buffers import FUSED, blockwise, lincomb
from .first_order import Optimizer
from .objectives import Objective
from .schedules import lr_at


class DeltaBarDeltaState(NamedTuple):
    k: int
    lr: np.ndarray  # the current per-parameter learning rates, shape of theta
    bar: np.ndarray  # exponential average of past gradients ("delta bar"), shape of theta


class AccumulatorState(NamedTuple):
    k: int
    r: np.ndarray  # accumulated squared gradient, shape of theta


class RMSPropNesterovState(NamedTuple):
    k: int
    r: np.ndarray  # decaying average of squared gradients
    v: np.ndarray  # velocity


class AdamState(NamedTuple):
    k: int  # t in Algorithm 8.7: the number of steps taken so far
    s: np.ndarray  # biased first-moment estimate
    r: np.ndarray  # biased second-moment estimate


class AdaDeltaState(NamedTuple):
    k: int
    r: np.ndarray  # decaying average of squared gradients, E[g^2]
    u: np.ndarray  # decaying average of squared updates, E[dtheta^2]


def _zeros(theta):
    return np.zeros_like(theta, dtype=float)


@dataclass(frozen=True)
class DeltaBarDelta(Optimizer):
    """Delta-bar-delta (Jacobs 1988): grow a coordinate's rate while its gradient keeps its sign.

    Each coordinate i has its own rate eps_i. With the gradient g and the running average
    bar_g of past gradients (the "delta bar"):

        eps_i <- eps_i + kappa            if bar_g_i * g_i > 0   (the slope agrees: speed up)
        eps_i <- (1 - phi) eps_i          if bar_g_i * g_i < 0   (it flipped: we overshot)
        theta <- theta - eps * g                                 (elementwise)
        bar_g <- (1 - rho) g + rho bar_g

    Increases are additive and decreases multiplicative, so the rates grow slowly and fall
    fast. The rule reads the sign of the gradient, which minibatch noise flips at random: it
    is meant for full-batch gradients (the book's remark in 8.5). ``lr`` is the initial rate
    of every coordinate (a number, not a schedule). No PyTorch / optax counterpart; Rprop
    (``torch.optim.Rprop``) is its best-known descendant.
    """

    lr: float = 0.01
    kappa: float = 0.001
    phi: float = 0.1
    rho: float = 0.7

    def __post_init__(self):
        _checks.positive("lr", self.lr)
        _checks.positive("kappa", self.kappa, allow_zero=True)
        if not (_checks._is_number(self.phi) and 0 < self.phi < 1):
            raise ValueError(f"phi must be in (0, 1), got {self.phi!r}")
        _checks.in_unit_interval("rho", self.rho)

    def init(self, theta):
        return DeltaBarDeltaState(k=0, lr=np.full_like(theta, self.lr, dtype=float),
                                  bar=_zeros(theta))

    def step(self, theta, state, objective):
        g = objective.grad(theta)
        agree = state.bar * g
        lr = np.where(agree > 0, state.lr + self.kappa,
                      np.where(agree < 0, (1 - self.phi) * state.lr, state.lr))
        bar = (1 - self.rho) * g + self.rho * state.bar
        return theta - lr * g, DeltaBarDeltaState(state.k + 1, lr, bar)


@dataclass(frozen=True)
class AdaGrad(Optimizer):
    """Algorithm 8.4 (AdaGrad): divide by the root of the *sum* of all past squared gradients.

        r <- r + g * g
        theta <- theta - eps / (delta + sqrt(r)) * g          (elementwise)

    The effective rate of coordinate i, eps / sqrt(sum_t g_i^2), only ever shrinks: fast for
    convex problems, often too early for deep networks. delta sits *outside* the root, as in
    the book and ``torch.optim.Adagrad(lr, eps=1e-10)``; ``optax.adagrad`` starts the sum at
    ``initial_accumulator_value=0.1`` and adds its eps inside the root, so its first steps
    are smaller.
    """

    lr: float = 0.01
    delta: float = 1e-7

    def __post_init__(self):
        _checks.learning_rate("lr", self.lr)
        _checks.positive("delta", self.delta)

    def init(self, theta):
        return AccumulatorState(k=0, r=_zeros(theta))

    def step(self, theta, state, objective):
        g = objective.grad(theta)
        r = state.r + g * g
        step = lr_at(self.lr, state.k) / (self.delta + np.sqrt(r)) * g
        return theta - step, AccumulatorState(state.k + 1, r)


@dataclass(frozen=True)
class RMSProp(Optimizer):
    """Algorithm 8.5 (RMSProp): AdaGrad with a *decaying* average instead of a sum.

        r <- rho r + (1 - rho) g * g
        theta <- theta - eps / sqrt(delta + r) * g             (elementwise)

    Old gradients are forgotten at rate rho, so the effective rate recovers when the
    gradients shrink (e.g. after leaving a steep region). delta sits *inside* the root, as
    in the book. PyTorch's ``torch.optim.RMSprop(lr, alpha=0.99, eps=1e-8)`` calls rho
    ``alpha`` and puts eps *outside* the root, g / (sqrt(r) + eps); ``optax.rmsprop(decay,
    eps)`` has a flag (``eps_in_sqrt``) choosing between the two. The placements differ
    only where r is comparable to delta (gradients of size about 1e-3 and below here).
    """

    lr: float = 0.001
    rho: float = 0.9
    delta: float = 1e-6

    def __post_init__(self):
        _checks.learning_rate("lr", self.lr)
        _checks.in_unit_interval("rho", self.rho)
        _checks.positive("delta", self.delta)

    def init(self, theta):
        return AccumulatorState(k=0, r=_zeros(theta))

    def step(self, theta, state, objective):
        g = objective.grad(theta)
        r = self.rho * state.r + (1 - self.rho) * g * g
        step = lr_at(self.lr, state.k) / np.sqrt(self.delta + r) * g
        return theta - step, AccumulatorState(state.k + 1, r)


@dataclass(frozen=True)
class RMSPropNesterov(Optimizer):
    """Algorithm 8.6 (RMSProp with Nesterov momentum).

        g <- grad J(theta + alpha v)                           (interim point)
        r <- rho r + (1 - rho) g * g
        v <- alpha v - eps / sqrt(delta + r) * g
        theta <- theta + v

    The book's box divides by sqrt(r) with no delta; we add the same delta as Algorithm 8.5,
    inside the root, so a coordinate whose gradient is exactly zero gives 0 / sqrt(delta) = 0
    instead of 0 / 0. PyTorch's ``RMSprop(momentum=alpha)`` is the heavy-ball (not Nesterov)
    variant and keeps its velocity in units of the scaled gradient.
    """

    lr: float = 0.001
    rho: float = 0.9
    alpha: float = 0.9
    delta: float = 1e-6

    def __post_init__(self):
        _checks.learning_rate("lr", self.lr)
        _checks.in_unit_interval("rho", self.rho)
        _checks.in_unit_interval("alpha", self.alpha)
        _checks.positive("delta", self.delta)

    def init(self, theta):
        return RMSPropNesterovState(k=0, r=_zeros(theta), v=_zeros(theta))

    def step(self, theta, state, objective):
        g = objective.grad(theta + self.alpha * state.v)
        r = self.rho * state.r + (1 - self.rho) * g * g
        v = self.alpha * state.v - lr_at(self.lr, state.k) / np.sqrt(self.delta + r) * g
        return theta + v, RMSPropNesterovState(state.k + 1, r, v)


@dataclass(frozen=True)
class Adam(Optimizer):
    """Algorithm 8.7 (Adam): momentum on the gradient, RMSProp on its square, bias-corrected.

        t <- t + 1
        s <- rho1 s + (1 - rho1) g              (first moment)
        r <- rho2 r + (1 - rho2) g * g          (second moment)
        s_hat <- s / (1 - rho1^t);  r_hat <- r / (1 - rho2^t)
        theta <- theta - eps * s_hat / (sqrt(r_hat) + delta)

    s and r start at 0, so after t steps they are biased towards 0 by the factors
    (1 - rho1^t) and (1 - rho2^t); the corrections undo that, and the first step moves every
    coordinate by eps (times sign(g)). ``bias_correction=False`` drops them, only to show
    why they are there. Same convention as ``torch.optim.Adam(lr, betas=(rho1, rho2),
    eps=delta)`` and ``optax.adam(learning_rate, b1, b2, eps)`` (delta outside the root).
    """

    lr: float = 1e-3
    rho1: float = 0.9
    rho2: float = 0.999
    delta: float = 1e-8
    bias_correction: bool = True

    def __post_init__(self):
        _checks.learning_rate("lr", self.lr)
        _checks.in_unit_interval("rho1", self.rho1)
        _checks.in_unit_interval("rho2", self.rho2)
        _checks.positive("delta", self.delta)
        if not isinstance(self.bias_correction, bool):
            raise ValueError(f"bias_correction must be True or False, got "
                             f"{self.bias_correction!r}")

    def init(self, theta):
        return AdamState(k=0, s=_zeros(theta), r=_zeros(theta))

    def direction(self, g, state):
        """The moment updates and the step direction s_hat / (sqrt(r_hat) + delta)."""
        t = state.k + 1
        rho1, rho2, delta = self.rho1, self.rho2, self.delta
        c1, c2 = (1 - rho1**t, 1 - rho2**t) if self.bias_correction else (1.0, 1.0)
        g = np.asarray(g, dtype=float)
        if g.size < FUSED:  # Algorithm 8.7 as written (fastest for small arrays)
            s = rho1 * state.s + (1 - rho1) * g
            r = rho2 * state.r + (1 - rho2) * g * g
            return (s / c1) / (np.sqrt(r / c2) + delta), AdamState(t, s, r)

        def kernel(g, s_old, r_old, direction, s, r):  # the same, in place, block by block
            np.multiply(s_old, rho1, out=s)
            s += (1 - rho1) * g  # s <- rho1 s + (1 - rho1) g
            np.multiply(r_old, rho2, out=r)
            r += (1 - rho2) * g * g  # r <- rho2 r + (1 - rho2) g g
            np.divide(r, c2, out=direction)  # r_hat
            np.sqrt(direction, out=direction)
            direction += delta
            np.divide(s / c1, direction, out=direction)  # s_hat / (sqrt(r_hat) + delta)

        direction, s, r = blockwise(kernel, (g, state.s, state.r), 3)
        return direction, AdamState(t, s, r)

    def step(self, theta, state, objective):
        direction, new_state = self.direction(objective.grad(theta), state)
        eps = lr_at(self.lr, state.k)
        return lincomb(1, theta, -eps, direction), new_state  # theta - eps direction


@dataclass(frozen=True)
class AdaDelta(Optimizer):
    """AdaDelta (Zeiler 2012): the step's own history replaces the learning rate.

        r <- rho r + (1 - rho) g * g                           E[g^2]
        dtheta <- - sqrt(u + delta) / sqrt(r + delta) * g      u = E[dtheta^2] so far
        u <- rho u + (1 - rho) dtheta * dtheta
        theta <- theta + lr * dtheta

    The ratio RMS[dtheta] / RMS[g] has the units of theta / g, the units of an inverse
    curvature, so the update has the units of theta (as in Newton's method) and no global
    learning rate is needed: ``lr`` = 1 is Zeiler's method. ``lr`` only rescales the applied
    step, like ``torch.optim.Adadelta(lr=1.0, rho=0.9, eps=1e-6)`` (u accumulates the
    unscaled dtheta, as there). Zeiler's experiments used rho = 0.95, delta = 1e-6.
    """

    lr: float = 1.0
    rho: float = 0.95
    delta: float = 1e-6

    def __post_init__(self):
        _checks.learning_rate("lr", self.lr)
        _checks.in_unit_interval("rho", self.rho)
        _checks.positive("delta", self.delta)

    def init(self, theta):
        return AdaDeltaState(k=0, r=_zeros(theta), u=_zeros(theta))

    def step(self, theta, state, objective):
        g = objective.grad(theta)
        r = self.rho * state.r + (1 - self.rho) * g * g
        dtheta = -np.sqrt(state.u + self.delta) / np.sqrt(r + self.delta) * g
        u = self.rho * state.u + (1 - self.rho) * dtheta * dtheta
        return theta + lr_at(self.lr, state.k) * dtheta, AdaDeltaState(state.k + 1, r, u)


@dataclass(frozen=True)
class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov & Hutter 2019).

        theta <- theta - eps * (s_hat / (sqrt(r_hat) + delta) + weight_decay * theta)

    The decay shrinks every weight by the same fraction eps * weight_decay per step, outside
    Adam's per-coordinate rescaling. Adding an L2 penalty (weight_decay / 2) ||theta||^2 to
    the cost instead (:func:`with_l2`) puts weight_decay * theta *inside* g, where Adam
    divides it by sqrt(r_hat): weights with large gradients are then barely decayed. For
    plain SGD the two coincide. Same convention as ``torch.optim.AdamW(lr, betas, eps,
    weight_decay=1e-2)`` and ``optax.adamw`` (decay multiplied by the learning rate).
    """

    weight_decay: float = 1e-2

    def __post_init__(self):
        super().__post_init__()
        _checks.positive("weight_decay", self.weight_decay, allow_zero=True)

    def step(self, theta, state, objective):
        direction, new_state = self.direction(objective.grad(theta), state)
        lr = lr_at(self.lr, state.k)
        return theta - lr * (direction + self.weight_decay * theta), new_state


@dataclass(frozen=True)
class DecoupledWeightDecay(Optimizer):
    """Any optimizer followed by decoupled weight decay: theta <- step(theta) - eps_k lambda theta.

    ``opt`` must have an ``lr`` (number or schedule); the decay uses the same rate at step k,
    so ``DecoupledWeightDecay(SGD(lr), wd)`` is "SGDW" and gives exactly the iterates of SGD
    on ``with_l2(objective, wd)``. (For Adam use :class:`AdamW`, the same rule.)
    """

    opt: Optimizer
    weight_decay: float = 1e-2

    def __post_init__(self):
        if not isinstance(self.opt, Optimizer) or not hasattr(self.opt, "lr"):
            raise ValueError(f"opt must be an optkit optimizer with an lr, got {self.opt!r}")
        _checks.positive("weight_decay", self.weight_decay, allow_zero=True)

    def init(self, theta):
        return self.opt.init(theta)

    def step(self, theta, state, objective):
        new_theta, new_state = self.opt.step(theta, state, objective)
        return new_theta - lr_at(self.opt.lr, state.k) * self.weight_decay * theta, new_state


def with_l2(objective: Objective, weight_decay: float) -> Objective:
    """The objective plus the L2 penalty (weight_decay / 2) ||theta||^2 (section 7.1.1).

    Its gradient is grad J + weight_decay * theta, so any optimizer run on it is "that
    optimizer with L2 regularization" (what ``weight_decay=`` means in ``torch.optim.SGD``
    and ``torch.optim.Adam``, as opposed to ``AdamW``).
    """
    _checks.positive("weight_decay", weight_decay, allow_zero=True)
    lam = float(weight_decay)

    def f(theta):
        return objective.f(theta) + 0.5 * lam * (theta**2).sum(-1)

    def grad(theta):
        return objective.grad(theta) + lam * theta

    hess = None
    if objective.hess is not None:
        def hess(theta):
            return objective.hess(theta) + lam * np.eye(theta.shape[-1])

    return replace(objective, f=f, grad=grad, hess=hess, minimizer=None,
                   name=f"{objective.name} + L2 {lam:g}")
