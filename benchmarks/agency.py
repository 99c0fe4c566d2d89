"""Audit speed: decision-log rows per second, end to end (read, validate, every figure for every
scope), side by side for Parquet and CSV and for 1 and 4 scopes. Target: >= 1 M rows/s.

Run: PYTHONPATH=src python benchmarks/agency.py [ROWS]
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from neijuan.agency.audit import audit, audit_frame
from neijuan.agency.synth import SynthParams, synth_log, write_log

TARGET = 1_000_000  # rows per second


def main(rows: int = 2_000_000) -> None:
    params = SynthParams(scenario="bench", occupations=("a", "b", "c"),
                         codes=("11-1011", "43-4051", "29-1141"), weights=(0.3, 0.5, 0.2),
                         ai_origination=(0.2, 0.7, 0.4), ai_failure_rate=0.05,
                         human_failure_rate=0.02, liability_rule="confirmer", liability=0.9,
                         review_burden=0.25, start_year=2024)
    frame = synth_log(params, rows, people=500, teams=20, seed=0)
    with tempfile.TemporaryDirectory() as tmp:
        results = {}
        for suffix in (".parquet", ".csv"):
            path = write_log(frame, Path(tmp) / f"log{suffix}")
            for scopes in (("all",), ("all", "team", "person", "period")):
                best = float("inf")
                for _ in range(3):
                    t0 = time.perf_counter()
                    r = audit(path, scopes=scopes)
                    best = min(best, time.perf_counter() - t0)
                assert r.rows_used == rows
                results[(suffix, len(scopes))] = rows / best
        best = float("inf")
        for _ in range(3):
            t0 = time.perf_counter()
            audit_frame(frame)
            best = min(best, time.perf_counter() - t0)
        results[("in memory", 4)] = rows / best
    print(f"audit of {rows:,} rows (best of 3), rows per second:")
    for (suffix, n), rate in results.items():
        print(f"  {suffix:8s} {n} scope(s): {rate / 1e6:5.2f} M/s  "
              f"({rate / TARGET:4.2f} x target)")
    base = results[(".parquet", 4)]
    print(f"  CSV / Parquet (4 scopes): {results[('.csv', 4)] / base:.2f}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 2_000_000)
