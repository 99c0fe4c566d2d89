"""Sharded engine benchmark: one process against K Ray shards on the same run, side by side.

Run: ``python benchmarks/shards.py [--workers N] [--shards K] [--periods P] [--ray ADDRESS]``.

Both engines step the same scenario and seed, alternately (so both see the same load on a shared
machine): wall seconds to build the population and per period (min and median), the bytes the
driver exchanged with the shards per period (arrays and numbers sent and received, not Ray's
framing), and whether every series came out bit-identical. Wall time, not CPU time: the shards'
work happens in other processes.

Not a test: a benchmark prints, it does not assert.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

os.environ.setdefault("NUMBA_NUM_THREADS", "1")

import numpy as np

from neijuan.config import load_scenario
from neijuan.sim.model import LabourMarket
from neijuan.sim.run import resolve_economy
from neijuan.sim.shard import CHUNK_ROWS, RayShards, ray_start


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--workers", type=int, default=1_000_000)
    ap.add_argument("--shards", type=int, default=2)
    ap.add_argument("--periods", type=int, default=8, help="periods timed (after 2 warm-up)")
    ap.add_argument("--ray", default=None, help="a Ray cluster's address (default: local)")
    ap.add_argument("--economy", default="builtin", choices=["builtin", "onet"],
                    help="onet: built from the atlas (needs the data; more occupations)")
    a = ap.parse_args()
    sc = load_scenario("ai-baseline", {"run.workers": a.workers, "run.burn_in": 2,
                                       "run.periods": a.periods, "economy.name": a.economy})
    econ = resolve_economy(sc)
    started = ray_start(a.shards, a.ray)
    ray_shards: list[RayShards] = []

    def make(capacity: int) -> RayShards:
        ray_shards.append(RayShards(capacity, a.shards, a.ray))
        return ray_shards[-1]

    t0 = time.perf_counter()
    one = LabourMarket(sc, econ, 0)
    t1 = time.perf_counter()
    many = LabourMarket(sc, econ, 0, shards=make)
    t2 = time.perf_counter()
    rs = ray_shards[0]
    print(f"{a.workers:,} workers, {econ.n_occ} occupations, {one.shards.n_chunks} chunks of "
          f"{CHUNK_ROWS:,} rows, {a.shards} shards; load average {os.getloadavg()[0]:.1f}")
    print(f"build: one process {t1 - t0:.2f} s, sharded {t2 - t1:.2f} s (incl. starting the "
          f"actors); exchanged {rs.sent / 1e3:.0f} kB sent, {rs.received / 1e3:.0f} kB received")
    times: dict[str, list[float]] = {"one": [], "sharded": []}
    sent: list[int] = []
    received: list[int] = []
    for k in range(a.periods + 2):
        s0 = time.perf_counter()
        one.step()
        s1 = time.perf_counter()
        before = (rs.sent, rs.received)
        many.step()
        s2 = time.perf_counter()
        if k >= 2:
            times["one"].append(s1 - s0)
            times["sharded"].append(s2 - s1)
            sent.append(rs.sent - before[0])
            received.append(rs.received - before[1])
    for k, (rows, state, peak) in enumerate(rs.map("memory")):
        print(f"shard {k}: {rows:,} rows, {state / rows:.0f} B/row of arrays, peak RSS "
              f"{peak / 2**20:.0f} MiB ({(peak - state) / 2**20:.0f} MiB above its rows)")
    same = all(np.array_equal(v, many.series()[k]) for k, v in one.series().items())
    occ = many.occupation_series()
    same_occ = all(np.array_equal(v, occ[k], equal_nan=True)
                   for k, v in one.occupation_series().items())
    many.close()
    if started:
        import ray

        ray.shutdown()
    print(f"{'':<22}{'one process':>14}{'sharded':>14}{'ratio':>8}")
    for label, f in (("wall s/period, min", min), ("wall s/period, median", statistics.median)):
        o, s = f(times["one"]), f(times["sharded"])
        print(f"{label:<22}{o:>14.4f}{s:>14.4f}{s / o:>8.2f}")
    print(f"exchange per period: sent {statistics.median(sent) / 1e3:.1f} kB, received "
          f"{statistics.median(received) / 1e3:.1f} kB (median; {a.shards} shards)")
    print(f"every series bit-identical: {same}; every occupation series: {same_occ}")


if __name__ == "__main__":
    main()
