"""Optimization strategies and meta-algorithms of section 8.7 (other than normalization).

**Coordinate descent** (8.7.2). :class:`CoordinateDescent` minimizes with respect to one
coordinate (or one block of coordinates) at a time, holding the others fixed. One ``step`` is
one full *sweep* over the blocks, so it runs through :func:`optkit.optimize` like any other
optimizer. Each block update is a Newton step restricted to the block,

    theta_B <- theta_B - (H_BB + damping I)^{-1} g_B,   g = grad J(theta), H = hess J(theta),

re-evaluated after every block, which on a quadratic is the *exact* minimization over that
block (the sub-problem is a quadratic in theta_B). With one coordinate per block it is
Gauss-Seidel on the linear system H theta = b.

**Sparse coding** (8.38). With examples as rows (the transpose of the book's layout),

    J(H, W) = lam sum_ij |H_ij| + sum_ij (X - H W)_ij^2 + mu sum_ij W_ij^2,

X (N, n) data, H (N, k) codes, W (k, n) dictionary. J is not convex in (H, W) jointly, but it
is convex in H for fixed W (a lasso) and in W for fixed H (least squares), so *block*
coordinate descent alternates the two: :func:`lasso_codes` (coordinate-wise lasso, one code
unit at a time in closed form with soft-thresholding, or ISTA steps) and
:func:`dictionary_least_squares` (the closed-form least squares for W). ``mu > 0`` (weight
decay on W) rules out the degenerate solution the book warns about, where W grows without
bound while H shrinks to make the L1 penalty vanish. :func:`sparse_coding` runs the
alternation and records J, which can only go down.

**Continuation** (8.7.6). :func:`gaussian_blur` turns an objective J into the blurred
J_sigma(theta) = E_{eps ~ N(0, I)} J(theta + sigma eps) (a Monte Carlo average over a fixed set
of antithetic draws, so J_sigma is an ordinary deterministic objective), and
:func:`continuation` minimizes a family of objectives from the easiest (most blurred) to the
original, each run starting where the previous one stopped.

**Averaging the iterates** (8.7.3). :class:`Averaged` wraps any optimizer and keeps, in its
state, an average of the iterates the inner optimizer visits: the arithmetic (Polyak) average,
an exponential moving average, or stochastic weight averaging (SWA: the arithmetic average of
the iterates at the end of each cycle of a cyclic learning rate). The wrapper does not change
the trajectory; read the average with ``record``::

    tr = optimize(Averaged(SGD(0.1), kind="polyak"), objective, theta0, steps=500,
                  record=lambda theta, state: {"average": state.average})
    tr.extras["average"]          # (steps+1, ..., d)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any, NamedTuple

import numpy as np

from . import _checks
from .first_order import Optimizer
from .objectives import Objective
from .run import Trace, optimize

__all__ = [
    "CoordinateDescent", "CoordinateState", "Averaged", "AveragedState", "AVERAGES",
    "soft_threshold", "sparse_coding_objective", "lasso_codes", "dictionary_least_squares",
    "sparse_coding", "SparseCodingResult", "gaussian_blur", "continuation",
    "ContinuationResult",
]


# ----------------------------------------------------------------------- coordinate descent

class CoordinateState(NamedTuple):
    k: int  # sweeps taken so far


@dataclass(frozen=True)
class CoordinateDescent(Optimizer):
    """(Block) coordinate descent, 8.7.2: one ``step`` is one sweep over the blocks.

    block_size: coordinates per block (1: plain coordinate descent); the blocks are
                (0 .. block_size-1), (block_size .. 2 block_size-1), ... in this order,
                the last one possibly shorter
    damping:    added to the block's Hessian (>= 0); keeps the block solve defined where a
                diagonal entry of the Hessian is zero

    Every block update is theta_B <- theta_B - (H_BB + damping I)^{-1} g_B with g and H
    evaluated at the current iterate (so it needs ``objective.hess``). On a quadratic with
    ``damping=0`` this is the exact minimizer of J over the block, the others held fixed.
    Cost per sweep: ceil(d / block_size) gradient and Hessian evaluations and as many small
    solves. Batched over leading axes of theta like every optimizer.
    """

    block_size: int = 1
    damping: float = 0.0

    def __post_init__(self):
        _checks.positive_int("block_size", self.block_size)
        _checks.positive("damping", self.damping, allow_zero=True)

    def init(self, theta):
        return CoordinateState(k=0)

    def step(self, theta, state, objective):
        if objective.hess is None:
            raise ValueError(f"CoordinateDescent needs an objective with a Hessian; "
                             f"{objective.name} has hess=None")
        theta = np.array(theta, dtype=float)
        d = theta.shape[-1]
        for lo in range(0, d, self.block_size):
            hi = min(lo + self.block_size, d)
            g = np.asarray(objective.grad(theta), dtype=float)[..., lo:hi]
            H = np.asarray(objective.hess(theta), dtype=float)[..., lo:hi, lo:hi]
            if self.damping:
                H = H + self.damping * np.eye(hi - lo)
            with np.errstate(all="ignore"):
                if hi - lo == 1:
                    delta = g / H[..., 0]
                else:
                    delta = np.linalg.solve(H, g[..., None])[..., 0]
            theta = theta.copy()
            theta[..., lo:hi] -= delta
        return theta, CoordinateState(state.k + 1)


# ---------------------------------------------------------------------------- sparse coding

def soft_threshold(z, t):
    """sign(z) max(|z| - t, 0): the minimizer over h of (h - z)^2 / 2 + t |h| (t >= 0)."""
    z = np.asarray(z, dtype=float)
    return np.sign(z) * np.maximum(np.abs(z) - t, 0.0)


def sparse_coding_objective(X, H, W, lam: float = 1.0, mu: float = 0.0):
    """J(H, W) = lam sum|H| + sum (X - H W)^2 + mu sum W^2 (equation 8.38, rows = examples).

    X (..., N, n), H (..., N, k), W (..., k, n); returns (...). With ``lam = 1, mu = 0`` it is
    the book's 8.38 transposed (the book stores examples as columns: X - W^T H).
    """
    X, H, W = (np.asarray(a, dtype=float) for a in (X, H, W))
    R = X - H @ W
    return (lam * np.abs(H).sum((-2, -1)) + (R * R).sum((-2, -1))
            + mu * (W * W).sum((-2, -1)))


def lasso_codes(X, W, H0, lam: float = 1.0, sweeps: int = 1, method: str = "coordinate"):
    """Improve the codes H for a fixed dictionary W: the convex lasso sub-problem of 8.38,

        min_H  lam sum|H| + ||X - H W||^2.

    method="coordinate": exact coordinate-wise minimization, one code unit j (a column of H,
        all examples at once) after another. With R_j = X - H W + H_:j w_j (the residual
        without unit j) and w_j row j of W, the minimizer is, in closed form,
        H_:j = soft_threshold(R_j w_j^T, lam / 2) / ||w_j||^2  (0 if w_j = 0).
    method="ista": proximal gradient (ISTA) steps with step 1/L, L = 2 lambda_max(W W^T):
        H <- soft_threshold(H - (2/L) (H W - X) W^T, lam / L).

    ``sweeps`` sweeps over the units (or ISTA steps). Neither ever increases the objective.
    """
    _checks.positive("lam", lam, allow_zero=True)
    _checks.positive_int("sweeps", sweeps, minimum=0)
    _checks.one_of("method", method, ("coordinate", "ista"))
    X, W = np.asarray(X, dtype=float), np.asarray(W, dtype=float)
    H = np.array(H0, dtype=float)
    if method == "ista":
        WWt = W @ np.swapaxes(W, -1, -2)
        L = 2.0 * np.linalg.eigvalsh(WWt)[..., -1][..., None, None]
        L = np.where(L > 0, L, 1.0)
        for _ in range(sweeps):
            G = 2.0 * (H @ W - X) @ np.swapaxes(W, -1, -2)
            H = soft_threshold(H - G / L, lam / L)
        return H
    sq = (W * W).sum(-1)  # ||w_j||^2, (..., k)
    R = X - H @ W  # full residual, kept up to date
    for _ in range(sweeps):
        for j in range(H.shape[-1]):
            w = W[..., j, :]  # (..., n)
            Rj = R + H[..., j, None] * w[..., None, :]
            c = np.einsum("...in,...n->...i", Rj, w)
            s = sq[..., j, None]
            with np.errstate(all="ignore"):
                new = np.where(s > 0, soft_threshold(c, lam / 2.0) / s, 0.0)
            H[..., j] = new
            R = Rj - new[..., None] * w[..., None, :]
    return H


def dictionary_least_squares(X, H, mu: float = 0.0):
    """The dictionary W minimizing ||X - H W||^2 + mu ||W||^2 for fixed codes H (closed form):

        W = (H^T H + mu I)^{-1} H^T X,

    the minimum-norm least-squares solution when ``mu = 0`` and H^T H is singular.
    """
    _checks.positive("mu", mu, allow_zero=True)
    X, H = np.asarray(X, dtype=float), np.asarray(H, dtype=float)
    Ht = np.swapaxes(H, -1, -2)
    A = Ht @ H + mu * np.eye(H.shape[-1])
    if mu > 0:
        return np.linalg.solve(A, Ht @ X)
    return np.linalg.pinv(H) @ X


class SparseCodingResult(NamedTuple):
    H: np.ndarray        # (..., N, k) codes
    W: np.ndarray        # (..., k, n) dictionary
    values: np.ndarray   # (2 * sweeps + 1, ...): J before, then after every H and W update


def sparse_coding(X, k: int, lam: float = 1.0, mu: float = 0.1, sweeps: int = 20, rng=None,
                  W0=None, method: str = "coordinate", inner: int = 1) -> SparseCodingResult:
    """Block coordinate descent on the sparse-coding objective 8.38 (plus ``mu ||W||^2``).

    Alternates ``inner`` sweeps of :func:`lasso_codes` on H (W fixed) with the closed-form
    :func:`dictionary_least_squares` on W (H fixed), ``sweeps`` times, from H = 0 and
    ``W0`` (default: ``k`` rows drawn from ``rng`` with unit norm). Since every block update
    minimizes (or, for ISTA, decreases) J over its block, ``values`` never increases.
    """
    _checks.positive_int("k", k)
    _checks.positive_int("sweeps", sweeps, minimum=0)
    _checks.positive_int("inner", inner)
    X = np.asarray(X, dtype=float)
    if W0 is None:
        if not isinstance(rng, np.random.Generator):
            raise ValueError("rng must be a np.random.Generator when W0 is not given")
        W0 = rng.normal(size=X.shape[:-2] + (k, X.shape[-1]))
        W0 /= np.linalg.norm(W0, axis=-1, keepdims=True)
    W = np.array(W0, dtype=float)
    H = np.zeros(X.shape[:-1] + (W.shape[-2],))
    values = [sparse_coding_objective(X, H, W, lam, mu)]
    for _ in range(sweeps):
        H = lasso_codes(X, W, H, lam, sweeps=inner, method=method)
        values.append(sparse_coding_objective(X, H, W, lam, mu))
        W = dictionary_least_squares(X, H, mu)
        values.append(sparse_coding_objective(X, H, W, lam, mu))
    return SparseCodingResult(H, W, np.array(values))


# ------------------------------------------------------------------------------- averaging

AVERAGES = ("polyak", "ema", "swa")


class AveragedState(NamedTuple):
    k: int            # steps taken so far
    inner: Any        # the wrapped optimizer's state
    average: np.ndarray  # (..., d) the averaged iterate (the current iterate until one counts)
    count: int        # iterates included in the average so far


@dataclass(frozen=True)
class Averaged(Optimizer):
    """Run ``opt`` unchanged and keep an average of its iterates in ``state.average`` (8.7.3).

    kind="polyak": arithmetic mean of theta_start, ..., theta_k (Polyak & Juditsky 1992),
        theta_hat <- theta_hat + (theta_k - theta_hat) / count;
    kind="ema":    exponential moving average, for non-convex problems where old iterates
        are far away: theta_hat <- decay theta_hat + (1 - decay) theta_k;
    kind="swa":    stochastic weight averaging (Izmailov et al. 2018): arithmetic mean of
        the iterates theta_start, theta_{start+cycle}, theta_{start+2 cycle}, ...; use
        it with a cyclic schedule of period ``cycle`` on ``opt`` (e.g.
        ``schedules.warm_restarts(lr, period=cycle)``) so they are the low-learning-rate
        ends of the cycles.

    start: index of the first iterate that counts (theta_0 is the starting point); before
        it, and for EMA at it, ``average`` equals the current iterate. The book's
        1/t sum_{i=1}^t theta^(i) is ``kind="polyak", start=1``.
    decay: EMA decay in [0, 1), the weight of the old average.
    cycle: SWA period in steps (>= 1).

    The trajectory is exactly the inner optimizer's; the average is never fed back (with SWA
    one evaluates, or continues from, the average at the end). PyTorch:
    ``torch.optim.swa_utils.AveragedModel`` (arithmetic mean; with
    ``get_ema_multi_avg_fn(decay)`` an EMA, decay weighing the old average as here) and
    ``SWALR`` for the schedule.
    """

    opt: Any
    kind: str = "polyak"
    start: int = 0
    decay: float = 0.99
    cycle: int = 1

    def __post_init__(self):
        if not (hasattr(self.opt, "init") and hasattr(self.opt, "step")):
            raise ValueError(f"opt must be an optimizer with init and step, got {self.opt!r}")
        _checks.one_of("kind", self.kind, AVERAGES)
        _checks.positive_int("start", self.start, minimum=0)
        _checks.in_unit_interval("decay", self.decay)
        _checks.positive_int("cycle", self.cycle)

    def _include(self, k: int, theta, average, count: int):
        counts = k >= self.start and (self.kind != "swa" or (k - self.start) % self.cycle == 0)
        if not counts:
            return (np.array(theta, dtype=float) if count == 0 else average), count
        if count == 0:
            return np.array(theta, dtype=float), 1
        if self.kind == "ema":
            return self.decay * average + (1.0 - self.decay) * theta, count + 1
        return average + (theta - average) / (count + 1), count + 1

    def init(self, theta):
        average, count = self._include(0, theta, None, 0)
        return AveragedState(0, self.opt.init(theta), average, count)

    def step(self, theta, state, objective):
        theta, inner = self.opt.step(theta, state.inner, objective)
        k = state.k + 1
        average, count = self._include(k, theta, state.average, state.count)
        return theta, AveragedState(k, inner, average, count)


# ----------------------------------------------------------------------------- continuation

def gaussian_blur(objective: Objective, sigma: float, rng, samples: int = 256,
                  d: int | None = None) -> Objective:
    """The blurred objective J_sigma(theta) = E J(theta + sigma eps), eps ~ N(0, I) (8.7.6).

    The expectation is a Monte Carlo average over ``samples`` draws made once from ``rng``,
    in antithetic pairs (eps and -eps), so the result is a fixed, smooth, deterministic
    function: its gradient is the same average of gradients, and the blur of a linear
    function is exact. Blurring fills in narrow local minima: a cosine of frequency w is
    damped by exp(-w^2 sigma^2 / 2), while a quadratic only gains the constant
    sigma^2 tr(H) / 2. ``d`` defaults to ``objective.dim``. Cost: ``samples`` evaluations
    of the original per evaluation.
    """
    _checks.positive("sigma", sigma, allow_zero=True)
    _checks.positive_int("samples", samples, minimum=2)
    if not isinstance(rng, np.random.Generator):
        raise ValueError("rng must be a np.random.Generator (np.random.default_rng(seed))")
    d = objective.dim if d is None else d
    if d is None:
        raise ValueError(f"d must be given: {objective.name} does not fix its dimension")
    half = rng.standard_normal((samples // 2, d))
    eps = sigma * np.concatenate([half, -half])  # (S, d)

    def points(theta):
        return np.asarray(theta, dtype=float)[..., None, :] + eps

    def f(theta):
        return np.asarray(objective.f(points(theta))).mean(-1)

    def grad(theta):
        return np.asarray(objective.grad(points(theta))).mean(-2)

    hess = None
    if objective.hess is not None:
        def hess(theta):
            return np.asarray(objective.hess(points(theta))).mean(-3)

    return replace(objective, f=f, grad=grad, hess=hess, minimizer=None,
                   name=f"{objective.name} blurred by sigma={sigma:g}")


class ContinuationResult(NamedTuple):
    traces: list          # one Trace per objective of the family, easiest first
    final: np.ndarray     # (..., d) the last iterate on the last (original) objective


def continuation(opt, family: Callable[[float], Objective], levels, theta0,
                 steps: int) -> ContinuationResult:
    """A continuation method (8.7.6): minimize ``family(level)`` for each level in turn,
    warm-starting every run at the previous run's last iterate.

    family: level -> Objective, e.g. ``lambda s: gaussian_blur(J, s, rng)`` with levels
            from a large blur down to 0 (the original cost), so the early, smoother
            problems place theta in the basin that the later, harder ones refine
    steps:  iterations of ``opt`` per level (a fresh optimizer state at every level)
    """
    levels = list(levels)
    if not levels:
        raise ValueError("levels must hold at least one level")
    traces: list[Trace] = []
    theta = theta0
    for level in levels:
        tr = optimize(opt, family(level), theta, steps)
        traces.append(tr)
        theta = tr.final
    return ContinuationResult(traces, np.array(theta))
