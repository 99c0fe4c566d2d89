"""Fast reads of a built atlas from its SQLite copy: one occupation, a ranking.

These serve ``neijuan atlas show`` and ``rank``, which must answer in a fraction of a second, so
they use the standard library only (no Polars import). Results are plain dicts.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from neijuan.atlas.catalog import load_catalog
from neijuan.errors import ConfigError, DataError

_SOC = re.compile(r"^\d{2}-\d{4}$")
_ONET = re.compile(r"^(\d{2}-\d{4})\.\d{2}$")


def _connect(db: Path) -> sqlite3.Connection:
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    con.row_factory = sqlite3.Row
    return con


def normalise_code(code: str, con: sqlite3.Connection | None = None) -> str:
    """A SOC code as the atlas keys it: ``23-1011``; an O*NET code maps to its occupation."""
    c = code.strip()
    m = _ONET.match(c)
    if m and con is not None:
        row = con.execute("SELECT soc FROM tasks WHERE onet_soc = ? LIMIT 1", (c,)).fetchone()
        return str(row[0]) if row else m.group(1)
    if m:
        return m.group(1)
    if not _SOC.match(c):
        raise DataError(f"{code!r} is not an occupation code: use a SOC code like 23-1011 or an "
                        f"O*NET-SOC code like 23-1011.00 (or 'neijuan atlas search TITLE')")
    return c


def occupation_detail(db: Path, code: str, task_limit: int | None = None) -> dict[str, Any]:
    """Everything ``show`` prints: the occupation, each index with its employment-weighted
    percentile among occupations, its tasks (heaviest first) and its closest related occupations."""
    con = _connect(db)
    try:
        soc = normalise_code(code, con)
        row = con.execute("SELECT * FROM occupations WHERE soc = ?", (soc,)).fetchone()
        if row is None:
            raise DataError(f"occupation {soc!r} is not in the atlas (try 'neijuan atlas search')")
        occ = dict(row)
        prow = con.execute("SELECT * FROM percentiles WHERE soc = ?", (soc,)).fetchone()
        pct = dict(prow) if prow is not None else {}
        indices = [{"name": idx.name, "construct": idx.construct, "label": idx.label,
                    "value": occ.get(idx.name), "percentile": pct.get(idx.name),
                    "scale": idx.scale} for idx in load_catalog().indices]
        sql = "SELECT * FROM tasks WHERE soc = ? ORDER BY weight DESC, task_id"
        if task_limit is not None:
            sql += f" LIMIT {int(task_limit)}"
        tasks = [dict(r) for r in con.execute(sql, (soc,)).fetchall()]
        n_tasks = con.execute("SELECT COUNT(*) FROM tasks WHERE soc = ?", (soc,)).fetchone()[0]
        related = [dict(r) for r in con.execute(
            "SELECT r.related_soc, o.title, r.weight FROM related r JOIN occupations o "
            "ON o.soc = r.related_soc WHERE r.soc = ? ORDER BY r.weight DESC, r.related_soc "
            "LIMIT 8", (soc,)).fetchall()]
        return {"occupation": occ, "indices": indices, "tasks": tasks, "n_tasks": n_tasks,
                "related": related}
    finally:
        con.close()


def ranking(db: Path, by: str, *, top: int = 20, ascending: bool = False,
            major_group: str | None = None, skill_tier: str | None = None,
            min_employment: float = 0.0, columns: Sequence[str] = ()) -> list[dict[str, Any]]:
    """Occupations ordered by index ``by`` (those without a value are left out)."""
    catalog = load_catalog()
    catalog.get(by)  # ConfigError naming the valid indices
    extra = []
    for c in columns:
        catalog.get(c)
        extra.append(f'"{c}"')
    if top < 1:
        raise ConfigError(f"--top must be at least 1, not {top}")
    where = [f'"{by}" IS NOT NULL', "COALESCE(employment, 0) >= ?"]
    params: list[Any] = [min_employment]
    if major_group is not None:
        if not re.fullmatch(r"\d{2}", major_group):
            raise ConfigError(f"--major must be a 2-digit SOC major group like 23, not "
                              f"{major_group!r}")
        where.append("major_group = ?")
        params.append(major_group)
    if skill_tier is not None:
        tiers = tuple(catalog.skill_tiers)
        if skill_tier not in tiers:
            raise ConfigError(f"--tier must be one of {tiers}, not {skill_tier!r}")
        where.append("skill_tier = ?")
        params.append(skill_tier)
    cols = ", ".join(["soc", "title", "employment", "median_wage", "job_zone", f'"{by}"', *extra])
    order = "ASC" if ascending else "DESC"
    sql = (f"SELECT {cols} FROM occupations WHERE {' AND '.join(where)} "
           f'ORDER BY "{by}" {order}, soc LIMIT ?')
    con = _connect(db)
    try:
        return [dict(r) for r in con.execute(sql, [*params, top]).fetchall()]
    finally:
        con.close()
