"""NumPy's elementwise rules and sums, bit for bit, inside compiled code; and the decisions of a
replayed bisection.

Compiled per-occupation arithmetic (:mod:`neijuan.sim.phase_kernels`, :mod:`neijuan.sim.steps`)
replaces NumPy expressions without changing a bit of their results: these are the pieces of
NumPy's semantics it needs (``np.maximum``'s and ``np.minimum``'s NaN rule, Python's ``max``,
NumPy's pairwise summation). A bisection replayed from a root found another way decides each
midpoint clearly on one side of the root without evaluating its function (:func:`known_side`),
and gives the bisection's bits with a few evaluations instead of forty.
"""

from __future__ import annotations

import numpy as np
from numba import njit
from numpy.typing import NDArray

F64 = NDArray[np.float64]


@njit(inline="always", cache=True, error_model="numpy")
def np_maximum(a: float, b: float) -> float:  # pragma: no cover - compiled
    """``np.maximum``: NaN if either is (Python's ``max`` keeps the first when the second is)."""
    if a != a or b != b:
        return a + b
    return a if a >= b else b


@njit(inline="always", cache=True, error_model="numpy")
def np_minimum(a: float, b: float) -> float:  # pragma: no cover - compiled
    """``np.minimum``: NaN if either is."""
    if a != a or b != b:
        return a + b
    return a if a <= b else b


@njit(inline="always", cache=True, error_model="numpy")
def py_max(a: float, b: float) -> float:  # pragma: no cover - compiled
    """Python's ``max(a, b)``: ``a`` unless ``b`` is greater (so ``max(nan, 1.0)`` is NaN)."""
    return b if b > a else a


@njit(cache=True, error_model="numpy")
def pairwise_block(a: F64, start: int, n: int) -> float:  # pragma: no cover - compiled
    """NumPy's ``pairwise_sum`` on a run of at most 128: fewer than 8 in order, else 8
    interleaved partial sums combined as a tree, then the rest in order. (Unsigned indices: no
    wrap-around test of negative ones, so the eight sums become one vector add, 1.7x faster.)"""
    if n < 8:
        res = 0.0
        for k in range(n):
            res += a[start + k]
        return res
    s = np.uint64(start)
    one = np.uint64(1)
    r0 = a[s]
    r1 = a[s + one]
    r2 = a[s + np.uint64(2)]
    r3 = a[s + np.uint64(3)]
    r4 = a[s + np.uint64(4)]
    r5 = a[s + np.uint64(5)]
    r6 = a[s + np.uint64(6)]
    r7 = a[s + np.uint64(7)]
    whole = np.uint64(n - n % 8)
    i: np.uint64 = np.uint64(8)
    while i < whole:
        j = s + i
        r0 += a[j]
        r1 += a[j + one]
        r2 += a[j + np.uint64(2)]
        r3 += a[j + np.uint64(3)]
        r4 += a[j + np.uint64(4)]
        r5 += a[j + np.uint64(5)]
        r6 += a[j + np.uint64(6)]
        r7 += a[j + np.uint64(7)]
        i += np.uint64(8)
    res = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
    while i < np.uint64(n):
        res += a[s + i]
        i += one
    return res


SUM_STACK = 64  # depth of numpy_sum's explicit stack (halvings of runs over 128)


@njit(cache=True, error_model="numpy")
def numpy_sum(a: F64) -> float:  # pragma: no cover - compiled
    """``np.sum`` of a one-dimensional float64 array, bit for bit, inside compiled code: NumPy's
    pairwise summation (runs longer than 128 halved at a multiple of 8, left half + right
    half), walked with an explicit stack (a recursive function breaks Numba's on-disk cache)."""
    return numpy_sum_within(a, 0, a.size - 1)


@njit(cache=True, error_model="numpy")
def numpy_sum_within(a: F64, first: int, last: int) -> float:  # pragma: no cover - compiled
    """:func:`numpy_sum` of an array that is +0.0 outside ``first..last``, bit for bit: a run of
    128 or fewer that lies outside is taken as the +0.0 it adds up to, unread (a wage histogram
    fills a fifth of its bins)."""
    if a.size <= 128:
        return 0.0 + pairwise_block(a, 0, a.size)
    return _pairwise_sum(a, np.empty((3, SUM_STACK), dtype=np.int64), np.empty(SUM_STACK),
                         first, last)


@njit(cache=True, error_model="numpy")
def numpy_row_sums_within(m: F64, first: int, last: int) -> F64:  # pragma: no cover - compiled
    """``m.sum(axis=1)`` of a C-contiguous 2-d array that is +0.0 outside columns
    ``first..last``, bit for bit (each row's pairwise sum, with one stack for all the rows): a
    run of 128 or fewer that lies outside is taken as the +0.0 it adds up to, unread (a score
    histogram's candidates fill a tenth of its cells). ``0, m.shape[1] - 1`` for any array."""
    out = np.empty(m.shape[0])
    stack = np.empty((3, SUM_STACK), dtype=np.int64)
    values = np.empty(SUM_STACK)
    for r in range(m.shape[0]):
        out[r] = (0.0 + pairwise_block(m[r], 0, m.shape[1]) if m.shape[1] <= 128
                  else _pairwise_sum(m[r], stack, values, first, last))
    return out


@njit(cache=True, error_model="numpy")
def _pairwise_sum(a: F64, stack: NDArray[np.int64], values: F64, first: int, last: int
                  ) -> float:  # pragma: no cover - compiled
    """:func:`numpy_sum` of a run over 128, on the caller's stack (rows: start, size, stage);
    ``a`` is +0.0 outside ``first..last`` (a run of 128 or fewer there adds up to +0.0)."""
    starts, sizes, stage = stack[0], stack[1], stack[2]
    top = 0
    n_values = 0
    starts[0] = 0
    sizes[0] = a.size
    stage[0] = 0
    while top >= 0:
        m = sizes[top]
        if m <= 128:
            outside = starts[top] > last or starts[top] + m <= first
            values[n_values] = 0.0 if outside else pairwise_block(a, starts[top], m)
            n_values += 1
            top -= 1
            continue
        half = m // 2
        half -= half % 8
        if stage[top] == 0:  # the left half first
            stage[top] = 1
            starts[top + 1] = starts[top]
            sizes[top + 1] = half
            stage[top + 1] = 0
            top += 1
        elif stage[top] == 1:  # then the right half
            stage[top] = 2
            starts[top + 1] = starts[top] + half
            sizes[top + 1] = m - half
            stage[top + 1] = 0
            top += 1
        else:  # both done: left + right
            n_values -= 1
            values[n_values - 1] = values[n_values - 1] + values[n_values]
            top -= 1
    return 0.0 + values[0]


@njit(inline="always", cache=True)
def known_side(mid: float, t: float, margin: float, shown: bool
               ) -> int:  # pragma: no cover - compiled
    """A replayed bisection's decision at ``mid`` where it is known without the test: 1 "up"
    (below t - margin), 0 "down" (above t + margin), -1 to be tested (within the margin, or the
    threshold not shown)."""
    if shown and mid < t - margin:
        return 1
    if shown and mid > t + margin:
        return 0
    return -1
