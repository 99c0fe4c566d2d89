"""One loader per source file the project reads, each returning a typed Polars frame.

Each loader reads the file at its canonical path inside the data folder (``data_dir``, resolved by
:func:`~neijuan.data.registry.resolve_data_dir`), checks the header and every code, and returns the
columns listed in its docstring, renamed to snake case. Codes keep their own system, named in the
column: ``onet_soc`` (O*NET-SOC 2019, ``15-1252.00``), ``onet_soc_2010``, ``soc`` (SOC 2018 as
published by OEWS / NEM), ``soc2010``. Crosswalking is done in :mod:`neijuan.data.crosswalks`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

import polars as pl

from neijuan.data._read import Col, TableSpec, read_table
from neijuan.data.registry import load_registry, resolve_data_dir
from neijuan.errors import DataError

PathLike = str | os.PathLike[str] | None

# Hours per year BLS uses to turn an hourly wage into an annual one (OEWS technical notes).
HOURS_PER_YEAR = 2080.0


def _path(data_dir: PathLike, rel: str) -> Path:
    """The file ``rel`` of the data folder, verified against the registry before it is read
    (:func:`~neijuan.data.verify.check_inputs`: a changed file is refused unless allowed)."""
    from neijuan.data.verify import check_inputs

    load_registry().file(rel)  # refuse a path that is not in the registry: keeps the two in sync
    folder = resolve_data_dir(data_dir)
    check_inputs(folder, [rel])
    return folder / rel




# ---------------------------------------------------------------------------------------- O*NET


def onet_occupations(data_dir: PathLike = None) -> pl.DataFrame:
    """O*NET 29.3 Occupation Data: ``onet_soc``, ``title``, ``description``."""
    return read_table(_path(data_dir, "onet_29_3/Occupation Data.txt"), TableSpec(
        columns=(Col("O*NET-SOC Code", "onet_soc", "onet8", required=True),
                 Col("Title", "title", required=True), Col("Description", "description")),
        separator="\t", quote_char=None))


def onet_tasks(data_dir: PathLike = None) -> pl.DataFrame:
    """O*NET 29.3 Task Statements, one row per task.

    ``onet_soc``, ``title``, ``task_id`` (int), ``statement``, ``task_type`` ('core' /
    'supplemental' / null where O*NET has no rating), ``incumbents`` (float), ``date``,
    ``domain_source``.
    """
    df = read_table(_path(data_dir, "onet_29_3/Task Statements.txt"), TableSpec(
        columns=(Col("O*NET-SOC Code", "onet_soc", "onet8", required=True),
                 Col("Title", "title"), Col("Task ID", "task_id", "task_id", required=True),
                 Col("Task", "statement", required=True), Col("Task Type", "task_type"),
                 Col("Incumbents Responding", "incumbents", "float"), Col("Date", "date"),
                 Col("Domain Source", "domain_source")),
        separator="\t", quote_char=None))
    return df.with_columns(pl.col("task_type").str.to_lowercase())


def onet_job_zones(data_dir: PathLike = None) -> pl.DataFrame:
    """O*NET 29.3 Job Zones: ``onet_soc``, ``job_zone`` (1-5)."""
    df = read_table(_path(data_dir, "onet_29_3/Job Zones.txt"), TableSpec(
        columns=(Col("O*NET-SOC Code", "onet_soc", "onet8", required=True),
                 Col("Job Zone", "job_zone", "int", required=True)), separator="\t", quote_char=None))
    bad = df.filter(~pl.col("job_zone").is_between(1, 5))
    if bad.height:
        raise DataError(f"Job Zones.txt: column 'Job Zone': {bad['job_zone'][0]} is not in 1-5")
    return df


def onet_related(data_dir: PathLike = None) -> pl.DataFrame:
    """O*NET 29.3 Related Occupations: ``onet_soc``, ``related_onet_soc``, ``tier``, ``rank``."""
    return read_table(_path(data_dir, "onet_29_3/Related Occupations.txt"), TableSpec(
        columns=(Col("O*NET-SOC Code", "onet_soc", "onet8", required=True),
                 Col("Related O*NET-SOC Code", "related_onet_soc", "onet8", required=True),
                 Col("Relatedness Tier", "tier", required=True),
                 Col("Index", "rank", "int", required=True)), separator="\t", quote_char=None))


def onet_tasks_to_dwas(data_dir: PathLike = None) -> pl.DataFrame:
    """O*NET 29.3 Tasks to DWAs (Excel form): ``onet_soc``, ``task_id``, ``dwa_id``."""
    return read_table(_path(data_dir, "onet_29_3/Tasks to DWAs.xlsx"), TableSpec(
        columns=(Col("O*NET-SOC Code", "onet_soc", "onet8", required=True),
                 Col("Task ID", "task_id", "task_id", required=True),
                 Col("DWA ID", "dwa_id", required=True))))


def onet_dwa_reference(data_dir: PathLike = None) -> pl.DataFrame:
    """O*NET DWA Reference: ``gwa_id``, ``gwa_name``, ``iwa_id``, ``iwa_title``, ``dwa_id``,
    ``dwa_title`` (each DWA with its IWA and its Generalized Work Activity)."""
    return read_table(_path(data_dir, "onet_29_3/DWA Reference.txt"), TableSpec(
        columns=(Col("Element ID", "gwa_id", required=True),
                 Col("Element Name", "gwa_name", required=True),
                 Col("IWA ID", "iwa_id", required=True), Col("IWA Title", "iwa_title"),
                 Col("DWA ID", "dwa_id", required=True), Col("DWA Title", "dwa_title")),
        separator="\t", quote_char=None))


# ----------------------------------------------------------------------------------------- OEWS

_OEWS_FILES = {
    2024: "bls_oews/national_M2024_dl.xlsx",
    2021: "bls_oews/national_M2021_dl.csv",
    2015: "bls_oews/national_M2015_dl.csv",
}


def oews(year: int, data_dir: PathLike = None) -> pl.DataFrame:
    """OEWS national cross-industry estimates for ``year`` (2015, 2021 or 2024).

    One row per published occupation (all levels): ``soc`` (the OEWS code: SOC 2010 for 2015,
    SOC 2018 with a few BLS aggregates for 2021/2024), ``title``, ``group`` (total / major / minor
    / broad / detailed), ``employment``, ``mean_annual``, ``median_hourly``, ``median_annual``
    (as published; null when BLS gives only hourly, see ``hourly_only``), ``median_topcoded``
    (the median is at or above the top code), ``hourly_only``, ``annual_only`` and
    ``median_wage``: the annual median, from the hourly one times 2,080 hours where BLS publishes
    only hourly, and the registry's top-code value where it is top-coded (a lower bound).
    """
    if year not in _OEWS_FILES:
        raise DataError(f"OEWS year {year} is not in the registry; available: {sorted(_OEWS_FILES)}")
    rel = _OEWS_FILES[year]
    group_col = "OCC_GROUP" if year == 2015 else "O_GROUP"
    df = read_table(_path(data_dir, rel), TableSpec(
        columns=(Col("OCC_CODE", "soc", "soc6", required=True), Col("OCC_TITLE", "title"),
                 Col(group_col, "group", required=True),
                 Col("TOT_EMP", "employment", "float"), Col("A_MEAN", "mean_annual", "wage"),
                 Col("H_MEDIAN", "median_hourly", "wage"), Col("A_MEDIAN", "median_annual", "wage"),
                 Col("ANNUAL", "annual_only", "bool"), Col("HOURLY", "hourly_only", "bool")),
        drop_index_column=(year == 2015)))
    source = load_registry().sources[f"oews_{year}"].extra
    top = float(source["topcode_annual"])  # type: ignore[arg-type]
    df = df.with_columns(
        (pl.col("median_annual_topcoded") | pl.col("median_hourly_topcoded"))
        .alias("median_topcoded"),
        pl.col("group").str.to_lowercase(),
    )
    return df.with_columns(
        pl.when(pl.col("median_topcoded")).then(pl.lit(top))
        .when(pl.col("median_annual").is_not_null()).then(pl.col("median_annual"))
        .otherwise(pl.col("median_hourly") * HOURS_PER_YEAR).alias("median_wage"),
    ).drop("median_annual_topcoded", "median_hourly_topcoded", "mean_annual_topcoded")


# -------------------------------------------------------------------------- BLS projections / EP

_EP = "bls_employment_projections/occupation_2022-32.xlsx"


def ep_employment(data_dir: PathLike = None) -> pl.DataFrame:
    """EP Table 1.2: ``nem_code``, ``title``, ``occupation_type`` (Summary / Line item),
    ``employment_2022``, ``employment_2032`` (persons; the table is in thousands)."""
    df = read_table(_path(data_dir, _EP), TableSpec(
        sheet="Table 1.2", header_row=1, stop_at_blank=False,
        columns=(Col("2022 National Employment Matrix code", "nem_code", "str"),
                 Col("2022 National Employment Matrix title", "title"),
                 Col("Occupation type", "occupation_type"),
                 Col("Employment, 2022", "employment_2022", "float"),
                 Col("Employment, 2032", "employment_2032", "float"))))
    # The table ends with a source note whose code cell is empty.
    df = df.filter(pl.col("nem_code").is_not_null()).with_columns(
        (pl.col("employment_2022") * 1000).alias("employment_2022"),
        (pl.col("employment_2032") * 1000).alias("employment_2032"),
        pl.col("title").str.strip_chars())
    _check_nem(df)
    return df


def ep_education(data_dir: PathLike = None) -> pl.DataFrame:
    """EP Table 5.4: ``nem_code``, ``title``, ``education`` (typical education needed for entry),
    ``experience``, ``training``."""
    df = read_table(_path(data_dir, _EP), TableSpec(
        sheet="Table 5.4", header_row=1,
        columns=(Col("2022 National Employment Matrix code", "nem_code"),
                 Col("2022 National Employment Matrix title", "title"),
                 Col("Typical education needed for entry", "education"),
                 Col("Work experience in a related occupation", "experience"),
                 Col("Typical on-the-job training needed to attain competency in the occupation",
                     "training"))))
    df = df.filter(pl.col("nem_code").is_not_null())
    _check_nem(df)
    return df


def _check_nem(df: pl.DataFrame) -> None:
    ok = df["nem_code"].str.contains(r"^\d{2}-\d{4}$")
    if not ok.all():
        i = int((~ok).arg_true()[0])
        raise DataError(f"{_EP}: column '2022 National Employment Matrix code', data row {i + 1}: "
                        f"{df['nem_code'][i]!r} is not a SOC/NEM code like 15-1252")


# ----------------------------------------------------------------------------------- crosswalks


def xwalk_onet2019_nem(data_dir: PathLike = None) -> pl.DataFrame:
    """BLS O*NET-SOC 2019 -> NEM/SOC 2018 crosswalk: ``onet_soc``, ``soc`` (NEM code = the OEWS
    code: a SOC 2018 detailed code or one of the BLS aggregates), ``soc_title``."""
    return read_table(
        _path(data_dir, "crosswalks/bls_nem_onet_to_soc_crosswalk_2023-09.xlsx"),
        TableSpec(sheet="ONET to SOC crosswalk", header_row=4, columns=(
            Col("O*NET-SOC Code", "onet_soc", "onet8", required=True),
            Col("NEM Code", "soc", "soc6", required=True),
            Col("National Employment Matrix Occupational Title", "soc_title"))))


def xwalk_onet2010_2019(data_dir: PathLike = None) -> pl.DataFrame:
    """O*NET Center crosswalk: ``onet_soc_2010``, ``onet_soc`` (2019), titles."""
    return read_table(_path(data_dir, "crosswalks/onet_soc_2010_to_2019_crosswalk.csv"), TableSpec(
        columns=(Col("O*NET-SOC 2010 Code", "onet_soc_2010", "onet8", required=True),
                 Col("O*NET-SOC 2010 Title", "title_2010"),
                 Col("O*NET-SOC 2019 Code", "onet_soc", "onet8", required=True),
                 Col("O*NET-SOC 2019 Title", "title"))))


def xwalk_soc2010_2018(data_dir: PathLike = None) -> pl.DataFrame:
    """BLS SOC 2010 -> 2018 crosswalk (many-to-many): ``soc2010``, ``soc2018``, titles."""
    return read_table(_path(data_dir, "crosswalks/soc2010_to_soc2018_crosswalk.csv"), TableSpec(
        columns=(Col("2010 SOC Code", "soc2010", "soc6", required=True),
                 Col("2010 SOC Title", "title_2010"),
                 Col("2018 SOC Code", "soc2018", "soc6", required=True),
                 Col("2018 SOC Title", "title_2018"))))


def soc_structure(data_dir: PathLike = None) -> pl.DataFrame:
    """SOC 2018 structure (via the Anthropic release): ``code``, ``level`` (major / minor / broad /
    detailed / onet), ``title``."""
    df = read_table(_path(data_dir, "anthropic_economic_index_2025_02/SOC_Structure.csv"),
                    TableSpec(columns=(
                        Col("Major Group", "major"), Col("Minor Group", "minor"),
                        Col("Broad Occupation", "broad"), Col("Detailed Occupation", "detailed"),
                        Col("Detailed O*NET-SOC", "onet"),
                        Col("SOC or O*NET-SOC 2019 Title", "title", required=True))))
    levels = ["major", "minor", "broad", "detailed", "onet"]
    return df.select(
        pl.coalesce(*levels).alias("code"),
        pl.when(pl.col("major").is_not_null()).then(pl.lit("major"))
        .when(pl.col("minor").is_not_null()).then(pl.lit("minor"))
        .when(pl.col("broad").is_not_null()).then(pl.lit("broad"))
        .when(pl.col("detailed").is_not_null()).then(pl.lit("detailed"))
        .otherwise(pl.lit("onet")).alias("level"),
        "title",
    ).filter(pl.col("code").is_not_null())


# --------------------------------------------------------------------------- Eloundou et al. 2024

_LABEL = {"E0": 0, "E1": 1, "E2": 2}
_T = {"T0": 0.0, "T1": 0.25, "T2": 0.5, "T3": 0.75, "T4": 1.0}


def _check_labels(df: pl.DataFrame, column: str, allowed: Mapping[str, object],
                  rel: str) -> None:
    ok = df[column].is_null() | df[column].is_in(list(allowed))
    if not ok.all():
        i = int((~ok).arg_true()[0])
        raise DataError(f"{rel}: column {column!r}, line {i + 2}: {df[column][i]!r} is not one of "
                        f"{sorted(allowed)}")


def eloundou_labels(data_dir: PathLike = None) -> pl.DataFrame:
    """GPTs-are-GPTs full_labelset.tsv, one row per task (O*NET-SOC 2019).

    ``onet_soc``, ``task_id``, ``statement``, ``task_type``, ``human_exposure`` and
    ``gpt4_exposure`` (E0 / E1 / E2 labels), ``gpt4_automation`` (T0-T4). The file's unnamed index
    column is dropped; its alpha/beta/gamma columns are the GPT-4 ones and are recomputed from the
    labels downstream (E1 = 1; beta counts E2 as 0.5; gamma counts E2 as 1).
    """
    rel = "gpts_are_gpts/full_labelset.tsv"
    df = read_table(_path(data_dir, rel), TableSpec(
        separator="\t", drop_index_column=True,
        columns=(Col("O*NET-SOC Code", "onet_soc", "onet8", required=True),
                 Col("Task ID", "task_id", "task_id", required=True),
                 Col("Task", "statement"), Col("Task Type", "task_type"),
                 Col("human_exposure_agg", "human_exposure"),
                 Col("gpt4_exposure", "gpt4_exposure"),
                 Col("gpt4_automation", "gpt4_automation"))))
    for c in ("human_exposure", "gpt4_exposure"):
        _check_labels(df, c, _LABEL, rel)
    _check_labels(df, "gpt4_automation", _T, rel)
    return df.with_columns(pl.col("task_type").str.to_lowercase())


def eloundou_automation_labels(data_dir: PathLike = None) -> pl.DataFrame:
    """GPTs-are-GPTs automation labels: ``onet_soc``, ``task_id``, ``gpt4_automation``,
    ``human_automation`` (T0-T4; human labels exist for about a hundred tasks)."""
    rel = "gpts_are_gpts/automation_gpt4_human_labels.tsv"
    df = read_table(_path(data_dir, rel), TableSpec(
        separator="\t",
        columns=(Col("O*NET-SOC Code", "onet_soc", "onet8", required=True),
                 Col("Task ID", "task_id", "task_id", required=True),
                 Col("gpt4_automation", "gpt4_automation"),
                 Col("human_automation", "human_automation"))))
    for c in ("gpt4_automation", "human_automation"):
        _check_labels(df, c, _T, rel)
    return df


def eloundou_occupations(data_dir: PathLike = None) -> pl.DataFrame:
    """GPTs-are-GPTs occ_level.csv: ``onet_soc``, ``gpt4_alpha``, ``gpt4_beta``, ``gpt4_gamma``,
    ``human_alpha``, ``human_beta``, ``human_gamma`` (occupation-level exposure, 0-1)."""
    cols = [Col("O*NET-SOC Code", "onet_soc", "onet8", required=True)]
    for who, src in (("gpt4", "dv_rating"), ("human", "human_rating")):
        for m in ("alpha", "beta", "gamma"):
            cols.append(Col(f"{src}_{m}", f"{who}_{m}", "float"))
    return read_table(_path(data_dir, "gpts_are_gpts/occ_level.csv"), TableSpec(columns=tuple(cols)))


# ------------------------------------------------------------------------------ Felten et al.

_AIOE = {
    "aioe": ("felten_aioe/AIOE_DataAppendix.xlsx", "Appendix A", "AIOE"),
    "lm_aioe": ("felten_aioe/Language_Modeling_AIOE_and_AIIE.xlsx", "LM AIOE",
                "Language Modeling AIOE"),
    "ig_aioe": ("felten_aioe/Image_Generation_AIOE_and_AIIE.xlsx", "IG AIOE",
                "Image Generation AIOE"),
}


def felten_aioe(variant: str = "aioe", data_dir: PathLike = None) -> pl.DataFrame:
    """Felten-Raj-Seamans AI occupational exposure by SOC 2010 code.

    ``variant``: 'aioe' (2021), 'lm_aioe' (language modelling) or 'ig_aioe' (image generation).
    Columns: ``soc2010``, ``title``, and the score named after the variant (standardised).
    """
    if variant not in _AIOE:
        raise DataError(f"unknown AIOE variant {variant!r}; choose one of {sorted(_AIOE)}")
    rel, sheet, col = _AIOE[variant]
    return read_table(_path(data_dir, rel), TableSpec(sheet=sheet, columns=(
        Col("SOC Code", "soc2010", "soc6", required=True), Col("Occupation Title", "title"),
        Col(col, variant, "float", required=True))))


# ------------------------------------------------------------------------------------ Microsoft


def microsoft_applicability(data_dir: PathLike = None) -> pl.DataFrame:
    """Microsoft 'Working with AI' soc_metrics.csv by SOC 2018: ``soc``, ``title``,
    ``ai_applicability`` (the paper's score: mean of the user- and AI-side scores),
    ``ai_applicability_user``, ``ai_applicability_ai``, ``coverage_user``, ``completion_user``,
    ``impact_scope_user``."""
    df = read_table(_path(data_dir, "microsoft_working_with_ai/soc_metrics.csv"), TableSpec(
        columns=(Col("SOC Code", "soc", "soc6", required=True), Col("title", "title"),
                 Col("coverage_user", "coverage_user", "float"),
                 Col("completion_user", "completion_user", "float"),
                 Col("impact_scope_user", "impact_scope_user", "float"),
                 Col("ai_applicability_score_user", "ai_applicability_user", "float"),
                 Col("ai_applicability_score_ai", "ai_applicability_ai", "float"))))
    scores = read_table(
        _path(data_dir, "microsoft_working_with_ai/soc_ai_applicability_scores.csv"),
        TableSpec(columns=(Col("SOC Code", "soc", "soc6", required=True),
                           Col("ai_applicability_score", "ai_applicability", "float"))))
    return df.join(scores, on="soc", how="left")


def microsoft_iwa_metrics(data_dir: PathLike = None) -> pl.DataFrame:
    """Microsoft iwa_metrics.csv: ``iwa_id``, ``title``, ``share_user``, ``share_ai``,
    ``completion_user``, ``impact_scope_user``."""
    return read_table(_path(data_dir, "microsoft_working_with_ai/iwa_metrics.csv"), TableSpec(
        columns=(Col("IWA", "iwa_id", required=True), Col("title", "title"),
                 Col("share_user", "share_user", "float"), Col("share_ai", "share_ai", "float"),
                 Col("completion_user", "completion_user", "float"),
                 Col("impact_scope_user", "impact_scope_user", "float"))))


# ------------------------------------------------------------------------------------ Anthropic

_AEI = "anthropic_economic_index_2025_02/"


def aei_task_usage(data_dir: PathLike = None) -> pl.DataFrame:
    """Anthropic Economic Index 2025-02 onet_task_mappings.csv: ``task_name`` (a lower-cased
    O*NET 20.1 statement), ``pct`` (percent of sampled Claude.ai conversations)."""
    df = read_table(_path(data_dir, _AEI + "onet_task_mappings.csv"), TableSpec(columns=(
        Col("task_name", "task_name", required=True), Col("pct", "pct", "float", required=True))))
    neg = df.filter(pl.col("pct") < 0)
    if neg.height:
        raise DataError(f"{_AEI}onet_task_mappings.csv: column 'pct': negative share "
                        f"{neg['pct'][0]} for {neg['task_name'][0]!r}")
    return df


def aei_task_statements(data_dir: PathLike = None) -> pl.DataFrame:
    """The O*NET 20.1 task list of the Anthropic release (O*NET-SOC 2010 codes):
    ``onet_soc_2010``, ``task_id``, ``statement``, ``task_type``."""
    df = read_table(_path(data_dir, _AEI + "onet_task_statements.csv"), TableSpec(columns=(
        Col("O*NET-SOC Code", "onet_soc_2010", "onet8", required=True),
        Col("Task ID", "task_id", "task_id", required=True),
        Col("Task", "statement", required=True), Col("Task Type", "task_type"))))
    return df.with_columns(pl.col("task_type").str.to_lowercase())


def aei_interaction_types(data_dir: PathLike = None) -> pl.DataFrame:
    """Anthropic automation_vs_augmentation.csv: ``interaction_type``, ``pct`` (aggregate)."""
    return read_table(_path(data_dir, _AEI + "automation_vs_augmentation.csv"), TableSpec(
        columns=(Col("interaction_type", "interaction_type", required=True),
                 Col("pct", "pct", "float", required=True))))


def aei_wage_data(data_dir: PathLike = None) -> pl.DataFrame:
    """Anthropic wage_data.csv (scraped from O*NET OnLine): ``onet_soc``, ``title``, ``job_zone``,
    ``median_salary`` (as given: annual or hourly), ``median_salary_annual`` (values under the
    registry's hourly bound times 2,080), ``chance_auto`` (Frey-Osborne x100); -1 is null."""
    df = read_table(_path(data_dir, _AEI + "wage_data.csv"), TableSpec(columns=(
        Col("SOCcode", "onet_soc", "onet8", required=True), Col("JobName", "title"),
        Col("JobZone", "job_zone", "int", missing=("-1",)),
        Col("MedianSalary", "median_salary", "float", missing=("-1", "-1.0")),
        Col("ChanceAuto", "chance_auto", "float", missing=("-1", "-1.0")))))
    hourly_bound = float(load_registry().sources["oews_2024"].extra["topcode_hourly"])  # type: ignore[arg-type]
    return df.with_columns(
        pl.when(pl.col("median_salary") <= hourly_bound)
        .then(pl.col("median_salary") * HOURS_PER_YEAR)
        .otherwise(pl.col("median_salary")).alias("median_salary_annual"))


# ------------------------------------------------------------------------------------- WORKBank

_WB = "stanford_workbank/"
_WB_COMMON = (Col("Task ID", "task_id", "task_id", required=True),
              Col("Occupation (O*NET-SOC Title)", "title"), Col("Task", "statement"),
              Col("User ID", "rater"))


def _check_scale(df: pl.DataFrame, rel: str, cols: dict[str, str], lo: int = 1, hi: int = 5) -> None:
    for name, source in cols.items():
        bad = df.filter(pl.col(name).is_not_null() & ~pl.col(name).is_between(lo, hi))
        if bad.height:
            raise DataError(f"{rel}: column {source!r}: {bad[name][0]} is outside {lo}-{hi}")


def workbank_expert_ratings(data_dir: PathLike = None) -> pl.DataFrame:
    """WORKBank expert ratings, one row per (task, expert): ``task_id``, ``rater``,
    ``automation_capacity`` (1-5), ``has`` (Human Agency Scale H1-H5 as 1-5), ``physical``,
    ``uncertainty``, ``expertise``, ``interpersonal``."""
    rel = _WB + "expert_rated_technological_capability.csv"
    src = {"automation_capacity": "Automation Capacity Rating", "has": "Human Agency Scale Rating",
           "physical": "Physical Action Requirement", "uncertainty": "Involved Uncertainty",
           "expertise": "Domain Expertise Requirement",
           "interpersonal": "Interpersonal Communication Requirement"}
    df = read_table(_path(data_dir, rel), TableSpec(columns=_WB_COMMON + tuple(
        Col(s, n, "int") for n, s in src.items())))
    _check_scale(df, rel, src)
    return df


def workbank_worker_desires(data_dir: PathLike = None) -> pl.DataFrame:
    """WORKBank worker survey, one row per (task, worker): ``task_id``, ``rater``,
    ``automation_desire`` (1-5), ``has_desired`` (the Human Agency Scale level the worker wants,
    1-5), ``core_skill``, ``job_security``, ``enjoyment``."""
    rel = _WB + "domain_worker_desires.csv"
    src = {"automation_desire": "Automation Desire Rating", "has_desired": "Human Agency Scale Rating",
           "core_skill": "Core Skill Rating", "job_security": "Job Security Rating",
           "enjoyment": "Enjoyment Rating"}
    df = read_table(_path(data_dir, rel), TableSpec(columns=_WB_COMMON + tuple(
        Col(s, n, "int") for n, s in src.items())))
    _check_scale(df, rel, src)
    return df


def workbank_tasks(data_dir: PathLike = None) -> pl.DataFrame:
    """WORKBank task list: ``onet_soc``, ``task_id``, ``statement``, ``task_type``,
    ``frequency``, ``importance``, ``relevance``."""
    df = read_table(_path(data_dir, _WB + "task_statement_with_metadata.csv"), TableSpec(columns=(
        Col("O*NET-SOC Code", "onet_soc", "onet8", required=True),
        Col("Task ID", "task_id", "task_id", required=True), Col("Task", "statement"),
        Col("Task Type", "task_type"), Col("Frequency", "frequency", "float"),
        Col("Importance", "importance", "float"), Col("Relevance", "relevance", "float"))))
    return df.with_columns(pl.col("task_type").str.to_lowercase())


# ------------------------------------------------------------------------------- Frey-Osborne


def frey_osborne(data_dir: PathLike = None) -> pl.DataFrame:
    """Frey-Osborne probability of computerisation: ``soc2010``, ``title``, ``probability``
    (0-1), ``rank``, ``label`` (the hand label 0/1 of their training set, else null)."""
    rel = "frey_osborne/frey_osborne_2013_probabilities.csv"
    df = read_table(_path(data_dir, rel), TableSpec(columns=(
        Col("SOC code", "soc2010", "soc6", required=True), Col("Occupation", "title"),
        Col("Probability", "probability", "float", required=True), Col("Rank", "rank", "int"),
        Col("Label", "label", "int"))))
    bad = df.filter(~pl.col("probability").is_between(0.0, 1.0))
    if bad.height:
        raise DataError(f"{rel}: column 'Probability': {bad['probability'][0]} is outside 0-1")
    return df


# ----------------------------------------------------------------------------- ESCO / Nesta / JRC


def esco_occupations(data_dir: PathLike = None) -> pl.DataFrame:
    """ESCO v1.2.0 occupations: ``uri``, ``isco_code`` (ISCO-08 unit group, 4 digits),
    ``label``, ``alt_labels`` (newline separated), ``code``."""
    df = read_table(_path(data_dir, "esco_1_2_0/occupations_en.csv"), TableSpec(columns=(
        Col("conceptUri", "uri", required=True), Col("iscoGroup", "isco_code", required=True),
        Col("preferredLabel", "label", required=True), Col("altLabels", "alt_labels"),
        Col("code", "code"))))
    _check_isco(df, "esco_1_2_0/occupations_en.csv", "iscoGroup")
    return df


def _check_isco(df: pl.DataFrame, rel: str, source: str) -> None:
    ok = df["isco_code"].str.contains(r"^\d{4}$")
    if not ok.all():
        i = int((~ok).arg_true()[0])
        raise DataError(f"{rel}: column {source!r}, record {i + 1}: {df['isco_code'][i]!r} is not "
                        f"a 4-digit ISCO-08 code")


def nesta_esco_onet(data_dir: PathLike = None) -> pl.DataFrame:
    """Nesta ESCO -> O*NET-SOC 2010 crosswalk: ``esco_uri``, ``esco_label``, ``isco_code``,
    ``onet_soc_2010``, ``similarity`` (semantic), ``confidence`` (0.5 / 1 / 2, manual)."""
    rel = "nesta_career_causeways/esco_onet_crosswalk_Nov2020.csv"
    df = read_table(_path(data_dir, rel), TableSpec(columns=(
        Col("concept_uri", "esco_uri", required=True), Col("esco_occupation", "esco_label"),
        Col("isco_code", "isco_code", required=True),
        Col("onet_code", "onet_soc_2010", "onet8", required=True),
        Col("semantic_similarity", "similarity", "float"),
        Col("confidence", "confidence", "float"))))
    _check_isco(df, rel, "isco_code")
    return df


def nesta_automation_risk(data_dir: PathLike = None) -> pl.DataFrame:
    """Nesta automation risk by ESCO occupation (Brynjolfsson-Mitchell-Rock suitability for
    machine learning, translated to ESCO): ``esco_uri``, ``isco_code``, ``onet_soc_2010``,
    ``risk``, ``prevalence``, ``risk_category``."""
    rel = "nesta_career_causeways/mcc_risk_All_occupations.csv"
    df = read_table(_path(data_dir, rel), TableSpec(columns=(
        Col("concept_uri", "esco_uri", required=True), Col("occupation", "esco_label"),
        Col("isco_code", "isco_code", required=True),
        Col("onet_code", "onet_soc_2010", "onet8", required=True),
        Col("risk", "risk", "float", required=True), Col("prevalence", "prevalence", "float"),
        Col("risk_category", "risk_category"))))
    _check_isco(df, rel, "isco_code")
    return df


def jrc_tasks(data_dir: PathLike = None) -> pl.DataFrame:
    """JRC-Eurofound European Tasks Database (EU15): ``nace``, ``isco2`` (ISCO-08 2-digit),
    and the task indices (0-1) ``physical``, ``intellectual``, ``social``, ``routine``, ``ict``,
    ``autonomy``. Suppressed cells are null. Tab-separated despite the .csv name."""
    rel = "jrc_eurofound_tasks/tasks_eu_isco2d_nace2d_EU15.csv"
    df = read_table(_path(data_dir, rel), TableSpec(separator="\t", columns=(
        Col("nace", "nace", required=True), Col("isco", "isco", required=True),
        Col("physical", "physical", "float"), Col("intellectual", "intellectual", "float"),
        Col("social", "social", "float"), Col("routine", "routine", "float"),
        Col("ICT", "ict", "float"), Col("autonomy", "autonomy", "float"))))
    code = df["isco"].str.extract(r"^(\d{2})\.", 1)
    if code.is_null().any():
        i = int(code.is_null().arg_true()[0])
        raise DataError(f"{rel}: column 'isco', line {i + 2}: {df['isco'][i]!r} does not start "
                        f"with a 2-digit ISCO-08 code like '25. ...'")
    return df.with_columns(code.alias("isco2"))
