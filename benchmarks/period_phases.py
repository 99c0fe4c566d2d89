"""Where a small run's period goes: the compiled row passes against everything else.

Run: ``python benchmarks/period_phases.py [--workers N] [--periods P] [--no-fixed]
[--pass-by-pass] [--lines]``.

At 10^4 workers a period is short (about 0.6 ms on the 2-core machine), and a fixed part of it
does not shrink with the rows: the per-occupation algebra in Python and NumPy, the shards'
book-keeping, the bars, the records. A Tullock run of one chunk takes steps 4-9 (the row passes
and the steps between them) in one compiled call (``pass one_chunk_contest``);
``--pass-by-pass`` times them as a run of several chunks goes, each pass and step on its own.
The fixed part decides the ratio against Mesa at 10^4 (``benchmarks/engine.py``), so this
benchmark splits a period into its phases. Each phase is timed by wrapping the method or function
that does it (wall time, one thread); the step's own lines are what is left. Rows: the minimum,
the median and the mean over the periods, and the mean's share of the mean period. The minimum
is the phase on a quiet machine; the mean counts what a phase does only every few periods (the
records are derived 32 periods at a time), which the minimum and the median leave out.

``--lines`` times the step's own statements instead, with a clock read between each two (no
other instrument): what each line of ``LabourMarket.step`` costs where it runs, after the row
passes have emptied the caches (a compiled call costs there about twice what it costs warm on
its own).

First (unless ``--no-fixed``) it measures the fixed part directly, without instruments: a
period's CPU time at 300 workers and at N, and the line through them, F + c N: F is what a period
costs whatever its rows (the Python, the per-occupation algebra, the passes' own set-up), c what
a row costs in the passes; steps 4-9 in one call and pass by pass, side by side.

Not a test: a benchmark prints, it does not assert.
"""

from __future__ import annotations

import argparse
import ast
import functools
import inspect
import itertools
import os
import statistics
import sys
import textwrap
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

os.environ.setdefault("NUMBA_NUM_THREADS", "1")
sys.path.insert(0, str(Path(__file__).resolve().parent))

from engine import load, scenario
from neijuan.sim import kernels, market, shard, steps
from neijuan.sim.economy import builtin_economy
from neijuan.sim.model import LabourMarket

# (owner, attribute, label, compiled): what is timed, none inside another except the shards'
# methods, which include their row passes (timed too: the shards' own Python is the difference).
# The model, the shards and the algebra call these through their modules and classes at run
# time, so wrapping the attributes reaches every call.
TIMED: list[tuple[Any, str, str, bool]] = [
    *[(kernels, name, f"pass {name}", True) for name in (
        "retire_pass", "score_pass", "select_lottery_pass", "trim_ranks",
        "select_top_pass", "settle_pass", "solve_bars", "one_chunk_contest")],
    *[(shard.Shard, name, f"shard.{name}", False) for name in (
        "retire", "score", "lottery", "trim", "select_top", "settle", "contest")],
    *[(market.MarketBase, name, name, False) for name in (
        "phase_ai", "phase_production", "phase_positions", "phase_screen",
        "frictional_positions", "entry_plan", "bargaining", "depreciation", "horizon",
        "ai_focus", "replaceable_where_shrinking", "close_period", "record")],
    *[(LabourMarket, name, name, False) for name in ("_degree_moments", "_stationary_entry")],
    (steps, "gini_from_histogram", "gini_from_histogram", False),
]
# the shards' methods and the passes they call: (shard method, its passes)
SHARD_PASSES = {
    "shard.retire": ("pass retire_pass",),
    "shard.score": ("pass score_pass",),
    "shard.lottery": ("pass select_lottery_pass",),
    "shard.trim": ("pass trim_ranks",),
    "shard.select_top": ("pass select_top_pass",),
    "shard.settle": ("pass settle_pass",),
    "shard.contest": ("pass one_chunk_contest",),  # (a one-chunk Tullock run: steps 4-9)
}


def instrument(times: dict[str, list[float]]) -> None:
    """Wrap every timed callable so that each call adds its wall time to ``times[label]``."""
    for owner, name, label, _ in TIMED:
        inner = getattr(owner, name)

        @functools.wraps(inner)  # (the shards key their plans and accumulators by a pass's name)
        def timed(*args: Any, _inner: Callable[..., Any] = inner, _label: str = label,
                  **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return _inner(*args, **kwargs)
            finally:
                times[_label].append(time.perf_counter() - start)

        setattr(owner, name, timed)


def line_timed_step(marks: list[tuple[int, int]]) -> list[str]:
    """Replace ``LabourMarket.step`` by a copy that appends ``(clock, statement)`` to ``marks``
    after each of its statements (those of the one-call branch too); returns the statements'
    first lines. The copy is compiled from the method's source in its module's namespace."""
    tree = ast.parse(textwrap.dedent(inspect.getsource(LabourMarket.step)))
    step = tree.body[0]
    assert isinstance(step, ast.FunctionDef)
    labels: list[str] = []

    def timed(body: list[ast.stmt], indent: str) -> list[ast.stmt]:
        out: list[ast.stmt] = []
        for statement in body:
            if isinstance(statement, ast.If) and "_one_chunk" in ast.unparse(statement.test):
                statement.body = timed(statement.body, indent + "  ")
            out.append(statement)
            labels.append(indent + ast.unparse(statement).split("\n")[0][:72])
            out.append(ast.parse(f"_marks.append((_clock(), {len(labels) - 1}))").body[0])
        return out

    step.body = [ast.parse("_marks.append((_clock(), -1))").body[0],
                 *timed(step.body, "")]
    ast.fix_missing_locations(tree)
    namespace = dict(vars(sys.modules[LabourMarket.__module__]))
    namespace.update(_marks=marks, _clock=time.perf_counter_ns)
    exec(compile(tree, inspect.getfile(LabourMarket), "exec"), namespace)
    LabourMarket.step = namespace["step"]
    return labels


def time_lines(model: LabourMarket, periods: int) -> None:
    """Each statement of the step: the minimum, median and mean of its wall time over the
    periods, in the step's order (the clock's own reads, some 50 ns each, included)."""
    marks: list[tuple[int, int]] = []
    labels = line_timed_step(marks)
    per_line: dict[int, list[float]] = defaultdict(list)
    for _ in range(periods):
        marks.clear()
        model.step()
        for (before, _), (after, line) in itertools.pairwise(marks):
            per_line[line].append((after - before) / 1e3)
    print(f"{'min us':>8} {'median':>8} {'mean':>8}  statement of LabourMarket.step")
    for line in sorted(per_line):
        values = per_line[line]
        print(f"{min(values):>8.1f} {statistics.median(values):>8.1f} "
              f"{statistics.fmean(values):>8.1f}  {labels[line]}")
    medians = sum(statistics.median(v) for v in per_line.values())
    print(f"(the sum of the medians: {medians:,.0f} us a period)")


def period_cpu(workers: int, blocks: int = 30, block: int = 10, one_call: bool = True
               ) -> tuple[float, float]:
    """(min, median) CPU seconds a period of a model of ``workers`` in the AI era, in blocks of
    ``block`` periods, uninstrumented (``one_call=False``: steps 4-9 pass by pass)."""
    model = LabourMarket(scenario(workers, threads=1),  # type: ignore[arg-type]
                         builtin_economy(), 0, one_call=one_call)
    for _ in range(26):
        model.step()
    per: list[float] = []
    for _ in range(blocks):
        start = time.process_time()
        for _ in range(block):
            model.step()
        per.append((time.process_time() - start) / block)
    return min(per), statistics.median(per)


def fixed_part(workers: int, tiny: int = 300) -> None:
    """A period as F + c N: its cost at ``tiny`` workers and at ``workers``, and the line
    through them (F: what a period costs whatever its rows; c: a row's cost in the passes);
    steps 4-9 in one compiled call (the default for a run of one chunk) and pass by pass, side
    by side (the same bits)."""
    for one_call in (True, False):
        print("  steps 4-9 " + ("in one call" if one_call else "pass by pass"))
        small, large = period_cpu(tiny, one_call=one_call), period_cpu(workers,
                                                                       one_call=one_call)
        for k, name in enumerate(("min", "median")):
            slope = (large[k] - small[k]) / (workers - tiny)
            fixed = small[k] - slope * tiny
            print(f"    {name:6s}: {tiny} workers {small[k] * 1e6:,.0f} us, {workers:,} "
                  f"{large[k] * 1e6:,.0f} us -> fixed part {fixed * 1e6:,.0f} us a period, "
                  f"{slope * 1e9:.1f} ns a worker")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workers", type=int, default=10_000, help="workers (10^4)")
    parser.add_argument("--periods", type=int, default=80,
                        help="periods timed from the 27th (80: the periods the Mesa comparison "
                             "times the engine over, the AI era's first 20 years)")
    parser.add_argument("--no-fixed", action="store_true",
                        help="skip the fixed part (a period at 300 workers against --workers)")
    parser.add_argument("--pass-by-pass", action="store_true",
                        help="time steps 4-9 pass by pass (as a run of several chunks goes)")
    parser.add_argument("--lines", action="store_true",
                        help="time each statement of the step (a clock between statements)")
    args = parser.parse_args()
    if not args.no_fixed:
        print(f"a period's fixed part, CPU time, uninstrumented (load average {load()})")
        fixed_part(args.workers)
    model = LabourMarket(scenario(args.workers, threads=1),  # type: ignore[arg-type]
                         builtin_economy(), 0, one_call=not args.pass_by_pass)
    for _ in range(26):  # compile and reach the AI era (as against_mesa in engine.py)
        model.step()
    model.series()  # (the records' first derivation loads its compiled functions: some 8 ms)
    if args.lines:
        print(f"{args.workers:,} workers, {args.periods} periods, one thread, wall time (load "
              f"average {load()})")
        time_lines(model, args.periods)
        return
    times: dict[str, list[float]] = defaultdict(list)
    instrument(times)
    per_period: list[dict[str, float]] = []
    totals: list[float] = []
    for _ in range(args.periods):
        before = {k: sum(v) for k, v in times.items()}
        start = time.perf_counter()
        model.step()
        totals.append(time.perf_counter() - start)
        per_period.append({k: sum(v) - before.get(k, 0.0) for k, v in times.items()})
    labels = sorted({k for p in per_period for k in p})

    def series(label: str) -> list[float]:
        return [p.get(label, 0.0) for p in per_period]

    # the shards' own Python: the method less the passes it called, period by period
    rows: dict[str, list[float]] = {}
    for label in labels:
        values = series(label)
        if label in SHARD_PASSES:
            passes = [series(p) for p in SHARD_PASSES[label]]
            values = [v - sum(p[k] for p in passes) for k, v in enumerate(values)]
            label = f"{label} (its Python)"
        rows[label] = values
    timed = [sum(p.values()) - sum(p.get(s, 0.0) for s in SHARD_PASSES for s in
                                   SHARD_PASSES[s]) for p in per_period]
    rows["step's own lines"] = [t - s for t, s in zip(totals, timed, strict=True)]
    compiled = {f"pass {n}" for o, n, _, c in TIMED if c}
    mean_total = statistics.fmean(totals)
    print(f"{args.workers:,} workers, {args.periods} periods, one thread, wall time (load "
          f"average {load()})")
    print(f"period: min {min(totals) * 1e6:,.0f} us, median "
          f"{statistics.median(totals) * 1e6:,.0f} us, mean {mean_total * 1e6:,.0f} us")
    print(f"{'phase':40s} {'min us':>8} {'median':>8} {'mean':>8} {'share':>6}")
    kinds = ("compiled row passes and bars", "Python and NumPy")
    sums = {kind: [0.0, 0.0, 0.0] for kind in kinds}  # min, median, mean
    for label, values in sorted(rows.items(), key=lambda kv: -statistics.fmean(kv[1])):
        low, med, mean = min(values), statistics.median(values), statistics.fmean(values)
        if mean <= 0 and max(values) <= 0:
            continue
        kind = kinds[0] if label in compiled else kinds[1]
        for k, v in enumerate((low, med, mean)):
            sums[kind][k] += v
        print(f"{label:40s} {low * 1e6:>8.1f} {med * 1e6:>8.1f} {mean * 1e6:>8.1f} "
              f"{mean / mean_total:>6.1%}")
    for kind, (low, med, mean) in sums.items():
        print(f"{'all ' + kind:40s} {low * 1e6:>8.1f} {med * 1e6:>8.1f} {mean * 1e6:>8.1f} "
              f"{mean / mean_total:>6.1%}")
    print("(the phases' minima come from different periods: their sum is below the fastest "
          "period's; 'its Python' is a shard method less the passes it called)")


if __name__ == "__main__":
    main()
