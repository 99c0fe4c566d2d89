"""The row passes of another revision against this tree's, side by side in one process.

Run: ``python benchmarks/kernels_ab.py REV [--workers N] [--rounds R] [--block B]``.

On a shared machine whose speed drifts by a fifth from one minute to the next, two separate
runs cannot resolve a change of a few per cent. This benchmark builds one model and steps it
with the kernels of ``REV`` (``src/neijuan/sim/kernels.py`` as it was at that revision, loaded
as a module of its own) and with this tree's, ``B`` periods each, alternating for ``R`` rounds.
Both versions then see the same minutes and the same state. It prints each version's CPU time
a period and the median of the rounds' ratios. This is valid only for changes to the kernels:
the benchmark refuses to run when anything else under ``src/neijuan`` differs from ``REV`` (but
``codegen.py``, the kernels' compile options).
First it checks that the two versions give the same bits: two fresh models, one with each
version, step the same quarters, and their state digests are compared. When they differ, the
state under alternation is a mix of the two versions, and the benchmark says so.

Not a test: a benchmark prints, it does not assert.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import ModuleType

os.environ.setdefault("NUMBA_NUM_THREADS", "1")
sys.path.insert(0, str(Path(__file__).resolve().parent))


import neijuan.sim.kernels as kernels_here
import neijuan.sim.shard as shard
from engine import labour_force, model_digest, scenario
from neijuan.sim.economy import builtin_economy
from neijuan.sim.model import LabourMarket

ROOT = Path(__file__).resolve().parent.parent
KERNELS = "src/neijuan/sim/kernels.py"
CODEGEN = "src/neijuan/sim/codegen.py"  # (how the kernels are compiled: part of them here)


def _git(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True)


def kernels_at(rev: str, folder: Path) -> ModuleType:
    """``kernels.py`` of ``rev`` as a module of its own (its compiled cache kept in ``folder``)."""
    shown = _git("show", f"{rev}:{KERNELS}")
    if shown.returncode != 0:
        raise SystemExit(f"cannot read {KERNELS} at {rev!r}: {shown.stderr.strip()}")
    path = folder / "kernels_ab_rev.py"
    path.write_text(shown.stdout)
    spec = importlib.util.spec_from_file_location("kernels_ab_rev", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def only_kernels_differ(rev: str) -> list[str]:
    """Files under src/neijuan, other than the kernels and their compile options, that differ
    from ``rev``."""
    out = _git("diff", "--name-only", rev, "--", "src/neijuan", f":!{KERNELS}", f":!{CODEGEN}")
    if out.returncode != 0:
        raise SystemExit(f"git diff against {rev!r} failed: {out.stderr.strip()}")
    return [line for line in out.stdout.splitlines() if line.endswith(".py")]


def use(kernels: ModuleType) -> None:
    """Make the shards' row passes those of ``kernels`` (the per-occupation code is shared)."""
    shard.kern = kernels  # type: ignore[attr-defined]


def same_bits(old: ModuleType, quarters: int = 30) -> bool:
    """Whether the two versions give the same state after ``quarters`` (20,000 workers)."""
    out = []
    for kernels in (old, kernels_here):
        use(kernels)
        model = LabourMarket(scenario(20_000, threads=1), builtin_economy(), 3)  # type: ignore[arg-type]
        for _ in range(quarters):
            model.step()
        out.append(model_digest(model))
    return out[0] == out[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("rev", help="the revision whose kernels to compare (e.g. HEAD~3)")
    parser.add_argument("--workers", type=int, default=1_000_000, help="workers (10^6)")
    parser.add_argument("--rounds", type=int, default=20, help="rounds of alternation (20)")
    parser.add_argument("--block", type=int, default=2, help="periods per version a round (2)")
    args = parser.parse_args()
    others = only_kernels_differ(args.rev)
    if others:
        raise SystemExit(f"more than the kernels differ from {args.rev}: {', '.join(others)}; "
                         "time the two revisions in separate runs instead")
    with tempfile.TemporaryDirectory() as folder:
        old = kernels_at(args.rev, Path(folder))
        identical = same_bits(old)
        print(f"kernels of {args.rev} against this tree's: "
              f"{'bit-identical' if identical else 'NOT bit-identical'} (20,000 workers, 30 "
              "quarters)")
        if not identical:
            print("(the state below evolves under both versions in turn)")
        model = LabourMarket(scenario(args.workers, threads=1), builtin_economy(), 0)  # type: ignore[arg-type]
        for kernels in (old, kernels_here) * 3:  # compile both, reach the AI era
            use(kernels)
            for _ in range(4):
                model.step()
        for _ in range(2):
            model.step()
        times: dict[str, list[float]] = {"old": [], "new": []}
        for r in range(args.rounds):
            order = [("old", old), ("new", kernels_here)]
            for name, kernels in order if r % 2 == 0 else order[::-1]:
                use(kernels)
                start = time.process_time()
                for _ in range(args.block):
                    model.step()
                times[name].append((time.process_time() - start) / args.block)
        use(kernels_here)
    people = labour_force(model, 2 * args.rounds * args.block)
    print(f"{args.workers:,} workers ({people:,.0f} stepped), one thread, CPU s a period, "
          f"{args.rounds} rounds of {args.block} periods each")
    for name, label in (("old", args.rev), ("new", "this tree")):
        v = sorted(times[name])
        print(f"  {label:>12}: min {v[0]:.4f} median {statistics.median(v):.4f} "
              f"({people / v[0]:,.0f} / {people / statistics.median(v):,.0f} agent-steps/s)")
    ratios = sorted(b / a for a, b in zip(times["old"], times["new"], strict=True))
    q = len(ratios) // 4
    print(f"  this tree / {args.rev}, per round: median {statistics.median(ratios):.3f} "
          f"(quartiles {ratios[q]:.3f}-{ratios[-1 - q]:.3f})")


if __name__ == "__main__":
    main()
