"""Tests of optkit.data: the digits split, synthetic sets, the three samplers (coverage,
determinism, statistics) and the training loop (hand-worked updates, batching, early
stopping)."""

import warnings

import numpy as np
import pytest
from scipy import stats
from sklearn.datasets import load_digits

from optkit import SGD, Momentum, data
from optkit.nn import MLP


@pytest.fixture(scope="module")
def digits():
    return data.load_digits_split(seed=0)


def test_digits_split_sizes_disjoint_and_stratified(digits):
    assert (digits.X_train.shape, digits.X_val.shape, digits.X_test.shape) == \
        ((1077, 64), (360, 64), (360, 64))
    assert digits.n_classes == 10 and digits.n_features == 64
    raw = load_digits()
    # undo the standardization and find every row in the raw data: a partition of the 1,797
    rows = {tuple(r) for r in raw.data}
    seen = []
    for X, y in [(digits.X_train, digits.y_train), (digits.X_val, digits.y_val),
                 (digits.X_test, digits.y_test)]:
        back = np.round(X * digits.scale + digits.mean, 6)
        assert all(tuple(r) in rows for r in back)
        seen += [tuple(r) + (lab,) for r, lab in zip(back, y)]
    full = sorted(tuple(r) + (lab,) for r, lab in zip(raw.data, raw.target))
    assert sorted(seen) == full
    # stratified: every class has 36 +- 1 validation and test images
    assert np.all(np.abs(np.bincount(digits.y_val) - 36) <= 1)
    assert np.all(np.abs(np.bincount(digits.y_test) - 36) <= 1)


def test_digits_standardized_with_training_statistics_only(digits):
    np.testing.assert_allclose(digits.X_train.mean(0), 0, atol=1e-12)
    sd = digits.X_train.std(0)
    assert np.all((np.abs(sd - 1) < 1e-12) | (sd == 0))      # constant pixels only centred
    assert np.abs(digits.X_val.mean(0)).max() > 1e-3          # not re-standardized on val


def test_digits_split_is_fixed_by_the_seed(digits):
    again = data.load_digits_split(seed=0)
    np.testing.assert_array_equal(again.X_val, digits.X_val)
    other = data.load_digits_split(seed=1)
    assert not np.array_equal(other.y_train, digits.y_train)


@pytest.mark.parametrize("make, classes", [(data.two_moons, 2), (lambda: data.blobs(centers=4), 4),
                                           (data.regression, None)])
def test_synthetic_sets(make, classes):
    ds = make()
    assert ds.n_classes == classes
    n = len(ds.y_train) + len(ds.y_val) + len(ds.y_test)
    assert len(ds.y_train) == pytest.approx(0.6 * n, abs=2)
    if classes:
        assert set(np.unique(ds.y_train)) == set(range(classes))
    else:
        assert ds.y_train.dtype == float and ds.y_train.ndim == 1
    np.testing.assert_array_equal(make().X_train, ds.X_train)  # seeded


def test_regression_targets_follow_the_curve():
    ds = data.regression(n=400, noise=0.0)
    x = ds.X_train[:, 0] * ds.scale[0] + ds.mean[0]
    np.testing.assert_allclose(ds.y_train, np.sin(2 * x) + 0.3 * x, atol=1e-12)


# ----------------------------------------------------------------------------- samplers

@pytest.mark.parametrize("n, B", [(10, 3), (12, 4), (7, 7), (5, 8)])
def test_shuffling_samplers_visit_every_example_once_per_epoch(n, B):
    for name in ("shuffle_once", "reshuffle"):
        batches = list(data.minibatches(name, n, B, np.random.default_rng(0), epochs=3))
        per = data.batches_per_epoch(n, B)
        assert per == int(np.ceil(n / B)) and len(batches) == 3 * per
        for e in range(3):
            epoch = batches[e * per:(e + 1) * per]
            assert sorted(np.concatenate(epoch)) == list(range(n))
            assert all(len(b) == B for b in epoch[:-1])


def test_shuffle_once_repeats_the_order_and_reshuffle_does_not():
    n, B = 50, 10
    once = np.concatenate(list(data.sample_shuffle_once(n, B, np.random.default_rng(1), 2)))
    np.testing.assert_array_equal(once[:n], once[n:])
    assert not np.array_equal(once[:n], np.arange(n))  # shuffled at all
    re = np.concatenate(list(data.sample_reshuffle(n, B, np.random.default_rng(1), 2)))
    assert not np.array_equal(re[:n], re[n:])


def test_with_replacement_is_uniform_and_repeats():
    n, B = 20, 8
    batches = list(data.sample_with_replacement(n, B, np.random.default_rng(2), epochs=500))
    assert len(batches) == 500 * 3 and all(len(b) == B for b in batches)
    counts = np.bincount(np.concatenate(batches), minlength=n)
    assert stats.chisquare(counts).pvalue > 1e-3                    # uniform over examples
    # within an epoch some example repeats (probability 1 - 20!/(20^24 ...) ~ 1)
    assert len(np.unique(np.concatenate(batches[:3]))) < 24


def test_samplers_are_seeded():
    for name in data.SAMPLERS:
        a = list(data.minibatches(name, 30, 7, np.random.default_rng(5), epochs=2))
        b = list(data.minibatches(name, 30, 7, np.random.default_rng(5), epochs=2))
        assert all(np.array_equal(x, y) for x, y in zip(a, b))


@pytest.mark.parametrize("kwargs, match", [
    (dict(sampling="sorted", n=5, batch_size=2), "sampling"),
    (dict(sampling="reshuffle", n=0, batch_size=2), "n must"),
    (dict(sampling="reshuffle", n=5, batch_size=0), "batch_size"),
    (dict(sampling="reshuffle", n=5, batch_size=2, rng=3), "rng"),
])
def test_sampler_errors(kwargs, match):
    kwargs.setdefault("rng", np.random.default_rng(0))
    with pytest.raises(ValueError, match=match):
        data.minibatches(**kwargs)


def test_split_errors():
    X, y = np.zeros((20, 2)), np.zeros(20)
    with pytest.raises(ValueError, match="val"):
        data.split(X, y, val=1.5)
    with pytest.raises(ValueError, match="val \\+ test"):
        data.split(X, y, val=0.5, test=0.5)
    with pytest.raises(ValueError, match="seed"):
        data.split(X, y, seed=-1)


# ------------------------------------------------------------------------- training loop

def _tiny():
    return data.blobs(n=60, centers=3, seed=3)


def test_train_one_epoch_is_sgd_on_the_sampled_minibatches():
    ds = _tiny()
    net = MLP((2, 5, 3))
    theta0 = net.init(np.random.default_rng(0))
    hist = data.train(SGD(lr=0.3), net, ds, epochs=1, batch_size=16,
                      rng=np.random.default_rng(7), theta0=theta0, sampling="reshuffle")
    # replay by hand: same seed, same sampler, plain SGD updates
    theta = theta0.copy()
    for idx in data.sample_reshuffle(ds.n_train, 16, np.random.default_rng(7), 1):
        theta = theta - 0.3 * net.loss_and_grad(theta, ds.X_train[idx], ds.y_train[idx])[1]
    np.testing.assert_allclose(hist.theta, theta, rtol=1e-12)
    np.testing.assert_allclose(hist.train_loss, [net.loss(theta0, ds.X_train, ds.y_train),
                                                 net.loss(theta, ds.X_train, ds.y_train)])
    np.testing.assert_allclose(hist.val_error[1], net.error(theta, ds.X_val, ds.y_val))
    g = net.loss_and_grad(theta, ds.X_train, ds.y_train)[1]
    np.testing.assert_allclose(hist.grad_norm[1], np.linalg.norm(g))
    assert hist.epoch_time.shape == (1,) and hist.epoch_time[0] > 0


@pytest.mark.parametrize("sampling", list(data.SAMPLERS))
def test_networks_side_by_side_match_separate_runs(sampling):
    ds = _tiny()
    net = MLP((2, 6, 3), activation="relu")
    theta0 = net.init(np.random.default_rng(1), batch_shape=(3,))
    opt = Momentum(lr=0.1, alpha=0.8)
    together = data.train(opt, net, ds, epochs=4, batch_size=8, theta0=theta0,
                          rng=np.random.default_rng(2), sampling=sampling)
    assert together.train_loss.shape == (5, 3) and together.theta.shape == (3, net.d)
    for i in range(3):
        alone = data.train(opt, net, ds, epochs=4, batch_size=8, theta0=theta0[i],
                           rng=np.random.default_rng(2), sampling=sampling)
        np.testing.assert_allclose(together.theta[i], alone.theta, rtol=1e-10, atol=1e-13)
        np.testing.assert_allclose(together.val_loss[:, i], alone.val_loss, rtol=1e-10)


def test_training_reduces_the_loss_on_digits(digits):
    net = MLP((64, 16, 10))
    hist = data.train(SGD(lr=0.1), net, digits, epochs=5, batch_size=32,
                      rng=np.random.default_rng(0))
    assert hist.train_loss[-1] < 0.3 * hist.train_loss[0]
    assert hist.val_error[-1] < 0.15


def test_regression_training_records_nan_errors():
    ds = data.regression(n=100)
    net = MLP((1, 8, 1), loss="mse")
    hist = data.train(SGD(lr=0.05), net, ds, epochs=3, batch_size=10,
                      rng=np.random.default_rng(0))
    assert np.all(np.isnan(hist.train_error)) and np.all(np.isfinite(hist.val_loss))
    assert hist.train_loss[-1] < hist.train_loss[0]


def test_early_stopping_keeps_the_best_parameters():
    """Noisy labels + a big network overfit: validation loss turns up and training stops."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(150, 2))
    y = (X[:, 0] > 0).astype(int)
    y[rng.random(150) < 0.3] ^= 1                 # 30 % label noise
    ds = data.split(X, y, seed=0, n_classes=2)
    net = MLP((2, 64, 2))
    theta0 = net.init(np.random.default_rng(1), batch_shape=(2,))
    hist = data.train(SGD(lr=0.5), net, ds, epochs=300, batch_size=10, theta0=theta0,
                      rng=np.random.default_rng(2), patience=5)
    assert np.all(hist.stopped_epoch < 300)
    assert np.all(hist.stopped_epoch - hist.best_epoch == 5)
    for i in range(2):
        b, s = hist.best_epoch[i], hist.stopped_epoch[i]
        assert hist.val_loss[b, i] == np.nanmin(hist.val_loss[:, i])
        np.testing.assert_allclose(net.loss(hist.best_theta[i], ds.X_val, ds.y_val),
                                   hist.val_loss[b, i], rtol=1e-12)
        np.testing.assert_allclose(net.loss(hist.theta[i], ds.X_train, ds.y_train),
                                   hist.train_loss[s, i], rtol=1e-12)   # frozen at the stop
        assert np.all(np.isnan(hist.val_loss[s + 1:, i]))
    assert hist.epochs == hist.stopped_epoch.max()


def test_diverging_network_does_not_warn_or_crash():
    ds = _tiny()
    net = MLP((2, 4, 3))
    theta0 = net.init(np.random.default_rng(0), batch_shape=(2,))
    with warnings.catch_warnings():
        warnings.simplefilter("error")            # any RuntimeWarning would fail the test
        big = data.train(SGD(lr=1e200), net, ds, epochs=3, batch_size=8,
                         theta0=theta0, rng=np.random.default_rng(0))
    assert np.all(np.isnan(big.train_loss[-1]) | (big.train_loss[-1] > 10))


@pytest.mark.parametrize("kwargs, match", [
    (dict(epochs=-1), "epochs"),
    (dict(batch_size=0), "batch_size"),
    (dict(rng=None), "rng"),
    (dict(sampling="sorted"), "sampling"),
    (dict(patience=0), "patience"),
    (dict(theta0=np.zeros(3)), "theta0"),
    (dict(theta0=np.full(33, np.nan)), "finite"),
])
def test_train_errors(kwargs, match):
    ds = _tiny()
    net = MLP((2, 5, 3))   # d = 33
    args = dict(epochs=1, batch_size=8, rng=np.random.default_rng(0)) | kwargs
    with pytest.raises(ValueError, match=match):
        data.train(SGD(lr=0.1), net, ds, **args)
