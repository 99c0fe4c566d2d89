"""Keys of the counter-based random streams (pure Python; the compiled draws are in
:mod:`neijuan.sim.rng`): a draw is a pure function of (seed, period, stream, row)."""

from __future__ import annotations

import numpy as np

# Streams: one per kind of draw, so that adding a draw never shifts the others.
STREAM_RETIRE = 1
STREAM_ENTRY = 2
STREAM_SEARCH = 3
STREAM_TEST = 4
STREAM_SELECT = 5
STREAM_TRIM = 6
STREAM_FAILURE = 7
STREAM_INIT = 8
STREAM_ROUND = 9
STREAM_NOISE = 10


def _mix_py(z: int) -> int:
    mask = (1 << 64) - 1
    z = (z + 0x9E3779B97F4A7C15) & mask
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & mask
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & mask
    return z ^ (z >> 31)


def stream_key(seed: int, period: int, stream: int) -> np.uint64:
    """The 64-bit key of one (seed, period, stream); rows are counters under it."""
    return stream_key_of(period_key(seed, period), stream)


def period_key(seed: int, period: int) -> int:
    """What every stream key of one (seed, period) is mixed from: ``stream_key`` is
    ``_mix_py(period_key(seed, period) ^ stream)`` (a run computes it once a period)."""
    return _mix_py(_mix_py(seed & ((1 << 64) - 1)) ^ (period & 0xFFFFFFFF))


def stream_key_of(period_mix: int, stream: int) -> np.uint64:
    """``stream_key`` from the period's :func:`period_key`."""
    return np.uint64(_mix_py(period_mix ^ stream))


def chunk_key(key: np.uint64 | int, chunk: int) -> np.uint64:
    """A key of one chunk's own under a stream's key, for draws that are not one a row (the
    trim's ranks): the same whichever thread or shard runs the chunk."""
    return np.uint64(_mix_py((int(key) ^ chunk) & ((1 << 64) - 1)))
