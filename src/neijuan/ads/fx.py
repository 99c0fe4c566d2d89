"""The exchange-rate table (``data/fx_rates.toml``) as a small frame, and the conversion of annual
salaries to the reference currency: CNY for yuan salaries, USD for every other currency."""

from __future__ import annotations

import functools
import tomllib
from importlib import resources

import polars as pl

from neijuan.errors import ConfigError


@functools.cache
def table_status() -> dict[str, object]:
    """Version, source and whether the values were checked against the official series (for the
    provenance record: the table was typed from memory and is not checked)."""
    raw = resources.files("neijuan.ads").joinpath("data/fx_rates.toml").read_bytes()
    meta = tomllib.loads(raw.decode("utf-8"))["meta"]
    return {"version": str(meta.get("version", "?")), "source": str(meta.get("source", "?")),
            "checked": bool(meta.get("checked", False))}


@functools.cache
def rates() -> tuple[pl.DataFrame, int, str]:
    """(currency, year, per_usd) rows, the last year listed, and the table's source line."""
    raw = resources.files("neijuan.ads").joinpath("data/fx_rates.toml").read_bytes()
    doc = tomllib.loads(raw.decode("utf-8"))
    rows = []
    for cur, by_year in doc["per_usd"].items():
        for year, value in by_year.items():
            if not isinstance(value, int | float) or value <= 0:
                raise ConfigError(f"fx_rates.toml: [per_usd].{cur}.{year} must be a positive number")
            rows.append({"currency": cur, "year": int(year), "per_usd": float(value)})
    frame = pl.DataFrame(rows, schema={"currency": pl.String, "year": pl.Int32,
                                       "per_usd": pl.Float64})
    return frame, int(doc["meta"]["last_year"]), str(doc["meta"]["source"])


def reference_currency(currency: pl.Expr) -> pl.Expr:
    """CNY for yuan salaries, USD otherwise (null when the currency is unknown)."""
    return pl.when(currency.is_null()).then(pl.lit(None, dtype=pl.String)) \
        .when(currency == "CNY").then(pl.lit("CNY")).otherwise(pl.lit("USD"))


def to_reference(amount: pl.Expr, currency: pl.Expr, year: pl.Expr) -> pl.Expr:
    """``amount`` (in ``currency``) in the reference currency at ``year``'s average rate: the last
    listed year when later or unknown, the first when earlier; null when the currency is not in the
    table."""
    table, last, _ = rates()
    first = int(table["year"].min())  # type: ignore[arg-type]
    mapping = {f"{c}:{y}": r for c, y, r in table.iter_rows()}
    y = year.cast(pl.Int32, strict=False).fill_null(last).clip(first, last).cast(pl.String)
    per_usd = pl.concat_str([currency, pl.lit(":"), y]).replace_strict(
        mapping, default=None, return_dtype=pl.Float64)
    return pl.when(currency == "CNY").then(amount).otherwise(amount / per_usd)
