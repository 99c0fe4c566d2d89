"""The report and the plots: the essay's argument drawn from the system's own results.

``build_report(lang="zh", ...)`` returns one self-contained HTML page (``neijuan report``);
``plot_result(result)`` is ``Result.plot()``; :mod:`neijuan.report.core` gathers the numbers the
report, ``neijuan compare`` and the web app all show. Imports are lazy (Plotly is heavy).
"""

from __future__ import annotations

import importlib
from typing import Any

_LAZY = {
    "build_report": "neijuan.report.build",
    "compare_frame": "neijuan.report.core",
    "plot_result": "neijuan.report.plots",
    "compare_html": "neijuan.report.compare",
}
__all__ = sorted(_LAZY)


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'neijuan.report' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
