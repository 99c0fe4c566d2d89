"""Draw the fifth sample (AI skill only; blind), before the frozen detectors are scored on it.

The first four samples have all been read or scored after a freeze, so none is blind to the next round
of rules. This sample is new: it excludes every id of ``sample.csv``, ``sample2.csv``, ``sample3.csv``
and ``sample4.csv``, is stratified exactly as ``sample3.py`` stratifies (its ``_stratum``; AI skill
is rare), and is held out whole (split ``heldout5``; there is no development half). It was labelled
by someone who had neither read the detector code nor run the detectors (seed 20261206).

Strata (``stratum``): those of ``sample3.py``; ``stratum_n`` is the pool each stratum was drawn from,
for weighting. Chinese: 160 ads from jobspider and 40 from spiderof51job. English: every ``en_weak``
ad left (``en_strong`` has been empty since ``sample2.csv`` took every English AI-cue ad).

    PYTHONPATH=src python tests/ads/real/sample5.py /work/shared/data/ads
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import polars as pl
from sample3 import _stratum  # the third sample's strata, cues and all (same directory)
from sample4 import sample_rows

SEED = 20261206
HERE = Path(__file__).parent
SPLIT = "heldout5"
ALL = None  # draw the whole pool
# (corpus, language, {stratum: ads drawn, or ALL})
PLAN: list[tuple[str, str, dict[str, int | None]]] = [
    ("zh_51job_2019_jobspider", "zh", {"zh_strong": 110, "zh_weak": 35, "zh_none": 15}),
    ("zh_51job_2019_spiderof51job", "zh", {"zh_strong": 25, "zh_weak": 10, "zh_none": 5}),
    ("en_jobscope_manitoba", "en", {"en_weak": ALL}),
]
EARLIER = ("sample.csv", "sample2.csv", "sample3.csv", "sample4.csv")


def draw(root: Path, seed: int = SEED, plan: list[tuple[str, str, dict[str, int | None]]] = PLAN,
         split: str = SPLIT, earlier: tuple[str, ...] = EARLIER) -> pl.DataFrame:
    """Draw ``plan`` (per corpus and stratum, a count or None for the whole pool) from the ads of
    no ``earlier`` sample, all in ``split``; the sixth sample draws with this too."""
    rng = np.random.default_rng(seed)
    taken = pl.concat([pl.read_csv(HERE / name, columns=["id"])["id"] for name in earlier])
    parts = []
    for folder, lang, want in plan:
        ads = pl.read_parquet(root / folder / "ads.parquet", columns=["id", "date", "title", "text"])
        ads = (ads.unique("id", keep="first", maintain_order=True)
               .filter(~pl.col("id").is_in(taken.implode()))
               .with_columns(_stratum(lang).alias("stratum")))
        for stratum, n in want.items():
            pool = ads.filter(pl.col("stratum") == stratum)
            k = pool.height if n is None else min(n, pool.height)
            print(f"{folder} {stratum}: pool {pool.height}, drawn {k}", file=sys.stderr)
            if k == 0:
                continue
            pick = pool[np.sort(rng.choice(pool.height, size=k, replace=False))]
            parts.append(sample_rows(pick, folder, lang, stratum, pool.height, split))
    return pl.concat(parts)


if __name__ == "__main__":
    sample = draw(Path(sys.argv[1]))
    sample.write_csv(HERE / "sample5.csv")
    print(sample.group_by("lang", "corpus", "stratum", "stratum_n", "split").len()
          .sort("corpus", "stratum", "split"))
