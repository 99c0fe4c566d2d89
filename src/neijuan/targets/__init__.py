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


TRANSFORMS = ("cumulative", "level", "endpoints")


def _year_mean(years: Any, values: Any, year: int) -> float:
    import numpy as np

    mask = np.floor(years) == year
    return float(values[mask].mean()) if mask.any() else float("nan")


def model_value(target: Published, years: Any, values: Any) -> list[float]:
    """The model's counterpart of a published figure from one seed's per-period series:
    ``cumulative`` = last-year mean / first-year mean - 1; ``level`` = mean over the window;
    ``endpoints`` = first-year and last-year means."""
    import numpy as np

    if target.window is None or target.transform not in TRANSFORMS:
        raise DataError(f"{PUBLISHED_FILE}: [{target.id}] needs a window and a transform "
                        f"({', '.join(TRANSFORMS)}) to be compared with the model")
    first, last = target.window
    start, end = _year_mean(years, values, first), _year_mean(years, values, last)
    if target.transform == "cumulative":
        return [end / start - 1.0]
    if target.transform == "endpoints":
        return [start, end]
    mask = (np.floor(years) >= first) & (np.floor(years) <= last)
    return [float(values[mask].mean()) if mask.any() else float("nan")]


def fit_report(result: Any) -> Any:
    """Each published figure with a model counterpart beside the simulated value (mean and 5-95%
    over seeds), with its source: the fit report of MODEL.md section 5."""
    import numpy as np
    import polars as pl

    series = result.series()
    rows = []
    for target in published().values():
        if not target.model_figure:
            continue
        per_seed = []
        for _, frame in series.group_by("seed"):
            frame = frame.sort("period")
            per_seed.append(model_value(target, frame["year"].to_numpy(),
                                        frame[target.model_figure].to_numpy()))
        values = np.array(per_seed)
        figure: list[float] = (target.figure if isinstance(target.figure, list)
                               else [] if target.figure is None else [target.figure])
        for k, published_value in enumerate(figure):
            column = values[:, k]
            label = "" if len(figure) == 1 else (" (start)" if k == 0 else " (end)")
            rows.append({
                "target": target.id + label, "published": float(published_value),
                "simulated": float(np.nanmean(column)),
                "lo": float(np.nanpercentile(column, 5)), "hi": float(np.nanpercentile(column, 95)),
                "model_figure": target.model_figure, "window": f"{target.window[0]}-"
                f"{target.window[1]}" if target.window else "", "transform": target.transform,
                "source": target.source, "wording": target.wording,
            })
    return pl.DataFrame(rows)


__all__ = ["Published", "fit_report", "model_value", "published"]
