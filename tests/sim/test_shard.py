"""The population in shards gives the same figures as one process, bit for bit: the fold of the
chunk sums does not depend on how the chunks are split, keys shifted by the first row draw what
the global rows draw, several shards in one process or as Ray actors match one shard."""

from __future__ import annotations

import itertools
import threading
from collections.abc import Iterator
from dataclasses import fields
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numba import njit
from numpy.typing import NDArray

import neijuan.sim.shard as shard
from neijuan.config import load_scenario
from neijuan.errors import ConfigError
from neijuan.sim import effort, kernels, rng
from neijuan.sim.economy import builtin_economy
from neijuan.sim.model import LabourMarket
from neijuan.sim.run import simulate
from neijuan.sim.streams import chunk_key, period_key, stream_key, stream_key_of


def _local(k: int, chunk_rows: int) -> shard.ShardFactory:
    """A factory of ``k`` local shards over chunks of ``chunk_rows`` rows."""
    return lambda cap, records=True: shard.LocalShards(cap, k, chunk_rows, records=records)

def _tree_value(parts: list[np.ndarray], lo: int, hi: int) -> np.ndarray:
    """The reference: the sum of chunks [lo, hi) along the tree, by its definition."""
    if hi - lo == 1:
        return parts[lo]
    mid = (lo + hi) // 2
    left = _tree_value(parts, lo, mid)
    return left if mid >= len(parts) else left + _tree_value(parts, mid, hi)


@settings(max_examples=80, deadline=None)
@given(n=st.integers(1, 40), cuts=st.lists(st.integers(1, 39), max_size=6),
       seed=st.integers(0, 2**32 - 1))
def test_the_fold_does_not_depend_on_how_the_chunks_are_split(n: int, cuts: list[int],
                                                              seed: int) -> None:
    rng = np.random.default_rng(seed)
    # sums that round differently in different orders
    parts = [rng.standard_normal(5) * 10.0 ** rng.integers(-8, 9, 5) for _ in range(n)]
    bounds = sorted({0, n, *[c for c in cuts if c < n]})
    nodes: list[shard.Node] = []
    for a, b in itertools.pairwise(bounds):
        tree = shard.Fold()
        for c in range(a, b):
            tree.push(c, (parts[c],))
        nodes += tree.nodes()
    top = 1
    while top < n:
        top *= 2
    (got,) = shard.fold(nodes, n)
    assert np.array_equal(got, _tree_value(parts, 0, top))


def test_a_missing_chunk_is_an_error_not_a_smaller_sum() -> None:
    tree = shard.Fold()
    tree.push(0, (np.ones(2),))
    with pytest.raises(RuntimeError, match="chunk 1"):
        shard.fold(tree.nodes(), 2)


@settings(deadline=None)
@given(key=st.integers(0, 2**64 - 1), first=st.integers(0, 2**40), i=st.integers(0, 2**20))
def test_a_shifted_key_draws_what_the_global_row_draws(key: int, first: int, i: int) -> None:
    from neijuan.sim.rng import std_logistic, std_normal, uniform, uniform2

    k = np.uint64(key)
    local = shard.shift_key(k, first)
    for draw in (uniform, uniform2, std_normal, std_logistic):
        assert draw(local, i) == draw(k, first + i)


@settings(deadline=None)
@given(key=st.integers(0, 2**64 - 1), chunk=st.integers(0, 2**20))
def test_the_compiled_chunk_key_is_the_streams_one(key: int, chunk: int) -> None:
    assert _compiled_chunk_key(np.uint64(key), chunk) == chunk_key(np.uint64(key), chunk)


@njit(cache=False)
def _compiled_chunk_key(key: np.uint64, chunk: int) -> np.uint64:  # pragma: no cover - compiled
    return rng.chunk_key(key, chunk)


def test_bad_shard_counts_are_refused_with_the_field_named() -> None:
    with pytest.raises(ConfigError, match="shards = 0"):
        shard.shard_factory(0)
    with pytest.raises(ConfigError, match="between 1 and 2"):
        shard.split_chunks(2, 3)


def _scenario(rule: str, workers: int = 8000) -> Any:
    return load_scenario("ai-baseline", {"run.workers": workers, "run.burn_in": 8,
                                         "run.periods": 8, "contest.rule": rule})


def _same(a: LabourMarket, b: LabourMarket) -> None:
    for name, v in a.series().items():
        assert np.array_equal(v, b.series()[name]), name
    occ = b.occupation_series()
    for name, v in a.occupation_series().items():
        assert np.array_equal(v, occ[name], equal_nan=True), name


@pytest.mark.parametrize("records", [True, False])
def test_one_call_gives_the_bits_of_the_passes_one_by_one(records: bool,
                                                          monkeypatch: pytest.MonkeyPatch
                                                          ) -> None:
    """A Tullock run of one chunk takes its whole quarter, the row passes and the steps
    around them, in one compiled call (``Shard.quarter``); pass by pass through the shard's
    methods it gives the same records and the same rows, bit for bit. The trim must have
    dropped winners, and entrants must have moved the high-water mark past rows never used, for
    the test to mean much."""
    trims: list[int] = []
    original = shard.Shard.trim

    def spy(self: shard.Shard, *args: Any) -> Any:
        out = original(self, *args)
        trims.append(sum(int(r.size) for r, _ in self._drops.values()))
        return out

    monkeypatch.setattr(shard.Shard, "trim", spy)
    sc = load_scenario("ai-baseline", {"run.workers": 3000, "run.burn_in": 8,
                                       "run.periods": 12, "run.person_records": records})
    econ = builtin_economy()
    one = LabourMarket(sc, econ, 5)
    by_pass = LabourMarket(sc, econ, 5, one_call=False)
    assert one._one_chunk is not None and by_pass._one_chunk is None
    used0 = one.shards.shards[0].used[0]
    one.run()
    by_pass.run()
    assert len(trims) >= 10 and sum(trims) > 0  # (the spy saw only the pass-by-pass run)
    assert one.shards.shards[0].used == by_pass.shards.shards[0].used
    assert one.shards.shards[0].used[0] > used0
    _same(one, by_pass)
    for field in fields(one.pop):
        assert np.array_equal(getattr(one.pop, field.name), getattr(by_pass.pop, field.name),
                              equal_nan=True), field.name
    for name in ("hist_n", "hist_x", "center", "last_bar", "n_won", "occ_sums", "wage_hist",
                 # (what steps 1-3 keep for the next quarter)
                 "adoption", "productivity", "price", "income_last", "income_ref", "ai_spend",
                 "capability", "positions_ref", "labour_ref", "hires_last", "employed_last",
                 "human_cost", "outside", "skill_depreciation", "entrant_sd", "entrant_gap"):
        assert np.array_equal(getattr(one, name), getattr(by_pass, name)), name
    # (the one call fills the best-response rows' cells its candidates read, a few of each row)
    band = one.shards.shards[0]._rows_filled[2]
    assert 0 < (band[:, 1] - band[:, 0]).max() < effort.N_A // 4


def test_one_call_is_for_one_local_chunk_under_tullock() -> None:
    econ = builtin_economy()
    assert LabourMarket(_scenario("top_m", 500), econ, 0)._one_chunk is None
    assert LabourMarket(_scenario("tullock", 500), econ, 0,
                        shards=_local(1, 256))._one_chunk is None  # (several chunks)
    assert LabourMarket(_scenario("tullock", 500), econ, 0,
                        shards=_local(1, 1 << 18))._one_chunk is not None


@pytest.mark.parametrize("rule", ["tullock", "top_m"])
def test_shards_in_one_process_match_one_shard(rule: str, monkeypatch: pytest.MonkeyPatch
                                              ) -> None:
    """Small chunks (1,024 rows) so that 8,000 workers make 8 chunks; 3 shards of 2-3 chunks.
    The hand-over passes (the trim, the top-M cut) must have run for the test to mean much."""
    handed: list[str] = []
    for name in ("trim", "select_top"):
        original = getattr(shard.Shard, name)

        def spy(self: shard.Shard, *args: Any, _f: Any = original, _n: str = name) -> Any:
            handed.append(_n)
            return _f(self, *args)

        monkeypatch.setattr(shard.Shard, name, spy)
    econ = builtin_economy()
    one = LabourMarket(_scenario(rule), econ, 4,
                       shards=_local(1, 1024)).run()
    three = LabourMarket(_scenario(rule), econ, 4,
                         shards=_local(3, 1024)).run()
    assert handed.count("trim" if rule == "tullock" else "select_top") >= 3 * 8
    _same(one, three)


@pytest.mark.parametrize("rule", ["tullock", "top_m"])
def test_threads_give_the_bits_of_one_thread(rule: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """8 chunks of 1,024 rows run on 1 or 3 threads: every series and every state array equal.
    The chunks must really have gone to the pool's threads for the test to mean much."""
    threads_seen: set[str] = set()
    original = shard.Shard._map_chunks

    def spy(self: shard.Shard, work: Any, used_only: bool = False) -> Any:
        def tracked(job: Any) -> Any:
            threads_seen.add(threading.current_thread().name)
            return work(job)
        return original(self, tracked, used_only)

    monkeypatch.setattr(shard.Shard, "_map_chunks", spy)
    econ = builtin_economy()
    one = LabourMarket(_scenario(rule).with_overrides({"run.threads": 1}), econ, 4,
                       shards=_local(1, 1024)).run()
    assert threads_seen == {threading.main_thread().name}
    threads_seen.clear()
    three = LabourMarket(_scenario(rule).with_overrides({"run.threads": 3}), econ, 4,
                         shards=_local(1, 1024)).run()
    assert len(threads_seen) >= 2 and all(t.startswith("neijuan-rows") for t in threads_seen)
    _same(one, three)
    for name in ("status", "occ", "won", "signal", "score", "effort", "log_skill", "skill",
                 "ai_skill", "mark", "wage"):
        if getattr(one.pop, name).strides[0] == 0:  # (a placeholder: the scores under Tullock)
            assert rule == "tullock" and name == "score"
            continue
        assert np.array_equal(getattr(one.pop, name), getattr(three.pop, name)), name
    three.close()


def test_the_passes_skip_only_rows_that_never_held_anyone(monkeypatch: pytest.MonkeyPatch
                                                          ) -> None:
    """A growing labour force (8% a year over 40 quarters: 2.2 times the first rows) in chunks
    of 1,024 rows: the passes stop at each chunk's high-water mark. Every row past a mark is
    out of the labour force, the marks only rise, some chunks really were cut short, and the run
    is bit for bit the run whose passes read every row."""
    sc = load_scenario("ai-baseline", {"run.workers": 3000, "run.burn_in": 8, "run.periods": 32,
                                       "labour.growth": 0.08})
    econ = builtin_economy()
    cut_short = 0
    original_step = LabourMarket.step

    def checked_step(self: LabourMarket) -> None:
        nonlocal cut_short
        (s,) = self.shards.shards  # type: ignore[attr-defined]
        before = list(s.used)
        original_step(self)
        for (_, a, b), used, was in zip(s._chunks(), s.used, before, strict=True):
            assert was <= used <= b - a
            assert not np.any(s.pop.status[a + used:b])  # (OUT is 0)
            cut_short += used < b - a

    monkeypatch.setattr(LabourMarket, "step", checked_step)
    marked = LabourMarket(sc, econ, 5, shards=_local(1, 1024)).run()
    assert cut_short > 40
    original = shard.Shard._map_chunks
    monkeypatch.setattr(shard.Shard, "_map_chunks",
                        lambda self, work, used_only=False: original(self, work))
    monkeypatch.setattr(LabourMarket, "step", original_step)
    every_row = LabourMarket(sc, econ, 5, shards=_local(1, 1024)).run()
    _same(marked, every_row)
    for name in ("status", "occ", "won", "effort", "log_skill", "ai_skill", "mark", "wage"):
        assert np.array_equal(getattr(marked.pop, name), getattr(every_row.pop, name)), name


@pytest.mark.parametrize("rule", ["tullock", "top_m"])
def test_kept_accumulators_change_no_bit_and_stay_bounded(rule: str,
                                                           monkeypatch: pytest.MonkeyPatch
                                                           ) -> None:
    """The passes' sums land in arrays a shard keeps from one period to the next (for its first
    chunks only): the run is bit for bit the run with fresh arrays every time, and a shard of 8
    chunks keeps those of 4 (two passes each)."""
    econ = builtin_economy()
    kept = LabourMarket(_scenario(rule), econ, 6, shards=_local(1, 1024)).run()
    (s,) = kept.shards.shards  # type: ignore[attr-defined]
    assert s.n_chunks_here > shard.KEPT_ACCUMULATORS
    assert len(s._accumulators) == 2 * shard.KEPT_ACCUMULATORS
    monkeypatch.setattr(shard, "KEPT_ACCUMULATORS", 0)
    fresh = LabourMarket(_scenario(rule), econ, 6, shards=_local(1, 1024)).run()
    assert not fresh.shards.shards[0]._accumulators  # type: ignore[attr-defined]
    _same(kept, fresh)


def test_a_run_of_one_chunk_is_unchanged_by_the_chunk_size() -> None:
    """Up to one chunk the sums are in row order, as before the shards (the chunk size only
    matters above it)."""
    econ = builtin_economy()
    sc = _scenario("tullock", 3000)
    a = LabourMarket(sc, econ, 2, shards=_local(1, 4096)).run()
    b = LabourMarket(sc, econ, 2).run()
    _same(a, b)


# ------------------------------------------------------------------------------------------ Ray
@pytest.fixture(scope="module")
def ray_cluster() -> Iterator[None]:
    ray = pytest.importorskip("ray")
    started = shard.ray_start(2, None)  # a local cluster: 2 CPUs, no dashboard
    yield
    if started:
        ray.shutdown()


@pytest.mark.slow
def test_ray_shards_match_one_process(ray_cluster: None) -> None:
    """Two Ray actors, 20,000 workers in chunks of 4,096 rows: every series and every
    occupation's series bit-identical; the exchange is per-occupation aggregates (kB a period,
    not the rows' MB)."""
    econ = builtin_economy()
    sc = _scenario("tullock", 20_000)
    made: list[shard.RayShards] = []

    def on_ray(cap: int, records: bool = True) -> shard.RayShards:
        made.append(shard.RayShards(cap, 2, None, 4096, records))
        return made[-1]

    one = LabourMarket(sc, econ, 9, shards=_local(1, 4096)).run()
    two = LabourMarket(sc, econ, 9, shards=on_ray)
    try:
        two.run()
        with pytest.raises(AttributeError, match="spread over shards"):
            _ = two.pop
    finally:
        two.close()
    _same(one, two)
    periods = sc.run.burn_in + sc.run.periods
    rows_bytes = 20_000 * 49
    assert 0 < (made[0].sent + made[0].received) / periods < rows_bytes


@pytest.mark.slow
def test_simulate_with_shards_gives_the_figures_of_one_process(ray_cluster: None) -> None:
    """The public path at the real chunk size: 270,000 workers make 2 chunks, one a shard."""
    kw: dict[str, Any] = dict(workers=270_000, periods=2, twin=False,
                              overrides={"run.burn_in": 1})
    one = simulate("ai-baseline", **kw)
    two = simulate("ai-baseline", shards=2, **kw)
    assert one.series().equals(two.series())
    assert one.occupation_series().equals(two.occupation_series())
    with pytest.raises(ConfigError, match="shards = 3 is not allowed"):
        simulate("ai-baseline", shards=3, **kw)


@pytest.mark.parametrize(("args", "fragment"), [
    (["--shards", "0"], "0 is not in the range x>=1"),
    (["--shards", "4", "--workers", "1000"], "shards = 4 is not allowed: between 1 and 1"),
])
def test_the_cli_refuses_bad_shards_in_one_line(args: list[str], fragment: str,
                                               monkeypatch: pytest.MonkeyPatch,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    import sys

    from neijuan.cli import main

    monkeypatch.setattr(sys, "argv", ["neijuan", "simulate", "--periods", "1", "--no-twin",
                                      *args])
    with pytest.raises(SystemExit) as exc:
        main()
    err = " ".join(capsys.readouterr().err.split())
    assert exc.value.code == 2 and fragment in err and "Traceback" not in err


@pytest.mark.slow
def test_a_lost_shard_is_a_clear_error(ray_cluster: None) -> None:
    import ray

    from neijuan.errors import NeijuanError

    shards = shard.RayShards(10_000, 2, None, 4096)
    try:
        ray.kill(shards.actors[1])
        with pytest.raises(NeijuanError, match="a shard of this run was lost"):
            shards.map("memory")
    finally:
        shards.close()


def test_an_address_where_no_ray_cluster_answers_is_refused_at_once() -> None:
    from neijuan.errors import NeijuanError

    with pytest.raises(NeijuanError, match="no Ray cluster answers there"):
        shard.check_reachable("127.0.0.1:1", timeout=2.0)
    with pytest.raises(NeijuanError, match=r"ray://127\.0\.0\.1:1"):
        shard.check_reachable("ray://127.0.0.1:1", timeout=2.0)
    shard.check_reachable("auto")  # (left to Ray)


# ------------------------------------------------------------------------------------ the trim
def _winners(threads: int, chunk_rows: int = 64, n_chunks: int = 12) -> shard.Shard:
    """One shard of ``n_chunks`` chunks whose rows all won: occupation 0 on even rows, 1 on odd
    rows of the first half; occupation 2 (not over-subscribed) elsewhere."""
    s = shard.Shard(0, n_chunks, chunk_rows * n_chunks, chunk_rows)
    s.set_threads(threads)
    n = s.size
    s.pop.status[:] = 1
    s.pop.won[:] = 2
    rows = np.arange(n)
    s.pop.occ[:] = np.where(rows < n // 2, rows % 2, 2)
    s.n_won_chunks = [np.bincount(s.pop.occ[a:b], minlength=3).astype(np.float64)
                      for _, a, b in s._chunks()]
    s.n_won = np.sum(s.n_won_chunks, axis=0)
    return s


def _kept_after_trim(s: shard.Shard) -> NDArray[np.bool_]:
    """The winners the trim keeps (the settle pass applies its drops as it reads each row): in
    each chunk and occupation, the winners counted in row order, less those of the ranks
    dropped."""
    kept = s.pop.won == 2
    for chunk, a, b in s.chunk_list:
        if chunk not in s._drops:
            continue
        ranks, start = s._drops[chunk]
        for o in range(start.size - 1):
            rows = a + np.flatnonzero(kept[a:b] & (s.pop.occ[a:b] == o))
            kept[rows[ranks[start[o]:start[o + 1]]]] = False
    return kept


def test_the_trim_keeps_exactly_the_positions_a_uniform_subset_on_any_threads() -> None:
    """The chunks' quotas are hypergeometric draws in row order, then each chunk drops a random
    subset of its own winners: exactly ``need`` are kept, every winner with the same chance
    (need / winners) whichever chunk it is in and wherever in it, and the bits do not depend on
    the threads."""
    need = np.array([50.0, 3.0, 1e9])
    kept_sum = np.zeros(12 * 64)
    trials = 400
    for t in range(trials):
        s = _winners(1)
        s.trim((need, s.n_won.copy()), np.uint64(1000 + t), True)
        kept = _kept_after_trim(s)
        occ = s.pop.occ
        assert kept[occ == 0].sum() == 50 and kept[occ == 1].sum() == 3
        assert kept[occ == 2].all()  # (not over-subscribed: all kept)
        if t < 3:
            other = _winners(3)
            other.trim((need, other.n_won.copy()), np.uint64(1000 + t), True)
            assert np.array_equal(_kept_after_trim(other), kept)
            other.close()
        kept_sum += kept
    occ = _winners(1).pop.occ
    share = kept_sum / trials
    # per chunk (6 chunks hold occupation 0, 192 winners: 50 kept), the mean keep rate
    for o, rate in ((0, 50 / 192), (1, 3 / 192)):
        by_chunk = [share[a:a + 64][occ[a:a + 64] == o].mean() for a in range(0, 384, 64)]
        sd = np.sqrt(rate * (1 - rate) / (trials * 32))  # (32 of each per chunk)
        assert max(abs(np.array(by_chunk) - rate)) < 4.5 * sd, (o, by_chunk, rate)
        # and every winner alike within its chunk (not, say, the first ones kept)
        per_row = share[:384][occ[:384] == o]
        assert max(abs(per_row - rate)) < 4.5 * np.sqrt(rate * (1 - rate) / trials), (o, rate)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 300), st.integers(0, 400)), min_size=1, max_size=6),
       st.integers(0, 2**63))
def test_the_trims_ranks_are_distinct_sorted_and_as_many_as_dropped(
        occupations: list[tuple[int, int]], key: int) -> None:
    """Floyd's draw gives, in each occupation, exactly min(drops, winners) distinct ranks below
    the winners, sorted, and the same ranks for the same key."""
    from neijuan.sim import kernels as kern

    n_won = np.array([n for n, _ in occupations], np.int64)
    drops = np.array([d for _, d in occupations], np.int64)
    ranks, start = kern.trim_ranks(drops, n_won, np.uint64(key))
    for o, (n, d) in enumerate(occupations):
        got = ranks[start[o]:start[o + 1]]
        assert got.size == min(d, n)
        assert np.all(np.diff(got) > 0) and (got.size == 0 or (got[0] >= 0 and got[-1] < n))
    again, _ = kern.trim_ranks(drops, n_won, np.uint64(key))
    assert np.array_equal(ranks, again)


def test_the_trims_ranks_are_a_uniform_subset() -> None:
    """Every rank is dropped with the same chance d / n, and pairs of ranks with the chance of
    a uniform subset (d (d - 1) / (n (n - 1))): a draw that favours the first or last ranks, or
    drops neighbours together, fails."""
    from neijuan.sim import kernels as kern

    n, d, trials = 40, 7, 6000
    hits = np.zeros(n)
    pairs = np.zeros((n, n))
    for t in range(trials):
        ranks, _ = kern.trim_ranks(np.array([d, 0], np.int64), np.array([n, 5], np.int64),
                                   chunk_key(np.uint64(99), t))
        mark = np.zeros(n)
        mark[ranks] = 1.0
        hits += mark
        pairs += np.outer(mark, mark)
    p = d / n
    assert np.max(np.abs(hits / trials - p)) < 4.5 * np.sqrt(p * (1 - p) / trials)
    q = d * (d - 1) / (n * (n - 1))
    off = pairs[~np.eye(n, dtype=bool)] / trials
    assert np.max(np.abs(off - q)) < 5.0 * np.sqrt(q * (1 - q) / trials)


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 2**64 - 1), st.integers(0, 10**6), st.integers(0, 200))
def test_a_stream_key_from_the_periods_mix_is_the_stream_key(seed: int, period: int,
                                                              stream: int) -> None:
    """The model mixes seed and period once a period: the keys must not change."""
    assert stream_key_of(period_key(seed, period), stream) == stream_key(seed, period, stream)
    # and the compiled keys of all of a period's streams at once are the same
    streams = np.array([stream, 1, 102], dtype=np.uint64)
    keys = rng.period_stream_keys(np.uint64(seed), np.uint64(period), streams)
    assert [int(k) for k in keys] == [int(stream_key(seed, period, int(s))) for s in streams]


@settings(max_examples=150, deadline=None)
@given(st.integers(0, 2**32 - 1), st.booleans())
def test_the_compiled_trim_quota_is_the_numpy_branch(seed: int, all_here: bool) -> None:
    """Where every winner still to see is in the chunk (one chunk, one shard: the usual case)
    the compiled quota is the NumPy branch's; where a draw is needed it declines and changes
    nothing."""
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 30))
    n_c = rng.integers(0, 50, n).astype(np.float64)
    to_see = n_c if all_here else n_c + rng.integers(0, 5, n)
    to_keep = np.floor(to_see * rng.uniform(0.5, 1.2, n))
    keep, see = to_keep.copy(), to_see.copy()
    done, kept = kernels.trim_quota(keep, see, n_c)
    over = to_see > to_keep
    if np.any(over & (to_see > n_c)):
        assert not done and np.array_equal(keep, to_keep) and np.array_equal(see, to_see)
        return
    want = np.where(over, to_keep.astype(np.int64), n_c).astype(np.float64)
    assert done and np.array_equal(kept, want)
    assert np.array_equal(keep, to_keep - want) and np.array_equal(see, to_see - n_c)
