"""``neijuan sweep FILE.toml --out DIR``: a grid or a sample of parameters x seeds, resumable.

The results are a Parquet dataset in ``DIR/rows/`` (read it with
``polars.scan_parquet(f"{DIR}/**/*.parquet")``): one row per point and seed with ``point``, one
column per swept parameter named by its key, ``seed``, every run figure, ``target_<name>`` for
each published target the model is compared with, ``effect_<figure>`` when the simulator gives a
no-AI twin, and ``scenario``, ``version``, ``sweep`` (the sweep's hash) and ``provenance``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from neijuan.calibrate.runner import Backend, ProgressFn, RunStats, evaluate_points
from neijuan.calibrate.spec import SweepSpec, base_scenario, design, load_spec, point_key, spec_hash
from neijuan.calibrate.store import ChunkStore
from neijuan.errors import ConfigError


@dataclass
class SweepPlan:
    """A sweep resolved: base scenario, points, seeds, the folder's manifest."""

    spec: SweepSpec
    base: Any
    points: list[dict[str, Any]]
    seeds: list[int]
    hash: str

    def manifest(self) -> dict[str, Any]:
        """What ``DIR/sweep.json`` records."""
        from neijuan.provenance import code_version

        return {"hash": self.hash, "version": code_version(), "spec": self.spec.model_dump(),
                "base_scenario": {"name": self.base.name, **self.base.params()},
                "parameters": self.spec.parameter_keys(), "points": len(self.points),
                "seeds": self.seeds, "rows": len(self.points) * len(self.seeds)}

    def keys(self) -> list[str]:
        """Chunk names: the point's index and values (a design may repeat a value after
        rounding an integer parameter; each point keeps its own rows)."""
        return [point_key({"__point__": i, **p}) for i, p in enumerate(self.points)]


def plan(spec: SweepSpec | str | os.PathLike[str],
         relative_to: Path | None = None) -> SweepPlan:
    """Validate the spec (or the sweep file) against the scenario; lay out points and seeds."""
    source = "sweep"
    if not isinstance(spec, SweepSpec):
        source = f"sweep file {spec}"
        spec, relative_to = load_spec(Path(spec))
    try:
        base = base_scenario(spec, relative_to)
        points = design(spec, base)
    except ConfigError as exc:
        message = str(exc).removeprefix("sweep: ")
        raise ConfigError(f"{source}: {message}") from None
    seeds = [base.run.seed + k for k in range(spec.seeds)]
    return SweepPlan(spec=spec, base=base, points=points, seeds=seeds, hash=spec_hash(spec, base))


def run_sweep(spec: SweepPlan | SweepSpec | str | os.PathLike[str],
              out: str | os.PathLike[str], *,
              processes: int | None = None, use_ray: bool = False,
              ray_address: str | None = None, progress: ProgressFn | None = None,
              allow_version_change: bool = False, backend: Backend | None = None) -> RunStats:
    """Run (or resume) a sweep into ``out``; returns what was computed and what failed.
    ``backend`` reuses a running pool (else one is started and stopped for this sweep)."""
    the_plan = spec if isinstance(spec, SweepPlan) else plan(spec)
    store = ChunkStore(out)
    with store.lock():
        store.open(the_plan.manifest(), allow_version_change=allow_version_change)
        return evaluate_points(the_plan.base, the_plan.points, the_plan.seeds, store,
                               meta={"sweep": the_plan.hash}, batch=the_plan.spec.batch,
                               processes=processes, use_ray=use_ray, ray_address=ray_address,
                               progress=progress, keys=the_plan.keys(), backend=backend)


def read_sweep(out: str | os.PathLike[str]) -> Any:
    """The rows of a sweep folder, sorted by point and seed (a Polars DataFrame)."""
    return ChunkStore(out).read()
