"""The AI-exposure atlas: occupations and tasks with every exposure index side by side.

``load_atlas(data_dir=None, *, refresh=False) -> Atlas`` is the entry point; see
:class:`neijuan.atlas.model.Atlas` for the tables. Imports are lazy so that ``neijuan atlas show``
(which reads the atlas's SQLite copy) never pays for Polars.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

_LAZY = {
    "Atlas": "neijuan.atlas.model",
    "load_atlas": "neijuan.atlas.model",
    "compute_claims": "neijuan.atlas.claims",
    "Claim": "neijuan.atlas.claims",
    "load_catalog": "neijuan.atlas.catalog",
    "IndexInfo": "neijuan.atlas.catalog",
}
__all__ = sorted(_LAZY)

if TYPE_CHECKING:  # pragma: no cover
    from neijuan.atlas.catalog import IndexInfo, load_catalog  # noqa: F401
    from neijuan.atlas.claims import Claim, compute_claims  # noqa: F401
    from neijuan.atlas.model import Atlas, load_atlas  # noqa: F401


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'neijuan.atlas' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
