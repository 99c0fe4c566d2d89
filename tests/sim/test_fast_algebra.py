"""The per-occupation algebra's compiled forms give the bits of the NumPy (or plain-loop) code
they replaced: the defensive-review bisection, the task mix, the search probabilities and the
firms' AI input, on random inputs, including the cases the default scenario never reaches
(Cobb-Douglas tasks, a fixed factor, ties at the cap)."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numba import njit
from numpy.typing import NDArray

from neijuan.config import load_scenario
from neijuan.sim import exact, libm
from neijuan.sim import steps as alg
from neijuan.sim.economy import builtin_economy

F64 = NDArray[np.float64]
ECON = builtin_economy()
AGENCY = load_scenario("ai-baseline", {}).agency


def task_mix_reference(econ: object, adoption: F64, automation: F64, augmentation: F64,
                       agency: object, reinstatement: float,
                       feasible: NDArray[np.bool_] | None) -> alg.TaskMix:
    """``task_mix`` as it was written in NumPy."""
    n = econ.n_occ  # type: ignore[attr-defined]
    idx = econ.task_occ  # type: ignore[attr-defined]
    alpha = econ.task_share  # type: ignore[attr-defined]
    orig = econ.task_originate  # type: ignore[attr-defined]
    m = adoption * automation
    g = adoption * augmentation

    def per_occ(values: F64) -> F64:
        return np.bincount(idx, weights=values, minlength=n).astype(np.float64)

    omega = agency.augment_origination  # type: ignore[attr-defined]
    automated = per_occ(alpha * m)
    reinstated = reinstatement * automated
    orig_mean = per_occ(alpha * orig)
    labour_share = np.clip(1.0 - automated + reinstated, 1e-9, 1.0)
    augmented = per_occ(alpha * g) / labour_share
    ai_use = per_occ(alpha * adoption)
    firm_adoption = np.zeros(n)
    np.maximum.at(firm_adoption, idx, adoption)
    firm_augment = np.zeros(n)
    np.maximum.at(firm_augment, idx, np.where(augmentation > 0, adoption, 0.0))
    time = per_occ(alpha * (1.0 - m * (1.0 - agency.review_burden))) + reinstated  # type: ignore
    own = per_occ(alpha * orig * (1.0 - m - g)) + reinstated * orig_mean
    aug_orig = per_occ(alpha * orig * g)
    aug_confirm = per_occ(alpha * (1.0 - orig) * g)
    machine0 = automated + aug_confirm + aug_orig * (1.0 - omega)
    with np.errstate(invalid="ignore", divide="ignore"):
        changeable = np.where(machine0 > 0, (aug_confirm + aug_orig * (1.0 - omega))
                              / np.maximum(machine0, 1e-300), 0.0)
    can = np.ones_like(alpha, dtype=bool) if feasible is None else feasible
    ai_able = np.clip(automation + augmentation * (1.0 - omega), 0.0, 1.0)
    replaceable = per_occ(alpha * orig * ai_able * (1.0 - adoption) * can) / time
    return alg.TaskMix(
        labour_share=labour_share, augmented=augmented, ai_use=ai_use,
        firm_adoption=firm_adoption, firm_augment=firm_augment, reinstated=reinstated,
        agency0=(own + aug_orig * omega) / time, agency1=aug_orig * (1.0 - omega) / time,
        human0=own + aug_orig * omega, human1=aug_orig * (1.0 - omega), machine0=machine0,
        machine1=-aug_orig * (1.0 - omega), changeable=changeable,
        originate_time=(own + aug_orig) / time, replaceable=replaceable)


def defensive_review_reference(blame_prob: F64, machine: F64, ai_failure: float,
                               agency: object) -> tuple[F64, F64]:
    """``defensive_review`` as it was written: 40 rounds of NumPy (the exponentials the C
    library's, as the simulator takes them: :mod:`neijuan.sim.libm`)."""
    ag = agency
    lo = np.zeros_like(machine)
    hi = np.full_like(machine, ag.max_review)  # type: ignore[attr-defined]
    base = blame_prob * ai_failure * np.maximum(machine, 0.0)
    for _ in range(40):
        mid = 0.5 * (lo + hi)
        target = np.minimum(ag.defensive_review * base * libm.exp(  # type: ignore[attr-defined]
            -ag.review_detection * mid), ag.max_review)  # type: ignore[attr-defined]
        lo = np.where(target > mid, mid, lo)
        hi = np.where(target > mid, hi, mid)
    review = 0.5 * (lo + hi)
    return review, libm.exp(-ag.review_detection * review)  # type: ignore[attr-defined]


def search_cdf_reference(econ: object, openings: F64) -> F64:
    weights = econ.mobility * np.maximum(openings, 1e-9)[None, :]  # type: ignore[attr-defined]
    no_degree = np.where(econ.occ_licensed[None, :], 0.0, weights)  # type: ignore[attr-defined]
    out = np.empty((2, *weights.shape))
    for d, w in enumerate((no_degree, weights)):
        w = np.where(w.sum(axis=1, keepdims=True) > 0, w, econ.mobility)  # type: ignore
        c = np.cumsum(w, axis=1)
        out[d] = c / c[:, -1:]
    out[:, :, -1] = 1.0 + 1e-12
    return out


@njit(cache=False)
def ai_input_reference(h: F64, gamma: F64, ai_price: F64, price: F64, tfp: F64, land: F64,
                       land_share: float, sigma: float) -> F64:  # pragma: no cover - compiled
    """``_ai_input`` as it was written: one occupation after the other."""
    k = np.zeros(h.size)
    for o in range(h.size):
        if gamma[o] >= 1.0 - 1e-12 or h[o] <= 0:
            continue
        lo = math.log(h[o]) - 30.0
        hi = math.log(h[o]) + math.log(100.0)
        for _ in range(48):
            mid = 0.5 * (lo + hi)
            km = math.exp(mid)
            x = alg._ces_scalar(h[o], km, gamma[o], sigma)
            if x <= 0:
                lo = mid
                continue
            scale = tfp[o] * (1.0 - land_share) * (land[o] / x) ** land_share
            dxdk = (1.0 - gamma[o]) ** (1.0 / sigma) * (x / km) ** (1.0 / sigma)
            if price[o] * scale * dxdk > ai_price[o]:
                lo = mid
            else:
                hi = mid
        k[o] = math.exp(0.5 * (lo + hi))
    return k


def same(a: F64, b: F64) -> bool:
    return bool(np.array_equal(a, b, equal_nan=True))


@settings(max_examples=150, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), cap_share=st.floats(0.0, 1.0))
def test_defensive_review_is_the_numpy_bisection(seed: int, cap_share: float) -> None:
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 40))
    blame = rng.uniform(0.0, 1.0, n)
    # a share of occupations far above the cap (the fixed point is d_max), some at zero volume
    machine = rng.exponential(1.0, n) * (rng.random(n) < 0.8) * np.where(
        rng.random(n) < cap_share, 1e3, 1.0)
    fail = float(rng.uniform(0.0, 0.5))
    got = alg.defensive_review(blame, machine, fail, AGENCY)
    want = defensive_review_reference(blame, machine, fail, AGENCY)
    assert same(got[0], want[0]) and same(got[1], want[1])


def test_defensive_review_decides_a_near_tie_as_the_full_bisection() -> None:
    """The replay tests the midpoints within a hair of the fixed point: here the fixed point is
    the first midpoint, cap / 2, and the result is still the full bisection's."""
    cap = AGENCY.max_review
    scale = np.array([0.5 * cap * math.exp(AGENCY.review_detection * 0.5 * cap)])
    blame = np.ones(1)
    machine = scale / (AGENCY.defensive_review * 0.1)
    got = alg.defensive_review(blame, machine, 0.1, AGENCY)
    want = defensive_review_reference(blame, machine, 0.1, AGENCY)
    assert same(got[0], want[0])


def test_defensive_review_without_blame_needs_no_test() -> None:
    """Where no blame is to be expected (no AI-originated work, as everywhere before AI) the
    fixed point is 0, below every midpoint: the replay decides all 40 without an exponential
    (the threshold is shown), and the result is the full bisection's."""
    rate, cap = -AGENCY.review_detection, AGENCY.max_review
    assert alg._review_threshold(0.0, rate, cap) == (0.0, 0.0, True)
    assert alg._review_threshold(-0.0, rate, cap)[2]
    blame = np.array([0.3, 0.0, 1.0])
    machine = np.array([0.0, 2.0, 0.0])  # (scale 0 in each: no volume, or no blame)
    got = alg.defensive_review(blame, machine, 0.1, AGENCY)
    want = defensive_review_reference(blame, machine, 0.1, AGENCY)
    assert same(got[0], want[0]) and same(got[1], want[1])


@settings(max_examples=100, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), bias=st.floats(-1.0, 1.0),
       reinstatement=st.floats(0.0, 2.0), with_feasible=st.booleans())
def test_task_mix_is_the_numpy_algebra(seed: int, bias: float, reinstatement: float,
                                       with_feasible: bool) -> None:
    rng = np.random.default_rng(seed)
    adoption = rng.uniform(0.0, 1.0, ECON.n_tasks) * (rng.random(ECON.n_tasks) < 0.7)
    automation, augmentation = alg.biased_split(ECON.task_automation, ECON.task_augmentation,
                                                bias)
    feasible = rng.random(ECON.n_tasks) < 0.5 if with_feasible else None
    got = alg.task_mix(ECON, adoption, automation, augmentation, AGENCY, reinstatement, feasible)
    want = task_mix_reference(ECON, adoption, automation, augmentation, AGENCY, reinstatement,
                              feasible)
    for field in dataclasses.fields(want):
        assert same(getattr(got, field.name), getattr(want, field.name)), field.name


@settings(max_examples=100, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), empty=st.booleans())
def test_search_cdf_is_the_numpy_algebra(seed: int, empty: bool) -> None:
    rng = np.random.default_rng(seed)
    openings = rng.exponential(100.0, ECON.n_occ) * (rng.random(ECON.n_occ) < 0.8)
    if empty:
        openings[:] = 0.0
    assert same(alg.search_cdf(ECON, openings), search_cdf_reference(ECON, openings))


@settings(max_examples=200, deadline=None)
@given(seed=st.integers(0, 2**32 - 1),
       sigma=st.sampled_from([0.3, 0.5, 0.8, 0.999, 1.0, 1.0 + 1e-6, 1.001, 1.25, 3.0, 8.0]),
       land_share=st.sampled_from([0.0, 0.05, 0.1, 0.3, 0.9]), wide=st.booleans())
def test_ai_input_is_the_per_occupation_bisection(seed: int, sigma: float, land_share: float,
                                                  wide: bool) -> None:
    """The replayed bisection (Newton for the root, the test only near it) gives the
    bisection's bits; ``wide``: roots past both ends of the bracket, AI doing almost all the
    work (ill-conditioned), sizes over 17 orders of magnitude."""
    rng = np.random.default_rng(seed)
    n = 20
    if wide:
        h = np.exp(rng.uniform(-20.0, 20.0, n)) * (rng.random(n) < 0.95)
        gamma = np.where(rng.random(n) < 0.1, 1.0,
                         rng.uniform(0.0, 1.0, n) ** float(rng.choice([0.2, 1.0, 5.0])))
        price = np.exp(rng.uniform(-3.0, 3.0, n))
        ai_price = np.exp(rng.uniform(-12.0, 12.0, n))
        tfp = np.exp(rng.uniform(-2.0, 2.0, n))
        land = h * np.exp(rng.uniform(-3.0, 3.0, n))
    else:
        h = rng.exponential(100.0, n) * (rng.random(n) < 0.9)
        gamma = np.where(rng.random(n) < 0.2, 1.0, rng.uniform(0.5, 1.0, n))
        price = rng.uniform(0.5, 2.0, n)
        ai_price = rng.uniform(0.01, 3.0, n)
        tfp = rng.uniform(0.5, 2.0, n)
        land = h * rng.uniform(0.5, 1.5, n)
    args = (h, gamma, ai_price, price, tfp, land, land_share, sigma)
    assert same(alg._ai_input(*args), ai_input_reference(*args))


def test_ai_threshold_stops_at_the_closed_form_root(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without land the closed-form start is the root (its test gives g = 0 exactly, as in two
    occupations of the built-in economy in its tenth year, whose figures these are): the
    threshold takes three tests, the root and the two sides of its margin, not a bisection of
    the whole bracket from the start (which took 14 and 26 before); and the replayed bisection
    keeps the full bisection's bits."""
    cases = [(17.10847770376766, 0.9807069841918169, 0.017941070631501833, 1.0985546087308407,
              0.5219520720294344),
             (17.764212743086738, 0.9964114949298163, 0.020446351999451426, 1.822601818926496,
              0.29612312051407635)]
    sigma = 1.25
    rho, inv_s = (sigma - 1.0) / sigma, 1.0 / sigma
    tests: list[float] = []
    compiled_test = alg._ai_revenue

    def counted(mid: float, *rest: object) -> tuple[float, float, bool]:
        tests.append(mid)
        return compiled_test(mid, *rest)  # type: ignore[arg-type]

    monkeypatch.setattr(alg, "_ai_revenue", counted)  # (the threshold's Python reads it)
    for h, gamma, ai_price, price, tfp in cases:
        human, ai_coef = gamma**inv_s * h**rho, (1.0 - gamma) ** inv_s
        tests.clear()
        t, margin, shown = alg._ai_threshold.py_func(
            math.log(h) - 30.0, math.log(h) + math.log(100.0), h, gamma, human, ai_coef, h,
            tfp, price, ai_price, 0.0, sigma, rho, inv_s, False)
        assert shown and len(tests) == 3 and abs(tests[0] - t) < 1e-12 and margin < 1e-11
    monkeypatch.undo()
    hs = np.array([c[0] for c in cases])
    args = (hs, np.array([c[1] for c in cases]), np.array([c[2] for c in cases]),
            np.array([c[3] for c in cases]), np.array([c[4] for c in cases]), hs, 0.0, sigma)
    assert same(alg._ai_input(*args), ai_input_reference(*args))


def test_ai_input_falls_back_where_the_root_is_not_shown() -> None:
    """Where the threshold cannot be shown (here: a NaN price), every midpoint is tested, as
    the bisection does: the same bits (NaN tests decide "down" all the way)."""
    h = np.array([10.0, 10.0])
    args = (h, np.array([0.9, 0.9]), np.array([np.nan, 1.0]), np.ones(2), np.ones(2), h, 0.0,
            1.25)
    def shown(ai_price: float) -> bool:
        return bool(alg._ai_threshold(math.log(10.0) - 30.0, math.log(10.0) + math.log(100.0),
                                      10.0, 0.9, 0.9**0.8 * 10.0**0.2, 0.1**0.8, 10.0, 1.0, 1.0,
                                      ai_price, 0.0, 1.25, 0.2, 0.8, False)[2])

    assert shown(1.0) and not shown(np.nan)  # (an ordinary root is shown: the fast path runs)
    assert same(alg._ai_input(*args), ai_input_reference(*args))


def gini_reference(counts: F64, log_min: float, log_max: float) -> float:
    total = counts.sum()
    if total <= 0:
        return 0.0
    income = counts * alg.bin_centres(counts.size, log_min, log_max)
    cum_income = np.cumsum(income)
    prev = cum_income - income
    lorenz_area = float((counts * (prev + cum_income)).sum()) / (2.0 * cum_income[-1] * total)
    return 1.0 - 2.0 * lorenz_area


@settings(max_examples=200, deadline=None)
@given(n=st.integers(0, 5000), seed=st.integers(0, 2**32 - 1), stride=st.integers(1, 3))
def test_numpy_sum_is_numpy_bit_for_bit(n: int, seed: int, stride: int) -> None:
    rng = np.random.default_rng(seed)
    x = (rng.standard_normal(n * stride) * 10.0 ** rng.uniform(-3, 3, n * stride))[::stride]
    assert exact.numpy_sum(x) == np.sum(x)
    assert str(exact.numpy_sum(-np.zeros(1))) == str(np.sum(-np.zeros(1)))


@settings(max_examples=100, deadline=None)
@given(rows=st.integers(0, 30), cols=st.integers(0, 3000), seed=st.integers(0, 2**32 - 1))
def test_numpy_row_sums_are_numpys_bit_for_bit(rows: int, cols: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    m = rng.standard_normal((rows, cols)) * (rng.random((rows, cols)) < 0.2)
    assert np.array_equal(exact.numpy_row_sums_within(m, 0, cols - 1), m.sum(axis=1))


@settings(max_examples=150, deadline=None)
@given(rows=st.integers(1, 20), cols=st.integers(1, 2100), seed=st.integers(0, 2**32 - 1),
       a=st.integers(-5, 2100), b=st.integers(-5, 2100))
def test_row_sums_within_the_filled_columns_are_numpys(rows: int, cols: int, seed: int,
                                                       a: int, b: int) -> None:
    # columns outside first..last are +0.0 (runs there are taken as the +0.0 they add up to):
    # the same tree, the same bits (signed zeros inside the range included)
    rng = np.random.default_rng(seed)
    first, last = min(a, b), max(a, b)
    m = rng.standard_normal((rows, cols)) * 10.0 ** rng.uniform(-3, 3, (rows, cols))
    m[rng.random((rows, cols)) < 0.3] = -0.0
    m[:, :max(first, 0)] = 0.0
    m[:, max(last + 1, 0):] = 0.0
    got = exact.numpy_row_sums_within(m, first, last)
    assert got.tobytes() == m.sum(axis=1).tobytes()
    # and one row on its own (the Gini's sums of the wage histogram), against np.sum of it
    assert str(exact.numpy_sum_within(m[0], first, last)) == str(np.sum(m[0]))


@settings(max_examples=150, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(0, 300), k=st.integers(1, 30),
       g=st.integers(0, 9), periods=st.integers(1, 33))
def test_the_records_sums_are_numpys_bit_for_bit(seed: int, n: int, k: int, g: int,
                                                 periods: int) -> None:
    """A block of records' sums over occupations and over groups of them, summed where the
    block lies, against the NumPy expressions they replace (``row.sum()`` and
    ``row[mask].sum()``, period by period), empty groups included."""
    rng = np.random.default_rng(seed)
    raw = rng.standard_normal((periods, k + 2, n)) * 10.0 ** rng.uniform(-4, 4, (1, k + 2, n))
    groups = rng.random((g, n)) < rng.uniform(0, 1, (g, 1))
    grouped = tuple(int(i) for i in rng.choice(k + 2, size=min(3, k + 2), replace=False))
    totals, by_group = alg.block_sums(raw, k, grouped, groups)
    assert totals.shape == (periods, k) and by_group.shape == (periods, len(grouped), g)
    for p in range(periods):
        for i in range(k):
            assert totals[p, i] == raw[p, i].sum()
        for c, row in enumerate(grouped):
            for j in range(g):
                assert str(by_group[p, c, j]) == str(raw[p, row][groups[j]].sum())


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n_bins=st.sampled_from([1, 7, 300, 4096]),
       fill=st.floats(0.0, 1.0))
def test_gini_is_the_numpy_expression(seed: int, n_bins: int, fill: float) -> None:
    rng = np.random.default_rng(seed)
    counts = rng.poisson(50.0, n_bins).astype(np.float64) * (rng.random(n_bins) < fill)
    got = alg.gini_from_histogram(counts, math.log(1e-3), math.log(1e3))
    assert got == gini_reference(counts, math.log(1e-3), math.log(1e3))


# the AI-skill wage figures as they were written in NumPy
def within_premium_reference(n_ai: F64, sum_ai: F64, n_non: F64, sum_non: F64,
                              specialist: NDArray[np.bool_] | None = None) -> float:
    both = (n_ai > 0) & (n_non > 0)
    if specialist is not None:
        both &= ~specialist
    if not both.any():
        return 0.0
    gap = sum_ai[both] / n_ai[both] - sum_non[both] / n_non[both]
    weight = n_ai[both] * n_non[both] / (n_ai[both] + n_non[both])
    return float((gap * weight).sum() / weight.sum())


def skill_slope_reference(n_ai: F64, sum_ai: F64, n_non: F64, sum_non: F64, skill: F64
                 ) -> tuple[F64, F64, F64, NDArray[np.bool_]]:
    both = (n_ai > 0) & (n_non > 0)
    with np.errstate(invalid="ignore", divide="ignore"):
        n1, n0 = np.maximum(n_ai, 1e-300), np.maximum(n_non, 1e-300)
        w1, w0 = sum_ai / n1, sum_non / n0
        s1, s0 = skill[:, 0] / n1, skill[:, 1] / n0
        sxx = skill[:, 2] - n_ai * s1**2 - n_non * s0**2
        sxy = skill[:, 3] - n_ai * s1 * w1 - n_non * s0 * w0
        slope = np.where(both & (sxx > 1e-12), sxy / np.maximum(sxx, 1e-300), 0.0)
    gap = np.where(both, w1 - w0, 0.0)
    skill_gap = np.where(both, s1 - s0, 0.0)
    return gap, slope, skill_gap, both


def skill_return_reference(n_ai: F64, sum_ai: F64, n_non: F64, sum_non: F64, skill: F64,
                 specialist: NDArray[np.bool_]) -> float:
    gap, slope, skill_gap, both = skill_slope_reference(n_ai, sum_ai, n_non, sum_non, skill)
    use = both & ~specialist
    if not use.any():
        return 0.0
    c = gap - slope * skill_gap
    weight = n_ai[use] * n_non[use] / (n_ai[use] + n_non[use])
    return float((c[use] * weight).sum() / weight.sum())


def decomposition_reference(n_ai: F64, sum_ai: F64, n_non: F64, sum_non: F64, skill: F64,
                          specialist: NDArray[np.bool_]
                          ) -> tuple[float, float, float, float, float]:
    n1, n0 = float(n_ai.sum()), float(n_non.sum())
    if n1 <= 0 or n0 <= 0:
        return 0.0, 0.0, 0.0, 0.0, 0.0
    n = n_ai + n_non
    with np.errstate(invalid="ignore", divide="ignore"):
        mu = np.where(n > 0, (sum_ai + sum_non) / np.maximum(n, 1e-300), 0.0)
        share1 = np.where(n > 0, n_ai / np.maximum(n, 1e-300), 0.0)
    pi1, pi0 = n_ai / n1, n_non / n0
    gap, slope, skill_gap, _ = skill_slope_reference(n_ai, sum_ai, n_non, sum_non, skill)
    weight = pi1 * (1.0 - share1) + pi0 * share1
    between = (pi1 - pi0) * mu
    other = ~specialist
    ret = float((weight * (gap - slope * skill_gap))[other].sum())
    sel = float((weight * slope * skill_gap)[other].sum())
    spec = float(between[specialist].sum() + (weight * gap)[specialist].sum())
    comp = float(between[other].sum())
    total = float(sum_ai.sum() / n1 - sum_non.sum() / n0)
    return total, ret, sel, spec, comp


@settings(max_examples=150, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), empty_share=st.floats(0.0, 1.0),
       n_occ=st.integers(1, 40))
def test_premium_figures_are_the_numpy_ones(seed: int, empty_share: float, n_occ: int) -> None:
    rng = np.random.default_rng(seed)
    n_ai = rng.poisson(20.0, n_occ) * (rng.random(n_occ) > empty_share).astype(np.float64)
    n_non = rng.poisson(30.0, n_occ) * (rng.random(n_occ) > empty_share).astype(np.float64)
    sum_ai = n_ai * rng.normal(0.2, 0.3, n_occ)
    sum_non = n_non * rng.normal(0.0, 0.3, n_occ)
    ls = rng.normal(0.0, 0.5, (n_occ, 2))
    skill = np.column_stack([n_ai * ls[:, 0], n_non * ls[:, 1],
                             (n_ai + n_non) * (0.3 + ls[:, 0] ** 2),
                             (n_ai + n_non) * rng.normal(0.1, 0.2, n_occ)])
    specialist = rng.random(n_occ) < 0.2
    args = (n_ai, sum_ai, n_non, sum_non)
    got = alg.premium_figures(*args, skill, specialist)
    assert got[0] == within_premium_reference(*args, specialist)
    assert alg.within_occupation_premium(*args) == within_premium_reference(*args)
    assert got[1] == skill_return_reference(*args, skill, specialist)
    assert tuple(got[2:]) == decomposition_reference(*args, skill, specialist)
    assert alg.premium_decomposition(*args, skill, specialist) == tuple(got[2:])


def test_compiled_algebra_divides_as_numpy_does() -> None:
    """0 / 0 gives NaN (as in NumPy), not an exception: an origin with no mobility at all
    gives undefined search probabilities."""
    econ = dataclasses.replace(ECON, mobility=np.vstack([np.zeros(ECON.n_occ),
                                                         ECON.mobility[1:]]))
    got = alg.search_cdf(econ, np.ones(ECON.n_occ))
    with np.errstate(invalid="ignore", divide="ignore"):
        want = search_cdf_reference(econ, np.ones(ECON.n_occ))
    assert same(got, want) and np.isnan(got[:, 0, :-1]).all()


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), adopting=st.booleans(), confirmer=st.booleans(),
       reinstatement=st.floats(0.0, 1.0))
def test_the_ai_phase_in_one_call_is_its_steps(seed: int, adopting: bool, confirmer: bool,
                                               reinstatement: float) -> None:
    """``ai_phase`` (step 1 in one compiled call) gives the bits of its steps called one
    after another, as ``MarketBase.phase_ai`` called them."""
    from neijuan.sim import phase_kernels as pk

    rng = np.random.default_rng(seed)
    n_occ, n_tasks = ECON.n_occ, ECON.n_tasks
    adoption = rng.uniform(0.0, 1.0, n_tasks) * (rng.random(n_tasks) < 0.7)
    capability, cost_ratio = float(rng.uniform(0.0, 1.0)), float(rng.uniform(0.2, 1.5))
    human_cost0, human_cost = rng.uniform(0.5, 2.0, n_occ), rng.uniform(0.5, 2.0, n_occ)
    speed = rng.uniform(0.5, 2.0, n_tasks)
    automation, augmentation = alg.biased_split(ECON.task_automation, ECON.task_augmentation,
                                                float(rng.uniform(-1.0, 1.0)))
    ag = AGENCY
    liability, failure = float(rng.uniform(0.0, 1.0)), float(rng.uniform(0.0, 0.3))
    got_adoption, rows, level = alg.ai_phase(
        adoption, adopting, capability, cost_ratio, human_cost0, human_cost,
        ECON.task_threshold, ECON.task_occ, speed, 0.02, 0.4, 0.25, ECON.task_share,
        ECON.task_originate, automation, augmentation, ag.augment_origination,
        ag.review_burden, reinstatement, confirmer, liability, failure, ag.defensive_review,
        -ag.review_detection, ag.max_review, alg.REVIEW_HALVINGS, 0.3, 0.4, ECON.occ_share)
    ai_price = cost_ratio * human_cost0
    if adopting:
        adoption = pk.adopt(adoption, capability, ECON.task_threshold, ai_price, human_cost,
                            ECON.task_occ, speed, 0.02, 0.4, 0.25)
    feasible = (capability >= ECON.task_threshold if adopting
                else np.zeros(n_tasks, dtype=bool))
    mix = alg.task_mix(ECON, adoption, automation, augmentation, ag, reinstatement, feasible)
    blame = np.full(n_occ, liability) if confirmer else liability * mix.changeable
    review, pass_rate = alg.defensive_review(blame, mix.machine0, failure, ag)
    want_level, scales = pk.ai_scales(mix.augmented, review, pass_rate, 0.3, 0.4, failure,
                                      mix.ai_use, ECON.occ_share, ai_price)
    want = np.vstack([ai_price, *dataclasses.astuple(mix), blame, review, pass_rate, *scales])
    assert same(got_adoption, adoption) and level == want_level
    assert rows.tobytes() == want.tobytes()



@pytest.mark.parametrize("quarters", [10, 40])  # in the burn-in (24 quarters) and after it
@pytest.mark.parametrize("rule", ["tullock", "top_m"])
def test_the_contest_inputs_are_the_phase_methods_one_after_the_other(quarters: int,
                                                                      rule: str) -> None:
    """MarketBase.contest_inputs (step 3 and the per-occupation inputs of the contest in one
    compiled call, the engine's) against the methods the Mesa and mean-field models call one
    after the other, on two copies of one model: the same bits, and the same state after
    (demand's income reference and AI spending, the burn-in's reference positions)."""
    from neijuan.sim.model import LabourMarket

    sc = load_scenario("ai-baseline", {"run.workers": 300, "run.burn_in": 24,
                                       "run.periods": 40, "contest.rule": rule})
    fused, apart = (LabourMarket(sc, builtin_economy(), 5) for _ in range(2))
    for model in (fused, apart):
        for _ in range(quarters):
            model.step()
    key = np.uint64(0x9E3779B97F4A7C15)
    got_ai, want_ai = fused.phase_ai(), apart.phase_ai()
    sums = fused.occ_sums
    got_prod = fused.phase_production(got_ai, sums[:, 10].copy(),
                                      sums[:, 7] + got_ai.aug_gain * sums[:, 8])
    want_prod = apart.phase_production(want_ai, sums[:, 10].copy(),
                                       sums[:, 7] + want_ai.aug_gain * sums[:, 8])
    rows = fused.contest_inputs(got_ai, got_prod, fused.degree_share, fused.degree_gap,
                                fused.within_var, key)
    from neijuan.sim import phase_kernels

    positions, jitter = phase_kernels.rounded_positions(*apart.demand_inputs(want_prod), key)
    _, noise, scr = apart.phase_screen(want_ai, positions, apart.degree_share,
                                       apart.degree_gap, apart.within_var, with_cdf=False)
    want = [positions, jitter, noise, scr.test_sd, scr.bayes_weight, scr.degree_weight,
            scr.degree_required, scr.degree_required_ai, apart.search_openings(positions),
            want_prod.price * want_prod.out.mpl * want_ai.aug_scale, noise / sc.contest.r,
            apart.horizon(), apart.ai_focus(want_ai),
            apart.replaceable_where_shrinking(want_ai, positions) * want_ai.keep_time]
    assert rows.shape == (alg.CONTEST_INPUT_ROWS, positions.size)
    for k, expected in enumerate(want):
        assert rows[k].tobytes() == np.asarray(expected, dtype=np.float64).tobytes(), k
    for name in ("income_ref", "ai_spend", "labour_ref"):
        assert getattr(fused, name) == getattr(apart, name), name
    assert fused.positions_ref is not None and apart.positions_ref is not None
    assert fused.positions_ref.tobytes() == apart.positions_ref.tobytes()
    if quarters > 24:  # (AI-era positions that shrank: the replaceable share counts)
        assert rows[13].any()


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 30))
def test_the_close_of_a_quarter_is_its_calls_one_after_the_other(seed: int, n: int) -> None:
    """steps.close_quarter (the engine's close in one call) against what MarketBase's
    close_period and record, the wage Gini and the degree groups' moments compute on the
    outcome objects: the same scalars, flows and records, bit for bit; the settle pass's
    per-occupation sums read by column as WorkOutcome reads them."""
    from neijuan.sim import phase_kernels as pk
    from neijuan.sim.market import WorkOutcome

    rng = np.random.default_rng(seed)

    def pos(size: int | tuple[int, ...] = n) -> F64:
        return rng.uniform(0.0, 50.0, size) * (rng.random(size) > 0.1)

    (employed_at_production, units, employed, candidates, applicants, hires, separations,
     human_cost, finding, separation, occ_mean_wage, positions, openings, contested, output,
     effort_sum, prize_won, land, ai_use, labour_share, bar, value, tfp, price, mpl, review,
     degree_weight, degree_required, degree_required_ai, firm_augment,
     consumption_weight) = (pos() for _ in range(31))
    occ_sums = rng.normal(0.0, 3.0, (n, 15))
    wage_hist = pos(64)
    centres = alg.bin_centres(64, -3.0, 3.0)
    degree_stats = np.abs(rng.normal(5.0, 3.0, (2, 3)))
    tier = rng.integers(0, 4, n)
    record = np.full((pk.RECORD_ROWS, n), np.nan)
    scalars, rows = alg.close_quarter(
        record, employed_at_production, units, employed, candidates, applicants, hires,
        separations, human_cost, finding, separation, occ_mean_wage, 0.5, 0.4, 0.02, occ_sums,
        wage_hist, centres, degree_stats, positions, openings, contested, output, effort_sum,
        prize_won, land, ai_use, labour_share, bar, value, tfp, price, mpl, review,
        degree_weight, degree_required, degree_required_ai, tier, firm_augment,
        consumption_weight)
    cols = occ_sums.T.copy()
    work = WorkOutcome(wage_sum=cols[0], ai_n=cols[1], ai_log_wage=cols[2], non_ai_n=cols[3],
                       non_ai_log_wage=cols[4], agency_sum=cols[5],
                       retained_not_needed=cols[6], skill_wage=cols[11:15].T,
                       blame=np.zeros(5), wage_gini=0.0)
    total, mean_wage, benefit, want_rows = pk.close_flows(
        employed_at_production, units, employed, work.wage_sum, candidates, applicants, hires,
        separations, human_cost, finding, separation, occ_mean_wage, 0.5, 0.4, 0.02)
    want_record = np.full((pk.RECORD_ROWS, n), np.nan)
    pk.record_rows(want_record, employed, employed_at_production, positions, candidates,
                   applicants, hires, openings, contested, output, work.wage_sum, effort_sum,
                   prize_won, land, work.ai_n, work.agency_sum, work.retained_not_needed,
                   work.ai_log_wage, work.non_ai_n, work.non_ai_log_wage, ai_use, labour_share,
                   bar, value, units, tfp, price, np.ascontiguousarray(work.skill_wage.T), mpl,
                   review, degree_weight, degree_required, degree_required_ai, tier,
                   firm_augment, consumption_weight)
    skill_mean, means, within, share, gap = pk.degree_moments(degree_stats[:, :3].copy())
    gini = alg.gini_from_histogram(wage_hist, -3.0, 3.0)
    want = np.array([total, mean_wage, benefit, gini, skill_mean, *means, within, share, gap])
    assert scalars.tobytes() == want.tobytes()
    assert rows.tobytes() == want_rows.tobytes()
    assert record.tobytes() == want_record.tobytes()
    # the record's rows are the arrays named (a few, by the row derivation reads them at)
    assert record[10].tobytes() == occ_sums[:, 0].tobytes()  # the wage bill
    assert record[16].tobytes() == occ_sums[:, 5].tobytes()  # agency
    assert record[38].tobytes() == occ_sums[:, 14].tobytes()  # sum ln s ln w


@pytest.mark.parametrize("quarters", [10, 40])  # in the burn-in (24 quarters) and after it
def test_ai_and_production_are_the_two_phases_one_after_the_other(quarters: int) -> None:
    """MarketBase.phase_ai_and_production (steps 1 and 2 in one compiled call, the engine's)
    against phase_ai and phase_production on two copies of one model: the same outcomes and
    state, bit for bit."""
    from dataclasses import fields

    from neijuan.sim.model import LabourMarket

    sc = load_scenario("ai-baseline", {"run.workers": 300, "run.burn_in": 24,
                                       "run.periods": 40})
    fused, apart = (LabourMarket(sc, builtin_economy(), 9) for _ in range(2))
    for model in (fused, apart):
        for _ in range(quarters):
            model.step()
    got_ai, got_prod = fused.phase_ai_and_production(fused.occ_sums)
    sums = apart.occ_sums
    want_ai = apart.phase_ai()
    want_prod = apart.phase_production(want_ai, sums[:, 10].copy(),
                                       sums[:, 7] + want_ai.aug_gain * sums[:, 8])

    def flat(value: object) -> list[bytes]:
        if dataclasses.is_dataclass(value):
            return [b for f in fields(value) for b in flat(getattr(value, f.name))]
        return [np.asarray(value, dtype=np.float64).tobytes()]

    assert flat(got_ai) == flat(want_ai)
    assert flat(got_prod) == flat(want_prod)
    for name in ("adoption", "capability", "income_last", "productivity", "price"):
        assert flat(getattr(fused, name)) == flat(getattr(apart, name)), name
    if quarters > 24:
        assert got_ai.capability > 0 and got_prod.out.ai_input.any()
