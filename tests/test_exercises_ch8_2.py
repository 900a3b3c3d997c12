"""The 8.2 checker accepts a reference solution and rejects wrong answers without raising."""

import numpy as np

from optkit.exercises import check_permute_hidden


def reference(W1, b1, W2, b2, perm):
    return W1[:, perm], b1[perm], W2[perm, :], b2


def with_loops(W1, b1, W2, b2, perm):
    nW1, nb1, nW2 = np.empty_like(W1), np.empty_like(b1), np.empty_like(W2)
    for j, p in enumerate(perm):
        nW1[:, j], nb1[j], nW2[j] = W1[:, p], b1[p], W2[p]
    return nW1, nb1, nW2, b2


def inverse(W1, b1, W2, b2, perm):  # same function, but unit j becomes unit perm[j]
    inv = np.argsort(perm)
    return W1[:, inv], b1[inv], W2[inv], b2


def only_incoming(W1, b1, W2, b2, perm):
    return W1[:, perm], b1[perm], W2, b2


def forgot_bias(W1, b1, W2, b2, perm):
    return W1[:, perm], b1, W2[perm], b2


def rows_of_w1(W1, b1, W2, b2, perm):  # wrong axis: W1 changes shape
    return W1[perm % W1.shape[0]], b1[perm], W2[perm], b2


def identity(W1, b1, W2, b2, perm):
    return W1, b1, W2, b2


def three_things(W1, b1, W2, b2, perm):
    return W1[:, perm], b1[perm], W2[perm]


def stub(W1, b1, W2, b2, perm):
    raise NotImplementedError


def crashes(W1, b1, W2, b2, perm):
    return W1[perm, :, :], b1, W2, b2


def test_reference_solutions_pass(capsys):
    assert check_permute_hidden(reference).passed
    assert check_permute_hidden(with_loops).passed
    assert "PASS" in capsys.readouterr().out


def test_wrong_answers_fail_with_a_specific_message(capsys):
    cases = {inverse: "inverse", only_incoming: "different function",
             forgot_bias: "different function", rows_of_w1: "must keep the shape",
             identity: "nothing was permuted", three_things: "four arrays"}
    for fn, words in cases.items():
        verdict = check_permute_hidden(fn)
        assert not verdict.passed, fn.__name__
        assert words in verdict.message, (fn.__name__, verdict.message)
    assert "FAIL" in capsys.readouterr().out


def test_stub_and_crash_fail_without_raising(capsys):
    v = check_permute_hidden(stub)
    assert not v.passed and "not attempted" in v.message
    v = check_permute_hidden(crashes)
    assert not v.passed and "raised" in v.message
    assert "Hint" in capsys.readouterr().out
