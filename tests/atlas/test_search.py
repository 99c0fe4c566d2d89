"""Search that finds what people type: typos, aliases, Chinese titles (issue 10, point 3)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from neijuan.atlas.search import MIN_SCORE, NameIndex, score_names, search, words, zh_keywords
from neijuan.errors import DataError


def _index(rows: list[tuple[str, str, str]], zh: list[tuple[str, str]] | None = None) -> NameIndex:
    names = [r[1] for r in rows]
    nw = [words(n) for n in names]
    by_word: dict[str, list[int]] = {}
    for i, ws in enumerate(nw):
        for w in set(ws):
            by_word.setdefault(w, []).append(i)
    return NameIndex([r[0] for r in rows], names, [r[2] for r in rows], nw, by_word,
                     {r[0]: (r[0], None, None) for r in rows},
                     sorted(zh or [], key=lambda kv: -len(kv[0])))


def test_words_drop_stop_words_and_plurals() -> None:
    assert words("Lawyers and Nurses of the Secretaries") == ["lawyer", "nurse", "secretary"]


def test_word_scoring_by_hand() -> None:
    idx = _index([("23-1011", "lawyer", "title"), ("27-2021", "basketball player", "esco"),
                  ("47-2021", "brick layer", "esco"), ("13-1041", "human rights lawyer", "esco")])
    s = {idx.names[i]: v for i, v in score_names(idx, "lawyer").items()}
    assert s["lawyer"] == 100.0
    # 'player' shares 'layer' with 'lawyer': ratio 10/12, squared, times sqrt(1/2): below 60
    assert s["basketball player"] == pytest.approx(100 * (10 / 12) ** 2 * 0.5 ** 0.5)
    assert s["basketball player"] < MIN_SCORE
    # 'layer' is one edit from 'lawyer': ratio 10/11, squared, times sqrt(1/2) of the name
    assert s["brick layer"] == pytest.approx(100 * (10 / 11) ** 2 * 0.5 ** 0.5)
    assert s["human rights lawyer"] == pytest.approx(100 * (1 / 3) ** 0.5)


def test_zh_keywords_prefer_the_longer_title() -> None:
    idx = _index([("23-1011", "lawyer", "title"), ("23-2011", "paralegal", "title")],
                 zh=[("律师", "23-1011"), ("律师助理", "23-2011")])
    assert [k[:2] for k in zh_keywords(idx, "我是律师助理")] == [("律师助理", "23-2011")]
    assert [k[:2] for k in zh_keywords(idx, "我是律师")] == [("律师", "23-1011")]


@pytest.fixture(scope="module")
def db(real_data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    from neijuan.atlas.store import ensure_built

    root = tmp_path_factory.mktemp("neijuan_cache")
    mp = pytest.MonkeyPatch()
    mp.setenv("NEIJUAN_CACHE_DIR", str(root))
    yield ensure_built(real_data_dir)
    mp.undo()


@pytest.mark.realdata
@pytest.mark.parametrize(("query", "soc"), [
    ("sofware engineer", "15-1252"),     # was 7th: ESCO's 'software engineer' (15-1251) won
    ("software engineer", "15-1252"),
    ("prompt engineer", "15-1299"),      # was Disc Jockeys via ESCO 'prompt'
    ("lawyer", "23-1011"),
    ("attorney", "23-1011"),
    ("registerd nurse", "29-1141"),
    ("律师", "23-1011"),                  # Chinese titles were refused
    ("护士", "29-1141"),
    ("数据分析师", "15-2051"),
    ("23-1011", "23-1011"),
])
def test_search_cases(db: Path, query: str, soc: str) -> None:
    hits = search(db, query, limit=10)
    assert hits and hits[0].soc == soc, [(h.soc, h.matched, h.score) for h in hits]


@pytest.mark.realdata
def test_search_no_longer_scores_nonsense_high(db: Path) -> None:
    hits = {h.soc: h for h in search(db, "lawyer", limit=20)}
    assert "27-2021" not in hits                       # basketball player
    assert "47-2021" not in hits or hits["47-2021"].score < 70  # brick layer
    prompt = [h.soc for h in search(db, "prompt engineer", limit=10)]
    assert "27-2091" not in prompt                     # Disc Jockeys via 'prompt'
    with pytest.raises(DataError, match="no Chinese title"):
        search(db, "外星人驯兽师")
