"""Sweeps: the file is validated, the design is right, and a sweep stopped anywhere resumes to
exactly the expected rows, on the local pool and on Ray alike."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from neijuan.calibrate.runner import RunStats, SweepInterrupted, plan_tasks, run_tasks
from neijuan.calibrate.store import ChunkStore
from neijuan.calibrate.sweep import plan, read_sweep, run_sweep
from neijuan.errors import ConfigError, is_interrupt
from neijuan.sim.figures import RUN_FIGURES

SRC = Path(__file__).resolve().parents[2] / "src"

SMALL = """
scenario = "ai-baseline"
seeds = 2
workers = 300
periods = 4
burn_in = 2
[grid]
"demand.kappa" = [0.4, 0.8, 1.2]
"contest.r" = [0.5, 1.0]
"""


def write(tmp_path: Path, text: str, name: str = "sweep.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# ------------------------------------------------------------------------------ the sweep file
@pytest.mark.parametrize(("text", "needle"), [
    ('seedz = 2\n[grid]\n"demand.kappa" = [0.4]', "unknown key 'seedz'"),
    ('[grid]\n"demand.kapa" = [0.4]', "unknown parameter 'demand.kapa'"),
    ('[grid]\n"demand.kappa" = [9.0]', "demand.kappa = 9.0"),
    ('[grid]\n"nosuch.x" = [1]', "unknown parameter 'nosuch.x'"),
    ('[grid]\n"run.seed" = [1, 2]', "'run.seed' cannot be swept"),
    ('[grid]\n"demand.kappa" = []', "has no values"),
    ('[sample]\nn = 10\n[sample.ranges]\n"demand.kappa" = [0.2, 1.0]', "power of 2"),
    ('[sample]\nn = 8\n[sample.ranges]\n"demand.kappa" = [1.0, 0.2]', "low < high"),
    ('[sample]\nn = 8\nmethod = "halton"\n[sample.ranges]\n"demand.kappa" = [0.2, 1.0]',
     "sample.method"),
    ('[sample]\nn = 8\n[sample.ranges]\n"contest.rule" = [0, 1]', "not numeric"),
    ('[sample]\nn = 8\nbogus = 1\n[sample.ranges]\n"demand.kappa" = [0.2, 1.0]',
     "unknown key 'sample.bogus'"),
    ('seeds = 0', "seeds = 0"),
    ('[grid]\n"demand.kappa" = [0.4]\n[sample]\nn = 2\n[sample.ranges]\n"demand.kappa" = [0.2, 1.0]',
     "not both"),
])
def test_bad_sweep_files_are_refused_naming_the_key(tmp_path: Path, text: str, needle: str) -> None:
    with pytest.raises(ConfigError, match="sweep") as info:
        plan(write(tmp_path, text))
    assert needle in str(info.value)


def test_grid_is_the_full_product_in_file_order(tmp_path: Path) -> None:
    p = plan(write(tmp_path, SMALL))
    assert [list(pt.values()) for pt in p.points] == [
        [0.4, 0.5], [0.4, 1.0], [0.8, 0.5], [0.8, 1.0], [1.2, 0.5], [1.2, 1.0]]
    assert p.seeds == [0, 1]


@pytest.mark.parametrize("method", ["sobol", "lhs"])
def test_samples_fill_the_box_and_are_reproducible(tmp_path: Path, method: str) -> None:
    text = (f'[sample]\nmethod = "{method}"\nn = 16\nseed = 3\n[sample.ranges]\n'
            '"demand.kappa" = [0.2, 1.2]\n"contest.max_effort" = [10, 50]\n')
    a, b = plan(write(tmp_path, text)), plan(write(tmp_path, text, "b.toml"))
    assert a.points == b.points and len(a.points) == 16
    kappas = [pt["demand.kappa"] for pt in a.points]
    assert all(0.2 <= k <= 1.2 for k in kappas)
    # stratified: each quarter of the range holds a quarter of the points
    counts = [sum(0.2 + 0.25 * q <= k < 0.2 + 0.25 * (q + 1) for k in kappas) for q in range(4)]
    assert counts == [4, 4, 4, 4]
    assert a.hash == b.hash


# ------------------------------------------------------------------------------ resume planning
@settings(max_examples=200, deadline=None)
@given(n_points=st.integers(1, 5), n_seeds=st.integers(1, 9), batch=st.integers(1, 4),
       done_bits=st.lists(st.booleans(), min_size=45, max_size=45))
def test_plan_covers_exactly_the_missing_pairs(n_points: int, n_seeds: int, batch: int,
                                               done_bits: list[bool]) -> None:
    points = [{"x": i} for i in range(n_points)]
    keys = [f"{i:012x}" for i in range(n_points)]
    seeds = list(range(10, 10 + n_seeds))
    done = {keys[p]: {s for k, s in enumerate(seeds) if done_bits[p * 9 + k]}
            for p in range(n_points)}
    tasks = plan_tasks(points, keys, seeds, done, batch)
    planned = [(t.key, s) for t in tasks for s in t.seeds]
    missing = {(keys[p], s) for p in range(n_points) for s in seeds if s not in done[keys[p]]}
    assert len(planned) == len(set(planned)) and set(planned) == missing
    for t in tasks:  # contiguous runs (one simulate call each), at most `batch` long
        assert 1 <= len(t.seeds) <= batch
        assert list(t.seeds) == list(range(t.seeds[0], t.seeds[-1] + 1))


# ----------------------------------------------------------------------------------- running
def test_sweep_rows_columns_and_resume(tmp_path: Path) -> None:
    out = tmp_path / "out"
    stats = run_sweep(write(tmp_path, SMALL), out, processes=1)
    assert stats.rows_written == 12 and not stats.failures
    rows = pl.scan_parquet(f"{out}/**/*.parquet").collect().sort("point", "seed")
    assert rows.height == 12
    assert {"point", "demand.kappa", "contest.r", "seed", "version", "provenance", "scenario",
            "sweep"} <= set(rows.columns)
    assert set(RUN_FIGURES) <= set(rows.columns)
    assert any(c.startswith("target_") for c in rows.columns)
    assert rows.select("point", "seed").is_unique().all()
    # a rerun computes nothing; the rows are unchanged
    again = run_sweep(write(tmp_path, SMALL), out, processes=1)
    assert again.rows_written == 0 and again.rows_before == 12
    assert read_sweep(out).equals(rows)
    # the same seeds at a point give the same figures as a direct simulate call
    import neijuan

    direct = neijuan.simulate("ai-baseline", workers=300, periods=4, seeds=2, processes=1,
                              overrides={"run.burn_in": 2, "demand.kappa": 0.8,
                                         "contest.r": 1.0}).figures_by_seed()
    mine = rows.filter(pl.col("point") == 3).select(direct.columns)
    assert mine.equals(direct)


def test_a_folder_holds_one_sweep(tmp_path: Path) -> None:
    out = tmp_path / "out"
    run_sweep(write(tmp_path, SMALL), out, processes=1)
    other = SMALL.replace("[0.4, 0.8, 1.2]", "[0.4, 0.9]")
    with pytest.raises(ConfigError, match="holds another sweep"):
        run_sweep(write(tmp_path, other, "other.toml"), out, processes=1)


def test_a_second_writer_is_refused(tmp_path: Path) -> None:
    store = ChunkStore(tmp_path / "out")
    with store.lock(), pytest.raises(Exception, match="being written by another sweep"), \
            ChunkStore(tmp_path / "out").lock():
        pass


def _cli(*args: str) -> list[str]:
    return [sys.executable, "-c", "from neijuan.cli import main; main()", *args]


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(SRC), env.get("PYTHONPATH", "")])
    return env


KILLABLE = """
scenario = "ai-baseline"
seeds = 3
workers = 300
periods = 4
burn_in = 2
batch = 1
[sample]
method = "lhs"
n = 40
seed = 1
[sample.ranges]
"demand.kappa" = [0.2, 1.2]
"""


def _wait_for_first_chunk(out: Path, proc: subprocess.Popen[str] | subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 120
    while not list((out / "rows").glob("*.parquet")) if (out / "rows").exists() else True:
        assert proc.poll() is None, "the sweep ended before writing a chunk"
        assert time.monotonic() < deadline
        time.sleep(0.02)


@pytest.mark.slow
def test_sigkill_at_a_random_point_then_rerun_gives_exactly_the_rows(tmp_path: Path) -> None:
    # runs long enough that the sweep is still running 1.5 s after its first chunk (measured on
    # the 2-core machine: 3.4 s after it at 4,000 workers x 40 quarters; 1.4 s at 300 x 4, which
    # a faster engine let finish before the kill)
    spec = write(tmp_path, KILLABLE.replace("workers = 300", "workers = 4000")
                 .replace("periods = 4", "periods = 40"))
    out = tmp_path / "out"
    delay = random.Random().uniform(0.0, 1.5)
    proc = subprocess.Popen(_cli("sweep", str(spec), "--out", str(out), "--processes", "2"),
                            env=_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    _wait_for_first_chunk(out, proc)
    time.sleep(delay)  # a random point of the run, chunks being computed and written
    os.killpg(proc.pid, signal.SIGKILL)  # the driver and its pool, at once
    proc.wait()
    partial = len(list((out / "rows").glob("*.parquet"))) if (out / "rows").exists() else 0
    assert partial < 120, f"the sweep finished before the kill at {delay:.1f} s"
    done = subprocess.run(_cli("sweep", str(spec), "--out", str(out), "--processes", "2",
                               "--json"), env=_env(), capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    rows = pl.scan_parquet(f"{out}/**/*.parquet").collect()
    assert rows.height == 120
    assert rows.select("point", "seed").is_unique().all()
    assert set(rows["point"].to_list()) == set(range(40))
    assert not list((out / "rows").glob(".*.tmp"))
    assert rows.null_count()["productivity_growth"].item() == 0


@pytest.mark.slow
def test_ctrl_c_stops_cleanly_and_resumes(tmp_path: Path) -> None:
    # chunks long enough (1,500 workers) that the sweep is still running when Ctrl-C arrives
    spec = write(tmp_path, KILLABLE.replace("workers = 300", "workers = 1500"))
    out = tmp_path / "out"
    proc = subprocess.Popen(_cli("sweep", str(spec), "--out", str(out), "--processes", "1"),
                            env=_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, start_new_session=True)
    _wait_for_first_chunk(out, proc)
    os.killpg(proc.pid, signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, (proc.returncode, err)
    assert "rerun the same command" in err
    stats = run_sweep(spec, out, processes=2)
    assert 0 < stats.rows_before < 120
    assert stats.rows_before + stats.rows_written == 120
    assert read_sweep(out).select("point", "seed").is_unique().all()


@pytest.mark.slow
def test_local_and_ray_give_identical_rows(tmp_path: Path) -> None:
    pytest.importorskip("ray")
    spec = write(tmp_path, SMALL)
    run_sweep(spec, tmp_path / "local", processes=2)
    stats = run_sweep(spec, tmp_path / "ray", processes=2, use_ray=True)
    assert not stats.failures
    local, ray = read_sweep(tmp_path / "local"), read_sweep(tmp_path / "ray")
    assert local.height == 12
    assert local.equals(ray)


def _ray_task_pids() -> list[int]:
    """Ray workers running a chunk right now (Ray titles a busy worker ``ray::<function>``)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        if cmdline.startswith(b"ray::evaluate_task"):
            pids.append(int(entry.name))
    return pids


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc").is_dir(), reason="finds Ray's workers through /proc (Linux)")
def test_a_lost_ray_worker_loses_no_row(tmp_path: Path) -> None:
    """SIGKILL a Ray worker in the middle of a chunk: Ray reruns the chunk elsewhere, and the
    sweep ends with exactly the rows the local pool gives, none lost, duplicated or torn."""
    pytest.importorskip("ray")
    import threading

    spec = write(tmp_path, KILLABLE.replace("workers = 300", "workers = 1500")
                 .replace("n = 40", "n = 8").replace("seeds = 3", "seeds = 1"))
    outcome: dict[str, object] = {}

    def sweep() -> None:
        try:
            outcome["stats"] = run_sweep(spec, tmp_path / "ray", processes=2, use_ray=True)
        except BaseException as exc:  # reported by the assertion below
            outcome["error"] = exc

    thread = threading.Thread(target=sweep)
    thread.start()
    killed = 0
    deadline = time.monotonic() + 240
    while thread.is_alive() and not killed and time.monotonic() < deadline:
        pids = _ray_task_pids()
        if pids:
            time.sleep(0.3)  # into the chunk's computation
            try:
                os.kill(pids[0], signal.SIGKILL)
                killed = 1
            except ProcessLookupError:
                pass
        time.sleep(0.05)
    thread.join(timeout=300)
    assert killed, "no Ray worker was seen running a chunk"
    assert "error" not in outcome, outcome.get("error")
    stats = outcome["stats"]
    assert not stats.failures, stats.failures  # type: ignore[attr-defined]
    run_sweep(spec, tmp_path / "local", processes=1)
    local, ray = read_sweep(tmp_path / "local"), read_sweep(tmp_path / "ray")
    assert ray.height == 8 and ray.select("point", "seed").is_unique().all()
    assert local.equals(ray)


def _wrapped_interrupt() -> SystemError:
    """What a Ctrl-C landing inside a C or compiled call raises: a SystemError caused by it."""
    try:
        try:
            raise KeyboardInterrupt
        except KeyboardInterrupt as inner:
            raise SystemError("<built-in method> returned a result with an exception set") \
                from inner
    except SystemError as outer:
        return outer


def test_a_ctrl_c_is_known_in_any_wrapping() -> None:
    assert is_interrupt(KeyboardInterrupt())
    assert is_interrupt(_wrapped_interrupt())
    assert not is_interrupt(SystemError("a real bug"))
    assert not is_interrupt(ValueError("bad input"))
    looped = ValueError("a")
    looped.__context__ = ValueError("b")
    looped.__context__.__context__ = looped  # (a cycle ends the walk)
    assert not is_interrupt(looped)


@pytest.mark.parametrize("raised", ["plain", "wrapped", "bug"])
def test_an_interrupted_run_says_how_to_resume_whatever_form_the_ctrl_c_took(raised: str) -> None:
    """A Ctrl-C that surfaced as a SystemError used to end a sweep as an 'internal error'
    (exit 3) instead of 'rerun the same command' (exit 130)."""
    class Interrupting:
        def run(self, *_: object) -> None:
            if raised == "plain":
                raise KeyboardInterrupt
            raise _wrapped_interrupt() if raised == "wrapped" else SystemError("a real bug")

    stats = RunStats(rows_total=10, rows_before=4)
    task = plan_tasks([{}], ["p0"], [0], {}, 1)
    call = lambda: run_tasks(None, task, lambda *_: None, stats=stats, meta={},  # noqa: E731
                             backend=Interrupting())  # type: ignore[arg-type]
    if raised == "bug":
        with pytest.raises(SystemError, match="a real bug"):
            call()
        assert not stats.interrupted
    else:
        with pytest.raises(SweepInterrupted, match="4 of 10 rows are stored; rerun the same"):
            call()
        assert stats.interrupted


def test_a_ctrl_c_raised_twice_still_says_how_to_resume(monkeypatch: pytest.MonkeyPatch) -> None:
    """Polars turns a Ctrl-C it sees into a KeyboardInterrupt of its own and leaves Python's
    signal pending, so the same Ctrl-C raises again at the next call, while the first is being
    handled; the sweep then ended with exit 130 and no message (one Ctrl-C in some 25)."""
    import neijuan.calibrate.runner as runner

    class Interrupting:
        def run(self, *_: object) -> None:
            raise KeyboardInterrupt

    def pending_signal(exc: BaseException) -> bool:
        raise KeyboardInterrupt  # (the pending signal, raised at the handler's first call)

    monkeypatch.setattr(runner, "is_interrupt", pending_signal)
    stats = RunStats(rows_total=10, rows_before=4)
    task = plan_tasks([{}], ["p0"], [0], {}, 1)
    with pytest.raises(SweepInterrupted, match="4 of 10 rows are stored; rerun the same"):
        run_tasks(None, task, lambda *_: None, stats=stats, meta={},
                  backend=Interrupting())  # type: ignore[arg-type]
    assert stats.interrupted


@pytest.mark.parametrize("raised", ["wrapped", "bug"])
def test_the_cli_reports_a_wrapped_ctrl_c_as_an_interruption(
        raised: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    import neijuan.cli as cli

    def app() -> None:
        raise _wrapped_interrupt() if raised == "wrapped" else SystemError("a real bug")

    monkeypatch.setattr(cli, "app", app)
    monkeypatch.setattr(sys, "argv", ["neijuan", "simulate"])
    with pytest.raises(SystemExit) as stop:
        cli.main()
    err = capsys.readouterr().err
    if raised == "wrapped":
        assert stop.value.code == 130 and "interrupted" in err
    else:
        assert stop.value.code == 3 and "internal error" in err
