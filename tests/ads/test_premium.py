"""The two premium estimators against closed forms and an independent dummy-variable regression."""

from __future__ import annotations

import math

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from neijuan.ads.premium import MIN_CELL_N, Z_95, fe_ols, raw_gap, regression_premium


def dummy_ols_hc1(y: np.ndarray, X: np.ndarray, cells: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """OLS with one dummy per cell spelled out (no intercept), HC1 covariance: the textbook form."""
    _, idx = np.unique(cells, return_inverse=True)
    D = np.eye(idx.max() + 1)[idx]
    Z = np.hstack([X, D])
    beta, *_ = np.linalg.lstsq(Z, y, rcond=None)
    e = y - Z @ beta
    n, p = Z.shape
    bread = np.linalg.pinv(Z.T @ Z)
    cov = bread @ (Z.T * e**2) @ Z @ bread * n / (n - p)
    k = X.shape[1]
    return beta[:k], np.sqrt(np.diag(cov)[:k])


def synthetic(n: int, n_cells: int, effect: float, seed: int) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    cell = rng.integers(0, n_cells, n)
    cell_effect = rng.normal(10.5, 0.5, n_cells)[cell]
    ai = (rng.random(n) < 0.2 + 0.3 * (cell % 3 == 0)).astype(float)  # AI share varies by cell
    master = (rng.random(n) < 0.3).astype(float)
    noise = rng.normal(0, 0.2 + 0.2 * ai, n)  # heteroskedastic
    y = cell_effect + effect * ai + 0.1 * master + noise
    return pl.DataFrame({"y": y, "ai": ai, "master": master, "cell": cell.astype(str)})


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_within_estimator_equals_dummy_regression(seed: int) -> None:
    data = synthetic(400, 25, 0.2, seed)
    fit = fe_ols(data, "y", ["ai", "master"], "cell")
    assert fit is not None
    beta, se = dummy_ols_hc1(data["y"].to_numpy(), data.select("ai", "master").to_numpy(),
                             data["cell"].to_numpy())
    np.testing.assert_allclose(fit.beta, beta, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(fit.se, se, rtol=1e-9)
    assert fit.df_resid == 400 - 2 - 25


def test_single_dummy_closed_form() -> None:
    """One binary regressor and cell effects: b = sum_g w_g (mean1_g - mean0_g) / sum_g w_g with
    w_g = n_g p_g (1 - p_g) (the variance-weighted within-cell gap)."""
    data = synthetic(600, 30, 0.3, 9)
    fit = fe_ols(data, "y", ["ai"], "cell")
    assert fit is not None
    g = data.group_by("cell").agg(
        pl.len().alias("n"), pl.col("ai").mean().alias("p"),
        pl.col("y").filter(pl.col("ai") == 1).mean().alias("m1"),
        pl.col("y").filter(pl.col("ai") == 0).mean().alias("m0"),
    ).filter((pl.col("p") > 0) & (pl.col("p") < 1))
    w = g["n"] * g["p"] * (1 - g["p"])
    expected = float((w * (g["m1"] - g["m0"])).sum() / w.sum())
    assert fit.beta[0] == pytest.approx(expected, rel=1e-10)


def test_planted_premium_is_recovered() -> None:
    effect = 0.25
    data = synthetic(20_000, 200, effect, 11)
    fit = fe_ols(data, "y", ["ai", "master"], "cell")
    assert fit is not None
    b, s = fit.beta[0], fit.se[0]
    assert abs(b - effect) < 4 * s and s < 0.01


def test_singletons_and_constant_regressors_are_dropped() -> None:
    data = pl.DataFrame({"y": [1.0, 2.0, 3.0, 5.0, 9.0], "ai": [0.0, 1.0, 0.0, 1.0, 1.0],
                         "const_in_cell": [1.0, 1.0, 2.0, 2.0, 3.0],
                         "cell": ["a", "a", "b", "b", "c"]})
    fit = fe_ols(data, "y", ["ai", "const_in_cell"], "cell")
    assert fit is not None
    assert fit.names == ["ai"] and fit.n_singletons == 1 and fit.n_obs == 4
    assert fit.beta[0] == pytest.approx(1.5)  # mean of the two within-cell gaps (1 and 2)
    assert fe_ols(data.head(1), "y", ["ai"], "cell") is None


def test_raw_gap_closed_form() -> None:
    # occupation A: AI 110, 130 vs non-AI 90, 110 -> ratio 1.2; B: AI 60, 60, 60 vs 50, 50 -> 1.2
    # occupation C has one AI ad only: left out, but counted.
    rows = [("A", 1, 110.0), ("A", 1, 130.0), ("A", 0, 90.0), ("A", 0, 110.0),
            ("B", 1, 60.0), ("B", 1, 60.0), ("B", 1, 60.0), ("B", 0, 50.0), ("B", 0, 50.0),
            ("C", 1, 70.0), ("C", 0, 60.0), ("C", 0, 62.0)]
    ads = pl.DataFrame(rows, schema=["occ", "ai_skill", "salary"], orient="row").with_columns(
        pl.col("ai_skill").cast(pl.Boolean), pl.lit("2024").alias("period"),
        pl.lit("GBP").alias("salary_currency"))
    out = raw_gap(ads, "occ", ["period"]).row(0, named=True)
    assert out["gap"] == pytest.approx(0.2)
    assert (out["n_cells"], out["n_cells_total"], out["n_ai"], out["n_non_ai"]) == (2, 3, 6, 6)
    # delta method: var(R_A) = 1.2^2 (200/(2*120^2) + 200/(2*100^2)), var(R_B) = 0; weights 2/5, 3/5
    var_a = 1.2**2 * (200 / (2 * 120**2) + 200 / (2 * 100**2))
    se = math.sqrt((2 / 5) ** 2 * var_a)
    assert out["se"] == pytest.approx(se)
    assert out["ci_low"] == pytest.approx(0.2 - Z_95 * se)
    assert MIN_CELL_N == 2


def test_regression_premium_table() -> None:
    rng = np.random.default_rng(5)
    n = 3000
    occ = rng.integers(0, 20, n).astype(str)
    period = rng.choice(["2022", "2023"], n)
    ai = rng.random(n) < 0.3
    effect = np.where(period == "2023", 0.3, 0.1)
    log_salary = 10 + (occ.astype(int) / 10) + effect * ai + rng.normal(0, 0.1, n)
    ads = pl.DataFrame({"_occ": occ, "period": period, "ai_skill": ai, "log_salary": log_salary,
                        "degree_level": rng.choice(["none", "bachelor", "master"], n),
                        "salary_currency": "USD"})
    table = regression_premium(ads, "period", "_occ", ["period"])
    ai_rows = {r["group"]: r for r in table.filter(pl.col("term") == "ai").iter_rows(named=True)}
    assert set(ai_rows) == {"2022", "2023", "(pooled)"}
    assert ai_rows["2022"]["beta"] == pytest.approx(0.1, abs=0.02)
    assert ai_rows["2023"]["beta"] == pytest.approx(0.3, abs=0.02)
    r = ai_rows["2023"]
    assert r["premium"] == pytest.approx(math.exp(r["beta"]) - 1)
    assert r["premium_ci_low"] < r["premium"] < r["premium_ci_high"]
    assert r["n_obs"] > 0 and r["n_cells"] == 20


@settings(max_examples=30, deadline=None)
@given(shift=st.floats(-5, 5), scale=st.floats(0.5, 3))
def test_regression_is_invariant_to_cell_shifts(shift: float, scale: float) -> None:
    """Adding any constant per cell (e.g. a currency or a region) leaves b unchanged; scaling y by
    a constant scales b and its standard error alike."""
    data = synthetic(300, 12, 0.2, 4)
    base = fe_ols(data, "y", ["ai"], "cell")
    moved = fe_ols(data.with_columns(
        (pl.col("y") * scale + shift * pl.col("cell").cast(pl.Int64)).alias("y")), "y", ["ai"],
        "cell")
    assert base is not None and moved is not None
    assert moved.beta[0] == pytest.approx(scale * base.beta[0], rel=1e-8, abs=1e-10)
    assert moved.se[0] == pytest.approx(scale * base.se[0], rel=1e-8)
