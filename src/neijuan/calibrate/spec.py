"""The sweep file: a base scenario, run sizes, seeds, and a grid or a sample of parameters.

```toml
scenario = "ai-baseline"      # a shipped name or a .toml path (relative to this file)
seeds = 2                     # replications per point (common to every point: common random numbers)
workers = 2000                # run.workers
periods = 8                   # run.periods
[grid]
"demand.kappa" = [0.4, 0.8]
"contest.r" = [0.5, 1.0]
```

or, instead of ``[grid]``, a sample of ``n`` points in a box:

```toml
[sample]
method = "sobol"              # or "lhs"
n = 64                        # a power of 2 for Sobol
seed = 0
[sample.ranges]
"demand.kappa" = [0.2, 1.2]
"contest.noise" = [0.5, 3.0]
```

Every key is checked against the scenario (unknown keys, values out of range and wrong types are
refused with the key named), so a sweep never starts on a typo.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from neijuan.errors import ConfigError

RESERVED = ("run.seed", "run.seeds")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SampleSpec(_Strict):
    """A space-filling sample of ``n`` points in a box."""

    method: Literal["sobol", "lhs"] = Field("sobol", description="sobol or lhs")
    n: int = Field(..., ge=1, le=1_048_576, description="number of points")
    seed: int = Field(0, ge=0, le=2**63 - 1, description="seed of the scrambling / permutation")
    ranges: dict[str, tuple[float, float]] = Field(
        ..., min_length=1, description="parameter key -> [low, high]")


class SweepSpec(_Strict):
    """A validated sweep file."""

    scenario: str = Field("ai-baseline", description="a shipped scenario name or a .toml path")
    seeds: int = Field(1, ge=1, le=10_000, description="replications per point")
    seed: int | None = Field(None, ge=0, le=2**62, description="base seed (default: the scenario's)")
    workers: int | None = Field(None, ge=100, description="run.workers")
    periods: int | None = Field(None, ge=1, description="run.periods")
    burn_in: int | None = Field(None, ge=0, description="run.burn_in")
    batch: int | None = Field(None, ge=1, le=10_000,
                              description="seeds per chunk file (default: chosen for the pool)")
    set: dict[str, Any] = Field(default_factory=dict,
                                description="fixed overrides applied at every point")
    grid: dict[str, list[Any]] = Field(default_factory=dict,
                                       description="parameter key -> values (full product)")
    sample: SampleSpec | None = None

    def parameter_keys(self) -> list[str]:
        """The varying parameters, in file order: one column each in the results."""
        return list(self.sample.ranges) if self.sample is not None else list(self.grid)


def _describe(exc: ValidationError, source: str) -> str:
    allowed = {"": ", ".join(SweepSpec.model_fields),
               "sample": ", ".join(SampleSpec.model_fields)}
    lines = []
    for err in exc.errors():
        loc = ".".join(str(p) for p in err["loc"])
        if err["type"] == "extra_forbidden":
            section = "sample" if err["loc"][0] == "sample" else ""
            where = f"[{section}]" if section else "the top level"
            lines.append(f"unknown key {loc!r}; allowed at {where}: {allowed[section]}")
        else:
            lines.append(f"{loc} = {err.get('input')!r}: {err['msg']}")
    return f"sweep file {source}: " + "; ".join(lines)


def parse_spec(raw: dict[str, Any], source: str = "<sweep>") -> SweepSpec:
    """Validate a sweep file's contents (shape only; keys are checked against the scenario by
    :func:`base_scenario` and :func:`design`)."""
    try:
        spec = SweepSpec.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(_describe(exc, source)) from None
    if spec.grid and spec.sample is not None:
        raise ConfigError(f"sweep file {source}: give [grid] or [sample], not both")
    for key, values in spec.grid.items():
        if not values:
            raise ConfigError(f"sweep file {source}: grid {key!r} has no values")
        if len({json.dumps(v, sort_keys=True) for v in values}) != len(values):
            raise ConfigError(f"sweep file {source}: grid {key!r} repeats a value: {values}")
    for key in [*spec.grid, *(spec.sample.ranges if spec.sample else {}), *spec.set]:
        if key in RESERVED:
            raise ConfigError(f"sweep file {source}: {key!r} cannot be swept; use the top-level "
                              "'seeds' and 'seed'")
    if spec.sample is not None:
        for key, (lo, hi) in spec.sample.ranges.items():
            if not (math.isfinite(lo) and math.isfinite(hi) and lo < hi):
                raise ConfigError(f"sweep file {source}: sample range {key!r} = [{lo}, {hi}] "
                                  "must have low < high")
        n = spec.sample.n
        if spec.sample.method == "sobol" and n & (n - 1):
            raise ConfigError(f"sweep file {source}: sample.n = {n}: a Sobol sample needs a power "
                              f"of 2 (e.g. {1 << (n.bit_length() - 1)} or {1 << n.bit_length()})"
                              "; or use method = \"lhs\"")
    return spec


def load_spec(path: str | Path) -> tuple[SweepSpec, Path]:
    """Read and validate a sweep file; returns the spec and the folder its paths are relative to."""
    p = Path(path)
    if not p.is_file():
        raise ConfigError(f"sweep file {p} does not exist")
    try:
        raw = tomllib.loads(p.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"sweep file {p}: not valid TOML: {exc}") from None
    return parse_spec(raw, str(p)), p.parent


def base_scenario(spec: SweepSpec, relative_to: Path | None = None) -> Any:
    """The scenario every point starts from: the named scenario, the run sizes and ``set``."""
    from neijuan.config import load_scenario

    ref: str | Path = spec.scenario
    if spec.scenario.endswith(".toml") and relative_to is not None:
        candidate = relative_to / spec.scenario
        ref = candidate if candidate.exists() else Path(spec.scenario)
    overrides: dict[str, Any] = {"run.seeds": 1}
    for field, key in (("workers", "run.workers"), ("periods", "run.periods"),
                       ("burn_in", "run.burn_in"), ("seed", "run.seed")):
        value = getattr(spec, field)
        if value is not None:
            overrides[key] = value
    overrides.update(spec.set)
    return load_scenario(ref, overrides)


def check_key(scenario: Any, key: str) -> None:
    """Refuse a parameter key the scenario does not have, naming what is allowed."""
    params = scenario.params()
    section, _, name = key.partition(".")
    if section not in params:
        raise ConfigError(f"sweep: unknown parameter {key!r}; a key is section.name with "
                          f"section one of: {', '.join(params)}")
    if name not in params[section]:
        raise ConfigError(f"sweep: unknown parameter {key!r}; allowed in [{section}]: "
                          f"{', '.join(params[section])}")


def _kind(scenario: Any, key: str) -> type:
    section, name = key.split(".", 1)
    value = scenario.params()[section][name]
    return type(value)


def design(spec: SweepSpec, scenario: Any) -> list[dict[str, Any]]:
    """The points of the sweep, in a fixed order, each a ``{key: value}`` checked against the
    scenario (values canonicalised by the scenario's own validation)."""
    keys = spec.parameter_keys()
    if not keys:
        return [{}]
    for key in keys:  # names first: a clear error before any value is tried
        check_key(scenario, key)
    if spec.sample is None:
        raw_points = [dict(zip(keys, combo, strict=True))
                      for combo in itertools.product(*(spec.grid[k] for k in keys))]
    else:
        raw_points = _sample_points(spec, scenario)
    out = []
    for point in raw_points:
        sc = scenario.with_overrides(point)
        params = sc.params()
        out.append({k: params[k.split(".")[0]][k.split(".")[1]] for k in keys})
    return out


def _sample_points(spec: SweepSpec, scenario: Any) -> list[dict[str, Any]]:
    import numpy as np
    from scipy.stats import qmc

    assert spec.sample is not None
    sample = spec.sample
    keys = list(sample.ranges)
    for key in keys:
        check_key(scenario, key)
        kind = _kind(scenario, key)
        if kind is bool or kind not in (int, float):
            raise ConfigError(f"sweep: {key!r} is not numeric ({kind.__name__}); put it in "
                              "[grid] instead of [sample.ranges]")
        lo, hi = sample.ranges[key]
        for end in (lo, hi):  # both ends must be allowed values
            scenario.with_overrides({key: int(end) if kind is int else end})
    d = len(keys)
    if sample.method == "sobol":
        unit = qmc.Sobol(d, scramble=True, seed=sample.seed).random_base2(
            int(math.log2(sample.n)))
    else:
        unit = qmc.LatinHypercube(d, seed=sample.seed).random(sample.n)
    lows = np.array([sample.ranges[k][0] for k in keys])
    highs = np.array([sample.ranges[k][1] for k in keys])
    scaled = qmc.scale(unit, lows, highs)
    points = []
    for row in scaled:
        point: dict[str, Any] = {}
        for key, value in zip(keys, row, strict=True):
            point[key] = round(float(value)) if _kind(scenario, key) is int else float(value)
        points.append(point)
    return points


def spec_hash(spec: SweepSpec, scenario: Any) -> str:
    """What makes two runs the same sweep: the spec (less the chunk size) and the resolved base
    scenario's parameters. A folder holds one sweep."""
    data = spec.model_dump(exclude={"batch"})
    data["base"] = scenario.params()
    text = json.dumps(data, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def point_key(point: dict[str, Any]) -> str:
    """A stable name for a point (its parameter values), used in chunk file names."""
    text = json.dumps(point, sort_keys=True, default=repr)
    return hashlib.sha256(text.encode()).hexdigest()[:12]
