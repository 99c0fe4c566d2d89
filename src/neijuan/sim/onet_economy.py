"""The data-driven economy: occupations, tasks, wages and job mobility built from the atlas.

``onet_economy(params)`` is what ``--economy onet`` runs: it loads the atlas of the data folder
(the I/O edge) and hands it to :func:`build_onet`, a pure function of the atlas and the
parameters. Every rule and number is in ``onet_economy.toml``; what the builtin economy already
fixes (the calibrated distribution of AI thresholds, the job-network kernel, the elasticities of
the sectors it shares) is read from it, not restated. ``docs/data.md`` ("The data-driven
economy") explains the rules.
"""

from __future__ import annotations

import functools
import hashlib
import os
import re
import tomllib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from neijuan.errors import ConfigError, DataError
from neijuan.sim.economy import (
    ROLES,
    Economy,
    builtin_economy,
    mobility_matrix,
)
from neijuan.sim.economy_file import EconomyFile

if TYPE_CHECKING:  # pragma: no cover
    import polars as pl

    from neijuan.atlas.catalog import IndexInfo
    from neijuan.atlas.model import Atlas
    from neijuan.config import EconomyParams

RULES_PATH = Path(__file__).with_name("onet_economy.toml")
F64 = NDArray[np.float64]
I64 = NDArray[np.int64]

# --------------------------------------------------------------------------------------------------
# the rules file


@dataclass(frozen=True)
class SectorRule:
    id: str
    name: str
    major_groups: tuple[str, ...]
    eta: float | None
    adoption_speed: float | None


@dataclass(frozen=True)
class Rules:
    """``onet_economy.toml``, parsed and checked."""

    force_ai_specialists: bool
    name_chars: int
    role_order: tuple[str, ...]
    not_originating: tuple[str, ...]
    split_applies_if: str
    default_automation: float
    default_augmentation: float
    terciles: tuple[float, float]
    ai_soc: tuple[str, ...]
    ai_pattern: str
    ai_min_task_share: float
    licensed_education: tuple[str, ...]
    licensed_degree_groups: tuple[str, ...]
    licensed_degree_education: tuple[str, ...]
    licensed_soc: tuple[str, ...]
    self_weight: float
    related_weight: float
    fallback_weight: float
    sectors: tuple[SectorRule, ...]
    digest: str

    def sector_of_group(self) -> dict[str, int]:
        return {g: i for i, s in enumerate(self.sectors) for g in s.major_groups}


def _fraction(raw: dict[str, Any], key: str, source: str) -> float:
    value = raw.get(key)
    if not isinstance(value, int | float) or not 0.0 <= float(value) <= 1.0:
        raise ConfigError(f"{source}: {key} = {value!r} must be a number in [0, 1]")
    return float(value)


def _strings(raw: dict[str, Any], key: str, source: str) -> tuple[str, ...]:
    value = raw.get(key)
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{source}: {key} must be a list of strings, not {value!r}")
    return tuple(value)


@functools.cache
def load_rules(path: Path = RULES_PATH) -> Rules:
    """Parse and check ``onet_economy.toml`` (ConfigError naming the key otherwise)."""
    data = path.read_bytes()
    try:
        raw = tomllib.loads(data.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from exc
    src = str(path)
    try:
        sel, tasks, thr = raw["selection"], raw["tasks"], raw["thresholds"]
        roles, auto, tiers = raw["roles"], raw["automation"], raw["tiers"]
        ai, lic, net = raw["ai_specialists"], raw["licensed"], raw["network"]
        sector_rows = raw["sector"]
    except KeyError as exc:
        raise ConfigError(f"{src}: missing table [{exc.args[0]}]") from None
    role_order = _strings(thr, "role_order", src)
    if sorted(role_order) != sorted(ROLES):
        raise ConfigError(f"{src}: thresholds.role_order must list each of {ROLES} once")
    terciles = tiers.get("terciles")
    if (not isinstance(terciles, list) or len(terciles) != 2
            or not 0.0 < terciles[0] < terciles[1] < 1.0):
        raise ConfigError(f"{src}: tiers.terciles must be two increasing numbers in (0, 1)")
    weights = [_fraction(net, k, src) for k in ("self", "related", "fallback")]
    if abs(sum(weights) - 1.0) > 1e-9 or weights[2] <= 0.0:
        raise ConfigError(f"{src}: network self + related + fallback must be 1, with "
                          f"fallback > 0 so that every row has somewhere to go")
    a, g = _fraction(auto, "default_automation", src), _fraction(auto, "default_augmentation", src)
    if a + g > 1.0 + 1e-12:
        raise ConfigError(f"{src}: default automation + augmentation must be <= 1")
    try:
        re.compile(str(ai.get("pattern", "")))
    except re.error as exc:
        raise ConfigError(f"{src}: ai_specialists.pattern is not a valid pattern: {exc}") from None
    sectors = []
    seen: set[str] = set()
    for row in sector_rows:
        groups = _strings(row, "major_groups", src)
        if seen & set(groups):
            raise ConfigError(f"{src}: sector {row.get('id')!r}: major groups "
                              f"{sorted(seen & set(groups))} already belong to another sector")
        seen |= set(groups)
        eta, speed = row.get("eta"), row.get("adoption_speed")
        sectors.append(SectorRule(id=str(row["id"]), name=str(row["name"]), major_groups=groups,
                                  eta=None if eta is None else float(eta),
                                  adoption_speed=None if speed is None else float(speed)))
    return Rules(
        force_ai_specialists=bool(sel.get("force_ai_specialists", True)),
        name_chars=int(tasks.get("name_chars", 80)),
        role_order=role_order,
        not_originating=_strings(roles, "not_originating", src),
        split_applies_if=str(auto.get("applies_if", "")),
        default_automation=a,
        default_augmentation=g,
        terciles=(float(terciles[0]), float(terciles[1])),
        ai_soc=_strings(ai, "soc", src),
        ai_pattern=str(ai["pattern"]),
        ai_min_task_share=_fraction(ai, "min_task_share", src),
        licensed_education=_strings(lic, "education", src),
        licensed_degree_groups=_strings(lic, "degree_major_groups", src),
        licensed_degree_education=_strings(lic, "degree_education", src),
        licensed_soc=_strings(lic, "soc", src),
        self_weight=weights[0], related_weight=weights[1], fallback_weight=weights[2],
        sectors=tuple(sectors),
        digest=hashlib.sha256(data).hexdigest()[:16],
    )


@functools.cache
def _builtin_reference() -> Economy:
    """The builtin economy, parsed once (its thresholds are the reference distribution)."""
    return builtin_economy()


@functools.cache
def _builtin_spec() -> EconomyFile:
    """The builtin economy file, validated (its [network] and sectors are reused)."""
    text = (resources.files("neijuan.sim") / "builtin_economy.toml").read_text(encoding="utf-8")
    return EconomyFile.model_validate(tomllib.loads(text))


# --------------------------------------------------------------------------------------------------
# the exposure index


def allowed_indices() -> tuple[str, ...]:
    """Names accepted as ``economy.exposure_index``: the atlas's task-level indices."""
    from neijuan.atlas.catalog import load_catalog

    return tuple(i.name for i in load_catalog().task_level)


def index_info(name: str) -> IndexInfo:
    """The task-level index called ``name``; ConfigError listing the allowed names otherwise."""
    from neijuan.atlas.catalog import load_catalog

    for info in load_catalog().task_level:
        if info.name == name:
            return info
    raise ConfigError(f"economy.exposure_index = {name!r} is not a task-level index of the atlas; "
                      f"choose one of: {', '.join(allowed_indices())}")


def orientation(info: IndexInfo) -> float:
    """+1 when a higher value means more exposed (the index's ``exposed_if`` is ``>``/``>=``),
    -1 when a lower one does (``<``/``<=``, e.g. the Human Agency Scale)."""
    rule = (info.exposed_if or "").strip()
    if rule.startswith(">"):
        return 1.0
    if rule.startswith("<"):
        return -1.0
    raise ConfigError(f"index {info.name!r}: its exposed_if rule {info.exposed_if!r} does not "
                      f"say which direction is more exposed")


# --------------------------------------------------------------------------------------------------
# pure pieces (NumPy)


def work_percentiles(exposure: F64, tie_break: I64, weight: F64) -> F64:
    """Each task's share of work time less exposed than it (ties count half).

    Order: ``exposure`` (higher = more exposed), then ``tie_break`` (higher = more exposed) among
    equal exposures. Tasks with equal (exposure, tie_break) get the same percentile."""
    n = exposure.shape[0]
    if n == 0:
        return np.zeros(0)
    order = np.lexsort((tie_break, exposure))
    e, t, w = exposure[order], tie_break[order], weight[order]
    new_group = np.ones(n, dtype=bool)
    new_group[1:] = (e[1:] != e[:-1]) | (t[1:] != t[:-1])
    group = np.cumsum(new_group) - 1
    group_w = np.bincount(group, weights=w)
    before = np.concatenate(([0.0], np.cumsum(group_w)[:-1]))
    total = float(group_w.sum())
    p_group = (before + group_w / 2.0) / (total if total > 0 else 1.0)
    out = np.empty(n)
    out[order] = p_group[group]
    return out


def reference_quantiles(econ: Economy) -> tuple[F64, F64]:
    """The distribution of ``econ``'s task thresholds over work time: (cumulative share up to and
    including each threshold, threshold), sorted, for :func:`thresholds_from_percentiles`."""
    w = econ.occ_share[econ.task_occ] * econ.task_share
    order = np.argsort(econ.task_threshold, kind="stable")
    t, w = econ.task_threshold[order], w[order]
    return np.cumsum(w) / w.sum(), t


def thresholds_from_percentiles(p: F64, reference: tuple[F64, F64]) -> F64:
    """AI threshold of a task at exposure percentile ``p``: the (1 - p) quantile of the reference
    distribution (its inverse CDF: the lowest threshold whose cumulative share reaches 1 - p), so
    thresholds take the reference's levels. Non-increasing in ``p``: more exposed, lower."""
    cum, t = reference
    k = np.searchsorted(cum, 1.0 - p, side="left")
    return t[np.clip(k, 0, t.shape[0] - 1)]


def wage_tiers(wage: F64, employment: F64, terciles: tuple[float, float]) -> I64:
    """Tier 0/1/2 by employment-weighted wage terciles: the tercile holding the middle of each
    occupation's employment when occupations are ordered by wage."""
    order = np.lexsort((np.arange(wage.shape[0]), wage))
    emp = employment[order]
    mid = (np.cumsum(emp) - emp / 2.0) / emp.sum()
    tiers = np.empty(wage.shape[0], dtype=np.int64)
    tiers[order] = np.searchsorted(np.asarray(terciles), mid, side="right")
    return tiers


def mobility_rows(related: F64, kernel: F64, entry: F64, rules: Rules) -> F64:
    """Row-stochastic job-mobility matrix: ``self`` on the own occupation, ``related`` on the
    O*NET related occupations (``related``, any non-negative weights), ``fallback`` on the
    tier/sector ``kernel`` over the other occupations; then the two entry rows."""
    n = related.shape[0]
    eye = np.eye(n)
    k = kernel * (1.0 - eye)
    k = k / np.maximum(k.sum(axis=1, keepdims=True), 1e-300)
    r_sum = related.sum(axis=1, keepdims=True)
    has = r_sum > 0
    r = np.where(has, related / np.where(has, r_sum, 1.0), k)
    rows = rules.self_weight * eye + rules.related_weight * r + rules.fallback_weight * k
    if n == 1:  # one occupation: everyone returns to it
        rows = np.ones((1, 1))
    full = np.vstack([rows, entry])
    return full / full.sum(axis=1, keepdims=True)


# --------------------------------------------------------------------------------------------------
# the build


@dataclass(frozen=True)
class OnetBuild:
    """The economy plus the tables it was built from (for inspection, tests and docs).

    ``occupations``: the kept occupations in economy order with their tier, sector, licence,
    exposure (time-weighted mean of the index) and AI-specialist flag. ``tasks``: one row per task
    bundle in economy order: ``occ``, ``soc``, ``role``, ``threshold``, ``share``, ``automation``,
    ``augmentation``, ``exposure`` (time-weighted mean of the index over its tasks), ``n_tasks``,
    ``task_ids``, ``name``."""

    economy: Economy
    occupations: pl.DataFrame
    tasks: pl.DataFrame


def _ai_specialists(atlas: Atlas, rules: Rules) -> set[str]:
    import polars as pl

    share = (atlas.tasks.group_by("soc")
             .agg((pl.col("weight") * pl.col("statement").str.contains("(?i)" + rules.ai_pattern)
                   .cast(pl.Float64)).sum().alias("ai_share"),
                  pl.col("weight").sum().alias("total"))
             .filter(pl.col("total") > 0)
             .filter(pl.col("ai_share") / pl.col("total") >= rules.ai_min_task_share))
    return set(rules.ai_soc) | set(share["soc"].to_list())


def _select(atlas: Atlas, n: int, rules: Rules) -> pl.DataFrame:
    """The kept occupations: AI specialists first (when forced), then the largest others."""
    import polars as pl

    with_tasks = atlas.tasks.group_by("soc").agg(pl.col("weight").sum().alias("task_weight"))
    usable = (atlas.occupations
              .filter(pl.col("employment").is_not_null() & (pl.col("employment") > 0)
                      & pl.col("median_wage").is_not_null() & (pl.col("median_wage") > 0))
              .join(with_tasks.filter(pl.col("task_weight") > 0), on="soc", how="inner"))
    if n > usable.height:
        raise ConfigError(f"economy.occupations = {n}: the atlas has only {usable.height} "
                          f"occupations with employment, a wage and tasks; use at most that")
    specialists = _ai_specialists(atlas, rules)
    usable = usable.with_columns(pl.col("soc").is_in(sorted(specialists)).alias("ai_specialist"))
    forced = (usable.filter(pl.col("ai_specialist")) if rules.force_ai_specialists
              else usable.clear())
    forced = forced.sort("employment", "soc", descending=[True, False]).head(n)
    rest = (usable.filter(~pl.col("soc").is_in(forced["soc"].to_list()))
            .sort("employment", "soc", descending=[True, False]).head(n - forced.height))
    kept = pl.concat([rest, forced]).sort("employment", "soc", descending=[True, False])
    groups = rules.sector_of_group()
    unknown = kept.filter(~pl.col("major_group").is_in(list(groups)))
    if unknown.height:
        raise DataError(f"{RULES_PATH.name}: SOC major group {unknown['major_group'][0]!r} (of "
                        f"{unknown['soc'][0]} {unknown['title'][0]}) belongs to no sector; add it "
                        f"to a [[sector]] major_groups list")
    return kept


def _licensed(kept: pl.DataFrame, rules: Rules) -> NDArray[np.bool_]:
    import polars as pl

    edu = pl.col("education").fill_null("")
    rule = (edu.is_in(list(rules.licensed_education))
            | (pl.col("major_group").is_in(list(rules.licensed_degree_groups))
               & edu.is_in(list(rules.licensed_degree_education)))
            | pl.col("soc").is_in(list(rules.licensed_soc)))
    return kept.select(rule.alias("x"))["x"].to_numpy().astype(np.bool_)


def _task_table(atlas: Atlas, kept: pl.DataFrame, info: IndexInfo, rules: Rules
                ) -> tuple[pl.DataFrame, float]:
    """The kept occupations' tasks with their work time, oriented index value (imputed where
    missing) and role rank; and the index's coverage of the kept work time."""
    import polars as pl

    occ = kept.select("soc", pl.int_range(pl.len()).alias("occ"), "employment")
    tasks = (atlas.tasks.join(occ, on="soc", how="inner")
             .filter(pl.col("weight") > 0)
             .with_columns((pl.col("weight") / pl.col("weight").sum().over("soc")).alias("share")))
    unknown_roles = set(tasks["human_role"].drop_nulls().unique().to_list()) - set(ROLES)
    if unknown_roles or tasks["human_role"].null_count():
        raise DataError(f"atlas tasks: human_role must be one of {ROLES}; found "
                        f"{sorted(unknown_roles) or 'nulls'}")
    x = pl.col(info.name).cast(pl.Float64) * orientation(info)
    time = pl.col("share") * pl.col("employment")
    tasks = tasks.with_columns(time.alias("time"), x.alias("x"))
    total = float(tasks["time"].sum())
    covered = float(tasks.filter(pl.col("x").is_not_null())["time"].sum())
    coverage = covered / total if total > 0 else 0.0
    occ_mean = (pl.col("x") * pl.col("share")).sum().over("soc") / (
        pl.when(pl.col("x").is_not_null()).then(pl.col("share")).otherwise(0.0).sum().over("soc"))
    overall = (tasks.filter(pl.col("x").is_not_null())
               .select((pl.col("x") * pl.col("time")).sum() / pl.col("time").sum()).item())
    rank = {role: len(rules.role_order) - 1 - i for i, role in enumerate(rules.role_order)}
    tasks = tasks.with_columns(
        pl.col("x").is_null().alias("imputed"),
        pl.coalesce(pl.col("x"), occ_mean, pl.lit(overall)).alias("x"),
        pl.col("human_role").replace_strict(rank, return_dtype=pl.Int64).alias("role_rank"),
    )
    if rules.split_applies_if not in tasks.columns:
        raise DataError(f"atlas tasks: no column {rules.split_applies_if!r} (automation.applies_if "
                        f"in {RULES_PATH.name})")
    rated = (pl.col(rules.split_applies_if).fill_null(0.0) >= 1.0) & pl.col(
        "automation_share").is_not_null() & pl.col("augmentation_share").is_not_null()
    tasks = tasks.with_columns(
        (~rated).alias("default_split"),
        pl.when(rated).then(pl.col("automation_share")).otherwise(rules.default_automation)
        .alias("automation"),
        pl.when(rated).then(pl.col("augmentation_share")).otherwise(rules.default_augmentation)
        .alias("augmentation"))
    return tasks, coverage


def build_onet(atlas: Atlas, params: EconomyParams, *, rules: Rules | None = None,
               reference: Economy | None = None) -> OnetBuild:
    """Build the economy of ``params`` from ``atlas`` (pure: no file is read but the rules).

    ``reference`` is the economy whose threshold distribution is kept (default: the builtin)."""
    import polars as pl

    from neijuan.atlas.catalog import load_catalog

    rules = rules or load_rules()
    ref = reference or _builtin_reference()
    spec = _builtin_spec()
    info = index_info(params.exposure_index)
    n = int(params.occupations)

    kept = _select(atlas, n, rules)
    tasks, coverage = _task_table(atlas, kept, info, rules)
    need = load_catalog().coverage_warn
    if coverage < need:
        raise ConfigError(
            f"economy.exposure_index = {info.name!r} covers only {coverage:.1%} of the work time "
            f"of the {n} occupations kept (at least {need:.0%} needed: {info.source} rated few "
            f"tasks); choose an index with wider coverage, e.g. eloundou_human_beta, "
            f"eloundou_gpt4_beta or aei_usage_pct")

    # thresholds: rank in the index over work time -> quantile of the reference distribution
    p = work_percentiles(tasks["x"].to_numpy(), tasks["role_rank"].to_numpy().astype(np.int64),
                         tasks["time"].to_numpy())
    threshold = thresholds_from_percentiles(p, reference_quantiles(ref))
    auto = tasks["automation"].to_numpy()
    aug = tasks["augmentation"].to_numpy()
    over = np.maximum(auto + aug, 1.0)  # keep automation + augmentation <= 1
    tasks = tasks.with_columns(pl.Series("threshold", threshold),
                               pl.Series("automation", auto / over),
                               pl.Series("augmentation", aug / over))

    # bundles: tasks of one occupation with the same threshold and role
    cut = rules.name_chars
    stmt = pl.col("statement")
    short = pl.when(stmt.str.len_chars() > cut).then(stmt.str.slice(0, cut - 1) + "…").otherwise(stmt)
    bundles = (
        tasks.sort("occ", "weight", "task_id", descending=[False, True, False])
        .group_by("occ", "threshold", "human_role", maintain_order=True)
        .agg(pl.col("soc").first(),
             pl.col("share").sum(),
             ((pl.col("automation") * pl.col("share")).sum() / pl.col("share").sum())
             .alias("automation"),
             ((pl.col("augmentation") * pl.col("share")).sum() / pl.col("share").sum())
             .alias("augmentation"),
             ((pl.col("x") * pl.col("share")).sum() / pl.col("share").sum()
              * orientation(info)).alias("exposure"),
             pl.len().alias("n_tasks"),
             pl.col("task_id").alias("task_ids"),
             short.first().alias("first"))
        .with_columns(pl.when(pl.col("n_tasks") > 1)
                      .then(pl.format("{} (+{} more)", pl.col("first"), pl.col("n_tasks") - 1))
                      .otherwise(pl.col("first")).alias("name"))
        .drop("first")
        .rename({"human_role": "role"})
        .sort("occ", "threshold", "role")
    )
    bundles = bundles.with_columns(
        pl.col("share") / pl.col("share").sum().over("occ"),
        pl.min_horizontal(pl.col("automation"), 1.0 - pl.col("augmentation")).alias("automation"))

    # occupations
    emp = kept["employment"].to_numpy().astype(np.float64)
    share = emp / emp.sum()
    annual = kept["median_wage"].to_numpy().astype(np.float64)
    mean_annual = float((share * annual).sum())
    ai = kept["ai_specialist"].to_numpy().astype(np.bool_)
    tier = np.full(n, 3, dtype=np.int64)
    if (~ai).any():
        tier[~ai] = wage_tiers(annual[~ai], emp[~ai], rules.terciles)
    occ_exposure = (tasks.group_by("occ").agg((pl.col("x") * pl.col("share")).sum().alias("e"))
                    .sort("occ")["e"].to_numpy() * orientation(info))

    # sectors: those present, in the rules' order
    group_sector = rules.sector_of_group()
    occ_rule = np.array([group_sector[g] for g in kept["major_group"].to_list()], dtype=np.int64)
    present = np.unique(occ_rule)
    occ_sector = np.searchsorted(present, occ_rule).astype(np.int64)
    builtin_sectors = {s.id: (s.eta, s.adoption_speed) for s in spec.sector}
    eta, speed, ids, names = [], [], [], []
    for k in present:
        rule = rules.sectors[int(k)]
        base_eta, base_speed = builtin_sectors.get(rule.id, (None, None))
        e = rule.eta if rule.eta is not None else base_eta
        v = rule.adoption_speed if rule.adoption_speed is not None else base_speed
        if e is None or v is None:
            raise ConfigError(f"{RULES_PATH.name}: sector {rule.id!r} is not in the builtin "
                              f"economy, so it must give eta and adoption_speed")
        eta.append(e)
        speed.append(v)
        ids.append(rule.id)
        names.append(rule.name)
    n_sec = len(ids)
    sec_emp = np.bincount(occ_sector, weights=share, minlength=n_sec)
    sec_exposure = (np.bincount(occ_sector, weights=share * occ_exposure * orientation(info),
                                minlength=n_sec) / np.maximum(sec_emp, 1e-300))
    high = np.zeros(n_sec, dtype=np.bool_)
    high[np.argsort(-sec_exposure, kind="stable")[:max(1, n_sec // 2)]] = True

    # job mobility
    pos = {soc: i for i, soc in enumerate(kept["soc"].to_list())}
    edges = atlas.related.filter(pl.col("soc").is_in(list(pos))
                                 & pl.col("related_soc").is_in(list(pos))
                                 & (pl.col("soc") != pl.col("related_soc")))
    related = np.zeros((n, n))
    src = np.array([pos[s] for s in edges["soc"].to_list()], dtype=np.int64)
    dst = np.array([pos[s] for s in edges["related_soc"].to_list()], dtype=np.int64)
    np.add.at(related, (src, dst), edges["weight"].to_numpy().astype(np.float64))
    net = spec.network
    full = mobility_matrix(tier, occ_sector, net.tier_decay, net.same_sector_bonus,
                           net.entry_tier_weights_no_degree, net.entry_tier_weights_degree)
    mobility = mobility_rows(related, full[:n], full[n:], rules)

    licensed = _licensed(kept, rules)
    occ_frame = kept.select("soc", "title", "major_group", "employment", "median_wage",
                            "education", "ai_specialist").with_columns(
        pl.Series("tier", tier), pl.Series("sector", [ids[k] for k in occ_sector]),
        pl.Series("licensed", licensed), pl.Series("exposure", occ_exposure),
        pl.Series("related_edges", (related > 0).sum(axis=1)))

    shares = tasks.select(((pl.col("time") * pl.col(c)).sum() / pl.col("time").sum()).alias(c)
                          for c in ("imputed", "default_split")).row(0)
    imputed, default_split = float(shares[0]), float(shares[1])
    all_emp = float(atlas.occupations["employment"].fill_null(0.0).sum())
    prov = {
        "economy": "onet",
        "source": "atlas",
        "rules": f"{RULES_PATH.name} sha256:{rules.digest}",
        "exposure_index": info.name,
        "exposure_label": info.label,
        "exposure_coverage": f"{coverage:.4f}",
        "exposure_imputed": f"{imputed:.4f}",
        "default_split_share": f"{default_split:.4f}",
        "occupations": str(n),
        "tasks": str(tasks.height),
        "bundles": str(bundles.height),
        "employment": f"{emp.sum():.0f}",
        "employment_share_of_oews": f"{emp.sum() / all_emp:.4f}" if all_emp > 0 else "nan",
        "ai_specialists": ",".join(kept.filter(pl.col("ai_specialist"))["soc"].to_list()),
    }
    prov.update(_atlas_provenance(atlas.provenance))

    economy = Economy(
        name=f"onet-{n}-{info.name}",
        occ_ids=tuple(kept["soc"].to_list()),
        occ_names=tuple(kept["title"].to_list()),
        occ_codes=tuple(kept["soc"].to_list()),
        occ_sector=occ_sector,
        occ_tier=tier,
        occ_share=share,
        occ_wage=annual / mean_annual,
        occ_licensed=licensed,
        task_occ=bundles["occ"].to_numpy().astype(np.int64),
        task_share=bundles["share"].to_numpy().astype(np.float64),
        task_threshold=bundles["threshold"].to_numpy().astype(np.float64),
        task_automation=bundles["automation"].to_numpy().astype(np.float64),
        task_augmentation=bundles["augmentation"].to_numpy().astype(np.float64),
        task_originate=(~bundles["role"].is_in(list(rules.not_originating))).to_numpy()
        .astype(np.float64),
        task_names=tuple(bundles["name"].to_list()),
        sector_ids=tuple(ids),
        sector_names=tuple(names),
        sector_eta=np.asarray(eta, dtype=np.float64),
        sector_speed=np.asarray(speed, dtype=np.float64),
        sector_high_exposure=high,
        mobility=mobility,
        wage_scale=mean_annual / 4.0,
        currency="USD",
        provenance=prov,
    )
    return OnetBuild(economy=economy, occupations=occ_frame, tasks=bundles)


def _atlas_provenance(manifest: dict[str, Any]) -> dict[str, str]:
    """The atlas build's key, code version and each input's checksum, as strings."""
    out = {"atlas_key": str(manifest.get("key", "")),
           "atlas_code_version": str(manifest.get("code_version", "")),
           "atlas_built_at": str(manifest.get("built_at", "")),
           "data_dir": str(manifest.get("data_dir", ""))}
    check = manifest.get("data_check") or {}  # verified, modified-allowed or user-release
    out["data_check"] = " ".join([str(check.get("status", "unchecked")),
                                  *map(str, check.get("modified", []))])
    for rel, entry in sorted((manifest.get("inputs") or {}).items()):
        if isinstance(entry, dict):
            out[f"input:{rel}"] = (f"sha256:{entry.get('sha256', '')} "
                                   f"{entry.get('source', '')} {entry.get('version', '')}").strip()
    return out


def onet_economy(params: EconomyParams) -> Economy:
    """The economy ``--economy onet`` runs on, built from the atlas of ``params.data_dir``."""
    index_info(params.exposure_index)  # refuse a bad name before touching any file
    atlas = _load_atlas(params.data_dir)
    return build_onet(atlas, params).economy


def _load_atlas(data_dir: str | os.PathLike[str] | None) -> Atlas:
    from neijuan.atlas.model import load_atlas

    try:
        return load_atlas(data_dir)
    except DataError as exc:
        hint = ("" if "neijuan data fetch" in str(exc) else
                "; point --data-dir or NEIJUAN_DATA_DIR at the data folder, or run "
                "'neijuan data fetch'")
        raise DataError(f"--economy onet is built from the atlas of the public data files: "
                        f"{exc}{hint}") from None


__all__ = ["OnetBuild", "Rules", "allowed_indices", "build_onet", "index_info", "load_rules",
           "mobility_rows", "onet_economy", "orientation", "reference_quantiles",
           "thresholds_from_percentiles", "wage_tiers", "work_percentiles"]
