"""Multilayer perceptrons on one flat parameter vector (section 8.1 onwards).

A network with layer sizes ``(n_0, n_1, ..., n_L)`` maps an input ``x`` (``n_0`` features) by

    h_0 = x,   h_l = act(h_{l-1} W_l + b_l)  for l = 1 ... L-1,   z = h_{L-1} W_L + b_L,

where ``W_l`` has shape ``(n_{l-1}, n_l)`` (column ``j`` holds the incoming weights of unit
``j``), ``act`` is the hidden activation and the output layer is affine. Rows are examples:
a minibatch ``X`` of shape ``(N, n_0)`` gives outputs of shape ``(N, n_L)``.

**One flat vector.** All weights and biases live in one array ``theta`` of shape ``(..., d)``,
layer after layer, each layer as ``W_l`` (row-major) followed by ``b_l``. This is what every
optimizer of optkit expects, and the leading axes are independent networks: a ``theta`` of
shape ``(16, d)`` is 16 networks evaluated (and trained) side by side by the same matrix
products. :meth:`MLP.unflatten` shows the weight matrices, :meth:`MLP.flatten` packs them back.

**Losses** (averaged over the N examples of the minibatch; this is the cost J of 8.1):

* ``"cross_entropy"``: softmax of the outputs (logits) and the negative log-likelihood of the
  integer labels, ``L = logsumexp(z) - z_y``, computed stably (the max is subtracted before
  exponentiating). The 0-1 error (:meth:`MLP.error`) is reported next to it; it is not
  differentiable (8.1.1), which is why the cross-entropy is the *surrogate loss* (8.1.2).
* ``"mse"``: the squared error ``||z - y||^2`` summed over outputs, averaged over examples
  (for one output it is the usual mean squared error).

**Backward pass** (back-propagation, written out): with ``G = dJ/dz`` at the output,
``dJ/dW_l = h_{l-1}^T G``, ``dJ/db_l = sum over examples of G``, and going down a layer
``G <- (G W_l^T) * act'(h_{l-1})``, where the activation's slope is written through its output
(tanh: ``1 - h^2``, sigmoid: ``h (1 - h)``, ReLU: ``[h > 0]``). For the softmax cross-entropy,
``G = (softmax(z) - onehot(y)) / N``; for the squared error, ``G = 2 (z - y) / N``.

Inputs may carry leading axes too: ``X`` of shape ``(..., N, n_0)`` with labels ``(..., N)``
(e.g. a thousand different minibatches at once) broadcasts against the networks' axes.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from . import _checks
from .objectives import Objective

__all__ = ["MLP", "ACTIVATIONS", "LOSSES", "logsumexp", "softmax", "activate"]

ACTIVATIONS = ("tanh", "relu", "sigmoid", "identity")
LOSSES = ("cross_entropy", "mse")


# ------------------------------------------------------------------------------ pieces

def activate(name: str, z):
    """The hidden activation ``name`` applied elementwise to ``z``.

    tanh, ReLU ``max(z, 0)``, logistic sigmoid ``1 / (1 + e^{-z})`` (computed as
    ``(1 + tanh(z/2)) / 2``, which never overflows) or the identity.
    """
    _checks.one_of("activation", name, ACTIVATIONS)
    z = np.asarray(z, dtype=float)
    return _act(name, z.copy())


def _tanh(z):
    """tanh in place on ``z`` (a fresh array), as 2 / (1 + exp(-2 z)) - 1.

    Twice as fast as ``np.tanh`` on float64 here and allocates nothing (large temporaries
    cost page faults); accurate to a few units of 1e-16 in absolute terms, which is all a
    network needs. For z < -354, exp(-2 z) overflows to inf and the result is exactly -1.
    """
    z *= -2.0
    with np.errstate(over="ignore"):
        np.exp(z, out=z)
    z += 1.0
    np.divide(2.0, z, out=z)
    z -= 1.0
    return z


def _act(name: str, z):
    """In place on ``z`` (a fresh array): returns act(z)."""
    if name == "tanh":
        return _tanh(z)
    if name == "relu":
        return np.maximum(z, 0.0, out=z)
    if name == "sigmoid":  # 1 / (1 + e^{-z}) = (1 + tanh(z/2)) / 2, without overflow
        z *= 0.5
        h = _tanh(z)
        h += 1.0
        h *= 0.5
        return h
    return z


def _slope(name: str, h):
    """act'(z) written through the output h = act(z); None for the identity (slope 1)."""
    if name == "tanh":
        s = h * h
        return np.subtract(1.0, s, out=s)
    if name == "relu":
        return (h > 0).astype(float)
    if name == "sigmoid":
        return h * (1.0 - h)
    return None


def logsumexp(z, axis: int = -1):
    """log sum_j exp(z_j) along ``axis``, stably: max(z) + log sum exp(z - max(z))."""
    z = np.asarray(z, dtype=float)
    zmax = np.max(z, axis=axis, keepdims=True)
    out = np.log(np.sum(np.exp(z - zmax), axis=axis, keepdims=True)) + zmax
    return np.squeeze(out, axis=axis)


def softmax(z, axis: int = -1):
    """exp(z_j) / sum_k exp(z_k) along ``axis``, with the max subtracted first (no overflow)."""
    z = np.asarray(z, dtype=float)
    e = np.exp(z - np.max(z, axis=axis, keepdims=True))
    return e / np.sum(e, axis=axis, keepdims=True)


# --------------------------------------------------------------------------------- MLP

@dataclass(frozen=True, init=False)
class MLP:
    """A multilayer perceptron whose parameters are one flat vector ``theta`` of shape (..., d).

    ``MLP(sizes, activation="tanh", loss="cross_entropy")``

    sizes:      layer widths ``(n_0, ..., n_L)``: inputs, hidden layers, outputs
    activation: hidden activation, one of "tanh", "relu", "sigmoid", "identity"
                (the output layer is affine: logits for the cross-entropy)
    loss:       "cross_entropy" (softmax + integer labels) or "mse" (real targets); kept as
                ``net.loss_name``, because ``net.loss(theta, X, y)`` is the method computing it

    ``net.d`` is the number of parameters. Every method takes ``theta`` of shape (..., d) and
    broadcasts over its leading axes (several networks side by side).
    """

    sizes: tuple
    activation: str
    loss_name: str
    d: int = field(repr=False, compare=False)
    _layout: tuple = field(repr=False, compare=False)

    def __init__(self, sizes, activation: str = "tanh", loss: str = "cross_entropy"):
        try:
            sizes = tuple(sizes)
        except TypeError:
            raise ValueError(f"sizes must be a tuple of layer widths (n_0, ..., n_L), "
                             f"got {sizes!r}") from None
        if len(sizes) < 2:
            raise ValueError(f"sizes must list at least two widths (inputs and outputs), "
                             f"got {sizes!r}")
        for s in sizes:
            if isinstance(s, bool) or not isinstance(s, (int, np.integer)) or s < 1:
                raise ValueError(f"sizes must hold integers >= 1, got {sizes!r}")
        sizes = tuple(int(s) for s in sizes)
        _checks.one_of("activation", activation, ACTIVATIONS)
        _checks.one_of("loss", loss, LOSSES)
        if loss == "cross_entropy" and sizes[-1] < 2:
            raise ValueError(f"the cross-entropy needs at least 2 outputs (classes), "
                             f"got sizes[-1] = {sizes[-1]}")
        layout, offset = [], 0
        for m, n in zip(sizes[:-1], sizes[1:]):
            layout.append((offset, offset + m * n, m, n))  # W starts, b starts, fan_in, fan_out
            offset += m * n + n
        object.__setattr__(self, "sizes", sizes)
        object.__setattr__(self, "activation", activation)
        object.__setattr__(self, "loss_name", loss)
        object.__setattr__(self, "d", offset)
        object.__setattr__(self, "_layout", tuple(layout))

    # ----------------------------------------------------------------- parameter layout

    @property
    def n_layers(self) -> int:
        """Number of affine layers L (hidden layers + the output layer)."""
        return len(self.sizes) - 1

    def _theta(self, theta) -> np.ndarray:
        return _checks.flat_theta("theta", theta, self.d, context=f" for sizes {self.sizes}")

    def unflatten(self, theta) -> list:
        """The list of ``(W, b)``, one per layer: W (..., fan_in, fan_out), b (..., fan_out).

        For an ordinary (contiguous) ``theta`` they are views into it, not copies: copy them
        before modifying them in place.
        """
        theta = self._theta(theta)
        batch = theta.shape[:-1]
        return [(theta[..., w:b].reshape(*batch, m, n), theta[..., b:b + n])
                for w, b, m, n in self._layout]

    def flatten(self, params) -> np.ndarray:
        """Inverse of :meth:`unflatten`: pack ``[(W, b), ...]`` into theta of shape (..., d).

        Leading axes of the arrays broadcast against each other.
        """
        params = list(params)
        if len(params) != self.n_layers:
            raise ValueError(f"params must hold {self.n_layers} (W, b) pairs, got {len(params)}")
        arrays = []
        for (_, _, m, n), pair in zip(self._layout, params):
            W, b = (np.asarray(a, dtype=float) for a in pair)
            if W.shape[-2:] != (m, n) or b.shape[-1:] != (n,):
                raise ValueError(f"layer {len(arrays)} needs W (..., {m}, {n}) and "
                                 f"b (..., {n}), got {W.shape} and {b.shape}")
            arrays.append((W, b))
        batch = np.broadcast_shapes(*(W.shape[:-2] for W, _ in arrays),
                                    *(b.shape[:-1] for _, b in arrays))
        theta = np.empty((*batch, self.d))
        for (w, b0, m, n), (W, b) in zip(self._layout, arrays):
            theta[..., w:b0] = np.broadcast_to(W, (*batch, m, n)).reshape(*batch, m * n)
            theta[..., b0:b0 + n] = b
        return theta

    def init(self, rng, batch_shape=()) -> np.ndarray:
        """theta of shape (*batch_shape, d): Glorot-uniform weights (equation 8.23), zero biases.

        Each of the ``batch_shape`` networks gets its own draw; see ``optkit.init.network``
        for other schemes.
        """
        from . import init as _init  # init imports nothing from here; avoid a cycle anyway

        return _init.network(self, rng, "glorot_uniform", 0.0, batch_shape=batch_shape)

    # -------------------------------------------------------------------------- inputs

    def _inputs(self, X) -> np.ndarray:
        X = np.asarray(X, dtype=float)
        if X.ndim < 2 or X.shape[-1] != self.sizes[0]:
            raise ValueError(f"X must have shape (..., N, {self.sizes[0]}), got {X.shape}")
        return X

    def _targets(self, X: np.ndarray, y) -> np.ndarray:
        """Targets as an array T of shape (..., N, n_out): one-hot labels or real targets."""
        y = np.asarray(y)
        K = self.sizes[-1]
        if self.loss_name == "cross_entropy":
            if y.shape != X.shape[:-1][-y.ndim:] or y.ndim == 0:
                raise ValueError(f"y must hold one integer label per example, shape "
                                 f"{X.shape[:-1]}, got {y.shape}")
            if not np.issubdtype(y.dtype, np.integer):
                if not (np.issubdtype(y.dtype, np.floating) and np.all(y == np.round(y))):
                    raise ValueError("y must hold integer class labels for the cross-entropy")
                y = y.astype(int)
            if y.size and (y.min() < 0 or y.max() >= K):
                raise ValueError(f"labels y must be in [0, {K - 1}], got values in "
                                 f"[{y.min()}, {y.max()}]")
            return (y[..., None] == np.arange(K)).astype(float)
        y = np.asarray(y, dtype=float)
        if y.ndim == X.ndim - 1:  # one target per example
            if K != 1:
                raise ValueError(f"y of shape {y.shape} has one target per example, but the "
                                 f"network has {K} outputs: pass y of shape (..., N, {K})")
            y = y[..., None]
        if y.ndim < 2 or y.shape[-1] != K or y.shape[-2] != X.shape[-2]:
            raise ValueError(f"y must have shape (..., {X.shape[-2]}, {K}) (or (..., N) for one "
                             f"output), got {y.shape}")
        return y

    # ------------------------------------------------------------------------ forward

    def _forward(self, theta, X):
        """params, hidden activations [X, h_1, ..., h_{L-1}] and the outputs z."""
        params = self.unflatten(theta)
        hs = [X]
        h = X
        for W, b in params[:-1]:
            z = h @ W
            z += b[..., None, :]
            h = _act(self.activation, z)
            hs.append(h)
        W, b = params[-1]
        out = h @ W
        out += b[..., None, :]
        return params, hs, out

    def forward(self, theta, X) -> np.ndarray:
        """Outputs (..., N, n_out) for inputs X (N, n_0): logits for the cross-entropy."""
        return self._forward(self._theta(theta), self._inputs(X))[2]

    def hidden(self, theta, X) -> list:
        """The hidden layers' activations h_1 ... h_{L-1}, each of shape (..., N, width)."""
        return self._forward(self._theta(theta), self._inputs(X))[1][1:]

    def predict(self, theta, X) -> np.ndarray:
        """Predicted classes (..., N): the arg-max of the logits (cross-entropy networks)."""
        self._classifier("predict")
        return self.forward(theta, X).argmax(-1)

    def _classifier(self, what: str) -> None:
        if self.loss_name != "cross_entropy":
            raise ValueError(f"{what} is defined for classifiers (loss='cross_entropy'), "
                             f"this network has loss={self.loss_name!r}")

    # -------------------------------------------------------------------------- losses

    def _loss_of(self, out, T) -> np.ndarray:
        if self.loss_name == "cross_entropy":
            return (logsumexp(out) - np.einsum("...k,...k->...", out, T)).mean(-1)
        r = out - T
        return np.einsum("...k,...k->...", r, r).mean(-1)

    def _value(self, theta, X, T) -> np.ndarray:
        return self._loss_of(self._forward(theta, X)[2], T)

    def _value_and_grad(self, theta, X, T, outputs=None):
        """Mean loss (...) and its gradient (..., d): the forward pass, then back-propagation.

        ``T`` holds the targets as (..., N, n_out) arrays (one-hot labels for the
        cross-entropy); ``G`` is dJ/dz of the current layer, starting at the output.
        """
        params, hs, out = self._forward(theta, X)
        if outputs is not None:  # hand the outputs back to the caller (e.g. for the 0-1 error)
            outputs.append(out)
        N = X.shape[-2]
        if self.loss_name == "cross_entropy":
            zmax = out.max(-1, keepdims=True)
            G = out - zmax
            np.exp(G, out=G)
            total = G @ np.ones(out.shape[-1])  # row sums (a matmul is faster than .sum here)
            lse = np.log(total) + zmax[..., 0]  # logsumexp, (..., N)
            value = (lse - np.einsum("...k,...k->...", out, T)).mean(-1)
            G /= total[..., None]  # softmax(z)
            G -= T
            G *= 1.0 / N
        else:
            r = out - T
            value = np.einsum("...k,...k->...", r, r).mean(-1)
            G = r * (2.0 / N)
        batch = G.shape[:-2]
        grad = np.empty((*batch, self.d))
        ones = np.ones(N)
        for layer in range(self.n_layers - 1, -1, -1):
            w, b, m, n = self._layout[layer]
            h = hs[layer]
            grad[..., w:b] = (np.swapaxes(h, -1, -2) @ G).reshape(*batch, m * n)
            grad[..., b:b + n] = ones @ G  # sum over the examples
            if layer > 0:
                G = G @ np.swapaxes(params[layer][0], -1, -2)
                slope = _slope(self.activation, h)
                if slope is not None:
                    G *= slope
        return value, grad

    def loss(self, theta, X, y) -> np.ndarray:
        """The mean loss over the N examples, shape (...)."""
        X = self._inputs(X)
        return self._value(self._theta(theta), X, self._targets(X, y))

    def loss_and_grad(self, theta, X, y):
        """(mean loss (...), its gradient (..., d)) by back-propagation."""
        X = self._inputs(X)
        return self._value_and_grad(self._theta(theta), X, self._targets(X, y))

    def error(self, theta, X, y) -> np.ndarray:
        """The 0-1 error rate (...): fraction of examples whose arg-max logit is not the label."""
        self._classifier("error")
        X = self._inputs(X)
        T = self._targets(X, y)  # validates the labels
        pred = self._forward(self._theta(theta), X)[2].argmax(-1)
        return (pred != T.argmax(-1)).mean(-1)

    def evaluate(self, theta, X, y, grad: bool = False) -> dict:
        """Loss, 0-1 error (classifiers; nan otherwise) and optionally the gradient's norm, from
        one forward pass (and one backward pass with ``grad``): a dict of (...) arrays with
        keys "loss", "error" and, with ``grad``, "grad_norm"."""
        X = self._inputs(X)
        theta = self._theta(theta)
        T = self._targets(X, y)
        if grad:
            outs = []
            loss, g = self._value_and_grad(theta, X, T, outs)
            out = outs[0]
        else:
            out = self._forward(theta, X)[2]
            loss = self._loss_of(out, T)
        result = {"loss": loss}
        if self.loss_name == "cross_entropy":
            result["error"] = (out.argmax(-1) != T.argmax(-1)).mean(-1)
        else:
            result["error"] = np.full(np.shape(loss), np.nan)
        if grad:
            result["grad_norm"] = np.sqrt(np.einsum("...i,...i->...", g, g))
        return result

    def objective(self, X, y, name: str | None = None) -> Objective:
        """The minibatch cost J(theta) = mean loss on (X, y) as an :class:`Objective`.

        Inputs and targets are checked once here; ``f`` runs the forward pass, ``grad`` the
        forward and backward passes. Usable with every optimizer (``opt.step``) and with
        :func:`optkit.optimize`.
        """
        X = self._inputs(X)
        T = self._targets(X, y)

        def f(theta):
            return self._value(self._theta(theta), X, T)

        def grad(theta):
            return self._value_and_grad(self._theta(theta), X, T)[1]

        label = name or (f"MLP{self.sizes} {self.activation}/{self.loss_name} "
                         f"on {X.shape[-2]} examples")
        return Objective(f=f, grad=grad, name=label, dim=self.d)


# ------------------------------------------------------------------- normalization (8.7)

_NORMALIZATION = ("NormMLP", "batch_norm_forward", "batch_norm_backward", "batch_norm_running",
                  "batch_norm_inference", "layer_norm_forward", "layer_norm_backward",
                  "weight_norm", "weight_norm_backward")


def __getattr__(name):
    """Batch / layer / weight normalization and ``NormMLP`` (an MLP with normalized hidden
    layers and skip connections) live in :mod:`optkit.normalization`, which builds on this
    module; they are also reachable here, e.g. ``optkit.nn.NormMLP``."""
    if name in _NORMALIZATION:
        from . import normalization

        return getattr(normalization, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
