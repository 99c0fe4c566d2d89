"""How the row passes are compiled: two things LLVM can do that Numba has but does not offer
as ``njit`` options, mapped here and used by :mod:`neijuan.sim.kernels`.

- :data:`NOALIAS`: the functions' array arguments do not overlap (so that loops that gather
  per-occupation values by index can be vectorised).
- :data:`WIDE`: vector loops as wide as the processor allows (512 bits with AVX-512).

Both change how fast the passes run, never what they compute: each falls back to nothing on a
Numba that moves the internals it relies on. Neither is a result's definition: a reduction whose
order depends on the vector width is written so that it does not (see ``kernels.solve_bars``).
"""

from __future__ import annotations

import contextlib
from typing import Any

# The LLVM function attribute that sets the widest vectors the loop vectoriser may use.
PREFER_VECTOR_WIDTH = '"prefer-vector-width"="512"'


def _noalias() -> dict[str, Any]:
    """``noalias=True`` for :func:`numba.njit` where this Numba takes it, else nothing.

    Numba gives a compiled function's array arguments no ``noalias``, so LLVM cannot prove
    that a loop's stores into one array miss the per-occupation values it reads from another by
    index (not an affine index: no bounds to check at run time), and keeps the loop scalar. The
    block functions of :mod:`neijuan.sim.kernels` are never given two arguments that overlap
    where one is written, so they declare it, and their loops are vectorised. Numba has the flag
    (its parallel back end sets it) but does not map it to an ``njit`` option; it is mapped
    here. Where a Numba release moves it, they compile without it: scalar loops, the same
    results."""
    try:
        from numba.core import cpu, options

        if not hasattr(cpu.CPUTargetOptions, "noalias"):
            cpu.CPUTargetOptions.noalias = options.TargetOptions.Mapping("noalias")
    except (ImportError, AttributeError):  # pragma: no cover - a Numba without the flag
        return {}
    return {"noalias": True}


def _wide() -> dict[str, Any]:
    """``pipeline_class`` for :func:`numba.njit`: Numba's own pipeline, with each compiled
    function marked ``"prefer-vector-width"="512"`` for LLVM; Numba's pipeline unchanged where
    this Numba lays it out otherwise, and nothing where it lacks the parts this replaces.

    Why: LLVM's tuning for Intel's AVX-512 processors (Skylake server to Sapphire Rapids, and
    the client parts with AVX-512) prefers 256-bit vectors, against the clock slow-down of the
    first of them; Numba compiles for the host with that tuning. The passes' vectorised loops
    (logarithms, exponentials, draws over a block of rows) then do half the work an
    instruction could. Measured on an AVX-512 Xeon: 7% of a quarter at 10^6 workers, in-model and
    alternated (docs/performance.md, sixth round). On a processor without AVX-512 the attribute changes
    nothing (the vectors stay as wide as the registers), and LLVM's tuning for AMD's Zen 4 and 5
    already uses 512 bits.

    The attribute is per function, not per process: the run's other Numba code (or a user's)
    keeps LLVM's default. A function called from a marked one and inlined into it takes the
    caller's width."""
    try:
        from numba.core import lowering
        from numba.core.compiler import Compiler
        from numba.core.compiler_machinery import register_pass
        from numba.core.typed_passes import NativeLowering
    except ImportError:  # pragma: no cover - a Numba that moved them
        return {}

    class WideLower(lowering.Lower):
        """Numba's lowering, with the vector width on the function it lowers."""

        def pre_lower(self) -> None:
            super().pre_lower()
            # (llvmlite's attribute set takes only the attributes it knows by name; LLVM takes
            # this string attribute as written on the function's definition)
            # (an llvmlite that moved it: the function keeps LLVM's default width)
            with contextlib.suppress(AttributeError, TypeError):
                set.add(self.builder.function.attributes, PREFER_VECTOR_WIDTH)

    @register_pass(mutates_CFG=True, analysis_only=False)
    class WideNativeLowering(NativeLowering):
        _name = "neijuan_wide_native_lowering"

        @property
        def lowering_class(self) -> type:
            return WideLower

    class WideCompiler(Compiler):
        """Numba's own pipelines, with the lowering above in place of Numba's. Where a Numba
        release lays its pipelines out otherwise, they run unchanged: the passes compile at
        LLVM's default width (``test_the_passes_ask_for_the_widest_vectors`` notices)."""

        def define_pipelines(self) -> list[Any]:
            pipelines = super().define_pipelines()
            try:
                for pm in pipelines:
                    pm.passes = [(WideNativeLowering if step is NativeLowering else step, what)
                                 for step, what in pm.passes]
                    pm.finalize()
            except (AttributeError, TypeError, ValueError):  # pragma: no cover
                return list(super().define_pipelines())
            return list(pipelines)

    return {"pipeline_class": WideCompiler}


NOALIAS: dict[str, Any] = _noalias()
WIDE: dict[str, Any] = _wide()
