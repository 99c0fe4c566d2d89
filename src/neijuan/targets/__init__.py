"""Published figures: one place for every number the project quotes, with source and wording.

``published.toml`` holds each figure with its source, citation, the wording it rests on and how
exact that wording is; entries with a ``model_figure`` say which run figure of the simulator they
constrain, over which years and after which transform (for the calibration's fit report), with
the tolerance within which the model should land, the weight of the target in the simulated method
of moments and whether it is in the fit (``in_fit = false``: an out-of-sample check).

Nominal and real: a target with ``deflator = "<id>"`` is nominal in its source; its published
growth is turned real with the price index of entry ``<id>`` (two levels, first and last year of the
window), and the model's counterpart is divided by the model's own consumer price index (the
``raw_cpi`` column of :meth:`neijuan.Result.series`) before the transform, so real is compared
with real.
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
    tolerance: float | list[float] | None = None
    weight: float = 1.0
    in_fit: bool = False
    deflator: str | None = None
    derived_from: tuple[str, str] | None = None

    def moment_names(self) -> list[str]:
        """One name per compared number: the id, or ``<id>_start`` / ``<id>_end`` for endpoints."""
        if self.transform == "endpoints":
            return [f"{self.id}_start", f"{self.id}_end"]
        return [self.id]


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
        if entry.get("figure") is None and not entry.get("direction") \
                and not entry.get("derived_from"):
            raise DataError(f"{PUBLISHED_FILE}: entry [{key}] has neither a figure nor a direction")
        derived = entry.get("derived_from")
        if derived is not None and (not isinstance(derived, list) or len(derived) != 2
                                    or entry.get("transform") != "log_gap"):
            raise DataError(f"{PUBLISHED_FILE}: [{key}] derived_from must name two entries, "
                            "with transform = \"log_gap\"")
        window = entry.get("window")
        _check_fit_fields(key, entry)
        out[key] = Published(
            id=key, source=entry["source"], citation=entry["citation"],
            wording=entry["wording"], wording_kind=entry["wording_kind"], unit=entry["unit"],
            figure=entry.get("figure"), note=entry.get("note"),
            direction=entry.get("direction"), model_figure=entry.get("model_figure"),
            window=(int(window[0]), int(window[1])) if window else None,
            transform=entry.get("transform"), tolerance=entry.get("tolerance"),
            weight=float(entry.get("weight", 1.0)), in_fit=bool(entry.get("in_fit", False)),
            deflator=entry.get("deflator"),
            derived_from=(str(derived[0]), str(derived[1])) if derived else None)
    for entry_ in out.values():
        for part in entry_.derived_from or ():
            base_ = out.get(part)
            if base_ is None or base_.transform != "cumulative" or not base_.model_figure:
                raise DataError(f"{PUBLISHED_FILE}: [{entry_.id}] derived_from names {part!r}, "
                                "which must be a cumulative growth with a model_figure")
        if entry_.deflator is not None:
            base = out.get(entry_.deflator)
            if base is None or not isinstance(base.figure, list) or len(base.figure) != 2:
                raise DataError(f"{PUBLISHED_FILE}: [{entry_.id}] deflator = {entry_.deflator!r} "
                                "must name an entry whose figure is two price levels")
    return out


def _check_fit_fields(key: str, entry: dict[str, Any]) -> None:
    """The calibration fields: tolerance > 0 (one per compared number), weight > 0, in_fit bool."""
    if not entry.get("model_figure") and not entry.get("derived_from"):
        for field_ in ("tolerance", "in_fit", "deflator"):
            if field_ in entry:
                raise DataError(f"{PUBLISHED_FILE}: [{key}] has {field_!r} but no model_figure")
        return
    n = 2 if entry.get("transform") == "endpoints" else 1
    tol = entry.get("tolerance")
    tols = tol if isinstance(tol, list) else [tol]
    if tol is None or len(tols) != n or not all(isinstance(t, (int, float)) and t > 0
                                                 for t in tols):
        raise DataError(f"{PUBLISHED_FILE}: [{key}] tolerance = {tol!r}; expected "
                        f"{'a positive number' if n == 1 else 'two positive numbers'}")
    weight = entry.get("weight", 1.0)
    if not isinstance(weight, (int, float)) or weight <= 0:
        raise DataError(f"{PUBLISHED_FILE}: [{key}] weight = {weight!r}; expected a number > 0")
    if not isinstance(entry.get("in_fit", False), bool):
        raise DataError(f"{PUBLISHED_FILE}: [{key}] in_fit must be true or false")


def model_targets() -> list[Published]:
    """The published figures the model is compared with (a ``model_figure``, or derived from
    two that have one)."""
    return [t for t in published().values() if t.model_figure or t.derived_from]


def published_values(target: Published) -> list[float]:
    """The published numbers of a target, made real when it names a deflator:
    ``(1 + g) / (P_end / P_start) - 1`` for a cumulative growth. A ``log_gap`` is
    ``ln(1 + g_a) - ln(1 + g_b)`` of its two entries' nominal figures: a common price level
    cancels, so it needs no deflator."""
    import math

    if target.derived_from is not None:
        a, b = (published()[i].figure for i in target.derived_from)
        assert isinstance(a, (int, float)) and isinstance(b, (int, float))
        return [math.log1p(float(a)) - math.log1p(float(b))]
    figure = (target.figure if isinstance(target.figure, list)
              else [] if target.figure is None else [target.figure])
    values = [float(v) for v in figure]
    if target.deflator is None:
        return values
    levels = published()[target.deflator].figure
    assert isinstance(levels, list)
    ratio = float(levels[1]) / float(levels[0])
    if target.transform != "cumulative":
        raise DataError(f"{PUBLISHED_FILE}: [{target.id}] a deflator applies only to a "
                        "cumulative growth")
    return [(1.0 + v) / ratio - 1.0 for v in values]


def tolerances(target: Published) -> list[float]:
    """One tolerance per compared number."""
    tol = target.tolerance
    if tol is None:
        return [float("nan")] * len(target.moment_names())
    return [float(t) for t in tol] if isinstance(tol, list) else [float(tol)]


def moments_by_seed(series: Any, targets: list[Published] | None = None) -> Any:
    """The model's counterpart of every target, one row per seed, one column per moment name.

    ``series`` is :meth:`neijuan.Result.series` (per period and seed, with ``year``). A target
    whose window the run does not cover gives NaN (the caller reports it); a deflated target
    needs the model's price index ``raw_cpi``.
    """
    import numpy as np
    import polars as pl

    chosen = model_targets() if targets is None else targets
    seeds = np.unique(series["seed"].to_numpy())
    out: dict[str, Any] = {"seed": seeds}
    frames = {int(s): f.sort("period") for (s,), f in series.group_by("seed")}
    pubs = published()
    needed = [t for t in chosen if t.derived_from is None]
    for t in chosen:  # a derived target needs its two parts
        for part in t.derived_from or ():
            if all(n.id != part for n in needed):
                needed.append(pubs[part])
    for target in needed:
        assert target.model_figure is not None
        per_seed = []
        for seed in seeds:
            frame = frames[int(seed)]
            values = frame[target.model_figure].to_numpy()
            if target.deflator is not None:
                if "raw_cpi" not in frame.columns:
                    per_seed.append([float("nan")] * len(target.moment_names()))
                    continue
                values = values / frame["raw_cpi"].to_numpy()
            per_seed.append(model_value(target, frame["year"].to_numpy(), values))
        arr = np.array(per_seed, dtype=np.float64).reshape(len(seeds), -1)
        for k, name in enumerate(target.moment_names()):
            out[name] = arr[:, k]
    for target in chosen:
        if target.derived_from is not None:
            a, b = target.derived_from
            with np.errstate(invalid="ignore", divide="ignore"):
                out[target.id] = np.log1p(out[a]) - np.log1p(out[b])
    keep = {"seed", *(n for t in chosen for n in t.moment_names())}
    return pl.DataFrame({k: v for k, v in out.items() if k in keep})


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
    if target.transform == "cumulative":  # undefined from a zero start (a tiny run)
        return [end / start - 1.0 if start != 0 else float("nan")]
    if target.transform == "endpoints":
        return [start, end]
    mask = (np.floor(years) >= first) & (np.floor(years) <= last)
    return [float(values[mask].mean()) if mask.any() else float("nan")]


def compare(moments: Any, targets: list[Published] | None = None) -> list[dict[str, Any]]:
    """Each compared number: published (real where deflated), simulated mean and 5-95% over the
    seeds of ``moments`` (:func:`moments_by_seed`), tolerance, within, in_fit, source."""
    import numpy as np

    chosen = model_targets() if targets is None else targets
    rows: list[dict[str, Any]] = []
    for target in chosen:
        for name, pub, tol in zip(target.moment_names(), published_values(target),
                                  tolerances(target), strict=True):
            column = moments[name].to_numpy().astype(np.float64)
            finite = column[np.isfinite(column)]
            mean = float(finite.mean()) if finite.size else float("nan")
            lo = float(np.percentile(finite, 5)) if finite.size else float("nan")
            hi = float(np.percentile(finite, 95)) if finite.size else float("nan")
            rows.append({
                "name": name, "published": pub,
                "simulated": {"mean": mean, "lo": lo, "hi": hi},
                "tolerance": tol,
                "within": bool(np.isfinite(mean) and abs(mean - pub) <= tol),
                "in_fit": target.in_fit, "weight": target.weight,
                "model_figure": target.model_figure or (
                    f"log_gap({', '.join(target.derived_from or ())})"),
                "window": f"{target.window[0]}-{target.window[1]}" if target.window else "",
                "transform": target.transform,
                "real": target.deflator is not None,
                "source": target.source, "wording": target.wording,
            })
    return rows


def fit_report(result: Any) -> Any:
    """Each published figure with a model counterpart beside the simulated value (mean and 5-95%
    over seeds), with its source, tolerance and fit status, as a table (MODEL.md section 5)."""
    import polars as pl

    rows = compare(moments_by_seed(result.series()))
    return pl.DataFrame([{
        "target": r["name"], "published": r["published"], "simulated": r["simulated"]["mean"],
        "lo": r["simulated"]["lo"], "hi": r["simulated"]["hi"], "tolerance": r["tolerance"],
        "within": r["within"], "in_fit": r["in_fit"], "model_figure": r["model_figure"],
        "window": r["window"], "transform": r["transform"], "real": r["real"],
        "source": r["source"], "wording": r["wording"]} for r in rows])


__all__ = ["Published", "compare", "fit_report", "model_targets", "model_value",
           "moments_by_seed", "published", "published_values", "tolerances"]
