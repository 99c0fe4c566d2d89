"""Draw the fourth sample (AI skill only; blind), before the frozen detectors are scored on it.

The held-out halves of the first three samples have been read after earlier freezes, so none of them is
blind to the next round of rules. This sample is new: it excludes every id of ``sample.csv``,
``sample2.csv`` and ``sample3.csv``, is stratified exactly as ``sample3.py`` stratifies (AI skill is
rare), and is held out whole (split ``heldout4``; there is no development half). It was labelled by
someone who had neither read the detector code nor run the detectors (seed 20261205).

Strata (``stratum``) and the size of the population each stands for (``stratum_n``, the ads of that
stratum left in the corpus after the earlier samples), so that figures can be weighted back to the
corpus:

- ``zh_strong``: Chinese ads naming an AI/ML field or framework (机器学习, 深度学习, 人工智能, 神经网络,
  NLP/自然语言, 计算机视觉, 图像/语音识别, 大模型, TensorFlow, PyTorch, "AI" as a word);
- ``zh_weak``: Chinese ads with only a weak cue (算法 or 智能), no strong one;
- ``zh_none``: Chinese ads with neither;
- ``en_strong``: English ads with a word-bounded AI cue (``sample2.csv`` took them all, so it is
  expected to be empty);
- ``en_weak``: English ads with a weak cue only (automation, algorithm, model(l)ing, predictive,
  prompt, chatbot/bot, intelligent/intelligence, robotics, analytics, data science);
- ``en_none``: English ads with neither.

The 50 English ads are taken from the English strata in that order (strong, weak, none) until 50 are
drawn.

    PYTHONPATH=src python tests/ads/real/sample4.py /work/shared/data/ads
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import polars as pl

SEED = 20261205
HERE = Path(__file__).parent
SPLIT = "heldout4"
ZH_STRONG = (r"(?i)人工智能|机器学习|深度学习|(?-u:\b)ai(?-u:\b)|神经网络|nlp|自然语言|计算机视觉|"
             r"tensorflow|pytorch|大模型|图像识别|语音识别")
ZH_WEAK = r"算法|智能"
EN_STRONG = (r"(?i)\b(?:ai|a\.i\.|artificial intelligence|machine[- ]learning|deep learning|llms?|"
             r"chatgpt|copilot|gpt|genai|generative|neural|nlp|computer vision|gemini|claude|openai|"
             r"tensorflow|pytorch|scikit|data scien\w*)\b")
EN_WEAK = (r"(?i)\b(?:automat\w*|algorithm\w*|predictive|prompts?|chatbots?|bots?|intelligent|"
           r"intelligence|models?|modell?ing|gen ?ai|robot\w*|data scien\w*|analytics)\b")
EN_TOTAL = 50
# (corpus, language, {stratum: ads drawn}); English strata are filled in order up to EN_TOTAL.
PLAN = [
    ("zh_51job_2019_jobspider", "zh", {"zh_strong": 110, "zh_weak": 35, "zh_none": 15}),
    ("zh_51job_2019_spiderof51job", "zh", {"zh_strong": 25, "zh_weak": 10, "zh_none": 5}),
    ("en_jobscope_manitoba", "en", {"en_strong": EN_TOTAL, "en_weak": EN_TOTAL, "en_none": EN_TOTAL}),
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
    taken = pl.concat([pl.read_csv(HERE / name, columns=["id"])["id"]
                       for name in ("sample.csv", "sample2.csv", "sample3.csv")])
    parts = []
    for folder, lang, want in PLAN:
        ads = pl.read_parquet(root / folder / "ads.parquet", columns=["id", "date", "title", "text"])
        ads = (ads.unique("id", keep="first", maintain_order=True)
               .filter(~pl.col("id").is_in(taken.implode()))
               .with_columns(_stratum(lang).alias("stratum")))
        left = EN_TOTAL if lang == "en" else None
        for stratum, n in want.items():
            pool = ads.filter(pl.col("stratum") == stratum)
            if left is not None:
                n = min(n, left)
            k = min(n, pool.height)
            print(f"{folder} {stratum}: pool {pool.height}, drawn {k}", file=sys.stderr)
            if left is not None:
                left -= k
            if k == 0:
                continue
            pick = pool[np.sort(rng.choice(pool.height, size=k, replace=False))]
            parts.append(pick.select(
                "id", pl.lit(folder).alias("corpus"), pl.lit(lang).alias("lang"),
                pl.col("date").cast(pl.String).str.slice(0, 4).alias("year"),
                pl.lit(stratum).alias("stratum"), pl.lit(pool.height).alias("stratum_n"),
                pl.lit(SPLIT).alias("split")))
    return pl.concat(parts)


if __name__ == "__main__":
    sample = draw(Path(sys.argv[1]))
    sample.write_csv(HERE / "sample4.csv")
    print(sample.group_by("lang", "corpus", "stratum", "stratum_n", "split").len()
          .sort("corpus", "stratum", "split"))
