"""The engine's contest against its closed forms (MODEL.md §2 step 6, §5)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from neijuan.config import load_scenario
from neijuan.sim.economy import read_economy_file
from neijuan.sim.model import LabourMarket
from neijuan.theory import (
    probit_contest_effort,
    tullock_large_dissipation,
    tullock_large_effort,
)

ONE = Path(__file__).parent / "fixtures" / "one_occupation.toml"


def identical_contest(unemployment: float, **extra: Any) -> LabourMarket:
    """One occupation, identical candidates, no AI, no learning, no incumbency advantage: the
    symmetric contest of the closed forms, with the retention rate set by unemployment."""
    over = {
        "economy.path": str(ONE), "ai.enabled": False, "run.workers": 40_000,
        "run.burn_in": 0, "run.periods": 40, "labour.growth": 0.0, "labour.working_years": 80,
        "labour.initial_unemployment": unemployment, "labour.skill_sd": 0.0,
        "labour.degree_skill_gap": 0.0, "labour.ai_skill_mean": 0.0,
        "labour.entrant_ai_skill_max": 0.0, "learning.share": 0.0,
        "contest.incumbent_advantage": 0.0, "contest.effort_cost": 0.05,
        "contest.max_effort": 200.0, "demand.growth_with_labour": False,
        **extra,
    }
    return LabourMarket(load_scenario("ai-baseline", over), read_economy_file(ONE), 3).run()


def equilibrium(model: LabourMarket) -> dict[str, float]:
    """The last ten quarters' effort, retention rate and prize per winner."""
    occ = model.occupation_series()
    raw = model.series()
    tail = slice(-10, None)
    p = occ["positions"][tail, 0] / occ["candidates"][tail, 0]
    prize = raw["prize_won"][tail] / raw["employed"][tail]
    return {
        "effort": float(occ["effort"][tail, 0].mean()),
        "p": float(p.mean()),
        "prize": float(prize.mean()),
        "dissipation": float((raw["effort_cost"] * raw["effort_total"] / raw["prize_won"])[tail]
                             .mean()),
    }


@pytest.mark.parametrize("unemployment", [0.1, 0.3, 0.5])
def test_identical_workers_reach_the_tullock_equilibrium(unemployment: float) -> None:
    sc_noise = 1.5
    eq = equilibrium(identical_contest(unemployment, **{"contest.noise": sc_noise}))
    theory = tullock_large_effort(eq["p"], eq["prize"], 0.05, r=1.0, noise=sc_noise)
    assert eq["effort"] == pytest.approx(theory, rel=0.02)
    assert eq["dissipation"] == pytest.approx(
        tullock_large_dissipation(eq["p"], r=1.0, noise=sc_noise), rel=0.02)


def test_effort_peaks_when_half_are_retained() -> None:
    efforts = {}
    for u in (0.2, 0.5, 0.8):
        eq = equilibrium(identical_contest(u))
        efforts[u] = eq["effort"] / eq["prize"]
    assert efforts[0.5] > efforts[0.2] and efforts[0.5] > efforts[0.8]


def test_less_screening_noise_raises_equilibrium_effort() -> None:
    efforts = [equilibrium(identical_contest(0.2, **{"contest.noise": noise}))
               for noise in (3.0, 1.5, 0.75)]
    assert efforts[0]["effort"] < efforts[1]["effort"] < efforts[2]["effort"]
    # in proportion, as the closed form says (the prize barely moves)
    ratio = (efforts[2]["effort"] / efforts[2]["prize"]) / (efforts[0]["effort"]
                                                          / efforts[0]["prize"])
    assert ratio == pytest.approx(4.0 * (efforts[2]["p"] * (1 - efforts[2]["p"]))
                                  / (efforts[0]["p"] * (1 - efforts[0]["p"])), rel=0.03)


def test_top_m_with_gaussian_noise_matches_the_probit_tournament() -> None:
    model = identical_contest(0.3, **{"contest.rule": "top_m"})
    eq = equilibrium(model)
    theory = probit_contest_effort(eq["p"], eq["prize"], 0.05, r=1.0, noise=1.5)
    assert eq["effort"] == pytest.approx(theory, rel=0.03)
    occ = model.occupation_series()
    assert np.array_equal(occ["employed"][5:], np.minimum(occ["positions"],
                                                           occ["candidates"])[5:])
