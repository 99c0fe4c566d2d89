"""Broken scenario files, wrong types, impossible sizes, bad --out folders, damaged result
folders: each refused with one clear line and exit status 2, before any work, never a traceback."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from reliability_corpus import Outcome, assert_clean_error

from neijuan.atomic import (
    MANIFEST_NAME,
    atomic_folder,
    check_out_dir,
    clean_leftovers,
    read_manifest,
)
from neijuan.errors import DataError

SMALL = ("--workers", "300", "--periods", "2", "--set", "run.burn_in=1")
ROOT = Path(__file__).resolve().parents[2]


def _scenario(tmp_path: Path, text: str | bytes) -> str:
    path = tmp_path / "bad.toml"
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return str(path)


@pytest.mark.parametrize(("content", "fragments"), [
    (b"\x00\xff\xfe\x89PNG garbage \x00" * 40, ["bad.toml", "not UTF-8"]),
    ("a = " + "[" * 5000 + "]" * 5000, ["bad.toml", "nested too deeply"]),
    ("x = {" * 3000, ["bad.toml"]),
    ("[run]\nperiods = tru", ["bad.toml", "not valid TOML"]),
    ("[run]\nperiods = true", ["run.periods = True", "valid integer"]),
    ("[run]\nworkers = 2.5", ["run.workers = 2.5", "valid integer"]),
    ("[run]\nworkers = \"many\"", ["run.workers = 'many'"]),
    ("[ai]\nenabled = 1", ["ai.enabled = 1", "valid boolean"]),
    ("[ai]\nenabled = \"yes\"", ["ai.enabled = 'yes'"]),
    ("[ai]\nuplift = true", ["ai.uplift = True", "valid number"]),
    ("[run]\nseeds = []", ["run.seeds = []"]),
    ("[run]\nperiods = 1\n[run]\nperiods = 2", ["not valid TOML"]),
    ("run = 3", ["run"]),
])
def test_broken_scenario_files(content: str | bytes, fragments: list[str], tmp_path: Path,
                               cli: Callable[..., Outcome]) -> None:
    outcome = cli("simulate", "--scenario", _scenario(tmp_path, content), *SMALL)
    assert_clean_error(outcome, *fragments)


@pytest.mark.parametrize(("content", "fragment"), [
    (b"\x00\xff\xfe garbage" * 50, "not UTF-8"),
    ("a = " + "[" * 5000 + "]" * 5000, "nested too deeply"),
    ("[[occupation", "not valid TOML"),
])
def test_broken_economy_files(content: str | bytes, fragment: str, tmp_path: Path,
                              cli: Callable[..., Outcome]) -> None:
    outcome = cli("simulate", "--economy", _scenario(tmp_path, content), *SMALL)
    assert_clean_error(outcome, "bad.toml", fragment)


@pytest.mark.parametrize(("override", "fragment"), [
    ("run.periods=true", "run.periods = True"),
    ("ai.enabled=1", "ai.enabled = 1"),
    ("ai.enabled=0", "ai.enabled = 0"),
    ("run.workers=1e3", "run.workers = 1000.0"),
    ("demand.growth_with_labour=2", "demand.growth_with_labour = 2"),
    ("ai.uplift=false", "ai.uplift = False"),
    ("run.seeds=[[[[1]]]]", "run.seeds"),
])
def test_set_is_strict_about_types(override: str, fragment: str,
                                   cli: Callable[..., Outcome]) -> None:
    assert_clean_error(cli("simulate", *SMALL, "--set", override), fragment)


def test_right_types_still_pass(cli: Callable[..., Outcome]) -> None:
    from neijuan.config import load_scenario

    sc = load_scenario("ai-baseline", ["ai.enabled=false", "ai.uplift=1", "run.periods=3",
                                       "demand.eta=2"])
    assert sc.ai.enabled is False and sc.ai.uplift == 1.0 and sc.demand.eta == 2.0


@pytest.mark.parametrize("value", ["0", "-1", "x", "1.5"])
def test_processes_must_be_a_count_or_auto(value: str, cli: Callable[..., Outcome]) -> None:
    outcome = cli("simulate", *SMALL, f"--processes={value}")
    assert outcome.code == 2 and "Traceback" not in outcome.text
    assert "--processes" in outcome.text and "auto" in outcome.text


def test_processes_auto_runs(cli: Callable[..., Outcome]) -> None:
    assert cli("simulate", *SMALL, "--processes", "auto", "--json").code == 0


def test_an_impossible_size_is_refused_with_the_estimate(monkeypatch: pytest.MonkeyPatch,
                                                         cli: Callable[..., Outcome]) -> None:
    import neijuan.sim.model as model

    def never(*args: object, **kwargs: object) -> None:
        raise AssertionError("the population was allocated")

    monkeypatch.setattr(model.LabourMarket, "__init__", never)
    outcome = cli("simulate", "--workers", "200000000", "--periods", "1")
    assert_clean_error(outcome, "GiB", "rows", "fewer workers")


# ------------------------------------------------------------------------------------ --out


@pytest.fixture
def no_run(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail if a simulation starts: the --out guard must answer first."""
    import neijuan.sim.run as run

    def never(*args: object, **kwargs: object) -> None:
        raise AssertionError("the simulation ran before --out was checked")

    monkeypatch.setattr(run, "simulate", never)


def test_out_guard_refuses_before_any_work(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                           no_run: None, cli: Callable[..., Outcome]) -> None:
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.chdir(tmp_path)
    a_file = tmp_path / "file.txt"
    a_file.write_text("keep me")
    foreign = tmp_path / "mine"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("keep me")
    cases = {
        "/": "file-system root", str(home): "home folder", "": "current folder",
        ".": "current folder", str(tmp_path.parent): "current folder",
        str(a_file): "exists and is a file", "/dev/null": "not a folder",
        "/proc/neijuan-x": "cannot create a folder", str(foreign): "not empty",
    }
    for out, fragment in cases.items():
        assert_clean_error(cli("simulate", *SMALL, "--out", out), fragment)
    assert a_file.read_text() == "keep me" and (foreign / "notes.txt").read_text() == "keep me"


def test_out_replaces_its_own_kind_whole_and_refuses_another(
        tmp_path: Path, cli: Callable[..., Outcome]) -> None:
    out = tmp_path / "run"
    assert cli("simulate", *SMALL, "--out", str(out)).code == 0
    first = read_manifest(out, kind="simulation", checksums=True)
    assert sorted(first["files"]) == ["occupations.parquet", "series.parquet", "simulation.json"]
    assert first["files"]["series.parquet"]["rows"] == 3
    assert first["command"].startswith("neijuan simulate") and first["version"]
    assert cli("simulate", *SMALL, "--set", "run.seed=7", "--out", str(out)).code == 0
    second = read_manifest(out, kind="simulation", checksums=True)
    assert second["meta"]["seeds"] == [7]
    assert sorted(p.name for p in out.iterdir()) == sorted([*second["files"], MANIFEST_NAME])
    assert not [p for p in tmp_path.iterdir() if "neijuan-" in p.name]  # no temporaries left
    # an ads analysis is not replaced by a simulation, nor read as one
    with atomic_folder(tmp_path / "ads", kind="ads-analysis") as stage:
        (stage / "ads.parquet").write_bytes(b"x")
    assert_clean_error(cli("simulate", *SMALL, "--out", str(tmp_path / "ads")),
                       "'ads-analysis' result", "--overwrite")
    assert cli("simulate", *SMALL, "--out", str(tmp_path / "ads"), "--overwrite").code == 0
    assert read_manifest(tmp_path / "ads")["kind"] == "simulation"


def test_trends_refuses_foreign_incomplete_and_file_inputs(
        tmp_path: Path, cli: Callable[..., Outcome]) -> None:
    sim = tmp_path / "sim"
    assert cli("simulate", *SMALL, "--out", str(sim)).code == 0
    (sim / "ads.parquet").write_bytes((sim / "series.parquet").read_bytes())
    assert_clean_error(cli("ads", "trends", str(sim)), "'simulation' result")
    bare = tmp_path / "bare"
    bare.mkdir()
    (bare / "ads.parquet").write_bytes(b"PAR1")
    assert_clean_error(cli("ads", "trends", str(bare)), MANIFEST_NAME)
    with atomic_folder(tmp_path / "cut", kind="ads-analysis") as stage:
        (stage / "ads.parquet").write_bytes(b"PAR1" * 10)
        (stage / "summary.json").write_text("{}")
    (tmp_path / "cut" / "summary.json").unlink()
    assert_clean_error(cli("ads", "trends", str(tmp_path / "cut")), "incomplete", "summary.json")
    with (tmp_path / "cut" / "ads.parquet").open("ab") as fh:
        fh.write(b"more")
    with pytest.raises(DataError, match="bytes"):
        read_manifest(tmp_path / "cut")


def test_leftovers_of_a_dead_run_are_cleaned_and_an_interrupted_swap_is_undone(
        tmp_path: Path) -> None:
    dead = 2**22 + 12345  # above the default pid_max: no such process
    target = tmp_path / "out"
    tmp_left = tmp_path / f".out.neijuan-tmp-{dead}-abcd"
    tmp_left.mkdir()
    (tmp_left / "series.parquet").write_bytes(b"half")
    live = tmp_path / f".out.neijuan-tmp-{os.getpid()}-live"
    live.mkdir()
    old = tmp_path / f".out.neijuan-old-{dead}-abcd"
    with atomic_folder(tmp_path / "elsewhere", kind="simulation") as stage:
        (stage / "a.json").write_text("{}")
    (tmp_path / "elsewhere").rename(old)
    clean_leftovers(target)
    assert not tmp_left.exists() and live.exists()  # a running writer's folder is left alone
    assert read_manifest(target)["kind"] == "simulation"  # the old result is back, whole


def test_files_never_replace_a_device_or_a_folder(tmp_path: Path,
                                                  cli: Callable[..., Outcome]) -> None:
    from neijuan.atomic import write_json

    with pytest.raises(DataError, match="not a regular file"):
        write_json("/dev/null", {"x": 1})
    assert Path("/dev/null").is_char_device()
    with pytest.raises(DataError, match="not a regular file"):
        write_json(tmp_path, {"x": 1})
    for out, fragment in (("/", "file-system root"), ("/dev/null", "not a folder")):
        assert_clean_error(cli("ads", "trends", str(tmp_path), "--out", out), fragment)


def test_check_out_dir_allows_new_and_own_folders(tmp_path: Path) -> None:
    assert check_out_dir(tmp_path / "new" / "deeper", kind="simulation")
    empty = tmp_path / "empty"
    empty.mkdir()
    assert check_out_dir(empty, kind="simulation") == empty


# ------------------------------------------------------------------------- error boundary


def test_an_unexpected_failure_is_one_line_and_debug_shows_the_traceback(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cli: Callable[..., Outcome]) -> None:
    import neijuan.sim.run as run

    def bug(*args: object, **kwargs: object) -> None:
        raise TypeError("a bug")

    monkeypatch.setattr(run, "simulate", bug)
    outcome = cli("simulate", *SMALL)
    assert outcome.code == 3 and "Traceback" not in outcome.text
    assert "internal error" in outcome.err and "--debug" in outcome.err
    for failure, fragment in ((MemoryError("Unable to allocate 6 GiB"), "out of memory"),
                              (PermissionError(13, "Permission denied", "/x"),
                               "/x: Permission denied"),
                              (RecursionError(), "nested too deeply")):
        def fail(*args: object, exc: BaseException = failure, **kwargs: object) -> None:
            raise exc

        monkeypatch.setattr(run, "simulate", fail)
        assert_clean_error(cli("simulate", *SMALL), fragment)
    # --debug, in a real process: the traceback is shown
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    proc = subprocess.run(
        [sys.executable, "-c", "from neijuan.cli import main; main()", "simulate", "--scenario",
         _scenario(tmp_path, b"\xff\xfe"), "--debug"],
        capture_output=True, text=True, env=env, timeout=120, check=False)
    assert proc.returncode != 0 and "Traceback" in proc.stderr and "ConfigError" in proc.stderr
    proc = subprocess.run(
        [sys.executable, "-c", "from neijuan.cli import main; main()", "simulate", "--scenario",
         _scenario(tmp_path, b"\xff\xfe")],
        capture_output=True, text=True, env=env, timeout=120, check=False)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1


def test_manifest_is_json_with_the_promised_fields(tmp_path: Path) -> None:
    import polars as pl

    with atomic_folder(tmp_path / "r", kind="simulation", command="neijuan x",
                       meta={"k": 1}) as stage:
        pl.DataFrame({"a": [1, 2, 3]}).write_parquet(stage / "t.parquet")
        pl.DataFrame({"a": [1, 2]}).write_csv(stage / "t.csv")
    manifest = json.loads((tmp_path / "r" / MANIFEST_NAME).read_text())
    assert manifest["neijuan_manifest"] == 1 and manifest["command"] == "neijuan x"
    assert manifest["files"]["t.parquet"]["rows"] == 3 and manifest["files"]["t.csv"]["rows"] == 2
    assert len(manifest["files"]["t.csv"]["sha256"]) == 64 and manifest["meta"] == {"k": 1}
    with pytest.raises(RuntimeError), atomic_folder(tmp_path / "r", kind="simulation") as stage:
        (stage / "t.parquet").write_bytes(b"new, half")
        raise RuntimeError("crash")
    assert read_manifest(tmp_path / "r", checksums=True)["command"] == "neijuan x"  # old, whole
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r"]


@pytest.mark.parametrize("says_why", [False, True])
def test_a_ctrl_c_in_a_command_says_interrupted_once(
        says_why: bool, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    """Typer ends a command that a Ctrl-C stops with exit 130 and no word, so ``neijuan
    simulate`` stopped silently; the CLI now says 'interrupted'. A command that says why it
    stopped (a sweep: how many rows are stored) and raises its own exit is not repeated."""
    import typer

    import neijuan.cli as cli

    app = typer.Typer()

    @app.command()
    def work() -> None:
        if says_why:
            typer.echo("stopped: 4 of 10 rows are stored", err=True)
            raise typer.Exit(130)
        raise KeyboardInterrupt

    @app.command()
    def other() -> None:  # (two commands: the first is not the app's only one)
        pass

    monkeypatch.setattr(cli, "app", app)
    monkeypatch.setattr(sys, "argv", ["neijuan", "work"])
    with pytest.raises(SystemExit) as stop:
        cli.main()
    err = capsys.readouterr().err
    assert stop.value.code == 130
    assert ("interrupted" in err) != says_why
    assert ("rows are stored" in err) == says_why
