"""optimize() on 10,000 trajectories x 200 steps of a 2-D function, against bare NumPy.

Budget (DESIGN.md 6): within 1.5x of the same loop written by hand. "The same loop" records
what a Trace holds (iterates, values, gradient norms); the update-only loop, which records
nothing, is shown for information. On Rosenbrock with these starts some runs diverge (about
1% under SGD, a quarter under momentum); optimize() flags them and freezes them at their last
finite iterate, which the hand loop does not do.
"""

from __future__ import annotations

import numpy as np

import optkit
from optkit import objectives

from .common import Row, best_time

N, STEPS, BUDGET = 10_000, 200, 1.5


def _hand_loop(obj, theta0, update, record):
    with np.errstate(all="ignore"):  # some Rosenbrock runs diverge, as in optimize()
        return _hand_loop_body(obj, theta0, update, record)


def _hand_loop_body(obj, theta0, update, record):
    x = theta0.copy()
    state = np.zeros_like(x), np.zeros_like(x)
    if record:
        thetas = np.empty((STEPS + 1,) + x.shape)
        values = np.empty((STEPS + 1, len(x)))
        norms = np.empty((STEPS + 1, len(x)))
    for k in range(STEPS + 1):
        g = obj.grad(x)
        if record:
            thetas[k], values[k] = x, obj.f(x)
            norms[k] = np.sqrt((g * g).sum(-1))
        if k < STEPS:
            x, state = update(x, g, state, k)
    return x


def _sgd(x, g, s, k):
    return x - 1e-3 * g, s


def _momentum(x, g, s, k):
    v = 0.9 * s[0] - 1e-3 * g
    return x + v, (v, s[1])


def _rmsprop(x, g, s, k):
    r = 0.9 * s[1] + 0.1 * g * g
    return x - 1e-3 * g / np.sqrt(1e-6 + r), (s[0], r)


def _adam(x, g, s, k):
    m = 0.9 * s[0] + 0.1 * g
    r = 0.999 * s[1] + 0.001 * g * g
    t = k + 1
    return x - 1e-3 * (m / (1 - 0.9**t)) / (np.sqrt(r / (1 - 0.999**t)) + 1e-8), (m, r)


def run() -> list[Row]:
    rng = np.random.default_rng(0)
    theta0 = rng.uniform(-2, 2, size=(N, 2))
    cases = {"SGD": (optkit.SGD(lr=1e-3), _sgd),
             "Momentum": (optkit.Momentum(lr=1e-3, alpha=0.9), _momentum)}
    if hasattr(optkit, "RMSProp"):
        cases["RMSProp"] = (optkit.RMSProp(lr=1e-3, rho=0.9), _rmsprop)
    if hasattr(optkit, "Adam"):
        cases["Adam"] = (optkit.Adam(lr=1e-3), _adam)
    rows = []
    for obj in (objectives.two_gaussians(), objectives.rosenbrock()):
        for name, (opt, update) in cases.items():
            t_opt = best_time(lambda: optkit.optimize(opt, obj, theta0, STEPS), repeat=3)  # noqa: B023
            t_rec = best_time(lambda: _hand_loop(obj, theta0, update, True), repeat=3)  # noqa: B023
            t_bare = best_time(lambda: _hand_loop(obj, theta0, update, False), repeat=3)  # noqa: B023
            ratio = t_opt / t_rec
            rows.append(Row("optimize vs bare NumPy", f"{name} on {obj.name}",
                            f"{t_opt:.3f} s; hand loop recording {t_rec:.3f} s ({ratio:.2f}x); "
                            f"update only {t_bare:.3f} s ({t_opt / t_bare:.2f}x)",
                            f"<= {BUDGET}x the recording loop", ratio <= BUDGET))
    return rows
