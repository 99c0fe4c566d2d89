"""Title -> SOC/ISCO mapping, with and without the data folder."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from neijuan.ads.occupation import load_lexicon, map_titles, normalise_title


@pytest.mark.parametrize(("title", "key"), [
    ("Senior Data Scientist - Pricing", "data scientist"),
    ("Machine Learning Engineer (Contract)", "machine learning engineer"),
    ("Research Scientist, Reinforcement Learning", "research scientist"),
    ("Bachelor’s Nurse II", "bachelor's nurse"),
    ("机器学习工程师（香港）", "机器学习工程师"),
    ("C++ Developer", "c++ developer"),
])
def test_normalise_title(title: str, key: str) -> None:
    assert pl.select(normalise_title(pl.lit(title))).item() == key


def _map(titles: list[str], lex: object) -> pl.DataFrame:
    return map_titles(pl.LazyFrame({"title": titles}), lex).collect()  # type: ignore[arg-type]


def test_without_data_uses_aliases_and_says_so(no_data: Path) -> None:
    lex = load_lexicon(no_data, use_atlas=False)
    assert any("no data folder" in n or "not found" in n for n in lex.notes)
    out = _map(["大模型算法工程师", "Senior Machine Learning Engineer", "Barista", "普工"], lex)
    assert out["occupation_soc"].to_list() == ["15-2051", "15-2051", None, "51-2092"]
    assert out["occupation_isco"].to_list()[:2] == ["2511", "2511"]  # override table
    assert out["occupation_match"].to_list() == ["keyword", "exact", None, "keyword"]
    assert out["soc_major_group"][0] == "Computer and Mathematical"
    assert out["occupation_key"][2] == "barista"  # the fallback used by trends


@pytest.mark.realdata
def test_with_real_data(real_data_dir: Path) -> None:
    lex = load_lexicon(real_data_dir)
    assert lex.exact.height > 10_000 and len(lex.files) >= 3
    out = _map(["Registered Nurse - ICU", "Senior Accountant", "Plumber", "Solicitor - Employment",
                "Payments Data Engineer"], lex)
    socs = out["occupation_soc"].to_list()
    assert socs[0] == "29-1141" and socs[1] == "13-2011" and socs[2] == "47-2152"
    assert socs[3] == "23-1011" and socs[4] == "15-1243"  # the last through dropping a word
    assert out["occupation_isco"].null_count() == 0
    assert out["occupation_title"][0] == "Registered Nurses"
