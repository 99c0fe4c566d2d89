"""Terminal rendering of the recomputed claims (Rich). No computation happens here."""

from __future__ import annotations

import math
from typing import Any

import polars as pl
from rich.console import Console
from rich.table import Table

from neijuan.atlas.claims import Claim


def _f(v: Any, pct: bool = False, digits: int = 2) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "-"
    if pct:
        return f"{100 * float(v):.1f}%"
    return f"{float(v):.{digits}f}"


def _frame_table(frame: pl.DataFrame, title: str, pct_cols: tuple[str, ...] = (),
                 skip: tuple[str, ...] = ()) -> Table:
    t = Table(title=title)
    cols = [c for c in frame.columns if c not in skip]
    for c in cols:
        t.add_column(c, justify="left" if frame.schema[c] == pl.String else "right")
    for row in frame.select(cols).iter_rows(named=True):
        t.add_row(*[_f(row[c], pct=c in pct_cols) if isinstance(row[c], (float, int))
                    and not isinstance(row[c], bool) else str(row[c]) for c in cols])
    return t


def _pivot_table(frame: pl.DataFrame, title: str, row: str, col: str, value: str,
                 pct: bool) -> Table:
    wide = frame.pivot(on=col, index=row, values=value, maintain_order=True)
    t = Table(title=title)
    for c in wide.columns:
        t.add_column(str(c), justify="left" if c == row else "right")
    for r in wide.iter_rows():
        t.add_row(str(r[0]), *[_f(v, pct=pct) for v in r[1:]])
    return t


def render(console: Console, c: Claim) -> None:
    """Print one claim: title, definition, table, summary, coverage, published figures."""
    console.rule(f"[bold]{c.title}[/]  ({c.id})")
    console.print(f"[dim]definition:[/] {c.definition}", highlight=False)
    if c.id == "exposure_by_wage_decile":
        long = c.table.unpivot(index="decile", variable_name="index", value_name="value")
        console.print(_pivot_table(long, "employment-weighted mean by wage decile (1 = lowest)",
                                   "index", "decile", "value", pct=False))
        rho = Table(title="trend with wage")
        for col in ("index", "spearman(decile, value)", "bottom", "top", "employment covered"):
            rho.add_column(col, justify="left" if col == "index" else "right")
        for name, s in c.summary.items():
            rho.add_row(name, _f(s["spearman_decile"]), _f(s["bottom_decile"], digits=3),
                        _f(s["top_decile"], digits=3),
                        _f(c.coverage["employment_share_by_index"][name], pct=True))
        console.print(rho)
    elif c.id == "core_tasks_exposed_high_skill":
        console.print(_pivot_table(c.table, "share of core tasks exposed (employment-weighted)",
                                   "index", "group", "employment_weighted", pct=True))
        console.print(_pivot_table(c.table, "share of core tasks exposed (task count)",
                                   "index", "group", "share_of_tasks", pct=True))
    elif c.id == "change_by_exposure_quintile":
        console.print(_pivot_table(c.table, "employment change 2015-2024 by quintile "
                                   "(1 = least exposed)", "index", "quintile",
                                   "employment_change", pct=True))
        console.print(_pivot_table(c.table, "median wage change 2015-2024 minus the "
                                   "all-occupation change", "index", "quintile",
                                   "wage_change_rel", pct=True))
    elif c.id == "automation_vs_augmentation_by_tier":
        console.print(_frame_table(c.table, "by skill tier", pct_cols=tuple(
            x for x in c.table.columns if x != "skill_tier")))
    else:
        pct_cols = tuple(x for x in c.table.columns if x.startswith("share"))
        console.print(_frame_table(c.table, "", pct_cols=pct_cols))
    if c.id != "exposure_by_wage_decile":
        console.print(f"[dim]summary:[/] {_flat(c.summary)}", highlight=False)
    console.print(f"[dim]coverage:[/] {_flat(c.coverage)}", highlight=False)
    for p in c.published:
        fig = p.figure if p.figure is not None else p.direction
        if isinstance(fig, list):
            fig = "-".join(f"{100 * x:.0f}%" for x in fig)
        elif isinstance(fig, float):
            fig = f"{100 * fig:.0f}%"
        console.print(f"[bold]published[/] ({p.wording_kind}): {fig} - {p.source}: "
                      f"\u201c{p.wording}\u201d", highlight=False)
        if p.note:
            console.print(f"  [dim]note:[/] {p.note}", highlight=False)


def _flat(d: Any, depth: int = 0) -> str:
    if isinstance(d, dict):
        parts = []
        for k, v in d.items():
            if isinstance(v, dict) and depth == 0 and len(v) > 6:
                inner = ", ".join(f"{kk} {_short(vv)}" for kk, vv in v.items())
                parts.append(f"{k}: {inner}")
            else:
                parts.append(f"{k}: {_flat(v, depth + 1)}")
        return "; ".join(parts)
    return _short(d)


def _short(v: Any) -> str:
    if isinstance(v, float):
        return f"{v:.3f}"
    if isinstance(v, dict):
        return "{" + ", ".join(f"{k} {_short(x)}" for k, x in v.items()) + "}"
    if isinstance(v, list):
        return ", ".join(map(str, v)) if v else "none"
    return str(v)
