"""The ``neijuan`` command: thin; parses, calls the API, renders with Rich.

Capabilities live in subpackages; each that has commands exposes a Typer ``app`` in its ``cli``
module (``neijuan.atlas.cli:app`` becomes ``neijuan atlas ...``). They are listed here once.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys

import typer
from rich.console import Console
from rich.markup import escape

from neijuan.errors import NeijuanError

app = typer.Typer(
    name="neijuan",
    help="neijuan (内卷): simulate and measure how AI reshapes work.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
console = Console()
err_console = Console(stderr=True)



def _version(value: bool) -> None:
    if value:
        from neijuan.provenance import code_version

        console.print(f"neijuan {code_version()}", highlight=False)
        raise typer.Exit()


@app.callback()
def _root(version: bool = typer.Option(False, "--version", is_eager=True, callback=_version,
                                       help="print the version and exit")) -> None:
    """neijuan (内卷): simulate and measure how AI reshapes work."""


# Subcommand groups: name -> module exposing a Typer ``app``. Listed explicitly (no magic scan).
SUBCOMMANDS: dict[str, str] = {
    "data": "neijuan.data.cli",
    "atlas": "neijuan.atlas.cli",
    "ads": "neijuan.ads.cli",
    "audit": "neijuan.agency.cli",
}
# Top-level commands defined in a subpackage: name -> "module:function".
COMMANDS: dict[str, str] = {"assess": "neijuan.agency.cli:assess",
                            "report": "neijuan.report.cli:report",
                            "compare": "neijuan.report.cli:compare",
                            "serve": "neijuan.web.cli:serve"}

for _name, _module in SUBCOMMANDS.items():
    # A group whose module is not written yet is simply absent; an import error in one that exists
    # is a bug and propagates.
    if importlib.util.find_spec(_module) is not None:
        app.add_typer(importlib.import_module(_module).app, name=_name)

for _name, _target in COMMANDS.items():
    _mod, _fn = _target.split(":")
    app.command(_name)(getattr(importlib.import_module(_mod), _fn))

# The simulator's own commands register themselves on ``app``.
importlib.import_module("neijuan.sim.cli")


def main() -> None:
    """Entry point: run the app; a user error becomes a one-line message and exit status 2."""
    try:
        app()
    except NeijuanError as exc:
        err_console.print(f"[bold red]error:[/] {escape(str(exc))}", highlight=False,
                          soft_wrap=True)
        sys.exit(2)
