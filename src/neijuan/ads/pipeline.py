"""Detection over a frame of cleaned ads: the pure middle of ``analyze`` (no I/O here).

Input columns: ``text`` (plain text, already repaired) and optionally ``salary`` (the board's salary
field) and ``title``. Output: the input plus every detector column (see :data:`DETECTED_COLUMNS`).
"""

from __future__ import annotations

import polars as pl

from neijuan.ads import detect
from neijuan.ads.taxonomy import Taxonomy, load_taxonomy
from neijuan.ads.text import language, normalised, repair

# Columns every analysed ad carries (beyond the identifying ones), in output order.
DETECTED_COLUMNS: list[str] = [
    "lang",
    "ai_skill",
    "ai_skill_specialist",
    "ai_skill_tool",
    "ai_specialist_evidence",
    "ai_tool_evidence",
    "degree_level",
    "degree_strength",
    "degree_mentioned",
    "degree_required",
    "degree_evidence",
    "salary_min",
    "salary_max",
    "salary_currency",
    "salary_period",
    "salary_months",
    "salary_annual_min",
    "salary_annual_max",
    "salary_status",
    "salary_evidence",
]


def detector_versions(tax: Taxonomy) -> dict[str, str]:
    """Version of each detector and of the taxonomy, for provenance."""
    return {
        "ai_skill": detect.AI_SKILL_VERSION,
        "degree": detect.DEGREE_VERSION,
        "salary": detect.SALARY_VERSION,
        "taxonomy": f"{tax.name} {tax.version}",
    }


def detect_lazy(
    frame: pl.LazyFrame | pl.DataFrame,
    taxonomy: Taxonomy | None = None,
    default_currency: str | None = None,
) -> pl.LazyFrame:
    """Add the detector columns to ``frame`` (lazily; collect with the streaming engine)."""
    tax = taxonomy or load_taxonomy()
    lf = frame.lazy()
    names = lf.collect_schema().names()
    if "text" not in names:
        raise ValueError("detect_lazy needs a 'text' column")
    salary_field = (
        normalised(pl.col("salary").cast(pl.String)) if "salary" in names
        else pl.lit(None, dtype=pl.String)
    )
    # The title is read with the text: "Machine Learning Researcher" is evidence even when the body
    # only describes the work.
    body = (
        pl.concat_str([pl.col("title").cast(pl.String).fill_null(""), pl.col("text")], separator="\n")
        if "title" in names else pl.col("text")
    )
    lf = lf.with_row_index("_rid").with_columns(
        normalised(body).alias("_t"),
        salary_field.alias("_salary_field"),
        language(pl.col("text")).alias("lang"),
    )
    for stage in detect.ai_skill(tax):
        lf = lf.with_columns(stage)
    lf = detect.degree(lf)
    for stage in detect.salary(default_currency):
        lf = lf.with_columns(stage)
    keep = [c for c in names if c not in DETECTED_COLUMNS] + DETECTED_COLUMNS
    return lf.select(keep)


def detect_frame(
    frame: pl.DataFrame, taxonomy: Taxonomy | None = None, default_currency: str | None = None
) -> pl.DataFrame:
    """Eager convenience wrapper of :func:`detect_lazy`."""
    return detect_lazy(frame, taxonomy, default_currency).collect(engine="streaming")


REPAIRED_COLUMNS = ("text", "title", "salary")


def prepare(frame: pl.DataFrame) -> tuple[pl.DataFrame, dict[str, int]]:
    """Repair HTML and mojibake in the text, title and salary columns; count the rows touched."""
    totals = {"html": 0, "mojibake": 0}
    for column in REPAIRED_COLUMNS:
        if column in frame.columns and frame.schema[column] == pl.String:
            frame, counts = repair(frame, column)
            for key, value in counts.items():
                totals[key] += value if column == "text" else 0
                totals[f"{key}_{column}"] = totals.get(f"{key}_{column}", 0) + value
    return frame, totals
