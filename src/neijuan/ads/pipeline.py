"""Detection over a frame of cleaned ads: the pure middle of ``analyze`` (no I/O here).

Input columns: ``text`` (plain text, already repaired) and optionally ``salary`` (the board's salary
field) and ``title``. Output: the input plus every detector column (see :data:`DETECTED_COLUMNS`).
"""

from __future__ import annotations

import polars as pl

from neijuan.ads import detect
from neijuan.ads.taxonomy import Taxonomy, load_taxonomy
from neijuan.ads.text import fold, language, repair

# Columns every analysed ad carries (beyond the identifying ones), in output order.
DETECTED_COLUMNS: list[str] = [
    "lang",
    "ai_skill",
    "ai_skill_specialist",
    "ai_skill_tool",
    "ai_skill_preferred",
    "ai_specialist_evidence",
    "ai_tool_evidence",
    "ai_judged_clauses",
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
    "salary_ref_currency",
    "salary_annual_min_ref",
    "salary_annual_max_ref",
    "salary_ote",
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


def work_frame(df: pl.DataFrame) -> pl.DataFrame:
    """The detectors' working columns of ``df`` (``_rid``, ``_t``, ``_tt``, ``_salary_field``,
    ``_year``, ``lang``): folded text, title and salary field, and the posting year."""
    if "text" not in df.columns:
        raise ValueError("detect_frame needs a 'text' column")

    def column(name: str) -> pl.Series:
        if name in df.columns:
            return fold(df[name].cast(pl.String))
        return pl.Series(name, [None] * df.height, dtype=pl.String)

    # The title is read with the text by the AI-skill detector: "Machine Learning Researcher" is
    # evidence even when the body only describes the work.
    # The posting year picks the exchange rate for the salary in the reference currency.
    if "date" in df.columns and df.schema["date"].is_temporal():
        year = df["date"].dt.year().cast(pl.Int32)
    elif "date" in df.columns:
        year = df["date"].cast(pl.String).str.slice(0, 4).cast(pl.Int32, strict=False)
    else:
        year = pl.Series([None] * df.height, dtype=pl.Int32)
    return pl.DataFrame({
        "_rid": pl.int_range(df.height, dtype=pl.UInt32, eager=True),
        "_t": column("text"), "_tt": column("title"), "_salary_field": column("salary"),
        "_year": year,
    }).with_columns(language(pl.col("_t")).alias("lang"))


def detect_frame(
    frame: pl.DataFrame | pl.LazyFrame,
    taxonomy: Taxonomy | None = None,
    default_currency: str | None = None,
    judge: detect.Judge | None = None,
    learned: detect.Learned | None = None,
) -> pl.DataFrame:
    """``frame`` with the detector columns (:data:`DETECTED_COLUMNS`) added.

    ``judge`` decides the AI-skill clauses the rules are unsure of (see
    :func:`neijuan.ads.detect.ai_skill`; the shipped one is :func:`neijuan.ads.judge.load_judge`).
    ``learned`` is the learned ad-level decision on the rules' candidate ads (the shipped one is
    :func:`neijuan.ads.learned.load_learned`).

    Each detector is a lazy Polars plan over the few columns it reads; its result (one row per ad,
    in order) is stacked beside the input, so the wide text columns are never copied by a join.
    """
    tax = taxonomy or load_taxonomy()
    df = frame.collect() if isinstance(frame, pl.LazyFrame) else frame
    work = work_frame(df)
    lazy = work.lazy()
    parts = [
        work.select("lang"),
        detect.ai_skill(work, tax, judge, learned).collect(),
        detect.degree(lazy.select("_rid", "_t")).collect(),
        detect.salary(lazy, default_currency).collect(),
    ]
    keep = df.drop([c for c in DETECTED_COLUMNS if c in df.columns])
    return pl.concat([keep, *parts], how="horizontal").select(
        [*keep.columns, *DETECTED_COLUMNS])


def detect_lazy(
    frame: pl.LazyFrame | pl.DataFrame,
    taxonomy: Taxonomy | None = None,
    default_currency: str | None = None,
    judge: detect.Judge | None = None,
    learned: detect.Learned | None = None,
) -> pl.LazyFrame:
    """:func:`detect_frame` as a LazyFrame, to chain further lazy steps."""
    return detect_frame(frame, taxonomy, default_currency, judge, learned).lazy()


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
