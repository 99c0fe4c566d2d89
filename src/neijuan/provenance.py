"""What every result carries: code version, and helpers to stamp results with it."""

from __future__ import annotations

import functools
import subprocess
from importlib import metadata
from pathlib import Path


@functools.cache
def package_version() -> str:
    """The installed package version (``0.1.0``), or ``0+unknown`` when run from a bare tree."""
    try:
        return metadata.version("neijuan")
    except metadata.PackageNotFoundError:
        return "0+unknown"


@functools.cache
def code_version() -> str:
    """Package version plus the git commit of the source tree when it is a checkout.

    ``0.1.0+g1a2b3c4`` (or ``...-dirty`` with uncommitted changes); just the package version when
    git or the checkout is absent, as in an installed wheel.
    """
    version = package_version()
    here = Path(__file__).resolve().parent
    try:
        sha = subprocess.run(
            ["git", "-C", str(here), "rev-parse", "--short=10", "HEAD"],
            capture_output=True, text=True, timeout=5, check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(here), "status", "--porcelain", "--untracked-files=no", "."],
            capture_output=True, text=True, timeout=5, check=True,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return version
    if not sha:
        return version
    return f"{version}+g{sha}{'-dirty' if dirty else ''}"
