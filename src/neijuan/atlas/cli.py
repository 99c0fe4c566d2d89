"""``neijuan atlas ...``: search, show, rank, export, claims, indices, correlations, coverage.

``show``, ``search`` and ``rank`` read the atlas's SQLite copy and never import Polars, so they
answer in a fraction of a second once the atlas is built (the first call builds it, with a
progress bar). The others load the Parquet tables through :func:`neijuan.atlas.load_atlas`.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

app = typer.Typer(help="The AI-exposure atlas of occupations and tasks, from public data.",
                  no_args_is_help=True)
console = Console()

DataDir = Annotated[Path | None, typer.Option(
    "--data-dir", help="Data folder (default: $NEIJUAN_DATA_DIR, then ../shared/data).")]
AsJson = Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")]


# ------------------------------------------------------------------------------------ helpers


def _progress() -> Any:
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    return Progress(SpinnerColumn(), TextColumn("building the atlas: {task.description}"),
                    TimeElapsedColumn(), console=Console(stderr=True), transient=True)


def _db(data_dir: Path | None, refresh: bool = False) -> Path:
    """The atlas's SQLite file, building the atlas first when needed (with a progress bar)."""
    from neijuan.atlas.store import atlas_cache, build_into, check_coverage_floors, verify_inputs

    cache = atlas_cache(data_dir)
    check = verify_inputs(cache)  # a changed input is refused (or allowed and flagged)
    if refresh or not cache.is_valid():
        with _progress() as bar:
            task = bar.add_task("reading files", total=None)
            build_into(cache, progress=lambda step: bar.update(task, description=step))
    check_coverage_floors(cache, check)
    return cache.path("atlas.sqlite")


def _atlas(data_dir: Path | None) -> Any:
    from neijuan.atlas.model import load_atlas

    _db(data_dir)
    return load_atlas(data_dir)


def _num(v: Any, digits: int = 2) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "-"
    if isinstance(v, float) and abs(v) >= 1000:
        return f"{v:,.0f}"
    if isinstance(v, (int, float)):
        return f"{v:.{digits}f}" if isinstance(v, float) else f"{v:,}"
    return str(v)


def _pct(v: Any, digits: int = 0) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "-"
    return f"{100 * float(v):.{digits}f}%"


def _money(v: Any) -> str:
    return "-" if v is None else f"${float(v):,.0f}"


def _change(new: Any, old: Any) -> str:
    if new is None or old is None or not old:
        return ""
    return f" ({(float(new) / float(old) - 1):+.1%} since)"


def _echo_json(obj: Any) -> None:
    typer.echo(json.dumps(obj, indent=2, ensure_ascii=False, default=str))


# ----------------------------------------------------------------------------------- commands


@app.command()
def search(query: Annotated[str, typer.Argument(help="A job title, e.g. 'lawyer', or a code.")],
           limit: Annotated[int, typer.Option("--limit", "-n", min=1, max=100)] = 10,
           data_dir: DataDir = None, as_json: AsJson = False) -> None:
    """Fuzzy search of occupation titles (O*NET, SOC and ESCO names, alternative labels)."""
    from neijuan.atlas.search import search as do_search

    hits = do_search(_db(data_dir), query, limit=limit)
    if as_json:
        _echo_json([h.__dict__ for h in hits])
        return
    if not hits:
        console.print(f"no occupation matches {query!r}")
        raise typer.Exit(1)
    table = Table(title=f"occupations matching {query!r}")
    for col in ("soc", "title", "matched name", "score", "employment", "median wage"):
        table.add_column(col, justify="right" if col in ("score", "employment") else "left")
    for h in hits:
        matched = h.matched if h.matched.lower() != h.title.lower() else ""
        table.add_row(h.soc, h.title, f"{matched} ({h.kind})" if matched else "", f"{h.score:.0f}",
                      _num(h.employment), _money(h.median_wage))
    console.print(table)


@app.command()
def show(code: Annotated[str, typer.Argument(help="SOC code (23-1011) or O*NET-SOC code.")],
         tasks: Annotated[int | None, typer.Option(
             "--tasks", "-t", min=0, help="Show only the N heaviest tasks.")] = None,
         data_dir: DataDir = None, as_json: AsJson = False) -> None:
    """One occupation: wages, employment, every index, and its tasks with their labels."""
    from neijuan.atlas.query import occupation_detail

    d = occupation_detail(_db(data_dir), code, task_limit=tasks)
    if as_json:
        _echo_json(d)
        return
    o = d["occupation"]
    console.print(f"[bold]{o['title']}[/] ({o['soc']}) - {o.get('major_title') or ''}")
    since = _change(o["employment"], o["employment_2015"]).replace("since)", "since 2015)")
    lines = [
        f"employment 2024: {_num(o['employment'])}{since}"
        f"; 2021: {_num(o['employment_2021'])}; 2015: {_num(o['employment_2015'])}",
        f"median wage 2024: {_money(o['median_wage'])}"
        f"{' (top-coded)' if o.get('median_topcoded') else ''}"
        f"{' (from hourly x 2,080)' if o.get('hourly_only') else ''}"
        f"; 2021: {_money(o['median_wage_2021'])}; 2015: {_money(o['median_wage_2015'])}",
        f"Job Zone {o['job_zone'] if o['job_zone'] is not None else '-'} "
        f"(skill tier {o['skill_tier'] or '-'}); typical entry education: {o['education'] or '-'}"
        f"; ISCO-08 {o['isco08'] or '-'}; O*NET codes: {o['onet_socs'] or '-'}",
        f"human roles (task-weighted): originate {_pct(o['share_originate'])}, confirm "
        f"{_pct(o['share_confirm'])}, hands-on {_pct(o['share_hands_on'])}",
    ]
    for line in lines:
        console.print(line, highlight=False)
    it = Table(title="indices (percentile: share of employment in occupations below)")
    for col in ("construct", "index", "value", "percentile"):
        it.add_column(col, justify="right" if col in ("value", "percentile") else "left")
    for i in d["indices"]:
        it.add_row(i["construct"], i["name"], _num(i["value"], 3), _pct(i["percentile"]))
    console.print(it)
    tt = Table(title=f"tasks ({len(d['tasks'])} of {d['n_tasks']}, heaviest first); E: "
                     f"Eloundou exposure (GPT-4, human), T: automation level, HAS: WORKBank "
                     f"expert agency, want: worker automation desire", show_lines=False)
    tt.add_column("task", overflow="fold", min_width=28, ratio=1)
    for col in ("type", "weight", "role", "E4", "Eh", "T", "claude%", "HAS", "want"):
        tt.add_column(col, no_wrap=True,
                      justify="left" if col in ("type", "role", "E4", "Eh", "T") else "right")
    for t in d["tasks"]:
        tt.add_row(t["statement"], (t["task_type"] or "-")[:4], f"{t['weight']:.3f}",
                   t["human_role"].replace("originate", "orig").replace("hands_on", "hands"),
                   t["eloundou_gpt4_label"] or "-", t["eloundou_human_label"] or "-",
                   t["eloundou_gpt4_automation_label"] or "-", _num(t["aei_usage_pct"], 3),
                   _num(t["workbank_has_expert"], 1), _num(t["workbank_automation_desire"], 1))
    console.print(tt)
    if d["related"]:
        console.print("related: " + "; ".join(f"{r['title']} ({r['related_soc']})"
                                              for r in d["related"][:5]), highlight=False)


@app.command()
def rank(by: Annotated[str, typer.Option("--by", help="Index name; see 'neijuan atlas indices'.")],
         top: Annotated[int, typer.Option("--top", "-n", min=1)] = 20,
         ascending: Annotated[bool, typer.Option("--ascending", help="Lowest first.")] = False,
         major: Annotated[str | None, typer.Option("--major", help="SOC major group, e.g. 15.")] = None,
         tier: Annotated[str | None, typer.Option("--tier", help="Skill tier: low, mid, high.")] = None,
         min_employment: Annotated[float, typer.Option("--min-employment")] = 0.0,
         data_dir: DataDir = None, as_json: AsJson = False) -> None:
    """Occupations ranked by one index (occupations without a value are left out)."""
    from neijuan.atlas.catalog import load_catalog
    from neijuan.atlas.query import ranking

    info = load_catalog().get(by)
    rows = ranking(_db(data_dir), by, top=top, ascending=ascending, major_group=major,
                   skill_tier=tier, min_employment=min_employment)
    if as_json:
        _echo_json(rows)
        return
    table = Table(title=f"{info.label} [{info.construct}], {'lowest' if ascending else 'highest'}"
                        f" first")
    for col in ("#", "soc", "title", "employment", "median wage", "job zone", by):
        table.add_column(col, justify="left" if col in ("soc", "title") else "right")
    for i, r in enumerate(rows, 1):
        table.add_row(str(i), r["soc"], r["title"], _num(r["employment"]), _money(r["median_wage"]),
                      _num(r["job_zone"]), _num(r[by], 3))
    console.print(table)


@app.command()
def export(out: Annotated[Path, typer.Argument(help="Output file: .parquet or .csv.")],
           table: Annotated[str, typer.Option(
               "--table", help="occupations, tasks, related or coverage.")] = "occupations",
           data_dir: DataDir = None) -> None:
    """Write one atlas table to Parquet or CSV, with a .provenance.json beside it."""
    from neijuan.atomic import atomic_path, write_json
    from neijuan.errors import ConfigError

    tables = ("occupations", "tasks", "related", "coverage")
    if table not in tables:
        raise ConfigError(f"--table must be one of {tables}, not {table!r}")
    suffix = out.suffix.lower()
    if suffix not in (".parquet", ".csv"):
        raise ConfigError(f"{out}: the output must end in .parquet or .csv")
    atlas = _atlas(data_dir)
    frame = getattr(atlas, table)
    import polars as pl

    if suffix == ".csv":
        frame = frame.with_columns([pl.col(c).list.join(";") for c, t in frame.schema.items()
                                    if isinstance(t, pl.List)])
    with atomic_path(out) as tmp:
        if suffix == ".parquet":
            frame.write_parquet(tmp, compression="zstd")
        else:
            frame.write_csv(tmp)
    prov = out.with_name(out.name + ".provenance.json")
    write_json(prov, {"table": table, "rows": frame.height, "columns": frame.columns,
                      "indices": [i.__dict__ for i in atlas.indices],
                      "build": atlas.provenance})
    console.print(f"wrote {frame.height:,} rows of {table} to {out} (provenance: {prov.name})")


@app.command()
def indices(as_json: AsJson = False) -> None:
    """List the indices: name, construct, level, source, scale."""
    from neijuan.atlas.catalog import load_catalog

    cat = load_catalog()
    if as_json:
        _echo_json([i.__dict__ for i in cat.indices])
        return
    table = Table(show_lines=False)
    for col in ("index", "construct", "level", "scale", "label"):
        table.add_column(col, overflow="fold")
    for i in cat.indices:
        table.add_row(i.name, i.construct, i.level, i.scale, i.label)
    console.print(table)


@app.command()
def correlations(level: Annotated[str, typer.Option(
                     "--level", help="occupation or task")] = "occupation",
                 data_dir: DataDir = None, as_json: AsJson = False) -> None:
    """Spearman rank correlations between the indices (pairs with n >= 10)."""
    atlas = _atlas(data_dir)
    rc = atlas.rank_correlations(level)
    if as_json:
        _echo_json(rc.to_dicts())
        return
    from neijuan.atlas.claims_view import correlation_matrix, legend

    table, names = correlation_matrix(rc, f"Spearman rank correlation ({level} level; '-' where "
                                          f"fewer than 10 rows have both)")
    console.print(table)
    console.print(legend(names, numbered=True))


@app.command()
def coverage(data_dir: DataDir = None, as_json: AsJson = False) -> None:
    """Each join's coverage: share of employment and of tasks matched; warnings flagged."""
    atlas = _atlas(data_dir)
    rows = atlas.coverage.to_dicts()
    if as_json:
        _echo_json(rows)
        return
    table = Table(title="coverage of each join (warning below the threshold)")
    for col in ("join", "matched / items", "employment", "tasks", ""):
        table.add_column(col, justify="left" if col == "join" else "right")
    for r in rows:
        table.add_row(r["join"], f"{r['matched']:,} / {r['items']:,}",
                      _pct(r["employment_share"], 1), _pct(r["task_share"], 1),
                      "[yellow]warning[/]" if r["warning"] else "")
    console.print(table)
    agreement = atlas.role_agreement()
    for a in agreement:
        means = ", ".join(f"{k} {v['mean']:.2f} (n={v['n']})" for k, v in a["mean_by_class"].items())
        console.print(f"human-role classes vs {a['index']}: n={a['n']}, mean by class: {means}; "
                      f"accuracy {_pct(a['accuracy'])}, kappa {_num(a['kappa'])}, AUC "
                      f"{_num(a['auc'])}", highlight=False)


@app.command()
def claims(only: Annotated[list[str] | None, typer.Option(
               "--only", help="Claim id (repeatable).")] = None,
           data_dir: DataDir = None, as_json: AsJson = False) -> None:
    """The essay's empirical claims recomputed, each with definition, coverage and the published
    figure it is compared to."""
    from neijuan.atlas.claims import compute_claims

    atlas = _atlas(data_dir)
    result = compute_claims(atlas, only)
    if as_json:
        _echo_json({"provenance": {"code_version": atlas.provenance.get("code_version"),
                                   "built_at": atlas.provenance.get("built_at"),
                                   "data_check": atlas.provenance.get("data_check")},
                    "claims": [c.as_dict() for c in result]})
        return
    from neijuan.atlas import claims_view

    for c in result:
        claims_view.render(console, c)
