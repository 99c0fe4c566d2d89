"""Fixtures of the reliability corpus: a private cache, and a runner that calls the ``neijuan``
entry point in-process (fast) and returns what a user sees."""

from __future__ import annotations

import sys
from collections.abc import Callable

import pytest
from reliability_corpus import Outcome


@pytest.fixture(autouse=True)
def _own_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test of the corpus uses a cache of its module (checksums, atlas builds)."""
    monkeypatch.setenv("NEIJUAN_CACHE_DIR", str(tmp_path_factory.getbasetemp() / "cache"))
    monkeypatch.delenv("NEIJUAN_ALLOW_MODIFIED_DATA", raising=False)
    monkeypatch.delenv("NEIJUAN_DEBUG", raising=False)


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> Callable[..., Outcome]:
    """``cli("atlas", "show", ...)``: run ``neijuan`` as a user would, in this process."""
    from neijuan import cli as root
    from neijuan.data import verify

    def run(*args: str) -> Outcome:
        monkeypatch.setattr(sys, "argv", ["neijuan", *args])
        monkeypatch.setattr(verify, "_warned", set())  # every run shows its own warning
        root._state["debug"] = False
        capsys.readouterr()
        try:
            root.main()
            code = 0
        except SystemExit as exc:
            code = int(exc.code or 0) if not isinstance(exc.code, str) else 1
        finally:
            verify.set_allow_modified(None)
        captured = capsys.readouterr()
        return Outcome(code, captured.out, captured.err)

    return run


