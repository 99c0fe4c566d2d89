"""Per-person passes of one period, compiled with Numba (the hot path).

Each kernel is one pass over the rows, doing the per-person part of a step of MODEL.md §2 and
accumulating the per-occupation sums the small, per-occupation part of the step needs. The
per-occupation algebra lives in :mod:`neijuan.sim.steps`; this module holds no economics that is not
also written there in words. Random draws come from :mod:`neijuan.sim.rng`, keyed by (seed,
period, stream, row), so results do not depend on the order of evaluation.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit
from numpy.typing import NDArray

from neijuan.sim.effort import NO_EFFORT, cdf, lookup
from neijuan.sim.rng import std_logistic, std_normal, uniform, uniform2

OUT = 0
EMPLOYED = 1
UNEMPLOYED = 2
NO_BAR = -1.0e30  # bar of an occupation with at least as many positions as candidates
EFFORT_FLOOR = 1.0e-3  # hours per week: keeps log(effort) finite


@njit(inline="always", cache=True)
def efficiency(log_skill: float, z: float, aug_gain: float, spec_gain: float
               ) -> float:  # pragma: no cover - compiled
    """Efficiency units of one person in one occupation: skill times the augmentation uplift
    (grows with AI skill where work is augmented) times the AI-specialist factor."""
    return math.exp(log_skill) * (1.0 + aug_gain * z) * (1.0 + spec_gain * z)


# ------------------------------------------------------------------------------ step 2: production
@njit(cache=True)
def production_pass(status: NDArray[np.int8], occ: NDArray[np.int16],
                    log_skill: NDArray[np.float32], ai_skill: NDArray[np.float32],
                    aug_gain: NDArray[np.float64], spec_gain: NDArray[np.float64],
                    employed: NDArray[np.float64], efficiency_units: NDArray[np.float64]
                    ) -> None:  # pragma: no cover - compiled
    """Employment and efficiency units of labour per occupation."""
    employed[:] = 0.0
    efficiency_units[:] = 0.0
    for i in range(status.size):
        if status[i] == EMPLOYED:
            o = occ[i]
            employed[o] += 1.0
            efficiency_units[o] += efficiency(log_skill[i], ai_skill[i], aug_gain[o], spec_gain[o])


# ---------------------------------------------------------------------------- step 4: labour supply
@njit(cache=True)
def retire_pass(status: NDArray[np.int8], wage: NDArray[np.float32], key: np.uint64,
                hazard: float) -> int:  # pragma: no cover - compiled
    """Each member of the labour force retires with probability ``hazard``; returns how many."""
    n = 0
    for i in range(status.size):
        if status[i] != OUT and uniform(key, i) < hazard:
            status[i] = OUT
            wage[i] = 0.0
            n += 1
    return n


@njit(cache=True)
def entry_pass(status: NDArray[np.int8], occ: NDArray[np.int16], origin: NDArray[np.int16],
               degree: NDArray[np.uint8], log_skill: NDArray[np.float32],
               ai_skill: NDArray[np.float32], effort: NDArray[np.float32],
               wage: NDArray[np.float32], tenure: NDArray[np.int16],
               agency: NDArray[np.float32], failures: NDArray[np.uint16],
               blamed: NDArray[np.uint16], n_entrants: int, key_a: np.uint64,
               key_b: np.uint64, degree_share: float, skill_mean: float, skill_sd: float,
               degree_gap: float, ai_skill_mean: float, effort0: float, n_occ: int
               ) -> int:  # pragma: no cover - compiled
    """Fill free rows with a cohort of entrants (unemployed, searching from an entry pool)."""
    filled = 0
    for i in range(status.size):
        if filled >= n_entrants:
            break
        if status[i] != OUT:
            continue
        d = 1 if uniform(key_a, i) < degree_share else 0
        degree[i] = d
        log_skill[i] = (skill_mean + degree_gap * (d - degree_share)
                        + skill_sd * std_normal(key_b, i))
        # AI skill: exponential with the cohort's mean, capped at 1
        ai_skill[i] = min(1.0, -ai_skill_mean * math.log(uniform2(key_a, i)))
        status[i] = UNEMPLOYED
        origin[i] = n_occ + d
        occ[i] = -1
        effort[i] = effort0
        wage[i] = 0.0
        tenure[i] = 0
        agency[i] = 0.0
        failures[i] = 0
        blamed[i] = 0
        filled += 1
    return filled


# --------------------------------------------------------------- step 5: search and the contest
@njit(inline="always", cache=True)
def _search(cdf_row: NDArray[np.float64], u: float) -> int:  # pragma: no cover - compiled
    lo = 0
    hi = cdf_row.size - 1
    while lo < hi:
        mid = (lo + hi) // 2
        if cdf_row[mid] < u:
            lo = mid + 1
        else:
            hi = mid
    return lo


@njit(cache=True)
def score_pass(status: NDArray[np.int8], occ: NDArray[np.int16], origin: NDArray[np.int16],
               degree: NDArray[np.uint8], log_skill: NDArray[np.float32],
               ai_skill: NDArray[np.float32], effort: NDArray[np.float32],
               score: NDArray[np.float32], signal: NDArray[np.float32],
               search_cdf: NDArray[np.float64], key_search: np.uint64, key_test: np.uint64,
               key_noise: np.uint64, degree_mean: NDArray[np.float64],
               bayes_weight: NDArray[np.float64], test_sd: NDArray[np.float64],
               aug_gain: NDArray[np.float64], spec_gain: NDArray[np.float64],
               productivity_weight: float, incumbent_advantage: float, r: float,
               noise: NDArray[np.float64], gaussian_noise: bool,
               center: NDArray[np.float64], half_width: float,
               hist_n: NDArray[np.float64], hist_x: NDArray[np.float64],
               candidates: NDArray[np.float64], applicants: NDArray[np.float64],
               effort_sum: NDArray[np.float64]) -> None:  # pragma: no cover - compiled
    """Applications, screening and the log score of every candidate.

    The unemployed apply to one occupation drawn along the mobility network (weights: mobility
    times last period's openings; urn-ball). Every candidate, incumbent or applicant, is scored:
    ``x = (r ln e + k) / noise`` with ``k = w * E[ln h | degree, test] + incumbency``, where the
    firm's estimate of log skill is the precision-weighted (Bayesian linear) combination of the
    degree-group mean and a noisy skill test. Scores are histogrammed per occupation so that the
    bar can be solved without another pass. Under top-M the stored score includes the screen's
    Gaussian noise (the observed score); under Tullock the lottery is drawn later.
    """
    n_bins = hist_n.shape[1]
    hist_n[:, :] = 0.0
    hist_x[:, :] = 0.0
    candidates[:] = 0.0
    applicants[:] = 0.0
    effort_sum[:] = 0.0
    for i in range(status.size):
        st = status[i]
        if st == OUT:
            continue
        d = degree[i]
        if st == UNEMPLOYED:
            j = _search(search_cdf[d, origin[i]], uniform(key_search, i))
            occ[i] = j
        else:
            j = occ[i]
        test = log_skill[i] + test_sd[j] * std_logistic(key_test, i)
        prior = degree_mean[d]
        s_hat = prior + bayes_weight[j] * (test - prior)
        z = ai_skill[i]
        ln_h = s_hat + math.log1p(aug_gain[j] * z) + math.log1p(spec_gain[j] * z)
        k = productivity_weight * ln_h
        if st == EMPLOYED:
            k += incumbent_advantage
        e = effort[i]
        x = (r * math.log(max(e, EFFORT_FLOOR)) + k) / noise[j]
        signal[i] = k
        if gaussian_noise:
            x += std_normal(key_noise, i)
        score[i] = x
        b = int((x - center[j] + half_width) / (2.0 * half_width) * n_bins)
        b = min(max(b, 0), n_bins - 1)
        hist_n[j, b] += 1.0
        hist_x[j, b] += x
        candidates[j] += 1.0
        if st == UNEMPLOYED:
            applicants[j] += 1.0
        effort_sum[j] += e


@njit(cache=True)
def select_lottery_pass(status: NDArray[np.int8], occ: NDArray[np.int16],
                        score: NDArray[np.float32], bar: NDArray[np.float64],
                        won: NDArray[np.int8], n_won: NDArray[np.float64], key: np.uint64
                        ) -> None:  # pragma: no cover - compiled
    """Tullock lottery against the bar: win with probability logistic(x - bar)."""
    n_won[:] = 0.0
    for i in range(status.size):
        if status[i] == OUT:
            won[i] = 0
            continue
        j = occ[i]
        w = True if bar[j] <= NO_BAR else uniform(key, i) < cdf(score[i] - bar[j], 0)
        if w:
            won[i] = 2
            n_won[j] += 1.0
        else:
            won[i] = 1


@njit(cache=True)
def select_top_pass(status: NDArray[np.int8], occ: NDArray[np.int16],
                    score: NDArray[np.float32], bar: NDArray[np.float64],
                    center: NDArray[np.float64], half_width: float, n_bins: int,
                    cut_bin: NDArray[np.int64], take_in_cut: NDArray[np.float64],
                    in_cut: NDArray[np.float64], won: NDArray[np.int8],
                    n_won: NDArray[np.float64], key: np.uint64) -> None:  # pragma: no cover
    """Top-M on the observed (noisy) score: all above the cut bin win; in the cut bin exactly the
    remaining number win, a uniformly random subset (selection sampling)."""
    n_won[:] = 0.0
    need = take_in_cut.copy()
    left = in_cut.copy()
    for i in range(status.size):
        if status[i] == OUT:
            won[i] = 0
            continue
        j = occ[i]
        if bar[j] <= NO_BAR:
            w = True
        else:
            b = int((score[i] - center[j] + half_width) / (2.0 * half_width) * n_bins)
            b = min(max(b, 0), n_bins - 1)
            if b > cut_bin[j]:
                w = True
            elif b < cut_bin[j]:
                w = False
            else:
                w = uniform(key, i) * left[j] < need[j]
                if w:
                    need[j] -= 1.0
                left[j] -= 1.0
        if w:
            won[i] = 2
            n_won[j] += 1.0
        else:
            won[i] = 1


@njit(cache=True)
def trim_pass(status: NDArray[np.int8], occ: NDArray[np.int16], won: NDArray[np.int8],
              positions: NDArray[np.float64], n_won: NDArray[np.float64], key: np.uint64
              ) -> None:  # pragma: no cover - compiled
    """Where the lottery drew more winners than positions, keep a uniformly random subset of
    exactly ``positions`` of them (selection sampling), so employed <= positions always."""
    need = positions.copy()
    left = n_won.copy()
    for i in range(status.size):
        if won[i] != 2:
            continue
        j = occ[i]
        if n_won[j] <= positions[j]:
            continue
        if uniform(key, i) * left[j] < need[j]:
            need[j] -= 1.0
        else:
            won[i] = 1
        left[j] -= 1.0
    for j in range(n_won.size):
        n_won[j] = min(n_won[j], positions[j])


# ------------------------------------------------ steps 5-7: settle the contest, effort, learning
@njit(cache=True)
def settle_pass(status: NDArray[np.int8], occ: NDArray[np.int16], origin: NDArray[np.int16],
                degree: NDArray[np.uint8], tenure: NDArray[np.int16], won: NDArray[np.int8],
                score: NDArray[np.float32], signal: NDArray[np.float32],
                effort: NDArray[np.float32], log_skill: NDArray[np.float32],
                ai_skill: NDArray[np.float32], wage: NDArray[np.float32],
                bar: NDArray[np.float64], noise: NDArray[np.float64], br_rows: NDArray[np.float64],
                value_of_efficiency: NDArray[np.float64], aug_gain: NDArray[np.float64],
                spec_gain: NDArray[np.float64], bargaining: NDArray[np.float64],
                benefit: float, outside: NDArray[np.float64], horizon: NDArray[np.float64],
                r: float, effort_cost: float, adjustment: float,
                max_effort: float, incumbent_advantage: float, learn_share: float,
                skill_rate: float, skill_depreciation: float, ai_rate: float,
                ai_focus: NDArray[np.float64], ai_depreciation: float,
                hires: NDArray[np.float64], separations: NDArray[np.float64],
                prize_won: NDArray[np.float64],
                degree_stats: NDArray[np.float64], learning_stats: NDArray[np.float64]
                ) -> None:  # pragma: no cover - compiled
    """Apply the contest's outcome, then each candidate's effort moves toward its best response
    (step 6) and part of it becomes learning (step 7).

    The prize is the value of holding the job over being unemployed, W - U = (w - b) * horizon,
    with w the wage the person would earn in the occupation contested and horizon = 1 / (discount
    + separation rate + job-finding rate) of that occupation; the best response is read from the
    occupation's table row.
    """
    hires[:] = 0.0
    separations[:] = 0.0
    prize_won[:] = 0.0
    degree_stats[:, :] = 0.0
    learning_stats[:] = 0.0
    for i in range(status.size):
        st = status[i]
        if st == OUT:
            continue
        j = occ[i]
        w = won[i] == 2
        k = signal[i]
        if w:
            if st == EMPLOYED:
                tenure[i] += 1
            else:
                tenure[i] = 0
                hires[j] += 1.0
                k += incumbent_advantage
            status[i] = EMPLOYED
            origin[i] = j
        else:
            if st == EMPLOYED:
                k -= incumbent_advantage
                separations[j] += 1.0
            status[i] = UNEMPLOYED
            tenure[i] = 0
            wage[i] = 0.0
        z = ai_skill[i]
        h = efficiency(log_skill[i], z, aug_gain[j], spec_gain[j])
        w_j = bargaining[j] * value_of_efficiency[j] * h + (1.0 - bargaining[j]) * outside[j]
        prize = horizon[j] * max(w_j - benefit, 0.0)
        if w:
            prize_won[j] += prize
        # step 6: best response and partial adjustment
        e_br = 0.0
        if bar[j] > NO_BAR and prize > 0.0:
            sig = noise[j]
            a = math.log(prize * r / (sig * effort_cost)) - (sig * bar[j] - k) / r
            zs = lookup(br_rows[j], a)
            if zs > NO_EFFORT / 2:
                e_br = min(math.exp((sig * (zs + bar[j]) - k) / r), max_effort)
        e = effort[i] + adjustment * (e_br - effort[i])
        effort[i] = e
        # step 7: learning with diminishing returns, and obsolescence
        gain = math.log1p(learn_share * e)
        focus = ai_focus[j]
        learned = skill_rate * (1.0 - focus) * gain
        ls = log_skill[i] + learned - skill_depreciation
        log_skill[i] = ls
        z_new = z + ai_rate * focus * gain * (1.0 - z) - ai_depreciation * z
        ai_skill[i] = min(max(z_new, 0.0), 1.0)
        learning_stats[0] += learned
        learning_stats[1] += 1.0
        dd = degree[i]
        degree_stats[dd, 0] += 1.0
        degree_stats[dd, 1] += ls
        degree_stats[dd, 2] += ls * ls


# -------------------------------------------------------------- steps 8-9: wages, agency, blame
@njit(cache=True)
def wage_agency_pass(status: NDArray[np.int8], occ: NDArray[np.int16],
                     log_skill: NDArray[np.float32], ai_skill: NDArray[np.float32],
                     wage: NDArray[np.float32], agency: NDArray[np.float32],
                     failures: NDArray[np.uint16], blamed: NDArray[np.uint16],
                     value_of_efficiency: NDArray[np.float64], aug_gain: NDArray[np.float64],
                     spec_gain: NDArray[np.float64], bargaining: NDArray[np.float64],
                     outside: NDArray[np.float64], agency0: NDArray[np.float64], agency1: NDArray[np.float64],
                     human0: NDArray[np.float64], human1: NDArray[np.float64],
                     machine0: NDArray[np.float64], machine1: NDArray[np.float64],
                     human_failure: float, ai_failure: float, blame_ai: float,
                     agency_threshold: float, ai_threshold: float, key: np.uint64,
                     log_wage_min: float, log_wage_max: float,
                     occ_sums: NDArray[np.float64], wage_hist: NDArray[np.float64],
                     blame_sums: NDArray[np.float64]) -> None:  # pragma: no cover - compiled
    """Wages from marginal revenue product with a bargaining share (step 8); each employed
    person's agency, decision volumes, failures and blame (step 9).

    ``occ_sums[o, :]`` collects: 0 wage sum, 1 n with AI skill, 2 sum log wage with AI skill,
    3 n without, 4 sum log wage without, 5 agency sum, 6 retained-not-needed count,
    7 effort-free efficiency sum (unused here), 8 degree holders.
    ``blame_sums``: 0 human-originated volume, 1 AI-originated volume, 2 failures of
    human-originated work, 3 failures of AI-originated work, 4 of those blamed on the person.
    """
    occ_sums[:, :] = 0.0
    wage_hist[:] = 0.0
    blame_sums[:] = 0.0
    n_bins = wage_hist.size
    span = log_wage_max - log_wage_min
    for i in range(status.size):
        if status[i] != EMPLOYED:
            continue
        o = occ[i]
        z = ai_skill[i]
        h = efficiency(log_skill[i], z, aug_gain[o], spec_gain[o])
        w = bargaining[o] * value_of_efficiency[o] * h + (1.0 - bargaining[o]) * outside[o]
        w = max(w, 1e-6)
        wage[i] = w
        lw = math.log(w)
        occ_sums[o, 0] += w
        if z >= ai_threshold:
            occ_sums[o, 1] += 1.0
            occ_sums[o, 2] += lw
        else:
            occ_sums[o, 3] += 1.0
            occ_sums[o, 4] += lw
        a = min(max(agency0[o] + agency1[o] * z, 0.0), 1.0)
        agency[i] = a
        occ_sums[o, 5] += a
        if a < agency_threshold:
            occ_sums[o, 6] += 1.0
        b = int((lw - log_wage_min) / span * n_bins)
        wage_hist[min(max(b, 0), n_bins - 1)] += 1.0
        # decisions and failures: one draw splits into own failure / AI failure (blamed or not)
        human = human0[o] + human1[o] * z
        machine = machine0[o] + machine1[o] * z
        blame_sums[0] += human
        blame_sums[1] += machine
        u = uniform(key, i)
        p_h = human_failure * human
        p_m = ai_failure * machine
        if u < p_h:
            blame_sums[2] += 1.0
            if failures[i] < 65535:
                failures[i] += 1
                blamed[i] += 1
        elif u < p_h + p_m:
            blame_sums[3] += 1.0
            is_blamed = (u - p_h) < p_m * blame_ai
            if is_blamed:
                blame_sums[4] += 1.0
            if failures[i] < 65535:
                failures[i] += 1
                if is_blamed:
                    blamed[i] += 1
