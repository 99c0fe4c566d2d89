"""Crosswalk arithmetic: allocation preserves totals, averages weight correctly, coverage warns."""

from __future__ import annotations

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from neijuan.data import crosswalks as xw

NEM = pl.DataFrame({
    "onet_soc": ["13-1021.00", "13-1022.00", "15-1252.00", "23-1011.00"],
    "soc": ["13-1020", "13-1020", "15-1252", "23-1011"],
})


def test_onet_to_unit_uses_nem_then_prefix() -> None:
    codes = pl.Series(["13-1021.00", "13-1021.01", "55-1011.00", "23-1011.00"])
    out = {r["onet_soc"]: (r["soc"], r["via"]) for r in xw.onet_to_unit(codes, NEM).iter_rows(
        named=True)}
    assert out["13-1021.00"] == ("13-1020", "nem")
    assert out["13-1021.01"] == ("13-1020", "prefix")  # another code of the same SOC
    assert out["55-1011.00"] == ("55-1011", "prefix")  # military: not in the NEM crosswalk
    assert out["23-1011.00"] == ("23-1011", "nem")


def test_soc2018_to_unit_maps_aggregates_to_themselves() -> None:
    pairs = dict(xw.soc2018_to_unit(NEM).iter_rows())
    assert pairs["13-1021"] == "13-1020" and pairs["13-1020"] == "13-1020"


def test_average_to_unit_weights_and_splits() -> None:
    values = pl.DataFrame({"soc2010": ["15-1132", "15-1133", "11-1011"],
                           "x": [1.0, 3.0, 5.0], "w": [300.0, 100.0, None]})
    pairs = pl.DataFrame({"soc2010": ["15-1132", "15-1133", "11-1011", "11-1011"],
                          "soc": ["15-1252", "15-1252", "11-1011", "11-1012"]})
    out = dict(xw.average_to_unit(values, "soc2010", ["x"], pairs, weight="w")
               .select("soc", "x").iter_rows())
    assert out["15-1252"] == pytest.approx((1 * 300 + 3 * 100) / 400)
    assert out["11-1011"] == 5.0 and out["11-1012"] == 5.0  # a split inherits the value


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 5), st.integers(0, 5), st.floats(0, 1e6)),
                min_size=1, max_size=30),
       st.lists(st.floats(0, 1e6), min_size=6, max_size=6))
def test_allocation_preserves_total(links: list[tuple[int, int, float]],
                                    target_w: list[float]) -> None:
    """Whatever the many-to-many links and target weights, no employment is created or lost."""
    pairs = pl.DataFrame({"src": [f"s{a}" for a, _, _ in links],
                          "soc": [f"u{b}" for _, b, _ in links]}).unique()
    amounts = pl.DataFrame({"src": [f"s{i}" for i in range(6)],
                            "emp": [float(i * 1000 + 7) for i in range(6)]})
    tw = pl.DataFrame({"soc": [f"u{i}" for i in range(6)], "weight": target_w})
    out = xw.allocate_to_unit(amounts, "src", "emp", pairs, tw)
    matched = amounts.join(pairs.select("src").unique(), on="src", how="semi")
    assert out["emp"].sum() == pytest.approx(matched["emp"].sum(), rel=1e-9)


def test_coverage_warning_threshold() -> None:
    ok = xw.Coverage("j", items=10, matched=10, employment_share=0.95, task_share=None)
    low = xw.Coverage("j", items=10, matched=10, employment_share=0.95, task_share=0.5)
    assert not ok.warning and low.warning
    frame = xw.coverage_frame([ok, low])
    assert frame["warning"].to_list() == [False, True]


def test_unit_to_isco_weights_sum_to_one() -> None:
    esco = pl.DataFrame({"onet_soc_2010": ["23-1011.00", "23-1011.00", "23-1011.00"],
                         "isco_code": ["2611", "2611", "2619"], "confidence": [2.0, 1.0, 1.0]})
    x1019 = pl.DataFrame({"onet_soc_2010": ["23-1011.00"], "onet_soc": ["23-1011.00"]})
    out = xw.unit_to_isco(esco, x1019, NEM)
    assert out.filter(pl.col("isco_code") == "2611")["weight"].item() == pytest.approx(0.75)
    assert out["weight"].sum() == pytest.approx(1.0)
