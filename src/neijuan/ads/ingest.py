"""Reading ad files: formats, encodings, column mapping, dates; every unusable row is kept as a reject.

This is the edge where user input enters, so every problem is named here: the file, the column, the
line, and what was expected. A file-level problem (unreadable, a mapped column missing) raises
:class:`~neijuan.errors.DataError`; a row-level problem (empty text, unparseable or ambiguous date,
bytes in no known encoding, a malformed CSV/JSON line) sends the row to the rejects with its reason.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import datetime as dt
import gzip
import hashlib
import io
import json
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from neijuan.errors import ConfigError, DataError

FORMATS = {".csv": "csv", ".tsv": "tsv", ".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "json",
           ".parquet": "parquet", ".pq": "parquet"}
# Optional columns picked up by name when present and not mapped explicitly.
OPTIONAL_ROLES = ("title", "salary", "sector")
ROLES = ("id", "date", "text", *OPTIONAL_ROLES)
# Dates outside [EARLIEST_DATE, today + LATEST_DAYS_AHEAD] are implausible for a job ad.
EARLIEST_DATE = dt.date(1990, 1, 1)
LATEST_DAYS_AHEAD = 366
# Files larger than this are streamed in batches of BATCH_ROWS rows (UTF-8 CSV/TSV/JSONL, Parquet).
LARGE_FILE_BYTES = 256 * 2**20
BATCH_ROWS = 100_000
# An ad longer than this (characters) is quarantined rather than analysed: it is a page, not an ad.
MAX_TEXT_CHARS = 200_000
REJECT_SCHEMA: dict[str, Any] = {
    "file": pl.String, "row": pl.Int64, "id": pl.String, "stage": pl.String, "reason": pl.String,
    "detail": pl.String, "kept_in_ads": pl.Boolean, "text_excerpt": pl.String,
}


@dataclass(frozen=True)
class Mapping:
    """Which input column plays which role, and how to read the values."""

    text: str = "text"
    date: str | None = "date"
    id: str | None = "id"
    title: str | None = None
    salary: str | None = None
    sector: str | None = None
    encoding: str | None = None
    date_format: str | None = None
    default_currency: str | None = None
    explicit: frozenset[str] = frozenset()

    def as_dict(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in (*ROLES, "encoding", "date_format",
                                               "default_currency")}


def load_mapping(path: str | Path, **overrides: Any) -> Mapping:
    """Read a TOML mapping (``[columns]`` role = column, ``[options]``); options given win."""
    p = Path(path)
    try:
        doc = tomllib.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"mapping file not found: {p}") from None
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{p}: not a valid UTF-8 TOML file: {exc}") from None
    columns = doc.get("columns", {})
    options = doc.get("options", {})
    unknown = (set(columns) - set(ROLES)) | (set(options) - {"encoding", "date_format",
                                                            "default_currency"})
    unknown |= set(doc) - {"columns", "options"}
    if unknown:
        raise ConfigError(f"{p}: unknown key(s) {sorted(unknown)}; allowed: [columns] "
                          f"{', '.join(ROLES)}; [options] encoding, date_format, default_currency")
    values: dict[str, Any] = {**columns, **options}
    values.update({k: v for k, v in overrides.items() if v is not None})
    return make_mapping(**values)


def make_mapping(**values: Any) -> Mapping:
    """A :class:`Mapping` from keyword values (None = default), remembering which were explicit."""
    given = {k: v for k, v in values.items() if v is not None}
    bad = set(given) - {*ROLES, "encoding", "date_format", "default_currency"}
    if bad:
        raise ConfigError(f"unknown mapping key(s): {sorted(bad)}")
    for k, v in given.items():
        if not isinstance(v, str) or not v:
            raise ConfigError(f"mapping '{k}' must be a non-empty string, got {v!r}")
    if "encoding" in given:
        try:
            codecs.lookup(given["encoding"])
        except LookupError:
            raise ConfigError(f"unknown encoding {given['encoding']!r}") from None
    if "default_currency" in given:
        given["default_currency"] = given["default_currency"].upper()
    return Mapping(**given, explicit=frozenset(k for k in given if k in ROLES))


@dataclass
class FileResult:
    """One input file after reading: the usable rows, the rejects, and what happened."""

    path: str
    frame: pl.DataFrame
    rejects: pl.DataFrame
    meta: dict[str, Any] = field(default_factory=dict)


def _reject_frame(rows: list[dict[str, Any]]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=REJECT_SCHEMA)


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def file_format(path: Path) -> str:
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] == ".gz":
        suffixes = suffixes[:-1]
    fmt = FORMATS.get(suffixes[-1] if suffixes else "")
    if fmt is None:
        raise DataError(f"{path}: unknown file type; use one of {', '.join(sorted(FORMATS))} "
                        "(optionally .gz)")
    return fmt


def decode(raw: bytes, path: Path, encoding: str | None) -> tuple[str, str]:
    """Bytes to text, and a description of how. Lines in no encoding keep U+FFFD (rejected later).

    Order: a BOM; the encoding given; UTF-8; else line by line, UTF-8 then GB18030 (the superset of
    GBK/GB2312 most Chinese files that are not UTF-8 use). A newline byte never occurs inside a
    multi-byte UTF-8 or GB18030 character, so splitting on it is safe.
    """
    for bom, name in ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"),
                      (codecs.BOM_UTF16_BE, "utf-16")):
        if raw.startswith(bom):
            return raw.decode(name, errors="replace"), name
    if encoding is not None:
        try:
            return raw.decode(encoding), encoding
        except UnicodeDecodeError as exc:
            lineno = raw[: exc.start].count(b"\n") + 1
            raise DataError(f"{path}: not valid {encoding} at line {lineno} (byte {exc.start}); "
                            "check --encoding") from None
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    lines = raw.split(b"\n")
    out: list[str] = []
    n_gb = n_bad = n_utf8 = 0
    for chunk in lines:  # only for files that are not valid UTF-8 (rare); not a hot path
        try:
            out.append(chunk.decode("utf-8"))
            n_utf8 += not chunk.isascii()
            continue
        except UnicodeDecodeError:
            pass
        try:
            out.append(chunk.decode("gb18030"))
            n_gb += 1
        except UnicodeDecodeError:
            out.append(chunk.decode("utf-8", errors="replace"))
            n_bad += 1
    # Only ASCII lines besides the GB18030 ones: the file is simply GB18030 (GBK).
    how = "gb18030" if n_utf8 == 0 else f"utf-8 with {n_gb} line(s) gb18030"
    if n_bad:
        how += f", {n_bad} line(s) undecodable"
    return "\n".join(out), how


def _check_header(header: list[str], path: Path) -> None:
    """Refuse a header that names a column twice (which column would be the text?)."""
    seen: dict[str, int] = {}
    for pos, name in enumerate(header, start=1):
        key = name.strip()
        if key in seen:
            raise DataError(f"{path}: the header names column {key!r} twice (columns {seen[key]} "
                            f"and {pos}); rename or remove one")
        seen[key] = pos


def _token_kind(token: str) -> tuple[object, ...]:
    """The shape of a first field (an id, usually): digits, or which character classes it uses and
    its length (hashes and board ids keep both)."""
    if token.isdigit():
        return ("digits",)
    return (any(c.isdigit() for c in token), any(c.isalpha() for c in token),
            frozenset(c for c in token if not c.isalnum()), len(token))


def _record_like(line: str, sep: str, width: int, key: str) -> bool:
    """Whether a physical line has the shape of a whole record: ``width`` fields (counted without
    regard to quotes) and a first field shaped like ``key``, the first field of the record whose
    quote ran over it (an id like the others), so that a line of prose or a list with commas does
    not pass. The test for the lines a stray quote swallowed."""
    body = line.rstrip("\r\n")
    if body.count(sep) != width - 1:
        return False
    first, key = body.split(sep, 1)[0].strip('"'), key.strip('"')
    if not first or not key or any(ch.isspace() for ch in first) or len(first) > 64:
        return False
    a, b = _token_kind(first), _token_kind(key)
    if a == ("digits",) or b == ("digits",):
        return a == b
    return a[:3] == b[:3] and abs(int(str(a[3])) - int(str(b[3]))) <= 2


def _swallows_records(inner: list[str], sep: str, width: int, key: str) -> bool:
    """Whether the lines a quoted field runs over all look like records of their own (see
    :func:`_record_like`): a quote opened and never closed until a *stray* quote further down,
    not a multi-line text."""
    return width > 1 and bool(inner) and all(_record_like(line, sep, width, key) for line in inner)


def _swallowing_value(frame: pl.DataFrame, sep: str, width: int) -> tuple[int, str] | None:
    """(row, column) of a value Polars read across lines that look like whole records (see
    :func:`_swallows_records`), or None. Only the few multi-line values are looked at."""
    if not frame.width or frame.schema[frame.columns[0]] != pl.String:
        return None
    first = frame.columns[0]
    for col in frame.columns:
        if col == "_line_row" or frame.schema[col] != pl.String:
            continue
        multi = frame.with_row_index("_r", offset=1).filter(pl.col(col).str.contains("\n"))
        for r, key, value in multi.select("_r", pl.col(first).alias("_key"),
                                          pl.col(col).alias("_value")).iter_rows():
            if _swallows_records(value.split("\n")[1:], sep, width, key or ""):
                return int(r), col
    return None


def _csv_records(lines: list[str], sep: str, width: int, first_line: int,
                 path: Path) -> Iterator[tuple[int, list[str] | None, dict[str, Any] | None]]:
    """Records of ``lines`` (physical lines, ends kept) as (line number, fields or None, reject).

    A record whose quote is never closed swallows the lines after it into one field; such a record
    (several physical lines and the wrong number of fields) is rejected as ``unclosed_quote`` and
    the lines it swallowed are read again as records of their own, so no row disappears.
    """
    reader = csv.reader(iter(lines), delimiter=sep)
    prev = 0
    while True:
        try:
            fields = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            line = first_line + prev
            prev = reader.line_num
            yield line, None, {"reason": "malformed_csv", "detail": f"line {line}: {exc}"}
            continue
        cur = reader.line_num
        line = first_line + prev
        span = cur - prev
        unclosed = "".join(lines[prev:cur]).count('"') % 2 == 1  # ran to the end of the file
        stray = span > 1 and _swallows_records(lines[prev + 1:cur], sep, width,
                                               lines[prev].split(sep, 1)[0])
        if span > 1 and '"' in lines[prev] and (unclosed or stray or len(fields) != width):
            closed = (f"is closed only by a stray quote on line {first_line + cur - 1}"
                      if stray and not unclosed else
                      f"is not closed before line {first_line + cur - 1}")
            yield line, None, {
                "reason": "unclosed_quote",
                "detail": f"line {line}: a quote opened here {closed}; the {span - 1} line(s) it "
                          f"swallowed are read again on their own",
                "text_excerpt": lines[prev][:200]}
            yield from _csv_records(lines[prev + 1:cur], sep, width, line + 1, path)
        elif len(fields) != width:
            yield line, None, {"reason": "malformed_csv",
                               "detail": f"line {line}: {len(fields)} fields, header has {width}",
                               "text_excerpt": sep.join(fields)[:200]}
        else:
            yield line, fields, None
        prev = cur


def _read_csv_text(text: str, path: Path, sep: str) -> tuple[pl.DataFrame, list[dict[str, Any]]]:
    """Parse CSV text with Polars; on a malformed file, fall back to the csv module record by
    record so that good rows survive and bad ones become rejects with their line number (an
    unclosed quote rejects its own record only: the rows it swallowed are recovered)."""
    if not text.strip():
        return pl.DataFrame(), []
    try:
        header = next(csv.reader(io.StringIO(text.split("\n", 1)[0]), delimiter=sep))
    except (StopIteration, csv.Error):
        header = []
    _check_header(header, path)
    # An odd number of quote characters means a quote is never closed: Polars would read the rest of
    # the file into one field without a word, so such a file takes the record-by-record path.
    # An even number can still hide one: a quote opened and closed by a stray quote lines later
    # reads the lines between into one field; such a file takes the same path.
    if text.count('"') % 2 == 0:
        try:
            frame = pl.read_csv(io.StringIO(text), separator=sep, infer_schema=False,
                                truncate_ragged_lines=False)
            if _swallowing_value(frame, sep, len(header)) is None:
                return frame.with_row_index("_line_row", offset=1), []
        except (pl.exceptions.ComputeError, pl.exceptions.NoDataError) as exc:
            if isinstance(exc, pl.exceptions.NoDataError):
                return pl.DataFrame(), []
    lines = text.splitlines(keepends=True)
    reader = csv.reader(iter(lines), delimiter=sep)
    try:
        header = next(reader)
    except (StopIteration, csv.Error):
        return pl.DataFrame(), []
    _check_header(header, path)
    start = reader.line_num
    rows: list[list[str]] = []
    idx: list[int] = []
    rejects: list[dict[str, Any]] = []
    n = 0
    for _line, fields, reject in _csv_records(lines[start:], sep, len(header), start + 1, path):
        n += 1
        if reject is not None:
            rejects.append({"file": str(path), "row": n, "stage": "ingest", "kept_in_ads": False,
                            **reject})
            continue
        assert fields is not None
        rows.append(fields)
        idx.append(n)
    frame = pl.DataFrame(rows, schema=header, orient="row") if rows else pl.DataFrame(
        schema=dict.fromkeys(header, pl.String))
    return frame.with_columns(pl.Series("_line_row", idx, dtype=pl.UInt32)), rejects


def _read_jsonl_text(text: str, path: Path) -> tuple[pl.DataFrame, list[dict[str, Any]]]:
    if not text.strip():
        return pl.DataFrame(), []
    try:
        frame = pl.read_ndjson(io.StringIO(text), infer_schema_length=None)
        return frame.with_row_index("_line_row", offset=1), []
    except Exception:  # polars raises several error types for bad JSON; fall back line by line
        pass
    records: list[dict[str, Any]] = []
    idx: list[int] = []
    rejects: list[dict[str, Any]] = []
    n = 0
    for lineno, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        n += 1
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            rejects.append({"file": str(path), "row": n, "stage": "ingest",
                            "reason": "malformed_json", "detail": f"line {lineno}: {exc.msg}",
                            "kept_in_ads": False, "text_excerpt": line[:200]})
            continue
        if not isinstance(obj, dict):
            rejects.append({"file": str(path), "row": n, "stage": "ingest",
                            "reason": "malformed_json",
                            "detail": f"line {lineno}: not a JSON object",
                            "kept_in_ads": False, "text_excerpt": line[:200]})
            continue
        records.append({k: (v if v is None or isinstance(v, str) else json.dumps(v, ensure_ascii=False))
                        for k, v in obj.items()})
        idx.append(n)
    frame = pl.DataFrame(records, infer_schema_length=None) if records else pl.DataFrame()
    if records:
        frame = frame.with_columns(pl.Series("_line_row", idx, dtype=pl.UInt32))
    return frame, rejects


def read_file(path: str | Path, mapping: Mapping) -> FileResult:
    """Read one file into rows with the roles as columns (``id, date, text, title, salary,
    sector`` as strings, ``date`` parsed), plus ``_file`` and ``_row``; bad rows into rejects."""
    p = Path(path)
    if not p.is_file():
        raise DataError(f"input file not found: {p}")
    fmt = file_format(p)
    raw = p.read_bytes()
    meta: dict[str, Any] = {"path": str(p), "bytes": len(raw), "sha256": hashlib.sha256(raw).hexdigest(),
                            "format": fmt}
    if p.suffix.lower() == ".gz":
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError) as exc:
            raise DataError(f"{p}: not a valid gzip file ({exc})") from None
    pre_rejects: list[dict[str, Any]] = []
    if fmt == "parquet":
        try:
            frame = pl.read_parquet(io.BytesIO(raw))
        except Exception as exc:  # corrupt parquet: several polars/arrow error types
            raise DataError(f"{p}: not a readable Parquet file ({exc})") from None
        frame = frame.with_row_index("_line_row", offset=1)
        meta["encoding"] = "parquet (utf-8)"
    else:
        text, how = decode(raw, p, mapping.encoding)
        meta["encoding"] = how
        if fmt in ("csv", "tsv"):
            frame, pre_rejects = _read_csv_text(text, p, "\t" if fmt == "tsv" else ",")
        elif fmt == "jsonl":
            frame, pre_rejects = _read_jsonl_text(text, p)
        else:  # a JSON array of objects
            try:
                obj = json.loads(text) if text.strip() else []
            except json.JSONDecodeError as exc:
                raise DataError(f"{p}: invalid JSON at line {exc.lineno}: {exc.msg}") from None
            if not isinstance(obj, list) or not all(isinstance(o, dict) for o in obj):
                raise DataError(f"{p}: a .json file must hold an array of objects (one per ad)")
            frame = (pl.DataFrame(obj, infer_schema_length=None) if obj else pl.DataFrame())
            frame = frame.with_row_index("_line_row", offset=1) if obj else frame
    return _rows(frame, pre_rejects, p, mapping, meta)


def _rows(frame: pl.DataFrame, pre_rejects: list[dict[str, Any]], p: Path, mapping: Mapping,
          meta: dict[str, Any]) -> FileResult:
    """Parsed records (with ``_line_row``) to role columns, validated; shared by both readers."""
    rows_read = frame.height + len(pre_rejects)
    meta["rows_read"] = rows_read
    if rows_read == 0:
        meta["status"] = "empty"
        return FileResult(str(p), _empty_rows(), _reject_frame([]), meta)
    roles = _resolve_roles(frame, mapping, p)
    meta["columns"] = roles
    selected = frame.select(
        pl.lit(str(p)).alias("_file"),
        pl.col("_line_row").cast(pl.Int64).alias("_row"),
        *[_role(frame, roles.get(r)).alias(r) for r in ("id", "text", *OPTIONAL_ROLES)],
        (pl.col(date_col) if (date_col := roles.get("date")) else pl.lit(None)).alias("_date_raw"),
    )
    if not roles.get("id"):
        selected = selected.with_columns(
            pl.format("{}:{}", pl.lit(p.name), pl.col("_row")).alias("id"))
        meta["id_note"] = "no id column: ids are FILE:ROW"
    good, rejects = _validate(selected, mapping, p, roles.get("date") is not None)
    all_rejects = pl.concat([_reject_frame(pre_rejects), rejects])
    meta["rows_rejected"] = all_rejects.height
    meta["status"] = "ok"
    return FileResult(str(p), good, all_rejects, meta)


def _odd_quotes(path: Path) -> bool:
    """Whether the file holds an odd number of quote characters (a quote never closed), read in
    chunks."""
    odd = 0
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(16 << 20), b""):
            odd ^= chunk.count(b'"') & 1
    return bool(odd)


def _is_utf8(path: Path) -> bool:
    """Whether a file decodes as UTF-8, read in chunks (never whole)."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        with path.open("rb") as fh:
            for chunk in iter(lambda: fh.read(16 << 20), b""):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def read_batches(path: str | Path, mapping: Mapping) -> Iterator[FileResult]:
    """The file as one or more batches of validated rows.

    Files up to :data:`LARGE_FILE_BYTES` (and gzip/JSON files, or files not in UTF-8) are read whole
    by :func:`read_file`. Larger UTF-8 CSV/TSV/JSONL and Parquet files are scanned by Polars in
    batches of :data:`BATCH_ROWS` rows, so memory stays bounded; a malformed large CSV/JSONL falls
    back to the whole-file reader, which quarantines the bad lines.
    """
    p = Path(path)
    if not p.is_file():
        raise DataError(f"input file not found: {p}")
    fmt = file_format(p)
    size = p.stat().st_size
    streamable = (size > LARGE_FILE_BYTES and p.suffix.lower() != ".gz"
                  and fmt in ("csv", "tsv", "jsonl", "parquet")
                  and mapping.encoding in (None, "utf-8", "utf8")
                  and (fmt == "parquet" or _is_utf8(p)))
    if streamable and fmt in ("csv", "tsv") and _odd_quotes(p):
        streamable = False  # the whole-file reader recovers the rows an unclosed quote swallows
    if not streamable:
        yield read_file(p, mapping)
        return
    if fmt == "parquet":
        lf = pl.scan_parquet(p)
    elif fmt == "jsonl":
        lf = pl.scan_ndjson(p, infer_schema_length=None)
    else:
        sep = "\t" if fmt == "tsv" else ","
        with p.open("r", encoding="utf-8", newline="") as fh, \
                contextlib.suppress(StopIteration, csv.Error):
            _check_header(next(csv.reader(fh, delimiter=sep)), p)
        lf = pl.scan_csv(p, separator=sep, infer_schema=False)
        width = len(lf.collect_schema())
    base = {"path": str(p), "bytes": size, "sha256": sha256_file(p), "format": fmt,
            "encoding": "utf-8" if fmt != "parquet" else "parquet (utf-8)",
            "read": f"streamed in batches of {BATCH_ROWS:,} rows"}
    offset = 0
    try:
        for batch in _batches(lf):
            hit = _swallowing_value(batch, sep, width) if fmt in ("csv", "tsv") else None
            if hit is not None and offset == 0:
                yield read_file(p, mapping)  # the whole-file reader recovers the swallowed rows
                return
            if hit is not None:
                raise DataError(
                    f"{p}: row {offset + hit[0]:,}, column {hit[1]!r}: a quote runs over lines "
                    "that look like records of their own (closed by a stray quote further down); "
                    "the rows before were read; fix the quote or split the file")
            frame = batch.with_row_index("_line_row", offset=offset + 1)
            offset += batch.height
            yield _rows(frame, [], p, mapping, dict(base))
    except (pl.exceptions.ComputeError, pl.exceptions.NoDataError) as exc:
        if offset == 0:
            yield read_file(p, mapping)
            return
        raise DataError(f"{p}: unreadable after row {offset:,} ({exc}); fix the file or split it") \
            from None


def _batches(lf: pl.LazyFrame) -> Iterator[pl.DataFrame]:
    """``lf`` in frames of :data:`BATCH_ROWS` rows: ``collect_batches`` where Polars has it (1.34
    and later), slices of the scan before."""
    if hasattr(lf, "collect_batches"):
        yield from lf.collect_batches(chunk_size=BATCH_ROWS)
        return
    start = 0
    while True:
        batch = lf.slice(start, BATCH_ROWS).collect()
        if batch.height == 0:
            return
        yield batch
        start += batch.height


def _empty_rows() -> pl.DataFrame:
    return pl.DataFrame(schema={"_file": pl.String, "_row": pl.Int64, "id": pl.String,
                                "text": pl.String, "title": pl.String, "salary": pl.String,
                                "sector": pl.String, "date": pl.Date})


def _role(frame: pl.DataFrame, column: str | None) -> pl.Expr:
    return _as_string(frame, column) if column else pl.lit(None, dtype=pl.String)


def _as_string(frame: pl.DataFrame, column: str) -> pl.Expr:
    dtype = frame.schema[column]
    if dtype == pl.String:
        return pl.col(column)
    if isinstance(dtype, pl.List | pl.Struct | pl.Array):
        return pl.col(column).map_elements(
            lambda v: json.dumps(v.to_list() if hasattr(v, "to_list") else v, ensure_ascii=False),
            return_dtype=pl.String)
    return pl.col(column).cast(pl.String)


def _resolve_roles(frame: pl.DataFrame, mapping: Mapping, path: Path) -> dict[str, str | None]:
    """Role -> column in this file. A mapped column that is absent is an error naming both."""
    cols = [c for c in frame.columns if c != "_line_row"]
    roles: dict[str, str | None] = {}
    for role in ROLES:
        column = getattr(mapping, role)
        explicit = role in mapping.explicit
        if column is None:
            column = role if role in OPTIONAL_ROLES and role in cols else None
        if column is not None and column not in cols:
            if explicit or role in ("text", "date"):
                hint = f" (set it with --{role} COL, or in the mapping file's [columns])"
                raise DataError(f"{path}: column {column!r} for '{role}' not found; the file has "
                                f"columns {cols}{hint}")
            column = None
        roles[role] = column
    return roles


_MONTH_FORMATS = ["%d %B %Y", "%d %b %Y", "%B %d, %Y", "%b %d, %Y", "%B %d %Y", "%b %d %Y"]
_DMY = r"^\s*(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})\s*$"


def parse_dates(raw: pl.Series, date_format: str | None) -> tuple[pl.Series, pl.Series, str]:
    """Parse a date column; returns (dates, reason per row or null, the day/month convention used).

    Accepted without a format: ISO dates and datetimes (2021-03-05, 2021-03-05T10:00Z, 2021/3/5,
    2021.03.05, 20210305), year-month (2021-03, counted as the 1st), Chinese (2021年3月5日,
    2021年3月), English month names, Unix seconds/milliseconds, and d/m/Y or m/d/Y when the column
    itself shows which (a value with a first field above 12 means day first, a second field above
    12 means month first). Where it does not, those rows are rejected as ambiguous: pass a format.
    """
    if raw.dtype == pl.Date:
        return raw, pl.Series([None] * raw.len(), dtype=pl.String), "typed"
    if raw.dtype in (pl.Datetime, pl.Datetime("ms"), pl.Datetime("us"), pl.Datetime("ns")) or \
            isinstance(raw.dtype, pl.Datetime):
        return raw.dt.date(), pl.Series([None] * raw.len(), dtype=pl.String), "typed"
    s = raw.cast(pl.String).str.strip_chars().to_frame("s")
    col = pl.col("s")
    convention = "n/a"
    ambiguous = pl.Series([False] * raw.len())
    if date_format is not None:
        parsed = s.select(col.str.to_date(date_format, strict=False))["s"]
        convention = f"format {date_format}"
    else:
        iso = col.str.replace(r"^(\d{4})[/.](\d{1,2})[/.](\d{1,2})", "$1-$2-$3")
        zh = col.str.replace(r"^(\d{4})\s*年\s*(\d{1,2})\s*月\s*(?:(\d{1,2})\s*[日号]?)?.*$",
                             "$1-$2-${3}")
        dmy = s.select(col.str.extract_groups(_DMY))["s"]
        first = dmy.struct.field("1").cast(pl.Int32, strict=False)
        second = dmy.struct.field("2").cast(pl.Int32, strict=False)
        day_first = bool((first > 12).any())
        month_first = bool((second > 12).any())
        if day_first and not month_first:
            slash_fmt: str | None = "%d-%m-%Y"
            convention = "day/month/year (seen in the data)"
        elif month_first and not day_first:
            slash_fmt = "%m-%d-%Y"
            convention = "month/day/year (seen in the data)"
        else:
            slash_fmt = None
            convention = "day/month order unknown" if dmy.struct.field("1").is_not_null().any() \
                else "n/a"
        slash = col.str.replace(_DMY, "$1-$2-$3")
        digits = col.str.contains(r"^\d{10}(?:\d{3})?$")
        candidates = [
            iso.str.slice(0, 10).str.to_date("%Y-%m-%d", strict=False),
            iso.str.to_date("%Y-%m-%d", strict=False),
            col.str.to_date("%Y%m%d", strict=False),
            pl.when(col.str.contains(r"^\d{4}-\d{1,2}$"))
            .then(col + "-01").str.to_date("%Y-%m-%d", strict=False),
            zh.str.replace(r"-$", "-1").str.to_date("%Y-%m-%d", strict=False),
            *[col.str.to_date(f, strict=False) for f in _MONTH_FORMATS],
            pl.when(digits & (col.str.len_chars() == 10))
            .then(col.cast(pl.Int64, strict=False) * 1000)
            .when(digits).then(col.cast(pl.Int64, strict=False))
            .cast(pl.Datetime("ms")).dt.date(),
        ]
        if slash_fmt is not None:
            candidates.append(slash.str.to_date(slash_fmt, strict=False))
        parsed = s.select(pl.coalesce(candidates))["s"]
        if slash_fmt is None:
            ambiguous = dmy.struct.field("1").is_not_null() & parsed.is_null()
    latest = dt.date.today() + dt.timedelta(days=LATEST_DAYS_AHEAD)
    text = s["s"]
    # "05-12", "5月12日": boards often drop the year; guessing it would be silent invention.
    no_year = text.str.contains(r"^\d{1,2}\s*[-/.月]\s*\d{1,2}\s*日?(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?$")
    reason = (
        pl.DataFrame({"t": text, "d": parsed, "amb": ambiguous, "ny": no_year.fill_null(False)})
        .select(
            pl.when(pl.col("t").is_null() | (pl.col("t") == "")).then(pl.lit("missing_date"))
            .when(pl.col("ny")).then(pl.lit("date_without_year"))
            .when(pl.col("amb")).then(pl.lit("ambiguous_date"))
            .when(pl.col("d").is_null()).then(pl.lit("unparseable_date"))
            .when((pl.col("d") < EARLIEST_DATE) | (pl.col("d") > latest))
            .then(pl.lit("implausible_date"))
        )
        .to_series()
    )
    return parsed, reason, convention


def _validate(frame: pl.DataFrame, mapping: Mapping, path: Path,
              has_date: bool) -> tuple[pl.DataFrame, pl.DataFrame]:
    if has_date:
        dates, date_reason, _conv = parse_dates(frame["_date_raw"], mapping.date_format)
    else:
        dates = pl.Series([None] * frame.height, dtype=pl.Date)
        date_reason = pl.Series([None] * frame.height, dtype=pl.String)
    frame = frame.with_columns(
        dates.alias("date"),
        date_reason.alias("_date_reason"),
        pl.col("_date_raw").cast(pl.String).alias("_date_raw"),
    )
    text = pl.col("text")
    reason = (
        pl.when(text.is_null() | (text.str.strip_chars() == "")).then(pl.lit("empty_text"))
        .when(text.str.contains("\ufffd")).then(pl.lit("undecodable_bytes"))
        .when(text.str.len_chars() > MAX_TEXT_CHARS).then(pl.lit("text_too_long"))
        .when(pl.col("id").is_null() | (pl.col("id").str.strip_chars() == ""))
        .then(pl.lit("missing_id"))
        .otherwise(pl.col("_date_reason"))
    )
    detail = (
        pl.when(pl.col("_reason") == "date_without_year")
        .then(pl.format("date value {} has no year; add it to the data (or a column with it)",
                        pl.col("_date_raw")))
        .when(pl.col("_reason").str.ends_with("_date"))
        .then(pl.format("date value {}; expected e.g. 2021-03-05, 2021年3月5日, 5 March 2021, "
                        "or pass --date-format", pl.col("_date_raw").fill_null("(empty)")))
        .when(pl.col("_reason") == "undecodable_bytes")
        .then(pl.lit("bytes in no known encoding (tried UTF-8 and GB18030; pass --encoding)"))
        .when(pl.col("_reason") == "text_too_long")
        .then(pl.format("{} characters; limit {}", text.str.len_chars(), pl.lit(MAX_TEXT_CHARS)))
    )
    frame = frame.with_columns(reason.alias("_reason")).with_columns(detail.alias("_detail"))
    bad = frame.filter(pl.col("_reason").is_not_null())
    rejects = bad.select(
        pl.col("_file").alias("file"), pl.col("_row").alias("row"), "id",
        pl.lit("ingest").alias("stage"), pl.col("_reason").alias("reason"),
        pl.col("_detail").alias("detail"), pl.lit(False).alias("kept_in_ads"),
        pl.col("text").str.slice(0, 200).alias("text_excerpt"),
    ).cast(REJECT_SCHEMA)  # type: ignore[arg-type]
    good = frame.filter(pl.col("_reason").is_null()).drop(
        "_reason", "_detail", "_date_reason", "_date_raw")
    return good, rejects
