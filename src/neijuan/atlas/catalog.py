"""The catalogue of exposure indices and build settings, read from ``indices.toml``.

Stdlib only, so the CLI can list indices and validate ``--by`` without importing Polars.
"""

from __future__ import annotations

import dataclasses
import functools
import operator
import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from neijuan.errors import ConfigError

CATALOG_PATH = Path(__file__).with_name("indices.toml")
CONSTRUCTS = ("potential exposure", "observed usage", "automation potential", "automation risk",
              "required agency", "desired agency")
_RULE = re.compile(r"^\s*(>=|<=|>|<|==)\s*(-?\d+(?:\.\d+)?)\s*$")
_OPS: dict[str, Callable[[Any, Any], Any]] = {
    ">=": operator.ge, "<=": operator.le, ">": operator.gt, "<": operator.lt, "==": operator.eq}


@dataclass(frozen=True)
class IndexInfo:
    """One index: where it lives, which construct it measures, how to read it."""

    name: str
    level: str  # "task" or "occupation"
    construct: str
    source: str
    label: str
    description: str
    scale: str
    higher: str
    exposed_if: str | None = None
    aggregate: str = "mean"  # how a task index becomes an occupation index: "mean" or "sum"

    def exposed(self, value: Any) -> Any:
        """Apply ``exposed_if`` to a number or a Polars expression."""
        if self.exposed_if is None:
            raise ConfigError(f"index {self.name!r} has no exposed_if rule (occupation-level)")
        m = _RULE.match(self.exposed_if)
        assert m is not None  # checked at load
        return _OPS[m.group(1)](value, float(m.group(2)))


@dataclass(frozen=True)
class Catalog:
    """All indices plus the build settings."""

    indices: tuple[IndexInfo, ...]
    task_weight: dict[str, float]
    coverage_warn: float
    skill_tiers: dict[str, tuple[int, ...]]
    related_tier_weights: dict[str, float]
    aei_fuzzy_min: float
    isco_overrides: dict[str, str] = dataclasses.field(default_factory=dict)

    def get(self, name: str) -> IndexInfo:
        """The index called ``name``, or a ConfigError listing the valid names."""
        for idx in self.indices:
            if idx.name == name:
                return idx
        raise ConfigError(f"unknown index {name!r}; choose one of: "
                          f"{', '.join(i.name for i in self.indices)}")

    @property
    def task_level(self) -> tuple[IndexInfo, ...]:
        return tuple(i for i in self.indices if i.level == "task")

    def tier_of(self, job_zone: int) -> str | None:
        for tier, zones in self.skill_tiers.items():
            if job_zone in zones:
                return tier
        return None


@functools.cache
def load_catalog(path: Path = CATALOG_PATH) -> Catalog:
    """Parse and check ``indices.toml`` (unique names, known constructs, valid rules)."""
    with path.open("rb") as fh:
        raw = tomllib.load(fh)
    seen: set[str] = set()
    items = []
    for t in raw["index"]:
        name = t["name"]
        if name in seen:
            raise ConfigError(f"{path}: index {name!r} is declared twice")
        seen.add(name)
        if t["construct"] not in CONSTRUCTS:
            raise ConfigError(f"{path}: index {name!r}: construct {t['construct']!r} is not one "
                              f"of {CONSTRUCTS}")
        if t["level"] not in ("task", "occupation"):
            raise ConfigError(f"{path}: index {name!r}: level must be 'task' or 'occupation'")
        rule = t.get("exposed_if")
        if rule is not None and not _RULE.match(rule):
            raise ConfigError(f"{path}: index {name!r}: exposed_if {rule!r} is not like '>= 0.5'")
        items.append(IndexInfo(
            name=name, level=t["level"], construct=t["construct"], source=t["source"],
            label=t["label"], description=t["description"], scale=t["scale"], higher=t["higher"],
            exposed_if=rule, aggregate=t.get("aggregate", "mean")))
    return Catalog(
        indices=tuple(items),
        task_weight={k: float(v) for k, v in raw["task_weight"].items()},
        coverage_warn=float(raw["coverage"]["warn_below"]),
        skill_tiers={k: tuple(v) for k, v in raw["skill_tiers"].items()},
        related_tier_weights={k: float(v) for k, v in raw["related"]["tier_weights"].items()},
        aei_fuzzy_min=float(raw["anthropic"]["fuzzy_min_score"]),
        isco_overrides={str(k): str(v) for k, v in raw.get("isco_overrides", {}).items()},
    )
