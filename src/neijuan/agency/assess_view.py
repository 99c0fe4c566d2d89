"""Terminal rendering of an assessment (Rich). No computation happens here."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table


def _pct(v: Any) -> str:
    return "-" if v is None else f"{100 * float(v):.0f}%"


def _num(v: Any, digits: int = 2) -> str:
    return "-" if v is None else f"{float(v):.{digits}f}"


def render(console: Console, answer: dict[str, Any]) -> None:
    """Occupations, matched tasks, and the needed profile now and along the path."""
    occ = Table(title="closest occupations (score = 60% embedding + 40% lexical, 0-100)")
    for c in ("soc", "title", "score", "embedding", "lexical"):
        occ.add_column(c, justify="right" if c in ("score", "embedding", "lexical") else "left")
    for o in answer["occupations"]:
        occ.add_row(o["soc"], o["title"], f"{o['score']:.0f}", _num(o["embedding"]),
                    _num(o["lexical"]))
    console.print(occ)
    prof = answer["profile"]
    tt = Table(title=f"tasks of {prof['occupation']} closest to the description; E4: GPT-4 "
                     f"exposure, auto: automation level, thr: AI threshold (capability)")
    tt.add_column("task", overflow="fold", ratio=1, min_width=30)
    for c in ("role", "E4", "auto", "claude%", "thr"):
        tt.add_column(c, justify="right", no_wrap=True)
    for t in answer["tasks"]:
        tt.add_row(t["statement"], (t["human_role"] or "-").replace("hands_on", "hands"),
                   t["indices"].get("eloundou_gpt4_label") or "-", _pct(t["automation"]),
                   _num(t["indices"].get("aei_usage_pct"), 3), _num(t["ai_threshold"]))
    console.print(tt)
    path = prof["path"]
    pt = Table(title=f"your time: needed (originate/judge/create) vs retained (confirm/filter/"
                     f"backstop), along {path['scenario']}")
    pt.add_column("year")
    pt.add_column("AI capability", justify="right")
    for k in ("needed", "retained", "hands_on"):
        pt.add_column(k.replace("_", "-"), justify="right")
    years = path["years"]
    i_now = years.index(prof["year_now"])
    for i in sorted({0, i_now, len(years) - 1}):
        label = f"{years[i]} (now)" if i == i_now else str(years[i])
        pt.add_row(label, _num(path["capability"][i]), _pct(path["needed"][i]),
                   _pct(path["retained"][i]), _pct(path["hands_on"][i]))
    console.print(pt)
    if prof["shifts"]:
        console.print("[bold]shifts that would raise your needed share most[/] (take authorship: "
                      "do it yourself with AI as an aid rather than signing off its output):")
        for s in prof["shifts"]:
            console.print(f"  +{100 * s['needed_gain']:.1f} pp  {s['statement']}", highlight=False)
    console.print(f"[dim]{prof['definition']}[/]", highlight=False)
