"""The data registry: every source (publisher, version, licence, citation, official page) and every
file of the canonical layout (path, SHA-256, size, pinned download URL), read from ``registry.toml``.

The registry is data, not code: adding a release is adding a table to the TOML. This module only
reads it (stdlib ``tomllib``, so that status and the CLI stay light) and answers where files live.
"""

from __future__ import annotations

import functools
import hashlib
import os
import tomllib
from dataclasses import dataclass
from pathlib import Path

from neijuan.datadir import ENV_VAR, find_data_dir
from neijuan.errors import DataError

REGISTRY_PATH = Path(__file__).with_name("registry.toml")
CACHE_ENV_VAR = "NEIJUAN_CACHE_DIR"


@dataclass(frozen=True)
class Source:
    """One release of one publisher's data."""

    id: str
    name: str
    publisher: str
    version: str
    code_system: str
    licence: str
    citation: str
    official_url: str
    extra: dict[str, object]


@dataclass(frozen=True)
class FileEntry:
    """One file of the canonical layout, as checksummed when the registry was written."""

    path: str
    source: str
    sha256: str
    size: int
    url: str
    mirror: str
    rows: int | None = None  # records below the header (text) or rows of all sheets (Excel)


@dataclass(frozen=True)
class Registry:
    """Sources by id and files by relative path."""

    sources: dict[str, Source]
    files: dict[str, FileEntry]
    # a file the checksum does not vouch for must have rows within this range x the registry's
    row_tolerance: tuple[float, float] = (0.8, 1.5)

    def file(self, path: str) -> FileEntry:
        """The entry of ``path`` (relative to the data folder)."""
        try:
            return self.files[path]
        except KeyError:
            raise DataError(f"{path}: not a file of the data registry") from None

    def files_of(self, source: str) -> list[FileEntry]:
        """All files of one source, in registry order."""
        if source not in self.sources:
            raise DataError(
                f"unknown source {source!r}; known sources: {', '.join(sorted(self.sources))}"
            )
        return [f for f in self.files.values() if f.source == source]


@functools.cache
def load_registry(path: Path = REGISTRY_PATH) -> Registry:
    """Parse the registry TOML (cached; it ships with the package)."""
    with path.open("rb") as fh:
        raw = tomllib.load(fh)
    keys = {"name", "publisher", "version", "code_system", "licence", "citation", "official_url"}
    sources = {}
    for sid, table in raw["sources"].items():
        sources[sid] = Source(id=sid, **{k: str(table[k]) for k in keys},
                              extra={k: v for k, v in table.items() if k not in keys})
    files = {
        f["path"]: FileEntry(path=f["path"], source=f["source"], sha256=f["sha256"],
                             size=int(f["size"]), url=f["url"], mirror=f.get("mirror", ""),
                             rows=int(f["rows"]) if "rows" in f else None)
        for f in raw["files"]
    }
    lo, hi = raw.get("row_tolerance", (0.8, 1.5))
    return Registry(sources=sources, files=files, row_tolerance=(float(lo), float(hi)))


def cache_root() -> Path:
    """Where neijuan caches downloads and builds: ``$NEIJUAN_CACHE_DIR``, else the XDG cache."""
    env = os.environ.get(CACHE_ENV_VAR)
    if env:
        return Path(env).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg).expanduser() if xdg else Path.home() / ".cache"
    return base / "neijuan"


def default_fetch_dir() -> Path:
    """Where ``neijuan data fetch`` puts the files when no ``--data-dir`` is given."""
    return cache_root() / "data"


def resolve_data_dir(explicit: str | os.PathLike[str] | None = None) -> Path:
    """The data folder: ``explicit`` > ``$NEIJUAN_DATA_DIR`` > ``../shared/data`` > fetch cache.

    Raises :class:`DataError` naming what was tried when none exists.
    """
    found = find_data_dir(explicit)
    if found is None:
        fetched = default_fetch_dir()
        if fetched.is_dir():
            return fetched
        raise DataError(
            f"no data folder: pass --data-dir, set {ENV_VAR}, or run 'neijuan data fetch' "
            f"(which fills {fetched})"
        )
    if not found.is_dir():
        origin = "--data-dir" if explicit is not None else ENV_VAR
        raise DataError(f"{found}: data folder given by {origin} does not exist")
    return found


def sha256_file(path: Path, chunk: int = 1 << 20) -> str:
    """Hex SHA-256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while block := fh.read(chunk):
            digest.update(block)
    return digest.hexdigest()
