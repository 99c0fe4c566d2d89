"""Atomic writes: complete or absent, never half-written; readable like any file."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import polars as pl
import pytest

from neijuan.atomic import atomic_path, write_json, write_parquet


def test_written_files_are_complete_and_readable(tmp_path: Path) -> None:
    target = write_json(tmp_path / "a" / "summary.json", {"x": 1, "名": "内卷"})
    assert target.read_text(encoding="utf-8").strip().startswith("{")
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o666 & ~umask  # not left private (0600)
    frame = pl.DataFrame({"a": [1, 2]})
    assert pl.read_parquet(write_parquet(tmp_path / "f.parquet", frame)).equals(frame)


def test_a_failed_write_leaves_nothing_and_keeps_the_old_file(tmp_path: Path) -> None:
    target = tmp_path / "out.json"
    write_json(target, {"old": True})
    with pytest.raises(RuntimeError), atomic_path(target) as tmp:
        tmp.write_text("half")
        raise RuntimeError("crash while writing")
    assert '"old": true' in target.read_text()
    assert list(tmp_path.iterdir()) == [target]
