"""Invariants of the engine over the parameter ranges (hypothesis): conservation, bounds, no NaN,
and determinism."""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from neijuan.config import load_scenario
from neijuan.sim.economy import builtin_economy
from neijuan.sim.figures import period_figures, run_figures
from neijuan.sim.model import LabourMarket
from neijuan.sim.state import OUT

ECONOMY = builtin_economy()

SHARES = [
    "unemployment_rate", "surplus_labour_rate", "adoption", "degree_required_share",
    "degree_required_share_ai", "degree_weight", "ai_postings_share", "ai_skilled_share",
    "agency_index", "retained_not_needed_share", "authority_share", "blame_share",
    "blame_authority_gap", "credit_share", "wage_gini", "capability",
    "employment_share_low", "employment_share_mid", "employment_share_high", "employment_share_ai",
]


def _params() -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries({
        "contest.rule": st.sampled_from(["tullock", "top_m"]),
        "contest.r": st.floats(0.1, 3.0),
        "contest.noise": st.floats(0.05, 20.0),
        "contest.effort_cost": st.floats(1e-4, 10.0),
        "contest.adjustment": st.floats(0.01, 1.0),
        "contest.incumbent_advantage": st.floats(0.0, 5.0),
        "contest.discount": st.floats(0.001, 1.0),
        "production.sigma": st.floats(0.05, 20.0),
        "production.land_share": st.floats(0.0, 0.9),
        "demand.kappa": st.floats(0.0, 2.0),
        "demand.eta": st.floats(0.0, 10.0),
        "labour.growth": st.floats(-0.05, 0.10),
        "labour.initial_unemployment": st.floats(0.0, 0.5),
        "labour.skill_sd": st.floats(0.0, 3.0),
        "ai.automation_bias": st.floats(-1.0, 1.0),
        "ai.uplift": st.floats(0.0, 10.0),
        "ai.cost_decline": st.floats(0.0, 1.0),
        "ai.capability_speed": st.floats(0.01, 10.0),
        "wages.bargaining": st.floats(0.05, 1.0),
        "wages.competition": st.floats(0.0, 10.0),
        "learning.skill_rate": st.floats(0.0, 1.0),
        "learning.ai_rate": st.floats(0.0, 1.0),
        "agency.liability_rule": st.sampled_from(["confirmer", "authority"]),
    })


def _check(model: LabourMarket) -> None:
    raw = model.series()
    occ = model.occupation_series()
    # workers are conserved: the labour force changes only by entry and retirement
    lf = raw["labour_force"]
    assert np.allclose(np.diff(lf), raw["entrants"][1:] - raw["retirements"][1:])
    status = model.pop.status
    assert int(np.count_nonzero(status != OUT)) == int(lf[-1])
    assert np.all(raw["employed"] <= lf)
    # postings by exposure partition all postings
    assert np.allclose(raw["openings_more_exposed"] + raw["openings_less_exposed"],
                       raw["openings"])
    assert np.all(raw["openings_more_exposed"] >= 0) and np.all(raw["openings_less_exposed"] >= 0)
    # nobody holds a position that does not exist
    assert np.all(occ["employed"] <= occ["positions"] + 1e-9)
    figures = period_figures(raw)
    for name, values in figures.items():
        assert np.all(np.isfinite(values)), f"{name} is not finite"
    for name in SHARES:
        values = figures[name]
        assert np.all((values >= -1e-9) & (values <= 1 + 1e-9)), f"{name} outside [0, 1]"
    for name, value in run_figures(figures, model.sc.run.burn_in).items():
        assert np.isfinite(value), f"run figure {name} is not finite"
    pop = model.pop
    assert np.all((pop.ai_skill >= 0) & (pop.ai_skill <= 1))
    assert np.all((pop.agency >= 0) & (pop.agency <= 1))
    assert np.all(pop.effort >= 0) and np.all(np.isfinite(pop.effort))
    assert np.all(pop.blamed <= pop.failures)
    assert np.all(pop.wage[status != 1] == 0)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(params=_params(), seed=st.integers(0, 2**31))
def test_invariants_hold_across_parameter_space(params: dict[str, Any], seed: int) -> None:
    sc = load_scenario("ai-baseline", {**params, "run.workers": 600, "run.burn_in": 3,
                                       "run.periods": 5, "ai.capability_midpoint": 0.5})
    _check(LabourMarket(sc, ECONOMY, seed).run())


def _run(seed: int) -> dict[str, np.ndarray]:
    sc = load_scenario("ai-baseline", {"run.workers": 2000, "run.burn_in": 4, "run.periods": 8})
    return LabourMarket(sc, ECONOMY, seed).run().series()


def test_same_seed_same_output_different_seed_different_output() -> None:
    a, b, c = _run(7), _run(7), _run(8)
    for key in a:
        assert np.array_equal(a[key], b[key]), key
    assert any(not np.array_equal(a[k], c[k]) for k in ("employed", "effort_total", "wage_bill"))


def test_parallel_seeds_equal_serial_seeds() -> None:
    import neijuan

    small = {"run.burn_in": 3}
    par = neijuan.simulate("ai-baseline", workers=1500, periods=4, seeds=2, overrides=small,
                           processes=2)
    ser = neijuan.simulate("ai-baseline", workers=1500, periods=4, seeds=2, overrides=small,
                           processes=1)
    assert par.series().equals(ser.series())
