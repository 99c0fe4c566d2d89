"""Human-role class of each task (originate / confirm / hands_on) and its agreement with WORKBank.

The rules are data (``human_roles.toml``: verb lists, a GWA -> class map, weights); this module only
applies them, vectorised over all tasks at once, and measures how the classes line up with the
Human Agency Scale where WORKBank rated the same task.
"""

from __future__ import annotations

import functools
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from neijuan.errors import ConfigError

RULES_PATH = Path(__file__).with_name("human_roles.toml")


@dataclass(frozen=True)
class RoleRules:
    """The parsed classification rules."""

    classes: tuple[str, ...]
    verb_weight: float
    tie_order: tuple[str, ...]
    default: str
    verbs: dict[str, str]  # phrase -> class
    gwa: dict[str, str]  # GWA element id -> class
    human_led_classes: tuple[str, ...]
    has_threshold: float


@functools.cache
def load_rules(path: Path = RULES_PATH) -> RoleRules:
    """Read and check ``human_roles.toml``: every class named must be declared, no verb twice."""
    with path.open("rb") as fh:
        raw = tomllib.load(fh)
    classes = tuple(raw["classes"])
    verbs: dict[str, str] = {}
    for cls, words in raw["verbs"].items():
        if cls not in classes:
            raise ConfigError(f"{path}: [verbs] names unknown class {cls!r}; classes are {classes}")
        for w in words:
            if w in verbs:
                raise ConfigError(f"{path}: verb {w!r} is listed under both {verbs[w]!r} and {cls!r}")
            verbs[w] = cls
    gwa = dict(raw["gwa"])
    for gid, cls in gwa.items():
        if cls not in classes:
            raise ConfigError(f"{path}: [gwa] {gid} maps to unknown class {cls!r}")
    tie = tuple(raw["tie_order"])
    if sorted(tie) != sorted(classes) or raw["default"] not in classes:
        raise ConfigError(f"{path}: tie_order and default must use exactly the classes {classes}")
    agreement = raw["agreement"]
    return RoleRules(classes=classes, verb_weight=float(raw["verb_weight"]), tie_order=tie,
                     default=str(raw["default"]), verbs=verbs, gwa=gwa,
                     human_led_classes=tuple(agreement["human_led_classes"]),
                     has_threshold=float(agreement["has_threshold"]))


def leading_verb(statements: pl.Expr, rules: RoleRules) -> pl.Expr:
    """The class of a statement's leading verb (a listed two-word phrase first), or null."""
    low = statements.str.to_lowercase().str.strip_chars()
    one = low.str.extract(r"^([a-z]+)", 1)
    two = low.str.extract(r"^([a-z]+ [a-z]+)", 1)
    mapping = rules.verbs
    return pl.coalesce(two.replace_strict(mapping, default=None, return_dtype=pl.String),
                       one.replace_strict(mapping, default=None, return_dtype=pl.String))


def classify_tasks(tasks: pl.DataFrame, task_dwas: pl.DataFrame, dwa_reference: pl.DataFrame,
                   rules: RoleRules | None = None) -> pl.DataFrame:
    """Classify every task. Needs ``tasks`` with ``soc``, ``task_id``, ``statement``.

    Returns ``task_id``, ``human_role``, ``human_role_method`` ('verb', 'dwa', 'verb+dwa',
    'occupation' or 'default'), ``role_verb`` (the verb's class or null) and one score column per
    class (``role_score_<class>``), so a user can see why a task got its class.
    """
    rules = rules or load_rules()
    base = tasks.select("soc", "task_id", "statement").with_columns(
        leading_verb(pl.col("statement"), rules).alias("role_verb"))
    dwa = (task_dwas.select("task_id", "dwa_id").unique()
           .join(dwa_reference.select("dwa_id", "gwa_id").unique("dwa_id"), on="dwa_id", how="left")
           .with_columns(pl.col("gwa_id").replace_strict(rules.gwa, default=None,
                                                         return_dtype=pl.String).alias("cls"))
           .with_columns(pl.len().over("task_id").alias("n")))
    shares = (dwa.filter(pl.col("cls").is_not_null())
              .group_by("task_id").agg(
                  *[(pl.col("cls") == c).cast(pl.Float64).truediv(pl.col("n")).sum()
                    .alias(f"_dwa_{c}") for c in rules.classes]))
    df = base.join(shares, on="task_id", how="left")
    has_dwa = pl.col(f"_dwa_{rules.classes[0]}").is_not_null()
    scores = {c: (pl.col(f"_dwa_{c}").fill_null(0.0)
                  + pl.when(pl.col("role_verb") == c).then(rules.verb_weight).otherwise(0.0))
              for c in rules.classes}
    # Deterministic tie-break: verb's class first, then tie_order; the nudge is far below 1/n.
    n_cls = len(rules.tie_order)
    keyed = {c: scores[c].round(9)
             + pl.when(pl.col("role_verb") == c).then(1e-6).otherwise(0.0)
             + 1e-8 * (n_cls - rules.tie_order.index(c)) for c in rules.classes}
    df = df.with_columns(
        *[scores[c].alias(f"role_score_{c}") for c in rules.classes],
        pl.concat_list([keyed[c] for c in rules.classes]).list.arg_max().alias("_best"),
        has_dwa.alias("_has_dwa"),
    )
    evidence = pl.col("_has_dwa") | pl.col("role_verb").is_not_null()
    df = df.with_columns(
        pl.when(evidence).then(
            pl.col("_best").replace_strict(dict(enumerate(rules.classes)), return_dtype=pl.String))
        .otherwise(None).alias("human_role"),
        pl.when(pl.col("_has_dwa") & pl.col("role_verb").is_not_null()).then(pl.lit("verb+dwa"))
        .when(pl.col("_has_dwa")).then(pl.lit("dwa"))
        .when(pl.col("role_verb").is_not_null()).then(pl.lit("verb"))
        .otherwise(None).alias("human_role_method"),
    )
    mode = (df.filter(pl.col("human_role").is_not_null())
            .group_by("soc", "human_role").len()
            .sort(["soc", "len", "human_role"], descending=[False, True, False])
            .unique("soc", keep="first").select("soc", pl.col("human_role").alias("_occ_mode")))
    df = df.join(mode, on="soc", how="left").with_columns(
        pl.when(pl.col("human_role").is_not_null()).then(pl.col("human_role_method"))
        .when(pl.col("_occ_mode").is_not_null()).then(pl.lit("occupation"))
        .otherwise(pl.lit("default")).alias("human_role_method"),
        pl.coalesce("human_role", "_occ_mode", pl.lit(rules.default)).alias("human_role"),
    )
    return df.select("task_id", "human_role", "human_role_method", "role_verb",
                     *[f"role_score_{c}" for c in rules.classes])


def _auc(scores_pos: pl.Series, scores_neg: pl.Series) -> float | None:
    """P(score of a random positive > random negative), ties counted half (Mann-Whitney)."""
    n1, n0 = scores_pos.len(), scores_neg.len()
    if n1 == 0 or n0 == 0:
        return None
    allv = pl.concat([scores_pos, scores_neg]).rank("average")
    r1 = float(allv.head(n1).sum())
    return (r1 - n1 * (n1 + 1) / 2) / (n1 * n0)


def role_agreement(tasks: pl.DataFrame, has_column: str,
                   rules: RoleRules | None = None) -> dict[str, Any]:
    """How the human-role classes agree with a Human Agency Scale column, on tasks having both.

    Reports ``n``, the mean scale by class, ``accuracy`` and Cohen's ``kappa`` of "class expects
    human-led" against "scale >= has_threshold", and ``auc``: the chance that a task of a
    human-led class has a higher scale rating than a confirm task (0.5 = no agreement).
    """
    rules = rules or load_rules()
    df = tasks.filter(pl.col(has_column).is_not_null()).select("human_role", has_column)
    out: dict[str, Any] = {"index": has_column, "n": df.height,
                           "has_threshold": rules.has_threshold,
                           "human_led_classes": list(rules.human_led_classes)}
    if df.height == 0:
        return out | {"mean_by_class": {}, "accuracy": None, "kappa": None, "auc": None}
    means = df.group_by("human_role").agg(pl.col(has_column).mean().alias("mean"), pl.len())
    out["mean_by_class"] = {r["human_role"]: {"mean": r["mean"], "n": r["len"]}
                            for r in means.sort("human_role").iter_rows(named=True)}
    pred = df["human_role"].is_in(list(rules.human_led_classes))
    actual = df[has_column] >= rules.has_threshold
    acc = float((pred == actual).mean())  # type: ignore[arg-type]
    p_pred, p_act = float(pred.mean()), float(actual.mean())  # type: ignore[arg-type]
    chance = p_pred * p_act + (1 - p_pred) * (1 - p_act)
    out["accuracy"] = acc
    out["kappa"] = (acc - chance) / (1 - chance) if chance < 1 else None
    out["auc"] = _auc(df.filter(pred)[has_column], df.filter(~pred)[has_column])
    return out
