"""Best-response effort in the retention contest (MODEL.md §2 step 6), tabulated once.

A candidate's chance of winning a position is ``F(z)`` with ``z = (r ln e + k - b) / sigma``: ``e``
is effort, ``k`` the rest of the log score (signal, incumbency), ``b`` the bar, ``sigma`` the
screen's noise. ``F`` is the logistic cdf for the Tullock rule (then ``F(z) = q / (q + B)`` with
``q = e^r e^k``, the Tullock contest success function against a bar) and the normal cdf for top-M
with Gaussian noise (a Lazear-Rosen tournament).

Maximising ``V F(z) - c e`` gives, with ``rho = sigma / r`` and
``a = ln(V r / (sigma c)) - (sigma b - k) / r``, the first-order condition

    g(z) = ln f(z) - rho z + a = 0,

taken on its decreasing branch (the second-order condition), and the candidate takes part only if
the payoff beats zero effort, ``F(z*) >= f(z*) / rho``. The root depends only on ``(rho, a)``, so
it is tabulated once on a grid and read per worker by interpolation: the per-worker cost is a table
look-up, not a root search. With identical candidates and ``m`` prizes among ``n``, the logistic
case gives the symmetric equilibrium ``e* = r V p (1 - p) / (sigma c)``, ``p = m / n``.
"""

from __future__ import annotations

import functools
import math
from typing import Any

import numpy as np
from numba import njit
from numpy.typing import NDArray

from neijuan.sim import libm
from neijuan.sim.constants import LOGISTIC, NO_EFFORT, NORMAL  # noqa: F401 - re-exported
from neijuan.sim.exact import known_side

RHO_MIN, RHO_MAX, N_RHO = 0.01, 100.0, 241
A_MIN, A_MAX, N_A = -40.0, 60.0, 2001


@njit(inline="always", cache=True)
def log_density(z: float, kind: int) -> float:  # pragma: no cover - compiled
    if kind == LOGISTIC:
        az = abs(z)
        return -az - 2.0 * math.log1p(math.exp(-az))
    return -0.5 * z * z - 0.9189385332046727


@njit(inline="always", cache=True)
def cdf(z: float, kind: int) -> float:  # pragma: no cover - compiled
    # clamped to +-40 (the cdf is then 0 or 1 to double precision, and exp's underflow path is
    # slow)
    z = min(max(z, -40.0), 40.0)
    if kind == LOGISTIC:
        if z >= 0:
            return 1.0 / (1.0 + math.exp(-z))
        ez = math.exp(z)
        return ez / (1.0 + ez)
    return 0.5 * math.erfc(-z / math.sqrt(2.0))


@njit(inline="always", cache=True)
def dlog_density(z: float, kind: int) -> float:  # pragma: no cover - compiled
    if kind == LOGISTIC:
        return 1.0 - 2.0 * cdf(z, LOGISTIC)
    return -z


TABLE_ROOT_TOL = 1e-13  # |g| (relative to its terms' size) beyond which a side is certain


@njit(inline="always", cache=True)
def _g(z: float, rho: float, a: float, kind: int) -> float:  # pragma: no cover - compiled
    """The first-order condition g(z) = ln f(z) - rho z + a, as the bisection evaluates it."""
    return log_density(z, kind) - rho * z + a


@njit(inline="always", cache=True)
def branch_start(rho: float, kind: int) -> float:  # pragma: no cover - compiled
    """Where g's decreasing branch starts: g'(z) = dlog_density(z) - rho < 0 for z above it."""
    if kind == LOGISTIC:
        return -1.0e3 if rho >= 1.0 else math.log((1.0 - rho) / (1.0 + rho))
    return -rho


@njit(inline="always", cache=True)
def _g_and_slope(z: float, rho: float, a: float, kind: int
                 ) -> tuple[float, float]:  # pragma: no cover - compiled
    """g(z) and g'(z) for Newton's method (one exponential for both in the logistic case; not
    the bisection's bits, which Newton does not need)."""
    if kind == LOGISTIC:
        az = abs(z)
        e = math.exp(-az)
        below_half = e / (1.0 + e)  # F(-|z|)
        f_z = 1.0 - below_half if z >= 0 else below_half
        return -az - 2.0 * math.log1p(e) - rho * z + a, 1.0 - 2.0 * f_z - rho
    return -0.5 * z * z - 0.9189385332046727 - rho * z + a, -z - rho


@njit(cache=True, error_model="numpy")
def _root_threshold(lo: float, hi: float, start: float, rho: float, a: float, kind: int
                    ) -> tuple[float, float, bool]:  # pragma: no cover - compiled
    """``(t, margin, ok)``: the bisection of :func:`_solve_table` on ``[lo, hi]`` (``g(lo) >= 0
    >= g(hi)``, g falling on it) decides "up" at every midpoint below t - margin and "down"
    above t + margin. ``ok`` False: not shown (every midpoint is evaluated).

    g is concave (the log of a log-concave density less a line), so Newton's iterates from a
    point right of the root (``start``, or ``hi``) fall to it without passing it. The sides are
    then checked: g at t - margin and t + margin beyond ``TABLE_ROOT_TOL`` times the largest
    size of g's terms on the interval (some 450 units in the last place of it, a hundred times
    what the rounding of g's three terms can move it); g falls on the interval, so every
    midpoint beyond them is on the same side, as the bisection would compute it."""
    z = start if lo < start < hi and _g(start, rho, a, kind) <= 0.0 else hi
    for _ in range(60):
        value, slope = _g_and_slope(z, rho, a, kind)
        if not slope < 0.0:
            break
        step = value / slope
        z -= step
        if not lo <= z <= hi:
            return 0.0, 0.0, False
        if abs(step) <= 1e-15 * max(abs(z), 1.0):
            break
    # the largest size of g's terms on [lo, hi] (ln f within |z| + ln 4, or z^2 / 2 + 1)
    reach = max(abs(lo), abs(hi))
    size = abs(a) + rho * reach + (reach + 1.4 if kind == LOGISTIC else 0.5 * reach * reach + 1.0)
    _, slope = _g_and_slope(z, rho, a, kind)
    margin = max(2.0 * TABLE_ROOT_TOL * size / max(-slope, 1e-300), 1e-13 * max(abs(z), 1.0))
    for _ in range(4):  # (a wider margin where a check fails)
        below, above = z - margin, z + margin
        good = below <= lo or _g(below, rho, a, kind) > TABLE_ROOT_TOL * size
        good = good and (above >= hi or _g(above, rho, a, kind) < -TABLE_ROOT_TOL * size)
        if good:
            return z, margin, True
        margin *= 8.0
    return 0.0, 0.0, False


@njit(cache=True, error_model="numpy")
def _solve_table(rhos: NDArray[np.float64], a_grid: NDArray[np.float64], kind: int
                 ) -> NDArray[np.float64]:  # pragma: no cover - compiled
    """The root of g on its decreasing branch for every (rho, a), by bisection to 1e-12.

    The bisection is replayed (:func:`neijuan.sim.exact.known_side`): Newton's root, from the
    last cell's, decides every midpoint clearly on one side of it, and only the few within a
    hair of it are evaluated. Its bits are the full bisection's (a test compares the two);
    it takes about half the time (the table is built once a process, on the first run of each
    contest rule)."""
    out = np.empty((rhos.size, a_grid.size))
    for i in range(rhos.size):
        rho = rhos[i]
        zc = branch_start(rho, kind)
        last = math.nan  # the root of the cell before (a rises along the row: so does the root)
        for j in range(a_grid.size):
            a = a_grid[j]
            zlo = zc
            glo = _g(zlo, rho, a, kind)
            if glo < 0.0:
                out[i, j] = NO_EFFORT
                continue
            zhi = max(zlo, 0.0) + 1.0
            while _g(zhi, rho, a, kind) > 0.0:
                zhi = zhi * 2.0 + 1.0
            # a point right of the root: one Newton step from the last root, left of this one
            # (g concave: the step lands at or beyond the root)
            start = zhi
            if last == last:
                value, slope = _g_and_slope(last, rho, a, kind)
                if slope < 0.0:
                    start = last - value / slope
            t, margin, shown = _root_threshold(zlo, zhi, start, rho, a, kind)
            for _ in range(200):
                zm = 0.5 * (zlo + zhi)
                side = known_side(zm, t, margin, shown)
                up = side == 1 if side >= 0 else _g(zm, rho, a, kind) > 0.0
                if up:
                    zlo = zm
                else:
                    zhi = zm
                if zhi - zlo < 1e-12:
                    break
            z = 0.5 * (zlo + zhi)
            last = z
            if cdf(z, kind) * rho < math.exp(log_density(z, kind)):
                out[i, j] = NO_EFFORT  # the interior optimum pays less than no effort
            else:
                out[i, j] = z
    return out


@functools.cache
def best_response_table(kind: int) -> tuple[NDArray[np.float64], NDArray[np.float64],
                                             NDArray[np.float64]]:
    """``(log_rho_grid, a_grid, z_star)``: the root ``z*(rho, a)`` on a grid."""
    log_rho = np.linspace(math.log(RHO_MIN), math.log(RHO_MAX), N_RHO)
    a_grid = np.linspace(A_MIN, A_MAX, N_A)
    return log_rho, a_grid, _solve_table(libm.exp(log_rho), a_grid, kind)


def rows_for(rho: NDArray[np.float64], kind: int, out: NDArray[np.float64] | None = None,
             known: NDArray[np.float64] | None = None) -> NDArray[np.float64]:
    """One table row per occupation, for that occupation's ``rho``, interpolated in ``log rho``.

    ``out`` (shape ``(rho.size, N_A)``) is written and returned: a caller that computes rows
    every period keeps one, so that the rows do not land on fresh pages each time (measured: a
    new array made this 2-3x slower inside a run). ``known`` (with ``out``): the ``rho`` each
    row of ``out`` already holds the row of (NaN: none), updated here; a row whose ``rho`` is
    unchanged is left as it is (the same bits: a row is a function of its ``rho``), as in the
    burn-in, where no occupation's screen changes."""
    log_rho, _, table = best_response_table(kind)
    if out is None:
        out = np.empty((rho.size, table.shape[1]))
        known = None
    elif out.shape != (rho.size, table.shape[1]) or out.dtype != np.float64:
        raise ValueError(f"out has shape {out.shape} ({out.dtype}): it must be "
                         f"{(rho.size, table.shape[1])} (float64)")
    if known is None or known.shape != (rho.size,):
        known = np.full(rho.size, np.nan)
    return _rows_for(np.ascontiguousarray(rho, dtype=np.float64), log_rho, table, out, known)


@njit(cache=True, error_model="numpy")
def _rows_for(rho: NDArray[np.float64], log_rho: NDArray[np.float64],
              table: NDArray[np.float64], out: NDArray[np.float64], known: NDArray[np.float64]
              ) -> NDArray[np.float64]:  # pragma: no cover - compiled
    for o in range(rho.size):
        if known[o] == rho[o]:
            continue  # (the row of this rho is there)
        lo, w = _rho_cell(rho[o], log_rho)
        fill_cells(table, lo, w, out[o], 0, out.shape[1])
        known[o] = rho[o]
    return out


@njit(inline="always", cache=True)
def _rho_cell(rho: float, log_rho: NDArray[np.float64]
              ) -> tuple[int, float]:  # pragma: no cover - compiled
    """The table row below ``log rho`` (clamped to the grid) and the weight of the one above."""
    step = log_rho[1] - log_rho[0]
    x = min(max(math.log(max(rho, 1e-300)), log_rho[0]), log_rho[-1])
    pos = (x - log_rho[0]) / step
    lo = min(int(pos), log_rho.size - 2)
    return lo, pos - lo


@njit(cache=True, error_model="numpy")
def rho_cells(rho: NDArray[np.float64], log_rho: NDArray[np.float64], known: NDArray[np.float64],
              band: NDArray[np.int64], cell: NDArray[np.int64], weight: NDArray[np.float64]
              ) -> None:  # pragma: no cover - compiled
    """For rows filled on demand (:func:`fill_cells`, by the settle pass): each occupation's
    table row below its ``log rho`` and the weight of the one above (``cell``, ``weight``);
    where ``rho`` is not the ``known`` one its row's filled cells (``band``, [first, stop)) are
    emptied and ``known`` updated."""
    for o in range(rho.size):
        lo, w = _rho_cell(rho[o], log_rho)
        cell[o] = lo
        weight[o] = w
        if known[o] != rho[o]:
            band[o, 0] = 0
            band[o, 1] = 0
            known[o] = rho[o]


@njit(cache=True, error_model="numpy", fastmath=False)
def fill_cells(table: NDArray[np.float64], lo: int, w: float, row: NDArray[np.float64],
               first: int, stop: int) -> None:  # pragma: no cover - compiled
    """Cells ``first..stop - 1`` of one occupation's row: the table's rows ``lo`` and ``lo + 1``
    interpolated with weight ``w`` on the upper one. Without fast-math, said outright: a function
    that does not say so takes its first caller's (Numba inherits the flag), and under the
    settle pass's the products fuse into multiply-adds: other bits than ``rows_for``'s."""
    row_lo = table[lo]
    row_hi = table[lo + 1]
    below = w < 0.5
    # branch-free (selects), so that the compiler vectorises the row
    for j in range(first, stop):
        t_lo = row_lo[j]
        t_hi = row_hi[j]
        both = (t_lo > NO_EFFORT / 2) & (t_hi > NO_EFFORT / 2)
        # where one neighbour takes no part, use the nearer one, not a sentinel average
        nearer = t_lo if below else t_hi
        row[j] = (1.0 - w) * t_lo + w * t_hi if both else nearer


@njit(inline="always", cache=True)
def lookup(rows: NDArray[np.float64], o: int | np.unsignedinteger[Any],
           a: float) -> float:  # pragma: no cover - compiled
    """``z*`` for ``a`` by linear interpolation in occupation ``o``'s row (linear extrapolation
    above the grid, where ``z*`` is asymptotically linear in ``a``). The settle pass reads the
    table with the same rule in a branch-free form; tests check it against this statement."""
    step = (A_MAX - A_MIN) / (N_A - 1)
    if a <= A_MIN:
        return rows[o, 0]
    pos = (a - A_MIN) / step
    j = int(pos)
    if j >= N_A - 1:
        slope = (rows[o, N_A - 1] - rows[o, N_A - 2]) / step
        return rows[o, N_A - 1] + slope * (a - A_MAX)
    w = pos - j
    lo = rows[o, j]
    hi = rows[o, j + 1]
    if lo < NO_EFFORT / 2 or hi < NO_EFFORT / 2:
        return lo if w < 0.5 else hi
    return lo + w * (hi - lo)
