"""The 8.6 checker accepts a reference solution and rejects wrong answers without raising."""

import numpy as np

from optkit.exercises import check_bfgs_update
from optkit.second_order import bfgs_update


def reference(M, s, y):
    if y @ s <= 0:
        return M
    rho = 1.0 / (y @ s)
    A = np.eye(len(s)) - rho * np.outer(s, y)
    return A @ M @ A.T + rho * np.outer(s, s)


def library(M, s, y):  # optkit's own outer-product form must pass too
    return bfgs_update(M, s, y)[0]


def dfp(M, s, y):
    if y @ s <= 0:
        return M
    My = M @ y
    return M - np.outer(My, My) / (y @ My) + np.outer(s, s) / (y @ s)


def no_skip(M, s, y):
    rho = 1.0 / (y @ s)
    A = np.eye(len(s)) - rho * np.outer(s, y)
    return A @ M @ A.T + rho * np.outer(s, s)


def missing_term(M, s, y):
    rho = 1.0 / (y @ s)
    A = np.eye(len(s)) - rho * np.outer(s, y)
    return A @ M @ A.T


def transposed(M, s, y):  # (I - rho y s^T) M (I - rho s y^T): not symmetric in general
    rho = 1.0 / (y @ s)
    A = np.eye(len(s)) - rho * np.outer(y, s)
    return A @ M @ A.T + rho * np.outer(s, s)


def wrong_shape(M, s, y):
    return s


def stub(M, s, y):
    raise NotImplementedError


def test_reference_and_library_pass(capsys):
    assert check_bfgs_update(reference).passed
    assert check_bfgs_update(library).passed
    assert "PASS" in capsys.readouterr().out


def test_wrong_answers_fail_with_a_message(capsys):
    for fn, words in [(dfp, "DFP"), (no_skip, "skipped"), (missing_term, "secant"),
                      (transposed, "secant"), (wrong_shape, "shape"),
                      (stub, "not attempted")]:
        v = check_bfgs_update(fn)
        assert not v.passed, fn.__name__
        assert words in v.message, (fn.__name__, v.message)
        assert "FAIL" in capsys.readouterr().out
