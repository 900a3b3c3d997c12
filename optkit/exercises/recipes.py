"""Checker for the code exercise of the practical-recipes appendix (ZCA whitening)."""

from __future__ import annotations

import numpy as np

from ..preprocessing import covariance, pca_whiten, zca_whiten
from ._grading import Verdict, grade


def _data(seed: int = 0, n: int = 200) -> np.ndarray:
    rng = np.random.default_rng(seed)
    A = rng.normal(size=(3, 3)) * np.array([4.0, 1.0, 0.2])
    return rng.normal(size=(n, 3)) @ A + np.array([3.0, -1.0, 10.0])


def check_zca_whiten(fn) -> Verdict:
    """Check ``fn(X) -> Z``: ZCA whitening of the rows of X (N, m), fitted on X itself.

    Z = (X - mean) C^(-1/2) with C the 1/N covariance. Independent truths: the covariance of
    Z must be the identity, and Z must equal ``optkit.preprocessing.zca_whiten`` (tested
    against SciPy's matrix square root); PCA whitening and the N - 1 normalization are
    recognized and explained.
    """

    def test():
        X = _data()
        Z = np.asarray(fn(X.copy()), dtype=float)
        if Z.shape != X.shape:
            return f"fn(X) returned shape {Z.shape}; expected {X.shape}, one row per example."
        if not np.all(np.isfinite(Z)):
            return "your output contains nan or inf."
        if np.abs(Z.mean(0)).max() > 1e-8:
            return ("the output's columns do not have mean zero: subtract the mean of each "
                    "feature (over the examples, axis 0) before whitening.")
        n = len(X)
        C = covariance(Z)
        if np.allclose(C, (n - 1) / n * np.eye(3), atol=1e-8):
            return ("the covariance of your output is (N-1)/N times the identity: you "
                    "estimated the covariance with N - 1; this book uses 1/N.")
        if not np.allclose(C, np.eye(3), atol=1e-8):
            return (f"the covariance of your output should be the identity, but its entries "
                    f"are off by up to {np.abs(C - np.eye(3)).max():.3g}.")
        want = zca_whiten(X)(X)
        if np.allclose(Z, want, atol=1e-8):
            return None
        # PCA whitening, in any order of the components and with any signs: each column of
        # Z is +- one column of P, so |Z^T P| / N is a permutation matrix.
        M = np.abs(Z.T @ pca_whiten(X)(X)) / n
        if np.allclose(np.sort(M, axis=1), [0.0, 0.0, 1.0], atol=1e-6):
            return ("your output is white, but it is PCA whitening (coordinates along the "
                    "eigenvectors). ZCA rotates back: multiply by U^T as well.")
        return ("your output is white (identity covariance) but it is not the ZCA whitening, "
                "the white data closest to the centred input. Use C^(-1/2) = U diag(1/sqrt(lam)) "
                "U^T.")

    return grade("zca_whiten", test,
                 "centre X, form C = Xc.T @ Xc / N, take lam, U = np.linalg.eigh(C), and "
                 "return Xc @ U @ np.diag(1 / np.sqrt(lam)) @ U.T.")
