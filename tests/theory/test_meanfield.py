"""The mean-field model is the engine's law of large numbers (MODEL.md §5)."""

from __future__ import annotations

import numpy as np
import pytest

from neijuan.config import load_scenario
from neijuan.errors import ConfigError
from neijuan.sim.economy import builtin_economy
from neijuan.sim.figures import period_figures
from neijuan.sim.model import LabourMarket
from neijuan.theory.meanfield import MeanFieldMarket, identical_workers

MAIN = ["employment", "positions", "output", "output_per_employed", "real_wage",
        "agency_index", "applicants_per_position", "wage_gini", "authority_share",
        "defensive_review_share"]
# figures set by the bar, which answers to the random split of applicants over occupations
# (search, separations): the urn-ball fill is concave in applicants, so their sampling noise
# moves these most; held to 2.5% in any period and 1% on average over the window
CONTEST = ["effort_per_position", "rent_dissipation", "contest_share"]


@pytest.mark.slow
def test_engine_tracks_the_mean_field_model_at_a_million_workers() -> None:
    over = {**identical_workers(), "contest.adjustment": 1.0, "run.workers": 1_000_000,
            "run.periods": 36}
    sc = load_scenario("ai-baseline", over)
    econ = builtin_economy()
    mean_field = period_figures(MeanFieldMarket(sc, econ).run().series())
    engine = period_figures(LabourMarket(sc, econ, 11).run().series())
    burn = sc.run.burn_in
    for name in MAIN:
        expected, got = mean_field[name][burn:], engine[name][burn:]
        worst = float(np.max(np.abs(got - expected)) / np.mean(np.abs(expected)))
        assert worst < 0.01, f"{name}: engine departs from the mean-field path by {worst:.2%}"
    for name in CONTEST:
        expected, got = mean_field[name][burn:], engine[name][burn:]
        scale = np.mean(np.abs(expected))
        worst = float(np.max(np.abs(got - expected)) / scale)
        assert worst < 0.025, f"{name}: engine departs from the mean-field path by {worst:.2%}"
        assert abs(float(np.mean(got - expected)) / scale) < 0.01, name
    # small figures: within one percentage point
    for name in ("unemployment_rate", "blame_authority_gap", "ai_postings_share",
                 "degree_required_share", "retained_not_needed_share"):
        assert np.max(np.abs(engine[name][burn:] - mean_field[name][burn:])) < 0.01, name
    # and AI did move the economy in this run (the comparison is not of two flat lines)
    assert mean_field["agency_index"][-1] < mean_field["agency_index"][burn] - 0.03
    assert mean_field["retained_not_needed_share"][-1] > 0.05
    assert mean_field["contest_share"][burn:].min() > 0.1


def test_mean_field_refuses_heterogeneous_workers() -> None:
    with pytest.raises(ConfigError, match="identical workers"):
        MeanFieldMarket(load_scenario("ai-baseline"), builtin_economy())


def test_mean_field_is_deterministic_and_conserves_people() -> None:
    sc = load_scenario("jevons", {**identical_workers(), "run.periods": 8})
    a = MeanFieldMarket(sc, builtin_economy()).run()
    b = MeanFieldMarket(sc, builtin_economy()).run()
    ra, rb = a.series(), b.series()
    for key in ra:
        assert np.array_equal(ra[key], rb[key])
    lf = ra["labour_force"]
    assert np.allclose(np.diff(lf), ra["entrants"][1:] - ra["retirements"][1:])
    assert np.isclose(a.E.sum() + a.U.sum(), lf[-1])
