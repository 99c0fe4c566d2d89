"""The JSON API: scenarios, jobs with progress, limits, safety, atlas, audit."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("fastapi", reason="the web app needs FastAPI (pip install 'neijuan[web]')")
pytest.importorskip("uvicorn", reason="the web app needs uvicorn (pip install 'neijuan[web]')")

from webhelp import TINY, small_settings, wait

from neijuan.web.jobs import JobQueue, QueueFullError


def no_trace(body: Any) -> None:
    text = str(body)
    assert "Traceback" not in text and 'File "' not in text


def test_scenarios_and_parameters(client: Any) -> None:
    names = [s["name"] for s in client.get("/api/scenarios").json()]
    assert "ai-baseline" in names and "jevons" in names
    detail = client.get("/api/scenarios/jevons").json()
    keys = {p["key"] for p in detail["parameters"]}
    assert "demand.kappa" in keys and "run.workers" in keys
    assert detail["toml"].startswith("# scenario 'jevons'")
    sliders = client.get("/api/parameters").json()
    for s in sliders:
        assert s["min"] <= s["value"] <= s["max"], s
    r = client.get("/api/scenarios/jevon")
    assert r.status_code == 400 and "did you mean 'jevons'" in r.json()["error"]


def test_simulate_job_progress_and_result(client: Any) -> None:
    r = client.post("/api/simulate", json={**TINY, "overrides": {"demand.kappa": 0.8}})
    assert r.status_code == 202, r.text
    job = r.json()
    assert r.headers["location"] == job["status_url"]
    st = wait(client, job["status_url"])
    assert st["status"] == "done" and st["progress"] == 1.0 and st["total"] >= 1
    res = client.get(job["result_url"]).json()
    assert res["stamp"]["scenario"] == "ai-baseline" and res["stamp"]["seeds"] == [0, 1]
    assert res["summary"]["params"]["demand"]["kappa"] == 0.8
    band = res["bands"]["figures"]["effort_per_position"]
    assert len(band["mean"]) == TINY["periods"]
    assert res["twin_bands"]["figures"]  # the no-AI twin
    assert any(row["effect"] is not None for row in res["rows"])


def test_compare_job(client: Any) -> None:
    r = client.post("/api/compare", json={"scenarios": ["ai-baseline", "jevons"],
                                          "workers": 2000, "periods": 8, "seeds": 1,
                                          "burn_in": 8})
    assert r.status_code == 202, r.text
    assert wait(client, r.json()["status_url"])["status"] == "done"
    res = client.get(r.json()["result_url"]).json()
    assert {row["scenario"] for row in res["table"]} == {"ai-baseline", "jevons"}
    assert len(res["runs"]) == 2


@pytest.mark.parametrize("body, status, words", [
    ({"scenario": "../../etc/passwd"}, 400, "not a scenario name"),
    ({"scenario": "/etc/passwd.toml"}, 400, "not a scenario name"),
    ({**TINY, "overrides": {"economy.path": "/etc/passwd"}}, 400, "not allowed"),
    ({**TINY, "overrides": {"run.workers": 10**8}}, 400, "not allowed"),
    ({**TINY, "overrides": {"contest.r": 9}}, 400, "contest.r = 9"),
    ({**TINY, "workers": 50_000}, 413, "cap"),
    ({**TINY, "seeds": 2, "periods": 12, "burn_in": 60}, 413, "agent-steps"),
    ({"workers": "many"}, 422, "workers"),
    ({"nonsense": 1}, 422, "nonsense"),
])
def test_bad_simulations_are_refused(client: Any, body: dict[str, Any], status: int,
                                     words: str) -> None:
    r = client.post("/api/simulate", json=body)
    assert r.status_code == status, r.text
    assert words in r.json()["error"]
    no_trace(r.json())


def test_body_cap_and_errors_are_json(client: Any) -> None:
    r = client.post("/api/simulate", content=b"{" + b" " * 70_000 + b"}",
                    headers={"content-type": "application/json"})
    assert r.status_code == 413 and "body" in r.json()["error"]
    r = client.post("/api/simulate", content=b"{not json", headers={"content-type":
                                                                    "application/json"})
    assert r.status_code == 422 and "error" in r.json()
    r = client.get("/api/jobs/nope")
    assert r.status_code == 404 and r.json() == {"error": "no job 'nope' (finished jobs are "
                                                          "kept for a while)"}
    assert client.get("/no/such/page").json() == {"error": "Not Found"}


def test_a_bug_is_json_without_a_trace() -> None:
    from fastapi.testclient import TestClient

    from neijuan.web.app import create_app

    app = create_app(small_settings())

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("secret detail /home/user/path")

    with TestClient(app, raise_server_exceptions=False) as c:
        r = c.get("/boom")
    assert r.status_code == 500
    assert r.json() == {"error": "internal error (RuntimeError); the server log has details"}


def test_cors_off_by_default(client: Any) -> None:
    r = client.get("/api/scenarios", headers={"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in r.headers
    r = client.options("/api/simulate", headers={"Origin": "https://evil.example",
                                                 "Access-Control-Request-Method": "POST"})
    assert "access-control-allow-origin" not in r.headers
    assert r.status_code in (404, 405)


def test_cors_when_asked() -> None:
    from fastapi.testclient import TestClient

    from neijuan.web.app import create_app

    with TestClient(create_app(small_settings(cors_origins=("http://ok.example",)))) as c:
        r = c.get("/api/scenarios", headers={"Origin": "http://ok.example"})
    assert r.headers["access-control-allow-origin"] == "http://ok.example"


def test_queue_is_bounded_429() -> None:
    from fastapi.testclient import TestClient

    from neijuan.web.app import create_app

    app = create_app(small_settings(max_pending_jobs=1))
    gate = threading.Event()
    app.state.queue.submit("block", {}, lambda progress: gate.wait(30) and {})
    with TestClient(app) as c:
        r = c.post("/api/simulate", json=TINY)
        assert r.status_code == 429 and "at most 1" in r.json()["error"]
        gate.set()


def test_job_queue_timeout_and_errors() -> None:
    q = JobQueue(max_pending=2, timeout_s=0.0)

    def slow(progress: Any) -> dict[str, Any]:
        progress(1, 10)
        return {}

    job = q.submit("t", {}, slow)
    q.shutdown()
    q._pool.shutdown(wait=True)
    assert job.status == "failed" and "limit" in (job.error or "")
    q = JobQueue(max_pending=1)
    gate = threading.Event()
    q.submit("a", {}, lambda p: gate.wait(10) and {})
    with pytest.raises(QueueFullError):
        q.submit("b", {}, lambda p: {})
    gate.set()

    def bug(progress: Any) -> dict[str, Any]:
        raise ZeroDivisionError("x")

    q2 = JobQueue()
    job = q2.submit("c", {}, bug)
    q2._pool.shutdown(wait=True)
    assert job.status == "failed" and job.error == "internal error (ZeroDivisionError)"


def test_page_and_plotly_are_served(client: Any) -> None:
    page = client.get("/")
    assert page.status_code == 200 and "/static/plotly.min.js" in page.text
    assert "script-src 'self'" in page.headers["content-security-policy"]
    js = client.get("/static/plotly.min.js")
    assert js.status_code == 200 and len(js.content) > 1_000_000
    assert client.get("/static/app.js").status_code == 200
    assert client.get("/static/..%2Fapp.py").status_code == 404
    texts = client.get("/api/i18n").json()
    assert texts["text"]["run"] == {"zh": "运行", "en": "Run"}


def test_openapi_documents_the_api(client: Any) -> None:
    spec = client.get("/openapi.json").json()
    for path in ("/api/scenarios", "/api/simulate", "/api/jobs/{job_id}",
                 "/api/jobs/{job_id}/result", "/api/compare", "/api/atlas/search",
                 "/api/atlas/occupations/{code}", "/api/claims", "/api/assess", "/api/audit"):
        assert path in spec["paths"], path


AUDIT_LOG = ("case,time,person,team,origin,action,seconds,outcome,ai_correct,edit_fraction,"
             "credited,blamed\n") + """1,2024-01-05,ann,x,ai,accept,3,failure,false,,,human
2,2024-01-06,ann,x,human,edit,20,success,,0.4,human,
3,2024-02-01,bob,y,ai,override,40,success,true,,ai,
4,2024-02-02,bob,y,ai,accept,5,failure,false,,,shared
"""


def test_audit_upload(client: Any) -> None:
    r = client.post("/api/audit", files={"file": ("log.csv", AUDIT_LOG, "text/csv")})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["rows_used"] == 4 and "person" in body["figures"]
    r = client.post("/api/audit", files={"file": ("/etc/passwd", "x", "text/plain")})
    assert r.status_code == 400 and "*.csv" in r.json()["error"]
    r = client.post("/api/audit", files={"file": ("log.csv", "a,b\n1,2\n", "text/csv")})
    assert r.status_code == 400
    no_trace(r.json())


def test_upload_cap() -> None:
    from fastapi.testclient import TestClient

    from neijuan.web.app import create_app

    with TestClient(create_app(small_settings(max_upload_bytes=1000))) as c:
        r = c.post("/api/audit", files={"file": ("log.csv", AUDIT_LOG * 20, "text/csv")})
    assert r.status_code == 413


def test_atlas_endpoints(real_data_dir: Path) -> None:
    from fastapi.testclient import TestClient

    from neijuan.web.app import create_app

    with TestClient(create_app(small_settings(data_dir=str(real_data_dir)))) as c:
        hits = c.get("/api/atlas/search", params={"q": "lawyer"}).json()
        assert hits[0]["soc"] == "23-1011"
        zh = c.get("/api/atlas/search", params={"q": "律师"})
        assert zh.status_code == 200 and zh.json()[0]["soc"] == "23-1011"
        occ = c.get("/api/atlas/occupations/23-1011", params={"tasks": 5}).json()
        assert occ["occupation"]["title"] == "Lawyers" and len(occ["tasks"]) == 5
        bad = c.get("/api/atlas/occupations/not-a-code")
        assert bad.status_code == 400 and "SOC" in bad.json()["error"]
        exp = c.get("/api/atlas/exposure").json()
        assert len(exp["occupations"]) > 300
        assert c.get("/api/atlas/exposure", params={"index": "nope"}).status_code == 400
        claims = c.get("/api/claims").json()
        assert {cl["id"] for cl in claims} >= {"exposure_by_wage_decile"}


@pytest.mark.slow
def test_assess(real_data_dir: Path) -> None:
    from fastapi.testclient import TestClient

    from neijuan.web.app import create_app

    # on_demand: the same answers without embedding every task statement first (minutes)
    settings = small_settings(data_dir=str(real_data_dir), assess_tasks="on_demand")
    with TestClient(create_app(settings)) as c:
        r = c.post("/api/assess", json={"text": "I review contracts and advise clients on "
                                                "legal risk", "top": 3})
        assert r.status_code == 200, r.text
        assert r.json()["occupations"][0]["soc"] == "23-1011"
        assert c.post("/api/assess", json={"text": ""}).status_code == 422
