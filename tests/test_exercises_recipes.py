"""The ZCA-whitening checker: passes a reference solution, fails wrong answers without raising."""

import numpy as np
from scipy.linalg import sqrtm

from optkit.exercises import check_zca_whiten


def zca_by_sqrtm(X):  # an independent solution: SciPy's matrix square root
    Xc = X - X.mean(0)
    return Xc @ np.real(np.linalg.inv(sqrtm(Xc.T @ Xc / len(X))))


def pca(X):
    Xc = X - X.mean(0)
    lam, U = np.linalg.eigh(Xc.T @ Xc / len(X))
    return Xc @ U / np.sqrt(lam)


def test_reference_passes(capsys):
    assert check_zca_whiten(zca_by_sqrtm)
    assert "PASS" in capsys.readouterr().out


def test_stub_fails_without_raising(capsys):
    def stub(X):
        raise NotImplementedError

    assert not check_zca_whiten(stub)
    assert "not attempted" in capsys.readouterr().out


def test_pca_whitening_is_recognized(capsys):
    assert not check_zca_whiten(pca)
    assert "PCA" in capsys.readouterr().out


def test_unbiased_covariance_is_recognized(capsys):
    def ddof1(X):
        n = len(X)
        return zca_by_sqrtm(X) * np.sqrt((n - 1) / n)

    assert not check_zca_whiten(ddof1)
    assert "N - 1" in capsys.readouterr().out


def test_other_wrong_answers(capsys):
    assert not check_zca_whiten(lambda X: X - X.mean(0))  # centred only
    assert "identity" in capsys.readouterr().out
    assert not check_zca_whiten(lambda X: zca_by_sqrtm(X) + 1.0)  # not centred
    assert "mean zero" in capsys.readouterr().out
    assert not check_zca_whiten(lambda X: zca_by_sqrtm(X)[:, :2])
    assert "shape" in capsys.readouterr().out
    rng = np.random.default_rng(0)
    Q, _ = np.linalg.qr(rng.normal(size=(3, 3)))
    assert not check_zca_whiten(lambda X: zca_by_sqrtm(X) @ Q)  # white, but rotated
    assert "not the ZCA" in capsys.readouterr().out
    assert not check_zca_whiten(lambda X: 1 / 0)
    assert "raised" in capsys.readouterr().out
