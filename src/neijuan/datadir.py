"""Where the real public data lives: a folder given, ``NEIJUAN_DATA_DIR``, or ``../shared/data``.

The project never ships the data; loaders read a local folder. This module only finds that folder,
so that the CLI, the loaders and the tests agree on one rule.
"""

from __future__ import annotations

import os
from pathlib import Path

ENV_VAR = "NEIJUAN_DATA_DIR"


def _shared_candidates() -> list[Path]:
    """``shared/data`` beside the checkout (``../shared/data`` from the repository root)."""
    roots = [Path.cwd(), Path(__file__).resolve().parent]
    found: list[Path] = []
    for root in roots:
        for parent in [root, *root.parents]:
            candidate = parent.parent / "shared" / "data"
            if (parent / "pyproject.toml").exists() and candidate.is_dir():
                found.append(candidate)
    return found


def find_data_dir(explicit: str | os.PathLike[str] | None = None) -> Path | None:
    """The data folder to use, or ``None`` when there is none.

    Order: ``explicit`` (a CLI option), then ``$NEIJUAN_DATA_DIR``, then ``../shared/data`` beside
    the project checkout. An explicit folder or environment variable that does not exist is an
    error the caller reports; this function returns it as given so the message can name it.
    """
    if explicit is not None:
        return Path(explicit).expanduser()
    env = os.environ.get(ENV_VAR)
    if env:
        return Path(env).expanduser()
    for candidate in _shared_candidates():
        return candidate
    return None
