"""The population in shards: each shard holds a contiguous range of rows and runs the per-person
passes of a period over them; the driver exchanges per-occupation aggregates only.

Why the sharded run gives the same figures as one process, bit for bit:

- **Draws.** A draw is a pure function of (seed, period, stream, row) (:mod:`neijuan.sim.rng`):
  ``mix64(key + row * golden)``. A shard whose first row is global row ``a`` runs the unchanged
  passes on its own arrays with the key ``key + a * golden``, so its local row ``i`` draws what
  global row ``a + i`` draws.
- **Sums.** Floating-point sums depend on their order. Every pass that sums (scores, settling,
  the initial moments) runs over a fixed grid of chunks of :data:`CHUNK_ROWS` rows, in every
  run, sharded or not; each chunk's sums are combined along a fixed binary tree over the chunk
  grid (:class:`Fold`, :func:`fold`). A shard owns whole chunks, so it sends the sums of the
  largest aligned subtrees inside its range (at most two per level) and the driver completes the
  same tree. A run of at most one chunk (262,144 rows) adds in row order as before.
- **Sequential choices.** Entry fills the first free rows in row order: the driver gives each
  shard its share from the shards' free-row counts. The trim of the Tullock lottery gives each
  chunk its share of the positions by hypergeometric draws in chunk order (keyed by the chunk),
  then each chunk drops a uniformly random set of its winners' ranks; the random part of the
  top-M cut is selection sampling (keep with probability need / left, in row order). The shards
  run these one after another, each passing on the remaining need and left per occupation (a
  cheap step; the heavy passes run in parallel).
- **Threads.** Within a shard the chunks of a pass run on ``threads`` threads at once (the row
  passes release the GIL); each chunk still has its own key shift and its own sums, pushed into
  the tree in chunk order, so any number of threads gives the same bits. Entry and the trim run
  on the threads too, from per-chunk quotas (free rows; kept winners) fixed in chunk order.
- **Rows never move.** A person stays in the shard of their row whatever occupation they hold or
  apply to: every shard holds the per-occupation parameters (a few arrays of one value per
  occupation), so applicants reach any occupation through the aggregates.

The initial population is drawn from one sequential NumPy generator (as in one process): each
shard replays the stream to its rows (the uniform sweep is skipped with ``advance``; the normal
and exponential sweeps are generated and discarded up to the shard's rows).
"""

from __future__ import annotations

import logging
import math
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import fields, is_dataclass
from typing import TYPE_CHECKING, Any, Protocol, cast

import numpy as np
from numpy.typing import NDArray

from neijuan.errors import ConfigError, NeijuanError
from neijuan.sim import effort as _effort  # (these three loaded on first use: see neijuan.sim)
from neijuan.sim import kernels as kern
from neijuan.sim import libm
from neijuan.sim import quarter as _quarter
from neijuan.sim import steps as _steps
from neijuan.sim.state import EMPLOYED, UNEMPLOYED, Population
from neijuan.sim.streams import STREAM_INIT, chunk_key

if TYPE_CHECKING:
    from neijuan.sim.economy import Economy

CHUNK_ROWS = 1 << 18  # rows per chunk of the summing passes (part of the result's definition)
INIT_BLOCK = 1 << 20  # rows per block of the initial draws (memory only; results do not depend)
KEPT_ACCUMULATORS = 4  # chunks a shard keeps its passes' sums for (see Shard._folded)
_GOLDEN = 0x9E3779B97F4A7C15
_MASK = (1 << 64) - 1

Partial = tuple[NDArray[np.float64], ...]
Node = tuple[int, int, Partial]  # chunks [l, r) of the tree and their sums


def shift_key(key: np.uint64 | int, first_row: int) -> np.uint64:
    """The key under which local row i draws what global row ``first_row + i`` draws."""
    if first_row == 0 and type(key) is np.uint64:  # (the first chunk of a run: the key itself)
        return key
    return np.uint64((int(key) + first_row * _GOLDEN) & _MASK)


def _total(parts: Sequence[NDArray[np.float64]]) -> NDArray[np.float64]:
    """The sum of the chunks' counts (exact in any order; one chunk: a copy, no reduction)."""
    out = parts[0].copy()
    for part in parts[1:]:
        out += part
    return out


def chunk_count(capacity: int, chunk_rows: int = CHUNK_ROWS) -> int:
    return max(1, math.ceil(capacity / chunk_rows))


def split_chunks(n_chunks: int, shards: int, chunk_rows: int = CHUNK_ROWS
                 ) -> list[tuple[int, int]]:
    """Contiguous, balanced ranges of chunks, one per shard."""
    if shards < 1 or shards > n_chunks:
        raise ConfigError(
            f"shards = {shards} is not allowed: between 1 and {n_chunks} for this run (a shard "
            f"holds whole chunks of {chunk_rows:,} rows and the run has {n_chunks}); use fewer "
            "shards or more workers (run.workers)")
    cuts = [round(k * n_chunks / shards) for k in range(shards + 1)]
    return [(cuts[k], cuts[k + 1]) for k in range(shards)]


def _add(a: Partial, b: Partial) -> Partial:
    return tuple(x + y for x, y in zip(a, b, strict=True))


class Fold:
    """Sums of consecutive chunks merged along the fixed binary tree over the chunk grid: a node
    covers chunks [l, r) with r - l a power of two and l a multiple of it. Pushing the chunks of a
    range in order leaves the largest such nodes inside the range (a binary counter)."""

    def __init__(self) -> None:
        self.stack: list[Node] = []

    def push(self, chunk: int, part: Partial) -> None:
        lo, hi, v = chunk, chunk + 1, part
        while self.stack:
            plo, phi, pv = self.stack[-1]
            size = phi - plo
            if phi != lo or hi - lo != size or plo % (2 * size):
                break
            self.stack.pop()
            lo, v = plo, _add(pv, v)
        self.stack.append((lo, hi, v))

    def nodes(self) -> list[Node]:
        return self.stack


def fold(nodes: Sequence[Node], n_chunks: int) -> Partial:
    """The sum over all chunks along the tree, from the shards' nodes (each a subtree's sum);
    a half of the tree past the last chunk is empty (not a zero added)."""
    given = {(lo, hi): v for lo, hi, v in nodes}
    top = 1
    while top < n_chunks:
        top *= 2

    def value(lo: int, hi: int) -> Partial:
        if (lo, hi) in given:
            return given[(lo, hi)]
        if hi - lo == 1:
            raise RuntimeError(f"no shard sent the sums of chunk {lo}")
        mid = (lo + hi) // 2
        left = value(lo, mid)
        return left if mid >= n_chunks else _add(left, value(mid, hi))

    return value(0, top)


NO_LOG_EFFORT = np.zeros(1, np.float32)  # (the passes' placeholder where the log efforts are not
                                         # kept: see kernels.score_pass)


class RowKey:
    """A stream key among a pass's arguments: each chunk gets it shifted to its first row."""

    def __init__(self, key: np.uint64) -> None:
        self.key = key


class BestResponseRows:
    """Placeholder for the best-response table rows of the settle pass: the shard computes them
    from one value per occupation (``effort.rows_for``), instead of receiving the table."""

    def __init__(self, rho: NDArray[np.float64], kind: int) -> None:
        self.rho, self.kind = rho, kind

    def resolve(self, economy: Economy | None, out: NDArray[np.float64] | None = None,
                known: NDArray[np.float64] | None = None) -> NDArray[np.float64]:
        return _effort.rows_for(self.rho, self.kind, out, known)


class SearchCdf:
    """Placeholder for the score pass's application probabilities (degree x origin x target):
    the shard computes them from the openings, one value per occupation, and the economy's
    mobility network it was given once (``steps.search_cdf``)."""

    def __init__(self, openings: NDArray[np.float64]) -> None:
        self.openings = openings

    def resolve(self, economy: Economy | None) -> NDArray[np.float64]:
        if economy is None:
            raise RuntimeError("set_economy must run first")
        return _steps.search_cdf(economy, self.openings)


class Shard:
    """Rows [start, stop) of the population (chunks [first_chunk, last_chunk)) and the passes
    over them. In one process there is one shard holding every row."""

    def __init__(self, first_chunk: int, last_chunk: int, capacity: int,
                 chunk_rows: int = CHUNK_ROWS, records: bool = True) -> None:
        self.first_chunk = first_chunk
        self.chunk_rows = chunk_rows
        self.start = first_chunk * chunk_rows
        self.stop = min(last_chunk * chunk_rows, capacity)
        self.pop = Population.allocate(self.stop - self.start, records)
        self.n_won = np.zeros(0)
        self.n_won_chunks: list[NDArray[np.float64]] = []
        self.free_chunks: list[int] = []
        # rows in use so far at the start of each chunk (a high-water mark): entry fills the
        # first free rows, so every row past it has never held anyone and the passes skip it
        self.chunk_list = list(self._chunks())  # (chunk index, local start, local stop)
        self.used = [b - a for _, a, b in self.chunk_list]
        self._init_rng: np.random.Generator | None = None
        self.economy: Economy | None = None
        self.threads = 1
        self._pool: ThreadPoolExecutor | None = None
        self._br_rows: NDArray[np.float64] | None = None
        self._br_known: tuple[int, NDArray[np.float64]] | None = None  # (kind, rho of each row)
        self._accumulators: dict[tuple[str, int], Partial] = {}
        self._whole_rows: tuple[NDArray[Any], ...] | None = None  # (settle's: see there)
        # (contest's best-response rows: kind, rows, filled cells, their rho, table rows, weights)
        self._rows_filled: tuple[Any, ...] | None = None
        # (contest's: occupations, score cells and wage bins; the sums; the score histograms'
        # filled cells)
        self._contest_sums: tuple[tuple[int, int, int], Partial,
                                  NDArray[np.int64]] | None = None
        # (contest's: each row's log effort, from the score pass to the lottery)
        self._log_effort: NDArray[np.float32] | None = None
        # the trim's drops of each chunk, (ranks, start) as kernels.trim_ranks gives them, from
        # the trim to the settle pass that applies them (a chunk without drops has none here)
        self._drops: dict[int, tuple[NDArray[np.int64], NDArray[np.int64]]] = {}
        # per pass: (arguments, accumulator shapes, placeholder positions, key positions)
        self._plans: dict[str, tuple[int, tuple[tuple[int, ...], ...], tuple[int, ...],
                                     tuple[int, ...]]] = {}

    def set_threads(self, threads: int) -> None:
        """Run the chunks of each row pass on this many threads (the same results for any)."""
        self.threads = max(1, int(threads))
        self.close()

    def close(self) -> None:
        """Stop this shard's threads (they are started again when needed)."""
        if self._pool is not None:
            self._pool.shutdown()
            self._pool = None

    def __getstate__(self) -> dict[str, Any]:  # (a pool does not travel; a buffer need not)
        return {**self.__dict__, "_pool": None, "_br_rows": None, "_br_known": None,
                "_accumulators": {}, "_contest_sums": None, "_whole_rows": None,
                "_rows_filled": None, "_log_effort": None}

    def _map_chunks(self, work: Callable[[tuple[int, int, int]], Any], used_only: bool = False
                    ) -> Iterable[Any]:
        """``work(chunk, start, stop)`` for every chunk, in chunk order, on the shard's threads;
        with ``used_only`` each chunk stops at its high-water mark (the rows after it are out of
        the labour force and have never been in it: a pass over them would change nothing)."""
        chunks = self.chunk_list
        if len(chunks) == 1:  # (a run of up to CHUNK_ROWS rows: no list, no map, no pool)
            c, a, b = chunks[0]
            return (work((c, a, a + self.used[0]) if used_only else (c, a, b)),)
        if used_only:
            chunks = [(c, a, a + used) for (c, a, _), used in zip(chunks, self.used, strict=True)]
        if self.threads == 1 or len(chunks) == 1:
            return map(work, chunks)
        if self._pool is None:
            self._pool = ThreadPoolExecutor(self.threads, thread_name_prefix="neijuan-rows")
        return self._pool.map(work, chunks)

    def set_economy(self, economy: Economy) -> None:
        """The run's economy (its search network), sent once."""
        self.economy = economy

    @property
    def size(self) -> int:
        return self.stop - self.start

    @property
    def n_chunks_here(self) -> int:
        """Chunks of this shard."""
        return -(-self.size // self.chunk_rows)

    def _chunks(self) -> Iterator[tuple[int, int, int]]:
        """(chunk index, local start, local stop) of each chunk."""
        step = self.chunk_rows
        for a in range(0, self.size, step):
            yield self.first_chunk + a // step, a, min(a + step, self.size)

    def _best_response_rows(self, rows: BestResponseRows) -> NDArray[np.float64]:
        """The rows, written into this shard's own array (kept from one period to the next)."""
        shape = (rows.rho.size, _effort.N_A)
        if (self._br_rows is None or self._br_rows.shape != shape or self._br_known is None
                or self._br_known[0] != rows.kind):
            self._br_rows = np.full(shape, 0.0)  # (written now: see Population.allocate)
            self._br_known = (rows.kind, np.full(shape[0], np.nan))
        return rows.resolve(self.economy, self._br_rows, self._br_known[1])

    def _best_response_state(self, kind: int, n_occ: int) -> tuple[NDArray[Any], ...]:
        """The best-response rows as :meth:`quarter` gives them to its passes, filled on
        demand, with what filling them needs: ``(rows, filled cells, table, table row below each
        rho, weight of the one above, the table's log rho, the rho each row was filled for)``,
        kept from one quarter to the next (see ``kernels._settle_contest``; the call finds the
        cells and weights from this quarter's rho first, ``effort.rho_cells``). A row whose
        ``rho`` changed is refilled over the cells it held (``kernels.one_chunk_contest``); one
        whose ``rho`` did not keeps its cells (a row is a function of its ``rho``)."""
        log_rho, _, table = _effort.best_response_table(kind)
        state = self._rows_filled
        if state is None or state[0] != kind or state[1].shape[0] != n_occ:
            state = (kind, np.full((n_occ, _effort.N_A), 0.0),
                     np.zeros((n_occ, 2), np.int64), np.full(n_occ, np.nan),
                     np.zeros(n_occ, np.int64), np.zeros(n_occ))
            self._rows_filled = state
        _, out, band, known, cell, weight = state
        return out, band, table, cell, weight, log_rho, known

    def _resolved(self, name: str, args: Sequence[Any], shapes: Sequence[tuple[int, ...]]
                  ) -> tuple[list[Any], tuple[int, ...]]:
        """``args`` with their placeholders (:class:`BestResponseRows`, :class:`SearchCdf`)
        made, and where among them the :class:`RowKey` are (each chunk shifts those)."""
        # where the placeholders and the keys are among the arguments: the same every period
        # for a pass (found once; a few dozen type tests a call were a tenth of a small run's
        # shard work)
        plan = self._plans.get(name)
        if plan is None or plan[0] != len(args) or plan[1] != tuple(shapes):
            plan = (len(args), tuple(tuple(s) for s in shapes),
                    tuple(k for k, a in enumerate(args)
                          if isinstance(a, (BestResponseRows, SearchCdf))),
                    tuple(k for k, a in enumerate(args) if isinstance(a, RowKey)))
            self._plans[name] = plan
            for key in [k for k in self._accumulators if k[0] == name]:
                del self._accumulators[key]  # (kept for other shapes)
        _, _, placeholders, keys = plan
        args = list(args)
        for k in placeholders:
            a = args[k]
            args[k] = (self._best_response_rows(a) if isinstance(a, BestResponseRows)
                       else a.resolve(self.economy))
        return args, keys

    def _folded(self, kernel: Callable[..., Any], rows: Sequence[str], args: Sequence[Any],
                shapes: Sequence[tuple[int, ...]],
                per_chunk: Callable[[int], tuple[Any, ...]] | None = None,
                tail: tuple[Any, ...] = ()) -> list[Node]:
        """Run ``kernel(*row arrays, *args, *per_chunk(chunk), *accumulators, *tail)`` chunk by
        chunk (each :class:`RowKey` of ``args`` shifted to the chunk's first row) and fold the
        accumulators.

        The kernel sets every accumulator (it zeroes them first). Those of the shard's first
        :data:`KEPT_ACCUMULATORS` chunks are the shard's own arrays, kept from one period to the
        next: a score histogram is 160 kB, and a fresh one each period cost some 40 page faults,
        a tenth of a small run's period (later chunks' are fresh: a chunk's 15 ms dwarf the
        faults, and kept ones would cost 1.4 B a worker at 7.8x10^8). So the sums returned are
        valid until the next call of the same pass here (the model uses them within the
        period)."""
        kernel_name = kernel.__name__
        args, keys = self._resolved(kernel_name, args, shapes)

        def work(job: tuple[int, int, int]) -> tuple[int, Partial]:
            chunk, a, b = job
            call = list(args)
            for k in keys:
                call[k] = shift_key(args[k].key, self.start + a)
            acc = self._accumulators.get((kernel_name, chunk))
            if acc is None:
                acc = tuple(np.zeros(s) for s in shapes)
                if chunk - self.first_chunk < KEPT_ACCUMULATORS:
                    self._accumulators[(kernel_name, chunk)] = acc
            pop = self.pop
            if per_chunk is not None:
                call += per_chunk(chunk)
            kernel(*[getattr(pop, name)[a:b] for name in rows], *call, *acc, *tail)
            return chunk, acc

        tree = Fold()
        for chunk, acc in self._map_chunks(work, used_only=True):
            tree.push(chunk, acc)
        return tree.nodes()

    def memory(self) -> tuple[int, int, int]:
        """(rows, bytes of the rows' arrays, peak resident bytes of this process so far)."""
        from neijuan.sim.state import peak_resident

        return self.size, self.pop.nbytes(), peak_resident()

    # ------------------------------------------------------------------ the initial population
    def populate_layout(self, seed: int, n0: int, n_emp: int, emp_counts: NDArray[np.int64],
                        unemp_counts: NDArray[np.int64], p_deg: NDArray[np.float64]) -> int:
        """Occupation, origin and status of the initial rows, and the degree draws (the first
        sweep of the initial stream, one uniform a row). Returns the degree holders here."""
        pop = self.pop
        lo, hi = min(self.start, n0), min(self.stop, n0)
        bounds = np.concatenate([[0], np.cumsum(emp_counts), n_emp + np.cumsum(unemp_counts)])
        occ_of_segment = np.concatenate([np.arange(emp_counts.size), np.arange(unemp_counts.size)])
        for seg in range(occ_of_segment.size):
            a, b = max(int(bounds[seg]), lo), min(int(bounds[seg + 1]), hi)
            if a < b:
                pop.occ[a - self.start:b - self.start] = occ_of_segment[seg]
        m = hi - lo
        self.used = [min(max(m - a, 0), b - a) for _, a, b in self._chunks()]
        pop.origin[:m] = pop.occ[:m]
        split = min(max(n_emp - lo, 0), m)  # (slices: no whole-shard temporaries)
        pop.status[:split] = EMPLOYED
        pop.status[split:m] = UNEMPLOYED
        bits = np.random.PCG64([seed, STREAM_INIT])  # what default_rng([seed, STREAM_INIT]) uses
        rng = np.random.Generator(bits)
        bits.advance(lo)
        for a in range(0, m, INIT_BLOCK):
            b = min(a + INIT_BLOCK, m)
            pop.degree[a:b] = rng.random(b - a) < p_deg[pop.occ[a:b]]
        bits.advance(n0 - hi)
        self._init_rng = rng
        return int(np.count_nonzero(pop.degree[:m]))

    def populate_skills(self, n0: int, d_mean: float, degree_skill_gap: float, sorting: float,
                        skill_sd: float, log_w: NDArray[np.float64], log_w_mean: float,
                        z_mean_of_occ: NDArray[np.float64], effort0: float) -> None:
        """Log skill (the normal sweep) and AI skill (the exponential sweep) of the initial rows;
        each sweep is generated over every row before this shard's and discarded there."""
        pop, rng = self.pop, self._init_rng
        if rng is None:
            raise RuntimeError("populate_layout must run first")
        lo, hi = min(self.start, n0), min(self.stop, n0)
        for a in range(0, n0, INIT_BLOCK):
            b = min(a + INIT_BLOCK, n0)
            normal = rng.standard_normal(b - a)
            s, e = max(a, lo), min(b, hi)
            if s < e:
                la, lb = s - self.start, e - self.start
                pop.log_skill[la:lb] = (degree_skill_gap * (pop.degree[la:lb] - d_mean)
                                        + sorting * (log_w[pop.occ[la:lb]] - log_w_mean)
                                        + skill_sd * normal[s - a:e - a])
                libm.exp_into(pop.log_skill[la:lb], pop.skill[la:lb])
        for a in range(0, hi, INIT_BLOCK):
            b = min(a + INIT_BLOCK, hi)
            draw = rng.exponential(1.0, b - a)
            s = max(a, lo)
            if s < b:
                la, lb = s - self.start, b - self.start
                pop.ai_skill[la:lb] = np.minimum(1.0, draw[s - a:] * z_mean_of_occ[pop.occ[la:lb]])
        pop.effort[:hi - lo] = effort0
        self._init_rng = None

    def populate_sums(self, n0: int, n_occ: int) -> list[Node]:
        """Per chunk: employment and efficiency units (no AI yet), the employed's skill moments
        (sum s, s z, s z^2) and the degree groups' count, sum and sum of squares of log skill."""
        pop = self.pop
        tree = Fold()
        for chunk, a, b in self._chunks():
            employed, units, moments = np.zeros(n_occ), np.zeros(n_occ), np.zeros((n_occ, 3))
            kern.production_pass(pop.status[a:b], pop.occ[a:b], pop.skill[a:b],
                                 pop.ai_skill[a:b], np.zeros(n_occ), employed, units)
            kern.skill_moments_pass(pop.status[a:b], pop.occ[a:b], pop.skill[a:b],
                                    pop.ai_skill[a:b], moments)
            stats = np.zeros((2, 3))
            b0 = max(min(b, n0 - self.start), a)
            for d in (0, 1):
                v = pop.log_skill[a:b0][pop.degree[a:b0] == d].astype(np.float64)
                stats[d] = (v.size, np.sum(v), np.sum(v**2))
            tree.push(chunk, (employed, units, moments, stats))
        return tree.nodes()

    # ------------------------------------------------------------------------- a period's passes
    def retire(self, key: np.uint64, hazard: float, separation: float
               ) -> tuple[int, int, int, int]:
        """Retirements and separations; returns (retired, separated, labour force after, free
        rows after)."""
        pop = self.pop

        def work(job: tuple[int, int, int]) -> NDArray[np.float64]:
            _, a, b = job
            flows = np.zeros(3)
            kern.retire_pass(pop.status[a:b], pop.wage[a:b], shift_key(key, self.start + a),
                             hazard, separation, flows)
            return flows

        by_chunk = list(self._map_chunks(work, used_only=True))
        # free rows per chunk after retirement (entry fills the first ones, chunk by chunk)
        self.free_chunks = [(b - a) - int(f[2]) for (_, a, b), f in zip(
            self.chunk_list, by_chunk, strict=True)]
        flows = by_chunk[0] if len(by_chunk) == 1 else _total(by_chunk)
        retired, separated, in_force = (int(x) for x in flows.tolist())
        return retired, separated, in_force, self.size - in_force

    def _entry_quotas(self, n: int) -> list[int]:
        """The entrants each chunk takes: the first ``n`` free rows of this shard in row order,
        each chunk what the chunks before left (draws are keyed by row: the same rows, the same
        entrants as one pass over the shard). Each chunk's high-water mark moves first past the
        never-used rows its entrants will fill, so that the pass walks them."""
        pop = self.pop
        if len(self.free_chunks) != self.n_chunks_here:  # (no retirement pass yet)
            self.free_chunks = [int(np.count_nonzero(pop.status[a:b] == 0))
                                for _, a, b in self.chunk_list]
        quota, before = [], 0
        for free in self.free_chunks:  # (a few chunks: Python's ints, not NumPy's calls)
            quota.append(min(free, max(0, n - before)))
            before += free
        # entrants past a chunk's free rows in use fill the never-used rows after its mark
        for (chunk, a, b), free, take in zip(self.chunk_list, self.free_chunks, quota,
                                             strict=True):
            k = chunk - self.first_chunk
            free_in_use = free - ((b - a) - self.used[k])
            self.used[k] += max(0, take - free_in_use)
        self.free_chunks = []  # (until the next retirement pass)
        return quota

    def score(self, entrants: int, args: Sequence[Any], n_occ: int, n_bins: int
              ) -> list[Node]:
        """Entry into the first ``entrants`` free rows, then applications, screening and
        scores; per chunk the histogram and counts per occupation and the entrants
        (``args``: ``score_pass``'s after the rows and before the entrants a chunk takes, its
        keys as :class:`RowKey`)."""
        quota = self._entry_quotas(entrants)
        first = self.first_chunk
        rows = ("status", "occ", "origin", "degree", "log_skill", "skill", "ai_skill", "effort",
                "wage", "tenure", "agency", "failures", "blamed", "mark", "score", "signal")
        shapes = ((n_occ, n_bins), (n_occ, n_bins), (n_occ,), (n_occ,), (n_occ,), (1,))

        def entrants_of(chunk: int) -> tuple[int, NDArray[np.int64]]:
            # (every cell of the histograms may hold sums: the accumulators are shared by the
            # chunks past the kept ones; the pass zeroes them all)
            return quota[chunk - first], np.array([0, n_bins - 1])

        # (the log efforts are not kept: the lottery computes its own, as it must where rows
        # are spread over chunks and shards)
        return self._folded(kern.score_pass, rows, args, shapes, entrants_of,
                            (NO_LOG_EFFORT, False))

    def keep_scores(self) -> None:
        """Keep each candidate's observed score (top-M selects on it; Tullock recomputes it)."""
        self.pop.keep_scores()

    def lottery(self, bar: NDArray[np.float64], noise: NDArray[np.float64], r: float,
                key: np.uint64) -> NDArray[np.float64]:
        """The Tullock lottery against the bar; winners per occupation here."""
        pop = self.pop
        self._drops = {}  # (until the trim, if this period has one)

        def work(job: tuple[int, int, int]) -> NDArray[np.float64]:
            _, a, b = job
            n_won = np.zeros(bar.size)
            kern.select_lottery_pass(pop.status[a:b], pop.occ[a:b], pop.signal[a:b],
                                     pop.effort[a:b], bar, noise, r, pop.won[a:b], n_won,
                                     shift_key(key, self.start + a), NO_LOG_EFFORT, False)
            return n_won

        self.n_won_chunks = list(self._map_chunks(work, used_only=True))  # (the trim splits by chunk)
        self.n_won = _total(self.n_won_chunks)
        return self.n_won

    def trim(self, state: tuple[NDArray[np.float64], NDArray[np.float64]], key: np.uint64,
             last: bool) -> tuple[tuple[NDArray[np.float64], NDArray[np.float64]], None]:
        """The trim over this shard's winners, from the positions still to fill (``need``) and
        the winners still to see (``left``) of the shards before; returns them for the next
        shard. The rows are not walked here: the settle pass drops the winners of the ranks
        drawn, as it reads each row's outcome (see ``kernels._settle_contest``)."""
        need, left = state
        chunks = self.chunk_list
        # how many of each chunk's winners are kept: the chunks in row order, each taking its
        # share of the positions left by a hypergeometric draw (how many of a uniformly random
        # subset of the winners fall in it); then each chunk drops a uniformly random subset of
        # its own winners (the excess is a few winners)
        quotas = []
        to_keep, to_see = need.copy(), left.copy()
        for (chunk, _, _), n_c in zip(chunks, self.n_won_chunks, strict=True):
            done, kept = kern.trim_quota(to_keep, to_see, n_c)  # (no draw needed: compiled)
            if done:
                quotas.append(kept)
                continue
            over = to_see > to_keep
            if np.any(over & (to_see > n_c)):
                draw = np.random.default_rng([int(key), chunk]).hypergeometric(
                    np.where(over, n_c, 1).astype(np.int64),
                    np.where(over, to_see - n_c, 0).astype(np.int64),
                    np.where(over, to_keep, 0).astype(np.int64))
            else:  # (every winner left is in this chunk: it keeps exactly what is left)
                draw = to_keep.astype(np.int64)
            kept = np.where(over, draw, n_c).astype(np.float64)
            quotas.append(kept)
            to_keep -= kept
            to_see -= n_c

        for (chunk, _, _), n_c, kept in zip(chunks, self.n_won_chunks, quotas, strict=True):
            drops = (n_c - kept).astype(np.int64)
            if drops.any():
                # which of the chunk's winners lose: in each occupation a uniformly random
                # subset of ranks (the winners counted in row order), from a stream of the
                # chunk's own
                self._drops[chunk] = kern.trim_ranks(drops, n_c.astype(np.int64),
                                                     chunk_key(key, chunk))
        if last:
            return state, None
        # each chunk kept exactly its quota: what is still to fill and to see (no scan of rows)
        return (to_keep, to_see), None

    def select_top(self, state: tuple[NDArray[np.float64], NDArray[np.float64]],
                   args: Sequence[Any], key: np.uint64, last: bool
                   ) -> tuple[tuple[NDArray[np.float64], NDArray[np.float64]],
                              NDArray[np.float64]]:
        """Top-M: everyone above the cut bin wins, in it a random subset (selection sampling
        from ``need`` still to take and ``left`` still to see). ``args`` are ``select_top_pass``'s
        (bar, center, half width, bins, cut bin). The hand-over counts come from the pass
        itself: run again (on scratch) with none and with all of the cut bin taken."""
        need, left = state
        pop = self.pop
        self._drops = {}  # (top-M takes exactly the positions: nothing to trim)
        shifted = shift_key(key, self.start)
        n_won = np.zeros(need.size)
        select = cast(Callable[..., None], kern.select_top_pass)
        select(pop.status, pop.occ, pop.score, *args, need, left, pop.won, n_won, shifted)
        if last:
            return state, n_won
        scratch = np.empty_like(pop.won)
        none, every = np.zeros(need.size), np.zeros(need.size)
        huge = np.full(need.size, 1e18)  # u * huge < 0 never, u * huge < huge always
        select(pop.status, pop.occ, pop.score, *args, np.zeros(need.size), huge, scratch, none,
               shifted)
        select(pop.status, pop.occ, pop.score, *args, huge, huge, scratch, every, shifted)
        return (need - (n_won - none), left - (every - none)), n_won

    def settle(self, args: Sequence[Any], n_occ: int, n_wage_bins: int) -> list[Node]:
        """Steps 5-9 per chunk (``args``: ``settle_pass``'s after the rows and before the
        trim's drops, its key as :class:`RowKey`; each chunk adds its own drops): the
        per-occupation and per-degree sums."""
        rows = ("status", "occ", "origin", "degree", "tenure", "won", "signal", "effort",
                "log_skill", "skill", "ai_skill", "wage", "agency", "failures", "blamed", "mark")
        shapes = ((n_occ,), (n_occ,), (n_occ,), (2, 3), (2, 4), (n_occ, 15), (n_wage_bins,),
                  (5,))
        none = (np.empty(0, np.int64), np.zeros(n_occ + 1, np.int64))
        drops = self._drops
        # (the best-response rows are whole here: every cell filled, none to fill)
        whole = self._whole_rows
        if whole is None or whole[0].shape[0] != n_occ:
            whole = (np.tile(np.array([0, _effort.N_A]), (n_occ, 1)), np.zeros((2, _effort.N_A)),
                     np.zeros(n_occ, np.int64), np.zeros(n_occ))
            self._whole_rows = whole

        def drops_of(chunk: int) -> tuple[NDArray[Any], ...]:
            return (*drops.get(chunk, none), *whole)

        nodes = self._folded(kern.settle_pass, rows, args, shapes, drops_of)
        self._drops = {}  # (applied)
        return nodes

    # -------------------------------------------------------- a quarter's passes in one call
    @property
    def one_chunk(self) -> bool:
        """Whether the rows are one chunk (then :meth:`quarter` may stand for retire, score,
        lottery, trim and settle)."""
        return len(self.chunk_list) == 1

    def _one_call_buffers(self, n_occ: int, n_bins: int, n_wage_bins: int
                          ) -> tuple[tuple[NDArray[np.float64], ...], NDArray[np.int64],
                                     NDArray[np.float32]]:
        """What a quarter in one call keeps from one quarter to the next: the passes' sums
        (see :meth:`quarter`), the range of the score histograms' cells that the
        last quarter filled (the score pass zeroes only those) and the score pass's log efforts
        (a row each, for the lottery)."""
        if not self.one_chunk:
            raise RuntimeError("a quarter in one call runs a shard of one chunk; this one has "
                               f"{len(self.chunk_list)}")
        kept = self._contest_sums
        if kept is None or kept[0] != (n_occ, n_bins, n_wage_bins):
            shapes = ((n_occ, n_bins), (n_occ, n_bins), (n_occ,), (n_occ,), (n_occ,), (1,),
                      (n_occ,), (n_occ,), (n_occ,), (2, 3), (2, 4), (n_occ, 15),
                      (n_wage_bins,), (5,))
            kept = ((n_occ, n_bins, n_wage_bins), tuple(np.full(s, 0.0) for s in shapes),
                    np.array([0, n_bins - 1]))
            self._contest_sums = kept
        if self._log_effort is None:
            self._log_effort = np.zeros(self.pop.status.size, np.float32)
        return kept[1], kept[2], self._log_effort

    def quarter(self, head: Sequence[Any], key_retire: np.uint64, hazard: float,
                separation: float, labour_target: float, score_args: Sequence[Any],
                between: Sequence[Any], kind: int, settle_args: Sequence[Any],
                close_args: Sequence[Any], n_bins: int, n_wage_bins: int) -> tuple[Any, ...]:
        """A Tullock quarter in one compiled call (:func:`quarter.one_chunk_quarter`): steps
        1-3 on ``head`` (its arguments before the rows), then :func:`kernels.one_chunk_contest`
        on what they give (what :meth:`retire`, :meth:`score`, :meth:`lottery`, :meth:`trim`
        and :meth:`settle` do, and the per-occupation steps between them), then
        :func:`steps.close_quarter`. ``score_args``: :meth:`score`'s arguments from the keys on
        but the screen's arrays and the AI uplift, the keys as they are (shifted here), the
        entrants' mean AI skill as the population's and its top; ``between``: last quarter's
        bars, the lottery's and the trim's keys, the bargaining share and its erosion by
        competition; ``kind``: the best response's table; ``settle_args``: ``settle_pass``'s
        arguments from the benefit on but those steps 1-3 give; ``close_args``: the close's
        but those the steps before give (see :func:`quarter.one_chunk_quarter`). Returns the
        flows (retired, separated, labour force after), the score pass's sums, the frictions'
        rows, the bars, the winners, the centres of the scores, the settle pass's sums (as
        :meth:`score` and :meth:`settle` fold them), then the adoption, the contest inputs'
        rows, the close's scalars and rows, the production rows and the quarter's scalars."""
        n_occ = len(between[0])
        acc, cells, log_effort = self._one_call_buffers(n_occ, n_bins, n_wage_bins)
        out, band, table, cell, weight, log_rho, known = self._best_response_state(kind, n_occ)
        economy = self.economy
        if economy is None:
            raise RuntimeError("set_economy must run first")
        start = self.start
        (key_search, key_test, key_noise, *pool, key_entry, key_entry_skill, degree_share,
         skill_mean, skill_sd, degree_gap, ai_skill_base, ai_skill_top,
         effort0) = score_args
        flows = np.zeros(3)
        frictions = np.empty((3, n_occ))
        bar, n_won, new_center = np.empty(n_occ), np.empty(n_occ), np.empty(n_occ)
        pop = self.pop
        used, *results = _quarter.one_chunk_quarter(
            *head,
            pop.status, pop.occ, pop.origin, pop.degree, pop.log_skill, pop.skill, pop.ai_skill,
            pop.effort, pop.wage, pop.tenure, pop.agency, pop.failures, pop.blamed, pop.mark,
            pop.score, pop.signal, pop.won, self.used[0], key_retire, hazard, separation,
            labour_target, economy.mobility, shift_key(key_search, start),
            shift_key(key_test, start), shift_key(key_noise, start), *pool,
            shift_key(key_entry, start), shift_key(key_entry_skill, start), degree_share,
            skill_mean, skill_sd, degree_gap, ai_skill_base, ai_skill_top, effort0,
            *between, out, band, table, cell, weight, log_rho, known, *settle_args[:-3],
            shift_key(settle_args[-3], start), *settle_args[-2:], flows, cells, *acc[:6],
            frictions, bar, n_won, new_center, *acc[6:], log_effort, *close_args)
        self.used[0] = used
        self.free_chunks = []
        self._drops = {}
        return (flows, acc[:6], frictions, bar, n_won, new_center, acc[6:], *results)


# ------------------------------------------------------------------------------- sets of shards
class ShardSet(Protocol):
    """The shards of one run, in row order, and how the driver reaches them."""

    n_chunks: int
    n_shards: int

    def map(self, method: str, *args: Any) -> list[Any]:
        """Call ``method(*args)`` on every shard (in parallel where they are remote)."""
        ...

    def map_each(self, method: str, args: Sequence[tuple[Any, ...]]) -> list[Any]:
        """Call ``method(*args[k])`` on shard k."""
        ...

    def chain(self, method: str, state: Any, *args: Any) -> tuple[Any, list[Any]]:
        """Call ``method(state, *args, last)`` on the shards in row order, each getting the state
        the one before returned; returns the final state and each shard's output."""
        ...

    def close(self) -> None:
        ...


class ShardFactory(Protocol):
    """Builds the shards of a run: ``factory(capacity, records=...)`` (``records``: whether the
    per-person records are kept, ``run.person_records``)."""

    def __call__(self, capacity: int, records: bool = True) -> ShardSet:
        ...


class LocalShards:
    """Shards in this process (one for an ordinary run; several only to test the sharding)."""

    def __init__(self, capacity: int, shards: int = 1, chunk_rows: int = CHUNK_ROWS,
                 records: bool = True) -> None:
        self.n_chunks = chunk_count(capacity, chunk_rows)
        self.shards = [Shard(a, b, capacity, chunk_rows, records)
                       for a, b in split_chunks(self.n_chunks, shards, chunk_rows)]
        self.n_shards = len(self.shards)

    def map(self, method: str, *args: Any) -> list[Any]:
        return [getattr(s, method)(*args) for s in self.shards]

    def map_each(self, method: str, args: Sequence[tuple[Any, ...]]) -> list[Any]:
        return [getattr(s, method)(*a) for s, a in zip(self.shards, args, strict=True)]

    def chain(self, method: str, state: Any, *args: Any) -> tuple[Any, list[Any]]:
        outputs = []
        for k, s in enumerate(self.shards):
            state, out = getattr(s, method)(state, *args, k == self.n_shards - 1)
            outputs.append(out)
        return state, outputs

    def close(self) -> None:
        """Stop the shards' threads; the rows go with this object."""
        for s in self.shards:
            s.close()


class Sparse:
    """A mostly-zero array in transit (a score histogram: most bins of most occupations are
    empty): its shape, the flat positions of the entries that are not +0.0, and their values."""

    def __init__(self, arr: NDArray[np.float64]) -> None:
        flat = arr.reshape(-1)
        self.shape = arr.shape
        self.index = np.flatnonzero((flat != 0) | np.signbit(flat)).astype(np.int32)
        self.values = flat[self.index]

    def dense(self) -> NDArray[np.float64]:
        out = np.zeros(self.shape)
        out.reshape(-1)[self.index] = self.values
        return out


def pack(obj: Any) -> Any:
    """``obj`` with its large mostly-zero float arrays as :class:`Sparse` (exact)."""
    if isinstance(obj, np.ndarray) and obj.dtype == np.float64 and obj.size >= 1024:
        nonzero = int(np.count_nonzero(obj))
        return Sparse(obj) if 3 * nonzero < obj.size else obj
    if isinstance(obj, (tuple, list)):
        return type(obj)(pack(x) for x in obj)
    return obj


def unpack(obj: Any) -> Any:
    if isinstance(obj, Sparse):
        return obj.dense()
    if isinstance(obj, (tuple, list)):
        return type(obj)(unpack(x) for x in obj)
    return obj


def payload_bytes(obj: Any) -> int:
    """Bytes of the arrays and numbers in ``obj`` (what crosses between driver and shards)."""
    if isinstance(obj, np.ndarray):
        return int(obj.nbytes)
    if isinstance(obj, BestResponseRows):
        return payload_bytes(obj.rho) + 8
    if isinstance(obj, SearchCdf):
        return payload_bytes(obj.openings)
    if isinstance(obj, RowKey):
        return 8
    if isinstance(obj, Sparse):
        return int(obj.index.nbytes + obj.values.nbytes) + 8 * len(obj.shape)
    if isinstance(obj, (tuple, list)):
        return sum(payload_bytes(x) for x in obj)
    if isinstance(obj, dict):
        return sum(payload_bytes(x) for x in obj.values())
    if is_dataclass(obj):
        return sum(payload_bytes(getattr(obj, f.name)) for f in fields(obj))
    if obj is None:
        return 0
    return 8


class RayShards:
    """Shards as Ray actors, one a CPU, on a local Ray cluster or the one at ``address``.

    Counts the bytes sent to and received from the shards (``sent``, ``received``: arrays and
    numbers, not Ray's framing)."""

    def __init__(self, capacity: int, shards: int, address: str | None = None,
                 chunk_rows: int = CHUNK_ROWS, records: bool = True) -> None:
        self.n_chunks = chunk_count(capacity, chunk_rows)
        ranges = split_chunks(self.n_chunks, shards, chunk_rows)
        ray = import_ray()
        self.started = ray_start(shards, address)
        cpus = float(ray.cluster_resources().get("CPU", 0))
        if cpus < shards:
            self.close()
            raise ConfigError(f"shards = {shards} is not allowed on this Ray cluster: it has "
                              f"{cpus:g} CPUs and each shard takes one")
        actor = ray.remote(num_cpus=1)(ShardActor)
        self.actors = [actor.remote(a, b, capacity, chunk_rows, records) for a, b in ranges]
        self.n_shards = shards
        self.sent = 0
        self.received = 0

    def _get(self, refs: list[Any]) -> list[Any]:
        ray = import_ray()
        try:
            out = ray.get(refs)
        except ray.exceptions.RayActorError as exc:  # (a lost node, a shard out of memory)
            raise NeijuanError(f"a shard of this run was lost ({type(exc).__name__}: "
                               f"{str(exc).splitlines()[0] if str(exc) else 'no detail'}); "
                               "rerun with more memory per shard or more shards") from None
        self.received += payload_bytes(out)
        return [unpack(x) for x in out]

    def map(self, method: str, *args: Any) -> list[Any]:
        self.sent += payload_bytes(args) * self.n_shards
        return self._get([a.call.remote(method, *args) for a in self.actors])

    def map_each(self, method: str, args: Sequence[tuple[Any, ...]]) -> list[Any]:
        self.sent += payload_bytes(list(args))
        return self._get([a.call.remote(method, *x)
                          for a, x in zip(self.actors, args, strict=True)])

    def chain(self, method: str, state: Any, *args: Any) -> tuple[Any, list[Any]]:
        outputs = []
        for k, a in enumerate(self.actors):
            self.sent += payload_bytes((state, args))
            state, out = self._get([a.call.remote(method, state, *args,
                                                  k == self.n_shards - 1)])[0]
            outputs.append(out)
        return state, outputs

    def close(self) -> None:
        ray = import_ray()
        for a in getattr(self, "actors", []):
            ray.kill(a)
        self.actors = []
        if self.started:
            ray.shutdown()
            self.started = False


class ShardActor:
    """A shard in a Ray worker process."""

    def __init__(self, first_chunk: int, last_chunk: int, capacity: int, chunk_rows: int,
                 records: bool = True) -> None:
        from neijuan.sim.model import prepare_engine

        prepare_engine()
        self.shard = Shard(first_chunk, last_chunk, capacity, chunk_rows, records)

    def call(self, method: str, *args: Any) -> Any:
        return pack(getattr(self.shard, method)(*args))


def import_ray() -> Any:
    try:
        import ray
    except ImportError:
        raise NeijuanError("shards > 1 needs Ray: pip install 'neijuan[ray]'") from None
    return ray


def check_reachable(address: str, timeout: float = 5.0) -> None:
    """Refuse a ``host:port`` (or ``ray://host:port``) Ray address nothing answers at, at once:
    Ray itself would retry for minutes. Other forms (``auto``) are left to Ray."""
    import socket

    host, sep, port = address.removeprefix("ray://").rpartition(":")
    if not sep or not port.isdigit():
        return
    try:
        socket.create_connection((host.strip("[]"), int(port)), timeout=timeout).close()
    except OSError as exc:
        raise NeijuanError(f"--ray {address}: no Ray cluster answers there ({exc}); start one "
                           "with `ray start --head`, or leave --ray out for a local one"
                           ) from None


def ray_start(cpus: int, address: str | None) -> bool:
    """Join the Ray cluster at ``address``, or start a local one with ``cpus`` CPUs (unless Ray
    is already running here); True when this call started it. The workers import this tree."""
    ray = import_ray()
    if ray.is_initialized():
        return False
    src = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    env = {"PYTHONPATH": os.pathsep.join(p for p in (src, os.environ.get("PYTHONPATH", "")) if p)}
    if address:
        check_reachable(address)
    try:
        if address:
            ray.init(address=address, log_to_driver=False, logging_level=logging.ERROR,
                     runtime_env={"env_vars": env})
        else:
            ray.init(num_cpus=cpus, include_dashboard=False, log_to_driver=False,
                     logging_level=logging.ERROR,
                     runtime_env={"env_vars": env})
    except ConnectionError as exc:
        raise NeijuanError(f"--ray {address}: no Ray cluster reachable there ({exc})") from None
    return True


def shard_factory(shards: int, address: str | None = None, chunk_rows: int = CHUNK_ROWS
                  ) -> ShardFactory:
    """What :class:`~neijuan.sim.model.LabourMarket` builds its rows with: one local shard, or
    ``shards`` Ray actors (also for ``shards = 1`` when a Ray ``address`` is given)."""
    if isinstance(shards, bool) or not isinstance(shards, int) or shards < 1:
        raise ConfigError(f"shards = {shards!r} is not allowed: a whole number >= 1")
    if shards == 1 and address is None:
        return lambda capacity, records=True: LocalShards(capacity, 1, chunk_rows, records)
    return lambda capacity, records=True: RayShards(capacity, shards, address, chunk_rows,
                                                    records)


__all__ = ["CHUNK_ROWS", "BestResponseRows", "Fold", "LocalShards", "RayShards", "RowKey",
           "SearchCdf", "Shard", "ShardFactory", "ShardSet", "chunk_count", "fold", "payload_bytes",
           "shard_factory", "shift_key", "split_chunks"]
