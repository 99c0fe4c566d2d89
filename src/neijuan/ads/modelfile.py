"""Reading the small learned models shipped with the job-ads pipeline (JSON files in ``data/``)."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import Any

from neijuan.errors import ConfigError


def read_model_json(path: str | Path | None, resource: str) -> Any:
    """The parsed JSON of a model file: the shipped ``resource`` (a path inside
    ``neijuan.ads``) when ``path`` is None; :class:`ConfigError` naming the file when it is not
    JSON (a truncated or hand-edited file must not load as something else)."""
    if path is None:
        raw = resources.files("neijuan.ads").joinpath(resource).read_text(encoding="utf-8")
    else:
        raw = Path(path).read_text(encoding="utf-8")
    try:
        return json.loads(raw)
    except json.JSONDecodeError as exc:
        raise ConfigError(f"{path or resource}: not JSON ({exc})") from None
