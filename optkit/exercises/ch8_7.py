"""Checkers for the code exercises of section 8.7 (optimization strategies)."""

from __future__ import annotations

import numpy as np

from ..normalization import batch_norm_backward, batch_norm_forward
from ._grading import Verdict, grade, returned_arrays


def _reference(H, gamma, beta, delta, dout):
    out, cache = batch_norm_forward(H, gamma, beta, delta)
    return (out, *batch_norm_backward(dout, cache))


def check_batch_norm(fn) -> Verdict:
    """Check ``fn(H, gamma, beta, delta, dout) -> (out, dH, dgamma, dbeta)``.

    H (N, m) a minibatch of pre-activations, gamma, beta (m,), dout = dJ/d out (N, m):
    batch normalization in training mode (8.34-8.36, biased variance, delta inside the square
    root) and its gradients. Independent truths: ``optkit.normalization`` (itself checked by
    finite differences in the tests), the mean/std of the output, central differences of the
    reader's own forward pass.
    """

    def call(H, gamma, beta, delta, dout):
        res = fn(H.copy(), gamma.copy(), beta.copy(), delta, dout.copy())
        return returned_arrays(res, ("out", "dH", "dgamma", "dbeta"),
                               (H.shape, H.shape, gamma.shape, gamma.shape))

    def test():
        rng = np.random.default_rng(0)
        N, m = 8, 5
        H = rng.normal(2.0, 3.0, size=(N, m))
        gamma, beta = rng.uniform(0.5, 2.0, size=m), rng.normal(size=m)
        dout = rng.normal(size=(N, m))
        out, dH, dgamma, dbeta = call(H, gamma, beta, 1e-5, dout)
        want = _reference(H, gamma, beta, 1e-5, dout)
        if not np.allclose(out, want[0], rtol=1e-6, atol=1e-9):
            mean_ok = np.allclose(out.mean(0), beta, atol=1e-6)
            unbiased = (H - H.mean(0)) / np.sqrt(1e-5 + H.var(0, ddof=1)) * gamma + beta
            if np.allclose(out, unbiased, rtol=1e-6):
                return ("your forward pass divides the variance by N - 1; batch normalization "
                        "uses the biased variance 1/N sum (H - mu)^2 (equation 8.36).")
            if not mean_ok:
                return ("the output's mean over the minibatch should be beta for every unit; "
                        "did you take the mean over the examples (axis 0)?")
            return (f"the forward output differs from gamma (H - mu) / sigma + beta by up to "
                    f"{np.abs(out - want[0]).max():.3g}.")
        for name, got, ref in (("dbeta", dbeta, want[3]), ("dgamma", dgamma, want[2])):
            if not np.allclose(got, ref, rtol=1e-6, atol=1e-9):
                return f"{name} is wrong (off by up to {np.abs(got - ref).max():.3g})."
        if not np.allclose(dH, want[1], rtol=1e-6, atol=1e-9):
            naive = dout * gamma / np.sqrt(1e-5 + H.var(0))
            no_sigma = naive - naive.mean(0)
            if np.allclose(dH, naive, rtol=1e-6):
                return ("dH ignores that mu and sigma depend on H: subtract the mean of "
                        "dH' = dout*gamma and H' times the mean of dH'*H', then divide by sigma.")
            if np.allclose(dH, no_sigma, rtol=1e-6):
                return ("dH includes the path through mu but not the one through sigma: also "
                        "subtract H' * mean(dH' * H').")
            return f"dH differs from the true gradient by up to {np.abs(dH - want[1]).max():.3g}."
        # a second case with a large delta and a different size: delta inside the square root
        H2 = rng.normal(size=(3, 2)) * [0.1, 5.0]
        g2, b2, d2 = np.array([1.5, 0.5]), np.array([0.0, 1.0]), rng.normal(size=(3, 2))
        got = call(H2, g2, b2, 0.5, d2)
        ref = _reference(H2, g2, b2, 0.5, d2)
        for name, a, b in zip(("out", "dH", "dgamma", "dbeta"), got, ref):
            if not np.allclose(a, b, rtol=1e-6, atol=1e-9):
                return (f"with N = 3, m = 2 and delta = 0.5 your {name} is off by up to "
                        f"{np.abs(a - b).max():.3g}: is delta added inside the square root, "
                        f"sigma = sqrt(delta + var)?")
        return None

    return grade("batch_norm", test,
                 "mu = H.mean(0); var = ((H - mu)**2).mean(0); sigma = sqrt(delta + var); "
                 "H' = (H - mu)/sigma; out = gamma*H' + beta.  Backward: dbeta = dout.sum(0); "
                 "dgamma = (dout*H').sum(0); dH' = dout*gamma; "
                 "dH = (dH' - dH'.mean(0) - H'*(dH'*H').mean(0)) / sigma.")
