"""The sampling arithmetic of the real-ad evaluation (no corpus needed)."""

from __future__ import annotations

import polars as pl
import pytest

from neijuan.ads.realeval import bootstrap_ai_f1, score_ai_weighted
from neijuan.errors import DataError


def _detected(pred: list[bool], gold: list[bool], stratum: list[str],
              stratum_n: list[int]) -> pl.DataFrame:
    n = len(pred)
    return pl.DataFrame({
        "id": [f"a{i}" for i in range(n)], "lang_label": ["zh"] * n, "corpus": ["c"] * n,
        "split": ["heldout9"] * n, "year": ["2019"] * n, "stratum": stratum,
        "stratum_n": stratum_n, "ai_skill": pred, "ai_skill_specialist": pred,
        "ai_skill_tool": [False] * n, "gold_ai_specialist": gold, "gold_ai_tool": [False] * n,
    })


def test_a_perfect_detector_has_a_point_interval() -> None:
    d = _detected([True] * 10 + [False] * 10, [True] * 10 + [False] * 10,
                  ["strong"] * 10 + ["weak"] * 10, [100] * 10 + [1000] * 10)
    boot = bootstrap_ai_f1(d, n_boot=200)
    assert boot == {"sample": (1.0, 1.0), "corpus": (1.0, 1.0)}


def test_the_interval_holds_the_estimate_and_weighting_widens_it() -> None:
    # strong stratum: 40 ads, 30 AI skill, 3 misses, 2 false alarms; weak stratum: 40 ads, no AI
    # skill, 2 false alarms, each weak ad standing for 100 corpus ads (the strong ones for 2)
    pred = [True] * 27 + [False] * 3 + [True] * 2 + [False] * 8 + [True] * 2 + [False] * 38
    gold = [True] * 30 + [False] * 10 + [False] * 40
    d = _detected(pred, gold, ["strong"] * 40 + ["weak"] * 40, [80] * 40 + [4000] * 40)
    point = score_ai_weighted(d).filter((pl.col("split") == "heldout9") & (pl.col("year") == "all")
                                        & (pl.col("measure") == "ai_skill"))
    f1 = {r["weighting"]: r["f1"] for r in point.iter_rows(named=True)}
    boot = bootstrap_ai_f1(d, n_boot=2000, seed=1)
    for weighting in ("sample", "corpus"):
        lo, hi = boot[weighting]
        assert lo < f1[weighting] < hi
    assert f1["corpus"] < f1["sample"]  # the weak stratum's false alarms weigh 50 times more
    width = {k: hi - lo for k, (lo, hi) in boot.items()}
    assert width["corpus"] > width["sample"]
    assert bootstrap_ai_f1(d, n_boot=500, seed=3) == bootstrap_ai_f1(d, n_boot=500, seed=3)


def test_a_language_absent_from_the_sample_is_refused() -> None:
    d = _detected([True], [True], ["strong"], [1])
    with pytest.raises(DataError, match="no 'en' ads"):
        bootstrap_ai_f1(d, lang="en")
