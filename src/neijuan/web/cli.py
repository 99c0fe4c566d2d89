"""``neijuan serve``: the web app on 127.0.0.1 by default."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from neijuan.errors import ConfigError


def serve(
    host: Annotated[str, typer.Option(help="address to bind (127.0.0.1: this machine only)")
                    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="port")] = 8765,
    data_dir: Annotated[Path | None, typer.Option(
        help="data folder for the atlas, claims and assess (default: NEIJUAN_DATA_DIR or "
             "../shared/data)")] = None,
    max_jobs: Annotated[int, typer.Option(help="jobs queued or running at once (more: 429)")
                        ] = 4,
    job_timeout: Annotated[float, typer.Option(help="seconds a simulation job may run")] = 300.0,
    max_workers: Annotated[int, typer.Option(help="largest workers a request may ask for")
                           ] = 100_000,
    allow_origin: Annotated[list[str] | None, typer.Option(
        help="allow cross-origin requests from this origin (repeatable; CORS is off by "
             "default)")] = None,
) -> None:
    """Serve the JSON API (OpenAPI at /docs) and the web page."""
    import importlib.util

    if importlib.util.find_spec("fastapi") is None or importlib.util.find_spec("uvicorn") is None:
        raise ConfigError("neijuan serve needs FastAPI and uvicorn: pip install 'neijuan[web]'")
    if not 0 < port < 65536:
        raise ConfigError(f"--port {port}: use 1-65535")
    if max_jobs < 1 or job_timeout <= 0 or max_workers < 100:
        raise ConfigError("--max-jobs must be >= 1, --job-timeout > 0, --max-workers >= 100")
    from neijuan.cli import console

    if host not in ("127.0.0.1", "localhost", "::1"):
        console.print(f"warning: binding {host} exposes the app to other machines; it has no "
                      "authentication", style="yellow", highlight=False)
    import uvicorn

    from neijuan.web.app import Settings, create_app

    settings = Settings(data_dir=str(data_dir) if data_dir else None,
                        max_pending_jobs=max_jobs, job_timeout_s=job_timeout,
                        max_workers=max_workers, cors_origins=tuple(allow_origin or ()))
    console.print(f"neijuan: http://{host}:{port}/  (API docs: http://{host}:{port}/docs)",
                  highlight=False)
    uvicorn.run(create_app(settings), host=host, port=port, log_level="warning")
