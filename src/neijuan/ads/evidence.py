"""What drives the AI-skill flags of an analysed corpus: the most frequent matched terms, and the
share of flagged ads each taxonomy rule accounts for (alone or with others).

Read next to the shares: if one ordinary word ("description", a first name) made most of the flags,
the share would measure that word, not AI skill. Not a hot path: the work is per distinct matched
string (hundreds), each tested against each rule with one vectorised regex.
"""

from __future__ import annotations

import polars as pl

from neijuan.ads.taxonomy import Taxonomy

_NORM = r"\s+"


def _long(ads: pl.DataFrame) -> pl.DataFrame:
    """One row per (ad, kind, matched string), strings lower-cased with spaces collapsed."""
    parts = []
    for kind, col in (("tool", "ai_tool_evidence"), ("specialist", "ai_specialist_evidence")):
        parts.append(
            ads.select(pl.int_range(pl.len()).alias("_ad"), pl.col(col).alias("evidence"))
            .explode("evidence").drop_nulls("evidence")
            .with_columns(pl.lit(kind).alias("kind"),
                          pl.col("evidence").str.to_lowercase().str.replace_all(_NORM, " ")
                          .str.strip_chars())
        )
    return pl.concat(parts).unique(["_ad", "kind", "evidence"])


def top_evidence(ads: pl.DataFrame, kind: str, top: int = 20) -> pl.DataFrame:
    """The ``top`` most frequent matched strings of ``kind`` (tool | specialist): ads holding each."""
    long = _long(ads).filter(pl.col("kind") == kind)
    return (long.group_by("evidence").agg(pl.col("_ad").n_unique().alias("ads"))
            .sort(["ads", "evidence"], descending=[True, False]).head(top))


def rule_shares(ads: pl.DataFrame, tax: Taxonomy) -> pl.DataFrame:
    """Per taxonomy rule: the AI-skill ads it matched, their share of all AI-skill ads, and the ads
    where it was the only rule (the share that would vanish without it)."""
    long = _long(ads)
    n_ai = int(ads["ai_skill"].sum()) if "ai_skill" in ads.columns else 0
    distinct = long.select("kind", "evidence").unique()
    hits = []
    for name, pattern in tax.fragments:
        section = name.split(".")[0]
        if section == "exclude":
            continue
        kind = "tool" if section == "tool" else "specialist"
        sub = distinct.filter(pl.col("kind") == kind)
        matched = sub.filter(pl.col("evidence").str.contains(f"(?i)^(?:{pattern})$"))
        if matched.height:
            hits.append(matched.with_columns(pl.lit(name).alias("rule"),
                                             pl.lit(pattern).alias("pattern")))
    if not hits:
        return pl.DataFrame(schema={"rule": pl.String, "ads": pl.UInt32, "share_of_ai_ads":
                                    pl.Float64, "sole_ads": pl.UInt32, "sole_share": pl.Float64,
                                    "example": pl.String})
    # A string matched by several rules is credited to the first (the taxonomy's order).
    rules = pl.concat(hits).unique(["kind", "evidence"], keep="first", maintain_order=True)
    per_ad = long.join(rules, on=["kind", "evidence"], how="left").with_columns(
        pl.col("rule").fill_null("(unattributed)"))
    n_rules = per_ad.group_by("_ad").agg(pl.col("rule").n_unique().alias("_k"))
    per_ad = per_ad.join(n_rules, on="_ad")
    return (
        per_ad.group_by("rule").agg(
            pl.col("_ad").n_unique().alias("ads"),
            pl.col("_ad").filter(pl.col("_k") == 1).n_unique().alias("sole_ads"),
            pl.col("evidence").mode().first().alias("example"),
        )
        .with_columns((pl.col("ads") / max(n_ai, 1)).alias("share_of_ai_ads"),
                      (pl.col("sole_ads") / max(n_ai, 1)).alias("sole_share"))
        .select("rule", "ads", "share_of_ai_ads", "sole_ads", "sole_share", "example")
        .sort(["ads", "rule"], descending=[True, False])
    )
