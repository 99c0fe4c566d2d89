"""The learned ad-level AI-skill decision on top of the rules (``neijuan.ads.learned``).

The ads here are written for these tests (no corpus text)."""

from __future__ import annotations

import importlib.util
import json
import math
import sys
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pytest
from typer.testing import CliRunner

from neijuan.ads import analyze, detect
from neijuan.ads.cli import app
from neijuan.ads.evaluate import load_labelled
from neijuan.ads.learned import (
    LearnedDecision,
    ad_inputs,
    feature_key,
    features,
    load_learned,
    shipped_learned,
)
from neijuan.ads.pipeline import detect_frame, prepare, work_frame
from neijuan.ads.taxonomy import load_taxonomy
from neijuan.errors import ConfigError

TAX = load_taxonomy()
HERE = Path(__file__).parent

# Ads written for these tests: what the rules make of each is asserted below.
PLAIN = "Experience with PyTorch is required."
HOBBY = "Experience with PyTorch as a hobby is required."
NEGATED = "Machine learning experience is not required."
COMPANY = "We are a leading provider of machine learning solutions."
NONE = "Forklift licence needed. Night shifts."
ZH_PLAIN = "3年以上PyTorch深度学习模型训练经验"
ZH_NONE = "负责仓库货物的收发与盘点，能适应夜班"
TEXTS = [PLAIN, HOBBY, NEGATED, COMPANY, NONE, ZH_PLAIN, ZH_NONE]


def _model(weights: dict[str, float], intercept: float = 0.0, threshold: float = 0.5,
           languages: tuple[str, ...] = ("en", "zh")) -> LearnedDecision:
    return LearnedDecision({"vocabulary": [feature_key(k) for k in weights],
                            "coef": list(weights.values()), "intercept": intercept,
                            "threshold": threshold, "languages": list(languages),
                            "version": "test"})


def _detect(texts: list[str], learned: Any = None) -> pl.DataFrame:
    return detect_frame(pl.DataFrame({"text": texts}), TAX, learned=learned)


def test_rules_on_the_fixture_ads() -> None:
    assert _detect(TEXTS)["ai_skill"].to_list() == [True, True, False, False, False, True, False]


def test_the_model_unflags_an_ad_the_rules_flag() -> None:
    # "hobby" pulls an ad down; the rules' flag pushes it up
    model = _model({"r:rules": 5.0, "w:hobby": -10.0}, intercept=-1.0)
    out = _detect(TEXTS, model)
    assert out["ai_skill"].to_list() == [True, False, False, False, False, True, False]
    assert out["ai_specialist_evidence"][1].to_list() == []
    assert out["ai_tool_evidence"][1].to_list() == []
    # the other ads keep the rules' evidence unchanged
    rules = _detect(TEXTS)
    for col in ("ai_specialist_evidence", "ai_tool_evidence", "ai_skill_preferred"):
        assert out[col].gather([0, 5]).to_list() == rules[col].gather([0, 5]).to_list()


def test_never_a_flag_without_the_rules_evidence() -> None:
    always = _model({}, intercept=20.0)
    out = _detect(TEXTS, always)
    # it may flag an ad whose term the rules dropped for its scope (a negation) ...
    assert out["ai_skill"].to_list() == [True, True, True, False, False, True, False]
    assert out["ai_specialist_evidence"][2].to_list() == ["Machine learning"]
    # ... but not an ad whose only term the exclusion step took away, nor one without a term
    work = work_frame(pl.DataFrame({"text": TEXTS}))
    cl = detect.rule_clauses(work, TAX)
    found = {rid: set(s) | set(t) for rid, s, t in
             cl.group_by("_rid").agg(pl.col("_spec").explode(), pl.col("_tool").explode()).rows()}
    for i, row in enumerate(out.iter_rows(named=True)):
        evidence = set(row["ai_specialist_evidence"]) | set(row["ai_tool_evidence"])
        assert row["ai_skill"] == bool(evidence)
        assert evidence <= found.get(i, set())


def test_languages_limit_what_it_decides() -> None:
    never = _model({}, intercept=-20.0, languages=("zh",))
    out = _detect(TEXTS, never)
    assert out["ai_skill"].to_list() == [True, True, False, False, False, False, False]


class Echo:
    """A learned decision that answers what the rules answered."""

    def __init__(self) -> None:
        self.ads = 0

    def __call__(self, cl: pl.DataFrame) -> pl.DataFrame:
        ads = ad_inputs(cl)
        self.ads += ads.height
        return ads.select("_rid", pl.col("rules").alias("_learned"))


def test_a_decision_that_agrees_with_the_rules_changes_nothing() -> None:
    frame, _ = prepare(pl.concat([load_labelled(HERE / "labelled"),
                                  load_labelled(HERE / "labelled_holdout")], how="diagonal_relaxed"))
    echo = Echo()
    rules = detect_frame(frame, TAX)
    assert echo.ads == 0
    both = detect_frame(frame, TAX, learned=echo)
    assert echo.ads > 10
    assert both.equals(rules)


def test_option_off_is_rules_2_6_0(tmp_path: Path) -> None:
    assert detect.AI_SKILL_VERSION == "2.6.0"
    src = tmp_path / "ads.csv"
    pl.DataFrame({"id": [str(i) for i in range(len(TEXTS))], "date": ["2025-01-01"] * len(TEXTS),
                  "text": TEXTS}).write_csv(src)
    off = analyze(src, tmp_path / "off")
    assert off.summary["provenance"]["ai_learned"] == {
        "used": False, "why_not": "not asked for (--learned)"}
    assert off.ads["ai_skill"].to_list() == _detect(TEXTS)["ai_skill"].to_list()
    on = analyze(src, tmp_path / "on", learned=True)
    rec = on.summary["provenance"]["ai_learned"]
    assert rec["used"] is True and rec["version"] == shipped_learned().version
    assert rec["rules"] == f"rules {detect.AI_SKILL_VERSION}"
    assert rec["validation"]["ngram"]["zh_drawn"]["samples"] == [1, 2, 3, 4, 5, 6, 7]
    # the shipped model decides Chinese ads only: the English ones are the rules'
    en = [i for i, t in enumerate(TEXTS) if t.isascii()]
    assert on.ads["ai_skill"].gather(en).to_list() == off.ads["ai_skill"].gather(en).to_list()
    result = CliRunner().invoke(app, ["analyze", str(src), "--out", str(tmp_path / "cli"),
                                      "--learned"])
    assert result.exit_code == 0, result.output
    summary = json.loads((tmp_path / "cli" / "summary.json").read_text(encoding="utf-8"))
    assert summary["provenance"]["ai_learned"]["used"] is True


def test_shipped_model_loads_and_its_record_matches() -> None:
    m = shipped_learned()
    rec = m.record
    assert m.version == "1.1.0" and rec["rules"] == "rules 2.6.0"
    assert m.languages == ("zh",) and 0.0 < m.threshold < 1.0
    assert len(m.weight) == len(m.coef) > 1000
    assert rec["training"]["samples"] == [1, 2, 3, 4, 5, 6, 7]
    # the stored summary is the mean of the stored per-sample figures
    rows = [r for r in rec["validation"]["ngram"] if r["lang"] == "zh"]
    assert [r["sample"] for r in rows] == [1, 2, 3, 4, 5, 6, 7]
    s = rec["summary"]["ngram"]["zh_drawn"]
    assert math.isclose(s["learned_mean_f1"],
                        round(float(np.mean([r["learned_drawn_f1"] for r in rows])), 3))
    assert math.isclose(s["rules_mean_f1"],
                        round(float(np.mean([r["rules_drawn_f1"] for r in rows])), 3))
    assert s["won"] + s["lost"] + s["tied"] == 7
    # the file holds digests, no text
    raw = (Path(detect.__file__).parent / "data" / "ai_learned.json").read_text(encoding="utf-8")
    assert all(isinstance(k, int) for k in json.loads(raw)["vocabulary"])


def test_shipped_model_reads_the_rules_flag_as_evidence() -> None:
    m = shipped_learned()
    assert m.weight[feature_key("r:rules")] > 0


def test_malformed_model_file_is_a_config_error(tmp_path: Path) -> None:
    f = tmp_path / "m.json"
    f.write_text(json.dumps({"vocabulary": [1, 2], "coef": [0.0], "intercept": 0,
                             "threshold": 0.5}))
    with pytest.raises(ConfigError, match="differ in length"):
        load_learned(f)
    f.write_text(json.dumps({"vocabulary": [], "coef": [], "intercept": 0, "threshold": 0.5,
                             "features": "bag"}))
    with pytest.raises(ConfigError, match="scheme"):
        load_learned(f)
    f.write_text("{not json")
    with pytest.raises(ConfigError, match="not JSON"):
        load_learned(f)
    with pytest.raises(ConfigError, match="malformed"):
        LearnedDecision({"coef": []})


def _rows(texts: list[str], scheme: str = "all") -> tuple[pl.DataFrame, list[dict[str, float]]]:
    ads = ad_inputs(detect.rule_clauses(work_frame(pl.DataFrame({"text": texts})), TAX))
    return ads, [features(r, scheme) for r in ads.iter_rows(named=True)]


def test_fast_scoring_equals_scoring_the_features() -> None:
    m = shipped_learned()
    # the shipped model's own feature scheme (1.1.0: "split", the grams of counted clauses apart)
    ads, rows = _rows([*TEXTS, "熟悉机器学习算法者优先，公司主营人工智能产品"], m.scheme)
    assert ads.height == 5
    assert np.allclose(m.score_ads(ads), m.score(rows), atol=1e-12)


def _trainer() -> Any:
    path = HERE / "real" / "train_learned.py"
    spec = importlib.util.spec_from_file_location("train_learned", path)
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    sys.modules["train_learned"] = mod
    spec.loader.exec_module(mod)
    return mod


def test_training_on_a_fixture_is_reproducible_and_the_export_scores_alike() -> None:
    pytest.importorskip("sklearn")
    trainer = _trainer()
    texts = [PLAIN, HOBBY, NEGATED, ZH_PLAIN, "Hobby projects with PyTorch are welcome.",
             "We use ChatGPT as a hobby.", "熟悉TensorFlow框架", "You will train PyTorch models.",
             "熟悉深度学习", "Build machine learning pipelines in production."]
    labels = np.array([True, False, False, True, False, False, True, True, True, True])
    ads, rows = _rows(texts)
    assert ads.height == len(texts)
    y = labels[ads["_rid"].to_numpy()]
    one = trainer.NgramModel(1.0).fit(rows, y).export()
    two = trainer.NgramModel(1.0).fit(rows, y).export()
    assert one == two
    fitted = trainer.NgramModel(1.0).fit(rows, y)
    spec = {**fitted.export(), "threshold": 0.5, "languages": ["en", "zh"]}
    frozen = LearnedDecision(json.loads(json.dumps(spec)))
    # the rounded coefficients score as the fitted model does
    assert np.allclose(frozen.score(rows), fitted.proba(rows), atol=1e-4)
    assert np.allclose(frozen.score_ads(ads), fitted.proba(rows), atol=1e-4)
