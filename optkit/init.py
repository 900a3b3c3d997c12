"""Parameter initialization (section 8.4): weight schemes, bias rules, data-dependent scaling.

Layer level. A *weight scheme* is a callable ``scheme(rng, fan_in, fan_out, batch_shape=())``
returning ``W`` of shape ``(*batch_shape, fan_in, fan_out)``: a layer maps ``m = fan_in``
inputs to ``n = fan_out`` outputs by ``h @ W + b``, so column ``j`` of ``W`` holds the
incoming weights of unit ``j``. Leading ``batch_shape`` axes are independent networks
(different random draws), matching the ``(..., d)`` convention of the rest of optkit.

* fixed-scale schemes (plain functions): :func:`uniform_fan_in` U(-1/sqrt(m), 1/sqrt(m)),
  :func:`glorot_uniform` (equation 8.23), :func:`glorot_normal`, :func:`lecun_normal`,
  :func:`he_normal`, :func:`he_uniform`;
* schemes with a hyper-parameter (factories returning a scheme): :func:`gaussian` (scale),
  :func:`uniform` (scale), :func:`orthogonal` (gain), :func:`sparse` (k, scale).

Bias rules: :func:`zero_bias`, :func:`constant_bias` (e.g. 0.1 for ReLU units),
:func:`softmax_bias` (output bias with softmax(b) equal to the class marginals, see
:func:`class_marginals`), :func:`lstm_bias` (forget-gate bias 1).

Network level: :func:`network` assembles a whole flat ``theta`` for an
:class:`optkit.nn.MLP`; :func:`lsuv` rescales each layer of a given ``theta`` so that a
minibatch's pre-activations have unit variance (Mishkin & Matas, 2015).

Every function takes an explicit ``np.random.Generator`` (where it draws) and raises
``ValueError`` naming the offending argument on a bad shape or scale.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from . import _checks

__all__ = [
    "uniform_fan_in", "glorot_uniform", "glorot_normal", "lecun_normal", "he_normal",
    "he_uniform", "gaussian", "uniform", "orthogonal", "sparse", "SCHEMES", "get_scheme",
    "zero_bias", "constant_bias", "class_marginals", "softmax_bias", "lstm_bias",
    "network", "lsuv",
]


# ----------------------------------------------------------------------------- validation

def _check_rng(rng) -> None:
    if not isinstance(rng, np.random.Generator):
        raise ValueError(f"rng must be a np.random.Generator (np.random.default_rng(seed)), "
                         f"got {type(rng).__name__}")


def _batch(batch_shape) -> tuple[int, ...]:
    """Normalize ``batch_shape`` (an int or a tuple of ints >= 1) to a tuple."""
    if isinstance(batch_shape, numbers.Integral) and not isinstance(batch_shape, bool):
        batch_shape = (batch_shape,)
    try:
        shape = tuple(batch_shape)
    except TypeError:
        raise ValueError(
            f"batch_shape must be a tuple of integers >= 1, got {batch_shape!r}") from None
    for s in shape:
        if isinstance(s, bool) or not isinstance(s, numbers.Integral) or s < 1:
            raise ValueError(f"batch_shape must be a tuple of integers >= 1, got {batch_shape!r}")
    return tuple(int(s) for s in shape)


def _layer_args(rng, fan_in, fan_out, batch_shape) -> tuple[int, ...]:
    _check_rng(rng)
    _checks.positive_int("fan_in", fan_in)
    _checks.positive_int("fan_out", fan_out)
    return _batch(batch_shape)


# ------------------------------------------------------------------ fixed-scale weight schemes

def uniform_fan_in(rng, fan_in, fan_out, batch_shape=()):
    """W_ij ~ U(-1/sqrt(m), 1/sqrt(m)) with m = fan_in (the first heuristic of 8.4).

    Variance 1/(3m): a unit's pre-activation sum of m unit-variance inputs has variance 1/3.
    """
    shape = _layer_args(rng, fan_in, fan_out, batch_shape)
    a = 1.0 / np.sqrt(fan_in)
    return rng.uniform(-a, a, size=(*shape, fan_in, fan_out))


def glorot_uniform(rng, fan_in, fan_out, batch_shape=()):
    """Normalized initialization, equation 8.23 (Glorot & Bengio, 2010).

    W_ij ~ U(-sqrt(6/(m+n)), sqrt(6/(m+n))), variance 2/(m+n): the compromise between
    Var = 1/m (keeps forward activations' variance) and 1/n (keeps back-propagated
    gradients' variance). PyTorch: ``nn.init.xavier_uniform_``.
    """
    shape = _layer_args(rng, fan_in, fan_out, batch_shape)
    a = np.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-a, a, size=(*shape, fan_in, fan_out))


def glorot_normal(rng, fan_in, fan_out, batch_shape=()):
    """Gaussian version of 8.23: W_ij ~ N(0, 2/(m+n)). PyTorch: ``xavier_normal_``."""
    shape = _layer_args(rng, fan_in, fan_out, batch_shape)
    return rng.normal(0.0, np.sqrt(2.0 / (fan_in + fan_out)), size=(*shape, fan_in, fan_out))


def lecun_normal(rng, fan_in, fan_out, batch_shape=()):
    """W_ij ~ N(0, 1/m): the forward-only variance rule for odd, unit-slope activations."""
    shape = _layer_args(rng, fan_in, fan_out, batch_shape)
    return rng.normal(0.0, np.sqrt(1.0 / fan_in), size=(*shape, fan_in, fan_out))


def he_normal(rng, fan_in, fan_out, batch_shape=()):
    """He (Kaiming) initialization for ReLU (He et al., 2015): W_ij ~ N(0, 2/m).

    A ReLU keeps half of its input's second moment, so the factor 2 restores it.
    PyTorch: ``nn.init.kaiming_normal_(mode="fan_in", nonlinearity="relu")``.
    """
    shape = _layer_args(rng, fan_in, fan_out, batch_shape)
    return rng.normal(0.0, np.sqrt(2.0 / fan_in), size=(*shape, fan_in, fan_out))


def he_uniform(rng, fan_in, fan_out, batch_shape=()):
    """He initialization, uniform version: W_ij ~ U(-sqrt(6/m), sqrt(6/m)), variance 2/m."""
    shape = _layer_args(rng, fan_in, fan_out, batch_shape)
    a = np.sqrt(6.0 / fan_in)
    return rng.uniform(-a, a, size=(*shape, fan_in, fan_out))


# ------------------------------------------------ schemes with a hyper-parameter (factories)

@dataclass(frozen=True)
class _Gaussian:
    scale: float

    def __call__(self, rng, fan_in, fan_out, batch_shape=()):
        shape = _layer_args(rng, fan_in, fan_out, batch_shape)
        return rng.normal(0.0, self.scale, size=(*shape, fan_in, fan_out))


@dataclass(frozen=True)
class _Uniform:
    scale: float

    def __call__(self, rng, fan_in, fan_out, batch_shape=()):
        shape = _layer_args(rng, fan_in, fan_out, batch_shape)
        return rng.uniform(-self.scale, self.scale, size=(*shape, fan_in, fan_out))


@dataclass(frozen=True)
class _Orthogonal:
    gain: float

    def __call__(self, rng, fan_in, fan_out, batch_shape=()):
        shape = _layer_args(rng, fan_in, fan_out, batch_shape)
        tall, short = max(fan_in, fan_out), min(fan_in, fan_out)
        A = rng.standard_normal((*shape, tall, short))
        Q, R = np.linalg.qr(A)                      # Q (..., tall, short), R (..., short, short)
        d = np.diagonal(R, axis1=-2, axis2=-1)
        # QR makes diag(R) > 0 by convention, which biases the signs of Q's columns;
        # multiplying column j by sign(R_jj) gives the Haar (uniform) distribution.
        Q = Q * np.where(d < 0, -1.0, 1.0)[..., None, :]
        W = Q if fan_in >= fan_out else np.swapaxes(Q, -1, -2)
        return self.gain * W


@dataclass(frozen=True)
class _Sparse:
    k: int
    scale: float

    def __call__(self, rng, fan_in, fan_out, batch_shape=()):
        shape = _layer_args(rng, fan_in, fan_out, batch_shape)
        if self.k > fan_in:
            raise ValueError(f"k must be <= fan_in = {fan_in} (k non-zero incoming weights "
                             f"per unit), got k = {self.k}")
        # Rank i.i.d. uniforms down each column: the k smallest are a uniformly random
        # k-subset of the fan_in inputs, chosen independently for every unit.
        u = rng.random((*shape, fan_in, fan_out))
        rank = np.argsort(np.argsort(u, axis=-2), axis=-2)
        values = rng.normal(0.0, self.scale, size=(*shape, fan_in, fan_out))
        return np.where(rank < self.k, values, 0.0)


def gaussian(scale: float) -> Callable:
    """Scheme W_ij ~ N(0, scale^2): a fixed scale, whatever the layer's size."""
    _checks.positive("scale", scale)
    return _Gaussian(float(scale))


def uniform(scale: float) -> Callable:
    """Scheme W_ij ~ U(-scale, scale) (variance scale^2 / 3)."""
    _checks.positive("scale", scale)
    return _Uniform(float(scale))


def orthogonal(gain: float = 1.0) -> Callable:
    """Random orthogonal initialization with a gain (Saxe et al., 2013).

    W = gain * Q with Q uniformly (Haar) distributed among matrices with orthonormal
    columns (fan_in >= fan_out) or rows (fan_in < fan_out). Built by QR of a Gaussian
    matrix A = QR, then Q[:, j] *= sign(R_jj) (Mezzadri, 2007). Every singular value of
    W equals ``gain``, so a linear layer preserves (gain = 1) the norm of its input.
    PyTorch: ``nn.init.orthogonal_(gain=...)``.
    """
    _checks.positive("gain", gain)
    return _Orthogonal(float(gain))


def sparse(k: int = 15, scale: float = 1.0) -> Callable:
    """Sparse initialization (Martens, 2010): exactly k non-zero incoming weights per unit.

    The k inputs of each unit are a uniformly random subset; their weights are
    N(0, scale^2). The total input of a unit then does not shrink as the layer widens,
    while the units still differ. Martens used k = 15.
    """
    _checks.positive_int("k", k)
    _checks.positive("scale", scale)
    return _Sparse(int(k), float(scale))


SCHEMES: dict[str, Callable] = {
    "uniform_fan_in": uniform_fan_in,
    "glorot_uniform": glorot_uniform,
    "glorot_normal": glorot_normal,
    "lecun_normal": lecun_normal,
    "he_normal": he_normal,
    "he_uniform": he_uniform,
    "orthogonal": orthogonal(1.0),
}


def get_scheme(scheme) -> Callable:
    """A weight scheme from a name in :data:`SCHEMES` or a callable (returned as is)."""
    if isinstance(scheme, str):
        _checks.one_of("weights", scheme, SCHEMES)
        return SCHEMES[scheme]
    if callable(scheme):
        return scheme
    raise ValueError(f"weights must be a scheme name in {sorted(SCHEMES)} or a callable "
                     f"(rng, fan_in, fan_out, batch_shape) -> W, got {scheme!r}")


# ----------------------------------------------------------------------------------- biases

def zero_bias(fan_out, batch_shape=()):
    """The usual bias: b = 0 (shape ``(*batch_shape, fan_out)``)."""
    _checks.positive_int("fan_out", fan_out)
    return np.zeros((*_batch(batch_shape), fan_out))


def constant_bias(fan_out, value, batch_shape=()):
    """b = value everywhere, e.g. 0.1 for ReLU units so they start active."""
    _checks.positive_int("fan_out", fan_out)
    if not _checks._is_number(value) or not np.isfinite(value):
        raise ValueError(f"value must be a finite number, got {value!r}")
    return np.full((*_batch(batch_shape), fan_out), float(value))


def class_marginals(y, n_classes: int):
    """The marginal class frequencies of integer labels ``y`` in {0, ..., n_classes-1}."""
    _checks.positive_int("n_classes", n_classes, minimum=2)
    y = np.asarray(y)
    if y.ndim != 1 or y.size == 0 or not np.issubdtype(y.dtype, np.integer):
        raise ValueError(f"y must be a non-empty 1-D array of integer labels, got "
                         f"shape {y.shape} and dtype {y.dtype}")
    if y.min() < 0 or y.max() >= n_classes:
        raise ValueError(f"y must hold labels in [0, {n_classes - 1}], got "
                         f"[{y.min()}, {y.max()}]")
    return np.bincount(y, minlength=n_classes) / y.size


def softmax_bias(probs, batch_shape=()):
    """Output bias with softmax(b) = probs: b_i = log p_i - mean_j log p_j.

    A network whose output weights start small then predicts the class marginals, the
    best constant prediction under cross-entropy, instead of spending its first updates
    learning them. All probabilities must be positive and sum to 1.
    """
    p = np.asarray(probs, dtype=float)
    if p.ndim != 1 or p.size < 2:
        raise ValueError(f"probs must be a 1-D array of at least 2 class probabilities, "
                         f"got shape {p.shape}")
    if not np.all(np.isfinite(p)) or np.any(p <= 0) or not np.isclose(p.sum(), 1.0):
        raise ValueError("probs must be positive and sum to 1 (a class of probability 0 "
                         "would need b = -inf)")
    b = np.log(p)
    b = b - b.mean()
    return np.broadcast_to(b, (*_batch(batch_shape), p.size)).copy()


def lstm_bias(hidden: int, forget: float = 1.0, batch_shape=(), gate_order: str = "ifgo"):
    """Bias of an LSTM layer's four stacked gates: 0 except the forget gate, set to ``forget``.

    A forget-gate bias of 1 (Jozefowicz et al., 2015) makes sigmoid(f) about 0.73 at the
    start, so the cell remembers by default. ``gate_order`` names the order in which the
    four blocks of ``hidden`` entries are stacked (PyTorch: "ifgo", i.e. input, forget,
    cell candidate g, output). Returns shape ``(*batch_shape, 4 * hidden)``.
    """
    _checks.positive_int("hidden", hidden)
    if not _checks._is_number(forget) or not np.isfinite(forget):
        raise ValueError(f"forget must be a finite number, got {forget!r}")
    if not isinstance(gate_order, str) or sorted(gate_order) != sorted("ifgo"):
        raise ValueError(f"gate_order must be a permutation of 'ifgo', got {gate_order!r}")
    b = np.zeros((*_batch(batch_shape), 4, hidden))
    b[..., gate_order.index("f"), :] = float(forget)
    return b.reshape(*b.shape[:-2], 4 * hidden)


# ---------------------------------------------------------------------------- network level

def _net_sizes(net) -> tuple[int, ...]:
    sizes = getattr(net, "sizes", None)
    if sizes is None or len(sizes) < 2:
        raise ValueError("net must be an optkit.nn.MLP (with layer sizes net.sizes)")
    return tuple(int(s) for s in sizes)


def network(net, rng, weights="glorot_uniform", biases=0.0, output_bias=None, batch_shape=()):
    """A whole flat ``theta`` of shape ``(*batch_shape, net.d)`` for an ``optkit.nn.MLP``.

    weights:     a scheme name (see :data:`SCHEMES`), a scheme callable
                 ``(rng, fan_in, fan_out, batch_shape) -> W``, or a list of those, one per
                 layer (hidden layers first, the output layer last).
    biases:      a number, used for every hidden layer (0 is the usual rule, 0.1 a common
                 choice for ReLU units), or a list of per-layer numbers / arrays of shape
                 ``(fan_out,)``; the output layer's bias is 0 unless given by the list or by
    output_bias: an array of shape ``(n_out,)``, e.g. ``softmax_bias(class_marginals(y, 10))``.

    Layers are drawn in order from ``rng``, so the result is fixed by the seed.
    """
    _check_rng(rng)
    shape = _batch(batch_shape)
    sizes = _net_sizes(net)
    n_layers = len(sizes) - 1
    if isinstance(weights, (list, tuple)):
        if len(weights) != n_layers:
            raise ValueError(f"weights must list one scheme per layer ({n_layers}), "
                             f"got {len(weights)}")
        schemes = [get_scheme(w) for w in weights]
    else:
        schemes = [get_scheme(weights)] * n_layers
    if isinstance(biases, (list, tuple)):
        if len(biases) != n_layers:
            raise ValueError(f"biases must list one entry per layer ({n_layers}), "
                             f"got {len(biases)}")
        bias_list = list(biases)
    else:
        if not _checks._is_number(biases) or not np.isfinite(biases):
            raise ValueError(f"biases must be a finite number or a list, one per layer, "
                             f"got {biases!r}")
        bias_list = [biases] * (n_layers - 1) + [0.0]
    if output_bias is not None:
        bias_list[-1] = output_bias
    params = []
    for (m, n), scheme, b in zip(zip(sizes[:-1], sizes[1:]), schemes, bias_list):
        W = np.asarray(scheme(rng, m, n, shape), dtype=float)
        if W.shape != (*shape, m, n):
            raise ValueError(f"a weight scheme returned shape {W.shape}, expected "
                             f"{(*shape, m, n)}")
        if _checks._is_number(b):
            bias = constant_bias(n, b, shape)
        else:
            b = np.asarray(b, dtype=float)
            if b.shape != (n,) or not np.all(np.isfinite(b)):
                raise ValueError(f"a layer bias must be a number or a finite array of shape "
                                 f"({n},), got shape {b.shape}")
            bias = np.broadcast_to(b, (*shape, n)).copy()
        params.append((W, bias))
    return net.flatten(params)


def lsuv(net, theta, X, target_var: float = 1.0, tol: float = 0.01, max_iter: int = 10,
         layers=None):
    """Layer-sequential unit-variance scaling (Mishkin & Matas, 2015; cf. Sussillo, 2014).

    Data-dependent initialization: go through the layers in order; for each, measure the
    variance (over the minibatch ``X`` and the layer's units) of its pre-activations
    ``h @ W + b`` and divide ``W`` by sqrt(variance / target_var), repeating until the
    variance is within ``tol`` of ``target_var`` (the bias does not change the variance, so
    one pass is exact for an affine layer; the loop guards the general case). Later layers
    are measured on the already rescaled earlier ones. Usually applied to an orthogonal
    start. ``theta`` may be batched ``(..., d)``; each network is scaled on its own.
    ``layers`` picks which layers (0-based; default all, the output layer included).
    Returns a new ``theta``; the input is not modified.
    """
    _checks.positive("target_var", target_var)
    _checks.positive("tol", tol)
    _checks.positive_int("max_iter", max_iter)
    sizes = _net_sizes(net)
    n_layers = len(sizes) - 1
    theta = _checks.flat_theta("theta", theta, net.d, copy=True)
    X = np.asarray(X, dtype=float)
    if X.ndim != 2 or X.shape[1] != sizes[0] or X.shape[0] < 2:
        raise ValueError(f"X must be a minibatch of shape (N >= 2, {sizes[0]}), got {X.shape}")
    chosen = range(n_layers) if layers is None else layers
    for layer in chosen:
        if isinstance(layer, bool) or not isinstance(layer, numbers.Integral) or \
                not 0 <= layer < n_layers:
            raise ValueError(f"layers must hold layer indices in [0, {n_layers - 1}], "
                             f"got {layer!r}")
        for _ in range(max_iter):
            params = net.unflatten(theta)
            h = X if layer == 0 else net.hidden(theta, X)[layer - 1]
            W, b = params[layer]
            z = h @ W + b[..., None, :]
            var = z.var(axis=(-2, -1))
            if np.all(np.abs(var - target_var) <= tol * target_var):
                break
            if np.any(var == 0):
                raise ValueError(f"layer {layer} has zero pre-activation variance on X; "
                                 f"it cannot be rescaled to unit variance")
            params = [(w.copy(), c.copy()) for w, c in params]
            W = params[layer][0] * np.sqrt(target_var / var)[..., None, None]
            params[layer] = (W, params[layer][1])
            theta = net.flatten(params)
    return theta
