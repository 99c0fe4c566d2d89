"""The command line, as a user meets it."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from neijuan.cli import app

runner = CliRunner()
SMALL = ["--workers", "1500", "--periods", "6", "--set", "run.burn_in=4"]


def test_scenarios_lists_one_line_each() -> None:
    result = runner.invoke(app, ["scenarios"])
    assert result.exit_code == 0
    for name in ("geertz", "ai-baseline", "jevons", "augment-first", "automate-first",
                 "agency-preserving"):
        assert name in result.output


def test_simulate_json_has_the_promised_shape() -> None:
    result = runner.invoke(app, ["simulate", "--scenario", "ai-baseline", "--json", *SMALL,
                                 "--seeds", "2", "--processes", "1"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert {"scenario", "seeds", "version", "params", "figures"} <= set(data)
    assert data["scenario"] == "ai-baseline" and data["seeds"] == [0, 1]
    for name in ("involution_index", "productivity_growth", "employment_growth",
                 "effort_per_position", "rent_dissipation", "agency_index",
                 "retained_not_needed_share", "blame_authority_gap", "ai_wage_premium",
                 "degree_required_share", "wage_gini", "polarization_low", "polarization_mid",
                 "polarization_high"):
        fig = data["figures"][name]
        assert fig["lo"] <= fig["mean"] <= fig["hi"]
    assert data["params"]["run"]["workers"] == 1500


def test_simulate_table_and_out_dir(tmp_path: Path) -> None:
    out = tmp_path / "run"
    result = runner.invoke(app, ["simulate", *SMALL, "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "involution_index" in result.output
    series = pl.read_parquet(out / "series.parquet")
    assert series.height == 10 and "effort_per_position" in series.columns
    occupations = pl.read_parquet(out / "occupations.parquet")
    assert occupations["occupation"].n_unique() > 10
    summary = json.loads((out / "simulation.json").read_text())
    assert summary["provenance"]["code_version"]
    assert not list(out.glob(".*.tmp"))  # atomic writes leave no temporaries


def _run_main(args: list[str], monkeypatch: pytest.MonkeyPatch) -> int:
    from neijuan.cli import main  # the entry point turns user errors into exit status 2

    monkeypatch.setattr(sys, "argv", ["neijuan", *args])
    with pytest.raises(SystemExit) as exc:
        main()
    return int(exc.value.code or 0)


@pytest.mark.parametrize(("args", "fragments"), [
    (["--set", "contest.r=9"], ["contest.r = 9", "<= 3"]),
    (["--set", "contest.rr=1"], ["unknown key 'contest.rr'", "effort_cost"]),
    (["--scenario", "utopia"], ["unknown scenario 'utopia'", "jevons"]),
    (["--scenario", "missing/file.toml"], ["does not exist"]),
    (["--workers", "10"], ["run.workers = 10", ">= 100"]),
])
def test_bad_input_is_a_one_line_error(args: list[str], fragments: list[str],
                                       monkeypatch: pytest.MonkeyPatch,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    assert _run_main(["simulate", *args], monkeypatch) == 2
    err = capsys.readouterr().err
    for fragment in fragments:
        assert fragment in err
    assert "Traceback" not in err


def test_a_run_too_big_for_memory_is_refused_before_allocating(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    import neijuan.sim.state as state

    monkeypatch.setattr(state, "available_memory", lambda: 1 << 30)  # 1 GiB
    allocated: list[int] = []
    real = state.Population.allocate
    monkeypatch.setattr(state.Population, "allocate",
                        classmethod(lambda cls, n, records=True: allocated.append(n)
                                    or real(n, records)))
    assert _run_main(["simulate", "--workers", "50000000"], monkeypatch) == 2
    err = capsys.readouterr().err
    assert "GiB" in err and "run.workers" in err
    assert not allocated


def test_every_run_figure_is_presented_once() -> None:
    from neijuan.sim.figures import GROUPS, RUN_FIGURES

    shown = [name for names in GROUPS.values() for name in names]
    assert sorted(shown) == sorted(RUN_FIGURES)
