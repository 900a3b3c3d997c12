"""Data sets, minibatch samplers and an epoch-based training loop (section 8.1).

**Data sets.** :func:`load_digits_split` gives scikit-learn's 8x8 hand-written digits (1,797
images, 64 features, 10 classes; it ships with scikit-learn, so nothing is downloaded) with a
fixed, stratified train / validation / test split, standardized with the *training* set's
statistics only (the validation and test sets must not leak into training). Small synthetic
sets: :func:`two_moons`, :func:`blobs` (classification) and :func:`regression` (a 1-D curve
with noise). All return a :class:`Dataset`.

**Minibatch samplers** (8.1.3). Each is a generator of index arrays, seeded by an explicit
``np.random.Generator``, yielding ``epochs * ceil(n / batch_size)`` minibatches in order:

* :func:`sample_with_replacement`: every minibatch is ``batch_size`` independent uniform draws
  from all ``n`` examples. Every minibatch gradient is then an unbiased estimate of the full
  training gradient, but an epoch sees some examples twice and misses others.
* :func:`sample_shuffle_once`: one random permutation, drawn once and cut into consecutive
  minibatches; every epoch walks the same order (what one does with a data set stored
  already shuffled on disk).
* :func:`sample_reshuffle`: a fresh permutation every epoch (the usual practice).

**Training loop.** :func:`train` runs any optkit optimizer over epochs and minibatches (the
only loops), on one network or several side by side (``theta0`` of shape ``(..., d)``, all
trained on the same minibatches), records training / validation loss and 0-1 error and the
full-batch gradient norm per epoch, and optionally stops early on the validation loss.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from . import _checks

__all__ = [
    "Dataset", "split", "load_digits_split", "two_moons", "blobs", "regression",
    "sample_with_replacement", "sample_shuffle_once", "sample_reshuffle", "SAMPLERS",
    "minibatches", "batches_per_epoch", "History", "run_epoch", "train",
]


# ------------------------------------------------------------------------------ data sets

@dataclass(frozen=True)
class Dataset:
    """A train / validation / test split. ``y`` holds integer labels (classification,
    ``n_classes`` set) or real targets (regression, ``n_classes`` None).

    ``mean`` and ``scale`` are the training-set statistics used to standardize the inputs
    (``X = (X_raw - mean) / scale``), kept so new inputs can be transformed the same way.
    """

    X_train: np.ndarray
    y_train: np.ndarray
    X_val: np.ndarray
    y_val: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    name: str = "dataset"
    n_classes: int | None = None
    mean: np.ndarray | None = None
    scale: np.ndarray | None = None

    @property
    def n_features(self) -> int:
        return self.X_train.shape[1]

    @property
    def n_train(self) -> int:
        return self.X_train.shape[0]


def _check_rng(rng) -> None:
    if not isinstance(rng, np.random.Generator):
        raise ValueError(f"rng must be a np.random.Generator (np.random.default_rng(seed)), "
                         f"got {type(rng).__name__}")


def _check_seed(seed) -> None:
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be an integer >= 0, got {seed!r}")


def split(X, y, val: float = 0.2, test: float = 0.2, seed: int = 0, standardize: bool = True,
          name: str = "dataset", n_classes: int | None = None) -> Dataset:
    """Split (X, y) at random into train / validation / test (fractions ``val``, ``test``).

    With ``n_classes`` given (classification), the split is stratified: every part keeps the
    class proportions. With ``standardize``, each feature is centred and scaled by the
    training part's mean and standard deviation (features constant on the training set are
    only centred).
    """
    from sklearn.model_selection import train_test_split

    X = np.asarray(X, dtype=float)
    y = np.asarray(y)
    if X.ndim != 2 or y.shape[:1] != X.shape[:1]:
        raise ValueError(f"X must be (n, features) and y (n, ...), got {X.shape} and {y.shape}")
    for label, frac in (("val", val), ("test", test)):
        if not _checks._is_number(frac) or not 0 < frac < 1:
            raise ValueError(f"{label} must be a fraction in (0, 1), got {frac!r}")
    if val + test >= 1:
        raise ValueError(f"val + test must be < 1 (something must be left to train on), "
                         f"got {val + test!r}")
    _check_seed(seed)
    strat = y if n_classes is not None else None
    X_rest, X_test, y_rest, y_test = train_test_split(
        X, y, test_size=test, random_state=seed, stratify=strat)
    strat = y_rest if n_classes is not None else None
    X_train, X_val, y_train, y_val = train_test_split(
        X_rest, y_rest, test_size=val / (1 - test), random_state=seed + 1, stratify=strat)
    mean = scale = None
    if standardize:
        mean = X_train.mean(0)
        scale = X_train.std(0)
        scale = np.where(scale > 0, scale, 1.0)
        X_train, X_val, X_test = ((A - mean) / scale for A in (X_train, X_val, X_test))
    return Dataset(X_train, y_train, X_val, y_val, X_test, y_test, name=name,
                   n_classes=n_classes, mean=mean, scale=scale)


def load_digits_split(seed: int = 0, val: float = 0.2, test: float = 0.2) -> Dataset:
    """scikit-learn's digits (1,797 8x8 images, 10 classes), split 60 / 20 / 20 and standardized.

    The split is fixed by ``seed`` (stratified by class): 1,077 training, 360 validation and
    360 test images with the defaults. No download: the data ship with scikit-learn.
    """
    from sklearn.datasets import load_digits

    digits = load_digits()
    return split(digits.data, digits.target, val=val, test=test, seed=seed, name="digits",
                 n_classes=10)


def two_moons(n: int = 600, noise: float = 0.2, seed: int = 0) -> Dataset:
    """Two interleaving half-circles in 2-D (2 classes), split 60 / 20 / 20, standardized."""
    from sklearn.datasets import make_moons

    _checks.positive_int("n", n, minimum=10)
    _checks.positive("noise", noise, allow_zero=True)
    _check_seed(seed)
    X, y = make_moons(n_samples=n, noise=noise, random_state=seed)
    return split(X, y, seed=seed, name="two moons", n_classes=2)


def blobs(n: int = 600, centers: int = 3, spread: float = 1.0, seed: int = 0) -> Dataset:
    """Gaussian blobs in 2-D, one per class (``centers`` classes), split 60 / 20 / 20."""
    from sklearn.datasets import make_blobs

    _checks.positive_int("n", n, minimum=10)
    _checks.positive_int("centers", centers, minimum=2)
    _checks.positive("spread", spread)
    _check_seed(seed)
    X, y = make_blobs(n_samples=n, centers=centers, cluster_std=spread, random_state=seed)
    return split(X, y, seed=seed, name="blobs", n_classes=centers)


def regression(n: int = 300, noise: float = 0.1, seed: int = 0) -> Dataset:
    """A 1-D regression set: y = sin(2x) + 0.3 x + noise, x ~ U(-2, 2); targets of shape (n,).

    Split 60 / 20 / 20; the inputs are standardized, the targets are not.
    """
    _checks.positive_int("n", n, minimum=10)
    _checks.positive("noise", noise, allow_zero=True)
    _check_seed(seed)
    rng = np.random.default_rng(seed)
    x = rng.uniform(-2.0, 2.0, size=n)
    y = np.sin(2 * x) + 0.3 * x + noise * rng.normal(size=n)
    return split(x[:, None], y, seed=seed, name="regression")


# ------------------------------------------------------------------------ minibatch samplers

def batches_per_epoch(n: int, batch_size: int) -> int:
    """ceil(n / batch_size): the number of minibatches that make one epoch."""
    return -(-n // batch_size)


def _sampler_args(n, batch_size, rng, epochs) -> None:
    _checks.positive_int("n", n)
    _checks.positive_int("batch_size", batch_size)
    _check_rng(rng)
    _checks.positive_int("epochs", epochs, minimum=0)


def sample_with_replacement(n: int, batch_size: int, rng, epochs: int = 1) -> Iterator:
    """Minibatches of ``batch_size`` indices drawn uniformly *with* replacement from range(n).

    Yields ``epochs * ceil(n / batch_size)`` arrays (an "epoch" here is that many draws).
    """
    _sampler_args(n, batch_size, rng, epochs)

    def gen():
        for _ in range(epochs * batches_per_epoch(n, batch_size)):
            yield rng.integers(0, n, size=batch_size)

    return gen()


def _walk(order, batch_size):
    for start in range(0, len(order), batch_size):
        yield order[start:start + batch_size]


def sample_shuffle_once(n: int, batch_size: int, rng, epochs: int = 1) -> Iterator:
    """One random permutation of range(n), cut into consecutive minibatches, every epoch.

    Each epoch visits every example exactly once, always in the same order; the last
    minibatch of an epoch is smaller when ``batch_size`` does not divide ``n``.
    """
    _sampler_args(n, batch_size, rng, epochs)

    def gen():
        order = rng.permutation(n)
        for _ in range(epochs):
            yield from _walk(order, batch_size)

    return gen()


def sample_reshuffle(n: int, batch_size: int, rng, epochs: int = 1) -> Iterator:
    """A fresh random permutation of range(n) every epoch, cut into consecutive minibatches."""
    _sampler_args(n, batch_size, rng, epochs)

    def gen():
        for _ in range(epochs):
            yield from _walk(rng.permutation(n), batch_size)

    return gen()


SAMPLERS = {
    "replacement": sample_with_replacement,
    "shuffle_once": sample_shuffle_once,
    "reshuffle": sample_reshuffle,
}


def minibatches(sampling: str, n: int, batch_size: int, rng, epochs: int = 1) -> Iterator:
    """The sampler named ``sampling`` (a key of :data:`SAMPLERS`)."""
    _checks.one_of("sampling", sampling, SAMPLERS)
    return SAMPLERS[sampling](n, batch_size, rng, epochs)


# ---------------------------------------------------------------------------- training loop

@dataclass(frozen=True)
class History:
    """What :func:`train` recorded. Per-epoch arrays have shape ``(E + 1, ...)``: entry 0 is
    the starting point, entry e the end of epoch e, and ``E`` is the number of epochs run
    (fewer than asked for if every network stopped early). The leading ``...`` axes are
    the networks. After a network stops early its entries are nan.

    train_loss, val_loss:   mean loss on the whole training / validation set
    train_error, val_error: 0-1 error rates (nan for regression)
    grad_norm:              norm of the full training-set gradient
    theta:                  final parameters (..., d) (frozen where a network stopped early)
    best_theta:             parameters at each network's lowest validation loss
    best_epoch:             (...) the epoch of that lowest validation loss
    stopped_epoch:          (...) the epoch at which each network stopped (E if it did not)
    epoch_time:             (E,) wall-clock seconds per epoch, minibatch updates only
                            (varies from run to run: for figures, never for asserts)
    """

    train_loss: np.ndarray
    val_loss: np.ndarray
    train_error: np.ndarray
    val_error: np.ndarray
    grad_norm: np.ndarray
    theta: np.ndarray
    best_theta: np.ndarray
    best_epoch: np.ndarray
    stopped_epoch: np.ndarray
    epoch_time: np.ndarray

    @property
    def epochs(self) -> int:
        return self.train_loss.shape[0] - 1


def run_epoch(opt, net, theta, state, X, y, batches):
    """One pass of ``opt`` over the minibatches ``batches`` (index arrays) of (X, y).

    One optimizer step per minibatch on ``net.objective(X[idx], y[idx])``; returns the new
    ``(theta, state)``. ``theta`` may hold several networks (..., d).
    """
    for idx in batches:
        theta, state = opt.step(theta, state, net.objective(X[idx], y[idx]))
    return theta, state


def _measure(net, theta, ds: Dataset):
    """Training loss, gradient norm and error, validation loss and error for all networks."""
    tr = net.evaluate(theta, ds.X_train, ds.y_train, grad=True)
    va = net.evaluate(theta, ds.X_val, ds.y_val)
    return tr["loss"], tr["grad_norm"], tr["error"], va["loss"], va["error"]


def train(opt, net, ds: Dataset, epochs: int = 20, batch_size: int = 32, rng=None,
          theta0=None, sampling: str = "reshuffle", patience: int | None = None) -> History:
    """Train ``net`` on ``ds`` with the optimizer ``opt`` for ``epochs`` passes of minibatches.

    rng:       np.random.Generator for the minibatches (and for ``net.init`` when ``theta0``
               is None); required, so every run is reproducible
    theta0:    starting parameters (..., d); leading axes are networks trained side by side,
               all on the same minibatches (default: one ``net.init(rng)`` network)
    sampling:  "replacement", "shuffle_once" or "reshuffle" (see :data:`SAMPLERS`)
    patience:  early stopping (8.1.2): a network stops after ``patience`` epochs without
               a new lowest validation loss; its parameters are then frozen, and
               ``best_theta`` holds those of its best epoch. None: never stop.

    Loops over epochs and minibatches only; each step is one vectorized call for all the
    networks. Networks whose loss becomes non-finite keep going silently (their entries
    are nan or inf); no warning is printed. Small networks train fastest with one BLAS
    thread: wrap the call in ``threadpoolctl.threadpool_limits(1)`` on a shared machine.
    """
    _checks.positive_int("epochs", epochs, minimum=0)
    _checks.positive_int("batch_size", batch_size)
    _check_rng(rng)
    _checks.one_of("sampling", sampling, SAMPLERS)
    if patience is not None:
        _checks.positive_int("patience", patience)
    if not isinstance(ds, Dataset):
        raise ValueError(f"ds must be an optkit.data.Dataset, got {type(ds).__name__}")
    theta = net.init(rng) if theta0 is None else theta0
    theta = _checks.flat_theta("theta0", theta, net.d, copy=theta0 is not None)
    if not np.all(np.isfinite(theta)):
        raise ValueError("theta0 must be finite (it contains nan or inf)")
    batch = theta.shape[:-1]
    n = ds.n_train
    per_epoch = batches_per_epoch(n, batch_size)
    sampler = minibatches(sampling, n, batch_size, rng, epochs)
    names = ("train_loss", "grad_norm", "train_error", "val_loss", "val_error")
    rec = {k: np.full((epochs + 1, *batch), np.nan) for k in names}
    times = np.zeros(epochs)
    with np.errstate(all="ignore"):
        state = opt.init(theta)
        for k, v in zip(names, _measure(net, theta, ds)):
            rec[k][0] = v
        best_val = np.where(np.isfinite(rec["val_loss"][0]), rec["val_loss"][0], np.inf)
        best_theta = theta.copy()
        best_epoch = np.zeros(batch, dtype=int)
        stopped = np.full(batch, epochs, dtype=int)
        active = np.ones(batch, dtype=bool)
        ran = 0
        for epoch in range(1, epochs + 1):
            batches = [next(sampler) for _ in range(per_epoch)]
            t0 = time.perf_counter()
            new, state = run_epoch(opt, net, theta, state, ds.X_train, ds.y_train, batches)
            times[epoch - 1] = time.perf_counter() - t0
            theta = new if active.all() else np.where(active[..., None], new, theta)
            ran = epoch
            values = _measure(net, theta, ds)
            for k, v in zip(names, values):
                rec[k][epoch] = np.where(active, v, np.nan)
            val = values[3]
            improved = active & (val < best_val)
            best_val = np.where(improved, val, best_val)
            best_epoch = np.where(improved, epoch, best_epoch)
            best_theta = np.where(improved[..., None], theta, best_theta)
            if patience is not None:
                stop = active & (epoch - best_epoch >= patience)
                stopped = np.where(stop, epoch, stopped)
                active = active & ~stop
                if not active.any():
                    break
    stopped = np.where(active, ran, stopped)
    return History(**{k: v[:ran + 1] for k, v in rec.items()}, theta=theta,
                   best_theta=best_theta, best_epoch=best_epoch, stopped_epoch=stopped,
                   epoch_time=times[:ran])
