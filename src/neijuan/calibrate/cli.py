"""``neijuan sweep``, ``neijuan calibrate``, ``neijuan sensitivity``, ``neijuan claims``.

Thin: parse, call the API of :mod:`neijuan.calibrate`, render with Rich. :func:`register` adds
the commands to the root app (this module never imports the root CLI). Heavy imports happen
inside the commands, so ``neijuan --help`` stays fast.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

console = Console()
err_console = Console(stderr=True)


@contextmanager
def _progress(description: str, disable: bool = False) -> Iterator[Callable[[int, int], None]]:
    """A Rich progress bar with ETA; yields ``tick(done, total)``."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    progress = Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                        TimeElapsedColumn(), TextColumn("ETA"), TimeRemainingColumn(),
                        console=err_console, transient=False, disable=disable)
    with progress:
        task = progress.add_task(description, total=None)

        def tick(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        yield tick


def _ray_option(value: str | None) -> tuple[bool, str | None]:
    """``--ray`` alone: a local cluster; ``--ray ADDRESS``: that cluster."""
    if value is None:
        return False, None
    return True, (None if value in ("", "local") else value)


def _ray_argv_fix() -> None:
    """Let ``--ray`` be given without a value (a local cluster) to this package's commands:
    Click options need a value, so a bare ``--ray`` becomes ``--ray local``."""
    argv = sys.argv
    if len(argv) < 2 or argv[1] not in RAY_COMMANDS:
        return
    for i, arg in enumerate(argv):
        if arg == "--ray" and (i + 1 == len(argv) or argv[i + 1].startswith("-")):
            argv.insert(i + 1, "local")
            return


def sweep(
    file: Annotated[Path, typer.Argument(help="the sweep file (.toml): scenario, seeds, sizes, "
                                              "[grid] or [sample]")],
    out: Annotated[Path, typer.Option("--out", help="results folder (rerun to resume)")],
    processes: Annotated[int | None, typer.Option(help="local worker processes (default: "
                                                       "the number of cores)")] = None,
    ray: Annotated[str | None, typer.Option(
        "--ray", help="run on Ray: '--ray' alone starts a local cluster, '--ray ADDRESS' joins "
                      "one")] = None,
    allow_version_change: Annotated[bool, typer.Option(
        help="complete a folder computed by another code version")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="print the outcome as JSON")] = False,
) -> None:
    """Run a grid or a sample of parameters x seeds into a Parquet dataset; resumable."""
    from neijuan.calibrate.runner import SweepInterrupted
    from neijuan.calibrate.sweep import plan, run_sweep

    use_ray, address = _ray_option(ray)
    the_plan = plan(file)
    try:
        with _progress(f"sweep {file.name}", disable=as_json) as tick:
            stats = run_sweep(the_plan, out, processes=processes, use_ray=use_ray,
                              ray_address=address, progress=tick,
                              allow_version_change=allow_version_change)
    except SweepInterrupted as exc:
        err_console.print(f"[yellow]{exc}[/]")
        raise typer.Exit(130) from None
    outcome = {"out": str(out), "rows": stats.rows_total, "already_stored": stats.rows_before,
               "computed": stats.rows_written, "failures": stats.failures}
    if as_json:
        typer.echo(json.dumps(outcome, indent=2))
    else:
        console.print(f"{out}: {stats.rows_before + stats.rows_written} of {stats.rows_total} "
                      f"rows stored ({stats.rows_written} computed now); read with "
                      f"polars.scan_parquet('{out}/**/*.parquet')", highlight=False)
    if stats.failures:
        for line in stats.failures[:10]:
            err_console.print(f"[red]failed:[/] {line}", highlight=False)
        err_console.print("rerun the same command to compute the missing rows")
        raise typer.Exit(1)


def calibrate(
    out: Annotated[Path, typer.Option("--out", help="folder for the fitted scenario, the fit "
                                                    "report and the stored evaluations")],
    scenario: Annotated[str | None, typer.Option(
        "--scenario", "-s", help="the scenario to fit (default: the config's, ai-baseline)")
    ] = None,
    config: Annotated[Path | None, typer.Option(
        help="a calibration file (default: the shipped fit-ai-baseline.toml)")] = None,
    param: Annotated[list[str] | None, typer.Option(
        "--param", help="fit this parameter in a box: section.key=LOW:HIGH (repeatable; "
                        "replaces the config's [params])")] = None,
    seeds: Annotated[int | None, typer.Option(help="seeds per evaluation")] = None,
    workers: Annotated[int | None, typer.Option(help="run.workers of each evaluation")] = None,
    popsize: Annotated[int | None, typer.Option(help="population per parameter")] = None,
    maxiter: Annotated[int | None, typer.Option(help="generations")] = None,
    processes: Annotated[int | None, typer.Option(help="local worker processes")] = None,
    ray: Annotated[str | None, typer.Option(
        "--ray", help="evaluate on Ray: '--ray' alone (local cluster) or '--ray ADDRESS'")
    ] = None,
    allow_version_change: Annotated[bool, typer.Option(
        help="reuse evaluations stored by another code version")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="print the report as JSON")] = False,
) -> None:
    """Fit a scenario's parameters to the published figures (simulated method of moments)."""
    import dataclasses

    from neijuan.calibrate.runner import SweepInterrupted
    from neijuan.calibrate.smm import calibrate as run_calibration
    from neijuan.calibrate.smm import load_config, parse_param

    cfg = load_config(config, {"scenario": scenario, "seeds": seeds, "workers": workers,
                               "popsize": popsize, "maxiter": maxiter})
    if param:
        cfg = dataclasses.replace(cfg, params=tuple(parse_param(p) for p in param))
    use_ray, address = _ray_option(ray)
    try:
        with _progress(f"calibrating {cfg.scenario}", disable=as_json) as tick:
            cal = run_calibration(cfg, out, processes=processes, use_ray=use_ray,
                                  ray_address=address, progress=tick,
                                  allow_version_change=allow_version_change)
    except SweepInterrupted as exc:
        err_console.print(f"[yellow]{exc}[/]")
        raise typer.Exit(130) from None
    if as_json:
        typer.echo(json.dumps(cal.to_dict(), indent=2, default=str))
        return
    _print_calibration(cal, out)


def _num(v: Any) -> str:
    return "-" if v is None else f"{v:.4g}"


def _print_calibration(cal: Any, out: Path) -> None:
    from rich.table import Table

    table = Table(title=f"fitted parameters ({cal.evaluations} evaluations, distance "
                        f"{cal.objective:.3g})", title_justify="left")
    for col in ("parameter", "value", "90% interval", "box", "note"):
        table.add_column(col, justify="left" if col in ("parameter", "note") else "right")
    for p in cal.params:
        note = "not identified" if not p["identified"] else ("at the box's edge"
                                                             if p["at_bound"] else "")
        table.add_row(p["key"], _num(p["value"]), f"{_num(p['lo'])} .. {_num(p['hi'])}",
                      f"{p['box'][0]:.3g} .. {p['box'][1]:.3g}", note)
    console.print(table)
    _print_targets(cal.report, "fit report (published figures real where the source is "
                               "nominal)")
    console.print(f"wrote {out}/fitted-{cal.config.scenario}.toml and {out}/fit-report.json",
                  highlight=False)


def _print_targets(rows: list[dict[str, Any]], title: str) -> None:
    """Readable at 80 columns, like ``simulate --fit``: one line per compared number."""
    from rich import box
    from rich.table import Table

    table = Table(title=title, title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False,
                  padding=(0, 0, 0, 1))
    table.add_column("target", no_wrap=True)
    for col in ("publ.", "fitted", "5-95%", "tol.", "met"):
        table.add_column(col, no_wrap=True, justify="right")
    for r in rows:
        sim = r["simulated"]
        mark = ("[green]yes[/]" if r["within"] else "[red]no[/]") + ("*" if r["in_fit"] else "")
        table.add_row(r["name"], _num3(r["published"]), _num3(sim["mean"]),
                      f"{_num3(sim['lo'])}..{_num3(sim['hi'])}", f"{r['tolerance']:g}", mark)
    console.print(table)
    console.print("met: |fitted - published| <= tolerance; *: in the fit, the others are "
                  "out-of-sample checks", style="dim")


def _num3(v: Any) -> str:
    return "-" if v is None else f"{v:.3f}"


def sensitivity(
    file: Annotated[Path | None, typer.Argument(
        help="a sweep file with [sample] ranges (default: 8 unmeasured parameters of "
             "ai-baseline, 128 points x 4 seeds)")] = None,
    out: Annotated[Path, typer.Option("--out", help="folder for the design rows and the "
                                                    "indices (rerun to resume)")
                   ] = Path("sensitivity-out"),
    figure: Annotated[list[str] | None, typer.Option(
        "--figure", help="a run figure or effect_<figure> (repeatable; default: the headline "
                         "figures and their AI effects)")] = None,
    n_base: Annotated[int, typer.Option(help="Saltelli base sample on the metamodel")] = 1024,
    bootstrap: Annotated[int, typer.Option(help="metamodel refits for the intervals")] = 10,
    processes: Annotated[int | None, typer.Option(help="local worker processes")] = None,
    ray: Annotated[str | None, typer.Option(
        "--ray", help="run the design on Ray: '--ray' alone (local cluster) or '--ray ADDRESS'")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print the indices as JSON")] = False,
) -> None:
    """Sobol indices (first order and total, 95% intervals) of the model's figures."""
    from neijuan.calibrate.runner import SweepInterrupted
    from neijuan.calibrate.sensitivity import run_sensitivity

    use_ray, address = _ray_option(ray)
    try:
        with _progress("sensitivity design", disable=as_json) as tick:
            table = run_sensitivity(file, out, figures=figure, n_base=n_base,
                                    bootstrap=bootstrap, processes=processes, use_ray=use_ray,
                                    ray_address=address, progress=tick)
    except SweepInterrupted as exc:
        err_console.print(f"[yellow]{exc}[/]")
        raise typer.Exit(130) from None
    if as_json:
        typer.echo(json.dumps(table.to_dicts(), indent=2))
        return
    _print_sensitivity(table)
    console.print(f"wrote {out}/sensitivity.parquet and {out}/sensitivity.json", highlight=False)


def _print_sensitivity(table: Any) -> None:
    from rich.table import Table

    for fig in table["figure"].unique(maintain_order=True).to_list():
        part = table.filter(table["figure"] == fig)
        first = part.row(0, named=True)
        q2 = first["q2"]
        title = (f"{fig}: metamodel Q2 {q2:.2f}, seed noise {first['noise_share']:.0%} of "
                 "variance" if q2 is not None else f"{fig}: {first['note']}")
        t = Table(title=title, title_justify="left")
        for col in ("parameter", "first order S1", "95%", "total ST", "95% "):
            t.add_column(col, justify="left" if col == "parameter" else "right")
        for r in part.sort("ST", descending=True, nulls_last=True).iter_rows(named=True):
            if r["S1"] is None:
                continue
            t.add_row(r["parameter"], f"{r['S1']:.2f}", f"{r['S1_lo']:.2f} .. {r['S1_hi']:.2f}",
                      f"{r['ST']:.2f}", f"{r['ST_lo']:.2f} .. {r['ST_hi']:.2f}")
        console.print(t)
        if first["note"]:
            console.print(f"[yellow]{first['note']}[/]")


def claims(
    lang: Annotated[str, typer.Option("--lang", help="zh or en")] = "en",
    as_json: Annotated[bool, typer.Option("--json", help="print the claims as JSON")] = False,
    scenario: Annotated[str, typer.Option("--scenario", "-s",
                                          help="the scenario the model values come from")
                        ] = "ai-baseline",
    workers: Annotated[int, typer.Option(help="run.workers of the model run")] = 5000,
    seeds: Annotated[int, typer.Option(help="seeds of the model run")] = 4,
    no_model: Annotated[bool, typer.Option("--no-model", help="skip the model run")] = False,
    no_atlas: Annotated[bool, typer.Option("--no-atlas", help="skip the atlas")] = False,
    data_dir: Annotated[Path | None, typer.Option(
        help="data folder for the atlas (default: NEIJUAN_DATA_DIR or ../shared/data)")] = None,
) -> None:
    """The essay's quantitative claims: its number, the source's, the verdict, atlas and model."""
    from neijuan.calibrate.claims import check_claims, run_for_claims
    from neijuan.errors import ConfigError

    if lang not in ("zh", "en"):
        raise ConfigError(f"--lang {lang!r}: choose zh or en")
    result = None
    if not no_model:
        with _progress(f"simulating {scenario}", disable=as_json) as tick:
            result = run_for_claims(scenario, workers=workers, seeds=seeds, progress=tick)
    rows = check_claims(result, atlas=not no_atlas, data_dir=data_dir)
    data = [r.to_dict(lang) for r in rows]
    if as_json:
        typer.echo(json.dumps({"claims": data}, indent=2, ensure_ascii=False))
        return
    _print_claims(data, lang)


_HEAD = {
    "en": ("claim", "essay", "source", "verdict", "atlas", "model (5-95%)", "why"),
    "zh": ("论断", "文中数字", "出处数字", "判定", "数据重算", "模型（5-95%）", "说明"),
}


def _fig(v: Any) -> str:
    if v is None:
        return "-"
    if isinstance(v, list):
        return " .. ".join(f"{x:.3g}" for x in v)
    return f"{v:.3g}"


def _print_claims(data: list[dict[str, Any]], lang: str) -> None:
    from rich.table import Table

    colour = {"matches": "green", "roughly": "yellow", "misstated": "red", "not found": "red"}
    t = Table(title="内卷与失衡: the essay's claims" if lang == "en" else "《内卷与失衡》中的数字",
              title_justify="left", show_lines=True)
    for i, col in enumerate(_HEAD[lang]):
        t.add_column(col, overflow="fold", justify="left" if i in (0, 6) else "right",
                     ratio=3 if i in (0, 6) else 1)
    for d in data:
        model = d["model"]
        model_text = ("-" if not model or model["mean"] is None else
                      f"{model['mean']:.3g}\n({model['lo']:.3g} .. {model['hi']:.3g})")
        atlas_text = "-" if not d["atlas"] or d["atlas"]["value"] is None else \
            f"{d['atlas']['value']:.3g}"
        text = d["essay"] if lang == "zh" else d["essay_en"]
        t.add_row(f"{text}\n[dim]{d['attributed_to']}[/]", _fig(d["essay_figure"]),
                  _fig(d["source_figure"]),
                  f"[{colour[d['verdict']]}]{d['verdict_label']}[/]", atlas_text, model_text,
                  d["reason"])
    console.print(t)


COMMANDS: list[Callable[..., None]] = [sweep, calibrate, sensitivity, claims]
RAY_COMMANDS = ("sweep", "calibrate", "sensitivity")


def register(app: typer.Typer) -> None:
    """Add this package's commands to the root app."""
    _ray_argv_fix()
    for command in COMMANDS:
        app.command()(command)
