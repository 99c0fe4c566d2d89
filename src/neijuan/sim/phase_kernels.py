"""The per-occupation arithmetic of the phases (:mod:`neijuan.sim.market`), compiled.

Why: an occupation's update is a dozen small NumPy expressions, each a call of about a
microsecond whatever its 20 or 800 elements; a period makes some 300 of them, a third of a
10^4-worker run's period. Each function here does one phase's arithmetic in a single call.

Bit for bit the NumPy expressions they replace: the same operations on the same values in the
same order (``np.where(c, a, b)`` as ``a if c else b``, ``np.maximum`` with its NaN rule, sums
as NumPy's pairwise sum). Powers and exponentials of arrays stay in NumPy: its vectorised code
rounds differently from the C library's that compiled code calls. ``tests/sim/test_phase_kernels.py``
checks each against the NumPy expressions.
"""

from __future__ import annotations

import numpy as np
from numba import njit
from numpy.typing import NDArray

from neijuan.sim.steps import _nan_max, numpy_sum

F64 = NDArray[np.float64]


@njit(inline="always", cache=True, error_model="numpy")
def _py_max(a: float, b: float) -> float:  # pragma: no cover - compiled
    """Python's ``max(a, b)``: ``a`` unless ``b`` is greater (so ``max(nan, 1.0)`` is NaN)."""
    return b if b > a else a


@njit(cache=True, error_model="numpy")
def close_flows(employed_at_production: F64, units: F64, employed: F64, wage_sum: F64,
                candidates: F64, applicants: F64, hires: F64, separations: F64,
                human_cost: F64, finding: F64, separation: F64, occ_mean_wage: F64,
                smoothing: float, replacement: float, discount: float
                ) -> tuple[float, float, float, F64, F64, F64, F64, F64]:  # pragma: no cover
    """:meth:`MarketBase.close_period`'s arithmetic: ``(employed total, mean wage, benefit,
    human cost, finding, separation, occupation mean wage, outside option)``; the arrays
    given for the last four are left as they are."""
    n = employed.size
    total = numpy_sum(employed)
    mean_wage = numpy_sum(wage_sum) / _py_max(total, 1.0)
    benefit = replacement * mean_wage
    cost = np.empty(n)
    find = np.empty(n)
    sep = np.empty(n)
    wage = np.empty(n)
    outside = np.empty(n)
    for o in range(n):
        per_worker = (units[o] / _nan_max(employed_at_production[o], 1.0)
                      if employed_at_production[o] > 0 else 1.0)
        cost[o] = (wage_sum[o] / _nan_max(employed[o], 1e-12) / per_worker
                   if employed[o] > 0 else human_cost[o])
        incumbents = candidates[o] - applicants[o]
        f = hires[o] / _nan_max(applicants[o], 1e-12) if applicants[o] > 0 else 1.0
        s = separations[o] / _nan_max(incumbents, 1e-12) if incumbents > 0 else 0.0
        find[o] = smoothing * finding[o] + (1 - smoothing) * f
        sep[o] = smoothing * separation[o] + (1 - smoothing) * s
        wage[o] = (wage_sum[o] / _nan_max(employed[o], 1e-12) if employed[o] > 0
                   else occ_mean_wage[o])
        lam = find[o] / (discount + sep[o] + find[o])
        outside[o] = benefit + lam * _nan_max(wage[o] - benefit, 0.0)
    return total, mean_wage, benefit, cost, find, sep, wage, outside
