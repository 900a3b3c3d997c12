"""Checkers for the code exercises of section 8.5 (adaptive learning rates)."""

from __future__ import annotations

import numpy as np

from ..adaptive import Adam, AdamState
from ._grading import Verdict, grade, returned_arrays


def _reference(theta, g, s, r, t, lr, rho1, rho2, delta, correct=True):
    opt = Adam(lr=lr, rho1=rho1, rho2=rho2, delta=delta, bias_correction=correct)
    direction, state = opt.direction(g, AdamState(t - 1, s, r))
    return theta - lr * direction, state.s, state.r


def check_adam_step(fn) -> Verdict:
    """Check ``fn(theta, g, s, r, t, lr, rho1, rho2, delta) -> (theta, s, r)``: one Adam step.

    ``t`` is the step number after the increment of Algorithm 8.7 (t = 1 on the first step).
    Independent truths used: ``optkit.Adam`` on random batched arrays and several t; the
    first step moves every coordinate by lr; a run of 50 steps on a quadratic.
    """

    def call(theta, g, s, r, t, lr, rho1, rho2, delta):
        out = fn(theta.copy(), g.copy(), s.copy(), r.copy(), t, lr, rho1, rho2, delta)
        return returned_arrays(out, ("theta", "s", "r"), (theta.shape,) * 3)

    def test():
        rng = np.random.default_rng(0)
        theta, g = rng.normal(size=(3, 4)), rng.normal(size=(3, 4)) * 10.0 ** rng.uniform(-2, 2)
        zeros = np.zeros_like(theta)
        first = call(theta, g, zeros, zeros, 1, 0.01, 0.9, 0.999, 1e-8)
        step = np.abs(first[0] - theta)
        if not np.allclose(step, 0.01, rtol=1e-4):
            uncorrected = _reference(theta, g, zeros, zeros, 1, 0.01, 0.9, 0.999, 1e-8,
                                     correct=False)[0]
            if np.allclose(first[0], uncorrected, rtol=1e-6, atol=1e-12):
                return ("your first step is the uncorrected one: divide s by (1 - rho1^t) "
                        "and r by (1 - rho2^t) before using them.")
            return (f"with s = r = 0 and t = 1 every coordinate should move by lr = 0.01; "
                    f"yours moved by {step.min():.4g} to {step.max():.4g}.")
        for t, (lr, rho1, rho2, delta) in ((3, (0.1, 0.8, 0.99, 1e-6)),
                                           (40, (0.001, 0.9, 0.999, 1e-8)),
                                           (7, (0.05, 0.0, 0.5, 1e-3))):
            s, r = rng.normal(size=(3, 4)), rng.uniform(0.1, 2.0, size=(3, 4))
            got = call(theta, g, s, r, t, lr, rho1, rho2, delta)
            want = _reference(theta, g, s, r, t, lr, rho1, rho2, delta)
            for name, a, b in zip(("theta", "s", "r"), got, want):
                if not np.allclose(a, b, rtol=1e-7, atol=1e-12):
                    return (f"at t = {t} (lr={lr}, rho1={rho1}, rho2={rho2}, delta={delta}) "
                            f"the new {name} differs from Algorithm 8.7 by up to "
                            f"{np.abs(a - b).max():.3g}.")
        # 50 steps on f = 1/2 (x^2 + 25 y^2), state threaded through the reader's function
        theta, s, r = np.array([2.0, 1.0]), np.zeros(2), np.zeros(2)
        ref = theta.copy(), np.zeros(2), np.zeros(2)
        for t in range(1, 51):
            theta, s, r = call(theta, theta * [1.0, 25.0], s, r, t, 0.05, 0.9, 0.999, 1e-8)
            ref = _reference(ref[0], ref[0] * [1.0, 25.0], ref[1], ref[2], t, 0.05, 0.9,
                             0.999, 1e-8)
        if not np.allclose(theta, ref[0], rtol=1e-6, atol=1e-10):
            return f"after 50 steps on a quadratic you are at {theta}, Adam is at {ref[0]}."
        return None

    return grade("adam_step", test,
                 "s <- rho1 s + (1-rho1) g;  r <- rho2 r + (1-rho2) g*g;  "
                 "s_hat = s/(1-rho1**t);  r_hat = r/(1-rho2**t);  "
                 "theta <- theta - lr * s_hat / (sqrt(r_hat) + delta).")
