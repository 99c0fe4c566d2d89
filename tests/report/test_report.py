"""The report: it shows the API's numbers (never its own), in both languages, offline."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from neijuan.errors import ConfigError
from neijuan.report.core import compare_frame, figure_rows, format_value, series_bands, stamp
from neijuan.report.i18n import FIGURE_ZH, GROUP_ZH, LANGS, TEXT, check_lang, figure_label


def test_every_text_has_both_languages() -> None:
    for key, texts in TEXT.items():
        assert set(texts) == set(LANGS), key
        assert all(v.strip() for v in texts.values()), key
    for zh in [*FIGURE_ZH.values(), *GROUP_ZH.values()]:
        assert re.search(r"[\u4e00-\u9fff]", zh)


def test_group_titles_translated() -> None:
    from neijuan.sim.figures import GROUPS, PERIOD_FIGURES, RUN_FIGURES

    assert set(GROUP_ZH) == set(GROUPS)
    for name in FIGURE_ZH:
        assert name in RUN_FIGURES or name in PERIOD_FIGURES, name


def test_check_lang() -> None:
    assert check_lang("zh") == "zh"
    with pytest.raises(ConfigError, match="zh, en"):
        check_lang("fr")


def test_figure_label_short_for_long_descriptions() -> None:
    long = figure_label("relative_wage_growth_low", "en", short=True)
    assert long == "relative wage growth low"
    assert figure_label("involution_index", "zh") == "内卷指数"


def test_format_value() -> None:
    assert format_value(0.0512, "share") == "5.1%"
    assert format_value(0.012, "share", effect=True) == "+1.2pp"
    assert format_value(-0.0123, "1/yr", effect=True) == "-1.23pp/yr"
    assert format_value(None, "share") == "-"
    assert format_value(float("nan"), "share") == "-"


def test_bands_are_seed_percentiles_of_the_api_series(tiny_results: dict[str, Any]) -> None:
    r = tiny_results["ai-baseline"]
    b = series_bands(r, ["effort_per_position", "unemployment_rate"])
    assert len(b["year"]) == r.scenario.run.periods
    series = r.series().filter(r.series()["measured"]).sort("seed", "period")
    grid = series["unemployment_rate"].to_numpy().reshape(len(r.seeds), -1)
    f = b["figures"]["unemployment_rate"]
    np.testing.assert_allclose(f["mean"], grid.mean(axis=0))
    np.testing.assert_allclose(f["lo"], np.percentile(grid, 5, axis=0))
    assert all(lo <= m <= hi for lo, m, hi in zip(f["lo"], f["mean"], f["hi"], strict=True))
    twin = series_bands(r, ["unemployment_rate"], twin=True)
    assert len(twin["year"]) == len(b["year"])
    with pytest.raises(KeyError, match="no_such"):
        series_bands(r, ["no_such"])
    assert series_bands(tiny_results["geertz"], ["output"], twin=True)["figures"] == {}


def test_rows_and_compare_repeat_the_api(tiny_results: dict[str, Any]) -> None:
    r = tiny_results["ai-baseline"]
    rows = {row["figure"]: row for row in figure_rows(r)}
    for name in ("involution_index", "blame_authority_gap", "unemployment_rate"):
        assert rows[name]["mean"] == pytest.approx(r.figure(name)["mean"])
        assert rows[name]["effect"] == pytest.approx(r.effect(name)["mean"])
        assert rows[name]["effect_lo"] == pytest.approx(r.effect(name)["lo"])
    frame = compare_frame([r, tiny_results["geertz"]], ["involution_index"])
    assert frame["scenario"].to_list() == ["ai-baseline", "geertz"]
    assert frame["effect"].to_list()[1] is None  # geertz has no AI, so no twin
    st = stamp(r)
    assert st["seeds"] == r.seeds and st["code_version"] and st["workers"] == 2000


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_report_is_self_contained_and_stamped(tiny_results: dict[str, Any], lang: str,
                                              tmp_path: Path) -> None:
    from neijuan.report.build import build_report

    html = build_report(lang, results=tiny_results, data_dir=tmp_path / "no-data")
    assert html.startswith("<!DOCTYPE html>")
    # offline: plotly.js inline, nothing fetched from a network
    assert "Plotly.newPlot" in html and len(html) > 3_000_000
    assert not re.search(r"""<script[^>]+src=["']https?:""", html)
    assert "Noto Sans CJK SC" in html
    for section in ("mechanism", "polarization", "retained", "agency", "atlas", "ads",
                    "claims", "calibration", "summary"):
        assert f'id="{section}"' in html
    code = tiny_results["ai-baseline"].provenance["code_version"]
    assert code in html
    texts = TEXT
    assert texts["s_mechanism"][lang] in html
    # absent data is said plainly
    assert texts["absent_ads"][lang].split("`")[0] in html
    assert texts["absent_atlas"][lang].split("（")[0].split("(")[0] in html
    # the shipped fit of ai-baseline: its parameters with intervals, its targets in and out
    assert texts["s_calibration_p"][lang] in html
    assert "ai.cost_decline" in html and "bls_productivity_2018_2024" in html
    assert texts["held_out"][lang] in html
    if lang == "zh":
        assert '<html lang="zh-CN">' in html and "种子" in html
    else:
        assert '<html lang="en">' in html and "seeds" in html


def test_report_with_the_atlas(tiny_results: dict[str, Any], real_data_dir: Path) -> None:
    from neijuan.report.build import build_report

    html = build_report("en", results=tiny_results, data_dir=real_data_dir)
    assert TEXT["absent_atlas"]["en"][:30] not in html
    assert TEXT["rank_corr"]["en"] in html
    assert "eloundou_human_beta" in html
    assert "Automation vs augmentation by skill tier" in html     # claims drawn as charts
    assert "by exposure quintile" in html


def test_result_plot(tiny_results: dict[str, Any]) -> None:
    fig = tiny_results["ai-baseline"].plot(["unemployment_rate"], lang="zh")
    names = [tr.name for tr in fig.data if tr.name]
    assert any("无 AI" in n for n in names) and any("有 AI" in n for n in names)
    assert "ai-baseline" in fig.layout.title.text
    with pytest.raises(ConfigError):
        tiny_results["ai-baseline"].plot(lang="de")


def test_compare_html(tiny_results: dict[str, Any]) -> None:
    from neijuan.report.compare import compare_html

    html = compare_html([tiny_results["ai-baseline"], tiny_results["jevons"]], "en")
    assert "ai-baseline / jevons" in html
    assert html.count('class="plot"') >= 6


def test_ads_section_from_an_analysed_folder(tmp_path: Path) -> None:
    import datetime as dt

    import polars as pl

    from neijuan.ads.analysis import ADS_KIND
    from neijuan.atomic import atomic_folder
    from neijuan.report.build import _ads_section

    rng = np.random.default_rng(1)
    n = 300
    year = rng.choice([2022, 2023, 2024], n)
    ai = rng.random(n) < np.where(year == 2024, 0.3, 0.1)
    frame = pl.DataFrame({
        "id": [f"x{i}" for i in range(n)],
        "date": [dt.date(int(y), 6, 1) for y in year],
        "ai_skill": ai, "ai_skill_specialist": ai, "ai_skill_tool": np.zeros(n, bool),
        "degree_level": ["bachelor"] * n, "degree_mentioned": np.ones(n, bool),
        "degree_required": rng.random(n) < 0.5,
        "salary_annual_min": np.full(n, 30_000.0), "salary_annual_max": np.full(n, 40_000.0),
        "salary_status": ["ok"] * n, "salary_currency": ["GBP"] * n,
        "occupation_soc": ["15-2051"] * n, "occupation_title": ["Data Scientists"] * n,
        "occupation_key": ["data scientist"] * n, "sector": ["Tech"] * n,
    })
    folder = tmp_path / "analysed"
    # written as `ads analyze --out` writes: a whole folder with its manifest
    with atomic_folder(folder, kind=ADS_KIND) as stage:
        frame.write_parquet(stage / "ads.parquet")
    section = _ads_section("en", folder)
    text = "".join(section.parts)
    assert "Plotly.newPlot" in text and f"{n:,} ads" in text
    assert TEXT["absent_ads"]["en"][:20] not in text
