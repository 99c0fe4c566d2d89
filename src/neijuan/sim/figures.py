"""Every figure of MODEL.md §3, defined once: name, unit, formula, and how a run reduces it.

The agency figures (authority, blame, credit and their gap) use the definitions the decision-log
audit uses (:mod:`neijuan.agency.metrics`), on the engine's sums of volumes and failures.

The engine records raw per-period sums (counts, totals, volumes); here each figure is a formula on
those sums (vectorised over periods), and a run value is one of:

* ``level``: the mean over the last year of the measured window (the state the run reaches);
* ``growth``: the annual log growth rate over the window (OLS slope of the log series, per year);
* ``change``: last-year mean minus first-year mean (percentage points for shares).

Run figures are measured after the burn-in, so a start-up transient is never reported.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import NDArray

from neijuan.agency.metrics import (
    blame_authority_gap_from_counts,
    blame_share_from_counts,
    credit_share_from_counts,
    origination_share_from_counts,
)

F64 = NDArray[np.float64]
Series = Mapping[str, F64]
Reduce = Literal["level", "growth", "change", "ratio"]

PERIODS_PER_YEAR = 4
CONTRACT_HOURS = 40.0  # weekly hours of a full-time contract; effort is on top of these


def _expm1(values: F64) -> F64:
    """e^x - 1 elementwise, the C library's (NumPy's own code for it depends on the CPU, so the
    same run's figure would differ in its last bit from one machine to another: see
    :mod:`neijuan.sim.libm`; the figures' arrays are a few hundred periods, not worth a
    compiled loop)."""
    return np.array([math.expm1(x) if not x > 709.0 else math.inf
                     for x in np.asarray(values, dtype=np.float64).tolist()], dtype=np.float64)


def _defined(values: F64) -> F64:
    """A share from :mod:`neijuan.agency.metrics` (NaN where undefined) as a series figure: 0
    in a quarter with nothing to divide by (no decisions or no failures yet)."""
    return np.nan_to_num(np.asarray(values, dtype=np.float64), nan=0.0)


def _safe_div(a: F64, b: F64) -> F64:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(np.abs(b) > 0, a / np.where(b == 0, 1.0, b), 0.0)


@dataclass(frozen=True)
class PeriodFigure:
    """A per-period figure: a formula on the engine's raw sums."""

    name: str
    unit: str
    description: str
    formula: str
    compute: Callable[[Series], F64]


@dataclass(frozen=True)
class RunFigure:
    """A run figure: a reduction of a per-period figure over the measured window."""

    name: str
    unit: str
    description: str
    source: str          # the per-period figure it reduces (or a custom reducer's inputs)
    reduce: Reduce
    essay: str = ""      # what it stands for in the essay's argument


def _p(name: str, unit: str, description: str, formula: str,
       compute: Callable[[Series], F64]) -> PeriodFigure:
    return PeriodFigure(name, unit, description, formula, compute)


def _tier_share(tier: str, label: str) -> PeriodFigure:
    return _p(f"employment_share_{tier}", "share", f"employment share of {label} occupations",
              f"E_{tier} / E", lambda s: _safe_div(s[f"employed_{tier}"], s["employed"]))


def _tier_wage(tier: str) -> PeriodFigure:
    return _p(f"real_wage_{tier}", "mean pre-AI wage", f"mean real wage in {tier}-tier occupations",
              f"sum w / E_{tier} / CPI",
              lambda s: _safe_div(_safe_div(s[f"wage_bill_{tier}"], s[f"employed_{tier}"]),
                                  s["cpi"]))


def _tier_relative_wage(tier: str) -> PeriodFigure:
    return _p(f"relative_wage_{tier}", "ratio",
              f"mean wage in {tier}-tier occupations over the mean wage of all employed",
              f"(sum w / E)_{tier} / (sum w / E)",
              lambda s: _safe_div(_safe_div(s[f"wage_bill_{tier}"], s[f"employed_{tier}"]),
                                  s["mean_wage"]))


PERIOD_FIGURES: dict[str, PeriodFigure] = {f.name: f for f in [
    _p("capability", "0-1", "AI capability C(t)", "C(t)", lambda s: s["capability"]),
    _p("adoption", "share", "employment-weighted share of task time AI touches",
       "sum_o share_o sum_k alpha_k A_k", lambda s: s["adoption"]),
    _p("labour_force", "persons", "people in the labour force", "employed + unemployed",
       lambda s: s["labour_force"]),
    _p("employment", "persons", "people employed after the period's contest", "E",
       lambda s: s["employed"]),
    _p("positions", "positions", "labour needed to meet demand", "M = D / y",
       lambda s: s["positions"]),
    _p("unemployment_rate", "share", "unemployed over the labour force", "(LF - E) / LF",
       lambda s: _safe_div(s["labour_force"] - s["employed"], s["labour_force"])),
    _p("surplus_labour_rate", "share", "labour force for which there is no position",
       "max(LF - M, 0) / LF",
       lambda s: _safe_div(np.maximum(s["labour_force"] - s["positions"], 0.0),
                           s["labour_force"])),
    _p("applicants_per_position", "candidates/position",
       "candidates (incumbents and applicants) per position", "N / M",
       lambda s: _safe_div(s["candidates"], s["positions"])),
    _p("contest_share", "share",
       "share of openings with more than one applicant (urn-ball: a contest among applicants)",
       "sum_o V_o (1 - e^-l (1 + l)) / sum_o V_o, l = U_o / V_o",
       lambda s: _safe_div(s["contested_openings"], s["openings"])),
    _p("separation_rate", "share", "employed who lost their job besides the contest, a quarter",
       "separations / E", lambda s: _safe_div(s["separations"], s["employed_at_production"])),
    _p("effort_per_position", "h/week per position",
       "extra effort of all candidates per position (the contest's total input)",
       "sum_i e_i / M", lambda s: _safe_div(s["effort_total"], s["positions"])),
    _p("effort_per_candidate", "h/week", "mean extra effort of a candidate", "sum_i e_i / N",
       lambda s: _safe_div(s["effort_total"], s["candidates"])),
    _p("rent_dissipation", "share",
       "cost of the contest's effort over the wage rent won (Tullock dissipation)",
       "c sum_i e_i / sum_winners V_i",
       lambda s: _safe_div(s["effort_cost"] * s["effort_total"], s["prize_won"])),
    _p("output", "real output", "output at base-period prices", "sum_o Y_o",
       lambda s: s["output"]),
    _p("output_per_employed", "real output/person", "labour productivity", "sum_o Y_o / E",
       lambda s: _safe_div(s["output"], s["employed_at_production"])),
    _p("output_per_land", "real output/land", "output per unit of the fixed factor",
       "Y / T", lambda s: _safe_div(s["output"], s["land"])),
    _p("marginal_product_of_labour", "real output/person",
       "marginal product of labour per employed person, at base prices", "sum_o mpl_o H_o / E",
       lambda s: _safe_div(s["mpl_real_total"], s["employed_at_production"])),
    _p("labour_input", "h/week", "total weekly hours: contract hours plus extra effort",
       "40 E + sum_i e_i",
       lambda s: CONTRACT_HOURS * s["employed_at_production"] + s["effort_total"]),
    _p("real_wage", "mean pre-AI wage", "mean wage of the employed over the price index",
       "mean w / CPI", lambda s: _safe_div(s["mean_wage"], s["cpi"])),
    _p("real_reward_per_position", "mean pre-AI wage",
       "real wage bill per position (what a position pays, vacancies included)",
       "sum_i w_i / CPI / M",
       lambda s: _safe_div(_safe_div(s["wage_bill"], s["cpi"]), s["positions"])),
    _p("revenue_per_employee_high_exposure", "nominal output/person",
       "revenue per employee in the most AI-exposed sectors", "sum P Y / E over high sectors",
       lambda s: _safe_div(s["revenue_high_exposure"], s["employed_high_exposure"])),
    _p("revenue_per_employee_low_exposure", "nominal output/person",
       "revenue per employee in the least AI-exposed sectors", "sum P Y / E over low sectors",
       lambda s: _safe_div(s["revenue_low_exposure"], s["employed_low_exposure"])),
    _p("openings_more_exposed", "openings/quarter",
       "job openings (postings) in the more AI-exposed occupations (at or above the "
       "employment-weighted median of time in tasks AI can take on)", "sum V over more exposed",
       lambda s: s["openings_more_exposed"]),
    _p("openings_less_exposed", "openings/quarter",
       "job openings (postings) in the less AI-exposed occupations", "sum V over less exposed",
       lambda s: s["openings_less_exposed"]),
    _p("degree_required_share", "share", "share of hires whose posting requires a degree",
       "sum_o hires_o req_o / hires", lambda s: s["degree_required"]),
    _p("degree_required_share_ai", "share",
       "share of AI-skill postings that require a degree", "hires-weighted among AI postings",
       lambda s: s["degree_required_ai"]),
    _p("degree_weight", "share", "share of the screen's variance explained by the degree",
       "R2 of the posterior on the degree", lambda s: s["degree_weight"]),
    _p("ai_postings_share", "share", "share of postings that ask for AI skill",
       "hires-weighted share of firms augmenting with AI", lambda s: s["ai_postings"]),
    _p("ai_wage_premium", "share",
       "wage premium of AI skill within the same occupation (occupation fixed effects)",
       "exp(b) - 1, b from ln w = a_o + b 1[z >= z*]",
       lambda s: _expm1(s["ai_premium_log"])),
    _p("ai_wage_gap", "log points",
       "raw log-wage gap of people with AI skill over those without (all occupations)",
       "mean ln w | z >= z* - mean ln w | z < z*", lambda s: s["ai_gap_log"]),
    _p("ai_skill_return", "share",
       "return to AI skill on the same job at equal skill (what augmentation pays people who "
       "have the skill; selection taken out)",
       "exp(c) - 1, c from ln w = a_o + b ln s + c 1[z >= z*]",
       lambda s: _expm1(s["ai_return_log"])),
    _p("ai_premium_return", "log points",
       "part of the raw gap that is the return to AI skill on the same job at equal skill",
       "sum_o w_o c_o", lambda s: s["ai_gap_return"]),
    _p("ai_premium_selection", "log points",
       "part of the raw gap from who has learnt AI skill: their higher skill on the same job",
       "sum_o w_o b_o (s_1o - s_0o)", lambda s: s["ai_gap_selection"]),
    _p("ai_premium_specialist", "log points",
       "part of the raw gap from holding AI-specialist roles", "sum_o in AI (pi_1o - pi_0o) mu_o",
       lambda s: s["ai_gap_specialist"]),
    _p("ai_premium_composition", "log points",
       "part of the raw gap from working in better-paid non-specialist occupations",
       "sum_o not AI (pi_1o - pi_0o) mu_o", lambda s: s["ai_gap_composition"]),
    _p("ai_skilled_share", "share", "employed people with AI skill (z >= threshold)",
       "n(z >= z*) / E", lambda s: _safe_div(s["ai_skilled"], s["employed"])),
    _p("agency_index", "share",
       "mean share of working time spent originating, judging or creating", "mean_i a_i",
       lambda s: _safe_div(s["agency_sum"], s["employed"])),
    _p("retained_not_needed_share", "share",
       "employed people whose needed share of time (originating work that AI cannot do more "
       "cheaply than they do) is below the threshold: retained, not needed",
       "n(a_i - replaceable_i < 0.5) / E", lambda s: _safe_div(s["retained_not_needed"], s["employed"])),
    _p("defensive_review_share", "share",
       "share of working time moved into defensive review of AI-originated work",
       "sum_o d_o E_o / E", lambda s: s["review_time"]),
    _p("authority_share", "share", "people's share of decisions they originate",
       "O / (O + Q)", lambda s: _defined(origination_share_from_counts(
           s["human_volume"], s["human_volume"] + s["machine_volume"]))),
    _p("blame_share", "share", "share of failures people are blamed for",
       "(F_h + F_ai,blamed) / (F_h + F_ai)",
       lambda s: _defined(blame_share_from_counts(
           s["failures_human"] + s["failures_machine_blamed"],
           s["failures_human"] + s["failures_machine"]))),
    _p("blame_authority_gap", "share",
       "blame share minus authority share over the same failures: the share of failures "
       "people are blamed for although the system originated the decision",
       "F_ai,blamed / (F_h + F_ai)",
       lambda s: _defined(blame_authority_gap_from_counts(
           s["failures_human"] + s["failures_machine_blamed"],
           s["failures_human"] + s["failures_machine"],
           s["failures_human"], s["failures_human"] + s["failures_machine"]))),
    _p("credit_share", "share",
       "share of successful decisions credited to people (AI successes go to the system)",
       "O (1 - phi_h) / (O (1 - phi_h) + Q (1 - phi_ai))",
       lambda s: _defined(credit_share_from_counts(
           s["human_volume"] * (1 - s["human_failure_rate"]),
           s["human_volume"] * (1 - s["human_failure_rate"])
           + s["machine_volume"] * (1 - s["ai_failure_rate"])))),
    _p("wage_gini", "0-1", "Gini coefficient of wages of the employed", "Gini(w)",
       lambda s: s["wage_gini"]),
    *[_tier_share(t, label) for t, label in (("low", "low-wage"), ("mid", "middle-wage"),
                                               ("high", "high-wage"), ("ai", "AI-specialist"))],
    *[_tier_wage(t) for t in ("low", "mid", "high", "ai")],
    *[_tier_relative_wage(t) for t in ("low", "mid", "high", "ai")],
]}


def window(values: F64, burn_in: int) -> F64:
    """The measured part of a per-period series."""
    return values[burn_in:]


def annual_growth(values: F64) -> float:
    """Annual log growth rate: OLS slope of ln(values) on time in years (0 if undefined)."""
    v = np.asarray(values, dtype=np.float64)
    ok = np.isfinite(v) & (v > 0)
    if ok.sum() < 2:
        return 0.0
    t = np.arange(v.size, dtype=np.float64)[ok] / PERIODS_PER_YEAR
    y = np.array([math.log(x) for x in v[ok].tolist()])  # (the C library's: see _expm1)
    t_c = t - t.mean()
    denom = float((t_c * t_c).sum())
    return float((t_c * (y - y.mean())).sum() / denom) if denom > 0 else 0.0


def year_mean(values: F64, last: bool) -> float:
    v = np.asarray(values, dtype=np.float64)
    part = v[-PERIODS_PER_YEAR:] if last else v[:PERIODS_PER_YEAR]
    return float(np.mean(part)) if part.size else 0.0


def _r(name: str, unit: str, description: str, source: str, reduce: Reduce,
       essay: str = "") -> RunFigure:
    return RunFigure(name, unit, description, source, reduce, essay)


RUN_FIGURES: dict[str, RunFigure] = {f.name: f for f in [
    _r("productivity_growth", "1/yr", "growth of output per employed person",
       "output_per_employed", "growth", "output rises"),
    _r("employment_growth", "1/yr", "growth of employment", "employment", "growth",
       "while the room for people does not"),
    _r("productivity_employment_gap", "1/yr", "productivity growth minus employment growth",
       "output_per_employed - employment", "growth"),
    _r("positions_growth", "1/yr", "growth of positions", "positions", "growth"),
    _r("labour_force_growth", "1/yr", "growth of the labour force", "labour_force", "growth"),
    _r("effort_per_position_growth", "1/yr", "growth of effort per position",
       "effort_per_position", "growth"),
    _r("real_reward_growth", "1/yr",
       "growth of the real reward per position (real wage bill over positions)",
       "real_reward_per_position", "growth"),
    _r("real_wage_growth", "1/yr", "growth of the mean real wage of the employed",
       "real_wage", "growth"),
    _r("involution_index", "1/yr",
       "growth of effort per position minus growth of real reward per position",
       "effort_per_position - real_reward_per_position", "growth",
       "努力在增加，但结构并未改变: more effort for the same reward"),
    _r("effort_not_output_share", "share",
       "share of the extra labour input that does not become output, 1 - dlnQ/dlnE over the "
       "window (E = contract hours + extra effort), unclipped: negative when output grew faster "
       "than input (AI or other inputs made the difference); 0 when input changed by less "
       "than 1% "
       "(Geertz: the land share)",
       "output / labour_input", "ratio"),
    _r("effort_per_position", "h/week per position", "effort per position, last year",
       "effort_per_position", "level"),
    _r("effort_per_candidate", "h/week", "mean extra effort of a candidate, last year",
       "effort_per_candidate", "level"),
    _r("rent_dissipation", "share", "effort cost over wage rent won, last year",
       "rent_dissipation", "level", "the share of the prize burnt in the contest"),
    _r("unemployment_rate", "share", "unemployment rate, last year", "unemployment_rate",
       "level"),
    _r("surplus_labour_rate", "share", "labour without a position, last year",
       "surplus_labour_rate", "level", "劳动力过剩"),
    _r("applicants_per_position", "candidates/position", "candidates per position, last year",
       "applicants_per_position", "level"),
    _r("contest_share", "share", "share of openings with more than one applicant, last year",
       "contest_share", "level", "竞争: a contest wherever applicants pile up"),
    _r("adoption", "share", "AI adoption (task-time share), last year", "adoption", "level"),
    _r("degree_required_share", "share", "share of hires requiring a degree, last year",
       "degree_required_share", "level", "学历要求下降"),
    _r("degree_required_share_ai", "share", "share of AI postings requiring a degree, last year",
       "degree_required_share_ai", "level"),
    _r("degree_weight", "share", "degree's weight in screening, last year", "degree_weight",
       "level", "skill-based hiring emerges"),
    _r("degree_weight_change", "share", "change of the degree's weight in screening",
       "degree_weight", "change"),
    _r("ai_postings_share", "share", "share of postings asking for AI skill, last year",
       "ai_postings_share", "level"),
    _r("ai_wage_premium", "share", "AI-skill wage premium within occupations, last year",
       "ai_wage_premium", "level", "AI 技能与非 AI 技能之间的鸿沟"),
    _r("ai_wage_premium_change", "share", "change of the AI-skill wage premium over the window",
       "ai_wage_premium", "change"),
    _r("ai_wage_gap", "log points", "raw AI-skill log-wage gap, last year", "ai_wage_gap",
       "level"),
    _r("ai_skill_return", "share",
       "return to AI skill on the same job at equal skill, last year", "ai_skill_return",
       "level", "augmentation pays those who have the skill"),
    _r("ai_premium_return", "log points",
       "return part of the AI-skill gap, last year", "ai_premium_return", "level"),
    _r("ai_premium_selection", "log points",
       "selection part of the AI-skill gap, last year", "ai_premium_selection", "level"),
    _r("ai_premium_specialist", "log points",
       "AI-specialist-role part of the AI-skill gap, last year", "ai_premium_specialist",
       "level"),
    _r("ai_premium_composition", "log points",
       "composition part of the AI-skill gap, last year", "ai_premium_composition", "level"),
    _r("ai_skilled_share", "share", "employed people with AI skill, last year",
       "ai_skilled_share", "level"),
    _r("agency_index", "share", "agency index, last year", "agency_index", "level",
       "人作为判断者、原创者"),
    _r("agency_change", "share", "change of the agency index", "agency_index", "change"),
    _r("retained_not_needed_share", "share", "retained-not-needed share, last year",
       "retained_not_needed_share", "level", "被留用 but not 被需要"),
    _r("defensive_review_share", "share", "share of time in defensive review, last year",
       "defensive_review_share", "level", "确认、过滤、兜底"),
    _r("authority_share", "share", "people's share of decision authority, last year",
       "authority_share", "level"),
    _r("blame_share", "share", "people's share of blame, last year", "blame_share", "level"),
    _r("blame_authority_gap", "share", "blame share minus authority share, last year",
       "blame_authority_gap", "level", "责任却回到那个点下“确认”的人身上"),
    _r("credit_share", "share", "people's share of credit, last year", "credit_share", "level",
       "功劳归于模型、平台与流程"),
    _r("wage_gini", "0-1", "wage Gini, last year", "wage_gini", "level"),
    *[_r(f"polarization_{t}", "share", f"change of the employment share of {t}-tier occupations",
         f"employment_share_{t}", "change", "中等技能岗位受到挤压" if t == "mid" else "")
      for t in ("low", "mid", "high", "ai")],
    *[_r(f"real_wage_growth_{t}", "1/yr", f"growth of the real wage in {t}-tier occupations",
         f"real_wage_{t}", "growth") for t in ("low", "mid", "high", "ai")],
    *[_r(f"relative_wage_growth_{t}", "1/yr",
         f"growth of the {t}-tier wage relative to the mean wage (gains or losses against the "
         "average worker)", f"relative_wage_{t}", "growth",
         "Marguerit: automation lowers low-skill wages, augmentation raises high-skill wages"
         if t in ("low", "high") else "") for t in ("low", "mid", "high", "ai")],
    _r("rpe_growth_high_exposure", "1/yr",
       "growth of revenue per employee in the most AI-exposed sectors",
       "revenue_per_employee_high_exposure", "growth", "PwC: +27% (2018-2024)"),
    _r("rpe_growth_low_exposure", "1/yr",
       "growth of revenue per employee in the least AI-exposed sectors",
       "revenue_per_employee_low_exposure", "growth", "PwC: +9% (2018-2024)"),
    _r("output_growth", "1/yr", "growth of total output", "output", "growth"),
    _r("output_per_land_growth", "1/yr", "growth of output per unit of land", "output_per_land",
       "growth"),
    _r("marginal_product_growth", "1/yr", "growth of the marginal product of labour",
       "marginal_product_of_labour", "growth"),
]}


# How the run figures are presented (CLI table, report): the essay's argument, in order.
GROUPS: dict[str, list[str]] = {
    "Output rises, the room for people does not": [
        "productivity_growth", "employment_growth", "productivity_employment_gap",
        "positions_growth", "labour_force_growth", "surplus_labour_rate", "unemployment_rate",
        "applicants_per_position", "contest_share", "adoption"],
    "More effort for the same reward (involution)": [
        "involution_index", "effort_per_position_growth", "real_reward_growth",
        "real_wage_growth",
        "effort_per_position", "effort_per_candidate", "rent_dissipation",
        "effort_not_output_share"],
    "Screened and ranked: degrees, skills, AI skill": [
        "degree_required_share", "degree_required_share_ai", "degree_weight",
        "degree_weight_change", "ai_postings_share", "ai_skilled_share", "ai_wage_premium",
        "ai_wage_premium_change", "ai_skill_return", "ai_wage_gap", "ai_premium_return",
        "ai_premium_selection", "ai_premium_specialist", "ai_premium_composition"],
    "Retained, or needed? Agency, credit and blame": [
        "agency_index", "agency_change", "retained_not_needed_share", "defensive_review_share",
        "authority_share",
        "blame_share", "blame_authority_gap", "credit_share"],
    "Who gains: polarization and wages": [
        "polarization_low", "polarization_mid", "polarization_high", "polarization_ai",
        "real_wage_growth_low", "real_wage_growth_mid", "real_wage_growth_high",
        "real_wage_growth_ai", "relative_wage_growth_low", "relative_wage_growth_mid",
        "relative_wage_growth_high", "relative_wage_growth_ai", "wage_gini",
        "rpe_growth_high_exposure", "rpe_growth_low_exposure"],
    "Output on fixed land (Geertz)": [
        "output_growth", "output_per_land_growth", "marginal_product_growth"],
}


def period_figures(raw: Series) -> dict[str, F64]:
    """Every per-period figure from the engine's raw sums."""
    return {name: np.asarray(f.compute(raw), dtype=np.float64)
            for name, f in PERIOD_FIGURES.items()}


def run_figures(per_period: Mapping[str, F64], burn_in: int) -> dict[str, float]:
    """Every run figure, from per-period figures, over the measured window."""
    out: dict[str, float] = {}
    for name, fig in RUN_FIGURES.items():
        if fig.reduce == "ratio":
            q = window(per_period["output"], burn_in)
            e = window(per_period["labour_input"], burn_in)
            dq = math.log(max(year_mean(q, True), 1e-300)) - math.log(max(year_mean(q, False),
                                                                              1e-300))
            de = math.log(max(year_mean(e, True), 1e-300)) - math.log(max(year_mean(e, False),
                                                                              1e-300))
            # undefined where labour input hardly changed (below 1% over the window): 0
            out[name] = float(1.0 - dq / de) if abs(de) >= 0.01 else 0.0
            continue
        if " - " in fig.source:
            left, right = fig.source.split(" - ")
            a = annual_growth(window(per_period[left], burn_in))
            b = annual_growth(window(per_period[right], burn_in))
            out[name] = a - b
            continue
        series = window(per_period[fig.source], burn_in)
        if fig.reduce == "growth":
            out[name] = annual_growth(series)
        elif fig.reduce == "level":
            out[name] = year_mean(series, last=True)
        else:
            out[name] = year_mean(series, last=True) - year_mean(series, last=False)
    return out


# --------------------------------------------------------------------------------- stationarity
@dataclass(frozen=True)
class Tolerance:
    """How much a headline figure may drift a year in a stationary economy."""

    tolerance: float
    relative: bool   # True: drift of the log (a growth rate); False: drift of the level


# The stationarity criterion (MODEL.md, "stationary start"): with AI off, each of these drifts by
# less than its tolerance a year, over the last years of the burn-in and over the whole window.
# Tolerances are about twice the seed spread of the drift at 20,000 workers and 40 quarters.
STATIONARY: dict[str, Tolerance] = {
    "unemployment_rate": Tolerance(0.004, False),
    "applicants_per_position": Tolerance(0.01, False),
    "contest_share": Tolerance(0.01, False),
    "effort_per_position": Tolerance(0.03, True),
    "real_reward_per_position": Tolerance(0.006, True),
    "output_per_employed": Tolerance(0.006, True),
    "degree_required_share": Tolerance(0.01, False),
    "degree_weight": Tolerance(0.004, False),
    "ai_wage_premium": Tolerance(0.02, False),
    "agency_index": Tolerance(0.002, False),
    "retained_not_needed_share": Tolerance(0.002, False),
    "wage_gini": Tolerance(0.003, False),
}
DRIFT_QUARTERS = 16  # the burn-in's last four years


def drift(values: F64) -> float:
    """Slope a year of a per-period series (OLS on time in years)."""
    v = np.asarray(values, dtype=np.float64)
    ok = np.isfinite(v)
    if ok.sum() < 2:
        return 0.0
    t = np.arange(v.size, dtype=np.float64)[ok] / PERIODS_PER_YEAR
    t_c = t - t.mean()
    denom = float((t_c * t_c).sum())
    return float((t_c * (v[ok] - v[ok].mean())).sum() / denom) if denom > 0 else 0.0


def stationarity(per_period: Mapping[str, F64], start: int, stop: int) -> dict[str, float]:
    """Each headline figure's drift a year over periods [start, stop): of its log where the
    tolerance is relative, of its level otherwise."""
    out: dict[str, float] = {}
    for name, tol in STATIONARY.items():
        part = np.asarray(per_period[name][start:stop], dtype=np.float64)
        if tol.relative:
            out[name] = annual_growth(part)
        else:
            out[name] = drift(part)
    return out
