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
from neijuan.sim.figures import (
    DRIFT_QUARTERS,
    PERIOD_FIGURES,
    RUN_FIGURES,
    STATIONARY,
    period_figures,
    run_figures,
    stationarity,
)
from neijuan.sim.model import LabourMarket, available_cores
from neijuan.sim.shard import (
    ShardFactory,
    chunk_count,
    ray_start,
    shard_factory,
    split_chunks,
)
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
             on_period: Callable[[int], None] | None = None,
             shards: ShardFactory | None = None) -> SeedRun:
    """Run one replication to the end (its rows in ``shards``, default one local shard)."""
    model = LabourMarket(scenario, economy, seed, shards)
    try:
        model.run(on_period)
    finally:
        model.close()
    return SeedRun(seed=seed, raw=model.series(), occupations=model.occupation_series())


def _run_seed_job(args: tuple[Scenario, Economy, int]) -> SeedRun:
    return run_seed(*args)


def engine_functions() -> list[str]:
    """The engine's compiled functions (``module.name``): every Numba dispatcher of the engine's
    modules that is compiled on its own (not inlined into its callers), i.e. what a first run
    compiles and Numba's on-disk cache keeps."""
    from numba.core.registry import CPUDispatcher

    from neijuan.sim import effort, exact, kernels, libm, phase_kernels, quarter, rng, steps

    names = []
    for module in (kernels, steps, effort, rng, phase_kernels, exact, libm, quarter):
        for name, obj in vars(module).items():
            if (isinstance(obj, CPUDispatcher) and obj.py_func.__module__ == module.__name__
                    and obj.targetoptions.get("inline", "never") != "always"):
                names.append(f"{module.__name__}.{name}")
    return sorted(names)


def warm_engine(scenario: Scenario, economy: Economy, progress: ProgressFn | None = None) -> bool:
    """On a cold compile cache, compile every pass once, here, with two tiny runs of the scenario
    (its contest and the other one, so that both selection passes are built), before seeds are
    handed to worker processes: the workers inherit the compiled passes (or load them from the
    cache) instead of each compiling them again. ``progress(done, total)`` counts the engine's
    functions as Numba finishes compiling each (about 50 CPU-seconds in all, once per install);
    without it, the compile is announced once on the ``neijuan.sim.model`` logger. Returns
    whether it compiled."""
    from numba.core import event

    from neijuan.sim.model import prepare_engine

    names = set(engine_functions())
    done: set[str] = set()

    class _Counter(event.Listener):
        def on_start(self, ev: Any) -> None:
            pass

        def on_end(self, ev: Any) -> None:
            func = getattr(ev.data.get("dispatcher"), "py_func", None)
            key = f"{getattr(func, '__module__', '')}.{getattr(func, '__name__', '')}"
            if key in names and key not in done:
                done.add(key)
                if progress is not None:
                    progress(len(done), len(names))

    with event.install_listener("numba:compile", _Counter()):
        if not prepare_engine(notify=None if progress is None else (lambda _message: None)):
            return False
        other = "top_m" if scenario.contest.rule == "tullock" else "tullock"
        for rule in (scenario.contest.rule, other):
            tiny = scenario.with_overrides({"run.workers": 200, "run.burn_in": 1,
                                            "run.periods": 1, "contest.rule": rule})
            run_seed(tiny, economy, 0)
            if rule == "tullock":  # (and pass by pass, as a run of several chunks goes)
                model = LabourMarket(tiny, economy, 0, one_call=False)
                model.run()
                model.close()
    if progress is not None:
        progress(len(names), len(names))
    return True


def compile_engine(progress: ProgressFn | None = None) -> bool:
    """Compile the engine now if Numba's on-disk cache does not hold it (the first run after an
    install or an upgrade), reporting ``progress(done, total)`` per compiled function; a no-op
    taking a fraction of a second when the cache is warm. Returns whether it compiled. Call it
    ahead of time (e.g. when building an image) so that no later run starts with a compile."""
    return warm_engine(load_scenario("ai-baseline"), builtin_economy(), progress)


def _interval(values: np.ndarray) -> tuple[float, float, float]:
    """Mean and 5th / 95th percentiles over seeds."""
    return (float(values.mean()), float(np.percentile(values, 5)),
            float(np.percentile(values, 95)))


@dataclass
class Result:
    """The outcome of a run: figures over seeds, per-period series, provenance, and (when AI is
    on) the no-AI twin: the same scenario and seeds with AI switched off."""

    scenario: Scenario
    economy: Economy
    seeds: list[int]
    runs: list[SeedRun]
    provenance: dict[str, Any] = field(default_factory=dict)
    twin: Result | None = None

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
        return self._reduce(self.figures_by_seed())

    def effects_by_seed(self) -> pl.DataFrame:
        """One row per seed: each run figure minus the same figure of the no-AI twin run with
        the same seed (common random numbers), the AI effect."""
        if self.twin is None:
            raise ValueError(f"scenario {self.scenario.name!r} has no no-AI twin (AI is off in "
                             "it, or the run was made with twin=False)")
        run, twin = self.figures_by_seed(), self.twin.figures_by_seed()
        return run.select("seed", *[(pl.col(name) - twin[name]).alias(name)
                                    for name in RUN_FIGURES])

    def effects(self) -> pl.DataFrame:
        """Each run figure's AI effect (run minus twin): mean and the 5th / 95th percentiles of
        the paired difference over seeds."""
        return self._reduce(self.effects_by_seed())

    @staticmethod
    def _reduce(by_seed: pl.DataFrame) -> pl.DataFrame:
        rows = []
        for name, fig in RUN_FIGURES.items():
            mean, lo, hi = _interval(by_seed[name].to_numpy())
            rows.append({"figure": name, "mean": mean, "lo": lo, "hi": hi, "unit": fig.unit,
                         "reduce": fig.reduce, "description": fig.description})
        return pl.DataFrame(rows)

    def figure(self, name: str) -> dict[str, float]:
        """``{"mean", "lo", "hi"}`` of one run figure."""
        if name not in RUN_FIGURES:
            raise KeyError(f"unknown figure {name!r}; known: {', '.join(RUN_FIGURES)}")
        mean, lo, hi = _interval(self.figures_by_seed()[name].to_numpy())
        return {"mean": mean, "lo": lo, "hi": hi}

    def effect(self, name: str) -> dict[str, float]:
        """``{"mean", "lo", "hi"}`` of one run figure's AI effect (run minus no-AI twin)."""
        if name not in RUN_FIGURES:
            raise KeyError(f"unknown figure {name!r}; known: {', '.join(RUN_FIGURES)}")
        mean, lo, hi = _interval(self.effects_by_seed()[name].to_numpy())
        return {"mean": mean, "lo": lo, "hi": hi}

    def burn_in_drift(self) -> dict[str, dict[str, Any]]:
        """The stationarity criterion: each headline figure's drift a year over the burn-in's
        last four years (mean over seeds), its tolerance, and whether it is within it."""
        burn = self.scenario.run.burn_in
        start = max(burn - DRIFT_QUARTERS, 0)
        values = [stationarity(period_figures(run.raw), start, burn) for run in self.runs]
        out: dict[str, dict[str, Any]] = {}
        for name, tol in STATIONARY.items():
            d = float(np.mean([v[name] for v in values])) if values else 0.0
            out[name] = {"drift": d, "tolerance": tol.tolerance,
                         "unit": "log/yr" if tol.relative else "per yr",
                         "within": bool(abs(d) <= tol.tolerance)}
        return out

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

    def plot(self, figures: Iterable[str] | None = None, lang: str = "en") -> Any:
        """A Plotly figure of the main per-period figures with seed bands, against the no-AI
        twin (``.show()`` it, or ``.write_html(path)``); drawn by :mod:`neijuan.report`."""
        from neijuan.report.plots import plot_result

        return plot_result(self, list(figures) if figures is not None else None, lang)

    # ------------------------------------------------------------------------------------ output
    def to_dict(self) -> dict[str, Any]:
        """The summary as JSON-ready data (the ``--json`` output)."""
        def as_map(frame: pl.DataFrame) -> dict[str, dict[str, Any]]:
            return {row["figure"]: {"mean": row["mean"], "lo": row["lo"], "hi": row["hi"],
                                    "unit": row["unit"]} for row in frame.iter_rows(named=True)}

        return {
            "scenario": self.scenario.name,
            "seeds": self.seeds,
            "version": self.provenance.get("code_version", code_version()),
            "params": self.scenario.params(),
            "figures": as_map(self.summary()),
            "effects": as_map(self.effects()) if self.twin is not None else {},
            "burn_in_drift": self.burn_in_drift(),
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
    twin: bool = True,
    shards: int = 1,
    ray_address: str | None = None,
) -> Result:
    """Run a scenario (a shipped name, a TOML path, or a :class:`Scenario`) over seeds.

    ``workers``, ``periods`` and ``seeds`` are shorthands for the ``run.*`` overrides. Seeds run in
    parallel on ``processes`` local processes (default: the number of cores, at most ``seeds``).
    ``progress(done, total)`` is called as periods (one run) or runs complete. With ``twin``
    (and AI on in the scenario) every seed also runs with AI switched off, so that each figure
    has its AI effect (:meth:`Result.effects`); ``twin=False`` halves the work.

    ``shards > 1`` spreads each run's rows over that many Ray actors (a local Ray cluster, or
    the one at ``ray_address``), which exchange per-occupation aggregates each period; the
    figures are the same as in one process, bit for bit (:mod:`neijuan.sim.shard`). Runs then go
    one after another (each uses ``shards`` CPUs).
    """
    factory = shard_factory(shards, ray_address)  # a bad value is refused before any work
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
    twin_sc = sc.with_overrides({"ai.enabled": False}) if twin and sc.ai.enabled else None
    jobs = [(sc, seed) for seed in seed_list]
    if twin_sc is not None:
        jobs += [(twin_sc, seed) for seed in seed_list]
    sharded = shards > 1 or ray_address is not None
    cores = available_cores()
    n_proc = 1 if sharded else max(1, min(processes or cores, len(jobs)))
    if sc.run.threads is None and not sharded:  # each process's share of the cores
        threads = {"run.threads": max(1, cores // n_proc)}
        jobs = [(job_sc.with_overrides(threads), seed) for job_sc, seed in jobs]
    total_periods = sc.run.burn_in + sc.run.periods
    capacity = capacity_for(sc.run.workers, sc.labour.growth, total_periods)
    series_bytes = 8 * total_periods * (200 + 20 * economy.n_occ)
    if ray_address is None:  # (the shards of a remote cluster have their own memory)
        check_memory(capacity, n_proc, series_bytes, records=sc.run.person_records)
    if sharded:
        split_chunks(chunk_count(capacity), shards)  # enough rows for the shards, or a clear no

    done_runs: list[SeedRun] = []
    if n_proc == 1:
        started = ray_start(shards, ray_address) if sharded else False
        try:
            report = progress
            for k, (job_sc, seed) in enumerate(jobs):
                if report is not None and len(jobs) == 1:
                    def tick(done: int, report: ProgressFn = report) -> None:
                        report(done, total_periods)
                    done_runs.append(run_seed(job_sc, economy, seed, tick, factory))
                else:
                    done_runs.append(run_seed(job_sc, economy, seed, shards=factory))
                    if report is not None:
                        report(k + 1, len(jobs))
        finally:
            if started:
                import ray

                ray.shutdown()
    else:
        warm_engine(sc, economy)
        ctx = multiprocessing.get_context("fork" if "fork" in
                                          multiprocessing.get_all_start_methods() else "spawn")
        with ProcessPoolExecutor(max_workers=n_proc, mp_context=ctx) as pool:
            futures = [pool.submit(_run_seed_job, (job_sc, economy, seed))
                       for job_sc, seed in jobs]
            for done, _fut in enumerate(as_completed(futures), start=1):
                if progress is not None:
                    progress(done, len(jobs))
            done_runs = [fut.result() for fut in futures]
    runs = done_runs[:len(seed_list)]
    twin_runs = done_runs[len(seed_list):]
    provenance = {
        "code_version": code_version(),
        "scenario": sc.name,
        "economy": economy.provenance,
        "seeds": seed_list,
        "figures": {"period": list(PERIOD_FIGURES), "run": list(RUN_FIGURES)},
    }
    twin_result = None
    if twin_sc is not None:
        twin_result = Result(scenario=twin_sc, economy=economy, seeds=seed_list, runs=twin_runs,
                             provenance={**provenance, "scenario": f"{sc.name} (no-AI twin)"})
        provenance["twin"] = "the same scenario and seeds with ai.enabled = false"
    return Result(scenario=sc, economy=economy, seeds=seed_list, runs=runs,
                  provenance=provenance, twin=twin_result)
