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
