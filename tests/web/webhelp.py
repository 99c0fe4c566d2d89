"""Helpers of the web tests: small caps so that any accepted simulation is tiny."""

from __future__ import annotations

import contextlib
import os
import threading
import time
from collections.abc import Iterator
from typing import Any

TINY: dict[str, Any] = {"workers": 2000, "periods": 8, "seeds": 2, "burn_in": 8}


def small_settings(**extra: Any) -> Any:
    from neijuan.web.app import Settings

    base: dict[str, Any] = {"max_workers": 3000, "max_periods": 12, "max_seeds": 2,
                            "max_agent_steps": 2e5, "max_pending_jobs": 2,
                            "job_timeout_s": 60.0}
    base.update(extra)
    return Settings(**base)


def wait(client: Any, url: str, timeout: float = 90.0) -> dict[str, Any]:
    """Poll a job's status until it is done or failed."""
    end = time.time() + timeout
    while time.time() < end:
        st = client.get(url).json()
        if st["status"] in ("done", "failed"):
            return st
        time.sleep(0.2)
    raise AssertionError(f"job {url} did not finish in {timeout} s")


@contextlib.contextmanager
def serving(app: Any) -> Iterator[str]:
    """Serve ``app`` on a free loopback port in a thread; yield its base URL."""
    import socket

    import uvicorn

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port,
                                           log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    end = time.time() + 20
    while not server.started:
        if time.time() > end:
            raise RuntimeError("the test server did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)


CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


def chromium_path() -> str:
    """Debian's chromium (Playwright's own download does not work offline), or skip."""
    import shutil

    import pytest

    pytest.importorskip("playwright", reason="playwright is not installed (pip install "
                                             "playwright)")
    for candidate in (os.environ.get("NEIJUAN_CHROMIUM"), "/usr/bin/chromium",
                      shutil.which("chromium"), shutil.which("chromium-browser")):
        if candidate and os.path.isfile(candidate):
            return candidate
    pytest.skip("chromium is not installed (apt-get install -y chromium fonts-noto-cjk)")
    raise AssertionError  # unreachable
