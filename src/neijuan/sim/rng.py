"""Counter-based random numbers: a draw is a pure function of (seed, period, stream, row).

Why not ``numpy.random.Generator``: inside Numba kernels each row needs its own draw without a
shared generator state, and a counter-based scheme makes every result independent of the order in
which rows or seeds are processed (so parallel runs are bit-identical to serial ones). The mixer is
SplitMix64 (Steele, Lea & Flood 2014), which passes BigCrush when keyed this way.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, uint64
from numpy.typing import NDArray

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_S30 = np.uint64(30)
_S27 = np.uint64(27)
_S31 = np.uint64(31)
_S11 = np.uint64(11)
_INV53 = 1.0 / 9007199254740992.0  # 2^-53


@njit(inline="always", cache=True)
def mix64(z: np.uint64) -> np.uint64:  # pragma: no cover - compiled
    z = (z ^ (z >> _S30)) * _M1
    z = (z ^ (z >> _S27)) * _M2
    return z ^ (z >> _S31)


@njit(inline="always", cache=True)
def chunk_key(key: np.uint64, chunk: int) -> np.uint64:  # pragma: no cover - compiled
    """:func:`neijuan.sim.streams.chunk_key` in compiled code: a chunk's own key under a
    stream's key."""
    return mix64((key ^ uint64(chunk)) + _GOLDEN)


@njit(inline="always", cache=True)
def uniform(key: np.uint64, i: int) -> float:  # pragma: no cover - compiled
    """Uniform on the open interval (0, 1)."""
    x = mix64(key + uint64(i) * _GOLDEN)
    return (float(x >> _S11) + 0.5) * _INV53


@njit(inline="always", cache=True)
def uniform2(key: np.uint64, i: int) -> float:  # pragma: no cover - compiled
    """A second, independent uniform for the same (key, row)."""
    x = mix64(mix64(key + uint64(i) * _GOLDEN) ^ _GOLDEN)
    return (float(x >> _S11) + 0.5) * _INV53


@njit(inline="always", cache=True)
def std_normal(key: np.uint64, i: int) -> float:  # pragma: no cover - compiled
    """Standard normal by Box-Muller from the row's two uniforms."""
    u1 = uniform(key, i)
    u2 = uniform2(key, i)
    return math.sqrt(-2.0 * math.log(u1)) * math.cos(2.0 * math.pi * u2)


@njit(inline="always", cache=True)
def std_logistic(key: np.uint64, i: int) -> float:  # pragma: no cover - compiled
    """Logistic noise scaled to unit variance (one log instead of Box-Muller's three calls)."""
    u = uniform(key, i)
    return float(math.log(np.float32(u / (1.0 - u)))) * 0.5513288954217920  # sqrt(3) / pi


@njit(cache=True)
def uniforms(key: np.uint64, n: int) -> NDArray[np.float64]:  # pragma: no cover - compiled
    """Draws 0..n-1 of stream ``key``: ``uniform(key, i)`` for each (one call for a few values
    a period, e.g. the stochastic rounding of each occupation's positions)."""
    out = np.empty(n)
    for i in range(n):
        out[i] = uniform(key, i)
    return out


@njit(cache=True)
def period_stream_keys(seed: np.uint64, period: np.uint64, streams: NDArray[np.uint64]
                       ) -> NDArray[np.uint64]:  # pragma: no cover - compiled
    """``streams.stream_key(seed, period, s)`` for each stream s in one call (``seed`` below
    2^64, ``period`` below 2^32; the pure-Python mixer costs about a microsecond a key, and a
    period asks for ten): the period's mix of the seed, then each stream's."""
    period_mix = mix64((mix64(seed + _GOLDEN) ^ period) + _GOLDEN)
    out = np.empty(streams.size, dtype=np.uint64)
    for s in range(streams.size):
        out[s] = mix64((period_mix ^ streams[s]) + _GOLDEN)
    return out
