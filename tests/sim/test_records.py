"""``run.person_records = false``: the per-person records no figure reads are not kept, and every
figure is the same, bit for bit; the memory check counts what is kept. The period records are
the same whenever they are read."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest

import neijuan.sim.state as state
from neijuan.config import load_scenario
from neijuan.errors import ResourceError
from neijuan.sim.economy import builtin_economy
from neijuan.sim.model import LabourMarket
from neijuan.sim.state import RECORD_ARRAYS, Population, bytes_per_row, check_memory


def test_the_records_are_the_same_whenever_they_are_read() -> None:
    """Records are derived a block of periods at a time from a buffer the next block reuses:
    reading them in the middle of a block (after one period of it, or several) gives the
    figures a run read only at its end gives, and what was read stays as it was."""
    base = {"run.workers": 600, "run.burn_in": 4, "run.periods": 70}
    once = LabourMarket(load_scenario("ai-baseline", base), builtin_economy(), 2).run()
    often = LabourMarket(load_scenario("ai-baseline", base), builtin_economy(), 2)
    early: list[tuple[dict[str, np.ndarray], dict[str, np.ndarray]]] = []
    for period in range(74):
        often.step()
        if period in (0, 1, 5, 32, 33, 40):  # (blocks of 1, 1, 4, 27, 1 and 7 periods)
            read = often.series(), often.occupation_series()
            early.append((read, ({k: v.copy() for k, v in read[0].items()},
                                 {k: v.copy() for k, v in read[1].items()})))
    for got, want in ((often.series(), once.series()),
                      (often.occupation_series(), once.occupation_series())):
        assert set(got) == set(want) and len(got) > 10
        for name in want:
            assert np.array_equal(got[name], want[name], equal_nan=True), name
    for read, copied in early:  # (nothing read earlier was overwritten since)
        for part, kept in zip(read, copied, strict=True):
            for name in kept:
                assert np.array_equal(part[name], kept[name], equal_nan=True), name


@pytest.mark.parametrize("rule", ["tullock", "top-m"])
def test_dropping_the_records_changes_no_figure(rule: str) -> None:
    base = {"run.workers": 3000, "run.burn_in": 4, "run.periods": 10}
    if rule == "top-m":
        base["contest.rule"] = "top_m"
    kept = LabourMarket(load_scenario("ai-baseline", base), builtin_economy(), 5)
    lean = LabourMarket(load_scenario("ai-baseline", {**base, "run.person_records": False}),
                        builtin_economy(), 5)
    assert kept.pop.keeps_records and not lean.pop.keeps_records
    kept.run()
    lean.run()
    a, b = kept.series(), lean.series()
    assert set(a) == set(b) and len(a) > 40
    for name in a:
        assert np.array_equal(a[name], b[name], equal_nan=True), name
    occ_a, occ_b = kept.occupation_series(), lean.occupation_series()
    for name in occ_a:
        assert np.array_equal(occ_a[name], occ_b[name], equal_nan=True), name
    for name in ("status", "occ", "log_skill", "skill", "ai_skill", "effort", "mark"):
        assert np.array_equal(getattr(kept.pop, name), getattr(lean.pop, name)), name
    # the records are kept in one and not in the other (a placeholder: one element, stride 0)
    assert np.any(kept.pop.wage > 0)
    for name in RECORD_ARRAYS:
        arr = getattr(lean.pop, name)
        assert arr.size == lean.pop.capacity and arr.strides == (0,), name


def test_the_records_take_fourteen_bytes_a_row() -> None:
    n = 10_000
    full, lean = Population.allocate(n), Population.allocate(n, records=False)
    assert bytes_per_row() - bytes_per_row(records=False) == 14
    assert full.nbytes() - lean.nbytes() == pytest.approx(14 * n, abs=64)
    assert lean.nbytes() == pytest.approx(bytes_per_row(records=False) * n, abs=64)


def test_the_memory_check_counts_what_is_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    # 6 GiB available, 80% usable (4.8 GiB): 10^8 rows fit without the records (43 B a row,
    # 4.5 GiB) and not with them (57 B a row)
    monkeypatch.setattr(state, "available_memory", lambda: 6 << 30)
    rows = 100_000_000
    need = check_memory(rows, 1, records=False)
    assert need == rows * (bytes_per_row(records=False) + state.WORKING_BYTES_PER_ROW) \
        + state.PROCESS_BYTES
    with pytest.raises(ResourceError, match=r"run\.person_records = false"):
        check_memory(rows, 1, records=True)


@pytest.mark.skipif(not os.path.exists("/proc/self/status"), reason="reads Linux's /proc")
def test_peak_memory_is_the_process_own_not_its_parents() -> None:
    """A process started from a large one reports its own peak: ``ru_maxrss`` would report the
    parent's (Linux carries it across the exec), and the benchmark's fresh-process memory
    measurement read nothing but the parent's peak."""
    before = state.peak_resident()
    block = np.ones(300 * 2**20 // 8)  # 300 MiB, every page written
    assert state.peak_resident() >= before + 250 * 2**20  # (it sees this process grow)
    del block
    child = subprocess.run(
        [sys.executable, "-c", "from neijuan.sim.state import peak_resident; "
         "print(peak_resident())"], check=True, capture_output=True, text=True)
    own = int(child.stdout)
    assert own < 200 * 2**20  # (the interpreter and NumPy: some 25 MiB)
    assert own < state.peak_resident() - 250 * 2**20
