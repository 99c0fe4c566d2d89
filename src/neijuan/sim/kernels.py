"""Per-person passes of one period, compiled with Numba (the hot path).

Each kernel is one pass over the rows, doing the per-person part of a step of MODEL.md §2 and
accumulating the per-occupation sums the small, per-occupation part of the step needs. The
per-occupation algebra lives in :mod:`neijuan.sim.steps`; this module holds no economics that is not
also written there in words. Random draws come from :mod:`neijuan.sim.rng`, keyed by (seed,
period, stream, row), so results do not depend on the order of evaluation.

The summing passes work in blocks of :data:`BLOCK` rows: the bookkeeping (branches, per-occupation
values and sums) row by row, the logarithms, exponentials and draws in short branch-free loops of
their own over the block, which the compiler vectorises (:mod:`neijuan.sim.vmath`); in the row
loop the C library's calls kept the passes scalar and waiting on each row's chain of them.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit
from numpy.typing import NDArray

from neijuan.sim.codegen import NOALIAS, WIDE
from neijuan.sim.constants import EFFORT_FLOOR, NO_BAR, NO_EFFORT, NO_POSITIONS
from neijuan.sim.effort import A_MAX, A_MIN, N_A, fill_cells, rho_cells
from neijuan.sim.exact import np_minimum, py_max
from neijuan.sim.phase_kernels import bargaining as phase_bargaining
from neijuan.sim.phase_kernels import frictions, score_centres_within
from neijuan.sim.phase_kernels import search_cdf as phase_search_cdf
from neijuan.sim.rng import chunk_key, std_normal, uniform, uniform2
from neijuan.sim.vmath import expf as vexpf
from neijuan.sim.vmath import logf as vlogf
from neijuan.sim.vmath import logistic

OUT = 0
EMPLOYED = 1
UNEMPLOYED = 2
# Occupation indices read from the state are cast to unsigned before indexing: a signed index
# costs a negative-index wraparound test on every access, and a row touches some 40
# per-occupation values (measured: 5-15% per pass, results unchanged).
# The row passes release the GIL (nogil): a shard runs its chunks on several threads at once.
# fast-math without the no-NaN/no-inf assumptions (the code compares against sentinels)
FAST = {"nsz", "arcp", "contract", "afn", "reassoc"}
# the same without reassociation: a loop that must give the bits a row-by-row loop gave writes
# that loop's association out, and fused multiply-adds form only where a product feeds a sum
FAST_ORDERED = {"nsz", "arcp", "contract", "afn"}


LOGISTIC_SD = 0.5513288954217920  # sqrt(3) / pi: logistic noise of unit variance
LANES = 8  # running sums of the bars' Newton sums, written out (a fixed order: see solve_bars)
BLOCK = 256  # rows per block of the passes that do their transcendental maths apart
# Row and block indices are unsigned too (see occupation indices above): a signed `start + q`
# kept every row access of the blocked passes testing for a negative index, and LLVM from
# vectorising the loops that gather per-occupation values (measured: the lottery 7.8 -> 5.0 ms
# a period at 10^6, results unchanged).
U_BLOCK = np.uint64(BLOCK)
A_STEP = (A_MAX - A_MIN) / (N_A - 1)

# Columns of the per-occupation values each pass packs side by side (``par``): the contest half
# and the work half of settling.
(_C_BAR, _C_NOISE, _C_VALUE, _C_AUG_GAIN, _C_BARGAINING, _C_OUTSIDE, _C_HORIZON,
 _C_COLUMNS) = range(8)
(_W_BARGAINING, _W_VALUE, _W_AUG_GAIN, _W_OUTSIDE, _W_KEEP_TIME, _W_AGENCY0, _W_AGENCY1,
 _W_REPLACEABLE, _W_AI_UNIT_COST, _W_HUMAN0, _W_HUMAN1, _W_MACHINE0, _W_MACHINE1, _W_AI_FAILURE,
 _W_BLAME_AI, _W_COLUMNS) = range(16)


@njit(inline="always", cache=True)
def efficiency(skill: float, z: float, aug_gain: float) -> float:  # pragma: no cover - compiled
    """Efficiency units of one person in one occupation: skill times the augmentation uplift,
    which grows with AI skill where work is augmented (s (1 + u a_o z), MODEL.md)."""
    return skill * (1.0 + aug_gain * z)


# ------------------------------------------------------------------------------ step 2: production
@njit(cache=True, fastmath=FAST, error_model="numpy", **WIDE)
def production_pass(status: NDArray[np.int8], occ: NDArray[np.int16],
                    skill: NDArray[np.float32], ai_skill: NDArray[np.float32],
                    aug_gain: NDArray[np.float64],
                    employed: NDArray[np.float64], efficiency_units: NDArray[np.float64]
                    ) -> None:  # pragma: no cover - compiled
    """Employment and efficiency units of labour per occupation."""
    employed[:] = 0.0
    efficiency_units[:] = 0.0
    for i in range(status.size):
        if status[i] == EMPLOYED:
            o = occ[i]
            employed[o] += 1.0
            efficiency_units[o] += efficiency(skill[i], ai_skill[i], aug_gain[o])


@njit(cache=True, error_model="numpy", **WIDE)
def skill_moments_pass(status: NDArray[np.int8], occ: NDArray[np.int16],
                       skill: NDArray[np.float32], ai_skill: NDArray[np.float32],
                       out: NDArray[np.float64]) -> None:  # pragma: no cover - compiled
    """Per occupation, over the employed: sum of skill s, of s z and of s z^2 (in float64, row
    order: the same sums as ``np.bincount`` with those weights, without the weight arrays)."""
    out[:, :] = 0.0
    for i in range(status.size):
        if status[i] == EMPLOYED:
            o = occ[i]
            sk = np.float64(skill[i])
            z = np.float64(ai_skill[i])
            sz = sk * z
            out[o, 0] += sk
            out[o, 1] += sz
            out[o, 2] += sz * z

# ---------------------------------------------------------------------------- step 4: labour supply
@njit(cache=True, fastmath=FAST, error_model="numpy", nogil=True, **WIDE)
def retire_pass(status: NDArray[np.int8], wage: NDArray[np.float32], key: np.uint64,
                hazard: float, separation: float, flows: NDArray[np.float64]
                ) -> int:  # pragma: no cover - compiled
    """Each member of the labour force retires with probability ``hazard``; each employed person
    who stays loses the job with probability ``separation`` (layoffs and quits into
    unemployment), keeping the occupation as origin. One draw per row decides both. Returns
    the retirements; ``flows`` gets (retirements, separations, labour force after them)."""
    n = 0
    sep = 0
    in_force = 0
    for i in range(status.size):
        st = status[i]
        if st == OUT:
            continue
        in_force += 1
        u = uniform(key, i)
        if u < hazard:
            status[i] = OUT
            wage[i] = 0.0
            n += 1
        elif st == EMPLOYED and u < hazard + separation:
            status[i] = UNEMPLOYED
            wage[i] = 0.0
            sep += 1
    flows[0] = n
    flows[1] = sep
    flows[2] = in_force - n
    return n


@njit(inline="always", cache=True)
def _enter(i: int, status: NDArray[np.int8], occ: NDArray[np.int16],
           origin: NDArray[np.int16], degree: NDArray[np.uint8], log_skill: NDArray[np.float32],
           skill: NDArray[np.float32], ai_skill: NDArray[np.float32],
           effort: NDArray[np.float32], wage: NDArray[np.float32], tenure: NDArray[np.int16],
           agency: NDArray[np.float32], failures: NDArray[np.uint16],
           blamed: NDArray[np.uint16], mark: NDArray[np.float32], key_a: np.uint64,
           key_b: np.uint64, degree_share: float, skill_mean: float, skill_sd: float,
           degree_gap: float, ai_skill_mean: float, effort0: float, n_occ: int
           ) -> None:  # pragma: no cover - compiled
    """An entrant in free row ``i`` (step 4): unemployed, searching from the entry pool."""
    d = 1 if uniform(key_a, i) < degree_share else 0
    degree[i] = d
    ls = skill_mean + degree_gap * (d - degree_share) + skill_sd * std_normal(key_b, i)
    log_skill[i] = ls
    skill[i] = math.exp(ls)
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
    mark[i] = 0.0


# --------------------------------------------------------------- step 5: search and the contest
LINEAR_SEARCH_MAX = 64  # up to this many occupations the search counts instead of bisecting


@njit(inline="always", cache=True)
def _search(cdf_row: NDArray[np.float64], u: float) -> int:  # pragma: no cover - compiled
    """The first index whose cumulative probability reaches ``u`` (the last where none does).
    Over a few dozen occupations: a count of the entries below ``u``, branch-free (a bisection's
    branches are coin tosses for the predictor; measured 6% of the score pass at 20)."""
    n = cdf_row.size
    if n <= LINEAR_SEARCH_MAX:
        below = 0
        for t in range(n):
            below += cdf_row[t] < u
        return min(below, n - 1)
    lo = 0
    hi = n - 1
    while lo < hi:
        mid = (lo + hi) // 2
        if cdf_row[mid] < u:
            lo = mid + 1
        else:
            hi = mid
    return lo


@njit(cache=True, fastmath=FAST_ORDERED, error_model="numpy", inline="never", **NOALIAS, **WIDE)
def _score_block(m: int, status: NDArray[np.int8], degree: NDArray[np.uint8],
                 log_skill: NDArray[np.float32], mark: NDArray[np.float32],
                 signal: NDArray[np.float32], tests: NDArray[np.float32],
                 uplifts: NDArray[np.float32], log_efforts: NDArray[np.float32],
                 contested: NDArray[np.int64], degree_mean: NDArray[np.float64],
                 test_sd: NDArray[np.float64], bayes_weight: NDArray[np.float64],
                 inv_noise: NDArray[np.float64], center: NDArray[np.float64],
                 productivity_weight: float, blame_penalty: float,
                 incumbent_advantage: float, r: float, xs: NDArray[np.float64],
                 centers: NDArray[np.float64]) -> None:  # pragma: no cover - compiled
    """The log scores of a block of ``m`` rows (``status``, ``degree``, ``log_skill``, ``mark``
    and ``signal`` are the block's slices), branch-free and vectorised: each candidate's
    non-effort part ``k`` into ``signal`` and score ``x`` into ``xs`` (without the screen's
    Gaussian noise), and the centre of the occupation's histogram; rows out of the labour
    force keep their signal. The arithmetic is written in the association the row-by-row loop
    compiled to and compiled without reassociation, so that the vector loop gives the same
    bits."""
    for q in range(m):
        st = status[q]
        live = st != OUT
        j = np.uint64(contested[q] if live else 0)  # (set for the labour force only)
        prior = degree_mean[np.uint64(degree[q])]
        # the firm's estimate of log skill: the degree group's mean and a noisy skill test,
        # weighted by their precision
        s_hat = bayes_weight[j] * ((log_skill[q] - prior) + test_sd[j] * tests[q]) + prior
        ln_h = s_hat + uplifts[q]
        k = productivity_weight * ln_h - blame_penalty * mark[q]
        k = k + incumbent_advantage if st == EMPLOYED else k
        signal[q] = k if live else signal[q]
        xs[q] = (r * log_efforts[q] + k) * inv_noise[j]
        centers[q] = center[j]


@njit(cache=True, fastmath=FAST, error_model="numpy", nogil=True, **WIDE)
def score_pass(status: NDArray[np.int8], occ: NDArray[np.int16], origin: NDArray[np.int16],
               degree: NDArray[np.uint8], log_skill: NDArray[np.float32],
               skill: NDArray[np.float32], ai_skill: NDArray[np.float32],
               effort: NDArray[np.float32], wage: NDArray[np.float32],
               tenure: NDArray[np.int16], agency: NDArray[np.float32],
               failures: NDArray[np.uint16], blamed: NDArray[np.uint16],
               mark: NDArray[np.float32], score: NDArray[np.float32],
               signal: NDArray[np.float32], search_cdf: NDArray[np.float64],
               key_search: np.uint64, key_test: np.uint64,
               key_noise: np.uint64, degree_mean: NDArray[np.float64],
               bayes_weight: NDArray[np.float64], test_sd: NDArray[np.float64],
               aug_gain: NDArray[np.float64], blame_penalty: float,
               productivity_weight: float, incumbent_advantage: float, r: float,
               noise: NDArray[np.float64], gaussian_noise: bool,
               center: NDArray[np.float64], half_width: float, key_entry: np.uint64,
               key_entry_skill: np.uint64, degree_share: float, skill_mean: float,
               skill_sd: float, degree_gap: float, ai_skill_mean: float, effort0: float,
               n_entrants: int, cells: NDArray[np.int64], hist_n: NDArray[np.float64],
               hist_x: NDArray[np.float64], candidates: NDArray[np.float64],
               applicants: NDArray[np.float64], effort_sum: NDArray[np.float64],
               entered: NDArray[np.float64], log_effort: NDArray[np.float32],
               keep_log_effort: bool) -> None:  # pragma: no cover - compiled
    """Entry, applications, screening and the log score of every candidate.

    First (step 4), the first ``n_entrants`` free rows in row order take a cohort of entrants
    (:func:`_enter`): the pass reads every row's status anyway, so no pass of its own walks the
    rows to find the free ones; ``entered[0]`` counts them. Each then applies as the unemployed
    do.

    The unemployed apply to one occupation drawn along the mobility network (weights: mobility
    times last period's openings; urn-ball). Every candidate, incumbent or applicant, is scored:
    ``x = (r ln e + k) / noise`` with ``k = w * E[ln h | degree, test] + incumbency``, where the
    firm's estimate of log skill is the precision-weighted (Bayesian linear) combination of the
    degree-group mean and a noisy skill test, less ``blame_penalty`` per blame mark on the
    person's record (blame lowers one's standing). Scores are histogrammed per occupation so that the
    bar can be solved without another pass. Under top-M the stored score includes the screen's
    Gaussian noise (the observed score); under Tullock the lottery is drawn later, from the
    signal and effort, and ``score`` is a placeholder (no array keeps it).

    ``cells`` holds the first and the last of the histograms' cells that may be non-zero (all
    of them for histograms that may hold anything; the range this pass left, when it gets its
    own histograms back): those are zeroed, the rest are zero already. The pass leaves in it the
    range its candidates filled (about a tenth of the cells), which the bars and the centres
    then read instead of every cell.

    ``keep_log_effort``: each row's log effort (as the score took it) is kept in ``log_effort``
    for the lottery (:func:`select_lottery_pass`), which then needs no logarithm of its own: a
    run of one chunk keeps them (4 bytes a row, at most a chunk's), the others do not.
    """
    n_bins = hist_n.shape[1]
    n_occ = noise.size
    filled = 0
    # an entrant's log effort, as the block's loop takes it from the effort the entrant gets
    log_effort0 = vlogf(np.float32(max(float(np.float32(effort0)), EFFORT_FLOOR)))
    for o in range(n_occ):
        for b in range(max(cells[0], 0), min(cells[1] + 1, n_bins)):
            hist_n[o, b] = 0.0
            hist_x[o, b] = 0.0
    first_cell = n_bins  # the cells filled: none yet
    last_cell = -1
    candidates[:] = 0.0
    applicants[:] = 0.0
    effort_sum[:] = 0.0
    inv_noise = 1.0 / noise
    tests = np.empty(BLOCK, np.float32)    # the skill test's logistic noise (unit variance)
    log_efforts = np.empty(BLOCK, np.float32)
    uplifts = np.empty(BLOCK, np.float32)  # a_o z, then log(1 + a_o z)
    contested = np.empty(BLOCK, np.int64)  # the occupation each candidate contests
    xs = np.zeros(BLOCK, np.float64)       # the candidates' scores
    centers = np.zeros(BLOCK, np.float64)  # the centre of the histogram each one falls in
    block_cells = np.empty(BLOCK, np.int64)  # and the cell
    n_rows = np.uint64(status.size)
    for start in range(np.uint64(0), n_rows, U_BLOCK):
        m = min(U_BLOCK, n_rows - start)
        # the block's logarithms that need no occupation (vectorised)
        for q in range(m):
            i = start + q
            u = uniform(key_test, i)
            tests[q] = vlogf(np.float32(u / (1.0 - u))) * LOGISTIC_SD
            log_efforts[q] = vlogf(np.float32(max(effort[i], EFFORT_FLOOR)))
        # search: the unemployed draw the occupation they apply to
        for q in range(m):
            i = start + q
            uplifts[q] = 0.0
            st = status[i]
            if st == OUT:
                if filled >= n_entrants:
                    continue
                _enter(i, status, occ, origin, degree, log_skill, skill, ai_skill, effort, wage,
                       tenure, agency, failures, blamed, mark, key_entry, key_entry_skill,
                       degree_share, skill_mean, skill_sd, degree_gap, ai_skill_mean, effort0,
                       n_occ)
                filled += 1
                log_efforts[q] = log_effort0
                st = UNEMPLOYED
            if st == UNEMPLOYED:
                j = np.uint64(_search(search_cdf[degree[i], np.uint64(origin[i])],
                                      uniform(key_search, i)))
                occ[i] = j
                applicants[j] += 1.0
            else:
                j = np.uint64(occ[i])
            contested[q] = j
            uplifts[q] = aug_gain[j] * ai_skill[i]
        for q in range(m):
            uplifts[q] = vlogf(np.float32(1.0 + uplifts[q]))
        if keep_log_effort:
            for q in range(m):
                log_effort[start + q] = log_efforts[q]
        block = slice(start, start + m)
        _score_block(m, status[block], degree[block], log_skill[block], mark[block],
                     signal[block], tests, uplifts, log_efforts, contested, degree_mean,
                     test_sd, bayes_weight, inv_noise, center, productivity_weight,
                     blame_penalty, incumbent_advantage, r, xs, centers)
        if gaussian_noise:  # (top-M: the screen's noise is drawn now, the score observed)
            for q in range(m):
                i = start + q
                if status[i] != OUT:
                    xs[q] += std_normal(key_noise, i)
        # the histogram cells (vectorised; rows out of the labour force get one they do not
        # use), then the sums in a loop of their own (measured: each a tenth to a fifth of the
        # pass faster than in the scoring loop; the same sums in the same order)
        for q in range(m):
            b = int((xs[q] - centers[q] + half_width) / (2.0 * half_width) * n_bins)
            block_cells[q] = min(max(b, 0), n_bins - 1)
        for q in range(m):
            i = start + q
            if status[i] == OUT:
                continue
            j = np.uint64(contested[q])
            x = xs[q]
            score[i] = x
            cell = block_cells[q]
            first_cell = min(first_cell, cell)
            last_cell = max(last_cell, cell)
            hist_n[j, np.uint64(cell)] += 1.0
            hist_x[j, np.uint64(cell)] += x
            effort_sum[j] += effort[i]
    cells[0] = first_cell
    cells[1] = last_cell
    for o in range(candidates.size):  # (counts: the histogram's are exact, in any order)
        candidates[o] = hist_n[o, first_cell:last_cell + 1].sum()
    entered[0] = filled


@njit(inline="always", cache=True)
def _lane_sum(cells: NDArray[np.float64], padded: int) -> float:  # pragma: no cover - compiled
    """The sum of ``cells[:padded]`` (a multiple of :data:`LANES`) in LANES running sums, cell q
    into sum q % LANES, added up in a fixed tree: the same bits whatever the width of the
    processor's vectors (the compiler may run the eight sums as one vector)."""
    s0 = s1 = s2 = s3 = s4 = s5 = s6 = s7 = 0.0
    for g in range(0, padded, LANES):
        s0 += cells[g]
        s1 += cells[g + 1]
        s2 += cells[g + 2]
        s3 += cells[g + 3]
        s4 += cells[g + 4]
        s5 += cells[g + 5]
        s6 += cells[g + 6]
        s7 += cells[g + 7]
    return ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7))


@njit(cache=True, fastmath=FAST_ORDERED, error_model="numpy", **WIDE)
def solve_bars(hist_n: NDArray[np.float64], hist_x: NDArray[np.float64],
               positions: NDArray[np.float64], candidates: NDArray[np.float64],
               warm: NDArray[np.float64]) -> NDArray[np.float64]:  # pragma: no cover - compiled
    """The Tullock bar b of each occupation: expected winners equal positions,
    sum_i logistic(x_i - b) = M, summed over the score histogram (bin means). Safeguarded Newton
    from last quarter's bar. Occupations with no more candidates than positions get no bar."""
    return solve_bars_within(hist_n, hist_x, positions, candidates, warm, 0,
                             hist_n.shape[1] - 1)


@njit(cache=True, fastmath=FAST_ORDERED, error_model="numpy", **WIDE)
def solve_bars_within(hist_n: NDArray[np.float64], hist_x: NDArray[np.float64],
                      positions: NDArray[np.float64], candidates: NDArray[np.float64],
                      warm: NDArray[np.float64], first_cell: int, last_cell: int
                      ) -> NDArray[np.float64]:  # pragma: no cover - compiled
    """:func:`solve_bars` of histograms whose cells outside ``first_cell..last_cell`` are empty
    (the same bars: only the occupied cells enter the sums)."""
    n_occ, n_bins = hist_n.shape
    bar = np.full(n_occ, NO_BAR)
    counts = np.zeros(n_bins + LANES)  # (padded to whole groups of lanes with empty cells)
    means = np.zeros(n_bins + LANES)
    won_cells = np.empty(n_bins + LANES)
    slope_cells = np.empty(n_bins + LANES)
    for o in range(n_occ):
        m = positions[o]
        if candidates[o] <= m:
            continue
        if m <= 0:
            bar[o] = NO_POSITIONS
            continue
        # the occupied cells lie between the first and the last (found by a vectorised
        # reduction: a candidate's cell is near the centre, so most of the row is empty)
        first = n_bins
        last = -1
        for b in range(max(first_cell, 0), min(last_cell + 1, n_bins)):
            occupied = hist_n[o, b] > 0
            first = min(first, b if occupied else n_bins)
            last = max(last, b if occupied else -1)
        k = 0
        lo = 1e300
        hi = -1e300
        for b in range(first, last + 1):
            c = hist_n[o, b]
            if c > 0:
                counts[k] = c
                mu = hist_x[o, b] / c
                means[k] = mu
                lo = min(lo, mu)
                hi = max(hi, mu)
                k += 1
        padded = -(-k // LANES) * LANES
        counts[k:padded] = 0.0  # (an empty cell adds exactly nothing)
        means[k:padded] = means[0]
        lo -= 60.0
        hi += 60.0
        x = warm[o] if lo < warm[o] < hi else 0.5 * (lo + hi)
        for _ in range(200):
            # each cell's share of the winners and of the slope (vectorised: the logistic is
            # branch-free), then their sums in a fixed order (a sum left to the vectoriser is
            # added in the order its vectors give: the bars, so every Tullock result, differed
            # in the last bits between 256-bit and 512-bit code)
            for q in range(padded):
                p = logistic(min(max(means[q] - x, -40.0), 40.0))
                won_cells[q] = counts[q] * p
                slope_cells[q] = counts[q] * p * (1.0 - p)
            won = _lane_sum(won_cells, padded)
            slope = _lane_sum(slope_cells, padded)
            excess = won - m
            if abs(excess) < 1e-9 * max(m, 1.0):
                break
            if excess > 0:
                lo = x
            else:
                hi = x
            step = x + excess / slope if slope > 0 else 0.5 * (lo + hi)
            x = step if lo < step < hi else 0.5 * (lo + hi)
            if hi - lo < 1e-13:
                break
        bar[o] = x
    return bar


@njit(cache=True, fastmath=FAST, error_model="numpy", inline="never", **NOALIAS, **WIDE)
def _lottery_block(m: int, status: NDArray[np.int8], occ: NDArray[np.int16],
                   signal: NDArray[np.float32], effort: NDArray[np.float32],
                   bar: NDArray[np.float64], inv_noise: NDArray[np.float64], r: float,
                   key: np.uint64, first: int, won: NDArray[np.int8],
                   log_effort: NDArray[np.float32], stored: bool
                   ) -> None:  # pragma: no cover - compiled
    """The lottery for a block of ``m`` rows from row ``first`` (the row arrays are the
    block's slices), branch-free and vectorised: 0 out of the labour force, 1 lost,
    2 won; where the occupation has no bar every candidate wins. ``stored``: the log
    efforts are the score pass's, in ``log_effort`` (else computed, the same bits)."""
    for q in range(m):
        live = status[q] != OUT
        j = np.uint64(occ[q]) if live else np.uint64(0)
        b = bar[j] if live else NO_BAR
        log_e = (float(log_effort[q]) if stored
                 else float(vlogf(np.float32(max(effort[q], EFFORT_FLOOR)))))
        x = (r * log_e + signal[q]) * inv_noise[j]
        z = np.float32(min(max(x - b, -40.0), 40.0))
        p = 1.0 / (1.0 + float(vexpf(-z)))
        wins = (b <= NO_BAR) | (uniform(key, first + q) < p)
        won[q] = (np.int8(2) if wins else np.int8(1)) if live else np.int8(0)


@njit(cache=True, fastmath=FAST, error_model="numpy", nogil=True, **WIDE)
def select_lottery_pass(status: NDArray[np.int8], occ: NDArray[np.int16],
                        signal: NDArray[np.float32], effort: NDArray[np.float32],
                        bar: NDArray[np.float64], noise: NDArray[np.float64], r: float,
                        won: NDArray[np.int8], n_won: NDArray[np.float64], key: np.uint64,
                        log_effort: NDArray[np.float32], stored: bool
                        ) -> None:  # pragma: no cover - compiled
    """Tullock lottery against the bar: win with probability logistic(x - bar).

    The score ``x = (r ln e + k) / noise`` is recomputed from the signal ``k`` and effort (no
    array keeps it: 4 bytes a row), the log effort taken from ``log_effort`` where ``stored``
    (the score pass's, which a run of one chunk keeps a row each: see :func:`score_pass`).
    In blocks of rows: the bars and noise read row by row, the scores, draws and the logistic
    (a log, an exp) in a vectorised loop, the outcomes and the winners' count row by row."""
    n_won[:] = 0.0
    inv_noise = 1.0 / noise
    n_rows = np.uint64(status.size)
    for start in range(np.uint64(0), n_rows, U_BLOCK):
        m = min(U_BLOCK, n_rows - start)
        _lottery_block(m, status[start:start + m], occ[start:start + m],
                       signal[start:start + m], effort[start:start + m], bar, inv_noise, r,
                       key, start, won[start:start + m],
                       log_effort[start:start + m] if stored else log_effort, stored)
        # the winners' count (exact in any order), branch-free: a loser adds 0 to occupation
        # 0. Where applicants are many, winning is a coin toss for the predictor: measured at
        # 10^6 with 31% unemployed, the pass 5.8 -> 4.0 ms; written as a test or a select,
        # the compiler kept the branch.
        for q in range(m):
            i = start + q
            wins = np.int64(won[i] == 2)
            n_won[np.uint64(np.int64(occ[i]) * wins)] += np.float64(wins)


@njit(cache=True, fastmath=FAST, error_model="numpy", **WIDE)
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
        j = np.uint64(occ[i])
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


@njit(inline="always", cache=True)
def _kept_by_chunk(to_keep: float, to_see: float, n_chunk: float
                   ) -> float:  # pragma: no cover - compiled
    """The winners a chunk keeps when it holds every winner left to see: the positions left
    (truncated to a count) where there are more winners than them, else all of its own."""
    return float(np.int64(to_keep)) if to_see > to_keep else n_chunk


@njit(cache=True, error_model="numpy", **WIDE)
def trim_quota(to_keep: NDArray[np.float64], to_see: NDArray[np.float64],
               n_chunk: NDArray[np.float64]
               ) -> tuple[bool, NDArray[np.float64]]:  # pragma: no cover - compiled
    """One chunk's share of the winners kept by the trim where no draw is needed: in each
    occupation with more winners still to see than positions to fill, the chunk holds all of
    those left to see, so it keeps exactly the positions left (truncated to a count); elsewhere
    all its winners. Updates ``to_keep`` and ``to_see`` and returns ``(True, kept)``, or
    ``(False, _)`` and changes nothing where an occupation needs the hypergeometric draw (or a
    count is not finite): the caller then draws, as NumPy."""
    n = to_keep.size
    kept = np.empty(n)
    for o in range(n):
        finite = np.isfinite(to_keep[o]) and np.isfinite(to_see[o]) and np.isfinite(n_chunk[o])
        if not finite or (to_see[o] > to_keep[o] and to_see[o] > n_chunk[o]):
            return False, kept
    for o in range(n):
        kept[o] = _kept_by_chunk(to_keep[o], to_see[o], n_chunk[o])
        to_keep[o] -= kept[o]
        to_see[o] -= n_chunk[o]
    return True, kept


@njit(cache=True, error_model="numpy", nogil=True, **WIDE)
def trim_ranks(drops: NDArray[np.int64], n_won: NDArray[np.int64], key: np.uint64
               ) -> tuple[NDArray[np.int64], NDArray[np.int64]]:  # pragma: no cover - compiled
    """The ranks the trim drops, ``(drop_ranks, drop_start)`` as :func:`settle_pass` reads them: in
    each occupation o a uniformly random set of ``drops[o]`` of its ``n_won[o]`` winners' ranks,
    sorted, by Floyd's algorithm (one draw per rank dropped; Bentley & Floyd 1987) on the
    counter-based stream ``key``, draw ``o + n_occ * t`` for the step that may add rank t."""
    n_occ = drops.size
    drop_start = np.zeros(n_occ + 1, np.int64)
    for o in range(n_occ):
        drop_start[o + 1] = drop_start[o] + min(max(drops[o], 0), max(n_won[o], 0))
    drop_ranks = np.empty(drop_start[n_occ], np.int64)
    for o in range(n_occ):
        d = drop_start[o + 1] - drop_start[o]
        if d == 0:
            continue
        n = n_won[o]
        chosen = np.zeros(n, np.bool_)
        for t in range(n - d, n):
            v = min(int(uniform(key, o + n_occ * t) * (t + 1)), t)  # uniform on 0..t
            if chosen[v]:
                chosen[t] = True  # (t itself is new: only ranks below t were chosen so far)
            else:
                chosen[v] = True
        at = drop_start[o]
        for rank in range(n):
            if chosen[rank]:
                drop_ranks[at] = rank
                at += 1
    return drop_ranks, drop_start


# ------------------------------------- steps 5-9: settle the contest, effort, learning, wages
@njit(cache=True, error_model="numpy", fastmath=False)  # (not the settle pass's: fill_cells)
def _widen_band(br_rows: NDArray[np.float64], band: NDArray[np.int64],
                table: NDArray[np.float64], rho_cell: NDArray[np.int64],
                rho_weight: NDArray[np.float64], o: np.uint64 | int,
                cell: int) -> None:  # pragma: no cover - compiled
    """Fill occupation ``o``'s row from its filled cells to ``cell`` and ``cell + 1`` (see
    :func:`_settle_contest`)."""
    first, stop = band[o, 0], band[o, 1]
    lo, w = rho_cell[o], rho_weight[o]
    if first >= stop:  # (none filled yet)
        fill_cells(table, lo, w, br_rows[o], cell, cell + 2)
        band[o, 0] = cell
        band[o, 1] = cell + 2
        return
    if cell < first:
        fill_cells(table, lo, w, br_rows[o], cell, first)
        band[o, 0] = cell
    if cell + 2 > stop:
        fill_cells(table, lo, w, br_rows[o], stop, cell + 2)
        band[o, 1] = cell + 2


@njit(cache=True, fastmath=FAST, error_model="numpy", **WIDE)
def _settle_contest(status: NDArray[np.int8], occ: NDArray[np.int16], origin: NDArray[np.int16],
                    tenure: NDArray[np.int16], won: NDArray[np.int8], signal: NDArray[np.float32],
                    effort: NDArray[np.float32], skill: NDArray[np.float32],
                    ai_skill: NDArray[np.float32], wage: NDArray[np.float32],
                    bar: NDArray[np.float64], noise: NDArray[np.float64],
                    br_rows: NDArray[np.float64], value_of_efficiency: NDArray[np.float64],
                    aug_gain: NDArray[np.float64],
                    bargaining: NDArray[np.float64], benefit: float, outside: NDArray[np.float64],
                    horizon: NDArray[np.float64], r: float, effort_cost: float, adjustment: float,
                    max_effort: float, incumbent_advantage: float,
                    drop_ranks: NDArray[np.int64], drop_start: NDArray[np.int64],
                    band: NDArray[np.int64], table: NDArray[np.float64],
                    rho_cell: NDArray[np.int64], rho_weight: NDArray[np.float64],
                    hires: NDArray[np.float64], separations: NDArray[np.float64],
                    prize_won: NDArray[np.float64]) -> None:  # pragma: no cover - compiled
    """Steps 5-6: the contest's outcome, the prize, the best response, effort.

    The outcome first takes the trim's drops (where the lottery drew more winners than
    positions; ``drop_ranks`` and ``drop_start`` as :func:`trim_ranks` gives them): counting
    each occupation's winners in row order from 0, those of the ranks dropped lose. This pass
    reads every row's outcome anyway, so no pass of its own walks the rows to count them.

    In blocks of rows: the outcome and the prize row by row, then the best responses of the
    block in a loop of their own (branch-free, vectorised: a log, a table look-up, an exp).

    ``br_rows[o]`` holds occupation o's table row in cells ``band[o, 0]`` to ``band[o, 1] - 1``
    (all of them, or those filled so far): a look-up past them fills the cells between, from the
    table's rows ``rho_cell[o]`` and the next one with weight ``rho_weight[o]``
    (:func:`effort.fill_cells`, what ``effort.rows_for`` writes), so a run of one chunk fills
    the few cells its candidates read instead of the whole row each quarter."""
    n_occ = bar.size
    seen = np.zeros(n_occ, np.int64)      # winners so far, per occupation
    drop_at = drop_start[:n_occ].copy()   # the next rank to drop, per occupation
    next_rank = np.full(n_occ, -1, np.int64)
    for g in range(n_occ):
        if drop_at[g] < drop_start[g + 1]:
            next_rank[g] = drop_ranks[drop_at[g]]
    hires[:] = 0.0
    separations[:] = 0.0
    prize_won[:] = 0.0
    arg = np.empty(BLOCK, np.float32)    # prize r / (sigma c); 1 where there is no response
    shift = np.empty(BLOCK, np.float64)  # (sigma b - k) / r
    scale = np.empty(BLOCK, np.float64)  # sigma / r
    row = np.empty(BLOCK, np.uint32)     # the occupation contested
    live = np.empty(BLOCK, np.bool_)     # a best response to compute
    target = np.empty(BLOCK, np.float32)
    frac = np.empty(BLOCK, np.float64)   # position between the two table cells
    at = np.empty(BLOCK, np.int64)       # the lower table cell
    lo_v = np.empty(BLOCK, np.float64)
    hi_v = np.empty(BLOCK, np.float64)
    inv_r = 1.0 / r
    n_rows = np.uint64(status.size)
    # the per-occupation values side by side, one row each (one base pointer in the row
    # loop instead of one per value, reloaded from the stack)
    par = np.empty((bar.size, _C_COLUMNS))
    par[:, _C_BAR] = bar
    par[:, _C_NOISE] = noise
    par[:, _C_VALUE] = value_of_efficiency
    par[:, _C_AUG_GAIN] = aug_gain
    par[:, _C_BARGAINING] = bargaining
    par[:, _C_OUTSIDE] = outside
    par[:, _C_HORIZON] = horizon
    for start in range(np.uint64(0), n_rows, U_BLOCK):
        m = min(U_BLOCK, n_rows - start)
        for q in range(m):
            i = start + q
            st = status[i]
            if st == OUT:
                arg[q] = 1.0
                shift[q] = 0.0
                scale[q] = 0.0
                row[q] = 0
                live[q] = False
                continue
            j = np.uint64(occ[i])
            w = won[i] == 2
            if w:  # (the trim: its one branch is almost never taken, the excess is a few)
                rank = seen[j]
                seen[j] = rank + 1
                if rank == next_rank[j]:
                    w = False
                    won[i] = 1
                    drop_at[j] += 1
                    next_rank[j] = (drop_ranks[drop_at[j]] if drop_at[j] < drop_start[j + 1]
                                    else -1)
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
            h = efficiency(skill[i], ai_skill[i], par[j, _C_AUG_GAIN])
            beta = par[j, _C_BARGAINING]
            w_j = beta * par[j, _C_VALUE] * h + (1.0 - beta) * par[j, _C_OUTSIDE]
            prize = par[j, _C_HORIZON] * max(w_j - benefit, 0.0)
            if w:
                prize_won[j] += prize
            # (each buffer written once, by a select: whether a candidate responds is not
            # worth a branch)
            b = par[j, _C_BAR]
            sig = par[j, _C_NOISE]
            responds = (b > NO_BAR) & (prize > 0.0)
            arg[q] = prize * r / (sig * effort_cost) if responds else 1.0
            shift[q] = (sig * b - k) * inv_r if responds else 0.0
            scale[q] = sig * inv_r if responds else 0.0
            row[q] = j if responds else 0
            live[q] = responds
        # step 6: best responses of the block, in three short loops: the log and the table
        # position (vectorised), the two table values (scalar loads), the interpolation and the
        # exp (vectorised)
        for q in range(m):
            a = float(vlogf(arg[q])) - shift[q]
            pos = max((a - A_MIN) * (1.0 / A_STEP), 0.0)
            cell = min(int(pos), N_A - 2)
            frac[q] = pos - cell
            at[q] = cell
        for q in range(m):
            o = np.uint64(row[q])
            if live[q] and (at[q] < band[o, 0] or at[q] + 2 > band[o, 1]):
                _widen_band(br_rows, band, table, rho_cell, rho_weight, o, at[q])
            c = np.uint64(at[q])
            lo_v[q] = br_rows[o, c]
            hi_v[q] = br_rows[o, c + np.uint64(1)]
        for q in range(m):
            lo = lo_v[q]
            hi = hi_v[q]
            w = frac[q]
            both = (lo > NO_EFFORT / 2) & (hi > NO_EFFORT / 2)
            nearer = lo if w < 0.5 else hi
            zs = lo + w * (hi - lo) if both else nearer
            x = max(scale[q] * zs + shift[q], -30.0)
            e_br = min(float(vexpf(np.float32(x))), max_effort)
            target[q] = e_br if live[q] & (zs > NO_EFFORT / 2) else 0.0
        for q in range(m):
            i = start + q
            if status[i] != OUT:
                e = effort[i]
                effort[i] = e + adjustment * (target[q] - e)


@njit(cache=True, fastmath=FAST_ORDERED, error_model="numpy", inline="never", **NOALIAS, **WIDE)
def _learning_block(m: int, status: NDArray[np.int8], occ: NDArray[np.int16],
                    degree: NDArray[np.uint8], gains: NDArray[np.float32],
                    ai_focus: NDArray[np.float64], log_skill: NDArray[np.float32],
                    skill: NDArray[np.float32], ai_skill: NDArray[np.float32],
                    mark: NDArray[np.float32], skill_rate: float, skill_depreciation: float,
                    ai_rate: float, ai_depreciation: float, mark_keep: float,
                    sums_at: NDArray[np.int64], skills: NDArray[np.float64],
                    ai_skills: NDArray[np.float64], log_skills: NDArray[np.float64],
                    learned_b: NDArray[np.float64], before_b: NDArray[np.float64],
                    degrees: NDArray[np.float64], live_b: NDArray[np.bool_],
                    exact_b: NDArray[np.bool_]) -> None:  # pragma: no cover - compiled
    """Step 7 for a block of ``m`` rows (the state arrays are the block's slices), branch-free
    and vectorised: learning with diminishing returns and obsolescence, and the fading of
    blame marks; rows out of the labour force are written back unchanged. For the sums and
    step 8 it leaves, per row: the occupation of the employed (-1 for the others), skill and AI
    skill in double precision, log skill before and after, learning, the degree, and whether
    the row is in the labour force.

    Skill moves by ``s exp(delta)`` as the second-order series in ``delta``; where ``|delta|
    >= 0.02`` (``exact_b``, almost never) the caller puts the exact exponential in its place.
    The arithmetic is written in the association the row-by-row loop compiled to and compiled
    without reassociation, so that the vector loop gives the same bits."""
    for q in range(m):
        st = status[q]
        live = st != OUT
        j = np.uint64(occ[q] if live else 0)  # (an entrant's occupation is -1 until it applies)
        gain = gains[q]
        focus = ai_focus[j]
        learned = (skill_rate * gain) * (1.0 - focus)
        delta = learned - skill_depreciation
        ls_before = log_skill[q]
        ls = ls_before + delta
        sk_before = skill[q]
        sk = sk_before * (1.0 + delta * (1.0 + 0.5 * delta))
        z_before = ai_skill[q]
        z = ((1.0 - z_before) * (ai_rate * focus)) * gain - (z_before * ai_depreciation
                                                             - z_before)
        z = z if z > 0.0 else 0.0
        z = z if z < 1.0 else 1.0
        mk_before = mark[q]
        mk = mk_before * mark_keep
        mk = mk if mk > 1e-3 else 0.0
        log_skill[q] = ls if live else ls_before
        skill[q] = sk if live else sk_before
        ai_skill[q] = z if live else z_before
        mark[q] = mk if live else mk_before
        sums_at[q] = np.int64(j) if st == EMPLOYED else np.int64(-1)
        skills[q] = sk
        ai_skills[q] = z
        log_skills[q] = ls
        learned_b[q] = learned
        before_b[q] = ls_before
        degrees[q] = float(degree[q])
        live_b[q] = live
        exact_b[q] = live & (abs(delta) >= 0.02)


@njit(cache=True, fastmath=FAST, error_model="numpy", **WIDE)
def _settle_work(status: NDArray[np.int8], occ: NDArray[np.int16], degree: NDArray[np.uint8],
                 effort: NDArray[np.float32], log_skill: NDArray[np.float32],
                 skill: NDArray[np.float32], ai_skill: NDArray[np.float32],
                 wage: NDArray[np.float32], agency: NDArray[np.float32],
                 failures: NDArray[np.uint16], blamed: NDArray[np.uint16],
                 mark: NDArray[np.float32],
                 value_of_efficiency: NDArray[np.float64], aug_gain: NDArray[np.float64],
                 bargaining: NDArray[np.float64],
                 outside: NDArray[np.float64], learn_share: float, skill_rate: float,
                 skill_depreciation: float, ai_rate: float, ai_focus: NDArray[np.float64],
                 ai_depreciation: float, agency0: NDArray[np.float64],
                 agency1: NDArray[np.float64], human0: NDArray[np.float64],
                 human1: NDArray[np.float64], machine0: NDArray[np.float64],
                 machine1: NDArray[np.float64], human_failure: float,
                 ai_failure: NDArray[np.float64], blame_ai: NDArray[np.float64],
                 keep_time: NDArray[np.float64], mark_keep: float,
                 replaceable: NDArray[np.float64], ai_unit_cost: NDArray[np.float64],
                 needed_threshold: float, ai_threshold: float, key: np.uint64,
                 log_wage_min: float, log_wage_max: float, degree_stats: NDArray[np.float64],
                 learning_stats: NDArray[np.float64], occ_sums: NDArray[np.float64],
                 wage_hist: NDArray[np.float64], blame_sums: NDArray[np.float64]
                 ) -> None:  # pragma: no cover - compiled
    """Steps 7-9: learning and obsolescence; wages, agency, failures and blame.

    In blocks of rows: learning in a vectorised loop (:func:`_learning_block`), then the
    per-degree sums, the wages, agency and failures row by row, then the wages' logarithms
    (vectorised) and their sums."""
    occ_sums[:, :] = 0.0
    wage_hist[:] = 0.0
    n_bins = wage_hist.size
    span = log_wage_max - log_wage_min
    n0 = s0 = q0 = n1 = s1 = q1 = 0.0
    l0 = ll0 = sl0 = l1 = ll1 = sl1 = 0.0
    vol_h = vol_m = fail_h = fail_m = fail_mb = 0.0
    gains = np.empty(BLOCK, np.float32)   # log(1 + share of effort that is learning)
    pays = np.empty(BLOCK, np.float32)    # the wage of the employed, 1 for the others
    log_pays = np.empty(BLOCK, np.float32)
    sums_at = np.empty(BLOCK, np.int64)   # the occupation of the employed, -1 for the others
    sums_col = np.empty(BLOCK, np.int64)  # 2 with AI skill, 4 without
    log_skills = np.empty(BLOCK, np.float64)
    draws = np.empty(BLOCK, np.float64)   # the failure draw of each row
    skills = np.empty(BLOCK, np.float64)  # skill and AI skill after learning
    ai_skills = np.empty(BLOCK, np.float64)
    learned_b = np.empty(BLOCK, np.float64)
    before_b = np.empty(BLOCK, np.float64)  # log skill before learning
    degrees = np.empty(BLOCK, np.float64)
    live_b = np.empty(BLOCK, np.bool_)
    exact_b = np.empty(BLOCK, np.bool_)   # learning too large for the series: the exact exp
    n_rows = np.uint64(status.size)
    # the per-occupation values side by side, one row each: the row loop keeps one base
    # pointer in a register instead of reloading fifteen from the stack
    par = np.empty((occ_sums.shape[0], _W_COLUMNS))
    par[:, _W_BARGAINING] = bargaining
    par[:, _W_VALUE] = value_of_efficiency
    par[:, _W_AUG_GAIN] = aug_gain
    par[:, _W_OUTSIDE] = outside
    par[:, _W_KEEP_TIME] = keep_time
    par[:, _W_AGENCY0] = agency0
    par[:, _W_AGENCY1] = agency1
    par[:, _W_REPLACEABLE] = replaceable
    par[:, _W_AI_UNIT_COST] = ai_unit_cost
    par[:, _W_HUMAN0] = human0
    par[:, _W_HUMAN1] = human1
    par[:, _W_MACHINE0] = machine0
    par[:, _W_MACHINE1] = machine1
    par[:, _W_AI_FAILURE] = ai_failure
    par[:, _W_BLAME_AI] = blame_ai
    for start in range(np.uint64(0), n_rows, U_BLOCK):
        m = min(U_BLOCK, n_rows - start)
        for q in range(m):
            gains[q] = vlogf(np.float32(1.0 + learn_share * effort[start + q]))
            draws[q] = uniform(key, start + q)
        # step 7: learning with diminishing returns, and obsolescence
        block = slice(start, start + m)
        _learning_block(m, status[block], occ[block], degree[block], gains, ai_focus,
                        log_skill[block], skill[block], ai_skill[block], mark[block],
                        skill_rate, skill_depreciation, ai_rate, ai_depreciation, mark_keep,
                        sums_at, skills, ai_skills, log_skills, learned_b, before_b, degrees,
                        live_b, exact_b)
        for q in range(m):
            pays[q] = 1.0
            if not live_b[q]:
                continue
            ls = log_skills[q]
            learned = learned_b[q]
            ls_prev = before_b[q]
            # (scalars, not array slots: the row loop keeps them in registers; branch-free,
            # the degree is a coin toss for the predictor)
            d1 = degrees[q]
            d0 = 1.0 - d1
            n1 += d1
            s1 += d1 * ls
            q1 += d1 * ls * ls
            l1 += d1 * learned
            ll1 += d1 * learned * learned
            sl1 += d1 * (ls_prev * learned)
            n0 += d0
            s0 += d0 * ls
            q0 += d0 * ls * ls
            l0 += d0 * learned
            ll0 += d0 * learned * learned
            sl0 += d0 * (ls_prev * learned)
            if exact_b[q]:
                skills[q] = math.exp(ls)
                skill[start + q] = skills[q]
            if sums_at[q] < 0:
                continue
            i = start + q
            j = np.uint64(sums_at[q])
            sk = skills[q]
            z = ai_skills[q]
            # step 8: the wage, on the skills after this quarter's learning (its log and the
            # sums of logs after the block's logs, below)
            beta = par[j, _W_BARGAINING]
            h = efficiency(sk, z, par[j, _W_AUG_GAIN])
            pay = max(beta * par[j, _W_VALUE] * h + (1.0 - beta) * par[j, _W_OUTSIDE], 1e-6)
            wage[i] = pay
            pays[q] = pay
            occ_sums[j, 0] += pay
            with_ai = z >= ai_threshold
            sums_col[q] = 2 if with_ai else 4
            # (columns chosen, not branched to: whether a person has AI skill is a coin toss
            # for the predictor)
            occ_sums[j, np.uint64(1 if with_ai else 3)] += 1.0
            occ_sums[j, np.uint64(11 if with_ai else 12)] += ls
            occ_sums[j, 13] += ls * ls
            occ_sums[j, 7] += sk
            occ_sums[j, 8] += sk * z
            occ_sums[j, 9] += sk * z * z
            # step 9: agency (net of defensive review), decisions, failures and blame
            kt = par[j, _W_KEEP_TIME]
            ag = min(max(par[j, _W_AGENCY0] + par[j, _W_AGENCY1] * z, 0.0), 1.0) * kt
            agency[i] = ag
            occ_sums[j, 5] += ag
            # needed: time originating on work AI cannot do, or cannot do more cheaply than this
            # person (their wage per efficiency unit against AI's price for the same work)
            # (branch-free: whether AI is cheaper than this person is a coin toss for the
            # predictor where AI's price is near the wage, as before AI spreads. Written as a
            # select between a value and 0, LLVM made it a branch around the value's load:
            # measured, a fifth of this pass in the burn-in. The product by 0 or 1 is exact.)
            replaced = par[j, _W_REPLACEABLE] * (1.0 if pay > par[j, _W_AI_UNIT_COST] * h else 0.0)
            needed = ag - replaced
            occ_sums[j, 6] += 1.0 if needed < needed_threshold else 0.0
            human = (par[j, _W_HUMAN0] + par[j, _W_HUMAN1] * z) * kt
            machine = par[j, _W_MACHINE0] + par[j, _W_MACHINE1] * z
            vol_h += human
            vol_m += machine
            u = draws[q]
            p_h = human_failure * human
            p_m = par[j, _W_AI_FAILURE] * machine
            if u < p_h:
                fail_h += 1.0
                mark[i] += 1.0
                if failures[i] < 65535:
                    failures[i] += 1
                    blamed[i] += 1
            elif u < p_h + p_m:
                fail_m += 1.0
                is_blamed = (u - p_h) < p_m * par[j, _W_BLAME_AI]
                if is_blamed:
                    fail_mb += 1.0
                    mark[i] += 1.0
                if failures[i] < 65535:
                    failures[i] += 1
                    if is_blamed:
                        blamed[i] += 1
        for q in range(m):
            log_pays[q] = vlogf(pays[q])
        for q in range(m):
            if sums_at[q] < 0:
                continue
            j = np.uint64(sums_at[q])
            lw = float(log_pays[q])
            occ_sums[j, np.uint64(sums_col[q])] += lw
            occ_sums[j, 14] += log_skills[q] * lw
            bb = int((lw - log_wage_min) / span * n_bins)
            wage_hist[np.uint64(min(max(bb, 0), n_bins - 1))] += 1.0
    for o in range(occ_sums.shape[0]):  # the employed: with AI skill and without (exact counts)
        occ_sums[o, 10] = occ_sums[o, 1] + occ_sums[o, 3]
    learning_stats[0, 0] = n0
    learning_stats[0, 1] = l0
    learning_stats[0, 2] = ll0
    learning_stats[0, 3] = sl0
    learning_stats[1, 0] = n1
    learning_stats[1, 1] = l1
    learning_stats[1, 2] = ll1
    learning_stats[1, 3] = sl1
    degree_stats[0, 0] = n0
    degree_stats[0, 1] = s0
    degree_stats[0, 2] = q0
    degree_stats[1, 0] = n1
    degree_stats[1, 1] = s1
    degree_stats[1, 2] = q1
    blame_sums[0] = vol_h
    blame_sums[1] = vol_m
    blame_sums[2] = fail_h
    blame_sums[3] = fail_m
    blame_sums[4] = fail_mb


@njit(cache=True, error_model="numpy", nogil=True, **WIDE)
def settle_pass(status: NDArray[np.int8], occ: NDArray[np.int16], origin: NDArray[np.int16],
                degree: NDArray[np.uint8], tenure: NDArray[np.int16], won: NDArray[np.int8],
                signal: NDArray[np.float32], effort: NDArray[np.float32],
                log_skill: NDArray[np.float32], skill: NDArray[np.float32],
                ai_skill: NDArray[np.float32], wage: NDArray[np.float32],
                agency: NDArray[np.float32], failures: NDArray[np.uint16],
                blamed: NDArray[np.uint16], mark: NDArray[np.float32], bar: NDArray[np.float64],
                noise: NDArray[np.float64],
                br_rows: NDArray[np.float64], value_of_efficiency: NDArray[np.float64],
                aug_gain: NDArray[np.float64],
                bargaining: NDArray[np.float64], benefit: float, outside: NDArray[np.float64],
                horizon: NDArray[np.float64], r: float, effort_cost: float, adjustment: float,
                max_effort: float, incumbent_advantage: float, learn_share: float,
                skill_rate: float, skill_depreciation: float, ai_rate: float,
                ai_focus: NDArray[np.float64], ai_depreciation: float,
                agency0: NDArray[np.float64], agency1: NDArray[np.float64],
                human0: NDArray[np.float64], human1: NDArray[np.float64],
                machine0: NDArray[np.float64], machine1: NDArray[np.float64],
                human_failure: float, ai_failure: NDArray[np.float64],
                blame_ai: NDArray[np.float64], keep_time: NDArray[np.float64], mark_keep: float,
                replaceable: NDArray[np.float64], ai_unit_cost: NDArray[np.float64],
                needed_threshold: float, ai_threshold: float, key: np.uint64,
                log_wage_min: float, log_wage_max: float, drop_ranks: NDArray[np.int64],
                drop_start: NDArray[np.int64], band: NDArray[np.int64],
                table: NDArray[np.float64], rho_cell: NDArray[np.int64],
                rho_weight: NDArray[np.float64],
                hires: NDArray[np.float64], separations: NDArray[np.float64],
                prize_won: NDArray[np.float64], degree_stats: NDArray[np.float64],
                learning_stats: NDArray[np.float64], occ_sums: NDArray[np.float64],
                wage_hist: NDArray[np.float64], blame_sums: NDArray[np.float64]
                ) -> None:  # pragma: no cover - compiled
    """Apply the contest's outcome (step 5), less the trim's drops (``drop_ranks``,
    ``drop_start``: see :func:`trim_ranks`; none under top-M); each candidate's effort moves
    toward its best response (step 6) and part of it becomes learning, against obsolescence
    (step 7); then each employed person's wage (step 8) and agency, decisions, failures and
    blame (step 9). ``band``, ``table``, ``rho_cell``, ``rho_weight``: which cells of
    ``br_rows`` are filled, and how to fill the others (see :func:`_settle_contest`).

    The prize is the value of holding the job over being unemployed, W - U = (w - b) * horizon,
    with w the wage the person would earn in the occupation contested and horizon = 1 / (discount
    + separation rate + job-finding rate) there; the best response is read from the
    occupation's table row. Wages: w = beta P mpl h + (1 - beta) outside. Agency and decision
    volumes are linear in AI skill, and defensive review leaves a share ``keep_time`` of the
    time; one draw splits into an own failure (blamed on the person), an AI failure that got past
    the review (rate ``ai_failure`` of the occupation, net of review) that the person is blamed
    for (probability ``blame_ai`` of the occupation), or one they are not. ``replaceable`` is
    per occupation, already net of review time. Each blame adds a mark to the person's record;
    marks fade by ``mark_keep``.
    A person is retained, not needed, when the share of their time that is needed (originating
    work AI cannot do more cheaply than they do) is below ``needed_threshold``.

    ``occ_sums[o, :]`` collects: 0 wage sum, 1 n with AI skill, 2 sum log wage with AI skill,
    3 n without, 4 sum log wage without, 5 agency sum, 6 retained-not-needed count,
    7 sum of skill, 8 sum of skill * z, 9 sum of skill * z^2, 10 employed (7-10 give the next
    quarter's efficiency units for any uplift without another pass); 11-12 sum ln s with and
    without AI skill, 13 sum (ln s)^2, 14 sum ln s ln w (the return to AI skill at equal skill).
    ``learning_stats[d]`` (d = degree): n, sum of learning, its sum of squares, and sum of log
    skill before learning times learning (how learning moves the groups' means and variance).
    ``blame_sums``: 0 human-originated volume, 1 AI-originated volume, 2 failures of
    human-originated work, 3 failures of AI-originated work, 4 of those blamed on the person.
    """
    # two passes rather than one: each loop body is short enough for the processor to overlap
    # iterations (one long body left it waiting on each row's chain of log, look-up and exp)
    _settle_contest(
        status, occ, origin, tenure, won, signal, effort, skill, ai_skill, wage, bar, noise,
        br_rows, value_of_efficiency, aug_gain, bargaining, benefit, outside, horizon, r,
        effort_cost, adjustment, max_effort, incumbent_advantage, drop_ranks, drop_start, band,
        table, rho_cell, rho_weight, hires, separations, prize_won)
    _settle_work(
        status, occ, degree, effort, log_skill, skill, ai_skill, wage, agency, failures, blamed,
        mark, value_of_efficiency, aug_gain, bargaining, outside, learn_share, skill_rate,
        skill_depreciation, ai_rate, ai_focus, ai_depreciation, agency0, agency1, human0, human1,
        machine0, machine1, human_failure, ai_failure, blame_ai, keep_time, mark_keep,
        replaceable, ai_unit_cost, needed_threshold, ai_threshold,
        key, log_wage_min, log_wage_max, degree_stats, learning_stats, occ_sums, wage_hist,
        blame_sums)


@njit(cache=True, error_model="numpy", **WIDE)
def one_chunk_contest(
        status: NDArray[np.int8], occ: NDArray[np.int16], origin: NDArray[np.int16],
        degree: NDArray[np.uint8], log_skill: NDArray[np.float32],
        skill: NDArray[np.float32], ai_skill: NDArray[np.float32],
        effort: NDArray[np.float32], wage: NDArray[np.float32], tenure: NDArray[np.int16],
        agency: NDArray[np.float32], failures: NDArray[np.uint16],
        blamed: NDArray[np.uint16], mark: NDArray[np.float32], score: NDArray[np.float32],
        signal: NDArray[np.float32], won: NDArray[np.int8], used: int,
        # step 4: retirements and separations, then entry up to the labour force's target
        key_retire: np.uint64, hazard: float, separation: float, labour_target: float,
        # step 5: the economy's mobility network and licensed occupations, then score_pass's
        # arguments between the rows and the entrants, the openings applications go to in
        # place of the application probabilities (computed here from them)
        mobility: NDArray[np.float64], licensed: NDArray[np.bool_],
        search_openings: NDArray[np.float64], key_search: np.uint64, key_test: np.uint64,
        key_noise: np.uint64, degree_mean: NDArray[np.float64],
        bayes_weight: NDArray[np.float64], test_sd: NDArray[np.float64],
        aug_gain: NDArray[np.float64], blame_penalty: float, productivity_weight: float,
        incumbent_advantage: float, r: float, noise: NDArray[np.float64],
        gaussian_noise: bool, center: NDArray[np.float64], half_width: float,
        key_entry: np.uint64, key_entry_skill: np.uint64, degree_share: float,
        skill_mean: float, skill_sd: float, degree_gap: float, ai_skill_mean: float,
        effort0: float,
        # step 5: frictions, the bars, the lottery and its trim; step 8's bargaining share
        positions: NDArray[np.float64], jitter: NDArray[np.float64],
        last_bar: NDArray[np.float64], key_select: np.uint64, key_trim: np.uint64,
        bargaining_share: float, competition: float,
        # steps 5-9: the best-response rows (filled on demand: see _settle_contest) and the
        # value of efficiency, then settle_pass's
        # arguments after the bargaining share and before the drops (its noise and AI uplift
        # are the score pass's; its r and incumbency advantage are passed again, as it takes
        # them)
        br_rows: NDArray[np.float64], band: NDArray[np.int64], table: NDArray[np.float64],
        rho_cell: NDArray[np.int64], rho_weight: NDArray[np.float64],
        rho: NDArray[np.float64], log_rho: NDArray[np.float64], rho_known: NDArray[np.float64],
        value_of_efficiency: NDArray[np.float64],
        benefit: float, outside: NDArray[np.float64], horizon: NDArray[np.float64],
        settle_r: float, effort_cost: float, adjustment: float, max_effort: float,
        settle_incumbent_advantage: float, learn_share: float,
        skill_rate: float, skill_depreciation: float, ai_rate: float,
        ai_focus: NDArray[np.float64], ai_depreciation: float,
        agency0: NDArray[np.float64], agency1: NDArray[np.float64],
        human0: NDArray[np.float64], human1: NDArray[np.float64],
        machine0: NDArray[np.float64], machine1: NDArray[np.float64],
        human_failure: float, ai_failure: NDArray[np.float64],
        blame_ai: NDArray[np.float64], keep_time: NDArray[np.float64], mark_keep: float,
        replaceable: NDArray[np.float64], ai_unit_cost: NDArray[np.float64],
        needed_threshold: float, ai_threshold: float, key_failure: np.uint64,
        log_wage_min: float, log_wage_max: float,
        # what it sets: flows (retired, separated, labour force after), the score histograms'
        # filled cells (in: those the last quarter filled) and the score pass's sums, the
        # frictions' rows, the bars, the winners, the centres, the settle pass's sums
        flows: NDArray[np.float64], cells: NDArray[np.int64], hist_n: NDArray[np.float64],
        hist_x: NDArray[np.float64],
        candidates: NDArray[np.float64], applicants: NDArray[np.float64],
        effort_sum: NDArray[np.float64], entered: NDArray[np.float64],
        friction_rows: NDArray[np.float64], bar: NDArray[np.float64],
        n_won: NDArray[np.float64], new_center: NDArray[np.float64],
        hires: NDArray[np.float64], separations: NDArray[np.float64],
        prize_won: NDArray[np.float64], degree_stats: NDArray[np.float64],
        learning_stats: NDArray[np.float64], occ_sums: NDArray[np.float64],
        wage_hist: NDArray[np.float64], blame_sums: NDArray[np.float64],
        log_effort: NDArray[np.float32]
) -> int:  # pragma: no cover - compiled
    """Steps 4 to 9 of a Tullock quarter over the rows, for a run whose rows are one chunk of
    one shard (up to ``shard.CHUNK_ROWS``): the same passes, in the same order, on the same
    arguments as the model's general path (``LabourMarket.step`` through the shard's methods),
    with the per-occupation steps between them (frictions, bars, trim, centres, bargaining)
    done here instead of in Python. Why: at 10^4 workers the Python between the passes cost
    more than a third of a quarter. ``used`` is the rows in use (a high-water mark); returns it
    after entry. The general path's one-chunk rules, step by step: the keys are the streams'
    own (the chunk starts at row 0); the sums of one chunk are the chunk's; the trim's chunk
    holds every winner, so it keeps exactly the positions (no draw). One thing differs, not in
    its results: the score histograms are the chunk's own from one quarter to the next, so the
    score pass zeroes only the cells the last quarter filled (``cells``), and the bars and the
    centres read only those filled now (the others are +0.0: the same sums, bit for bit).
    ``tests/sim/test_shard.py`` checks the two paths give the same bits."""
    size = status.size
    n_occ = noise.size
    # (the log efforts kept for the lottery: a row each here; a flag known only when the call
    # runs, so that the passes compile once for this call and for the pass-by-pass path)
    keep_log_effort = log_effort.size >= size
    search_cdf = phase_search_cdf(mobility, licensed, search_openings)
    # (each occupation's table row below its rho and the weight of the one above; rows whose
    # rho changed emptied, then refilled over last quarter's cells in one go: this quarter's
    # candidates read most of them again, and a row filled cell by cell on demand took some
    # 200 calls a quarter; a cell's value is its rho's whenever it is filled)
    last_band = band.copy()
    rho_cells(rho, log_rho, rho_known, band, rho_cell, rho_weight)
    for o in range(n_occ):
        first, stop = last_band[o, 0], last_band[o, 1]
        if band[o, 1] == 0 and first < stop:
            fill_cells(table, rho_cell[o], rho_weight[o], br_rows[o], first, stop)
            band[o, 0] = first
            band[o, 1] = stop
    # step 4: retirements and separations over the rows in use; entrants take the first free
    # rows (as LabourMarket.entry_plan and Shard._entry_quotas)
    retire_pass(status[:used], wage[:used], key_retire, hazard, separation, flows)
    in_force = int(flows[2])
    free = size - in_force
    n_entrants = min(max(round(py_max(labour_target - in_force, 0.0)), 0), free)
    free_in_use = free - (size - used)
    used += max(0, n_entrants - free_in_use)
    # step 5: entry, applications, screening and scores
    score_pass(status[:used], occ[:used], origin[:used], degree[:used], log_skill[:used],
               skill[:used], ai_skill[:used], effort[:used], wage[:used], tenure[:used],
               agency[:used], failures[:used], blamed[:used], mark[:used], score[:used],
               signal[:used], search_cdf, key_search, key_test, key_noise, degree_mean,
               bayes_weight, test_sd, aug_gain, blame_penalty, productivity_weight,
               incumbent_advantage, r, noise, gaussian_noise, center, half_width, key_entry,
               key_entry_skill, degree_share, skill_mean, skill_sd, degree_gap, ai_skill_mean,
               effort0, n_entrants, cells, hist_n, hist_x, candidates, applicants, effort_sum,
               entered, log_effort[:used], keep_log_effort)
    # search frictions: openings no applicant reached stay unfilled this quarter
    friction_rows[:, :] = frictions(positions, candidates, applicants)
    fillable = np.empty(n_occ)
    for o in range(n_occ):
        fillable[o] = np_minimum(np.floor(friction_rows[0, o] + jitter[o]), positions[o])
    bar[:] = solve_bars_within(hist_n, hist_x, fillable, candidates, last_bar, cells[0],
                               cells[1])
    won_here = np.empty(n_occ)  # (the chunk's winners: the shard's one chunk)
    select_lottery_pass(status[:used], occ[:used], signal[:used], effort[:used], bar, noise, r,
                        won[:used], won_here, key_select, log_effort[:used], keep_log_effort)
    over = False
    for o in range(n_occ):
        n_won[o] = won_here[o] + 0.0  # (the shards' total: 0 + the one shard's)
        over |= n_won[o] > fillable[o]
    drop_ranks = np.empty(0, np.int64)
    drop_start = np.zeros(n_occ + 1, np.int64)
    if over:
        # the trim: the chunk holds every winner there is (trim_quota's rule; Shard.trim's
        # draw gives the same where a count is not finite)
        drops = np.empty(n_occ, np.int64)
        any_drop = False
        for o in range(n_occ):
            drops[o] = np.int64(won_here[o] - _kept_by_chunk(fillable[o], n_won[o], won_here[o]))
            any_drop |= drops[o] != 0
        if any_drop:
            n_chunk = np.empty(n_occ, np.int64)
            for o in range(n_occ):
                n_chunk[o] = np.int64(won_here[o])
            drop_ranks, drop_start = trim_ranks(drops, n_chunk, chunk_key(key_trim, 0))
        for o in range(n_occ):
            n_won[o] = np_minimum(n_won[o], fillable[o])
    new_center[:] = score_centres_within(hist_x, candidates, center, cells[0], cells[1])
    bargaining = phase_bargaining(positions, candidates, bargaining_share, competition)
    # steps 5-9: the outcome, effort, learning, wages, agency and blame
    settle_pass(status[:used], occ[:used], origin[:used], degree[:used], tenure[:used],
                won[:used], signal[:used], effort[:used], log_skill[:used], skill[:used],
                ai_skill[:used], wage[:used], agency[:used], failures[:used], blamed[:used],
                mark[:used], bar, noise, br_rows, value_of_efficiency, aug_gain, bargaining,
                benefit, outside, horizon, settle_r, effort_cost, adjustment, max_effort,
                settle_incumbent_advantage, learn_share, skill_rate, skill_depreciation, ai_rate,
                ai_focus, ai_depreciation, agency0, agency1, human0, human1, machine0,
                machine1, human_failure, ai_failure, blame_ai, keep_time, mark_keep,
                replaceable, ai_unit_cost, needed_threshold, ai_threshold, key_failure,
                log_wage_min, log_wage_max, drop_ranks, drop_start, band, table, rho_cell,
                rho_weight, hires, separations, prize_won, degree_stats, learning_stats,
                occ_sums, wage_hist, blame_sums)
    return used
