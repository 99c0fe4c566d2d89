"""The economy file's format: what a TOML economy must hold, validated by Pydantic.

Apart from :mod:`neijuan.sim.economy` so that importing the engine does not import Pydantic
(some 60 ms of a model's import); :func:`neijuan.sim.economy.read_economy_file` and
:func:`~neijuan.sim.economy.builtin_economy` import it when they read a file.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TaskSpec(_Model):
    name: str
    share: float = Field(gt=0.0, le=1.0, description="share of the occupation's working time")
    threshold: float = Field(ge=0.0, le=1.0, description="AI capability at which AI can do it")
    automation: float = Field(ge=0.0, le=1.0, description="share of adopted AI use that automates")
    augmentation: float = Field(ge=0.0, le=1.0, description="share of adopted AI use that augments")
    role: Literal["originate", "confirm", "hands_on"]

    @model_validator(mode="after")
    def _shares(self) -> TaskSpec:
        if self.automation + self.augmentation > 1.0 + 1e-9:
            raise ValueError(f"task {self.name!r}: automation + augmentation = "
                             f"{self.automation + self.augmentation:.3f} must be <= 1")
        return self


class OccupationSpec(_Model):
    id: str
    name: str
    soc: str = ""
    sector: str
    tier: Literal["low", "mid", "high", "ai"]
    employment: float = Field(gt=0.0, description="persons employed (any unit; shares are used)")
    wage: float = Field(gt=0.0, description="annual wage in the economy's currency")
    exposure_beta: float | None = Field(None, ge=0.0, le=1.0)
    licensed: bool = Field(False, description="a degree is a legal requirement")
    tasks: list[TaskSpec] = Field(min_length=1)

    @model_validator(mode="after")
    def _time(self) -> OccupationSpec:
        total = sum(t.share for t in self.tasks)
        if abs(total - 1.0) > 1e-6:
            raise ValueError(f"occupation {self.id!r}: task shares sum to {total:.4f}, must be 1")
        return self


class SectorSpec(_Model):
    id: str
    name: str
    eta: float = Field(ge=0.0, le=10.0)
    adoption_speed: float = Field(gt=0.0, le=10.0)
    exposure: Literal["high", "low"]


class NetworkSpec(_Model):
    tier_decay: float = Field(1.0, ge=0.0, le=20.0)
    same_sector_bonus: float = Field(1.0, ge=0.0, le=100.0)
    entry_tier_weights_no_degree: list[float] = Field(min_length=4, max_length=4)
    entry_tier_weights_degree: list[float] = Field(min_length=4, max_length=4)


class MetaSpec(_Model):
    name: str
    description: str = ""
    currency: str = "USD"
    wage_unit: str = ""


class EconomyFile(_Model):
    meta: MetaSpec
    network: NetworkSpec
    sector: list[SectorSpec] = Field(min_length=1)
    occupation: list[OccupationSpec] = Field(min_length=1)

    @model_validator(mode="after")
    def _refs(self) -> EconomyFile:
        sectors = {s.id for s in self.sector}
        ids = [o.id for o in self.occupation]
        if len(set(ids)) != len(ids):
            raise ValueError("occupation ids must be unique")
        for occ in self.occupation:
            if occ.sector not in sectors:
                raise ValueError(f"occupation {occ.id!r}: unknown sector {occ.sector!r}; "
                                 f"known: {', '.join(sorted(sectors))}")
        return self


__all__ = ["EconomyFile", "MetaSpec", "NetworkSpec", "OccupationSpec", "SectorSpec",
           "TaskSpec"]
