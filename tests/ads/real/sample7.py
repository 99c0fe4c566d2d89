"""Draw the seventh sample (AI skill only; blind), before any detector is scored on it.

A second blind sample for the same rules as the sixth, drawn exactly as ``sample6.py`` draws (its
strata and sizes, ``PLAN``; Chinese only) from ids in none of ``sample.csv`` ... ``sample6.csv``,
with its own seed, all held out (split ``heldout7``). It was labelled by someone who had neither
read the detector code nor run the detectors.

    PYTHONPATH=src python tests/ads/real/sample7.py /work/shared/data/ads
"""

from __future__ import annotations

import sys
from pathlib import Path

import polars as pl
from sample5 import draw as draw_sample
from sample6 import PLAN

SEED = 20261208
HERE = Path(__file__).parent
SPLIT = "heldout7"
EARLIER = ("sample.csv", "sample2.csv", "sample3.csv", "sample4.csv", "sample5.csv",
           "sample6.csv")


def draw(root: Path) -> pl.DataFrame:
    return draw_sample(root, SEED, PLAN, SPLIT, EARLIER)


if __name__ == "__main__":
    sample = draw(Path(sys.argv[1]))
    sample.write_csv(HERE / "sample7.csv")
    print(sample.group_by("lang", "corpus", "stratum", "stratum_n", "split").len()
          .sort("corpus", "stratum", "split"))
