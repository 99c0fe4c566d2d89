"""neijuan (内卷): simulate and measure how AI reshapes work.

The public API is re-exported here and imported lazily, so that ``import neijuan`` stays fast and a
capability's heavy dependencies load only when it is used. Only the names in ``__all__`` are
public (``dir(neijuan)`` lists them); the helpers below are private.
"""

import importlib as _importlib
import typing as _typing

_LAZY: dict[str, str] = {
    "simulate": "neijuan.sim.run",
    "Result": "neijuan.sim.run",
    "Scenario": "neijuan.config",
    "load_scenario": "neijuan.config",
    "list_scenarios": "neijuan.config",
    "audit": "neijuan.agency.audit",
    "assess": "neijuan.agency.assess",
    "build_report": "neijuan.report.build",
}

__all__ = ["Result", "Scenario", "__version__", "assess", "audit", "build_report",
           "list_scenarios", "load_scenario", "simulate"]

if _typing.TYPE_CHECKING:  # pragma: no cover
    __version__: str
    from neijuan.agency.assess import assess
    from neijuan.agency.audit import audit
    from neijuan.config import Scenario, list_scenarios, load_scenario
    from neijuan.report.build import build_report
    from neijuan.sim.run import Result, simulate


def __getattr__(name: str) -> "_typing.Any":
    if name == "__version__":  # importlib.metadata costs 50 ms: only when asked
        from neijuan.provenance import package_version

        return package_version()
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'neijuan' has no attribute {name!r}")
    return getattr(_importlib.import_module(module), name)


def __dir__() -> list[str]:
    return sorted(__all__)
