"""``neijuan data fetch|status``: get the public data, and see what is there."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

app = typer.Typer(help="The public data: fetch the registry's files, show what is present.",
                  no_args_is_help=True)
console = Console()

DataDir = Annotated[Path | None, typer.Option(
    "--data-dir", help="Data folder (default: $NEIJUAN_DATA_DIR, then ../shared/data, then the "
                       "fetch cache).")]


@app.command()
def status(data_dir: DataDir = None,
           quick: Annotated[bool, typer.Option(
               "--quick", help="Compare sizes only; skip the SHA-256 of each file.")] = False,
           as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False) -> None:
    """Show each registry file: present or missing, checksum, source version."""
    from neijuan.data.registry import load_registry
    from neijuan.data.status import data_status

    folder, rows = data_status(data_dir, verify=not quick)
    if as_json:
        typer.echo(json.dumps({"data_dir": str(folder), "files": [r.__dict__ for r in rows]},
                              indent=2))
        return
    registry = load_registry()
    table = Table(title=f"data folder: {folder}", show_lines=False)
    for col in ("source", "version", "file", "state", "size", "sha256"):
        table.add_column(col, overflow="fold")
    colour = {"ok": "green", "present": "green", "missing": "red", "mismatch": "yellow"}
    for r in rows:
        table.add_row(r.source, r.version, r.path.split("/", 1)[-1],
                      f"[{colour[r.state]}]{r.state}[/]", f"{r.size:,}" if r.size else "",
                      (r.sha256 or r.expected_sha256)[:12])
    console.print(table)
    counts = {s: sum(r.state == s for r in rows) for s in ("ok", "present", "mismatch", "missing")}
    console.print(", ".join(f"{v} {k}" for k, v in counts.items() if v)
                  + f" of {len(rows)} files in {len(registry.sources)} sources")


@app.command()
def fetch(data_dir: DataDir = None,
          source: Annotated[list[str] | None, typer.Option(
              "--source", "-s", help="Only this source id (repeatable); see 'data sources'.")] = None,
          force: Annotated[bool, typer.Option("--force", help="Download even files already "
                                              "present with the right checksum.")] = False,
          mirror: Annotated[str | None, typer.Option(
              "--mirror", help="Base URL of a mirror that serves <host>/<path> of the registry "
                               "URLs.")] = None) -> None:
    """Download the registry's files into the data folder, verifying every SHA-256."""
    from rich.progress import Progress

    from neijuan.data.fetch import fetch as do_fetch
    from neijuan.data.fetch import fetch_target

    target = fetch_target(data_dir)
    with Progress(console=console, transient=True) as bar:
        task = bar.add_task("fetching", total=None)

        def step(path: str, i: int, n: int) -> None:
            bar.update(task, total=n, completed=i, description=path)

        results = do_fetch(data_dir, sources=source or (), force=force, mirror=mirror,
                           progress=step)
    done = sum(r.status == "downloaded" for r in results)
    kept = sum(r.status == "present" for r in results)
    console.print(f"{done} downloaded, {kept} already present and verified, into {target}")


@app.command()
def sources(as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False) -> None:
    """List the registry's sources: publisher, version, licence, citation, official page."""
    from neijuan.data.registry import load_registry

    reg = load_registry()
    if as_json:
        typer.echo(json.dumps({k: {**v.__dict__, "files": [f.path for f in reg.files_of(k)]}
                               for k, v in reg.sources.items()}, indent=2, default=str))
        return
    table = Table(show_lines=True)
    for col in ("id", "name / version", "codes", "licence", "official page"):
        table.add_column(col, overflow="fold")
    for s in reg.sources.values():
        table.add_row(s.id, f"{s.name}\n{s.version}", s.code_system, s.licence, s.official_url)
    console.print(table)
