"""A bounded load test on loopback: many small requests from a few threads; prints p50 / p99
latency; no errors, and a burst of simulations gets only 202 or 429 (never a server error)."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import numpy as np
import pytest

pytest.importorskip("fastapi", reason="the web app needs FastAPI (pip install 'neijuan[web]')")
pytest.importorskip("uvicorn", reason="the web app needs uvicorn (pip install 'neijuan[web]')")

from webhelp import TINY, serving, small_settings

REQUESTS = 300
THREADS = 6


def test_latency_under_load() -> None:
    from neijuan.web.app import create_app

    app = create_app(small_settings(max_pending_jobs=2))
    paths = ["/api/scenarios", "/api/health", "/api/parameters", "/api/scenarios/jevons"]
    with serving(app) as url, httpx.Client(base_url=url, timeout=30) as client:
        client.get("/api/parameters")   # warm up (imports)

        def one(k: int) -> tuple[float, int]:
            start = time.perf_counter()
            r = client.get(paths[k % len(paths)])
            return time.perf_counter() - start, r.status_code

        with ThreadPoolExecutor(THREADS) as pool:
            done = list(pool.map(one, range(REQUESTS)))
            burst = list(pool.map(lambda _: client.post("/api/simulate", json=TINY).status_code,
                                  range(8)))
    latency = np.array([d[0] for d in done]) * 1000
    codes = {d[1] for d in done}
    p50, p99 = np.percentile(latency, [50, 99])
    print(f"\nload: {REQUESTS} GET requests from {THREADS} threads on loopback: "
          f"p50 {p50:.1f} ms, p99 {p99:.1f} ms, max {latency.max():.1f} ms; simulate burst: "
          f"{sorted(burst)}")
    assert codes == {200}
    assert set(burst) <= {202, 429} and 429 in burst and 202 in burst
    assert p99 < 2000, p99


def test_chunked_bodies_are_capped_and_kept() -> None:
    """A body without content-length (chunked) is read up to the cap, then passed on whole."""
    import json

    from neijuan.web.app import create_app

    def chunks(data: bytes, size: int = 1000) -> object:
        for k in range(0, len(data), size):
            yield data[k:k + size]

    with serving(create_app(small_settings())) as url, httpx.Client(base_url=url) as client:
        small = json.dumps({"scenario": "jevon"}).encode()
        r = client.post("/api/simulate", content=chunks(small, 5),
                        headers={"content-type": "application/json"})
        assert r.status_code == 400 and "did you mean 'jevons'" in r.json()["error"]
        r = client.post("/api/simulate", content=chunks(b" " * 100_000),
                        headers={"content-type": "application/json"})
        assert r.status_code == 413 and "body" in r.json()["error"]
