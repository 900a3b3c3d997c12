"""Learning-rate schedules (8.3.1): each is a pure function of the iteration k.

A schedule is a small frozen dataclass you call with k (an int or an array of ints), so
``lr=cosine(0.1, total=200)`` can be passed to any optimizer and plotted with
``schedule(np.arange(200))``. The book's rule is the linear decay (8.14); the others are
the ones practitioners use next to it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import _checks


class Schedule:
    def __call__(self, k):  # pragma: no cover - every subclass overrides it
        raise NotImplementedError


@dataclass(frozen=True)
class constant(Schedule):
    """epsilon_k = lr."""

    lr: float

    def __post_init__(self):
        _checks.positive("lr", self.lr)

    def __call__(self, k):
        return self.lr + 0.0 * np.asarray(k, dtype=float)


@dataclass(frozen=True)
class linear_decay(Schedule):
    """Equation 8.14: epsilon_k = (1 - a) epsilon_0 + a epsilon_tau with a = k / tau, then constant.

    ``lr_final`` defaults to 1% of ``lr``, the book's rule of thumb.
    """

    lr: float
    tau: int
    lr_final: float | None = None

    def __post_init__(self):
        _checks.positive("lr", self.lr)
        _checks.positive_int("tau", self.tau)
        if self.lr_final is not None:
            _checks.positive("lr_final", self.lr_final, allow_zero=True)

    def __call__(self, k):
        end = 0.01 * self.lr if self.lr_final is None else self.lr_final
        a = np.minimum(np.asarray(k, dtype=float) / self.tau, 1.0)
        return (1 - a) * self.lr + a * end


@dataclass(frozen=True)
class step_decay(Schedule):
    """epsilon_k = lr * factor ** floor(k / every): drop by ``factor`` every ``every`` steps."""

    lr: float
    every: int
    factor: float = 0.1

    def __post_init__(self):
        _checks.positive("lr", self.lr)
        _checks.positive_int("every", self.every)
        if not (_checks._is_number(self.factor) and 0 < self.factor <= 1):
            raise ValueError(f"factor must be in (0, 1], got {self.factor!r}")

    def __call__(self, k):
        return self.lr * self.factor ** np.floor_divide(np.asarray(k), self.every)


@dataclass(frozen=True)
class exponential(Schedule):
    """epsilon_k = lr * gamma ** k, with 0 < gamma <= 1."""

    lr: float
    gamma: float

    def __post_init__(self):
        _checks.positive("lr", self.lr)
        if not (0 < self.gamma <= 1):
            raise ValueError(f"gamma must be in (0, 1], got {self.gamma!r}")

    def __call__(self, k):
        return self.lr * self.gamma ** np.asarray(k, dtype=float)


@dataclass(frozen=True)
class inverse_time(Schedule):
    """epsilon_k = lr / (1 + decay * k): satisfies sum eps = inf and sum eps^2 < inf (8.12-8.13)."""

    lr: float
    decay: float

    def __post_init__(self):
        _checks.positive("lr", self.lr)
        _checks.positive("decay", self.decay, allow_zero=True)

    def __call__(self, k):
        return self.lr / (1 + self.decay * np.asarray(k, dtype=float))


@dataclass(frozen=True)
class cosine(Schedule):
    """Cosine annealing from ``lr`` to ``lr_min`` over ``total`` steps, then ``lr_min``."""

    lr: float
    total: int
    lr_min: float = 0.0

    def __post_init__(self):
        _checks.positive("lr", self.lr)
        _checks.positive_int("total", self.total)
        _checks.positive("lr_min", self.lr_min, allow_zero=True)
        if self.lr_min > self.lr:
            raise ValueError(f"lr_min must be in [0, lr = {self.lr}], got {self.lr_min!r}")

    def __call__(self, k):
        t = np.minimum(np.asarray(k, dtype=float) / self.total, 1.0)
        return self.lr_min + 0.5 * (self.lr - self.lr_min) * (1 + np.cos(np.pi * t))


@dataclass(frozen=True)
class cyclic(Schedule):
    """Triangular cyclic learning rate (Smith 2017): up from ``lr_min`` to ``lr_max`` in
    ``half_period`` steps, back down in as many, and again."""

    lr_min: float
    lr_max: float
    half_period: int

    def __post_init__(self):
        _checks.positive("lr_min", self.lr_min, allow_zero=True)
        _checks.positive("lr_max", self.lr_max)
        if self.lr_max < self.lr_min:
            raise ValueError(f"lr_max must be >= lr_min = {self.lr_min}, got {self.lr_max}")
        _checks.positive_int("half_period", self.half_period)

    def __call__(self, k):
        phase = np.mod(np.asarray(k, dtype=float), 2 * self.half_period) / self.half_period
        tri = 1 - np.abs(phase - 1)  # 0 -> 1 -> 0 over one cycle
        return self.lr_min + (self.lr_max - self.lr_min) * tri


@dataclass(frozen=True)
class warm_restarts(Schedule):
    """SGDR (Loshchilov & Hutter 2017): cosine annealing over ``period`` steps, restarted at
    ``lr``; each period is ``mult`` times longer than the one before."""

    lr: float
    period: int
    mult: int = 1
    lr_min: float = 0.0

    def __post_init__(self):
        _checks.positive("lr", self.lr)
        _checks.positive_int("period", self.period)
        _checks.positive_int("mult", self.mult)
        _checks.positive("lr_min", self.lr_min, allow_zero=True)
        if self.lr_min > self.lr:
            raise ValueError(f"lr_min must be in [0, lr = {self.lr}], got {self.lr_min!r}")

    def __call__(self, k):
        k = np.asarray(k, dtype=float)
        if self.mult == 1:
            start, length = np.floor(k / self.period) * self.period, self.period + 0 * k
        else:  # periods T, T m, T m^2, ...: find the cycle n with start_n <= k < start_{n+1}
            n = np.floor(np.log1p(k * (self.mult - 1) / self.period) / np.log(self.mult) + 1e-9)
            start = self.period * (self.mult**n - 1) / (self.mult - 1)
            length = self.period * self.mult**n
        t = (k - start) / length
        return self.lr_min + 0.5 * (self.lr - self.lr_min) * (1 + np.cos(np.pi * t))


@dataclass(frozen=True)
class warmup(Schedule):
    """Linear warm-up: ramp from ``lr_k/steps`` up to ``schedule(k)`` over the first ``steps``
    iterations, then follow ``schedule`` (shifted so it starts where the ramp ends)."""

    schedule: Schedule
    steps: int

    def __post_init__(self):
        if not callable(self.schedule):
            raise ValueError("schedule must be a callable of the iteration k")
        _checks.positive_int("steps", self.steps)

    def __call__(self, k):
        k = np.asarray(k, dtype=float)
        ramp = np.minimum((k + 1) / self.steps, 1.0)
        return ramp * self.schedule(np.maximum(k - self.steps, 0))


def lr_at(lr, k):
    """The learning rate at step k: ``lr`` itself if it is a number, else ``lr(k)``."""
    return lr(k) if callable(lr) else lr
