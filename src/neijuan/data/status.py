"""What is in a data folder, against the registry: present, size, checksum, version."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from neijuan.data.registry import Registry, load_registry, resolve_data_dir, sha256_file


@dataclass(frozen=True)
class FileStatus:
    """One registry file in one folder.

    ``state``: 'ok' (checksum matches), 'mismatch' (present, different bytes: another release or a
    damaged copy), 'missing', or 'present' (not verified: ``verify=False`` and the size matches).
    """

    path: str
    source: str
    version: str
    state: str
    size: int | None
    sha256: str | None
    expected_sha256: str


def data_status(data_dir: str | os.PathLike[str] | None = None, *, verify: bool = True,
                registry: Registry | None = None) -> tuple[Path, list[FileStatus]]:
    """The resolved data folder and the status of every registry file in it."""
    registry = registry or load_registry()
    folder = resolve_data_dir(data_dir)
    out: list[FileStatus] = []
    for entry in registry.files.values():
        path = folder / entry.path
        version = registry.sources[entry.source].version
        if not path.is_file():
            out.append(FileStatus(entry.path, entry.source, version, "missing", None, None,
                                  entry.sha256))
            continue
        size = path.stat().st_size
        if verify:
            sha = sha256_file(path)
            state = "ok" if sha == entry.sha256 else "mismatch"
        else:
            sha = None
            state = "present" if size == entry.size else "mismatch"
        out.append(FileStatus(entry.path, entry.source, version, state, size, sha, entry.sha256))
    return folder, out
