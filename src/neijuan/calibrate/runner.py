"""Evaluate (point, seeds) chunks with :func:`neijuan.simulate`, on a local pool or on Ray.

A *task* is one point (a ``{key: value}`` of parameter overrides) and a contiguous run of seeds;
a worker runs ``simulate`` on it and returns the chunk's rows: one per seed, with the point's
parameters, every run figure, the model's counterpart of every published target
(``target_<name>``), the AI effects (``effect_<figure>``, run minus its no-AI twin) when the
simulator provides a twin, and the version and provenance. The driver writes each chunk as it
arrives (:class:`~neijuan.calibrate.store.ChunkStore`), so the work done survives any stop.

Both backends call the same function on the same inputs, so they give identical rows.
"""

from __future__ import annotations

import functools
import inspect
import json
import math
import multiprocessing
import os
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from typing import Any

from neijuan.errors import NeijuanError, is_interrupt

ProgressFn = Callable[[int, int], None]  # (rows done, rows in total)
META_COLUMNS = ("scenario", "version", "sweep", "provenance")


@dataclass(frozen=True)
class Task:
    """One chunk to compute: a point and a contiguous run of seeds."""

    point: int                      # the point's index in its design (a column of the rows)
    key: str                        # the point's stable name (chunk file names)
    overrides: dict[str, Any]
    seeds: tuple[int, ...]


@dataclass
class RunStats:
    """What a run did."""

    rows_total: int
    rows_before: int
    rows_written: int = 0
    failures: list[str] = field(default_factory=list)
    interrupted: bool = False


class SweepInterrupted(NeijuanError):  # noqa: N818 (a stop, not an error)
    """Ctrl-C: the chunks written so far are kept; rerunning the command resumes."""


def plan_tasks(points: Sequence[dict[str, Any]], keys: Sequence[str], seeds: Sequence[int],
               done: dict[str, set[int]], batch: int) -> list[Task]:
    """The chunks still to compute: for each point, its missing seeds in contiguous runs of at
    most ``batch`` seeds (a stored seed is never recomputed, so no row is ever duplicated)."""
    tasks = []
    for index, (point, key) in enumerate(zip(points, keys, strict=True)):
        have = done.get(key, set())
        run: list[int] = []
        for seed in seeds:
            if seed in have:
                if run:
                    tasks.extend(_split(index, key, point, run, batch))
                    run = []
                continue
            if run and seed != run[-1] + 1:
                tasks.extend(_split(index, key, point, run, batch))
                run = []
            run.append(seed)
        if run:
            tasks.extend(_split(index, key, point, run, batch))
    return tasks


def _split(index: int, key: str, point: dict[str, Any], run: list[int], batch: int) -> list[Task]:
    return [Task(index, key, dict(point), tuple(run[i:i + batch]))
            for i in range(0, len(run), batch)]


def auto_batch(n_pairs: int, n_seeds: int, n_workers: int) -> int:
    """Seeds per chunk: small enough that every worker has several chunks to balance the load,
    large enough that a chunk's fixed cost (a simulate call, a file) is shared by several seeds."""
    return max(1, min(n_seeds, math.ceil(n_pairs / max(1, 4 * n_workers))))


# -------------------------------------------------------------------------------------- worker
@functools.cache
def _simulate_accepts_twin() -> bool:
    from neijuan.sim.run import simulate

    return "twin" in inspect.signature(simulate).parameters


def evaluate_task(base: Any, task: Task, meta: dict[str, str]) -> Any:
    """Run one chunk and return its rows (a Polars DataFrame). Runs in the worker.

    ``meta["twin"] == "0"`` skips the no-AI twin (a calibration needs only the levels its
    targets read: half the work); sweeps keep it for their ``effect_*`` columns."""
    from neijuan.sim.run import simulate

    scenario = base.with_overrides({**task.overrides, "run.seed": task.seeds[0],
                                    "run.seeds": len(task.seeds)})
    kwargs: dict[str, Any] = {"processes": 1}
    if _simulate_accepts_twin():
        kwargs["twin"] = meta.get("twin", "1") != "0"
    result = simulate(scenario, **kwargs)
    return rows_from_result(result, task, meta)


def rows_from_result(result: Any, task: Task, meta: dict[str, str]) -> Any:
    """The rows of a chunk from a :class:`~neijuan.sim.run.Result`: one per seed."""
    import polars as pl

    from neijuan.provenance import code_version
    from neijuan.targets import moments_by_seed

    figures = result.figures_by_seed().sort("seed")
    if sorted(figures["seed"].to_list()) != list(task.seeds):
        raise NeijuanError(f"simulate returned seeds {figures['seed'].to_list()}, expected "
                           f"{list(task.seeds)}")
    moments = moments_by_seed(result.series()).sort("seed")
    frame = figures.join(moments.rename({c: f"target_{c}" for c in moments.columns
                                         if c != "seed"}), on="seed", how="left")
    effects = _effects(result)
    if effects is not None:
        frame = frame.join(effects, on="seed", how="left")
    n = frame.height
    params = [pl.Series(key, [value] * n) for key, value in task.overrides.items()]
    provenance = {k: v for k, v in result.provenance.items() if k not in ("seeds", "figures")}
    head = [pl.Series("point", [task.point] * n, dtype=pl.Int64), *params]
    tail = [
        pl.Series("scenario", [result.scenario.name] * n, dtype=pl.String),
        pl.Series("version", [result.provenance.get("code_version", code_version())] * n,
                  dtype=pl.String),
        pl.Series("sweep", [meta.get("sweep", "")] * n, dtype=pl.String),
        pl.Series("provenance", [json.dumps(provenance, sort_keys=True, default=str)] * n,
                  dtype=pl.String),
    ]
    return pl.concat([pl.DataFrame(head), frame, pl.DataFrame(tail)], how="horizontal")


def _effects(result: Any) -> Any:
    """``effect_<figure>`` per seed (run minus its no-AI twin), when the simulator gives one."""
    if not hasattr(result, "effects_by_seed") or getattr(result, "twin", None) is None:
        return None
    effects = result.effects_by_seed()
    return effects.rename({c: f"effect_{c}" for c in effects.columns if c != "seed"})


def _evaluate_job(args: tuple[Any, Task, dict[str, str]]) -> Any:
    return evaluate_task(*args)


# ------------------------------------------------------------------------------------ backends
def _worker_init() -> None:
    """One BLAS thread per pool worker: N workers on N cores, each with its own BLAS thread
    pool, would oversubscribe the cores (measured: a third slower on two cores)."""
    from threadpoolctl import threadpool_limits

    threadpool_limits(limits=1)


def _pool_context() -> Any:
    # forkserver: workers fork from a clean server process, not from a driver that runs a
    # progress thread (fork with threads can deadlock); spawn where forkserver is absent.
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")


class Backend:
    """Where chunks run: this process, a local process pool, or Ray. Reused across calls (a
    calibration evaluates a generation at a time; the pool and its warm workers stay up)."""

    def __init__(self, processes: int | None = None, *, use_ray: bool = False,
                 ray_address: str | None = None) -> None:
        self.processes = max(1, processes or (os.cpu_count() or 1))
        self.use_ray, self.ray_address = use_ray, ray_address
        self._pool: ProcessPoolExecutor | None = None
        self._ray_started = False
        self._remote: Any = None

    def __enter__(self) -> Backend:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Stop the pool (and Ray, when this backend started it)."""
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None
        if self._ray_started:
            import ray

            ray.shutdown()
            self._ray_started = False

    def run(self, base: Any, tasks: Sequence[Task], meta: dict[str, str],
            done_one: Callable[[Task, Any], None], stats: RunStats) -> None:
        """Compute ``tasks``, calling ``done_one`` in this process as each completes."""
        if self.use_ray:
            self._run_ray(base, tasks, meta, done_one, stats)
        elif self.processes == 1 or len(tasks) == 1:
            for task in tasks:
                try:
                    frame = evaluate_task(base, task, meta)
                except NeijuanError as exc:
                    stats.failures.append(f"point {task.point} seeds {list(task.seeds)}: {exc}")
                    continue
                done_one(task, frame)
        else:
            self._run_pool(base, tasks, meta, done_one, stats)

    def _run_pool(self, base: Any, tasks: Sequence[Task], meta: dict[str, str],
                  done_one: Callable[[Task, Any], None], stats: RunStats) -> None:
        if self._pool is None:
            self._pool = ProcessPoolExecutor(max_workers=self.processes,
                                             mp_context=_pool_context(),
                                             initializer=_worker_init)
        pool = self._pool
        # a bounded number of chunks in flight: the driver holds few results at a time
        queue = list(tasks)[::-1]
        pending: dict[Future[Any], Task] = {}
        limit = 2 * self.processes
        try:
            while queue or pending:
                while queue and len(pending) < limit:
                    task = queue.pop()
                    pending[pool.submit(_evaluate_job, (base, task, meta))] = task
                finished, _ = wait(pending, return_when=FIRST_COMPLETED)
                for fut in finished:
                    task = pending.pop(fut)
                    try:
                        frame = fut.result()
                    except BrokenProcessPool:
                        stats.failures.append(
                            "a worker process died (out of memory or killed); "
                            f"{len(pending) + 1 + len(queue)} chunks not computed")
                        self._pool = None
                        return
                    except Exception as exc:  # a failed chunk must not lose the others
                        stats.failures.append(f"point {task.point} seeds {list(task.seeds)}: "
                                              f"{type(exc).__name__}: {exc}")
                        continue
                    done_one(task, frame)
        except BaseException:
            for fut in pending:
                fut.cancel()
            self.close()
            raise

    def _run_ray(self, base: Any, tasks: Sequence[Task], meta: dict[str, str],
                 done_one: Callable[[Task, Any], None], stats: RunStats) -> None:
        import ray
        from ray.exceptions import RayError

        if self._remote is None:
            self._ray_started = ray_init(self.processes, self.ray_address)
            # a lost worker is retried by Ray; past the retries the chunk is reported missing
            self._remote = ray.remote(max_retries=3)(evaluate_task)
        base_ref = ray.put(base)
        queue = list(tasks)[::-1]
        pending: dict[Any, Task] = {}
        limit = 2 * max(self.processes, int(ray.cluster_resources().get("CPU", 1)))
        while queue or pending:
            while queue and len(pending) < limit:
                task = queue.pop()
                pending[self._remote.remote(base_ref, task, meta)] = task
            finished, _ = ray.wait(list(pending), num_returns=1)
            for ref in finished:
                task = pending.pop(ref)
                try:
                    frame = ray.get(ref)
                except RayError as exc:
                    stats.failures.append(f"point {task.point} seeds {list(task.seeds)}: "
                                          f"{type(exc).__name__}: {str(exc).splitlines()[0]}")
                    continue
                done_one(task, frame)


def run_tasks(base: Any, tasks: Sequence[Task], write: Callable[[Task, Any], None],
              *, stats: RunStats, meta: dict[str, str], backend: Backend,
              progress: ProgressFn | None = None) -> RunStats:
    """Compute ``tasks`` on ``backend`` and ``write`` each chunk (in the driver) as it completes.

    A failed chunk is recorded in ``stats.failures`` and the others go on; a rerun computes
    what is missing. Ctrl-C raises :class:`SweepInterrupted` once the workers are stopped.
    """
    def done_one(task: Task, frame: Any) -> None:
        write(task, frame)
        stats.rows_written += len(task.seeds)
        if progress is not None:
            progress(stats.rows_before + stats.rows_written, stats.rows_total)

    if progress is not None:
        progress(stats.rows_before, stats.rows_total)
    if not tasks:
        return stats
    try:
        backend.run(base, tasks, meta, done_one, stats)
    except (KeyboardInterrupt, SystemError) as exc:
        # One Ctrl-C can raise twice: Polars turns a Ctrl-C it sees while it computes into a
        # KeyboardInterrupt of its own and leaves Python's signal pending, which raises again at
        # the next call, here (measured: one Ctrl-C in 25 left the sweep without its message).
        try:
            interrupted = is_interrupt(exc)
        except KeyboardInterrupt:
            interrupted = True
        if not interrupted:  # (a SystemError whose cause is not a Ctrl-C: a bug)
            raise
        stats.interrupted = True
        raise SweepInterrupted(
            f"interrupted: {stats.rows_before + stats.rows_written} of {stats.rows_total} rows "
            "are stored; rerun the same command to compute the rest") from None
    return stats


def ray_init(processes: int, address: str | None) -> bool:
    """Start (or join) Ray; True when this call started it (so the caller shuts it down)."""
    try:
        import ray
    except ImportError:
        raise NeijuanError("--ray needs Ray: pip install 'neijuan[ray]'") from None
    if ray.is_initialized():
        return False
    src = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    env = {"PYTHONPATH": os.pathsep.join(p for p in (src, os.environ.get("PYTHONPATH", "")) if p)}
    if address:
        ray.init(address=address, log_to_driver=False, runtime_env={"env_vars": env})
    else:
        ray.init(num_cpus=processes, include_dashboard=False, log_to_driver=False,
                 runtime_env={"env_vars": env})
    return True


def evaluate_points(base: Any, points: Sequence[dict[str, Any]], seeds: Iterable[int],
                    store: Any, *, meta: dict[str, str], batch: int | None = None,
                    backend: Backend | None = None, processes: int | None = None, use_ray: bool = False,
                    ray_address: str | None = None, progress: ProgressFn | None = None,
                    indices: Sequence[int] | None = None,
                    keys: Sequence[str] | None = None) -> RunStats:
    """Make sure ``store`` holds every (point, seed) row: compute the missing ones, write them.

    The building block of sweeps, calibration and sensitivity designs. ``indices`` numbers the
    points (default 0..n-1), ``keys`` names them in file names (default: a hash of the values;
    points must have distinct keys), ``store`` is an open
    :class:`~neijuan.calibrate.store.ChunkStore`.
    """
    from neijuan.calibrate.spec import point_key

    seed_list = list(seeds)
    keys = list(keys) if keys is not None else [point_key(p) for p in points]
    if len(set(keys)) != len(keys):
        raise NeijuanError("evaluate_points: two points share a key; pass distinct points")
    done = store.done()
    n_total = len(points) * len(seed_list)
    n_before = sum(len(done.get(k, set()) & set(seed_list)) for k in set(keys))
    own = backend is None
    runner = backend or Backend(processes, use_ray=use_ray, ray_address=ray_address)
    size = batch or auto_batch(n_total - n_before, len(seed_list), runner.processes)
    tasks = plan_tasks(points, keys, seed_list, done, size)
    if indices is not None:
        tasks = [Task(indices[t.point], t.key, t.overrides, t.seeds) for t in tasks]
    stats = RunStats(rows_total=n_total, rows_before=n_before)
    try:
        return run_tasks(base, tasks, lambda t, f: store.write(t.key, t.seeds, f), stats=stats,
                         meta=meta, backend=runner, progress=progress)
    finally:
        if own:
            runner.close()
