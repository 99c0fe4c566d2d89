"""Production against Acemoglu-Restrepo and against output on fixed land (MODEL.md §5)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import neijuan
from neijuan.config import load_scenario
from neijuan.sim.economy import read_economy_file
from neijuan.sim.model import LabourMarket
from neijuan.sim.steps import ces, produce
from neijuan.theory import ar_wage

ONE = Path(__file__).parent / "fixtures" / "one_occupation.toml"


@settings(max_examples=200, deadline=None)
@given(h=st.floats(0.1, 1e4), gamma=st.floats(0.05, 1.0), sigma=st.floats(0.2, 5.0),
       ai_price=st.floats(0.05, 5.0))
def test_marginal_product_is_the_acemoglu_restrepo_wage(h: float, gamma: float, sigma: float,
                                                        ai_price: float) -> None:
    one = np.ones(1)
    out = produce(np.array([h]), np.array([gamma]), np.array([ai_price]), one, one, one, 0.0,
                  sigma)
    y = float(out.output[0])
    assert float(out.mpl[0]) == pytest.approx(ar_wage(y, h, gamma, sigma), rel=1e-9)
    # and it is the derivative of the production function (a finite difference, which loses
    # precision where sigma is within a hair of 1)
    if abs(sigma - 1.0) < 1e-2:
        return
    dh = 1e-6 * h
    y_up = ces(np.array([h + dh]), out.ai_input, np.array([gamma]), sigma)[0]
    assert float(out.mpl[0]) == pytest.approx((y_up - y) / dh, rel=1e-4)


def test_firms_buy_ai_work_until_its_revenue_product_equals_its_price() -> None:
    one = np.ones(1)
    out = produce(np.array([100.0]), np.array([0.6]), np.array([0.7]), one, one, one, 0.0, 1.4)
    dk = 1e-6 * out.ai_input
    y_up = ces(np.array([100.0]), out.ai_input + dk, np.array([0.6]), 1.4)
    assert float(((y_up - out.output) / dk)[0]) == pytest.approx(0.7, rel=1e-4)


def test_engine_wage_equals_the_acemoglu_restrepo_formula_in_its_limit() -> None:
    """Workers take the whole marginal revenue product (bargaining 1, no competition effect),
    prices do not respond (kappa 0), workers are identical: then every wage is
    A^((s-1)/s) (Gamma Y / L)^(1/s), with AI automating part of the task."""
    over = {
        "economy.path": str(ONE), "run.workers": 20_000, "run.burn_in": 2, "run.periods": 30,
        "wages.bargaining": 1.0, "wages.competition": 0.0, "demand.kappa": 0.0,
        "labour.skill_sd": 0.0, "labour.degree_skill_gap": 0.0, "labour.ai_skill_mean": 0.0,
        "labour.entrant_ai_skill_max": 0.0, "learning.share": 0.0,
        "learning.obsolescence": 0.0, "ai.uplift": 0.0, "ai.capability_start": 0.6,
        "ai.cost_start": 0.5, "production.sigma": 1.6,
        # time in defensive review produces nothing: the formula is for the clean case
        "agency.defensive_review": 0.0,
    }
    model = LabourMarket(load_scenario("ai-baseline", over), read_economy_file(ONE), 1).run()
    occ = model.occupation_series()
    gamma = occ["labour_share"][:, 0]
    assert gamma[-1] < 0.9  # AI really took over part of the task
    filled = occ["employed_at_production"][:, 0] > 0
    a = occ["tfp"][:, 0]
    s = 1.6
    formula = a ** ((s - 1) / s) * (gamma * occ["output"][:, 0]
                                    / occ["efficiency_units"][:, 0]) ** (1 / s)
    wage = occ["mean_wage"][:, 0] / occ["price"][:, 0]
    assert np.allclose(wage[filled], formula[filled], rtol=1e-5)


@pytest.fixture(scope="module")
def geertz() -> neijuan.Result:
    return neijuan.simulate("geertz", workers=20_000, seeds=3)


def test_geertz_total_output_up_output_per_worker_down(geertz: neijuan.Result) -> None:
    assert geertz.figure("output_growth")["lo"] > 0
    assert geertz.figure("output_per_land_growth")["lo"] > 0
    assert geertz.figure("productivity_growth")["hi"] < 0
    assert geertz.figure("marginal_product_growth")["hi"] < 0


def test_geertz_follows_output_on_fixed_land(geertz: neijuan.Result) -> None:
    """Y = A T^a H^(1-a) with land T fixed: the elasticity of output to labour input is 1 - a,
    and the share of extra labour input that does not become output is a (Geertz, Huang)."""
    import polars as pl

    alpha = geertz.scenario.production.land_share
    burn = geertz.scenario.run.burn_in
    occ = geertz.occupation_series().filter((pl.col("seed") == geertz.seeds[0])
                                            & (pl.col("period") >= burn))
    for _, one in occ.group_by("occupation"):
        if one["efficiency_units"].min() <= 0:
            continue
        log_h = np.log(one.sort("period")["efficiency_units"].to_numpy())
        log_y = np.log(one.sort("period")["output"].to_numpy())
        assert np.polyfit(log_h, log_y, 1)[0] == pytest.approx(1 - alpha, abs=1e-6)
    assert geertz.figure("employment_growth")["mean"] > 0.01
    assert geertz.figure("effort_not_output_share")["mean"] == pytest.approx(alpha, abs=0.03)
