"""The built-in economy file: complete, consistent, and validated."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from neijuan.errors import ConfigError
from neijuan.sim.economy import builtin_economy, read_economy_file

FIXTURES = Path(__file__).parent / "fixtures"


def test_builtin_economy_is_consistent() -> None:
    econ = builtin_economy()
    assert 12 <= econ.n_occ <= 30
    assert set(np.unique(econ.occ_tier)) == {0, 1, 2, 3}
    assert np.isclose(econ.occ_share.sum(), 1.0)
    assert np.isclose((econ.occ_share * econ.occ_wage).sum(), 1.0)  # mean wage is the unit
    time = np.bincount(econ.task_occ, weights=econ.task_share)
    assert np.allclose(time, 1.0)
    assert np.all(econ.task_automation + econ.task_augmentation <= 1.0 + 1e-12)
    assert np.allclose(econ.mobility.sum(axis=1), 1.0)
    assert econ.mobility.shape == (econ.n_occ + 2, econ.n_occ)
    # AI thresholds are ordered like the published exposure (Eloundou beta): occupations more
    # exposed have more of their time in tasks AI can do early
    early = np.bincount(econ.task_occ, weights=econ.task_share * (econ.task_threshold <= 0.4))
    codes = dict(zip(econ.occ_ids, early, strict=True))
    assert codes["customer_service"] > codes["registered_nurse"] > codes["construction_laborer"]


def test_bad_economy_files_are_refused(tmp_path: Path) -> None:
    text = (FIXTURES / "one_occupation.toml").read_text()
    bad = tmp_path / "bad.toml"
    bad.write_text(text.replace("share = 1.0", "share = 0.7"))
    with pytest.raises(ConfigError, match=r"task shares sum to 0\.7"):
        read_economy_file(bad)
    bad.write_text(text.replace('sector = "all"', 'sector = "nowhere"'))
    with pytest.raises(ConfigError, match="unknown sector 'nowhere'"):
        read_economy_file(bad)
    bad.write_text(text.replace("automation = 0.5", "automation = 0.8"))
    with pytest.raises(ConfigError, match="automation \\+ augmentation"):
        read_economy_file(bad)
    with pytest.raises(ConfigError, match="does not exist"):
        read_economy_file(tmp_path / "missing.toml")


def test_more_exposed_occupations_split_employment_at_the_median_exposure() -> None:
    from neijuan.sim.economy import more_exposed_occupations, occupation_exposure

    econ = builtin_economy()
    score = occupation_exposure(econ)
    more = more_exposed_occupations(econ)
    assert more.any() and (~more).any()
    # every more-exposed occupation is at least as exposed as every less-exposed one
    assert score[more].min() >= score[~more].max()
    # the split is at the employment-weighted median: each side holds about half the jobs
    # (up to the occupation that straddles the median)
    straddle = econ.occ_share[more][np.argmin(score[more])]
    assert econ.occ_share[more].sum() >= 0.5 - 1e-12
    assert econ.occ_share[more].sum() - straddle < 0.5
    # software developers are exposed; nursing assistants are not (Eloundou et al.'s ordering)
    codes = dict(zip(econ.occ_codes, more, strict=True))
    assert codes["15-1252"] and not codes["31-1131"]
