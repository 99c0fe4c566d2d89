"""The raw files the atlas reads (relative to the data folder); stdlib only, so the build cache
can be checked without importing the build."""

from __future__ import annotations

# Files the atlas reads (relative to the data folder); their checksums key the build cache.
INPUT_FILES: tuple[str, ...] = (
    "onet_29_3/Occupation Data.txt",
    "onet_29_3/Task Statements.txt",
    "onet_29_3/Job Zones.txt",
    "onet_29_3/Related Occupations.txt",
    "onet_29_3/Tasks to DWAs.xlsx",
    "onet_29_3/DWA Reference.txt",
    "bls_oews/national_M2024_dl.xlsx",
    "bls_oews/national_M2021_dl.csv",
    "bls_oews/national_M2015_dl.csv",
    "bls_employment_projections/occupation_2022-32.xlsx",
    "crosswalks/bls_nem_onet_to_soc_crosswalk_2023-09.xlsx",
    "crosswalks/onet_soc_2010_to_2019_crosswalk.csv",
    "crosswalks/soc2010_to_soc2018_crosswalk.csv",
    "anthropic_economic_index_2025_02/SOC_Structure.csv",
    "gpts_are_gpts/full_labelset.tsv",
    "gpts_are_gpts/automation_gpt4_human_labels.tsv",
    "gpts_are_gpts/occ_level.csv",
    "felten_aioe/AIOE_DataAppendix.xlsx",
    "felten_aioe/Language_Modeling_AIOE_and_AIIE.xlsx",
    "felten_aioe/Image_Generation_AIOE_and_AIIE.xlsx",
    "microsoft_working_with_ai/soc_metrics.csv",
    "microsoft_working_with_ai/soc_ai_applicability_scores.csv",
    "anthropic_economic_index_2025_02/onet_task_mappings.csv",
    "anthropic_economic_index_2025_02/onet_task_statements.csv",
    "anthropic_economic_index_2025_02/automation_vs_augmentation.csv",
    "stanford_workbank/expert_rated_technological_capability.csv",
    "stanford_workbank/domain_worker_desires.csv",
    "frey_osborne/frey_osborne_2013_probabilities.csv",
    "nesta_career_causeways/mcc_risk_All_occupations.csv",
    "nesta_career_causeways/esco_onet_crosswalk_Nov2020.csv",
    "esco_1_2_0/occupations_en.csv",
)
