"""Label smoothing: cross-entropy against softened targets (practical recipes appendix).

With K classes and smoothing ``eps`` in [0, 1), the target of an example with label y puts
``1 - eps + eps/K`` on class y and ``eps/K`` on every other class (Szegedy et al. 2016):

    T = (1 - eps) onehot(y) + eps / K.

The cross-entropy ``L(z) = logsumexp(z) - sum_k T_k z_k`` has gradient ``softmax(z) - T``
with respect to the logits z. Without smoothing (eps = 0) the gradient never vanishes at a
finite z: the loss keeps falling as the logit of the label grows, so the logit gap is
unbounded. With eps > 0 the minimum is reached where softmax(z) = T, that is at the finite gap

    z_y - z_j = log((1 - eps + eps/K) / (eps/K))     for every j != y.

:func:`smoothed_objective` trains an :class:`optkit.nn.MLP` (loss "cross_entropy") on the
smoothed targets: it reuses the network's own forward and backward passes, which accept any
target rows that sum to one (the softmax-minus-target gradient holds for all of them).
"""

from __future__ import annotations

import numpy as np

from . import _checks
from .nn import logsumexp, softmax
from .objectives import Objective


def _check_eps(eps) -> None:
    _checks.in_unit_interval("eps", eps)


def smooth_labels(y, K: int, eps: float) -> np.ndarray:
    """Smoothed one-hot targets (..., K) for integer labels y (...) in [0, K - 1]."""
    _checks.positive_int("K", K, minimum=2)
    _check_eps(eps)
    y = np.asarray(y)
    if not np.issubdtype(y.dtype, np.integer):
        raise ValueError("y must hold integer class labels")
    if y.size and (y.min() < 0 or y.max() >= K):
        raise ValueError(f"labels y must be in [0, {K - 1}], got values in [{y.min()}, {y.max()}]")
    return (1.0 - eps) * (y[..., None] == np.arange(K)) + eps / K


def cross_entropy(z, T):
    """Cross-entropy of logits z (..., K) against target rows T (..., K) summing to one.

    Returns (loss (...), gradient with respect to z (..., K)).
    """
    z = np.asarray(z, dtype=float)
    T = np.asarray(T, dtype=float)
    return logsumexp(z) - (z * T).sum(-1), softmax(z) - T


def optimal_logit_gap(eps: float, K: int) -> float:
    """The gap z_y - z_j (j != y) at the minimum of the smoothed cross-entropy: finite for
    eps > 0, ``inf`` for eps = 0."""
    _check_eps(eps)
    _checks.positive_int("K", K, minimum=2)
    if eps == 0:
        return float("inf")
    return float(np.log((1.0 - eps + eps / K) / (eps / K)))


def smoothed_objective(net, X, y, eps: float, name: str | None = None) -> Objective:
    """The minibatch cost of ``net`` (an MLP with loss "cross_entropy") on (X, y) with targets
    smoothed by ``eps``, as an :class:`Objective` (f, grad; dim = net.d). ``eps = 0`` gives
    exactly ``net.objective(X, y)``."""
    if getattr(net, "loss_name", None) != "cross_entropy":
        raise ValueError("net must be an optkit.nn.MLP with loss='cross_entropy'")
    X = net._inputs(X)
    net._targets(X, y)  # validates the labels
    T = smooth_labels(np.asarray(y).astype(int), net.sizes[-1], eps)

    def f(theta):
        return net._value(net._theta(theta), X, T)

    def grad(theta):
        return net._value_and_grad(net._theta(theta), X, T)[1]

    label = name or f"MLP{net.sizes} cross-entropy, label smoothing {eps:g}"
    return Objective(f=f, grad=grad, name=label, dim=net.d)


class SmoothedLabels:
    """A view of an MLP whose ``objective`` uses smoothed targets, so it can be passed to
    :func:`optkit.data.train` in place of the network (everything else is delegated: the
    recorded training and validation losses are the *unsmoothed* cross-entropies)."""

    def __init__(self, net, eps: float):
        _check_eps(eps)
        if getattr(net, "loss_name", None) != "cross_entropy":
            raise ValueError("net must be an optkit.nn.MLP with loss='cross_entropy'")
        self.net, self.eps = net, float(eps)

    def objective(self, X, y, name: str | None = None) -> Objective:
        return smoothed_objective(self.net, X, y, self.eps, name)

    def __getattr__(self, attr):
        return getattr(self.net, attr)


__all__ = ["smooth_labels", "cross_entropy", "optimal_logit_gap", "smoothed_objective",
           "SmoothedLabels"]
