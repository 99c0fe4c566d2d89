"""Fixtures for the ads tests, and the accuracy table printed at the end of the pytest run."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import polars as pl
import pytest

HERE = Path(__file__).parent
LABELLED = HERE / "labelled"
HOLDOUT = HERE / "labelled_holdout"

_REPORT_KEY = pytest.StashKey[list[str]]()


def pytest_configure(config: pytest.Config) -> None:
    config.stash[_REPORT_KEY] = []


def report(config: pytest.Config, text: str) -> None:
    """Queue ``text`` for the terminal summary, so CI logs show it even when tests pass."""
    config.stash[_REPORT_KEY].append(text)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    lines = terminalreporter.config.stash.get(_REPORT_KEY, [])
    if lines:
        terminalreporter.section("neijuan ads: detector accuracy")
        for text in lines:
            terminalreporter.write_line(text)


@pytest.fixture(scope="session")
def ads_report(request: pytest.FixtureRequest) -> Callable[[str], None]:
    """A function that queues text for the end-of-run summary."""
    return lambda text: report(request.config, text)


@pytest.fixture(scope="session")
def labelled() -> pl.DataFrame:
    from neijuan.ads.evaluate import load_labelled
    from neijuan.ads.pipeline import prepare

    frame, _ = prepare(load_labelled(LABELLED))
    return frame


@pytest.fixture(scope="session")
def holdout() -> pl.DataFrame:
    from neijuan.ads.evaluate import load_labelled
    from neijuan.ads.pipeline import prepare

    frame, _ = prepare(load_labelled(HOLDOUT))
    return frame


@pytest.fixture(scope="session")
def no_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An empty folder used as the data folder: occupation mapping with built-in aliases only."""
    return tmp_path_factory.mktemp("no-data")
