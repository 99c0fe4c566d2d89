"""The atlas built from the real files: structure, coverage, known values, claims, CLI, cache."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from typer.testing import CliRunner

from neijuan.atlas.cli import app
from neijuan.atlas.model import Atlas, load_atlas
from neijuan.errors import ConfigError, DataError

pytestmark = pytest.mark.realdata
MAIN_INDICES = ("eloundou_gpt4_beta", "eloundou_human_beta", "felten_aioe", "aei_usage_pct",
                "ms_ai_applicability")


@pytest.fixture(scope="module")
def cache_dir(real_data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    root = tmp_path_factory.mktemp("neijuan_cache")
    mp = pytest.MonkeyPatch()
    mp.setenv("NEIJUAN_CACHE_DIR", str(root))
    mp.setenv("NEIJUAN_DATA_DIR", str(real_data_dir))
    yield root
    mp.undo()


@pytest.fixture(scope="module")
def atlas(cache_dir: Path) -> Atlas:
    return load_atlas()


def test_one_row_per_occupation_and_weights(atlas: Atlas) -> None:
    occ, tasks = atlas.occupations, atlas.tasks
    assert occ["soc"].is_unique().all() and occ["soc"].str.contains(r"^\d{2}-\d{4}$").all()
    assert tasks.height == 18796 and tasks["task_id"].is_unique().all()
    sums = tasks.group_by("soc").agg(pl.col("weight").sum())["weight"]
    assert ((sums - 1).abs() < 1e-9).all()
    assert set(tasks["human_role"].unique()) == {"originate", "confirm", "hands_on"}
    assert tasks["human_role"].null_count() == 0
    shares = occ.drop_nulls("share_originate").select(
        pl.sum_horizontal("share_originate", "share_confirm", "share_hands_on"))
    assert ((shares.to_series() - 1).abs() < 1e-9).all()
    # each worker counted once: atlas employment = OEWS detailed employment
    assert occ["employment"].sum() == pytest.approx(151_853_000, rel=0.02)


def test_main_indices_cover_ninety_percent_of_employment(atlas: Atlas) -> None:
    total = atlas.occupations["employment"].sum()
    for name in MAIN_INDICES:
        covered = atlas.occupations.filter(pl.col(name).is_not_null())["employment"].sum()
        assert covered / total >= 0.9, name
    cov = atlas.coverage
    assert cov.filter(pl.col("join").str.contains("OEWS 2015"))["employment_share"].min() > 0.95
    assert cov.filter(pl.col("join").str.contains("Anthropic usage mass"))["task_share"].item() \
        > 0.9


def test_known_values(atlas: Atlas) -> None:
    law = atlas.occupation("23-1011")
    assert law["employment"] == 747750 and law["median_wage"] == 151160
    assert law["employment_2021"] == 681010 and law["employment_2015"] == 609930
    assert law["median_wage_2015"] == 115820 and law["job_zone"] == 5
    assert law["education"] == "Doctoral or professional degree"
    assert law["eloundou_gpt4_beta"] == pytest.approx(0.425)
    buyers = atlas.occupation("13-1020")  # a BLS aggregate keeps its code
    assert buyers["employment"] == 486900
    assert atlas.occupation("27-2011")["median_wage"] == pytest.approx(23.33 * 2080)
    task = atlas.tasks.filter(pl.col("task_id") == 8823).row(0, named=True)
    assert (task["soc"], task["eloundou_gpt4_label"], task["eloundou_human_label"]) == (
        "11-1011", "E2", "E0")
    assert task["eloundou_gpt4_beta"] == 0.5 and task["automation_share"] == 0.5
    with pytest.raises(DataError, match="not in the atlas"):
        atlas.occupation("99-9999")


def test_task_aggregation_reproduces_published_occupation_values(atlas: Atlas) -> None:
    """Our core-weighted mean of GPT-4 beta per occupation tracks Eloundou's occ_level.csv."""
    ours = atlas.tasks.group_by("soc").agg(
        ((pl.col("eloundou_gpt4_beta") * pl.col("weight")).sum()
         / pl.col("weight").filter(pl.col("eloundou_gpt4_beta").is_not_null()).sum()).alias("o"))
    both = ours.join(atlas.occupations.select("soc", "eloundou_gpt4_beta"), on="soc").drop_nulls()
    rho = both.select(pl.corr("o", "eloundou_gpt4_beta")).item()
    assert rho > 0.95


def test_related_edges(atlas: Atlas) -> None:
    r = atlas.related
    assert (r["soc"] != r["related_soc"]).all()
    sums = r.group_by("soc").agg(pl.col("weight").sum())["weight"]
    assert ((sums - 1).abs() < 1e-9).all()
    socs = set(atlas.occupations["soc"])
    assert set(r["related_soc"]) <= socs


def test_rank_correlations_and_agreement(atlas: Atlas) -> None:
    rc = atlas.rank_correlations()
    pair = rc.filter((pl.col("a") == "felten_aioe") & (pl.col("b") == "felten_lm_aioe"))
    assert pair["rho"].item() > 0.9
    fo = rc.filter((pl.col("a") == "eloundou_gpt4_beta") & (pl.col("b") == "frey_osborne"))
    assert fo["rho"].item() < 0  # exposure to LLMs is not the old automation risk
    for a in atlas.role_agreement():
        assert a["n"] > 800 and a["auc"] > 0.5  # classes agree with the HAS better than chance


def test_claims(atlas: Atlas) -> None:
    from neijuan.atlas.claims import compute_claims

    claims = {c.id: c for c in compute_claims(atlas)}
    assert len(claims) == 6
    head = claims["eloundou_headline"].summary
    assert head["human_beta_10"] == pytest.approx(0.80, abs=0.05)
    assert head["human_beta_50"] == pytest.approx(0.19, abs=0.05)
    assert claims["anthropic_breadth"].summary["share_25"] == pytest.approx(0.36, abs=0.03)
    decile = claims["exposure_by_wage_decile"].summary
    assert decile["eloundou_gpt4_beta"]["spearman_decile"] > 0.5
    assert decile["frey_osborne"]["spearman_decile"] < -0.5
    core = claims["core_tasks_exposed_high_skill"]
    assert core.table.filter(pl.col("group") == "all three").height >= 8
    assert all(p.wording for c in claims.values() for p in c.published)
    tier = claims["automation_vs_augmentation_by_tier"].table
    assert tier["skill_tier"].to_list() == ["low", "mid", "high"]
    with pytest.raises(ConfigError, match="unknown claim"):
        compute_claims(atlas, ["nope"])


def test_cache_is_reused_and_refresh_rebuilds(atlas: Atlas, cache_dir: Path) -> None:
    t0 = time.perf_counter()
    again = load_atlas()
    assert time.perf_counter() - t0 < 5
    assert again.provenance["key"] == atlas.provenance["key"]
    assert again.occupations.equals(atlas.occupations)
    inputs = again.provenance["inputs"]
    assert all(v["matches_registry"] for v in inputs.values())
    rebuilt = load_atlas(refresh=True)
    assert rebuilt.provenance["built_at"] >= atlas.provenance["built_at"]
    assert rebuilt.tasks.equals(atlas.tasks)


def _run(*args: str) -> Any:
    return CliRunner().invoke(app, list(args), catch_exceptions=True)


def test_cli_show_search_rank_export(atlas: Atlas, tmp_path: Path) -> None:
    r = _run("show", "23-1011", "--json")
    assert r.exit_code == 0, r.output
    d = json.loads(r.output)
    assert d["occupation"]["title"] == "Lawyers" and d["n_tasks"] == len(d["tasks"]) > 10
    assert {"name", "construct", "value", "percentile"} <= set(d["indices"][0])
    r = _run("show", "23-1011.00", "--tasks", "3")
    assert r.exit_code == 0 and "Lawyers" in r.output
    r = _run("search", "attorney", "--json")
    assert r.exit_code == 0 and json.loads(r.output)[0]["soc"] == "23-1011"
    r = _run("search", "software developer", "--json")
    assert json.loads(r.output)[0]["soc"] == "15-1252"
    r = _run("search", "律师", "--json")  # Chinese titles are found (issue 10)
    assert r.exit_code == 0 and json.loads(r.output)[0]["soc"] == "23-1011"
    r = _run("search", "外星人驯兽师")
    assert isinstance(r.exception, DataError) and "Chinese title" in str(r.exception)
    r = _run("rank", "--by", "aei_usage_pct", "--top", "5", "--json")
    rows = json.loads(r.output)
    assert len(rows) == 5 and rows[0]["aei_usage_pct"] >= rows[-1]["aei_usage_pct"]
    r = _run("rank", "--by", "nope")
    assert isinstance(r.exception, ConfigError)
    r = _run("show", "not-a-code")
    assert isinstance(r.exception, DataError)
    out = tmp_path / "occ.parquet"
    r = _run("export", str(out))
    assert r.exit_code == 0, r.output
    assert pl.read_parquet(out).height == atlas.occupations.height
    assert (tmp_path / "occ.parquet.provenance.json").exists()
    r = _run("export", str(tmp_path / "t.csv"), "--table", "tasks")
    assert r.exit_code == 0 and pl.read_csv(tmp_path / "t.csv").height == atlas.tasks.height


def test_cli_claims_and_coverage(atlas: Atlas) -> None:
    r = _run("claims", "--only", "anthropic_breadth")
    assert r.exit_code == 0, r.output
    assert "published" in r.output and "36%" in r.output
    r = _run("claims", "--json", "--only", "core_tasks_exposed_high_skill")
    d = json.loads(r.output)
    assert d["claims"][0]["published"][0]["figure"] == [0.2, 0.25]
    r = _run("coverage")
    assert r.exit_code == 0 and "warning" in r.output
