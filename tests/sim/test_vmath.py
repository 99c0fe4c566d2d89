"""The row passes' single-precision log and exp (``neijuan.sim.vmath``) against NumPy in float64:
within 2 units in the last place (log) and 5 (exp) over every range the engine feeds them, and
exact where an exact value exists (log 1 = 0, the powers of two); the bars' double-precision
logistic against extended precision."""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from numba import njit
from numpy.typing import NDArray

from neijuan.sim.vmath import exp_neg, expf, logf, logistic

F32 = NDArray[np.float32]


@njit(cache=True)
def _apply(fn: Any, x: F32) -> F32:  # pragma: no cover - compiled
    out = np.empty_like(x)
    for i in range(x.size):
        out[i] = fn(x[i])
    return out


def _log_all(x: F32) -> F32:
    return _apply(logf, x)  # type: ignore[no-any-return]


def _exp_all(x: F32) -> F32:
    return _apply(expf, x)  # type: ignore[no-any-return]


def _exp_neg_all(x: NDArray[np.float64]) -> NDArray[np.float64]:
    return _apply(exp_neg, x)  # type: ignore[no-any-return]


def _logistic_all(x: NDArray[np.float64]) -> NDArray[np.float64]:
    return _apply(logistic, x)  # type: ignore[no-any-return]


def ulps64(got: NDArray[np.float64], exact: NDArray[np.longdouble]) -> NDArray[np.float64]:
    """Error in units of the last place of the float64 nearest the (extended) exact value."""
    spacing = np.spacing(np.abs(exact).astype(np.float64))
    return np.asarray(np.abs(got.astype(np.longdouble) - exact) / spacing, dtype=np.float64)


def ulps(got: F32, exact: NDArray[np.float64]) -> NDArray[np.float64]:
    """Error in units of the last place of the float32 nearest the exact value."""
    spacing = np.spacing(np.abs(exact).astype(np.float32)).astype(np.float64)
    return np.abs(got.astype(np.float64) - exact) / spacing


def test_log_is_within_two_ulps_over_the_normal_floats() -> None:
    rng = np.random.default_rng(5)
    x = np.exp(rng.uniform(-85.0, 88.0, 200_000)).astype(np.float32)
    near_one = (1.0 + rng.uniform(-0.3, 0.3, 50_000)).astype(np.float32)
    extremes = np.array([np.finfo(np.float32).tiny, 3.0e38], dtype=np.float32)
    x = np.concatenate([x, near_one, extremes])
    err = ulps(_log_all(x), np.log(x.astype(np.float64)))
    # (near 1 the result is tiny: measure those against 1e-7 absolute instead)
    far = np.abs(np.log(x.astype(np.float64))) > 1e-3
    assert err[far].max() <= 2.0
    assert np.abs(_log_all(x)[~far] - np.log(x[~far].astype(np.float64))).max() < 1e-9


def test_log_is_exact_where_the_answer_is() -> None:
    powers = np.float32(2.0) ** np.arange(-120, 120, dtype=np.float32)
    got = _log_all(powers)
    np.testing.assert_allclose(got, np.arange(-120, 120) * np.log(2.0), rtol=1e-7)
    assert _log_all(np.array([1.0], dtype=np.float32))[0] == 0.0


def test_exp_is_within_five_ulps_and_clamped() -> None:
    rng = np.random.default_rng(6)
    x = np.concatenate([rng.uniform(-87.0, 88.0, 200_000),
                        rng.uniform(-1e-3, 1e-3, 10_000)]).astype(np.float32)
    assert ulps(_exp_all(x), np.exp(x.astype(np.float64))).max() <= 5.0
    assert _exp_all(np.array([0.0], dtype=np.float32))[0] == 1.0
    # outside [-87, 88] the argument is clamped: finite, normal, no overflow
    edge = _exp_all(np.array([-1e4, -100.0, 100.0, 1e4], dtype=np.float32))
    assert np.isfinite(edge).all() and (edge > 0).all()
    assert edge[0] == edge[1] == _exp_all(np.array([-87.0], dtype=np.float32))[0]
    assert edge[2] == edge[3] == _exp_all(np.array([88.0], dtype=np.float32))[0]


@settings(max_examples=200, deadline=None)
@given(st.floats(min_value=2.0 ** -120, max_value=2.0 ** 127, width=32))
def test_log_then_exp_returns_the_number(x: float) -> None:
    """exp(log x) = x to single precision wherever both are in range."""
    v = np.array([x], dtype=np.float32)
    back = _exp_all(_log_all(v))[0]
    if -87.0 <= np.log(x) <= 88.0:
        assert abs(float(back) - x) <= 1e-5 * x


def test_the_double_exp_is_within_two_ulps_where_the_bars_use_it() -> None:
    """exp(-a) over [0, 40] (the bars' solver clamps the logistic's argument to +-40) and past
    it, against NumPy's exp in extended precision (x86's long double; where long double is
    double, against NumPy's double, one ulp looser)."""
    rng = np.random.default_rng(7)
    a = np.concatenate([rng.uniform(0.0, 40.0, 200_000), rng.uniform(0.0, 1e-3, 10_000),
                        rng.uniform(40.0, 700.0, 10_000), np.arange(0.0, 41.0)])
    exact = np.exp(-a.astype(np.longdouble))
    slack = 0.0 if np.finfo(np.longdouble).eps < np.finfo(np.float64).eps else 1.0
    assert ulps64(_exp_neg_all(a), exact).max() <= 2.0 + slack
    assert _exp_neg_all(np.array([0.0]))[0] == 1.0


def test_the_logistic_is_within_three_ulps_and_symmetric() -> None:
    rng = np.random.default_rng(8)
    z = np.concatenate([rng.uniform(-40.0, 40.0, 200_000), rng.uniform(-1e-3, 1e-3, 10_000)])
    zl = z.astype(np.longdouble)
    exact = 1 / (1 + np.exp(-zl))
    slack = 0.0 if np.finfo(np.longdouble).eps < np.finfo(np.float64).eps else 1.0
    got = _logistic_all(z)
    assert ulps64(got, exact).max() <= 3.0 + slack
    assert _logistic_all(np.array([0.0]))[0] == 0.5
    # p(z) + p(-z) = 1 to double precision, and p rises with z
    np.testing.assert_allclose(got + _logistic_all(-z), 1.0, rtol=0, atol=4e-16)
    order = np.argsort(z)
    assert (np.diff(got[order]) >= 0).all()
