"""The AI wage premium, two ways, with confidence intervals and counts.

1. **Raw same-occupation gap** (PwC, *Global AI Jobs Barometer* 2024/2025): within each occupation,
   the mean advertised salary of ads asking for AI skill over that of ads not asking, minus one;
   averaged over occupations, weighted by their AI ads. Standard error by the delta method per
   occupation (independent cells), so the 95% interval is ``gap ± z * se``.
2. **Log-salary regression with fixed effects** (Bone, Ehlinger & Stephany 2025):
   ``log(salary) = b * ai + degree-level dummies + FE[occupation x period x currency] + e``, with
   heteroskedasticity-robust (HC1) standard errors; the premium is ``exp(b) - 1``.

The regression is fitted by pyfixest (``feols`` with the cell absorbed, HC1 with the fixed effects
counted in the small-sample correction, i.e. ``n / (n - k - G)`` as statsmodels gives with the dummies
spelled out): it absorbs tens of thousands of cells without a dummy matrix, and it drops regressors
that are collinear with the cells or with each other and says which. A term that is not identified
(e.g. AI skill never varies within any occupation x period cell) is reported with its reason and no
estimate, never as a huge standard error. The estimates are tested against closed forms and a
dummy-variable regression (``tests/ads/test_premium.py``).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
import polars as pl

Z_95 = 1.959963984540054  # two-sided 95% normal quantile
MIN_CELL_N = 2  # ads on each side of an occupation cell for the raw gap (a variance needs two)
DEGREE_DUMMIES = ["associate", "bachelor", "master", "phd"]  # reference: none


@dataclass(frozen=True)
class FEResult:
    """A fixed-effects OLS fit: coefficients, HC1 standard errors, and what went in."""

    names: list[str]
    beta: np.ndarray
    se: np.ndarray
    n_obs: int
    n_cells: int
    n_singletons: int
    df_resid: int
    dropped: list[str] = field(default_factory=list)  # collinear with the cells or each other


def fe_ols(frame: pl.DataFrame, y: str, xs: list[str], cell: str) -> FEResult | None:
    """OLS of ``y`` on ``xs`` absorbing one fixed effect per ``cell``, HC1 standard errors (pyfixest).

    Cells with a single observation carry no within-cell information and are dropped (counted).
    Regressors collinear with the cells (no within-cell variation) or with each other are dropped
    by pyfixest and listed in ``dropped``. Returns None when nothing is left to estimate.
    """
    import pyfixest as pf

    counts = pl.col(cell).count().over(cell)
    data = frame.select(y, *xs, cell).drop_nulls().with_columns(counts.alias("_n"))
    singletons = int((data["_n"] == 1).sum())
    data = data.filter(pl.col("_n") > 1)
    if data.height == 0:
        return None
    # Formula-safe names; the cell as a string (pyfixest reads it as a factor).
    names = {c: f"x{i}" for i, c in enumerate(xs)}
    pdf = data.select(
        pl.col(y).cast(pl.Float64).alias("y"),
        *[pl.col(c).cast(pl.Float64).alias(names[c]) for c in xs],
        pl.col(cell).cast(pl.String).alias("fe"),
    ).to_pandas()
    n_cells = data[cell].n_unique()
    # Regressors with no within-cell variation at all are not identified: leave them out here
    # (pyfixest would drop them too, with a warning), so that the fit never sees an empty design.
    spread = data.select([(pl.col(c).cast(pl.Float64) - pl.col(c).cast(pl.Float64).mean().over(cell))
                          .abs().max().alias(c) for c in xs]).row(0)
    varying = [c for c, v in zip(xs, spread, strict=True) if v is not None and v > 1e-12]
    dropped = [c for c in xs if c not in varying]
    if not varying or data.height - len(varying) - n_cells <= 0:
        return None
    formula = "y ~ " + " + ".join(names[c] for c in varying) + " | fe"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = pf.feols(formula, data=pdf, vcov="hetero",
                       ssc=pf.ssc(k_adj=True, k_fixef="full"))
        coef, se = fit.coef(), fit.se()
    back = {v: k for k, v in names.items()}
    kept = [back[str(n)] for n in coef.index]
    dropped += [c for c in varying if c not in kept]
    n = int(fit._N)
    df_resid = n - len(kept) - n_cells
    if not kept or df_resid <= 0:
        return None
    return FEResult(names=kept, beta=np.asarray(coef.values, dtype=float),
                    se=np.asarray(se.values, dtype=float), n_obs=n, n_cells=n_cells,
                    n_singletons=singletons, df_resid=df_resid, dropped=dropped)


def regression_premium(ads: pl.DataFrame, period: str, occupation: str,
                       groups: list[str]) -> pl.DataFrame:
    """Bone et al.'s premium per ``groups`` (e.g. period), and pooled over all rows.

    ``ads`` needs ``log_salary``, ``ai_skill``, ``degree_level``, ``salary_currency`` and the
    ``period``/``occupation`` columns. The fixed effect is occupation x period x currency.
    """
    data = ads.with_columns(
        pl.col("ai_skill").cast(pl.Float64).alias("ai"),
        *[(pl.col("degree_level") == d).cast(pl.Float64).alias(f"degree_{d}")
          for d in DEGREE_DUMMIES],
        pl.concat_str([pl.col(occupation), pl.col(period), pl.col("salary_currency")],
                      separator="|").alias("_cell"),
    )
    xs = ["ai", *[f"degree_{d}" for d in DEGREE_DUMMIES]]
    rows: list[dict[str, object]] = []
    parts = [("(pooled)", data)] if not groups else []
    if groups:
        parts = [(" / ".join(str(v) for v in key), sub)
                 for key, sub in data.group_by(groups, maintain_order=True)]
        parts.sort(key=lambda kv: kv[0])
        parts.append(("(pooled)", data))
    for label, sub in parts:
        # Cells that can identify the AI term: both AI and non-AI ads among the ads with a salary.
        varies = sub.filter(pl.col("log_salary").is_not_null()).group_by("_cell").agg(
            pl.col("ai").min().alias("lo"), pl.col("ai").max().alias("hi"))
        n_var = int(varies.filter(pl.col("lo") < pl.col("hi")).height)
        fit = fe_ols(sub, "log_salary", xs, "_cell")
        base = {"group": label, "n_ads": sub.height, "n_ai": int(sub["ai"].sum()),
                "n_cells_ai_varies": n_var}
        if fit is None or "ai" not in fit.names:
            why = ("not identified: no occupation x period x currency cell has ads both with and "
                   "without AI skill" if n_var == 0 else
                   "not identified: too few ads with a salary for the cells' fixed effects")
            rows.append({**base, "term": "ai", "beta": None, "se": None, "n_obs": 0,
                         "n_cells": 0, "n_singletons": 0, "note": why})
            continue
        for name, b, s in zip(fit.names, fit.beta, fit.se, strict=True):
            note = (f"AI skill varies in {n_var} cell(s) only" if name == "ai" and n_var < 5
                    else None)
            if not np.isfinite(s):
                note = "standard error not defined (a residual variance of zero or below)"
            rows.append({**base, "term": name, "beta": float(b),
                         "se": float(s) if np.isfinite(s) else None,
                         "n_obs": fit.n_obs, "n_cells": fit.n_cells,
                         "n_singletons": fit.n_singletons, "note": note})
        for name in fit.dropped:
            rows.append({**base, "term": name, "beta": None, "se": None, "n_obs": fit.n_obs,
                         "n_cells": fit.n_cells, "n_singletons": fit.n_singletons,
                         "note": "dropped: collinear with the cells or other terms"})
    # Explicit types: an all-null column would otherwise be of type Null, which Polars 2 refuses
    # to exponentiate.
    out = pl.DataFrame(rows, schema_overrides={
        "beta": pl.Float64, "se": pl.Float64, "n_obs": pl.Int64, "n_cells": pl.Int64,
        "n_singletons": pl.Int64, "note": pl.String}, infer_schema_length=None)
    return out.with_columns(
        (pl.col("beta") - Z_95 * pl.col("se")).alias("ci_low"),
        (pl.col("beta") + Z_95 * pl.col("se")).alias("ci_high"),
    ).with_columns(
        (pl.col("beta").exp() - 1).alias("premium"),
        (pl.col("ci_low").exp() - 1).alias("premium_ci_low"),
        (pl.col("ci_high").exp() - 1).alias("premium_ci_high"),
    )


def raw_gap(ads: pl.DataFrame, occupation: str, groups: list[str]) -> pl.DataFrame:
    """PwC's raw same-occupation gap per ``groups``: sum_o w_o (m1_o / m0_o - 1), w_o = AI ads.

    ``ads`` needs ``salary``, ``ai_skill``, ``salary_currency`` and the occupation column. Cells are
    occupation x currency within each group; cells with fewer than ``MIN_CELL_N`` ads on either side
    are left out (and counted).
    """
    keys = [*groups, occupation, "salary_currency"]
    cells = ads.group_by(keys).agg(
        pl.col("salary").filter(pl.col("ai_skill")).mean().alias("m1"),
        pl.col("salary").filter(~pl.col("ai_skill")).mean().alias("m0"),
        pl.col("salary").filter(pl.col("ai_skill")).var().alias("v1"),
        pl.col("salary").filter(~pl.col("ai_skill")).var().alias("v0"),
        pl.col("ai_skill").sum().alias("n1"),
        (~pl.col("ai_skill")).sum().alias("n0"),
    )
    usable = (pl.col("n1") >= MIN_CELL_N) & (pl.col("n0") >= MIN_CELL_N) & (pl.col("m0") > 0)
    ratio = pl.col("m1") / pl.col("m0")
    var_ratio = ratio**2 * (pl.col("v1") / (pl.col("n1") * pl.col("m1") ** 2)
                            + pl.col("v0") / (pl.col("n0") * pl.col("m0") ** 2))
    cells = cells.with_columns(usable.alias("_ok"), ratio.alias("_r"), var_ratio.alias("_vr"))
    by = groups if groups else None
    ok = cells.filter(pl.col("_ok"))
    weight = pl.col("n1") / pl.col("n1").sum()
    agg_exprs = [
        ((weight * (pl.col("_r") - 1)).sum()).alias("gap"),
        ((weight**2 * pl.col("_vr")).sum().sqrt()).alias("se"),
        pl.len().alias("n_cells"),
        pl.col("n1").sum().alias("n_ai_in_cells"),
        pl.col("n0").sum().alias("n_non_ai_in_cells"),
    ]
    all_counts = [
        pl.len().alias("n_cells_total"),
        pl.col("n1").sum().alias("n_ai"),
        pl.col("n0").sum().alias("n_non_ai"),
    ]
    if by:
        est = ok.group_by(by).agg(agg_exprs)
        tot = cells.group_by(by).agg(all_counts)
        out = tot.join(est, on=by, how="left").sort(by)
    else:
        est = ok.select(agg_exprs) if ok.height else pl.DataFrame(
            {"gap": [None], "se": [None], "n_cells": [0], "n_ai_in_cells": [0],
             "n_non_ai_in_cells": [0]},
            schema_overrides={"gap": pl.Float64, "se": pl.Float64, "n_cells": pl.UInt32,
                              "n_ai_in_cells": pl.UInt32, "n_non_ai_in_cells": pl.UInt32})
        out = pl.concat([cells.select(all_counts), est], how="horizontal")
    return out.with_columns(
        pl.when(pl.col("n_cells") > 0).then(pl.col("gap")).alias("gap"),
    ).with_columns(
        (pl.col("gap") - Z_95 * pl.col("se")).alias("ci_low"),
        (pl.col("gap") + Z_95 * pl.col("se")).alias("ci_high"),
    )
