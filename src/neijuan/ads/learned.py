"""A learned ad-level decision on top of the AI-skill rules (issue 12, point 3).

The rules (:func:`neijuan.ads.detect.rule_clauses`) find the clauses of an ad that hold an AI term
and decide, clause by clause, whether the term counts. For the *candidate* ads (at least one clause
holds a match) this component reads the ad's cue clauses and the rules' own verdicts and says
whether the ad asks the advertised role for AI skill: a logistic regression over character 1-3
grams and word 1-2 grams of the cue clauses plus the rules' outputs (flag, kinds of evidence,
scope and unsure-clause counts, the matched terms). It may un-flag an ad the rules flagged (all its
matches are dropped) or flag a candidate ad they did not (the matches of its cue clauses count); it
never flags an ad without a match, and the evidence reported is always the rules' matches.

Trained on the labelled development ads of real samples 1-5 (``tests/ads/real/train_learned.py``,
ids and labels only in the repository), with leave-one-sample-out validation figures stored in the
model file (``data/ai_learned.json``) next to its coefficients, hashed vocabulary (digests of the
feature names, no text) and threshold. Pure
Python and NumPy at run time: no scikit-learn, no embeddings.
"""

from __future__ import annotations

import functools
import hashlib
import json
import math
import re
from collections.abc import Iterable
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from neijuan.errors import ConfigError

MODEL_RESOURCE = "data/ai_learned.json"
# The features of one ad's text are read from its first MAX_CHARS characters of cue clauses.
MAX_CHARS = 2000
_WORD = re.compile(r"[a-z0-9+#]+(?:[.\-][a-z0-9+#]+)*")
_SPACE = re.compile(r"\s+")
_WHY = ("scope", "excluded_with_role", "generic", "field_of_study")


def _n_matches(col_spec: str = "_spec", col_tool: str = "_tool") -> pl.Expr:
    return pl.col(col_spec).list.len() + pl.col(col_tool).list.len()


def ad_inputs(cl: pl.DataFrame) -> pl.DataFrame:
    """One row per candidate ad of the clause table ``cl`` (:func:`neijuan.ads.detect.rule_clauses`,
    ``_keep`` as decided): ``_rid``, ``lang``, ``text`` (the clauses holding a match or unsure of,
    one a line), ``kept``/``dropped`` (the matched terms the rules counted or not), ``rules`` (the
    rules' flag) and the counts the rule features are made of."""
    has = _n_matches() > 0
    counted = has & pl.col("_keep")
    read = has | pl.col("_unsure")
    return (
        cl.with_columns(has.alias("_has"), counted.alias("_counted"), read.alias("_read"))
        .group_by("_rid", maintain_order=True)
        .agg(
            pl.col("lang").first(),
            pl.col("_has").any().alias("_cand"),
            pl.col("_c").filter(pl.col("_read")).str.strip_chars().str.join("\n").alias("text"),
            pl.col("_c").filter(pl.col("_counted")).str.strip_chars().str.join("\n")
            .alias("text_kept"),
            pl.col("_c").filter(pl.col("_read") & ~pl.col("_counted")).str.strip_chars()
            .str.join("\n").alias("text_other"),
            pl.concat_list("_spec", "_tool").filter(pl.col("_counted")).explode().drop_nulls()
            .alias("kept"),
            pl.concat_list("_spec", "_tool").filter(~pl.col("_counted")).explode().drop_nulls()
            .alias("dropped"),
            pl.col("_counted").any().alias("rules"),
            (pl.col("_counted") & pl.col("_firm")).any().alias("firm"),
            (pl.col("_counted") & (pl.col("_spec").list.len() > 0)).any().alias("spec"),
            (pl.col("_counted") & (pl.col("_tool").list.len() > 0)).any().alias("tool"),
            pl.col("_has").sum().alias("n_match"),
            pl.col("_counted").sum().alias("n_kept"),
            (pl.col("_has") & pl.col("_negated")).sum().alias("n_neg"),
            (pl.col("_has") & pl.col("_elsewhere")).sum().alias("n_else"),
            (pl.col("_has") & pl.col("_role")).sum().alias("n_role"),
            *[(pl.col("_why") == w).fill_null(False).sum().alias(f"n_{w}") for w in _WHY],
        )
        .filter(pl.col("_cand")).drop("_cand")
    )


def _grams(text: str, char: str, word: str, out: dict[str, float]) -> None:
    """Character 1-3 grams (prefix ``char``) and word 1-2 grams (prefix ``word``) of ``text``."""
    text = _SPACE.sub(" ", text.lower())[:MAX_CHARS]
    for n in (1, 2, 3):
        for i in range(len(text) - n + 1):
            gram = text[i:i + n]
            if gram.strip():
                out[char + gram] = 1.0
    words = _WORD.findall(text)
    for i, w in enumerate(words):
        out[word + w] = 1.0
        if i:
            out[f"{word}{words[i - 1]} {w}"] = 1.0


SCHEMES = ("all", "split")


def features(row: dict[str, Any], scheme: str = "all") -> dict[str, float]:
    """The sparse features of one row of :func:`ad_inputs`: rule features (``r:``), matched terms
    (``k:`` counted, ``d:`` not), and character 1-3 grams and word 1-2 grams of the cue clauses,
    each present once (binary), the counts as log(1 + n). ``scheme`` ``"all"``: the grams of all
    cue clauses together (``c:``, ``w:``); ``"split"``: those of the clauses the rules count
    (``c:``, ``w:``) apart from the others (``u:``, ``x:``)."""
    out: dict[str, float] = {f"r:lang:{row['lang']}": 1.0}
    for flag in ("rules", "firm", "spec", "tool"):
        if row[flag]:
            out[f"r:{flag}"] = 1.0
    for name in ("n_match", "n_kept", "n_neg", "n_else", "n_role", *(f"n_{w}" for w in _WHY)):
        if row[name]:
            out[f"r:{name}"] = math.log1p(float(row[name]))
    for prefix, terms in (("k:", row["kept"]), ("d:", row["dropped"])):
        for term in terms or ():
            out[prefix + _SPACE.sub(" ", str(term).strip().lower())] = 1.0
    if scheme == "split":
        _grams(str(row["text_kept"] or ""), "c:", "w:", out)
        _grams(str(row["text_other"] or ""), "u:", "x:", out)
    else:
        _grams(str(row["text"] or ""), "c:", "w:", out)
    return out


def feature_rows(cl: pl.DataFrame, scheme: str = "all"
                 ) -> tuple[pl.DataFrame, list[dict[str, float]]]:
    """:func:`ad_inputs` and the features of each of its rows."""
    ads = ad_inputs(cl)
    return ads, [features(r, scheme) for r in ads.iter_rows(named=True)]


def feature_key(name: str) -> str:
    """How the model file names a feature: BLAKE2b of its name, 8 bytes in hex (the file holds no
    n-gram of any ad, only these digests)."""
    return hashlib.blake2b(name.encode("utf-8"), digest_size=8).hexdigest()


class LearnedDecision:
    """The shipped model: says, for each candidate ad, whether it asks for AI skill."""

    def __init__(self, spec: dict[str, Any]) -> None:
        try:
            vocab = spec["vocabulary"]
            self.coef = np.asarray(spec["coef"], dtype=np.float64)
            self.intercept = float(spec["intercept"])
            self.threshold = float(spec["threshold"])
            self.languages = tuple(str(x) for x in spec.get("languages", ("zh", "en")))
            self.scheme = str(spec.get("features", "all"))
        except (KeyError, TypeError, ValueError) as exc:
            raise ConfigError(f"{MODEL_RESOURCE}: malformed model ({exc})") from None
        if self.scheme not in SCHEMES:
            raise ConfigError(f"{MODEL_RESOURCE}: unknown feature scheme {self.scheme!r}")
        if not isinstance(vocab, list) or len(vocab) != self.coef.shape[0]:
            raise ConfigError(f"{MODEL_RESOURCE}: vocabulary and coef differ in length")
        self.index = {str(t): i for i, t in enumerate(vocab)}
        self.version = str(spec.get("version", "?"))
        self.record = {k: v for k, v in spec.items() if k not in ("vocabulary", "coef")}
        self.ads = 0

    def score(self, rows: Iterable[dict[str, float]]) -> np.ndarray:
        """Probabilities that each feature row asks for AI skill."""
        z = []
        for feats in rows:
            s = self.intercept
            for name, value in feats.items():
                i = self.index.get(feature_key(name))
                if i is not None:
                    s += self.coef[i] * value
            z.append(s)
        return 1.0 / (1.0 + np.exp(-np.asarray(z, dtype=np.float64)))

    def __call__(self, cl: pl.DataFrame) -> pl.DataFrame:
        ads = ad_inputs(cl).filter(pl.col("lang").is_in(list(self.languages)))
        self.ads += ads.height
        p = self.score(features(r, self.scheme) for r in ads.iter_rows(named=True))
        return pl.DataFrame({"_rid": ads["_rid"], "_learned": p >= self.threshold},
                            schema={"_rid": cl.schema["_rid"], "_learned": pl.Boolean})


def load_learned(path: str | Path | None = None) -> LearnedDecision:
    """The shipped model (or one from ``path``); :class:`ConfigError` when malformed."""
    if path is None:
        raw = resources.files("neijuan.ads").joinpath(MODEL_RESOURCE).read_text(encoding="utf-8")
    else:
        raw = Path(path).read_text(encoding="utf-8")
    try:
        return LearnedDecision(json.loads(raw))
    except json.JSONDecodeError as exc:
        raise ConfigError(f"{path or MODEL_RESOURCE}: not JSON ({exc})") from None


@functools.cache
def shipped_learned() -> LearnedDecision:
    """The shipped model, loaded once per process."""
    return load_learned()
