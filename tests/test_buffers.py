"""optkit._buffers: recycled arrays must never be visible to anyone when they are reused,
and the blocked a x + b y must equal NumPy's expression exactly."""

import numpy as np
import pytest

from optkit import SGD, Adam, Momentum, Nesterov, Objective, _buffers

LARGE = _buffers.LARGE + 123  # not a multiple of the block size


@pytest.mark.parametrize("shape", [(7,), (3, 5), (LARGE,), (2, LARGE // 2)])
def test_lincomb_is_numpy_expression(shape):
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal(shape), rng.standard_normal(shape)
    for a, b in [(1, -0.01), (0.9, -0.003), (-2.5, 0.0)]:
        np.testing.assert_array_equal(_buffers.lincomb(a, x, b, y), a * x + b * y)
    np.testing.assert_array_equal(_buffers.add(x, y), x + y)


def test_lincomb_falls_back_for_mixed_shapes_and_views():
    rng = np.random.default_rng(1)
    x = rng.standard_normal((LARGE, 2))
    y = rng.standard_normal(2)
    np.testing.assert_array_equal(_buffers.lincomb(0.5, x, 2.0, y), 0.5 * x + 2.0 * y)
    xt = x.T  # not C-contiguous
    np.testing.assert_array_equal(_buffers.lincomb(0.5, xt, 2.0, xt), 0.5 * xt + 2.0 * xt)


def test_an_array_is_reused_only_when_nobody_refers_to_it():
    x = np.ones(LARGE)
    first = _buffers.empty_like(x)
    first[:] = 1.0
    view = first[10:20]
    second = _buffers.empty_like(x)  # first is still held (twice): not reused
    assert not np.shares_memory(first, second)
    del first
    third = _buffers.empty_like(x)  # the view still holds first's memory
    assert not np.shares_memory(view, third)
    assert np.all(view == 1.0)
    address = view.base.__array_interface__["data"][0]
    del view, third
    fourth = _buffers.empty_like(x)  # now nothing refers to it: recycled
    assert fourth.__array_interface__["data"][0] == address


def by_hand(name, theta0, grad, lr, alpha, steps):
    """The update rules of Algorithms 8.1-8.3 and 8.7, written out with fresh arrays."""
    theta, v, path = theta0.copy(), np.zeros_like(theta0), [theta0.copy()]
    s, r = np.zeros_like(theta0), np.zeros_like(theta0)
    for t in range(1, steps + 1):
        if name == "SGD":
            theta = theta - lr * grad(theta)
        elif name == "Adam":  # rho1 = 0.9, rho2 = 0.999, delta = 1e-8
            g = grad(theta)
            s = 0.9 * s + (1 - 0.9) * g
            r = 0.999 * r + (1 - 0.999) * g * g
            theta = theta - lr * ((s / (1 - 0.9**t)) / (np.sqrt(r / (1 - 0.999**t)) + 1e-8))
        else:
            g = grad(theta + alpha * v) if name == "Nesterov" else grad(theta)
            v = alpha * v - lr * g
            theta = theta + v
        path.append(theta)
    return path


@pytest.mark.parametrize("name", ["SGD", "Momentum", "Nesterov", "Adam"])
def test_large_steps_stay_pure_and_match_the_update_rules(name):
    rng = np.random.default_rng(2)
    target = rng.standard_normal(LARGE)
    obj = Objective(f=lambda th: 0.5 * ((th - target) ** 2).sum(-1),
                    grad=lambda th: th - target)
    opt = {"SGD": SGD(lr=0.1), "Momentum": Momentum(lr=0.1, alpha=0.8),
           "Nesterov": Nesterov(lr=0.1, alpha=0.8), "Adam": Adam(lr=0.1)}[name]
    start = rng.standard_normal(LARGE)
    expected = by_hand(name, start, obj.grad, 0.1, 0.8, 6)
    # the caller keeps every iterate and every state: nothing may be overwritten
    theta, state = start, opt.init(start)
    kept, states = [theta], [state]
    for _ in range(6):
        theta, state = opt.step(theta, state, obj)
        kept.append(theta)
        states.append(state)
    for mine, theirs in zip(kept, expected, strict=True):
        np.testing.assert_array_equal(mine, theirs)
    # the usual loop drops them: the steps recycle their memory and give the same result
    theta, state = start, opt.init(start)
    for _ in range(6):
        theta, state = opt.step(theta, state, obj)
    np.testing.assert_array_equal(theta, expected[-1])
    for mine, theirs in zip(kept, expected, strict=True):  # still untouched
        np.testing.assert_array_equal(mine, theirs)


@pytest.mark.parametrize("bias_correction", [True, False])
def test_adam_kernel_equals_the_equations(monkeypatch, bias_correction):
    # the in-place kernel that large arrays take gives Algorithm 8.7's numbers exactly
    from optkit import adaptive

    rng = np.random.default_rng(3)
    opt = Adam(lr=0.01, bias_correction=bias_correction)
    g = rng.standard_normal((3, 1000))
    state = adaptive.AdamState(4, rng.standard_normal((3, 1000)), rng.random((3, 1000)))
    plain = opt.direction(g, state)
    monkeypatch.setattr(adaptive, "FUSED", 0)
    monkeypatch.setattr(_buffers, "LARGE", 0)
    monkeypatch.setattr(_buffers, "BLOCK", 128)  # several blocks, the last one short
    blocked = opt.direction(g, state)
    for mine, theirs in zip((blocked[0], *blocked[1][1:]), (plain[0], *plain[1][1:]),
                            strict=True):
        np.testing.assert_array_equal(mine, theirs)
