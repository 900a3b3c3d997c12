"""The 8.1 checker accepts a reference sampler and rejects wrong ones without raising."""

import numpy as np
import pytest

from optkit import data
from optkit.exercises import check_reshuffle_sampler


def reference(n, batch_size, rng, epochs):
    for _ in range(epochs):
        order = rng.permutation(n)
        for i in range(0, n, batch_size):
            yield order[i:i + batch_size]


def in_order(n, batch_size, rng, epochs):
    for _ in range(epochs):
        for i in range(0, n, batch_size):
            yield np.arange(i, min(i + batch_size, n))


def shuffle_once(n, batch_size, rng, epochs):
    return data.sample_shuffle_once(n, batch_size, rng, epochs)


def with_replacement(n, batch_size, rng, epochs):
    return data.sample_with_replacement(n, batch_size, rng, epochs)


def drops_last(n, batch_size, rng, epochs):
    for _ in range(epochs):
        order = rng.permutation(n)
        for i in range(0, n - batch_size + 1, batch_size):
            yield order[i:i + batch_size]


def global_state(n, batch_size, rng, epochs):
    return reference(n, batch_size, np.random.default_rng(), epochs)


def biased(n, batch_size, rng, epochs):   # rotations only: the first index is always 0 or 1
    for _ in range(epochs):
        order = np.roll(np.arange(n), -int(rng.integers(0, 2)))
        order[1:] = order[1:][rng.permutation(n - 1)]
        for i in range(0, n, batch_size):
            yield order[i:i + batch_size]


def stub(n, batch_size, rng, epochs):
    raise NotImplementedError


def crashes(n, batch_size, rng, epochs):
    return rng.permutation(n)[None][5]


def test_reference_and_library_sampler_pass(capsys):
    assert check_reshuffle_sampler(reference).passed
    assert check_reshuffle_sampler(data.sample_reshuffle).passed
    assert "PASS" in capsys.readouterr().out


@pytest.mark.parametrize("wrong, says", [
    (in_order, "stored order"), (shuffle_once, "same order"), (with_replacement, "minibatch sizes"),
    (drops_last, "minibatches"), (global_state, "same seed"), (biased, "uniformly"),
    (stub, "not attempted"), (crashes, "raised"),
])
def test_wrong_answers_fail_without_raising(wrong, says, capsys):
    verdict = check_reshuffle_sampler(wrong)
    assert not verdict.passed
    assert says in verdict.message
    assert "FAIL" in capsys.readouterr().out
