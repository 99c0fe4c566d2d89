"""Every headline result is made by the mechanism said to produce it (MODEL.md, "What makes the
results earned"): each test switches the cause off, or moves it, and watches the result go.

One test (or a few) per point of the model issue: a stationary start, the no-AI twin, an AI
premium from augmentation, frictions, room beyond the old tasks, blame with consequences,
retained-not-needed, and figures as MODEL.md §3 defines them. Small sizes, seed intervals.
"""

from __future__ import annotations

from functools import cache

import numpy as np
import polars as pl
import pytest

import neijuan
from neijuan import Result
from neijuan.config import load_scenario
from neijuan.sim.economy import builtin_economy
from neijuan.sim.figures import (
    RUN_FIGURES,
    STATIONARY,
    period_figures,
    run_figures,
    stationarity,
)
from neijuan.sim.model import LabourMarket
from neijuan.sim.state import EMPLOYED, UNEMPLOYED

WORKERS = 10_000
SEEDS = 4


@cache
def run(name: str, **overrides: object) -> Result:
    return neijuan.simulate(name, workers=WORKERS, seeds=SEEDS, overrides=overrides or None)


def below(a: dict[str, float], b: dict[str, float]) -> bool:
    return a["hi"] < b["lo"]


#: Mechanisms that act as AI spreads (the premium, who reviews and who originates) are tested
#: through 2027, when a fifth of tasks use AI; the fitted window (2018-2024, the scenario's
#: default) ends at 7%, with too few AI-skilled people for seed intervals to separate.
TO_2027 = {"run.periods": 40}


def long(name: str, **overrides: object) -> Result:
    return run(name, **{**TO_2027, **overrides})


# ---------------------------------------------------------------------- 1. a stationary start
def test_without_ai_every_headline_figure_is_flat_over_burn_in_and_window() -> None:
    result = neijuan.simulate("ai-baseline", workers=20_000, seeds=3,
                              overrides={"ai.enabled": False})
    assert result.twin is None  # nothing to compare with: AI is off
    burn = result.scenario.run.burn_in
    drift = result.burn_in_drift()
    assert set(drift) == set(STATIONARY)
    off = {name: d for name, d in drift.items() if not d["within"]}
    assert not off, f"burn-in not stationary: {off}"
    end = burn + result.scenario.run.periods
    window = [stationarity(period_figures(r.raw), burn, end) for r in result.runs]
    for name, tol in STATIONARY.items():
        mean = float(np.mean([w[name] for w in window]))
        assert abs(mean) <= tol.tolerance, f"{name} drifts {mean:+.4f}/yr without AI"


def test_a_drifting_economy_fails_the_stationarity_criterion() -> None:
    """The criterion can fail: no burn-in, so the start-up transient is inside the window."""
    result = neijuan.simulate("ai-baseline", workers=WORKERS, seeds=1, twin=False,
                              overrides={"ai.enabled": False, "run.burn_in": 4})
    raw = period_figures(result.runs[0].raw)
    drift = stationarity(raw, 0, 12)
    assert abs(drift["effort_per_position"]) > STATIONARY["effort_per_position"].tolerance


# -------------------------------------------------------------------------- 2. the no-AI twin
def test_effects_are_run_minus_twin_with_the_same_seeds() -> None:
    base = run("ai-baseline")
    assert base.twin is not None
    assert base.twin.seeds == base.seeds
    assert not base.twin.scenario.ai.enabled
    eff = base.effects_by_seed()
    levels, twin = base.figures_by_seed(), base.twin.figures_by_seed()
    for name in ("involution_index", "unemployment_rate", "ai_wage_premium"):
        assert np.allclose(eff[name].to_numpy(), levels[name].to_numpy() - twin[name].to_numpy())
    data = base.to_dict()
    assert set(data["effects"]) == set(RUN_FIGURES)
    assert set(data["effects"]["involution_index"]) == {"mean", "lo", "hi", "unit"}


def test_with_no_capability_the_run_is_its_own_twin() -> None:
    """Common random numbers: AI switched on but able to do nothing changes nothing at all."""
    result = neijuan.simulate("ai-baseline", workers=4_000, seeds=2, periods=12,
                              overrides={"ai.capability_start": 0.0,
                                         "ai.capability_end": 0.0})
    eff = result.effects_by_seed()
    for name in RUN_FIGURES:
        assert np.allclose(eff[name].to_numpy(), 0.0, atol=1e-12), name


def test_no_twin_skips_the_counterfactual() -> None:
    result = neijuan.simulate("ai-baseline", workers=4_000, seeds=1, periods=8, twin=False)
    assert result.twin is None
    assert result.to_dict()["effects"] == {}
    with pytest.raises(ValueError, match="no no-AI twin"):
        result.effects()


# ------------------------------------------------------------------ 3. a premium that emerges
def test_without_ai_there_is_no_premium() -> None:
    no_ai = long("ai-baseline", **{"ai.enabled": False})
    premium = no_ai.figure("ai_wage_premium")
    # the few people with AI skill outside AI roles (former specialists) make seed noise
    # around zero: the interval reaches zero, and AI's own premium is several times larger
    assert premium["lo"] < 0.005 and abs(premium["mean"]) < 0.04
    assert abs(no_ai.figure("ai_skill_return")["mean"]) < 0.005
    assert long("ai-baseline").effect("ai_wage_premium")["lo"] > 3 * abs(premium["mean"])


@cache
def with_uplift(factor: float) -> Result:
    uplift = load_scenario("ai-baseline").ai.uplift * factor
    return neijuan.simulate("ai-baseline", workers=20_000, seeds=SEEDS, twin=False,
                            overrides={"ai.uplift": uplift, **TO_2027})


def test_premium_rises_with_the_uplift_of_augmented_work() -> None:
    low, high = with_uplift(0.5), with_uplift(1.5)
    # the return to AI skill at equal skill: seed intervals apart
    assert below(low.figure("ai_skill_return"), high.figure("ai_skill_return"))
    # the raw premium is mostly selection, which the uplift does not move: it rises on average
    # over the (shared) seeds, by about the return's rise
    assert high.figure("ai_wage_premium")["mean"] > low.figure("ai_wage_premium")["mean"]
    assert below(low.figure("ai_premium_return"), high.figure("ai_premium_return"))


def test_premium_decomposition_sums_to_the_raw_gap() -> None:
    series = run("ai-baseline").series()
    parts = (series["ai_premium_return"] + series["ai_premium_selection"]
             + series["ai_premium_specialist"] + series["ai_premium_composition"]).to_numpy()
    assert np.allclose(parts, series["ai_wage_gap"].to_numpy(), atol=1e-9)


def test_specialist_pay_follows_specialist_demand() -> None:
    """AI-specialist roles gain from AI spending; without that demand they do not."""
    base = run("ai-baseline")
    flat = run("ai-baseline", **{"ai.specialist_demand": 0.0})
    assert below(flat.effect("polarization_ai"), base.effect("polarization_ai"))
    assert below(flat.effect("relative_wage_growth_ai"), base.effect("relative_wage_growth_ai"))
    assert abs(flat.effect("relative_wage_growth_ai")["mean"]) < 0.005


# ------------------------------------------------------------- 4. frictions: contests everywhere
@pytest.mark.parametrize("name", ["ai-baseline", "jevons", "agency-preserving", "geertz"])
def test_unemployment_is_frictional_and_positive_and_contests_exist(name: str) -> None:
    result = run(name)
    assert result.figure("unemployment_rate")["lo"] > 0.005
    assert result.figure("contest_share")["lo"] > 0.01


def test_without_separations_and_with_room_there_is_less_unemployment() -> None:
    base = run("jevons")
    sticky = run("jevons", **{"labour.separation": 0.0})
    assert below(sticky.figure("unemployment_rate"), base.figure("unemployment_rate"))


def test_jevons_has_a_contest_and_its_reward_keeps_up_with_effort() -> None:
    jevons = run("jevons")
    assert jevons.figure("contest_share")["lo"] > 0.01
    assert jevons.figure("involution_index")["hi"] <= 0
    by_seed = jevons.figures_by_seed()
    assert (by_seed["real_reward_growth"] >= by_seed["effort_per_position_growth"]).all()


# ----------------------------------------------------------- 5. room beyond the old tasks
def yearly(result: Result, name: str) -> np.ndarray:
    frame = result.series().filter(pl.col("measured"))
    return (frame.with_columns(pl.col("year").floor().alias("y"))
            .group_by("y").agg(pl.col(name).mean()).sort("y")[name].to_numpy())


def test_ai_baseline_unemployment_stays_in_the_recorded_range_to_2024() -> None:
    base = run("ai-baseline")
    rates = yearly(base, "unemployment_rate")[:7]  # 2018 ... 2024
    assert np.all((rates > 0.03) & (rates < 0.08)), rates
    # its involution comes from the contest, not from a jump in unemployment
    assert base.effect("unemployment_rate")["hi"] < 0.02
    assert base.effect("effort_per_position_growth")["lo"] > 0


def test_reinstatement_and_income_effect_create_room_for_people() -> None:
    base = run("ai-baseline")
    without = run("ai-baseline", **{"ai.reinstatement": 0.0, "demand.income_elasticity": 0.0})
    assert below(without.effect("positions_growth"), base.effect("positions_growth"))
    assert below(base.effect("unemployment_rate"), without.effect("unemployment_rate"))


# ---------------------------------------------------------- 6. agency with consequences
def test_blame_lowers_the_blamed_persons_retention() -> None:
    """Incumbents with blame marks lose the next contest more often, only while blame counts."""
    def loss_rates(penalty: float) -> tuple[float, float]:
        sc = load_scenario("automate-first", {"run.workers": 20_000, "run.burn_in": 8,
                                              "agency.blame_penalty": penalty,
                                              "ai.capability_start": 0.6})
        model = LabourMarket(sc, builtin_economy(), 3)
        marked_lost = marked_n = clean_lost = clean_n = 0.0
        for period in range(24):
            before = model.pop.status == EMPLOYED
            marked = before & (model.pop.mark > 0.5)
            model.step()
            if period < 12:
                continue
            lost = before & (model.pop.status == UNEMPLOYED)
            marked_lost += lost[marked].sum()
            marked_n += marked.sum()
            clean_lost += lost[before & ~marked].sum()
            clean_n += (before & ~marked).sum()
        return marked_lost / marked_n, clean_lost / clean_n

    marked, clean = loss_rates(2.0)
    assert marked > clean + 0.02
    marked0, clean0 = loss_rates(0.0)
    assert abs(marked0 - clean0) < 0.015


def test_people_review_defensively_as_blame_exposure_rises() -> None:
    low = run("ai-baseline", **{"agency.liability": 0.3})
    base = run("ai-baseline")
    assert below(low.figure("defensive_review_share"), base.figure("defensive_review_share"))
    assert below(base.figure("agency_index"), low.figure("agency_index"))


def test_agency_preserving_changes_behaviour_and_outcomes_not_only_agency() -> None:
    base, preserving = run("ai-baseline"), run("agency-preserving")
    assert below(preserving.figure("defensive_review_share"),
                 base.figure("defensive_review_share"))
    assert below(base.figure("authority_share"), preserving.figure("authority_share"))
    # outcomes, as AI effects (the two share their no-AI twin, so these are paired by seed):
    # time out of defensive review becomes output, and fewer people are kept only to sign off
    # (effort per position no longer separates from the baseline's with the fitted parameters)
    assert below(base.effect("productivity_growth"), preserving.effect("productivity_growth"))
    assert below(preserving.effect("retained_not_needed_share"),
                 base.effect("retained_not_needed_share"))
    gap = preserving.figure("blame_authority_gap")
    assert gap["lo"] > 0 and gap["hi"] < 0.05


# ------------------------------------------------------------ 7. retained, not needed
def test_retained_not_needed_is_material_rising_and_smaller_where_people_are_needed() -> None:
    base, jevons, preserving = run("ai-baseline"), run("jevons"), run("agency-preserving")
    assert base.figure("retained_not_needed_share")["lo"] >= 0.05
    rising = yearly(base, "retained_not_needed_share")
    assert rising[-1] > rising[2] + 0.03
    assert below(jevons.figure("retained_not_needed_share"),
                 base.figure("retained_not_needed_share"))
    assert below(preserving.figure("retained_not_needed_share"),
                 base.figure("retained_not_needed_share"))
    assert run("ai-baseline", **{"ai.enabled": False}).figure(
        "retained_not_needed_share")["hi"] == 0.0


# -------------------------------------------------------- 8. figures as MODEL.md §3 defines
def test_involution_index_is_effort_growth_minus_real_reward_per_position_growth() -> None:
    by_seed = run("ai-baseline").figures_by_seed()
    assert np.allclose(by_seed["involution_index"],
                       by_seed["effort_per_position_growth"] - by_seed["real_reward_growth"])
    assert RUN_FIGURES["real_reward_growth"].source == "real_reward_per_position"


def test_effort_not_output_share_is_not_clipped() -> None:
    periods = 48
    t = np.arange(periods, dtype=np.float64)
    raw = {"output": 100.0 * 1.01 ** t, "labour_input": 50.0 * 1.002 ** t}
    figs = {k: v for k, v in raw.items()}
    value = run_figures_like(figs, periods)
    assert value < 0  # output grew faster than labour input: AI, not effort, made it
    raw = {"output": 100.0 * 1.006 ** t, "labour_input": 50.0 * 1.01 ** t}
    assert run_figures_like(raw, periods) == pytest.approx(0.4, abs=0.02)


def run_figures_like(per_period: dict[str, np.ndarray], periods: int) -> float:
    """Only the effort_not_output_share of :func:`run_figures` on two synthetic series."""
    from neijuan.sim.figures import PERIOD_FIGURES

    full = {name: np.ones(periods) for name in PERIOD_FIGURES}
    full.update(per_period)
    return run_figures(full, 0)["effort_not_output_share"]


# ------------------------------------------------- 8. what the calibration fits comes from AI
def test_the_fitted_moments_vanish_without_ai() -> None:
    """Productivity growth, PwC's revenue gap and the postings gap by exposure, as the calibration
    measures them, are made by AI: with it switched off (same seeds) each goes to its noise, and
    every seed with AI lies beyond every seed without."""
    from neijuan.targets import model_targets, moments_by_seed

    chosen = [t for t in model_targets() if t.id in (
        "bls_productivity_2018_2024", "pwc_2025_rpe_gap", "pwc_2025_postings_gap")]
    runs = {ai: neijuan.simulate("ai-baseline", workers=WORKERS, seeds=SEEDS, twin=False,
                                 overrides={"ai.enabled": ai}) for ai in (True, False)}
    with_ai, without = (moments_by_seed(runs[ai].series(), chosen) for ai in (True, False))
    assert with_ai["bls_productivity_2018_2024"].min() > without["bls_productivity_2018_2024"].max()
    assert abs(without["bls_productivity_2018_2024"].mean()) < 0.02
    assert with_ai["pwc_2025_rpe_gap"].min() > without["pwc_2025_rpe_gap"].max()
    assert abs(without["pwc_2025_rpe_gap"].mean()) < 0.03
    # fewer postings where AI works: the gap is negative with AI, and below its no-AI twin (the
    # same seed) in every seed. (Seed by seed, not every seed against every other: at 10,000
    # workers a seed's gap has a spread of about 0.07 with or without AI, and a seed that is
    # extreme with AI is extreme without it too.)
    gap = "pwc_2025_postings_gap"
    assert with_ai[gap].max() < -0.1
    assert (with_ai[gap] - without[gap]).max() < -0.1
    assert abs(without[gap].mean()) < 0.1
