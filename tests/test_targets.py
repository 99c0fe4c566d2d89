"""Published figures: one validated list, and the fit report that sets the model beside it."""

from __future__ import annotations

import numpy as np
import pytest

import neijuan
from neijuan.sim.figures import PERIOD_FIGURES
from neijuan.targets import fit_report, model_value, published


def test_every_published_figure_has_its_source_and_wording() -> None:
    entries = published()
    assert len(entries) >= 15
    for entry in entries.values():
        assert entry.source and entry.citation and entry.wording
        assert entry.figure is not None or entry.direction or entry.derived_from
        if entry.model_figure:
            assert entry.model_figure in PERIOD_FIGURES, entry.id
    # the essay's misquotes are recorded as the sources' figures
    assert entries["bone_2024_ai_share_of_postings"].figure == pytest.approx(0.21)
    assert entries["oecd_2023_high_risk_jobs"].figure == pytest.approx(0.27)


def test_model_value_transforms() -> None:
    years = np.array([2018.0, 2018.5, 2019.0, 2019.5, 2020.0, 2020.5])
    values = np.array([1.0, 1.0, 2.0, 2.0, 3.0, 3.0])
    target = published()["pwc_2025_rpe_most_exposed"]
    from dataclasses import replace

    cum = replace(target, window=(2018, 2020), transform="cumulative")
    assert model_value(cum, years, values) == [pytest.approx(2.0)]
    ends = replace(target, window=(2018, 2020), transform="endpoints")
    assert model_value(ends, years, values) == [1.0, 3.0]
    level = replace(target, window=(2019, 2020), transform="level")
    assert model_value(level, years, values) == [pytest.approx(2.5)]


def test_fit_report_sets_each_target_beside_the_model() -> None:
    result = neijuan.simulate("ai-baseline", workers=3000, seeds=2, periods=28,
                              overrides={"run.burn_in": 8})
    report = fit_report(result)
    assert {"target", "published", "simulated", "lo", "hi", "source"} <= set(report.columns)
    assert report.height >= 5
    assert (report["lo"] <= report["hi"]).all()


def test_the_pwc_gap_is_free_of_any_deflator() -> None:
    import math

    from neijuan.targets import published_values

    entries = published()
    gap = entries["pwc_2025_rpe_gap"]
    a, b = (entries[i] for i in gap.derived_from or ())
    (value,) = published_values(gap)
    assert value == pytest.approx(math.log1p(a.figure) - math.log1p(b.figure))
    # the same gap from the real (deflated) levels: a common price level cancels
    (ra,), (rb,) = published_values(a), published_values(b)
    assert value == pytest.approx(math.log1p(ra) - math.log1p(rb))
