"""The best-response table: its replayed bisection gives the full bisection's bits."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numba import njit
from numpy.typing import NDArray

from neijuan.sim import effort, libm
from neijuan.sim.effort import LOGISTIC, NO_EFFORT, NORMAL, branch_start, cdf, log_density


@njit(error_model="numpy")
def _bisection_table(rhos: NDArray[np.float64], a_grid: NDArray[np.float64], kind: int
                     ) -> NDArray[np.float64]:  # pragma: no cover - compiled
    """The table as the bisection computes it with every midpoint evaluated (the statement the
    replay must reproduce)."""
    out = np.empty((rhos.size, a_grid.size))
    for i in range(rhos.size):
        rho = rhos[i]
        zc = branch_start(rho, kind)
        for j in range(a_grid.size):
            a = a_grid[j]
            zlo = zc
            if log_density(zlo, kind) - rho * zlo + a < 0.0:
                out[i, j] = NO_EFFORT
                continue
            zhi = max(zlo, 0.0) + 1.0
            while log_density(zhi, kind) - rho * zhi + a > 0.0:
                zhi = zhi * 2.0 + 1.0
            for _ in range(200):
                zm = 0.5 * (zlo + zhi)
                if log_density(zm, kind) - rho * zm + a > 0.0:
                    zlo = zm
                else:
                    zhi = zm
                if zhi - zlo < 1e-12:
                    break
            z = 0.5 * (zlo + zhi)
            if cdf(z, kind) * rho < math.exp(log_density(z, kind)):
                out[i, j] = NO_EFFORT
            else:
                out[i, j] = z
    return out


@pytest.mark.parametrize("kind", [LOGISTIC, NORMAL])
def test_the_replayed_table_is_the_full_bisections_bit_for_bit(kind: int) -> None:
    """Every cell of the engine's table (241 x 2,001) against the bisection that evaluates every
    midpoint: the replay decides most midpoints from Newton's root without evaluating them, and
    must decide each as the evaluation would."""
    log_rho, a_grid, table = effort.best_response_table(kind)
    expected = _bisection_table(libm.exp(log_rho), a_grid, kind)
    assert table.tobytes() == expected.tobytes()
    assert (table > NO_EFFORT / 2).sum() > table.size // 3  # (most cells take part)


@settings(max_examples=300, deadline=None)
@given(st.floats(math.log(effort.RHO_MIN), math.log(effort.RHO_MAX)),
       st.floats(effort.A_MIN, effort.A_MAX), st.sampled_from([LOGISTIC, NORMAL]))
def test_the_replayed_root_decides_as_the_evaluation_off_the_grid(log_rho: float, a: float,
                                                                  kind: int) -> None:
    """Off the table's grid too (rho and a anywhere in its range, each cell on its own, with no
    last root to start from): the same bits as the full bisection."""
    rhos, grid = np.array([math.exp(log_rho)]), np.array([a])
    got = effort._solve_table(rhos, grid, kind)
    assert got.tobytes() == _bisection_table(rhos, grid, kind).tobytes()


def test_the_threshold_is_refused_where_newton_leaves_the_interval() -> None:
    """A root finder that cannot place the root inside the bracket shows nothing (then every
    midpoint is evaluated): here the bracket [0, 1] lies wholly left of the root."""
    rho, a = 0.5, 40.0  # (the root is near a / (1 + rho) = 27)
    t, margin, shown = effort._root_threshold(0.0, 1.0, 1.0, rho, a, LOGISTIC)
    assert not shown
    t, margin, shown = effort._root_threshold(0.0, 64.0, 64.0, rho, a, LOGISTIC)
    assert shown and 0.0 < margin < 1e-6
    assert effort._g(t - margin, rho, a, LOGISTIC) > 0.0 > effort._g(t + margin, rho, a, LOGISTIC)


def test_rows_kept_from_the_last_period_are_the_rows_made_afresh() -> None:
    """``rows_for`` with ``known`` recomputes only the rows whose rho changed (the burn-in's
    periods change none): the result is the fresh computation's, bit for bit."""
    rng = np.random.default_rng(3)
    rho = rng.uniform(0.05, 5.0, 12)
    out = np.full((rho.size, effort.N_A), 0.0)
    known = np.full(rho.size, np.nan)
    effort.rows_for(rho, NORMAL, out, known)
    assert known.tobytes() == rho.tobytes()
    again = rho.copy()
    again[[2, 7]] *= 1.5
    got = effort.rows_for(again, NORMAL, out, known)
    assert got.tobytes() == effort.rows_for(again, NORMAL).tobytes()
    out[0, :] = -1.0  # (a row left alone is not recomputed)
    effort.rows_for(again, NORMAL, out, known)
    assert (out[0] == -1.0).all() and known.tobytes() == again.tobytes()


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), kind=st.sampled_from([LOGISTIC, NORMAL]),
       cells=st.lists(st.integers(0, effort.N_A - 2), min_size=1, max_size=12))
def test_cells_filled_on_demand_are_the_rows_cells(seed: int, kind: int,
                                                   cells: list[int]) -> None:
    """The settle pass of a one-chunk run fills a row's cells as its candidates read them
    (``rho_cells``, then ``fill_cells`` between the filled band and the cell read): each cell
    is what ``rows_for`` writes there, bit for bit, and a changed rho empties its row."""
    from neijuan.sim import kernels

    rng = np.random.default_rng(seed)
    rho = np.exp(rng.uniform(math.log(0.005), math.log(200.0), 5))  # (past the grid too)
    log_rho, _, table = effort.best_response_table(kind)
    out = np.full((rho.size, effort.N_A), np.nan)
    band = np.zeros((rho.size, 2), np.int64)
    known = np.full(rho.size, np.nan)
    cell = np.zeros(rho.size, np.int64)
    weight = np.zeros(rho.size)
    effort.rho_cells(rho, log_rho, known, band, cell, weight)
    for c in cells:
        for o in range(rho.size):
            kernels._widen_band(out, band, table, cell, weight, o, c)
    want = effort.rows_for(rho, kind)
    for o in range(rho.size):
        first, stop = band[o]
        assert first == min(cells) and stop == max(cells) + 2
        assert out[o, first:stop].tobytes() == want[o, first:stop].tobytes()
        assert np.isnan(out[o, :first]).all() and np.isnan(out[o, stop:]).all()
    moved = rho.copy()
    moved[1] *= 1.01
    effort.rho_cells(moved, log_rho, known, band, cell, weight)
    assert (band[1] == 0).all() and (band[0] == (min(cells), max(cells) + 2)).all()
