"""``neijuan audit FILE``, ``neijuan audit synth --out FILE`` and ``neijuan assess "..."``.

Thin: parses, calls :mod:`neijuan.agency.audit` / :mod:`~neijuan.agency.synth` /
:mod:`~neijuan.agency.assess`, renders with Rich. Heavy imports happen inside the commands so that
registering them costs the root CLI nothing.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Annotated, Any

import click
import typer
from typer.core import TyperGroup


class _DefaultToFile(TyperGroup):
    """A group whose first argument may be a file: ``audit log.csv`` runs ``audit file log.csv``
    while ``audit synth ...`` still reaches the ``synth`` subcommand."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and args[0] not in ("--help", "-h"):
            args = ["file", *args]
        return super().parse_args(ctx, args)


app = typer.Typer(cls=_DefaultToFile, no_args_is_help=True,
                  help="Audit a log of human-AI decisions: who originates, who reviews, who takes "
                       "the blame and who the credit (neijuan audit FILE; neijuan audit synth).")

AsJson = Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")]


def _console() -> Any:
    from rich.console import Console

    return Console()


def _fmt(v: Any, pct: bool = True) -> str:
    if v is None or (isinstance(v, float) and not math.isfinite(v)):
        return "-"
    return f"{100 * v:.1f}%" if pct else f"{v:.3f}"


@app.command("file", help="Audit a decision log (CSV, JSONL or Parquet). The same as "
                          "'neijuan audit FILE'.")
def audit_file(
    path: Annotated[Path, typer.Argument(help="The log: .csv, .jsonl or .parquet "
                                              "(schema: docs/agency.md).")],
    fmt: Annotated[str | None, typer.Option("--format", help="csv, jsonl or parquet "
                                                             "(default: by suffix).")] = None,
    stamp_seconds: Annotated[float, typer.Option(
        "--stamp-seconds", help="An AI proposal accepted unchanged faster than this is a "
                                "rubber stamp.")] = 10.0,
    period: Annotated[str, typer.Option("--period", help="week, month, quarter or year.")]
    = "month",
    by: Annotated[str, typer.Option("--by", help="Table to print: person, team or period.")]
    = "person",
    out: Annotated[Path | None, typer.Option(
        "--out", help="Folder for figures.parquet, rejected.parquet, summary.json, plots.html.")]
    = None,
    as_json: AsJson = False,
) -> None:
    """Audit a decision log."""
    from neijuan.agency.audit import audit, write_outputs
    from neijuan.errors import ConfigError

    if by not in ("person", "team", "period"):
        raise ConfigError(f"--by must be person, team or period, not {by!r}")
    result = audit(path, fmt=fmt, stamp_seconds=stamp_seconds, period=period)
    written = write_outputs(result, out) if out is not None else []
    if as_json:
        typer.echo(json.dumps(result.to_dict(), ensure_ascii=False, indent=2, default=str))
        return
    _render(result, by)
    for p in written:
        _console().print(f"wrote {p}", highlight=False)


def _render(result: Any, by: str) -> None:
    import polars as pl
    from rich.table import Table

    from neijuan.agency.metrics import FIGURES

    con = _console()
    con.print(f"rows in {result.rows_in:,} = used {result.rows_used:,} + rejected "
              f"{result.rows_rejected:,}", highlight=False)
    if result.rows_rejected:
        reasons = result.rejected.group_by("reason").len().sort("len", descending=True).head(5)
        for r in reasons.iter_rows(named=True):
            con.print(f"  rejected {r['len']:,}: {r['reason']}", highlight=False)
    f = result.figures
    overall = Table(title="all decisions (95% interval)")
    for c in ("figure", "value", "interval", "n", "meaning"):
        overall.add_column(c, justify="right" if c in ("value", "n") else "left",
                           overflow="fold")
    pct = {k: k not in ("edit_depth",) for k in FIGURES}
    for r in f.filter(pl.col("scope") == "all").iter_rows(named=True):
        overall.add_row(r["figure"], _fmt(r["value"], pct[r["figure"]]),
                        f"{_fmt(r['lo'], pct[r['figure']])} - {_fmt(r['hi'], pct[r['figure']])}",
                        f"{r['n']:,}", FIGURES[r["figure"]])
    con.print(overall)
    short = {"origination_share": "orig", "override_rate": "overr", "rubber_stamp_rate": "stamp",
             "automation_bias": "bias", "blame_share": "blame", "credit_share": "credit",
             "blame_authority_gap": "gap", "credit_asymmetry": "asym"}
    wide = (f.filter(pl.col("scope") == by).filter(pl.col("figure").is_in(list(short)))
            .pivot(on="figure", index=["group", "decisions"], values="value")
            .sort("group"))
    t = Table(title=f"by {by} (blame-authority gap = blame share - origination share)")
    t.add_column(by)
    t.add_column("decisions", justify="right")
    for s in short.values():
        t.add_column(s, justify="right")
    for r in wide.head(60).iter_rows(named=True):
        t.add_row(str(r["group"]), f"{r['decisions']:,}", *[_fmt(r.get(n)) for n in short])
    con.print(t)
    if wide.height > 60:
        con.print(f"({wide.height - 60} more; --json or --out for all)")


@app.command("synth")
def synth(
    out: Annotated[Path, typer.Option("--out", help="Output log: .csv, .jsonl or .parquet.")],
    rows: Annotated[int, typer.Option("--rows", min=1, max=100_000_000)] = 100_000,
    scenario: Annotated[str, typer.Option("--scenario", help="Scenario name or TOML file.")]
    = "ai-baseline",
    people: Annotated[int, typer.Option("--people", min=1)] = 200,
    teams: Annotated[int, typer.Option("--teams", min=1)] = 12,
    seed: Annotated[int, typer.Option("--seed", min=0)] = 0,
    workers: Annotated[int, typer.Option(
        "--workers", min=100, help="Workers in the simulator run that sets the parameters.")]
    = 4000,
) -> None:
    """Write a realistic synthetic decision log whose parameters come from a short simulator run
    of the scenario (AI failure rate, liability rule, review burden, AI origination by occupation)."""
    from neijuan.agency.synth import simulator_parameters, synth_log, write_log

    params = simulator_parameters(scenario, seed=seed, workers=workers)
    frame = synth_log(params, rows, people=people, teams=teams, seed=seed)
    write_log(frame, out)
    _console().print(f"wrote {frame.height:,} decisions to {out} (scenario {params.scenario}: "
                     f"AI failure rate {params.ai_failure_rate:.1%}, liability rule "
                     f"{params.liability_rule}, review burden {params.review_burden:g}); try "
                     f"'neijuan audit {out}'", highlight=False)


def assess(
    text: Annotated[str | None, typer.Argument(
        help="A description of your job, in Chinese or English.")] = None,
    file: Annotated[Path | None, typer.Option("--file", help="Read the description from a file.")]
    = None,
    top: Annotated[int, typer.Option("--top", "-n", min=1, max=20)] = 5,
    data_dir: Annotated[Path | None, typer.Option("--data-dir", help="Data folder.")] = None,
    save: Annotated[Path | None, typer.Option(
        "--save", help="Also write the answer (and the text) to this JSON file.")] = None,
    prepare: Annotated[bool, typer.Option(
        "--prepare", help="Load the model now (first run for a data and model version: embeds "
                          "every occupation and task statement, minutes) and say what it did.")]
    = False,
    as_json: AsJson = False,
) -> None:
    """Retained or needed? Match a job description to O*NET occupations and tasks, with each
    task's exposure, automation vs augmentation and human role, and your 'needed' profile now and
    along the ai-baseline path. The text is never stored unless --save is given. The first run
    for a data and model version embeds the atlas (minutes, with a progress bar; resumable);
    after that every answer takes under a second."""
    from neijuan.agency.assess import assess as run_assess
    from neijuan.agency.assess import clean_description, load_assessor
    from neijuan.agency.assess_view import render
    from neijuan.errors import ConfigError

    given = (text is not None) + (file is not None)
    if given > 1 or (given == 0 and not prepare):
        raise ConfigError("give the description as an argument or with --file, not both")
    if file is not None:
        if not file.is_file():
            raise ConfigError(f"--file {file}: no such file")
        text = file.read_text(encoding="utf-8")
    if text is not None:
        clean_description(text)  # a bad description is refused before the model loads
    # Load the model first (the first run for a data and model version embeds every occupation
    # and task statement, with a progress bar on stderr so that --json stays clean).
    with _BuildProgress() as bar:
        model = load_assessor(data_dir, progress=bar)
    if prepare:
        _console().print("; ".join(f"{r.kind}: {r.rows:,} vectors {r.status} in {r.seconds:.1f} s"
                                   for r in model.reports), highlight=False)
    if text is None:
        return
    answer = run_assess(text, top=top, model=model)
    if save is not None:
        from neijuan.atomic import write_json

        write_json(save, {"text": text, **answer})
    if as_json:
        typer.echo(json.dumps(answer, ensure_ascii=False, indent=2, default=str))
        return
    render(_console(), answer)


class _BuildProgress:
    """A Rich progress bar on stderr that appears only if vectors have to be computed."""

    def __init__(self) -> None:
        self._bar: Any = None
        self._tasks: dict[str, Any] = {}

    def __enter__(self) -> _BuildProgress:
        return self

    def __call__(self, what: str, done: int, total: int) -> None:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        if self._bar is None:
            Console(stderr=True).print(
                "first run for this data and model version: embedding every occupation and task "
                "statement of the atlas (one-off, minutes; if stopped, it resumes where it "
                "stopped). Later answers take under a second.")
            self._bar = Progress(TextColumn("{task.description}"), BarColumn(),
                                 MofNCompleteColumn(), TimeElapsedColumn(), TimeRemainingColumn(),
                                 console=Console(stderr=True), transient=True)
            self._bar.start()
        if what not in self._tasks:
            self._tasks[what] = self._bar.add_task(f"embedding {what}", total=total)
        self._bar.update(self._tasks[what], completed=done, total=total)

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.stop()
