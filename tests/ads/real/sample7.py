"""Draw the seventh sample (AI skill only; blind), before the frozen detectors are scored on it.

The first six samples have all been read or scored after a freeze, so none is blind to the next round
of rules. This sample is new: it excludes every id of ``sample.csv`` ... ``sample6.csv``, is stratified
exactly as ``sample3.py`` stratifies (its ``_stratum``; AI skill is rare), and is held out whole (split
``heldout6``; there is no development half). It draws Chinese ads only, and more weak-cue ads than
before, since false alarms there weigh most when results are weighted back to the corpus. It was
labelled by someone who had neither read the detector code nor run the detectors (seed 20261208).

Strata (``stratum``): those of ``sample3.py``; ``stratum_n`` is the pool each stratum was drawn from,
for weighting. Chinese only: 175 ads from jobspider and 40 from spiderof51job.

    PYTHONPATH=src python tests/ads/real/sample7.py /work/shared/data/ads
"""

from __future__ import annotations

import sys
from pathlib import Path

import polars as pl
from sample5 import draw as draw_sample

SEED = 20261208
HERE = Path(__file__).parent
SPLIT = "heldout7"
# (corpus, language, {stratum: ads drawn, or None for the whole pool})
PLAN: list[tuple[str, str, dict[str, int | None]]] = [
    ("zh_51job_2019_jobspider", "zh", {"zh_strong": 100, "zh_weak": 60, "zh_none": 15}),
    ("zh_51job_2019_spiderof51job", "zh", {"zh_strong": 25, "zh_weak": 10, "zh_none": 5}),
]
EARLIER = ("sample.csv", "sample2.csv", "sample3.csv", "sample4.csv", "sample5.csv",
           "sample6.csv")


def draw(root: Path) -> pl.DataFrame:
    return draw_sample(root, SEED, PLAN, SPLIT, EARLIER)


if __name__ == "__main__":
    sample = draw(Path(sys.argv[1]))
    sample.write_csv(HERE / "sample7.csv")
    print(sample.group_by("lang", "corpus", "stratum", "stratum_n", "split").len()
          .sort("corpus", "stratum", "split"))
