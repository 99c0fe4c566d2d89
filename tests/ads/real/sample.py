"""Draw the labelled sample of real ads (run once; the result is ``sample.csv``).

Per language: a simple random sample of the corpus ("random" stratum) plus, because AI skill is
rare in these corpora (about 5% of the English ads mention AI at all), a random sample of the ads
that hold a broad AI cue and are not already drawn ("ai_cue" stratum). The broad cue is far wider than
any detector rule and was fixed before labelling. Each stratum is split once, at random, into a
development half and a held-out half. Only ids, strata and splits are written, never ad text.

    PYTHONPATH=src python tests/ads/real/sample.py /work/shared/data/ads
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import polars as pl

SEED = 20261202
HERE = Path(__file__).parent
CORPORA = {  # folder -> (language, random draws, ai_cue draws)
    "en_jobscope_manitoba": ("en", 300, 80),
    "zh_51job_2019_jobspider": ("zh", 260, 60),
    "zh_51job_2019_spiderof51job": ("zh", 40, 0),
}
CUE = {
    "en": r"(?i)\b(?:ai|a\.i\.|artificial intelligence|machine learning|deep learning|llms?|chatgpt|"
          r"copilot|gpt|generative|neural|nlp|computer vision|gemini|claude|openai|tensorflow|"
          r"pytorch|scikit|predictive model|data scien)",
    "zh": r"(?i)人工智能|机器学习|深度学习|(?-u:\b)ai(?-u:\b)|神经网络|nlp|自然语言|计算机视觉|"
          r"tensorflow|pytorch|大模型|算法工程师|图像识别|语音识别|智能",
}


def draw(root: Path) -> pl.DataFrame:
    rng = np.random.default_rng(SEED)
    parts = []
    for folder, (lang, n_random, n_cue) in CORPORA.items():
        ads = pl.read_parquet(root / folder / "ads.parquet", columns=["id", "date", "title", "text"])
        ads = ads.unique("id", keep="first", maintain_order=True)
        idx = rng.choice(ads.height, size=n_random, replace=False)
        rand = ads[np.sort(idx)].with_columns(pl.lit("random").alias("stratum"))
        rest = ads.filter(~pl.col("id").is_in(rand["id"].implode())).filter(
            pl.concat_str([pl.col("title").fill_null(""), pl.col("text")], separator="\n")
            .str.contains(CUE[lang]))
        cue = rest[np.sort(rng.choice(rest.height, size=min(n_cue, rest.height), replace=False))]
        cue = cue.with_columns(pl.lit("ai_cue").alias("stratum"))
        for part in (rand, cue):
            if part.height == 0:
                continue
            half = np.zeros(part.height, dtype=bool)
            half[rng.permutation(part.height)[: part.height // 2]] = True
            parts.append(part.select(
                "id", pl.lit(folder).alias("corpus"), pl.lit(lang).alias("lang"),
                pl.col("date").cast(pl.String).str.slice(0, 4).alias("year"), "stratum",
                pl.Series("split", np.where(half, "heldout", "dev")),
            ))
    return pl.concat(parts)


if __name__ == "__main__":
    sample = draw(Path(sys.argv[1]))
    sample.write_csv(HERE / "sample.csv")
    print(sample.group_by("lang", "stratum", "split").len().sort("lang", "stratum", "split"))
