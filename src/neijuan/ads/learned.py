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
import itertools
import math
import operator
import re
import zlib
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from neijuan.ads.modelfile import read_model_json
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


def _clean(text: str) -> str:
    return _SPACE.sub(" ", text.lower())[:MAX_CHARS]


def _char_grams(text: str) -> set[str]:
    """The character 1-3 grams of cleaned ``text`` (a lone space is no gram)."""
    bigrams = list(map(operator.add, text, text[1:]))
    grams = {*text, *bigrams, *map(operator.add, bigrams, text[2:])}
    grams.discard(" ")
    return grams


def _word_grams(text: str) -> set[str]:
    """The word 1-2 grams of cleaned ``text``."""
    words = _WORD.findall(text)
    return {*words, *(f"{a} {b}" for a, b in itertools.pairwise(words))}


def _grams(text: str, char: str, word: str, out: dict[str, float]) -> None:
    """Character 1-3 grams (prefix ``char``) and word 1-2 grams (prefix ``word``) of ``text``."""
    text = _clean(text)
    out.update(dict.fromkeys([char + g for g in _char_grams(text)], 1.0))
    out.update(dict.fromkeys([word + w for w in _word_grams(text)], 1.0))


SCHEMES = ("all", "split")


def _texts(row: dict[str, Any], scheme: str) -> list[tuple[str, str, str]]:
    """(text, char prefix, word prefix) of the cue clauses under ``scheme``."""
    if scheme == "split":
        return [(str(row["text_kept"] or ""), "c:", "w:"), (str(row["text_other"] or ""), "u:", "x:")]
    return [(str(row["text"] or ""), "c:", "w:")]


def rule_features(row: dict[str, Any]) -> dict[str, float]:
    """The features of :func:`features` that are not n-grams of the clauses: the rules' outputs
    (``r:``) and the matched terms (``k:`` counted, ``d:`` not)."""
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
    return out


def features(row: dict[str, Any], scheme: str = "all") -> dict[str, float]:
    """The sparse features of one row of :func:`ad_inputs`: :func:`rule_features`, and character
    1-3 grams and word 1-2 grams of the cue clauses, each present once (binary), the counts as
    log(1 + n). ``scheme`` ``"all"``: the grams of all cue clauses together (``c:``, ``w:``);
    ``"split"``: those of the clauses the rules count (``c:``, ``w:``) apart from the others
    (``u:``, ``x:``)."""
    out = rule_features(row)
    for text, char, word in _texts(row, scheme):
        _grams(text, char, word, out)
    return out


def feature_rows(cl: pl.DataFrame, scheme: str = "all"
                 ) -> tuple[pl.DataFrame, list[dict[str, float]]]:
    """:func:`ad_inputs` and the features of each of its rows."""
    ads = ad_inputs(cl)
    return ads, [features(r, scheme) for r in ads.iter_rows(named=True)]


def feature_key(name: str) -> int:
    """How the model file names a feature: a 64-bit digest of its UTF-8 name (CRC-32 twice, the
    second seeded; the file holds no n-gram of any ad, only these numbers)."""
    b = name.encode("utf-8")
    return (zlib.crc32(b) << 32) | zlib.crc32(b, 0x9E3779B9)


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
        self.weight = {int(t): float(c) for t, c in zip(vocab, self.coef, strict=True)}
        # feature name -> weight, filled as names are met (a name's digest is computed once)
        self._memo: dict[str, float] = {}
        self._memo_grams: dict[str, dict[str, float]] = {}
        self.version = str(spec.get("version", "?"))
        self.record = {k: v for k, v in spec.items() if k not in ("vocabulary", "coef")}
        self.ads = 0

    def _weight(self, name: str) -> float:
        w = self._memo.get(name)
        if w is None:
            w = self._memo[name] = self.weight.get(feature_key(name), 0.0)
        return w

    def score(self, rows: Iterable[dict[str, float]]) -> np.ndarray:
        """Probabilities that each feature row (:func:`features`) asks for AI skill."""
        if len(self._memo) > 1 << 20:
            self._memo.clear()
        z = [self.intercept + sum(self._weight(k) * v for k, v in feats.items()) for feats in rows]
        return 1.0 / (1.0 + np.exp(-np.asarray(z, dtype=np.float64)))

    def score_ads(self, ads: pl.DataFrame) -> np.ndarray:
        """:meth:`score` of the rows of :func:`ad_inputs`, without building the feature dicts
        (the n-grams' weights are looked up by gram, per prefix; same figures)."""
        if sum(map(len, self._memo_grams.values())) > 1 << 20:
            self._memo_grams.clear()
        memo = self._memo_grams
        z = []
        for row in ads.iter_rows(named=True):
            s = self.intercept + sum(self._weight(k) * v for k, v in rule_features(row).items())
            for text, char, word in _texts(row, self.scheme):
                text = _clean(text)
                for prefix, grams in ((char, _char_grams(text)), (word, _word_grams(text))):
                    table = memo.setdefault(prefix, {})
                    for g in grams.difference(table):
                        table[g] = self.weight.get(feature_key(prefix + g), 0.0)
                    s += sum(map(table.__getitem__, grams))
            z.append(s)
        return 1.0 / (1.0 + np.exp(-np.asarray(z, dtype=np.float64)))

    def __call__(self, cl: pl.DataFrame) -> pl.DataFrame:
        ads = ad_inputs(cl).filter(pl.col("lang").is_in(list(self.languages)))
        self.ads += ads.height
        p = self.score_ads(ads)
        return pl.DataFrame({"_rid": ads["_rid"], "_learned": p >= self.threshold},
                            schema={"_rid": cl.schema["_rid"], "_learned": pl.Boolean})


def load_learned(path: str | Path | None = None) -> LearnedDecision:
    """The shipped model (or one from ``path``); :class:`ConfigError` when malformed."""
    return LearnedDecision(read_model_json(path, MODEL_RESOURCE))


@functools.cache
def shipped_learned() -> LearnedDecision:
    """The shipped model, loaded once per process."""
    return load_learned()
