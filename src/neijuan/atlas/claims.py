"""The essay's empirical claims, recomputed on the atlas, each beside the published figure.

Every claim has a definition (what exactly is computed), a table, a few summary numbers, its
coverage (the share of employment or tasks the computation could use) and the published figures
it is compared with (``neijuan/targets/published.toml``). Pure functions of an
:class:`~neijuan.atlas.Atlas`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import polars as pl

from neijuan.atlas.catalog import IndexInfo
from neijuan.atlas.model import Atlas
from neijuan.errors import ConfigError
from neijuan.targets import Published, published

# High-skill groups of the essay: SOC major groups (law, engineering, management).
HIGH_SKILL_GROUPS = {"management": "11", "engineering": "17", "law": "23"}
HIGH_SKILL_ZONES = (4, 5)
# Anthropic's interaction types, grouped as in its 2025-02 report.
AUTOMATION_TYPES = ("directive", "feedback loop")
AUGMENTATION_TYPES = ("task iteration", "learning", "validation")
# Below these sizes a group's share or a quintile split says nothing; such indices are skipped
# (and listed under coverage) rather than printed as if meaningful.
MIN_TASKS = 30
MIN_OCCUPATIONS = 50


@dataclass
class Claim:
    """One recomputed claim."""

    id: str
    title: str
    definition: str
    table: pl.DataFrame
    summary: dict[str, Any]
    coverage: dict[str, Any]
    published: list[Published] = field(default_factory=list)
    # Which source supports which part of the claim (construct, source, what it can and cannot say).
    sources: list[dict[str, str]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """JSON-friendly form."""
        return {"id": self.id, "title": self.title, "definition": self.definition,
                "summary": self.summary, "coverage": self.coverage,
                "published": [p.__dict__ for p in self.published],
                "sources": self.sources, "table": self.table.to_dicts()}


def _f(x: Any) -> float:
    """A Polars scalar (sum, mean) as a float; None becomes NaN."""
    return float("nan") if x is None else float(x)


def load_sources() -> dict[str, Published]:
    """Every published figure, by id (the project's one list, :mod:`neijuan.targets`)."""
    return published()


def _pub(*ids: str) -> list[Published]:
    src = load_sources()
    return [src[i] for i in ids]


def _weighted_quantile_bins(values: pl.Expr, weights: pl.Expr, n: int) -> pl.Expr:
    """Bin 1..n so that each bin holds about 1/n of the total weight (sorted by ``values``)."""
    order = values.rank("ordinal")
    cum = weights.sort_by(order).cum_sum().gather(order.cast(pl.Int64) - 1)
    mid = (cum - weights / 2) / weights.sum()
    return (mid * n).floor().clip(0, n - 1).cast(pl.Int32) + 1


def exposure_by_wage_decile(atlas: Atlas) -> Claim:
    """Employment-weighted mean of each occupation index within employment-weighted wage deciles."""
    occ = atlas.occupations.filter(pl.col("employment").is_not_null()
                                   & pl.col("median_wage").is_not_null())
    occ = occ.with_columns(_weighted_quantile_bins(pl.col("median_wage"), pl.col("employment"),
                                                   10).alias("decile"))
    rows, summary, coverage = [], {}, {}
    total_emp = float(atlas.occupations["employment"].sum())
    for idx in atlas.indices:
        have = pl.col(idx.name).is_not_null()
        t = (occ.group_by("decile").agg(
            ((pl.col(idx.name) * pl.col("employment")).filter(have).sum()
             / pl.col("employment").filter(have).sum()).alias("value"),
            (pl.col("employment").filter(have).sum() / pl.col("employment").sum()).alias("cov"))
            .sort("decile"))
        for r in t.iter_rows(named=True):
            rows.append({"index": idx.name, "construct": idx.construct, **r})
        vals = t.drop_nulls("value")
        rho = (vals.select(pl.corr("decile", "value", method="spearman")).item()
               if vals.height >= 3 else None)
        first, last = (vals["value"][0], vals["value"][-1]) if vals.height else (None, None)
        summary[idx.name] = {"spearman_decile": rho, "bottom_decile": first, "top_decile": last}
        coverage[idx.name] = float(occ.filter(have)["employment"].sum()) / total_emp
    table = (pl.DataFrame(rows).with_columns(pl.col("value").fill_nan(None))
             .pivot(on="index", index="decile", values="value").sort("decile"))
    return Claim(
        id="exposure_by_wage_decile",
        title="Exposure by wage decile, for each index",
        definition=("Occupations are sorted by OEWS 2024 annual median wage and cut into ten "
                    "groups of equal employment; within each, the employment-weighted mean of "
                    "each index over occupations that have it. spearman_decile > 0 means the "
                    "index rises with wage."),
        table=table, summary=summary,
        coverage={"employment_share_by_index": coverage},
        published=_pub("eloundou_wage_gradient", "oecd_2023_high_skill_least_risk"))


def core_tasks_exposed_high_skill(atlas: Atlas) -> Claim:
    """Share of core tasks exposed in Job Zone 4-5 law, engineering and management occupations."""
    occ = atlas.occupations.filter(pl.col("job_zone").is_in(list(HIGH_SKILL_ZONES))
                                   & pl.col("major_group").is_in(list(HIGH_SKILL_GROUPS.values())))
    group_of = {v: k for k, v in HIGH_SKILL_GROUPS.items()}
    tasks = (atlas.tasks.filter(pl.col("task_type") == "core")
             .join(occ.select("soc", "major_group", "employment"), on="soc", how="inner")
             .with_columns(pl.col("major_group").replace_strict(group_of).alias("group")))
    rows, summary, coverage = [], {}, {}
    skipped: list[str] = []
    for idx in atlas.catalog.task_level:
        if idx.exposed_if is None:
            continue
        have = tasks.filter(pl.col(idx.name).is_not_null()).with_columns(
            idx.exposed(pl.col(idx.name)).cast(pl.Float64).alias("_x"))
        coverage[idx.name] = have.height / tasks.height if tasks.height else 0.0
        if have.height < MIN_TASKS:
            skipped.append(idx.name)
            continue
        per_occ = have.group_by("soc", "group", "employment").agg(pl.col("_x").mean().alias("s"))
        parts = [(g, have.filter(pl.col("group") == g), per_occ.filter(pl.col("group") == g))
                 for g in HIGH_SKILL_GROUPS]
        parts.append(("all three", have, per_occ))
        for grp, frame, occs in parts:
            emp = occs.filter(pl.col("employment").is_not_null())
            den = _f(emp["employment"].sum())
            w = _f((emp["s"] * emp["employment"]).sum()) / den if den > 0 else None
            rows.append({"index": idx.name, "construct": idx.construct, "group": grp,
                         "rule": idx.exposed_if, "tasks": frame.height,
                         "share_of_tasks": _f(frame["_x"].mean()) if frame.height else None,
                         "employment_weighted": w})
        summary[idx.name] = next(r["employment_weighted"] for r in rows
                                 if r["index"] == idx.name and r["group"] == "all three")
    return Claim(
        id="core_tasks_exposed_high_skill",
        title="Share of core tasks exposed in high-skill occupations (law, engineering, management)",
        definition=("Occupations in SOC major groups 11 (management), 17 (architecture and "
                    "engineering) and 23 (legal) with O*NET Job Zone 4 or 5; their O*NET 29.3 core "
                    "tasks; a task is exposed when the index meets its rule (column 'rule'). "
                    "share_of_tasks counts tasks; employment_weighted averages each occupation's "
                    "share with OEWS 2024 employment as weights."),
        table=pl.DataFrame(rows), summary={"employment_weighted_all_three": summary},
        coverage={"core_tasks": tasks.height, "occupations": occ.height,
                  "task_share_with_index": coverage,
                  f"skipped (fewer than {MIN_TASKS} rated core tasks)": skipped},
        published=_pub("essay_high_skill_core_tasks", "oecd_2023_high_risk_jobs"))


def automation_vs_augmentation_by_tier(atlas: Atlas) -> Claim:
    """Automation vs augmentation by skill tier, with each source's construct kept apart.

    Only Eloundou et al.'s GPT-4 task ratings split by tier; they rate how far GPT-4 *could*
    automate a task (T0-T4). Anthropic's 2025 interaction types measure how Claude *is used*
    (automation vs augmentation of conversations) and are published as one aggregate, with no
    split by tier. The two are shown side by side, never merged into one column.
    """
    occ = atlas.occupations.select("soc", "employment", "skill_tier")
    t = (atlas.tasks.join(occ, on="soc", how="inner")
         .filter(pl.col("skill_tier").is_not_null() & pl.col("employment").is_not_null()))
    exposed = t.filter(pl.col("eloundou_gpt4_gamma") >= 1)
    w = pl.col("weight") * pl.col("employment")
    auto = exposed.group_by("skill_tier").agg(
        ((pl.col("automation_share") * w).sum() / w.sum()).alias("gpt4_automation_level"),
        ((pl.col("automation_share") * pl.col("aei_usage_pct")).filter(
            pl.col("aei_usage_pct").is_not_null()).sum()
         / pl.col("aei_usage_pct").filter(pl.col("automation_share").is_not_null()).sum())
        .alias("gpt4_automation_level_claude_weighted"))
    roles = t.group_by("skill_tier").agg(
        *[((pl.col("human_role") == c).cast(pl.Float64) * w).sum().truediv(w.sum())
          .alias(f"share_{c}") for c in ("originate", "confirm", "hands_on")],
        (((pl.col("eloundou_gpt4_gamma") >= 1).cast(pl.Float64) * w).sum() / w.sum())
        .alias("share_exposed"))
    order = {"low": 0, "mid": 1, "high": 2}
    table = (auto.join(roles, on="skill_tier", how="full", coalesce=True)
             .with_columns(pl.col("skill_tier").replace_strict(order, default=9).alias("_o"))
             .sort("_o").drop("_o")
             .select("skill_tier", "share_exposed", "gpt4_automation_level",
                     "gpt4_automation_level_claude_weighted", "share_originate", "share_confirm",
                     "share_hands_on"))
    it = atlas.interactions
    a = float(it.filter(pl.col("interaction_type").is_in(AUTOMATION_TYPES))["pct"].sum())
    g = float(it.filter(pl.col("interaction_type").is_in(AUGMENTATION_TYPES))["pct"].sum())
    tiers = table.rows_by_key("skill_tier", named=True, unique=True)
    low = tiers.get("low", {}).get("gpt4_automation_level")
    high = tiers.get("high", {}).get("gpt4_automation_level")
    total_tasks = atlas.tasks.height
    sources = [
        {"construct": "potential automation of exposed tasks (rated)",
         "source": "Eloundou et al. 2023/24, GPT-4 T0-T4 labels",
         "by_tier": "yes (columns gpt4_automation_level*)",
         "supports": "whether GPT-4 could do exposed tasks with less human involvement in low "
                     "than in high tiers; says nothing about observed use"},
        {"construct": "observed use: automation vs augmentation of conversations",
         "source": "Anthropic Economic Index 2025-02, interaction types",
         "by_tier": "no: one aggregate over all conversations",
         "supports": f"augmentation {g / (a + g):.0%} of classified conversations overall"
                     if a + g else "no interaction data"},
        {"construct": "human role in the task (originate / confirm / hands-on)",
         "source": "neijuan human-role classes (O*NET verbs and DWAs)",
         "by_tier": "yes (share_* columns)", "supports": "task mix, not AI's effect"},
        {"construct": "effect of automating vs augmenting AI on work and wages",
         "source": "Marguerit 2025 (the essay's source)",
         "by_tier": "yes, in the paper; not recomputable from these files",
         "supports": "the essay's direction; about AI in general, not generative AI"},
    ]
    return Claim(
        id="automation_vs_augmentation_by_tier",
        title="Automation vs augmentation by skill tier (constructs kept apart)",
        definition=("Skill tier from O*NET Job Zone (low 1-2, mid 3, high 4-5). Among tasks GPT-4 "
                    "labels exposed (E1 or E2), gpt4_automation_level is Eloundou's automation "
                    "rating (T0-T4 as 0-1), weighted by task weight x OEWS 2024 employment; the "
                    "_claude_weighted column weights the same rating by Anthropic usage. That is "
                    "a rating of what GPT-4 could automate, not of how AI is used: Anthropic's "
                    "observed automation/augmentation split exists only as one aggregate, so no "
                    "column here is 'augmentation by tier' in Anthropic's sense. The role shares "
                    "are over all tasks."),
        table=table,
        summary={"gpt4_automation_level_low_minus_high": (low - high) if low is not None
                 and high is not None else None,
                 "anthropic_augmentation_share_all_tiers": g / (a + g) if a + g else None,
                 "anthropic_augmentation_share_by_tier": "not published"},
        coverage={"task_share": t.height / total_tasks if total_tasks else 0.0,
                  "exposed_tasks": exposed.height},
        published=_pub("essay_automation_low_augmentation_high", "anthropic_2025_02_augmentation"),
        sources=sources)


def change_by_exposure_quintile(atlas: Atlas) -> Claim:
    """Employment and wage change 2015 -> 2024 by exposure quintile, for each index."""
    occ = atlas.occupations.filter(pl.col("employment").is_not_null()
                                   & pl.col("employment_2015").is_not_null()
                                   & (pl.col("employment_2015") > 0))
    total15 = _f(atlas.occupations["employment_2015"].sum())
    tot24, tot15 = _f(occ["employment"].sum()), _f(occ["employment_2015"].sum())
    all_emp = tot24 / tot15 - 1
    ww = occ.filter(pl.col("median_wage").is_not_null() & pl.col("median_wage_2015").is_not_null()
                    & (pl.col("median_wage_2015") > 0))
    all_wage = within_wage_change(ww)
    all_wage_mix = (_f((ww["median_wage"] * ww["employment"]).sum()) / _f(ww["employment"].sum())
                    / (_f((ww["median_wage_2015"] * ww["employment_2015"]).sum())
                       / _f(ww["employment_2015"].sum())) - 1)
    rows, summary, coverage = [], {}, {}
    skipped: list[str] = []
    for idx in atlas.indices:
        o = occ.filter(pl.col(idx.name).is_not_null())
        if o.height < MIN_OCCUPATIONS:
            skipped.append(idx.name)
            continue
        o = o.with_columns(_weighted_quantile_bins(pl.col(idx.name), pl.col("employment_2015"),
                                                   5).alias("quintile"))
        okw = (pl.col("median_wage").is_not_null() & pl.col("median_wage_2015").is_not_null()
               & (pl.col("median_wage_2015") > 0))
        g = pl.col("median_wage") / pl.col("median_wage_2015") - 1
        t = o.group_by("quintile").agg(
            pl.col(idx.name).mean().alias("mean_index"),
            pl.col("employment_2015").sum().alias("employment_2015"),
            pl.col("employment").sum().alias("employment_2024"),
            ((g * pl.col("employment_2015")).filter(okw).sum()
             / pl.col("employment_2015").filter(okw).sum()).alias("wage_change"),
            ((pl.col("median_wage") * pl.col("employment")).filter(okw).sum()
             / pl.col("employment").filter(okw).sum()).alias("wage_2024"),
            ((pl.col("median_wage_2015") * pl.col("employment_2015")).filter(okw).sum()
             / pl.col("employment_2015").filter(okw).sum()).alias("wage_2015"),
        ).sort("quintile").with_columns(
            (pl.col("employment_2024") / pl.col("employment_2015") - 1).alias("employment_change"),
            (pl.col("wage_2024") / pl.col("wage_2015") - 1).alias("wage_change_composition"))
        t = t.with_columns((pl.col("employment_change") - all_emp).alias("employment_change_rel"),
                           (pl.col("wage_change") - all_wage).alias("wage_change_rel"),
                           (pl.col("wage_change_composition") - all_wage_mix)
                           .alias("wage_change_composition_rel"))
        for r in t.iter_rows(named=True):
            rows.append({"index": idx.name, "construct": idx.construct, **r})
        q = t.rows_by_key("quintile", named=True, unique=True)
        summary[idx.name] = {
            "employment_change_q5_minus_q1": q[5]["employment_change"] - q[1]["employment_change"]
            if 1 in q and 5 in q else None,
            "wage_change_q5_minus_q1": q[5]["wage_change"] - q[1]["wage_change"]
            if 1 in q and 5 in q else None,
            "wage_change_composition_q5_minus_q1":
            q[5]["wage_change_composition"] - q[1]["wage_change_composition"]
            if 1 in q and 5 in q else None}
        coverage[idx.name] = _f(o["employment_2015"].sum()) / total15 if total15 else 0.0
    return Claim(
        id="change_by_exposure_quintile",
        title="Employment and wage change 2015 -> 2024 by exposure quintile",
        definition=("For each index, occupations with OEWS 2015 (crosswalked to SOC 2018) and 2024 "
                    "employment are cut into five groups of equal 2015 employment by the index. "
                    "employment_change = employment 2024 / 2015 - 1; wage_change = the 2015-"
                    "employment-weighted mean of each occupation's own median-wage change (what "
                    "happened to pay in the same jobs); wage_change_composition, shown as a "
                    "variant, is the change of the employment-weighted mean wage, which also "
                    "moves when employment shifts between jobs. Nominal; the _rel columns "
                    "subtract the all-occupation change, which removes inflation. All "
                    f"occupations: employment {all_emp:+.1%}, wage {all_wage:+.1%} (composition "
                    f"variant {all_wage_mix:+.1%})."),
        table=pl.DataFrame(rows), summary={"by_index": summary, "all_employment_change": all_emp,
                                           "all_wage_change": all_wage,
                                           "all_wage_change_composition": all_wage_mix},
        coverage={"employment_2015_share_by_index": coverage,
                  f"skipped (fewer than {MIN_OCCUPATIONS} occupations)": skipped},
        published=_pub("oecd_2023_no_employment_link"))


def within_wage_change(occ: pl.DataFrame) -> float:
    """The 2015-employment-weighted mean of within-occupation median-wage changes
    (``median_wage / median_wage_2015 - 1``): pay change in the same jobs, free of the shift of
    employment between jobs that moves a change of mean wages."""
    ok = occ.filter(pl.col("median_wage").is_not_null() & pl.col("median_wage_2015").is_not_null()
                    & (pl.col("median_wage_2015") > 0) & pl.col("employment_2015").is_not_null())
    den = _f(ok["employment_2015"].sum())
    if den <= 0:
        return float("nan")
    g = ok["median_wage"] / ok["median_wage_2015"] - 1
    return _f((g * ok["employment_2015"]).sum()) / den


def eloundou_headline(atlas: Atlas) -> Claim:
    """Share of workers with at least 10% / 50% of their tasks exposed (E1 or E2)."""
    rows, summary = [], {}
    occ = atlas.occupations.select("soc", "employment").filter(pl.col("employment").is_not_null())
    total = float(occ["employment"].sum())
    for who in ("human", "gpt4"):
        for measure in ("alpha", "beta", "gamma"):
            col = f"eloundou_{who}_{measure}"
            s = (atlas.tasks.filter(pl.col(col).is_not_null()).group_by("soc")
                 .agg(pl.col(col).mean().alias("share")).join(occ, on="soc", how="inner"))
            emp = float(s["employment"].sum())
            for thr in (0.1, 0.5):
                v = (float(s.filter(pl.col("share") >= thr)["employment"].sum()) / emp
                     if emp else None)
                rows.append({"rater": who, "measure": measure, "at_least_share_of_tasks": thr,
                             "share_of_workers": v})
                summary[f"{who}_{measure}_{int(thr * 100)}"] = v
            summary[f"{who}_coverage"] = emp / total if total else 0.0
    return Claim(
        id="eloundou_headline",
        title="Workers with at least 10% / 50% of tasks exposed (check of the Eloundou join)",
        definition=("Per occupation, the unweighted mean over its O*NET 29.3 tasks of each "
                    "Eloundou measure (alpha: E1; beta: E1 + 0.5 E2; gamma: E1 or E2), by human "
                    "and GPT-4 raters; the share of OEWS 2024 employment in occupations at or "
                    "above 10% and 50%. A check that the atlas's join reproduces the headline."),
        table=pl.DataFrame(rows), summary=summary,
        coverage={"employment_share": summary["human_coverage"]},
        published=_pub("eloundou_80_10", "eloundou_19_50"))


def anthropic_breadth(atlas: Atlas) -> Claim:
    """Share of occupations with observed Claude usage in at least a quarter of their tasks."""
    t = atlas.tasks.filter(pl.col("aei_usage_pct").is_not_null())
    per = t.group_by("soc").agg((pl.col("aei_usage_pct") > 0).mean().alias("share_used"))
    rows = [{"at_least_share_of_tasks": thr,
             "share_of_occupations": _f((per["share_used"] >= thr).mean())}
            for thr in (0.25, 0.5, 0.75)]
    return Claim(
        id="anthropic_breadth",
        title="Occupations with Claude usage in at least 25% of tasks (check of the Anthropic join)",
        definition=("Per occupation, the share of its tasks in Anthropic's task list with any "
                    "observed usage; the share of occupations at or above 25% (50%, 75%)."),
        table=pl.DataFrame(rows), summary={"share_25": rows[0]["share_of_occupations"]},
        coverage={"occupations": per.height,
                  "task_share": t.height / atlas.tasks.height if atlas.tasks.height else 0.0},
        published=_pub("anthropic_2025_02_occupation_breadth"))


CLAIMS = {
    "exposure_by_wage_decile": exposure_by_wage_decile,
    "core_tasks_exposed_high_skill": core_tasks_exposed_high_skill,
    "automation_vs_augmentation_by_tier": automation_vs_augmentation_by_tier,
    "change_by_exposure_quintile": change_by_exposure_quintile,
    "eloundou_headline": eloundou_headline,
    "anthropic_breadth": anthropic_breadth,
}


def compute_claims(atlas: Atlas, only: list[str] | None = None) -> list[Claim]:
    """Every claim (or those named in ``only``), in a fixed order."""
    names = only or list(CLAIMS)
    for n in names:
        if n not in CLAIMS:
            raise ConfigError(f"unknown claim {n!r}; choose from {', '.join(CLAIMS)}")
    return [CLAIMS[n](atlas) for n in names]


def index_info(atlas: Atlas, name: str) -> IndexInfo:
    """Shorthand used by the CLI."""
    return atlas.index(name)
