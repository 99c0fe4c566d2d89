"""Engine benchmark: agent-steps per second and bytes per worker, and the same rules in Mesa 3.

Run: ``python benchmarks/engine.py [--quick]``. Prints throughput of the full step (all nine
steps of MODEL.md §2) at 10^4, 10^5 and 10^6 workers on one core, the bytes of state per worker,
and the ratio against an idiomatic Mesa 3 version of the same rules (one Agent object per person,
``benchmarks/mesa_market.py``) measured side by side at 10^4 workers. Not a test: timings on a
shared machine are noisy, so each figure is the best of several repeats.
"""

from __future__ import annotations

import argparse
import os
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
from neijuan.sim.state import bytes_per_row

TARGET_STEPS_PER_S = 1e7
TARGET_BYTES = 100
TARGET_MESA_RATIO = 100


def throughput(model: object, periods: int, repeats: int = 3) -> float:
    """Best seconds per period over ``repeats`` blocks of ``periods`` steps."""
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(periods):
            model.step()  # type: ignore[attr-defined]
        best = min(best, (time.perf_counter() - start) / periods)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="smaller runs (a smoke test)")
    args = parser.parse_args()
    economy = builtin_economy()
    sizes = [10_000, 100_000] if args.quick else [10_000, 100_000, 1_000_000]
    print(f"{'workers':>10} {'s/period':>10} {'agent-steps/s':>15} {'bytes/worker':>13}")
    results = {}
    for n in sizes:
        sc = load_scenario("ai-baseline", {"run.workers": n, "run.burn_in": 24,
                                           "run.periods": 200})
        model = LabourMarket(sc, economy, 0)
        for _ in range(26):  # compile and reach the AI era
            model.step()
        per_period = throughput(model, 5 if n >= 1_000_000 else 10)
        state = model.pop.nbytes(include_scratch=False) / n
        results[n] = n / per_period
        print(f"{n:>10,} {per_period:>10.4f} {n / per_period:>15,.0f} {state:>13.1f}")
    big = max(sizes)
    print(f"\nstate per worker: {bytes_per_row(False)} bytes persistent + "
          f"{bytes_per_row(True) - bytes_per_row(False)} bytes of per-period scratch "
          f"(target <= {TARGET_BYTES})")
    seconds_100 = 100 * big / results[big]
    print(f"{big:,} workers x 100 quarters: {seconds_100:.1f} s "
          f"(target <= {big / 1e6 * 10:.0f} s; {results[big] / TARGET_STEPS_PER_S:.2f}x the "
          f"target of {TARGET_STEPS_PER_S:,.0f} agent-steps/s)")

    from mesa_market import MesaMarket

    n = 10_000
    sc = load_scenario("ai-baseline", {"run.workers": n, "run.burn_in": 24, "run.periods": 200})
    mesa_model = MesaMarket(sc, economy, 0)
    array_model = LabourMarket(sc, economy, 0)
    for _ in range(26):
        mesa_model.step()
        array_model.step()
    periods = 2 if args.quick else 4
    mesa_s = throughput(mesa_model, periods, repeats=2)
    array_s = throughput(array_model, periods * 5, repeats=3)
    # for the check, an engine run stopped at the same quarter as the Mesa run
    array_model = LabourMarket(sc, economy, 0)
    for _ in range(mesa_model.period):
        array_model.step()
    print(f"\nMesa 3 (one Agent per person), {n:,} workers: {mesa_s:.3f} s/period, "
          f"{n / mesa_s:,.0f} agent-steps/s")
    print(f"array engine, same workers, same run:  {array_s:.4f} s/period, "
          f"{n / array_s:,.0f} agent-steps/s")
    print(f"ratio: {mesa_s / array_s:,.0f}x (target >= {TARGET_MESA_RATIO}x)")
    # the two implementations must be running the same model
    a = period_figures(array_model.series())
    b = period_figures(mesa_model.series())
    for name in ("employment", "real_wage", "effort_per_position", "agency_index"):
        print(f"  check {name:22s} engine {a[name][-1]:9.3f}  mesa {b[name][-1]:9.3f}")
    if not np.isfinite(b["employment"]).all():
        raise SystemExit("the Mesa model produced non-finite figures")


if __name__ == "__main__":
    main()
