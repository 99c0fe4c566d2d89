"""``neijuan serve``: the JSON API and the web page (FastAPI); see :func:`create_app`."""

from __future__ import annotations

from typing import Any


def create_app(*args: Any, **kwargs: Any) -> Any:
    """The FastAPI app (imported lazily: FastAPI is only needed to serve)."""
    from neijuan.web.app import create_app as make

    return make(*args, **kwargs)


__all__ = ["create_app"]
