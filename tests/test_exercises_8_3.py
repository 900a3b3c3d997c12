"""The 8.3 checker passes a reference solution and fails wrong answers without raising."""

import numpy as np

from optkit.exercises import check_momentum_step


def momentum_reference(theta, v, g, lr, alpha):
    # written from Algorithm 8.2, independently of optkit.Momentum
    v = alpha * v - lr * g
    return theta + v, v


def test_reference_passes(capsys):
    assert check_momentum_step(momentum_reference)
    assert "PASS" in capsys.readouterr().out


def test_old_velocity_fails_with_a_specific_hint(capsys):
    def old_velocity(theta, v, g, lr, alpha):
        return theta + v, alpha * v - lr * g

    assert not check_momentum_step(old_velocity)
    assert "old velocity" in capsys.readouterr().out


def test_pytorch_buffer_fails_with_a_specific_hint(capsys):
    def pytorch(theta, b, g, lr, alpha):  # b <- alpha b + g; theta <- theta - lr b
        b = alpha * b + g
        return theta - lr * b, b

    assert not check_momentum_step(pytorch)
    assert "PyTorch" in capsys.readouterr().out


def test_uphill_sign_fails(capsys):
    def uphill(theta, v, g, lr, alpha):
        v = alpha * v + lr * g
        return theta + v, v

    assert not check_momentum_step(uphill)
    assert "uphill" in capsys.readouterr().out


def test_plain_gradient_descent_fails():
    # right on the first step from v = 0, wrong as soon as the velocity matters
    assert not check_momentum_step(lambda theta, v, g, lr, alpha: (theta - lr * g, -lr * g))


def test_wrong_shape_and_wrong_return_fail():
    assert not check_momentum_step(lambda theta, v, g, lr, alpha: theta - lr * g)
    assert not check_momentum_step(lambda theta, v, g, lr, alpha: (theta[0], v))


def test_does_not_mutate_the_callers_arrays():
    # the checker passes copies, so a reader's in-place update cannot corrupt its reference
    def in_place(theta, v, g, lr, alpha):
        v *= alpha
        v -= lr * g
        theta += v
        return theta, v

    assert check_momentum_step(in_place)
    theta = np.ones(2)
    in_place(theta, np.zeros(2), np.ones(2), 0.5, 0.9)
    assert np.allclose(theta, 0.5)


def test_stub_and_crash_fail_without_raising(capsys):
    def stub(*args):
        raise NotImplementedError

    assert not check_momentum_step(stub)
    assert "not attempted" in capsys.readouterr().out
    assert not check_momentum_step(lambda *a: 1 / 0)
    assert "ZeroDivisionError" in capsys.readouterr().out
