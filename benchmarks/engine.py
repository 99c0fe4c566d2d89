"""Engine benchmark: agent-steps per second per core, peak memory per worker, and the same rules
in Mesa 3, side by side.

Run: ``python benchmarks/engine.py [--quick] [--memory N ...] [--mesa-sizes N ...]``.

- Throughput of the full step (all nine steps of MODEL.md §2, in the AI era) at 10^4, 10^5 and
  10^6 workers on one core (one thread: ``run.threads = 1``), in CPU seconds (the machine may
  be shared: wall time would measure the neighbours), min and median of several blocks of
  periods, with the load average; then the largest size on every core, its wall time and the
  CPU time of all its threads. An agent-step is one person of the labour force stepped through
  one quarter: the economy grows, so the people stepped are counted period by period (at 10^6
  initial workers some 1.04x10^6 in the timed quarters), not taken as the initial workers.
- Peak memory: each ``--memory`` size is built and stepped in a fresh process, and its peak
  resident memory is reported per worker, above the process's baseline and above the state.
- Against Mesa: an idiomatic Mesa 3 version of the same rules (one Agent object per person,
  ``benchmarks/mesa_market.py``) at 10^4 and 10^5 workers, each beside the engine on the same
  run, with a check that both produce the same figures.

Not a test: a benchmark prints, it does not assert.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

os.environ.setdefault("NUMBA_NUM_THREADS", "1")
sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy as np

from neijuan.config import load_scenario
from neijuan.sim.economy import builtin_economy
from neijuan.sim.figures import period_figures
from neijuan.sim.model import LabourMarket
from neijuan.sim.state import bytes_per_row, peak_resident

TARGET_STEPS_PER_S = 2e7
TARGET_BYTES_ABOVE_STATE = 25
TARGET_MESA_RATIO = 100
CHECKED = ("employment", "real_wage", "effort_per_position", "agency_index", "wage_gini")


def scenario(workers: int, records: bool = True, threads: int | None = None) -> object:
    """The benchmarked scenario; ``threads`` for the row passes (default: the run's, all cores)."""
    over: dict[str, object] = {"run.workers": workers, "run.burn_in": 24, "run.periods": 200,
                               "run.person_records": records}
    if threads is not None:
        over["run.threads"] = threads
    return load_scenario("ai-baseline", over)


def wall_and_cpu_per_period(model: object, periods: int, repeats: int
                            ) -> list[tuple[float, float]]:
    """(wall seconds, CPU seconds of all threads) per period, one pair per block."""
    out = []
    for _ in range(repeats):
        wall, cpu = time.perf_counter(), time.process_time()
        for _ in range(periods):
            model.step()  # type: ignore[attr-defined]
        out.append(((time.perf_counter() - wall) / periods,
                    (time.process_time() - cpu) / periods))
    return out


def cpu_per_period(model: object, periods: int, repeats: int) -> list[float]:
    """CPU seconds per period, one figure per block of ``periods`` steps."""
    out = []
    for _ in range(repeats):
        start = time.process_time()
        for _ in range(periods):
            model.step()  # type: ignore[attr-defined]
        out.append((time.process_time() - start) / periods)
    return out


def load() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3]) if Path(
        "/proc/loadavg").exists() else "n/a"


def labour_force(model: object, periods: int) -> float:
    """The people stepped in each of the last ``periods`` periods, on average: the labour force
    after retirements and entry, every row the contest and settling passes walk (the economy
    grows, so at 10^6 initial workers some 1.04x10^6 are stepped in the timed quarters)."""
    series = model.series()  # type: ignore[attr-defined]
    return float(np.mean(series["labour_force"][-periods:]))


def throughput(sizes: list[int], repeats: int) -> None:
    economy = builtin_economy()
    print(f"full step, one thread on one core, CPU time, {repeats} blocks each (load average "
          f"{load()}); agent-steps are the people stepped (the labour force of each period)")
    print(f"{'workers':>11} {'stepped':>11} {'s/period min':>13} {'median':>9} "
          f"{'agent-steps/s min':>18} {'median':>12} {'x target':>9}")
    for n in sizes:
        model = LabourMarket(scenario(n, threads=1), economy, 0)  # type: ignore[arg-type]
        for _ in range(26):  # compile and reach the AI era
            model.step()
        block = 4 if n >= 1_000_000 else 10
        per = cpu_per_period(model, block, repeats)
        people = labour_force(model, block * repeats)
        lo, med = min(per), statistics.median(per)
        print(f"{n:>11,} {people:>11,.0f} {lo:>13.4f} {med:>9.4f} {people / lo:>18,.0f} "
              f"{people / med:>12,.0f} {people / lo / TARGET_STEPS_PER_S:>9.2f}")
    print(f"(target {TARGET_STEPS_PER_S:,.0f} agent-steps/s per core at 10^6 workers; load "
          f"average now {load()})")
    # the same step on every core (the rows' chunks on threads): wall time, and the CPU time of
    # all threads, whose agent-steps per CPU-second fall below one thread's where the cores
    # contend for the shared cache and memory
    n, cores = sizes[-1], os.cpu_count() or 1
    if cores > 1 and n >= 2 * 262_144:
        model = LabourMarket(scenario(n, threads=cores), economy, 0)  # type: ignore[arg-type]
        for _ in range(26):
            model.step()
        pairs = wall_and_cpu_per_period(model, 4, repeats)
        people = labour_force(model, 4 * repeats)
        wall = min(p[0] for p in pairs)
        cpu = min(p[1] for p in pairs)
        print(f"{n:>11,} on {cores} threads: wall {wall:.4f} s/period min ({people / wall:,.0f} "
              f"agent-steps/s), CPU {cpu:.4f} s/period min ({people / cpu:,.0f} agent-steps per "
              "CPU-second)")


def resident() -> int:
    """Resident memory of this process now, in bytes."""
    with open("/proc/self/statm", encoding="ascii") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def memory_child(n: int, records: bool = True) -> None:
    """In a fresh process: peak RSS of building and stepping ``n`` workers, above the resident
    memory just before (imports and compiled passes loaded)."""
    economy = builtin_economy()
    small = LabourMarket(scenario(1000, records), economy, 0)  # type: ignore[arg-type]
    small.step()  # compiled passes loaded before the baseline
    del small
    base = resident()
    if peak_resident() > base + n * 10:
        print(f"{n:>13,} (too small to measure: the start-up peak hides it)")
        return
    model = LabourMarket(scenario(n, records), economy, 0)  # type: ignore[arg-type]
    built = peak_resident()
    start = time.process_time()
    model.step()
    model.step()
    step = (time.process_time() - start) / 2
    peak = peak_resident()
    state = model.pop.nbytes(include_scratch=True)
    print(f"{n:>13,} {'kept' if records else 'dropped':>8} {model.pop.capacity / n:>9.2f} "
          f"{state / n:>12.1f} {(built - base) / n:>10.1f} {(peak - base) / n:>9.1f} "
          f"{(peak - base - state) / n:>12.1f} {step:>10.2f}")


def memory(sizes: list[int]) -> None:
    print(f"\npeak memory per worker (fresh process each; rows = capacity for the run's growth; "
          f"{bytes_per_row(False)} B state + {bytes_per_row(True) - bytes_per_row(False)} B "
          f"scratch per row)")
    print(f"{'workers':>13} {'records':>8} {'rows/wkr':>9} {'state B/wkr':>12} {'built B':>10} "
          f"{'peak B':>9} {'above state':>12} {'CPU s/step':>10}")
    for n in sizes:
        for records in ("kept", "dropped"):  # run.person_records true / false
            subprocess.run([sys.executable, __file__, "--memory-child", str(n), records],
                           check=True,
                           env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)})
    print(f"(target <= {TARGET_BYTES_ABOVE_STATE} B per worker above the state)")


def against_mesa(sizes: list[int], periods: int) -> None:
    from mesa_market import MesaMarket

    economy = builtin_economy()
    print(f"\nagainst Mesa 3 (one Agent per person), same rules, CPU time (load average {load()})")
    print(f"{'workers':>9} {'Mesa s/period min':>18} {'median':>8} {'engine min':>11} "
          f"{'median':>8} {'ratio min':>10} {'median':>8}")
    # a tiny run's records read once: the records' derivation loads its compiled functions
    # from the cache (some 8 ms, once a process), which the first timed block would count as
    # if every period paid it (both models derive their records with the same code)
    LabourMarket(scenario(300, threads=1), economy, 0).run().series()  # type: ignore[arg-type]
    for n in sizes:
        sc = scenario(n, threads=1)  # (one core against Mesa's one)
        mesa_model = MesaMarket(sc, economy, 0)  # type: ignore[arg-type]
        engine = LabourMarket(sc, economy, 0)  # type: ignore[arg-type]
        for _ in range(26):  # burn-in: both reach the AI era
            mesa_model.step()
            engine.step()
        # interleaved (one Mesa period, then a block of engine periods, and again): on a shared
        # machine both see the same neighbours
        mesa_s: list[float] = []
        engine_s: list[float] = []
        for _ in range(periods):
            mesa_s += cpu_per_period(mesa_model, 1, 1)
            engine_s += cpu_per_period(engine, 10, 1)
        lo = (min(mesa_s), min(engine_s))
        med = (statistics.median(mesa_s), statistics.median(engine_s))
        print(f"{n:>9,} {lo[0]:>18.3f} {med[0]:>8.3f} {lo[1]:>11.5f} {med[1]:>8.5f} "
              f"{lo[0] / lo[1]:>9,.0f}x {med[0] / med[1]:>7,.0f}x")
        # the two implementations run the same model: the figures agree up to sampling noise
        check = LabourMarket(sc, economy, 0)  # type: ignore[arg-type]
        for _ in range(mesa_model.period):
            check.step()
        a, b = period_figures(check.series()), period_figures(mesa_model.series())
        for name in CHECKED:
            print(f"{'':>9} check {name:22s} engine {a[name][-1]:9.4f}  mesa {b[name][-1]:9.4f}")
        if not np.isfinite(b["employment"]).all():
            raise SystemExit("the Mesa model produced non-finite figures")
    print(f"(target >= {TARGET_MESA_RATIO}x)")


def state_digest(workers: int, variant: str, quarters: int = 40) -> str:
    """SHA-256 (first 16 hex digits) of every series and state array after ``quarters``."""
    over: dict[str, object] = {"run.workers": workers, "run.burn_in": 24, "run.periods": 200}
    if variant == "authority":
        over["agency.liability_rule"] = "authority"
    else:
        over["contest.rule"] = variant
    model = LabourMarket(load_scenario("ai-baseline", over), builtin_economy(), 7)
    for _ in range(quarters):
        model.step()
    return model_digest(model)


def model_digest(model: LabourMarket) -> str:
    """SHA-256 (first 16 hex digits) of every series and state array of ``model``."""
    from dataclasses import fields

    h = hashlib.sha256()
    for table in (model.series(), model.occupation_series()):
        for name, values in sorted(table.items()):
            h.update(name.encode())
            h.update(np.ascontiguousarray(values).tobytes())
    for field in fields(model.pop):
        h.update(field.name.encode())
        h.update(np.ascontiguousarray(getattr(model.pop, field.name)).tobytes())
    return h.hexdigest()[:16]


def digests() -> None:
    print("state digests after 40 quarters (equal before and after = bit-identical)")
    for n in (20_000, 100_000):
        for variant in ("tullock", "top_m", "authority"):
            print(f"{n:>9,} {variant:10s} {state_digest(n, variant)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="smaller runs (a smoke test)")
    parser.add_argument("--repeats", type=int, default=5, help="blocks per size (>= 5)")
    parser.add_argument("--memory", type=int, nargs="*", default=None,
                        help="worker counts for the peak-memory measurement")
    parser.add_argument("--mesa-sizes", type=int, nargs="*", default=None,
                        help="worker counts for the Mesa comparison")
    parser.add_argument("--hash", action="store_true",
                        help="print the state digests (bit-identity check) and stop")
    parser.add_argument("--memory-child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.memory_child:
        memory_child(int(args.memory_child[0]), args.memory_child[1] == "kept")
        return
    if args.hash:
        digests()
        return
    sizes = [10_000, 100_000] if args.quick else [10_000, 100_000, 1_000_000]
    throughput(sizes, 3 if args.quick else max(args.repeats, 5))
    memory(args.memory if args.memory is not None else
           ([3_000_000] if args.quick else [10_000_000]))
    mesa_sizes = args.mesa_sizes if args.mesa_sizes is not None else (
        [10_000] if args.quick else [10_000, 100_000])
    against_mesa(mesa_sizes, 2 if args.quick else 8)  # (8 blocks: a steadier median)


if __name__ == "__main__":
    main()
