"""Figures over time from an analysed corpus: shares of AI-skill and degree ads, and the AI premium.

``trends(DIR or frame, freq=..., by=...)`` returns Polars frames; :func:`write_trends` saves them
(Parquet and CSV) and :func:`plot_trends` draws them (a self-contained Plotly HTML file, offline).
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from neijuan.ads.analysis import readable
from neijuan.ads.premium import MIN_CELL_N, Z_95, raw_gap, regression_premium
from neijuan.atomic import atomic_path
from neijuan.errors import ConfigError, DataError

FREQS = {"month": "1mo", "quarter": "1q", "year": "1y"}
BYS = ("none", "occupation", "sector")
USABLE_SALARY = ("ok",)
# Below this many observations in the regression, robust standard errors are flagged as unreliable
# (HC1's small-sample bias; MacKinnon & White 1985).
FEW_OBS = 200


@dataclass
class TrendsResult:
    """Shares per period (and group), and the premium both ways, with the notes that qualify them."""

    shares: pl.DataFrame
    premium_raw: pl.DataFrame
    premium_regression: pl.DataFrame
    freq: str
    by: str
    notes: list[str] = field(default_factory=list)


def load_ads(source: str | os.PathLike[str] | pl.DataFrame) -> pl.DataFrame:
    """The per-ad frame: given, or read from ``DIR/ads.parquet`` (or a Parquet file)."""
    if isinstance(source, pl.DataFrame):
        return source
    p = Path(source)
    path = p / "ads.parquet" if p.is_dir() else p
    if p.is_file() and p.suffix.lower() != ".parquet":
        raise DataError(f"{p} is a file; `ads trends` reads the folder written by `neijuan ads "
                        f"analyze FILE --out DIR` (give DIR)")
    if not path.is_file():
        raise DataError(f"{path}: no analysed ads here; run `neijuan ads analyze FILE --out {p}`")
    if p.is_dir():  # a whole analysis folder, or refused (incomplete, foreign, older layout)
        from neijuan.ads.analysis import ADS_KIND
        from neijuan.atomic import read_manifest

        read_manifest(p, kind=ADS_KIND, what="result folder of 'neijuan ads analyze'")
    try:
        ads = pl.read_parquet(path)
    except Exception as exc:  # a damaged or foreign file: several polars/arrow error types
        raise DataError(f"{path}: not a readable ads.parquet ({type(exc).__name__}: {exc})") \
            from None
    missing = {"date", "ai_skill", "degree_level", "salary_annual_min"} - set(ads.columns)
    if missing:
        raise DataError(f"{path}: not an ads.parquet from `neijuan ads analyze` "
                        f"(missing {sorted(missing)})")
    if ads.height == 0:
        raise DataError(f"{path}: holds no ads (every row was rejected: see rejects.csv beside it)")
    return ads


def _period(freq: str) -> pl.Expr:
    d = pl.col("date").dt.truncate(FREQS[freq])
    if freq == "month":
        return d.dt.strftime("%Y-%m")
    if freq == "quarter":
        return pl.format("{}Q{}", d.dt.year(), d.dt.quarter())
    return d.dt.year().cast(pl.String)


def _group(by: str) -> pl.Expr:
    if by == "occupation":
        # SOC code and title when mapped; otherwise the normalised title itself.
        return pl.coalesce(
            pl.concat_str([pl.col("occupation_soc"), pl.col("occupation_title")], separator=" "),
            pl.col("occupation_soc"),
            pl.format("title: {}", pl.col("occupation_key")),
            pl.lit("(no title)"),
        )
    if by == "sector":
        return pl.col("sector").fill_null("(unmapped)")
    return pl.lit("all")


def _wilson(k: pl.Expr, n: pl.Expr, side: int) -> pl.Expr:
    """Wilson 95% interval for a share k/n (well behaved at 0 and 1 and for small n)."""
    z = Z_95
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * ((p * (1 - p) / n + z * z / (4 * n * n)).sqrt()) / (1 + z * z / n)
    return pl.when(n > 0).then((centre + side * half).clip(0.0, 1.0))


def shares(ads: pl.DataFrame, freq: str = "year", by: str = "none") -> pl.DataFrame:
    """Per period (and group): counts and shares of AI-skill ads (either, specialist, tool) and of
    ads requiring / mentioning a degree, overall and among AI ads; Wilson 95% CI on the AI share."""
    ai = pl.col("ai_skill")
    frame = ads.filter(pl.col("date").is_not_null()).with_columns(
        _period(freq).alias("period"), _group(by).alias("group"))
    out = frame.group_by("period", "group").agg(
        pl.len().alias("n_ads"),
        ai.sum().alias("n_ai"),
        pl.col("ai_skill_specialist").sum().alias("n_ai_specialist"),
        pl.col("ai_skill_tool").sum().alias("n_ai_tool"),
        pl.col("degree_mentioned").sum().alias("n_degree_mentioned"),
        pl.col("degree_required").sum().alias("n_degree_required"),
        (pl.col("degree_mentioned") & ai).sum().alias("n_ai_degree_mentioned"),
        (pl.col("degree_required") & ai).sum().alias("n_ai_degree_required"),
    )
    n, nai = pl.col("n_ads"), pl.col("n_ai")
    return out.with_columns(
        (nai / n).alias("share_ai"),
        _wilson(nai, n, -1).alias("share_ai_ci_low"),
        _wilson(nai, n, +1).alias("share_ai_ci_high"),
        (pl.col("n_ai_specialist") / n).alias("share_ai_specialist"),
        (pl.col("n_ai_tool") / n).alias("share_ai_tool"),
        (pl.col("n_degree_mentioned") / n).alias("share_degree_mentioned"),
        (pl.col("n_degree_required") / n).alias("share_degree_required"),
        pl.when(nai > 0).then(pl.col("n_ai_degree_mentioned") / nai)
        .alias("share_degree_mentioned_among_ai"),
        pl.when(nai > 0).then(pl.col("n_ai_degree_required") / nai)
        .alias("share_degree_required_among_ai"),
    ).sort("period", "group")


def trends(source: str | os.PathLike[str] | pl.DataFrame, freq: str = "year",
           by: str = "none") -> TrendsResult:
    """Shares over time and the AI wage premium (raw gap and FE regression). Mirrors
    ``neijuan ads trends``. ``by`` = none | occupation | sector groups the shares and the raw gap;
    the regression is per period (its fixed effects are occupation x period x currency)."""
    if freq not in FREQS:
        raise ConfigError(f"--freq {freq!r}: use one of {', '.join(FREQS)}")
    if by not in BYS:
        raise ConfigError(f"--by {by!r}: use one of {', '.join(BYS)}")
    ads = load_ads(source)
    notes: list[str] = []
    undated = ads["date"].null_count()
    if undated:
        notes.append(f"{undated} ads have no date and are left out of the series")
    unmapped = int(ads["occupation_soc"].null_count()) if "occupation_soc" in ads.columns else 0
    if unmapped:
        notes.append(f"{unmapped} of {ads.height} ads have no SOC code; their occupation is their "
                     "normalised title")
    share_table = shares(ads, freq, by)
    sal = ads.filter(pl.col("salary_status").is_in(USABLE_SALARY) & pl.col("date").is_not_null()
                     & pl.col("salary_currency").is_not_null()).with_columns(
        pl.coalesce((pl.col("salary_annual_min") + pl.col("salary_annual_max")) / 2,
                    pl.col("salary_annual_min"), pl.col("salary_annual_max")).alias("salary"),
        _period(freq).alias("period"),
        _group("occupation").alias("_occ"),
        _group(by).alias("group"),
    ).filter(pl.col("salary") > 0).with_columns(pl.col("salary").log().alias("log_salary"))
    notes.append(f"premium: {sal.height} of {ads.height} ads have a usable salary "
                 "(annualised midpoint; statuses other than 'ok' left out)")
    groups = ["period"] if by == "none" else ["period", "group"]
    raw = raw_gap(sal, "_occ", groups) if sal.height else pl.DataFrame()
    reg = regression_premium(sal, "period", "_occ", ["period"]) if sal.height else pl.DataFrame()
    if raw.height and int(raw["n_cells"].fill_null(0).sum()) == 0:
        notes.append(f"raw gap: no occupation has at least {MIN_CELL_N} AI and {MIN_CELL_N} "
                     "non-AI ads with a salary in the same period and currency; it needs more ads")
    if reg.height and "note" in reg.columns:
        for r in reg.filter(pl.col("note").is_not_null()).iter_rows(named=True):
            notes.append(f"regression {r['group']}: {r['term']} {r['note']}")
    if reg.height:
        pooled = reg.filter((pl.col("group") == "(pooled)") & (pl.col("term") == "ai"))
        n_obs = int(pooled["n_obs"].fill_null(0).sum()) if pooled.height else 0
        if n_obs < FEW_OBS:
            notes.append(f"regression: only {n_obs} ads sit in occupation x period cells with more "
                         f"than one ad; with fewer than {FEW_OBS} the robust (HC1) standard errors "
                         "are unreliable (they can even be zero)")
    return TrendsResult(shares=share_table, premium_raw=raw, premium_regression=reg, freq=freq,
                        by=by, notes=notes)


def write_trends(result: TrendsResult, out_dir: str | os.PathLike[str]) -> list[Path]:
    """Save the three tables as Parquet and CSV under ``out_dir`` (atomically)."""
    out = Path(out_dir)
    written: list[Path] = []
    stem = f"trends_{result.freq}_{result.by}"
    for name, frame in (("shares", result.shares), ("premium_raw", result.premium_raw),
                        ("premium_regression", result.premium_regression)):
        for ext in ("parquet", "csv"):
            target = out / f"{stem}_{name}.{ext}"
            with atomic_path(target) as tmp:
                if ext == "parquet":
                    frame.write_parquet(tmp)
                else:
                    frame.write_csv(tmp)
            written.append(target)
    readable(*written)
    return written


def _finite(values: list[Any]) -> list[float | None]:
    return [v if isinstance(v, int | float) and math.isfinite(v) else None for v in values]


def plot_trends(result: TrendsResult, target: str | os.PathLike[str], top: int = 8) -> Path:
    """A self-contained HTML page (Plotly bundled, works offline) with the series and premia."""
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    fig = make_subplots(
        rows=3, cols=1, vertical_spacing=0.09,
        subplot_titles=(
            "Share of ads asking for AI skill",
            "Share of ads mentioning / requiring a degree (all ads and AI ads)",
            "AI wage premium (95% CI): raw same-occupation gap and FE regression",
        ),
    )
    s = result.shares
    if result.by == "none":
        for col, name in (("share_ai", "AI skill (either)"),
                          ("share_ai_specialist", "specialist"), ("share_ai_tool", "tool use")):
            err = None
            if col == "share_ai":
                err = dict(type="data", symmetric=False,
                           array=_finite((s["share_ai_ci_high"] - s["share_ai"]).to_list()),
                           arrayminus=_finite((s["share_ai"] - s["share_ai_ci_low"]).to_list()))
            fig.add_trace(go.Scatter(x=s["period"].to_list(), y=_finite(s[col].to_list()),
                                     name=name, mode="lines+markers", error_y=err,
                                     customdata=s["n_ads"].to_list(),
                                     hovertemplate="%{x}: %{y:.1%} of %{customdata} ads"),
                          row=1, col=1)
    else:
        top_groups = (s.group_by("group").agg(pl.col("n_ads").sum())
                      .sort("n_ads", descending=True).head(top)["group"].to_list())
        for g in top_groups:
            sub = s.filter(pl.col("group") == g)
            fig.add_trace(go.Scatter(x=sub["period"].to_list(), y=_finite(sub["share_ai"].to_list()),
                                     name=str(g)[:40], mode="lines+markers",
                                     customdata=sub["n_ads"].to_list(),
                                     hovertemplate="%{x}: %{y:.1%} of %{customdata} ads"),
                          row=1, col=1)
    overall = (s.group_by("period").agg(pl.col("^n_.*$").sum()).sort("period")
               if result.by != "none" else s)
    for num, den, name in (("n_degree_mentioned", "n_ads", "mentions a degree (all)"),
                           ("n_degree_required", "n_ads", "requires a degree (all)"),
                           ("n_ai_degree_mentioned", "n_ai", "mentions a degree (AI ads)"),
                           ("n_ai_degree_required", "n_ai", "requires a degree (AI ads)")):
        y = overall.select(pl.when(pl.col(den) > 0).then(pl.col(num) / pl.col(den)))[num].to_list()
        fig.add_trace(go.Scatter(x=overall["period"].to_list(), y=_finite(y), name=name,
                                 mode="lines+markers"), row=2, col=1)
    raw = result.premium_raw
    if raw.height and "gap" in raw.columns:
        r = raw if result.by == "none" else raw.filter(pl.col("group") == raw["group"][0])
        fig.add_trace(go.Scatter(
            x=r["period"].to_list(), y=_finite(r["gap"].to_list()), mode="markers",
            name="raw gap (PwC)",
            error_y=dict(type="data", symmetric=True, array=_finite((Z_95 * r["se"]).to_list()))),
            row=3, col=1)
    reg = result.premium_regression
    if reg.height and "term" in reg.columns:
        rr = reg.filter((pl.col("term") == "ai") & (pl.col("group") != "(pooled)"))
        fig.add_trace(go.Scatter(
            x=rr["group"].to_list(), y=_finite(rr["premium"].to_list()), mode="markers",
            name="FE regression exp(b)-1 (Bone et al.)",
            error_y=dict(type="data", symmetric=False,
                         array=_finite((rr["premium_ci_high"] - rr["premium"]).to_list()),
                         arrayminus=_finite((rr["premium"] - rr["premium_ci_low"]).to_list()))),
            row=3, col=1)
    for row in (1, 2, 3):
        fig.update_yaxes(tickformat=".0%", row=row, col=1)
    fig.update_layout(height=1100, title=f"Job ads: AI skill, degrees and the AI premium "
                      f"(by {result.freq}{'' if result.by == 'none' else ', ' + result.by})",
                      template="plotly_white")
    target = Path(target)
    with atomic_path(target) as tmp:
        fig.write_html(tmp, include_plotlyjs=True, full_html=True)
    readable(target)
    return target
