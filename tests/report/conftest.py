"""Tiny runs of every scenario the report needs, made once for the report tests."""

from __future__ import annotations

from typing import Any

import pytest

# tiny: 2,000 workers, 8 measured quarters after 8 of burn-in, 2 seeds (bands need two)
TINY: dict[str, Any] = {"workers": 2000, "periods": 8, "seeds": 2,
                        "overrides": {"run.burn_in": 8}}


@pytest.fixture(scope="session")
def tiny_results() -> dict[str, Any]:
    from neijuan.report.build import run_scenarios

    return run_scenarios(**TINY)
