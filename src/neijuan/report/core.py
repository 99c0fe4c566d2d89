"""What the report, ``compare`` and the web app show, as plain data, from :func:`neijuan.simulate`
results: no figure of the model is computed here (the API computes them); this module only
gathers them, and summarises seeds into bands for plotting.

Everything returns JSON-ready dicts or Polars frames, so the HTML report, the terminal and the
web page all draw the same numbers.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import polars as pl

BAND = (5.0, 95.0)  # the seed interval drawn as a band, as in every summary


def stamp(result: Any) -> dict[str, Any]:
    """What every figure states: scenario, seeds, size, economy (data) and code version."""
    sc = result.scenario
    prov = result.provenance
    economy = prov.get("economy")
    if isinstance(economy, dict):
        data = ", ".join(f"{k}={v}" for k, v in sorted(economy.items())
                         if isinstance(v, str | int | float))
    else:
        data = str(economy) if economy else "builtin"
    return {"scenario": sc.name, "seeds": list(result.seeds), "workers": sc.run.workers,
            "periods": sc.run.periods, "burn_in": sc.run.burn_in,
            "start_year": sc.run.start_year, "code_version": prov.get("code_version", ""),
            "data": data, "twin": result.twin is not None}


def series_bands(result: Any, names: Sequence[str], *, twin: bool = False) -> dict[str, Any]:
    """Per measured period, each named per-period figure's mean and 5-95% band over seeds.

    ``{"year": [...], "figures": {name: {"mean", "lo", "hi"}}}``; ``twin`` takes the no-AI twin's
    series (empty when there is none)."""
    source = result.twin if twin else result
    if source is None:
        return {"year": [], "figures": {}}
    frame = source.series().filter(pl.col("measured"))
    missing = [n for n in names if n not in frame.columns]
    if missing:
        raise KeyError(f"unknown per-period figure(s) {', '.join(missing)}")
    seeds = frame["seed"].unique().sort().to_list()
    periods = frame.filter(pl.col("seed") == seeds[0]).sort("period")
    years = periods["year"].to_list()
    out: dict[str, Any] = {"year": [float(y) for y in years], "figures": {}}
    ordered = frame.sort("seed", "period")
    for name in names:
        grid = ordered[name].to_numpy().reshape(len(seeds), len(years)).astype(np.float64)
        lo, hi = np.nanpercentile(grid, BAND, axis=0) if grid.size else (grid, grid)
        out["figures"][name] = {"mean": _clean(np.nanmean(grid, axis=0)), "lo": _clean(lo),
                                "hi": _clean(hi)}
    return out


def _clean(values: np.ndarray) -> list[float | None]:
    return [float(v) if np.isfinite(v) else None for v in np.asarray(values, dtype=np.float64)]


def figure_rows(result: Any) -> list[dict[str, Any]]:
    """Each run figure: level (mean, lo, hi), AI effect (mean, lo, hi, or None), unit, meaning,
    in the order of the groups of the argument."""
    from neijuan.sim.figures import GROUPS

    levels = {r["figure"]: r for r in result.summary().iter_rows(named=True)}
    effects = ({r["figure"]: r for r in result.effects().iter_rows(named=True)}
               if result.twin is not None else {})
    rows = []
    for group, names in GROUPS.items():
        for name in names:
            lev = levels[name]
            eff = effects.get(name)
            rows.append({"group": group, "figure": name, "unit": lev["unit"],
                         "description": lev["description"],
                         "mean": lev["mean"], "lo": lev["lo"], "hi": lev["hi"],
                         "effect": None if eff is None else eff["mean"],
                         "effect_lo": None if eff is None else eff["lo"],
                         "effect_hi": None if eff is None else eff["hi"]})
    return rows


def compare_frame(results: Sequence[Any], figures: Sequence[str] | None = None) -> pl.DataFrame:
    """Scenarios side by side, long form: scenario, figure, level and AI effect with intervals."""
    rows = []
    for result in results:
        for row in figure_rows(result):
            if figures and row["figure"] not in figures:
                continue
            rows.append({"scenario": result.scenario.name, **row})
    return pl.DataFrame(rows, schema_overrides={"effect": pl.Float64, "effect_lo": pl.Float64,
                                                 "effect_hi": pl.Float64})


def format_value(value: float | None, unit: str, effect: bool = False) -> str:
    """A figure as people read it: shares in % (effects in pp), growth in %/yr (pp/yr)."""
    if value is None or not np.isfinite(value):
        return "-"
    if unit == "share":
        return f"{100 * value:+.1f}pp" if effect else f"{100 * value:.1f}%"
    if unit == "1/yr":
        return f"{100 * value:+.2f}pp/yr" if effect else f"{100 * value:+.2f}%/yr"
    return f"{value:+.3g}" if effect else f"{value:.3g}"


def result_payload(result: Any, figures: Sequence[str]) -> dict[str, Any]:
    """A run as the web page and the report use it: the summary (``to_dict``), every figure row,
    the stamp, and bands of the named per-period figures for the run and its twin."""
    data = result.to_dict()
    return {"summary": data, "rows": figure_rows(result), "stamp": stamp(result),
            "bands": series_bands(result, figures),
            "twin_bands": series_bands(result, figures, twin=True)}


# ------------------------------------------------------------------------------------ atlas
ATLAS_INDICES = ("eloundou_human_beta", "eloundou_gpt4_beta", "aei_usage_pct", "felten_aioe",
                 "ms_ai_applicability", "frey_osborne", "workbank_automation_capacity")


def wage_deciles(atlas: Any, indices: Sequence[str] = ATLAS_INDICES) -> dict[str, Any]:
    """Exposure by wage decile as the atlas's claim computes it (employment-weighted), each
    index put on one scale (z-scores across the deciles) so that their slopes can be read side
    by side."""
    from neijuan.atlas.claims import exposure_by_wage_decile

    table = exposure_by_wage_decile(atlas).table.sort("decile")
    present = [n for n in indices if n in table.columns]
    z: dict[str, list[float | None]] = {}
    for name in present:
        v = table[name].to_numpy().astype(np.float64)
        sd = np.nanstd(v)
        z[name] = _clean((v - np.nanmean(v)) / sd if sd > 0 else v * 0)
    return {"decile": table["decile"].to_list(), "indices": present, "z": z}


def index_agreement(atlas: Any, indices: Sequence[str] = ATLAS_INDICES) -> dict[str, Any]:
    """Spearman rank correlation of each pair of occupation-level indices (pairwise complete):
    where the published indices agree on who is exposed, and where they disagree."""
    occ = atlas.occupations
    present = [n for n in indices if n in occ.columns]
    rho = np.full((len(present), len(present)), np.nan)
    for i, a in enumerate(present):
        for j, b in enumerate(present):
            if i == j:
                rho[i, j] = 1.0
                continue
            pair = occ.select(pl.col(a).alias("a"), pl.col(b).alias("b")).drop_nulls().drop_nans()
            if pair.height >= 3:
                ranked = pair.select(pl.col("a").rank(), pl.col("b").rank())
                rho[i, j] = float(np.corrcoef(ranked["a"].to_numpy(),
                                              ranked["b"].to_numpy())[0, 1])
    return {"indices": present, "rho": [_clean(row) for row in rho]}
