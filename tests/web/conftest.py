"""Fixtures of the web tests (skipped without FastAPI)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest


@pytest.fixture()
def client() -> Iterator[Any]:
    pytest.importorskip("fastapi", reason="the web app needs FastAPI (pip install "
                                          "'neijuan[web]')")
    from fastapi.testclient import TestClient
    from webhelp import small_settings

    from neijuan.web.app import create_app

    with TestClient(create_app(small_settings()), raise_server_exceptions=False) as c:
        yield c
