"""Timing helpers shared by the benchmark modules."""

from __future__ import annotations

import time
from dataclasses import dataclass


@dataclass
class Row:
    """One measured line of RESULTS.md."""

    section: str
    what: str
    measured: str
    budget: str = ""
    ok: bool | None = None  # None: informational, no budget


def best_time(fn, repeat: int = 5, number: int = 1) -> float:
    """The best of ``repeat`` wall-clock timings of ``number`` calls, in seconds per call.

    The minimum is the least noisy estimate on a shared machine: every source of noise
    only adds time.
    """
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        for _ in range(number):
            fn()
        best = min(best, (time.perf_counter() - t) / number)
    return best
