"""Checkers for the code exercises of section 8.4 (parameter initialization)."""

from __future__ import annotations

import numpy as np
from scipy import stats

from ._grading import Verdict, grade


def check_haar_orthogonal(fn) -> Verdict:
    """Check ``fn(rng, n) -> Q``: a random (n, n) orthogonal matrix with the Haar distribution.

    Independent truths used: Q^T Q = I; the same generator state gives the same Q; over
    many draws E[Q] = 0, P(Q_00 > 0) = 1/2, and Q_00^2 follows Beta(1/2, (n-1)/2), the law
    of one coordinate squared of a uniform point on the unit sphere.
    """

    def test():
        n = 4
        Q = np.asarray(fn(np.random.default_rng(0), n), dtype=float)
        if Q.shape != (n, n):
            return f"fn(rng, {n}) returned shape {Q.shape}, expected {(n, n)}."
        err = np.abs(Q.T @ Q - np.eye(n)).max()
        if not err < 1e-8:
            return f"Q is not orthogonal: max |Q^T Q - I| = {err:.2e}."
        again = np.asarray(fn(np.random.default_rng(0), n), dtype=float)
        if not np.array_equal(Q, again):
            return "two calls with the same seed gave different matrices: draw only from rng."
        rng = np.random.default_rng(1)
        draws = 3000
        Qs = np.stack([np.asarray(fn(rng, n), dtype=float) for _ in range(draws)])
        se = np.sqrt(1.0 / (n * draws))          # each entry has variance 1/n under Haar
        diag = np.diagonal(Qs, axis1=-2, axis2=-1).mean()
        if abs(diag) > 5 * se:
            return (f"the diagonal entries average {diag:+.3f} over {draws} draws; for a "
                    f"Haar matrix they average 0 (within {5 * se:.3f}).")
        pos = np.mean(Qs[:, 0, 0] > 0)
        if abs(pos - 0.5) > 2.5 / np.sqrt(draws):
            return f"Q[0, 0] is positive in {pos:.1%} of the draws, expected about 50%."
        worst = np.abs(Qs.mean(axis=0)).max()
        if worst > 5 * se:
            return f"the average matrix over {draws} draws has an entry {worst:.3f}, expected ~0."
        p = stats.kstest(Qs[:, 0, 0] ** 2, stats.beta(0.5, (n - 1) / 2).cdf).pvalue
        if p < 1e-4:
            return ("Q[0, 0]^2 does not follow Beta(1/2, (n-1)/2), the law of a coordinate of a "
                    f"uniformly random unit vector (KS p-value {p:.1e}).")
        return None

    return grade("haar_orthogonal", test,
                 "QR-factorize a matrix of i.i.d. standard normals, A = QR, then multiply "
                 "column j of Q by the sign of R[j, j].")
