"""The ``neijuan`` command: thin; parses, calls the API, renders with Rich.

Capabilities live in subpackages; each that has commands exposes a Typer ``app`` in its ``cli``
module (``neijuan.atlas.cli:app`` becomes ``neijuan atlas ...``). They are listed here once.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import sys

import typer
from rich.console import Console
from rich.markup import escape

from neijuan.errors import NeijuanError, is_interrupt

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
# sweep, calibrate, sensitivity, claims
importlib.import_module("neijuan.calibrate.cli").register(app)


_DEBUG_ENV = "NEIJUAN_DEBUG"
_state = {"debug": False}


@app.callback()
def _root(
    version: bool = typer.Option(False, "--version", is_eager=True, callback=_version,
                                 help="print the version and exit"),
    debug: bool = typer.Option(False, "--debug", help="Show the full traceback of an error."),
    allow_modified_data: bool = typer.Option(
        False, "--allow-modified-data",
        help="Use data files that differ from the registry's checksums; every result says so "
             "(also: NEIJUAN_ALLOW_MODIFIED_DATA=1)."),
) -> None:
    """neijuan (内卷): simulate and measure how AI reshapes work."""
    from neijuan.data.verify import set_allow_modified

    _state["debug"] = debug or _state["debug"]
    set_allow_modified(True if allow_modified_data else None)


def _describe(exc: BaseException) -> tuple[str, int]:
    """One line for an expected failure and its exit status; ('', 0) for a bug."""
    import tomllib
    import zipfile

    name = exc.__class__.__name__
    if isinstance(exc, NeijuanError):
        return str(exc), 2
    if isinstance(exc, MemoryError):
        return (f"out of memory{': ' + str(exc) if str(exc) else ''}; use fewer workers "
                f"(--workers), seeds or processes"), 2
    if isinstance(exc, RecursionError):
        return "the input is nested too deeply to read (a damaged or hostile file?)", 2
    if isinstance(exc, UnicodeDecodeError):
        return (f"a file is not UTF-8 text (byte {exc.start}: {exc.reason}); is it a binary "
                f"file?"), 2
    if isinstance(exc, tomllib.TOMLDecodeError):
        return f"not valid TOML: {exc}", 2
    if isinstance(exc, zipfile.BadZipFile):
        return f"a damaged zip or Excel file: {exc}", 2
    if isinstance(exc, OSError):
        where = f"{exc.filename}: " if exc.filename else ""
        why = exc.strerror or str(exc) or name
        return f"{where}{why}", 2
    if "calamine" in name.lower() or "fastexcel" in type(exc).__module__:
        return f"an Excel file could not be read ({name}: {exc})", 2
    return "", 0


def main() -> None:
    """Entry point: run the app; every expected failure becomes one line and exit status 2.

    A failure that is not expected (a bug) also gets one line, exit status 3, and a request to
    rerun with ``--debug``, which shows the traceback of any failure.
    """
    import warnings

    from neijuan.data.verify import ModifiedDataWarning

    def show(message: Warning | str, category: type[Warning], *_: object, **__: object) -> None:
        if issubclass(category, ModifiedDataWarning):
            err_console.print(f"[bold yellow]warning:[/] {escape(str(message))}", highlight=False,
                              soft_wrap=True)
        else:
            err_console.print(f"warning: {escape(str(message))}", highlight=False,
                              soft_wrap=True, style="dim")

    warnings.showwarning = show
    # the two global flags are accepted anywhere on the line, not only before the command
    args = sys.argv[1:]
    _state["debug"] = "--debug" in args or \
        os.environ.get(_DEBUG_ENV, "").strip().lower() in ("1", "true", "yes")
    if "--" not in args:
        flags = [a for a in ("--debug", "--allow-modified-data") if a in args]
        sys.argv[1:] = [*flags, *(a for a in args if a not in flags)]
    try:
        app()
    except SystemExit as stop:
        # Typer ends a command that a Ctrl-C stops with exit 130 and not a word (it raises its
        # Exit from the KeyboardInterrupt); one that has said why it stopped raises its own Exit
        said = stop.__context__
        if stop.code == 130 and said is not None and isinstance(said.__cause__, KeyboardInterrupt):
            err_console.print("interrupted", style="bold red")
        raise
    except (KeyboardInterrupt, Exception) as exc:
        if _state["debug"]:
            raise
        if is_interrupt(exc):  # (Ctrl-C, also one that surfaced as another error)
            err_console.print("interrupted", style="bold red")
            sys.exit(130)
        message, status = _describe(exc)
        if status:
            err_console.print(f"[bold red]error:[/] {escape(message)}", highlight=False,
                              soft_wrap=True)
            sys.exit(status)
        err_console.print(
            f"[bold red]internal error[/] (a bug in neijuan, not in your input): "
            f"{escape(exc.__class__.__name__)}: {escape(str(exc))}; run again with --debug for "
            f"the traceback and please report it", highlight=False, soft_wrap=True)
        sys.exit(3)
