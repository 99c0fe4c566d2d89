"""Economies: the occupations, tasks and sectors a run simulates, as arrays.

An economy file (TOML; the built-in one is ``builtin_economy.toml``, every number documented
there) is validated (its format: :mod:`neijuan.sim.economy_file`) and turned into an
:class:`Economy` of NumPy arrays that the engine reads. The data-driven economy (built from the
atlas) produces the same :class:`Economy`.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from neijuan.errors import ConfigError
from neijuan.sim import libm

if TYPE_CHECKING:  # (the file format imports Pydantic: read when a file is)
    from neijuan.sim.economy_file import EconomyFile

TIERS: tuple[str, ...] = ("low", "mid", "high", "ai")
ROLES: tuple[str, ...] = ("originate", "confirm", "hands_on")

# --------------------------------------------------------------------------------------------------
# the arrays


@dataclass(frozen=True)
class Economy:
    """Occupations, tasks and sectors as arrays (index = position in these arrays).

    Wages are quarterly and normalised so that the employment-weighted mean is 1: money in the
    engine is in units of the mean pre-AI quarterly wage. ``wage_scale`` converts back to the
    file's annual currency.
    """

    name: str
    occ_ids: tuple[str, ...]
    occ_names: tuple[str, ...]
    occ_codes: tuple[str, ...]
    occ_sector: NDArray[np.int64]
    occ_tier: NDArray[np.int64]
    occ_share: NDArray[np.float64]
    occ_wage: NDArray[np.float64]
    occ_licensed: NDArray[np.bool_]
    task_occ: NDArray[np.int64]
    task_share: NDArray[np.float64]
    task_threshold: NDArray[np.float64]
    task_automation: NDArray[np.float64]
    task_augmentation: NDArray[np.float64]
    task_originate: NDArray[np.float64]
    task_names: tuple[str, ...]
    sector_ids: tuple[str, ...]
    sector_names: tuple[str, ...]
    sector_eta: NDArray[np.float64]
    sector_speed: NDArray[np.float64]
    sector_high_exposure: NDArray[np.bool_]
    mobility: NDArray[np.float64]
    wage_scale: float
    currency: str = "USD"
    provenance: dict[str, str] = field(default_factory=dict)

    @property
    def n_occ(self) -> int:
        return len(self.occ_ids)

    @property
    def n_tasks(self) -> int:
        return len(self.task_occ)

    @property
    def n_sectors(self) -> int:
        return len(self.sector_ids)


def mobility_matrix(
    occ_tier: NDArray[np.int64],
    occ_sector: NDArray[np.int64],
    tier_decay: float,
    same_sector_bonus: float,
    entry_no_degree: list[float],
    entry_degree: list[float],
) -> NDArray[np.float64]:
    """Row-stochastic application weights: rows are origins (each occupation, then the two entry
    pools: without and with a degree), columns are target occupations."""
    tier = occ_tier.astype(np.float64)
    w = libm.exp(-tier_decay * np.abs(tier[:, None] - tier[None, :]))
    w *= np.where(occ_sector[:, None] == occ_sector[None, :], same_sector_bonus, 1.0)
    entry = np.vstack([np.asarray(entry_no_degree)[occ_tier], np.asarray(entry_degree)[occ_tier]])
    full = np.vstack([w, entry])
    full = np.maximum(full, 1e-12)
    return full / full.sum(axis=1, keepdims=True)


#: AI capability below which a task counts as exposed: the text, code and data work that
#: language models reach (the builtin economy's thresholds: 0.15-0.45; judgement and people
#: work 0.5-0.8; physical and care work 0.8-0.97).
EXPOSED_BELOW = 0.5


def occupation_exposure(econ: Economy, reach: float = EXPOSED_BELOW) -> NDArray[np.float64]:
    """Each occupation's share of working time in tasks AI can take on (automate or augment)
    once its capability reaches ``reach``: the model's counterpart of task-based exposure
    indices (Eloundou et al.'s beta, the AIOE)."""
    exposed = econ.task_share * (econ.task_automation + econ.task_augmentation) * (
        econ.task_threshold < reach)
    return np.asarray(np.bincount(econ.task_occ, weights=exposed, minlength=econ.n_occ),
                      dtype=np.float64)


def more_exposed_occupations(econ: Economy) -> NDArray[np.bool_]:
    """The occupations at or above the employment-weighted median exposure (PwC's
    "more-exposed occupations"), the others being the less exposed."""
    score = occupation_exposure(econ)
    order = np.argsort(score, kind="stable")
    below = np.cumsum(econ.occ_share[order]) - econ.occ_share[order]
    median = score[order][np.searchsorted(below, 0.5, side="right") - 1]
    return np.asarray(score >= median, dtype=np.bool_)


def economy_from_file(spec: EconomyFile, source: str = "") -> Economy:
    """Arrays from a validated economy file."""
    sector_index = {s.id: i for i, s in enumerate(spec.sector)}
    occs = spec.occupation
    employment = np.array([o.employment for o in occs])
    share = employment / employment.sum()
    annual = np.array([o.wage for o in occs])
    mean_annual = float((share * annual).sum())
    occ_sector = np.array([sector_index[o.sector] for o in occs], dtype=np.int64)
    occ_tier = np.array([TIERS.index(o.tier) for o in occs], dtype=np.int64)
    tasks = [(i, t) for i, o in enumerate(occs) for t in o.tasks]
    return Economy(
        name=spec.meta.name,
        occ_ids=tuple(o.id for o in occs),
        occ_names=tuple(o.name for o in occs),
        occ_codes=tuple(o.soc for o in occs),
        occ_sector=occ_sector,
        occ_tier=occ_tier,
        occ_share=share,
        occ_wage=annual / mean_annual,
        occ_licensed=np.array([o.licensed for o in occs], dtype=np.bool_),
        task_occ=np.array([i for i, _ in tasks], dtype=np.int64),
        task_share=np.array([t.share for _, t in tasks]),
        task_threshold=np.array([t.threshold for _, t in tasks]),
        task_automation=np.array([t.automation for _, t in tasks]),
        task_augmentation=np.array([t.augmentation for _, t in tasks]),
        task_originate=np.array([0.0 if t.role == "confirm" else 1.0 for _, t in tasks]),
        task_names=tuple(t.name for _, t in tasks),
        sector_ids=tuple(s.id for s in spec.sector),
        sector_names=tuple(s.name for s in spec.sector),
        sector_eta=np.array([s.eta for s in spec.sector]),
        sector_speed=np.array([s.adoption_speed for s in spec.sector]),
        sector_high_exposure=np.array([s.exposure == "high" for s in spec.sector]),
        mobility=mobility_matrix(occ_tier, occ_sector, spec.network.tier_decay,
                                 spec.network.same_sector_bonus,
                                 spec.network.entry_tier_weights_no_degree,
                                 spec.network.entry_tier_weights_degree),
        wage_scale=mean_annual / 4.0,
        currency=spec.meta.currency,
        provenance={"economy": spec.meta.name, "source": source},
    )


def read_economy_file(path: str | Path) -> Economy:
    """Validate and load an economy TOML file."""
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"economy file {path} does not exist")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"economy file {path} is not UTF-8 text (byte {exc.start}); an economy "
                          f"is a TOML file") from None
    return _parse(text, str(path))


def builtin_economy() -> Economy:
    """The documented default economy (no data files needed)."""
    text = (resources.files("neijuan.sim") / "builtin_economy.toml").read_text(encoding="utf-8")
    return _parse(text, "builtin_economy.toml")


def _parse(text: str, source: str) -> Economy:
    from pydantic import ValidationError

    from neijuan.sim.economy_file import EconomyFile

    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"economy file {source}: not valid TOML: {exc}") from exc
    except RecursionError:
        raise ConfigError(f"economy file {source}: not an economy: nested too deeply") from None
    try:
        spec = EconomyFile.model_validate(raw)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors())
        raise ConfigError(f"economy file {source}: {problems}") from None
    return economy_from_file(spec, source)
