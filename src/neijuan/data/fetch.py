"""Download the registry's files into a data folder, verifying each SHA-256.

Each file is streamed to a temporary file beside its target, hashed on the way, and renamed into
place only when its checksum matches the registry; a mismatch (a re-released or tampered file)
is refused and nothing is left behind. Files already present with the right checksum are kept.
The canonical layout (``<folder>/<file>``) is the layout of the project's shared data folder, so a
fetched folder and a copied one are interchangeable (``--data-dir`` / ``NEIJUAN_DATA_DIR``).
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from neijuan.data.registry import (
    FileEntry,
    Registry,
    default_fetch_dir,
    load_registry,
    sha256_file,
)
from neijuan.datadir import ENV_VAR
from neijuan.errors import DataError

TIMEOUT_S = 60.0


@dataclass(frozen=True)
class FetchResult:
    """What happened to one file: 'present', 'downloaded' or 'failed' (with the reason)."""

    path: str
    status: str
    detail: str = ""


def fetch_target(data_dir: str | os.PathLike[str] | None) -> Path:
    """Where fetch writes: ``data_dir``, else ``$NEIJUAN_DATA_DIR``, else the user cache."""
    if data_dir is not None:
        return Path(data_dir).expanduser()
    env = os.environ.get(ENV_VAR)
    return Path(env).expanduser() if env else default_fetch_dir()


def _mirrored(url: str, mirror: str | None) -> str:
    """``url`` with its scheme and host replaced by ``mirror`` (a base URL), when given."""
    if not mirror:
        return url
    parts = urlsplit(url)
    return mirror.rstrip("/") + "/" + parts.netloc + parts.path


def _download(client: object, url: str, dest: Path, entry: FileEntry) -> str | None:
    """Stream ``url`` into ``dest`` if its SHA-256 matches; return an error message or None."""
    import httpx

    assert isinstance(client, httpx.Client)
    tmp = dest.with_name(f".{dest.name}.part")
    digest = hashlib.sha256()
    size = 0
    try:
        with client.stream("GET", url) as resp:
            if resp.status_code != 200:
                return f"HTTP {resp.status_code} from {url}"
            with tmp.open("wb") as fh:
                for chunk in resp.iter_bytes():
                    digest.update(chunk)
                    size += len(chunk)
                    fh.write(chunk)
    except httpx.HTTPError as exc:
        tmp.unlink(missing_ok=True)
        return f"download failed from {url}: {exc}"
    got = digest.hexdigest()
    if got != entry.sha256:
        tmp.unlink(missing_ok=True)
        return (f"checksum mismatch for {url}: expected sha256 {entry.sha256}, got {got} "
                f"({size} bytes); the file was not installed")
    os.replace(tmp, dest)
    return None


def fetch(data_dir: str | os.PathLike[str] | None = None, *, sources: Sequence[str] = (),
          force: bool = False, mirror: str | None = None, registry: Registry | None = None,
          progress: Callable[[str, int, int], None] | None = None,
          client: object | None = None) -> list[FetchResult]:
    """Fetch the registry's files (all, or those of ``sources``) into ``data_dir``.

    Raises :class:`DataError` after trying every file when any failed, listing each failure;
    the files that succeeded stay installed.
    """
    import httpx

    registry = registry or load_registry()
    entries = [f for s in sources for f in registry.files_of(s)] if sources \
        else list(registry.files.values())
    target = fetch_target(data_dir)
    target.mkdir(parents=True, exist_ok=True)
    own_client = client is None
    http = client or httpx.Client(timeout=TIMEOUT_S, follow_redirects=True)
    results: list[FetchResult] = []
    try:
        for i, entry in enumerate(entries):
            if progress:
                progress(entry.path, i, len(entries))
            dest = target / entry.path
            if not force and dest.exists() and sha256_file(dest) == entry.sha256:
                results.append(FetchResult(entry.path, "present"))
                continue
            dest.parent.mkdir(parents=True, exist_ok=True)
            error = _download(http, _mirrored(entry.url, mirror), dest, entry)
            results.append(FetchResult(entry.path, "failed", error) if error
                           else FetchResult(entry.path, "downloaded"))
    finally:
        if own_client:
            http.close()  # type: ignore[attr-defined]
    failed = [r for r in results if r.status == "failed"]
    if failed:
        lines = "; ".join(f"{r.path}: {r.detail}" for r in failed)
        raise DataError(f"{len(failed)} of {len(results)} files could not be fetched into "
                        f"{target}: {lines}")
    return results
