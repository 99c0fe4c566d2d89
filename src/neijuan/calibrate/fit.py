"""The fit report of a run: every published target beside the model's value (``--fit``).

Each row: ``name``, ``published`` (real where the source is nominal: see
:mod:`neijuan.targets`), ``simulated`` (``mean``, ``lo``, ``hi``: mean and 5th-95th percentiles
over the run's seeds), ``tolerance``, ``within`` (|mean - published| <= tolerance), ``in_fit``
(false: an out-of-sample check the calibration never saw), and the model figure, window,
transform and source it rests on.
"""

from __future__ import annotations

from typing import Any

from neijuan.targets import compare, moments_by_seed


def fit_report(result: Any) -> list[dict[str, Any]]:
    """The fit report of a :class:`~neijuan.sim.run.Result` (JSON-ready)."""
    return compare(moments_by_seed(result.series()))
