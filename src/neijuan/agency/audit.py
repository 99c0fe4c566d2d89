"""The decision-log audit: read a log of human-AI decisions, validate it row by row, and compute the
agency figures (:mod:`neijuan.agency.metrics`) per person, team and period, with intervals.

The schema (docs/agency.md) -- one row per decision:

=============== ======== ==========================================================================
column          required values
=============== ======== ==========================================================================
case            yes      the decision's id (any text)
time            yes      when it was decided: ISO 8601 date or date-time
person          yes      who reviewed or made it (any text; a pseudonym is enough)
team            no       the person's team (any text)
origin          yes      who originated the proposal: ``ai`` or ``human``
action          yes      the person's action: accept, edit, override, reject, escalate
seconds         yes      time the person spent on it, >= 0
outcome         no       success, failure, or unknown (empty = unknown)
ai_correct      no       was the AI's proposal right: true/false (empty = not known)
edit_fraction   no       share of the proposal changed by an edit, 0-1
credited        no       who got the credit: human, ai, shared, none
blamed          no       who got the blame: human, ai, shared, none
=============== ======== ==========================================================================

Every row is either used or set aside with its reasons: rows in = rows used + rows rejected.
I/O is at the edges (:func:`read_log`, :func:`write_outputs`); :func:`audit_frame` is pure.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from neijuan.agency import metrics as m
from neijuan.errors import ConfigError, DataError

REQUIRED = ("case", "time", "person", "origin", "action", "seconds")
OPTIONAL = ("team", "outcome", "ai_correct", "edit_fraction", "credited", "blamed")
COLUMNS = REQUIRED + OPTIONAL
OUTCOMES = ("success", "failure", "unknown")
TRUE = ("true", "1", "yes", "y", "t")
FALSE = ("false", "0", "no", "n", "f")
PERIODS = {"week": "1w", "month": "1mo", "quarter": "1q", "year": "1y"}
SCOPES = ("all", "team", "person", "period")
DEFAULT_STAMP_SECONDS = 10.0
CHECKED = ("case", "time", "person", "origin", "action", "seconds", "outcome", "ai_correct",
           "edit_fraction", "credited", "blamed")
FORMATS = {".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl", ".parquet": "parquet"}


@dataclass
class AuditResult:
    """What an audit returns: the figures (long form), the rejected rows, and the counts."""

    figures: pl.DataFrame
    rejected: pl.DataFrame
    rows_in: int
    rows_used: int
    settings: dict[str, Any] = field(default_factory=dict)

    @property
    def rows_rejected(self) -> int:
        """Rows set aside (with reasons in :attr:`rejected`)."""
        return self.rejected.height

    def to_dict(self, rejected_limit: int = 20) -> dict[str, Any]:
        """JSON-ready: counts, settings, figures by scope and group, and the first rejections."""
        by: dict[str, dict[str, dict[str, Any]]] = {}
        for r in self.figures.iter_rows(named=True):
            g = by.setdefault(r["scope"], {}).setdefault(r["group"], {})
            g[r["figure"]] = {k: _num(r[k]) for k in ("value", "lo", "hi", "n")}
        reasons = (self.rejected.group_by("reason").len().sort("len", descending=True)
                   if self.rejected.height else None)
        return {"rows_in": self.rows_in, "rows_used": self.rows_used,
                "rows_rejected": self.rows_rejected, "settings": self.settings,
                "figures": by,
                "rejected_reasons": ({r["reason"]: r["len"] for r in reasons.iter_rows(named=True)}
                                     if reasons is not None else {}),
                "rejected_first": self.rejected.head(rejected_limit).to_dicts()}


def _num(v: Any) -> Any:
    if isinstance(v, float) and not math.isfinite(v):
        return None
    return v


# --------------------------------------------------------------------------------- reading


def read_log(path: str | Path, fmt: str | None = None) -> pl.DataFrame:
    """Read a decision log (CSV, JSONL or Parquet, by suffix or ``fmt``) as it is on disk.

    CSV is read as text (every cell a string) so that a bad cell is reported by validation with
    its row, never guessed into a type or silently nulled.
    """
    p = Path(path)
    kind = fmt or FORMATS.get(p.suffix.lower())
    if kind not in ("csv", "jsonl", "parquet"):
        raise DataError(f"{p}: unknown log format {p.suffix!r}; use .csv, .jsonl or .parquet "
                        f"(or --format csv|jsonl|parquet)")
    if not p.is_file():
        raise DataError(f"{p}: no such file")
    try:
        if kind == "csv":
            # only the schema's columns (others are ignored anyway): less text to parse
            header = pl.read_csv(p, infer_schema=False, n_rows=0).columns
            keep = [c for c in header if c in COLUMNS] or header
            return pl.read_csv(p, infer_schema=False, columns=keep)
        if kind == "jsonl":
            return pl.read_ndjson(p, infer_schema_length=None)
        return pl.read_parquet(p)
    except (pl.exceptions.ComputeError, pl.exceptions.PolarsError, OSError) as exc:
        raise DataError(f"{p}: cannot read as {kind}: {str(exc).splitlines()[0]}") from exc


# ------------------------------------------------------------------------------ validation


def _text(col: str, schema: pl.Schema) -> pl.Expr:
    """A column as stripped text (null stays null)."""
    e = pl.col(col)
    if schema[col] != pl.String:
        e = e.cast(pl.String)
    return e.str.strip_chars()


def _code(frame: pl.DataFrame, col: str, allowed: tuple[str, ...],
          empty: int | None = None) -> pl.Expr:
    """Index of the value in ``allowed`` (case and surrounding spaces ignored); ``empty`` for an
    empty or missing cell; null when not allowed. Normalises the distinct values only, then maps
    each row with a hash look-up (a million rows of text in a few tens of milliseconds)."""
    raw = frame[col]
    if raw.dtype != pl.String:
        raw = raw.cast(pl.String)
    uniques = raw.drop_nulls().unique().to_list()
    index = {a: i for i, a in enumerate(allowed)}
    mapping = {u: index.get(u.strip().lower(), empty if u.strip() == "" else None)
               for u in uniques}
    keys = [k for k, v in mapping.items() if v is not None]
    e = pl.col(col) if frame.schema[col] == pl.String else pl.col(col).cast(pl.String)
    coded = e.replace_strict(keys, [mapping[k] for k in keys], default=None,
                             return_dtype=pl.Int8)
    if empty is not None:
        coded = pl.when(pl.col(col).is_null()).then(pl.lit(empty, dtype=pl.Int8)).otherwise(coded)
    return coded


ISO_FORMATS = ("%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%dT%H:%M:%S%.f%z",
               "%Y-%m-%d %H:%M:%S%.f%z", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M")


def _parse_explicit(t: pl.Series) -> pl.Series:
    """Each ISO 8601 layout in turn, then a bare date (null where none fits)."""
    tries = []
    for f in ISO_FORMATS:
        d = t.str.to_datetime(format=f, strict=False, time_unit="us")
        if d.dtype != pl.Datetime("us"):  # a zone-aware layout: keep the instant, in UTC
            d = d.dt.convert_time_zone("UTC").dt.replace_time_zone(None)
        tries.append(d)
    tries.append(t.str.to_date(format="%Y-%m-%d", strict=False).cast(pl.Datetime("us")))
    return pl.select(pl.coalesce(tries)).to_series()


def _parse_time(raw: pl.Series) -> pl.Series:
    """ISO 8601 date-times, and dates, as ``Datetime(us)``; null where none parses.

    The layout is inferred from the first value and applied to all (fast); only the cells that
    fail it are tried again with each ISO layout, so a column mixing dates and date-times costs
    little more than one."""
    t = raw.cast(pl.String).str.strip_chars()
    try:
        out = t.str.to_datetime(strict=False, time_unit="us")
        if out.dtype != pl.Datetime("us"):
            out = out.dt.convert_time_zone("UTC").dt.replace_time_zone(None)
    except pl.exceptions.PolarsError:
        return _parse_explicit(t).alias("time")
    retry = out.is_null() & t.is_not_null() & (t != "")
    if retry.any():
        idx = retry.arg_true()
        out = out.scatter(idx, _parse_explicit(t.gather(idx)))
    return out.alias("time")


def _bad(cond: pl.Expr, col: str, expected: str) -> pl.Expr:
    """The reason a cell fails, with what it held (``_raw_<col>``, added for failing rows)."""
    got = pl.col(f"_raw_{col}").fill_null("").str.slice(0, 40)
    return pl.when(cond).then(pl.concat_str([pl.lit(f"{col}: expected {expected}, got '"), got,
                                             pl.lit("'")]))


def validate(raw: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Typed rows that pass, and the rows that do not (``row``: 1-based, ``reason``).

    A missing required column is an error for the whole file (naming the column and what is
    allowed); a bad cell only sets its row aside.
    """
    missing = [c for c in REQUIRED if c not in raw.columns]
    if missing:
        raise DataError(f"decision log: missing column(s) {', '.join(missing)}; required: "
                        f"{', '.join(REQUIRED)}; optional: {', '.join(OPTIONAL)}")
    df = raw.with_row_index("row", offset=1)
    for c in OPTIONAL:
        if c not in df.columns:
            df = df.with_columns(pl.lit(None, dtype=pl.String).alias(c))
    sc = df.schema

    if sc["time"] in (pl.Date,) or isinstance(sc["time"], pl.Datetime):
        time: pl.Expr | pl.Series = pl.col("time").cast(pl.Datetime("us"))
    else:
        time = _parse_time(df["time"])
    seconds = (pl.col("seconds") if sc["seconds"].is_numeric()
               else _text("seconds", sc).cast(pl.Float64, strict=False)).cast(pl.Float64)
    edit = (pl.col("edit_fraction") if sc["edit_fraction"].is_numeric()
            else _text("edit_fraction", sc).cast(pl.Float64, strict=False)).cast(pl.Float64)
    if sc["ai_correct"] == pl.Boolean:
        ai_correct = pl.col("ai_correct")
    else:
        v = _text("ai_correct", sc).str.to_lowercase()
        ai_correct = (pl.when(v.is_in(TRUE)).then(True).when(v.is_in(FALSE)).then(False)
                      .otherwise(None))

    def given(col: str) -> pl.Expr:
        """The raw cell was filled in (so a null after parsing means it was bad)."""
        if sc[col] == pl.String:
            return pl.col(col).is_not_null() & (pl.col(col).str.strip_chars() != "")
        return pl.col(col).is_not_null()

    raw_given = {c: given(c).alias(f"_{c}") for c in ("ai_correct", "edit_fraction")}
    typed = df.select(
        "row",
        _text("case", sc).alias("case"),
        time.alias("time"),
        _text("person", sc).alias("person"),
        _text("team", sc).fill_null("").alias("team"),
        _code(df, "origin", m.ORIGINS).alias("origin"),
        _code(df, "action", m.ACTIONS).alias("action"),
        seconds.alias("seconds"),
        _code(df, "outcome", OUTCOMES, empty=2).alias("outcome"),
        ai_correct.alias("ai_correct"),
        edit.alias("edit_fraction"),
        _code(df, "credited", m.PARTIES, empty=0).alias("credited"),
        _code(df, "blamed", m.PARTIES, empty=0).alias("blamed"),
        *raw_given.values(),
    )
    parties = "human, ai, shared or none"
    reasons = [
        _bad(pl.col("case").is_null() | (pl.col("case") == ""), "case", "a non-empty id"),
        _bad(pl.col("time").is_null(), "time", "an ISO 8601 date or date-time"),
        _bad(pl.col("person").is_null() | (pl.col("person") == ""), "person", "a non-empty id"),
        _bad(pl.col("origin").is_null(), "origin", "ai or human"),
        _bad(pl.col("action").is_null(), "action", ", ".join(m.ACTIONS)),
        _bad(pl.col("seconds").is_null() | ~pl.col("seconds").is_finite()
             | (pl.col("seconds") < 0), "seconds", "a number >= 0"),
        _bad(pl.col("outcome").is_null(), "outcome", "success, failure, unknown or empty"),
        _bad(pl.col("ai_correct").is_null() & pl.col("_ai_correct"), "ai_correct",
             "true, false or empty"),
        _bad((pl.col("edit_fraction").is_null() & pl.col("_edit_fraction"))
             | (pl.col("edit_fraction") < 0) | (pl.col("edit_fraction") > 1)
             | pl.col("edit_fraction").is_nan(),
             "edit_fraction", "a number in [0, 1] or empty"),
        _bad(pl.col("credited").is_null(), "credited", parties),
        _bad(pl.col("blamed").is_null(), "blamed", parties),
    ]
    # Masks first (cheap); reason strings only for the rows that fail.
    checks = typed.with_columns([pl.lit("").alias(f"_raw_{c}") for c in CHECKED]).select(
        [r.is_not_null().alias(f"_bad{i}") for i, r in enumerate(reasons)])
    bad = checks.select(pl.any_horizontal(pl.all())).to_series()
    helpers = [f"_{c}" for c in raw_given]
    if not bad.any():
        empty = pl.DataFrame(schema={"row": typed.schema["row"], "reason": pl.String})
        return typed.drop(helpers), empty
    raw_bad = df.filter(bad).select([pl.col(c).cast(pl.String).alias(f"_raw_{c}")
                                     for c in CHECKED])
    rejected = pl.concat([typed.filter(bad), raw_bad], how="horizontal").select(
        "row", pl.concat_str(reasons, separator="; ", ignore_nulls=True).alias("reason"))
    clean = typed.filter(~bad).drop(helpers)
    return clean, rejected


# ---------------------------------------------------------------------------- computation


def _groups(clean: pl.DataFrame, scope: str, period: str) -> tuple[np.ndarray | None, list[str]]:
    """Dense group codes (0..k-1) for a scope, and the group labels in code order."""
    if scope == "all":
        return None, ["all"]
    if scope == "period":
        # group on the truncated instant as an integer; format only the distinct periods
        t = clean["time"].dt.truncate(PERIODS[period])
        ints = t.to_physical().to_numpy()
        uniq, codes = np.unique(ints, return_inverse=True)
        fmt = "%Y" if period == "year" else "%Y-%m-%d"
        names = pl.Series(uniq).cast(t.dtype).dt.strftime(fmt).to_list()
        return codes.astype(np.int64), [str(x) for x in names]
    key = clean[scope]
    uniques = key.unique().sort()
    # a hash look-up per row (sorting a million strings to rank them costs ten times more)
    group = key.replace_strict(uniques, pl.int_range(uniques.len(), eager=True),
                               return_dtype=pl.Int64).to_numpy()
    return np.asarray(group, dtype=np.int64), [str(x) or "(none)" for x in uniques.to_list()]


def audit_frame(raw: pl.DataFrame, *, stamp_seconds: float = DEFAULT_STAMP_SECONDS,
                period: str = "month", scopes: tuple[str, ...] = SCOPES) -> AuditResult:
    """Validate a raw log frame and compute every figure for every scope (pure)."""
    if period not in PERIODS:
        raise ConfigError(f"period must be one of {', '.join(PERIODS)}, not {period!r}")
    if not (stamp_seconds > 0 and math.isfinite(stamp_seconds)):
        raise ConfigError(f"stamp seconds must be a positive number, not {stamp_seconds!r}")
    for s in scopes:
        if s not in SCOPES:
            raise ConfigError(f"scope must be among {', '.join(SCOPES)}, not {s!r}")
    clean, rejected = validate(raw)
    if clean.height == 0:
        if raw.height == 0:
            raise DataError("decision log: no rows")
        common = rejected.group_by("reason").len().sort("len", descending=True).head(3)
        why = "; ".join(f"{r['len']} x [{r['reason']}]" for r in common.iter_rows(named=True))
        raise DataError(f"decision log: none of its {raw.height:,} rows is usable: {why}")
    origin = clean["origin"].to_numpy()
    action = clean["action"].to_numpy()
    seconds = clean["seconds"].to_numpy()
    outcome = clean["outcome"].to_numpy()
    ai_wrong = (clean["ai_correct"] == False).fill_null(False).to_numpy()  # noqa: E712
    edit = clean["edit_fraction"].fill_null(np.nan).to_numpy()
    blame_w = m.PARTY_WEIGHT[clean["blamed"].to_numpy()]
    credit_w = m.PARTY_WEIGHT[clean["credited"].to_numpy()]
    failure, success = outcome == 1, outcome == 0
    cells = m.row_cells(origin, action, seconds, stamp_seconds, ai_wrong, failure, success)
    frames = []
    for scope in scopes:
        codes, labels = _groups(clean, scope, period)
        counts = m.counts_from_cells(cells, edit, failure, success, blame_w, credit_w, codes,
                                     len(labels))
        figs = m.agency_figures(counts)
        k = len(labels)
        for name, f in figs.items():
            frames.append(pl.DataFrame({
                "scope": [scope] * k, "group": labels, "figure": [name] * k,
                "value": f["value"], "lo": f["lo"], "hi": f["hi"], "n": f["n"].astype(np.int64),
                "decisions": counts["decisions"].astype(np.int64)}))
    figures = (pl.concat(frames) if frames else pl.DataFrame())
    figures = figures.with_columns(pl.col("value", "lo", "hi").fill_nan(None))
    return AuditResult(figures=figures, rejected=rejected, rows_in=raw.height,
                       rows_used=clean.height,
                       settings={"stamp_seconds": stamp_seconds, "period": period,
                                 "scopes": list(scopes), "interval": "95%"})


def audit(path: str | Path, *, fmt: str | None = None,
          stamp_seconds: float = DEFAULT_STAMP_SECONDS, period: str = "month",
          scopes: tuple[str, ...] = SCOPES) -> AuditResult:
    """Read and audit a decision log (the Python face of ``neijuan audit FILE``)."""
    return audit_frame(read_log(path, fmt), stamp_seconds=stamp_seconds, period=period,
                       scopes=scopes)


# --------------------------------------------------------------------------------- outputs


def write_outputs(result: AuditResult, out_dir: str | Path, plots: bool = True) -> list[Path]:
    """``figures.parquet``, ``rejected.parquet``, ``summary.json`` and (optionally) an offline
    ``plots.html``; each written atomically."""
    from neijuan.atomic import atomic_path, write_json, write_parquet

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = [write_parquet(out / "figures.parquet", result.figures),
             write_parquet(out / "rejected.parquet", result.rejected),
             write_json(out / "summary.json", result.to_dict())]
    if plots:
        html = plot_html(result)
        target = out / "plots.html"
        with atomic_path(target) as tmp:
            tmp.write_text(html, encoding="utf-8")
        paths.append(target)
    return paths


def plot_html(result: AuditResult) -> str:
    """One offline HTML page: each figure per person with its interval, and the trend by period."""
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    names = ["blame_authority_gap", "credit_asymmetry", "rubber_stamp_rate", "automation_bias",
             "override_rate", "origination_share"]
    fig = make_subplots(rows=len(names), cols=2, subplot_titles=[
        t for n in names for t in (f"{n} by person", f"{n} by period")])
    for i, name in enumerate(names, start=1):
        for j, scope in enumerate(("person", "period"), start=1):
            d = result.figures.filter((pl.col("scope") == scope) & (pl.col("figure") == name))
            if d.height == 0:
                continue
            v = d["value"].to_numpy()
            fig.add_trace(go.Scatter(
                x=d["group"].to_list(), y=v, mode="markers" if scope == "person" else "lines+markers",
                name=name, showlegend=False,
                error_y={"type": "data", "symmetric": False,
                         "array": d["hi"].to_numpy() - v, "arrayminus": v - d["lo"].to_numpy()}),
                row=i, col=j)
    fig.update_layout(height=280 * len(names), title="decision-log audit (95% intervals)")
    return str(fig.to_html(include_plotlyjs=True, full_html=True))
