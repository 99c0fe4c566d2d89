"""Draw the fourth sample (AI skill only; blind), before the frozen detectors are scored on it.

The held-out halves of the first three samples have been read after earlier freezes, so none of them is
blind to the next round of rules. This sample is new: it excludes every id of ``sample.csv``,
``sample2.csv`` and ``sample3.csv``, is stratified exactly as ``sample3.py`` stratifies (its
``_stratum``; AI skill is rare), and is held out whole (split ``heldout4``; there is no
development half). It was labelled by someone who had neither read the detector code nor run the
detectors (seed 20261205).

Strata (``stratum``): those of ``sample3.py`` (``zh_strong``, ``zh_weak``, ``zh_none``, and for
English ``en_strong``, expected empty since ``sample2.csv`` took every English AI-cue ad,
``en_weak``, ``en_none``); ``stratum_n`` is the pool each stratum was drawn from, for weighting.

The 50 English ads are taken from the English strata in that order (strong, weak, none) until 50 are
drawn.

    PYTHONPATH=src python tests/ads/real/sample4.py /work/shared/data/ads
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import polars as pl
from sample3 import _stratum  # the third sample's strata, cues and all (same directory)

SEED = 20261205
HERE = Path(__file__).parent
SPLIT = "heldout4"
EN_TOTAL = 50
# (corpus, language, {stratum: ads drawn}); English strata are filled in order up to EN_TOTAL.
PLAN = [
    ("zh_51job_2019_jobspider", "zh", {"zh_strong": 110, "zh_weak": 35, "zh_none": 15}),
    ("zh_51job_2019_spiderof51job", "zh", {"zh_strong": 25, "zh_weak": 10, "zh_none": 5}),
    ("en_jobscope_manitoba", "en", {"en_strong": EN_TOTAL, "en_weak": EN_TOTAL, "en_none": EN_TOTAL}),
]


def sample_rows(pick: pl.DataFrame, folder: str, lang: str, stratum: str, pool_n: int,
                split: str) -> pl.DataFrame:
    """The sample file's rows for the ads ``pick`` drawn from one stratum's pool."""
    return pick.select(
        "id", pl.lit(folder).alias("corpus"), pl.lit(lang).alias("lang"),
        pl.col("date").cast(pl.String).str.slice(0, 4).alias("year"),
        pl.lit(stratum).alias("stratum"), pl.lit(pool_n).alias("stratum_n"),
        pl.lit(split).alias("split"))


def draw(root: Path) -> pl.DataFrame:
    rng = np.random.default_rng(SEED)
    taken = pl.concat([pl.read_csv(HERE / name, columns=["id"])["id"]
                       for name in ("sample.csv", "sample2.csv", "sample3.csv")])
    parts = []
    for folder, lang, want in PLAN:
        ads = pl.read_parquet(root / folder / "ads.parquet", columns=["id", "date", "title", "text"])
        ads = (ads.unique("id", keep="first", maintain_order=True)
               .filter(~pl.col("id").is_in(taken.implode()))
               .with_columns(_stratum(lang).alias("stratum")))
        left = EN_TOTAL if lang == "en" else None
        for stratum, n in want.items():
            pool = ads.filter(pl.col("stratum") == stratum)
            if left is not None:
                n = min(n, left)
            k = min(n, pool.height)
            print(f"{folder} {stratum}: pool {pool.height}, drawn {k}", file=sys.stderr)
            if left is not None:
                left -= k
            if k == 0:
                continue
            pick = pool[np.sort(rng.choice(pool.height, size=k, replace=False))]
            parts.append(sample_rows(pick, folder, lang, stratum, pool.height, SPLIT))
    return pl.concat(parts)


if __name__ == "__main__":
    sample = draw(Path(sys.argv[1]))
    sample.write_csv(HERE / "sample4.csv")
    print(sample.group_by("lang", "corpus", "stratum", "stratum_n", "split").len()
          .sort("corpus", "stratum", "split"))
