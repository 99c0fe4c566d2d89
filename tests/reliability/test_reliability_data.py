"""Damaged data files against every command that reads them: refused by name, or used only when
allowed and then flagged on screen and in provenance; never a traceback, never a silent change.

Works on copies: links to the real files in a temporary folder, the damaged file written beside
them (the shared data folder is read-only and never touched). Skipped without the real data.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from reliability_corpus import DAMAGES, Outcome, assert_clean_error, data_folder, flip_bytes

from neijuan.atlas.inputs import INPUT_FILES

# The files the issue found silently changing results, and the two workbooks that crashed.
FILES = (
    "onet_29_3/Task Statements.txt", "onet_29_3/Occupation Data.txt",
    "gpts_are_gpts/full_labelset.tsv", "crosswalks/onet_soc_2010_to_2019_crosswalk.csv",
    "bls_oews/national_M2021_dl.csv", "bls_oews/national_M2015_dl.csv",
    "anthropic_economic_index_2025_02/onet_task_mappings.csv",
    "bls_oews/national_M2024_dl.xlsx", "onet_29_3/Tasks to DWAs.xlsx",
)
TEXT_ONLY = ("half the lines", "header only", "renamed column")
COMMANDS = (
    ("atlas", "show", "23-1011", "--tasks", "2"),
    ("atlas", "claims", "--json"),
    ("atlas", "coverage"),
    ("simulate", "--economy", "onet", "--workers", "500", "--periods", "1", "--json"),
)


def _cases() -> list[tuple[str, str]]:
    return [(rel, name) for rel in FILES for name in DAMAGES
            if not (rel.endswith(".xlsx") and name in TEXT_ONLY)]


@pytest.mark.parametrize(("rel", "damage"), _cases())
def test_every_command_refuses_a_damaged_file_by_name(
        rel: str, damage: str, real_data_dir: Path, tmp_path: Path,
        cli: Callable[..., Outcome]) -> None:
    bad = DAMAGES[damage]((real_data_dir / rel).read_bytes())
    folder = data_folder(tmp_path / "data", real_data_dir, INPUT_FILES, {rel: bad})
    for command in COMMANDS:
        outcome = cli(*command, "--data-dir", str(folder))
        assert_clean_error(outcome, Path(rel).name, "--allow-modified-data")


# With --allow-modified-data the structural checks still refuse what is plainly broken.
@pytest.mark.parametrize(("rel", "damage", "fragment"), [
    ("onet_29_3/Task Statements.txt", "truncated mid-line", "looks truncated"),
    ("onet_29_3/Task Statements.txt", "half the lines", "rows, outside 0.8-1.5"),
    ("onet_29_3/Task Statements.txt", "header only", "rows, outside"),
    ("onet_29_3/Task Statements.txt", "binary", "binary content"),
    ("onet_29_3/Occupation Data.txt", "renamed column", "'O*NET-SOC Code' not found"),
    ("gpts_are_gpts/full_labelset.tsv", "half the lines", "rows, outside"),
    ("crosswalks/onet_soc_2010_to_2019_crosswalk.csv", "truncated mid-line", "truncated"),
    ("bls_oews/national_M2015_dl.csv", "half the lines", "rows, outside"),
    ("bls_oews/national_M2024_dl.xlsx", "bytes flipped", "damaged workbook"),
    ("bls_oews/national_M2024_dl.xlsx", "truncated mid-line", "damaged workbook"),
    ("onet_29_3/Tasks to DWAs.xlsx", "tail zeroed", "damaged workbook"),
    ("onet_29_3/Tasks to DWAs.xlsx", "binary", "damaged workbook"),
])
def test_allowed_but_broken_is_still_refused(rel: str, damage: str, fragment: str,
                                             real_data_dir: Path, tmp_path: Path,
                                             cli: Callable[..., Outcome]) -> None:
    bad = DAMAGES[damage]((real_data_dir / rel).read_bytes())
    folder = data_folder(tmp_path / "data", real_data_dir, INPUT_FILES, {rel: bad})
    outcome = cli("--allow-modified-data", "atlas", "show", "23-1011", "--data-dir", str(folder))
    assert_clean_error(outcome, Path(rel).name, fragment)


@pytest.fixture(scope="module")
def flipped(real_data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Bytes flipped in two files: same size, same layout, different text."""
    rels = ("onet_29_3/Task Statements.txt",
            "anthropic_economic_index_2025_02/onet_task_mappings.csv")
    damaged = {rel: flip_bytes((real_data_dir / rel).read_bytes()) for rel in rels}
    return data_folder(tmp_path_factory.mktemp("flipped"), real_data_dir, INPUT_FILES, damaged)


def test_allowed_modified_data_is_flagged_on_screen_and_in_provenance(
        flipped: Path, cli: Callable[..., Outcome]) -> None:
    refused = cli("atlas", "show", "23-1011", "--data-dir", str(flipped))
    assert_clean_error(refused, "Task Statements.txt", "same size, different SHA-256")

    shown = cli("atlas", "show", "23-1011", "--tasks", "1", "--data-dir", str(flipped),
                "--allow-modified-data")  # the flag is accepted after the command too
    assert shown.code == 0, shown.text
    assert "MODIFIED data" in shown.err and "Task Statements.txt" in shown.err

    claims = cli("--allow-modified-data", "atlas", "claims", "--json", "--data-dir", str(flipped))
    assert claims.code == 0, claims.text
    check = json.loads(claims.out)["provenance"]["data_check"]
    assert check["status"] == "modified-allowed"
    assert sorted(check["modified"]) == sorted(
        ["onet_29_3/Task Statements.txt",
         "anthropic_economic_index_2025_02/onet_task_mappings.csv"])
    assert "MODIFIED data" in claims.err

    sim = cli("--allow-modified-data", "simulate", "--economy", "onet", "--workers", "500",
              "--periods", "1", "--set", "run.burn_in=1", "--json", "--data-dir", str(flipped))
    assert sim.code == 0, sim.text
    flag = json.loads(sim.out)["provenance"]["economy"]["data_check"]
    assert flag.startswith("modified-allowed") and "Task Statements.txt" in flag
    assert "MODIFIED data" in sim.err


def test_real_data_is_verified_and_says_so(real_data_dir: Path, tmp_path: Path,
                                           cli: Callable[..., Outcome]) -> None:
    folder = data_folder(tmp_path / "data", real_data_dir, INPUT_FILES, {})
    claims = cli("atlas", "claims", "--json", "--data-dir", str(folder))
    assert claims.code == 0, claims.text
    check = json.loads(claims.out)["provenance"]["data_check"]
    assert check == {"status": "verified", "files_checked": len(INPUT_FILES), "modified": []}
    assert "MODIFIED" not in claims.err


def test_a_mismatched_release_fails_the_coverage_floors(real_data_dir: Path, tmp_path: Path,
                                                        cli: Callable[..., Outcome]) -> None:
    """Whole, well-formed, right size, but a third of the tasks carry codes no other source
    knows: only the joins can tell, and their coverage falls below the floors."""
    rel = "onet_29_3/Task Statements.txt"
    lines = (real_data_dir / rel).read_bytes().split(b"\n")
    for i in range(1, len(lines), 3):
        if lines[i]:
            lines[i] = b"99-9999.00" + lines[i][len(b"99-9999.00"):]
    folder = data_folder(tmp_path / "data", real_data_dir, INPUT_FILES, {rel: b"\n".join(lines)})
    (folder / "neijuan-release.toml").write_text('name = "my O*NET edit"\n', encoding="utf-8")
    outcome = cli("atlas", "show", "23-1011", "--data-dir", str(folder))
    assert_clean_error(outcome, "coverage floors", "Task Statements.txt")


def test_a_declared_release_is_flagged_and_checked(real_data_dir: Path, tmp_path: Path,
                                                   cli: Callable[..., Outcome]) -> None:
    from neijuan.data.verify import check_inputs, declare_release
    from neijuan.errors import DataError

    rel = "onet_29_3/Task Statements.txt"
    folder = data_folder(tmp_path / "data", real_data_dir, INPUT_FILES,
                         {rel: flip_bytes((real_data_dir / rel).read_bytes())})
    declare_release(folder, "edited tasks", "1", rels=[rel])
    with pytest.warns(UserWarning, match="data release 'edited tasks'"):
        check = check_inputs(folder, INPUT_FILES)
    assert check.as_dict()["status"] == "user-release" and check.modified == [rel]
    (folder / rel).write_bytes(flip_bytes((folder / rel).read_bytes()))  # changed again
    with pytest.raises(DataError, match="changed since the release 'edited tasks'"):
        check_inputs(folder, INPUT_FILES)
    outcome = cli("atlas", "show", "23-1011", "--data-dir", str(folder))
    assert_clean_error(outcome, "Task Statements.txt", "changed since the release")


def test_a_warm_check_costs_nothing(real_data_dir: Path, monkeypatch: pytest.MonkeyPatch
                                    ) -> None:
    """A warm check reads no file's bytes: the hashes come from the cache keyed by size and
    mtime. (Counted, not timed: a time bound failed on a busy shared machine.)"""
    from neijuan.data import verify

    verify.check_inputs(real_data_dir, INPUT_FILES)  # cold: hashes once, caches by size and mtime
    hashed: list[Path] = []
    real_hash = verify.sha256_file
    monkeypatch.setattr(verify, "sha256_file",
                        lambda path: hashed.append(Path(path)) or real_hash(path))
    for _ in range(10):
        assert verify.check_inputs(real_data_dir, INPUT_FILES).verified
    assert hashed == []
    # (the count sees a hash: a file whose mtime moved is hashed again)
    verify.cached_sha256(real_data_dir / INPUT_FILES[0], cache={})
    assert hashed == [real_data_dir / INPUT_FILES[0]]


def test_ads_analyze_checks_the_files_of_its_occupation_mapper(
        real_data_dir: Path, tmp_path: Path, cli: Callable[..., Outcome]) -> None:
    rels = ("onet_29_3/Occupation Data.txt", "esco_1_2_0/occupations_en.csv",
            "nesta_career_causeways/esco_onet_crosswalk_Nov2020.csv",
            "crosswalks/onet_soc_2010_to_2019_crosswalk.csv")
    bad = flip_bytes((real_data_dir / rels[0]).read_bytes())
    folder = data_folder(tmp_path / "data", real_data_dir, rels, {rels[0]: bad})
    ads = tmp_path / "ads.csv"
    ads.write_text("id,date,title,text\n1,2024-01-05,Lawyer,Draft contracts with ChatGPT\n",
                   encoding="utf-8")
    refused = cli("ads", "analyze", str(ads), "--out", str(tmp_path / "o"), "--data-dir",
                  str(folder))
    assert_clean_error(refused, "Occupation Data.txt", "--allow-modified-data")
    assert not (tmp_path / "o").exists()
    allowed = cli("ads", "analyze", str(ads), "--out", str(tmp_path / "o"), "--data-dir",
                  str(folder), "--allow-modified-data")
    assert allowed.code == 0, allowed.text
    summary = json.loads((tmp_path / "o" / "summary.json").read_text(encoding="utf-8"))
    notes = summary["provenance"]["occupation_mapper"]["notes"]
    assert any("MODIFIED data" in n and "Occupation Data.txt" in n for n in notes)
    assert "MODIFIED data" in allowed.text
