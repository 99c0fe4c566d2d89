"""The same pipeline on Ray Data (``--ray``) gives the same ads as the local path.

Small on purpose: one local cluster (2 CPUs, no dashboard, ~4 s to start), three small files, run
once per test session.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from neijuan.ads import analyze

pytest.importorskip("ray")


@pytest.mark.slow
def test_ray_matches_local(tmp_path: Path, labelled: pl.DataFrame, no_data: Path) -> None:
    import ray

    src = tmp_path / "in"
    src.mkdir()
    frame = labelled.select("id", "date", "title", "text", "salary")
    for i in range(3):
        frame.slice(i * 40, 40).write_csv(src / f"part{i}.csv")
    (src / "empty.csv").write_bytes(b"")
    try:
        ray.init(num_cpus=2, include_dashboard=False, ignore_reinit_error=True,
                 log_to_driver=False)
        remote = analyze(src, tmp_path / "ray", data_dir=no_data, use_ray=True)
    finally:
        ray.shutdown()
    local = analyze(src, tmp_path / "local", data_dir=no_data)
    assert remote.ads.height == local.ads.height == 120
    assert remote.ads.sort("id").equals(local.ads.sort("id"))
    assert remote.summary["counts"] == local.summary["counts"]
