"""The 8.7 checker passes a reference solution and fails wrong answers without raising."""

import numpy as np

from optkit.exercises import check_batch_norm


def bn_reference(H, gamma, beta, delta, dout):
    # written from 8.34-8.36 and the chain rule, independently of optkit.normalization
    N = H.shape[0]
    mu = H.sum(0) / N
    var = ((H - mu) ** 2).sum(0) / N
    sigma = np.sqrt(delta + var)
    Hhat = (H - mu) / sigma
    out = gamma * Hhat + beta
    dHhat = dout * gamma
    dvar = (dHhat * (H - mu)).sum(0) * -0.5 * sigma**-3
    dmu = -dHhat.sum(0) / sigma - 2 * dvar * (H - mu).sum(0) / N
    dH = dHhat / sigma + dvar * 2 * (H - mu) / N + dmu / N
    return out, dH, (dout * Hhat).sum(0), dout.sum(0)


def test_reference_passes(capsys):
    assert check_batch_norm(bn_reference)
    assert "PASS" in capsys.readouterr().out


def test_unbiased_variance_fails_with_hint(capsys):
    def unbiased(H, gamma, beta, delta, dout):
        out, dH, dg, db = bn_reference(H, gamma, beta, delta, dout)
        sigma = np.sqrt(delta + H.var(0, ddof=1))
        return gamma * (H - H.mean(0)) / sigma + beta, dH, dg, db

    assert not check_batch_norm(unbiased)
    assert "N - 1" in capsys.readouterr().out


def test_gradient_without_the_statistics_paths_fails(capsys):
    def naive(H, gamma, beta, delta, dout):
        out, _, dg, db = bn_reference(H, gamma, beta, delta, dout)
        return out, dout * gamma / np.sqrt(delta + H.var(0)), dg, db

    assert not check_batch_norm(naive)
    assert "mu and sigma depend on H" in capsys.readouterr().out

    def mean_only(H, gamma, beta, delta, dout):
        out, _, dg, db = bn_reference(H, gamma, beta, delta, dout)
        g = dout * gamma / np.sqrt(delta + H.var(0))
        return out, g - g.mean(0), dg, db

    assert not check_batch_norm(mean_only)
    assert "through sigma" in capsys.readouterr().out


def test_delta_outside_the_root_and_wrong_dgamma_fail():
    def outside(H, gamma, beta, delta, dout):
        out, dH, dg, db = bn_reference(H, gamma, beta, 0.0, dout)
        sigma = np.sqrt(H.var(0)) + delta
        return gamma * (H - H.mean(0)) / sigma + beta, dH, dg, db

    assert not check_batch_norm(outside)

    def bad_dgamma(H, gamma, beta, delta, dout):
        out, dH, dg, db = bn_reference(H, gamma, beta, delta, dout)
        return out, dH, dout.sum(0), db

    assert not check_batch_norm(bad_dgamma)


def test_wrong_shapes_stub_and_crash_fail_without_raising(capsys):
    assert not check_batch_norm(lambda H, g, b, d, dout: (H, H))
    assert not check_batch_norm(lambda H, g, b, d, dout: (H, H, g[:1], b))

    def stub(*args):
        raise NotImplementedError

    capsys.readouterr()
    assert not check_batch_norm(stub)
    assert "not attempted" in capsys.readouterr().out
    assert not check_batch_norm(lambda *a: 1 / 0)
    assert "ZeroDivisionError" in capsys.readouterr().out
