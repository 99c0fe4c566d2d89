"""Draw the eighth sample (AI skill only; blind), before any detector is scored on it.

A blind sample for the rules written after the sixth and seventh were read, drawn exactly as
``sample6.py`` draws (its strata and sizes, ``PLAN``; Chinese only) from ids in none of
``sample.csv`` ... ``sample7.csv``, with its own seed, all held out (split ``heldout8``). It was
labelled by someone who had neither read the detector code nor run the detectors.

    PYTHONPATH=src python tests/ads/real/sample8.py /work/shared/data/ads
"""

from __future__ import annotations

import sys
from pathlib import Path

import polars as pl
from sample5 import draw as draw_sample
from sample6 import PLAN

SEED = 20261209
HERE = Path(__file__).parent
SPLIT = "heldout8"
EARLIER = ("sample.csv", "sample2.csv", "sample3.csv", "sample4.csv", "sample5.csv",
           "sample6.csv", "sample7.csv")


def draw(root: Path) -> pl.DataFrame:
    return draw_sample(root, SEED, PLAN, SPLIT, EARLIER)


if __name__ == "__main__":
    sample = draw(Path(sys.argv[1]))
    sample.write_csv(HERE / "sample8.csv")
    print(sample.group_by("lang", "corpus", "stratum", "stratum_n", "split").len()
          .sort("corpus", "stratum", "split"))
