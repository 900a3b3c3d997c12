"""The 8.5 checker passes a reference solution and fails wrong answers without raising."""

import numpy as np

from optkit.exercises import check_adam_step


def adam_reference(theta, g, s, r, t, lr, rho1, rho2, delta):
    # written from Algorithm 8.7, independently of optkit.Adam
    s = rho1 * s + (1 - rho1) * g
    r = rho2 * r + (1 - rho2) * g * g
    s_hat, r_hat = s / (1 - rho1**t), r / (1 - rho2**t)
    return theta - lr * s_hat / (np.sqrt(r_hat) + delta), s, r


def test_reference_passes(capsys):
    assert check_adam_step(adam_reference)
    assert "PASS" in capsys.readouterr().out


def test_missing_bias_correction_fails_with_a_specific_hint(capsys):
    def no_correction(theta, g, s, r, t, lr, rho1, rho2, delta):
        s = rho1 * s + (1 - rho1) * g
        r = rho2 * r + (1 - rho2) * g * g
        return theta - lr * s / (np.sqrt(r) + delta), s, r

    assert not check_adam_step(no_correction)
    assert "uncorrected" in capsys.readouterr().out


def test_delta_inside_the_root_fails():
    def inside(theta, g, s, r, t, lr, rho1, rho2, delta):
        s = rho1 * s + (1 - rho1) * g
        r = rho2 * r + (1 - rho2) * g * g
        s_hat, r_hat = s / (1 - rho1**t), r / (1 - rho2**t)
        return theta - lr * s_hat / np.sqrt(r_hat + delta), s, r

    assert not check_adam_step(inside)


def test_wrong_shape_and_wrong_return_fail():
    assert not check_adam_step(lambda theta, g, s, r, t, *a: (theta, s))
    assert not check_adam_step(lambda theta, g, s, r, t, *a: (theta[0], s, r))


def test_stub_and_crash_fail_without_raising(capsys):
    def stub(*args):
        raise NotImplementedError

    assert not check_adam_step(stub)
    assert "not attempted" in capsys.readouterr().out
    assert not check_adam_step(lambda *a: 1 / 0)
    assert "ZeroDivisionError" in capsys.readouterr().out
