"""Shared fixtures: where the real data is, and a clear skip when it is not."""

from __future__ import annotations

from pathlib import Path

import pytest

from neijuan.datadir import find_data_dir


@pytest.fixture(scope="session")
def real_data_dir() -> Path:
    """The real public data folder (``NEIJUAN_DATA_DIR`` or ``../shared/data``), or skip."""
    found = find_data_dir()
    if found is None or not found.is_dir():
        pytest.skip("real data not found: set NEIJUAN_DATA_DIR or place it at ../shared/data")
    return found
