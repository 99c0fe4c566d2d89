"""A build cache keyed on the checksums of its inputs (and of the code that builds from them).

A build writes its tables (Parquet, or any file) into a folder under the cache root, with a
``manifest.json`` recording the SHA-256 of every input file and a *salt* (a hash of the package
files that shape the build). The cache is valid while the key computed now equals the recorded one.

Computing SHA-256 of ~60 MB of inputs on every ``neijuan atlas show`` would cost more than the
command's whole budget, so the check has a fast path, as make and ccache do: an input whose size and
modification time are unchanged keeps its recorded checksum; only changed files are re-hashed.
``verify=True`` re-hashes everything.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from neijuan.data.registry import cache_root, load_registry, sha256_file
from neijuan.errors import DataError

MANIFEST = "manifest.json"


def files_salt(paths: Iterable[Path], extra: str = "") -> str:
    """Hash of the bytes of ``paths`` (the code and rule files of a build) plus ``extra``."""
    digest = hashlib.sha256(extra.encode())
    for p in sorted(paths):
        digest.update(p.name.encode())
        digest.update(p.read_bytes())
    return digest.hexdigest()[:16]


@dataclass(frozen=True)
class InputState:
    """What the manifest remembers about one input file."""

    size: int
    mtime_ns: int
    sha256: str


class BuildCache:
    """One named build (e.g. ``atlas``) of one data folder, stored under the cache root."""

    def __init__(self, name: str, data_dir: Path, inputs: Sequence[str], salt: str,
                 root: Path | None = None) -> None:
        self.name = name
        self.data_dir = data_dir.resolve()
        self.inputs = tuple(inputs)
        self.salt = salt
        tag = hashlib.sha256(str(self.data_dir).encode()).hexdigest()[:12]
        self.folder = (root or cache_root()) / name / tag

    # ---------------------------------------------------------------------------------- keys
    def _manifest(self) -> dict[str, Any] | None:
        path = self.folder / MANIFEST
        try:
            return dict(json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError):
            return None

    def input_states(self, verify: bool = False) -> dict[str, InputState]:
        """Size, mtime and SHA-256 of every input (recorded checksum reused when unchanged)."""
        old = (self._manifest() or {}).get("inputs", {}) if not verify else {}
        states: dict[str, InputState] = {}
        for rel in self.inputs:
            path = self.data_dir / rel
            try:
                st = path.stat()
            except OSError:
                raise DataError(f"{path}: input file not found (run 'neijuan data status' to see "
                                f"what is missing)") from None
            prev = old.get(rel)
            if prev and prev.get("size") == st.st_size and prev.get("mtime_ns") == st.st_mtime_ns:
                sha = str(prev["sha256"])
            elif verify:
                sha = sha256_file(path)
            else:
                from neijuan.data.verify import cached_sha256

                sha = cached_sha256(path, st)
            states[rel] = InputState(size=st.st_size, mtime_ns=st.st_mtime_ns, sha256=sha)
        return states

    def key(self, states: dict[str, InputState]) -> str:
        """The cache key: the salt plus every input's checksum."""
        digest = hashlib.sha256(self.salt.encode())
        for rel in self.inputs:
            digest.update(rel.encode())
            digest.update(states[rel].sha256.encode())
        return digest.hexdigest()

    def is_valid(self, verify: bool = False) -> bool:
        """True when the stored build matches the inputs and code as they are now."""
        manifest = self._manifest()
        if manifest is None:
            return False
        try:
            states = self.input_states(verify=verify)
        except DataError:
            return False
        return manifest.get("key") == self.key(states)

    def path(self, filename: str) -> Path:
        """Where the build's file ``filename`` lives."""
        return self.folder / filename

    def manifest(self) -> dict[str, Any]:
        """The stored manifest (provenance of the build), or an empty dict."""
        return self._manifest() or {}

    # -------------------------------------------------------------------------------- writes
    def commit(self, states: dict[str, InputState], extra: dict[str, Any]) -> dict[str, Any]:
        """Record a finished build: written last, so a half-written build is never valid."""
        from datetime import UTC, datetime

        from neijuan.atomic import write_json

        registry = load_registry()
        inputs = {}
        for rel, s in states.items():
            entry = registry.files.get(rel)
            src = registry.sources.get(entry.source) if entry else None
            inputs[rel] = {
                "size": s.size, "mtime_ns": s.mtime_ns, "sha256": s.sha256,
                "source": entry.source if entry else None,
                "version": src.version if src else None,
                "matches_registry": bool(entry and entry.sha256 == s.sha256),
            }
        manifest = {"name": self.name, "key": self.key(states), "salt": self.salt,
                    "data_dir": str(self.data_dir),
                    "built_at": datetime.now(UTC).isoformat(timespec="seconds"),
                    "inputs": inputs, **extra}
        write_json(self.folder / MANIFEST, manifest)
        return manifest

    def clear(self) -> None:
        """Remove the stored build (used by ``refresh``)."""
        import shutil

        manifest = self.folder / MANIFEST
        if manifest.exists():
            manifest.unlink()
        if self.folder.exists():
            shutil.rmtree(self.folder, ignore_errors=True)
