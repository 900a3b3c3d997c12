"""The 8.4 checker accepts a reference solution and rejects wrong answers without raising."""

import numpy as np

from optkit.exercises import check_haar_orthogonal


def reference(rng, n):
    Q, R = np.linalg.qr(rng.standard_normal((n, n)))
    return Q * np.where(np.diag(R) < 0, -1.0, 1.0)


def uncorrected(rng, n):
    return np.linalg.qr(rng.standard_normal((n, n)))[0]


def random_signed_permutation(rng, n):   # orthogonal, symmetric signs, but not Haar
    return np.eye(n)[rng.permutation(n)] * rng.choice([-1.0, 1.0], size=n)


def not_orthogonal(rng, n):
    return rng.standard_normal((n, n)) / np.sqrt(n)


def uses_global_state(rng, n):
    return reference(np.random.default_rng(), n)


def stub(rng, n):
    raise NotImplementedError


def crashes(rng, n):
    return np.linalg.qr(rng.standard_normal(n))    # LinAlgError on a 1-D array


def test_reference_passes(capsys):
    assert check_haar_orthogonal(reference).passed
    assert "PASS" in capsys.readouterr().out


def test_wrong_answers_fail_with_a_message(capsys):
    for fn, words in [(uncorrected, "diagonal"), (random_signed_permutation, "Q[0, 0]"),
                      (not_orthogonal, "not orthogonal"), (uses_global_state, "same seed"),
                      (stub, "not attempted"), (crashes, "raised")]:
        v = check_haar_orthogonal(fn)
        assert not v.passed, fn.__name__
        assert words in v.message, (fn.__name__, v.message)
        assert "FAIL" in capsys.readouterr().out
