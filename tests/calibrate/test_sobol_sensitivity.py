"""Sobol indices: SALib on the Ishigami function matches the known values, directly and through
the Gaussian-process metamodel; the sensitivity run works end to end on a small design."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from scipy.stats import qmc

from neijuan.calibrate.sensitivity import Problem, metamodel_indices, run_sensitivity, sobol_indices
from neijuan.errors import ConfigError

A, B = 7.0, 0.1
PI = math.pi


def ishigami(X: np.ndarray) -> np.ndarray:
    return np.sin(X[:, 0]) + A * np.sin(X[:, 1]) ** 2 + B * X[:, 2] ** 4 * np.sin(X[:, 0])


def known() -> tuple[np.ndarray, np.ndarray]:
    """The analytic indices (Ishigami & Homma 1990; Sobol' & Levitan 1999)."""
    v1 = 0.5 * (1 + B * PI**4 / 5) ** 2
    v2 = A**2 / 8
    v13 = B**2 * PI**8 * (1 / 18 - 1 / 50)
    v = v1 + v2 + v13
    return np.array([v1, v2, 0.0]) / v, np.array([v1 + v13, v2, v13]) / v


PROBLEM = Problem(("x1", "x2", "x3"), ((-PI, PI),) * 3)


def test_known_values_are_the_textbook_ones() -> None:
    s1, st = known()
    assert s1 == pytest.approx([0.3139, 0.4424, 0.0], abs=1e-4)
    assert st == pytest.approx([0.5576, 0.4424, 0.2437], abs=1e-4)


def test_salib_sobol_indices_of_ishigami_match_the_known_values() -> None:
    s1, st = known()
    res = sobol_indices(ishigami, PROBLEM, n_base=4096, seed=1)
    assert np.all(np.abs(res["S1"] - s1) < 0.03), res["S1"]
    assert np.all(np.abs(res["ST"] - st) < 0.03), res["ST"]
    # and the stated 95% intervals cover them
    assert np.all(np.abs(res["S1"] - s1) <= res["S1_conf"] + 0.005)


def test_the_metamodel_recovers_ishigami_indices_from_noisy_design_points() -> None:
    s1, st = known()
    X = qmc.scale(qmc.Sobol(3, seed=0).random_base2(8), [-PI] * 3, [PI] * 3)
    y = ishigami(X) + np.random.default_rng(0).normal(0, 0.3, len(X))  # a seed's noise
    res = metamodel_indices(X, y, PROBLEM, n_base=1024, bootstrap=3)
    assert res["q2"] > 0.9
    assert np.all(np.abs(res["S1"] - s1) < 0.05), res["S1"]
    assert np.all(np.abs(res["ST"] - st) < 0.05), res["ST"]
    assert np.all((res["S1_lo"] <= s1 + 0.02) & (s1 - 0.02 <= res["S1_hi"]))


@pytest.mark.slow
def test_sensitivity_of_the_model_end_to_end(tmp_path: Path) -> None:
    design = tmp_path / "design.toml"
    design.write_text("""
scenario = "ai-baseline"
seeds = 2
workers = 400
periods = 8
burn_in = 4
[sample]
method = "sobol"
n = 32
[sample.ranges]
"demand.kappa" = [0.2, 1.2]
"contest.effort_cost" = [0.001, 0.02]
""")
    table = run_sensitivity(design, tmp_path / "out", figures=["effort_per_position"],
                            n_base=256, bootstrap=2, processes=2)
    assert table.height == 2
    effort = {r["parameter"]: r for r in table.iter_rows(named=True)}
    # effort per position answers to the cost of effort (the contest's best response)
    assert effort["contest.effort_cost"]["ST"] > effort["demand.kappa"]["ST"]
    assert (tmp_path / "out" / "sensitivity.json").exists()
    with pytest.raises(ConfigError, match="unknown figure"):
        run_sensitivity(design, tmp_path / "out", figures=["nope"], processes=1)
