"""Draw the third sample (AI skill only), before any change to detectors 2.0.0 and split once.

The first held-out half holds 6 English and 24 Chinese AI-skill ads, and its disagreements were read
after the freeze, as were the second sample's; so neither is blind to the next round of rules. This
sample is new: it excludes every id of ``sample.csv`` and ``sample2.csv``, is stratified by how
strongly an ad speaks of AI (AI skill is rare), and each stratum is split at random into a
development half and a held-out half (seed 20261204) before its labels are used.

Strata (``stratum``) and the size of the population each stands for (``stratum_n``, the ads of that
stratum left in the corpus after the earlier samples), so that figures can be weighted back to the
corpus:

- ``zh_strong``: Chinese ads naming an AI/ML field or framework (机器学习, 深度学习, 人工智能, 神经网络,
  NLP/自然语言, 计算机视觉, 图像/语音识别, 大模型, TensorFlow, PyTorch, "AI" as a word);
- ``zh_weak``: Chinese ads with only a weak cue (算法 or 智能), no strong one;
- ``zh_none``: Chinese ads with neither;
- ``en_weak``: English ads with a weak cue only (automation, algorithm, model(l)ing, predictive,
  prompt, chatbot/bot, intelligent/intelligence, robotics, analytics, data science) -- every English ad
  with a word-bounded AI cue is already in ``sample2.csv``, so none is left to draw.

    PYTHONPATH=src python tests/ads/real/sample3.py /work/shared/data/ads
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import polars as pl

SEED = 20261204
HERE = Path(__file__).parent
ZH_STRONG = (r"(?i)人工智能|机器学习|深度学习|(?-u:\b)ai(?-u:\b)|神经网络|nlp|自然语言|计算机视觉|"
             r"tensorflow|pytorch|大模型|图像识别|语音识别")
ZH_WEAK = r"算法|智能"
EN_STRONG = (r"(?i)\b(?:ai|a\.i\.|artificial intelligence|machine[- ]learning|deep learning|llms?|"
             r"chatgpt|copilot|gpt|genai|generative|neural|nlp|computer vision|gemini|claude|openai|"
             r"tensorflow|pytorch|scikit|data scien\w*)\b")
EN_WEAK = (r"(?i)\b(?:automat\w*|algorithm\w*|predictive|prompts?|chatbots?|bots?|intelligent|"
           r"intelligence|models?|modell?ing|gen ?ai|robot\w*|data scien\w*|analytics)\b")
# (corpus, language, {stratum: ads drawn})
PLAN = [
    ("zh_51job_2019_jobspider", "zh", {"zh_strong": 100, "zh_weak": 50, "zh_none": 34}),
    ("zh_51job_2019_spiderof51job", "zh", {"zh_strong": 20, "zh_weak": 10, "zh_none": 6}),
    ("en_jobscope_manitoba", "en", {"en_weak": 60}),
]


def _stratum(lang: str) -> pl.Expr:
    tt = pl.concat_str([pl.col("title").fill_null(""), pl.col("text")], separator="\n")
    if lang == "zh":
        return (pl.when(tt.str.contains(ZH_STRONG)).then(pl.lit("zh_strong"))
                .when(tt.str.contains(ZH_WEAK)).then(pl.lit("zh_weak"))
                .otherwise(pl.lit("zh_none")))
    return (pl.when(tt.str.contains(EN_STRONG)).then(pl.lit("en_strong"))
            .when(tt.str.contains(EN_WEAK)).then(pl.lit("en_weak"))
            .otherwise(pl.lit("en_none")))


def draw(root: Path) -> pl.DataFrame:
    rng = np.random.default_rng(SEED)
    taken = pl.concat([pl.read_csv(HERE / "sample.csv")["id"],
                       pl.read_csv(HERE / "sample2.csv")["id"]])
    parts = []
    for folder, lang, want in PLAN:
        ads = pl.read_parquet(root / folder / "ads.parquet", columns=["id", "date", "title", "text"])
        ads = (ads.unique("id", keep="first", maintain_order=True)
               .filter(~pl.col("id").is_in(taken.implode()))
               .with_columns(_stratum(lang).alias("stratum")))
        for stratum, n in want.items():
            pool = ads.filter(pl.col("stratum") == stratum)
            pick = pool[np.sort(rng.choice(pool.height, size=min(n, pool.height), replace=False))]
            half = np.zeros(pick.height, dtype=bool)
            half[rng.permutation(pick.height)[: pick.height // 2]] = True
            parts.append(pick.select(
                "id", pl.lit(folder).alias("corpus"), pl.lit(lang).alias("lang"),
                pl.col("date").cast(pl.String).str.slice(0, 4).alias("year"),
                pl.lit(stratum).alias("stratum"), pl.lit(pool.height).alias("stratum_n"),
                pl.Series("split", np.where(half, "dev3", "heldout3"))))
    return pl.concat(parts)


if __name__ == "__main__":
    sample = draw(Path(sys.argv[1]))
    sample.write_csv(HERE / "sample3.csv")
    print(sample.group_by("lang", "corpus", "stratum", "stratum_n", "split").len()
          .sort("corpus", "stratum", "split"))
