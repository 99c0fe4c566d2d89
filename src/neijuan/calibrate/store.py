"""The chunk store: a folder of Parquet files that a sweep fills and a rerun completes.

Layout::

    DIR/sweep.json                       what sweep this folder holds (spec, base scenario, hash)
    DIR/rows/<point>_s<first>-<last>.parquet   one chunk: one point, seeds first..last

A chunk is written to a temporary file beside its final name and renamed over it (POSIX rename is
atomic), so a chunk is either whole or absent: a sweep killed at any instant (Ctrl-C, SIGKILL, a
lost Ray worker) leaves only whole chunks, and a rerun computes exactly the (point, seed) pairs no
chunk holds. The done set is read from the file names alone, so resuming a large sweep opens no
file. A lock file refuses a second writer on the same folder.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from neijuan.atomic import write_json, write_parquet
from neijuan.errors import ConfigError, NeijuanError

ROWS = "rows"
MANIFEST = "sweep.json"
_CHUNK = re.compile(r"^(?P<key>[0-9a-f]{12})_s(?P<first>\d+)-(?P<last>\d+)\.parquet$")


def chunk_name(key: str, first: int, last: int) -> str:
    """The file name of the chunk holding seeds ``first..last`` of point ``key``."""
    return f"{key}_s{first}-{last}.parquet"


class ChunkStore:
    """One sweep's folder: manifest, done set, atomic chunk writes."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root)
        self.rows = self.root / ROWS

    # ------------------------------------------------------------------------------ manifest
    def open(self, manifest: dict[str, Any], *, allow_version_change: bool = False) -> None:
        """Create the folder, or check that it holds this very sweep (same hash and, unless
        allowed, the same code version): rows of two sweeps never mix silently."""
        self.rows.mkdir(parents=True, exist_ok=True)
        path = self.root / MANIFEST
        if path.exists():
            try:
                old = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, json.JSONDecodeError) as exc:
                raise NeijuanError(f"{path}: unreadable manifest ({exc}); use a new --out") from None
            if old.get("hash") != manifest["hash"]:
                raise ConfigError(
                    f"{self.root} holds another sweep (hash {old.get('hash')}, this one "
                    f"{manifest['hash']}): the spec, the base scenario or the sizes differ; use "
                    "a new --out folder")
            if old.get("version") != manifest["version"] and not allow_version_change:
                raise ConfigError(
                    f"{self.root} was computed by version {old.get('version')}, this is "
                    f"{manifest['version']}: its rows would mix two models. Use a new --out "
                    "folder, or --allow-version-change to complete it anyway (each row keeps "
                    "its version)")
            return
        write_json(path, manifest)

    def manifest(self) -> dict[str, Any]:
        """The folder's manifest."""
        data: dict[str, Any] = json.loads((self.root / MANIFEST).read_text(encoding="utf-8"))
        return data

    # ---------------------------------------------------------------------------------- lock
    @contextmanager
    def lock(self) -> Iterator[None]:
        """Hold the folder's write lock (released by the OS if the process dies)."""
        self.root.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.root / ".lock", os.O_CREAT | os.O_RDWR, 0o644)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise NeijuanError(f"{self.root} is being written by another sweep; wait for "
                                   "it or use another --out") from None
            self._clean_temporaries()
            yield
        finally:
            os.close(fd)

    def _clean_temporaries(self) -> None:
        """Remove temporary files a killed run left (never a finished chunk)."""
        if self.rows.is_dir():
            for tmp in self.rows.glob(".*.tmp"):
                tmp.unlink(missing_ok=True)

    # ------------------------------------------------------------------------------ chunks
    def done(self) -> dict[str, set[int]]:
        """Point key -> seeds already stored, from the chunk file names."""
        out: dict[str, set[int]] = {}
        if not self.rows.is_dir():
            return out
        for entry in os.scandir(self.rows):
            m = _CHUNK.match(entry.name)
            if m is None:
                continue
            seeds = range(int(m["first"]), int(m["last"]) + 1)
            out.setdefault(m["key"], set()).update(seeds)
        return out

    def write(self, key: str, seeds: tuple[int, ...], frame: Any) -> Path:
        """Write one chunk atomically."""
        return write_parquet(self.rows / chunk_name(key, seeds[0], seeds[-1]), frame)

    def scan(self) -> Any:
        """All stored rows (a Polars LazyFrame)."""
        import polars as pl

        return pl.scan_parquet(str(self.rows / "*.parquet"))

    def read(self) -> Any:
        """All stored rows, sorted by point and seed."""
        import polars as pl

        if not any(self.rows.glob("*.parquet")):
            return pl.DataFrame()
        return self.scan().collect().sort("point", "seed")
