"""Validation helpers: every bad hyper-parameter raises a ValueError that names it."""

from __future__ import annotations

import numbers

import numpy as np


def _is_number(x) -> bool:
    return isinstance(x, numbers.Real) and not isinstance(x, bool)


def positive(name: str, value, *, allow_zero: bool = False) -> None:
    """Require a finite real number > 0 (or >= 0 with ``allow_zero``)."""
    bound = "[0, inf)" if allow_zero else "(0, inf)"
    if not _is_number(value) or not np.isfinite(value):
        raise ValueError(f"{name} must be a finite number in {bound}, got {value!r}")
    if value < 0 or (value == 0 and not allow_zero):
        raise ValueError(f"{name} must be in {bound}, got {value!r}")


def in_unit_interval(name: str, value, *, closed_right: bool = False) -> None:
    """Require a number in [0, 1) (or [0, 1])."""
    bound = "[0, 1]" if closed_right else "[0, 1)"
    ok = _is_number(value) and 0 <= value and (value <= 1 if closed_right else value < 1)
    if not ok:
        raise ValueError(f"{name} must be in {bound}, got {value!r}")


def positive_int(name: str, value, *, minimum: int = 1) -> None:
    """Require an integer >= ``minimum``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}")


def learning_rate(name: str, value) -> None:
    """A learning rate is a positive number or a schedule (a callable of the step k)."""
    if callable(value):
        return
    positive(name, value)


def one_of(name: str, value, options) -> None:
    if value not in options:
        raise ValueError(f"{name} must be one of {sorted(options)}, got {value!r}")


def flat_theta(name: str, theta, d: int, *, copy: bool = False, context: str = "") -> np.ndarray:
    """``theta`` as a float array of shape (..., d) (a copy if ``copy``), or a ValueError
    naming it; ``context`` is added to the message (e.g. " for sizes (64, 10)")."""
    theta = np.array(theta, dtype=float) if copy else np.asarray(theta, dtype=float)
    if theta.ndim == 0 or theta.shape[-1] != d:
        raise ValueError(f"{name} must have shape (..., {d}){context}, got {theta.shape}")
    return theta
