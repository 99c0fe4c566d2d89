"""China's labour force at 1:1 (7.8x10^8 workers x 80 quarters): a measured run and its
extrapolation.

Run: ``python benchmarks/china.py [--workers N] [--quarters Q] [--threads T]``.

Builds the ``ai-baseline`` economy at ``N`` workers (default 10^8) the way a 1:1 run would be
made on one machine (zero labour-force growth, so that the rows are the workers; without the
per-person records, which no figure reads; the row passes on ``T`` threads, default every core),
steps ``Q`` quarters (default 80, the whole run: the scenario's 60 quarters of burn-in and 20
of the AI era; about 7 minutes at 10^8 on 2 cores), and prints each quarter's
wall and CPU time, the peak resident memory, and the extrapolation, linear in rows, to 7.8x10^8
workers and 80 quarters, against the issue's targets (1 hour, 24 GiB). A worker count the
machine cannot hold is refused by the engine's own memory check before anything is allocated.

Not a test: a benchmark prints, it does not assert.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

from neijuan.config import load_scenario
from neijuan.sim.economy import builtin_economy
from neijuan.sim.model import LabourMarket
from neijuan.sim.state import peak_resident

CHINA_WORKERS = 7.8e8  # China's labour force, about 780 million (the figure)
CHINA_QUARTERS = 80
TARGET_SECONDS = 3600.0
TARGET_GIB = 24.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workers", type=float, default=1e8, help="workers to build (10^8)")
    parser.add_argument("--quarters", type=int, default=CHINA_QUARTERS,
                        help="quarters to step (80)")
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1,
                        help="threads for the row passes (every core)")
    args = parser.parse_args()
    workers = int(args.workers)
    scenario = load_scenario("ai-baseline", {
        "run.workers": workers, "labour.growth": 0.0, "run.person_records": False,
        "run.threads": args.threads, "run.periods": max(args.quarters, CHINA_QUARTERS)})
    economy = builtin_economy()
    small = LabourMarket(scenario.with_overrides({"run.workers": 1000}), economy, 1)
    small.step()  # (compiled passes loaded: the baseline is the process before its rows)
    del small
    base = peak_resident()
    wall, cpu = time.perf_counter(), time.process_time()
    model = LabourMarket(scenario, economy, 1)
    build_wall, build_cpu = time.perf_counter() - wall, time.process_time() - cpu
    print(f"{workers:,} workers, zero growth, no per-person records, {args.threads} threads")
    print(f"built in {build_wall:.1f} s wall ({build_cpu:.1f} s CPU)")
    walls = []
    for q in range(args.quarters):
        wall, cpu = time.perf_counter(), time.process_time()
        model.step()
        walls.append(time.perf_counter() - wall)
        era = "burn-in" if q < scenario.run.burn_in else "AI era"
        print(f"quarter {q + 1:>3} ({era}): {walls[-1]:6.2f} s wall, "
              f"{time.process_time() - cpu:6.2f} s CPU", flush=True)
    peak = peak_resident()
    per_worker = (peak - base) / workers
    print(f"peak resident memory {peak / 2**30:.2f} GiB: {per_worker:.1f} B a worker above "
          f"the process's {base / 2**30:.2f} GiB")

    scale = CHINA_WORKERS / workers
    memory_gib = (CHINA_WORKERS * per_worker + base) / 2**30
    print(f"\nextrapolated to {CHINA_WORKERS:.1e} workers x {CHINA_QUARTERS} quarters "
          f"(linear in rows):")
    print(f"  memory {memory_gib:.1f} GiB (target {TARGET_GIB:.0f} GiB)")
    for label, quarter in (("fastest", min(walls)), ("median", statistics.median(walls)),
                           ("mean", statistics.mean(walls))):
        total = build_wall * scale + CHINA_QUARTERS * quarter * scale
        print(f"  time at the {label:7s} quarter: {total / 60:5.1f} min "
              f"(target {TARGET_SECONDS / 60:.0f} min)")


if __name__ == "__main__":
    main()
