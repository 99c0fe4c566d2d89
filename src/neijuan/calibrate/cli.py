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


COMMANDS: list[Callable[..., None]] = [sweep]
RAY_COMMANDS = ("sweep", "calibrate", "sensitivity")


def register(app: typer.Typer) -> None:
    """Add this package's commands to the root app."""
    _ray_argv_fix()
    for command in COMMANDS:
        app.command()(command)
