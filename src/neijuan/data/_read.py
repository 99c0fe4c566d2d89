"""Reading official layouts into validated, typed Polars frames.

Every loader in :mod:`neijuan.data.loaders` is a declaration (which file, which columns, what type
each column has) handed to :func:`read_table`. The rules of the official layouts live here, once:
title rows above the header, thousands separators, the BLS flags ``*`` / ``**`` (not available) and
``#`` (top-coded), ``-1`` for missing, an unnamed pandas index column. Anything that breaks the
declaration is refused with a :class:`~neijuan.errors.DataError` naming the file, the column and the
line, so nothing is dropped silently.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import polars as pl

from neijuan.errors import DataError

Kind = Literal[
    "str",  # text, stripped; empty becomes null
    "int",  # integer; thousands separators allowed
    "float",  # number; thousands separators allowed
    "wage",  # BLS wage: number, '*' / '**' -> null, '#' -> null with a top-coded flag column
    "bool",  # TRUE/True/true/Y/1 -> true; FALSE/False/N/0/'' -> false
    "soc6",  # SOC six-digit code, 'NN-NNNN'
    "onet8",  # O*NET-SOC code, 'NN-NNNN.NN'
    "task_id",  # O*NET task id: integer, possibly written '8823.0'
]

CODE_PATTERNS: dict[str, re.Pattern[str]] = {
    "soc6": re.compile(r"^\d{2}-\d{4}$"),
    "onet8": re.compile(r"^\d{2}-\d{4}\.\d{2}$"),
}
_ALLOWED = {
    "soc6": "a SOC code like 15-1252",
    "onet8": "an O*NET-SOC code like 15-1252.00",
    "int": "an integer (thousands separators allowed)",
    "float": "a number (thousands separators allowed)",
    "wage": "a number, '*', '**' (not available) or '#' (top-coded)",
    "task_id": "an integer task id",
    "bool": "TRUE/FALSE",
}
_MISSING_TOKENS = ("", "*", "**", "n/a", "N/A", "NA")


@dataclass(frozen=True)
class Col:
    """One column of an official layout: its name in the file, our name, its kind.

    ``missing`` lists extra tokens meaning "no value" (e.g. ``-1`` in wage_data.csv);
    ``required`` means an empty cell is an error rather than a null.
    """

    source: str
    name: str
    kind: Kind = "str"
    required: bool = False
    missing: tuple[str, ...] = ()


@dataclass(frozen=True)
class TableSpec:
    """Where the header is and which columns must be there.

    ``header_row`` is the 0-based row of the header in a sheet (title rows above it are skipped);
    ``keep`` filters rows after typing (e.g. OEWS detailed rows only) and is applied by the loader.
    """

    columns: tuple[Col, ...]
    separator: str = ","
    quote_char: str | None = '"'
    header_row: int = 0
    sheet: str | None = None
    drop_index_column: bool = False
    stop_at_blank: bool = False
    extra: Mapping[str, str] = field(default_factory=dict)


def _line_of(header_line: int, row_index: int) -> int:
    """1-based line (or sheet row) of data row ``row_index`` when the header is on ``header_line``."""
    return header_line + 1 + row_index


def _suggest(missing: str, found: Sequence[str]) -> str:
    """A hint naming the closest found column, for a column that was renamed."""
    try:
        from rapidfuzz import process

        best = process.extractOne(missing, list(found))
    except ImportError:  # pragma: no cover - rapidfuzz is a dependency
        best = None
    if best and best[1] >= 60:
        return f" (renamed? closest found: {best[0]!r})"
    return ""


def _read_raw(path: Path, spec: TableSpec) -> tuple[pl.DataFrame, int]:
    """Every cell as text; returns the frame and the 1-based line/row of its header."""
    if not path.exists():
        raise DataError(f"{path}: file not found (run 'neijuan data status' to see what is missing)")
    if path.stat().st_size == 0:
        raise DataError(f"{path}: the file is empty")
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm", ".xls"):
        import fastexcel

        try:
            reader = fastexcel.read_excel(str(path))
        except Exception as exc:  # fastexcel raises its own error types
            raise DataError(f"{path}: not a readable Excel workbook ({exc})") from exc
        sheet = spec.sheet if spec.sheet is not None else reader.sheet_names[0]
        if sheet not in reader.sheet_names:
            raise DataError(f"{path}: sheet {sheet!r} not found; sheets are {reader.sheet_names}")
        try:
            frame = reader.load_sheet_by_name(sheet, header_row=spec.header_row, dtypes="string")
            df = frame.to_polars()
        except Exception as exc:  # calamine errors on a damaged sheet
            raise DataError(f"{path}: sheet {sheet!r} is damaged or unreadable "
                            f"({exc.__class__.__name__}: {exc})") from exc
        header_line = spec.header_row + 1
    else:
        try:
            df = pl.read_csv(
                path,
                separator=spec.separator,
                quote_char=spec.quote_char,
                infer_schema_length=0,
                skip_rows=spec.header_row,
                truncate_ragged_lines=False,
                raise_if_empty=True,
            )
        except pl.exceptions.NoDataError as exc:
            raise DataError(f"{path}: the file is empty") from exc
        except pl.exceptions.ComputeError as exc:
            raise DataError(f"{path}: malformed {suffix or 'text'} table ({exc})") from exc
        header_line = spec.header_row + 1
    if spec.drop_index_column and df.width and df.columns[0] in ("", "__UNNAMED__0"):
        df = df.drop(df.columns[0])
    if spec.stop_at_blank and df.height:
        first = df.columns[0]
        blank = df.with_row_index("_i").filter(
            pl.col(first).is_null() | (pl.col(first).str.strip_chars() == "")
        )
        if blank.height:
            df = df.head(int(blank["_i"][0]))
    if df.height == 0:
        raise DataError(f"{path}: no data rows below the header (line {header_line})")
    return df, header_line


def _bad(path: Path, col: Col, line: int, value: object, kind: str) -> DataError:
    where = "row" if path.suffix.lower().startswith(".xls") else "line"
    return DataError(
        f"{path}: column {col.source!r}, {where} {line}: {value!r} is not {_ALLOWED.get(kind, kind)}"
    )


def _typed(path: Path, df: pl.DataFrame, col: Col, header_line: int) -> list[pl.Series]:
    """Convert one raw text column to its kind; refuse the first bad cell with its line."""
    raw = df[col.source].cast(pl.String).str.strip_chars()
    missing = set(col.missing)
    is_missing = raw.is_null() | raw.is_in(list(missing | {""}))
    if col.kind in ("int", "float", "wage", "task_id"):
        is_missing = is_missing | raw.is_in(list(_MISSING_TOKENS))
    if col.required and is_missing.any():
        i = int(is_missing.arg_true()[0])
        raise DataError(
            f"{path}: column {col.source!r}, line {_line_of(header_line, i)}: empty value in a "
            f"required column"
        )
    if col.kind == "str":
        return [_null_where(raw, is_missing).alias(col.name)]
    if col.kind in CODE_PATTERNS:
        ok = raw.str.contains(CODE_PATTERNS[col.kind].pattern) | is_missing
        if not ok.all():
            i = int((~ok).arg_true()[0])
            raise _bad(path, col, _line_of(header_line, i), raw[i], col.kind)
        return [_null_where(raw, is_missing).alias(col.name)]
    if col.kind == "bool":
        low = raw.str.to_lowercase()
        true = low.is_in(["true", "y", "yes", "1"])
        false = low.is_in(["false", "n", "no", "0", ""]) | low.is_null()
        ok = true | false
        if not ok.all():
            i = int((~ok).arg_true()[0])
            raise _bad(path, col, _line_of(header_line, i), raw[i], "bool")
        return [true.alias(col.name)]
    # numbers
    topcoded = raw == "#"
    cleaned = raw.str.replace_all(",", "", literal=True)
    if col.kind == "wage":
        is_missing = is_missing | topcoded
    out: list[pl.Series] = []
    value = _null_where(cleaned, is_missing).cast(pl.Float64, strict=False)
    bad = value.is_null() & ~is_missing
    if bad.any():
        i = int(bad.arg_true()[0])
        raise _bad(path, col, _line_of(header_line, i), raw[i], col.kind)
    if col.kind in ("int", "task_id"):
        frac = (value - value.floor()).abs() > 0
        if frac.fill_null(False).any():
            i = int(frac.fill_null(False).arg_true()[0])
            raise _bad(path, col, _line_of(header_line, i), raw[i], col.kind)
        out.append(value.cast(pl.Int64).alias(col.name))
    else:
        out.append(value.alias(col.name))
    if col.kind == "wage":
        out.append(topcoded.fill_null(False).alias(f"{col.name}_topcoded"))
    return out


def _null_where(series: pl.Series, mask: pl.Series) -> pl.Series:
    """``series`` with nulls where ``mask`` is true."""
    return pl.select(pl.when(mask).then(None).otherwise(series).alias(series.name)).to_series()


def read_table(path: str | Path, spec: TableSpec) -> pl.DataFrame:
    """Read ``path`` per ``spec``: check the header, type each declared column, keep only those.

    Raises :class:`DataError` for a missing file, an empty file, a missing or renamed column, or a
    cell that is not of its column's kind (naming file, column and line).
    """
    path = Path(path)
    df, header_line = _read_raw(path, spec)
    found = [c for c in df.columns]
    for col in spec.columns:
        if col.source not in found:
            raise DataError(
                f"{path}: column {col.source!r} not found in the header (line {header_line})"
                f"{_suggest(col.source, found)}; columns found: {found}"
            )
    series: list[pl.Series] = []
    for col in spec.columns:
        series.extend(_typed(path, df, col, header_line))
    return pl.DataFrame(series)


def check_codes(path: Path, frame: pl.DataFrame, column: str, kind: str, header_line: int = 1,
                source_name: str | None = None) -> None:
    """Refuse a frame whose ``column`` holds a code not of ``kind`` (for derived code columns)."""
    pattern = CODE_PATTERNS[kind].pattern
    ok = frame[column].is_null() | frame[column].str.contains(pattern)
    if not ok.all():
        i = int((~ok).arg_true()[0])
        raise DataError(
            f"{path}: column {source_name or column!r}, line {_line_of(header_line, i)}: "
            f"{frame[column][i]!r} is not {_ALLOWED[kind]}"
        )
