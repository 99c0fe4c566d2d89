"""Inputs verified before use: every data file a command reads is checked against the registry.

A file whose size or SHA-256 differs from ``registry.toml`` (a cut download, flipped bytes, a newer
release) is refused with an error naming it, unless the user allows it (``--allow-modified-data``,
or ``NEIJUAN_ALLOW_MODIFIED_DATA=1``) or the data folder declares itself a release of its own (a
``neijuan-release.toml`` naming it). A file used that way is flagged in every result's provenance
and on screen, and passes structural checks instead, which catch what a checksum cannot vouch for:
every record as wide as the header (a truncated last line), a row count within a range of the
registry release's, an Excel workbook whose zip is whole. Coverage floors per join are checked by
the atlas after it is built (:func:`neijuan.atlas.store.check_coverage_floors`).

Checksums are cached by (path, size, mtime) under the cache root, so a warm run costs a few
``stat`` calls. Standard library only: ``neijuan atlas show`` must stay fast.
"""

from __future__ import annotations

import contextlib
import json
import os
import stat
import threading
import tomllib
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from neijuan.data.registry import Registry, cache_root, load_registry, sha256_file
from neijuan.errors import DataError

ENV_ALLOW = "NEIJUAN_ALLOW_MODIFIED_DATA"
RELEASE_FILE = "neijuan-release.toml"
HASH_CACHE = "verified-files.json"
TEXT_SUFFIXES = (".txt", ".csv", ".tsv")
ZIP_SUFFIXES = (".xlsx", ".xlsm", ".zip")

_allow_flag: bool | None = None
_lock = threading.Lock()
_warned: set[str] = set()


class ModifiedDataWarning(UserWarning):
    """A data file that differs from the registry is being used (allowed by the user)."""


def set_allow_modified(value: bool | None) -> None:
    """Allow (True), refuse (False) or defer to ``$NEIJUAN_ALLOW_MODIFIED_DATA`` (None)."""
    global _allow_flag
    _allow_flag = value


def allow_modified() -> bool:
    """Whether files that differ from the registry may be used (flagged) in this process."""
    if _allow_flag is not None:
        return _allow_flag
    return os.environ.get(ENV_ALLOW, "").strip().lower() in ("1", "true", "yes", "on")


@dataclass(frozen=True)
class FileCheck:
    """One input against the registry: ``ok`` (same bytes) or ``modified``."""

    path: str
    state: str
    size: int
    expected_size: int
    sha256: str | None
    expected_sha256: str


@dataclass(frozen=True)
class DataCheck:
    """The inputs of one command: which match the registry, and on what grounds others are used.

    ``mode`` is ``registry`` (every file verified), ``allowed`` (``--allow-modified-data``) or
    ``release`` (the folder's own ``neijuan-release.toml``).
    """

    folder: Path
    files: tuple[FileCheck, ...]
    mode: str = "registry"
    release: dict[str, Any] = field(default_factory=dict)

    @property
    def modified(self) -> list[str]:
        return [f.path for f in self.files if f.state != "ok"]

    @property
    def verified(self) -> bool:
        return not self.modified

    def as_dict(self) -> dict[str, Any]:
        """For provenance: status, the files that differ, the release named by the user."""
        out: dict[str, Any] = {"status": "verified" if self.verified else
                               ("user-release" if self.mode == "release" else "modified-allowed"),
                               "files_checked": len(self.files), "modified": self.modified}
        if self.release:
            out["release"] = {k: v for k, v in self.release.items() if k != "files"}
        return out

    def note(self) -> str | None:
        """One line for the screen, or None when every file matches the registry."""
        if self.verified:
            return None
        files = ", ".join(self.modified[:4]) + (" ..." if len(self.modified) > 4 else "")
        if self.mode == "release":
            name = self.release.get("name", "unnamed")
            return (f"using the data release {name!r} declared in {self.folder / RELEASE_FILE}: "
                    f"{len(self.modified)} file(s) differ from the registry ({files}); results "
                    f"are flagged")
        return (f"using MODIFIED data (--allow-modified-data): {len(self.modified)} file(s) "
                f"differ from the registry ({files}); results are flagged")


# ----------------------------------------------------------------------------- checksum cache


def _cache_file() -> Path:
    return cache_root() / HASH_CACHE


def _load_hash_cache() -> dict[str, Any]:
    try:
        data = json.loads(_cache_file().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _save_hash_cache(cache: dict[str, Any]) -> None:
    from neijuan.atomic import write_json

    with contextlib.suppress(OSError):  # a read-only cache folder costs speed, not correctness
        write_json(_cache_file(), cache)


def cached_sha256(path: Path, st: os.stat_result | None = None,
                  cache: dict[str, Any] | None = None) -> str:
    """SHA-256 of ``path``, reused while its size and mtime are those recorded."""
    st = st or path.stat()
    own = cache is None
    cache = _load_hash_cache() if cache is None else cache
    key = os.path.abspath(path)  # not resolve(): a symlink walk per file costs more than this
    prev = cache.get(key)
    if isinstance(prev, dict) and prev.get("size") == st.st_size and \
            prev.get("mtime_ns") == st.st_mtime_ns:
        return str(prev["sha256"])
    sha = sha256_file(path)
    cache[key] = {"size": st.st_size, "mtime_ns": st.st_mtime_ns, "sha256": sha}
    if own:
        _save_hash_cache(cache)
    return sha


# ---------------------------------------------------------------------------------- releases


def read_release(folder: Path) -> dict[str, Any] | None:
    """The folder's ``neijuan-release.toml``, if any: ``name`` (required), ``version``,
    ``description``, and per file ``[files."REL"]`` an expected ``rows`` and ``sha256``."""
    path = folder / RELEASE_FILE
    if not path.is_file():
        return None
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError, RecursionError) as exc:
        raise DataError(f"{path}: not a valid release file ({exc.__class__.__name__}: {exc})") \
            from None
    name = raw.get("name")
    if not isinstance(name, str) or not name.strip():
        raise DataError(f"{path}: must name the release: name = \"...\" (a string)")
    out: dict[str, Any] = {k: str(v) for k, v in raw.items()
                           if k in ("name", "version", "description")}
    files = raw.get("files", {})
    if not isinstance(files, dict):
        raise DataError(f"{path}: [files] must be a table of [files.\"folder/file\"] tables")
    declared: dict[str, dict[str, Any]] = {}
    for rel, spec in files.items():
        rows = spec.get("rows") if isinstance(spec, dict) else None
        sha = spec.get("sha256") if isinstance(spec, dict) else None
        if not isinstance(spec, dict) or (rows is not None and (
                isinstance(rows, bool) or not isinstance(rows, int) or rows < 0)) or \
                (sha is not None and not isinstance(sha, str)):
            raise DataError(f"{path}: [files.{rel!r}] may hold rows (a count >= 0) and sha256 "
                            f"(a string)")
        declared[rel] = {"rows": rows, "sha256": sha}
    out["files"] = declared
    return out


def count_rows(path: Path) -> int:
    """Records below the header of a text table, or rows of all sheets of a workbook."""
    if path.suffix.lower() in ZIP_SUFFIXES:
        return _zip_rows(path)
    return _text_rows(path)


def declare_release(folder: str | os.PathLike[str], name: str, version: str = "",
                    rels: Sequence[str] | None = None) -> Path:
    """Write ``neijuan-release.toml`` declaring the registry files present in ``folder`` (or
    ``rels``) as a release of the user's own, with each file's rows and SHA-256 as they are now.
    """
    from neijuan.atomic import atomic_path

    folder = Path(folder)
    registry = load_registry()
    rels = [r for r in registry.files if (folder / r).is_file()] if rels is None else list(rels)
    lines = [f"name = {json.dumps(name, ensure_ascii=False)}",
             f"version = {json.dumps(version, ensure_ascii=False)}", ""]
    for rel in rels:
        path = folder / rel
        lines.append(f"[files.{json.dumps(rel, ensure_ascii=False)}]")
        with contextlib.suppress(DataError):  # no table layout: declared by checksum only
            lines.append(f"rows = {count_rows(path)}")
        lines += [f"sha256 = \"{sha256_file(path)}\"", ""]
    target = folder / RELEASE_FILE
    with atomic_path(target) as tmp:
        tmp.write_text("\n".join(lines), encoding="utf-8")
    return target


# ------------------------------------------------------------------------------------ checks


def check_inputs(folder: str | os.PathLike[str], rels: Sequence[str], *,
                 allow: bool | None = None, registry: Registry | None = None) -> DataCheck:
    """Check ``rels`` (paths relative to ``folder``) against the registry, before they are read.

    Raises :class:`DataError` naming a missing file, a changed file (unless allowed or a release
    of the user's own), or a changed file that fails the structural checks. Warns
    (:class:`ModifiedDataWarning`, once per file and process) when a changed file is used.
    """
    folder = Path(folder)
    registry = registry or load_registry()
    allow = allow_modified() if allow is None else allow
    with _lock:
        cache = _load_hash_cache()
        before = len(cache), sum(hash(str(v)) for v in cache.values())
        checks: list[FileCheck] = []
        for rel in rels:
            entry = registry.file(rel)
            path = folder / rel
            try:
                st = path.stat()
            except OSError:
                raise DataError(f"{path}: file not found (run 'neijuan data status' to see what "
                                f"is missing, 'neijuan data fetch' to get it)") from None
            if not stat.S_ISREG(st.st_mode):
                raise DataError(f"{path}: not a file")
            sha = None
            if st.st_size == entry.size:
                sha = cached_sha256(path, st, cache)
            state = "ok" if sha == entry.sha256 else "modified"
            checks.append(FileCheck(rel, state, st.st_size, entry.size, sha, entry.sha256))
        if (len(cache), sum(hash(str(v)) for v in cache.values())) != before:
            _save_hash_cache(cache)
    result = DataCheck(folder=folder, files=tuple(checks))
    if result.verified:
        return result
    release = read_release(folder)
    if release is None and not allow:
        first = next(c for c in checks if c.state != "ok")
        detail = (f"{first.size:,} bytes, the registry's copy has {first.expected_size:,}"
                  if first.size != first.expected_size else
                  f"same size, different SHA-256 ({(first.sha256 or '')[:12]}..., registry "
                  f"{first.expected_sha256[:12]}...)")
        others = len(result.modified) - 1
        raise DataError(
            f"{folder / first.path}: changed since the data registry was written ({detail})"
            f"{f'; {others} other file(s) differ too' if others > 0 else ''}. Restore it with "
            f"'neijuan data fetch' (see 'neijuan data status'), or pass --allow-modified-data "
            f"(or set {ENV_ALLOW}=1) to use it anyway, with every result flagged")
    declared = (release or {}).get("files", {})
    for c in checks:
        if c.state == "ok":
            continue
        own = declared.get(c.path, {})
        if own.get("sha256") and own["sha256"] != (c.sha256 or sha256_file(folder / c.path)):
            raise DataError(f"{folder / c.path}: changed since the release "
                            f"{release.get('name')!r} was declared (its SHA-256 differs from "
                            f"{folder / RELEASE_FILE})" if release else "")
        expected = own.get("rows") if own.get("rows") is not None else \
            registry.files[c.path].rows
        check_structure(folder / c.path, expected, registry.row_tolerance)
    result = DataCheck(folder=folder, files=tuple(checks),
                       mode="release" if release is not None else "allowed",
                       release=release or {})
    note = result.note()
    key = f"{folder}:{','.join(result.modified)}"
    if note and key not in _warned:
        _warned.add(key)
        # explicit, without a registry: Python would show a repeated text once per process,
        # and every result must say it (deduplicated above per folder and files instead)
        warnings.warn_explicit(note, ModifiedDataWarning, __file__, 0, module=__name__,
                               registry=None)
    return result


def check_structure(path: Path, expected_rows: int | None,
                    tolerance: tuple[float, float] = (0.8, 1.5)) -> int:
    """Structural checks of a file the checksum does not vouch for; returns its row count.

    Delimited text: every record as wide as the header (a short last record is a truncated
    file), no quote left open. Excel: the zip and each member's CRC are whole. Both: rows within
    ``tolerance`` of the registry release's ``expected_rows``. A text file the registry records
    no row count for (its own copy is ragged) is not checked (-1).
    """
    suffix = path.suffix.lower()
    if suffix in ZIP_SUFFIXES:
        rows = _zip_rows(path)
    elif expected_rows is None:  # no layout recorded (the registry's own copy is ragged)
        return -1
    elif suffix in TEXT_SUFFIXES:
        rows = _text_rows(path)
    else:
        return -1
    if expected_rows:
        lo, hi = tolerance
        if not lo * expected_rows <= rows <= hi * expected_rows:
            raise DataError(
                f"{path}: {rows:,} rows, outside {lo:g}-{hi:g} x the {expected_rows:,} rows of "
                f"the registry's release: the file looks truncated, duplicated or of another "
                f"layout")
    return rows


def _text_rows(path: Path) -> int:
    import csv
    import io

    raw = path.read_bytes()
    if b"\x00" in raw[:65536]:
        raise DataError(f"{path}: binary content (NUL bytes) in a text table")
    text = raw.decode("utf-8", errors="replace")
    delimiter = "\t" if path.suffix.lower() in (".txt", ".tsv") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True,
                        quoting=csv.QUOTE_NONE if path.suffix.lower() == ".txt" else
                        csv.QUOTE_MINIMAL)
    try:
        header = next(reader, None)
        if header is None:
            raise DataError(f"{path}: the file is empty")
        width = len(header)
        rows = 0
        for record in reader:
            rows += 1
            if record and len(record) != width:
                raise DataError(
                    f"{path}: line {reader.line_num}: {len(record)} fields where the header has "
                    f"{width}: the file looks truncated or damaged")
    except csv.Error as exc:
        raise DataError(f"{path}: line {reader.line_num}: malformed ({exc}); the file looks "
                        f"truncated or damaged") from None
    return rows


def _zip_rows(path: Path) -> int:
    import zipfile

    try:
        with zipfile.ZipFile(path) as zf:
            bad = zf.testzip()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError) as exc:
        raise DataError(f"{path}: damaged workbook: not a whole zip archive ({exc})") from None
    except Exception as exc:  # zlib errors on a damaged deflate stream
        raise DataError(f"{path}: damaged workbook ({exc.__class__.__name__}: {exc})") from None
    if bad is not None:
        raise DataError(f"{path}: damaged workbook: member {bad} fails its CRC check")
    try:
        import fastexcel

        reader = fastexcel.read_excel(str(path))
        return sum(reader.load_sheet_by_name(s, header_row=None).height
                   for s in reader.sheet_names)
    except Exception as exc:  # fastexcel / calamine raise their own types
        raise DataError(f"{path}: not a readable Excel workbook "
                        f"({exc.__class__.__name__}: {exc})") from None
