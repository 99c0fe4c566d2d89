"""The essay's quantitative claims against their sources, the atlas and the model.

Each claim of ``targets/essay_claims.toml`` gets: the essay's number, the source's number and
wording (``targets/published.toml``), a verdict by a stated rule, the atlas's recomputed value
where the data allows (:mod:`neijuan.atlas.claims`, read only) and the model's value with its
5-95% interval over seeds (one :func:`neijuan.simulate` run). Pure functions, except
:func:`model_values` (runs the model) and :func:`atlas_values` (reads the data).
"""

from __future__ import annotations

import functools
import math
import re
import tomllib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

import numpy as np

from neijuan.errors import DataError
from neijuan.targets import published

CLAIMS_FILE = "essay_claims.toml"
VERDICTS = ("matches", "roughly", "misstated", "not found")
VERDICTS_ZH = {"matches": "相符", "roughly": "大致相符", "misstated": "误引", "not found": "未找到出处"}
MATCH_REL, ROUGH_REL = 0.05, 0.25  # the verdict rule's relative distances
SOURCE_OPS = ("value", "ratio", "relative_fall")
MODEL_OPS = ("value", "ratio", "difference", "relative_fall", "cumulative")
_REF = re.compile(r"^(?P<id>[a-z0-9_]+)(\[(?P<k>\d+)\])?$")


@dataclass(frozen=True)
class EssayClaim:
    """One claim of the essay, as recorded in ``essay_claims.toml``."""

    id: str
    essay: str
    essay_en: str
    attributed_to: str
    sources: tuple[str, ...]
    reason_en: str
    reason_zh: str
    unit: str = ""
    essay_figure: float | tuple[float, float] | None = None
    source_figure: dict[str, Any] | None = None
    direction_agrees: bool | None = None
    scope: str = ""
    atlas: dict[str, Any] | None = None
    model: dict[str, Any] | None = None


@functools.cache
def essay_claims() -> tuple[EssayClaim, ...]:
    """Every claim, validated against the published figures and the model's figures."""
    from neijuan.sim.figures import RUN_FIGURES
    from neijuan.targets import model_targets

    text = (resources.files("neijuan.targets") / CLAIMS_FILE).read_text(encoding="utf-8")
    raw = tomllib.loads(text)
    pubs = published()
    moments = {n for t in model_targets() for n in t.moment_names()}
    out = []
    for entry in raw.get("claim", []):
        cid = entry.get("id", "?")
        where = f"{CLAIMS_FILE}: claim {cid!r}"
        for key in ("essay", "essay_en", "attributed_to", "sources", "reason_en", "reason_zh"):
            if not entry.get(key):
                raise DataError(f"{where} lacks {key!r}")
        for sid in entry["sources"]:
            if sid not in pubs:
                raise DataError(f"{where}: source {sid!r} is not in published.toml")
        fig = entry.get("essay_figure")
        if fig is None and entry.get("direction_agrees") is None:
            raise DataError(f"{where}: needs an essay_figure or direction_agrees")
        sf = entry.get("source_figure")
        if sf is not None:
            if sf.get("op") not in SOURCE_OPS:
                raise DataError(f"{where}: source_figure.op must be one of {SOURCE_OPS}")
            for ref in sf.get("of", []):
                m = _REF.match(ref)
                if m is None or m["id"] not in pubs:
                    raise DataError(f"{where}: source_figure refers to {ref!r}, not a "
                                    "published.toml id")
        model = entry.get("model")
        if model is not None:
            if model.get("op") not in MODEL_OPS:
                raise DataError(f"{where}: model.op must be one of {MODEL_OPS}")
            for ref in model.get("of", []):
                kind, _, name = ref.partition(":")
                if not ((kind == "figure" and name in RUN_FIGURES)
                        or (kind == "target" and name in moments)):
                    raise DataError(f"{where}: model refers to {ref!r}; expected figure:<run "
                                    "figure> or target:<published moment>")
        out.append(EssayClaim(
            id=cid, essay=entry["essay"], essay_en=entry["essay_en"],
            attributed_to=entry["attributed_to"], sources=tuple(entry["sources"]),
            reason_en=entry["reason_en"], reason_zh=entry["reason_zh"],
            unit=entry.get("unit", ""),
            essay_figure=(float(fig[0]), float(fig[1])) if isinstance(fig, list) else fig,
            source_figure=sf, direction_agrees=entry.get("direction_agrees"),
            scope=entry.get("scope", ""), atlas=entry.get("atlas"), model=model))
    return tuple(out)


# ------------------------------------------------------------------------------------- verdicts
def _published_number(ref: str) -> float:
    m = _REF.match(ref)
    assert m is not None
    fig = published()[m["id"]].figure
    if isinstance(fig, list):
        return float(fig[int(m["k"] or 0)])
    if fig is None:
        raise DataError(f"{CLAIMS_FILE}: {ref!r} has no figure")
    return float(fig)


def _apply(op: str, values: Sequence[float], years: float = 1.0) -> float:
    if op == "value":
        return values[0]
    if op == "ratio":
        return values[0] / values[1] if values[1] != 0 else math.nan
    if op == "difference":
        return values[0] - values[1]
    if op == "relative_fall":
        return (values[0] - values[1]) / values[0] if values[0] != 0 else math.nan
    if op == "cumulative":
        return math.expm1(values[0] * years)
    raise DataError(f"unknown op {op!r}")


def source_number(claim: EssayClaim) -> float | None:
    """The source's number comparable with the essay's, or None when no source gives one."""
    if claim.source_figure is None:
        return None
    values = [_published_number(r) for r in claim.source_figure["of"]]
    return _apply(claim.source_figure["op"], values)


def verdict(claim: EssayClaim, source: float | None) -> str:
    """The stated rule (see ``essay_claims.toml``)."""
    if claim.essay_figure is None:
        result = "matches" if claim.direction_agrees else "misstated"
    elif source is None:
        return "not found"
    else:
        fig = claim.essay_figure
        lo, hi = (fig if isinstance(fig, tuple) else (fig, fig))
        mid = (lo + hi) / 2
        rel = abs(mid - source) / abs(source) if source != 0 else math.inf
        if lo <= source <= hi or rel <= MATCH_REL:
            result = "matches"
        elif rel <= ROUGH_REL:
            result = "roughly"
        else:
            result = "misstated"
    if claim.scope and result == "matches":
        result = "roughly"
    return result


# ------------------------------------------------------------------------------- atlas and model
def atlas_values(claims: Sequence[EssayClaim], data_dir: Any = None) -> dict[str, Any]:
    """The atlas's recomputed value of each claim that names one: ``{id: {value, label}}``;
    empty (with a reason under ``"_unavailable"``) when the data is absent."""
    from neijuan.datadir import find_data_dir

    wanted = [c for c in claims if c.atlas]
    if not wanted:
        return {}
    found = data_dir or find_data_dir()
    if found is None:
        return {"_unavailable": "the atlas needs the data folder (NEIJUAN_DATA_DIR or "
                                "../shared/data)"}
    from neijuan.atlas import compute_claims, load_atlas

    atlas = load_atlas(found)
    names = sorted({str(c.atlas["claim"]) for c in wanted if c.atlas})
    computed = {c.id: c for c in compute_claims(atlas, names)}
    out: dict[str, Any] = {}
    for c in wanted:
        assert c.atlas is not None
        node: Any = computed[c.atlas["claim"]].summary
        for key in c.atlas["path"]:
            node = node.get(key) if isinstance(node, dict) else None
        out[c.id] = {"value": None if node is None else float(node),
                     "label": c.atlas.get("label", ""), "claim": c.atlas["claim"]}
    return out


def model_values(claims: Sequence[EssayClaim], result: Any) -> dict[str, Any]:
    """The model's value of each claim with a model counterpart: mean and 5-95% over seeds."""
    from neijuan.targets import moments_by_seed

    figures = result.figures_by_seed().sort("seed")
    moments = moments_by_seed(result.series()).sort("seed")
    sc = result.scenario
    years = sc.run.periods / 4.0
    out: dict[str, Any] = {}
    for c in claims:
        if not c.model:
            continue
        columns = []
        for ref in c.model["of"]:
            kind, _, name = ref.partition(":")
            frame = figures if kind == "figure" else moments
            columns.append(frame[name].to_numpy().astype(np.float64))
        per_seed = np.array([_apply(c.model["op"], [col[i] for col in columns], years)
                             for i in range(len(columns[0]))])
        finite = per_seed[np.isfinite(per_seed)]
        out[c.id] = {
            "mean": float(finite.mean()) if finite.size else None,
            "lo": float(np.percentile(finite, 5)) if finite.size else None,
            "hi": float(np.percentile(finite, 95)) if finite.size else None,
            "label": c.model.get("label", ""), "scenario": sc.name, "seeds": len(per_seed)}
    return out


@dataclass
class ClaimRow:
    """One line of the claims report."""

    claim: EssayClaim
    source: float | None
    verdict: str
    atlas: dict[str, Any] | None = None
    model: dict[str, Any] | None = None
    source_wording: list[dict[str, str]] = field(default_factory=list)

    def to_dict(self, lang: str = "en") -> dict[str, Any]:
        c = self.claim
        return {
            "id": c.id, "essay": c.essay, "essay_en": c.essay_en,
            "attributed_to": c.attributed_to, "essay_figure": (list(c.essay_figure)
                                                               if isinstance(c.essay_figure, tuple)
                                                               else c.essay_figure),
            "unit": c.unit, "source_figure": self.source, "sources": self.source_wording,
            "verdict": self.verdict,
            "verdict_label": VERDICTS_ZH[self.verdict] if lang == "zh" else self.verdict,
            "reason": c.reason_zh if lang == "zh" else c.reason_en, "scope": c.scope,
            "atlas": self.atlas, "model": self.model}


def check_claims(result: Any | None = None, *, atlas: bool = True,
                 data_dir: Any = None) -> list[ClaimRow]:
    """Every claim with its verdict, and the atlas's and the model's values where available."""
    claims = essay_claims()
    atlas_vals = atlas_values(claims, data_dir) if atlas else {}
    model_vals = model_values(claims, result) if result is not None else {}
    pubs = published()
    rows = []
    for c in claims:
        src = source_number(c)
        rows.append(ClaimRow(
            claim=c, source=src, verdict=verdict(c, src), atlas=atlas_vals.get(c.id),
            model=model_vals.get(c.id),
            source_wording=[{"id": s, "source": pubs[s].source, "wording": pubs[s].wording,
                             "wording_kind": pubs[s].wording_kind} for s in c.sources]))
    return rows


def run_for_claims(scenario: str = "ai-baseline", *, workers: int = 5000, seeds: int = 4,
                   periods: int = 28, processes: int | None = None,
                   progress: Callable[[int, int], None] | None = None) -> Any:
    """The model run the claims are set against: 2018-2024 (28 quarters) by default, the
    window of the essay's sources."""
    from neijuan.sim.run import simulate

    return simulate(scenario, workers=workers, seeds=seeds, periods=periods,
                    processes=processes, progress=progress)
