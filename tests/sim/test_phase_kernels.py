"""The compiled phase arithmetic (:mod:`neijuan.sim.phase_kernels`) is the NumPy expressions it
replaced, bit for bit: each reference below is the NumPy code as it was written in the phases."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.typing import NDArray

from neijuan.sim import phase_kernels as pk

F64 = NDArray[np.float64]


def same(a: object, b: object) -> bool:
    return bool(np.array_equal(np.asarray(a), np.asarray(b), equal_nan=True))


def counts(rng: np.random.Generator, n: int, zeros: float = 0.2) -> F64:
    """Non-negative values with exact zeros (empty occupations) and some tiny ones."""
    v = rng.exponential(50.0, n) * (rng.random(n) >= zeros)
    return np.where(rng.random(n) < 0.05, 1e-13, v)


def close_flows_reference(employed_at_production: F64, units: F64, employed: F64,
                          wage_sum: F64, candidates: F64, applicants: F64, hires: F64,
                          separations: F64, human_cost: F64, finding: F64, separation: F64,
                          occ_mean_wage: F64, smoothing: float, replacement: float,
                          discount: float) -> tuple[object, ...]:
    total = float(employed.sum())
    mean_wage = float(wage_sum.sum() / max(total, 1.0))
    with np.errstate(invalid="ignore", divide="ignore"):
        per_worker = np.where(employed_at_production > 0,
                              units / np.maximum(employed_at_production, 1.0), 1.0)
        cost = np.where(employed > 0, wage_sum / np.maximum(employed, 1e-12) / per_worker,
                        human_cost)
        incumbents = candidates - applicants
        f = np.where(applicants > 0, hires / np.maximum(applicants, 1e-12), 1.0)
        s = np.where(incumbents > 0, separations / np.maximum(incumbents, 1e-12), 0.0)
    find = smoothing * finding + (1 - smoothing) * f
    sep = smoothing * separation + (1 - smoothing) * s
    wage = np.where(employed > 0, wage_sum / np.maximum(employed, 1e-12), occ_mean_wage)
    benefit = replacement * mean_wage
    lam = find / (discount + sep + find)
    outside = benefit + lam * np.maximum(wage - benefit, 0.0)
    return total, mean_wage, benefit, cost, find, sep, wage, outside


@settings(max_examples=200, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 60), with_nan=st.booleans())
def test_close_flows_is_the_numpy_algebra(seed: int, n: int, with_nan: bool) -> None:
    rng = np.random.default_rng(seed)
    candidates = counts(rng, n)
    applicants = candidates * rng.uniform(0.0, 1.0, n)
    args = (counts(rng, n), counts(rng, n), counts(rng, n), counts(rng, n) * 3.0, candidates,
            applicants, applicants * rng.uniform(0.0, 1.0, n), counts(rng, n) * 0.1,
            rng.uniform(0.1, 5.0, n), rng.uniform(0.0, 1.0, n), rng.uniform(0.0, 0.2, n),
            rng.uniform(0.5, 3.0, n))
    if with_nan:  # (NaN goes where NumPy's rules send it)
        args[int(rng.integers(0, len(args)))][int(rng.integers(0, n))] = np.nan
    scalars = (0.5, float(rng.uniform(0.0, 1.0)), float(rng.uniform(0.0, 0.1)))
    got = pk.close_flows(*args, *scalars)
    want = close_flows_reference(*args, *scalars)
    for g, w in zip(got, want, strict=True):
        assert same(g, w)
