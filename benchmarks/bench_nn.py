"""One epoch of a 64-32-10 MLP on the digits (batch 32), for 1 network and 16 side by side.

Aim (issue 4): 16 networks trained side by side on the same minibatches cost under 4x one
network, i.e. the batched forward/backward pass amortizes the per-call overhead. One epoch is
34 SGD steps through ``optkit.data.run_epoch`` (``net.objective`` + ``opt.step`` per
minibatch), the loop ``optkit.data.train`` runs; the per-epoch evaluation that ``train``
adds is not included. Measured with one BLAS thread (our matrices are small: more threads
only add synchronization) and, for information, with the default thread count.

Run by hand: ``python -m benchmarks nn`` (writes RESULTS.md with the other benchmarks) or
``python -m benchmarks.bench_nn`` (prints only).
"""

from __future__ import annotations

import numpy as np
from threadpoolctl import threadpool_limits

from optkit import SGD, data
from optkit.nn import MLP

from .common import Row, best_time

BATCH, NETS, BUDGET = 32, 16, 4.0


def _epoch_timer(net, ds, theta, batches):
    opt = SGD(lr=0.05)
    state = opt.init(theta)

    def epoch():
        data.run_epoch(opt, net, theta, state, ds.X_train, ds.y_train, batches)

    return epoch


def _bare_timer(net, ds, theta, batches):
    """The same epoch without optkit's objective/optimizer layers: loss_and_grad + update."""
    T = [(ds.X_train[idx], ds.y_train[idx]) for idx in batches]

    def epoch():
        th = theta
        for Xb, yb in T:
            th = th - 0.05 * net.loss_and_grad(th, Xb, yb)[1]

    return epoch


def run() -> list[Row]:
    ds = data.load_digits_split(seed=0)
    net = MLP((64, 32, 10))
    rng = np.random.default_rng(0)
    batches = list(data.sample_reshuffle(ds.n_train, BATCH, rng, 1))
    one = net.init(rng)
    many = net.init(rng, batch_shape=(NETS,))
    rows = []
    for threads in (1, None):
        label = "1 BLAS thread" if threads == 1 else "default BLAS threads"
        with threadpool_limits(limits=threads):
            t1 = best_time(_epoch_timer(net, ds, one, batches), repeat=15)
            t16 = best_time(_epoch_timer(net, ds, many, batches), repeat=15)
            b1 = best_time(_bare_timer(net, ds, one, batches), repeat=15)
            b16 = best_time(_bare_timer(net, ds, many, batches), repeat=15)
        ratio = t16 / t1
        rows.append(Row("8.1 MLP epoch", f"64-32-10 on digits, batch {BATCH}, "
                        f"{len(batches)} SGD steps, {label}",
                        f"1 net {1e3 * t1:.1f} ms, {NETS} nets {1e3 * t16:.1f} ms "
                        f"({ratio:.2f}x); bare loss_and_grad loop {1e3 * b1:.1f} / "
                        f"{1e3 * b16:.1f} ms",
                        f"{NETS} nets < {BUDGET:g}x 1 net" if threads == 1 else "",
                        (ratio < BUDGET) if threads == 1 else None))
    return rows


if __name__ == "__main__":
    for row in run():
        print(f"{row.what}: {row.measured} [{row.budget}] "
              f"{'' if row.ok is None else ('OK' if row.ok else 'MISSED')}")
