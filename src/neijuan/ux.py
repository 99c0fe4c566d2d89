"""What a newcomer meets at the command line, kept in one light module (no NumPy, no Numba).

"did you mean" for names, a scenario resolved to every parameter as TOML to copy, whether the
engine is already compiled (so the first run can say why it is slow), and progress columns with
an ETA. Everything here imports fast so that errors appear before any slow import.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from neijuan.errors import ConfigError


def did_you_mean(name: str, choices: Iterable[str]) -> str:
    """`` (did you mean 'jevons'?)`` when a choice is close to ``name``, else an empty string."""
    close = difflib.get_close_matches(name, list(choices), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def check_scenario_name(name: str) -> None:
    """Refuse an unknown shipped-scenario name at once, with the closest name offered.

    A path (``.toml`` or with a slash) is left to the loader, which says when the file is missing.
    """
    if name.endswith(".toml") or "/" in name or "\\" in name:
        return
    from neijuan.config import list_scenarios

    known = list_scenarios()
    if name not in known:
        raise ConfigError(f"unknown scenario {name!r}{did_you_mean(name, known)}; known: "
                          f"{', '.join(known)} (or give a path to a .toml file)")


def field_range(field: Any) -> str:
    """A pydantic field's bounds as text: ``>= 0.0, <= 1.0`` (empty when unbounded)."""
    bounds = []
    for meta in field.metadata:
        for attr, sym in (("ge", ">="), ("gt", ">"), ("le", "<="), ("lt", "<")):
            value = getattr(meta, attr, None)
            if value is not None:
                bounds.append(f"{sym} {value}")
    return ", ".join(bounds)


def parameter_table(scenario: Any) -> list[dict[str, Any]]:
    """Every parameter of a :class:`~neijuan.config.Scenario`: key, value, default, bounds,
    allowed values and meaning (with its unit), in the order of the sections."""
    import typing

    from neijuan.config import SECTIONS

    rows: list[dict[str, Any]] = []
    for section, model in SECTIONS.items():
        values = getattr(scenario, section)
        for key, field in model.model_fields.items():
            lo = hi = None
            lo_open = hi_open = False
            for meta in field.metadata:
                if getattr(meta, "ge", None) is not None:
                    lo = meta.ge
                if getattr(meta, "gt", None) is not None:
                    lo, lo_open = meta.gt, True
                if getattr(meta, "le", None) is not None:
                    hi = meta.le
                if getattr(meta, "lt", None) is not None:
                    hi, hi_open = meta.lt, True
            choices = [a for a in typing.get_args(field.annotation)
                       if isinstance(a, str)] if typing.get_origin(field.annotation) is \
                typing.Literal else []
            rows.append({"key": f"{section}.{key}", "section": section, "name": key,
                         "value": getattr(values, key), "default": field.default,
                         "min": lo, "max": hi, "min_open": lo_open, "max_open": hi_open,
                         "range": field_range(field), "choices": choices,
                         "description": field.description or ""})
    return rows


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'


def resolved_toml(scenario: Any) -> str:
    """A scenario with every parameter written out (inherited and default ones too), each with
    its meaning, unit and allowed range as a comment: a complete file to copy and edit."""
    lines = [f"# scenario {scenario.name!r}, every parameter resolved (defaults and 'extends'",
             "# included); edit and run with: neijuan simulate --scenario this.toml",
             f"name = {_toml_value(scenario.name)}",
             f"description = {_toml_value(scenario.description)}"]
    section = ""
    for row in parameter_table(scenario):
        if row["section"] != section:
            section = row["section"]
            lines += ["", f"[{section}]"]
        allowed = (f"one of {', '.join(row['choices'])}" if row["choices"] else row["range"])
        comment = row["description"] + (f"; allowed: {allowed}" if allowed else "")
        lines.append(f"# {comment}")
        if row["value"] is None:
            lines.append(f"# {row['name']} =   (unset; give a value to set it)")
        else:
            lines.append(f"{row['name']} = {_toml_value(row['value'])}")
    return "\n".join(lines) + "\n"


def engine_compiled() -> bool:
    """Whether Numba's on-disk cache of the engine exists (so a run starts in seconds).

    The cache sits in ``NUMBA_CACHE_DIR`` when that is set; otherwise beside the sources
    (``sim/__pycache__``) or, where the sources are read-only (an installed package), in Numba's
    per-user cache folder."""
    import importlib.util

    spec = importlib.util.find_spec("neijuan.sim.kernels")
    if spec is None or spec.origin is None:
        return False
    places = [Path(spec.origin).parent / "__pycache__"]
    if os.environ.get("NUMBA_CACHE_DIR"):  # Numba then caches there and only there
        places = [Path(os.environ["NUMBA_CACHE_DIR"])]
    else:
        home_cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
        places.append(Path(home_cache) / "numba")
    for place in places:
        try:
            if any(place.rglob("kernels.settle_pass-*.nbi")):
                return True
        except OSError:
            continue
    return False


COMPILING = "compiling the engine (first run only)"


def compile_engine_with_progress(console: Any, show: bool = True) -> bool:
    """Before a command's first simulation: compile the engine if Numba's cache does not hold it,
    with a progress bar counting the compiled functions (a first run spends about 50 CPU-seconds
    here, once), and say how long it took; nothing is shown when the cache is warm. Returns
    whether it compiled."""
    import time

    from rich.progress import Progress

    from neijuan.sim.run import compile_engine

    bar = Progress(*progress_columns(), console=console, transient=True, disable=not show)
    task: list[Any] = []

    def tick(done: int, total: int) -> None:
        if not task:
            bar.start()
            task.append(bar.add_task(COMPILING, total=total))
        bar.update(task[0], completed=done, total=total)

    start = time.monotonic()
    try:
        compiled = compile_engine(tick)
    finally:
        if task:  # a bar never started leaves nothing behind
            bar.stop()
    if compiled and show:
        console.print(f"compiled the engine in {time.monotonic() - start:.0f} s; later runs load "
                      "it from the cache", style="yellow", highlight=False)
    return compiled


def progress_columns() -> tuple[Any, ...]:
    """The columns of every progress bar: what, bar, done/total, elapsed and time left."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    return (TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
            TimeElapsedColumn(), TextColumn("eta"), TimeRemainingColumn())
