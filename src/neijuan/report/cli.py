"""``neijuan report`` and ``neijuan compare``: thin; parse, check, call the API, write.

Options are checked (language, scenario names, sizes) before anything slow is imported, so a
mistake is reported at once.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from neijuan.errors import ConfigError

LangOpt = Annotated[str, typer.Option("--lang", help="zh (default, as the essay) or en")]


def _progress_bar(console: Any, transient: bool = True) -> Any:
    from rich.progress import Progress

    from neijuan.ux import progress_columns

    return Progress(*progress_columns(), console=console, transient=transient)


def _compile_engine(console: Any) -> None:
    from neijuan.ux import compile_engine_with_progress

    compile_engine_with_progress(console)


def _write_text(target: Path, text: str) -> Path:
    from neijuan.atomic import atomic_path

    with atomic_path(target) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return target


def report(
    lang: LangOpt = "zh",
    out: Annotated[Path, typer.Option("--out", "-o", help="the HTML file to write")] = Path(
        "neijuan-report.html"),
    pdf: Annotated[bool, typer.Option("--pdf", help="also print a PDF beside it (headless "
                                                    "Chromium)")] = False,
    workers: Annotated[int, typer.Option(help="workers per run (small: fast; larger: "
                                              "narrower bands)")] = 5000,
    seeds: Annotated[int, typer.Option(help="seeds per scenario (the bands)")] = 3,
    periods: Annotated[int | None, typer.Option(help="measured quarters (default: the "
                                                     "scenario's)")] = None,
    set_: Annotated[list[str] | None, typer.Option(
        "--set", help="override a parameter in every scenario: section.key=value")] = None,
    ads: Annotated[Path | None, typer.Option(help="a folder written by `neijuan ads analyze` "
                                                  "(the job-ads section)")] = None,
    data_dir: Annotated[Path | None, typer.Option(help="data folder for the atlas (default: "
                                                       "NEIJUAN_DATA_DIR or ../shared/data)")
                        ] = None,
) -> None:
    """Write the report: the essay's argument with the system's own results, one HTML file."""
    from neijuan.cli import console
    from neijuan.config import parse_overrides
    from neijuan.report.i18n import check_lang

    check_lang(lang)
    if workers < 100 or seeds < 1:
        raise ConfigError("--workers must be at least 100 and --seeds at least 1")
    if ads is not None and not ads.is_dir():
        raise ConfigError(f"--ads {ads}: not a folder (give the --out folder of `neijuan ads "
                          "analyze`)")
    if out.suffix.lower() not in (".html", ".htm"):
        raise ConfigError(f"--out {out}: the report is HTML; name the file *.html")
    overrides = parse_overrides(set_ or []) or None
    if pdf:
        from neijuan.report.pdf import find_chromium

        if find_chromium() is None:
            raise ConfigError("--pdf needs Chromium: apt-get install chromium fonts-noto-cjk "
                              "(or set NEIJUAN_CHROMIUM)")
    _compile_engine(console)
    from neijuan.report.build import build_report

    with _progress_bar(console) as bar:
        task = bar.add_task("report: simulating", total=None)

        def tick(what: str, done: int, total: int) -> None:
            bar.update(task, completed=done, total=total, description=f"report: {what}")

        html = build_report(lang, workers=workers, seeds=seeds, periods=periods,
                            overrides=overrides, data_dir=data_dir, ads_dir=ads, progress=tick)
    _write_text(out, html)
    console.print(f"wrote {out} ({len(html) / 1e6:.1f} MB, self-contained: open it in a browser)",
                  highlight=False)
    if pdf:
        from neijuan.report.pdf import html_to_pdf

        target = html_to_pdf(out, out.with_suffix(".pdf"))
        console.print(f"wrote {target}", highlight=False)


def compare(
    scenarios: Annotated[list[str], typer.Argument(help="two or more scenario names or .toml "
                                                        "paths")],
    workers: Annotated[int | None, typer.Option(help="workers per run (run.workers)")] = None,
    periods: Annotated[int | None, typer.Option(help="measured quarters (run.periods)")] = None,
    seeds: Annotated[int, typer.Option(help="seeds per scenario")] = 3,
    set_: Annotated[list[str] | None, typer.Option(
        "--set", help="override a parameter in every scenario: section.key=value")] = None,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="also write an HTML page "
                                                                 "with plots")] = None,
    group: Annotated[str | None, typer.Option(help="only the groups whose title contains "
                                                   "this")] = None,
    lang: LangOpt = "en",
    processes: Annotated[int | None, typer.Option(help="parallel processes for seeds")] = None,
) -> None:
    """Scenarios side by side: each figure's level and AI effect with its 5-95% range."""
    from neijuan.cli import console
    from neijuan.config import parse_overrides
    from neijuan.report.i18n import check_lang
    from neijuan.ux import check_scenario_name

    check_lang(lang)
    if len(scenarios) < 2:
        raise ConfigError("compare needs at least two scenarios, e.g. neijuan compare "
                          "ai-baseline jevons")
    for name in scenarios:
        check_scenario_name(name)
    if out is not None and out.suffix.lower() not in (".html", ".htm"):
        raise ConfigError(f"--out {out}: the comparison page is HTML; name the file *.html")
    overrides = parse_overrides(set_ or []) or None
    _compile_engine(console)
    from neijuan.sim.run import simulate

    results = []
    with _progress_bar(console) as bar:
        task = bar.add_task("compare", total=len(scenarios))
        for k, name in enumerate(scenarios):
            bar.update(task, description=f"compare: {name}")
            results.append(simulate(name, workers=workers, periods=periods, seeds=seeds,
                                    overrides=overrides, processes=processes))
            bar.update(task, completed=k + 1)
    print_compare(console, results, lang, group)
    if out is not None:
        from neijuan.report.compare import compare_html

        _write_text(out, compare_html(results, lang))
        console.print(f"wrote {out}", highlight=False)


def print_compare(console: Any, results: list[Any], lang: str, group: str | None) -> None:
    """One table a group: a figure a row, a scenario a column; level, then AI effect [5-95%]."""
    from rich import box
    from rich.table import Table

    from neijuan.report.core import compare_frame
    from neijuan.report.i18n import t
    from neijuan.sim.figures import GROUPS

    frame = compare_frame(results)
    names = [r.scenario.name for r in results]
    first = results[0].scenario
    console.print(f"{' / '.join(names)}: {first.run.workers:,} {t('workers', lang)}, "
                  f"{first.run.periods} {t('periods', lang)}, {len(results[0].seeds)} "
                  f"{t('seeds', lang)}", style="bold", highlight=False)
    for title, figures in GROUPS.items():
        if group and group.lower() not in title.lower():
            continue
        table = Table(title=title, title_justify="left", title_style="bold",
                      box=box.SIMPLE_HEAD, pad_edge=False)
        table.add_column(t("figure", lang), overflow="fold", min_width=14)
        for n in names:
            table.add_column(n, justify="right", overflow="fold")
        for name in figures:
            part = {r["scenario"]: r for r in frame.filter(frame["figure"] == name)
                    .iter_rows(named=True)}
            unit = part[names[0]]["unit"]
            table.add_row(f"{name}\n[dim]{UNIT_SHOWN.get(unit, unit)}[/]",
                          *[compact_cell(part[n]) for n in names])
        console.print(table)
    console.print(f"{t('level', lang)}; {t('ai_effect', lang)} [5%, 95%] = "
                  + t("effect_note", lang), style="dim", highlight=False)


# how a unit is shown under the figure's name: level unit, effect unit
UNIT_SHOWN = {"share": "% · effect pp", "1/yr": "%/yr · effect pp/yr"}


def compact_cell(row: dict[str, Any]) -> str:
    """Level, and below it the AI effect with its 5-95% range, numbers only (the unit is
    under the figure's name), so that three scenarios fit in 80 columns."""
    import math

    scale = 100.0 if row["unit"] in UNIT_SHOWN else 1.0

    def num(v: float | None, sign: bool) -> str:
        if v is None or not math.isfinite(v):
            return "-"
        x = v * scale
        if scale == 1.0:
            return f"{x:+.3g}" if sign else f"{x:.3g}"
        return f"{x:+.2f}" if sign else f"{x:.2f}"

    text = num(row["mean"], False)
    if row["effect"] is not None:
        text += (f"\n{num(row['effect'], True)} [{num(row['effect_lo'], True)},"
                 f"{num(row['effect_hi'], True)}]")
    return text
