"""``neijuan report``: the essay's argument walked through with the system's own results.

It runs the shipped scenarios through :func:`neijuan.simulate` (small by default, so that it ends
in under a minute on the built-in economy), reads the atlas, the job-ads analysis and the
published figures where they exist, and writes one self-contained HTML page. A section whose
data is absent says so and what would supply it.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

from neijuan.report.core import ATLAS_INDICES, compare_frame, format_value, result_payload
from neijuan.report.html import Section, page
from neijuan.report.i18n import check_lang, figure_label, t

# The scenarios the argument needs, and the per-period figures each section draws.
SCENARIOS = ("ai-baseline", "ai-demand-fitted", "jevons", "geertz", "agency-preserving",
             "augment-first", "automate-first")
SERIES = ("effort_per_position", "real_reward_per_position", "output_per_employed",
          "employment", "positions", "unemployment_rate", "output", "marginal_product_of_labour",
          "employment_share_low", "employment_share_mid", "employment_share_high",
          "relative_wage_low", "relative_wage_high", "degree_weight", "degree_required_share",
          "retained_not_needed_share", "defensive_review_share", "authority_share",
          "blame_share", "credit_share", "agency_index")

Progress = Callable[[str, int, int], None]  # (what, done, total)


def run_scenarios(names: tuple[str, ...] = SCENARIOS, *, workers: int = 5000, seeds: int = 3,
                  periods: int | None = None, overrides: dict[str, Any] | None = None,
                  progress: Progress | None = None) -> dict[str, Any]:
    """Each scenario simulated (with its no-AI twin) at the report's size: name -> Result."""
    from neijuan.sim.run import simulate

    results = {}
    for k, name in enumerate(names):
        def tick(done: int, total: int, k: int = k, name: str = name) -> None:
            if progress is not None:
                progress(name, k * 1000 + int(1000 * done / max(total, 1)), 1000 * len(names))

        results[name] = simulate(name, workers=workers, seeds=seeds, periods=periods,
                                 overrides=overrides, progress=tick)
        if progress is not None:
            progress(name, (k + 1) * 1000, 1000 * len(names))
    return results


def stamp_line(payload: dict[str, Any], lang: str) -> str:
    st = payload["stamp"]
    seeds = st["seeds"]
    return (f"{t('scenario', lang)} {st['scenario']} · {len(seeds)} {t('seeds', lang)} "
            f"({seeds[0]}-{seeds[-1]}) · {st['workers']:,} {t('workers', lang)} · "
            f"{st['periods']} {t('periods', lang)} {st['start_year']}- · {t('data', lang)}: "
            f"{st['data']} · {t('code', lang)} {st['code_version']}")


def build_report(lang: str = "zh", *, workers: int = 5000, seeds: int = 3,
                 periods: int | None = None, overrides: dict[str, Any] | None = None,
                 data_dir: str | Path | None = None, ads_dir: str | Path | None = None,
                 progress: Progress | None = None, results: dict[str, Any] | None = None) -> str:
    """The report as one HTML string (``results`` may be given to reuse runs)."""
    from neijuan.report import plots

    check_lang(lang)
    results = results or run_scenarios(workers=workers, seeds=seeds, periods=periods,
                                       overrides=overrides, progress=progress)
    payloads = {name: result_payload(r, SERIES) for name, r in results.items()}
    base = payloads.get("ai-baseline") or next(iter(payloads.values()))
    sections: list[Section] = []

    def pick(*names: str) -> list[dict[str, Any]]:
        return [payloads[n] for n in names if n in payloads]

    def stamps(*names: str) -> str:
        return " | ".join(stamp_line(p, lang) for p in pick(*names))

    # 1. the mechanism
    s = Section("mechanism", t("s_mechanism", lang))
    s.para(t("s_mechanism_p", lang))
    s.figure(plots.run_and_twin([base], ["effort_per_position", "real_reward_per_position"],
                                lang, t("s_mechanism", lang)), stamp_line(base, lang))
    _effects_table(s, results, ["involution_index", "effort_per_position_growth",
                                "real_reward_growth", "rent_dissipation"], lang)
    s.heading(t("s_productivity", lang))
    s.para(t("s_productivity_p", lang))
    s.figure(plots.run_and_twin([base], ["output_per_employed", "employment", "positions",
                                         "unemployment_rate"], lang, t("s_productivity", lang)),
             stamp_line(base, lang))
    _effects_table(s, results, ["productivity_growth", "employment_growth", "positions_growth",
                                "unemployment_rate"], lang)
    s.heading(t("s_geertz", lang))
    s.para(t("s_geertz_p", lang))
    if "geertz" in payloads:
        s.figure(plots.run_and_twin(pick("geertz", "ai-baseline"),
                                    ["output", "output_per_employed",
                                     "marginal_product_of_labour", "employment"], lang,
                                    t("s_geertz", lang), twin=False), stamps("geertz", "ai-baseline"))
    s.heading(t("s_elasticity", lang))
    s.para(t("s_elasticity_p", lang))
    demand = ("ai-baseline", "ai-demand-fitted", "jevons")
    s.figure(plots.run_and_twin(pick(*demand),
                                ["positions", "effort_per_position"], lang,
                                t("s_elasticity", lang), twin=False),
             stamps(*demand))
    s.figure(plots.compare_bars(compare_frame([results[n] for n in demand if n in results]),
                                ["involution_index", "positions_growth", "unemployment_rate",
                                 "retained_not_needed_share"], lang,
                                f"{t('ai_effect', lang)} ({t('band', lang)})"),
             stamps(*demand))
    _effects_table(s, results, ["involution_index", "positions_growth", "unemployment_rate"],
                   lang, demand)
    sections.append(s)

    # 2. polarization, skills against degrees
    s = Section("polarization", t("s_polarization", lang))
    s.para(t("s_polarization_p", lang))
    s.figure(plots.run_and_twin([base], ["employment_share_low", "employment_share_mid",
                                         "employment_share_high", "degree_weight"], lang,
                                t("s_polarization", lang)), stamp_line(base, lang))
    tiers = [n for n in ("augment-first", "automate-first") if n in results]
    if tiers:
        s.figure(plots.compare_bars(compare_frame([results[n] for n in tiers]),
                                    ["relative_wage_growth_low", "relative_wage_growth_high",
                                     "polarization_mid", "degree_weight_change"], lang,
                                    f"{t('ai_effect', lang)}: augment-first / automate-first"),
                 stamps(*tiers))
    _effects_table(s, results, ["polarization_low", "polarization_mid", "polarization_high",
                                "relative_wage_growth_low", "relative_wage_growth_high",
                                "degree_required_share", "degree_weight", "ai_wage_premium",
                                "ai_skill_return"], lang,
                   ("ai-baseline", "augment-first", "automate-first"))
    sections.append(s)

    # 3. retained against needed; 4. agency and blame
    s = Section("retained", t("s_retained", lang))
    s.para(t("s_retained_p", lang))
    s.figure(plots.run_and_twin(pick("ai-baseline", "agency-preserving"),
                                ["retained_not_needed_share", "defensive_review_share"], lang,
                                t("s_retained", lang), twin=False),
             stamps("ai-baseline", "agency-preserving"))
    _effects_table(s, results, ["retained_not_needed_share", "defensive_review_share",
                                "agency_index"], lang, ("ai-baseline", "agency-preserving"))
    sections.append(s)
    s = Section("agency", t("s_agency", lang))
    s.para(t("s_agency_p", lang))
    s.figure(plots.run_and_twin(pick("ai-baseline", "agency-preserving"),
                                ["authority_share", "blame_share", "credit_share",
                                 "agency_index"], lang, t("s_agency", lang), twin=False),
             stamps("ai-baseline", "agency-preserving"))
    _effects_table(s, results, ["authority_share", "blame_share", "blame_authority_gap",
                                "credit_share"], lang, ("ai-baseline", "agency-preserving"))
    sections.append(s)

    # 5. the atlas; 6. job ads; 7. claims; calibration
    sections.append(_atlas_section(lang, data_dir))
    sections.append(_ads_section(lang, ads_dir))
    sections.append(_claims_section(lang, results.get("ai-baseline"), data_dir))
    sections.append(_calibration_section(lang))

    # appendix: every figure of the baseline
    s = Section("summary", t("s_summary", lang))
    s.para(t("effect_note", lang))
    for name, payload in payloads.items():
        s.heading(name)
        s.stamp(stamp_line(payload, lang))
        s.table([t("figure", lang), t("level", lang), t("range", lang), t("ai_effect", lang),
                 t("range", lang)],
                [(r["figure"], format_value(r["mean"], r["unit"]),
                  f"{format_value(r['lo'], r['unit'])} .. {format_value(r['hi'], r['unit'])}",
                  format_value(r["effect"], r["unit"], effect=True),
                  "-" if r["effect"] is None else
                  f"{format_value(r['effect_lo'], r['unit'], True)} .. "
                  f"{format_value(r['effect_hi'], r['unit'], True)}")
                 for r in payload["rows"]])
    sections.append(s)
    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    footer = f"{t('generated', lang)} {now} · neijuan {base['stamp']['code_version']}"
    return page(t("title", lang), t("subtitle", lang), sections, lang, footer)


def _effects_table(s: Section, results: dict[str, Any], figures: list[str], lang: str,
                   scenarios: tuple[str, ...] = ("ai-baseline", "jevons")) -> None:
    """The scenarios' AI effects on the figures, with the 5-95% range over seeds."""
    frame = compare_frame([results[n] for n in scenarios
                           if n in results and results[n].twin is not None], figures)
    rows = []
    for row in frame.iter_rows(named=True):
        rows.append((row["scenario"], figure_label(row["figure"], lang, row["description"]),
                     format_value(row["mean"], row["unit"]),
                     format_value(row["effect"], row["unit"], effect=True),
                     f"{format_value(row['effect_lo'], row['unit'], True)} .. "
                     f"{format_value(row['effect_hi'], row['unit'], True)}"))
    s.table([t("scenario", lang), t("figure", lang), t("level", lang), t("ai_effect", lang),
             t("range", lang)], rows, text_cols=(1,))


def _atlas(data_dir: str | Path | None) -> Any:
    """The atlas, or None when its data is absent."""
    from neijuan.errors import NeijuanError

    try:
        from neijuan.atlas import load_atlas

        return load_atlas(data_dir)
    except (NeijuanError, FileNotFoundError, OSError):
        return None


def _atlas_section(lang: str, data_dir: str | Path | None) -> Section:
    import plotly.graph_objects as go

    from neijuan.report import plots
    from neijuan.report.core import index_agreement, wage_deciles

    s = Section("atlas", t("s_atlas", lang))
    s.para(t("s_atlas_p", lang))
    atlas = _atlas(data_dir)
    if atlas is None:
        s.absent(t("absent_atlas", lang))
        return s
    occ = atlas.occupations
    version = atlas_version(atlas)
    index = "eloundou_human_beta"
    d = occ.drop_nulls([index, "median_wage"])
    fig = go.Figure(go.Scatter(
        x=d["median_wage"].to_list(), y=d[index].to_list(), mode="markers",
        text=[f"{a} {b}" for a, b in zip(d["soc"], d["title"], strict=True)],
        marker={"size": [max(4.0, min(30.0, (e or 0) ** 0.5 / 40)) for e in d["employment"]],
                "color": "#1f5fa8", "opacity": 0.55}))
    fig.update_xaxes(title=t("median_wage", lang), type="log")
    fig.update_yaxes(title=f"{t('exposure', lang)} ({index})")
    s.figure(plots.layout(fig, t("exposure_wage", lang)),
             f"{t('data', lang)}: {version} · {d.height} occupations")
    deciles = wage_deciles(atlas)
    fig = go.Figure()
    for k, name in enumerate(deciles["indices"]):
        fig.add_trace(go.Scatter(x=deciles["decile"], y=deciles["z"][name], mode="lines+markers",
                                 name=name, line={"color": plots.PALETTE[k % len(plots.PALETTE)]}))
    fig.update_xaxes(title=t("decile", lang))
    s.figure(plots.layout(fig, t("by_decile", lang), height=460),
             f"{t('data', lang)}: {version} · employment-weighted, z-scores across deciles")
    agree = index_agreement(atlas)
    fig = go.Figure(go.Heatmap(z=agree["rho"], x=agree["indices"], y=agree["indices"],
                               zmin=-1, zmax=1, colorscale="RdBu"))
    s.figure(plots.layout(fig, t("rank_corr", lang), height=620),
             f"{t('data', lang)}: {version} · Spearman over occupations with both indices")
    return s


def atlas_version(atlas: Any) -> str:
    """The atlas's data and code versions from its build manifest: each source with its
    release, and the code that built it."""
    prov = getattr(atlas, "provenance", None) or {}
    sources = sorted({f"{v.get('source')} {v.get('version')}".strip()
                      for v in (prov.get("inputs") or {}).values() if isinstance(v, dict)})
    text = ", ".join(sources) if sources else "atlas (O*NET, BLS OEWS, exposure indices)"
    code = prov.get("code_version")
    return f"{text}; atlas built by {code}" if code else text


def _ads_section(lang: str, ads_dir: str | Path | None) -> Section:
    import plotly.graph_objects as go

    from neijuan.report import plots

    s = Section("ads", t("s_ads", lang))
    s.para(t("s_ads_p", lang))
    if ads_dir is None:
        s.absent(t("absent_ads", lang))
        return s
    from neijuan.ads.timeseries import trends
    from neijuan.provenance import code_version

    result = trends(ads_dir, freq="year")
    sh = result.shares.sort("period")
    x = [str(p) for p in sh["period"].to_list()]
    fig = go.Figure()
    plots.add_band(fig, x, {"mean": sh["share_ai"].to_list(), "lo": sh["share_ai_ci_low"].to_list(),
                            "hi": sh["share_ai_ci_high"].to_list()}, t("share_ai_ads", lang),
                   plots.PALETTE[0])
    fig.add_trace(go.Scatter(x=x, y=sh["share_degree_required"].to_list(), mode="lines+markers",
                             name=t("share_degree", lang), line={"color": plots.PALETTE[1]}))
    s.figure(plots.layout(fig, t("s_ads", lang)),
             f"{t('data', lang)}: {Path(ads_dir).name} · {int(sh['n_ads'].sum()):,} ads · "
             f"{t('code', lang)} {code_version()}")
    return s


def shipped_fit(scenario: str = "ai-baseline") -> dict[str, Any] | None:
    """The fit report shipped beside a scenario file (``<scenario>.fit.json``), if any."""
    import json
    from importlib import resources

    res = resources.files("neijuan.scenarios").joinpath(f"{scenario}.fit.json")
    if not res.is_file():
        return None
    return dict(json.loads(res.read_text(encoding="utf-8")))


def _calibration_section(lang: str) -> Section:
    """The shipped fit of ai-baseline: each fitted parameter with its interval and search box,
    each published figure against the fitted model, in or out of the fit."""
    s = Section("calibration", t("s_calibration", lang))
    fit = shipped_fit() if importlib.util.find_spec("neijuan.calibrate") else None
    if fit is None:
        s.absent(t("absent_calibration", lang))
        return s
    s.para(t("s_calibration_p", lang))
    s.table([t("parameter", lang), t("fitted", lang), t("interval90", lang), t("box", lang)],
            [(p["key"], f"{p['value']:.3g}", f"{p['lo']:.3g} .. {p['hi']:.3g}",
              f"{p['box'][0]:g} .. {p['box'][1]:g}") for p in fit["parameters"]])
    within = t("yes", lang), t("no", lang)
    s.table([t("target", lang), t("window", lang), t("source_figure", lang),
             t("model_figure", lang), t("range", lang), t("tolerance", lang), t("within", lang),
             t("in_fit", lang)],
            [(r["name"], _years(r["window"]), f"{r['published']:.3g}",
              f"{r['simulated']['mean']:.3g}",
              f"{r['simulated']['lo']:.3g} .. {r['simulated']['hi']:.3g}",
              f"{r['tolerance']:g}", within[0] if r["within"] else within[1],
              within[0] if r["in_fit"] else t("held_out", lang)) for r in fit["targets"]])
    prov = fit["provenance"]
    cfg = fit["config"]
    s.stamp(f"{t('objective', lang)} {fit['objective']:.3g} · {fit['evaluations']} "
            f"{t('evaluations', lang)} · {cfg['workers']:,} {t('workers', lang)} · "
            f"{len(prov['report_seeds'])} {t('seeds', lang)} · {t('code', lang)} "
            f"{prov['version']}")
    return s


def _years(window: str) -> str:
    """"2024-2024" as "2024"."""
    first, _, last = str(window).partition("-")
    return first if first == last else str(window)


def _claims_section(lang: str, baseline: Any, data_dir: str | Path | None) -> Section:
    from neijuan.targets import fit_report, published

    s = Section("claims", t("s_claims", lang))
    s.para(t("s_claims_p", lang))
    pub = published()
    essay = [p for p in pub.values() if p.id.startswith("essay_")]
    if essay:
        s.table([t("claim", lang), t("essay_figure", lang), t("verdict", lang)],
                [(p.id, p.figure if p.figure is not None else (p.direction or "-"),
                  p.note or "") for p in essay], text_cols=(2,))
    if baseline is not None:
        import warnings

        with warnings.catch_warnings():  # a window outside a short run gives NaN, shown as nan
            warnings.simplefilter("ignore", RuntimeWarning)
            fit = fit_report(baseline)
        def g(v: float) -> str:
            return f"{v:.3g}" if math.isfinite(v) else "-"   # "-": the run ends before

        s.table([t("claim", lang), t("window", lang), t("source_figure", lang),
                 t("model_figure", lang), t("range", lang), t("source", lang)],
                [(r["target"], _years(r["window"]), g(r["published"]), g(r["simulated"]),
                  f"{g(r['lo'])} .. {g(r['hi'])}", r["source"])
                 for r in fit.iter_rows(named=True)], text_cols=(5,))
        s.stamp(stamp_line(result_payload(baseline, ()), lang))
    atlas = _atlas(data_dir)
    if atlas is None:
        s.absent(t("absent_atlas", lang))
        return s
    from neijuan.atlas import compute_claims

    claims = compute_claims(atlas)
    _claim_charts(s, claims, lang, atlas_version(atlas))
    rows = []
    for claim in claims:
        published_text = "; ".join(
            f"{p.source}: {p.figure if p.figure is not None else p.direction}"
            for p in claim.published)
        rows.append((claim.title, published_text or "-", _summary_text(claim.summary)))
    s.table([t("claim", lang), t("source_figure", lang), t("recomputed", lang)], rows,
            text_cols=(0, 1, 2))
    s.stamp(f"{t('data', lang)}: {atlas_version(atlas)}")
    return s


def _claim_charts(s: Section, claims: list[Any], lang: str, version: str) -> None:
    """Two of the atlas's claims as charts (their tables, as the atlas computes them): the
    skill tiers' exposure, automation level and human roles; employment change by exposure
    quintile for several indices side by side."""
    import plotly.graph_objects as go
    import polars as pl

    from neijuan.report import plots

    by_id = {c.id: c for c in claims}
    tiers = by_id.get("automation_vs_augmentation_by_tier")
    if tiers is not None and tiers.table.height:
        fig = go.Figure()
        cols = [c for c in ("share_exposed", "gpt4_automation_level", "share_originate",
                            "share_confirm", "share_hands_on") if c in tiers.table.columns]
        for k, col in enumerate(cols):
            fig.add_trace(go.Bar(x=tiers.table["skill_tier"].to_list(), y=tiers.table[col].to_list(),
                                 name=col, marker_color=plots.PALETTE[k % len(plots.PALETTE)]))
        fig.update_layout(barmode="group")
        s.figure(plots.layout(fig, tiers.title), f"{t('data', lang)}: {version}")
    quint = by_id.get("change_by_exposure_quintile")
    if quint is not None and "employment_change_rel" in quint.table.columns:
        fig = go.Figure()
        for k, name in enumerate(ATLAS_INDICES):
            part = quint.table.filter(pl.col("index") == name).sort("quintile")
            if part.height:
                fig.add_trace(go.Scatter(x=part["quintile"].to_list(),
                                         y=part["employment_change_rel"].to_list(),
                                         mode="lines+markers", name=name,
                                         line={"color": plots.PALETTE[k % len(plots.PALETTE)]}))
        fig.update_xaxes(title="exposure quintile", dtick=1)
        fig.update_yaxes(title="employment change - all")
        s.figure(plots.layout(fig, quint.title, height=460), f"{t('data', lang)}: {version}")


def _summary_text(summary: dict[str, Any], limit: int = 6) -> str:
    """The first few numbers of a claim's summary, flattened and rounded, readable."""
    parts: list[str] = []

    def walk(prefix: str, value: Any) -> None:
        if len(parts) >= limit:
            return
        if isinstance(value, dict):
            for key, inner in value.items():
                walk(f"{prefix}.{key}" if prefix else str(key), inner)
        elif isinstance(value, float):
            parts.append(f"{prefix} = {value:.3g}")
        elif isinstance(value, list):
            parts.append(f"{prefix} = [{', '.join(_num(v) for v in value[:4])}]")
        else:
            parts.append(f"{prefix} = {value}")

    walk("", summary)
    return "; ".join(parts)


def _num(value: Any) -> str:
    return f"{value:.3g}" if isinstance(value, float) else str(value)
