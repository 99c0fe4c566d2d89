"""Job ads: AI-skill demand, degree requirements and the AI wage premium, in English and Chinese.

``analyze(files, out)`` reads ads (CSV, JSONL, JSON, Parquet), detects AI skill (specialist vs tool
use), degree level and strength, and salary, maps titles to SOC/ISCO, and returns one row per ad;
``trends(out)`` turns that into shares over time and the AI wage premium (PwC's raw gap and Bone et
al.'s fixed-effects regression). The same functions back ``neijuan ads analyze`` and ``trends``.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

_LAZY: dict[str, str] = {
    "analyze": "neijuan.ads.analysis",
    "AnalyzeResult": "neijuan.ads.analysis",
    "trends": "neijuan.ads.timeseries",
    "TrendsResult": "neijuan.ads.timeseries",
    "load_taxonomy": "neijuan.ads.taxonomy",
    "detect_frame": "neijuan.ads.pipeline",
}

__all__ = ["AnalyzeResult", "TrendsResult", "analyze", "detect_frame", "load_taxonomy", "trends"]

if TYPE_CHECKING:  # pragma: no cover
    from neijuan.ads.analysis import AnalyzeResult, analyze
    from neijuan.ads.pipeline import detect_frame
    from neijuan.ads.taxonomy import load_taxonomy
    from neijuan.ads.timeseries import TrendsResult, trends


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'neijuan.ads' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
