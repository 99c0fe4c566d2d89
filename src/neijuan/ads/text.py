"""Text cleaning: HTML/Markdown to plain text, mojibake repair, and the normalised form detectors read.

Only rows that need it pay for the Python-level repairs (``html.unescape`` and ``ftfy``): they are
flagged with one vectorised regex each, and the repair runs on that subset. Plain UTF-8 ads, the bulk
of any corpus, go through Polars expressions only.
"""

from __future__ import annotations

import html
from typing import Any

import polars as pl

# A tag or an entity: the row is HTML (or carries entities) and is converted.
HTML_FLAG = r"<[A-Za-z/!][^>]*>|&(?:[A-Za-z]{2,8}|#[0-9]{1,6}|#[xX][0-9A-Fa-f]{1,6});"
# A lead byte of a UTF-8 sequence read as cp1252/latin-1, followed by a continuation byte read the same
# way: the signature of mojibake ("â€™", "Ã©", "å²—").
MOJIBAKE_FLAG = (
    "[\u00c2\u00c3\u00c5\u00c6\u00e2\u00e3\u00e4\u00e5\u00e6\u00e7\u00e8\u00e9\u00ef\u00f0]"
    "[\u0080-\u00bf\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192\u02c6\u02dc"
    "\u2013\u2014\u2018-\u201e\u2020-\u2022\u2026\u2030\u2039\u203a\u20ac\u2122]"
)
_BLOCK_END = r"(?i)<\s*br\s*/?\s*>|<\s*/\s*(?:p|div|h[1-6]|tr|ul|ol|table|section)\s*>"
_LIST_ITEM = r"(?i)<\s*li(?:\s[^>]*)?>"
_DROP_BLOCKS = r"(?is)<script[^>]*>.*?</script>|<style[^>]*>.*?</style>"
_ANY_TAG = r"<[^>]*>"

# Characters folded before matching: curly quotes, Markdown emphasis, no-break spaces.
# Markdown escapes ("AI\\-assisted", "$19\\.50", "R\\&D"), as scraped boards store them, lose their
# backslash.
_MD_ESCAPED = "-.+&_#*()[]~!$%<>|{}="
_FOLD_FROM = ["\u2019", "\u2018", "\uff07", "\u00b4", "**", "__", "`", "\u00a0", "\u202f", "\u3000",
              *[f"\\{c}" for c in _MD_ESCAPED]]
_FOLD_TO = ["'", "'", "'", "'", "", "", "", " ", " ", " ", *_MD_ESCAPED]


def _unescape(values: pl.Series) -> pl.Series:
    return values.map_elements(html.unescape, return_dtype=pl.String)


def _fix_mojibake(values: pl.Series) -> pl.Series:
    import ftfy

    # fix_encoding only undoes mojibake; fix_text would also uncurl quotes and change widths.
    return values.map_elements(ftfy.fix_encoding, return_dtype=pl.String)


def repair(frame: pl.DataFrame, column: str) -> tuple[pl.DataFrame, dict[str, int]]:
    """Return ``frame`` with ``column`` converted to plain text, and how many rows each fix touched.

    HTML: scripts/styles dropped, block ends and ``<br>`` become newlines, ``<li>`` becomes "- ", other
    tags vanish, entities are unescaped. Mojibake (UTF-8 read as cp1252/latin-1) is repaired with
    ftfy. Rows needing neither are not touched.
    """
    counts = {"html": 0, "mojibake": 0}
    if frame.height == 0:
        return frame, counts
    col = pl.col(column)
    flags = frame.select(
        col.str.contains(HTML_FLAG).fill_null(False).alias("html"),
        col.str.contains(MOJIBAKE_FLAG).fill_null(False).alias("moji"),
    )
    html_mask = flags["html"]
    moji_mask = flags["moji"]
    counts["html"] = int(html_mask.sum())
    counts["mojibake"] = int(moji_mask.sum())
    if counts["html"] == 0 and counts["mojibake"] == 0:
        return frame, counts
    values = frame[column]
    if counts["mojibake"]:
        fixed = _fix_mojibake(values.filter(moji_mask))
        values = values.scatter(moji_mask.arg_true(), fixed)
    if counts["html"]:
        subset = values.filter(html_mask).to_frame("t").select(
            pl.col("t")
            .str.replace_all(_DROP_BLOCKS, " ")
            .str.replace_all(_LIST_ITEM, "\n- ")
            .str.replace_all(_BLOCK_END, "\n")
            .str.replace_all(_ANY_TAG, " ")
        )["t"]
        values = values.scatter(html_mask.arg_true(), _unescape(subset))
    return frame.with_columns(values.alias(column)), counts


_FOLD_FLAG = "[" + "".join(c for c in _FOLD_FROM if len(c) == 1) + "*_\\\\]"


def normalised(expr: pl.Expr) -> pl.Expr:
    """The form detectors match against: curly quotes, Markdown emphasis and odd spaces folded.

    Case is left alone (the detectors match case-insensitively). For a whole column prefer
    :func:`fold`, which replaces only in the rows that need it.
    """
    return expr.str.replace_many(_FOLD_FROM, _FOLD_TO)


def fold(values: pl.Series) -> pl.Series:
    """:func:`normalised` applied only to the rows holding a character to fold (a when/then would
    still run the replacement on every row)."""
    mask = values.str.contains(_FOLD_FLAG).fill_null(False)
    if not mask.any():
        return values
    fixed = values.filter(mask).str.replace_many(_FOLD_FROM, _FOLD_TO)
    return values.scatter(mask.arg_true(), fixed)


def language(expr: pl.Expr) -> pl.Expr:
    """``zh`` when the text holds Han characters, else ``en`` (the two languages the taxonomy covers)."""
    return pl.when(expr.str.contains(r"\p{Han}")).then(pl.lit("zh")).otherwise(pl.lit("en"))


def describe_flags() -> dict[str, Any]:
    """The repair rules, for the provenance record."""
    return {"html_flag": HTML_FLAG, "mojibake_flag": MOJIBAKE_FLAG,
            "mojibake_fixer": "ftfy.fix_encoding"}
