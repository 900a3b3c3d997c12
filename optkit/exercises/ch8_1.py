"""Checkers for the code exercises of section 8.1 (learning vs pure optimization)."""

from __future__ import annotations

import numpy as np
from scipy import stats

from ._grading import Verdict, grade


def check_reshuffle_sampler(fn) -> Verdict:
    """Check ``fn(n, batch_size, rng, epochs)``: minibatch indices, reshuffled every epoch.

    Independent truths used: each epoch's minibatches concatenate to a permutation of
    range(n), cut into ``batch_size`` pieces (the last one possibly shorter); the same
    generator state gives the same minibatches; two epochs use different orders; and over
    many seeds the first index of an epoch is uniform on range(n) (a chi-square test).
    """

    def batches(n, B, seed, epochs):
        out = [np.asarray(b) for b in fn(n, B, np.random.default_rng(seed), epochs)]
        return out

    def test():
        n, B, E = 10, 3, 2
        got = batches(n, B, 0, E)
        per = -(-n // B)
        if len(got) != E * per:
            return (f"fn({n}, {B}, rng, {E}) gave {len(got)} minibatches; expected "
                    f"{E} epochs x ceil({n}/{B}) = {E * per}.")
        sizes = [len(b) for b in got[:per]]
        if sizes != [3, 3, 3, 1]:
            return f"minibatch sizes in one epoch are {sizes}, expected [3, 3, 3, 1]."
        for e in range(E):
            seen = np.sort(np.concatenate(got[e * per:(e + 1) * per]))
            if not np.array_equal(seen, np.arange(n)):
                return (f"epoch {e} does not visit every example exactly once: it visits "
                        f"{seen.tolist()}.")
        again = batches(n, B, 0, E)
        if not all(np.array_equal(a, b) for a, b in zip(got, again)):
            return "the same seed gave different minibatches: draw only from rng."
        long = np.concatenate(batches(50, 50, 1, 2))
        if np.array_equal(long[:50], np.arange(50)):
            return "the examples come in their stored order: shuffle them."
        if np.array_equal(long[:50], long[50:]):
            return "both epochs use the same order: draw a new permutation every epoch."
        firsts = np.array([batches(5, 2, seed, 1)[0][0] for seed in range(1000)])
        p = stats.chisquare(np.bincount(firsts, minlength=5)).pvalue
        if p < 1e-4:
            return ("over 1,000 seeds the first example of an epoch is not uniformly "
                    f"distributed (chi-square p = {p:.1e}): every order should be equally likely.")
        return None

    return grade("reshuffle_sampler", test,
                 "for each epoch draw order = rng.permutation(n), then yield "
                 "order[i:i + batch_size] for i = 0, batch_size, 2 batch_size, ...")
