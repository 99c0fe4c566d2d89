"""Fuzzy search of occupation titles: atlas, O*NET, SOC and ESCO names (with alternative labels).

The names table is built once with the atlas (``search_names``); searching reads it from the
atlas's SQLite file and scores with rapidfuzz, so ``neijuan atlas search`` needs no Polars.
ESCO's alternative labels reach SOC occupations through Nesta's ESCO -> O*NET-SOC 2010 crosswalk,
so "attorney" finds Lawyers. The data folder has English names only (ESCO is the English file);
a Chinese query is answered with that explanation rather than with noise.
"""

from __future__ import annotations

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


def search(db: Path, query: str, limit: int = 10) -> list[Hit]:
    """The ``limit`` best occupations for ``query`` (a title, an alternative name, or a code)."""
    from neijuan.errors import DataError

    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        code = _CODE.match(query)
        if code:
            rows = con.execute("SELECT soc, title, employment, median_wage FROM occupations "
                               "WHERE soc = ?", (code.group(1),)).fetchall()
            return [Hit(r[0], r[1], r[0], "code", 100.0, r[2], r[3]) for r in rows]
        if _CJK.search(query):
            raise DataError(
                f"{query!r}: the data folder has English occupation names only (O*NET, SOC, "
                f"ESCO English); search with an English title, e.g. 'lawyer', or a SOC code")
        names = con.execute("SELECT soc, name, kind FROM search_names").fetchall()
        from rapidfuzz import fuzz, process, utils

        scored = process.extract(query, [n[1] for n in names], scorer=fuzz.WRatio,
                                 processor=utils.default_process, limit=max(limit * 20, 200),
                                 score_cutoff=MIN_SCORE)
        best: dict[str, tuple[float, str, str]] = {}
        for _, score, i in scored:
            soc, name, kind = names[i]
            # An exact or prefix hit on the occupation's own title ranks first.
            bonus = 5.0 if kind == "title" else 0.0
            s = float(score) + bonus
            if soc not in best or s > best[soc][0]:
                best[soc] = (s, name, kind)
        top = sorted(best.items(), key=lambda kv: (-kv[1][0], kv[0]))[:limit]
        info = {r[0]: r[1:] for r in con.execute(
            f"SELECT soc, title, employment, median_wage FROM occupations WHERE soc IN "
            f"({','.join('?' * len(top))})", [t[0] for t in top]).fetchall()} if top else {}
        return [Hit(soc, info[soc][0], name, kind, min(score, 100.0), info[soc][1], info[soc][2])
                for soc, (score, name, kind) in top if soc in info]
    finally:
        con.close()
