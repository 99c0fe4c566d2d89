"""Exponentials and logarithms of arrays from the C library, element by element.

Why: NumPy picks the code of ``np.exp``, ``np.log`` and ``np.power`` by the CPU it runs on. On a
CPU with AVX-512 its float64 ``exp`` and ``power`` are vectorised approximations whose last bit
differs from the C library's in some 5% of arguments; on an AVX2 CPU they are the C library's
own. A run of the engine fed one or the other from its per-occupation algebra, so the same
scenario and seed gave other bits on another machine (and, a stochastic run amplifying any
difference, other draws after a few quarters). The simulator therefore takes every
transcendental function of its state from the C library, through compiled code (the passes
over people always did): these helpers for the few array expressions outside compiled
phases (the population's set-up, the effort table's grid), the same calls (``math.exp``,
``math.log``, ``x ** y``) inside them. ``tests/sim/test_libm.py`` runs a model with NumPy's
vector code switched off (``NPY_DISABLE_CPU_FEATURES``) and checks its digest is unchanged.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit
from numpy.typing import ArrayLike, NDArray

F64 = NDArray[np.float64]
F32 = NDArray[np.float32]


@njit(cache=True, error_model="numpy")
def _exp(x: F64) -> F64:  # pragma: no cover - compiled
    out = np.empty(x.size)
    for i in range(x.size):
        out[i] = math.exp(x[i])
    return out


@njit(cache=True, error_model="numpy")
def _log(x: F64) -> F64:  # pragma: no cover - compiled
    out = np.empty(x.size)
    for i in range(x.size):
        v = x[i]
        # (the C library's log of a negative number is NaN, of 0 -inf: NumPy's values, without
        # its warnings)
        out[i] = math.log(v) if v > 0 else (-math.inf if v == 0 else math.nan)
    return out


@njit(cache=True, error_model="numpy")
def exp_into(src: F32, out: F32) -> None:  # pragma: no cover - compiled
    """``out = exp(src)`` of a float32 column, computed in double precision and rounded (as the
    passes compute a skill from its log)."""
    for i in range(src.size):
        out[i] = math.exp(np.float64(src[i]))


def _unary(fn: object, x: ArrayLike) -> F64:
    a = np.asarray(x, dtype=np.float64)
    flat = np.ascontiguousarray(a).reshape(-1)
    return fn(flat).reshape(a.shape)  # type: ignore[operator]


def exp(x: ArrayLike) -> F64:
    """e^x, elementwise (the C library's ``exp``)."""
    return _unary(_exp, x)


def log(x: ArrayLike) -> F64:
    """ln x, elementwise (the C library's ``log``; -inf at 0, NaN below)."""
    return _unary(_log, x)
