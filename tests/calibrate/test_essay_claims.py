"""The essay's claims: recorded with their sources, judged by the stated rule, set beside the
atlas and the model."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

import neijuan
from neijuan.calibrate.claims import (
    VERDICTS,
    atlas_values,
    check_claims,
    essay_claims,
    model_values,
    source_number,
    verdict,
)
from neijuan.cli import app

ESSAY = Path(__file__).resolve().parents[3] / "shared" / "seed" / "essay-zh.md"


def by_id() -> dict:
    return {c.id: c for c in essay_claims()}


def test_every_claim_is_recorded_with_sources_and_both_languages() -> None:
    claims = essay_claims()
    assert len(claims) >= 8
    for c in claims:
        assert c.essay and c.essay_en and c.reason_en and c.reason_zh and c.sources
    if ESSAY.exists():  # the essay's words are quoted exactly
        text = ESSAY.read_text(encoding="utf-8")
        for c in claims:
            assert c.essay in text, c.id


def test_verdicts_follow_the_sources_numbers() -> None:
    c = by_id()
    verdicts = {cid: verdict(claim, source_number(claim)) for cid, claim in c.items()}
    assert set(verdicts.values()) <= set(VERDICTS)
    assert source_number(c["pwc_rpe_three_times"]) == pytest.approx(27 / 9)
    assert verdicts["pwc_rpe_three_times"] == "matches"
    assert source_number(c["uk_ai_share_40"]) == pytest.approx(0.21)
    assert verdicts["uk_ai_share_40"] == "misstated"            # 40% said, 21% in the paper
    assert source_number(c["uk_degree_fall_15"]) == pytest.approx(5 / 36)
    assert verdicts["uk_degree_fall_15"] == "roughly"           # relative, AI ads only
    assert verdicts["oecd_productivity_20_30"] == "not found"
    assert verdicts["pwc_overall_job_growth"] == "not found"
    assert verdicts["oecd_core_tasks_20_25"] == "not found"
    assert verdicts["marguerit_automation_augmentation"] == "roughly"  # AI, not generative AI


def test_verdict_rule_edges() -> None:
    base = by_id()["uk_ai_share_40"]
    plain = dataclasses.replace(base, scope="")
    assert verdict(dataclasses.replace(plain, essay_figure=0.21), 0.21) == "matches"
    assert verdict(dataclasses.replace(plain, essay_figure=0.22), 0.21) == "matches"  # < 5%
    assert verdict(dataclasses.replace(plain, essay_figure=0.25), 0.21) == "roughly"  # < 25%
    assert verdict(dataclasses.replace(plain, essay_figure=0.30), 0.21) == "misstated"
    assert verdict(dataclasses.replace(plain, essay_figure=(0.1, 0.3)), 0.21) == "matches"
    assert verdict(dataclasses.replace(base, essay_figure=0.21), 0.21) == "roughly"  # scope cap
    direction = by_id()["fewer_non_ai_postings"]
    assert verdict(dataclasses.replace(direction, direction_agrees=False), None) == "misstated"


def test_model_values_have_intervals() -> None:
    result = neijuan.simulate("ai-baseline", workers=400, seeds=3, periods=28, processes=1,
                              overrides={"run.burn_in": 4})
    values = model_values(essay_claims(), result)
    assert "uk_ai_share_40" in values and "oecd_core_tasks_20_25" not in values
    for v in values.values():
        if v["mean"] is not None:
            assert v["lo"] <= v["mean"] <= v["hi"]
            assert v["seeds"] == 3


def test_atlas_values_from_the_real_data(real_data_dir: Path) -> None:
    values = atlas_values(essay_claims(), real_data_dir)
    core = values["oecd_core_tasks_20_25"]["value"]
    assert core is not None and 0.0 <= core <= 1.0


def test_claims_command_json_in_both_languages() -> None:
    runner = CliRunner()
    for lang in ("zh", "en"):
        res = runner.invoke(app, ["claims", "--json", "--lang", lang, "--no-atlas",
                                  "--workers", "300", "--seeds", "2"])
        assert res.exit_code == 0, res.output
        data = json.loads(res.output)["claims"]
        row = next(d for d in data if d["id"] == "uk_ai_share_40")
        assert row["essay_figure"] == 0.4 and row["source_figure"] == pytest.approx(0.21)
        assert row["verdict"] == "misstated"
        assert row["verdict_label"] == ("误引" if lang == "zh" else "misstated")
        assert row["model"]["mean"] is not None
    bad = runner.invoke(app, ["claims", "--lang", "fr", "--no-model", "--no-atlas"])
    assert bad.exit_code != 0


def test_check_claims_without_model_or_atlas() -> None:
    rows = check_claims(None, atlas=False)
    assert all(r.model is None and r.atlas is None for r in rows)
    assert all(r.source_wording for r in rows)
