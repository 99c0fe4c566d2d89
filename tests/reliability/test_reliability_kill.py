"""SIGKILL during ``simulate --out`` and ``ads analyze --out``: afterwards the folder is absent,
the old result whole, or the new result whole (checked against its manifest's checksums), and the
next run cleans up what the killed one left."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from neijuan.atomic import read_manifest
from neijuan.errors import DataError

ROOT = Path(__file__).resolve().parents[2]
ENV = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
ENTRY = "from neijuan.cli import main; main()"


def _simulate(out: Path, seed: int) -> list[str]:
    return [sys.executable, "-c", ENTRY, "simulate", "--workers", "1000", "--periods", "4",
            "--set", "run.burn_in=2", "--set", f"run.seed={seed}", "--no-twin", "--json",
            "--out", str(out)]


def _state(out: Path, kind: str) -> object:
    """'absent', or the manifest's identity of a whole result; fails on anything else."""
    if not out.exists():
        return "absent"
    try:
        manifest = read_manifest(out, kind=kind, checksums=True)
    except DataError as exc:  # pragma: no cover - the failure this test exists to catch
        pytest.fail(f"after SIGKILL the folder is neither absent nor whole: {exc}")
    assert sorted(p.name for p in out.iterdir()) == sorted(
        [*manifest["files"], "neijuan-manifest.json"])
    return manifest["command"]


def _kill_at(cmd: list[str], delay: float, staging: Path | None, jitter: float) -> None:
    """Start ``cmd``; SIGKILL it after ``delay`` s, or ``jitter`` s after a staging folder
    (the write phase) appears under ``staging``, whichever is given."""
    proc = subprocess.Popen(cmd, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        if staging is None:
            time.sleep(delay)
        else:
            deadline = time.monotonic() + 60
            while proc.poll() is None and time.monotonic() < deadline:
                if any(".neijuan-tmp-" in p.name for p in staging.iterdir()):
                    time.sleep(jitter)
                    break
                time.sleep(0.002)
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.wait(timeout=60)


@pytest.mark.slow
def test_sigkill_during_simulate_out_leaves_absent_old_or_new(tmp_path: Path) -> None:
    import shutil

    rng = random.Random(2026)
    out = tmp_path / "run"
    start = time.monotonic()
    subprocess.run(_simulate(out, 1), env=ENV, check=True, capture_output=True, timeout=300)
    full = time.monotonic() - start
    outcomes = []
    # (an older result in the way?, kill anywhere in the run or inside the write phase); each
    # trial runs another seed, so its result is told apart from the one it would replace
    for seed, (had_old, phase) in enumerate(((True, "run"), (True, "write"), (True, "write"),
                                             (False, "write"), (False, "run")), start=10):
        if not had_old and out.exists():
            shutil.rmtree(out)
        before = _state(out, "simulation")
        new = "neijuan " + " ".join(_simulate(out, seed)[3:])
        if phase == "run":
            _kill_at(_simulate(out, seed), rng.uniform(0.4, 1.4) * full, None, 0.0)
        else:
            _kill_at(_simulate(out, seed), 0.0, tmp_path, rng.uniform(0.0, 1.5))
        after = _state(out, "simulation")
        assert after in {before, new}, (had_old, phase, before, after)  # never half, never gone
        outcomes.append("absent" if after == "absent" else "new" if after == new else "old")
    # a complete run afterwards cleans every leftover of the killed ones
    subprocess.run(_simulate(out, 1), env=ENV, check=True, capture_output=True, timeout=300)
    assert _state(out, "simulation") == "neijuan " + " ".join(_simulate(out, 1)[3:])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]
    print("outcomes:", outcomes)


@pytest.mark.slow
def test_sigkill_during_ads_analyze_out_leaves_absent_old_or_new(tmp_path: Path) -> None:
    rng = random.Random(7)
    ads = tmp_path / "ads.csv"
    rows = ["id,date,title,text"] + [
        f"a{i},2024-0{1 + i % 9}-15,Data analyst,Python and {'ChatGPT' if i % 3 else 'Excel'}; "
        f"bachelor's degree required" for i in range(400)]
    ads.write_text("\n".join(rows) + "\n", encoding="utf-8")
    out = tmp_path / "res"
    nodata = tmp_path / "nodata"
    nodata.mkdir()
    cmd = [sys.executable, "-c", ENTRY, "ads", "analyze", str(ads), "--out", str(out),
           "--data-dir", str(nodata)]
    subprocess.run(cmd, env=ENV, check=True, capture_output=True, timeout=300)
    old = _state(out, "ads-analysis")
    for _ in range(2):
        _kill_at(cmd, 0.0, tmp_path, rng.uniform(0.0, 0.05))
        assert _state(out, "ads-analysis") in {old}  # same command: old or an identical new
        assert (out / "ads.parquet").is_file()
    subprocess.run(cmd, env=ENV, check=True, capture_output=True, timeout=300)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ads.csv", "nodata", "res"]
