"""A verified on-disk cache of embedding vectors, keyed by the exact texts embedded and the model.

Why: ``neijuan assess`` answers in well under a second only if every vector an answer may need
(each occupation's passage, each O*NET task statement) exists before the first answer. Computing
them takes minutes, so they live in the user cache (derived from the data files: never in the
repository), and a stale, partial or corrupt file must never be used.

* The key hashes the kind, the model's identity and every text, in order: a change of data
  (any text) or of model gives a new key, so a new file; once it is complete, files of older keys
  are removed but for the most recently used other one.
* ``{kind}-{key16}.npy`` holds the vectors (float32, one row per text); ``{kind}-{key16}.json``,
  written after it, records the key, the rows, the width and the SHA-256 of the ``.npy`` bytes.
  A file whose manifest is missing or unreadable, whose bytes do not hash to the manifest's, or
  whose array has another shape, dtype or a non-finite value, is rebuilt.
* While building, ``{kind}-{key16}.parts/`` holds chunks named ``{start:06d}-{sha12}.npy``,
  each written atomically and checked against its name's hash, so an interrupted build resumes
  where it stopped.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

F32 = NDArray[np.float32]
Embed = Callable[[list[str]], Any]
Progress = Callable[[str, int, int], None]  # (what, done, total)
FORMAT = "neijuan-embed-cache-v1"
KEEP = 2  # files (keys) kept per kind


@dataclass(frozen=True)
class CacheReport:
    """What loading one kind of vectors did, for the CLI and the benchmark."""

    kind: str
    rows: int
    status: str      # "loaded", "built", or "rebuilt (<why the old file was refused>)"
    seconds: float


def cache_key(kind: str, model_id: str, texts: list[str]) -> str:
    """SHA-256 over the format, the kind, the model and every text (length-prefixed)."""
    h = hashlib.sha256(f"{FORMAT}\0{kind}\0{model_id}\0{len(texts)}\0".encode())
    for t in texts:
        b = t.encode("utf-8")
        h.update(len(b).to_bytes(4, "little"))
        h.update(b)
    return h.hexdigest()


def load_or_build(folder: Path, kind: str, texts: list[str], model_id: str, embed: Embed, *,
                  progress: Progress | None = None, batch: int = 128,
                  chunk: int = 1024) -> tuple[F32, CacheReport]:
    """The vectors of ``texts`` (rows in order) from the verified cache, built when absent or bad."""
    t0 = time.perf_counter()
    key = cache_key(kind, model_id, texts)
    stem = folder / f"{kind}-{key[:16]}"
    vecs, why = read_verified(stem, key, len(texts))
    if vecs is not None:
        _touch(stem.with_suffix(".json"))  # most recently used: kept by _prune
        return vecs, CacheReport(kind, len(texts), "loaded", time.perf_counter() - t0)
    vecs = _build(stem, texts, embed, kind=kind, progress=progress, batch=batch, chunk=chunk)
    _write(stem, key, model_id, vecs)
    _prune(folder, kind, keep=stem.name)
    status = "built" if why == "absent" else f"rebuilt ({why})"
    return vecs, CacheReport(kind, len(texts), status, time.perf_counter() - t0)


def read_verified(stem: Path, key: str, rows: int) -> tuple[F32 | None, str]:
    """(vectors, "ok") when the file is complete and intact, else (None, why it is refused)."""
    npy, man = stem.with_suffix(".npy"), stem.with_suffix(".json")
    if not npy.is_file() and not man.is_file():
        return None, "absent"
    try:
        meta = json.loads(man.read_text("utf-8"))
        data = npy.read_bytes()
    except (OSError, ValueError) as exc:
        return None, f"unreadable: {type(exc).__name__}"
    if not isinstance(meta, dict) or meta.get("format") != FORMAT or meta.get("key") != key:
        return None, "manifest does not match"
    if hashlib.sha256(data).hexdigest() != meta.get("sha256"):
        return None, "checksum mismatch"
    arr, why = _parse(data, rows, meta.get("dim"))
    return arr, why


def _parse(data: bytes, rows: int, dim: Any = None) -> tuple[F32 | None, str]:
    try:
        arr = np.load(io.BytesIO(data), allow_pickle=False)
    except (OSError, ValueError, EOFError) as exc:
        return None, f"not an array: {type(exc).__name__}"
    if arr.dtype != np.float32 or arr.ndim != 2 or arr.shape[0] != rows:
        return None, f"shape {arr.shape} {arr.dtype}, expected ({rows}, ...) float32"
    if dim is not None and arr.shape[1] != dim:
        return None, f"width {arr.shape[1]}, expected {dim}"
    if not np.isfinite(arr).all():
        return None, "non-finite values"
    return arr, "ok"


def _npy_bytes(arr: F32) -> bytes:
    buf = io.BytesIO()
    np.save(buf, np.ascontiguousarray(arr, dtype=np.float32), allow_pickle=False)
    return buf.getvalue()


def _write_bytes(target: Path, data: bytes) -> None:
    from neijuan.atomic import atomic_path

    with atomic_path(target) as tmp:
        tmp.write_bytes(data)


def _build(stem: Path, texts: list[str], embed: Embed, *, kind: str, progress: Progress | None,
           batch: int, chunk: int) -> F32:
    """Embed in chunks saved as they complete (valid chunks of an earlier try are reused)."""
    parts = stem.with_suffix(".parts")
    parts.mkdir(parents=True, exist_ok=True)
    n = len(texts)
    out: list[F32] = []
    done = 0
    if progress is not None:
        progress(kind, 0, n)
    for start in range(0, n, chunk):
        rows = min(chunk, n - start)
        arr = _read_chunk(parts, start, rows)
        if arr is None:
            pieces = []
            for b in range(start, start + rows, batch):
                stop = min(b + batch, start + rows)
                pieces.append(np.atleast_2d(np.asarray(embed(texts[b:stop]), dtype=np.float32)))
                if progress is not None and stop < start + rows:
                    progress(kind, done + stop - start, n)
            arr = np.concatenate(pieces) if pieces else np.zeros((0, 0), np.float32)
            data = _npy_bytes(arr)
            _write_bytes(parts / f"{start:06d}-{hashlib.sha256(data).hexdigest()[:12]}.npy", data)
        out.append(arr)
        done += rows
        if progress is not None:
            progress(kind, done, n)
    if not out:
        return np.zeros((0, 0), np.float32)
    return np.concatenate(out)


def _read_chunk(parts: Path, start: int, rows: int) -> F32 | None:
    for f in sorted(parts.glob(f"{start:06d}-*.npy")):
        try:
            data = f.read_bytes()
        except OSError:
            continue
        if hashlib.sha256(data).hexdigest()[:12] == f.stem.split("-", 1)[1]:
            arr, _ = _parse(data, rows)
            if arr is not None:
                return arr
        f.unlink(missing_ok=True)  # corrupt or of another layout: never used
    return None


def _write(stem: Path, key: str, model_id: str, vecs: F32) -> None:
    data = _npy_bytes(vecs)
    _write_bytes(stem.with_suffix(".npy"), data)
    meta = {"format": FORMAT, "key": key, "model": model_id, "rows": int(vecs.shape[0]),
            "dim": int(vecs.shape[1]) if vecs.ndim == 2 else 0,
            "sha256": hashlib.sha256(data).hexdigest()}
    _write_bytes(stem.with_suffix(".json"), (json.dumps(meta, indent=1) + "\n").encode())
    shutil.rmtree(stem.with_suffix(".parts"), ignore_errors=True)


def _touch(path: Path) -> None:
    with contextlib.suppress(OSError):  # a read-only cache is still usable
        path.touch(exist_ok=True)


def _prune(folder: Path, kind: str, keep: str, newest: int = KEEP) -> None:
    """Remove the files of older keys of this kind (a data or model change left them behind),
    keeping the ``newest`` most recently used (two data folders used in turn do not evict each
    other's vectors at every switch)."""
    stems: dict[str, float] = {}
    for p in folder.glob(f"{kind}-*"):
        stem = p.name.split(".", 1)[0]
        try:
            used = p.stat().st_mtime if p.suffix == ".json" else 0.0
        except OSError:
            used = 0.0
        stems[stem] = max(stems.get(stem, 0.0), used)
    ranked = sorted((s for s in stems if s != keep), key=lambda s: -stems[s])
    for stem in ranked[newest - 1:]:
        for p in folder.glob(f"{stem}.*"):
            if p.is_dir():
                shutil.rmtree(p, ignore_errors=True)
            else:
                p.unlink(missing_ok=True)
