"""Atlas speed: cold build from the raw files, load from the cache, ``neijuan atlas show``.

Targets (issue 3, point 8): cold build <= 60 s, cached load <= 5 s, ``atlas show`` <= 0.3 s.
Run: ``python benchmarks/atlas.py [--data-dir D] [--repeat N]``. Everything is measured side by
side in one run; absolute times on a shared 2-core machine are noisy, so the script also prints
the framework floor (a bare Typer command with one argument, which pays Typer's Pydantic-based
coercion) and the show command's time above that floor.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

FLOOR_APP = """
import typer
app = typer.Typer()
@app.command()
def show(code: str) -> None:
    print(code)
@app.command()
def other(x: int = 1) -> None:
    pass
app()
"""
GROUP_APP = "from neijuan.atlas.cli import app; app()"


def _time_cmd(cmd: list[str], repeat: int, env: dict[str, str]) -> list[float]:
    out = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env,
                       check=True)
        out.append(time.perf_counter() - t0)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data-dir", default=None)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()

    from neijuan.atlas.build import assemble, load_inputs
    from neijuan.atlas.model import load_atlas
    from neijuan.data.registry import resolve_data_dir

    data_dir = resolve_data_dir(args.data_dir)
    with tempfile.TemporaryDirectory() as tmp:
        cache = Path(tmp)
        t0 = time.perf_counter()
        inputs = load_inputs(data_dir)
        t_read = time.perf_counter() - t0
        t0 = time.perf_counter()
        assemble(inputs)
        t_assemble = time.perf_counter() - t0
        t0 = time.perf_counter()
        load_atlas(data_dir, refresh=True, cache_root=cache)
        t_cold = time.perf_counter() - t0
        warm = []
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            load_atlas(data_dir, cache_root=cache)
            warm.append(time.perf_counter() - t0)

        env = dict(os.environ, NEIJUAN_CACHE_DIR=str(cache), NEIJUAN_DATA_DIR=str(data_dir))
        py = sys.executable
        floor_file = cache / "floor.py"
        floor_file.write_text(FLOOR_APP)
        neijuan = str(Path(py).with_name("neijuan"))
        # Interleave the three commands so load on the shared machine hits them alike.
        floor, group, full = [], [], []
        for _ in range(args.repeat):
            floor += _time_cmd([py, str(floor_file), "show", "23-1011"], 1, env)
            group += _time_cmd([py, "-c", GROUP_APP, "show", "23-1011"], 1, env)
            if Path(neijuan).exists():
                full += _time_cmd([neijuan, "atlas", "show", "23-1011"], 1, env)

    med = statistics.median
    print(f"data: {data_dir}")
    print("machine: shared, 2 cores; absolute times are noisy, compare within this run")
    print(f"cold build (read raw files + assemble + write Parquet/SQLite): {t_cold:6.2f} s "
          f"(target <= 60 s)")
    print(f"  of which reading the raw files {t_read:.2f} s, assembling {t_assemble:.2f} s")
    print(f"load from cache: median {med(warm):.3f} s, max {max(warm):.3f} s (target <= 5 s); "
          f"cold / cached = {t_cold / med(warm):.0f}x")
    print(f"bare Typer command (framework floor): median {med(floor):.3f} s, min {min(floor):.3f}")
    print(f"atlas show 23-1011 (atlas group):     median {med(group):.3f} s, min {min(group):.3f}"
          f"  -> {med(group) - med(floor):+.3f} s above the floor, ratio {med(group) / med(floor):.2f}")
    if full:
        print(f"neijuan atlas show 23-1011 (full CLI): median {med(full):.3f} s, "
              f"min {min(full):.3f}  (target <= 0.3 s)")


if __name__ == "__main__":
    main()
