"""The shared agency definitions: row forms, count forms and the all-at-once sums agree."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from neijuan.agency import metrics as m


def _rows(seed: int, n: int, k: int) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    outcome = rng.integers(0, 3, n)
    return {
        "origin": rng.integers(0, 2, n), "action": rng.integers(0, 5, n),
        "seconds": rng.uniform(0, 30, n), "ai_wrong": rng.random(n) < 0.3,
        "edit": np.where(rng.random(n) < 0.5, rng.random(n), np.nan),
        "failure": outcome == 1, "success": outcome == 0,
        "blame": m.PARTY_WEIGHT[rng.integers(0, 4, n)],
        "credit": m.PARTY_WEIGHT[rng.integers(0, 4, n)],
        "group": rng.integers(0, k, n),
    }


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 10_000), n=st.integers(1, 300), k=st.integers(1, 6))
def test_counts_match_row_forms(seed: int, n: int, k: int) -> None:
    r = _rows(seed, n, k)
    g = r["group"]
    figs = m.agency_figures(m.agency_counts(r["origin"], r["action"], r["seconds"], 10.0,
                                            r["ai_wrong"], r["edit"], r["failure"],
                                            r["success"], r["blame"], r["credit"], g, k))
    pairs = {
        "origination_share": m.origination_share(r["origin"], g, k),
        "override_rate": m.override_rate(r["origin"], r["action"], g, k),
        "edit_rate": m.edit_rate(r["origin"], r["action"], g, k),
        "edit_depth": m.edit_depth(r["origin"], r["action"], r["edit"], g, k),
        "rubber_stamp_rate": m.rubber_stamp_rate(r["origin"], r["action"], r["seconds"], 10.0,
                                                 g, k),
        "automation_bias": m.automation_bias(r["origin"], r["action"], r["ai_wrong"], g, k),
        "blame_authority_gap": m.blame_authority_gap(r["origin"], r["failure"], r["blame"], g, k),
        "credit_asymmetry": m.credit_asymmetry(r["failure"], r["blame"], r["success"],
                                               r["credit"], g, k),
    }
    for name, row_form in pairs.items():
        assert np.allclose(figs[name]["value"], row_form, equal_nan=True), name
        v = figs[name]["value"]
        ok = np.isfinite(v) & np.isfinite(figs[name]["lo"])  # one edit: a mean, no interval
        assert (figs[name]["lo"][ok] <= v[ok] + 1e-12).all()
        assert (v[ok] <= figs[name]["hi"][ok] + 1e-12).all()
    # the groups add up to the whole
    whole = m.agency_counts(r["origin"], r["action"], r["seconds"], 10.0, r["ai_wrong"],
                            r["edit"], r["failure"], r["success"], r["blame"], r["credit"])
    parts = m.agency_counts(r["origin"], r["action"], r["seconds"], 10.0, r["ai_wrong"],
                            r["edit"], r["failure"], r["success"], r["blame"], r["credit"], g, k)
    for key, v in whole.items():
        assert v[0] == pytest.approx(parts[key].sum()), key


def test_count_forms_by_hand() -> None:
    # simulator-style sums per worker: 10 failures, 6 blamed; 40 of 100 decisions originated
    assert m.blame_authority_gap_from_counts(6, 10, 40, 100)[()] == pytest.approx(0.2)
    assert m.credit_asymmetry_from_counts(6, 10, 30, 90)[()] == pytest.approx(0.6 - 1 / 3)
    assert np.isnan(m.blame_share_from_counts(0, 0))
    lo, hi = m.wilson_interval(0, 10)
    assert lo == 0.0 and 0.2 < hi < 0.35  # Wilson: 0/10 -> [0, 0.278]
    assert hi == pytest.approx(0.2775, abs=1e-3)
