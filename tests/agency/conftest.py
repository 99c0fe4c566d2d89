"""Print the assessment's hit rate in the CI output (pytest hides a passing test's prints)."""

from __future__ import annotations

from typing import Any

import pytest

REPORT_KEY = pytest.StashKey[list[str]]()


@pytest.fixture()
def assess_report(request: pytest.FixtureRequest) -> list[str]:
    """Lines to print in the terminal summary."""
    return request.config.stash.setdefault(REPORT_KEY, [])


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    """Write what the assessment tests measured, after the run."""
    lines = config.stash.get(REPORT_KEY, [])
    if lines:
        terminalreporter.section("neijuan assess: description -> occupation")
        for line in lines:
            terminalreporter.write_line(line)
