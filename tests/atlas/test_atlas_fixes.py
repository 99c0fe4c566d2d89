"""The four atlas fixes of issue 10, each against a figure computed by hand from the raw files,
plus the arithmetic on tiny frames and the 100-column rendering."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path

import polars as pl
import pytest
from rich.console import Console

from neijuan.atlas.claims import Claim, compute_claims, within_wage_change
from neijuan.atlas.claims_view import correlation_matrix, render
from neijuan.atlas.model import Atlas, load_atlas
from neijuan.data import crosswalks as xw
from neijuan.data import loaders as ld

# ------------------------------------------------------------------------ tiny frames (no data)


def test_allocated_weights_split_a_source_code_like_its_employment() -> None:
    # A (1000 workers) splits between units X (target weight 1) and Y (3); B (100) goes to Y only.
    pairs = pl.DataFrame({"k": ["A", "A", "B"], "soc": ["X", "Y", "Y"]})
    target = pl.DataFrame({"soc": ["X", "Y"], "weight": [1.0, 3.0]})
    vals = pl.DataFrame({"k": ["A", "B"], "v": [10.0, 0.0], "emp": [1000.0, 100.0]})
    shares = {(r["k"], r["soc"]): r["share"]
              for r in xw.allocation_shares("k", pairs, target).iter_rows(named=True)}
    assert shares == {("A", "X"): 0.25, ("A", "Y"): 0.75, ("B", "Y"): 1.0}
    v, pw = xw.allocated_weights(vals, "k", "emp", pairs, target)
    out = dict(xw.average_to_unit(v, "k", ["v"], pw, weight="_pair_w").select("soc", "v")
               .iter_rows())
    # Y: A sends 750 workers (value 10), B 100 (value 0) -> 7500 / 850
    assert out["Y"] == pytest.approx(7500 / 850)
    assert out["X"] == pytest.approx(10.0)
    # the old rule (whole employment) would give 10000 / 1100 on Y
    old = dict(xw.average_to_unit(vals, "k", ["v"], pairs, weight="emp").select("soc", "v")
               .iter_rows())
    assert old["Y"] == pytest.approx(10000 / 1100)


def test_within_occupation_wage_change_ignores_shifts_between_jobs() -> None:
    # Both jobs' pay rises 10%, but employment moves to the low-paid one: the mean wage falls.
    occ = pl.DataFrame({"median_wage_2015": [20.0, 100.0], "median_wage": [22.0, 110.0],
                        "employment_2015": [50.0, 50.0], "employment": [90.0, 10.0]})
    assert within_wage_change(occ) == pytest.approx(0.10)
    mean_change = (22 * 90 + 110 * 10) / 100 / ((20 * 50 + 100 * 50) / 100) - 1
    assert mean_change < 0


def test_correlation_matrix_fits_100_columns() -> None:
    from neijuan.atlas.catalog import load_catalog

    names = [i.name for i in load_catalog().indices]
    rows = [{"a": a, "b": b, "rho": -0.55, "n": 100} for i, a in enumerate(names)
            for b in names[i + 1:]]
    rc = pl.DataFrame(rows, schema={"a": pl.String, "b": pl.String, "rho": pl.Float64,
                                    "n": pl.Int64})
    table, order = correlation_matrix(rc, "t")
    con = Console(width=100, record=True)
    con.print(table)
    text = con.export_text()
    assert "…" not in text and max(len(line) for line in text.splitlines()) <= 100
    assert text.count("-.55") == len(names) * (len(names) - 1) // 2
    assert order == names


# --------------------------------------------------------------------------- real files


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


def _occ(atlas: Atlas, soc: str) -> dict:
    return atlas.occupations.filter(pl.col("soc") == soc).row(0, named=True)


@pytest.mark.realdata
def test_soc2010_scores_weighted_by_allocated_employment(atlas: Atlas,
                                                         real_data_dir: Path) -> None:
    """51-9162 CNC programmers: from 51-4012 (all of it) and 51-9199 (the part BLS splits off,
    by 2021 employment of 51-9161, 51-9162, 51-9199)."""
    x = ld.xwalk_soc2010_2018(real_data_dir)
    assert sorted(x.filter(pl.col("soc2018") == "51-9162")["soc2010"].to_list()) == [
        "51-4012", "51-9199"]
    o15 = dict(ld.oews(2015, real_data_dir).select("soc", "employment").iter_rows())
    o21 = dict(ld.oews(2021, real_data_dir).select("soc", "employment").iter_rows())
    aioe = dict(ld.felten_aioe("aioe", real_data_dir).select("soc2010", "aioe").iter_rows())
    share = o21["51-9162"] / (o21["51-9161"] + o21["51-9162"] + o21["51-9199"])
    w1, w2 = o15["51-4012"], o15["51-9199"] * share
    hand = (w1 * aioe["51-4012"] + w2 * aioe["51-9199"]) / (w1 + w2)
    assert hand == pytest.approx(-0.512, abs=0.002)
    assert _occ(atlas, "51-9162")["felten_aioe"] == pytest.approx(hand, abs=1e-9)
    # the whole-employment rule gave about -1.17
    whole = (o15["51-4012"] * aioe["51-4012"] + o15["51-9199"] * aioe["51-9199"]) / (
        o15["51-4012"] + o15["51-9199"])
    assert whole == pytest.approx(-1.17, abs=0.01)


@pytest.mark.realdata
def test_anthropic_usage_carried_at_occupation_level(atlas: Atlas, real_data_dir: Path) -> None:
    """Laborers 53-7062: the usage of its O*NET 20.1 statements (none survives in 29.3) summed
    from the two Anthropic CSV files by hand."""
    base = real_data_dir / "anthropic_economic_index_2025_02"
    usage: dict[str, float] = {}
    with open(base / "onet_task_mappings.csv", newline="", encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            usage[r["task_name"].strip()] = usage.get(r["task_name"].strip(), 0.0) + float(
                r["pct"])
    text = (base / "onet_task_statements.csv").read_text(encoding="utf-8")
    rows = list(csv.DictReader(io.StringIO(text)))
    count: dict[str, int] = {}
    for r in rows:
        key = r["Task"].lower().strip()
        count[key] = count.get(key, 0) + 1
    mine = [r["Task"].lower().strip() for r in rows if r["O*NET-SOC Code"] == "53-7062.00"]
    hand = sum(usage.get(s, 0.0) / count[s] for s in mine)
    assert hand > 0
    o = _occ(atlas, "53-7062")
    assert o["aei_usage_pct"] == pytest.approx(hand, rel=1e-9)
    assert o["aei_usage_pct_carried"] == pytest.approx(hand, rel=1e-9)
    assert _occ(atlas, "37-2012")["aei_usage_pct"] > 0  # Maids
    cov = atlas.coverage.filter(pl.col("join").str.starts_with("Anthropic usage, by route:"))
    assert cov.height == 5 and cov["task_share"].sum() == pytest.approx(1.0, abs=1e-9)


@pytest.mark.realdata
def test_wage_change_by_quintile_is_within_occupations(atlas: Atlas) -> None:
    c = compute_claims(atlas, ["change_by_exposure_quintile"])[0]
    occ = atlas.occupations.filter(pl.col("employment").is_not_null()
                                   & (pl.col("employment_2015") > 0)
                                   & pl.col("felten_aioe").is_not_null()).sort("felten_aioe")
    # quintile 1 by hand: occupations whose employment-2015 midpoint is in the first fifth
    e = occ["employment_2015"].to_list()
    total, cum, q1 = sum(e), 0.0, []
    for i, w in enumerate(e):
        if (cum + w / 2) / total < 0.2:
            q1.append(i)
        cum += w
    sub = occ[q1].filter(pl.col("median_wage").is_not_null()
                         & pl.col("median_wage_2015").is_not_null())
    hand = sum((r["median_wage"] / r["median_wage_2015"] - 1) * r["employment_2015"]
               for r in sub.iter_rows(named=True)) / sum(sub["employment_2015"])
    row = c.table.filter((pl.col("index") == "felten_aioe") & (pl.col("quintile") == 1))
    assert row["wage_change"].item() == pytest.approx(hand, rel=1e-9)
    s = c.summary["by_index"]["felten_aioe"]
    # the composition variant understates the Q5 - Q1 gap (the issue: about half of it)
    assert abs(s["wage_change_composition_q5_minus_q1"]) < abs(s["wage_change_q5_minus_q1"])


@pytest.mark.realdata
def test_automation_claim_keeps_constructs_apart(atlas: Atlas, real_data_dir: Path) -> None:
    c = compute_claims(atlas, ["automation_vs_augmentation_by_tier"])[0]
    assert "augmentation_share" not in c.table.columns
    assert {"gpt4_automation_level", "gpt4_automation_level_claude_weighted"} <= set(
        c.table.columns)
    with open(real_data_dir / "anthropic_economic_index_2025_02/automation_vs_augmentation.csv",
              newline="", encoding="utf-8") as fh:
        pct = {r["interaction_type"]: float(r["pct"]) for r in csv.DictReader(fh)}
    aug = pct["task iteration"] + pct["learning"] + pct["validation"]
    auto = pct["directive"] + pct["feedback loop"]
    assert c.summary["anthropic_augmentation_share_all_tiers"] == pytest.approx(aug / (aug + auto))
    assert c.summary["anthropic_augmentation_share_by_tier"] == "not published"
    by_source = {s["source"].split(",")[0]: s for s in c.sources}
    assert by_source["Anthropic Economic Index 2025-02"]["by_tier"].startswith("no")


@pytest.mark.realdata
def test_claims_and_correlations_readable_at_100_columns(atlas: Atlas) -> None:
    con = Console(width=100, record=True, color_system=None)
    for claim in compute_claims(atlas):
        assert isinstance(claim, Claim)
        render(con, claim)
    table, _ = correlation_matrix(atlas.rank_correlations(), "t")
    con.print(table)
    text = con.export_text()
    assert "…" not in text
    assert max(len(line) for line in text.splitlines()) <= 100
