"""Build the atlas tables from the loaded sources: a pure function of frames, I/O at the edge.

:func:`load_inputs` reads every file the atlas needs (the edge); :func:`assemble` turns those frames
into the four tables (occupations, tasks, related, coverage). Every join goes through
:mod:`neijuan.data.crosswalks` and reports its coverage. docs/data.md walks through each step.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import polars as pl

from neijuan.atlas.catalog import Catalog, load_catalog
from neijuan.atlas.inputs import INPUT_FILES as INPUT_FILES
from neijuan.atlas.roles import RoleRules, classify_tasks, load_rules
from neijuan.data import crosswalks as xw
from neijuan.data import loaders as ld


@dataclass(frozen=True)
class AtlasInputs:
    """Every loaded source frame the atlas needs (see :mod:`neijuan.data.loaders`)."""

    onet_occupations: pl.DataFrame
    onet_tasks: pl.DataFrame
    job_zones: pl.DataFrame
    related: pl.DataFrame
    tasks_to_dwas: pl.DataFrame
    dwa_reference: pl.DataFrame
    oews_2024: pl.DataFrame
    oews_2021: pl.DataFrame
    oews_2015: pl.DataFrame
    ep_education: pl.DataFrame
    nem: pl.DataFrame
    onet_2010_2019: pl.DataFrame
    soc_2010_2018: pl.DataFrame
    soc_structure: pl.DataFrame
    eloundou_labels: pl.DataFrame
    eloundou_automation: pl.DataFrame
    eloundou_occupations: pl.DataFrame
    aioe: pl.DataFrame
    lm_aioe: pl.DataFrame
    ig_aioe: pl.DataFrame
    microsoft: pl.DataFrame
    aei_usage: pl.DataFrame
    aei_statements: pl.DataFrame
    aei_interactions: pl.DataFrame
    workbank_expert: pl.DataFrame
    workbank_worker: pl.DataFrame
    frey_osborne: pl.DataFrame
    nesta_risk: pl.DataFrame
    nesta_esco_onet: pl.DataFrame
    esco_occupations: pl.DataFrame


def load_inputs(data_dir: Path, progress: object | None = None) -> AtlasInputs:
    """Read every source file (the I/O edge). ``progress`` is a callable(step_name) or None."""
    steps = {
        "onet_occupations": lambda: ld.onet_occupations(data_dir),
        "onet_tasks": lambda: ld.onet_tasks(data_dir),
        "job_zones": lambda: ld.onet_job_zones(data_dir),
        "related": lambda: ld.onet_related(data_dir),
        "tasks_to_dwas": lambda: ld.onet_tasks_to_dwas(data_dir),
        "dwa_reference": lambda: ld.onet_dwa_reference(data_dir),
        "oews_2024": lambda: ld.oews(2024, data_dir),
        "oews_2021": lambda: ld.oews(2021, data_dir),
        "oews_2015": lambda: ld.oews(2015, data_dir),
        "ep_education": lambda: ld.ep_education(data_dir),
        "nem": lambda: ld.xwalk_onet2019_nem(data_dir),
        "onet_2010_2019": lambda: ld.xwalk_onet2010_2019(data_dir),
        "soc_2010_2018": lambda: ld.xwalk_soc2010_2018(data_dir),
        "soc_structure": lambda: ld.soc_structure(data_dir),
        "eloundou_labels": lambda: ld.eloundou_labels(data_dir),
        "eloundou_automation": lambda: ld.eloundou_automation_labels(data_dir),
        "eloundou_occupations": lambda: ld.eloundou_occupations(data_dir),
        "aioe": lambda: ld.felten_aioe("aioe", data_dir),
        "lm_aioe": lambda: ld.felten_aioe("lm_aioe", data_dir),
        "ig_aioe": lambda: ld.felten_aioe("ig_aioe", data_dir),
        "microsoft": lambda: ld.microsoft_applicability(data_dir),
        "aei_usage": lambda: ld.aei_task_usage(data_dir),
        "aei_statements": lambda: ld.aei_task_statements(data_dir),
        "aei_interactions": lambda: ld.aei_interaction_types(data_dir),
        "workbank_expert": lambda: ld.workbank_expert_ratings(data_dir),
        "workbank_worker": lambda: ld.workbank_worker_desires(data_dir),
        "frey_osborne": lambda: ld.frey_osborne(data_dir),
        "nesta_risk": lambda: ld.nesta_automation_risk(data_dir),
        "nesta_esco_onet": lambda: ld.nesta_esco_onet(data_dir),
        "esco_occupations": lambda: ld.esco_occupations(data_dir),
    }
    assert set(steps) == {f.name for f in fields(AtlasInputs)}
    loaded = {}
    for name, fn in steps.items():
        if callable(progress):
            progress(name)
        loaded[name] = fn()
    return AtlasInputs(**loaded)


@dataclass(frozen=True)
class AtlasTables:
    """The four tables of the atlas plus role agreement and aggregate facts the claims need."""

    occupations: pl.DataFrame
    tasks: pl.DataFrame
    related: pl.DataFrame
    coverage: pl.DataFrame
    interactions: pl.DataFrame


_E = {"E0": 0.0, "E1": 1.0, "E2": 0.5}  # beta weights
_T = {"T0": 0.0, "T1": 0.25, "T2": 0.5, "T3": 0.75, "T4": 1.0}


def _exposure_cols(label: str, who: str) -> list[pl.Expr]:
    lab = pl.col(label)
    return [
        pl.when(lab.is_null()).then(None).otherwise((lab == "E1").cast(pl.Float64))
        .alias(f"eloundou_{who}_alpha"),
        lab.replace_strict(_E, default=None, return_dtype=pl.Float64).alias(f"eloundou_{who}_beta"),
        pl.when(lab.is_null()).then(None).otherwise(lab.is_in(["E1", "E2"]).cast(pl.Float64))
        .alias(f"eloundou_{who}_gamma"),
    ]


def _task_weights(tasks: pl.DataFrame, catalog: Catalog) -> pl.Expr:
    tw = catalog.task_weight
    raw = (pl.when(pl.col("task_type") == "core").then(tw["core"])
           .when(pl.col("task_type") == "supplemental").then(tw["supplemental"])
           .otherwise(tw["unrated"]))
    return (raw / raw.sum().over("onet_soc") / pl.col("onet_soc").n_unique().over("soc"))


def via_text_keys(rest: pl.DataFrame, onet2010_units: pl.DataFrame,
                  t_low: pl.DataFrame) -> pl.DataFrame:
    """(task_name, task_id) of 20.1 rows whose exact statement exists in the same occupation."""
    return (rest.join(onet2010_units.select("onet_soc_2010", "soc").unique(), on="onet_soc_2010",
                      how="inner")
            .join(t_low, on=["soc", "task_name"], how="semi").select("task_name", "task_id")
            .unique())


def _fuzzy_statement_match(left: pl.DataFrame, onet2010_units: pl.DataFrame,
                           t_low: pl.DataFrame, min_score: float
                           ) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Match O*NET 20.1 statements revised since then to the most similar 29.3 statement of the
    same occupation (rapidfuzz token-set ratio >= ``min_score``). One loop per occupation, each a
    vectorised score matrix. Returns the matches (``task_id`` (29.3), ``pct``, ``score``) and
    what matched nothing (``soc``, ``pct``: usage whose occupation is known but no task is)."""
    from rapidfuzz import fuzz, process

    cand = left.join(onet2010_units.select("onet_soc_2010", "soc").unique(), on="onet_soc_2010",
                     how="inner")
    # A 20.1 row reaching several occupations splits its share among them.
    cand = cand.with_columns((pl.col("pct") / pl.len().over("task_name", "task_id")).alias("pct"))
    rows: list[pl.DataFrame] = []
    unmatched: list[pl.DataFrame] = []
    targets = t_low.partition_by("soc", as_dict=True)
    for (soc,), group in cand.partition_by("soc", as_dict=True).items():
        target = targets.get((soc,))
        if target is None:
            unmatched.append(group.select("soc", "pct"))
            continue
        scores = process.cdist(group["task_name"].to_list(), target["task_name"].to_list(),
                               scorer=fuzz.token_set_ratio, workers=1)
        best = scores.argmax(axis=1)
        best_score = scores.max(axis=1)
        keep = best_score >= min_score
        if keep.any():
            rows.append(pl.DataFrame({
                "task_id": target["task_id"].to_numpy()[best[keep]],
                "pct": group["pct"].to_numpy()[keep],
                "score": best_score[keep].astype(float)}))
        if (~keep).any():
            unmatched.append(group.filter(pl.Series(~keep)).select("soc", "pct"))
    miss = (pl.concat(unmatched) if unmatched
            else pl.DataFrame(schema={"soc": pl.String, "pct": pl.Float64}))
    if not rows:
        return pl.DataFrame(schema={"task_id": pl.Int64, "pct": pl.Float64,
                                    "score": pl.Float64}), miss
    return pl.concat(rows), miss


def _aei_usage(inp: AtlasInputs, tasks: pl.DataFrame, onet2010_units: pl.DataFrame,
               fuzzy_min: float) -> tuple[pl.DataFrame, dict[str, float], pl.DataFrame]:
    """Anthropic usage per atlas task: ``task_id``, ``aei_usage_pct`` (null = not in its list).

    Anthropic's shares are per lower-cased O*NET 20.1 statement. A statement shared by several
    20.1 tasks is split equally among them; each 20.1 task then reaches the 29.3 task with the
    same id, else the same statement in the same occupation, else the most similar statement of
    the same occupation (``fuzzy_min``). Usage whose occupation is known but whose task has no
    29.3 counterpart is carried at occupation level (third frame: ``soc``,
    ``aei_usage_pct_carried``) rather than dropped; the facts say how much mass went which way.
    """
    st = inp.aei_statements.with_columns(
        pl.col("statement").str.to_lowercase().str.strip_chars().alias("task_name"))
    usage = inp.aei_usage.with_columns(pl.col("task_name").str.strip_chars())
    m = usage.join(st.select("task_name", "task_id", "onet_soc_2010"), on="task_name", how="inner")
    m = m.with_columns((pl.col("pct") / pl.len().over("task_name")).alias("pct"))
    total = float(usage["pct"].sum())
    matched_names = float(usage.join(st.select("task_name").unique(), on="task_name",
                                     how="semi")["pct"].sum())
    ids = set(tasks["task_id"].to_list())
    by_id = m.filter(pl.col("task_id").is_in(list(ids))).select("task_id", "pct")
    rest = m.filter(~pl.col("task_id").is_in(list(ids)))
    t_low = tasks.select("task_id", "soc",
                         pl.col("statement").str.to_lowercase().str.strip_chars().alias("task_name"))
    via_text = (rest.join(onet2010_units.select("onet_soc_2010", "soc").unique(),
                          on="onet_soc_2010", how="inner")
                .join(t_low, on=["soc", "task_name"], how="inner", suffix="_29")
                .unique(["task_name", "task_id", "task_id_29"])
                .with_columns((pl.col("pct") / pl.len().over("task_name", "task_id")).alias("pct"))
                .select(pl.col("task_id_29").alias("task_id"), "pct"))
    left = rest.join(via_text_keys(rest, onet2010_units, t_low), on=["task_name", "task_id"],
                     how="anti")
    via_fuzzy, miss = _fuzzy_statement_match(left, onet2010_units, t_low, fuzzy_min)
    carried = (miss.filter(pl.col("soc").is_not_null()).group_by("soc")
               .agg(pl.col("pct").sum().alias("aei_usage_pct_carried")).sort("soc"))
    per_task = (pl.concat([by_id, via_text, via_fuzzy.select("task_id", "pct")])
                .group_by("task_id").agg(pl.col("pct").sum()))
    # Tasks that were in Anthropic's task list (by id, or by text within the same occupation).
    listed_text = (st.join(onet2010_units.select("onet_soc_2010", "soc").unique(),
                           on="onet_soc_2010", how="inner")
                   .join(t_low, on=["soc", "task_name"], how="inner", suffix="_29")
                   .select(pl.col("task_id_29").alias("task_id")))
    listed = pl.concat([st.select("task_id").filter(pl.col("task_id").is_in(list(ids))),
                        listed_text, via_fuzzy.select("task_id")]).unique()
    out = (tasks.select("task_id")
           .join(per_task, on="task_id", how="left")
           .join(listed.with_columns(pl.lit(True).alias("_listed")), on="task_id", how="left")
           .select("task_id",
                   pl.when(pl.col("pct").is_not_null()).then(pl.col("pct"))
                   .when(pl.col("_listed")).then(0.0).otherwise(None).alias("aei_usage_pct")))
    facts = {"total_pct": total, "matched_statement_pct": matched_names,
             "matched_statements": float(usage.join(st.select("task_name").unique(),
                                                    on="task_name", how="semi").height),
             "matched_task_pct": float(per_task["pct"].sum()),
             "by_id_pct": _scalar(by_id["pct"].sum()),
             "by_text_pct": _scalar(via_text["pct"].sum()),
             "by_fuzzy_pct": _scalar(via_fuzzy["pct"].sum()),
             "carried_pct": _scalar(carried["aei_usage_pct_carried"].sum()),
             "carried_occupations": float(carried.height),
             # rows: O*NET 20.1 task rows carrying usage, and how many took each route
             "rows": float(m.height), "by_id_rows": float(by_id.height),
             "by_text_rows": float(via_text_keys(rest, onet2010_units, t_low).height),
             "by_fuzzy_rows": float(via_fuzzy.height), "carried_rows": float(miss.height)}
    facts["lost_pct"] = total - facts["matched_task_pct"] - facts["carried_pct"]
    return out, facts, carried


def _scalar(x: Any) -> float:
    """A Polars scalar (sum) as a float; None is 0."""
    return 0.0 if x is None else float(x)


def _weighted_mean(col: str) -> pl.Expr:
    ok = pl.col(col).is_not_null()
    return ((pl.col(col) * pl.col("weight")).filter(ok).sum()
            / pl.col("weight").filter(ok).sum()).alias(col)


def assemble(inp: AtlasInputs, catalog: Catalog | None = None,
             rules: RoleRules | None = None) -> AtlasTables:
    """Build the atlas tables from loaded frames (pure)."""
    catalog = catalog or load_catalog()
    rules = rules or load_rules()
    cov: list[xw.Coverage] = []
    warn = catalog.coverage_warn

    # ---- units: O*NET-SOC 2019 -> OEWS occupation
    units = xw.onet_to_unit(inp.onet_occupations["onet_soc"], inp.nem)
    o24 = inp.oews_2024.filter(pl.col("group") == "detailed")
    o21 = inp.oews_2021.filter(pl.col("group") == "detailed")
    o15 = inp.oews_2015.filter(pl.col("group") == "detailed")
    all_units = pl.concat([units.select("soc"), o24.select("soc")]).unique().sort("soc")
    emp = all_units.join(o24.select("soc", "employment"), on="soc", how="left")
    total_emp = _scalar(emp["employment"].sum())

    def emp_share(socs: pl.Series) -> float:
        if total_emp <= 0:
            return 0.0
        return _scalar(emp.filter(pl.col("soc").is_in(socs.to_list()))["employment"].sum()) \
            / total_emp

    # ---- tasks
    tasks = (inp.onet_tasks.join(units.select("onet_soc", "soc"), on="onet_soc", how="left")
             .select("soc", "onet_soc", "task_id", "statement", "task_type"))
    tasks = tasks.with_columns(_task_weights(tasks, catalog).alias("weight"))
    cov.append(xw.Coverage("O*NET-SOC 2019 -> OEWS occupation (BLS NEM crosswalk)",
                           items=units.height, matched=int((units["via"] == "nem").sum()),
                           employment_share=emp_share(units["soc"]),
                           task_share=_scalar(tasks["soc"].is_not_null().mean()),
                           threshold=warn))
    n_tasks = tasks.height

    # Eloundou labels (O*NET-SOC 2019 tasks): joined on (onet_soc, task_id)
    el = (inp.eloundou_labels.select("onet_soc", "task_id",
                                     pl.col("human_exposure").alias("eloundou_human_label"),
                                     pl.col("gpt4_exposure").alias("eloundou_gpt4_label"),
                                     pl.col("gpt4_automation").alias("eloundou_gpt4_automation_label"))
          .unique(["onet_soc", "task_id"])
          .join(inp.eloundou_automation.select(
              "onet_soc", "task_id", pl.col("human_automation").alias(
                  "eloundou_human_automation_label")).unique(["onet_soc", "task_id"]),
                on=["onet_soc", "task_id"], how="left"))
    tasks = tasks.join(el, on=["onet_soc", "task_id"], how="left").with_columns(
        *_exposure_cols("eloundou_human_label", "human"),
        *_exposure_cols("eloundou_gpt4_label", "gpt4"),
        pl.col("eloundou_gpt4_automation_label").replace_strict(
            _T, default=None, return_dtype=pl.Float64).alias("eloundou_gpt4_automation"),
        pl.col("eloundou_human_automation_label").replace_strict(
            _T, default=None, return_dtype=pl.Float64).alias("eloundou_human_automation"),
    )
    # Anthropic usage
    onet2010_units = xw.onet2010_to_unit(inp.onet_2010_2019, inp.nem)
    aei, aei_facts, aei_carried = _aei_usage(inp, tasks, onet2010_units, catalog.aei_fuzzy_min)
    tasks = tasks.join(aei, on="task_id", how="left")
    # WORKBank task means
    wbx = inp.workbank_expert.group_by("task_id").agg(
        pl.col("automation_capacity").mean().alias("workbank_automation_capacity"),
        pl.col("has").mean().alias("workbank_has_expert"),
        pl.len().alias("workbank_n_experts"))
    wbw = inp.workbank_worker.group_by("task_id").agg(
        pl.col("automation_desire").mean().alias("workbank_automation_desire"),
        pl.col("has_desired").mean().alias("workbank_has_desired"),
        pl.len().alias("workbank_n_workers"))
    tasks = tasks.join(wbx, on="task_id", how="left").join(wbw, on="task_id", how="left")
    # automation vs augmentation, conditional on AI meeting the task (Eloundou T-levels)
    tasks = tasks.with_columns(
        pl.col("eloundou_gpt4_automation").alias("automation_share"),
        (1.0 - pl.col("eloundou_gpt4_automation")).alias("augmentation_share"))
    # human-role classes
    roles = classify_tasks(tasks.filter(pl.col("soc").is_not_null()), inp.tasks_to_dwas,
                           inp.dwa_reference, rules)
    tasks = tasks.join(roles, on="task_id", how="left").sort("soc", "onet_soc", "task_id")

    for idx in catalog.task_level:
        have = tasks.filter(pl.col(idx.name).is_not_null())
        cov.append(xw.Coverage(f"index {idx.name} (task level)", items=n_tasks,
                               matched=have.height,
                               employment_share=emp_share(have["soc"].unique()),
                               task_share=have.height / n_tasks if n_tasks else 0.0,
                               threshold=warn))
    if aei_facts["total_pct"] > 0:
        cov.append(xw.Coverage(
            "Anthropic usage mass (share of conversations) reaching O*NET 29.3 tasks",
            items=inp.aei_usage.height, matched=int(aei_facts["matched_statements"]),
            employment_share=None,
            task_share=aei_facts["matched_task_pct"] / aei_facts["total_pct"], threshold=warn))
        tot = aei_facts["total_pct"]
        for how, key in (("same task id", "by_id_pct"), ("same statement, same occupation",
                                                          "by_text_pct"),
                         (f"most similar statement (token-set >= {catalog.aei_fuzzy_min:g})",
                          "by_fuzzy_pct"),
                         ("no task: carried at occupation level", "carried_pct"),
                         ("lost (statement or occupation unknown)", "lost_pct")):
            rows = aei_facts.get(key.replace("_pct", "_rows"))
            cov.append(xw.Coverage(f"Anthropic usage, by route: {how}",
                                   items=int(aei_facts["rows"]),
                                   matched=int(rows) if rows is not None else 0,
                                   employment_share=None, task_share=aei_facts[key] / tot,
                                   threshold=0.0))
    direct = tasks.filter(pl.col("human_role_method").is_in(["verb", "dwa", "verb+dwa"]))
    cov.append(xw.Coverage("human role from the task's own verb or DWAs", items=n_tasks,
                           matched=direct.height, employment_share=emp_share(direct["soc"].unique()),
                           task_share=direct.height / n_tasks if n_tasks else 0.0, threshold=warn))

    # ---- occupations
    occ = all_units.with_columns(pl.col("soc").str.slice(0, 2).alias("major_group"))
    struct = inp.soc_structure
    detailed_titles = struct.filter(pl.col("level") == "detailed").select(
        pl.col("code").alias("soc"), pl.col("title").alias("_soc_title"))
    major_titles = struct.filter(pl.col("level") == "major").select(
        pl.col("code").str.slice(0, 2).alias("major_group"), pl.col("title").alias("major_title"))
    onet_title = (inp.onet_occupations.join(units.select("onet_soc", "soc"), on="onet_soc")
                  .sort("onet_soc").group_by("soc").agg(pl.col("title").first().alias("_onet_title"),
                                                        pl.col("onet_soc").alias("onet_socs")))
    occ = (occ.join(o24.select("soc", pl.col("title").alias("_oews_title"), "employment",
                               "median_wage", "median_topcoded", "hourly_only"), on="soc", how="left")
           .join(detailed_titles, on="soc", how="left").join(onet_title, on="soc", how="left")
           .join(major_titles, on="major_group", how="left")
           .with_columns(pl.coalesce("_oews_title", "_soc_title", "_onet_title").alias("title"))
           .drop("_oews_title", "_soc_title", "_onet_title"))
    # 2021: same code set as 2024
    occ = occ.join(o21.select("soc", pl.col("employment").alias("employment_2021"),
                              pl.col("median_wage").alias("median_wage_2021")), on="soc", how="left")
    cov.append(xw.Coverage("OEWS 2021 -> OEWS 2024 occupations", items=o21.height,
                           matched=o21.join(all_units, on="soc", how="semi").height,
                           employment_share=emp_share(occ.filter(
                               pl.col("employment_2021").is_not_null())["soc"]),
                           task_share=None, threshold=warn))
    # 2015: SOC 2010 -> SOC 2018 -> unit; employment allocated by 2021 employment
    pairs10 = xw.soc2010_to_unit(inp.soc_2010_2018, inp.nem)
    alloc = _alloc_2015(o15, pairs10, occ)
    occ = occ.join(alloc, on="soc", how="left")
    o15_matched = o15.join(pairs10.select(pl.col("soc2010").alias("soc")).unique(), on="soc",
                           how="semi")
    tot15 = float(o15["employment"].sum() or 0.0)
    cov.append(xw.Coverage(
        "OEWS 2015 (SOC 2010) -> SOC 2018 -> OEWS occupation", items=o15.height,
        matched=o15_matched.height,
        employment_share=(float(o15_matched["employment"].sum()) / tot15) if tot15 else 0.0,
        task_share=None, threshold=warn))
    cov.append(xw.Coverage(
        "employment_2015 present, share of 2024 employment", items=occ.height,
        matched=int(occ["employment_2015"].is_not_null().sum()),
        employment_share=emp_share(occ.filter(pl.col("employment_2015").is_not_null())["soc"]),
        task_share=None, threshold=warn))

    # Job Zone (median over the unit's O*NET codes, rounded half up) and typical entry education
    jz = (inp.job_zones.join(units.select("onet_soc", "soc"), on="onet_soc")
          .group_by("soc").agg(pl.col("job_zone").median().alias("_jz")))
    jz = jz.select("soc", (pl.col("_jz") + 0.5).floor().cast(pl.Int64).alias("job_zone"))
    tiers = {z: t for t, zs in catalog.skill_tiers.items() for z in zs}
    occ = (occ.join(jz, on="soc", how="left")
           .with_columns(pl.col("job_zone").replace_strict(tiers, default=None,
                                                          return_dtype=pl.String).alias("skill_tier"))
           .join(inp.ep_education.select(pl.col("nem_code").alias("soc"), "education"),
                 on="soc", how="left"))
    for name, col in (("O*NET Job Zone", "job_zone"), ("EP typical entry education", "education")):
        have = occ.filter(pl.col(col).is_not_null())
        cov.append(xw.Coverage(f"{name} -> OEWS occupation", items=occ.height, matched=have.height,
                               employment_share=emp_share(have["soc"]), task_share=None,
                               threshold=warn))
    # ISCO-08 (most weighted unit group) via Nesta's ESCO crosswalk
    isco = xw.unit_to_isco(inp.nesta_esco_onet, inp.onet_2010_2019, inp.nem)
    top = isco.sort("soc", "weight", "isco_code", descending=[False, True, False]).unique(
        "soc", keep="first").select("soc", pl.col("isco_code").alias("isco08"),
                                    pl.col("weight").alias("isco08_weight"))
    occ = occ.join(top, on="soc", how="left")
    if catalog.isco_overrides:
        fixed = pl.col("soc").replace_strict(catalog.isco_overrides, default=None,
                                             return_dtype=pl.String)
        occ = occ.with_columns(pl.coalesce(fixed, pl.col("isco08")).alias("isco08"))
    have = occ.filter(pl.col("isco08").is_not_null())
    cov.append(xw.Coverage("O*NET-SOC 2010 <-> ESCO / ISCO-08 (Nesta) -> OEWS occupation",
                           items=occ.height, matched=have.height,
                           employment_share=emp_share(have["soc"]), task_share=None,
                           threshold=warn))

    # ---- occupation-level indices
    tw = tasks.filter(pl.col("soc").is_not_null())
    agg = []
    for idx in catalog.task_level:
        if idx.name.startswith("eloundou_") and not idx.name.endswith("automation"):
            continue  # the published occupation values are used (below)
        agg.append(pl.col(idx.name).sum().alias(idx.name) if idx.aggregate == "sum"
                   else _weighted_mean(idx.name))
    agg += [
        pl.col("weight").filter(pl.col("eloundou_gpt4_label").is_not_null()).sum()
        .alias("eloundou_task_coverage"),
        pl.col("weight").filter(pl.col("aei_usage_pct").is_not_null()).sum()
        .alias("aei_task_coverage"),
        pl.col("weight").filter(pl.col("workbank_has_expert").is_not_null()
                                | pl.col("workbank_has_desired").is_not_null()).sum()
        .alias("workbank_task_coverage"),
        pl.col("weight").filter(pl.col("human_role") == "originate").sum().alias("share_originate"),
        pl.col("weight").filter(pl.col("human_role") == "confirm").sum().alias("share_confirm"),
        pl.col("weight").filter(pl.col("human_role") == "hands_on").sum().alias("share_hands_on"),
        pl.len().alias("n_tasks"),
    ]
    by_occ = tw.group_by("soc").agg(*agg)
    # Sums over an occupation with no Anthropic-listed task are unknown, not zero.
    # Usage on tasks O*NET has since dropped counts for the occupation (carried, not lost).
    by_occ = (by_occ.join(aei_carried, on="soc", how="full", coalesce=True)
              .with_columns(pl.col("aei_usage_pct_carried").fill_null(0.0),
                            pl.col("aei_task_coverage").fill_null(0.0))
              .with_columns(
                  pl.when(pl.col("aei_task_coverage") > 0).then(pl.col("aei_usage_pct"))
                  .otherwise(None).alias("aei_usage_pct_tasks"),
                  pl.when((pl.col("aei_task_coverage") > 0)
                          | (pl.col("aei_usage_pct_carried") > 0))
                  .then(pl.col("aei_usage_pct").fill_null(0.0) + pl.col("aei_usage_pct_carried"))
                  .otherwise(None).alias("aei_usage_pct")))
    occ = occ.join(by_occ, on="soc", how="left")

    eo = (inp.eloundou_occupations.join(units.select("onet_soc", "soc"), on="onet_soc")
          .group_by("soc").agg(*[pl.col(f"{w}_{m}").mean().alias(f"eloundou_{w}_{m}")
                                 for w in ("human", "gpt4") for m in ("alpha", "beta", "gamma")]))
    occ = occ.join(eo, on="soc", how="left")
    # SOC 2010 sources, averaged where codes merge with weights = the 2015 employment each
    # source code sends to the unit (split as employment_2015 is, by 2021 employment)
    w15 = o15.select(pl.col("soc").alias("soc2010"), pl.col("employment").alias("_w"))
    target21 = occ.select("soc", pl.col("employment_2021").alias("weight"))
    for name, frame, col in (("felten_aioe", inp.aioe, "aioe"),
                             ("felten_lm_aioe", inp.lm_aioe, "lm_aioe"),
                             ("felten_ig_aioe", inp.ig_aioe, "ig_aioe"),
                             ("frey_osborne", inp.frey_osborne, "probability")):
        vals = frame.select("soc2010", pl.col(col).alias(name)).join(w15, on="soc2010", how="left")
        vals, pw = xw.allocated_weights(vals, "soc2010", "_w", pairs10, target21)
        occ = occ.join(xw.average_to_unit(vals, "soc2010", [name], pw, weight="_pair_w")
                       .select("soc", name), on="soc", how="left")
    ms_pairs = xw.soc2018_to_unit(inp.nem)
    ms = inp.microsoft.select(pl.col("soc").alias("soc2018"),
                              pl.col("ai_applicability").alias("ms_ai_applicability"))
    occ = occ.join(xw.average_to_unit(ms, "soc2018", ["ms_ai_applicability"], ms_pairs)
                   .select("soc", "ms_ai_applicability"), on="soc", how="left")
    nr = (inp.nesta_risk.group_by("onet_soc_2010").agg(pl.col("risk").mean().alias("nesta_sml_risk")))
    occ = occ.join(xw.average_to_unit(nr, "onet_soc_2010", ["nesta_sml_risk"],
                                      onet2010_units.select("onet_soc_2010", "soc").unique())
                   .select("soc", "nesta_sml_risk"), on="soc", how="left")
    index_names = [i.name for i in catalog.indices]
    occ = occ.with_columns(*[pl.col(c).fill_nan(None) for c in index_names])
    for idx in catalog.indices:
        have = occ.filter(pl.col(idx.name).is_not_null())
        cov.append(xw.Coverage(f"index {idx.name} (occupation level)", items=occ.height,
                               matched=have.height, employment_share=emp_share(have["soc"]),
                               task_share=None, threshold=warn))

    front = ["soc", "title", "major_group", "major_title", "employment", "median_wage",
             "median_topcoded", "hourly_only", "employment_2015", "employment_2021",
             "median_wage_2015", "median_wage_2021", "employment_2015_split", "job_zone",
             "skill_tier", "education", "isco08", "isco08_weight", "onet_socs", "n_tasks"]
    rest = [c for c in occ.columns if c not in front and c not in index_names]
    occ = occ.select(*front, *index_names, *rest).sort("soc")

    # ---- related occupations (job-mobility network)
    related = _related(inp, units, catalog)
    cov.append(xw.Coverage("O*NET Related Occupations -> OEWS occupation pairs",
                           items=inp.related.height, matched=int(related["n_links"].sum()),
                           employment_share=emp_share(related["soc"].unique()), task_share=None,
                           threshold=warn))
    task_cols = ["soc", "onet_soc", "task_id", "statement", "task_type", "weight",
                 *[i.name for i in catalog.task_level], "automation_share", "augmentation_share",
                 "human_role", "human_role_method"]
    tasks = tasks.select(*task_cols, *[c for c in tasks.columns if c not in task_cols])
    return AtlasTables(occupations=occ, tasks=tasks, related=related,
                       coverage=xw.coverage_frame(cov), interactions=inp.aei_interactions)


def _alloc_2015(o15: pl.DataFrame, pairs10: pl.DataFrame, occ: pl.DataFrame) -> pl.DataFrame:
    """2015 employment and median wage on the 2024 occupations (see crosswalks module)."""
    src = o15.select(pl.col("soc").alias("soc2010"), "employment", "median_wage")
    target = occ.select("soc", pl.col("employment_2021").alias("weight"))
    emp = xw.allocate_to_unit(src, "soc2010", "employment", pairs10, target)
    vals, pw = xw.allocated_weights(src.select("soc2010", "median_wage", "employment"), "soc2010",
                                    "employment", pairs10, target)
    wage = xw.average_to_unit(vals, "soc2010", ["median_wage"], pw, weight="_pair_w")
    return (emp.rename({"employment": "employment_2015", "split": "employment_2015_split"})
            .join(wage.select("soc", pl.col("median_wage").fill_nan(None).alias("median_wage_2015")),
                  on="soc", how="full", coalesce=True))


def _related(inp: AtlasInputs, units: pl.DataFrame, catalog: Catalog) -> pl.DataFrame:
    """Related-occupation edges between atlas occupations, weights summing to 1 per ``soc``."""
    u = units.select("onet_soc", "soc")
    tiers = catalog.related_tier_weights
    r = (inp.related.join(u, on="onet_soc", how="inner")
         .join(u.rename({"onet_soc": "related_onet_soc", "soc": "related_soc"}),
               on="related_onet_soc", how="inner")
         .filter(pl.col("soc") != pl.col("related_soc"))
         .with_columns(pl.col("tier").replace_strict(tiers, default=0.0,
                                                     return_dtype=pl.Float64).alias("_w")))
    out = (r.group_by("soc", "related_soc")
           .agg(pl.col("_w").sum().alias("weight"), pl.len().alias("n_links"),
                pl.col("rank").min().alias("best_rank"))
           .with_columns(pl.col("weight") / pl.col("weight").sum().over("soc")))
    return out.sort("soc", "weight", "related_soc", descending=[False, True, False])
