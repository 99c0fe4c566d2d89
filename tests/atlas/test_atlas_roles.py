"""Human-role classification: verb rule, DWA vote, tie-break, fallback; agreement metrics."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from neijuan.atlas.catalog import load_catalog
from neijuan.atlas.roles import RULES_PATH, classify_tasks, load_rules, role_agreement
from neijuan.errors import ConfigError

DWA_REF = pl.DataFrame({
    "dwa_id": ["d.plan", "d.check", "d.lift", "d.record"],
    "gwa_id": ["4.A.2.b.4", "4.A.2.a.3", "4.A.3.a.2", "4.A.3.b.6"],
})


def _classify(rows: list[tuple[int, str, str]], links: list[tuple[int, str]]) -> dict[int, tuple]:
    tasks = pl.DataFrame({"soc": [r[1] for r in rows], "task_id": [r[0] for r in rows],
                          "statement": [r[2] for r in rows]})
    dwas = pl.DataFrame({"task_id": [t for t, _ in links], "dwa_id": [d for _, d in links]},
                        schema={"task_id": pl.Int64, "dwa_id": pl.String})
    out = classify_tasks(tasks, dwas, DWA_REF)
    return {r["task_id"]: (r["human_role"], r["human_role_method"])
            for r in out.iter_rows(named=True)}


def test_verb_alone_dwa_alone_and_both() -> None:
    got = _classify(
        [(1, "a", "Review invoices for accuracy."), (2, "a", "Move boxes to the dock."),
         (3, "a", "Sweep floors."), (4, "b", "Quantify things."),
         (5, "a", "Design new layouts.")],
        [(2, "d.lift"), (3, "d.lift"), (5, "d.check")])
    assert got[1] == ("confirm", "verb")
    assert got[2] == ("hands_on", "verb+dwa")  # 'move' and a lifting DWA agree
    assert got[3] == ("hands_on", "dwa")  # 'sweep' is not listed: the DWA decides
    # a verb (0.75) beats a single disagreeing DWA? No: one DWA scores 1.0 > 0.75
    assert got[5] == ("confirm", "verb+dwa")
    # no verb, no DWA: the occupation's most common class ('b' has none: default)
    assert got[4] == ("confirm", "default")


def test_verb_wins_when_dwas_split() -> None:
    got = _classify([(1, "a", "Plan the weekly menu.")], [(1, "d.check"), (1, "d.lift")])
    # originate 0.75 vs confirm 0.5 vs hands_on 0.5
    assert got[1] == ("originate", "verb+dwa")


def test_occupation_fallback() -> None:
    got = _classify([(1, "a", "Inspect welds."), (2, "a", "Inspect seams."), (3, "a", "Xyz.")],
                    [])
    assert got[3] == ("confirm", "occupation")


def test_rules_file_is_checked(tmp_path: Path) -> None:
    bad = tmp_path / "rules.toml"
    text = RULES_PATH.read_text()
    bad.write_text(text.replace('"approve", "audit"', '"approve", "advise"'))
    with pytest.raises(ConfigError, match="'advise' is listed under both"):
        load_rules(bad)


def test_every_gwa_of_the_dwa_reference_is_mapped() -> None:
    rules = load_rules()
    assert set(rules.gwa.values()) <= set(rules.classes)
    assert len(rules.gwa) >= 37


def test_agreement_perfect_and_chance() -> None:
    perfect = pl.DataFrame({"human_role": ["originate", "confirm", "hands_on", "confirm"],
                            "has": [4.0, 1.0, 5.0, 2.0]})
    a = role_agreement(perfect, "has")
    assert a["accuracy"] == 1.0 and a["kappa"] == pytest.approx(1.0) and a["auc"] == 1.0
    reversed_ = perfect.with_columns(pl.Series("has", [1.0, 4.0, 2.0, 5.0]))
    r = role_agreement(reversed_, "has")
    assert r["auc"] == 0.0 and r["kappa"] < 0


def test_catalog_rules() -> None:
    cat = load_catalog()
    beta = cat.get("eloundou_gpt4_beta")
    assert beta.exposed(0.5) and not beta.exposed(0.25)
    with pytest.raises(ConfigError, match="unknown index 'nope'"):
        cat.get("nope")
    names = [i.name for i in cat.indices]
    assert len(names) == len(set(names))
    assert {i.construct for i in cat.indices} >= {"potential exposure", "observed usage",
                                                 "desired agency", "automation risk"}
