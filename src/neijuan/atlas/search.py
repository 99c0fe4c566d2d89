"""Fuzzy search of occupation titles: atlas, O*NET, SOC and ESCO names (with alternative labels).

The names table is built once with the atlas (``search_names``); searching reads it from the
atlas's SQLite file and scores with rapidfuzz, so ``neijuan atlas search`` needs no Polars.
ESCO's alternative labels reach SOC occupations through Nesta's ESCO -> O*NET-SOC 2010 crosswalk,
so "attorney" finds Lawyers. Job-board aliases (``ads/data/occupations.toml``) are names too, and
Chinese titles are found through its ``[zh]`` keywords and ``atlas/zh_titles.toml``; free Chinese
descriptions go to ``neijuan assess``, which adds multilingual embeddings. See :func:`score_names`.
"""

from __future__ import annotations

import math
import re
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    import polars as pl

    from neijuan.atlas.build import AtlasInputs

_CODE = re.compile(r"^\s*(\d{2}-\d{4})(?:\.\d{2})?\s*$")
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
# Names scored below this (rapidfuzz WRatio, 0-100) are not shown.
MIN_SCORE = 60.0


@dataclass(frozen=True)
class Hit:
    """One search result: the occupation and the name that matched it."""

    soc: str
    title: str
    matched: str
    kind: str
    score: float
    employment: float | None
    median_wage: float | None


def search_names(occupations: pl.DataFrame, inputs: AtlasInputs) -> pl.DataFrame:
    """All names that lead to an atlas occupation: ``soc``, ``name`` (lower case), ``kind``."""
    import polars as pl

    from neijuan.data import crosswalks as xw

    units = xw.onet_to_unit(inputs.onet_occupations["onet_soc"], inputs.nem)
    frames = [
        occupations.select("soc", pl.col("title").alias("name"), pl.lit("title").alias("kind")),
        inputs.onet_occupations.join(units, on="onet_soc").select(
            "soc", pl.col("title").alias("name"), pl.lit("onet").alias("kind")),
    ]
    pairs = xw.onet2010_to_unit(inputs.onet_2010_2019, inputs.nem).select(
        "onet_soc_2010", "soc").unique()
    esco_links = inputs.nesta_esco_onet.select("esco_uri", "onet_soc_2010").join(
        pairs, on="onet_soc_2010")
    names = inputs.esco_occupations.select(
        pl.col("uri").alias("esco_uri"),
        pl.concat_list(pl.col("label"), pl.col("alt_labels").fill_null("").str.split("\n"))
        .alias("name")).explode("name")
    frames.append(names.join(esco_links, on="esco_uri").select(
        "soc", "name", pl.lit("esco").alias("kind")))
    out = pl.concat(frames).with_columns(pl.col("name").str.strip_chars().str.to_lowercase())
    return (out.filter(pl.col("name").str.len_chars() > 1)
            .unique(["soc", "name"], keep="first").sort("soc", "kind", "name"))


# ------------------------------------------------------------------------------ the search
#
# A name scores by how well it covers the query's words and how little else it says:
#   recall    = mean over the query's words of the best match among the name's words
#               (1 for the same word, rapidfuzz ratio squared for a typo, 0 below MIN_WORD);
#   precision = share of the name's words matched by some query word;
#   score     = 100 * recall * sqrt(precision) + a small bonus by the kind of name.
# So "sofware engineer" still meets "software engineer" (one typo), while "lawyer" no longer
# meets "basketball player" (no word is close) and scores "brick layer" far below "lawyer"
# (one typo on one word of two). Aliases (job-board titles, ads/data/occupations.toml) rank
# before the ESCO labels that the Nesta crosswalk sends to neighbouring codes.

MIN_WORD = 80.0  # rapidfuzz ratio (0-100) below which two words do not match
KIND_BONUS = {"alias": 4.0, "title": 3.0, "onet": 2.0, "esco": 0.0}
_WORD = re.compile(r"[a-z0-9+#]+")
_STOP = frozenset({"and", "of", "the", "a", "an", "in", "for", "or", "to", "except", "all",
                   "other", "with", "on", "at", "by", "as", "i", "am", "my", "is"})


def words(text: str) -> list[str]:
    """Lower-case words without stop words, with a plural 's' removed (nurses -> nurse)."""
    out = []
    for w in _WORD.findall(text.lower()):
        if w in _STOP:
            continue
        if len(w) > 4 and w.endswith("ies"):
            w = w[:-3] + "y"
        elif len(w) > 3 and w.endswith("s") and not w.endswith("ss"):
            w = w[:-1]
        out.append(w)
    return out


@dataclass
class NameIndex:
    """Every name that leads to an occupation, with a word index for fast candidate look-up."""

    socs: list[str]
    names: list[str]
    kinds: list[str]
    name_words: list[list[str]]
    by_word: dict[str, list[int]]
    titles: dict[str, tuple[str, float | None, float | None]]  # soc -> title, employment, wage
    zh: list[tuple[str, str]]  # (keyword, soc), longest first

    @property
    def vocabulary(self) -> list[str]:
        """Every word of every name."""
        return list(self.by_word)


_INDEX_CACHE: dict[str, NameIndex] = {}


def _aliases() -> tuple[dict[str, str], dict[str, str]]:
    """English whole-title aliases and Chinese keywords -> SOC: the job-board list of
    ``neijuan/ads/data/occupations.toml`` plus ``atlas/zh_titles.toml`` (ads wins on a tie)."""
    import tomllib
    from importlib import resources

    ads = tomllib.loads(resources.files("neijuan.ads").joinpath("data/occupations.toml")
                        .read_text(encoding="utf-8"))
    own = tomllib.loads(resources.files("neijuan.atlas").joinpath("zh_titles.toml")
                        .read_text(encoding="utf-8"))
    zh = {**own.get("zh", {}), **ads.get("zh", {})}
    return dict(ads.get("en", {})), {k.lower(): v for k, v in zh.items()}


def name_index(db: Path) -> NameIndex:
    """The names of the atlas at ``db`` and the aliases, indexed (cached per process)."""
    key = f"{db}:{db.stat().st_mtime_ns}"
    if key in _INDEX_CACHE:
        return _INDEX_CACHE[key]
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        rows = con.execute("SELECT soc, name, kind FROM search_names").fetchall()
        titles = {r[0]: (r[1], r[2], r[3]) for r in con.execute(
            "SELECT soc, title, employment, median_wage FROM occupations").fetchall()}
    finally:
        con.close()
    en, zh = _aliases()
    rows += [(soc, name.lower(), "alias") for name, soc in en.items() if soc in titles]
    socs, names, kinds = [r[0] for r in rows], [r[1] for r in rows], [r[2] for r in rows]
    name_words = [words(n) for n in names]
    by_word: dict[str, list[int]] = {}
    for i, ws in enumerate(name_words):
        for w in set(ws):
            by_word.setdefault(w, []).append(i)
    zh_list = sorted(((k, v) for k, v in zh.items() if v in titles),
                     key=lambda kv: (-len(kv[0]), kv[0]))
    idx = NameIndex(socs, names, kinds, name_words, by_word, titles, zh_list)
    _INDEX_CACHE.clear()
    _INDEX_CACHE[key] = idx
    return idx


def _word_matches(query_words: list[str], vocab: list[str]) -> dict[str, dict[str, float]]:
    """For each query word, the vocabulary words within MIN_WORD and their similarity (0-1)."""
    from rapidfuzz import fuzz, process

    out: dict[str, dict[str, float]] = {}
    for q in dict.fromkeys(query_words):
        hits = process.extract(q, vocab, scorer=fuzz.ratio, score_cutoff=MIN_WORD, limit=None)
        out[q] = {w: (1.0 if w == q else (sc / 100.0) ** 2) for w, sc, _ in hits}
    return out


def score_names(idx: NameIndex, query: str) -> dict[int, float]:
    """Score (0-100, before the kind bonus) of every name sharing a close word with ``query``."""
    qw = words(query)
    if not qw:
        return {}
    matches = _word_matches(qw, idx.vocabulary)
    cand: set[int] = set()
    for m in matches.values():
        for w in m:
            cand.update(idx.by_word[w])
    out: dict[int, float] = {}
    for i in cand:
        nw = idx.name_words[i]
        if not nw:
            continue
        recall = sum(max((matches[q].get(w, 0.0) for w in nw), default=0.0) for q in qw) / len(qw)
        matched = sum(1 for w in nw if any(w in matches[q] for q in qw))
        out[i] = 100.0 * recall * math.sqrt(matched / len(nw))
    return out


def zh_keywords(idx: NameIndex, text: str) -> list[tuple[str, str, int]]:
    """Chinese keywords found in ``text``: (keyword, soc, position), a keyword inside a longer
    one found at the same place left out (律师助理 hides 律师), in order of position."""
    low = text.lower()
    found: list[tuple[str, str, int]] = []
    taken: list[tuple[int, int]] = []
    for kw, soc in idx.zh:  # longest first
        start = low.find(kw)
        while start >= 0:
            end = start + len(kw)
            if not any(a <= start and end <= b for a, b in taken):
                found.append((kw, soc, start))
                taken.append((start, end))
            start = low.find(kw, end)
    return sorted(found, key=lambda f: (f[2], -len(f[0])))


def search(db: Path, query: str, limit: int = 10) -> list[Hit]:
    """The ``limit`` best occupations for ``query``: a title or alternative name (English, with
    typos), a Chinese title, or a SOC / O*NET-SOC code."""
    from neijuan.errors import DataError

    code = _CODE.match(query)
    idx = name_index(db)
    if code:
        t = idx.titles.get(code.group(1))
        return [Hit(code.group(1), t[0], code.group(1), "code", 100.0, t[1], t[2])] if t else []
    best: dict[str, tuple[float, str, str]] = {}
    if _CJK.search(query):
        for rank, (kw, soc, _) in enumerate(zh_keywords(idx, query)):
            exact = kw == query.strip().lower()
            s = 100.0 if exact else max(90.0 - 2 * rank, 60.0)
            if soc not in best or s > best[soc][0]:
                best[soc] = (s, kw, "zh")
        if not best:
            raise DataError(
                f"{query!r}: no Chinese title in the lists (ads/data/occupations.toml, "
                f"atlas/zh_titles.toml) is in the query; try another title, an English one, or "
                f"'neijuan assess' which matches Chinese descriptions with embeddings")
    else:
        for i, sc in score_names(idx, query).items():
            s = sc + KIND_BONUS.get(idx.kinds[i], 0.0)
            if s < MIN_SCORE:
                continue
            soc = idx.socs[i]
            if soc in idx.titles and (soc not in best or s > best[soc][0]):
                best[soc] = (s, idx.names[i], idx.kinds[i])
    top = sorted(best.items(), key=lambda kv: (-kv[1][0], kv[0]))[:limit]
    return [Hit(soc, idx.titles[soc][0], name, kind, min(score, 100.0), idx.titles[soc][1],
                idx.titles[soc][2]) for soc, (score, name, kind) in top]
