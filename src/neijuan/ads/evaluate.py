"""Accuracy of the detectors on a hand-labelled set: precision, recall, F1 and salary exact matches.

The labelled set (``tests/ads/labelled/*.toml``) is read by :func:`load_labelled`; the scores are
computed by :func:`score`, per language. ``neijuan ads eval`` prints them; the test suite asserts the
targets of issue 4 (F1 >= 0.9 for AI skill and degree, both languages).
"""

from __future__ import annotations

import math
import tomllib
from pathlib import Path
from typing import Any

import polars as pl

from neijuan.errors import DataError

GOLD_FIELDS = [
    "ai_specialist", "ai_tool", "degree_level", "degree_strength", "salary_min", "salary_max",
    "salary_currency", "salary_period", "salary_months",
]


def _garble(text: str) -> str:
    """UTF-8 bytes read as cp1252: how mojibake arises in scraped corpora (ftfy's sloppy codec)."""
    import ftfy.bad_codecs  # noqa: F401  registers "sloppy-windows-1252"

    return text.encode("utf-8").decode("sloppy-windows-1252")


def load_labelled(folder: str | Path) -> pl.DataFrame:
    """All ``*.toml`` files of a labelled-set folder as one frame (text garbled where marked)."""
    rows: list[dict[str, Any]] = []
    files = sorted(Path(folder).glob("*.toml"))
    if not files:
        raise DataError(f"no labelled files (*.toml) in {folder}")
    for path in files:
        try:
            ads = tomllib.loads(path.read_text(encoding="utf-8")).get("ad", [])
        except tomllib.TOMLDecodeError as exc:
            raise DataError(f"{path}: invalid TOML: {exc}") from None
        for ad in ads:
            missing = [k for k in ("id", "date", "text", "ai_specialist", "ai_tool",
                                   "degree_level", "degree_strength") if k not in ad]
            if missing:
                raise DataError(f"{path}: ad {ad.get('id', '?')} lacks {', '.join(missing)}")
            text = ad["text"]
            if ad.get("corrupt") == "mojibake":
                text = _garble(text)
            rows.append({
                "id": ad["id"], "date": ad["date"], "title": ad.get("title"), "text": text,
                "salary": ad.get("salary"), "tags": ad.get("tags", []),
                "gold_lang": ad["id"].split("-")[0],
                **{f"gold_{k}": ad.get(k) for k in GOLD_FIELDS},
            })
    frame = pl.DataFrame(rows, infer_schema_length=None)
    for k in ("salary_min", "salary_max"):
        frame = frame.with_columns(pl.col(f"gold_{k}").cast(pl.Float64))
    return frame.with_columns(pl.col("gold_salary_months").cast(pl.Int32))


def _prf(pred: pl.Series, gold: pl.Series) -> dict[str, float]:
    tp = int((pred & gold).sum())
    fp = int((pred & ~gold).sum())
    fn = int((~pred & gold).sum())
    p = tp / (tp + fp) if tp + fp else math.nan
    r = tp / (tp + fn) if tp + fn else math.nan
    f = 2 * p * r / (p + r) if (tp and p + r) else (0.0 if tp + fp + fn else math.nan)
    return {"precision": p, "recall": r, "f1": f, "support": float(tp + fn), "tp": tp, "fp": fp,
            "fn": fn}


def _macro_f1(pred: pl.Series, gold: pl.Series) -> float:
    """Macro-averaged F1 over the classes present in the gold labels."""
    scores = [_prf(pred == c, gold == c)["f1"] for c in gold.unique().to_list()]
    return float(sum(scores) / len(scores)) if scores else math.nan


def _close(a: pl.Expr, b: pl.Expr) -> pl.Expr:
    return (a.is_null() & b.is_null()) | ((a - b).abs() <= 1e-6 * b.abs().fill_null(1.0) + 1e-9)


def score(detected: pl.DataFrame) -> pl.DataFrame:
    """One row per (language, measure): precision, recall, F1 and support; salary exact-match rate.

    ``detected`` is the labelled frame after detection. AI skill ("either"), specialist and tool are
    binary labels. "degree" is the binary label "asks for a degree" (required, preferred or
    alternative), scored with P/R/F1; the level and strength are scored as accuracy and macro-F1.
    A salary counts as an exact match when min, max, currency and period all equal the gold values
    (and the number of monthly payments, where the gold states one).
    """
    d = detected.with_columns(
        (pl.col("gold_ai_specialist") | pl.col("gold_ai_tool")).alias("gold_ai_skill"),
        pl.col("gold_degree_strength").is_in(["required", "preferred", "alternative"])
        .alias("gold_degree_mentioned"),
        (
            _close(pl.col("salary_min"), pl.col("gold_salary_min"))
            & _close(pl.col("salary_max"), pl.col("gold_salary_max"))
            & pl.col("salary_currency").eq_missing(pl.col("gold_salary_currency"))
            & pl.col("salary_period").eq_missing(pl.col("gold_salary_period"))
            & (pl.col("gold_salary_months").is_null()
               | pl.col("salary_months").eq_missing(pl.col("gold_salary_months")))
        ).alias("salary_exact"),
    )
    rows: list[dict[str, Any]] = []
    for lang in ["en", "zh", "all"]:
        sub = d if lang == "all" else d.filter(pl.col("gold_lang") == lang)
        for name, pred, gold in [
            ("ai_skill", "ai_skill", "gold_ai_skill"),
            ("ai_specialist", "ai_skill_specialist", "gold_ai_specialist"),
            ("ai_tool", "ai_skill_tool", "gold_ai_tool"),
            ("degree_mentioned", "degree_mentioned", "gold_degree_mentioned"),
            ("degree_required", "degree_required", None),
        ]:
            g = (sub["gold_degree_strength"] == "required") if gold is None else sub[gold]
            rows.append({"lang": lang, "measure": name, **_prf(sub[pred], g)})
        for name, col in [("degree_level", "degree_level"), ("degree_strength", "degree_strength")]:
            acc = float((sub[col] == sub[f"gold_{col}"]).mean() or 0.0)  # type: ignore[arg-type]
            rows.append({"lang": lang, "measure": f"{name} (accuracy)", "precision": math.nan,
                         "recall": math.nan, "f1": _macro_f1(sub[col], sub[f"gold_{col}"]),
                         "support": float(sub.height), "accuracy": acc})
        rows.append({"lang": lang, "measure": "salary exact match", "precision": math.nan,
                     "recall": math.nan, "f1": math.nan, "support": float(sub.height),
                     "accuracy": float(sub["salary_exact"].mean() or 0.0)})  # type: ignore[arg-type]
    return pl.DataFrame(rows, infer_schema_length=None).select(
        "lang", "measure", "precision", "recall", "f1", "accuracy", "support"
    )


def errors(detected: pl.DataFrame, field: str) -> pl.DataFrame:
    """The labelled ads a detector got wrong on ``field`` (for reading, not for tuning the set)."""
    pairs = {
        "ai_specialist": ("ai_skill_specialist", "gold_ai_specialist"),
        "ai_tool": ("ai_skill_tool", "gold_ai_tool"),
        "degree_level": ("degree_level", "gold_degree_level"),
        "degree_strength": ("degree_strength", "gold_degree_strength"),
    }
    if field == "salary":
        cols = ["salary_min", "salary_max", "salary_currency", "salary_period", "salary_months"]
        cond = pl.any_horizontal(
            [~pl.col(c).eq_missing(pl.col(f"gold_{c}")) for c in cols[2:4]]
            + [~_close(pl.col(c), pl.col(f"gold_{c}")) for c in cols[:2]]
            + [pl.col("gold_salary_months").is_not_null()
               & ~pl.col("salary_months").eq_missing(pl.col("gold_salary_months"))]
        )
        return detected.filter(cond).select(
            "id", "salary_evidence", "salary_status", *cols, *[f"gold_{c}" for c in cols]
        )
    pred, gold = pairs[field]
    extra = ["ai_specialist_evidence", "ai_tool_evidence"] if field.startswith("ai") else [
        "degree_evidence"]
    return detected.filter(pl.col(pred) != pl.col(gold)).select("id", pred, gold, *extra)
