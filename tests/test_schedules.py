"""Learning-rate schedules (8.3.1): values computed by hand, the Robbins-Monro conditions
(8.12-8.13) against closed-form bounds, vectorized evaluation and validation."""

import numpy as np
import pytest
from numpy.testing import assert_allclose

from optkit import schedules as S
from optkit.schedules import lr_at

# (schedule, k, value computed by hand)
HAND = [
    (S.constant(0.1), [0, 1, 1000], [0.1, 0.1, 0.1]),
    # 8.14 with tau = 100, eps_tau = 1% of eps_0 = 0.001:
    # k = 50: a = 1/2, 0.5 * 0.1 + 0.5 * 0.001 = 0.0505; k >= tau: 0.001
    (S.linear_decay(0.1, tau=100), [0, 50, 100, 200], [0.1, 0.0505, 0.001, 0.001]),
    # k = 25: a = 1/4, 0.75 * 0.1 + 0.25 * 0.02 = 0.08
    (S.linear_decay(0.1, tau=100, lr_final=0.02), [0, 25, 50, 100, 300],
     [0.1, 0.08, 0.06, 0.02, 0.02]),
    (S.linear_decay(0.1, tau=10, lr_final=0.0), [5, 10, 11], [0.05, 0.0, 0.0]),
    # halve every 10 steps
    (S.step_decay(0.1, every=10, factor=0.5), [0, 9, 10, 19, 25, 30],
     [0.1, 0.1, 0.05, 0.05, 0.025, 0.0125]),
    # 0.1 * 0.9^k: 0.09, 0.081, 0.1 * 0.3486784401
    (S.exponential(0.1, 0.9), [0, 1, 2, 10], [0.1, 0.09, 0.081, 0.03486784401]),
    (S.exponential(0.1, 1.0), [0, 50], [0.1, 0.1]),
    # 0.1 / (1 + k/2)
    (S.inverse_time(0.1, 0.5), [0, 2, 10], [0.1, 0.05, 0.1 / 6]),
    # 0.01 + 0.045 (1 + cos(pi k / 100)): k = 25 -> 0.01 + 0.045 (1 + sqrt(2)/2)
    (S.cosine(0.1, total=100, lr_min=0.01), [0, 25, 50, 75, 100, 150],
     [0.1, 0.01 + 0.045 * (1 + np.sqrt(0.5)), 0.055, 0.01 + 0.045 * (1 - np.sqrt(0.5)), 0.01,
      0.01]),
    (S.cosine(1.0, total=4), [0, 2, 4], [1.0, 0.5, 0.0]),
    # triangle 0.01 -> 0.1 over 5 steps and back: k = 2 -> 0.01 + 0.09 * 2/5 = 0.046
    (S.cyclic(0.01, 0.1, half_period=5), [0, 2, 5, 7, 10, 12, 15],
     [0.01, 0.046, 0.1, 0.064, 0.01, 0.046, 0.1]),
    # SGDR, period 10: 0.05 (1 + cos(pi t)), t = (k mod 10) / 10
    (S.warm_restarts(0.1, period=10), [0, 5, 9, 10, 15, 20, 35],
     [0.1, 0.05, 0.05 * (1 + np.cos(0.9 * np.pi)), 0.1, 0.05, 0.1, 0.05]),
    (S.warm_restarts(0.1, period=10, lr_min=0.02), [0, 5, 10], [0.1, 0.06, 0.1]),
    # mult = 2: cycles [0, 10), [10, 30), [30, 70), [70, 150): restarts at 0, 10, 30, 70, 150;
    # the middles 5, 20, 50, 110 give 0.05; just before a restart t = 9/10, 19/20, 39/40
    (S.warm_restarts(0.1, period=10, mult=2),
     [0, 5, 9, 10, 20, 29, 30, 50, 69, 70, 110, 150],
     [0.1, 0.05, 0.05 * (1 + np.cos(0.9 * np.pi)), 0.1, 0.05,
      0.05 * (1 + np.cos(19 / 20 * np.pi)), 0.1, 0.05, 0.05 * (1 + np.cos(39 / 40 * np.pi)),
      0.1, 0.05, 0.1]),
    # mult = 3, period 4: cycles [0, 4), [4, 16), [16, 52): middles 2, 10, 34
    (S.warm_restarts(1.0, period=4, mult=3), [0, 2, 4, 10, 16, 34, 52],
     [1.0, 0.5, 1.0, 0.5, 1.0, 0.5, 1.0]),
    # warm-up over 5 steps: (k + 1)/5 * 0.1, then the schedule from its start
    (S.warmup(S.constant(0.1), steps=5), [0, 1, 4, 5, 100], [0.02, 0.04, 0.1, 0.1, 0.1]),
    (S.warmup(S.step_decay(0.1, every=10, factor=0.5), steps=5), [0, 2, 5, 14, 15, 25],
     [0.02, 0.06, 0.1, 0.1, 0.05, 0.025]),
    (S.warmup(S.cosine(0.1, total=20), steps=4), [1, 4, 14, 24], [0.05, 0.1, 0.05, 0.0]),
]


@pytest.mark.parametrize("sched, ks, expected", HAND, ids=lambda x: repr(x)[:60])
def test_values_by_hand(sched, ks, expected):
    for k, e in zip(ks, expected):
        assert_allclose(sched(k), e, rtol=1e-12, atol=1e-15, err_msg=f"k = {k}")


@pytest.mark.parametrize("sched", [h[0] for h in HAND], ids=lambda x: repr(x)[:60])
def test_array_evaluation_equals_scalar_evaluation(sched):
    ks = np.arange(200)
    values = sched(ks)
    assert values.shape == (200,)
    assert_allclose(values, [sched(int(k)) for k in ks], rtol=1e-15)
    assert np.all(values >= 0) and np.all(np.isfinite(values))


def _sgdr_by_loop(lr, period, mult, k):
    """Warm restarts by walking through the cycles one by one."""
    start, length = 0, period
    while k >= start + length:
        start, length = start + length, length * mult
    return 0.5 * lr * (1 + np.cos(np.pi * (k - start) / length))


@pytest.mark.parametrize("period, mult", [(10, 1), (10, 2), (7, 2), (3, 3), (1, 2), (5, 4)])
def test_warm_restarts_against_a_loop_over_cycles(period, mult):
    sched = S.warm_restarts(1.0, period=period, mult=mult)
    ks = np.arange(2000)
    assert_allclose(sched(ks), [_sgdr_by_loop(1.0, period, mult, int(k)) for k in ks],
                    rtol=1e-12, atol=1e-15)


def test_warm_restarts_restart_points():
    sched = S.warm_restarts(0.3, period=5, mult=2)
    restarts = [0, 5, 15, 35, 75, 155, 315]
    values = sched(np.arange(400))
    up = np.flatnonzero(np.diff(values) > 0) + 1  # where the rate jumps back up
    assert up.tolist() == restarts[1:]
    assert_allclose(values[restarts], 0.3)


def test_linear_decay_is_linear_between_0_and_tau():
    sched = S.linear_decay(0.2, tau=40, lr_final=0.004)
    values = sched(np.arange(41))
    assert_allclose(np.diff(values), (0.004 - 0.2) / 40, rtol=1e-10)


def test_cyclic_is_periodic():
    sched = S.cyclic(0.001, 0.05, half_period=7)
    ks = np.arange(100)
    assert_allclose(sched(ks + 14), sched(ks), rtol=1e-12)


# ------------------------------------------------------------------- Robbins-Monro, 8.12-8.13

@pytest.mark.parametrize("lr, c", [(1.0, 1.0), (0.1, 0.01), (0.5, 2.0)])
def test_inverse_time_sum_of_rates_diverges(lr, c):
    # sum_{k<N} lr / (1 + c k) lies between the integrals (lr/c) ln(1 + c N) and
    # lr + (lr/c) ln(1 + c (N - 1)): it grows like a logarithm, without bound (8.12).
    eps = S.inverse_time(lr, c)(np.arange(10**6))
    partial = np.cumsum(eps)
    for N in (10, 1000, 10**5, 10**6):
        assert (lr / c) * np.log1p(c * N) <= partial[N - 1] <= lr + (lr / c) * np.log1p(c * (N - 1))
    # every further decade adds at least about (lr/c) ln 10 - lr: no limit
    assert partial[-1] - partial[10**5 - 1] > (lr / c) * np.log(10) - lr - 1e-6


def test_inverse_time_with_unit_constants_is_the_harmonic_series():
    N = 10**6
    partial = np.cumsum(S.inverse_time(1.0, 1.0)(np.arange(N)))
    harmonic = np.cumsum(1.0 / np.arange(1, N + 1))
    assert_allclose(partial, harmonic, rtol=1e-12)
    # H_N - ln N -> Euler's gamma = 0.5772...: the partial sums follow ln N to infinity
    assert_allclose(partial[-1] - np.log(N), 0.5772156649, atol=1e-6)


@pytest.mark.parametrize("lr, c", [(1.0, 1.0), (0.1, 0.01), (0.5, 2.0)])
def test_inverse_time_sum_of_squares_converges(lr, c):
    # sum_k lr^2 / (1 + c k)^2 <= lr^2 + integral_0^inf lr^2 / (1 + c k)^2 dk = lr^2 (1 + 1/c)
    eps = S.inverse_time(lr, c)(np.arange(10**6))
    partial = np.cumsum(eps**2)
    assert np.all(partial <= lr**2 * (1 + 1 / c))
    # the tail after N is at most integral_{N-1}^inf = lr^2 / (c (1 + c (N - 1)))
    N = 10**5
    assert partial[-1] - partial[N - 1] <= lr**2 / (c * (1 + c * (N - 1)))


def test_inverse_time_squares_approach_pi_squared_over_six():
    # sum_{j>=1} 1/j^2 = pi^2/6; the tail after N terms is between 1/(N+1) and 1/N.
    N = 10**5
    partial = np.cumsum(S.inverse_time(1.0, 1.0)(np.arange(N)) ** 2)
    tail = np.pi**2 / 6 - partial[-1]
    assert 1 / (N + 1) <= tail <= 1 / N


def test_constant_rate_violates_8_13():
    # sum_{k<N} lr^2 = N lr^2: grows linearly, so the sum of squares is infinite.
    lr = 0.01
    partial = np.cumsum(S.constant(lr)(np.arange(10**6)) ** 2)
    assert_allclose(partial[[999, 10**6 - 1]], [1000 * lr**2, 10**6 * lr**2], rtol=1e-9)
    # so it passes any bound, e.g. the bound lr^2 (1 + 1/c) of inverse_time(lr, c) with c = 1
    assert partial[-1] > 1000 * lr**2 * (1 + 1 / 1.0)


def test_exponential_decay_violates_8_12():
    # sum_k lr gamma^k = lr / (1 - gamma) < inf: the rate stops too early to reach far.
    lr, gamma = 0.1, 0.99
    total = S.exponential(lr, gamma)(np.arange(10**4)).sum()
    assert_allclose(total, lr * (1 - gamma**10**4) / (1 - gamma), rtol=1e-10)
    assert total < lr / (1 - gamma)


# ------------------------------------------------------------------------------- lr_at

def test_lr_at():
    assert lr_at(0.3, 17) == 0.3
    assert_allclose(lr_at(S.inverse_time(0.3, 1.0), 2), 0.1)
    assert_allclose(lr_at(lambda k: 1.0 / (k + 1), 3), 0.25)


def test_schedules_are_frozen():
    sched = S.cosine(0.1, total=10)
    with pytest.raises(AttributeError):
        sched.lr = 1.0


# --------------------------------------------------------------------------- ValueErrors

BAD = [
    (lambda: S.constant(0.0), "lr"), (lambda: S.constant(-0.1), "lr"),
    (lambda: S.constant(np.inf), "lr"),
    (lambda: S.linear_decay(0.0, 10), "lr"), (lambda: S.linear_decay(0.1, 0), "tau"),
    (lambda: S.linear_decay(0.1, 2.5), "tau"), (lambda: S.linear_decay(0.1, 10, -0.01), "lr_final"),
    (lambda: S.step_decay(0.1, 0), "every"), (lambda: S.step_decay(0.1, 10, 0.0), "factor"),
    (lambda: S.step_decay(-0.1, 10), "lr"),
    (lambda: S.exponential(0.1, 0.0), "gamma"), (lambda: S.exponential(0.1, 1.5), "gamma"),
    (lambda: S.exponential(0.0, 0.9), "lr"),
    (lambda: S.inverse_time(0.1, -1.0), "decay"), (lambda: S.inverse_time(0.0, 1.0), "lr"),
    (lambda: S.cosine(0.1, 0), "total"), (lambda: S.cosine(0.1, 10, -0.1), "lr_min"),
    (lambda: S.cosine(-0.1, 10), "lr"),
    (lambda: S.cyclic(0.1, 0.01, 5), "lr_max"), (lambda: S.cyclic(-0.1, 0.1, 5), "lr_min"),
    (lambda: S.cyclic(0.01, 0.1, 0), "half_period"),
    (lambda: S.warm_restarts(0.1, 0), "period"), (lambda: S.warm_restarts(0.1, 10, 0), "mult"),
    (lambda: S.warm_restarts(0.1, 10, 1.5), "mult"),
    (lambda: S.warm_restarts(0.1, 10, 1, -0.1), "lr_min"),
    (lambda: S.warm_restarts(0.0, 10), "lr"),
    (lambda: S.warmup(0.1, 5), "schedule"), (lambda: S.warmup(S.constant(0.1), 0), "steps"),
]


@pytest.mark.parametrize("make, param", BAD)
def test_bad_parameters_raise(make, param):
    with pytest.raises(ValueError, match=rf"^{param} "):
        make()


@pytest.mark.parametrize("make", [
    lambda: S.cosine(0.1, total=10, lr_min=0.2),
    lambda: S.warm_restarts(0.1, period=10, lr_min=0.2),
])
def test_annealing_floor_above_start_is_rejected(make):
    with pytest.raises(ValueError, match="lr_min"):
        make()


@pytest.mark.parametrize("factor", [0.0, 1.5, -0.1])
def test_step_decay_factor_must_shrink(factor):
    with pytest.raises(ValueError, match="factor"):
        S.step_decay(0.1, every=5, factor=factor)
