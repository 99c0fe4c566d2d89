"""The closed forms agree with each other and with first principles."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy.optimize import minimize_scalar
from scipy.stats import norm

from neijuan.theory import (
    ar_decomposition,
    ar_wage,
    land_marginal_product,
    land_output,
    lazear_rosen_effort,
    probit_contest_effort,
    tullock_dissipation,
    tullock_effort,
    tullock_large_dissipation,
    tullock_large_effort,
)


@given(n=st.integers(2, 500), prize=st.floats(0.1, 1e3), cost=st.floats(0.01, 10))
def test_single_prize_is_the_large_contest_at_p_one_over_n(n: int, prize: float,
                                                            cost: float) -> None:
    assert tullock_large_effort(1 / n, prize, cost) == pytest.approx(
        tullock_effort(n, prize, cost))
    assert tullock_large_dissipation(1 / n) == pytest.approx(tullock_dissipation(n))


def test_tullock_effort_is_a_best_response_to_itself() -> None:
    n, prize, cost, r = 6, 10.0, 0.5, 1.0
    e = tullock_effort(n, prize, cost, r)
    others = (n - 1) * e**r

    def payoff(x: float) -> float:
        return -(prize * x**r / (x**r + others) - cost * x)

    best = minimize_scalar(payoff, bounds=(1e-9, 10 * e), method="bounded").x
    assert best == pytest.approx(e, rel=1e-4)


def test_large_contest_effort_peaks_at_half() -> None:
    ps = np.linspace(0.01, 0.99, 99)
    efforts = [tullock_large_effort(p, 1.0, 1.0) for p in ps]
    assert ps[int(np.argmax(efforts))] == pytest.approx(0.5, abs=0.011)
    assert tullock_large_dissipation(0.2) > tullock_large_dissipation(0.8)


def test_lazear_rosen_by_simulation() -> None:
    """The first-order condition: marginal gain in winning probability equals marginal cost."""
    spread, cost, sd = 5.0, 2.0, 1.3
    e = lazear_rosen_effort(spread, cost, sd)
    density = norm.pdf(0, scale=math.sqrt(2) * sd)
    assert spread * density == pytest.approx(cost * e)
    assert lazear_rosen_effort(spread, cost, sd / 2) == pytest.approx(2 * e)
    assert probit_contest_effort(0.7, 1.0, 1.0, noise=0.5) > probit_contest_effort(
        0.7, 1.0, 1.0, noise=1.0)


@given(y0=st.floats(1, 100), y1=st.floats(1, 100), gamma0=st.floats(0.3, 1.0),
       displaced=st.floats(0.0, 0.25), reinstated=st.floats(0.0, 0.2),
       sigma=st.floats(0.3, 3.0))
def test_ar_decomposition_adds_up(y0: float, y1: float, gamma0: float, displaced: float,
                                  reinstated: float, sigma: float) -> None:
    if displaced >= gamma0 or gamma0 - displaced + reinstated > 1:
        return
    parts = ar_decomposition(y0, 1.0, gamma0, y1, 1.0, displaced, reinstated, sigma)
    assert parts["productivity"] + parts["displacement"] + parts["reinstatement"] == (
        pytest.approx(parts["total"], abs=1e-12))
    assert parts["displacement"] <= 0 <= parts["reinstatement"]


def test_land_involution() -> None:
    labour = np.array([1.0, 2.0, 4.0])
    y = np.array([land_output(1.0, 1.0, x, 0.4) for x in labour])
    assert np.all(np.diff(y) > 0)
    assert np.all(np.diff(y / labour) < 0)
    mpl = [land_marginal_product(1.0, 1.0, x, 0.4) for x in labour]
    assert np.all(np.diff(mpl) < 0)
    assert ar_wage(2.0, 1.0, 0.5, 1.0) == pytest.approx(1.0)


def test_bad_arguments_are_refused() -> None:
    with pytest.raises(ValueError, match="n = 1"):
        tullock_effort(1, 1.0, 1.0)
    with pytest.raises(ValueError, match=r"p = 1\.5"):
        tullock_large_effort(1.5, 1.0, 1.0)
    with pytest.raises(ValueError):
        ar_wage(1.0, 1.0, 1.5, 1.0)
