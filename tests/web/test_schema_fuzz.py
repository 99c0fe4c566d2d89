"""Schemathesis against the app's own OpenAPI schema: no input may cause a server error.

Bounded: a few examples per operation, tiny simulation caps (anything larger is refused with
413), and assess left out (its embedding model takes seconds per call; tested in test_api)."""

from __future__ import annotations

import os

import pytest

pytest.importorskip("fastapi", reason="the web app needs FastAPI")
schemathesis = pytest.importorskip("schemathesis", reason="schemathesis is not installed")

from hypothesis import HealthCheck, settings  # noqa: E402
from schemathesis.checks import not_a_server_error  # noqa: E402
from webhelp import small_settings  # noqa: E402

from neijuan.datadir import find_data_dir  # noqa: E402
from neijuan.web.app import create_app  # noqa: E402

_data = find_data_dir()
APP = create_app(small_settings(max_workers=2000, max_periods=4, max_seeds=1,
                                max_agent_steps=5e4, max_pending_jobs=1,
                                data_dir=str(_data) if _data else None))
# NEIJUAN_FUZZ_EXAMPLES=150 for a longer search (about 35 s)
EXAMPLES = int(os.environ.get("NEIJUAN_FUZZ_EXAMPLES", "12"))
schema = schemathesis.openapi.from_asgi("/openapi.json", APP).exclude(path="/api/assess")


@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, derandomize=True,
          suppress_health_check=list(HealthCheck))
def test_no_server_error(case: schemathesis.Case) -> None:
    case.call_and_validate(checks=[not_a_server_error])
