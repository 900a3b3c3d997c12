"""Checkers for the code exercises of section 8.3 (basic algorithms)."""

from __future__ import annotations

import numpy as np

from ..first_order import Momentum, VelocityState
from ..objectives import Objective
from ._grading import Verdict, grade, returned_arrays


def _reference(theta, v, g, lr, alpha):
    """One step of ``optkit.Momentum`` (Algorithm 8.2) with the gradient ``g`` given."""
    given = Objective(f=lambda th: np.zeros(th.shape[:-1]), grad=lambda th: g)
    theta, state = Momentum(lr=lr, alpha=alpha).step(theta, VelocityState(0, v), given)
    return theta, state.v


def check_momentum_step(fn) -> Verdict:
    """Check ``fn(theta, v, g, lr, alpha) -> (theta, v)``: one step of momentum (Algorithm 8.2).

    Independent truths used: ``optkit.Momentum`` on random batched arrays; from v = 0 the
    first step is plain gradient descent; on a constant gradient the k-th step has length
    lr ||g|| (1 - alpha^k) / (1 - alpha); 40 steps on a quadratic with the reader's state.
    """

    def call(theta, v, g, lr, alpha):
        out = fn(theta.copy(), v.copy(), g.copy(), lr, alpha)
        return returned_arrays(out, ("theta", "v"), (theta.shape,) * 2)

    def test():
        rng = np.random.default_rng(0)
        theta, g = rng.normal(size=(3, 4)), rng.normal(size=(3, 4))
        zeros = np.zeros_like(theta)
        new_theta, _ = call(theta, zeros, g, 0.1, 0.9)
        if not np.allclose(new_theta, theta - 0.1 * g, rtol=1e-10, atol=1e-12):
            if np.allclose(new_theta, theta + 0.1 * g, rtol=1e-10, atol=1e-12):
                return "your step goes uphill: the velocity update is v <- alpha v - lr g."
            if np.allclose(new_theta, theta, rtol=1e-10, atol=1e-12):
                return ("from v = 0 your theta did not move: you moved theta by the old "
                        "velocity. Update v first, then theta <- theta + (new) v.")
            return ("with v = 0 the first step must be plain gradient descent, "
                    "theta - lr g; yours is not.")
        for lr, alpha in ((0.1, 0.9), (0.03, 0.5), (1.0, 0.0), (0.01, 0.99)):
            v = rng.normal(size=(3, 4))
            got_theta, got_v = call(theta, v, g, lr, alpha)
            want_theta, want_v = _reference(theta, v, g, lr, alpha)
            if np.allclose(got_theta, want_theta, rtol=1e-10, atol=1e-12) and \
                    np.allclose(got_v, want_v, rtol=1e-10, atol=1e-12):
                continue
            if np.allclose(got_theta, theta + v, rtol=1e-10, atol=1e-12):
                return ("you moved theta by the old velocity: update v first, then "
                        "theta <- theta + (new) v.")
            buffer = alpha * v + g  # PyTorch reads v as its buffer b
            if np.allclose(got_v, buffer, rtol=1e-10, atol=1e-12) and \
                    np.allclose(got_theta, theta - lr * buffer, rtol=1e-10, atol=1e-12):
                return ("that is PyTorch's convention (b <- alpha b + g, theta <- theta - lr b): "
                        "its stored buffer is -v / lr. Keep the book's velocity "
                        "v <- alpha v - lr g.")
            if not np.allclose(got_v, want_v, rtol=1e-10, atol=1e-12):
                return (f"with lr = {lr}, alpha = {alpha} the new velocity differs from "
                        f"alpha v - lr g by up to {np.abs(got_v - want_v).max():.3g}.")
            return (f"with lr = {lr}, alpha = {alpha} the new theta differs from "
                    f"theta + v_new by up to {np.abs(got_theta - want_theta).max():.3g}.")
        # a constant gradient: the step lengths approach the terminal velocity
        theta, v, g = np.zeros(2), np.zeros(2), np.array([3.0, -4.0])
        for k in range(1, 31):
            new_theta, v = call(theta, v, g, 0.01, 0.9)
            want = 0.01 * 5.0 * (1 - 0.9**k) / (1 - 0.9)
            if abs(np.linalg.norm(new_theta - theta) - want) > 1e-9:
                return (f"on a constant gradient of norm 5 (lr = 0.01, alpha = 0.9) step {k} "
                        f"should have length {want:.6f}, yours has "
                        f"{np.linalg.norm(new_theta - theta):.6f}.")
            theta = new_theta
        # 40 steps on J = 1/2 (x^2 + 10 y^2), the state threaded through the reader's function
        curv = np.array([1.0, 10.0])
        theta, v = np.array([2.0, 1.0]), np.zeros(2)
        ref = (theta.copy(), np.zeros(2))
        for _ in range(40):
            theta, v = call(theta, v, curv * theta, 0.05, 0.8)
            ref = _reference(ref[0], ref[1], curv * ref[0], 0.05, 0.8)
        if not np.allclose(theta, ref[0], rtol=1e-8, atol=1e-12):
            return f"after 40 steps on a quadratic you are at {theta}, momentum is at {ref[0]}."
        return None

    return grade("momentum_step", test,
                 "v <- alpha * v - lr * g;  theta <- theta + v;  return (theta, v).")
