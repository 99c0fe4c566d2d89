"""Atomic writes: a result file, or a whole result folder, is either complete or absent."""

from __future__ import annotations

import contextlib
import errno
import json
import os
import shlex
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any


@contextlib.contextmanager
def atomic_path(target: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; rename it over ``target`` only on success."""
    target = Path(target)
    if target.is_dir() or (target.exists() and not target.is_file()):
        # never replace a folder or a device (``/dev/null``) by a file
        raise _error(f"{target}: exists and is not a regular file; name a file to write")
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        # mkstemp makes the file private (0600); a result is as readable as any file the user
        # writes (0666 less the umask)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp_path, 0o666 & ~umask)
        os.replace(tmp_path, target)
    finally:
        if tmp_path.exists():
            tmp_path.unlink()


def write_json(target: str | os.PathLike[str], obj: Any) -> Path:
    """Write ``obj`` as indented UTF-8 JSON, atomically."""
    with atomic_path(target) as tmp:
        tmp.write_text(json.dumps(obj, indent=2, ensure_ascii=False, default=str) + "\n",
                       encoding="utf-8")
    return Path(target)


def write_parquet(target: str | os.PathLike[str], frame: Any) -> Path:
    """Write a Polars DataFrame as Parquet (zstd), atomically."""
    with atomic_path(target) as tmp:
        frame.write_parquet(tmp, compression="zstd")
    return Path(target)


# ------------------------------------------------------------------------------------ folders
#
# A result folder (``simulate --out``, ``ads analyze --out``) appears whole or not at all: it is
# written into a temporary sibling, a manifest listing every file (bytes, rows, SHA-256), the
# command and the code version is written last, and the sibling is renamed into place. An older
# result in the way is swapped out in one step (``renameat2(RENAME_EXCHANGE)`` on Linux; two
# renames elsewhere, recovered on the next run) and only then deleted. Readers call
# :func:`read_manifest` and refuse a folder without one.

MANIFEST_NAME = "neijuan-manifest.json"
MANIFEST_SCHEMA = 1
_TMP_TAG = ".neijuan-tmp-"
_OLD_TAG = ".neijuan-old-"


def _error(message: str) -> Exception:
    from neijuan.errors import DataError

    return DataError(message)


def _pid_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's live process
        return True
    return True


def _sibling_pid(name: str, tag: str) -> int | None:
    """The pid written in a temporary sibling's name (``.out.neijuan-tmp-PID-xxxx``)."""
    try:
        return int(name.split(tag, 1)[1].split("-", 1)[0])
    except (IndexError, ValueError):
        return None


def clean_leftovers(target: str | os.PathLike[str]) -> list[Path]:
    """Remove temporary siblings of ``target`` left by a run that died (its pid is gone).

    A run killed between the two renames of the portable swap leaves the old result beside an
    absent target; it is put back rather than deleted. Returns what was removed or restored.
    """
    import shutil

    target = Path(target)
    parent = target.parent
    if not parent.is_dir():
        return []
    done: list[Path] = []
    for tag in (_OLD_TAG, _TMP_TAG):
        for entry in sorted(parent.glob(f".{glob_escape(target.name)}{tag}*")):
            pid = _sibling_pid(entry.name, tag)
            if pid is None or _pid_alive(pid):
                continue
            if tag == _OLD_TAG and not target.exists() and (entry / MANIFEST_NAME).is_file():
                os.rename(entry, target)  # the swap died half-way: the old result is whole
            else:
                shutil.rmtree(entry, ignore_errors=True)
            done.append(entry)
    return done


def glob_escape(name: str) -> str:
    """``name`` with glob metacharacters escaped."""
    import glob

    return glob.escape(name)


def check_out_location(target: str | os.PathLike[str], option: str = "--out") -> Path:
    """The part of :func:`check_out_dir` for commands that add files to a folder (``ads trends
    --out``): refuse the root, the home folder, a non-folder and a place no folder can be made."""
    raw = os.fspath(target)
    if raw.strip() == "":
        raise _error(f"{option} is empty: name a folder")
    path = Path(raw).expanduser()
    resolved = path.resolve()
    if resolved == Path(resolved.anchor):
        raise _error(f"{option} {raw}: refusing to write into the file-system root")
    if resolved == Path.home().resolve():
        raise _error(f"{option} {raw}: refusing to write into the home folder; name a folder "
                     f"inside it")
    if path.exists() and not path.is_dir():
        raise _error(f"{option} {raw}: exists and is not a folder; name a folder")
    probe = path if path.is_dir() else resolved.parent
    while not probe.exists():
        probe = probe.parent
    try:
        os.rmdir(tempfile.mkdtemp(prefix=".neijuan-probe-", dir=probe))
    except OSError as exc:
        raise _error(f"{option} {raw}: cannot write in {probe} ({exc.strerror or exc})") from None
    return path


def check_out_dir(target: str | os.PathLike[str], *, kind: str, overwrite: bool = False,
                  option: str = "--out") -> Path:
    """Refuse an output folder that must not be written, before any work is done.

    Refused: the file-system root, the home folder, the current folder or one above it, anything
    that exists and is not a folder (a file, ``/dev/null``), a folder whose parent cannot be
    created or written, a non-empty folder without a neijuan manifest, and a folder holding
    another command's result (``kind`` differs); the last two are allowed with ``overwrite``.
    A folder holding an earlier result of the same kind is replaced whole. Returns the path.
    """
    raw = os.fspath(target)
    if raw.strip() == "":
        raise _error(f"{option} is empty: name the folder to write the results into")
    path = Path(raw).expanduser()
    resolved = path.resolve()
    home = Path.home().resolve()
    cwd = Path.cwd().resolve()
    if resolved == Path(resolved.anchor):
        raise _error(f"{option} {raw}: refusing to write into the file-system root")
    if resolved == home:
        raise _error(f"{option} {raw}: refusing to write into the home folder; name a folder "
                     f"inside it")
    if resolved == cwd or resolved in cwd.parents:
        raise _error(f"{option} {raw}: refusing to replace the current folder or one above it; "
                     f"name a new folder")
    if path.exists() or path.is_symlink():
        if not path.is_dir():
            what = "a file" if path.is_file() else "not a folder (a device, a link or a socket)"
            raise _error(f"{option} {raw}: exists and is {what}; name a folder")
        manifest = _load_manifest_json(path)
        if manifest is None:
            try:
                entries = [e for e in path.iterdir()]
            except OSError as exc:
                raise _error(f"{option} {raw}: cannot read the folder ({exc.strerror})") from None
            if entries and not overwrite:
                raise _error(f"{option} {raw}: the folder is not empty and was not written by "
                             f"neijuan (no {MANIFEST_NAME}); pass --overwrite to replace it "
                             f"whole, or name a new folder")
        elif manifest.get("kind") != kind and not overwrite:
            raise _error(f"{option} {raw}: holds a neijuan {manifest.get('kind')!r} result, "
                         f"not {kind!r}; pass --overwrite to replace it, or name another folder")
        if not os.access(path, os.W_OK | os.X_OK):
            raise _error(f"{option} {raw}: the folder is not writable")
    # the parent must be (or become) a writable folder
    parent = resolved.parent
    probe = parent
    while not probe.exists():
        probe = probe.parent
    if not probe.is_dir():
        raise _error(f"{option} {raw}: {probe} is not a folder")
    try:  # a real probe: os.access says yes to root even where nothing can be created (/proc)
        os.rmdir(tempfile.mkdtemp(prefix=".neijuan-probe-", dir=probe))
    except OSError as exc:
        raise _error(f"{option} {raw}: cannot create a folder in {probe} "
                     f"({exc.strerror or exc})") from None
    return path


def _load_manifest_json(folder: Path) -> dict[str, Any] | None:
    try:
        data = json.loads((folder / MANIFEST_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _rows_of(path: Path) -> int | None:
    """Rows of a written table: Parquet from its footer, CSV by its lines (header excluded)."""
    suffix = path.suffix.lower()
    try:
        if suffix == ".parquet":
            import pyarrow.parquet as pq

            return int(pq.ParquetFile(path).metadata.num_rows)
        if suffix in (".csv", ".tsv"):
            import polars as pl

            return int(pl.scan_csv(path, infer_schema_length=0).select(pl.len()).collect().item())
    except Exception:  # not a table after all: the manifest still lists bytes and checksum
        return None
    return None


def _sha256(path: Path) -> str:
    import hashlib

    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while block := fh.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _exchange(a: Path, b: Path) -> bool:
    """Swap two folders in one step (Linux ``renameat2``); False where not supported."""
    if not sys.platform.startswith("linux"):
        return False
    import ctypes

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        fn = libc.renameat2
    except (OSError, AttributeError):
        return False
    fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    at_fdcwd, rename_exchange = -100, 2
    if fn(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP):
        return False
    raise OSError(err, os.strerror(err), str(b))


def command_line() -> str:
    """The command as typed (``neijuan simulate ...``), for a manifest."""
    name = Path(sys.argv[0]).name if sys.argv else ""
    if not name or name in ("-c", "-m", "cli.py", "__main__.py") or name.startswith("python"):
        name = "neijuan"  # run through ``python -c``/``-m`` or the API: name the program
    args = [name, *sys.argv[1:]]
    return " ".join(shlex.quote(a) for a in args)


@contextlib.contextmanager
def atomic_folder(target: str | os.PathLike[str], *, kind: str, overwrite: bool = False,
                  command: str | None = None, meta: dict[str, Any] | None = None,
                  option: str = "--out") -> Iterator[Path]:
    """Yield an empty temporary folder beside ``target``; on success write its manifest and
    rename it into place (replacing an older result whole); on failure remove it.

    ``kind`` names the command's result (``simulation``, ``ads-analysis``); ``meta`` is stored in
    the manifest as is (e.g. the data check). The guard of :func:`check_out_dir` runs first.
    """
    import shutil
    from datetime import UTC, datetime

    from neijuan.provenance import code_version

    path = check_out_dir(target, kind=kind, overwrite=overwrite, option=option)
    path.parent.mkdir(parents=True, exist_ok=True)
    clean_leftovers(path)
    stage = Path(tempfile.mkdtemp(prefix=f".{path.name}{_TMP_TAG}{os.getpid()}-",
                                  dir=path.parent))
    try:
        yield stage
        files: dict[str, dict[str, Any]] = {}
        for item in sorted(stage.rglob("*")):
            if item.is_file():
                rel = item.relative_to(stage).as_posix()
                files[rel] = {"bytes": item.stat().st_size, "sha256": _sha256(item),
                              "rows": _rows_of(item)}
                _fsync(item)
        manifest = {"neijuan_manifest": MANIFEST_SCHEMA, "kind": kind,
                    "command": command if command is not None else command_line(),
                    "version": code_version(),
                    "created_utc": datetime.now(UTC).isoformat(timespec="seconds"),
                    "files": files, **({"meta": meta} if meta else {})}
        (stage / MANIFEST_NAME).write_text(
            json.dumps(manifest, indent=2, ensure_ascii=False, default=str) + "\n",
            encoding="utf-8")
        _fsync(stage / MANIFEST_NAME)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(stage, 0o777 & ~umask)  # mkdtemp makes it private
        for item in stage.rglob("*"):
            os.chmod(item, (0o777 if item.is_dir() else 0o666) & ~umask)
        if path.exists():
            # re-check: a folder that appeared while the run was going is refused the same way
            check_out_dir(path, kind=kind, overwrite=overwrite, option=option)
            if _exchange(stage, path):
                shutil.rmtree(stage, ignore_errors=True)  # now holds the old result
            else:
                old = path.parent / f".{path.name}{_OLD_TAG}{os.getpid()}-{stage.name[-8:]}"
                os.rename(path, old)
                os.rename(stage, path)
                shutil.rmtree(old, ignore_errors=True)
        else:
            os.rename(stage, path)
        _fsync(path.parent)
    finally:
        if stage.exists():
            shutil.rmtree(stage, ignore_errors=True)


def read_manifest(folder: str | os.PathLike[str], kind: str | None = None, *,
                  checksums: bool = False, what: str = "folder") -> dict[str, Any]:
    """The manifest of a result folder, after checking the folder is whole.

    Refuses (``DataError``) a missing folder, a file, a folder without a manifest (not written
    by neijuan, or by a version before manifests), a result of another ``kind``, and a folder
    whose listed files are missing or have another size (or checksum, with ``checksums``).
    """
    path = Path(folder)
    if not path.exists():
        raise _error(f"{path}: no such {what}")
    if not path.is_dir():
        raise _error(f"{path}: is a file, not a {what} written by neijuan")
    manifest = _load_manifest_json(path)
    if manifest is None:
        if (path / MANIFEST_NAME).exists():
            raise _error(f"{path}: its {MANIFEST_NAME} is unreadable or damaged; run the command "
                         f"again to rewrite the folder")
        raise _error(f"{path}: not a {what} written by neijuan (no {MANIFEST_NAME}); it may be "
                     f"incomplete or from an older version: run the command again")
    if manifest.get("neijuan_manifest") != MANIFEST_SCHEMA or not isinstance(
            manifest.get("files"), dict):
        raise _error(f"{path}: {MANIFEST_NAME} has an unknown layout "
                     f"(schema {manifest.get('neijuan_manifest')!r}, expected {MANIFEST_SCHEMA})")
    if kind is not None and manifest.get("kind") != kind:
        raise _error(f"{path}: holds a neijuan {manifest.get('kind')!r} result, not {kind!r}")
    for rel, entry in manifest["files"].items():
        item = path / rel
        if not item.is_file():
            raise _error(f"{path}: incomplete: {rel} listed in {MANIFEST_NAME} is missing")
        size = item.stat().st_size
        if size != entry.get("bytes"):
            raise _error(f"{path}: {rel} has {size:,} bytes, {MANIFEST_NAME} says "
                         f"{entry.get('bytes')}: changed or damaged since it was written")
        if checksums and _sha256(item) != entry.get("sha256"):
            raise _error(f"{path}: {rel} does not match its SHA-256 in {MANIFEST_NAME}: changed "
                         f"or damaged since it was written")
    return manifest
