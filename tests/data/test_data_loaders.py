"""Loaders on small fixtures in the official layouts (broken ones included)."""

from __future__ import annotations

import shutil
from pathlib import Path

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from neijuan.data import loaders as ld
from neijuan.data._read import Col, TableSpec, read_table
from neijuan.data.verify import declare_release
from neijuan.errors import DataError

FIX = Path(__file__).parent / "fixtures"


def _folder(tmp_path: Path, files: dict[str, str]) -> Path:
    """A data folder with fixture files placed at their canonical paths."""
    for rel, fixture in files.items():
        dest = tmp_path / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(FIX / fixture, dest)
    # fixtures are not the registry's files: the folder declares them a release of its own
    declare_release(tmp_path, "test fixtures")
    return tmp_path


def test_oews_2021_flags_commas_bom(tmp_path: Path) -> None:
    d = _folder(tmp_path, {"bls_oews/national_M2021_dl.csv": "national_M2021_dl.csv"})
    df = ld.oews(2021, d)
    by = {r["soc"]: r for r in df.iter_rows(named=True)}
    assert df.columns[0] == "soc"  # the BOM did not stick to the first header
    assert by["23-1011"]["employment"] == 681010.0
    assert by["23-1011"]["median_wage"] == 127990.0
    # hourly-only: annual = hourly median x 2,080
    assert by["27-2011"]["hourly_only"] is True
    assert by["27-2011"]["median_annual"] is None
    assert by["27-2011"]["median_wage"] == pytest.approx(23.48 * 2080)
    # '#' = top-coded: flagged, valued at the registry's top code
    assert by["29-1223"]["median_topcoded"] is True
    assert by["29-1223"]["median_wage"] == 208000.0
    assert by["13-1020"]["group"] == "detailed"


def test_oews_2015_unnamed_index_column(tmp_path: Path) -> None:
    d = _folder(tmp_path, {"bls_oews/national_M2015_dl.csv": "national_M2015_dl.csv"})
    df = ld.oews(2015, d)
    assert "soc" in df.columns and df.height == 3
    lawyers = df.filter(pl.col("soc") == "23-1011").row(0, named=True)
    assert lawyers["employment"] == 609930 and lawyers["median_wage"] == 115820
    actors = df.filter(pl.col("soc") == "27-2011").row(0, named=True)
    assert actors["median_wage"] == pytest.approx(18.8 * 2080)


def test_onet_tasks_and_eloundou(tmp_path: Path) -> None:
    d = _folder(tmp_path, {"onet_29_3/Task Statements.txt": "Task Statements.txt",
                           "gpts_are_gpts/full_labelset.tsv": "full_labelset.tsv"})
    tasks = ld.onet_tasks(d)
    assert tasks["task_type"].to_list() == ["core", "core", "supplemental", None]
    assert tasks["task_id"].dtype == pl.Int64
    el = ld.eloundou_labels(d)
    assert el.columns[:2] == ["onet_soc", "task_id"]  # unnamed index column dropped
    assert el.filter(pl.col("task_id") == 3527)["gpt4_automation"].item() == "T2"


@pytest.mark.parametrize(("fixture", "pattern"), [
    ("broken_renamed_column.csv", r"column 'OCC_CODE' not found.*renamed\? closest found: 'OCC_CD'"),
    ("broken_bad_code.csv", r"column 'OCC_CODE', line 5: '27-20X1' is not a SOC code"),
    ("broken_bad_number.csv", r"column 'TOT_EMP', line 7: '43x,020' is not a number"),
    ("empty.csv", r"the file is empty"),
])
def test_broken_oews_is_refused_with_file_column_line(tmp_path: Path, fixture: str,
                                                      pattern: str) -> None:
    d = _folder(tmp_path, {"bls_oews/national_M2021_dl.csv": fixture})
    with pytest.raises(DataError, match=pattern) as err:
        ld.oews(2021, d)
    assert "national_M2021_dl.csv" in str(err.value)


def test_header_only_and_bad_label_refused(tmp_path: Path) -> None:
    d = _folder(tmp_path, {"onet_29_3/Task Statements.txt": "broken_header_only.txt",
                           "gpts_are_gpts/full_labelset.tsv": "broken_label.tsv"})
    with pytest.raises(DataError, match="no data rows"):
        ld.onet_tasks(d)
    with pytest.raises(DataError, match=r"human_exposure.*'E3' is not one of"):
        ld.eloundou_labels(d)


def test_missing_file_names_it(tmp_path: Path) -> None:
    with pytest.raises(DataError, match=r"Job Zones.txt: file not found"):
        ld.onet_job_zones(tmp_path)


def test_excel_title_rows_and_missing_sheet(tmp_path: Path) -> None:
    """The BLS NEM crosswalk layout: four title rows above the header, in a named sheet."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "ONET to SOC crosswalk"
    for title in ("Bureau of Labor Statistics", "Office of Occupational Statistics",
                  "As of 9/6/2023", "O*NET-SOC and National Employment Matrix"):
        ws.append([title])
    ws.append(["Sort Order", "O*NET-SOC Code", "O*NET-SOC Title", "NEM Code",
               "National Employment Matrix Occupational Title"])
    ws.append([1, "13-1021.00", "Buyers, Farm Products", "13-1020", "Buyers"])
    ws.append([2, "23-1011.00", "Lawyers", "23-1011", "Lawyers"])
    path = tmp_path / "crosswalks" / "bls_nem_onet_to_soc_crosswalk_2023-09.xlsx"
    path.parent.mkdir(parents=True)
    wb.save(path)
    declare_release(tmp_path, "test fixtures")
    df = ld.xwalk_onet2019_nem(tmp_path)
    assert df.select("onet_soc", "soc").rows() == [("13-1021.00", "13-1020"),
                                                    ("23-1011.00", "23-1011")]
    wb.active.title = "Renamed"
    wb.save(path)
    declare_release(tmp_path, "test fixtures")
    with pytest.raises(DataError, match="sheet 'ONET to SOC crosswalk' not found"):
        ld.xwalk_onet2019_nem(tmp_path)


@given(st.lists(st.integers(min_value=0, max_value=10**9), min_size=1, max_size=20))
def test_thousands_separators_round_trip(values: list[int]) -> None:
    """Any integer written with BLS-style thousands separators reads back exactly."""
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "t.csv"
        lines = ["CODE,N"] + [f'11-{1000 + i:04d},"{v:,}"' for i, v in enumerate(values)]
        path.write_text("\n".join(lines) + "\n")
        df = read_table(path, TableSpec(columns=(Col("CODE", "soc", "soc6"),
                                                 Col("N", "n", "int"))))
        assert df["n"].to_list() == values
