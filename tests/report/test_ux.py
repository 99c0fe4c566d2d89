"""The light helpers of the command line: suggestions, resolved scenarios, the engine cache."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from neijuan.config import list_scenarios, load_scenario
from neijuan.errors import ConfigError
from neijuan.ux import (
    check_scenario_name,
    did_you_mean,
    engine_compiled,
    parameter_table,
    resolved_toml,
)


def test_did_you_mean() -> None:
    assert did_you_mean("jevon", ["jevons", "geertz"]) == " (did you mean 'jevons'?)"
    assert did_you_mean("zzz", ["jevons", "geertz"]) == ""
    with pytest.raises(ConfigError, match="did you mean 'ai-baseline'"):
        check_scenario_name("ai-basline")
    check_scenario_name("my/own.toml")   # paths are left to the loader


@pytest.mark.parametrize("name", sorted(list_scenarios()))
def test_every_resolved_scenario_loads_back_the_same(name: str, tmp_path: Path) -> None:
    path = tmp_path / f"{name}-copy.toml"
    path.write_text(resolved_toml(load_scenario(name)))
    again = load_scenario(path)
    assert again.params() == load_scenario(name).params()


def test_parameter_table_has_every_field_with_bounds() -> None:
    rows = {r["key"]: r for r in parameter_table(load_scenario("ai-baseline"))}
    assert rows["contest.r"]["min"] == 0.0 and rows["contest.r"]["min_open"]
    assert rows["contest.r"]["max"] == 3.0
    assert rows["contest.rule"]["choices"] == ["tullock", "top_m"]
    assert all(r["description"] for r in rows.values())


def test_engine_cache_detection(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import neijuan.ux as ux

    monkeypatch.setenv("NUMBA_CACHE_DIR", str(tmp_path))
    fake_src = tmp_path / "src" / "kernels.py"
    fake_src.parent.mkdir()

    class Spec:
        origin = str(fake_src)

    monkeypatch.setattr("importlib.util.find_spec", lambda name: Spec())
    assert not ux.engine_compiled()
    (tmp_path / "x").mkdir()
    (tmp_path / "x" / "kernels.settle_pass-561.py311.nbi").write_bytes(b"")
    assert ux.engine_compiled()
    assert engine_compiled is ux.engine_compiled


def test_the_compile_bar_appears_only_when_the_engine_compiles(
        monkeypatch: pytest.MonkeyPatch) -> None:
    import io

    from rich.console import Console

    import neijuan.sim.run as run
    import neijuan.ux as ux

    def cold(progress: Callable[[int, int], None] | None = None) -> bool:
        assert progress is not None
        for done in range(1, 4):
            progress(done, 3)
        return True

    out = io.StringIO()
    monkeypatch.setattr(run, "compile_engine", cold)
    assert ux.compile_engine_with_progress(Console(file=out, width=100))
    assert "compiled the engine in" in out.getvalue()
    warm_out = io.StringIO()
    monkeypatch.setattr(run, "compile_engine", lambda progress=None: False)
    assert not ux.compile_engine_with_progress(Console(file=warm_out, width=100))
    assert warm_out.getvalue() == ""
