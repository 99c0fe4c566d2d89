"""Draw the second held-out sample (AI skill only), after detectors 2.0.0 were frozen.

The first held-out half holds only 6 English and 24 Chinese AI-skill ads. This sample takes the ads
of the same corpora not in ``sample.csv`` that hold an AI cue (word-bounded this time): every English
one, and a random 120 Chinese ones (seed 20261203). Their AI-skill labels were written by reading the
AI passages in full, without the detectors' output; degree and salary are not labelled here.

    PYTHONPATH=src python tests/ads/real/sample2.py /work/shared/data/ads
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import polars as pl

SEED = 20261203
HERE = Path(__file__).parent
CUE = {
    "en": r"(?i)\b(?:ai|a\.i\.|artificial intelligence|machine[- ]learning|deep learning|llms?|chatgpt|"
          r"copilot|gpt|genai|generative|neural|nlp|computer vision|gemini|claude|openai|tensorflow|"
          r"pytorch|scikit|data scien\w*)\b",
    "zh": r"(?i)人工智能|机器学习|深度学习|(?-u:\b)ai(?-u:\b)|神经网络|nlp|自然语言|计算机视觉|"
          r"tensorflow|pytorch|大模型|算法|图像识别|语音识别|智能",
}
CORPORA = {"en_jobscope_manitoba": ("en", None),
           "zh_51job_2019_jobspider": ("zh", 100), "zh_51job_2019_spiderof51job": ("zh", 20)}


def draw(root: Path) -> pl.DataFrame:
    rng = np.random.default_rng(SEED)
    taken = pl.read_csv(HERE / "sample.csv")["id"]
    parts = []
    for folder, (lang, n) in CORPORA.items():
        ads = pl.read_parquet(root / folder / "ads.parquet", columns=["id", "date", "title", "text"])
        ads = ads.unique("id", keep="first", maintain_order=True).filter(
            ~pl.col("id").is_in(taken.implode())).filter(
            pl.concat_str([pl.col("title").fill_null(""), pl.col("text")], separator="\n")
            .str.contains(CUE[lang]))
        if n is not None and ads.height > n:
            ads = ads[np.sort(rng.choice(ads.height, size=n, replace=False))]
        parts.append(ads.select(
            "id", pl.lit(folder).alias("corpus"), pl.lit(lang).alias("lang"),
            pl.col("date").cast(pl.String).str.slice(0, 4).alias("year"),
            pl.lit("ai_cue2").alias("stratum"), pl.lit("heldout2").alias("split")))
    return pl.concat(parts)


if __name__ == "__main__":
    sample = draw(Path(sys.argv[1]))
    sample.write_csv(HERE / "sample2.csv")
    print(sample.group_by("lang", "corpus").len())
