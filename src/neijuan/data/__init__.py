"""Public data: loaders, the registry (URL, version, SHA-256, licence, citation), crosswalks,
fetching and the build cache.

Submodules: :mod:`~neijuan.data.loaders` (one loader per source file, typed Polars frames),
:mod:`~neijuan.data.registry`, :mod:`~neijuan.data.crosswalks`, :mod:`~neijuan.data.fetch`,
:mod:`~neijuan.data.status`, :mod:`~neijuan.data.cache`. Imported lazily so the CLI stays light.
"""

from __future__ import annotations

import importlib
from typing import Any

_LAZY = {
    "load_registry": "neijuan.data.registry",
    "resolve_data_dir": "neijuan.data.registry",
    "fetch": "neijuan.data.fetch",
    "data_status": "neijuan.data.status",
}
__all__ = sorted(_LAZY)


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'neijuan.data' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
