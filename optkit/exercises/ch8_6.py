"""Checkers for the code exercises of section 8.6 (approximate second-order methods)."""

from __future__ import annotations

import numpy as np

from ._grading import Verdict, Wrong, grade


def _bfgs(M, s, y):
    """The BFGS inverse-Hessian update written with explicit matrices (independent of
    ``optkit.second_order.bfgs_update``, which works with outer products)."""
    rho = 1.0 / (y @ s)
    d = len(s)
    A = np.eye(d) - rho * np.outer(s, y)
    return A @ M @ A.T + rho * np.outer(s, s)


def _dfp(M, s, y):
    """The DFP update: also satisfies the secant equation, but it is not BFGS."""
    My = M @ y
    return M - np.outer(My, My) / (y @ My) + np.outer(s, s) / (y @ s)


def check_bfgs_update(fn) -> Verdict:
    """Check ``fn(M, s, y) -> M_new``: one BFGS update of an inverse-Hessian estimate M
    (d x d) from a step s and a gradient change y (both (d,)), returning M unchanged when
    the curvature condition y^T s > 0 fails.

    Independent truths used: the explicit-matrix form of the update on random positive
    definite M and random pairs; the secant equation M_new y = s; symmetry; the skip rule.
    """

    def call(M, s, y):
        out = np.asarray(fn(M.copy(), s.copy(), y.copy()), dtype=float)
        if out.shape != M.shape:
            raise Wrong(f"fn returned shape {out.shape}; it must return a {M.shape} matrix.")
        return out

    def test():
        rng = np.random.default_rng(6)
        for d in (2, 5):
            A = rng.normal(size=(d, d))
            M = A @ A.T + np.eye(d)
            s = rng.normal(size=d)
            y = rng.normal(size=d)
            if y @ s <= 0:
                y = -y
            got = call(M, s, y)
            if not np.allclose(got @ y, s, rtol=1e-8, atol=1e-10):
                return ("the secant equation M_new @ y = s fails (d = "
                        f"{d}): M_new @ y = {np.round(got @ y, 4)}, s = {np.round(s, 4)}.")
            if not np.allclose(got, got.T, rtol=1e-10, atol=1e-12):
                return "M_new is not symmetric; an inverse-Hessian estimate must be."
            want = _bfgs(M, s, y)
            if not np.allclose(got, want, rtol=1e-8, atol=1e-10):
                if np.allclose(got, _dfp(M, s, y), rtol=1e-8, atol=1e-10):
                    return ("you wrote the DFP update: it satisfies the secant equation too, "
                            "but BFGS is (I - rho s y^T) M (I - rho y s^T) + rho s s^T.")
                return (f"M_new satisfies the secant equation but differs from the BFGS "
                        f"update by up to {np.abs(got - want).max():.3g} (d = {d}).")
        # curvature condition fails: skip
        d = 3
        M = np.diag([1.0, 2.0, 3.0])
        s = np.array([1.0, 0.0, 0.0])
        y = np.array([-0.5, 1.0, 0.0])  # y.s < 0
        got = call(M, s, y)
        if not np.allclose(got, M):
            return ("with y^T s = -0.5 < 0 the update must be skipped (return M unchanged): "
                    "updating would make M indefinite.")
        return None

    return grade("bfgs_update", test,
                 "rho = 1 / (y @ s); A = I - rho * np.outer(s, y); "
                 "M_new = A @ M @ A.T + rho * np.outer(s, s); if y @ s <= 0: return M.")
