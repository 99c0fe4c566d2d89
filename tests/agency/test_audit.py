"""The audit on tiny logs whose figures are computed by hand, plus properties (hypothesis)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from neijuan.agency import metrics as m
from neijuan.agency.audit import audit, audit_frame, read_log
from neijuan.errors import DataError

# Six decisions of two people; hand-computed figures below.
LOG = """case,time,person,team,origin,action,seconds,outcome,ai_correct,edit_fraction,credited,blamed
1,2024-01-05,ann,x,ai,accept,3,failure,false,,,human
2,2024-01-06T10:00:00,ann,x,human,edit,20,success,,0.4,human,
3,2024-02-01,bob,y,ai,override,40,success,true,,ai,
4,2024-02-02,bob,y,ai,accept,5,failure,false,,,shared
5,2024-02-03,ann,x,ai,accept,12,success,true,,ai,
6,2024-02-04,bob,y,ai,edit,30,success,true,0.2,shared,
7,not a date,bob,y,ai,accept,1,success,,,,
8,2024-02-05,,y,ai,accept,1,success,,,,
9,2024-02-06,bob,y,robot,maybe,-1,success,perhaps,2,boss,
"""


@pytest.fixture()
def log(tmp_path: Path) -> Path:
    p = tmp_path / "log.csv"
    p.write_text(LOG)
    return p


def fig(result, scope: str, group: str, name: str) -> dict:
    row = result.figures.filter((pl.col("scope") == scope) & (pl.col("group") == group)
                                & (pl.col("figure") == name))
    assert row.height == 1
    return row.row(0, named=True)


def test_rows_in_equal_used_plus_rejected_with_reasons(log: Path) -> None:
    r = audit(log)
    assert (r.rows_in, r.rows_used, r.rows_rejected) == (9, 6, 3)
    reasons = dict(r.rejected.iter_rows())
    assert reasons[7].startswith("time:")
    assert reasons[8].startswith("person:")
    for field in ("origin", "action", "seconds", "ai_correct", "edit_fraction", "credited"):
        assert field + ":" in reasons[9]


def test_figures_by_hand(log: Path) -> None:
    r = audit(log, stamp_seconds=10)
    # ann: 3 decisions, 1 she originated; AI proposals 1 (accept, 3 s, wrong) and 5 (accept 12 s)
    assert fig(r, "person", "ann", "origination_share")["value"] == pytest.approx(1 / 3)
    assert fig(r, "person", "ann", "rubber_stamp_rate")["value"] == pytest.approx(1 / 2)
    assert fig(r, "person", "ann", "automation_bias")["value"] == pytest.approx(1.0)
    # ann's failures: case 1, blamed on her -> blame share 1; gap = 1 - 1/3
    assert fig(r, "person", "ann", "blame_authority_gap")["value"] == pytest.approx(2 / 3)
    # successes 2 (credited to her) and 5 (to the AI): credit share 1/2; asymmetry 1 - 1/2
    assert fig(r, "person", "ann", "credit_asymmetry")["value"] == pytest.approx(0.5)
    # bob: 3 AI proposals: override, accept (5 s, wrong), edit 0.2
    assert fig(r, "person", "bob", "origination_share")["value"] == 0.0
    assert fig(r, "person", "bob", "override_rate")["value"] == pytest.approx(1 / 3)
    assert fig(r, "person", "bob", "edit_depth")["value"] == pytest.approx(0.2)
    # blame shared on case 4 counts half: blame share 0.5, origination 0 -> gap 0.5
    assert fig(r, "person", "bob", "blame_authority_gap")["value"] == pytest.approx(0.5)
    # credit: case 3 to AI (0), case 6 shared (0.5) -> 0.25; asymmetry 0.5 - 0.25
    assert fig(r, "person", "bob", "credit_asymmetry")["value"] == pytest.approx(0.25)
    # all: 2 failures, blame 1 + 0.5 -> 0.75; origination 1/6
    a = fig(r, "all", "all", "blame_authority_gap")
    assert a["value"] == pytest.approx(0.75 - 1 / 6)
    assert a["lo"] <= a["value"] <= a["hi"]
    # periods: January holds ann's cases 1 and 2
    assert fig(r, "period", "2024-01-01", "origination_share")["value"] == pytest.approx(0.5)
    assert fig(r, "team", "y", "automation_bias")["value"] == pytest.approx(1.0)


def test_formats_agree(log: Path, tmp_path: Path) -> None:
    base = audit(log).figures
    frame = read_log(log)
    frame.write_ndjson(tmp_path / "log.jsonl")
    frame.write_parquet(tmp_path / "log.parquet")
    for p in (tmp_path / "log.jsonl", tmp_path / "log.parquet"):
        assert audit(p).figures.equals(base)


def test_bad_inputs_name_the_field(tmp_path: Path) -> None:
    p = tmp_path / "x.csv"
    p.write_text("case,time,person\n1,2024-01-01,a\n")
    with pytest.raises(DataError, match=r"missing column.*origin"):
        audit(p)
    with pytest.raises(DataError, match="unknown log format"):
        audit(tmp_path / "x.xlsx")
    with pytest.raises(DataError, match="no such file"):
        audit(tmp_path / "none.csv")


def test_row_forms_equal_the_audit(log: Path) -> None:
    """The shared definitions (row form) give the audit's figures."""
    from neijuan.agency.audit import validate

    clean, _ = validate(read_log(log))
    origin, action = clean["origin"].to_numpy(), clean["action"].to_numpy()
    failure = clean["outcome"].to_numpy() == 1
    blame = m.PARTY_WEIGHT[clean["blamed"].to_numpy()]
    r = audit(log)
    assert m.blame_authority_gap(origin, failure, blame)[0] == pytest.approx(
        fig(r, "all", "all", "blame_authority_gap")["value"])
    assert m.override_rate(origin, action)[0] == pytest.approx(
        fig(r, "all", "all", "override_rate")["value"])
    assert np.isnan(m.share([1.0], [0.0])[0])  # undefined, not zero


def _random_log(seed: int, n: int) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    return pl.DataFrame({
        "case": [str(i) for i in range(n)],
        "time": [f"2024-{1 + i % 12:02d}-{1 + i % 28:02d}" for i in range(n)],
        "person": rng.choice(["a", "b", "c"], n).tolist(),
        "team": rng.choice(["x", "y"], n).tolist(),
        "origin": rng.choice(["ai", "human"], n).tolist(),
        "action": rng.choice(list(m.ACTIONS), n).tolist(),
        "seconds": rng.uniform(0, 30, n).round(1).astype(str).tolist(),
        "outcome": rng.choice(["success", "failure", ""], n).tolist(),
        "ai_correct": rng.choice(["true", "false", ""], n).tolist(),
        "blamed": rng.choice(["human", "ai", "shared", "none", ""], n).tolist(),
        "credited": rng.choice(["human", "ai", "shared", "none", ""], n).tolist(),
    })


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), n=st.integers(1, 80), perm_seed=st.integers(0, 10_000))
def test_properties_rates_in_range_and_order_invariant(seed: int, n: int, perm_seed: int) -> None:
    raw = _random_log(seed, n)
    a = audit_frame(raw).figures.sort("scope", "group", "figure")
    perm = np.random.default_rng(perm_seed).permutation(n)
    b = audit_frame(raw[perm]).figures.sort("scope", "group", "figure")
    assert a.select("scope", "group", "figure", "n").equals(b.select("scope", "group", "figure",
                                                                     "n"))
    assert np.allclose(a["value"].to_numpy(), b["value"].to_numpy(), equal_nan=True)
    rates = a.filter(~pl.col("figure").is_in(["blame_authority_gap", "credit_asymmetry"]))
    v = rates["value"].drop_nulls()
    assert ((v >= 0) & (v <= 1)).all()
    gaps = a.filter(pl.col("figure").is_in(["blame_authority_gap", "credit_asymmetry"]))
    g = gaps["value"].drop_nulls()
    assert ((g >= -1) & (g <= 1)).all()
    ok = a.drop_nulls("value")
    assert ((ok["lo"] <= ok["value"] + 1e-12) & (ok["value"] <= ok["hi"] + 1e-12)).all()


def test_cli_audit_and_synth(tmp_path: Path, log: Path) -> None:
    from neijuan.cli import app

    runner = CliRunner()
    r = runner.invoke(app, ["audit", str(log), "--json"])
    assert r.exit_code == 0, r.output
    assert '"rows_rejected": 3' in r.output
    out = tmp_path / "out"
    r = runner.invoke(app, ["audit", str(log), "--by", "team", "--out", str(out)])
    assert r.exit_code == 0, r.output
    assert (out / "figures.parquet").is_file() and (out / "plots.html").is_file()


def test_synth_log_follows_the_scenario_and_audits_clean() -> None:
    from neijuan.agency.synth import SynthParams, synth_log

    def params(rule: str) -> SynthParams:
        return SynthParams(scenario="t", occupations=("a", "b"), codes=("11-1011", "43-4051"),
                           weights=(0.5, 0.5), ai_origination=(0.2, 0.8), ai_failure_rate=0.2,
                           human_failure_rate=0.02, liability_rule=rule, liability=0.9,
                           review_burden=0.25, start_year=2024)

    conf = audit_frame(synth_log(params("confirmer"), 20_000, seed=1))
    auth = audit_frame(synth_log(params("authority"), 20_000, seed=1))
    assert conf.rows_rejected == 0 and conf.rows_used == 20_000
    gap_c = fig(conf, "all", "all", "blame_authority_gap")["value"]
    gap_a = fig(auth, "all", "all", "blame_authority_gap")["value"]
    assert gap_c > gap_a  # people answer for the AI's failures only under the confirmer rule
    assert fig(conf, "all", "all", "origination_share")["value"] == pytest.approx(0.5, abs=0.05)


def test_time_parsing_mixed_layouts_and_zones() -> None:
    from datetime import datetime

    from neijuan.agency.audit import _parse_time

    got = _parse_time(pl.Series(["bad", "2024-01-06T10:00:00+02:00", "2024-01-05",
                                 "2024-02-01 10:11", "", None])).to_list()
    assert got == [None, datetime(2024, 1, 6, 8, 0), datetime(2024, 1, 5),
                   datetime(2024, 2, 1, 10, 11), None, None]


def test_synth_from_a_simulator_run(tmp_path: Path) -> None:
    """The one coupling to the simulator (public API only) and the command built on it."""
    import neijuan
    from neijuan.agency.synth import simulator_parameters
    from neijuan.cli import app

    p = simulator_parameters("ai-baseline", workers=500, periods=2)
    sc = neijuan.load_scenario("ai-baseline")
    assert p.liability_rule == sc.agency.liability_rule
    assert p.ai_failure_rate == sc.agency.ai_failure_rate
    assert sum(p.weights) == pytest.approx(1.0)
    assert len(p.codes) == len(p.ai_origination) > 1
    assert all(0.0 <= x <= 1.0 for x in p.ai_origination)
    out = tmp_path / "log.jsonl"
    r = CliRunner().invoke(app, ["audit", "synth", "--out", str(out), "--rows", "500",
                                 "--workers", "500"])
    assert r.exit_code == 0, r.output
    res = audit(out)
    assert res.rows_used == 500 and res.rows_rejected == 0


def test_a_log_with_nothing_usable_is_a_clear_error(tmp_path: Path) -> None:
    p = tmp_path / "empty.csv"
    p.write_text("case,time,person,origin,action,seconds\n")
    with pytest.raises(DataError, match="no rows"):
        audit(p)
    p.write_text("case,time,person,origin,action,seconds\n1,x,a,ai,accept,1\n")
    with pytest.raises(DataError, match=r"none of its 1 rows.*time: expected"):
        audit(p)
