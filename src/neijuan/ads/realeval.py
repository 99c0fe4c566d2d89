"""Accuracy of the detectors on hand-labelled *real* ads (issue 12).

The labels live in ``tests/ads/real/`` (ids and labels only: see its README); the ads themselves are
read from the data folder (``ads/<corpus>/ads.parquet``). :func:`load_real` joins the two,
:func:`score_real` computes precision/recall/F1 per label, language, year and split, and the share
of salaries whose annual minimum is within 10% of the labelled one.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import polars as pl

from neijuan.ads import detect
from neijuan.ads.evaluate import _prf as evaluate_prf
from neijuan.errors import DataError

# The corpora and the currency their bare "$" means (Manitoba ads pay in Canadian dollars).
CORPUS_CURRENCY = {"en_jobscope_manitoba": "CAD", "zh_51job_2019_jobspider": "CNY",
                   "zh_51job_2019_spiderof51job": "CNY"}
_PER_YEAR = {"h": detect.HOURS_PER_YEAR, "d": detect.DAYS_PER_YEAR, "w": detect.WEEKS_PER_YEAR,
             "m": detect.MONTHS_PER_YEAR, "y": 1.0}
_LEVELS = {"a": "associate", "b": "bachelor", "m": "master", "p": "phd"}
_STRENGTHS = {"r": "required", "p": "preferred", "a": "alternative"}
SALARY_TOLERANCE = 0.10


def _parse_salary(code: str) -> tuple[float | None, str | None]:
    """Labelled annual minimum (in the labelled currency) and currency from ``LO-HI/PERIOD [CUR]``."""
    if code in ("", "-"):
        return None, None
    body, _, cur = code.partition(" ")
    amounts, _, period = body.partition("/")
    lo = amounts.split("-")[0]
    if period not in _PER_YEAR or not lo:
        raise DataError(f"bad salary label {code!r} (want LO-HI/h|d|w|m|y [CUR])")
    return float(lo) * _PER_YEAR[period], (cur or None)


def _gold(labels: pl.DataFrame) -> pl.DataFrame:
    rows: list[dict[str, Any]] = []
    for r in labels.iter_rows(named=True):
        ai, deg = r["label_ai"], r["label_degree"]
        if deg == "x":
            level, strength = "none", "not_required"
        elif deg == "-":
            level, strength = "none", "none"
        else:
            lv, _, st = deg.partition(".")
            level, strength = _LEVELS[lv], _STRENGTHS[st]
        annual, cur = _parse_salary(r["label_salary"])
        rows.append({
            "id": r["id"], "gold_ai_specialist": "S" in ai, "gold_ai_tool": "T" in ai,
            "gold_ai_preferred_only": ai.endswith("p"), "gold_degree_level": level,
            "gold_degree_strength": strength, "gold_salary_annual_min": annual,
            "gold_salary_currency": cur,
        })
    return pl.DataFrame(rows, schema_overrides={"gold_salary_annual_min": pl.Float64,
                                                "gold_salary_currency": pl.String})



def _with_ad_texts(labelled: pl.DataFrame, data_dir: Path) -> pl.DataFrame:
    """The labelled rows joined, corpus by corpus, with their ads' texts from the data folder
    (the texts never enter the repository; a missing corpus or id is an error, not a skip)."""
    frames = []
    for corpus, part in labelled.group_by("corpus", maintain_order=True):
        path = data_dir / "ads" / str(corpus[0]) / "ads.parquet"
        if not path.is_file():
            raise DataError(f"labelled corpus missing: {path}")
        ads = (pl.read_parquet(path, columns=["id", "date", "title", "text", "salary_text"])
               .unique("id", keep="first").rename({"salary_text": "salary"}))
        got = part.join(ads, on="id", how="left")
        if got["text"].null_count():
            raise DataError(f"{got['text'].null_count()} labelled ids not found in {path}")
        frames.append(got)
    return pl.concat(frames)

def load_real(labels_dir: Path, data_dir: Path, adjudicated: bool = False) -> pl.DataFrame:
    """The labelled real ads (text, title, salary field, gold labels, split, year, corpus).

    ``adjudicated``: apply ``adjudicated_heldout.csv`` (AI-skill labels of held-out ads re-read in
    full after the detectors were frozen; see the labels' README). Raises :class:`DataError`
    naming what is missing when a corpus or a labelled id is absent.
    """
    sample = pl.read_csv(labels_dir / "sample.csv", schema_overrides={"year": pl.String}).rename(
        {"lang": "lang_label"})
    labels = pl.concat([pl.read_csv(p, schema_overrides={"salary": pl.String})
                        for p in sorted(labels_dir.glob("labels_*.csv"))]).rename(
        {"ai": "label_ai", "degree": "label_degree", "salary": "label_salary"})
    fixes = labels_dir / "adjudicated_heldout.csv"
    if adjudicated and fixes.is_file():
        new = pl.read_csv(fixes).select("id", pl.col("ai").alias("_adj"))
        labels = labels.join(new, on="id", how="left").with_columns(
            pl.coalesce("_adj", "label_ai").alias("label_ai")).drop("_adj")
    return _with_ad_texts(sample.join(labels, on="id"), data_dir).join(_gold(labels), on="id")


def detect_real(frame: pl.DataFrame, judge: bool = False, learned: bool = False) -> pl.DataFrame:
    """Run the detectors corpus by corpus, each with the currency its bare "$" means; with the
    shipped clause judge (``ads analyze --judge``) when ``judge`` and it can run, and with the
    shipped learned ad-level decision (``--learned``) when ``learned``."""
    from neijuan.ads.judge import judge_available, shipped_judge
    from neijuan.ads.learned import shipped_learned
    from neijuan.ads.pipeline import detect_frame, prepare

    clause_judge = shipped_judge() if judge and judge_available() is None else None
    decision = shipped_learned() if learned else None
    parts = []
    for corpus, part in frame.group_by("corpus", maintain_order=True):
        prepared, _ = prepare(part)
        parts.append(detect_frame(prepared, default_currency=CORPUS_CURRENCY.get(str(corpus[0])),
                                  judge=clause_judge, learned=decision))
    return pl.concat(parts, how="diagonal_relaxed")


def _prf(pred: pl.Series, gold: pl.Series) -> dict[str, float]:
    """Precision, recall and F1 as the synthetic evaluation defines them, with ``n`` the
    number of positive ads."""
    out = evaluate_prf(pred, gold)
    out["n"] = out.pop("support")
    return out


def _salary_ok(d: pl.DataFrame) -> pl.Series:
    """Labelled salary: detected annual minimum within 10% (in the labelled currency, when the
    detected one is the same). No labelled salary: nothing usable detected."""
    det = d["salary_annual_min"]
    gold = d["gold_salary_annual_min"]
    same_cur = (d["salary_currency"] == d["gold_currency_eff"]).fill_null(False)
    close = ((det - gold).abs() <= SALARY_TOLERANCE * gold).fill_null(False) & same_cur
    return pl.select(pl.when(gold.is_null()).then(det.is_null()).otherwise(close)).to_series()


def score_real(detected: pl.DataFrame) -> pl.DataFrame:
    """One row per (language, year, split, measure) with P/R/F1 (or accuracy) and counts.

    ``year`` is "all" for the pooled rows. Measures: ai_skill, ai_specialist, ai_tool,
    degree_mentioned (P/R/F1); degree_level, degree_strength (accuracy over all ads);
    salary_within_10pct (share of ads with a labelled salary whose detected annual minimum is within
    10%), salary_false (share of ads without one where a salary was detected anyway).
    """
    d = detected.with_columns(
        (pl.col("gold_ai_specialist") | pl.col("gold_ai_tool")).alias("gold_ai_skill"),
        pl.col("gold_degree_strength").is_in(["required", "preferred", "alternative"])
        .alias("gold_degree_mentioned"),
        pl.coalesce("gold_salary_currency",
                    pl.col("corpus").replace_strict(CORPUS_CURRENCY, default=None))
        .alias("gold_currency_eff"),
    )
    d = d.with_columns(_salary_ok(d).alias("_sal_ok"))
    rows: list[dict[str, Any]] = []
    groups: list[tuple[str, str, str]] = []
    for lang in sorted(d["lang_label"].unique().to_list()):
        years = sorted(d.filter(pl.col("lang_label") == lang)["year"].unique().to_list())
        for split in ("heldout", "dev", "all"):
            groups += [(lang, y, split) for y in ["all", *years]]
    for lang, year, split in groups:
        sub = d.filter(pl.col("lang_label") == lang)
        if year != "all":
            sub = sub.filter(pl.col("year") == year)
        if split != "all":
            sub = sub.filter(pl.col("split") == split)
        if sub.height == 0:
            continue
        key = {"lang": lang, "year": year, "split": split, "ads": sub.height}
        for name, pred, gold in [("ai_skill", "ai_skill", "gold_ai_skill"),
                                 ("ai_specialist", "ai_skill_specialist", "gold_ai_specialist"),
                                 ("ai_tool", "ai_skill_tool", "gold_ai_tool"),
                                 ("degree_mentioned", "degree_mentioned", "gold_degree_mentioned")]:
            rows.append({**key, "measure": name, **_prf(sub[pred], sub[gold]),
                         "accuracy": math.nan})
        for name in ("degree_level", "degree_strength"):
            acc = float((sub[name] == sub[f"gold_{name}"]).mean() or 0.0)  # type: ignore[arg-type]
            rows.append({**key, "measure": name, "accuracy": acc, "n": float(sub.height)})
        has = sub.filter(pl.col("gold_salary_annual_min").is_not_null())
        none = sub.filter(pl.col("gold_salary_annual_min").is_null())
        rows.append({**key, "measure": "salary_within_10pct", "n": float(has.height),
                     "accuracy": float(has["_sal_ok"].mean()) if has.height else math.nan})  # type: ignore[arg-type]
        rows.append({**key, "measure": "salary_false", "n": float(none.height),
                     "accuracy": float((~none["_sal_ok"]).mean()) if none.height else math.nan})  # type: ignore[arg-type]
    return pl.DataFrame(rows, infer_schema_length=None).select(
        "lang", "year", "split", "measure", "precision", "recall", "f1", "accuracy", "n", "ads")


def errors_real(detected: pl.DataFrame, field: str) -> pl.DataFrame:
    """The labelled real ads a detector got wrong on ``field`` (ai, degree, salary); ids only and
    the detector's own evidence, for reading next to the ads in the data folder."""
    d = detected
    if field == "ai":
        gold = pl.col("gold_ai_specialist") | pl.col("gold_ai_tool")
        return d.filter(pl.col("ai_skill") != gold).select(
            "id", "split", "ai_skill", "gold_ai_specialist", "gold_ai_tool",
            "ai_specialist_evidence", "ai_tool_evidence")
    if field == "degree":
        return d.filter((pl.col("degree_level") != pl.col("gold_degree_level"))
                        | (pl.col("degree_strength") != pl.col("gold_degree_strength"))).select(
            "id", "split", "degree_level", "gold_degree_level", "degree_strength",
            "gold_degree_strength", "degree_evidence")
    sal = d.with_columns(pl.coalesce("gold_salary_currency", pl.col("corpus").replace_strict(
        CORPUS_CURRENCY, default=None)).alias("gold_currency_eff"))
    sal = sal.with_columns(_salary_ok(sal).alias("_ok"))
    return sal.filter(~pl.col("_ok")).select(
        "id", "split", "salary_evidence", "salary_status", "salary_currency", "salary_period",
        "salary_annual_min", "gold_salary_annual_min")


def load_real_ai_only(labels_dir: Path, data_dir: Path, round_: int = 2) -> pl.DataFrame:
    """An AI-skill-only sample: ``sample2.csv`` + ``labels2_*.csv`` (drawn and labelled after
    detectors 2.0.0 were frozen) or ``sample3.csv`` + ``labels3_*.csv`` (stratified by AI cue, split
    into dev3/heldout3, labelled before any rule was changed on it); see the labels' README."""
    sample = pl.read_csv(labels_dir / f"sample{round_}.csv",
                         schema_overrides={"year": pl.String}).rename({"lang": "lang_label"})
    labels = pl.concat([pl.read_csv(p) for p in sorted(labels_dir.glob(f"labels{round_}_*.csv"))])
    return _with_ad_texts(sample.join(labels, on="id"), data_dir).with_columns(
        pl.col("ai").str.contains("S").alias("gold_ai_specialist"),
        pl.col("ai").str.contains("T").alias("gold_ai_tool"),
    ).drop("ai")


def score_ai(detected: pl.DataFrame) -> pl.DataFrame:
    """P/R/F1 of the AI-skill labels per language (and pooled): ai_skill, specialist, tool."""
    rows: list[dict[str, Any]] = []
    d = detected.with_columns(
        (pl.col("gold_ai_specialist") | pl.col("gold_ai_tool")).alias("gold_ai_skill"))
    for lang in [*sorted(d["lang_label"].unique().to_list()), "all"]:
        sub = d if lang == "all" else d.filter(pl.col("lang_label") == lang)
        for name, pred, gold in [("ai_skill", "ai_skill", "gold_ai_skill"),
                                 ("ai_specialist", "ai_skill_specialist", "gold_ai_specialist"),
                                 ("ai_tool", "ai_skill_tool", "gold_ai_tool")]:
            rows.append({"lang": lang, "measure": name, "ads": sub.height,
                         **_prf(sub[pred], sub[gold])})
    return pl.DataFrame(rows)


def score_ai_weighted(detected: pl.DataFrame) -> pl.DataFrame:
    """P/R/F1 of AI skill per language, split and year (``"all"`` pooled) of a stratified sample
    (``sample3.csv``), twice:
    as drawn (``weighting = "sample"``, every ad counts once) and weighted back to the corpus
    (``"corpus"``: an ad stands for ``stratum_n / ads of its corpus's stratum in that split`` ads,
    so the rare AI ads are not over-counted). ``n`` is the number of positive ads, ``ads`` the ads
    scored."""
    d = detected.with_columns(
        (pl.col("gold_ai_specialist") | pl.col("gold_ai_tool")).alias("gold_ai_skill"))
    # A stratum is drawn per corpus: an ad stands for its corpus's stratum.
    d = d.with_columns((pl.col("stratum_n") / pl.len().over("corpus", "stratum", "split"))
                       .alias("_w"))
    rows: list[dict[str, Any]] = []
    groups = [(lang, split, year)
              for lang in sorted(d["lang_label"].unique().to_list())
              for split in [*sorted(d["split"].unique().to_list()), "all"]
              for year in ["all", *sorted(d.filter(pl.col("lang_label") == lang)["year"]
                                          .unique().to_list())]]
    for lang, split, year in groups:
        sub = d.filter(pl.col("lang_label") == lang)
        if split != "all":
            sub = sub.filter(pl.col("split") == split)
        else:  # both halves: each ad stands for half of its stratum's share
            sub = sub.with_columns((pl.col("stratum_n") / pl.len().over("corpus", "stratum"))
                                   .alias("_w"))
        if year != "all":
            sub = sub.filter(pl.col("year") == year)
        if sub.height == 0:
            continue
        for name, pred, gold in [("ai_skill", "ai_skill", "gold_ai_skill"),
                                 ("ai_specialist", "ai_skill_specialist",
                                  "gold_ai_specialist"),
                                 ("ai_tool", "ai_skill_tool", "gold_ai_tool")]:
            for weighting in ("sample", "corpus"):
                w = sub["_w"] if weighting == "corpus" else pl.Series([1.0] * sub.height)
                rows.append({"lang": lang, "split": split, "year": year, "measure": name,
                             "weighting": weighting, "ads": sub.height,
                             **_weighted_prf(sub[pred], sub[gold], w)})
    return pl.DataFrame(rows)


def _weighted_prf(pred: pl.Series, gold: pl.Series, w: pl.Series) -> dict[str, float]:
    """Weighted precision/recall/F1 (NaN where undefined); ``n`` = positive ads, ``tp``/``fp``/``fn``
    counts of ads (unweighted)."""
    p, g, wt = pred.fill_null(False), gold.fill_null(False), w.cast(pl.Float64)
    tp = float((wt * (p & g).cast(pl.Float64)).sum())
    fp = float((wt * (p & ~g).cast(pl.Float64)).sum())
    fn = float((wt * (~p & g).cast(pl.Float64)).sum())
    prec = tp / (tp + fp) if tp + fp else math.nan
    rec = tp / (tp + fn) if tp + fn else math.nan
    f1 = 2 * prec * rec / (prec + rec) if tp else (0.0 if tp + fp + fn else math.nan)
    return {"precision": prec, "recall": rec, "f1": f1, "n": float(g.sum()),
            "tp": int((p & g).sum()), "fp": int((p & ~g).sum()), "fn": int((~p & g).sum())}


def bootstrap_ai_f1(detected: pl.DataFrame, lang: str = "zh", n_boot: int = 2000,
                    level: float = 0.9, seed: int = 0) -> dict[str, tuple[float, float]]:
    """Stratified bootstrap interval of AI-skill F1, as drawn (``"sample"``) and weighted to the
    corpus (``"corpus"``), for one language of a stratified sample (every split together).

    Ads are resampled with replacement within each (corpus, stratum, split) cell, as they were
    drawn, so every replicate keeps the cell sizes and an ad's corpus weight; the interval is the
    central ``level`` of the replicates' F1 (replicates with no positive ad and no flag are
    dropped). Why: a blind sample of ~200 ads holds ~90 AI-skill ads, so F1 moves by several
    points between samples and a single figure near 0.9 says little without its interval."""
    import numpy as np

    d = detected.filter(pl.col("lang_label") == lang).with_columns(
        (pl.col("gold_ai_specialist") | pl.col("gold_ai_tool")).alias("gold_ai_skill"),
        (pl.col("stratum_n") / pl.len().over("corpus", "stratum", "split")).alias("_w"))
    if d.height == 0:
        raise DataError(f"no {lang!r} ads in the sample to bootstrap")
    pred = d["ai_skill"].fill_null(False).to_numpy().astype(np.float64)
    gold = d["gold_ai_skill"].fill_null(False).to_numpy().astype(np.float64)
    weight = d["_w"].cast(pl.Float64).to_numpy()
    cells = d.select(pl.struct("corpus", "stratum", "split").rank("dense")).to_series().to_numpy()
    rng = np.random.default_rng(seed)
    picks = np.empty((n_boot, d.height), dtype=np.int64)
    start = 0
    for cell in np.unique(cells):  # a few cells, not rows
        rows = np.flatnonzero(cells == cell)
        picks[:, start:start + rows.size] = rng.choice(rows, size=(n_boot, rows.size))
        start += rows.size
    out: dict[str, tuple[float, float]] = {}
    tail = (1.0 - level) / 2.0
    for name, w in (("sample", np.ones_like(weight)), ("corpus", weight)):
        p, g, ww = pred[picks], gold[picks], w[picks]
        tp = (ww * p * g).sum(axis=1)
        fp = (ww * p * (1.0 - g)).sum(axis=1)
        fn = (ww * (1.0 - p) * g).sum(axis=1)
        defined = (tp + fp + fn) > 0
        f1 = 2.0 * tp[defined] / (2.0 * tp[defined] + fp[defined] + fn[defined])
        out[name] = (float(np.quantile(f1, tail)), float(np.quantile(f1, 1.0 - tail)))
    return out
