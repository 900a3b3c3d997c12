"""The machinery every checker shares: run the reader's code, compare, print a verdict."""

from __future__ import annotations

import traceback
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Verdict:
    """The outcome of one check: ``passed`` plus the message shown to the reader."""

    passed: bool
    message: str

    def __bool__(self) -> bool:
        return self.passed

    def __repr__(self) -> str:
        return f"Verdict(passed={self.passed})"

    def _ipython_display_(self) -> None:
        """Show nothing as a cell's value: ``grade`` has already printed the message."""


class Wrong(Exception):
    """Raised inside a checker's test when the reader's function returned something of the
    wrong form; its message is what ``grade`` shows."""


def returned_arrays(result, names: tuple[str, ...], shapes: tuple) -> tuple[np.ndarray, ...]:
    """The reader's return value as float arrays; :class:`Wrong` unless it is a tuple of
    ``len(names)`` arrays whose shapes are ``shapes``."""
    count = ("one", "two", "three", "four", "five")[len(names) - 1]
    if not isinstance(result, tuple) or len(result) != len(names):
        raise Wrong(f"fn must return a tuple ({', '.join(names)}) of {count} arrays.")
    arrays = tuple(np.asarray(a, dtype=float) for a in result)
    for name, a, shape in zip(names, arrays, shapes, strict=True):
        if a.shape != tuple(shape):
            raise Wrong(f"the returned {name} has shape {a.shape}; it must keep the shape "
                        f"{tuple(shape)}.")
    return arrays


def grade(name: str, test: Callable[[], str | None], hint: str) -> Verdict:
    """Run ``test``: it returns None when the answer is right, or a string saying what is wrong
    (or raises :class:`Wrong` with that string).

    A stub that raises ``NotImplementedError`` is "not attempted yet"; any other exception
    is reported with its last line, never re-raised.
    """
    try:
        problem = test()
    except Wrong as wrong:
        problem = str(wrong)
    except NotImplementedError:
        return _say(False, f"[{name}] not attempted yet: replace the `raise NotImplementedError`"
                           f" with your code.\nHint: {hint}")
    except Exception as exc:  # the reader's code crashed: report, do not raise
        last = traceback.format_exception_only(type(exc), exc)[-1].strip()
        return _say(False, f"[{name}] your function raised {last}\nHint: {hint}")
    if problem is None:
        return _say(True, f"[{name}] correct. Well done!")
    return _say(False, f"[{name}] not yet: {problem}\nHint: {hint}")


def _say(passed: bool, message: str) -> Verdict:
    print(("PASS " if passed else "FAIL ") + message)
    return Verdict(passed, message)
