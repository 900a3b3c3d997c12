"""Normalization layers of section 8.7.1, and a network that uses them.

**Batch normalization** (8.34-8.37). For a minibatch of a layer's pre-activations H of shape
(..., N, m) (N examples as rows, m units), every unit is standardized with the statistics of
the minibatch,

    mu = 1/N sum_i H_i,   sigma = sqrt(delta + 1/N sum_i (H_i - mu)^2),   H' = (H - mu) / sigma,

and then rescaled by learnable ``gamma`` and shifted by ``beta``: out = gamma H' + beta
(so the layer can still represent any mean and scale, but they are now set by two parameters
instead of by the interaction of all the layers below). The variance in sigma is the *biased*
one (divided by N), as in the book's 8.36 and in Ioffe & Szegedy (2015): the gradient then
has the simple form used below.

The backward pass, written out: with dH' = dout * gamma,

    dgamma = sum_i dout_i * H'_i,   dbeta = sum_i dout_i,
    dH = (dH' - mean_i(dH') - H' mean_i(dH' * H')) / sigma,

where the two subtracted terms are the gradient flowing through mu and through sigma: the
reason batch normalization cannot increase the mean or the spread of a unit by changing one
weight, the point of the book's deep-linear-network argument.

**Train vs inference.** At training time the statistics come from the minibatch, so an
example's output depends on the other examples of its minibatch. For inference one uses
running averages kept during training, ``running <- momentum running + (1 - momentum) batch``
(:func:`batch_norm_running`; here ``momentum`` weighs the *old* value, so momentum = 0.9 is
PyTorch's ``momentum=0.1``), with the *unbiased* variance of the minibatch (divided by N - 1,
PyTorch's choice too), and :func:`batch_norm_inference` applies the fixed affine map.

**Layer normalization** (Ba et al., 2016) standardizes each example over its m units instead
(statistics along the last axis), so it behaves the same at training and test time and does
not depend on the minibatch; ``gamma``, ``beta`` are still per unit.

**Weight normalization** (Salimans & Kingma, 2016) reparametrizes each column (unit) of a
weight matrix as w = g v / ||v||, decoupling its length g from its direction v, with no
minibatch statistics at all: :func:`weight_norm`, :func:`weight_norm_backward`.

All functions broadcast over leading axes (several networks side by side).

**A network with normalization.** :class:`NormMLP` is the MLP of :mod:`optkit.nn` (same
layer convention, losses and methods, so :func:`optkit.data.train` trains it) with optional
batch / layer / weight normalization of every hidden layer and optional skip connections
(8.7.5). It lives here rather than in ``nn`` so the plain MLP stays as simple as the book's
first sections need.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from . import _checks
from .nn import MLP, _act, _slope, logsumexp
from .objectives import Objective

__all__ = [
    "batch_norm_forward", "batch_norm_backward", "batch_norm_running", "batch_norm_inference",
    "layer_norm_forward", "layer_norm_backward", "weight_norm", "weight_norm_backward",
    "NormMLP", "NORMS",
]

NORMS = (None, "batch", "layer", "weight")


# ------------------------------------------------------------------------ shared pieces

def _standardize(H, axis: int, delta: float):
    mu = H.mean(axis, keepdims=True)
    C = H - mu
    sigma = np.sqrt(delta + (C * C).mean(axis, keepdims=True))
    return C / sigma, sigma


def _standardize_backward(dHhat, Hhat, sigma, axis: int):
    return (dHhat - dHhat.mean(axis, keepdims=True)
            - Hhat * (dHhat * Hhat).mean(axis, keepdims=True)) / sigma


def _check_delta(delta) -> None:
    _checks.positive("delta", delta)


# ------------------------------------------------------------------ batch normalization

def batch_norm_forward(H, gamma, beta, delta: float = 1e-5):
    """Batch normalization in training mode (8.34-8.36): ``(out, cache)``.

    H (..., N, m) pre-activations of a minibatch; gamma, beta (..., m). Statistics over the
    N examples (axis -2), biased variance, ``delta`` added inside the square root (8.36).
    ``out = gamma (H - mu) / sigma + beta``; ``cache`` is what the backward pass needs.
    """
    _check_delta(delta)
    H = np.asarray(H, dtype=float)
    if H.ndim < 2:
        raise ValueError(f"H must have shape (..., N, m), got {H.shape}")
    gamma, beta = np.asarray(gamma, dtype=float), np.asarray(beta, dtype=float)
    Hhat, sigma = _standardize(H, -2, delta)
    out = gamma[..., None, :] * Hhat + beta[..., None, :]
    return out, (Hhat, sigma, gamma)


def batch_norm_backward(dout, cache):
    """Gradients of batch normalization: ``(dH, dgamma, dbeta)`` for ``dout = dJ/d out``.

    dH (..., N, m); dgamma, dbeta (..., m), summed over the examples.
    """
    Hhat, sigma, gamma = cache
    dout = np.asarray(dout, dtype=float)
    dgamma = (dout * Hhat).sum(-2)
    dbeta = dout.sum(-2)
    dH = _standardize_backward(dout * gamma[..., None, :], Hhat, sigma, -2)
    return dH, dgamma, dbeta


def batch_norm_running(running_mean, running_var, H, momentum: float = 0.9,
                       unbiased: bool = True):
    """Update the running statistics used at inference with the minibatch H (..., N, m):

        mean <- momentum mean + (1 - momentum) mu_batch,
        var  <- momentum var  + (1 - momentum) var_batch,

    with var_batch divided by N - 1 (``unbiased=True``, the default) or by N. Returns the new
    ``(running_mean, running_var)``; pass ``None`` for both to start from this minibatch.
    """
    _checks.in_unit_interval("momentum", momentum)
    H = np.asarray(H, dtype=float)
    N = H.shape[-2]
    if unbiased and N < 2:
        raise ValueError("the unbiased variance needs a minibatch of N >= 2 examples")
    mu = H.mean(-2)
    var = ((H - mu[..., None, :]) ** 2).sum(-2) / (N - 1 if unbiased else N)
    if running_mean is None or running_var is None:
        return mu, var
    return (momentum * running_mean + (1 - momentum) * mu,
            momentum * running_var + (1 - momentum) * var)


def batch_norm_inference(H, gamma, beta, running_mean, running_var, delta: float = 1e-5):
    """Batch normalization at inference: the fixed affine map
    ``gamma (H - running_mean) / sqrt(delta + running_var) + beta``, example by example."""
    _check_delta(delta)
    H = np.asarray(H, dtype=float)
    scale = np.asarray(gamma, dtype=float) / np.sqrt(delta + np.asarray(running_var))
    return ((H - np.asarray(running_mean)[..., None, :]) * scale[..., None, :]
            + np.asarray(beta, dtype=float)[..., None, :])


# ------------------------------------------------------------------ layer normalization

def layer_norm_forward(H, gamma, beta, delta: float = 1e-5):
    """Layer normalization: each example (row of H, shape (..., N, m)) standardized over its
    m units, then ``gamma * . + beta`` (gamma, beta (..., m)). Returns ``(out, cache)``."""
    _check_delta(delta)
    H = np.asarray(H, dtype=float)
    gamma, beta = np.asarray(gamma, dtype=float), np.asarray(beta, dtype=float)
    Hhat, sigma = _standardize(H, -1, delta)
    out = gamma[..., None, :] * Hhat + beta[..., None, :]
    return out, (Hhat, sigma, gamma)


def layer_norm_backward(dout, cache):
    """Gradients of layer normalization: ``(dH, dgamma, dbeta)``; the same formula as batch
    normalization's with the means taken over the units (axis -1) instead of the examples."""
    Hhat, sigma, gamma = cache
    dout = np.asarray(dout, dtype=float)
    dgamma = (dout * Hhat).sum(-2)
    dbeta = dout.sum(-2)
    dH = _standardize_backward(dout * gamma[..., None, :], Hhat, sigma, -1)
    return dH, dgamma, dbeta


# ----------------------------------------------------------------- weight normalization

def weight_norm(v, g, axis: int = -2):
    """Weight normalization: w = g v / ||v||, the norm taken along ``axis``.

    For a weight matrix V (..., fan_in, fan_out) and the default axis -2, every column
    (the incoming weights of one unit) gets length g_j: g has shape (..., fan_out).
    """
    v = np.asarray(v, dtype=float)
    g = np.expand_dims(np.asarray(g, dtype=float), axis)
    return g * v / np.linalg.norm(v, axis=axis, keepdims=True)


def weight_norm_backward(dw, v, g, axis: int = -2):
    """Gradients of w = g v / ||v|| given ``dw = dJ/dw``: ``(dv, dg)``.

        dg = <dw, v> / ||v||,   dv = (g / ||v||) (dw - v_hat <v_hat, dw>),  v_hat = v / ||v||:

    the gradient for v is orthogonal to v (it rotates v and never changes its length).
    """
    v, dw = np.asarray(v, dtype=float), np.asarray(dw, dtype=float)
    norm = np.linalg.norm(v, axis=axis, keepdims=True)
    vhat = v / norm
    proj = (dw * vhat).sum(axis, keepdims=True)
    dg = np.squeeze(proj, axis)
    dv = np.expand_dims(np.asarray(g, dtype=float), axis) / norm * (dw - vhat * proj)
    return dv, dg


# ------------------------------------------------------------------- network with norms

@dataclass(frozen=True, init=False)
class NormMLP:
    """An MLP (the layer convention of :class:`optkit.nn.MLP`) with normalized hidden layers.

    ``NormMLP(sizes, activation="tanh", loss="cross_entropy", norm=None, skip=False,
    delta=1e-5)``

    norm: None, "batch", "layer" or "weight". Hidden layer l computes
        z = h_{l-1} W_l + b_l,  a = gamma_l N(z) + beta_l,  h_l = act(a) [+ h_{l-1}]
        where N standardizes over the minibatch ("batch") or over the units ("layer");
        with "weight", W_l = g_l V_l / ||V_l|| (column norms) and a = z; with None, a = z.
        The output layer is always a plain affine layer.
    skip: add the identity path h_{l-1} to h_l (a residual connection, 8.7.5) wherever
        layer l's input and output widths agree.

    Parameters, layer after layer in one flat theta (..., d): W_l (or V_l), b_l, then gamma_l,
    beta_l (batch / layer) or g_l (weight). With batch normalization b_l has no effect (the
    minibatch mean removes it) and its gradient is zero; it is kept so every layout starts
    like the plain MLP's.

    Methods as for ``MLP``: ``init``, ``forward``, ``loss``, ``loss_and_grad``, ``error``,
    ``objective``. In training mode (``stats=None``, the default) batch normalization uses
    the statistics of the X it is given; pass ``stats`` (from :meth:`batch_stats` or
    :meth:`update_running`: one ``(mean, var)`` per hidden layer) to ``forward``, ``loss`` or
    ``error`` for inference mode.
    """

    sizes: tuple
    activation: str
    loss_name: str
    norm: str | None
    skip: bool
    delta: float
    d: int = field(repr=False, compare=False)
    _layout: tuple = field(repr=False, compare=False)
    _base: MLP = field(repr=False, compare=False)

    def __init__(self, sizes, activation: str = "tanh", loss: str = "cross_entropy",
                 norm: str | None = None, skip: bool = False, delta: float = 1e-5):
        base = MLP(sizes, activation, loss)  # validates sizes, activation, loss
        if norm not in NORMS:
            raise ValueError(f"norm must be one of {NORMS}, got {norm!r}")
        if not isinstance(skip, bool):
            raise ValueError(f"skip must be True or False, got {skip!r}")
        _check_delta(delta)
        layout, off = [], 0
        sizes = base.sizes
        L = len(sizes) - 1
        for i, (m, n) in enumerate(zip(sizes[:-1], sizes[1:])):
            entry = {"W": (off, m, n)}
            off += m * n
            entry["b"] = off
            off += n
            hidden = i < L - 1
            if hidden and norm in ("batch", "layer"):
                entry["gamma"], entry["beta"] = off, off + n
                off += 2 * n
            elif hidden and norm == "weight":
                entry["g"] = off
                off += n
            entry["skip"] = bool(skip and hidden and m == n)
            layout.append(entry)
        for k, v in (("sizes", sizes), ("activation", activation), ("loss_name", loss),
                     ("norm", norm), ("skip", skip), ("delta", float(delta)), ("d", off),
                     ("_layout", tuple(layout)), ("_base", base)):
            object.__setattr__(self, k, v)

    @property
    def n_layers(self) -> int:
        return len(self.sizes) - 1

    # ------------------------------------------------------------------ parameters

    def _theta(self, theta) -> np.ndarray:
        return _checks.flat_theta("theta", theta, self.d, context=" for this NormMLP")

    def unflatten(self, theta) -> list:
        """One dict per layer: "W" (or "V" with weight norm), "b", and "gamma", "beta" or "g"
        where the layer has them; views into theta."""
        theta = self._theta(theta)
        batch = theta.shape[:-1]
        out = []
        for i, e in enumerate(self._layout):
            w, m, n = e["W"]
            key = "V" if (self.norm == "weight" and i < self.n_layers - 1) else "W"
            p = {key: theta[..., w:w + m * n].reshape(*batch, m, n),
                 "b": theta[..., e["b"]:e["b"] + n]}
            for name in ("gamma", "beta", "g"):
                if name in e:
                    p[name] = theta[..., e[name]:e[name] + n]
            out.append(p)
        return out

    def init(self, rng, batch_shape=(), weights: str = "glorot_uniform") -> np.ndarray:
        """theta (*batch_shape, d): weights from the ``weights`` scheme of ``optkit.init``,
        zero biases, gamma = 1, beta = 0, and g = ||V column|| so that W = V at the start."""
        from . import init as _init

        if not isinstance(rng, np.random.Generator):
            raise ValueError("rng must be a np.random.Generator (np.random.default_rng(seed))")
        shape = _init._batch(batch_shape)
        scheme = _init.get_scheme(weights)
        theta = np.zeros((*shape, self.d))
        for e in self._layout:
            w, m, n = e["W"]
            W = scheme(rng, m, n, shape)
            theta[..., w:w + m * n] = W.reshape(*shape, m * n)
            if "gamma" in e:
                theta[..., e["gamma"]:e["gamma"] + n] = 1.0
            if "g" in e:
                theta[..., e["g"]:e["g"] + n] = np.linalg.norm(W, axis=-2)
        return theta

    # --------------------------------------------------------------------- forward

    def _forward(self, theta, X, stats=None):
        """Outputs and everything the backward pass needs."""
        params = self.unflatten(theta)
        h, caches = X, []
        for i, (e, p) in enumerate(zip(self._layout[:-1], params[:-1])):
            W = weight_norm(p["V"], p["g"]) if self.norm == "weight" else p["W"]
            z = h @ W + p["b"][..., None, :]
            cache = None
            if self.norm == "batch" and stats is None:
                a, cache = batch_norm_forward(z, p["gamma"], p["beta"], self.delta)
            elif self.norm == "batch":
                mean, var = stats[i]
                a = batch_norm_inference(z, p["gamma"], p["beta"], mean, var, self.delta)
            elif self.norm == "layer":
                a, cache = layer_norm_forward(z, p["gamma"], p["beta"], self.delta)
            else:
                a = z
            act = _act(self.activation, np.array(a, dtype=float))
            caches.append({"h_in": h, "z": z, "act": act, "norm": cache, "W": W})
            h = act + h if e["skip"] else act
        p = params[-1]
        out = h @ p["W"] + p["b"][..., None, :]
        return params, caches, h, out

    def forward(self, theta, X, stats=None) -> np.ndarray:
        """Outputs (..., N, n_out); training-mode statistics unless ``stats`` is given."""
        X = self._base._inputs(X)
        return self._forward(self._theta(theta), X, stats)[3]

    def pre_activations(self, theta, X, stats=None) -> list:
        """z = h_{l-1} W_l + b_l of every hidden layer, before normalization, (..., N, n_l)."""
        X = self._base._inputs(X)
        return [c["z"] for c in self._forward(self._theta(theta), X, stats)[1]]

    def hidden(self, theta, X, stats=None) -> list:
        """The hidden layers' outputs h_1 ... h_{L-1}, each (..., N, width)."""
        X = self._base._inputs(X)
        _, caches, h, _ = self._forward(self._theta(theta), X, stats)
        return [c["h_in"] for c in caches[1:]] + [h]

    # ---------------------------------------------------------------------- losses

    def _value(self, out, T):
        if self.loss_name == "cross_entropy":
            return (logsumexp(out) - np.einsum("...k,...k->...", out, T)).mean(-1)
        r = out - T
        return np.einsum("...k,...k->...", r, r).mean(-1)

    def _value_and_grad(self, theta, X, T):
        params, caches, h, out = self._forward(theta, X)
        N = X.shape[-2]
        value = self._value(out, T)
        if self.loss_name == "cross_entropy":
            zmax = out.max(-1, keepdims=True)
            P = np.exp(out - zmax)
            P /= P.sum(-1, keepdims=True)
            G = (P - T) / N
        else:
            G = 2.0 * (out - T) / N
        batch = G.shape[:-2]
        grad = np.empty((*batch, self.d))

        def put(pos, arr, nd):  # write a (..., m, n) (nd=2) or (..., n) (nd=1) gradient
            core = arr.shape[arr.ndim - nd:]
            size = int(np.prod(core))
            grad[..., pos:pos + size] = np.broadcast_to(arr, (*batch, *core)).reshape(*batch, size)

        # output layer
        e, p = self._layout[-1], params[-1]
        w, m, n = e["W"]
        put(w, np.swapaxes(h, -1, -2) @ G, 2)
        put(e["b"], G.sum(-2), 1)
        G = G @ np.swapaxes(p["W"], -1, -2)  # dJ/dh_{L-1}
        for i in range(self.n_layers - 2, -1, -1):
            e, p, c = self._layout[i], params[i], caches[i]
            w, m, n = e["W"]
            Ga = G
            slope = _slope(self.activation, c["act"])
            if slope is not None:
                Ga = G * slope
            if self.norm == "batch":
                dz, dgamma, dbeta = batch_norm_backward(Ga, c["norm"])
            elif self.norm == "layer":
                dz, dgamma, dbeta = layer_norm_backward(Ga, c["norm"])
            else:
                dz = Ga
            if self.norm in ("batch", "layer"):
                put(e["gamma"], dgamma, 1)
                put(e["beta"], dbeta, 1)
            dW = np.swapaxes(c["h_in"], -1, -2) @ dz
            if self.norm == "weight":
                dV, dg = weight_norm_backward(dW, p["V"], p["g"])
                put(w, dV, 2)
                put(e["g"], dg, 1)
            else:
                put(w, dW, 2)
            put(e["b"], dz.sum(-2), 1)
            if i > 0:
                Gin = dz @ np.swapaxes(c["W"], -1, -2)
                G = Gin + G if e["skip"] else Gin
        return value, grad

    def loss(self, theta, X, y, stats=None) -> np.ndarray:
        """Mean loss over the N examples (...); training-mode statistics unless ``stats``."""
        X = self._base._inputs(X)
        T = self._base._targets(X, y)
        return self._value(self._forward(self._theta(theta), X, stats)[3], T)

    def loss_and_grad(self, theta, X, y):
        """(mean loss, gradient (..., d)) in training mode, by back-propagation through the
        normalization layers."""
        X = self._base._inputs(X)
        T = self._base._targets(X, y)
        return self._value_and_grad(self._theta(theta), X, T)

    def error(self, theta, X, y, stats=None) -> np.ndarray:
        """0-1 error rate (...) of a classifier."""
        self._base._classifier("error")
        X = self._base._inputs(X)
        T = self._base._targets(X, y)
        pred = self._forward(self._theta(theta), X, stats)[3].argmax(-1)
        return (pred != T.argmax(-1)).mean(-1)

    def evaluate(self, theta, X, y, grad: bool = False, stats=None) -> dict:
        """As :meth:`optkit.nn.MLP.evaluate`: a dict of (...) arrays "loss", "error" (nan for
        regression) and, with ``grad`` (training mode only), "grad_norm"."""
        X = self._base._inputs(X)
        theta = self._theta(theta)
        T = self._base._targets(X, y)
        out = self._forward(theta, X, stats)[3]
        result = {"loss": self._value(out, T)}
        if self.loss_name == "cross_entropy":
            result["error"] = (out.argmax(-1) != T.argmax(-1)).mean(-1)
        else:
            result["error"] = np.full(np.shape(result["loss"]), np.nan)
        if grad:
            if stats is not None:
                raise ValueError("grad=True needs training mode (stats=None)")
            g = self._value_and_grad(theta, X, T)[1]
            result["grad_norm"] = np.sqrt(np.einsum("...i,...i->...", g, g))
        return result

    def objective(self, X, y, name: str | None = None) -> Objective:
        """The training-mode minibatch cost as an :class:`Objective` (dim = d)."""
        X = self._base._inputs(X)
        T = self._base._targets(X, y)

        def f(theta):
            return self._value(self._forward(self._theta(theta), X)[3], T)

        def grad(theta):
            return self._value_and_grad(self._theta(theta), X, T)[1]

        label = name or f"NormMLP{self.sizes} norm={self.norm} skip={self.skip}"
        return Objective(f=f, grad=grad, name=label, dim=self.d)

    # ------------------------------------------------------------ running statistics

    def batch_stats(self, theta, X, unbiased: bool = True) -> list:
        """Per hidden layer, the (mean, variance) of the pre-activations z on the minibatch X
        (training-mode forward pass), each (..., width): the inputs of the running averages.
        """
        X = self._base._inputs(X)
        return [batch_norm_running(None, None, z, unbiased=unbiased)
                for z in self.pre_activations(theta, X)]

    def update_running(self, running, theta, X, momentum: float = 0.9) -> list:
        """One step of the running averages (:func:`batch_norm_running`) for every hidden
        layer with the minibatch X; ``running=None`` starts from this minibatch's statistics.
        """
        X = self._base._inputs(X)
        zs = self.pre_activations(theta, X)
        if running is None:
            running = [(None, None)] * len(zs)
        return [batch_norm_running(mu, var, z, momentum) for (mu, var), z in zip(running, zs)]
