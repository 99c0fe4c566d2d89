"""User-facing errors.

Every error a user can cause (a bad file, an unknown code, a value out of range) is raised as a
subclass of :class:`NeijuanError` at the point where the input enters, with a message that names the
input, the field and what was expected. The CLI prints these without a traceback; anything else is a
bug and keeps its traceback.
"""

from __future__ import annotations


class NeijuanError(Exception):
    """Base class of errors caused by the user's input or environment, not by a bug."""


class ConfigError(NeijuanError, ValueError):
    """A scenario or parameter is invalid: unknown key, wrong type, value out of range."""


class DataError(NeijuanError, ValueError):
    """An input file is missing, empty, malformed, or has a missing/renamed column."""


class ResourceError(NeijuanError, MemoryError):
    """A request would exceed the machine's resources (memory, disk); refused before starting."""


def is_interrupt(exc: BaseException) -> bool:
    """Whether ``exc`` is the user's Ctrl-C, or an error raised because of it.

    A Ctrl-C that lands while a compiled or C function runs can surface as a ``SystemError``
    ("... returned a result with an exception set") whose cause is the ``KeyboardInterrupt``;
    the user interrupted, nothing is broken."""
    seen: set[int] = set()
    at: BaseException | None = exc
    while at is not None and id(at) not in seen:
        if isinstance(at, KeyboardInterrupt):
            return True
        seen.add(id(at))
        at = at.__cause__ or at.__context__
    return False
