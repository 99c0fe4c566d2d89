"""The per-occupation, per-task and per-sector algebra of the nine steps of MODEL.md §2.

Everything here works on small arrays (one entry per task, occupation or sector) and is plain
NumPy; the per-person passes are in :mod:`neijuan.sim.kernels`. Each function cites the equation it
implements; ``docs/model.md`` lists them side by side.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np
from numba import njit
from numpy.typing import NDArray
from scipy.special import ndtr

from neijuan.config import AgencyParams, AIParams, Scenario
from neijuan.sim import libm, phase_kernels
from neijuan.sim.constants import NO_BAR, NO_POSITIONS
from neijuan.sim.economy import Economy
from neijuan.sim.exact import (
    known_side,
    np_maximum,
    numpy_sum,
    numpy_sum_within,
    pairwise_block,
)
from neijuan.sim.phase_kernels import adopt, ai_scales

F64 = NDArray[np.float64]


# ------------------------------------------------------------------ step 1: capability, adoption
def capability(years: float, ai: AIParams) -> float:
    """AI capability C(t) in [0, 1]: a logistic path from ``capability_start`` at t = 0 toward
    ``capability_end``, halfway at ``capability_midpoint`` years (t < 0, the burn-in, has none)."""
    if not ai.enabled or years < 0:
        return 0.0
    k, m = ai.capability_speed, ai.capability_midpoint
    s0 = 1.0 / (1.0 + math.exp(k * m))
    s = 1.0 / (1.0 + math.exp(-k * (years - m)))
    frac = (s - s0) / (1.0 - s0)
    return ai.capability_start + (ai.capability_end - ai.capability_start) * frac


def ai_cost_ratio(years: float, ai: AIParams) -> float:
    """AI cost per unit of task work relative to the pre-AI human cost: falls geometrically."""
    return ai.cost_start * (1.0 - ai.cost_decline) ** max(years, 0.0)


def biased_split(automation: F64, augmentation: F64, bias: float) -> tuple[F64, F64]:
    """Shift AI use toward automation (bias > 0) or augmentation (bias < 0), keeping the task's
    total AI share: the augment-first and automate-first scenarios."""
    if bias >= 0:
        return automation + bias * augmentation, (1.0 - bias) * augmentation
    b = -bias
    return (1.0 - b) * automation, augmentation + b * automation


@dataclass(slots=True)  # (a period's record; frozen dataclasses build 4x slower)
class TaskMix:
    """Per-occupation consequences of the tasks' AI use this period."""

    labour_share: F64       # Gamma: share of task mass done by people (Acemoglu-Restrepo)
    augmented: F64          # share of people's task mass that is augmented
    ai_use: F64             # time-weighted adoption: share of task time AI touches
    firm_adoption: F64      # share of firms using AI in the occupation (max over its tasks)
    firm_augment: F64       # share of firms using AI to augment (AI skill asked in postings)
    reinstated: F64         # new human task mass created as AI took over tasks
    agency0: F64            # agency = agency0 + agency1 * z (before defensive review)
    agency1: F64
    human0: F64             # human-originated decision volume = human0 + human1 * z
    human1: F64
    machine0: F64           # AI-originated decision volume = machine0 + machine1 * z
    machine1: F64
    changeable: F64         # share of AI-originated volume a person could have changed
    originate_time: F64     # time on originate-class work, a share of the working time
    replaceable: F64        # share of working time originating work AI could now take on


def task_mix(econ: Economy, adoption: F64, automation: F64, augmentation: F64,
             agency: AgencyParams, reinstatement: float = 0.0,
             feasible: NDArray[np.bool_] | None = None) -> TaskMix:
    """Aggregate the tasks of each occupation (step 2's task shares and step 9's time split).

    With adoption A_k, the automated share of task k is m_k = A_k * automation_k and the augmented
    share g_k = A_k * augmentation_k. A person's time: plain human work (1 - m - g), augmented work
    g, and signing off automated work (review_burden * m). Of augmented originate-class work the
    person originates a share omega + (1 - omega) z (AI skill z lets one direct the AI); the rest
    is AI-originated. Reinstatement (Acemoglu-Restrepo 2019): as AI takes over a task mass
    sum alpha m, new tasks in which people have the comparative advantage appear, a mass
    ``reinstatement`` times as large, done by people with the occupation's originate share; they
    raise the labour share Gamma = 1 - automated + reinstated. Agency = originating time / total.

    Computed in one compiled pass over the tasks (the same operations in the same order as
    NumPy's elementwise arithmetic and ``bincount``, so the same bits), not some 40 NumPy calls.
    """
    can = (np.ones(econ.n_tasks, dtype=np.bool_) if feasible is None
           else np.ascontiguousarray(feasible, dtype=np.bool_))
    out = _task_mix(econ.n_occ, econ.task_occ, econ.task_share, econ.task_originate,
                    np.ascontiguousarray(adoption, dtype=np.float64),
                    np.ascontiguousarray(automation, dtype=np.float64),
                    np.ascontiguousarray(augmentation, dtype=np.float64), can,
                    agency.augment_origination, agency.review_burden, float(reinstatement))
    return TaskMix(*out)


@njit(cache=True, error_model="numpy")
def _task_mix(n: int, idx: NDArray[np.int64], alpha: F64, orig: F64, adoption: F64,
              automation: F64, augmentation: F64, can: NDArray[np.bool_], omega: float,
              review_burden: float, reinstatement: float) -> NDArray[np.float64]:
    # pragma: no cover - compiled
    """:func:`task_mix`'s algebra: rows of the result are TaskMix's fields in order."""
    automated = np.zeros(n)
    orig_mass = np.zeros(n)
    aug_mass = np.zeros(n)
    ai_use = np.zeros(n)
    firm_adoption = np.zeros(n)
    firm_augment = np.zeros(n)
    time = np.zeros(n)
    own = np.zeros(n)
    aug_orig = np.zeros(n)
    aug_confirm = np.zeros(n)
    repl = np.zeros(n)
    keep_review = 1.0 - review_burden
    not_omega = 1.0 - omega
    for t in range(idx.size):
        o = idx[t]
        a = adoption[t]
        m = a * automation[t]
        g = a * augmentation[t]
        al = alpha[t]
        ao = al * orig[t]
        automated[o] += al * m
        orig_mass[o] += ao
        aug_mass[o] += al * g
        ai_use[o] += al * a
        firm_adoption[o] = np_maximum(firm_adoption[o], a)
        firm_augment[o] = np_maximum(firm_augment[o], a if augmentation[t] > 0 else 0.0)
        time[o] += al * (1.0 - m * keep_review)
        own[o] += ao * (1.0 - m - g)
        aug_orig[o] += ao * g
        aug_confirm[o] += al * (1.0 - orig[t]) * g
        able = min(max(automation[t] + augmentation[t] * not_omega, 0.0), 1.0)
        repl[o] += ao * able * (1.0 - a) * (1.0 if can[t] else 0.0)
    out = np.empty((15, n))
    for o in range(n):
        reinstated = reinstatement * automated[o]
        labour_share = min(max(1.0 - automated[o] + reinstated, 1e-9), 1.0)
        tm = time[o] + reinstated
        ow = own[o] + reinstated * orig_mass[o]
        machine0 = automated[o] + aug_confirm[o] + aug_orig[o] * not_omega
        if machine0 > 0:
            changeable = (aug_confirm[o] + aug_orig[o] * not_omega) / max(machine0, 1e-300)
        else:
            changeable = 0.0
        out[0, o] = labour_share
        out[1, o] = aug_mass[o] / labour_share
        out[2, o] = ai_use[o]
        out[3, o] = firm_adoption[o]
        out[4, o] = firm_augment[o]
        out[5, o] = reinstated
        out[6, o] = (ow + aug_orig[o] * omega) / tm
        out[7, o] = aug_orig[o] * not_omega / tm
        out[8, o] = ow + aug_orig[o] * omega
        out[9, o] = aug_orig[o] * not_omega
        out[10, o] = machine0
        out[11, o] = -aug_orig[o] * not_omega
        out[12, o] = changeable
        out[13, o] = (ow + aug_orig[o]) / tm
        out[14, o] = repl[o] / tm
    return out


REVIEW_HALVINGS = 40  # bisection steps of the defensive-review fixed point


def defensive_review(blame_prob: F64, machine: F64, ai_failure: float, agency: AgencyParams
                     ) -> tuple[F64, F64]:
    """Step 9's response to blame: ``(review, pass_rate)`` per occupation.

    A person expects ``b = P(blamed | AI failure) * phi_ai * pass * Q`` blames a quarter (Q the
    AI-originated volume they sign off, ``pass = exp(-kappa_d * d)`` the share of AI failures
    their review lets through). They move a share ``d = min(delta * b, d_max)`` of their time from
    originating to reviewing: more blame exposure, more defensive confirming. The fixed point
    d = min(delta * b(d), d_max) is unique (b falls with d); found by bisection.

    The bisection runs compiled, one call for every occupation, its exponentials the C
    library's (:mod:`neijuan.sim.libm`), and replayed: a midpoint clearly on one side of the
    fixed point is decided without its exponential (:func:`_review_threshold`)."""
    rows = _review_bisection(
        np.ascontiguousarray(blame_prob, dtype=np.float64),
        np.ascontiguousarray(machine, dtype=np.float64), ai_failure, agency.defensive_review,
        -agency.review_detection, agency.max_review, REVIEW_HALVINGS)
    return rows[0], rows[1]


REVIEW_ROOT_TOL = 1e-11  # |target - mid| (relative) beyond which a decision is certain


@njit(cache=True, error_model="numpy")
def _review_threshold(scale: float, rate: float, cap: float
                      ) -> tuple[float, float, bool]:  # pragma: no cover - compiled
    """``(t, margin, ok)``: the bisection of :func:`defensive_review` on [0, cap] decides "up"
    (target above the midpoint) at every midpoint below t - margin and "down" above t + margin
    (t = +inf: all up). ``ok`` False: not shown (every midpoint is tested).

    The target min(scale e^(rate d), cap) - d falls with d (rate <= 0); below the cap its root
    is that of psi(d) = scale e^(rate d) - d, convex and falling, so Newton from 0 climbs to it
    monotonically. The decisions beyond t +- margin follow from the test at t +- margin being
    the right way round by REVIEW_ROOT_TOL (relative), far above the last-bit differences
    between any two exponentials."""
    if scale == 0.0 and rate <= 0 and cap > 0:
        # (no blame to expect, as everywhere before AI: the target is 0, below every midpoint,
        # so every decision is "down" without its exponential)
        return 0.0, 0.0, True
    if not (scale > 0 and rate <= 0 and cap > 0):
        return 0.0, 0.0, False
    if scale * math.exp(rate * cap) >= cap * (1.0 + REVIEW_ROOT_TOL):
        return math.inf, 0.0, True  # (the target is above every midpoint: all up)
    d = 0.0
    converged = False
    for _ in range(100):
        v = scale * math.exp(rate * d)
        step = (v - d) / (1.0 - rate * v)
        d += step
        if abs(step) <= 1e-15 * max(d, 1e-300) or d >= cap:
            converged = True
            break
    if not converged or not d < cap:
        return 0.0, 0.0, False
    margin = max(4.0 * REVIEW_ROOT_TOL * d, 1e-300)
    for _ in range(4):  # (a wider margin where the check fails)
        below, above = d - margin, d + margin
        good = True
        if below > 0:
            v = min(scale * math.exp(rate * below), cap)
            good = v - below >= REVIEW_ROOT_TOL * max(v, below)
        if good and above < cap:
            v = min(scale * math.exp(rate * above), cap)
            good = above - v >= REVIEW_ROOT_TOL * max(v, above)
        if good:
            return d, margin, True
        margin *= 8.0
    return 0.0, 0.0, False


@njit(cache=True, error_model="numpy")
def _review_bisection(blame_prob: F64, machine: F64, ai_failure: float, coefficient: float,
                      rate: float, cap: float, steps: int
                      ) -> F64:  # pragma: no cover - compiled
    """The bisection of :func:`defensive_review` for all occupations at once, rows: the fixed
    point d and the pass rate e^(rate d), with the scale ``coefficient * (blame_prob *
    ai_failure * max(machine, 0))``.

    Replayed, not run: a midpoint clearly on one side of the fixed point
    (:func:`_review_threshold`) is decided without its exponential; only those within a hair
    of it are tested (some 2 of 40, against 5 Newton steps and 2 checks)."""
    n = blame_prob.size
    rows = np.empty((2, n))
    for o in range(n):
        scale = coefficient * (blame_prob[o] * ai_failure * np_maximum(machine[o], 0.0))
        t, margin, shown = _review_threshold(scale, rate, cap)
        lo = 0.0
        hi = cap
        for _ in range(steps):
            mid = 0.5 * (lo + hi)
            side = known_side(mid, t, margin, shown)
            up = side == 1 if side >= 0 else min(scale * math.exp(rate * mid), cap) > mid
            if up:
                lo = mid
            else:
                hi = mid
        review = 0.5 * (lo + hi)
        rows[0, o] = review
        rows[1, o] = math.exp(rate * review)
    return rows


AI_PHASE_ROWS = 24  # rows of ai_phase's result: AI price, the task mix (15), blame, review,
                   # pass rate, aug_gain, aug_scale, AI unit cost, time kept, failures past review
AI_PRICE_ROW, AI_LABOUR_SHARE_ROW, AI_GAIN_ROW, AI_SCALE_ROW = 0, 1, 19, 20  # (among them)


@njit(cache=True, error_model="numpy")
def ai_phase(adoption: F64, adopting: bool, capability: float, cost_ratio: float,
             human_cost0: F64, human_cost: F64, task_threshold: F64, task_occ: NDArray[np.int64],
             task_speed: F64, innovation: float, imitation: float, dt_years: float,
             task_share: F64, task_originate: F64, automation: F64, augmentation: F64,
             omega: float, review_burden: float, reinstatement: float, confirmer: bool,
             liability: float, ai_failure_rate: float, defensive: float, rate: float,
             cap: float, halvings: int, uplift: float, without_skill: float, occ_share: F64
             ) -> tuple[F64, F64, float]:  # pragma: no cover - compiled
    """Step 1 in one call (:meth:`MarketBase.phase_ai`): ``(adoption, rows, adoption level)``.

    Adoption advances where AI is on (``adopting``: Bass diffusion, :func:`phase_kernels.adopt`,
    at the AI price ``cost_ratio * human_cost0``); the task mix (:func:`task_mix`, on the tasks
    AI can do when adopting, none otherwise); the blame a confirmer expects (all of
    ``liability`` under the confirmer rule, its changeable share under the authority rule);
    the defensive review's fixed point (:func:`defensive_review`); the uplift and the review's
    cost (:func:`phase_kernels.ai_scales`). The same operations in the same order as the calls
    they replace. Rows: see :data:`AI_PHASE_ROWS`."""
    n = human_cost0.size
    rows = np.empty((AI_PHASE_ROWS, n))
    ai_price = rows[0]
    for o in range(n):
        ai_price[o] = cost_ratio * human_cost0[o]
    if adopting:
        adoption = adopt(adoption, capability, task_threshold, ai_price, human_cost, task_occ,
                         task_speed, innovation, imitation, dt_years)
    can = np.empty(task_threshold.size, dtype=np.bool_)
    for t in range(can.size):
        can[t] = adopting and capability >= task_threshold[t]
    rows[1:16] = _task_mix(n, task_occ, task_share, task_originate, adoption, automation,
                           augmentation, can, omega, review_burden, reinstatement)
    blame = rows[16]
    for o in range(n):
        blame[o] = liability if confirmer else liability * rows[13, o]  # (changeable)
    rows[17:19] = _review_bisection(blame, rows[11], ai_failure_rate, defensive, rate, cap,
                                    halvings)  # (machine0)
    level, scales = ai_scales(rows[2], rows[17], rows[18], uplift, without_skill,
                              ai_failure_rate, rows[3], occ_share, ai_price)
    rows[19:24] = scales
    return adoption, rows, level


# ---------------------------------------------------------------------------- step 2: production
@dataclass(slots=True)  # (a period's record; frozen dataclasses build 4x slower)
class Output:
    ai_input: F64          # K: AI task work bought
    composite: F64         # X: CES composite of labour and AI tasks
    output: F64            # Y = A T^alpha X^(1 - alpha)
    mpl: F64               # dY/dH per efficiency unit of labour


def ces(h: F64, k: F64, gamma: F64, sigma: float) -> F64:
    """X = [G^(1/s) H^((s-1)/s) + (1-G)^(1/s) K^((s-1)/s)]^(s/(s-1)) (Cobb-Douglas at s = 1).

    Where people do (almost) all the tasks (1 - G < 1e-12) the AI term is absent, whatever K."""
    h, k, gamma = (np.ascontiguousarray(v, dtype=np.float64) for v in (h, k, gamma))
    out = np.empty(h.size)
    _ces_into(h, k, gamma, float(sigma), out)
    return out


@njit(cache=True, error_model="numpy")
def _ces_into(h: F64, k: F64, gamma: F64, sigma: float, out: F64
              ) -> None:  # pragma: no cover - compiled
    """:func:`ces` for arrays, written into ``out`` (H at least 1e-300, K at least 0; the C
    library's powers, logs and exponentials)."""
    cobb = abs(sigma - 1.0) < 1e-9
    rho = (sigma - 1.0) / sigma if not cobb else 0.0
    for o in range(h.size):
        h_c = np_maximum(h[o], 1e-300)
        k_c = np_maximum(k[o], 0.0)
        ai_share = 1.0 - gamma[o] if 1.0 - gamma[o] > 1e-12 else 0.0
        if cobb:
            g = min(max(gamma[o], 1e-12), 1.0)
            log_term = (1.0 - g) * math.log(np_maximum(k_c, 1e-300)) if ai_share > 0 else 0.0
            out[o] = math.exp(g * math.log(h_c) + log_term)
            continue
        # G^(1/s) H^rho + (1 - G)^(1/s) K^rho, K^rho = inf at K = 0 when rho < 0
        k_term = k_c**rho if k_c > 0 else (math.inf if rho < 0 else 0.0)
        total = gamma[o] ** (1.0 / sigma) * h_c**rho + (
            ai_share ** (1.0 / sigma) * k_term if ai_share > 0 else 0.0)
        out[o] = total ** (1.0 / rho) if (np.isfinite(total) and total > 0) else 0.0


@njit(cache=True, error_model="numpy")
def _ces_scalar(h: float, k: float, gamma: float, sigma: float) -> float:  # pragma: no cover
    ai = 1.0 - gamma
    if abs(sigma - 1.0) < 1e-9:
        return math.exp(gamma * math.log(max(h, 1e-300)) + ai * math.log(max(k, 1e-300)))
    rho = (sigma - 1.0) / sigma
    total = gamma ** (1.0 / sigma) * max(h, 1e-300) ** rho
    if k > 0:
        total += ai ** (1.0 / sigma) * k**rho
    elif rho < 0:
        return 0.0
    return total ** (1.0 / rho) if total > 0 else 0.0


AI_HALVINGS = 48       # the bisection's halvings: the bracket is 35 wide, 48 leave 1e-13
AI_ROOT_TOL = 2e-14    # |log(P dY/dK / p_K)| beyond which a decision is certain, times
                       # 1 + 1 / |rho|: 20 times the test's rounding error (see _ai_threshold)


@njit(cache=True, error_model="numpy")
def _ai_revenue(mid: float, h: float, gamma: float, human: float, ai_coef: float, land: float,
                tfp: float, price: float, land_share: float, sigma: float, rho: float,
                inv_s: float, cobb: bool) -> tuple[float, float, bool]:  # pragma: no cover
    """``(P dY/dK, AI's share of the composite, whether the composite is positive)`` at
    K = e^mid: the bisection's test of :func:`_ai_input`, operation for operation (so that its
    decisions are the same bits)."""
    km = math.exp(mid)
    share = 1.0 - gamma
    if cobb:
        x = _ces_scalar(h, km, gamma, sigma)
    else:
        total = human
        if km > 0:
            term = ai_coef * km**rho
            total += term
            share = term / total if total > 0 else 1.0
            x = total ** (1.0 / rho) if total > 0 else 0.0
        else:
            x = 0.0 if rho < 0 else (total ** (1.0 / rho) if total > 0 else 0.0)
    if x <= 0:
        return 0.0, share, False
    tilt = (land / x) ** land_share if land_share != 0.0 else 1.0
    scale = tfp * (1.0 - land_share) * tilt
    dxdk = ai_coef * (x / km) ** inv_s if not cobb else (
        (1.0 - gamma) ** inv_s * (x / km) ** inv_s)
    return price * scale * dxdk, share, True


@njit(cache=True, error_model="numpy")
def _ai_threshold(lo0: float, hi0: float, h: float, gamma: float, human: float, ai_coef: float,
                  land: float, tfp: float, price: float, ai_price: float, land_share: float,
                  sigma: float, rho: float, inv_s: float, cobb: bool
                  ) -> tuple[float, float, bool]:  # pragma: no cover - compiled
    """``(t, margin, ok)``: the bisection on [lo0, hi0] decides "up" at every midpoint below
    t - margin and "down" at every one above t + margin (t may be +-inf: all one way). ``ok``
    False: not shown (the bisection must test every midpoint).

    t is the root of g(u) = log(P dY/dK (e^u) / p_K) by safeguarded Newton (g' = -(alpha s +
    (1 - s) / sigma), s AI's share of the composite), started where it is without land (a
    closed form). g falls with u (diminishing returns), so the decisions beyond t +- margin
    follow from the bisection's own test at the two points t +- margin (computed as the
    bisection computes it) being the right way round by at least ``tol``. The test's rounding
    error is at most some 20 units in the last place of P dY/dK at sigma 1.25 (the exponential,
    two powers whose errors the CES powers multiply by 1 / |rho| and 1 / sigma, four products),
    some 1e-16 (1 + 1 / |rho|) of g: ``tol`` is 20 times that, and the decisions need 2. (It was
    10 times larger: the margin, and the midpoints tested within it, shrink with it, 9 -> 6
    tests an occupation; checked against the plain bisection on 600,000 random occupations.)"""
    log_p = math.log(ai_price)
    tol = AI_ROOT_TOL * (1.0 + (0.0 if cobb else 1.0 / abs(rho)))
    a, b = lo0, hi0
    u = math.log(h)
    if not cobb and ai_coef > 0:  # without land: X / K = c, so K^rho (c^rho - (1 - G)^(1/s)) = ...
        c = (ai_price / (price * tfp * ai_coef)) ** sigma
        gap = c**rho - ai_coef
        if gap * rho > 0 and human > 0:  # (K > 0 exists)
            u = math.log(human / gap) / rho
    u = min(max(u, a), b)
    slope = -1.0
    checked_lo = checked_hi = False
    converged = False
    for _ in range(100):
        lhs, share, ok = _ai_revenue(u, h, gamma, human, ai_coef, land, tfp, price, land_share,
                                     sigma, rho, inv_s, cobb)
        if not ok or not lhs > 0:
            return 0.0, 0.0, False
        g = math.log(lhs) - log_p
        if g > 0:
            a = u
        else:
            b = u
        checked_lo |= u == lo0
        checked_hi |= u == hi0
        slope = -(land_share * share + inv_s * (1.0 - share))
        nxt = u - g / slope if slope < 0 else 0.5 * (a + b)
        if slope < 0 and abs(nxt - u) <= 1e-12 * max(1.0, abs(u)):
            # Newton's step is within the bisection's last brackets (g is 0 at the closed
            # form's root without land): the root is here. (Past this test the step would be
            # safeguarded: g = 0 puts it on the bracket's end, and a bisection of the whole
            # bracket would start, some 10 tests more.)
            u = nxt
            converged = True
            break
        if nxt >= hi0 and not checked_hi:  # the root may be past the bracket: test its end
            nxt = hi0
        elif nxt <= lo0 and not checked_lo:
            nxt = lo0
        elif not a < nxt < b:
            if (u == hi0 and g >= tol and lhs > ai_price) or (
                    u == lo0 and g <= -tol and not lhs > ai_price):
                return (math.inf if u == hi0 else -math.inf), 0.0, True  # all one way
            nxt = 0.5 * (a + b)
        done = abs(nxt - u) <= 1e-12 * max(1.0, abs(u)) or b - a <= 1e-14 * max(1.0, abs(u))
        u = nxt
        if done:
            converged = True
            break
    if not converged or not slope < 0:
        return 0.0, 0.0, False
    # (the root is known far better than tol / |slope|, so the tests at u +- margin clear tol
    # by a fifth; they are checked below, and the margin widened where they do not. The
    # bisection tests every midpoint within it: a narrower margin, fewer tests)
    margin = max(1.25 * tol / -slope, 1e-14 * max(1.0, abs(u)))  # (45 units of u's last place)
    for _ in range(4):  # (a wider margin where the slope changes fast)
        below, above = u - margin, u + margin
        good = True
        if below > lo0:
            lhs, _, ok = _ai_revenue(below, h, gamma, human, ai_coef, land, tfp, price,
                                     land_share, sigma, rho, inv_s, cobb)
            good = ok and lhs > ai_price and math.log(lhs) - log_p >= tol
        if good and above < hi0:
            lhs, _, ok = _ai_revenue(above, h, gamma, human, ai_coef, land, tfp, price,
                                     land_share, sigma, rho, inv_s, cobb)
            good = ok and lhs > 0 and not lhs > ai_price and math.log(lhs) - log_p <= -tol
        if good:
            return u, margin, True
        margin *= 8.0
    return 0.0, 0.0, False


@njit(cache=True, error_model="numpy")
def _ai_input(h: F64, gamma: F64, ai_price: F64, price: F64, tfp: F64, land: F64,
              land_share: float, sigma: float) -> F64:  # pragma: no cover - compiled
    """AI task work K per occupation: P dY/dK = p_K, by bisection on log K in
    [log H - 30, log H + log 100] (dY/dK falls with K): 48 halvings, the result e^(mid) of the
    last bracket.

    The bisection is replayed, not run: its decision at a midpoint is known without the test
    wherever the midpoint is clearly on one side of the root (:func:`_ai_threshold`, some 8
    tests of the marginal product), and tested (:func:`_ai_revenue`, the same operations) only
    within a hair of it (some 10 of the 48 midpoints). The result is the bisection's, bit for
    bit, for about a third of its tests; where the root cannot be shown, every midpoint is
    tested."""
    n = h.size
    k = np.zeros(n)
    cobb = abs(sigma - 1.0) < 1e-9
    rho = (sigma - 1.0) / sigma
    inv_s = 1.0 / sigma
    for o in range(n):
        if gamma[o] >= 1.0 - 1e-12 or h[o] <= 0:
            continue
        lo = math.log(h[o]) - 30.0
        hi = math.log(h[o]) + math.log(100.0)
        human = 0.0   # G^(1/s) H^rho
        ai_coef = 0.0  # (1 - G)^(1/s)
        if not cobb:
            human = gamma[o] ** inv_s * max(h[o], 1e-300) ** rho
            ai_coef = (1.0 - gamma[o]) ** inv_s
        t, margin, shown = _ai_threshold(lo, hi, h[o], gamma[o], human, ai_coef, land[o],
                                         tfp[o], price[o], ai_price[o], land_share, sigma, rho,
                                         inv_s, cobb)
        for _ in range(AI_HALVINGS):
            mid = 0.5 * (lo + hi)
            side = known_side(mid, t, margin, shown)
            if side >= 0:
                up = side == 1
            else:
                lhs, _, ok = _ai_revenue(mid, h[o], gamma[o], human, ai_coef, land[o], tfp[o],
                                         price[o], land_share, sigma, rho, inv_s, cobb)
                up = not ok or lhs > ai_price[o]
            if up:
                lo = mid
            else:
                hi = mid
        k[o] = math.exp(0.5 * (lo + hi))
    return k


def produce(h: F64, gamma: F64, ai_price: F64, price: F64, tfp: F64, land: F64,
            land_share: float, sigma: float) -> Output:
    """Step 2: output of each occupation from efficiency units H and AI task work K.

    Tasks are combined as in Acemoglu & Restrepo (2018): people do a share Gamma of the task
    mass, AI the rest, with elasticity sigma between the two; a fixed factor (land) enters with
    share alpha. Firms buy AI work K until its marginal revenue product equals its price,
    ``P dY/dK = p_K`` (solved by bisection on log K, capped at 100 H). The marginal product of an
    efficiency unit is ``dY/dH = A (1 - alpha) (T / X)^alpha (Gamma X / H)^(1/sigma)``; with
    alpha = 0 and A = 1 this is Acemoglu-Restrepo's W = (Gamma Y / L)^(1/sigma).
    """
    def f64(v: F64) -> F64:
        return np.ascontiguousarray(v, dtype=np.float64)

    rows = _produce(f64(h), f64(gamma), f64(ai_price), f64(price), f64(tfp), f64(land),
                    float(land_share), float(sigma))
    return Output(ai_input=rows[0], composite=rows[1], output=rows[2], mpl=rows[3])


@njit(cache=True, error_model="numpy")
def _produce(h: F64, gamma: F64, ai_price: F64, price: F64, tfp: F64, land: F64,
             land_share: float, sigma: float) -> F64:  # pragma: no cover - compiled
    """:func:`produce` in one call, rows K, X (0 without people), Y = A T^alpha max(X, 0)^(1 -
    alpha) and dY/dH = A (1 - alpha) (T / max(X, 1e-300))^alpha (G X / max(H, 1e-300))^(1/s)
    (0 without people)."""
    n = h.size
    rows = np.empty((4, n))
    k = _ai_input(h, gamma, ai_price, price, tfp, land, land_share, sigma)
    rows[0] = k
    x = rows[1]
    _ces_into(h, k, gamma, sigma, x)
    for o in range(n):
        xo = x[o] if h[o] > 0 else 0.0
        x[o] = xo
        land_per = land[o] / np_maximum(xo, 1e-300)
        share_per = gamma[o] * xo / np_maximum(h[o], 1e-300)
        rows[2, o] = tfp[o] * land[o] ** land_share * np_maximum(xo, 0.0) ** (1.0 - land_share)
        rows[3, o] = (tfp[o] * (1.0 - land_share) * land_per**land_share
                      * share_per ** (1.0 / sigma) if h[o] > 0 else 0.0)
    return rows


PRODUCTION_ROWS = 8  # rows of production_phase's result: efficiency units, list price, price,
                     # K, X, Y, dY/dH, output per worker


@njit(cache=True, error_model="numpy")
def production_phase(raw_units: F64, aug_scale: F64, productivity: F64, productivity0: F64,
                     employed: F64, positions_last: F64, eta: F64, kappa: float,
                     labour_share: F64, ai_price: F64, tfp: F64, land: F64, land_share: float,
                     sigma: float, labour_force: float
                     ) -> tuple[F64, float, float]:  # pragma: no cover - compiled
    """Step 2 in one call (:meth:`MarketBase.phase_production`): ``(rows, output per member of
    the labour force, AI spending)``. Rows (:data:`PRODUCTION_ROWS`): efficiency units (the raw
    units times the uplift's scale), the list price and the price paid (:func:`prices`),
    :func:`produce`'s K, X, Y and dY/dH at that price, and output per worker; AI spending is
    the sum of p_K K. The same operations in the same order as the calls it replaces (a
    10^4-worker quarter spent some 8 us between them)."""
    n = raw_units.size
    rows = np.empty((PRODUCTION_ROWS, n))
    for o in range(n):
        rows[0, o] = raw_units[o] * aug_scale[o]
    rows[1:3] = phase_kernels.prices(productivity, productivity0, employed, positions_last, eta,
                                     kappa)
    rows[3:7] = _produce(rows[0], labour_share, ai_price, rows[2], tfp, land, land_share, sigma)
    per_worker, income = phase_kernels.productivity_and_income(rows[5], employed, productivity,
                                                               labour_force)
    rows[7] = per_worker
    spend = np.empty(n)
    for o in range(n):
        spend[o] = ai_price[o] * rows[3, o]
    return rows, income, numpy_sum(spend)


@njit(cache=True, error_model="numpy")
def ai_and_production(adoption: F64, adopting: bool, capability: float, cost_ratio: float,
                      human_cost0: F64, human_cost: F64, task_threshold: F64,
                      task_occ: NDArray[np.int64], task_speed: F64, innovation: float,
                      imitation: float, dt_years: float, task_share: F64, task_originate: F64,
                      automation: F64, augmentation: F64, omega: float, review_burden: float,
                      reinstatement: float, confirmer: bool, liability: float,
                      ai_failure_rate: float, defensive: float, rate: float, cap: float,
                      halvings: int, uplift: float, without_skill: float, occ_share: F64,
                      occ_sums: F64, productivity: F64, productivity0: F64,
                      positions_last: F64, eta: F64, kappa: float, tfp: F64, land: F64,
                      land_share: float, sigma: float, labour_force: float
                      ) -> tuple[F64, F64, float, F64, float, float, F64]:
    # pragma: no cover - compiled
    """Steps 1 and 2 in one call (the engine's): :func:`ai_phase`, then
    :func:`production_phase` on the people employed after last quarter's contest and their
    efficiency units sum_i s_i (1 + g z_i), from the moments the last wage pass kept
    (``occ_sums``' columns 10, 7 and 8; g the AI phase's uplift per unit of AI skill).
    Returns ``(adoption, AI rows, adoption level, production rows, output per head, AI
    spending, employed)``, the same bits as the two calls with NumPy's units between."""
    adoption, rows, level = ai_phase(
        adoption, adopting, capability, cost_ratio, human_cost0, human_cost, task_threshold,
        task_occ, task_speed, innovation, imitation, dt_years, task_share, task_originate,
        automation, augmentation, omega, review_burden, reinstatement, confirmer, liability,
        ai_failure_rate, defensive, rate, cap, halvings, uplift, without_skill, occ_share)
    n = occ_sums.shape[0]
    employed = np.empty(n)
    units = np.empty(n)
    for o in range(n):
        employed[o] = occ_sums[o, 10]
        units[o] = occ_sums[o, 7] + rows[AI_GAIN_ROW, o] * occ_sums[o, 8]
    production, income, spend = production_phase(
        units, rows[AI_SCALE_ROW], productivity, productivity0, employed, positions_last, eta,
        kappa, rows[AI_LABOUR_SHARE_ROW], rows[AI_PRICE_ROW], tfp, land, land_share, sigma,
        labour_force)
    return adoption, rows, level, production, income, spend, employed


# ------------------------------------------------------------------- step 3: demand, positions
def prices(productivity: F64, productivity0: F64, employed: F64, positions: F64, eta: F64,
           kappa: float) -> tuple[F64, F64]:
    """Step 3: ``(list_price, price)``. The list price falls with productivity (pass-through
    kappa), P0 = (y / y0)^-kappa: it sets demand, hence positions. Where positions went
    unfilled, supply fell short of demand, so the price paid rises along the demand curve,
    P = P0 (E / M)^(-1/eta) (capped at 3x): it sets revenue and the marginal revenue product."""
    rows = phase_kernels.prices(productivity, productivity0, employed, positions, eta,
                                float(kappa))
    return rows[0], rows[1]


# --------------------------------------------------------------------- step 5: the screen's bar
def top_m_cut(hist_n: F64, hist_x: F64, positions: F64, candidates: F64
              ) -> tuple[F64, NDArray[np.int64], F64, F64]:
    """Step 5 under top-M: the bin of the M-th best observed score, how many to take in it, and
    the bar (the cut bin's mean score) that candidates use for their best response."""
    n_occ = hist_n.shape[0]
    contested = candidates > positions
    bar = np.full(n_occ, NO_BAR)
    cut = np.full(n_occ, -1, dtype=np.int64)
    take = np.zeros(n_occ)
    in_cut = np.zeros(n_occ)
    from_top = np.cumsum(hist_n[:, ::-1], axis=1)[:, ::-1]  # candidates in bins >= b
    n_bins = hist_n.shape[1]
    for o in np.flatnonzero(contested):
        m = positions[o]
        if m <= 0:  # no positions at all: nobody is retained or hired
            cut[o] = n_bins
            bar[o] = NO_POSITIONS
            continue
        above = np.concatenate([from_top[o, 1:], [0.0]])  # candidates in bins > b
        b = int(np.flatnonzero((from_top[o] >= m) & (above < m))[-1])
        cut[o] = b
        take[o] = m - above[b]
        in_cut[o] = hist_n[o, b]
        bar[o] = hist_x[o, b] / max(hist_n[o, b], 1.0)
    return bar, cut, take, in_cut


# ------------------------------------------------------------------------- screening (step 5)
@dataclass(slots=True)  # (a period's record; frozen dataclasses build 4x slower)
class Screen:
    test_sd: F64            # noise sd of the skill test used by the average firm
    bayes_weight: F64       # weight on the test in the posterior mean of log skill
    degree_weight: F64      # share of the screen's variance explained by the degree
    degree_required: F64    # share of postings requiring a degree
    degree_required_ai: F64  # the same among AI-adopting firms (AI-skill postings)


def screen(sc: Scenario, econ: Economy, mix: TaskMix, degree_share: float,
           degree_gap: float, within_var: float, capability: float) -> Screen:
    """The Bayesian screen: precision weights, the degree's weight, degree requirements.

    A firm sees a degree d and a skill test t = ln s + noise (sd sigma_t; AI-assisted assessment
    cuts sigma_t by ``ai.assessment`` times the capability C(t) in adopting firms: better AI,
    better measurement). Its posterior mean of ln s is
    mu_d + kappa (t - mu_d), kappa = v / (v + sigma_t^2), v the within-degree variance. The share
    of the estimate's variance due to the degree is R2 = D / (D + kappa v), D = gap^2 d (1 - d).
    A firm requires a degree when R2 exceeds ``screening.degree_weight_threshold``; firms' test
    noise is log-normal around the occupation's (sd ``screening.firm_dispersion``), so the share
    requiring a degree is a normal tail.
    """
    # the per-occupation arrays in one compiled call (elementwise: the same bits as NumPy's)
    out = _screen_arrays(np.ascontiguousarray(mix.firm_adoption, dtype=np.float64),
                         econ.occ_licensed, *screen_scalars(sc, degree_share, degree_gap,
                                                            within_var, capability))
    return Screen(*out)


def screen_scalars(sc: Scenario, degree_share: float, degree_gap: float, within_var: float,
                   capability: float) -> tuple[float, float, float, float, float, float]:
    """:func:`screen`'s economy-wide part, the arguments of :func:`_screen_arrays` after the
    occupations': ``(kappa of adopting firms, kappa of plain ones, v, D, share of adopting
    firms requiring a degree, share of plain ones)``."""
    s = sc.screening
    sd_plain = s.test_noise
    sd_ai = s.test_noise * (1.0 - sc.ai.assessment * capability)
    v = max(within_var, 1e-9)
    dvar = degree_gap**2 * degree_share * (1.0 - degree_share)

    def kappa(sd: float) -> float:
        return v / (v + sd * sd)

    tau = s.degree_weight_threshold
    # R2 > tau  <=>  kappa < k_star  <=>  sigma_t > sigma_star
    k_star = dvar * (1.0 - tau) / (tau * v) if tau > 0 else np.inf
    if k_star <= 0:
        share_plain = share_ai = 0.0
    elif k_star >= 1:
        share_plain = share_ai = 1.0
    else:
        log_sigma_star = 0.5 * math.log(v * (1.0 / k_star - 1.0))
        if s.firm_dispersion == 0:
            star = math.exp(log_sigma_star)
            share_plain, share_ai = float(sd_plain > star), float(sd_ai > star)
        else:  # (both tails in one call of the ufunc: the same values, half its cost)
            z = np.array([log_sigma_star - math.log(max(sd_plain, 1e-300)),
                          log_sigma_star - math.log(max(sd_ai, 1e-300))]) / s.firm_dispersion
            share_plain, share_ai = (1.0 - ndtr(z)).tolist()
    return kappa(sd_ai), kappa(sd_plain), v, dvar, float(share_ai), float(share_plain)


@njit(cache=True, error_model="numpy")
def _screen_arrays(adopt: F64, licensed: NDArray[np.bool_], kappa_ai: float,
                   kappa_plain: float, v: float, dvar: float, share_ai: float,
                   share_plain: float) -> F64:  # pragma: no cover - compiled
    """:func:`screen`'s arrays, rows in :class:`Screen`'s order: the posterior weight on the
    test (a mix of adopting and plain firms), the test's noise, the degree's R2, and the shares
    of postings requiring a degree (all, and among AI-adopting firms)."""
    n = adopt.size
    out = np.empty((5, n))
    for o in range(n):
        a = adopt[o]
        bayes = a * kappa_ai + (1.0 - a) * kappa_plain
        out[0, o] = math.sqrt(max(v / max(bayes, 1e-12) - v, 0.0))
        out[1, o] = bayes
        out[2, o] = dvar / (dvar + bayes * v + 1e-300)
        out[3, o] = 1.0 if licensed[o] else a * share_ai + (1.0 - a) * share_plain
        out[4, o] = 1.0 if licensed[o] else share_ai
    return out


CONTEST_INPUT_ROWS = 14  # rows of contest_inputs' result (see there)


@njit(cache=True, error_model="numpy")
def contest_inputs(demand_scale: F64, scale: float, list_price: F64, eta: F64,
                   specialist: NDArray[np.bool_], boost: float, output: F64, employed: F64,
                   productivity_last: F64, land_share: float, key_round: np.uint64,
                   firm_adoption: F64, noise: float, monitoring: float,
                   licensed: NDArray[np.bool_], kappa_ai: float, kappa_plain: float, v: float,
                   dvar: float, share_ai: float, share_plain: float, hires_last: F64,
                   employed_last: F64, openings_floor: float, separation: F64, finding: F64,
                   discount: float, prize_cap: float, ai_use: F64, tier: NDArray[np.int64],
                   focus: float, shrinking: bool, positions_ref: F64, room: float,
                   shrink_full: float, replaceable: F64, keep_time: F64, price: F64, mpl: F64,
                   aug_scale: F64, r: float) -> F64:  # pragma: no cover - compiled
    """What a quarter's contest needs once the price and output are known, in one call (the
    engine's step; each row is what the function named computes, the same bits): positions
    rounded and their draws (:func:`phase_kernels.rounded_positions`, step 3); the screen's
    noise and arrays (:func:`phase_kernels.screen_noise`, :func:`_screen_arrays`, rows in
    :class:`Screen`'s order); the openings applications go to
    (:func:`phase_kernels.search_openings`); the value of efficiency P dY/dH times the uplift's
    scale; noise / r (the best response's rho); the prize's horizon, the AI focus of learning
    (:func:`phase_kernels.horizon`, :func:`phase_kernels.ai_focus`); the replaceable share where
    positions shrink (:func:`phase_kernels.shrinking_weight`; 0 where ``shrinking`` is false, in
    the burn-in) times the time kept from review. At 10^4 workers these were eight calls and
    four NumPy expressions, some 10 us a quarter."""
    n = demand_scale.size
    rows = np.empty((CONTEST_INPUT_ROWS, n))
    rows[0], rows[1] = phase_kernels.rounded_positions(
        demand_scale, scale, list_price, eta, specialist, boost, output, employed,
        productivity_last, land_share, key_round)
    rows[2] = phase_kernels.screen_noise(firm_adoption, noise, monitoring)
    rows[3:8] = _screen_arrays(firm_adoption, licensed, kappa_ai, kappa_plain, v, dvar,
                               share_ai, share_plain)
    rows[8] = phase_kernels.search_openings(hires_last, rows[0], employed_last, openings_floor)
    rows[11] = phase_kernels.horizon(separation, finding, discount, prize_cap)
    rows[12] = phase_kernels.ai_focus(ai_use, tier, focus)
    if shrinking:
        rows[13] = phase_kernels.shrinking_weight(rows[0], positions_ref, room, shrink_full,
                                                  replaceable)
    else:
        rows[13] = 0.0
    for o in range(n):
        rows[9, o] = price[o] * mpl[o] * aug_scale[o]
        rows[10, o] = rows[2, o] / r
        rows[13, o] = rows[13, o] * keep_time[o]
    return rows


def search_cdf(econ: Economy, openings: F64) -> F64:
    """Step 5 (search): cumulative application probabilities, shape (degree, origin, target).

    An unemployed person applies to occupation j with probability proportional to
    mobility[origin, j] * openings_j (urn-ball: applications go where the openings are); people
    without a degree cannot apply to licensed occupations."""
    return phase_kernels.search_cdf(econ.mobility, econ.occ_licensed,
                                    np.ascontiguousarray(openings, dtype=np.float64))


@functools.cache
def bin_centres(n_bins: int, log_min: float, log_max: float) -> F64:
    """The wages at the centres of the log-wage histogram's bins (kept: the same every
    period)."""
    edges = np.linspace(log_min, log_max, n_bins + 1)
    return libm.exp(0.5 * (edges[:-1] + edges[1:]))


def gini_from_histogram(counts: F64, log_min: float, log_max: float) -> float:
    """Gini coefficient of wages from a fine histogram of log wages (bin-centre wages).

    One compiled call: the products and running sums of the NumPy expression
    ``1 - 2 sum(n (prev + cum)) / (2 cum[-1] total)``, its sums by NumPy's own pairwise
    summation (:func:`numpy_sum`), so the same bits."""
    return float(_gini(np.ascontiguousarray(counts, dtype=np.float64),
                       bin_centres(counts.size, log_min, log_max)))


@njit(cache=True, error_model="numpy")
def _gini(counts: F64, centres: F64) -> float:  # pragma: no cover - compiled
    n = counts.size
    # the first and the last occupied bin (a vectorised reduction finds them): the sums read
    # only the bins between (outside them the histogram, and the weights, are +0.0), and the
    # running sum runs between them (before it the sum is 0 and after it constant, and an
    # empty bin weighs 0 either way)
    first = n
    last = -1
    for b in range(n):
        occupied = counts[b] != 0.0
        first = min(first, b if occupied else n)
        last = max(last, b if occupied else -1)
    total = numpy_sum_within(counts, first, last)
    if total <= 0:
        return 0.0
    weighted = np.zeros(n)
    cum = 0.0
    for b in range(first, last + 1):
        income = counts[b] * centres[b]
        cum = cum + income
        # NumPy: prev = cum - income, recomputed from the running sum (not the previous one)
        weighted[b] = counts[b] * ((cum - income) + cum)
    lorenz_area = numpy_sum_within(weighted, first, last) / (2.0 * cum * total)
    return 1.0 - 2.0 * lorenz_area


CLOSE_SCALARS = 10  # close_quarter's scalars: employed, mean wage, benefit, wage Gini, then
                   # the degree groups' moments (skill mean, the two means, within variance,
                   # degree share, degree gap)


@njit(cache=True, error_model="numpy")
def close_quarter(record: F64, employed_at_production: F64, units: F64, employed: F64,
                  candidates: F64, applicants: F64, hires: F64, separations: F64,
                  human_cost: F64, finding: F64, separation: F64, occ_mean_wage: F64,
                  smoothing: float, replacement: float, discount: float, occ_sums: F64,
                  wage_hist: F64, centres: F64, degree_stats: F64, positions: F64,
                  openings: F64, contested_openings: F64, output: F64, effort_sum: F64,
                  prize_won: F64, land: F64, ai_use: F64, labour_share: F64, bar: F64,
                  value: F64, tfp: F64, price: F64, mpl: F64, review: F64,
                  degree_weight: F64, degree_required: F64, degree_required_ai: F64,
                  tier: NDArray[np.int64], firm_augment: F64, consumption_weight: F64
                  ) -> tuple[F64, F64]:  # pragma: no cover - compiled
    """The engine's close of a quarter after the row passes, in one call: ``(scalars, rows)``,
    the scalars :data:`CLOSE_SCALARS` and the rows of :func:`phase_kernels.close_flows`
    (human cost, finding, separation, occupation mean wage, outside option); the period's raw
    records written into ``record`` (:func:`phase_kernels.record_rows`). ``occ_sums`` are the
    settle pass's per-occupation sums (their columns the :class:`~neijuan.sim.market.WorkOutcome`
    arrays). The same calls, with the same bits, as :meth:`MarketBase.close_period`,
    :meth:`MarketBase.record`, :func:`gini_from_histogram` and
    :func:`phase_kernels.degree_moments` on the outcome objects, which a 10^4-worker quarter
    built and read for some 15 us."""
    cols = np.ascontiguousarray(occ_sums.T)
    total, mean_wage, benefit, rows = phase_kernels.close_flows(
        employed_at_production, units, employed, cols[0], candidates, applicants, hires,
        separations, human_cost, finding, separation, occ_mean_wage, smoothing, replacement,
        discount)
    phase_kernels.record_rows(
        record, employed, employed_at_production, positions, candidates, applicants, hires,
        openings, contested_openings, output, cols[0], effort_sum, prize_won, land, cols[1],
        cols[5], cols[6], cols[2], cols[3], cols[4], ai_use, labour_share, bar, value, units,
        tfp, price, cols[11:15], mpl, review, degree_weight, degree_required,
        degree_required_ai, tier, firm_augment, consumption_weight)
    skill_mean, means, within, share, gap = phase_kernels.degree_moments(
        np.ascontiguousarray(degree_stats[:, :3]))
    scalars = np.empty(CLOSE_SCALARS)
    scalars[0] = total
    scalars[1] = mean_wage
    scalars[2] = benefit
    scalars[3] = _gini(np.ascontiguousarray(wage_hist), centres)
    scalars[4] = skill_mean
    scalars[5] = means[0]
    scalars[6] = means[1]
    scalars[7] = within
    scalars[8] = share
    scalars[9] = gap
    return scalars, rows


def within_occupation_premium(n_ai: F64, sum_ai: F64, n_non: F64, sum_non: F64,
                              specialist: NDArray[np.bool_] | None = None) -> float:
    """Log-wage gap of people with AI skill over those without, in the same occupation: the
    occupation-fixed-effects OLS estimate (each occupation's gap weighted by n1 n0 / (n1 + n0)).
    AI-specialist roles are left out: AI skill is what the job is, not a skill some holders of
    the same job have (their pay enters the decomposition's specialist part)."""
    spec = np.zeros(n_ai.size, dtype=np.bool_) if specialist is None else specialist
    return float(premium_figures(n_ai, sum_ai, n_non, sum_non, np.zeros((n_ai.size, 4)),
                                 spec)[0])


def skill_return(n_ai: F64, sum_ai: F64, n_non: F64, sum_non: F64, skill: F64,
                 specialist: NDArray[np.bool_]) -> float:
    """The within-occupation return to AI skill at equal skill: per occupation, the coefficient
    c of ln w = a_o + b ln s + c 1[z >= z*] (OLS on the occupation's employed), averaged over
    non-specialist occupations with the fixed-effects weights n1 n0 / (n1 + n0). It is what
    augmentation pays people who have the skill, with who-learns-it (selection) taken out."""
    return float(premium_figures(n_ai, sum_ai, n_non, sum_non, skill, specialist)[1])


def premium_decomposition(n_ai: F64, sum_ai: F64, n_non: F64, sum_non: F64, skill: F64,
                          specialist: NDArray[np.bool_]
                          ) -> tuple[float, float, float, float, float]:
    """The raw log-wage gap of people with AI skill over those without, in four parts that sum
    to it: ``(total, return, selection, specialist, composition)``.

    With pi_go the share of group g (with / without AI skill) working in occupation o, mu_go its
    mean log wage there and mu_o the occupation's mean: total = sum pi_1o mu_1o - sum pi_0o mu_0o
    = sum_o w_o (mu_1o - mu_0o)  (within occupations, w_o = pi_1o n_0o / n_o + pi_0o n_1o / n_o)
    + sum_o (pi_1o - pi_0o) mu_o  (between occupations). The within part of non-specialist
    occupations splits into the return to AI skill at equal skill (c_o, see
    :func:`skill_return`) and selection (b_o times the groups' skill gap: who has learnt AI skill);
    the parts of AI-specialist roles (within and between) make the specialist part, the between
    part of the other occupations the composition part."""
    out = premium_figures(n_ai, sum_ai, n_non, sum_non, skill, specialist)
    return float(out[2]), float(out[3]), float(out[4]), float(out[5]), float(out[6])


def premium_figures(n_ai: F64, sum_ai: F64, n_non: F64, sum_non: F64, skill: F64,
                    specialist: NDArray[np.bool_]) -> F64:
    """The AI-skill wage figures in one compiled call: ``[within-occupation premium (specialists
    left out), return to AI skill, total gap, return, selection, specialist, composition]``
    (see the three functions above). ``skill`` columns: sum ln s with and without AI skill,
    sum (ln s)^2 and sum ln s ln w over both. Written as the NumPy expressions they replace,
    sums included (:func:`numpy_sum`): the same bits."""
    def c(a: F64) -> F64:
        return np.ascontiguousarray(a, dtype=np.float64)
    return _premium_figures(c(n_ai), c(sum_ai), c(n_non), c(sum_non), c(skill),
                            np.ascontiguousarray(specialist, dtype=np.bool_))


def premium_figures_by_period(raw: F64, rows: tuple[int, int, int, int, int],
                              specialist: NDArray[np.bool_]) -> F64:
    """:func:`premium_figures` of every period of a block of records in one compiled call.
    ``raw``: periods x rows x occupations; ``rows``: where ``n_ai``, ``sum_ai``, ``n_non``,
    ``sum_non`` and the first of the four ``skill`` rows are (the same bits as one call a
    period, for a fifth of the cost at 20 occupations)."""
    n_ai, sum_ai, n_non, sum_non, skill = rows
    # (the skill rows as periods x occupations x 4, copied here: a transposed copy inside the
    # compiled function cost seconds of its first compilation)
    return _premium_figures_by_period(
        np.ascontiguousarray(raw[:, [n_ai, sum_ai, n_non, sum_non], :], dtype=np.float64),
        np.ascontiguousarray(raw[:, skill:skill + 4, :].transpose(0, 2, 1), dtype=np.float64),
        np.ascontiguousarray(specialist, dtype=np.bool_))


@njit(cache=True, error_model="numpy")
def _premium_figures_by_period(counts: F64, skill: F64, specialist: NDArray[np.bool_]
                               ) -> F64:  # pragma: no cover - compiled
    out = np.empty((counts.shape[0], 7))
    for p in range(counts.shape[0]):
        figures = _premium_figures(counts[p, 0], counts[p, 1], counts[p, 2], counts[p, 3],
                                   skill[p], specialist)
        for j in range(7):  # (element by element: an array assignment compiles for seconds)
            out[p, j] = figures[j]
    return out


@njit(cache=True, error_model="numpy")
def _masked_sum(values: F64, mask: NDArray[np.bool_], scratch: F64) -> float:
    # pragma: no cover - compiled
    """``values[mask].sum()``: the selected values in order, summed as NumPy sums."""
    k = 0
    for o in range(values.size):
        if mask[o]:
            scratch[k] = values[o]
            k += 1
    return numpy_sum(scratch[:k])


def block_sums(raw: F64, n_summed: int, grouped: tuple[int, ...], groups: NDArray[np.bool_]
               ) -> tuple[F64, F64]:
    """A block of records' sums in one compiled call, bit for bit NumPy's (:func:`numpy_sum`):
    ``totals[p, i] = raw[p, i].sum()`` for the first ``n_summed`` rows, and
    ``by_group[p, k, g] = raw[p, grouped[k]][groups[g]].sum()``. ``raw``: periods x rows x
    occupations, read where it lies (a period's records add up some thirty per-occupation
    arrays, over all occupations and over groups of them)."""
    return _block_sums(np.ascontiguousarray(raw, dtype=np.float64), n_summed,
                       np.array(grouped, dtype=np.int64),
                       np.ascontiguousarray(groups, dtype=np.bool_))


@njit(cache=True, error_model="numpy")
def _block_sums(raw: F64, n_summed: int, grouped: NDArray[np.int64], groups: NDArray[np.bool_]
                ) -> tuple[F64, F64]:  # pragma: no cover - compiled
    n_periods, n_rows, n_occ = raw.shape
    totals = np.empty((n_periods, n_summed))
    by_group = np.empty((n_periods, grouped.size, groups.shape[0]))
    scratch = np.empty(n_occ)
    # where a row is 128 values or fewer (NumPy sums them in one block), its sum is taken
    # where it lies in the flat buffer: no view of it made (a view's reference count cost
    # more than the sum of 20 values)
    flat = raw.reshape(-1)
    short = n_occ <= 128
    for p in range(n_periods):
        for i in range(n_summed):
            totals[p, i] = (0.0 + pairwise_block(flat, (p * n_rows + i) * n_occ, n_occ)
                            if short else numpy_sum(raw[p, i]))
        for k in range(grouped.size):
            at = (p * n_rows + grouped[k]) * n_occ
            for g in range(groups.shape[0]):
                m = 0
                for o in range(n_occ):  # (the selected values, in order)
                    scratch[m] = flat[at + o]
                    m += int(groups[g, o])
                by_group[p, k, g] = (0.0 + pairwise_block(scratch, 0, m) if short
                                     else numpy_sum(scratch[:m]))
    return totals, by_group


@njit(cache=True, error_model="numpy")
def _premium_figures(n_ai: F64, sum_ai: F64, n_non: F64, sum_non: F64, skill: F64,
                     specialist: NDArray[np.bool_]) -> F64:  # pragma: no cover - compiled
    n = n_ai.size
    out = np.zeros(7)
    scratch = np.empty(n)
    both = np.empty(n, dtype=np.bool_)
    use = np.empty(n, dtype=np.bool_)
    other = np.empty(n, dtype=np.bool_)
    weight = np.zeros(n)
    term = np.zeros(n)
    gap = np.zeros(n)
    slope = np.zeros(n)
    skill_gap = np.zeros(n)
    for o in range(n):
        both[o] = (n_ai[o] > 0) & (n_non[o] > 0)
        other[o] = not specialist[o]
        use[o] = both[o] and other[o]
        # the pooled within-group slope of log wage on log skill (_skill_slope)
        n1 = max(n_ai[o], 1e-300)
        n0 = max(n_non[o], 1e-300)
        w1 = sum_ai[o] / n1
        w0 = sum_non[o] / n0
        s1 = skill[o, 0] / n1
        s0 = skill[o, 1] / n0
        sxx = skill[o, 2] - n_ai[o] * (s1 * s1) - n_non[o] * (s0 * s0)
        sxy = skill[o, 3] - n_ai[o] * s1 * w1 - n_non[o] * s0 * w0
        slope[o] = sxy / max(sxx, 1e-300) if both[o] and sxx > 1e-12 else 0.0
        gap[o] = w1 - w0 if both[o] else 0.0
        skill_gap[o] = s1 - s0 if both[o] else 0.0
    # the within-occupation premium
    any_use = False
    for o in range(n):
        if use[o]:
            any_use = True
            weight[o] = n_ai[o] * n_non[o] / (n_ai[o] + n_non[o])
            term[o] = (sum_ai[o] / n_ai[o] - sum_non[o] / n_non[o]) * weight[o]
    if any_use:
        out[0] = _masked_sum(term, use, scratch) / _masked_sum(weight, use, scratch)
        # the return to AI skill at equal skill
        for o in range(n):
            if use[o]:
                term[o] = (gap[o] - slope[o] * skill_gap[o]) * weight[o]
        out[1] = _masked_sum(term, use, scratch) / _masked_sum(weight, use, scratch)
    # the decomposition of the raw gap
    n1_all = numpy_sum(n_ai)
    n0_all = numpy_sum(n_non)
    if n1_all <= 0 or n0_all <= 0:
        return out
    ret = np.empty(n)
    sel = np.empty(n)
    between = np.empty(n)
    within_gap = np.empty(n)
    for o in range(n):
        tot = n_ai[o] + n_non[o]
        mu = (sum_ai[o] + sum_non[o]) / max(tot, 1e-300) if tot > 0 else 0.0
        share1 = n_ai[o] / max(tot, 1e-300) if tot > 0 else 0.0
        pi1 = n_ai[o] / n1_all
        pi0 = n_non[o] / n0_all
        wt = pi1 * (1.0 - share1) + pi0 * share1
        between[o] = (pi1 - pi0) * mu
        ret[o] = wt * (gap[o] - slope[o] * skill_gap[o])
        sel[o] = wt * slope[o] * skill_gap[o]
        within_gap[o] = wt * gap[o]
    out[3] = _masked_sum(ret, other, scratch)
    out[4] = _masked_sum(sel, other, scratch)
    out[5] = (_masked_sum(between, specialist, scratch)
              + _masked_sum(within_gap, specialist, scratch))
    out[6] = _masked_sum(between, other, scratch)
    out[2] = numpy_sum(sum_ai) / n1_all - numpy_sum(sum_non) / n0_all
    return out
