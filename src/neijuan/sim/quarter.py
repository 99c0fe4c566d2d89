"""The engine's quarter for a run of one chunk: all nine steps and the close in one compiled
call.

Why: at 10^4 workers a quarter was four compiled calls (steps 1-2, step 3 and the contest's
inputs, the row passes, the close) and the Python between them, which built the next call's
arguments from the last one's results (the AI phase's and production's outcome objects among
them): some 55-80 us of a 600-700 us quarter, in-model (docs/performance.md, twelfth round).
:func:`one_chunk_quarter` makes them one call: the same functions on the same values, so the
same bits as the calls one after the other (``tests/sim/test_shard.py`` checks them against
the passes one by one).
"""

from __future__ import annotations

import numpy as np
from numba import njit
from numpy.typing import NDArray

from neijuan.sim import kernels as kern
from neijuan.sim import phase_kernels, steps
from neijuan.sim.codegen import WIDE

F64 = NDArray[np.float64]

# rows of steps.ai_and_production's AI rows (MarketBase._ai_state names them): the AI price,
# then steps.TaskMix's fields, then the liability rule's and the uplift's
LABOUR_SHARE, AI_USE, FIRM_ADOPTION, FIRM_AUGMENT = 1, 3, 4, 5
AGENCY0, AGENCY1, HUMAN0, HUMAN1, MACHINE0, MACHINE1, REPLACEABLE = 7, 8, 9, 10, 11, 12, 15
BLAME_PROB, REVIEW, AUG_GAIN, AUG_SCALE, UNIT_COST, KEEP_TIME, AI_FAILURE = (
    16, 17, 19, 20, 21, 22, 23)
# rows of its production rows (MarketBase._production_state): efficiency units, the list
# price, the price, output, dY/dH, output per worker
UNITS, LIST_PRICE, PRICE, OUTPUT, MPL, PER_WORKER = 0, 1, 2, 5, 6, 7
# steps.contest_inputs' rows: positions, their draws, the screen's noise, then steps.Screen's
# fields (test sd, Bayes weight, the degree's weight, degree required, among AI adopters), the
# openings, the value of efficiency, rho, the horizon, the AI focus, the replaceable share
(POSITIONS, JITTER, NOISE, TEST_SD, BAYES_WEIGHT, DEGREE_WEIGHT, DEGREE_REQUIRED,
 DEGREE_REQUIRED_AI, OPENINGS, VALUE, RHO, HORIZON, FOCUS, REPLACEABLE_NOW) = range(14)
QUARTER_NUMBERS = 4  # one_chunk_quarter's scalars: adoption level, income, its reference, AI spend


@njit(cache=True, error_model="numpy", **WIDE)
def one_chunk_quarter(
        # steps 1-2: steps.ai_and_production's arguments
        adoption: F64, adopting: bool, capability: float, cost_ratio: float,
        human_cost0: F64, human_cost: F64, task_threshold: F64, task_occ: NDArray[np.int64],
        task_speed: F64, innovation: float, imitation: float, dt_years: float,
        task_share: F64, task_originate: F64, automation: F64, augmentation: F64,
        omega: float, review_burden: float, reinstatement: float, confirmer: bool,
        liability: float, ai_failure_rate: float, defensive: float, rate: float, cap: float,
        halvings: int, uplift: float, without_skill: float, occ_share: F64,
        moments: F64, productivity: F64, productivity0: F64, positions_last: F64, eta: F64,
        kappa: float, tfp: F64, land: F64, land_share: float, sigma: float,
        labour_force: float,
        # step 3 and the contest's inputs: MarketBase.demand_scalars' scale and boost, the
        # income effect's reference (phase_kernels.income_scale), then steps.contest_inputs'
        # arguments but those steps 1-2 give (its ``noise`` is the scenario's, ``noise_sd``; its
        # ``separation`` and ``finding`` are the close's too)
        demand_scale: F64, scale: float, income_ref: float, refresh: bool,
        income_elasticity: float, specialist: NDArray[np.bool_], boost: float,
        key_round: np.uint64, noise_sd: float, monitoring: float,
        licensed: NDArray[np.bool_], kappa_ai: float, kappa_plain: float, v: float,
        dvar: float, share_ai: float, share_plain: float, hires_last: F64,
        employed_last: F64, openings_floor: float, separation: F64, finding: F64,
        discount: float, prize_cap: float, tier: NDArray[np.int64], focus: float,
        shrinking: bool, positions_ref: F64, room: float, shrink_full: float, r: float,
        # steps 4-9: kernels.one_chunk_contest's arguments but those the steps before give (the
        # screen's noise and arrays, positions and their draws, the openings, the value of
        # efficiency, rho, the horizon, the AI focus, the AI phase's rows) or repeat (the
        # licensed occupations, r, the incumbency advantage); the entrants' mean AI skill from
        # the population's and its top (phase_kernels.entrant_ai_skill)
        status: NDArray[np.int8], occ: NDArray[np.int16], origin: NDArray[np.int16],
        degree: NDArray[np.uint8], log_skill: NDArray[np.float32],
        skill: NDArray[np.float32], ai_skill: NDArray[np.float32],
        effort: NDArray[np.float32], wage: NDArray[np.float32], tenure: NDArray[np.int16],
        agency: NDArray[np.float32], failures: NDArray[np.uint16],
        blamed: NDArray[np.uint16], mark: NDArray[np.float32], score: NDArray[np.float32],
        signal: NDArray[np.float32], won: NDArray[np.int8], used: int,
        key_retire: np.uint64, hazard: float, separation_rate: float, labour_target: float,
        mobility: F64, key_search: np.uint64, key_test: np.uint64, key_noise: np.uint64,
        degree_mean: F64, blame_penalty: float, productivity_weight: float,
        incumbent_advantage: float, gaussian_noise: bool, center: F64, half_width: float,
        key_entry: np.uint64, key_entry_skill: np.uint64, degree_share: float,
        skill_mean: float, skill_sd: float, degree_gap: float, ai_skill_base: float,
        ai_skill_top: float, effort0: float, last_bar: F64, key_select: np.uint64,
        key_trim: np.uint64, bargaining_share: float, competition: float,
        br_rows: F64, band: NDArray[np.int64], table: F64, rho_cell: NDArray[np.int64],
        rho_weight: F64, log_rho: F64, rho_known: F64,
        benefit: float, outside: F64, effort_cost: float, adjustment: float,
        max_effort: float, learn_share: float, skill_rate: float, skill_depreciation: float,
        ai_rate: float, ai_depreciation: float, human_failure: float, mark_keep: float,
        needed_threshold: float, ai_threshold: float, key_failure: np.uint64,
        log_wage_min: float, log_wage_max: float,
        flows: F64, cells: NDArray[np.int64], hist_n: F64, hist_x: F64, candidates: F64,
        applicants: F64, effort_sum: F64, entered: F64, friction_rows: F64, bar: F64,
        n_won: F64, new_center: F64, hires: F64, separations: F64, prize_won: F64,
        degree_stats: F64, learning_stats: F64, occ_sums: F64, wage_hist: F64,
        blame_sums: F64, log_effort: NDArray[np.float32],
        # the close: steps.close_quarter's arguments but those the steps before give
        record: F64, occ_mean_wage: F64, smoothing: float, replacement: float, centres: F64,
        consumption_weight: F64
) -> tuple[int, F64, F64, F64, F64, F64, F64]:  # pragma: no cover - compiled
    """Steps 1-2 (:func:`steps.ai_and_production`, on ``moments``: the moments the last wage
    pass kept), the income effect (:func:`phase_kernels.income_scale`), step 3 and the contest's
    inputs (:func:`steps.contest_inputs`), steps 4-9 over the rows
    (:func:`kernels.one_chunk_contest`) and the close (:func:`steps.close_quarter`), one after
    the other on what each gives the next. Returns the rows in use, the adoption, the contest
    inputs' rows, the close's scalars and rows, the production rows and
    :data:`QUARTER_NUMBERS` scalars (the adoption level, output per head, its reference, AI
    spending); the passes' sums are written where :func:`kernels.one_chunk_contest` writes
    them."""
    adoption, ai, level, production, income, spend, employed = steps.ai_and_production(
        adoption, adopting, capability, cost_ratio, human_cost0, human_cost, task_threshold,
        task_occ, task_speed, innovation, imitation, dt_years, task_share, task_originate,
        automation, augmentation, omega, review_burden, reinstatement, confirmer, liability,
        ai_failure_rate, defensive, rate, cap, halvings, uplift, without_skill, occ_share,
        moments, productivity, productivity0, positions_last, eta, kappa, tfp, land,
        land_share, sigma, labour_force)
    scale, income_ref = phase_kernels.income_scale(scale, income, income_ref, refresh,
                                                   income_elasticity)
    price, mpl, output = production[PRICE], production[MPL], production[OUTPUT]
    keep_time, ai_use = ai[KEEP_TIME], ai[AI_USE]
    inputs = steps.contest_inputs(
        demand_scale, scale, production[LIST_PRICE], eta, specialist, boost, output, employed,
        production[PER_WORKER], land_share, key_round, ai[FIRM_ADOPTION], noise_sd,
        monitoring, licensed, kappa_ai, kappa_plain, v, dvar, share_ai, share_plain,
        hires_last, employed_last, openings_floor, separation, finding, discount, prize_cap,
        ai_use, tier, focus, shrinking, positions_ref, room, shrink_full, ai[REPLACEABLE],
        keep_time, price, mpl, ai[AUG_SCALE], r)
    positions = inputs[POSITIONS]
    value = inputs[VALUE]
    ai_skill_mean = phase_kernels.entrant_ai_skill(ai_skill_base, ai_skill_top, level)
    used = kern.one_chunk_contest(
        status, occ, origin, degree, log_skill, skill, ai_skill, effort, wage, tenure, agency,
        failures, blamed, mark, score, signal, won, used, key_retire, hazard, separation_rate,
        labour_target, mobility, licensed, inputs[OPENINGS], key_search, key_test, key_noise,
        degree_mean, inputs[BAYES_WEIGHT], inputs[TEST_SD], ai[AUG_GAIN], blame_penalty,
        productivity_weight, incumbent_advantage, r, inputs[NOISE], gaussian_noise, center,
        half_width, key_entry, key_entry_skill, degree_share, skill_mean, skill_sd, degree_gap,
        ai_skill_mean, effort0, positions, inputs[JITTER], last_bar, key_select, key_trim,
        bargaining_share, competition, br_rows, band, table, rho_cell, rho_weight, inputs[RHO],
        log_rho, rho_known, value, benefit, outside, inputs[HORIZON], r, effort_cost,
        adjustment, max_effort, incumbent_advantage, learn_share, skill_rate,
        skill_depreciation, ai_rate, inputs[FOCUS], ai_depreciation, ai[AGENCY0],
        ai[AGENCY1], ai[HUMAN0], ai[HUMAN1], ai[MACHINE0], ai[MACHINE1], human_failure,
        ai[AI_FAILURE], ai[BLAME_PROB], keep_time, mark_keep, inputs[REPLACEABLE_NOW],
        ai[UNIT_COST], needed_threshold, ai_threshold, key_failure, log_wage_min,
        log_wage_max, flows, cells, hist_n, hist_x, candidates, applicants, effort_sum,
        entered, friction_rows, bar, n_won, new_center, hires, separations, prize_won,
        degree_stats, learning_stats, occ_sums, wage_hist, blame_sums, log_effort)
    scalars, close_rows = steps.close_quarter(
        record, employed, production[UNITS], n_won, candidates, applicants, hires,
        separations, human_cost, finding, separation, occ_mean_wage, smoothing, replacement,
        discount, occ_sums, wage_hist, centres, degree_stats, positions, friction_rows[1],
        friction_rows[2], output, effort_sum, prize_won, land, ai_use, ai[LABOUR_SHARE], bar,
        value, tfp, price, mpl, ai[REVIEW], inputs[DEGREE_WEIGHT], inputs[DEGREE_REQUIRED],
        inputs[DEGREE_REQUIRED_AI], tier, ai[FIRM_AUGMENT], consumption_weight)
    numbers = np.empty(QUARTER_NUMBERS)
    numbers[0] = level
    numbers[1] = income
    numbers[2] = income_ref
    numbers[3] = spend
    return used, adoption, inputs, scalars, close_rows, production, numbers
