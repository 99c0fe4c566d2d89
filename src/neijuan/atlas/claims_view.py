"""Terminal rendering of the recomputed claims (Rich). No computation happens here."""

from __future__ import annotations

import math
from typing import Any

import polars as pl
from rich import box
from rich.console import Console
from rich.table import Table

from neijuan.atlas.claims import Claim

# Short names for the index columns and rows, so tables fit 100 columns; a legend gives the full
# name. Indices not listed here are shortened by rule (see short_name).
SHORT = {
    "eloundou_human_alpha": "EL-h a", "eloundou_human_beta": "EL-h b",
    "eloundou_human_gamma": "EL-h g", "eloundou_gpt4_alpha": "EL-4 a",
    "eloundou_gpt4_beta": "EL-4 b", "eloundou_gpt4_gamma": "EL-4 g",
    "eloundou_gpt4_automation": "EL-4 auto", "eloundou_human_automation": "EL-h auto",
    "aei_usage_pct": "claude%", "workbank_automation_capacity": "WB cap",
    "workbank_has_expert": "WB HAS", "workbank_automation_desire": "WB want",
    "workbank_has_desired": "WB HAS want", "felten_aioe": "AIOE", "felten_lm_aioe": "LM-AIOE",
    "felten_ig_aioe": "IG-AIOE", "ms_ai_applicability": "MS appl", "frey_osborne": "FO",
    "nesta_sml_risk": "Nesta SML",
}
SHORT_MAX = 11


def short_name(name: str) -> str:
    """A short label (<= 11 characters) for an index name; the legend maps it back."""
    if name in SHORT:
        return SHORT[name]
    return name.replace("eloundou_", "el_").replace("workbank_", "wb_")[:SHORT_MAX]


def legend(names: list[str], numbered: bool = False) -> Table:
    """Short (or numbered) label -> full index name, in two or three compact columns."""
    t = Table(box=None, show_header=False, padding=(0, 1), title="legend", title_justify="left")
    per_row = 2
    for _ in range(per_row):
        t.add_column(no_wrap=True, style="bold")
        t.add_column(no_wrap=True)
    cells = [(str(i) if numbered else short_name(n), n) for i, n in enumerate(names, 1)]
    for k in range(0, len(cells), per_row):
        row: list[str] = []
        for label, full in cells[k:k + per_row]:
            row += [label, full]
        row += [""] * (2 * per_row - len(row))
        t.add_row(*row)
    return t


def compact_table(title: str) -> Table:
    """A table style that fits 100 columns: a header rule, no side borders, one-space padding."""
    return Table(title=title, box=box.SIMPLE_HEAD, pad_edge=False, padding=(0, 1),
                 title_justify="left")


def correlation_matrix(rc: pl.DataFrame, title: str) -> tuple[Table, list[str]]:
    """Lower-triangle Spearman matrix with numbered rows and columns (values as .53 / -.12), and
    the index names in order, for :func:`legend`. Fits 100 columns for up to 20 indices."""
    names = list(dict.fromkeys([*rc["a"].to_list(), *rc["b"].to_list()]))
    lookup = {(r["a"], r["b"]): r for r in rc.iter_rows(named=True)}
    t = Table(title=title, box=None, padding=(0, 0, 0, 1), pad_edge=False, title_justify="left",
              show_edge=False)
    t.add_column("", justify="right", no_wrap=True)
    for i in range(1, len(names) + 1):
        t.add_column(str(i), justify="right", no_wrap=True)
    for i, a in enumerate(names):
        cells = []
        for j, b in enumerate(names):
            r = lookup.get((a, b)) or lookup.get((b, a))
            if j > i:
                cells.append("")
            elif a == b:
                cells.append("1")
            elif r is None or r["rho"] is None or r["n"] < 10:
                cells.append("-")
            else:
                cells.append(f"{r['rho']:.2f}".replace("0.", "."))
        t.add_row(str(i + 1), *cells)
    return t, names


def _f(v: Any, pct: bool = False, digits: int = 2) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "-"
    if pct:
        return f"{100 * float(v):.1f}%"
    return f"{float(v):.{digits}f}"


def _frame_table(frame: pl.DataFrame, title: str, pct_cols: tuple[str, ...] = (),
                 skip: tuple[str, ...] = (), headers: dict[str, str] | None = None) -> Table:
    t = compact_table(title)
    cols = [c for c in frame.columns if c not in skip]
    for c in cols:
        t.add_column((headers or {}).get(c, c), overflow="fold",
                     justify="left" if frame.schema[c] == pl.String else "right")
    for row in frame.select(cols).iter_rows(named=True):
        t.add_row(*[_f(row[c], pct=c in pct_cols) if isinstance(row[c], (float, int))
                    and not isinstance(row[c], bool) else str(row[c]) for c in cols])
    return t


def _pivot_table(frame: pl.DataFrame, title: str, row: str, col: str, value: str,
                 pct: bool) -> Table:
    wide = frame.pivot(on=col, index=row, values=value, maintain_order=True)
    t = compact_table(title)
    for c in wide.columns:
        t.add_column(str(c), justify="left" if c == row else "right", no_wrap=True)
    for r in wide.iter_rows():
        label = short_name(str(r[0])) if row == "index" else str(r[0])
        t.add_row(label, *[_f(v, pct=pct, digits=3 if not pct else 2) for v in r[1:]])
    return t


def render(console: Console, c: Claim) -> None:
    """Print one claim: title, definition, table, summary, coverage, published figures."""
    console.rule(f"[bold]{c.id}[/]")
    console.print(f"[bold]{c.title}[/]", highlight=False)
    console.print(f"[dim]definition:[/] {c.definition}", highlight=False)
    if c.id == "exposure_by_wage_decile":
        long = c.table.unpivot(index="decile", variable_name="index", value_name="value")
        console.print(_pivot_table(long, "employment-weighted mean by wage decile (1 = lowest)",
                                   "index", "decile", "value", pct=False))
        rho = compact_table("trend with wage")
        for col in ("index", "spearman(decile, value)", "bottom decile", "top decile",
                    "employment covered"):
            rho.add_column(col, justify="left" if col == "index" else "right")
        for name, s in c.summary.items():
            rho.add_row(short_name(name), _f(s["spearman_decile"]),
                        _f(s["bottom_decile"], digits=3), _f(s["top_decile"], digits=3),
                        _f(c.coverage["employment_share_by_index"][name], pct=True))
        console.print(rho)
        console.print(legend(list(c.summary)))
    elif c.id == "core_tasks_exposed_high_skill":
        console.print(_pivot_table(c.table, "share of core tasks exposed (employment-weighted)",
                                   "index", "group", "employment_weighted", pct=True))
        console.print(_pivot_table(c.table, "share of core tasks exposed (task count)",
                                   "index", "group", "share_of_tasks", pct=True))
        console.print(legend(list(dict.fromkeys(c.table["index"].to_list()))))
    elif c.id == "change_by_exposure_quintile":
        console.print(_pivot_table(c.table, "employment change 2015-2024 by quintile "
                                   "(1 = least exposed)", "index", "quintile",
                                   "employment_change", pct=True))
        console.print(_pivot_table(c.table, "median wage change 2015-2024 within occupations, "
                                   "minus the all-occupation change", "index", "quintile",
                                   "wage_change_rel", pct=True))
        console.print(_pivot_table(c.table, "variant: change of the mean wage (mixes shifts "
                                   "between jobs), minus the all-occupation change", "index",
                                   "quintile", "wage_change_composition_rel", pct=True))
        console.print(legend(list(dict.fromkeys(c.table["index"].to_list()))))
    elif c.id == "automation_vs_augmentation_by_tier":
        heads = {"skill_tier": "tier", "share_exposed": "exposed",
                 "gpt4_automation_level": "GPT-4 auto", "gpt4_automation_level_claude_weighted":
                 "GPT-4 auto (Claude-wtd)", "share_originate": "originate",
                 "share_confirm": "confirm", "share_hands_on": "hands-on"}
        console.print(_frame_table(c.table, "by skill tier (Eloundou GPT-4 ratings; role "
                                   "classes)", pct_cols=tuple(
            x for x in c.table.columns if x != "skill_tier"), headers=heads))
    if c.sources:
        st = compact_table("which source supports what")
        for col in ("construct", "source", "by tier", "supports"):
            st.add_column(col, overflow="fold", ratio=1)
        for r in c.sources:
            st.add_row(r["construct"], r["source"], r["by_tier"], r["supports"])
        console.print(st)
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
