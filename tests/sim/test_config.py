"""Scenario validation: every bad input is refused with the key, the value and what is allowed."""

from __future__ import annotations

from pathlib import Path

import pytest

from neijuan.config import Scenario, list_scenarios, load_scenario, scenario_text
from neijuan.errors import ConfigError

SHIPPED = {"geertz", "ai-baseline", "jevons", "augment-first", "automate-first",
           "agency-preserving"}


def test_every_shipped_scenario_loads_and_has_a_description() -> None:
    known = list_scenarios()
    assert set(known) >= SHIPPED
    for name in known:
        sc = load_scenario(name)
        assert sc.name == name
        assert known[name], f"{name} has no description"


def test_extends_merges_parent_values() -> None:
    base = load_scenario("ai-baseline")
    jevons = load_scenario("jevons")
    assert jevons.demand.eta is not None and jevons.demand.eta * jevons.demand.kappa > 1
    assert base.demand.eta is None
    assert jevons.ai == base.ai  # the same AI
    assert load_scenario("automate-first").ai.automation_bias > 0 > load_scenario(
        "augment-first").ai.automation_bias


def test_unknown_scenario_lists_the_known_ones() -> None:
    with pytest.raises(ConfigError) as err:
        load_scenario("no-such-world")
    message = str(err.value)
    assert "no-such-world" in message
    for name in SHIPPED:
        assert name in message


@pytest.mark.parametrize(("override", "fragments"), [
    ({"contest.r": 5.0}, ["contest.r", "5.0", "<= 3"]),
    ({"run.workers": 10}, ["run.workers", "10", ">= 100"]),
    ({"labour.growth": "fast"}, ["labour.growth", "fast"]),
    ({"contest.rule": "auction"}, ["contest.rule", "auction", "tullock"]),
])
def test_out_of_range_and_wrong_type_are_refused(override: dict[str, object],
                                                 fragments: list[str]) -> None:
    with pytest.raises(ConfigError) as err:
        load_scenario("ai-baseline", override)
    for fragment in fragments:
        assert fragment in str(err.value)


def test_unknown_key_names_the_allowed_ones() -> None:
    with pytest.raises(ConfigError) as err:
        load_scenario("ai-baseline", {"contest.rr": 1.0})
    assert "contest.rr" in str(err.value)
    assert "effort_cost" in str(err.value)
    with pytest.raises(ConfigError, match=r"section\.key"):
        load_scenario("ai-baseline", {"nosection.r": 1.0})


def test_string_overrides_are_parsed_as_toml_values() -> None:
    sc = load_scenario("ai-baseline", ["contest.r=0.5", "contest.rule=top_m",
                                       "ai.enabled=false", 'economy.name="builtin"'])
    assert sc.contest.r == 0.5 and sc.contest.rule == "top_m" and sc.ai.enabled is False
    with pytest.raises(ConfigError, match=r"section\.key=value"):
        load_scenario("ai-baseline", ["contest.r"])


def test_a_copied_file_with_an_unknown_key_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "mine.toml"
    path.write_text(scenario_text("jevons").replace("[demand]", "[demand]\nelasticity = 2"))
    with pytest.raises(ConfigError) as err:
        load_scenario(path)
    assert "demand.elasticity" in str(err.value) and "eta" in str(err.value)


def test_a_copied_file_runs_with_its_parent(tmp_path: Path) -> None:
    path = tmp_path / "mine.toml"
    path.write_text('name = "mine"\nextends = "ai-baseline"\n[contest]\nr = 0.7\n')
    sc = load_scenario(path)
    assert sc.name == "mine" and sc.contest.r == 0.7
    assert sc.ai == load_scenario("ai-baseline").ai


def test_inconsistent_capability_path_is_refused() -> None:
    with pytest.raises(ConfigError, match="capability_end"):
        load_scenario("ai-baseline", {"ai.capability_start": 0.9, "ai.capability_end": 0.2})


def test_params_round_trip() -> None:
    sc = load_scenario("geertz")
    again = Scenario.model_validate({"name": sc.name, "description": sc.description,
                                     **sc.params()})
    assert again == sc


def test_a_misspelt_key_gets_a_suggestion() -> None:
    from neijuan.config import load_scenario

    with pytest.raises(ConfigError, match=r"did you mean 'demand\.kappa'"):
        load_scenario("ai-baseline", {"demand.kapa": 0.5})
    with pytest.raises(ConfigError, match=r"did you mean 'demand\.kappa'"):
        load_scenario("ai-baseline", ["demnd.kappa=0.5"])
