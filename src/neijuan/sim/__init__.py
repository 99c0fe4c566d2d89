"""The simulator.

The modules that compile code with Numba (and the per-occupation algebra, which needs SciPy) are
loaded lazily, on first use: ``import neijuan.sim.model`` then costs what the model's own Python
needs, not the compiler's import (about a second), and a command that never runs the engine never
pays for it. ``from neijuan.sim import kernels`` returns the module object at once; it runs on
first attribute access."""

from __future__ import annotations

import importlib.util
import sys
from types import ModuleType

_LAZY = ("kernels", "steps", "effort", "rng", "phase_kernels", "exact", "libm", "quarter")


def _lazy(name: str) -> ModuleType:
    full = f"{__name__}.{name}"
    if full in sys.modules:
        return sys.modules[full]
    spec = importlib.util.find_spec(full)
    if spec is None or spec.loader is None:  # pragma: no cover - a broken install
        raise ImportError(full)
    loader = importlib.util.LazyLoader(spec.loader)
    spec.loader = loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[full] = module
    loader.exec_module(module)
    return module


for _name in _LAZY:
    globals()[_name] = _lazy(_name)
