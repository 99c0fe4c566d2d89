"""``neijuan serve``: a JSON API (documented by OpenAPI at ``/docs``) and one web page on the
same core as the CLI: scenarios, simulations as background jobs, comparisons, the atlas, the
claims, assessment and audit.

Safety: request bodies and uploads are capped, simulations are capped in size and time, the job
queue is bounded (429 when full), no file path from a request is ever read (scenarios are
shipped names; data folders are set when the server starts), CORS is off unless origins are
given, and every error is JSON with a message, never a stack trace.
"""

from __future__ import annotations

import asyncio
import functools
import json
import logging
import re
import tempfile
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from fastapi import FastAPI, File, Query, Request, UploadFile
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from neijuan.errors import ConfigError, DataError, NeijuanError, ResourceError
from neijuan.web.jobs import JobQueue, QueueFullError

log = logging.getLogger("neijuan.web")

# the per-period figures a simulation job returns as bands (the page's plots)
PLOT_FIGURES = ("effort_per_position", "real_reward_per_position", "output_per_employed",
                "employment", "positions", "unemployment_rate", "retained_not_needed_share",
                "defensive_review_share", "authority_share", "blame_share", "adoption",
                "employment_share_mid")
# the main parameters the page offers as sliders
SLIDERS = ("ai.cost_decline", "ai.uplift", "ai.automation_bias", "ai.capability_end",
           "demand.kappa", "ai.reinstatement", "contest.r", "agency.liability",
           "labour.growth", "production.land_share")
NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
KEY = re.compile(r"^(ai|adoption|demand|production|labour|contest|screening|learning|wages|"
                 r"agency)\.[a-z_]{1,40}$")


@dataclass(frozen=True)
class Settings:
    """Limits and the server-side data folder (never taken from a request)."""

    max_body_bytes: int = 64 * 1024
    max_upload_bytes: int = 8 * 1024 * 1024
    max_workers: int = 100_000
    max_periods: int = 200
    max_seeds: int = 10
    max_agent_steps: float = 1e8       # workers x (burn-in + periods) x seeds x (2 with the twin)
    max_pending_jobs: int = 4
    job_threads: int = 1
    job_timeout_s: float = 300.0
    request_timeout_s: float = 60.0
    data_dir: str | None = None
    cors_origins: tuple[str, ...] = ()
    # "all": /api/assess answers from every task vector (prepare them first with
    # `neijuan assess --prepare`, or the first request builds them); "on_demand": an
    # occupation's tasks are embedded when an answer first needs them (same answers; tests)
    assess_tasks: str = "all"


class SimulateRequest(BaseModel):
    """A simulation: a shipped scenario, its size, and parameter overrides."""

    model_config = ConfigDict(extra="forbid")

    scenario: str = Field("ai-baseline", max_length=64,
                          description="a shipped scenario name (see /api/scenarios)")
    workers: int = Field(5000, ge=100, le=10_000_000, description="initial labour force")
    periods: int = Field(40, ge=1, le=4000, description="measured quarters")
    seeds: int = Field(3, ge=1, le=1000, description="Monte Carlo replications")
    burn_in: int | None = Field(None, ge=0, le=4000,
                                description="pre-AI quarters (default: the scenario's)")
    overrides: dict[str, float | bool | str] = Field(
        default_factory=dict, max_length=40,
        description="section.key -> value; the run and economy sections are not allowed here")
    twin: bool = Field(True, description="also run the no-AI twin (the AI effects)")


class CompareRequest(BaseModel):
    """Several scenarios at the same size and overrides."""

    model_config = ConfigDict(extra="forbid")

    scenarios: list[str] = Field(..., min_length=2, max_length=6)
    workers: int = Field(5000, ge=100, le=10_000_000)
    periods: int = Field(40, ge=1, le=4000)
    seeds: int = Field(3, ge=1, le=1000)
    burn_in: int | None = Field(None, ge=0, le=4000)
    overrides: dict[str, float | bool | str] = Field(default_factory=dict, max_length=40)


class AssessRequest(BaseModel):
    """A job description (English or Chinese)."""

    model_config = ConfigDict(extra="forbid")

    text: str = Field(..., min_length=1, max_length=4000)
    top: int = Field(5, ge=1, le=20)


class JobAccepted(BaseModel):
    id: str
    status: str
    status_url: str
    result_url: str


class ErrorBody(BaseModel):
    error: str


ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorBody, "description": "bad input (the message says which field)"},
    404: {"model": ErrorBody, "description": "not found"},
    413: {"model": ErrorBody, "description": "body or upload too large"},
    429: {"model": ErrorBody, "description": "the job queue is full"},
}


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


def create_app(settings: Settings | None = None) -> FastAPI:
    """The app; ``settings`` sets its limits and data folder."""
    cfg = settings or Settings()
    app = FastAPI(title="neijuan", version=_version(),
                  description="Simulate and measure how AI reshapes work: the JSON API of "
                              "`neijuan serve`. Simulations and comparisons run as background "
                              "jobs: POST returns 202 with a status URL and a result URL.")
    queue = JobQueue(max_pending=cfg.max_pending_jobs, threads=cfg.job_threads,
                     timeout_s=cfg.job_timeout_s)
    app.state.settings, app.state.queue = cfg, queue

    if cfg.cors_origins:
        from fastapi.middleware.cors import CORSMiddleware

        app.add_middleware(CORSMiddleware, allow_origins=list(cfg.cors_origins),
                           allow_methods=["GET", "POST"], allow_headers=["content-type"])

    app.add_middleware(BodyLimit, cap=cfg.max_body_bytes, upload_cap=cfg.max_upload_bytes,
                       upload_paths=("/api/audit",))

    @app.middleware("http")
    async def limits(request: Request, call_next: Any) -> Response:
        """A time limit on every request, and headers that keep the page to its own scripts."""
        try:
            response: Response = await asyncio.wait_for(call_next(request),
                                                        timeout=cfg.request_timeout_s)
        except TimeoutError:
            return _error(504, f"the request took longer than {cfg.request_timeout_s:.0f} s")
        response.headers["X-Content-Type-Options"] = "nosniff"
        if request.url.path not in ("/docs", "/redoc"):  # FastAPI's docs pages load a CDN
            response.headers["Content-Security-Policy"] = (
                "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
                "script-src 'self'")
        return response

    @app.exception_handler(NeijuanError)
    async def user_error(_: Request, exc: NeijuanError) -> JSONResponse:
        status = 413 if isinstance(exc, ResourceError) else 400
        return _error(status, str(exc))

    @app.exception_handler(RequestValidationError)
    async def invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        parts = []
        for err in exc.errors()[:5]:
            loc = ".".join(str(p) for p in err.get("loc", ()) if p != "body")
            parts.append(f"{loc}: {err.get('msg', 'invalid')}")
        return _error(422, "; ".join(parts) or "invalid request")

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        return _error(exc.status_code, str(exc.detail))

    @app.exception_handler(Exception)
    async def bug(_: Request, exc: Exception) -> JSONResponse:
        log.exception("internal error")
        return _error(500, f"internal error ({type(exc).__name__}); the server log has details")

    # ------------------------------------------------------------------------- the page
    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def index() -> HTMLResponse:
        return HTMLResponse(_static("index.html"))

    @app.get("/static/{name}", include_in_schema=False)
    def static(name: str) -> Response:
        if name == "plotly.min.js":
            return Response(_plotly_js(), media_type="application/javascript",
                            headers={"Cache-Control": "max-age=86400"})
        if name not in ("app.js", "index.html"):
            return _error(404, "no such file")
        kind = "application/javascript" if name.endswith(".js") else "text/html"
        return Response(_static(name), media_type=kind)

    @app.get("/api/i18n", tags=["page"], summary="Every text of the page, zh and en")
    def i18n() -> dict[str, Any]:
        from neijuan.report.i18n import FIGURE_ZH, TEXT

        return {"text": TEXT, "figures_zh": FIGURE_ZH}

    @app.get("/api/health", tags=["page"])
    def health() -> dict[str, Any]:
        return {"status": "ok", "version": _version(), "jobs_pending": queue.pending(),
                "max_pending_jobs": cfg.max_pending_jobs}

    # -------------------------------------------------------------------- scenarios
    @app.get("/api/scenarios", tags=["scenarios"], summary="The shipped scenarios")
    def scenarios() -> list[dict[str, str]]:
        return _scenario_list()

    @app.get("/api/scenarios/{name}", tags=["scenarios"], responses=ERRORS,
             summary="A scenario with every parameter resolved (value, range, meaning)")
    def scenario(name: str) -> dict[str, Any]:
        from neijuan.config import load_scenario
        from neijuan.ux import check_scenario_name, parameter_table, resolved_toml

        _check_name(name)
        check_scenario_name(name)
        sc = load_scenario(name)
        return {"name": sc.name, "description": sc.description,
                "parameters": _jsonable(parameter_table(sc)), "toml": resolved_toml(sc)}

    @app.get("/api/parameters", tags=["scenarios"],
             summary="The main parameters, as the page's sliders (key, range, default)")
    def parameters(scenario: str = Query("ai-baseline", max_length=64)) -> list[dict[str, Any]]:
        from neijuan.config import load_scenario
        from neijuan.ux import check_scenario_name, parameter_table

        _check_name(scenario)
        check_scenario_name(scenario)
        rows = {r["key"]: r for r in parameter_table(load_scenario(scenario))}
        return [_slider(rows[k]) for k in SLIDERS if k in rows]

    # ------------------------------------------------------------------- simulations
    @app.post("/api/simulate", status_code=202, response_model=JobAccepted, tags=["simulate"],
              responses=ERRORS, summary="Start a simulation (a background job)")
    def simulate(req: SimulateRequest) -> JobAccepted:
        overrides = _overrides(req.overrides, req.burn_in)
        _check_name(req.scenario)
        _check_size(cfg, req.scenario, req.workers, req.periods, req.seeds, req.burn_in,
                    req.twin, overrides)

        def work(progress: Any) -> dict[str, Any]:
            from neijuan.report.core import result_payload
            from neijuan.sim.run import simulate as run

            result = run(req.scenario, workers=req.workers, periods=req.periods,
                         seeds=req.seeds, overrides=overrides or None, processes=1,
                         progress=progress, twin=req.twin)
            return result_payload(result, PLOT_FIGURES)

        return _accepted(queue, "simulate", req.model_dump(), work)

    @app.post("/api/compare", status_code=202, response_model=JobAccepted, tags=["simulate"],
              responses=ERRORS, summary="Compare scenarios (a background job)")
    def compare(req: CompareRequest) -> JobAccepted:
        overrides = _overrides(req.overrides, req.burn_in)
        for name in req.scenarios:
            _check_name(name)
            _check_size(cfg, name, req.workers, req.periods, req.seeds * len(req.scenarios),
                        req.burn_in, True, overrides)

        def work(progress: Any) -> dict[str, Any]:
            from neijuan.report.core import compare_frame, result_payload
            from neijuan.sim.run import simulate as run

            results = []
            n = len(req.scenarios)
            for k, name in enumerate(req.scenarios):
                def tick(done: int, total: int, k: int = k) -> None:
                    progress(k * 1000 + int(1000 * done / max(total, 1)), n * 1000)

                results.append(run(name, workers=req.workers, periods=req.periods,
                                   seeds=req.seeds, overrides=overrides or None, processes=1,
                                   progress=tick))
            return {"table": _jsonable(compare_frame(results).to_dicts()),
                    "runs": [result_payload(r, PLOT_FIGURES) for r in results]}

        return _accepted(queue, "compare", req.model_dump(), work)

    @app.get("/api/jobs/{job_id}", tags=["simulate"], responses=ERRORS,
             summary="A job's status and progress")
    def job_status(job_id: str) -> Any:
        job = queue.get(job_id)
        if job is None:
            return _error(404, f"no job {job_id[:40]!r} (finished jobs are kept for a while)")
        return {**job.view(), "result_url": f"/api/jobs/{job.id}/result"}

    @app.get("/api/jobs/{job_id}/result", tags=["simulate"], responses=ERRORS,
             summary="A finished job's result (409 while it runs)")
    def job_result(job_id: str) -> Any:
        job = queue.get(job_id)
        if job is None:
            return _error(404, f"no job {job_id[:40]!r}")
        if job.status == "failed":
            return _error(400, job.error or "the job failed")
        if job.status != "done":
            return _error(409, f"the job is {job.status} ({job.view()['progress']:.0%})")
        return JSONResponse(_jsonable(job.result))

    # ----------------------------------------------------------------------- atlas
    @app.get("/api/atlas/search", tags=["atlas"], responses=ERRORS,
             summary="Occupations matching a title (English, Chinese) or a SOC code")
    def atlas_search(q: str = Query(..., min_length=1, max_length=200),
                     limit: int = Query(10, ge=1, le=50)) -> list[dict[str, Any]]:
        from neijuan.atlas.search import search

        if not q.strip():
            raise ConfigError("q: give an occupation title or code")
        return [hit.__dict__ for hit in search(_db(cfg), q, limit)]

    @app.get("/api/atlas/occupations/{code}", tags=["atlas"], responses=ERRORS,
             summary="An occupation: its indices (with percentiles), tasks and related ones")
    def atlas_show(code: str, tasks: int = Query(30, ge=1, le=500)) -> dict[str, Any]:
        from neijuan.atlas.query import occupation_detail

        if len(code) > 20:
            raise ConfigError("code: a SOC code like 23-1011")
        return _jsonable(occupation_detail(_db(cfg), code, task_limit=tasks))

    @app.get("/api/atlas/exposure", tags=["atlas"], responses=ERRORS,
             summary="Every occupation's exposure on one index against its median wage")
    def atlas_exposure(index: str = Query("eloundou_human_beta", max_length=64)
                       ) -> dict[str, Any]:
        return _exposure(cfg.data_dir, index)

    @app.get("/api/claims", tags=["atlas"], responses=ERRORS,
             summary="The essay's empirical claims recomputed on the data")
    def claims() -> list[dict[str, Any]]:
        return _claims(cfg.data_dir)

    # ---------------------------------------------------------------------- agency
    @app.post("/api/assess", tags=["agency"], responses=ERRORS,
              summary="Which occupation a job description is, and its needed/retained profile")
    def assess(req: AssessRequest) -> dict[str, Any]:
        from neijuan.agency.assess import assess as run
        from neijuan.agency.assess import load_assessor

        model = load_assessor(cfg.data_dir, tasks=cfg.assess_tasks)
        return _jsonable(run(req.text, top=req.top, data_dir=cfg.data_dir, model=model))

    @app.post("/api/audit", tags=["agency"], responses=ERRORS,
              summary="Audit an uploaded decision log (CSV, JSONL or Parquet)")
    def audit(file: UploadFile = File(..., description="the decision log"),  # noqa: B008
              period: Literal["week", "month", "quarter", "year"] = Query("month")
              ) -> dict[str, Any]:
        from neijuan.agency.audit import FORMATS
        from neijuan.agency.audit import audit as run

        suffix = Path(file.filename or "").suffix.lower()
        if suffix not in FORMATS:
            raise ConfigError(f"file: name it *.csv, *.jsonl or *.parquet, not "
                              f"{(file.filename or '(no name)')[:60]!r}")
        data = file.file.read(cfg.max_upload_bytes + 1)
        if len(data) > cfg.max_upload_bytes:
            raise ResourceError(f"upload over {cfg.max_upload_bytes:,} bytes")
        with tempfile.TemporaryDirectory(prefix="neijuan-audit-") as tmp:
            path = Path(tmp) / f"log{suffix}"   # our own file name: nothing from the request
            path.write_bytes(data)
            try:
                result = run(path, period=period)
            except (OSError, ValueError) as exc:
                if isinstance(exc, NeijuanError):
                    raise
                raise DataError(f"file: cannot read it as {FORMATS[suffix]}: "
                                f"{str(exc)[:200]}") from None
            return _jsonable(result.to_dict())

    return app


# ------------------------------------------------------------------------------ helpers
class BodyLimit:
    """ASGI middleware: refuse a request body over its cap (413) before the app sees it.

    A declared ``content-length`` over the cap is refused at once; a body without one (chunked)
    is read up to the cap and then handed to the app whole."""

    def __init__(self, app: Any, cap: int, upload_cap: int, upload_paths: tuple[str, ...]) -> None:
        self.app, self.cap, self.upload_cap, self.upload_paths = app, cap, upload_cap, upload_paths

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        cap = self.upload_cap if scope["path"] in self.upload_paths else self.cap
        declared = dict(scope.get("headers", ())).get(b"content-length")
        if declared is not None:
            if not declared.isdigit():
                await _reply(send, 400, "content-length is not a number")
                return
            if int(declared) > cap:
                await _reply(send, 413, f"request body over {cap:,} bytes")
                return
        chunks, size, more = [], 0, True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                return  # the client went away
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > cap:
                await _reply(send, 413, f"request body over {cap:,} bytes")
                return
            chunks.append(chunk)
            more = message.get("more_body", False)
        body = b"".join(chunks)
        sent = False

        async def replay() -> Any:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


async def _reply(send: Any, status: int, message: str) -> None:
    body = json.dumps({"error": message}).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"),
                            (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


def _version() -> str:
    from neijuan.provenance import package_version

    return package_version()


@functools.cache
def _static(name: str) -> str:
    return (resources.files("neijuan.web") / "static" / name).read_text(encoding="utf-8")


@functools.cache
def _scenario_list() -> list[dict[str, str]]:
    """The shipped scenarios (files inside the package: read once)."""
    from neijuan.config import list_scenarios

    return [{"name": n, "description": d} for n, d in list_scenarios().items()]


@functools.cache
def _plotly_js() -> str:
    from plotly.offline import get_plotlyjs

    return get_plotlyjs()


def _check_name(name: str) -> None:
    """Scenario names only (never a path from a request)."""
    if not NAME.match(name):
        raise ConfigError(f"scenario: {name[:64]!r} is not a scenario name (lower-case letters, "
                          "digits and '-'; see /api/scenarios)")
    from neijuan.ux import check_scenario_name

    check_scenario_name(name)


def _overrides(raw: dict[str, Any], burn_in: int | None) -> dict[str, Any]:
    """Overrides with checked keys: no run.* or economy.* (sizes and files are not for
    requests to set), section.key only."""
    out: dict[str, Any] = {}
    for key, value in raw.items():
        if not KEY.match(key):
            raise ConfigError(f"overrides: {key[:60]!r} is not allowed; use section.key with a "
                              "section among ai, adoption, demand, production, labour, contest, "
                              "screening, learning, wages, agency")
        out[key] = value
    if burn_in is not None:
        out["run.burn_in"] = burn_in
    return out


def _check_size(cfg: Settings, scenario: str, workers: int, periods: int, seeds: int,
                burn_in: int | None, twin: bool, overrides: dict[str, Any]) -> None:
    """Refuse a simulation over the server's caps, and validate the scenario now (400)."""
    from neijuan.config import load_scenario

    for name, value, cap in (("workers", workers, cfg.max_workers),
                             ("periods", periods, cfg.max_periods),
                             ("seeds", seeds, cfg.max_seeds)):
        if value > cap:
            raise ResourceError(f"{name} = {value:,} is over this server's cap of {cap:,}")
    sc = load_scenario(scenario, overrides or None)
    burn = sc.run.burn_in if burn_in is None else burn_in
    steps = float(workers) * (burn + periods) * seeds * (2 if twin and sc.ai.enabled else 1)
    if steps > cfg.max_agent_steps:
        raise ResourceError(f"workers x quarters x seeds = {steps:.3g} agent-steps is over this "
                            f"server's cap of {cfg.max_agent_steps:.3g}")


def _accepted(queue: JobQueue, kind: str, request: dict[str, Any], work: Any) -> Any:
    try:
        job = queue.submit(kind, request, work)
    except QueueFullError as exc:
        return _error(429, str(exc))
    return JSONResponse(JobAccepted(id=job.id, status=job.status,
                                    status_url=f"/api/jobs/{job.id}",
                                    result_url=f"/api/jobs/{job.id}/result").model_dump(),
                        status_code=202, headers={"Location": f"/api/jobs/{job.id}"})


def _slider(row: dict[str, Any]) -> dict[str, Any]:
    lo = row["min"] if row["min"] is not None else 0.0
    hi = row["max"] if row["max"] is not None else 1.0
    hi = min(hi, max(4 * abs(row["value"] or 0.0), 1.0)) if hi > 5 else hi
    return {"key": row["key"], "value": row["value"], "min": lo, "max": hi,
            "step": (hi - lo) / 100, "description": row["description"]}


def _jsonable(obj: Any) -> Any:
    """NaN and infinities become null (JSON has neither)."""
    import math

    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, dict):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_jsonable(v) for v in obj]
    if hasattr(obj, "item") and not isinstance(obj, str | bytes):
        try:
            return _jsonable(obj.item())
        except (TypeError, ValueError):
            return str(obj)
    if obj is None or isinstance(obj, str | int | bool):
        return obj
    return str(obj)


def _db(cfg: Settings) -> Path:
    from neijuan.atlas.store import ensure_built

    return ensure_built(cfg.data_dir)


@functools.lru_cache(maxsize=4)
def _atlas(data_dir: str | None) -> Any:
    from neijuan.atlas import load_atlas

    return load_atlas(data_dir)


@functools.lru_cache(maxsize=32)
def _exposure(data_dir: str | None, index: str) -> dict[str, Any]:
    import polars as pl

    from neijuan.atlas.catalog import load_catalog

    info = load_catalog().get(index)  # ConfigError naming the valid indices
    occ = _atlas(data_dir).occupations
    if index not in occ.columns:
        raise ConfigError(f"index: {index!r} has no occupation-level values in the atlas")
    d = occ.select("soc", "title", "median_wage", "employment", pl.col(index).alias("value")
                   ).drop_nulls(["median_wage", "value"])
    return {"index": index, "label": info.label, "scale": info.scale,
            "occupations": _jsonable(d.to_dicts())}


@functools.lru_cache(maxsize=4)
def _claims(data_dir: str | None) -> list[dict[str, Any]]:
    from neijuan.atlas import compute_claims

    return [_jsonable(c.as_dict()) for c in compute_claims(_atlas(data_dir))]
