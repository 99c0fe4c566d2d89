"""The per-occupation arithmetic of the phases (:mod:`neijuan.sim.market`), compiled.

Why: an occupation's update is a dozen small NumPy expressions, each a call of about a
microsecond whatever its 20 or 800 elements; a period makes some 300 of them, a third of a
10^4-worker run's period. Each function here does one phase's arithmetic in a single call.

The elementwise rules are NumPy's (``np.where(c, a, b)`` as ``a if c else b``, ``np.maximum``
with its NaN rule, sums as NumPy's pairwise sum); powers and exponentials are the C library's
(:mod:`neijuan.sim.libm` says why: NumPy's depend on the CPU). ``tests/sim/test_phase_kernels.py``
checks each against the NumPy expressions it stands for (bit for bit where there is no power or
exponential, within a few units in the last place where there is).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit
from numpy.typing import NDArray

from neijuan.sim.exact import (
    np_maximum,
    np_minimum,
    numpy_row_sums_within,
    numpy_sum,
    py_max,
)
from neijuan.sim.rng import uniforms

F64 = NDArray[np.float64]


@njit(cache=True, error_model="numpy")
def close_flows(employed_at_production: F64, units: F64, employed: F64, wage_sum: F64,
                candidates: F64, applicants: F64, hires: F64, separations: F64,
                human_cost: F64, finding: F64, separation: F64, occ_mean_wage: F64,
                smoothing: float, replacement: float, discount: float
                ) -> tuple[float, float, float, F64]:  # pragma: no cover - compiled
    """:meth:`MarketBase.close_period`'s arithmetic: ``(employed total, mean wage, benefit,
    rows)``, the rows human cost, finding, separation, occupation mean wage and outside option
    (one array: each array returned costs a conversion); the arrays given are left as they
    are."""
    n = employed.size
    total = numpy_sum(employed)
    mean_wage = numpy_sum(wage_sum) / py_max(total, 1.0)
    benefit = replacement * mean_wage
    rows = np.empty((5, n))
    cost, find, sep, wage, outside = rows[0], rows[1], rows[2], rows[3], rows[4]
    for o in range(n):
        per_worker = (units[o] / np_maximum(employed_at_production[o], 1.0)
                      if employed_at_production[o] > 0 else 1.0)
        cost[o] = (wage_sum[o] / np_maximum(employed[o], 1e-12) / per_worker
                   if employed[o] > 0 else human_cost[o])
        incumbents = candidates[o] - applicants[o]
        f = hires[o] / np_maximum(applicants[o], 1e-12) if applicants[o] > 0 else 1.0
        s = separations[o] / np_maximum(incumbents, 1e-12) if incumbents > 0 else 0.0
        find[o] = smoothing * finding[o] + (1 - smoothing) * f
        sep[o] = smoothing * separation[o] + (1 - smoothing) * s
        wage[o] = (wage_sum[o] / np_maximum(employed[o], 1e-12) if employed[o] > 0
                   else occ_mean_wage[o])
        lam = find[o] / (discount + sep[o] + find[o])
        outside[o] = benefit + lam * np_maximum(wage[o] - benefit, 0.0)
    return total, mean_wage, benefit, rows


@njit(cache=True, error_model="numpy")
def adopt(adoption: F64, capability: float, task_threshold: F64, ai_price: F64,
          human_cost: F64, task_occ: NDArray[np.int64], speed: F64, innovation: float,
          imitation: float, dt_years: float) -> F64:  # pragma: no cover - compiled
    """Step 1: Bass (1969) diffusion among firms, per task, dA = (p + q A)(1 - A) dt, only where
    AI can do the task (capability at its threshold) and is cheaper than people in the task's
    occupation; adoption never reverses."""
    out = np.empty(adoption.size)
    for i in range(adoption.size):
        a = adoption[i]
        o = task_occ[i]
        if capability >= task_threshold[i] and ai_price[o] < human_cost[o]:
            rate = (innovation + imitation * a) * (1.0 - a) * speed[i] * dt_years
            out[i] = np_minimum(a + rate, 1.0)
        else:
            out[i] = a
    return out


@njit(cache=True, error_model="numpy")
def ai_scales(augmented: F64, review: F64, pass_rate: F64, uplift: float, without_skill: float,
              ai_failure_rate: float, ai_use: F64, occ_share: F64, ai_price: F64
              ) -> tuple[float, F64]:  # pragma: no cover - compiled
    """Step 1's uplift of augmented work and the cost of defensive review: ``(adoption level,
    rows)``, the rows aug_gain, aug_scale, AI unit cost, time kept from review 1 - d and AI
    failures past the review (see :meth:`MarketBase.phase_ai`)."""
    n = augmented.size
    rows = np.empty((5, n))
    gain, scale, cost, keep, failing = rows[0], rows[1], rows[2], rows[3], rows[4]
    weighted = np.empty(n)
    for o in range(n):
        plain = 1.0 + augmented[o] * uplift * without_skill
        gain[o] = augmented[o] * uplift * (1.0 - without_skill) / plain
        keep[o] = 1.0 - review[o]
        scale[o] = plain * keep[o]
        cost[o] = ai_price[o] * scale[o]
        failing[o] = ai_failure_rate * pass_rate[o]
        weighted[o] = ai_use[o] * occ_share[o]
    return numpy_sum(weighted), rows


@njit(cache=True, error_model="numpy")
def horizon(separation: F64, finding: F64, discount: float, cap: float
            ) -> F64:  # pragma: no cover - compiled
    """:meth:`MarketBase.horizon`: min(1 / (r + s + f), cap)."""
    out = np.empty(separation.size)
    for o in range(separation.size):
        out[o] = np_minimum(1.0 / (discount + separation[o] + finding[o]), cap)
    return out


@njit(cache=True, error_model="numpy")
def ai_focus(ai_use: F64, tier: NDArray[np.int64], focus: float
             ) -> F64:  # pragma: no cover - compiled
    """:meth:`MarketBase.ai_focus`: focus * min(AI use + [AI-specialist role], 1)."""
    out = np.empty(ai_use.size)
    for o in range(ai_use.size):
        out[o] = focus * np_minimum(ai_use[o] + (1.0 if tier[o] == 3 else 0.0), 1.0)
    return out


@njit(cache=True, error_model="numpy")
def shrinking_weight(positions: F64, positions_ref: F64, room: float, full: float,
                     replaceable: F64) -> F64:  # pragma: no cover - compiled
    """:meth:`MarketBase.replaceable_where_shrinking` after the burn-in: the replaceable share
    weighted by how far positions fell behind the labour force (clipped to [0, 1])."""
    out = np.empty(positions.size)
    for o in range(positions.size):
        fall = 1.0 - positions[o] / np_maximum(positions_ref[o] * room, 1e-300)
        out[o] = np_minimum(np_maximum(fall / full, 0.0), 1.0) * replaceable[o]
    return out


@njit(cache=True, error_model="numpy")
def degree_moments(stats: F64) -> tuple[float, F64, float, float, float]:
    # pragma: no cover - compiled
    """The degree groups' moments of log skill from their counts, sums and sums of squares
    (``stats[d] = n, sum, sum of squares``): ``(mean of everyone, the two groups' means, the
    pooled within-group variance, the degree share, the degree gap)``, the Python floats'
    operations of :meth:`LabourMarket._degree_moments` as they were (``max`` as Python's;
    everyone's mean as NumPy sums a column of two, ``(0 + a) + b``)."""
    c0, s0, q0 = stats[0, 0], stats[0, 1], stats[0, 2]
    c1, s1, q1 = stats[1, 0], stats[1, 1], stats[1, 2]
    skill_mean = ((0.0 + s0) + s1) / py_max((0.0 + c0) + c1, 1.0)
    n0, n1 = py_max(c0, 1.0), py_max(c1, 1.0)
    m0, m1 = s0 / n0, s1 / n1
    v0, v1 = py_max(q0 / n0 - m0 * m0, 1e-9), py_max(q1 / n1 - m1 * m1, 1e-9)
    means = np.empty(2)
    means[0] = m0
    means[1] = m1
    within = (v0 * c0 + v1 * c1) / py_max(c0 + c1, 1.0)
    share = c1 / py_max(c0 + c1, 1.0)
    gap = m1 - m0 if c1 != 0.0 and c0 != 0.0 else 0.0
    return skill_mean, means, within, share, gap


@njit(cache=True, error_model="numpy")
def score_centres(hist_x: F64, candidates: F64, center: F64) -> F64:  # pragma: no cover
    """The candidates' mean score per occupation (sum over the histogram's cells / count),
    last quarter's where there are none."""
    return score_centres_within(hist_x, candidates, center, 0, hist_x.shape[1] - 1)


@njit(cache=True, error_model="numpy")
def score_centres_within(hist_x: F64, candidates: F64, center: F64, first: int, last: int
                         ) -> F64:  # pragma: no cover - compiled
    """:func:`score_centres` of a histogram whose cells outside ``first..last`` are empty (the
    same bits: :func:`~neijuan.sim.exact.numpy_row_sums_within`)."""
    sums = numpy_row_sums_within(hist_x, first, last)
    out = np.empty(candidates.size)
    for o in range(candidates.size):
        out[o] = sums[o] / np_maximum(candidates[o], 1.0) if candidates[o] > 0 else center[o]
    return out


@njit(cache=True, error_model="numpy")
def record_products(price: F64, output: F64, mpl: F64, units: F64, review: F64,
                    employed_at_production: F64, degree_weight: F64, degree_required: F64,
                    degree_required_ai: F64, hires: F64, tier: NDArray[np.int64],
                    firm_augment: F64, consumption_weight: F64) -> F64:  # pragma: no cover
    """The products among a period's records (:meth:`MarketBase.record`), rows: revenue,
    the marginal product's value of the units, review time, people at work, the degree's
    weight and requirement among hires, the requirement among AI-skill postings (what
    AI-adopting firms would ask where there are none yet), AI-skill postings, the price
    index's terms."""
    n = price.size
    out = np.empty((9, n))
    for o in range(n):
        at_work = np_maximum(employed_at_production[o], 0.0)
        asks_ai = 1.0 if tier[o] == 3 else firm_augment[o]
        out[0, o] = price[o] * output[o]
        out[1, o] = mpl[o] * units[o]
        out[2, o] = review[o] * at_work
        out[3, o] = at_work
        out[4, o] = degree_weight[o] * hires[o]
        out[5, o] = degree_required[o] * hires[o]
        out[6, o] = degree_required_ai[o] * (hires[o] * asks_ai + 1e-9 * hires[o])
        out[7, o] = hires[o] * asks_ai
        out[8, o] = consumption_weight[o] * price[o]
    return out


RECORD_ROWS = 39  # rows of a period's raw records (see record_rows)


@njit(cache=True, error_model="numpy")
def record_rows(out: F64, employed: F64, employed_at_production: F64, positions: F64,
                candidates: F64, applicants: F64, hires: F64, openings: F64,
                contested_openings: F64, output: F64, wage_sum: F64, effort_sum: F64,
                prize_won: F64, land: F64, ai_n: F64, agency_sum: F64,
                retained_not_needed: F64, ai_log_wage: F64, non_ai_n: F64,
                non_ai_log_wage: F64, ai_use: F64, labour_share: F64, bar: F64, value: F64,
                units: F64, tfp: F64, price: F64, skill_wage: F64, mpl: F64, review: F64,
                degree_weight: F64, degree_required: F64, degree_required_ai: F64,
                tier: NDArray[np.int64], firm_augment: F64, consumption_weight: F64
                ) -> None:  # pragma: no cover - compiled
    """A period's raw per-occupation records written into ``out`` (:data:`RECORD_ROWS` x
    occupations; :meth:`MarketBase.record`, whose derivation reads them by row): first the
    :data:`~neijuan.sim.market.SUMMED_ROWS` summed over occupations (employed after the
    contest and at production, positions, candidates, applicants, hires, openings, contested
    openings, output, revenue, the wage bill, effort, prizes won, the marginal product's value
    of the units, land, people with AI skill, agency, the retained but not needed, then the
    rest of :func:`record_products`), then the AI-skill wage figures' inputs and the
    per-occupation records (``skill_wage``: 4 rows)."""
    products = record_products(price, output, mpl, units, review, employed_at_production,
                               degree_weight, degree_required, degree_required_ai, hires, tier,
                               firm_augment, consumption_weight)
    out[0] = employed
    out[1] = employed_at_production
    out[2] = positions
    out[3] = candidates
    out[4] = applicants
    out[5] = hires
    out[6] = openings
    out[7] = contested_openings
    out[8] = output
    out[9] = products[0]
    out[10] = wage_sum
    out[11] = effort_sum
    out[12] = prize_won
    out[13] = products[1]
    out[14] = land
    out[15] = ai_n
    out[16] = agency_sum
    out[17] = retained_not_needed
    out[18:25] = products[2:9]
    out[25] = ai_log_wage
    out[26] = non_ai_n
    out[27] = non_ai_log_wage
    out[28] = ai_use
    out[29] = labour_share
    out[30] = bar
    out[31] = value
    out[32] = units
    out[33] = tfp
    out[34] = price
    out[35:39] = skill_wage


# --------------------------------------------------------------------------- step 2: production
@njit(cache=True, error_model="numpy")
def productivity_and_income(output: F64, employed: F64, productivity: F64, labour_force: float
                            ) -> tuple[F64, float]:  # pragma: no cover - compiled
    """Output per worker (last quarter's where nobody works) and output per member of the
    labour force."""
    out = np.empty(output.size)
    for o in range(output.size):
        out[o] = (output[o] / np_maximum(employed[o], 1.0) if employed[o] > 0
                  else productivity[o])
    return out, numpy_sum(output) / labour_force


@njit(cache=True, error_model="numpy")
def search_openings(hires_last: F64, positions: F64, employed_last: F64, floor: float
                    ) -> F64:  # pragma: no cover - compiled
    """Step 5 (search): last quarter's hires, plus positions not filled now, plus a floor."""
    out = np.empty(positions.size)
    for o in range(positions.size):
        out[o] = (hires_last[o] + np_maximum(positions[o] - employed_last[o], 0.0)
                  + floor * positions[o])
    return out


@njit(cache=True, error_model="numpy")
def screen_noise(firm_adoption: F64, noise: float, monitoring: float
                 ) -> F64:  # pragma: no cover - compiled
    """Step 5: the screen's noise, cut by AI monitoring where firms adopt AI."""
    out = np.empty(firm_adoption.size)
    for o in range(firm_adoption.size):
        out[o] = noise * (1.0 - monitoring * firm_adoption[o])
    return out


@njit(cache=True, error_model="numpy")
def search_cdf(mobility: F64, licensed: NDArray[np.bool_], openings: F64
               ) -> F64:  # pragma: no cover - compiled
    """:func:`~neijuan.sim.steps.search_cdf` in one compiled call: the same products, running
    sums and quotients as NumPy's ``cumsum`` and division (the same bits). A row with no weight
    at all (sum 0) falls back to the mobility row."""
    n_from, n_to = mobility.shape
    out = np.empty((2, n_from, n_to))
    w = np.empty(n_to)
    for d in range(2):
        for o in range(n_from):
            total = 0.0
            for j in range(n_to):
                wj = mobility[o, j] * max(openings[j], 1e-9)
                if d == 0 and licensed[j]:
                    wj = 0.0
                w[j] = wj
                total += wj
            if not total > 0:
                for j in range(n_to):
                    w[j] = mobility[o, j]
            c = 0.0
            for j in range(n_to):
                c += w[j]
                out[d, o, j] = c
            for j in range(n_to):
                out[d, o, j] = out[d, o, j] / c
            out[d, o, n_to - 1] = 1.0 + 1e-12
    return out


# ----------------------------------------------------- steps 2-8: prices, positions, frictions
@njit(cache=True, error_model="numpy")
def prices(productivity: F64, productivity0: F64, employed: F64, positions: F64, eta: F64,
           kappa: float) -> F64:  # pragma: no cover - compiled
    """:func:`~neijuan.sim.steps.prices`, rows: the list price (y / y0)^-kappa and the price
    paid, the list price times min(fill^(-1 / max(eta, 0.1)), 3) (y / y0 and the fill E / M,
    capped at 1, each 1 where not positive)."""
    n = productivity.size
    rows = np.empty((2, n))
    for o in range(n):
        r = productivity[o] / productivity0[o] if productivity0[o] > 0 else 1.0
        ratio = r if r > 0 else 1.0
        f = (np_minimum(employed[o] / np_maximum(positions[o], 1e-300), 1.0) if positions[o] > 0
             else 1.0)
        fill = f if f > 0 else 1.0
        exponent = -1.0 / np_maximum(eta[o], 0.1)
        base = ratio ** (-kappa)
        rows[0, o] = base
        rows[1, o] = base * np_minimum(fill**exponent, 3.0)
    return rows


@njit(cache=True, error_model="numpy")
def positions(demand_scale: F64, scale: float, list_price: F64, eta: F64,
              specialist: NDArray[np.bool_], boost: float, output: F64, employed: F64,
              productivity_last: F64, land_share: float) -> F64:  # pragma: no cover - compiled
    """Step 3: demand D = (A scale) P^-eta (times ``boost`` for AI-specialist work); positions
    M = E (D / Y)^(1 / (1 - alpha)) where the occupation produces, else D / y at last quarter's
    productivity (0 where it had none)."""
    n = demand_scale.size
    out = np.empty(n)
    inverse = 1.0 / (1.0 - land_share)
    for o in range(n):
        d = demand_scale[o] * scale * list_price[o] ** (-eta[o])
        demand = d * boost if specialist[o] else d
        ratio = demand / output[o] if output[o] > 0 else 0.0
        if employed[o] > 0 and output[o] > 0:
            out[o] = employed[o] * ratio**inverse
        else:
            out[o] = demand / productivity_last[o] if productivity_last[o] > 0 else 0.0
    return out


@njit(cache=True, error_model="numpy")
def rounded_positions(demand_scale: F64, scale: float, list_price: F64, eta: F64,
                      specialist: NDArray[np.bool_], boost: float, output: F64, employed: F64,
                      productivity_last: F64, land_share: float, key: np.uint64
                      ) -> tuple[F64, F64]:  # pragma: no cover - compiled
    """:func:`positions` rounded stochastically, ``(floor(M + u), u)`` with u draw o of the
    counter-based stream ``key`` (:func:`~neijuan.sim.rng.uniforms`): the expectation stays M."""
    wanted = positions(demand_scale, scale, list_price, eta, specialist, boost, output,
                       employed, productivity_last, land_share)
    jitter = uniforms(key, wanted.size)
    for o in range(wanted.size):
        wanted[o] = np.floor(wanted[o] + jitter[o])
    return wanted, jitter


@njit(cache=True, error_model="numpy")
def bargaining(positions: F64, candidates: F64, share: float, competition: float
               ) -> F64:  # pragma: no cover - compiled
    """Step 8: beta (M / C)^xi, positions per candidate capped at 1 (1 without candidates)."""
    out = np.empty(positions.size)
    for o in range(positions.size):
        retention = (np_minimum(positions[o] / np_maximum(candidates[o], 1.0), 1.0)
                     if candidates[o] > 0 else 1.0)
        out[o] = share * retention**competition
    return out


@njit(cache=True, error_model="numpy")
def frictions(positions: F64, candidates: F64, applicants: F64
              ) -> F64:  # pragma: no cover - compiled
    """Step 5's search frictions, rows: fillable positions M - V e^(-U/V), openings V (positions
    not held by an incumbent) and contested openings V (1 - e^(-U/V) (1 + U/V))."""
    n = positions.size
    rows = np.empty((3, n))
    for o in range(n):
        incumbents = np_maximum(candidates[o] - applicants[o], 0.0)
        openings = np_maximum(positions[o] - incumbents, 0.0)
        load = applicants[o] / np_maximum(openings, 1e-300) if openings > 0 else 0.0
        none_reached = math.exp(-load)
        rows[0, o] = positions[o] - openings * none_reached
        rows[1, o] = openings
        rows[2, o] = openings * (1.0 - none_reached * (1.0 + load))
    return rows


@njit(cache=True, error_model="numpy")
def income_scale(scale: float, income: float, income_ref: float, refresh: bool,
                 elasticity: float) -> tuple[float, float]:  # pragma: no cover - compiled
    """Step 3: demand's scale times the income effect, (Y / Y_ref)^eps (non-homothetic
    demand: every sector's demand rises with real output per head), and the reference, which
    ``refresh`` (the burn-in) or an unset one replaces by this quarter's ``income``. Returns
    ``(scale, reference)``. One definition for :meth:`MarketBase.demand_inputs` and the
    engine's quarter in one call (Python's floats and ``max``, the C library's power)."""
    if refresh or income_ref <= 0:
        income_ref = income
    ratio = income / income_ref if income_ref > 0 else 1.0
    return scale * py_max(ratio, 1e-6) ** elasticity, income_ref


@njit(cache=True, error_model="numpy")
def entrant_ai_skill(mean: float, top: float, adoption_level: float
                     ) -> float:  # pragma: no cover - compiled
    """Step 4: the entrants' mean AI skill, rising from the population's ``mean`` toward
    ``top`` with AI's adoption (at least 1e-6)."""
    return py_max(mean + (top - mean) * adoption_level, 1e-6)
