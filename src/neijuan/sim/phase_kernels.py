"""The per-occupation arithmetic of the phases (:mod:`neijuan.sim.market`), compiled.

Why: an occupation's update is a dozen small NumPy expressions, each a call of about a
microsecond whatever its 20 or 800 elements; a period makes some 300 of them, a third of a
10^4-worker run's period. Each function here does one phase's arithmetic in a single call.

Bit for bit the NumPy expressions they replace: the same operations on the same values in the
same order (``np.where(c, a, b)`` as ``a if c else b``, ``np.maximum`` with its NaN rule, sums
as NumPy's pairwise sum). Powers and exponentials of arrays stay in NumPy: its vectorised code
rounds differently from the C library's that compiled code calls. ``tests/sim/test_phase_kernels.py``
checks each against the NumPy expressions.
"""

from __future__ import annotations

import numpy as np
from numba import njit
from numpy.typing import NDArray

from neijuan.sim.exact import np_maximum, np_minimum, numpy_row_sums, numpy_sum, py_max

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
def score_centres(hist_x: F64, candidates: F64, center: F64) -> F64:  # pragma: no cover
    """The candidates' mean score per occupation (sum over the histogram's cells / count),
    last quarter's where there are none."""
    sums = numpy_row_sums(hist_x)
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


@njit(cache=True, error_model="numpy")
def openings_and_load(positions: F64, candidates: F64, applicants: F64
                      ) -> F64:  # pragma: no cover - compiled
    """Step 5's search frictions, before the exponential (NumPy's, see the module's note):
    rows openings V, applicants per opening U / V, -U / V."""
    n = positions.size
    rows = np.empty((3, n))
    openings, load, minus = rows[0], rows[1], rows[2]
    for o in range(n):
        incumbents = np_maximum(candidates[o] - applicants[o], 0.0)
        openings[o] = np_maximum(positions[o] - incumbents, 0.0)
        load[o] = applicants[o] / np_maximum(openings[o], 1e-300) if openings[o] > 0 else 0.0
        minus[o] = -load[o]
    return rows


@njit(cache=True, error_model="numpy")
def filled_and_contested(positions: F64, openings: F64, load: F64, none_reached: F64
                         ) -> tuple[F64, F64]:  # pragma: no cover - compiled
    """Step 5's search frictions, after the exponential (``none_reached`` = e^(-U/V)):
    ``(fillable positions, contested openings)``."""
    n = positions.size
    fillable = np.empty(n)
    contested = np.empty(n)
    for o in range(n):
        fillable[o] = positions[o] - openings[o] * none_reached[o]
        contested[o] = openings[o] * (1.0 - none_reached[o] * (1.0 + load[o]))
    return fillable, contested


@njit(cache=True, error_model="numpy")
def retention(positions: F64, candidates: F64) -> F64:  # pragma: no cover - compiled
    """Step 8: positions per candidate, capped at 1 (1 where there are no candidates)."""
    out = np.empty(positions.size)
    for o in range(positions.size):
        out[o] = (np_minimum(positions[o] / np_maximum(candidates[o], 1.0), 1.0)
                  if candidates[o] > 0 else 1.0)
    return out


@njit(cache=True, error_model="numpy")
def demand_and_ratio(demand_scale: F64, scale: float, price_term: F64,
                     specialist: NDArray[np.bool_], boost: float, output: F64
                     ) -> tuple[F64, F64]:  # pragma: no cover - compiled
    """Step 3: demand D = (A scale) P^-eta (times ``boost`` for AI-specialist work) and D / Y
    where there is output (0 elsewhere): ``(demand, ratio)``."""
    n = demand_scale.size
    demand = np.empty(n)
    ratio = np.empty(n)
    for o in range(n):
        d = demand_scale[o] * scale * price_term[o]
        demand[o] = d * boost if specialist[o] else d
        ratio[o] = demand[o] / output[o] if output[o] > 0 else 0.0
    return demand, ratio


@njit(cache=True, error_model="numpy")
def positions_from(ratio_power: F64, demand: F64, employed: F64, output: F64,
                   productivity_last: F64) -> F64:  # pragma: no cover - compiled
    """Step 3: positions M = E (D / Y)^(1 / (1 - alpha)) where the occupation produces, else
    D / y at last quarter's productivity (0 where it had none)."""
    out = np.empty(demand.size)
    for o in range(demand.size):
        if employed[o] > 0 and output[o] > 0:
            out[o] = employed[o] * ratio_power[o]
        else:
            out[o] = demand[o] / productivity_last[o] if productivity_last[o] > 0 else 0.0
    return out


# --------------------------------------------------------------------------- step 2: production
# steps.produce in stages: each stage's arithmetic compiled, the powers between them NumPy's
# (``array ** float`` as written there, so that NumPy's shortcuts for 0, 1/2, 1, 2 and -1 apply
# as before)
@njit(cache=True, error_model="numpy")
def price_bases(productivity: F64, productivity0: F64, employed: F64, positions: F64,
                eta: F64) -> F64:  # pragma: no cover - compiled
    """:func:`~neijuan.sim.steps.prices` before its powers, rows: y / y0 (1 where not
    positive), fill E / M capped at 1 (1 where not positive), -1 / max(eta, 0.1)."""
    n = productivity.size
    rows = np.empty((3, n))
    ratio, fill, exponent = rows[0], rows[1], rows[2]
    for o in range(n):
        r = productivity[o] / productivity0[o] if productivity0[o] > 0 else 1.0
        ratio[o] = r if r > 0 else 1.0
        f = (np_minimum(employed[o] / np_maximum(positions[o], 1e-300), 1.0) if positions[o] > 0
             else 1.0)
        fill[o] = f if f > 0 else 1.0
        exponent[o] = -1.0 / np_maximum(eta[o], 0.1)
    return rows


@njit(cache=True, error_model="numpy")
def scarce_price(base: F64, scarcity: F64, cap: float) -> F64:  # pragma: no cover - compiled
    """The price paid: list price times the scarcity factor, capped."""
    out = np.empty(base.size)
    for o in range(base.size):
        out[o] = base[o] * np_minimum(scarcity[o], cap)
    return out


@njit(cache=True, error_model="numpy")
def ces_inputs(h: F64, k: F64, gamma: F64) -> F64:  # pragma: no cover - compiled
    """:func:`~neijuan.sim.steps.ces` before its powers, rows: max(H, 1e-300), max(K, 0), AI's
    task share 1 - G where above 1e-12, else 0."""
    n = h.size
    rows = np.empty((3, n))
    h_c, k_c, ai_share = rows[0], rows[1], rows[2]
    for o in range(n):
        h_c[o] = np_maximum(h[o], 1e-300)
        k_c[o] = np_maximum(k[o], 0.0)
        ai_share[o] = 1.0 - gamma[o] if 1.0 - gamma[o] > 1e-12 else 0.0
    return rows


@njit(cache=True, error_model="numpy")
def ces_total(k_c: F64, k_rho: F64, gamma_s: F64, h_rho: F64, ai_share: F64, ai_share_s: F64,
              rho: float) -> F64:  # pragma: no cover - compiled
    """The CES sum G^(1/s) H^rho + (1 - G)^(1/s) K^rho (K^rho as +inf at K = 0 when rho < 0)."""
    out = np.empty(k_c.size)
    for o in range(k_c.size):
        k_term = k_rho[o] if k_c[o] > 0 else (np.inf if rho < 0 else 0.0)
        out[o] = gamma_s[o] * h_rho[o] + (ai_share_s[o] * k_term if ai_share[o] > 0 else 0.0)
    return out


@njit(cache=True, error_model="numpy")
def ces_composite(total: F64, total_power: F64) -> F64:  # pragma: no cover - compiled
    """X = (CES sum)^(1/rho) where the sum is a positive number, else 0."""
    out = np.empty(total.size)
    for o in range(total.size):
        t = total[o]
        out[o] = total_power[o] if (np.isfinite(t) and t > 0) else 0.0
    return out


@njit(cache=True, error_model="numpy")
def output_bases(x: F64, h: F64, land: F64, gamma: F64
                 ) -> F64:  # pragma: no cover - compiled
    """The composite where there are people (0 elsewhere) and the bases of the output's and
    the marginal product's powers, rows: X, max(X, 0), T / max(X, 1e-300), G X / max(H,
    1e-300)."""
    n = x.size
    rows = np.empty((4, n))
    xx, x_pos, land_per, share_per = rows[0], rows[1], rows[2], rows[3]
    for o in range(n):
        xo = x[o] if h[o] > 0 else 0.0
        xx[o] = xo
        x_pos[o] = np_maximum(xo, 0.0)
        land_per[o] = land[o] / np_maximum(xo, 1e-300)
        share_per[o] = gamma[o] * xo / np_maximum(h[o], 1e-300)
    return rows


@njit(cache=True, error_model="numpy")
def output_and_mpl(tfp: F64, land_power: F64, x_power: F64, land_per_power: F64,
                   share_per_power: F64, h: F64, land_share: float
                   ) -> tuple[F64, F64]:  # pragma: no cover - compiled
    """Y = A T^alpha X^(1 - alpha) and dY/dH = A (1 - alpha) (T / X)^alpha (G X / H)^(1/s)
    (0 where there are no people), from the powers."""
    n = tfp.size
    y = np.empty(n)
    mpl = np.empty(n)
    for o in range(n):
        y[o] = tfp[o] * land_power[o] * x_power[o]
        mpl[o] = (tfp[o] * (1.0 - land_share) * land_per_power[o] * share_per_power[o]
                  if h[o] > 0 else 0.0)
    return y, mpl


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
