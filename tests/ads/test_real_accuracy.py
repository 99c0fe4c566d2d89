"""Accuracy of the detectors on hand-labelled real ads (issue 12), printed in the run's summary.

The labels (``tests/ads/real``: ids and labels only) were written by reading a random sample of the
real corpora and split once into a development half and a held-out half before any detector was
changed; the figures that count are the held-out ones. The ads are read from the data folder; the
tests skip with a reason when it is absent.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path

import polars as pl
import pytest

from neijuan.ads.realeval import (
    detect_real,
    load_real,
    load_real_ai_only,
    score_ai,
    score_ai_weighted,
    score_real,
)

LABELS = Path(__file__).parent / "real"
AI_F1_TARGET = 0.9
WORDS = {4: "fourth", 5: "fifth", 6: "sixth", 7: "seventh", 8: "eighth"}
SALARY_TARGET = 0.9


@pytest.fixture(scope="module")
def real_scores(real_data_dir: Path, ads_report: Callable[[str], None]) -> pl.DataFrame:
    if not (real_data_dir / "ads" / "en_jobscope_manitoba" / "ads.parquet").is_file():
        pytest.skip(f"real job-ad corpora not found under {real_data_dir / 'ads'}")
    scores = score_real(detect_real(load_real(LABELS, real_data_dir)))
    ads_report(_table(scores))
    adjudicated = score_real(detect_real(load_real(LABELS, real_data_dir, adjudicated=True)))
    held = adjudicated.filter((pl.col("split") == "heldout") & (pl.col("year") == "all")
                              & pl.col("measure").str.starts_with("ai_"))
    ads_report("-- held-out AI skill after adjudication (disagreements re-read in full; not blind):\n"
               + "\n".join(f"{r['lang']:<5}{r['measure']:<16} P {_fmt(r['precision'])} R "
                            f"{_fmt(r['recall'])} F1 {_fmt(r['f1'])} n {int(r['n'] or 0)}"
                            for r in held.iter_rows(named=True)))
    return scores


def _fmt(v: float | None) -> str:
    return "     -" if v is None or (isinstance(v, float) and math.isnan(v)) else f"{v:6.3f}"


def _table(scores: pl.DataFrame) -> str:
    lines = ["-- real ads, held-out half (dev half in brackets for F1/accuracy)",
             f"{'lang':<5}{'year':<6}{'measure':<22}{'P':>7}{'R':>7}{'F1/acc':>8}{'(dev)':>8}"
             f"{'n':>6}"]
    held = scores.filter(pl.col("split") == "heldout")
    dev = scores.filter(pl.col("split") == "dev")
    for r in held.iter_rows(named=True):
        d = dev.filter((pl.col("lang") == r["lang"]) & (pl.col("year") == r["year"])
                       & (pl.col("measure") == r["measure"]))
        main = r["f1"] if r["f1"] is not None and not math.isnan(r["f1"]) else r["accuracy"]
        dmain = None
        if d.height:
            dr = d.row(0, named=True)
            dmain = dr["f1"] if dr["f1"] is not None and not math.isnan(dr["f1"]) else dr["accuracy"]
        lines.append(f"{r['lang']:<5}{r['year']:<6}{r['measure']:<22}{_fmt(r['precision'])} "
                     f"{_fmt(r['recall'])} {_fmt(main)}  ({_fmt(dmain)}){int(r['n'] or 0):>6}")
    return "\n".join(lines)


def _held(scores: pl.DataFrame, lang: str, measure: str) -> dict[str, float]:
    row = scores.filter((pl.col("split") == "heldout") & (pl.col("year") == "all")
                        & (pl.col("lang") == lang) & (pl.col("measure") == measure))
    assert row.height == 1
    return row.row(0, named=True)


# AI-skill F1 on the first sample's held-out half: detectors 2.0.0 en 0.750 (6 positive ads of
# 190), zh 0.840 (24 of 180); 2.1.0 (rules alone, the default) en 0.750, zh 0.824 (with the clause
# judge, --judge: 0.846); 2.2.0 the same; 2.3.0 en 0.923, zh 0.885; 2.4.0 the same. This half's
# disagreements were read after the 2.0.0 freeze, and rules 2.3.0 and 2.4.0 were written with it
# among their development data: it is no longer a held-out measure. The third's held-out half was
# blind for 2.3.0 and is development data for 2.4.0 (as is the fourth sample); the target
# is for the lead's blind fifth sample, and these floors only guard against regression.
AI_F1_FLOOR = {"en": 0.90, "zh": 0.85}


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_ai_skill_f1_on_the_first_sample_does_not_regress(real_scores: pl.DataFrame,
                                                           lang: str) -> None:
    r = _held(real_scores, lang, "ai_skill")
    assert r["f1"] >= AI_F1_FLOOR[lang], f"AI-skill F1 {r['f1']:.3f} ({lang}, first sample)"


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_salary_within_ten_percent_on_held_out_real_ads(real_scores: pl.DataFrame,
                                                          lang: str) -> None:
    r = _held(real_scores, lang, "salary_within_10pct")
    assert r["accuracy"] >= SALARY_TARGET, (
        f"salary within 10%: {r['accuracy']:.3f} < {SALARY_TARGET} ({lang}, held-out)")
    false = _held(real_scores, lang, "salary_false")
    assert false["accuracy"] <= 0.05, f"salaries found where none is stated: {false['accuracy']:.3f}"


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_degree_on_held_out_real_ads(real_scores: pl.DataFrame, lang: str) -> None:
    # No target in the issue; floors a little under the first measured figures, so that a
    # regression shows. Strength (degree 1.3.0, scored once after its commit): en 0.853, zh 0.944
    # (1.2.0: 0.779, 0.944).
    assert _held(real_scores, lang, "degree_mentioned")["f1"] >= 0.88
    assert _held(real_scores, lang, "degree_level")["accuracy"] >= 0.82
    assert _held(real_scores, lang, "degree_strength")["accuracy"] >= {"en": 0.80, "zh": 0.90}[lang]


def test_english_degree_strength_on_the_development_half(real_scores: pl.DataFrame) -> None:
    # Degree 1.3.0 came from this half's errors (0.742 at 1.2.0, 0.905 at 1.3.0; the rest are
    # mostly labels that read the same wording two ways): a guard that its rules stay in force.
    row = real_scores.filter((pl.col("split") == "dev") & (pl.col("year") == "all")
                             & (pl.col("lang") == "en") & (pl.col("measure") == "degree_strength"))
    assert row["accuracy"][0] >= 0.88


def test_labels_cover_both_languages_and_split_halves() -> None:
    sample = pl.read_csv(LABELS / "sample.csv", schema_overrides={"year": pl.String})
    labels = pl.concat([pl.read_csv(p) for p in sorted(LABELS.glob("labels_*.csv"))])
    assert labels["id"].is_unique().all()
    joined = sample.join(labels, on="id")
    counts = joined.group_by("lang").len()
    assert dict(zip(counts["lang"], counts["len"], strict=True)) == {"en": 380, "zh": 360}
    halves = joined.group_by("split").len()
    assert set(halves["split"]) == {"dev", "heldout"}
    assert abs(int(halves["len"][0]) - int(halves["len"][1])) <= 2


# Second held-out sample (drawn and labelled after detectors 2.0.0 were frozen, AI skill only):
# en F1 0.933 (15 positive ads of 56), zh 0.836 (25 of 120) at 2.0.0; at 2.1.0 with the judge
# en 0.875 (two false alarms the judge lets through), zh 0.821; rules alone (the default) 0.933
# and 0.836; 2.3.0 en 0.933, zh 0.943 (this sample's errors were read for 2.3.0: no longer blind).
AI2_FLOOR = {"en": 0.85, "zh": 0.78}


@pytest.fixture(scope="module")
def second_sample(real_data_dir: Path, ads_report: Callable[[str], None]) -> pl.DataFrame:
    if not (real_data_dir / "ads" / "en_jobscope_manitoba" / "ads.parquet").is_file():
        pytest.skip(f"real job-ad corpora not found under {real_data_dir / 'ads'}")
    scores = score_ai(detect_real(load_real_ai_only(LABELS, real_data_dir)))
    ads_report("-- second held-out sample (after the freeze; AI skill only):\n" + "\n".join(
        f"{r['lang']:<5}{r['measure']:<16} P {_fmt(r['precision'])} R {_fmt(r['recall'])} "
        f"F1 {_fmt(r['f1'])} positive {int(r['n'])} of {r['ads']}"
        for r in scores.iter_rows(named=True)))
    return scores


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_ai_skill_on_the_second_held_out_sample(second_sample: pl.DataFrame, lang: str) -> None:
    r = second_sample.filter((pl.col("lang") == lang) & (pl.col("measure") == "ai_skill")).row(
        0, named=True)
    assert r["f1"] >= AI2_FLOOR[lang], f"AI-skill F1 {r['f1']:.3f} ({lang}, second sample)"


# Third sample (sample3.csv): drawn from ids in neither earlier sample, stratified by AI cue,
# labelled by reading before any detector ran on it, split once into dev3/heldout3; the rules of
# 2.1.0 and the judge were developed on dev3 only. Held-out half, AI skill, Chinese: F1 0.911 as
# drawn (42 positive ads of 110), 0.924 weighted back to the corpus (detectors 2.0.0: 0.899 and
# 0.913). English: 30 weak-cue ads, none asking for AI skill (no English AI-cue ad was left to
# draw), one false alarm. Rules 2.3.0 (written without reading heldout3's errors; its aggregate
# printed once after they were committed): Chinese 0.933 as drawn (P 0.875, R 1.000: 6 false
# alarms, no miss), 0.945 weighted; English the same one false alarm.
# heldout3 was development data for rules 2.4.0 (its errors read; no rule changed its figures).
AI3_TARGET = 0.9


@pytest.fixture(scope="module")
def third_sample(real_data_dir: Path, ads_report: Callable[[str], None]) -> pl.DataFrame:
    return _scored_sample(real_data_dir, ads_report,
                          3, "third sample (stratified by AI cue; labelled before any change; "
                          "AI skill)")


def _scored_sample(real_data_dir: Path, ads_report: Callable[[str], None], round_: int,
                   title: str) -> pl.DataFrame:
    """A stratified sample's AI-skill scores, as drawn and weighted, reported in the run's
    summary (its held-out split only, for the samples that have no other)."""
    if not (real_data_dir / "ads" / "en_jobscope_manitoba" / "ads.parquet").is_file():
        pytest.skip(f"real job-ad corpora not found under {real_data_dir / 'ads'}")
    scores = score_ai_weighted(detect_real(load_real_ai_only(LABELS, real_data_dir, round_)))
    shown = scores if round_ == 3 else scores.filter(pl.col("split") == f"heldout{round_}")
    ads_report(_stratified_table(title, shown))
    return scores


def _stratified_table(title: str, scores: pl.DataFrame) -> str:
    """The report's table of a stratified sample's scores (``score_ai_weighted``)."""
    return (f"-- {title}:\n" + f"{'lang':<5}{'split':<10}{'year':<6}{'measure':<15}{'weighting':<10}"
            f"{'P':>7}{'R':>7}{'F1':>7}{'pos':>5}{'ads':>5}\n" + "\n".join(
                f"{r['lang']:<5}{r['split']:<10}{r['year']:<6}{r['measure']:<15}"
                f"{r['weighting']:<10}{_fmt(r['precision'])} {_fmt(r['recall'])} "
                f"{_fmt(r['f1'])}{int(r['n']):>5}{r['ads']:>5}  (tp {r['tp']} fp {r['fp']} "
                f"fn {r['fn']})"
                for r in _one_year_once(scores).iter_rows(named=True)))


def _one_year_once(scores: pl.DataFrame) -> pl.DataFrame:
    """Per-year rows only where a language spans several years (else they repeat "all")."""
    years = scores.filter(pl.col("year") != "all").group_by("lang").agg(
        pl.col("year").n_unique().alias("_n"))
    return scores.join(years, on="lang", how="left").filter(
        (pl.col("year") == "all") | (pl.col("_n") > 1)).drop("_n")


def _third(scores: pl.DataFrame, lang: str, split: str, weighting: str) -> dict[str, float]:
    row = scores.filter((pl.col("lang") == lang) & (pl.col("split") == split)
                        & (pl.col("year") == "all") & (pl.col("measure") == "ai_skill")
                        & (pl.col("weighting") == weighting))
    assert row.height == 1
    return row.row(0, named=True)


@pytest.mark.parametrize("weighting", ["sample", "corpus"])
def test_ai_skill_target_on_the_third_held_out_half(third_sample: pl.DataFrame,
                                                    weighting: str) -> None:
    r = _third(third_sample, "zh", "heldout3", weighting)
    assert r["n"] >= 40, "the held-out half should hold about 40 AI-skill ads"
    assert r["f1"] >= AI3_TARGET, f"AI-skill F1 {r['f1']:.3f} < {AI3_TARGET} (zh, heldout3, {weighting})"


def test_english_weak_cue_ads_raise_few_false_alarms(third_sample: pl.DataFrame) -> None:
    # 30 held-out English ads with only weak cues ("automation", "models", "analytics"), none
    # asking for AI skill: at most two may be flagged (one is, at 2.1.0).
    r = _third(third_sample, "en", "heldout3", "sample")
    assert r["n"] == 0
    assert r["fp"] <= 2, f"{r['fp']} false alarms among {r['ads']} weak-cue English ads"


def test_third_sample_labels_match_the_draw() -> None:
    sample = pl.read_csv(LABELS / "sample3.csv", schema_overrides={"year": pl.String})
    labels = pl.concat([pl.read_csv(p) for p in sorted(LABELS.glob("labels3_*.csv"))])
    assert labels["id"].is_unique().all()
    assert set(labels["id"]) == set(sample["id"])
    earlier = pl.concat([pl.read_csv(LABELS / "sample.csv")["id"],
                         pl.read_csv(LABELS / "sample2.csv")["id"]])
    assert not sample["id"].is_in(earlier.implode()).any()
    halves = sample.group_by("stratum", "split").len().pivot("split", index="stratum",
                                                                values="len")
    assert (halves["dev3"] - halves["heldout3"]).abs().max() <= 1
    assert set(labels["ai"].unique()) <= {"-", "S", "Sp", "T", "Tp", "ST", "STp"}


# Fourth sample (sample4.csv; blind): drawn from ids in none of the earlier samples, stratified
# as the third, all held out (split heldout4), labelled by someone who had not read the detector
# code nor run the detectors, and committed before any scoring. These tests were written and
# committed before the detectors (rules 2.3.0) were first run on it: the target is asserted as
# the issue states it, on Chinese ads (English: none of the 50 weak-cue ads asks for AI skill, so
# only false alarms can be counted). Since rules 2.4.0 it is development data (below).


@pytest.fixture(scope="module")
def development_samples(real_data_dir: Path, ads_report: Callable[[str], None]
                        ) -> dict[int, pl.DataFrame]:
    """The fourth to seventh samples: blind when drawn, development data since (see below)."""
    since = {4: "2.4.0", 5: "2.5.0", 6: "2.6.0", 7: "2.6.0"}
    return {k: _scored_sample(real_data_dir, ads_report, k,
                              f"{WORDS[k]} sample (development data since {since[k]}; labelled "
                              "without the detectors; AI skill)") for k in since}


# Scored once, rules 2.3.0 (committed before; aggregates only, no error read): zh F1 0.887 as
# drawn (P 0.891, R 0.882; 90 right of 102 AI-skill ads, 11 false alarms, 12 misses) and 0.851
# weighted back to the corpus (P 0.802: two false alarms among 35 weak-cue ads, each standing for
# 120 ads); rules 2.2.0 on the same ads 0.847 / 0.821. English: no false alarm among 50 weak-cue
# ads. The target was not met there (a strict xfail until 2.4.0). Then the fourth sample became
# development data: its errors were read and rules 2.4.0 were written with it, so its figures are
# no longer a blind measure (the fifth sample is) and these floors only guard against regression.
# Rules 2.4.0 (development figures, not blind): zh 0.951 as drawn (P 0.951, R 0.951; tp 97 fp 5
# fn 5), 0.929 weighted (P 0.896: one false alarm left among the weak-cue ads); English still no
# false alarm. Floors a little under these.
AI4_FLOOR = {"sample": 0.93, "corpus": 0.91}


# Fifth sample (sample5.csv; blind): drawn like the fourth from ids in none of samples 1-4, all held
# out (split heldout5), labelled by someone who had not read the detector code nor run the
# detectors, committed before any scoring. These tests were written and committed before the
# detectors (rules 2.4.0, whose development data included the fourth sample) first ran on it. Since
# rules 2.5.0 it is development data (below).


def _blind(scores: pl.DataFrame, split: str, lang: str, weighting: str) -> dict[str, float]:
    """AI-skill scores of one language of a blind sample (all years)."""
    row = scores.filter((pl.col("lang") == lang) & (pl.col("split") == split)
                        & (pl.col("year") == "all") & (pl.col("measure") == "ai_skill")
                        & (pl.col("weighting") == weighting))
    assert row.height == 1
    return row.row(0, named=True)


# Scored once with rules 2.4.0 (aggregates only, no error read): zh F1 0.914 as drawn (P 0.910,
# R 0.918; 101 right of 110 AI-skill ads, 10 false alarms; 90% stratified bootstrap 0.879-0.944)
# and 0.883 weighted back to the corpus (P 0.853; 0.814-0.940: one false alarm among the 35
# weak-cue ads, which stand for 4,170 corpus ads, moves it by about 0.03). Rules 2.3.0 on the same
# ads: 0.905 / 0.873. English: no false alarm among the 40 weak-cue ads left in the corpus. The
# target was met as drawn, not weighted (a strict xfail until 2.5.0). Then the fifth sample became
# development data: its errors were read and rules 2.5.0 were written with it, so its figures are
# no longer a blind measure (the sixth sample is) and these floors only guard against regression.
# Rules 2.5.0 (development figures, not blind): zh 0.927 as drawn (P 0.927, R 0.927; tp 102 fp 8
# fn 8), 0.927 weighted (P 0.930: no false alarm left among the weak-cue ads); English still no
# false alarm. Floors a little under these.
AI5_FLOOR = {"sample": 0.91, "corpus": 0.91}


@pytest.mark.parametrize("round_", [4, 5, 6, 7, 8])
def test_blind_sample_labels_match_the_draw(round_: int) -> None:
    sample = pl.read_csv(LABELS / f"sample{round_}.csv", schema_overrides={"year": pl.String})
    labels = pl.concat([pl.read_csv(p) for p in sorted(LABELS.glob(f"labels{round_}_*.csv"))])
    assert labels["id"].is_unique().all()
    assert set(labels["id"]) == set(sample["id"])
    earlier = pl.concat([pl.read_csv(LABELS / ("sample.csv" if k == 1 else f"sample{k}.csv"))["id"]
                         for k in range(1, round_)])
    assert not sample["id"].is_in(earlier.implode()).any()
    assert set(sample["split"].unique()) == {f"heldout{round_}"}
    assert set(labels["ai"].unique()) <= {"-", "S", "Sp", "T", "Tp", "ST", "STp"}


# Sixth sample (sample6.csv; blind): drawn like the fifth from ids in none of samples 1-5, Chinese
# only and with more weak-cue ads (60 from JobSpider), all held out (split heldout6), labelled by
# someone who had not read the detector code nor run the detectors, committed before any scoring.
# These tests were written and committed before the detectors (rules 2.5.0, whose development data
# included the fifth sample) first ran on it. Since rules 2.6.0 it is development data (below).


# Scored once with rules 2.5.0 (aggregates only, no error read): zh F1 0.869 as drawn (P 0.865,
# R 0.874; 83 right of 95 AI-skill ads, 13 false alarms, 12 misses; 90% stratified bootstrap
# 0.823-0.908) and 0.846 weighted back to the corpus (P 0.796; 0.778-0.907: two false alarms among
# the 60 weak-cue JobSpider ads). Rules 2.4.0 on the same ads: the same figures (0.869 / 0.846).
# The target was not met (a strict xfail until 2.6.0). Then the sixth sample became development
# data: its errors were read and rules 2.6.0 were written with it (and the seventh), so its figures
# are no longer a blind measure (the eighth sample is) and these floors only guard against
# regression. Rules 2.6.0 (development figures, not blind): zh 0.936 as drawn (P 0.946, R 0.926;
# tp 88 fp 5 fn 7), 0.941 weighted (no false alarm left among the weak-cue ads). Floors a little
# under these.
AI6_FLOOR = {"sample": 0.92, "corpus": 0.92}


# Seventh sample (sample7.csv; blind): drawn like the sixth (same strata and sizes, seed 20261208)
# from ids in none of samples 1-6, all held out (split heldout7), labelled by someone who had not
# read the detector code nor run the detectors, committed before any scoring (labels7_zh.csv). These
# tests were written and committed before any detector first ran on it. Rules 2.5.0 are the rules
# the sixth sample measured: the seventh is a second blind measure of the same rules. Since rules
# 2.6.0 it is development data (below).


# Scored once with rules 2.5.0 (aggregates only, no error read): zh F1 0.932 as drawn (P 0.911,
# R 0.953; 82 right of 86 AI-skill ads, 8 false alarms, 4 misses; 90% stratified bootstrap
# 0.897-0.962) and 0.885 weighted back to the corpus (P 0.824; 0.813-0.948). The target was met as
# drawn, not weighted (a strict xfail until 2.6.0). The sixth and seventh samples pooled (430 blind
# ads, 181 AI-skill): 0.899 as drawn (0.872-0.927), 0.864 weighted (0.813-0.911). Then the seventh
# sample became development data with the sixth (rules 2.6.0 were written from their errors).
# Rules 2.6.0 (development figures, not blind): zh 0.965 as drawn (P 0.965, R 0.965; tp 83 fp 3
# fn 3), 0.919 weighted (one false alarm left among the 60 weak-cue JobSpider ads). Floors a
# little under these.
AI7_FLOOR = {"sample": 0.94, "corpus": 0.90}
DEV_FLOORS = {4: AI4_FLOOR, 5: AI5_FLOOR, 6: AI6_FLOOR, 7: AI7_FLOOR}
DEV_POSITIVES = {4: 90, 5: 100, 6: 90, 7: 75}  # about 100, 110, 95 and 86 Chinese AI-skill ads


@pytest.mark.parametrize("weighting", ["sample", "corpus"])
@pytest.mark.parametrize("round_", sorted(DEV_FLOORS))
def test_ai_skill_on_a_development_sample_does_not_regress(
        development_samples: dict[int, pl.DataFrame], round_: int, weighting: str) -> None:
    r = _blind(development_samples[round_], f"heldout{round_}", "zh", weighting)
    assert r["n"] >= DEV_POSITIVES[round_]
    floor = DEV_FLOORS[round_][weighting]
    assert r["f1"] >= floor, (
        f"AI-skill F1 {r['f1']:.3f} < {floor} (zh, {WORDS[round_]} sample, {weighting})")


@pytest.mark.parametrize("round_", [4, 5])
def test_english_weak_cue_ads_of_the_development_samples_raise_few_false_alarms(
        development_samples: dict[int, pl.DataFrame], round_: int) -> None:
    r = _blind(development_samples[round_], f"heldout{round_}", "en", "sample")
    assert r["n"] == 0
    assert r["fp"] <= 2, f"{r['fp']} false alarms among {r['ads']} weak-cue English ads"


# The learned ad-level decision (``--learned``; neijuan.ads.learned, off by default): 1.0.0 was
# frozen on samples 1-5 before any of its runs on the sixth or seventh sample (the point 3:
# "a learned component where rules run out"). These tests were written and committed before it
# first ran on either blind sample; each sample and both together, as drawn and weighted. Since
# rules 2.6.0 and learned 1.1.0 (retrained on samples 1-7) both samples are development data.


@pytest.fixture(scope="module")
def blind_with_learned(real_data_dir: Path, ads_report: Callable[[str], None]
                       ) -> dict[str, pl.DataFrame]:
    if not (real_data_dir / "ads" / "en_jobscope_manitoba" / "ads.parquet").is_file():
        pytest.skip(f"real job-ad corpora not found under {real_data_dir / 'ads'}")
    detected = {k: detect_real(load_real_ai_only(LABELS, real_data_dir, k), learned=True)
                for k in (6, 7)}
    both = pl.concat([detected[6], detected[7]], how="diagonal_relaxed")
    scores = {"6": score_ai_weighted(detected[6]), "7": score_ai_weighted(detected[7]),
              "6+7": score_ai_weighted(both)}
    for name, sc in scores.items():
        split = "all" if name == "6+7" else f"heldout{name}"
        ads_report(_stratified_table(f"sample(s) {name} with the learned decision (development "
                                     "data since 2.6.0; AI skill)",
                                     sc.filter(pl.col("split") == split)))
    return scores


# Scored once, learned 1.0.0 on rules 2.5.0 (aggregates only, no error read), zh AI-skill F1 with
# the learned decision (rules 2.5.0 alone in brackets): sixth 0.892 as drawn (0.869; P 0.912,
# R 0.874: false alarms 13 -> 8), 0.867 weighted (0.846); seventh 0.936 (0.932; false alarms 8 -> 6,
# misses 4 -> 5), 0.889 (0.885); both, 430 ads and 181 AI-skill: 0.914 as drawn (0.899; P 0.921,
# R 0.906), 0.878 weighted (0.864). The two configurations differ on 10 of the 430 ads; paired
# stratified bootstrap of the gain: +0.015 as drawn (90%: +0.002 to +0.028), +0.013 weighted
# (+0.001 to +0.027). The target was met as drawn on the seventh sample and on both together, not
# on the sixth nor weighted (strict xfails until 2.6.0). Since then the two samples are
# development data: rules 2.6.0 were written from their errors and learned 1.1.0 was trained on
# them, so these figures are in-sample for the learned part (its leave-one-sample-out figures are
# in docs/ads.md) and the floors only guard against regression. Rules 2.6.0 + learned 1.1.0: sixth
# 0.962 as drawn, 0.967 weighted; seventh 0.976, 0.954; both 0.969 (P 0.994, R 0.945), 0.961
# (rules 2.6.0 alone: 0.936 / 0.941, 0.965 / 0.919, 0.950 / 0.931). Floors a little under these.
AI_LEARNED_FLOOR = {("6", "sample"): 0.94, ("6", "corpus"): 0.94, ("7", "sample"): 0.95,
                    ("7", "corpus"): 0.93, ("6+7", "sample"): 0.95, ("6+7", "corpus"): 0.94}


@pytest.mark.parametrize(("which", "weighting"), sorted(AI_LEARNED_FLOOR))
def test_ai_skill_with_the_learned_decision_does_not_regress(
        blind_with_learned: dict[str, pl.DataFrame], which: str, weighting: str) -> None:
    split = "all" if which == "6+7" else f"heldout{which}"
    r = _blind(blind_with_learned[which], split, "zh", weighting)
    assert r["n"] >= 75
    floor = AI_LEARNED_FLOOR[(which, weighting)]
    assert r["f1"] >= floor, (
        f"AI-skill F1 {r['f1']:.3f} < {floor} (zh, sample(s) {which}, {weighting}, "
        "with the learned decision)")


# Eighth sample (sample8.csv; blind): drawn like the sixth and seventh (seed 20261209) from ids in none
# of samples 1-7, all held out (split heldout8), labelled by someone who had not read the detector
# code nor run the detectors, committed before any scoring. These tests were written and committed
# before any detector first ran on it, and before its labels reached this branch: they measure the
# rules and the learned decision written after the sixth and seventh samples were read (rules
# 2.6.0, learned 1.1.0), with and without the learned decision.


@pytest.fixture(scope="module")
def eighth_sample(real_data_dir: Path, ads_report: Callable[[str], None]
                  ) -> dict[bool, pl.DataFrame]:
    if not (real_data_dir / "ads" / "en_jobscope_manitoba" / "ads.parquet").is_file():
        pytest.skip(f"real job-ad corpora not found under {real_data_dir / 'ads'}")
    if not any(LABELS.glob("labels8_*.csv")):
        pytest.skip("the eighth sample is drawn, not labelled yet")
    frame = load_real_ai_only(LABELS, real_data_dir, 8)
    scores = {}
    for learned in (False, True):
        scores[learned] = score_ai_weighted(detect_real(frame, learned=learned))
        ads_report(_stratified_table(
            f"eighth sample (blind; AI skill; {'with' if learned else 'without'} the learned "
            "decision)", scores[learned].filter(pl.col("split") == "heldout8")))
    return scores


# Scored once (aggregates only, no error read), rules 2.6.0 (the default): zh F1 0.949 as drawn
# (P 0.959, R 0.940; 94 right of 100 AI-skill ads, 4 false alarms, 6 misses; 90% stratified
# bootstrap 0.924-0.974) and 0.919 weighted back to the corpus (P 0.962, R 0.879; 0.842-0.979: a
# miss among the five SpiderOf51job ads with no AI cue stands for 115 ads). With learned 1.1.0:
# 0.949 (0.922-0.973) and 0.918 (0.841-0.979): one false alarm fewer, one miss more. The target is
# met both ways, with and without the learned decision. For comparison, rules 2.5.0 on the same
# ads: 0.934 / 0.905 (this sample is easier than the sixth and seventh; 2.5.0 over all three:
# 0.911 / 0.877).
@pytest.mark.parametrize("weighting", ["sample", "corpus"])
@pytest.mark.parametrize("learned", [False, True], ids=["rules", "learned"])
def test_ai_skill_target_on_the_blind_eighth_sample(eighth_sample: dict[bool, pl.DataFrame],
                                                    learned: bool, weighting: str) -> None:
    r = _blind(eighth_sample[learned], "heldout8", "zh", weighting)
    assert r["n"] >= 80, "the eighth sample holds about 100 Chinese AI-skill ads"
    assert r["f1"] >= AI_F1_TARGET, (
        f"AI-skill F1 {r['f1']:.3f} < {AI_F1_TARGET} (zh, blind eighth sample, {weighting}, "
        f"{'with' if learned else 'without'} the learned decision)")
