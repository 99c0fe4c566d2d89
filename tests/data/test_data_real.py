"""The real files (NEIJUAN_DATA_DIR or ../shared/data): checksums, row counts, known values."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from neijuan.data import loaders as ld
from neijuan.data.status import data_status

pytestmark = pytest.mark.realdata


def test_every_registry_file_matches_its_checksum(real_data_dir: Path) -> None:
    _, rows = data_status(real_data_dir)
    bad = [(r.path, r.state) for r in rows if r.state != "ok"]
    assert not bad, bad


def test_row_counts(real_data_dir: Path) -> None:
    d = real_data_dir
    assert ld.onet_occupations(d).height == 1016
    assert ld.onet_tasks(d).height == 18796
    assert ld.eloundou_labels(d).height == 19265
    assert ld.aei_task_statements(d).height == 19530
    assert ld.frey_osborne(d).height == 702
    assert ld.felten_aioe("aioe", d).height == 774
    assert ld.oews(2024, d).filter(pl.col("group") == "detailed").height == 831
    assert ld.oews(2015, d).filter(pl.col("group") == "detailed").height == 820


def test_known_oews_values(real_data_dir: Path) -> None:
    o = ld.oews(2024, real_data_dir)
    by = {r["soc"]: r for r in o.iter_rows(named=True)}
    assert by["23-1011"]["employment"] == 747750 and by["23-1011"]["median_wage"] == 151160
    assert by["15-1252"]["employment"] == 1654440
    assert by["27-2011"]["hourly_only"] and by["27-2011"]["median_wage"] == pytest.approx(
        23.33 * 2080)
    assert by["29-1223"]["median_topcoded"] and by["29-1223"]["median_wage"] == 239200


def test_one_task_labels(real_data_dir: Path) -> None:
    el = ld.eloundou_labels(real_data_dir).filter(pl.col("task_id") == 8823).row(0, named=True)
    assert (el["onet_soc"], el["human_exposure"], el["gpt4_exposure"],
            el["gpt4_automation"]) == ("11-1011.00", "E0", "E2", "T2")


def test_wage_data_mixed_units(real_data_dir: Path) -> None:
    w = ld.aei_wage_data(real_data_dir)
    actors = w.filter(pl.col("onet_soc") == "27-2011.00").row(0, named=True)
    assert actors["median_salary"] == pytest.approx(17.54)
    assert actors["median_salary_annual"] == pytest.approx(17.54 * 2080)
    assert w.filter(pl.col("onet_soc") == "13-2011.01")["chance_auto"].item() is None  # -1
