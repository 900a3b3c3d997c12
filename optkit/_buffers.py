"""New arrays for pure optimizer steps, fast at millions of parameters.

A step never writes into its inputs: it returns new arrays. For a large ``theta`` that has
two costs that an in-place update (PyTorch's) does not pay: the operating system must hand
over fresh, zeroed pages for every new array (at 10^7 float64 parameters about as long as
PyTorch's whole SGD step), and NumPy evaluates ``a * x + b * y`` in three passes over memory.

- :func:`empty_like` takes large arrays from a small pool. The pool keeps a reference to
  each array it hands out and reuses one only when that reference is the last one
  (``sys.getrefcount``): no caller, trace, state or view can see the array any more, so
  reusing it is invisible and the steps stay pure.
- :func:`lincomb` computes the linear combination ``a * x + b * y`` block by block, so the
  products stay in the cache and memory is read and written once; :func:`blockwise` does
  the same for any update written as a kernel of in-place operations (Adam's).

Small arrays skip both: NumPy already recycles their memory, and one expression is fastest.
"""

from __future__ import annotations

import collections
import sys
import threading

import numpy as np

LARGE = 2**20  # elements (8 MB of float64) from which arrays come from the pool
FUSED = 2**14  # elements (128 KB, where malloc starts to map fresh pages) from which an
# in-place kernel (Adam's) beats the plain expression despite its extra calls
BLOCK = 2**16  # elements per block of blockwise: a few blocks fit in a core's L2 cache
KEEP = 8  # arrays the pool holds: a step's outputs plus the previous step's, twice over

_pool: collections.deque = collections.deque(maxlen=KEEP)
_lock = threading.Lock()


def _refs(arrays, i: int) -> int:
    return sys.getrefcount(arrays[i])


_probe = collections.deque([np.empty(1)])
_ALONE = _refs(_probe, 0)  # the count of an array that only its pool refers to
del _probe


def empty_like(a: np.ndarray) -> np.ndarray:
    """An uninitialized float array shaped like ``a``; large ones are recycled (see above)."""
    if a.size < LARGE:
        return np.empty(a.shape)
    with _lock:
        for i in range(len(_pool)):
            if _pool[i].shape == a.shape and _refs(_pool, i) == _ALONE:
                return _pool[i]
        out = np.empty(a.shape)
        _pool.append(out)  # the oldest entry is forgotten, not freed, if still in use
        return out


def lincomb(a, x: np.ndarray, b, y: np.ndarray) -> np.ndarray:
    """``a * x + b * y`` for scalars a, b and arrays x, y, as a new array."""
    if x.size < LARGE:
        return b * y + x if a == 1 else a * x + b * y  # NumPy reuses b * y for the sum

    def kernel(x, y, out):
        np.multiply(y, b, out=out)
        out += x if a == 1 else a * x  # theta - eps g: one product, not two

    return blockwise(kernel, (x, y), 1)[0]


def blockwise(kernel, inputs: tuple, n_out: int) -> list:
    """``n_out`` new arrays written by ``kernel(*input_blocks, *output_blocks)``.

    The inputs are float64 arrays of one shape; the kernel writes every output block with
    ``out=`` and in-place operations, and its temporaries are the size of a block. Large
    arrays are processed block by block (so the temporaries stay in the cache) into
    recycled outputs; small ones in one call.
    """
    x = inputs[0]
    same = all(a.shape == x.shape for a in inputs)
    if x.size < LARGE or not (same and all(a.dtype == np.float64 and a.flags.c_contiguous
                                           for a in inputs)):
        shape = x.shape if same else np.broadcast_shapes(*(a.shape for a in inputs))
        outs = [np.empty(shape) for _ in range(n_out)]
        kernel(*inputs, *outs)
        return outs
    outs = [empty_like(x) for _ in range(n_out)]
    flat = [a.reshape(-1) for a in (*inputs, *outs)]
    for start in range(0, x.size, BLOCK):
        block = slice(start, start + BLOCK)
        kernel(*(a[block] for a in flat))
    return outs


def add(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """``x + y`` as a new array (from the pool when large)."""
    if x.size < LARGE or x.shape != y.shape:
        return x + y
    return np.add(x, y, out=empty_like(x))
