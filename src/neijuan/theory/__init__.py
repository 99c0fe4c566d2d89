"""Closed forms and the mean-field model: the oracles the engine is held to (MODEL.md §5)."""

from neijuan.theory.contests import (
    lazear_rosen_effort,
    probit_contest_effort,
    tullock_dissipation,
    tullock_effort,
    tullock_large_dissipation,
    tullock_large_effort,
)
from neijuan.theory.growth import (
    ar_decomposition,
    ar_wage,
    land_marginal_product,
    land_output,
)

__all__ = [
    "ar_decomposition",
    "ar_wage",
    "land_marginal_product",
    "land_output",
    "lazear_rosen_effort",
    "probit_contest_effort",
    "tullock_dissipation",
    "tullock_effort",
    "tullock_large_dissipation",
    "tullock_large_effort",
]
