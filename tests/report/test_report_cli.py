"""The commands a newcomer meets: report, compare, --version, scenarios --show --resolved."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from neijuan.cli import app

runner = CliRunner()


def test_version() -> None:
    out = runner.invoke(app, ["--version"])
    assert out.exit_code == 0 and out.output.startswith("neijuan ")


def test_public_namespace_is_clean() -> None:
    import subprocess
    import sys

    import neijuan

    # a fresh interpreter: here other tests have imported subpackages (which become attributes)
    done = subprocess.run([sys.executable, "-c", "import neijuan; print(sorted(n for n in "
                           "vars(neijuan) if not n.startswith('_')))"], capture_output=True,
                          text=True, timeout=60, check=True)
    assert done.stdout.strip() == "[]"
    assert set(dir(neijuan)) == set(neijuan.__all__)
    for name in neijuan.__all__:
        assert getattr(neijuan, name) is not None


def test_resolved_scenario_round_trips(tmp_path: Path) -> None:
    from neijuan.config import load_scenario

    out = runner.invoke(app, ["scenarios", "--show", "jevons", "--resolved"])
    assert out.exit_code == 0, out.output
    assert "# price pass-through elasticity" in out.output  # meaning of every parameter
    assert "allowed: >= 0.0, <= 2.0" in out.output           # and its range
    path = tmp_path / "mine.toml"
    path.write_text(out.output)
    assert load_scenario(path).params() == load_scenario("jevons").params()


def test_did_you_mean() -> None:
    for args in (["simulate", "-s", "jevon"], ["scenarios", "--show", "jevon"],
                 ["compare", "ai-baseline", "jevon"]):
        out = runner.invoke(app, args)
        assert out.exit_code != 0
        assert "did you mean 'jevons'" in str(out.exception), args


def test_errors_come_before_the_engine() -> None:
    import subprocess
    import sys

    code = ("import sys\nfrom neijuan.cli import main\ntry:\n    main()\nexcept SystemExit as e:"
            "\n    print('numba' in sys.modules, 'neijuan.sim.run' in sys.modules, e.code)")
    done = subprocess.run([sys.executable, "-c", code, "simulate", "--set", "contest.r=9"],
                          capture_output=True, text=True, timeout=60)
    assert "contest.r = 9" in done.stderr
    # refused before the engine (Numba) was imported: the error comes at once
    assert done.stdout.split() == ["False", "False", "2"], done.stdout


def test_report_refuses_bad_options(tmp_path: Path) -> None:
    for args, message in ((["--lang", "fr"], "--lang"), (["--out", str(tmp_path / "r.pdf")],
                                                          "*.html"),
                          (["--ads", str(tmp_path / "none")], "--ads")):
        out = runner.invoke(app, ["report", *args])
        assert out.exit_code != 0 and message in str(out.exception), args
    out = runner.invoke(app, ["compare", "ai-baseline"])
    assert "at least two" in str(out.exception)


def test_compare_writes_table_and_page(tmp_path: Path) -> None:
    target = tmp_path / "cmp.html"
    out = runner.invoke(app, ["compare", "ai-baseline", "jevons", "--workers", "2000",
                              "--periods", "8", "--seeds", "2", "--set", "run.burn_in=8",
                              "--group", "involution", "--out", str(target)])
    assert out.exit_code == 0, out.output
    assert "involution_index" in out.output and "jevons" in out.output
    assert "[" in out.output  # the effect's interval
    assert target.read_text().startswith("<!DOCTYPE html>")


@pytest.mark.slow
def test_report_command_zh(tmp_path: Path) -> None:
    target = tmp_path / "r.html"
    out = runner.invoke(app, ["report", "--out", str(target), "--workers", "2000",
                              "--periods", "8", "--seeds", "2", "--set", "run.burn_in=8"])
    assert out.exit_code == 0, out.output
    html = target.read_text(encoding="utf-8")
    assert '<html lang="zh-CN">' in html and "内卷" in html
