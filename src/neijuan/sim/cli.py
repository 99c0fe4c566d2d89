"""The simulator's commands (``neijuan simulate``, ``neijuan scenarios``), registered on the app."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from neijuan.cli import app, console


def _format(value: float, unit: str, effect: bool = False) -> str:
    """A figure in its unit; an effect (a difference) signed, in percentage points."""
    sign = "+" if effect or unit == "1/yr" else ""
    if unit == "share":
        return f"{100 * value:{sign}.1f}{'pp' if effect else '%'}"
    if unit == "1/yr":
        return f"{100 * value:+.2f}{'pp' if effect else '%'}/yr"
    return f"{value:{sign}.3g}"


def _processes(text: str) -> int | None:
    """``--processes``: a count >= 1, or ``auto`` (None: one per core, at most one per seed)."""
    if text.strip().lower() == "auto":
        return None
    try:
        value = int(text)
    except ValueError:
        raise typer.BadParameter(f"{text!r} is not a number >= 1 or 'auto'") from None
    if value < 1:
        raise typer.BadParameter(f"{value} is not allowed: a number >= 1, or 'auto'")
    return value


@app.command()
def scenarios(
    show: Annotated[str | None,
                    typer.Option("--show", help="print a scenario's TOML to copy")] = None,
    resolved: Annotated[bool, typer.Option(
        "--resolved", help="with --show: every parameter (defaults and inherited ones too), "
                           "with its meaning, unit and range")] = False,
) -> None:
    """List the shipped scenarios, one line each (or print one with --show NAME)."""
    from neijuan.config import list_scenarios, load_scenario, scenario_text
    from neijuan.ux import check_scenario_name, resolved_toml

    if show:
        check_scenario_name(show)
        text = resolved_toml(load_scenario(show)) if resolved else scenario_text(show)
        console.print(text, markup=False, highlight=False, soft_wrap=True)
        return
    for name, description in list_scenarios().items():
        console.print(f"[bold]{name:<18}[/] {description}", highlight=False)


@app.command()
def simulate(
    scenario: Annotated[str, typer.Option("--scenario", "-s",
                                          help="a shipped scenario name or a .toml path")
                        ] = "ai-baseline",
    workers: Annotated[int | None, typer.Option(help="initial labour force (run.workers)")] = None,
    periods: Annotated[int | None, typer.Option(help="measured quarters (run.periods)")] = None,
    seeds: Annotated[int | None, typer.Option(help="Monte Carlo replications (run.seeds)")] = None,
    set_: Annotated[list[str] | None, typer.Option(
        "--set", help="override a parameter: section.key=value (repeatable)")] = None,
    out: Annotated[Path | None, typer.Option(help="write series.parquet, occupations.parquet, "
                                                  "simulation.json and a manifest into this "
                                                  "folder (whole or not at all)")] = None,
    overwrite: Annotated[bool, typer.Option(
        help="let --out replace a folder neijuan did not write (or another command's)")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="print the summary as JSON")] = False,
    fit: Annotated[bool, typer.Option(
        "--fit", help="also print the published figures beside their simulated values")] = False,
    processes: Annotated[int | None, typer.Option(
        parser=lambda text: _processes(text), metavar="N|auto",
        help="parallel processes for seeds: a number >= 1, or auto (one per core)")] = None,
    no_twin: Annotated[bool, typer.Option(
        "--no-twin", help="skip the no-AI twin run (faster; no AI effects)")] = False,
    lang: Annotated[str, typer.Option("--lang", help="en or zh: the tables' titles")] = "en",
    economy: Annotated[str | None, typer.Option(
        help="builtin, onet (built from the atlas), or a path to an economy .toml")] = None,
    data_dir: Annotated[Path | None, typer.Option(
        help="data folder for --economy onet (default: NEIJUAN_DATA_DIR or ../shared/data)")
    ] = None,
    occupations: Annotated[int | None, typer.Option(
        help="--economy onet: keep the N largest occupations")] = None,
    exposure_index: Annotated[str | None, typer.Option(
        help="--economy onet: the index that sets task AI thresholds")] = None,
    shards: Annotated[int, typer.Option(
        min=1, help="spread each run's rows over N Ray actors exchanging per-occupation "
                    "aggregates (same figures as 1; needs N x 262,144 rows)")] = 1,
    ray_address: Annotated[str | None, typer.Option(
        "--ray", help="with --shards: the Ray cluster's address (default: a local one)")] = None,
) -> None:
    """Run a scenario and print its figures (mean and 5-95% range over seeds)."""
    from rich.progress import Progress

    from neijuan.report.i18n import check_lang
    from neijuan.ux import check_scenario_name, compile_engine_with_progress, progress_columns

    check_lang(lang)
    check_scenario_name(scenario)
    if out is not None:  # refuse a bad folder before any work
        from neijuan.atomic import check_out_dir

        check_out_dir(out, kind="simulation", overwrite=overwrite)
    overrides: dict[str, object] = {}
    if economy is not None:
        if economy in ("builtin", "onet"):
            overrides["economy.name"] = economy
        else:
            overrides["economy.path"] = economy
    if data_dir is not None:
        overrides["economy.data_dir"] = str(data_dir)
    if occupations is not None:
        overrides["economy.occupations"] = occupations
    if exposure_index is not None:
        overrides["economy.exposure_index"] = exposure_index
    from neijuan.config import parse_overrides

    overrides.update(parse_overrides(set_ or []))
    from neijuan.config import load_scenario

    # a bad scenario or value is reported now, before the engine (Numba) is imported
    sizes = {f"run.{k}": v for k, v in (("workers", workers), ("periods", periods),
                                        ("seeds", seeds)) if v is not None}
    load_scenario(scenario, {**overrides, **sizes})
    compile_engine_with_progress(console, show=not as_json)
    from neijuan.sim.run import simulate as run_simulation

    progress = Progress(*progress_columns(), console=console, transient=True, disable=as_json)
    with progress:
        task = progress.add_task(f"simulating {scenario}", total=None)

        def tick(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        result = run_simulation(scenario, workers=workers, periods=periods, seeds=seeds,
                                overrides=overrides or None, processes=processes,
                                progress=tick, twin=not no_twin, shards=shards,
                                ray_address=ray_address)
    if out is not None:
        written = result.write(out, overwrite=overwrite)
        if not as_json:
            console.print(f"wrote {', '.join(str(p) for p in written)}")
    if as_json:
        data = result.to_dict()
        if fit:
            from neijuan.calibrate.fit import fit_report

            data["targets"] = fit_report(result)
        typer.echo(json.dumps(data, indent=2, default=str))
        return
    _print_summary(result, lang)
    if fit:
        _print_fit(result)


def _print_summary(result: Any, lang: str = "en") -> None:
    from rich import box
    from rich.table import Table

    from neijuan.report.i18n import GROUP_ZH, t
    from neijuan.sim.figures import GROUPS

    sc = result.scenario
    title = (f"{sc.name}: {sc.run.workers:,} workers, {sc.run.periods} quarters from "
             f"{sc.run.start_year} (after {sc.run.burn_in} burn-in), {len(result.seeds)} seed(s)")
    several = len(result.seeds) > 1
    twin = result.twin is not None
    width = console.width
    level_range = several and (width >= 110 or not twin)
    # the meaning column only where it fits beside the numbers (docs/model.md has them all)
    meaning = width >= 100 + 30 * twin + 20 * several
    rows = {row["figure"]: row for row in result.summary().iter_rows(named=True)}
    effects = ({row["figure"]: row for row in result.effects().iter_rows(named=True)}
               if twin else {})
    console.print(title, style="bold", highlight=False)
    for group, names in GROUPS.items():
        # one table a group, the group as its title: long titles do not widen the columns
        table = Table(title=GROUP_ZH.get(group, group) if lang == "zh" else group,
                      title_justify="left", title_style="bold", box=box.SIMPLE_HEAD,
                      pad_edge=False)
        table.add_column(t("figure", lang), no_wrap=True)
        table.add_column(t("level", lang), justify="right", no_wrap=True)
        if level_range:
            table.add_column("5-95%", justify="right", no_wrap=True)
        if twin:
            table.add_column(t("ai_effect", lang), justify="right", no_wrap=True)
            if several:
                table.add_column("5-95%", justify="right", no_wrap=True)
        if meaning:
            table.add_column("meaning", overflow="fold")
        for name in names:
            row = rows[name]
            unit = row["unit"]
            cells = [name, _format(row["mean"], unit)]
            if level_range:
                cells.append(f"{_format(row['lo'], unit)}..{_format(row['hi'], unit)}")
            if twin:
                eff = effects[name]
                cells.append(_format(eff["mean"], unit, effect=True))
                if several:
                    cells.append(f"{_format(eff['lo'], unit, effect=True)}.."
                                 f"{_format(eff['hi'], unit, effect=True)}")
            if meaning:
                cells.append(row["description"])
            table.add_row(*cells)
        console.print(table)
    drift = result.burn_in_drift()
    off = [name for name, d in drift.items() if not d["within"]]
    console.print(
        "AI effect = this run minus its no-AI twin (same seeds, ai.enabled = false)"
        if twin else "no AI effects: AI is off in this scenario, or --no-twin", style="dim")
    console.print(
        "burn-in: stationary (every headline figure's drift over its last 4 years within "
        "tolerance)" if not off else
        f"burn-in: NOT stationary for {', '.join(off)} (lengthen run.burn_in; --json shows "
        "the drifts)", style="dim" if not off else "yellow")
    console.print(f"version {result.provenance['code_version']}; seeds {result.seeds}; "
                  "--json for all digits, --out DIR for the series", style="dim")


def _print_fit(result: Any) -> None:
    """The fit table, readable at 80 columns: numbers in the table, sources listed below it."""
    from rich import box
    from rich.table import Table

    from neijuan.targets import fit_report

    table = Table(title="published figures and the model (neijuan/targets/published.toml)",
                  title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False,
                  padding=(0, 0, 0, 1))
    table.add_column("target", no_wrap=True)
    for column in ("years", "publ.", "model", "5-95%", "met"):
        table.add_column(column, no_wrap=True, justify="right")
    sources: list[str] = []
    for row in fit_report(result).iter_rows(named=True):
        if row["source"] not in sources:
            sources.append(row["source"])
        first, _, last = str(row["window"]).partition("-")
        years = (first if first == last else f"{first[2:]}-{last[2:]}") if last else first
        mark = ("yes" if row["within"] else "no") + ("*" if row["in_fit"] else "")
        table.add_row(row["target"], years, f"{row['published']:.3f}", f"{row['simulated']:.3f}",
                      f"{row['lo']:.3f}..{row['hi']:.3f}", mark)
    console.print(table)
    console.print("met: |model - published| <= the target's tolerance (--json gives it); "
                  "*: in the calibration, the others are out-of-sample checks", style="dim")
    for source in sources:
        console.print(f"source: {source}", style="dim")
