"""The row passes, which work in blocks of rows with their logarithms and exponentials in loops of
their own, against a plain NumPy statement of the same step (MODEL.md §2, steps 5-9), row by row
in float64: one captured period of the default scenario, AI on, several blocks and a partial one.

The passes' single-precision ``log``/``exp`` (``neijuan.sim.vmath``) do not round like NumPy's,
so values are compared within single-precision tolerances; decisions that hinge on a draw (the
lottery) must agree wherever the draw is not within 1e-6 of the chance."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.typing import NDArray

from neijuan.config import load_scenario
from neijuan.sim import effort as eff
from neijuan.sim import kernels as kern
from neijuan.sim.constants import EFFORT_FLOOR, NO_BAR, NO_EFFORT
from neijuan.sim.economy import builtin_economy
from neijuan.sim.model import LabourMarket
from neijuan.sim.state import bytes_per_row

OUT, EMPLOYED, UNEMPLOYED = 0, 1, 2
F64 = NDArray[np.float64]
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)


def _mix_np(z: NDArray[np.uint64]) -> NDArray[np.uint64]:
    """SplitMix64's finaliser in NumPy's wrapping uint64."""
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


def uniform_np(key: Any, rows: NDArray[np.int64], second: bool = False) -> F64:
    """``rng.uniform`` (SplitMix64 on key + row * golden), or ``rng.uniform2`` (mixed again
    with the golden ratio), in NumPy's wrapping uint64."""
    z = _mix_np(np.uint64(key) + rows.astype(np.uint64) * _GOLDEN)
    if second:
        z = _mix_np(z ^ _GOLDEN)
    return ((z >> np.uint64(11)).astype(np.float64) + 0.5) * 2.0 ** -53


def _entered(a: dict[str, Any]) -> dict[str, Any]:
    """The rows after entry, in NumPy: the first ``n_entrants`` free rows take entrants (MODEL.md
    step 4), unemployed, searching from the entry pool of their degree."""
    a = {name: v.copy() if isinstance(v, np.ndarray) else v for name, v in a.items()}
    rows = np.flatnonzero(a["status"] == OUT)[:a["n_entrants"]]
    d = (uniform_np(a["key_entry"], rows) < a["degree_share"]).astype(np.int64)
    normal = np.sqrt(-2.0 * np.log(uniform_np(a["key_entry_skill"], rows))) * np.cos(
        2.0 * np.pi * uniform_np(a["key_entry_skill"], rows, second=True))
    a["degree"][rows] = d
    a["log_skill"][rows] = (a["skill_mean"] + a["degree_gap"] * (d - a["degree_share"])
                            + a["skill_sd"] * normal)
    a["ai_skill"][rows] = np.minimum(
        1.0, -a["ai_skill_mean"] * np.log(uniform_np(a["key_entry"], rows, second=True)))
    a["status"][rows] = UNEMPLOYED
    a["origin"][rows] = a["noise"].size + d
    a["effort"][rows] = a["effort0"]
    a["mark"][rows] = 0.0
    a["entrant_rows"] = rows
    return a


def _named(fn: Callable[..., Any], args: list[Any]) -> dict[str, Any]:
    names = list(inspect.signature(fn.py_func).parameters)  # type: ignore[attr-defined]
    return dict(zip(names, args, strict=True))


@pytest.fixture(scope="module")
def period() -> dict[str, dict[str, Any]]:
    """Each pass's arguments before and after one call, in the AI era (about 4,000 rows: 16
    blocks and a partial one)."""
    scenario = load_scenario("ai-baseline", {"run.workers": 3000, "run.burn_in": 4,
                                             "run.threads": 1})
    # (pass by pass: in one compiled call the passes are not reached through the module)
    model = LabourMarket(scenario, builtin_economy(), 11, one_call=False)
    for _ in range(scenario.run.burn_in + 8):
        model.step()
    captured: dict[str, dict[str, Any]] = {}
    originals = {}
    names = ("score_pass", "solve_bars", "select_lottery_pass", "settle_pass")
    for name in names:
        fn = getattr(kern, name)
        originals[name] = fn

        def wrapped(*args: Any, _fn: Any = fn, _name: str = name) -> Any:
            before = [a.copy() if isinstance(a, np.ndarray) else a for a in args]
            out = _fn(*args)
            after = [a.copy() if isinstance(a, np.ndarray) else a for a in args]  # (the trim
            # and later passes write to the same arrays)
            captured[_name] = {"before": _named(_fn, before), "after": _named(_fn, after),
                               "out": out}
            return out

        setattr(kern, name, wrapped)
    try:
        model.step()
    finally:
        for name, fn in originals.items():
            setattr(kern, name, fn)
    assert set(captured) == set(names)
    assert captured["settle_pass"]["before"]["status"].size > 10 * kern.BLOCK
    assert captured["settle_pass"]["before"]["status"].size % kern.BLOCK != 0
    return captured


def test_score_pass_matches_the_step_in_numpy(period: dict[str, dict[str, Any]]) -> None:
    a, out = period["score_pass"]["before"], period["score_pass"]["after"]
    assert not a["gaussian_noise"]  # (the default contest is Tullock's)
    # entry first: this period has entrants (the rows passed end where the last one enters)
    a = _entered(a)
    entrants = a["entrant_rows"]
    assert entrants.size == a["n_entrants"] > 0
    assert out["entered"][0] == entrants.size
    for name in ("status", "degree", "origin", "effort", "mark"):
        np.testing.assert_array_equal(out[name][entrants], a[name][entrants], err_msg=name)
    np.testing.assert_allclose(out["log_skill"][entrants], a["log_skill"][entrants], rtol=1e-6)
    np.testing.assert_allclose(out["skill"][entrants], np.exp(a["log_skill"][entrants]),
                               rtol=1e-6)
    np.testing.assert_allclose(out["ai_skill"][entrants], a["ai_skill"][entrants], rtol=1e-6)
    st = a["status"]
    rows = np.arange(st.size)
    live = st != OUT
    unemployed = st == UNEMPLOYED
    # search: the unemployed draw the occupation they contest from their origin's row
    j = a["occ"].astype(np.int64)
    u_search = uniform_np(a["key_search"], rows)
    for i in np.flatnonzero(unemployed):
        cdf_row = a["search_cdf"][a["degree"][i], a["origin"][i]]
        j[i] = min(np.searchsorted(cdf_row, u_search[i], side="left"), cdf_row.size - 1)
    np.testing.assert_array_equal(out["occ"][live], j[live])
    j = np.where(live, j, 0)
    u = uniform_np(a["key_test"], rows)
    test = a["log_skill"] + a["test_sd"][j] * np.log(
        (u / (1.0 - u)).astype(np.float32).astype(np.float64)) * (np.sqrt(3.0) / np.pi)
    prior = a["degree_mean"][a["degree"]]
    ln_h = prior + a["bayes_weight"][j] * (test - prior) + np.log1p(
        a["aug_gain"][j] * a["ai_skill"])
    k = (a["productivity_weight"] * ln_h - a["blame_penalty"] * a["mark"]
         + a["incumbent_advantage"] * (st == EMPLOYED))
    x = (a["r"] * np.log(np.maximum(a["effort"], EFFORT_FLOOR)) + k) / a["noise"][j]
    np.testing.assert_allclose(out["signal"][live], k[live], rtol=2e-6, atol=2e-6)
    # (under Tullock no array keeps the scores, the lottery recomputes them: they reach the
    # histogram, checked below)
    n_occ = a["candidates"].size
    np.testing.assert_array_equal(out["candidates"], np.bincount(j[live], minlength=n_occ))
    np.testing.assert_array_equal(out["applicants"],
                                  np.bincount(j[unemployed], minlength=n_occ))
    np.testing.assert_allclose(out["effort_sum"],
                               np.bincount(j[live], a["effort"][live], minlength=n_occ),
                               rtol=1e-12)
    np.testing.assert_array_equal(out["hist_n"].sum(axis=1), out["candidates"])
    np.testing.assert_allclose(out["hist_x"].sum(axis=1),
                               np.bincount(j[live], x[live], minlength=n_occ),
                               rtol=1e-6, atol=1e-4)
    # each score in its bin
    half = a["half_width"]
    n_bins = out["hist_n"].shape[1]
    cells = np.clip(((x - a["center"][j] + half) / (2.0 * half) * n_bins).astype(np.int64), 0,
                    n_bins - 1)
    expected = np.zeros_like(out["hist_n"])
    np.add.at(expected, (j[live], cells[live]), 1.0)
    assert np.abs(out["hist_n"] - expected).sum() <= 2  # (a score on a bin's edge may move)


def test_the_bars_give_as_many_expected_winners_as_positions(
        period: dict[str, dict[str, Any]]) -> None:
    """Each occupation's Tullock bar solves sum over cells n_c / (1 + e^-(mean_c - b)) = M
    (the cells of the score histogram, in NumPy's exp): the solver's own logistic is its
    vectorised double-precision one. No bar where the candidates do not exceed the positions."""
    a = period["solve_bars"]["before"]
    bar = period["solve_bars"]["out"]
    n, x, m, cand = a["hist_n"], a["hist_x"], a["positions"], a["candidates"]
    contested = cand > m
    assert contested.sum() >= 5
    assert (bar[~contested] == NO_BAR).all()
    for o in np.flatnonzero(contested & (m > 0)):
        cells = n[o] > 0
        means = x[o, cells] / n[o, cells]
        z = np.clip(means - bar[o], -40.0, 40.0)
        won = (n[o, cells] / (1.0 + np.exp(-z))).sum()
        assert abs(won - m[o]) < 1e-8 * max(m[o], 1.0)
    # (a bar off by a thousandth misses the equation by far more than the tolerance)
    o = int(np.flatnonzero(contested & (m > 0))[0])
    cells = n[o] > 0
    off = (n[o, cells] / (1.0 + np.exp(-((x[o, cells] / n[o, cells]) - bar[o] - 1e-3)))).sum()
    assert abs(off - m[o]) > 1e-6 * max(m[o], 1.0)


def test_lottery_matches_the_step_in_numpy(period: dict[str, dict[str, Any]]) -> None:
    a, out = period["select_lottery_pass"]["before"], period["select_lottery_pass"]["after"]
    st = a["status"]
    live = st != OUT
    j = np.where(live, a["occ"], 0).astype(np.int64)
    bar = a["bar"][j]
    x = (a["r"] * np.log(np.maximum(a["effort"], EFFORT_FLOOR)) + a["signal"]) / a["noise"][j]
    p = 1.0 / (1.0 + np.exp(-np.clip(x - bar, -40.0, 40.0)))
    u = uniform_np(a["key"], np.arange(st.size))
    wins = (bar <= NO_BAR) | (u < p)
    expected = np.where(live, np.where(wins, 2, 1), 0)
    clear = np.abs(u - p) > 1e-6
    assert clear.mean() > 0.99
    np.testing.assert_array_equal(out["won"][clear], expected[clear])
    assert live.sum() > 0 and (expected[live] == 2).any() and (expected[live] == 1).any()
    counted = np.bincount(j[out["won"] == 2], minlength=a["n_won"].size)
    np.testing.assert_array_equal(out["n_won"], counted)


def _trimmed(a: dict[str, Any]) -> NDArray[np.bool_]:
    """The winners after the trim's drops: in each occupation the winners counted in row order,
    less those of the ranks ``drop_ranks[drop_start[o]:drop_start[o + 1]]``."""
    won = a["won"] == 2
    for o in range(a["drop_start"].size - 1):
        rows = np.flatnonzero(won & (a["occ"] == o))
        won[rows[a["drop_ranks"][a["drop_start"][o]:a["drop_start"][o + 1]]]] = False
    return won


def _contest_reference(a: dict[str, Any]) -> dict[str, Any]:
    st = a["status"]
    live = st != OUT
    j = np.where(live, a["occ"], 0).astype(np.int64)
    won = _trimmed(a)
    k = a["signal"].astype(np.float64)
    k = k + a["incumbent_advantage"] * (won & (st == UNEMPLOYED))
    k = k - a["incumbent_advantage"] * (~won & (st == EMPLOYED))
    h = a["skill"] * (1.0 + a["aug_gain"][j] * a["ai_skill"])
    beta = a["bargaining"][j]
    pay = beta * a["value_of_efficiency"][j] * h + (1.0 - beta) * a["outside"][j]
    prize = a["horizon"][j] * np.maximum(pay - a["benefit"], 0.0)
    bar, sig, r = a["bar"][j], a["noise"][j], a["r"]
    responds = live & (bar > NO_BAR) & (prize > 0.0)
    target = np.zeros(st.size)
    for i in np.flatnonzero(responds):
        ai = np.log(prize[i] * r / (sig[i] * a["effort_cost"])) - (sig[i] * bar[i] - k[i]) / r
        zs = eff.lookup(a["br_rows"], j[i], ai)
        if zs > NO_EFFORT / 2:
            target[i] = min(np.exp(max((sig[i] * (zs + bar[i]) - k[i]) / r, -30.0)),
                            a["max_effort"])
    n_occ = a["hires"].size
    return {
        "status": np.where(live, np.where(won, EMPLOYED, UNEMPLOYED), OUT),
        "effort": np.where(live, a["effort"] + a["adjustment"] * (target - a["effort"]),
                           a["effort"]),
        "hires": np.bincount(j[live & won & (st == UNEMPLOYED)], minlength=n_occ),
        "separations": np.bincount(j[live & ~won & (st == EMPLOYED)], minlength=n_occ),
        "prize_won": np.bincount(j[live & won], prize[live & won], minlength=n_occ),
        "responds": responds,
        "won": np.where(live, np.where(won, 2, 1), a["won"]),
    }


def test_settle_contest_matches_the_step_in_numpy(period: dict[str, dict[str, Any]]) -> None:
    a, out = period["settle_pass"]["before"], period["settle_pass"]["after"]
    ref = _contest_reference(a)
    # the captured period has a trim, and its drops turn winners into losers
    assert a["drop_ranks"].size > 0
    np.testing.assert_array_equal(out["won"], ref["won"])
    np.testing.assert_array_equal(out["status"], ref["status"])
    np.testing.assert_array_equal(out["hires"], ref["hires"])
    np.testing.assert_array_equal(out["separations"], ref["separations"])
    np.testing.assert_allclose(out["prize_won"], ref["prize_won"], rtol=1e-9)
    # the best responses: most candidates respond, and some effort moves
    assert ref["responds"].mean() > 0.5
    np.testing.assert_allclose(out["effort"], ref["effort"], rtol=2e-5, atol=1e-5)
    assert np.abs(out["effort"] - a["effort"]).max() > 0.1


def test_settle_work_matches_the_step_in_numpy(period: dict[str, dict[str, Any]]) -> None:
    a, out = period["settle_pass"]["before"], period["settle_pass"]["after"]
    ref = _contest_reference(a)
    live = ref["status"] != OUT
    employed = ref["status"] == EMPLOYED
    j = np.where(live, a["occ"], 0).astype(np.int64)
    e = out["effort"].astype(np.float64)
    gain = np.log(1.0 + a["learn_share"] * e)
    focus = a["ai_focus"][j]
    learned = a["skill_rate"] * (1.0 - focus) * gain
    ls = a["log_skill"] + learned - a["skill_depreciation"]
    z = a["ai_skill"]
    z = np.clip(z + a["ai_rate"] * focus * gain * (1.0 - z) - a["ai_depreciation"] * z, 0.0, 1.0)
    np.testing.assert_allclose(out["log_skill"][live], ls[live], rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(out["skill"][live], np.exp(ls[live]), rtol=1e-5)
    np.testing.assert_allclose(out["ai_skill"][live], z[live], rtol=1e-5, atol=1e-6)
    h = np.exp(ls) * (1.0 + a["aug_gain"][j] * z)
    beta = a["bargaining"][j]
    pay = np.maximum(beta * a["value_of_efficiency"][j] * h + (1.0 - beta) * a["outside"][j],
                     1e-6)
    np.testing.assert_allclose(out["wage"][employed], pay[employed], rtol=1e-5)
    n_occ = a["occ_sums"].shape[0]
    sums = out["occ_sums"]
    with_ai = employed & (z >= a["ai_threshold"])
    without = employed & (z < a["ai_threshold"])
    lw = np.log(pay)
    for col, mask, weights in ((0, employed, pay), (1, with_ai, None), (3, without, None),
                               (2, with_ai, lw), (4, without, lw), (10, employed, None),
                               (11, with_ai, ls), (12, without, ls), (13, employed, ls * ls),
                               (14, employed, ls * lw), (7, employed, np.exp(ls))):
        w = None if weights is None else weights[mask]
        np.testing.assert_allclose(sums[:, col], np.bincount(j[mask], w, minlength=n_occ),
                                   rtol=2e-5, atol=1e-4, err_msg=f"occ_sums column {col}")
    # every employed person's log wage lands in the wage histogram
    assert out["wage_hist"].sum() == employed.sum()
    # the degree groups' sums of log skill
    for d in (0, 1):
        mask = live & (a["degree"] == d)
        np.testing.assert_allclose(out["degree_stats"][d, :2], [mask.sum(), ls[mask].sum()],
                                   rtol=1e-5)


@pytest.mark.parametrize("rule", ["tullock", "top_m"])
def test_only_top_m_keeps_a_score_per_row(rule: str) -> None:
    """The lottery recomputes each score from the signal and effort (4 bytes a row saved);
    top-M, which selects on the observed score, keeps one."""
    scenario = load_scenario("ai-baseline", {"run.workers": 500, "contest.rule": rule})
    model = LabourMarket(scenario, builtin_economy(), 1)
    model.step()
    kept = model.pop.score.strides[0] != 0
    assert kept == (rule == "top_m")
    assert model.pop.nbytes() - (model.pop.capacity * 4 if kept else 0) == pytest.approx(
        bytes_per_row() * model.pop.capacity, abs=64)


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 3 * kern.LINEAR_SEARCH_MAX), st.integers(0, 2**32 - 1),
       st.floats(0.0, 1.0, exclude_min=True))
def test_the_search_finds_what_searchsorted_finds_counting_or_bisecting(n: int, seed: int,
                                                                      u: float) -> None:
    """Up to ``LINEAR_SEARCH_MAX`` occupations the search counts the entries below the draw,
    above it bisects: both give the first entry that reaches it (ties and flat runs included)."""
    rng = np.random.default_rng(seed)
    weights = rng.random(n) * (rng.random(n) < 0.7)  # (zeros: flat runs of the cdf)
    cdf = np.cumsum(weights) / max(weights.sum(), 1e-300)
    for draw in (u, float(cdf[rng.integers(n)])):  # (and a draw exactly on an entry)
        expected = min(int(np.searchsorted(cdf, draw, side="left")), n - 1)
        assert kern._search(cdf, draw) == expected


def test_the_block_functions_can_declare_their_arrays_unaliased() -> None:
    """The vectorised block functions (learning, scores, the lottery) read per-occupation values
    by index while they write other arrays; they vectorise only where their arrays are declared
    not to alias (``kernels.NOALIAS``, Numba's flag mapped to an ``njit`` option). A Numba that
    no longer takes the mapping would leave them scalar: the same bits, slower."""
    from numba import njit

    assert kern.NOALIAS == {"noalias": True}

    @njit(**kern.NOALIAS)  # type: ignore[call-overload]  # (an option mapped at run time)
    def copy(src: NDArray[np.float64], dst: NDArray[np.float64]) -> None:
        for i in range(src.size):
            dst[i] = src[i]

    src = np.arange(4.0)
    dst = np.zeros(4)
    copy(src, dst)
    assert dst.tolist() == src.tolist()
    ir = next(iter(copy.inspect_llvm().values()))
    header = next(line for line in ir.splitlines() if line.startswith("define") and "copy" in line)
    assert header.count("noalias") >= 4  # (each array's data and meminfo pointers, both arrays)


def _host_has_avx512() -> bool:
    """Whether Numba compiles with AVX-512 (its features: ``NUMBA_CPU_FEATURES``, else the
    host's)."""
    import llvmlite.binding as llvm
    from numba.core import config

    features = config.CPU_FEATURES or llvm.get_host_cpu_features().flatten()
    return "+avx512f" in features.split(",")


def test_the_passes_ask_for_the_widest_vectors() -> None:
    """The passes are compiled with ``kernels.WIDE``: each function marked for 512-bit vectors
    (LLVM's tuning for Intel's AVX-512 processors otherwise keeps them at 256 bits). Where the
    processor has AVX-512 the marked loop uses its 512-bit registers and the unmarked one does
    not; a Numba that no longer takes the mapping would leave the passes at half width."""
    from numba import njit

    from neijuan.sim.codegen import PREFER_VECTOR_WIDTH

    assert "pipeline_class" in kern.WIDE

    def scale(src: NDArray[np.float32], dst: NDArray[np.float32]) -> None:
        for i in range(src.size):
            dst[i] = src[i] * np.float32(2.0) + np.float32(1.0)

    wide = njit(**kern.WIDE)(scale)
    plain = njit(scale)
    src = np.arange(1000, dtype=np.float32)
    for fn in (wide, plain):
        dst = np.zeros_like(src)
        fn(src, dst)
        assert dst.tolist() == (src * 2 + 1).tolist()
    ir = next(iter(wide.inspect_llvm().values()))
    header = next(line for line in ir.splitlines() if line.startswith("define") and "scale" in line
                  and "cpython" not in line)
    attributes = header.rsplit("#", 1)[-1].split()[0]  # the function's attribute group
    group = next(line for line in ir.splitlines() if line.startswith(f"attributes #{attributes}"))
    assert PREFER_VECTOR_WIDTH in group
    if _host_has_avx512():
        assert "zmm" in next(iter(wide.inspect_asm().values()))
        assert "zmm" not in next(iter(plain.inspect_asm().values()))


def test_the_bars_have_the_same_bits_at_any_vector_width() -> None:
    """The bars' Newton sums are added in a fixed order (eight running sums, then a fixed
    tree), not in the order the vectoriser's lanes give: compiled without the wide vectors, the
    solver gives the same bits on random histograms. (Left to the vectoriser, the sums moved the
    bars, so every Tullock result, in the last bits between 256-bit and 512-bit code. Where the
    processor has no AVX-512 both compile alike and agree anyway.)"""
    from numba import njit

    options = {k: v for k, v in kern.solve_bars.targetoptions.items() if k != "nopython"}
    narrow = njit(**options)(kern.solve_bars.py_func)  # (the same options, less the width)
    rng = np.random.default_rng(5)
    for _ in range(20):
        n_occ, n_bins = 6, 200
        hist_n = np.where(rng.random((n_occ, n_bins)) < 0.3,
                          rng.integers(1, 50, (n_occ, n_bins)), 0).astype(np.float64)
        hist_x = hist_n * rng.normal(0.0, 3.0, (n_occ, n_bins))
        candidates = hist_n.sum(axis=1)
        positions = np.floor(candidates * rng.uniform(0.2, 1.1, n_occ))
        warm = rng.normal(0.0, 2.0, n_occ)
        expected = narrow(hist_n, hist_x, positions, candidates, warm)
        assert kern.solve_bars(hist_n, hist_x, positions, candidates, warm).tobytes() == \
            expected.tobytes()
