"""Checkers for the code exercises of section 8.2 (challenges in neural network optimization)."""

from __future__ import annotations

import numpy as np

from ._grading import Verdict, grade, returned_arrays


def _net(W1, b1, W2, b2, X):
    """Outputs and hidden activations of a one-hidden-layer tanh network (rows are examples)."""
    h = np.tanh(X @ W1 + b1)
    return h @ W2 + b2, h


def check_permute_hidden(fn) -> Verdict:
    """Check ``fn(W1, b1, W2, b2, perm) -> (W1', b1', W2', b2')``: the same one-hidden-layer
    network with its hidden units reordered, so that new unit j is old unit ``perm[j]``.

    W1 is (n_in, n_hidden) (column j: incoming weights of unit j), b1 (n_hidden,), W2
    (n_hidden, n_out) (row j: outgoing weights of unit j), b2 (n_out,). Independent truths:
    the outputs are unchanged on random inputs (weight-space symmetry, 8.2.2), and the new
    hidden activations are the old ones with their columns in the order ``perm``.
    """

    def test():
        rng = np.random.default_rng(82)
        for n_in, n_hidden, n_out in ((3, 4, 2), (5, 7, 3)):
            W1 = rng.normal(size=(n_in, n_hidden))
            b1 = rng.normal(size=n_hidden)
            W2 = rng.normal(size=(n_hidden, n_out))
            b2 = rng.normal(size=n_out)
            X = rng.normal(size=(20, n_in))
            perm = rng.permutation(n_hidden)
            while np.all(perm == np.arange(n_hidden)):
                perm = rng.permutation(n_hidden)
            args = [a.copy() for a in (W1, b1, W2, b2)] + [perm.copy()]
            result = fn(*args)
            if isinstance(result, list):  # a list of the four arrays is accepted too
                result = tuple(result)
            new = returned_arrays(result, ("W1", "b1", "W2", "b2"),
                                  tuple(a.shape for a in (W1, b1, W2, b2)))
            out, h = _net(W1, b1, W2, b2, X)
            new_out, new_h = _net(*new, X)
            if not np.allclose(new_out, out, rtol=1e-10, atol=1e-10):
                return (f"the permuted network computes a different function (outputs differ "
                        f"by up to {np.abs(new_out - out).max():.3g}). Did you reorder both "
                        "the incoming weights (columns of W1 and b1) and the outgoing "
                        "weights (rows of W2) with the same permutation?")
            if not np.allclose(new_h, h[:, perm], rtol=1e-10, atol=1e-10):
                if np.allclose(new_h, h, rtol=1e-10, atol=1e-10):
                    return "the hidden units are in their old order: nothing was permuted."
                return ("the outputs are right, but new hidden unit j is not old unit perm[j] "
                        "(did you use the inverse permutation?).")
        return None

    return grade("permute_hidden", test,
                 "new unit j takes old unit perm[j]'s incoming weights W1[:, perm[j]], its "
                 "bias b1[perm[j]] and its outgoing weights W2[perm[j], :]; with NumPy "
                 "indexing that is W1[:, perm], b1[perm], W2[perm]; b2 does not change.")
