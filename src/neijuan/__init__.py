"""neijuan (内卷): simulate and measure how AI reshapes work.

The public API is re-exported here and imported lazily, so that ``import neijuan`` stays fast and a
capability's heavy dependencies load only when it is used.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

_LAZY: dict[str, str] = {
    "simulate": "neijuan.sim.run",
    "Result": "neijuan.sim.run",
    "Scenario": "neijuan.config",
    "load_scenario": "neijuan.config",
    "list_scenarios": "neijuan.config",
    "audit": "neijuan.agency.audit",
    "assess": "neijuan.agency.assess",
}

__all__ = ["Result", "Scenario", "__version__", "assess", "audit", "list_scenarios",
           "load_scenario", "simulate"]

if TYPE_CHECKING:  # pragma: no cover
    __version__: str
    from neijuan.agency.assess import assess
    from neijuan.agency.audit import audit
    from neijuan.config import Scenario, list_scenarios, load_scenario
    from neijuan.sim.run import Result, simulate


def __getattr__(name: str) -> Any:
    if name == "__version__":  # importlib.metadata costs 50 ms: only when asked
        from neijuan.provenance import package_version

        return package_version()
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'neijuan' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
