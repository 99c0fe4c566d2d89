"""Published figures: one place for every number the project quotes, with source and wording.

``published.toml`` holds each figure with its source, citation, the wording it rests on and how
exact that wording is; entries with a ``model_figure`` say which run figure of the simulator they
constrain, over which years and after which transform (for the calibration's fit report).
"""

from __future__ import annotations

import functools
import tomllib
from dataclasses import dataclass
from importlib import resources
from typing import Any

from neijuan.errors import DataError

PUBLISHED_FILE = "published.toml"
WORDING_KINDS = ("quote", "press", "project", "summary")


@dataclass(frozen=True)
class Published:
    """A published figure with its source and wording."""

    id: str
    source: str
    citation: str
    wording: str
    wording_kind: str
    unit: str
    figure: float | list[float] | None = None
    note: str | None = None
    direction: str | None = None
    model_figure: str | None = None
    window: tuple[int, int] | None = None
    transform: str | None = None


@functools.cache
def published() -> dict[str, Published]:
    """Every published figure, by id (validated: each has a source, a citation and wording)."""
    text = (resources.files("neijuan.targets") / PUBLISHED_FILE).read_text(encoding="utf-8")
    raw: dict[str, Any] = tomllib.loads(text)
    out: dict[str, Published] = {}
    for key, entry in raw.items():
        if not isinstance(entry, dict):
            continue
        for required in ("source", "citation", "wording", "wording_kind", "unit"):
            if not entry.get(required):
                raise DataError(f"{PUBLISHED_FILE}: entry [{key}] lacks {required!r}")
        if entry["wording_kind"] not in WORDING_KINDS:
            raise DataError(f"{PUBLISHED_FILE}: entry [{key}] wording_kind = "
                            f"{entry['wording_kind']!r}; allowed: {', '.join(WORDING_KINDS)}")
        if entry.get("figure") is None and not entry.get("direction"):
            raise DataError(f"{PUBLISHED_FILE}: entry [{key}] has neither a figure nor a direction")
        window = entry.get("window")
        out[key] = Published(
            id=key, source=entry["source"], citation=entry["citation"],
            wording=entry["wording"], wording_kind=entry["wording_kind"], unit=entry["unit"],
            figure=entry.get("figure"), note=entry.get("note"),
            direction=entry.get("direction"), model_figure=entry.get("model_figure"),
            window=(int(window[0]), int(window[1])) if window else None,
            transform=entry.get("transform"))
    return out


__all__ = ["Published", "published"]
