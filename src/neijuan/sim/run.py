"""Runs: Monte Carlo over seeds on a local process pool, and the :class:`Result` they give.

``simulate()`` is the Python face of ``neijuan simulate``: it validates the scenario, refuses a run
that would not fit in memory, runs one :class:`~neijuan.sim.model.LabourMarket` per seed (in
parallel over the local cores when there are several), and returns a :class:`Result` carrying
the figures, the per-period series and the provenance (scenario, seeds, code and data versions).
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from neijuan.atomic import write_json, write_parquet
from neijuan.config import Scenario, load_scenario
from neijuan.provenance import code_version
from neijuan.sim.economy import Economy, builtin_economy, read_economy_file
from neijuan.sim.figures import PERIOD_FIGURES, RUN_FIGURES, period_figures, run_figures
from neijuan.sim.model import LabourMarket
from neijuan.sim.state import capacity_for, check_memory

ProgressFn = Callable[[int, int], None]  # (done, total)


def resolve_economy(sc: Scenario) -> Economy:
    """The economy a scenario names: built-in, a file, or built from the atlas."""
    if sc.economy.path:
        return read_economy_file(sc.economy.path)
    if sc.economy.name == "onet":
        from neijuan.sim.onet_economy import onet_economy

        return onet_economy(sc.economy)
    return builtin_economy()


@dataclass(frozen=True)
class SeedRun:
    """What one replication returns (plain arrays: cheap to send between processes)."""

    seed: int
    raw: dict[str, np.ndarray]
    occupations: dict[str, np.ndarray]


def run_seed(scenario: Scenario, economy: Economy, seed: int,
             on_period: Callable[[int], None] | None = None) -> SeedRun:
    """Run one replication to the end."""
    model = LabourMarket(scenario, economy, seed).run(on_period)
    return SeedRun(seed=seed, raw=model.series(), occupations=model.occupation_series())


def _run_seed_job(args: tuple[Scenario, Economy, int]) -> SeedRun:
    return run_seed(*args)


@dataclass
class Result:
    """The outcome of a run: figures over seeds, per-period series, provenance."""

    scenario: Scenario
    economy: Economy
    seeds: list[int]
    runs: list[SeedRun]
    provenance: dict[str, Any] = field(default_factory=dict)

    # ---------------------------------------------------------------------------------- figures
    def figures_by_seed(self) -> pl.DataFrame:
        """One row per seed, one column per run figure."""
        burn = self.scenario.run.burn_in
        rows = []
        for run in self.runs:
            figs = run_figures(period_figures(run.raw), burn)
            rows.append({"seed": run.seed, **figs})
        return pl.DataFrame(rows)

    def summary(self) -> pl.DataFrame:
        """Each run figure: mean and 5th / 95th percentiles over seeds, with unit and meaning."""
        by_seed = self.figures_by_seed()
        rows = []
        for name, fig in RUN_FIGURES.items():
            values = by_seed[name].to_numpy()
            rows.append({
                "figure": name,
                "mean": float(values.mean()),
                "lo": float(np.percentile(values, 5)),
                "hi": float(np.percentile(values, 95)),
                "unit": fig.unit,
                "reduce": fig.reduce,
                "description": fig.description,
            })
        return pl.DataFrame(rows)

    def figure(self, name: str) -> dict[str, float]:
        """``{"mean", "lo", "hi"}`` of one run figure."""
        if name not in RUN_FIGURES:
            raise KeyError(f"unknown figure {name!r}; known: {', '.join(RUN_FIGURES)}")
        row = self.summary().filter(pl.col("figure") == name).row(0, named=True)
        return {"mean": row["mean"], "lo": row["lo"], "hi": row["hi"]}

    # ----------------------------------------------------------------------------------- series
    def series(self) -> pl.DataFrame:
        """Per period and seed: calendar time, every per-period figure and the raw sums."""
        frames = []
        start = self.scenario.run.start_year
        for run in self.runs:
            figs = period_figures(run.raw)
            cols: dict[str, Any] = {
                "seed": np.full(run.raw["period"].size, run.seed, dtype=np.int64),
                "period": run.raw["period"].astype(np.int64),
                "year": start + run.raw["years"],
                "measured": run.raw["years"] >= 0,
            }
            cols.update(figs)
            cols.update({f"raw_{k}": v for k, v in run.raw.items()
                         if k not in ("period", "years")})
            frames.append(pl.DataFrame(cols))
        return pl.concat(frames)

    def occupation_series(self) -> pl.DataFrame:
        """Per period, seed and occupation: employment, positions, wages, adoption, agency."""
        econ = self.economy
        frames = []
        for run in self.runs:
            n_periods, n_occ = run.occupations["employed"].shape
            cols: dict[str, Any] = {
                "seed": np.full(n_periods * n_occ, run.seed, dtype=np.int64),
                "period": np.repeat(np.arange(n_periods), n_occ),
                "occupation": np.tile(np.array(econ.occ_ids), n_periods),
                "code": np.tile(np.array(econ.occ_codes), n_periods),
                "tier": np.tile(np.array(["low", "mid", "high", "ai"])[econ.occ_tier], n_periods),
                "sector": np.tile(np.array(econ.sector_ids)[econ.occ_sector], n_periods),
            }
            for name, arr in run.occupations.items():
                cols[name] = arr.reshape(-1)
            frames.append(pl.DataFrame(cols))
        return pl.concat(frames)

    # ------------------------------------------------------------------------------------ output
    def to_dict(self) -> dict[str, Any]:
        """The summary as JSON-ready data (the ``--json`` output)."""
        summary = self.summary()
        return {
            "scenario": self.scenario.name,
            "seeds": self.seeds,
            "version": self.provenance.get("code_version", code_version()),
            "params": self.scenario.params(),
            "figures": {row["figure"]: {"mean": row["mean"], "lo": row["lo"], "hi": row["hi"],
                                        "unit": row["unit"]}
                        for row in summary.iter_rows(named=True)},
            "provenance": self.provenance,
        }

    def write(self, out_dir: str | os.PathLike[str], *, overwrite: bool = False) -> list[Path]:
        """Write ``series.parquet``, ``occupations.parquet`` and ``simulation.json`` into
        ``out_dir``, which appears whole (with its ``neijuan-manifest.json``) or not at all.

        An earlier simulation there is replaced whole; a folder neijuan did not write, or another
        command's result, is refused unless ``overwrite`` (see :func:`neijuan.atomic.check_out_dir`).
        """
        from neijuan.atomic import atomic_folder

        names = ("series.parquet", "occupations.parquet", "simulation.json")
        economy = self.provenance.get("economy") or {}
        meta = {"scenario": self.scenario.name, "seeds": self.seeds,
                "data_check": economy.get("data_check", "not used (no data files read)")}
        with atomic_folder(out_dir, kind="simulation", overwrite=overwrite, meta=meta) as stage:
            write_parquet(stage / names[0], self.series())
            write_parquet(stage / names[1], self.occupation_series())
            write_json(stage / names[2], self.to_dict())
        return [Path(out_dir) / name for name in names]


def simulate(
    scenario: str | os.PathLike[str] | Scenario = "ai-baseline",
    *,
    workers: int | None = None,
    periods: int | None = None,
    seeds: int | None = None,
    overrides: Mapping[str, Any] | Iterable[str] | None = None,
    processes: int | None = None,
    progress: ProgressFn | None = None,
) -> Result:
    """Run a scenario (a shipped name, a TOML path, or a :class:`Scenario`) over seeds.

    ``workers``, ``periods`` and ``seeds`` are shorthands for the ``run.*`` overrides. Seeds run in
    parallel on ``processes`` local processes (default: the number of cores, at most ``seeds``).
    ``progress(done, total)`` is called as periods (one seed) or seeds (several) complete.
    """
    extra: dict[str, Any] = {}
    if workers is not None:
        extra["run.workers"] = workers
    if periods is not None:
        extra["run.periods"] = periods
    if seeds is not None:
        extra["run.seeds"] = seeds
    sc = load_scenario(scenario if isinstance(scenario, Scenario) else
                       (Path(scenario) if isinstance(scenario, os.PathLike) else scenario),
                       overrides)
    if extra:
        sc = sc.with_overrides(extra)
    economy = resolve_economy(sc)
    seed_list = [sc.run.seed + k for k in range(sc.run.seeds)]
    n_proc = max(1, min(processes or (os.cpu_count() or 1), len(seed_list)))
    total_periods = sc.run.burn_in + sc.run.periods
    capacity = capacity_for(sc.run.workers, sc.labour.growth, total_periods)
    series_bytes = 8 * total_periods * (200 + 20 * economy.n_occ)
    check_memory(capacity, n_proc, series_bytes)

    runs: list[SeedRun] = []
    if n_proc == 1:
        report = progress
        for k, seed in enumerate(seed_list):
            if report is not None and len(seed_list) == 1:
                def tick(done: int, report: ProgressFn = report) -> None:
                    report(done, total_periods)
                runs.append(run_seed(sc, economy, seed, tick))
            else:
                runs.append(run_seed(sc, economy, seed))
                if report is not None:
                    report(k + 1, len(seed_list))
    else:
        ctx = multiprocessing.get_context("fork" if "fork" in
                                          multiprocessing.get_all_start_methods() else "spawn")
        with ProcessPoolExecutor(max_workers=n_proc, mp_context=ctx) as pool:
            futures = [pool.submit(_run_seed_job, (sc, economy, seed)) for seed in seed_list]
            for done, fut in enumerate(as_completed(futures), start=1):
                runs.append(fut.result())
                if progress is not None:
                    progress(done, len(seed_list))
        runs.sort(key=lambda r: r.seed)
    provenance = {
        "code_version": code_version(),
        "scenario": sc.name,
        "economy": economy.provenance,
        "seeds": seed_list,
        "figures": {"period": list(PERIOD_FIGURES), "run": list(RUN_FIGURES)},
    }
    return Result(scenario=sc, economy=economy, seeds=seed_list, runs=runs,
                  provenance=provenance)
