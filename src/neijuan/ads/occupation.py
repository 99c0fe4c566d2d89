"""Occupation of an ad: its title mapped to SOC 2018 (6-digit) and ISCO-08 (4-digit).

Where the titles come from, in order of precedence:

1. ``data/occupations.toml`` (shipped): aliases for titles no official list holds, English and Chinese.
2. O*NET 29.3 ``Occupation Data.txt`` from the data folder: O*NET-SOC titles (SOC = first 7 chars).
3. ESCO 1.2.0 ``occupations_en.csv``: preferred and alternative labels (about 33,000), with their ISCO
   group; their SOC through Nesta's ESCO -> O*NET-SOC 2010 crosswalk and O*NET's 2010 -> 2019 one.
4. ``neijuan.atlas`` (when installed and its data load): its occupation titles, as a further list.

ISCO for an ad is the ISCO group of the ESCO label its title matched, when it matched one; else the
group of its SOC code: from the overrides in ``occupations.toml`` (e.g. Data Scientists -> 2511, where
the crosswalks say 3341 "office supervisors"), else the atlas's ``isco08``, else the most frequent
ISCO group of the ESCO occupations Nesta's crosswalk maps to that SOC. We read these public files
directly rather than only through the atlas, so that ads work on their own and on any folder holding
them; the atlas is used when it is there.
Anything missing is reported in :attr:`Lexicon.notes` and the occupation columns stay null; trends
then fall back to the normalised title.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import tomllib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import polars as pl

from neijuan.datadir import find_data_dir

MAPPER_VERSION = "1.0.0"

ONET_FILE = "onet_29_3/Occupation Data.txt"
ESCO_FILE = "esco_1_2_0/occupations_en.csv"
NESTA_FILE = "nesta_career_causeways/esco_onet_crosswalk_Nov2020.csv"
ONET_2010_2019_FILE = "crosswalks/onet_soc_2010_to_2019_crosswalk.csv"

# Words that say how senior or how employed, not what the job is.
_QUALIFIERS = (
    r"(?-u:\b)(?:senior|sr|junior|jr|lead|principal|staff|chief|graduate|trainee|intern|apprentice|"
    r"contract|contractor|freelance|remote|part-time|part time|full-time|full time|temporary|temp|"
    r"experienced|qualified|entry-level|entry level|associate|i|ii|iii|iv|[0-9]+)(?-u:\b)\.?"
)
# Qualifiers and departments after a separator ("Data Scientist - Pricing", "Research Scientist,
# Reinforcement Learning", "Machine Learning Engineer (Contract)").
_TAIL = r"\s*(?:\(.*|（.*|\s[-–—|/@]\s.*|,.*|:.*|\sat\s.*|\sfor\s.*)$"

LEX_SCHEMA = {"label": pl.String, "soc": pl.String, "isco": pl.String, "source": pl.String,
              "priority": pl.Int32}


@dataclass
class Lexicon:
    """Everything the mapper needs, plus what it could not find and the checksums of what it read."""

    exact: pl.DataFrame  # label -> soc, source (one row per label)
    zh_keywords: list[tuple[str, str]]
    soc_titles: dict[str, str]
    soc_isco: dict[str, str]
    major_groups: dict[str, str]
    notes: list[str] = field(default_factory=list)
    files: dict[str, str] = field(default_factory=dict)  # path -> sha256
    version: str = MAPPER_VERSION


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def normalise_title(expr: pl.Expr) -> pl.Expr:
    """Lower case, separator tails and qualifiers removed, spaces squeezed (the key for matching)."""
    return (
        expr.str.to_lowercase()
        .str.replace_all(r"[’']", "'")
        .str.replace(_TAIL, "")
        .str.replace_all(_QUALIFIERS, " ")
        .str.replace_all(r"[^\w\s+#&'-]", " ")
        .str.replace_all(r"\s+", " ")
        .str.strip_chars()
    )


def _builtin() -> dict[str, Any]:
    raw = resources.files("neijuan.ads").joinpath("data/occupations.toml").read_bytes()
    return tomllib.loads(raw.decode("utf-8"))


def _read_onet(path: Path) -> pl.DataFrame:
    frame = pl.read_csv(path, separator="\t", infer_schema=False, quote_char=None)
    return frame.sort("O*NET-SOC Code").select(
        pl.col("Title").alias("title"), pl.col("O*NET-SOC Code").str.slice(0, 7).alias("soc"),
        pl.col("O*NET-SOC Code").str.ends_with(".00").alias("base"),
    )


def _esco_soc(data: Path) -> tuple[pl.DataFrame, dict[str, str], list[str]]:
    """ESCO labels with SOC (through the crosswalks) and a SOC -> ISCO table."""
    notes: list[str] = []
    esco = pl.read_csv(data / ESCO_FILE, infer_schema=False)
    nesta = pl.read_csv(data / NESTA_FILE, infer_schema=False)
    x1019 = pl.read_csv(data / ONET_2010_2019_FILE, infer_schema=False).select(
        pl.col("O*NET-SOC 2010 Code").alias("onet_code"),
        pl.col("O*NET-SOC 2019 Code").str.slice(0, 7).alias("soc"),
    ).unique("onet_code", keep="first")
    uri_soc = (
        nesta.select("concept_uri", "onet_code", pl.col("isco_code").str.zfill(4).alias("isco"))
        .join(x1019, on="onet_code", how="left")
    )
    missing = uri_soc["soc"].null_count()
    if missing:
        notes.append(f"{missing} ESCO->O*NET-SOC 2010 rows have no 2019 code and give no SOC")
    soc_isco = (
        uri_soc.drop_nulls("soc")
        .group_by("soc", "isco").len()
        .sort(["soc", "len", "isco"], descending=[False, True, False])
        .unique("soc", keep="first")
    )
    labels = (
        esco.select(
            pl.col("conceptUri").alias("concept_uri"),
            pl.concat_list(
                pl.col("preferredLabel"),
                pl.col("altLabels").fill_null("").str.split("\n"),
            ).alias("label"),
            pl.col("iscoGroup").str.zfill(4).alias("isco"),
        )
        .explode("label")
        .filter(pl.col("label").str.len_chars() > 0)
        .join(uri_soc.select("concept_uri", "soc"), on="concept_uri", how="inner")
        .drop_nulls("soc")
        .select("label", "soc", "isco")
    )
    return labels, dict(zip(soc_isco["soc"], soc_isco["isco"], strict=True)), notes


def _atlas_titles(data_dir: Path | None) -> tuple[pl.DataFrame | None, str | None]:
    """Occupation titles from ``neijuan.atlas`` when that package and its data are present."""
    if importlib.util.find_spec("neijuan.atlas") is None:
        return None, "neijuan.atlas is not installed"
    try:
        atlas_mod = importlib.import_module("neijuan.atlas")
        atlas = atlas_mod.load_atlas(data_dir)
        occ = atlas.occupations
        frame = occ if isinstance(occ, pl.DataFrame) else pl.DataFrame(occ)
        isco = pl.col("isco08").cast(pl.String) if "isco08" in frame.columns else pl.lit(None)
        frame = frame.select(pl.col("title").cast(pl.String), pl.col("soc").cast(pl.String),
                             isco.cast(pl.String).alias("isco08"))
    except Exception as exc:  # the atlas is optional here: any failure is reported, not raised
        return None, f"neijuan.atlas present but not usable here ({type(exc).__name__}: {exc})"
    return frame.with_columns(pl.col("soc").str.slice(0, 7)), None


def load_lexicon(data_dir: str | Path | None = None, use_atlas: bool = True) -> Lexicon:
    """Build the title lexicon from the shipped aliases and whatever public files are present."""
    builtin = _builtin()
    parts: list[pl.DataFrame] = [
        pl.DataFrame(
            {"label": list(builtin["en"]), "soc": list(builtin["en"].values())}
        ).with_columns(pl.lit(None, dtype=pl.String).alias("isco"), pl.lit("alias").alias("source"),
                       pl.lit(0, dtype=pl.Int32).alias("priority"))
    ]
    soc_titles: dict[str, str] = dict(builtin["soc_titles"])
    soc_isco: dict[str, str] = {}
    notes: list[str] = []
    files: dict[str, str] = {}
    found = find_data_dir(data_dir)
    data = found if found is not None and found.is_dir() else None
    if data is None:
        where = f" ({found})" if found is not None else ""
        notes.append(f"no data folder{where}: occupations mapped with the built-in aliases only; "
                     "ISCO codes need the ESCO/Nesta crosswalk files")
    else:
        from neijuan.data.verify import check_inputs  # a changed file is refused or flagged

        check = check_inputs(data, [rel for rel in (ONET_FILE, ESCO_FILE, NESTA_FILE,
                                                    ONET_2010_2019_FILE) if (data / rel).is_file()])
        if not check.verified:  # allowed: said in the summary's provenance and on screen
            notes.append(str(check.note()))
        onet = data / ONET_FILE
        if onet.is_file():
            frame = _read_onet(onet)
            files[str(onet)] = _sha256(onet)
            # A SOC code's title is that of its ".00" O*NET occupation (else its first one).
            titles = frame.sort("base", descending=True, maintain_order=True).unique(
                "soc", keep="first")
            soc_titles.update(dict(zip(titles["soc"], titles["title"], strict=True)))
            parts.append(frame.select(
                pl.col("title").alias("label"), "soc", pl.lit(None, dtype=pl.String).alias("isco"),
                pl.lit("onet").alias("source"),
                pl.lit(1, dtype=pl.Int32).alias("priority")))
        else:
            notes.append(f"O*NET titles not found ({onet})")
        needed = [data / ESCO_FILE, data / NESTA_FILE, data / ONET_2010_2019_FILE]
        if all(p.is_file() for p in needed):
            labels, soc_isco, esco_notes = _esco_soc(data)
            notes.extend(esco_notes)
            files.update({str(p): _sha256(p) for p in needed})
            parts.append(labels.with_columns(
                pl.lit("esco").alias("source"), pl.lit(2, dtype=pl.Int32).alias("priority")))
        else:
            absent = ", ".join(str(p) for p in needed if not p.is_file())
            notes.append(f"ESCO labels / ISCO crosswalk not used (missing: {absent})")
    atlas_isco: dict[str, str] = {}
    if use_atlas:
        atlas, why = _atlas_titles(data)
        if atlas is not None:
            pairs = atlas.drop_nulls(["soc", "isco08"]).unique("soc", keep="first")
            atlas_isco = dict(zip(pairs["soc"], pairs["isco08"], strict=True))
            parts.append(atlas.select(
                pl.col("title").alias("label"), "soc", pl.lit(None, dtype=pl.String).alias("isco"),
                pl.lit("atlas").alias("source"),
                pl.lit(3, dtype=pl.Int32).alias("priority")))
        elif why:
            notes.append(why)
    exact = (
        pl.concat([p.select(list(LEX_SCHEMA)).cast(LEX_SCHEMA) for p in parts])  # type: ignore[arg-type]
        .with_columns(normalise_title(pl.col("label")).alias("label"))
        .with_columns(_variants(pl.col("label"), pl.col("source")).alias("label"))
        .explode("label")
        .filter(pl.col("label").str.len_chars() > 1)
        .sort(["priority", "label", "soc"])
        .unique("label", keep="first", maintain_order=True)
    )
    zh = sorted(builtin["zh"].items(), key=lambda kv: (-len(kv[0]), kv[0]))
    # SOC -> ISCO, later sources winning: Nesta's modal group < the atlas's isco08 < our overrides.
    if atlas_isco:
        soc_isco.update(atlas_isco)
    soc_isco.update(builtin.get("soc_isco", {}))
    return Lexicon(
        exact=exact, zh_keywords=zh, soc_titles=soc_titles, soc_isco=soc_isco,
        major_groups=dict(builtin["soc_major_groups"]), notes=notes, files=files,
    )


def _singular(expr: pl.Expr) -> pl.Expr:
    """English plural to singular for occupation nouns: secretaries, waitresses, nurses."""
    return (
        pl.when(expr.str.ends_with("ies")).then(expr.str.replace(r"ies$", "y"))
        .when(expr.str.ends_with("sses")).then(expr.str.replace(r"sses$", "ss"))
        .when(expr.str.contains(r"[^s]s$")).then(expr.str.replace(r"s$", ""))
        .otherwise(expr)
    )


def _variants(label: pl.Expr, source: pl.Expr) -> pl.Expr:
    """O*NET and atlas titles are plural and often paired ("Janitors and Cleaners"); job titles are
    singular: add the singular of the whole title and of each side of an "and"."""
    parts = label.str.split(" and ")
    return (
        pl.when(source.is_in(["onet", "atlas"]))
        .then(pl.concat_list(
            label, _singular(label),
            parts.list.eval(_singular(pl.element())).list.filter(pl.element().str.contains(" ") |
                                                                 (pl.element().str.len_chars() > 4)),
        ).list.unique(maintain_order=True))
        .otherwise(pl.concat_list(label))
    )


def _drop_first_word(expr: pl.Expr) -> pl.Expr:
    return expr.str.replace(r"^\S+\s+", "")


def map_titles(lf: pl.LazyFrame, lex: Lexicon, title: str = "title") -> pl.LazyFrame:
    """Add ``occupation_key`` (normalised title), ``occupation_soc``, ``occupation_isco``,
    ``occupation_title``, ``occupation_source``, ``occupation_match`` and ``soc_major_group``.

    Matching, first hit wins: the whole normalised title; for Chinese titles, the earliest (then
    longest) alias keyword inside it; then the title with its first one and two words dropped, when
    what remains has at least two words ("Senior Payments Data Engineer" -> "data engineer").
    """
    key = normalise_title(pl.col(title).cast(pl.String))
    lex_frame = lex.exact.lazy().select("label", "soc", "source", "isco")
    lf = lf.with_columns(key.alias("occupation_key"))
    k1 = _drop_first_word(pl.col("occupation_key"))
    k2 = _drop_first_word(k1)
    two_words = r"^\S+\s+\S+"
    lf = lf.with_columns(
        pl.when(k1.str.contains(two_words)).then(k1).alias("_k1"),
        pl.when(k2.str.contains(two_words)).then(k2).alias("_k2"),
    )
    if lex.zh_keywords:
        alternation = "|".join(_escape(k) for k, _ in lex.zh_keywords)
        lf = lf.with_columns(pl.col("occupation_key").str.extract(f"({alternation})", 1)
                             .alias("_kzh"))
    else:
        lf = lf.with_columns(pl.lit(None, dtype=pl.String).alias("_kzh"))
    zh_frame = pl.LazyFrame(
        {"_kzh": [k for k, _ in lex.zh_keywords], "_soc_zh": [v for _, v in lex.zh_keywords]},
        schema={"_kzh": pl.String, "_soc_zh": pl.String},
    )
    for col, suffix in [("occupation_key", "0"), ("_k1", "1"), ("_k2", "2")]:
        lf = lf.join(
            lex_frame.rename({"label": col, "soc": f"_soc{suffix}", "source": f"_src{suffix}",
                              "isco": f"_isco{suffix}"}),
            on=col, how="left", maintain_order="left",
        )
    lf = lf.join(zh_frame, on="_kzh", how="left", maintain_order="left")
    soc = pl.coalesce("_soc0", "_soc_zh", "_soc1", "_soc2")
    source = (
        pl.when(pl.col("_soc0").is_not_null()).then(pl.col("_src0"))
        .when(pl.col("_soc_zh").is_not_null()).then(pl.lit("alias"))
        .when(pl.col("_soc1").is_not_null()).then(pl.col("_src1"))
        .when(pl.col("_soc2").is_not_null()).then(pl.col("_src2"))
    )
    match = (
        pl.when(pl.col("_soc0").is_not_null()).then(pl.lit("exact"))
        .when(pl.col("_soc_zh").is_not_null()).then(pl.lit("keyword"))
        .when(pl.col("_soc1").is_not_null() | pl.col("_soc2").is_not_null()).then(pl.lit("reduced"))
    )
    # ISCO: the matched ESCO label's own group when the title matched one, else from the SOC code.
    isco_direct = (
        pl.when(pl.col("_soc0").is_not_null()).then(pl.col("_isco0"))
        .when(pl.col("_soc_zh").is_null() & pl.col("_soc1").is_not_null()).then(pl.col("_isco1"))
        .when(pl.col("_soc_zh").is_null() & pl.col("_soc2").is_not_null()).then(pl.col("_isco2"))
    )
    return lf.with_columns(
        soc.alias("occupation_soc"), source.alias("occupation_source"),
        match.alias("occupation_match"), isco_direct.alias("_isco_direct"),
    ).with_columns(
        pl.col("occupation_soc").replace_strict(lex.soc_titles, default=None, return_dtype=pl.String)
        .alias("occupation_title"),
        pl.coalesce(
            "_isco_direct",
            pl.col("occupation_soc").replace_strict(lex.soc_isco, default=None,
                                                    return_dtype=pl.String),
        ).alias("occupation_isco"),
        pl.col("occupation_soc").str.slice(0, 2)
        .replace_strict(lex.major_groups, default=None, return_dtype=pl.String)
        .alias("soc_major_group"),
    ).drop("_k1", "_k2", "_kzh", "_soc0", "_soc1", "_soc2", "_soc_zh", "_src0", "_src1", "_src2",
           "_isco0", "_isco1", "_isco2", "_isco_direct")


def _escape(text: str) -> str:
    import re

    return re.escape(text)
