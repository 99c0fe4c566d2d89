"""``neijuan compare A B ...``: scenarios side by side, from :func:`neijuan.simulate` results."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from neijuan.report.core import compare_frame, format_value, result_payload
from neijuan.report.html import Section, page
from neijuan.report.i18n import check_lang, figure_label, t

# the per-period figures drawn for every compared scenario
COMPARE_SERIES = ("effort_per_position", "real_reward_per_position", "output_per_employed",
                  "employment", "unemployment_rate", "retained_not_needed_share",
                  "blame_share", "authority_share")


def cell(row: dict[str, Any]) -> str:
    """``level`` and, below it, ``AI effect [5%, 95%]`` of one figure of one scenario."""
    unit = row["unit"]
    text = format_value(row["mean"], unit)
    if row["effect"] is not None:
        text += (f"\n{format_value(row['effect'], unit, True)} "
                 f"[{format_value(row['effect_lo'], unit, True)}, "
                 f"{format_value(row['effect_hi'], unit, True)}]")
    return text


def compare_html(results: Sequence[Any], lang: str = "en") -> str:
    """A page: the main series of every scenario with bands, each group's AI effects as bars
    with intervals, and the full table."""
    from neijuan.report import plots
    from neijuan.report.build import stamp_line
    from neijuan.sim.figures import GROUPS

    check_lang(lang)
    payloads = [result_payload(r, COMPARE_SERIES) for r in results]
    stamps = " | ".join(stamp_line(p, lang) for p in payloads)
    frame = compare_frame(results)
    names = [r.scenario.name for r in results]
    sections = []
    s = Section("series", t("compare_title", lang))
    s.figure(plots.run_and_twin(payloads, list(COMPARE_SERIES), lang, " / ".join(names),
                                twin=False), stamps)
    sections.append(s)
    with_twin = [r for r in results if r.twin is not None]
    for k, (group, figures) in enumerate(GROUPS.items()):
        s = Section(f"group{k}", group)
        if with_twin:
            s.figure(plots.compare_bars(compare_frame(with_twin, figures), figures[:8], lang,
                                        f"{t('ai_effect', lang)} ({t('band', lang)})"), stamps)
        rows = []
        for name in figures:
            part = {r["scenario"]: r for r in frame.filter(frame["figure"] == name)
                    .iter_rows(named=True)}
            rows.append([figure_label(name, lang, part[names[0]]["description"]),
                         *[cell(part[n]).replace("\n", " · ") for n in names]])
        s.table([t("figure", lang), *names], rows, text_cols=(0,))
        sections.append(s)
    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    return page(f"{t('compare_title', lang)}: {' / '.join(names)}", t("effect_note", lang),
                sections, lang, f"{t('generated', lang)} {now} · {stamps}")
