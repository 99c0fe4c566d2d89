"""The compiled phase arithmetic (:mod:`neijuan.sim.phase_kernels`) is the NumPy expressions it
replaced, bit for bit: each reference below is the NumPy code as it was written in the phases,
its powers and exponentials the C library's (``cpow``, ``libm``), as the simulator takes them."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from numba import njit
from numpy.typing import NDArray

from neijuan.sim import libm, steps
from neijuan.sim import phase_kernels as pk
from neijuan.sim.rng import uniforms

F64 = NDArray[np.float64]


@njit(cache=False, error_model="numpy")
def _cpow(x: F64, y: F64) -> F64:  # pragma: no cover - compiled
    out = np.empty(x.size)
    for i in range(x.size):
        out[i] = x[i] ** y[i]
    return out


def cpow(x: object, y: object) -> F64:
    """x^y elementwise, the C library's ``pow`` (as compiled code calls it), broadcasting."""
    a, b = np.broadcast_arrays(np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64))
    return _cpow(np.array(a).reshape(-1), np.array(b).reshape(-1)).reshape(a.shape)


def same(a: object, b: object) -> bool:
    return bool(np.array_equal(np.asarray(a), np.asarray(b), equal_nan=True))


def counts(rng: np.random.Generator, n: int, zeros: float = 0.2) -> F64:
    """Non-negative values with exact zeros (empty occupations) and some tiny ones."""
    v = rng.exponential(50.0, n) * (rng.random(n) >= zeros)
    return np.where(rng.random(n) < 0.05, 1e-13, v)


def close_flows_reference(employed_at_production: F64, units: F64, employed: F64,
                          wage_sum: F64, candidates: F64, applicants: F64, hires: F64,
                          separations: F64, human_cost: F64, finding: F64, separation: F64,
                          occ_mean_wage: F64, smoothing: float, replacement: float,
                          discount: float) -> tuple[object, ...]:
    total = float(employed.sum())
    mean_wage = float(wage_sum.sum() / max(total, 1.0))
    with np.errstate(invalid="ignore", divide="ignore"):
        per_worker = np.where(employed_at_production > 0,
                              units / np.maximum(employed_at_production, 1.0), 1.0)
        cost = np.where(employed > 0, wage_sum / np.maximum(employed, 1e-12) / per_worker,
                        human_cost)
        incumbents = candidates - applicants
        f = np.where(applicants > 0, hires / np.maximum(applicants, 1e-12), 1.0)
        s = np.where(incumbents > 0, separations / np.maximum(incumbents, 1e-12), 0.0)
    find = smoothing * finding + (1 - smoothing) * f
    sep = smoothing * separation + (1 - smoothing) * s
    wage = np.where(employed > 0, wage_sum / np.maximum(employed, 1e-12), occ_mean_wage)
    benefit = replacement * mean_wage
    lam = find / (discount + sep + find)
    outside = benefit + lam * np.maximum(wage - benefit, 0.0)
    return total, mean_wage, benefit, cost, find, sep, wage, outside


@settings(max_examples=200, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 60), with_nan=st.booleans())
def test_close_flows_is_the_numpy_algebra(seed: int, n: int, with_nan: bool) -> None:
    rng = np.random.default_rng(seed)
    candidates = counts(rng, n)
    applicants = candidates * rng.uniform(0.0, 1.0, n)
    args = (counts(rng, n), counts(rng, n), counts(rng, n), counts(rng, n) * 3.0, candidates,
            applicants, applicants * rng.uniform(0.0, 1.0, n), counts(rng, n) * 0.1,
            rng.uniform(0.1, 5.0, n), rng.uniform(0.0, 1.0, n), rng.uniform(0.0, 0.2, n),
            rng.uniform(0.5, 3.0, n))
    if with_nan:  # (NaN goes where NumPy's rules send it)
        args[int(rng.integers(0, len(args)))][int(rng.integers(0, n))] = np.nan
    scalars = (0.5, float(rng.uniform(0.0, 1.0)), float(rng.uniform(0.0, 0.1)))
    total, mean_wage, benefit, rows = pk.close_flows(*args, *scalars)
    want = close_flows_reference(*args, *scalars)
    for g, w in zip((total, mean_wage, benefit, *rows), want, strict=True):
        assert same(g, w)


def nan_somewhere(rng: np.random.Generator, arrays: tuple[F64, ...]) -> None:
    a = arrays[int(rng.integers(0, len(arrays)))]
    a[int(rng.integers(0, a.size))] = np.nan


@settings(max_examples=150, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 80), with_nan=st.booleans())
def test_adoption_and_uplift_are_the_numpy_algebra(seed: int, n: int, with_nan: bool) -> None:
    rng = np.random.default_rng(seed)
    n_occ = max(1, n // 4)
    adoption = rng.uniform(0.0, 1.0, n) * (rng.random(n) < 0.7)
    threshold, speed = rng.uniform(0.0, 1.0, n), rng.uniform(0.2, 3.0, n)
    task_occ = rng.integers(0, n_occ, n).astype(np.int64)
    ai_price, human_cost = rng.uniform(0.1, 2.0, n_occ), rng.uniform(0.1, 2.0, n_occ)
    if with_nan:
        nan_somewhere(rng, (adoption, threshold, speed, ai_price, human_cost))
    capability, p, q = float(rng.uniform(0, 1)), float(rng.uniform(0, 0.1)), float(rng.uniform(0, 1))
    # steps.bass_adoption, as it was written, where AI can do the task and is cheaper
    allowed = (capability >= threshold) & (ai_price < human_cost)[task_occ]
    rate = (p + q * adoption) * (1.0 - adoption) * speed * 0.25
    want = np.where(allowed, np.minimum(adoption + rate, 1.0), adoption)
    got = pk.adopt(adoption, capability, threshold, ai_price, human_cost, task_occ, speed, p, q,
                   0.25)
    assert same(got, want)
    # the uplift of augmented work and the review's cost (MarketBase.phase_ai)
    augmented, review = rng.uniform(0.0, 0.5, n_occ), rng.uniform(0.0, 0.5, n_occ)
    pass_rate = rng.uniform(0.0, 1.0, n_occ)
    ai_use, share = rng.uniform(0.0, 1.0, n_occ), rng.dirichlet(np.ones(n_occ))
    uplift, w0, fail = float(rng.uniform(0, 2)), float(rng.uniform(0, 1)), 0.03
    if with_nan:
        nan_somewhere(rng, (augmented, review, ai_use, pass_rate))
    plain = 1.0 + augmented * uplift * w0
    aug_gain = augmented * uplift * (1.0 - w0) / plain
    aug_scale = plain * (1.0 - review)
    want_all = (float((ai_use * share).sum()), aug_gain, aug_scale, ai_price * aug_scale,
                1.0 - review, fail * pass_rate)
    level, rows = pk.ai_scales(augmented, review, pass_rate, uplift, w0, fail, ai_use, share,
                               ai_price)
    got_all = (level, *rows)
    for g, w in zip(got_all, want_all, strict=True):
        assert same(g, w)


@settings(max_examples=150, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 60), with_nan=st.booleans())
def test_settle_inputs_are_the_numpy_algebra(seed: int, n: int, with_nan: bool) -> None:
    rng = np.random.default_rng(seed)
    separation, finding = rng.uniform(0.0, 0.3, n), rng.uniform(0.0, 1.0, n)
    ai_use, tier = rng.uniform(0.0, 1.0, n), rng.integers(0, 4, n).astype(np.int64)
    positions, positions_ref = counts(rng, n), counts(rng, n)
    replaceable = rng.uniform(0.0, 1.0, n)
    hist_x = rng.normal(0.0, 50.0, (n, 1024)) * (rng.random((n, 1024)) < 0.1)
    candidates, center = counts(rng, n), rng.normal(0.0, 1.0, n)
    if with_nan:
        nan_somewhere(rng, (separation, finding, ai_use, positions, positions_ref, replaceable,
                            candidates))
    r, room, focus = float(rng.uniform(0, 0.05)), float(rng.uniform(0.8, 1.3)), 0.3
    assert same(pk.horizon(separation, finding, r, 80.0),
                np.minimum(1.0 / (r + separation + finding), 80.0))
    assert same(pk.ai_focus(ai_use, tier, focus), focus * np.minimum(ai_use + (tier == 3), 1.0))
    with np.errstate(invalid="ignore", divide="ignore"):
        fall = 1.0 - positions / np.maximum(positions_ref * room, 1e-300)
        assert same(pk.shrinking_weight(positions, positions_ref, room, 0.05, replaceable),
                    np.clip(fall / 0.05, 0.0, 1.0) * replaceable)
        assert same(pk.score_centres(hist_x, candidates, center),
                    np.where(candidates > 0, hist_x.sum(axis=1) / np.maximum(candidates, 1.0),
                             center))


@settings(max_examples=200, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), empty=st.sampled_from([None, 0, 1]))
def test_degree_moments_are_the_python_floats(seed: int, empty: int | None) -> None:
    """The degree groups' moments in one compiled call against the Python floats' expression
    they replace (a group may be empty: its mean is 0, the gap 0)."""
    rng = np.random.default_rng(seed)
    stats = np.empty((2, 3))
    for d in range(2):
        c = float(rng.integers(0, 10_000)) if d != empty else 0.0
        s_ = c * float(rng.normal(0.0, 1.0))
        stats[d] = c, s_, s_ * s_ / max(c, 1.0) + c * float(rng.uniform(0.0, 2.0))
    (c0, s0, q0), (c1, s1, q1) = stats.tolist()
    n0, n1 = max(c0, 1.0), max(c1, 1.0)
    m0, m1 = s0 / n0, s1 / n1
    v0, v1 = max(q0 / n0 - m0 * m0, 1e-9), max(q1 / n1 - m1 * m1, 1e-9)
    want = (((0.0 + s0) + s1) / max((0.0 + c0) + c1, 1.0), [m0, m1],
            (v0 * c0 + v1 * c1) / max(c0 + c1, 1.0), c1 / max(c0 + c1, 1.0),
            m1 - m0 if c1 and c0 else 0.0)
    got = pk.degree_moments(stats)
    assert repr((got[0], got[1].tolist(), *got[2:])) == repr(want)


@settings(max_examples=100, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 60), with_nan=st.booleans())
def test_record_products_are_the_numpy_algebra(seed: int, n: int, with_nan: bool) -> None:
    rng = np.random.default_rng(seed)
    price, output, mpl, units = (rng.uniform(0.1, 3.0, n), counts(rng, n),
                                 rng.uniform(0.1, 3.0, n), counts(rng, n))
    review, employed = rng.uniform(0.0, 0.5, n), counts(rng, n) - 1e-3
    weight, required, required_ai = (rng.uniform(0, 1, n) for _ in range(3))
    hires, tier, augment = counts(rng, n), rng.integers(0, 4, n).astype(np.int64), rng.random(n)
    consumption = rng.dirichlet(np.ones(n))
    if with_nan:
        nan_somewhere(rng, (price, output, mpl, units, review, employed, hires, augment))
    asks_ai = np.where(tier == 3, 1.0, augment)
    at_work = np.maximum(employed, 0.0)
    want = np.array((price * output, mpl * units, review * at_work, at_work, weight * hires,
                     required * hires, required_ai * (hires * asks_ai + 1e-9 * hires),
                     hires * asks_ai, consumption * price))
    assert same(pk.record_products(price, output, mpl, units, review, employed, weight, required,
                                   required_ai, hires, tier, augment, consumption), want)


@settings(max_examples=150, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 60), with_nan=st.booleans())
def test_search_frictions_are_the_numpy_algebra(seed: int, n: int, with_nan: bool) -> None:
    rng = np.random.default_rng(seed)
    positions, candidates = counts(rng, n), counts(rng, n) * 2.0
    applicants = candidates * rng.uniform(0.0, 1.0, n) * (rng.random(n) < 0.9)
    if with_nan:
        nan_somewhere(rng, (positions, candidates, applicants))
    # MarketBase.frictional_positions, as it was written
    incumbents = np.maximum(candidates - applicants, 0.0)
    openings = np.maximum(positions - incumbents, 0.0)
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        lam = np.where(openings > 0, applicants / np.maximum(openings, 1e-300), 0.0)
        want = (positions - openings * libm.exp(-lam), openings,
                openings * (1.0 - libm.exp(-lam) * (1.0 + lam)))
    got = pk.frictions(positions, candidates, applicants)
    for g, w in zip(got, want, strict=True):
        assert same(g, w)


@settings(max_examples=150, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 60), with_nan=st.booleans(),
       land_share=st.sampled_from([0.0, 0.3]))
def test_positions_are_the_numpy_algebra(seed: int, n: int, with_nan: bool,
                                         land_share: float) -> None:
    rng = np.random.default_rng(seed)
    demand_scale, list_price = counts(rng, n), rng.uniform(0.2, 3.0, n)
    eta = rng.uniform(0.0, 3.0, n)
    specialist = rng.random(n) < 0.2
    output, employed, productivity = counts(rng, n), counts(rng, n), counts(rng, n)
    positions, candidates = counts(rng, n), counts(rng, n)
    if with_nan:
        nan_somewhere(rng, (demand_scale, list_price, output, employed, productivity,
                            positions, candidates))
    scale, boost = float(rng.uniform(0.5, 2.0)), float(rng.uniform(1.0, 3.0))
    # MarketBase.phase_positions and steps.positions_needed, as they were written
    want_demand = demand_scale * scale * cpow(list_price, -eta)
    want_demand[np.flatnonzero(specialist)] *= boost
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = np.where(output > 0, want_demand / output, 0.0)
        scaled = employed * cpow(ratio, 1.0 / (1.0 - land_share))
        fallback = np.where(productivity > 0, want_demand / productivity, 0.0)
        want = np.where((employed > 0) & (output > 0), scaled, fallback)
        got = pk.positions(demand_scale, scale, list_price, eta, specialist, boost, output,
                           employed, productivity, land_share)
        assert same(got, want)
        # the engine's stochastic rounding in the same call: floor(M + u), u the stream's draws
        key = np.uint64(rng.integers(0, 2**63))
        rounded, jitter = pk.rounded_positions(demand_scale, scale, list_price, eta, specialist,
                                               boost, output, employed, productivity,
                                               land_share, key)
        assert same(jitter, uniforms(key, n)) and same(rounded, np.floor(want + jitter))
        # bargaining: beta min(M / max(C, 1), 1)^xi where there are candidates
        retention = np.where(candidates > 0, np.minimum(positions / np.maximum(candidates, 1.0),
                                                        1.0), 1.0)
        assert same(pk.bargaining(positions, candidates, 0.4, 0.7),
                    0.4 * cpow(retention, 0.7))


def ces_reference(h: F64, k: F64, gamma: F64, sigma: float) -> F64:
    """steps.ces as it was written in NumPy."""
    h = np.maximum(h, 1e-300)
    k = np.maximum(k, 0.0)
    ai_share = np.where(1.0 - gamma > 1e-12, 1.0 - gamma, 0.0)
    with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
        if abs(sigma - 1.0) < 1e-9:
            g = np.clip(gamma, 1e-12, 1.0)
            log_k = np.where(ai_share > 0, libm.log(np.maximum(k, 1e-300)), 0.0)
            return libm.exp(g * libm.log(h) + np.where(ai_share > 0, (1.0 - g) * log_k, 0.0))
        rho = (sigma - 1.0) / sigma
        k_term = np.where(k > 0, cpow(k, rho), np.inf if rho < 0 else 0.0)
        total = cpow(gamma, 1.0 / sigma) * cpow(h, rho) + np.where(
            ai_share > 0, cpow(ai_share, 1.0 / sigma) * k_term, 0.0)
        return np.where(np.isfinite(total) & (total > 0), cpow(total, 1.0 / rho), 0.0)


@settings(max_examples=200, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 60), with_nan=st.booleans(),
       sigma=st.sampled_from([0.5, 0.8, 1.0, 1.25, 2.0, 3.0]),
       land_share=st.sampled_from([0.0, 0.1, 0.3]), kappa=st.sampled_from([0.0, 0.6, 1.0]))
def test_production_is_the_numpy_algebra(seed: int, n: int, with_nan: bool, sigma: float,
                                         land_share: float, kappa: float) -> None:
    """steps.prices, steps.ces and steps.produce (after the firms' AI input) against the NumPy
    expressions they were."""
    rng = np.random.default_rng(seed)
    h, k = counts(rng, n), counts(rng, n) * rng.uniform(0.0, 2.0, n)
    gamma = np.where(rng.random(n) < 0.2, 1.0, rng.uniform(0.0, 1.0, n))
    productivity, productivity0 = counts(rng, n), counts(rng, n)
    employed, positions = counts(rng, n), counts(rng, n)
    eta = rng.uniform(0.0, 3.0, n)
    tfp, land = rng.uniform(0.5, 2.0, n), counts(rng, n)
    ai_price, price = rng.uniform(0.1, 2.0, n), rng.uniform(0.5, 2.0, n)
    if with_nan:
        nan_somewhere(rng, (h, k, gamma, productivity, employed, positions, eta, land))
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(productivity0 > 0, productivity / productivity0, 1.0)
        base = cpow(np.where(ratio > 0, ratio, 1.0), -kappa)
        fill = np.where(positions > 0, np.minimum(employed / np.maximum(positions, 1e-300), 1.0),
                        1.0)
        scarcity = np.minimum(cpow(np.where(fill > 0, fill, 1.0),
                                         -1.0 / np.maximum(eta, 0.1)), 3.0)
    got = steps.prices(productivity, productivity0, employed, positions, eta, kappa)
    assert same(got[0], base) and same(got[1], base * scarcity)
    assert same(steps.ces(h, k, gamma, sigma), ces_reference(h, k, gamma, sigma))
    # the output and the marginal product from the firms' AI input (steps.produce after it)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        out = steps.produce(h, gamma, ai_price, price, tfp, land, land_share, sigma)
        x = np.where(h > 0, ces_reference(h, out.ai_input, gamma, sigma), 0.0)
        y = tfp * cpow(land, land_share) * cpow(np.maximum(x, 0.0),
                                                            1.0 - land_share)
        mpl = np.where(h > 0, tfp * (1.0 - land_share)
                       * cpow(land / np.maximum(x, 1e-300), land_share)
                       * cpow(gamma * x / np.maximum(h, 1e-300), 1.0 / sigma), 0.0)
    assert same(out.composite, x) and same(out.output, y) and same(out.mpl, mpl)
    # output per worker and per head
    productivity_new, income = pk.productivity_and_income(y, employed, productivity, 123.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        want = np.where(employed > 0, y / np.maximum(employed, 1.0), productivity)
    assert same(productivity_new, want) and same(income, float(y.sum()) / 123.0)


@settings(max_examples=150, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 60), with_nan=st.booleans(),
       sigma=st.sampled_from([0.5, 1.0, 1.25, 3.0]), land_share=st.sampled_from([0.0, 0.3]),
       kappa=st.sampled_from([0.0, 0.6]))
def test_the_production_phase_is_its_calls_one_after_the_other(
        seed: int, n: int, with_nan: bool, sigma: float, land_share: float, kappa: float
) -> None:
    """steps.production_phase (step 2 in one call) against the calls it replaces: the units
    times their scale, steps.prices, steps.produce at the price paid, output per worker and
    per head, and AI spending as NumPy sums it."""
    rng = np.random.default_rng(seed)
    raw_units, aug_scale = counts(rng, n), rng.uniform(0.5, 1.5, n)
    productivity, productivity0 = counts(rng, n), counts(rng, n)
    employed, positions = counts(rng, n), counts(rng, n)
    eta = rng.uniform(0.0, 3.0, n)
    gamma = np.where(rng.random(n) < 0.2, 1.0, rng.uniform(0.0, 1.0, n))
    tfp, land = rng.uniform(0.5, 2.0, n), counts(rng, n)
    ai_price = rng.uniform(0.01, 2.0, n)
    if with_nan:
        nan_somewhere(rng, (raw_units, productivity, employed, positions, eta, land))
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        units = raw_units * aug_scale
        list_price, price = steps.prices(productivity, productivity0, employed, positions, eta,
                                         kappa)
        out = steps.produce(units, gamma, ai_price, price, tfp, land, land_share, sigma)
        per_worker, income = pk.productivity_and_income(out.output, employed, productivity,
                                                        77.0)
        spend = float((ai_price * out.ai_input).sum())
    rows, got_income, got_spend = steps.production_phase(
        raw_units, aug_scale, productivity, productivity0, employed, positions, eta, kappa,
        gamma, ai_price, tfp, land, land_share, sigma, 77.0)
    want = np.vstack([units, list_price, price, out.ai_input, out.composite, out.output,
                      out.mpl, per_worker])
    assert rows.tobytes() == want.tobytes()
    assert same(got_income, income) and same(got_spend, spend)


@settings(max_examples=100, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 60), with_nan=st.booleans())
def test_search_and_screen_noise_are_the_numpy_algebra(seed: int, n: int, with_nan: bool
                                                       ) -> None:
    rng = np.random.default_rng(seed)
    hires, positions, employed = counts(rng, n), counts(rng, n), counts(rng, n)
    adoption = rng.uniform(0.0, 1.0, n)
    if with_nan:
        nan_somewhere(rng, (hires, positions, employed, adoption))
    assert same(pk.search_openings(hires, positions, employed, 0.01),
                hires + np.maximum(positions - employed, 0.0) + (0.01 * positions))
    assert same(pk.screen_noise(adoption, 1.3, 0.4), 1.3 * (1.0 - 0.4 * adoption))


@settings(max_examples=300, deadline=None)
@given(scale=st.floats(0.1, 10.0), income=st.floats(0.0, 50.0), ref=st.floats(-1.0, 50.0),
       refresh=st.booleans(), elasticity=st.floats(-2.0, 2.0))
def test_the_income_effect_is_the_python_floats(scale: float, income: float, ref: float,
                                                refresh: bool, elasticity: float) -> None:
    # the Python it replaced in MarketBase.demand_inputs (a float's ** is the C library's pow)
    kept = income if refresh or ref <= 0 else ref
    ratio = income / kept if kept > 0 else 1.0
    expected = (scale * max(ratio, 1e-6) ** elasticity, kept)
    assert same(pk.income_scale(scale, income, ref, refresh, elasticity), expected)


@given(mean=st.floats(-1.0, 2.0), top=st.floats(-1.0, 3.0), level=st.floats(0.0, 1.0))
def test_the_entrants_ai_skill_is_the_python_floats(mean: float, top: float,
                                                    level: float) -> None:
    assert pk.entrant_ai_skill(mean, top, level) == max(mean + (top - mean) * level, 1e-6)
