"""Fetch against a local HTTP server (checksum mismatch included), status, the build cache."""

from __future__ import annotations

import functools
import hashlib
import http.server
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from neijuan.data.cache import BuildCache
from neijuan.data.fetch import fetch
from neijuan.data.registry import FileEntry, Registry, Source
from neijuan.data.status import data_status
from neijuan.errors import DataError

FIX = Path(__file__).parent / "fixtures"


@pytest.fixture()
def server(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """A local HTTP server (a thread) serving a folder; yields its base URL and the folder."""
    root = tmp_path / "served"
    root.mkdir()
    handler = functools.partial(_QuietHandler, directory=str(root))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}", root
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


def _registry(base: str, files: dict[str, bytes], sha_override: dict[str, str] | None = None,
              ) -> Registry:
    src = Source(id="demo", name="demo", publisher="us", version="1", code_system="SOC 2018",
                 licence="CC0", citation="demo", official_url="https://example.org", extra={})
    entries = {}
    for rel, data in files.items():
        sha = (sha_override or {}).get(rel, hashlib.sha256(data).hexdigest())
        entries[rel] = FileEntry(path=rel, source="demo", sha256=sha, size=len(data),
                                 url=f"{base}/{rel}", mirror="")
    return Registry(sources={"demo": src}, files=entries)


def test_fetch_downloads_verifies_and_skips_present(server: tuple[str, Path],
                                                    tmp_path: Path) -> None:
    base, served = server
    data = (FIX / "national_M2021_dl.csv").read_bytes()
    (served / "bls_oews").mkdir()
    (served / "bls_oews" / "national_M2021_dl.csv").write_bytes(data)
    reg = _registry(base, {"bls_oews/national_M2021_dl.csv": data})
    target = tmp_path / "data"
    first = fetch(target, registry=reg)
    assert [r.status for r in first] == ["downloaded"]
    assert (target / "bls_oews" / "national_M2021_dl.csv").read_bytes() == data
    again = fetch(target, registry=reg)
    assert [r.status for r in again] == ["present"]
    folder, rows = data_status(target, registry=reg)
    assert folder == target and [r.state for r in rows] == ["ok"]


def test_fetch_refuses_checksum_mismatch_and_installs_nothing(server: tuple[str, Path],
                                                              tmp_path: Path) -> None:
    base, served = server
    (served / "a.csv").write_bytes(b"tampered,bytes\n")
    (served / "b.csv").write_bytes(b"good\n")
    reg = _registry(base, {"a.csv": b"original\n", "b.csv": b"good\n"},
                    sha_override={"a.csv": hashlib.sha256(b"original\n").hexdigest()})
    target = tmp_path / "data"
    with pytest.raises(DataError, match=r"1 of 2 files.*a.csv: checksum mismatch") as err:
        fetch(target, registry=reg)
    assert "expected sha256" in str(err.value)
    assert not (target / "a.csv").exists()  # refused, and no partial file left behind
    assert not list(target.glob(".*part"))
    assert (target / "b.csv").read_bytes() == b"good\n"  # the good file stays


def test_fetch_reports_http_errors(server: tuple[str, Path], tmp_path: Path) -> None:
    base, _ = server
    reg = _registry(base, {"missing.csv": b"x"})
    with pytest.raises(DataError, match="HTTP 404"):
        fetch(tmp_path / "d", registry=reg)


def test_status_missing_and_mismatch(tmp_path: Path) -> None:
    reg = _registry("http://unused", {"x.csv": b"abc", "y.csv": b"def"})
    (tmp_path / "x.csv").write_bytes(b"abd")
    _, rows = data_status(tmp_path, registry=reg)
    assert {r.path: r.state for r in rows} == {"x.csv": "mismatch", "y.csv": "missing"}
    _, quick = data_status(tmp_path, registry=reg, verify=False)
    assert {r.path: r.state for r in quick}["x.csv"] == "present"  # same size, not hashed


def test_data_dir_that_does_not_exist(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="does not exist"):
        data_status(tmp_path / "nope")


def test_build_cache_key_follows_input_checksums(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "in.csv").write_text("a\n1\n")
    cache = BuildCache("demo", data, ["in.csv"], salt="s1", root=tmp_path / "cache")
    assert not cache.is_valid()
    cache.commit(cache.input_states(), {"note": "built"})
    assert cache.is_valid() and cache.manifest()["note"] == "built"
    # same content rewritten (new mtime): re-hashed, still valid
    (data / "in.csv").write_text("a\n1\n")
    assert cache.is_valid()
    # changed content: invalid
    (data / "in.csv").write_text("a\n2\n")
    assert not cache.is_valid()
    # a different salt (changed build code or rules) is a different build
    cache.commit(cache.input_states(), {})
    other = BuildCache("demo", data, ["in.csv"], salt="s2", root=tmp_path / "cache")
    assert cache.is_valid() and not other.is_valid()
    # a missing input makes the cache invalid rather than crashing
    (data / "in.csv").unlink()
    assert not cache.is_valid()
