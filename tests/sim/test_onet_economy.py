"""The data-driven economy (``--economy onet``): the rules on a small synthetic atlas (always run),
then the real atlas (skipped without the data folder)."""

from __future__ import annotations

import math
import time
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import neijuan
from neijuan.atlas.catalog import load_catalog
from neijuan.atlas.model import Atlas
from neijuan.config import EconomyParams, list_scenarios, load_scenario
from neijuan.errors import ConfigError, DataError
from neijuan.sim.economy import ROLES, Economy, builtin_economy
from neijuan.sim.onet_economy import (
    OnetBuild,
    allowed_indices,
    build_onet,
    load_rules,
    mobility_rows,
    onet_economy,
    reference_quantiles,
    thresholds_from_percentiles,
    wage_tiers,
    work_percentiles,
)

RULES = load_rules()
REFERENCE = builtin_economy()
TASK_INDICES = [i.name for i in load_catalog().task_level]
EDUCATION = [None, "No formal educational credential", "High school diploma or equivalent",
             "Bachelor's degree", "Master's degree", "Doctoral or professional degree"]
GROUPS = ["11", "13", "15", "23", "25", "29", "31", "35", "41", "43", "47", "53"]


# --------------------------------------------------------------------------------------------------
# a small synthetic atlas with the columns the build reads


def synthetic_atlas(seed: int, n_occ: int, *, related_share: float = 0.5) -> Atlas:
    """A random atlas: ``n_occ`` occupations plus Data Scientists, a few tasks each, random
    labels, wages, education and related edges."""
    rng = np.random.default_rng(seed)
    socs = [f"{GROUPS[i % len(GROUPS)]}-{1000 + i:04d}" for i in range(n_occ)] + ["15-2051"]
    n = len(socs)
    occupations = pl.DataFrame({
        "soc": socs,
        "title": [f"Occupation {s}" for s in socs],
        "major_group": [s[:2] for s in socs],
        "employment": np.r_[rng.lognormal(12.0, 1.0, n - 1).round(), 1_000.0],
        "median_wage": rng.lognormal(11.0, 0.4, n).round(-1),
        "education": [EDUCATION[k] for k in rng.integers(0, len(EDUCATION), n)],
    })
    rows: list[dict[str, Any]] = []
    task_id = 1
    for s in socs:
        k = int(rng.integers(1, 9))
        weights = rng.choice([1.0, 2.0], k)
        for w in weights / weights.sum():
            beta = float(rng.choice([0.0, 0.5, 1.0]))
            auto = float(rng.choice([0.0, 0.25, 0.5, 0.75, 1.0]))
            rows.append({
                "soc": s, "task_id": task_id, "statement": f"Do task {task_id} of {s}.",
                "weight": float(w),
                "eloundou_human_beta": beta,
                "eloundou_gpt4_gamma": float(beta > 0),
                "aei_usage_pct": float(rng.exponential()) if rng.random() < 0.9 else 0.0,
                "workbank_has_expert": float(rng.uniform(1, 5)) if rng.random() < 0.05 else None,
                "automation_share": auto, "augmentation_share": 1.0 - auto,
                "human_role": ROLES[int(rng.integers(0, 3))],
            })
            task_id += 1
    tasks = pl.DataFrame(rows, schema_overrides={
        "eloundou_human_beta": pl.Float64, "aei_usage_pct": pl.Float64,
        "workbank_has_expert": pl.Float64})
    pairs = [(a, b) for a in socs for b in socs if a != b and rng.random() < related_share]
    related = pl.DataFrame({"soc": [a for a, _ in pairs], "related_soc": [b for _, b in pairs],
                            "weight": rng.uniform(0.1, 1.0, len(pairs))},
                           schema={"soc": pl.String, "related_soc": pl.String,
                                   "weight": pl.Float64})
    provenance = {"key": f"synthetic-{seed}", "code_version": "test",
                  "inputs": {"onet_29_3/Task Statements.txt": {"sha256": "ab" * 32,
                                                               "source": "onet_29_3",
                                                               "version": "29.3"}}}
    return Atlas(occupations=occupations, tasks=tasks, related=related, coverage=pl.DataFrame(),
                 interactions=pl.DataFrame(), provenance=provenance, catalog=load_catalog())


def params(n: int, index: str = "eloundou_human_beta") -> EconomyParams:
    return EconomyParams(name="onet", occupations=n, exposure_index=index)


def check_economy(build: OnetBuild) -> None:
    """The invariants every built economy must satisfy."""
    econ = build.economy
    n = econ.n_occ
    assert np.isclose(econ.occ_share.sum(), 1.0)
    assert np.all(econ.occ_share > 0)
    assert np.isclose((econ.occ_share * econ.occ_wage).sum(), 1.0)  # the mean wage is the unit
    assert np.allclose(np.bincount(econ.task_occ, weights=econ.task_share, minlength=n), 1.0)
    assert np.all((econ.task_threshold >= 0) & (econ.task_threshold <= 1))
    assert np.all(econ.task_automation >= 0) and np.all(econ.task_augmentation >= 0)
    assert np.all(econ.task_automation + econ.task_augmentation <= 1.0 + 1e-12)
    roles = build.tasks["role"].to_list()
    assert econ.task_originate.tolist() == [0.0 if r == "confirm" else 1.0 for r in roles]
    assert econ.mobility.shape == (n + 2, n)
    assert np.all(econ.mobility >= 0)
    assert np.allclose(econ.mobility.sum(axis=1), 1.0)
    if n > 1:
        assert np.allclose(np.diag(econ.mobility[:n]), RULES.self_weight)
    # tiers: terciles of wage among non-specialists, the specialists in tier 3
    ai = build.occupations["ai_specialist"].to_numpy()
    assert np.all(econ.occ_tier[ai] == 3) and np.all(econ.occ_tier[~ai] <= 2)
    wage, tier = econ.occ_wage[~ai], econ.occ_tier[~ai]
    assert np.all((wage[:, None] < wage[None, :]) <= (tier[:, None] <= tier[None, :]))
    # thresholds are monotone in the exposure index: more exposed, never a higher threshold
    e = build.tasks["exposure"].to_numpy()
    more = e[:, None] > e[None, :] + 1e-12
    assert np.all(~more | (econ.task_threshold[:, None] <= econ.task_threshold[None, :]))
    assert len(econ.task_names) == econ.n_tasks and len(econ.occ_ids) == n
    assert econ.sector_eta.shape == econ.sector_speed.shape == econ.sector_high_exposure.shape
    assert set(np.unique(econ.occ_sector)) == set(range(econ.n_sectors))  # no empty sector
    assert econ.sector_high_exposure.any()


# --------------------------------------------------------------------------------------------------
# the pure pieces


@settings(max_examples=60, deadline=None)
@given(hnp.arrays(np.float64, st.integers(1, 40), elements=st.sampled_from([0.0, 0.5, 1.0, 2.5])),
       st.data())
def test_work_percentiles_are_mid_ranks(values: np.ndarray, data: st.DataObject) -> None:
    n = values.shape[0]
    ties = np.asarray(data.draw(st.lists(st.integers(0, 2), min_size=n, max_size=n)))
    weight = np.asarray(data.draw(st.lists(st.floats(0.01, 10.0), min_size=n, max_size=n)))
    p = work_percentiles(values, ties, weight)
    assert np.all((p > 0) & (p < 1))
    assert math.isclose(float((p * weight).sum() / weight.sum()), 0.5, abs_tol=1e-9)
    key = values * 10 + ties  # the lexicographic order (ties < 10)
    higher = key[:, None] > key[None, :]
    assert np.all(~higher | (p[:, None] > p[None, :]))
    same = key[:, None] == key[None, :]
    assert np.all(~same | np.isclose(p[:, None], p[None, :]))


@settings(max_examples=60, deadline=None)
@given(hnp.arrays(np.float64, st.integers(2, 50), elements=st.floats(0.0, 1.0)))
def test_thresholds_fall_as_exposure_rises(p: np.ndarray) -> None:
    ref = reference_quantiles(REFERENCE)
    t = thresholds_from_percentiles(p, ref)
    order = np.argsort(p)
    assert np.all(np.diff(t[order]) <= 0.0)
    assert set(t.tolist()) <= set(REFERENCE.task_threshold.tolist())  # the reference's levels


def test_thresholds_keep_the_reference_distribution() -> None:
    """Continuous, evenly spread exposure reproduces the builtin's share of work feasible at each
    capability level (what the scenarios' capability path was calibrated with)."""
    p = (np.arange(10_000) + 0.5) / 10_000
    t = thresholds_from_percentiles(p, reference_quantiles(REFERENCE))
    w = REFERENCE.occ_share[REFERENCE.task_occ] * REFERENCE.task_share
    for c in np.unique(REFERENCE.task_threshold):
        assert abs((t <= c).mean() - w[REFERENCE.task_threshold <= c].sum()) < 2e-4


@settings(max_examples=40, deadline=None)
@given(hnp.arrays(np.float64, st.integers(1, 30), elements=st.floats(1.0, 300.0)), st.data())
def test_wage_tiers_are_monotone_terciles(wage: np.ndarray, data: st.DataObject) -> None:
    n = wage.shape[0]
    emp = np.asarray(data.draw(st.lists(st.floats(1.0, 1e6), min_size=n, max_size=n)))
    tier = wage_tiers(wage, emp, RULES.terciles)
    assert set(np.unique(tier)) <= {0, 1, 2}
    assert np.all((wage[:, None] < wage[None, :]) <= (tier[:, None] <= tier[None, :]))
    equal = np.full(n, 1.0)
    if n >= 3:  # equal employment: a third of the occupations in each tier (up to rounding)
        counts = np.bincount(wage_tiers(np.arange(n, dtype=float), equal, RULES.terciles),
                             minlength=3)
        assert counts.max() - counts.min() <= 1


def test_mobility_rows_mix_self_related_and_fallback() -> None:
    related = np.array([[0.0, 3.0, 1.0], [0.0, 0.0, 0.0], [1.0, 1.0, 0.0]])
    kernel = np.array([[1.0, 0.5, 0.25], [0.5, 1.0, 0.5], [0.25, 0.5, 1.0]])
    entry = np.array([[1.0, 1.0, 1.0], [0.2, 0.3, 0.5]])
    m = mobility_rows(related, kernel, entry, RULES)
    assert m.shape == (5, 3) and np.allclose(m.sum(axis=1), 1.0)
    s, r, f = RULES.self_weight, RULES.related_weight, RULES.fallback_weight
    assert np.isclose(m[0, 1], r * 0.75 + f * 0.5 / 0.75)
    # no related edge: the related weight follows the fallback kernel
    assert np.allclose(m[1], [(r + f) * 0.5, s, (r + f) * 0.5])
    assert np.allclose(m[4], entry[1])


# --------------------------------------------------------------------------------------------------
# the build, on synthetic atlases


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, 10_000), st.integers(4, 14), st.sampled_from(["eloundou_human_beta",
                                                                    "aei_usage_pct"]),
       st.floats(0.0, 1.0))
def test_synthetic_economies_are_consistent(seed: int, n_occ: int, index: str,
                                            related_share: float) -> None:
    atlas = synthetic_atlas(seed, n_occ, related_share=related_share)
    n = min(n_occ + 1, 4 + seed % (n_occ - 2))
    build = build_onet(atlas, params(n, index))
    check_economy(build)
    econ = build.economy
    # Data Scientists are kept even though they are the smallest occupation
    assert "15-2051" in econ.occ_ids
    assert econ.occ_tier[econ.occ_ids.index("15-2051")] == 3
    # wages: annual median / employment-weighted mean; wage_scale converts back (quarterly)
    kept = atlas.occupations.filter(pl.col("soc").is_in(list(econ.occ_ids)))
    annual = dict(zip(kept["soc"], kept["median_wage"], strict=True))
    mean = float((econ.occ_share * [annual[s] for s in econ.occ_ids]).sum())
    assert np.isclose(econ.wage_scale, mean / 4.0)
    assert np.allclose(econ.occ_wage * mean, [annual[s] for s in econ.occ_ids])
    # the others are the largest by employment
    others = kept.filter(pl.col("soc") != "15-2051")
    smallest_kept = others["employment"].min() if others.height else math.inf
    dropped = atlas.occupations.filter(~pl.col("soc").is_in(list(econ.occ_ids)))
    assert dropped.height == 0 or dropped["employment"].max() <= smallest_kept
    # bundling keeps every task's time: bundles hold all tasks of the kept occupations
    n_tasks = atlas.tasks.filter(pl.col("soc").is_in(list(econ.occ_ids))).height
    assert int(build.tasks["n_tasks"].sum()) == n_tasks
    assert econ.provenance["exposure_index"] == index
    assert econ.provenance["atlas_key"] == f"synthetic-{seed}"


def test_ties_in_the_index_are_broken_by_role() -> None:
    atlas = synthetic_atlas(3, 8)
    flat = atlas.tasks.with_columns(pl.lit(0.5).alias("eloundou_human_beta"))
    atlas = Atlas(atlas.occupations, flat, atlas.related, atlas.coverage, atlas.interactions,
                  atlas.provenance, atlas.catalog)
    build = build_onet(atlas, params(9))
    by_role = build.tasks.group_by("role").agg(pl.col("threshold").unique())
    levels = {r: t for r, t in zip(by_role["role"], by_role["threshold"], strict=True)}
    assert all(len(v) == 1 for v in levels.values())  # one threshold per role
    order = [levels[r][0] for r in RULES.role_order if r in levels]
    assert order == sorted(order)  # confirm first (lowest), hands-on last


def test_rules_licensed_and_specialists() -> None:
    atlas = synthetic_atlas(5, 10)
    occ = atlas.occupations.with_columns(
        pl.when(pl.col("soc") == "23-1003").then(pl.lit("Doctoral or professional degree"))
        .when(pl.col("soc") == "29-1005").then(pl.lit("Bachelor's degree"))
        .when(pl.col("soc") == "31-1006").then(pl.lit("Bachelor's degree"))
        .otherwise(pl.lit("High school diploma or equivalent")).alias("education"))
    tasks = atlas.tasks.with_columns(
        pl.when(pl.col("soc") == "13-1001")
        .then(pl.lit("Train machine learning models and evaluate deep learning systems."))
        .otherwise(pl.col("statement")).alias("statement"))
    atlas = Atlas(occ, tasks, atlas.related, atlas.coverage, atlas.interactions,
                  atlas.provenance, atlas.catalog)
    build = build_onet(atlas, params(11))
    lic = dict(zip(build.occupations["soc"], build.occupations["licensed"], strict=True))
    assert lic["23-1003"] and lic["29-1005"]  # professional degree; degree in SOC 29
    assert not lic["31-1006"] and not lic["11-1000"]  # a degree outside 29; no degree
    tier = dict(zip(build.economy.occ_ids, build.economy.occ_tier, strict=True))
    assert tier["13-1001"] == 3 and tier["15-2051"] == 3  # tasks about building AI; the list


def test_missing_index_values_are_imputed_and_reported() -> None:
    """A task without a value takes its occupation's mean; an occupation with none, the economy's."""
    atlas = synthetic_atlas(11, 10)
    small = atlas.occupations.filter(pl.col("soc") != "15-2051").sort("employment")["soc"][0]
    first = atlas.tasks.filter(pl.col("soc") == small)["task_id"][0]
    null = (pl.col("soc") == "15-2051") | (pl.col("task_id") == first)
    tasks = atlas.tasks.with_columns(pl.when(null).then(None).otherwise(
        pl.col("eloundou_human_beta")).alias("eloundou_human_beta"))
    atlas = Atlas(atlas.occupations, tasks, atlas.related, atlas.coverage, atlas.interactions,
                  atlas.provenance, atlas.catalog)
    build = build_onet(atlas, params(11))
    check_economy(build)
    assert 0.0 < float(build.economy.provenance["exposure_imputed"]) < 0.1
    kept = tasks.filter(pl.col("soc") == small)
    others = kept.filter(pl.col("task_id") != first)
    if others.height:  # the occupation's time-weighted mean over its rated tasks
        mean = float((others["eloundou_human_beta"] * others["weight"]).sum()
                     / others["weight"].sum())
        assert np.isclose(build.occupations.filter(pl.col("soc") == small)["exposure"][0],
                          mean)


def test_unknown_index_is_refused_with_the_allowed_names() -> None:
    with pytest.raises(ConfigError, match=r"eloundou_human_beta.*aei_usage_pct"):
        onet_economy(EconomyParams.model_construct(name="onet", exposure_index="gpt_vibes",
                                                   occupations=40, data_dir=None, path=None))
    with pytest.raises(ConfigError, match=r"exposure_index = 'gpt_vibes'.*choose one of: "
                                          r"eloundou_human_alpha"):
        load_scenario("ai-baseline", {"economy.name": "onet",
                                      "economy.exposure_index": "gpt_vibes"})
    assert set(allowed_indices()) == set(TASK_INDICES)
    # the default is one of them
    assert EconomyParams().exposure_index in allowed_indices()


def test_index_with_little_coverage_is_refused() -> None:
    with pytest.raises(ConfigError, match=r"workbank_has_expert.*covers only"):
        build_onet(synthetic_atlas(1, 8), params(9, "workbank_has_expert"))


def test_too_many_occupations_is_refused() -> None:
    with pytest.raises(ConfigError, match=r"economy.occupations = 50: the atlas has only 9"):
        build_onet(synthetic_atlas(1, 8), params(50))


def test_unmapped_major_group_is_refused() -> None:
    atlas = synthetic_atlas(2, 6)
    occ = atlas.occupations.with_columns(
        pl.when(pl.col("soc") == "11-1000").then(pl.lit("99")).otherwise(pl.col("major_group"))
        .alias("major_group"))
    atlas = Atlas(occ, atlas.tasks, atlas.related, atlas.coverage, atlas.interactions,
                  atlas.provenance, atlas.catalog)
    with pytest.raises(DataError, match=r"major group '99' \(of 11-1000"):
        build_onet(atlas, params(7))


def test_missing_data_folder_says_how_to_get_it(tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEIJUAN_CACHE_DIR", str(tmp_path / "cache"))
    with pytest.raises(DataError, match=r"--economy onet.*does not exist.*--data-dir.*"
                                        r"NEIJUAN_DATA_DIR.*neijuan data fetch"):
        onet_economy(EconomyParams(name="onet", data_dir=str(tmp_path / "nowhere")))
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(DataError, match=r"--economy onet.*not found.*neijuan data fetch"):
        onet_economy(EconomyParams(name="onet", data_dir=str(empty)))


# --------------------------------------------------------------------------------------------------
# the real atlas


@pytest.fixture(scope="module")
def atlas(real_data_dir: Path) -> Atlas:
    from neijuan.atlas import load_atlas

    return load_atlas(real_data_dir)


@pytest.fixture(scope="module")
def onet120(atlas: Atlas) -> OnetBuild:
    return build_onet(atlas, params(120))


def finite_figures(result: neijuan.Result) -> None:
    summary = result.summary()
    bad = summary.filter(~pl.col("mean").is_finite())["figure"].to_list()
    assert not bad, f"non-finite figures: {bad}"


@pytest.mark.parametrize("n", [40, 120])
def test_real_economy_builds(atlas: Atlas, n: int) -> None:
    build = build_onet(atlas, params(n))
    check_economy(build)
    econ = build.economy
    assert econ.n_occ == n
    # every kept occupation has tasks; they hold (almost) all of the kept employment
    with_tasks = atlas.tasks.filter(pl.col("weight") > 0)["soc"].unique().to_list()
    emp = build.occupations["employment"].to_numpy()
    has = build.occupations["soc"].is_in(with_tasks).to_numpy()
    assert emp[has].sum() / emp.sum() >= 0.9
    assert np.all(np.bincount(econ.task_occ, minlength=n) >= 1)
    assert econ.n_tasks <= 12 * n  # bundles keep the economy small
    # a broad economy: the N largest hold most of US employment (120: about 72%)
    assert float(econ.provenance["employment_share_of_oews"]) > (0.35 if n == 40 else 0.6)
    # the economy-wide price elasticity stays below 1, as in the builtin
    assert (econ.occ_share * econ.sector_eta[econ.occ_sector]).sum() < 1.0


def test_real_economy_known_values(onet120: OnetBuild, atlas: Atlas) -> None:
    econ = onet120.economy
    at = {s: i for i, s in enumerate(econ.occ_ids)}
    assert econ.occ_tier[at["15-2051"]] == 3  # Data Scientists: AI specialists, kept
    assert econ.occ_licensed[at["23-1011"]] and econ.occ_licensed[at["29-1141"]]
    assert not econ.occ_licensed[at["41-2031"]]
    lawyers = atlas.occupation("23-1011")
    assert np.isclose(econ.occ_wage[at["23-1011"]] * econ.wage_scale * 4, lawyers["median_wage"])
    # exposed work becomes feasible first: customer service before nursing before construction
    early = np.bincount(econ.task_occ, weights=econ.task_share * (econ.task_threshold <= 0.45))
    assert early[at["43-4051"]] > early[at["29-1141"]] > early[at["47-2061"]]
    # the scenarios' calibration is kept: about 45% of work time is feasible at C = 0.45
    w = econ.occ_share[econ.task_occ] * econ.task_share
    assert abs(w[econ.task_threshold <= 0.45].sum() - 0.45) < 0.05
    prov = econ.provenance
    assert prov["atlas_key"] == atlas.provenance["key"]
    assert prov["input:bls_oews/national_M2024_dl.xlsx"].startswith("sha256:")
    assert prov["occupations"] == "120" and prov["exposure_index"] == "eloundou_human_beta"


def test_real_thresholds_follow_each_index(atlas: Atlas) -> None:
    for index in ("eloundou_gpt4_beta", "aei_usage_pct"):
        check_economy(build_onet(atlas, params(60, index)))
    with pytest.raises(ConfigError, match=r"workbank_automation_capacity.*covers only"):
        build_onet(atlas, params(60, "workbank_automation_capacity"))


def test_real_build_is_fast(real_data_dir: Path, atlas: Atlas) -> None:
    onet_economy(EconomyParams(name="onet", data_dir=str(real_data_dir)))  # warm
    start = time.perf_counter()
    onet_economy(EconomyParams(name="onet", data_dir=str(real_data_dir)))
    assert time.perf_counter() - start < 2.0


def test_simulate_on_the_onet_economy(real_data_dir: Path) -> None:
    result = neijuan.simulate("ai-baseline", workers=5000, periods=8, overrides={
        "economy.name": "onet", "economy.occupations": 40,
        "economy.data_dir": str(real_data_dir)})
    finite_figures(result)
    assert isinstance(result.economy, Economy) and result.economy.n_occ == 40
    assert result.provenance["economy"]["economy"] == "onet"


@pytest.mark.parametrize("name", sorted(list_scenarios()))
def test_every_scenario_runs_on_the_onet_economy(real_data_dir: Path, name: str) -> None:
    result = neijuan.simulate(name, workers=3000, periods=6, overrides={
        "economy.name": "onet", "economy.data_dir": str(real_data_dir), "run.burn_in": 4})
    finite_figures(result)
