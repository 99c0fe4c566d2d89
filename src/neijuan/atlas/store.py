"""Where a built atlas lives: Parquet tables plus a small SQLite copy for instant look-ups.

The build cache (:class:`~neijuan.data.cache.BuildCache`) is keyed on the SHA-256 of every input
file and on the code and rule files of the build, so a changed file, rule or loader rebuilds and
nothing stale is served. ``atlas.sqlite`` holds the same occupations and tasks for ``show``,
``search`` and ``rank``, which must answer in well under a second without importing Polars.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from neijuan.atlas.inputs import INPUT_FILES
from neijuan.data.cache import BuildCache, files_salt
from neijuan.data.registry import resolve_data_dir

if TYPE_CHECKING:  # pragma: no cover
    from neijuan.data.verify import DataCheck

PACKAGE = Path(__file__).resolve().parent
DATA_PACKAGE = PACKAGE.parent / "data"
SQLITE = "atlas.sqlite"
# Bump when the layout of the stored tables changes in a way the salt files do not show.
STORE_SCHEMA = "1"


def _salt() -> str:
    files = [PACKAGE / n for n in ("build.py", "roles.py", "catalog.py", "store.py", "inputs.py",
                                   "search.py",
                                   "indices.toml", "human_roles.toml")]
    files += [DATA_PACKAGE / n for n in ("loaders.py", "_read.py", "crosswalks.py",
                                         "registry.toml")]
    return files_salt(files, extra=STORE_SCHEMA)


def atlas_cache(data_dir: str | os.PathLike[str] | None = None,
                root: Path | None = None) -> BuildCache:
    """The build cache of the atlas of ``data_dir`` (resolved by the data-folder rule)."""
    return BuildCache("atlas", resolve_data_dir(data_dir), INPUT_FILES, _salt(), root=root)


def verify_inputs(cache: BuildCache) -> DataCheck:
    """Check every input of the atlas against the registry before the build or its cache is
    used (a changed file is refused unless allowed; see :mod:`neijuan.data.verify`)."""
    from neijuan.data.verify import check_inputs

    return check_inputs(cache.data_dir, cache.inputs)


def check_coverage_floors(cache: BuildCache, check: DataCheck) -> None:
    """Refuse an atlas built from unverified files whose joins fall below the coverage floors
    (``coverage_floors.toml``: a share of the registry release's coverage, join by join)."""
    if check.verified:
        return
    import tomllib

    from neijuan.errors import DataError

    raw = tomllib.loads((PACKAGE / "coverage_floors.toml").read_text(encoding="utf-8"))
    floor = float(raw["floor"])
    ref = {j["name"]: j for j in raw["join"]}
    con = sqlite3.connect(f"file:{cache.path(SQLITE)}?mode=ro", uri=True)
    try:
        rows = con.execute("SELECT join_name, employment_share, task_share FROM "
                           "(SELECT \"join\" AS join_name, employment_share, task_share "
                           "FROM coverage)").fetchall()
    finally:
        con.close()
    failures = []
    for name, emp, task in rows:
        want = ref.get(name)
        if want is None:
            continue
        for label, got, key in (("employment", emp, "employment_share"),
                                ("tasks", task, "task_share")):
            if got is not None and key in want and got < floor * float(want[key]):
                failures.append(f"{name!r} covers {got:.1%} of {label}, below its floor "
                                f"{floor * float(want[key]):.1%} ({floor:g} x the registry "
                                f"release's {float(want[key]):.1%})")
    if failures:
        more = f" (and {len(failures) - 1} more)" if len(failures) > 1 else ""
        raise DataError(
            f"{cache.data_dir}: the atlas built from files that differ from the registry "
            f"({', '.join(check.modified[:3])}{' ...' if len(check.modified) > 3 else ''}) fails "
            f"the coverage floors: {failures[0]}{more}; the files look truncated or mismatched")


def ensure_built(data_dir: str | os.PathLike[str] | None = None, *, refresh: bool = False,
                 progress: Callable[[str], None] | None = None,
                 root: Path | None = None) -> Path:
    """Make sure the atlas of ``data_dir`` is built and current; return its SQLite file."""
    cache = atlas_cache(data_dir, root=root)
    check = verify_inputs(cache)
    if refresh or not cache.is_valid():
        build_into(cache, progress=progress)
    check_coverage_floors(cache, check)
    return cache.path(SQLITE)


def build_into(cache: BuildCache, progress: Callable[[str], None] | None = None) -> dict[str, Any]:
    """Build the atlas from the raw files and store it in ``cache``; returns the manifest."""
    import polars as pl

    from neijuan.atlas.build import assemble, load_inputs
    from neijuan.atlas.search import search_names
    from neijuan.atomic import write_parquet
    from neijuan.provenance import code_version

    states = cache.input_states()
    inputs = load_inputs(cache.data_dir, progress=progress)
    if progress:
        progress("assemble")
    tables = assemble(inputs)
    names = search_names(tables.occupations, inputs)
    frames: dict[str, pl.DataFrame] = {
        "occupations": tables.occupations, "percentiles": _percentiles(tables.occupations),
        "tasks": tables.tasks, "related": tables.related, "coverage": tables.coverage,
        "interactions": tables.interactions, "search_names": names}
    if progress:
        progress("write")
    cache.folder.mkdir(parents=True, exist_ok=True)
    manifest_path = cache.folder / "manifest.json"
    if manifest_path.exists():  # invalidate first: a crash mid-write leaves no valid build
        manifest_path.unlink()
    for name, frame in frames.items():
        write_parquet(cache.path(f"{name}.parquet"), frame)
    _write_sqlite(cache.path(SQLITE), frames)
    counts = {name: frame.height for name, frame in frames.items()}
    return cache.commit(states, {"code_version": code_version(), "rows": counts})


def _write_sqlite(path: Path, frames: dict[str, Any]) -> None:
    """Occupations, tasks, related and search names as SQLite tables indexed on ``soc``."""
    import polars as pl

    from neijuan.atomic import atomic_path

    with atomic_path(path) as tmp:
        con = sqlite3.connect(tmp)
        try:
            for name in ("occupations", "tasks", "related", "search_names", "coverage",
                         "percentiles"):
                frame: pl.DataFrame = frames[name]
                frame = frame.with_columns(
                    [pl.col(c).list.join(",") for c, t in frame.schema.items()
                     if isinstance(t, pl.List)])
                cols = frame.columns
                types = {c: _sqlite_type(t) for c, t in frame.schema.items()}
                defs = ", ".join(f"{_q(c)} {types[c]}" for c in cols)
                con.execute(f"CREATE TABLE {name} ({defs})")
                con.executemany(f'INSERT INTO {name} VALUES ({", ".join("?" * len(cols))})',
                                frame.iter_rows())
                if "soc" in cols:
                    con.execute(f"CREATE INDEX {name}_soc ON {name}(soc)")
            con.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT)")
            con.execute("INSERT INTO meta VALUES ('columns', ?)",
                        (json.dumps({n: frames[n].columns for n in frames}),))
            con.commit()
        finally:
            con.close()


def _percentiles(occupations: Any) -> Any:
    """Each occupation's employment-weighted percentile on each index: the share of employment
    in occupations with a lower value (ties count half), among occupations having the index."""
    import polars as pl

    from neijuan.atlas.catalog import load_catalog

    out = occupations.select("soc")
    emp = pl.col("employment").fill_null(0.0)
    for idx in load_catalog().indices:
        x = pl.col(idx.name)
        have = occupations.filter(x.is_not_null()).select("soc", idx.name, emp.alias("w"))
        total = float(have["w"].sum())
        ranked = (have.group_by(idx.name).agg(pl.col("w").sum().alias("tw")).sort(idx.name)
                  .with_columns(((pl.col("tw").cum_sum() - pl.col("tw") / 2) /
                                 (total if total > 0 else 1.0)).alias("p")))
        out = out.join(have.join(ranked, on=idx.name).select("soc", pl.col("p").alias(idx.name)),
                       on="soc", how="left")
    return out


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _sqlite_type(dtype: Any) -> str:
    import polars as pl

    if dtype.is_integer() or dtype == pl.Boolean:
        return "INTEGER"
    if dtype.is_float():
        return "REAL"
    return "TEXT"
