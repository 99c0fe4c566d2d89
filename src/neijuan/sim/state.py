"""The population as a struct of arrays: one row per person, no Python object per person.

Rows are a fixed pool sized for the largest labour force of the run: a person who retires leaves
the labour force (status ``OUT``) and the row is reused by a later entrant. A run that would not fit
in memory is refused before anything is allocated (:func:`check_memory`).
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, fields
from typing import Any

import numpy as np
from numpy.typing import NDArray

from neijuan.errors import ResourceError

OUT: int = 0  # out of the labour force (not yet entered, or retired)
EMPLOYED: int = 1
UNEMPLOYED: int = 2

# dtype of each per-person array; the persistent state of MODEL.md §1
STATE_DTYPES: dict[str, type[np.generic]] = {
    "status": np.int8,      # OUT / EMPLOYED / UNEMPLOYED
    "occ": np.int16,        # occupation held, or the one applied to when unemployed
    "origin": np.int16,     # occupation of the last job; n_occ / n_occ + 1 = entry pools
    "degree": np.uint8,     # 1 = holds a degree
    "log_skill": np.float32,  # log of skill s (s is log-normal)
    "skill": np.float32,      # s itself, kept beside its log to spare an exp per pass
    "ai_skill": np.float32,   # AI skill z in [0, 1]
    "effort": np.float32,     # extra effort, hours per week
    "wage": np.float32,       # quarterly wage, mean pre-AI wage = 1; 0 when not employed
    "tenure": np.int16,       # quarters in the current job
    "agency": np.float32,     # share of working time spent originating / judging / creating
    "failures": np.uint16,    # failures in work the person touched, cumulative
    "blamed": np.uint16,      # of which the person was blamed for, cumulative
    "mark": np.float32,       # blame marks on the record (each fades by agency.mark_decay)
}
# per-person records that no figure reads (the passes write them; a user may inspect them): a run
# with ``run.person_records = false`` keeps a one-element placeholder for each instead
RECORD_ARRAYS: tuple[str, ...] = ("wage", "tenure", "agency", "failures", "blamed")
# per-period working arrays (reused each period, not carried between periods)
SCRATCH_DTYPES: dict[str, type[np.generic]] = {
    "score": np.float32,   # log score x of the contest (in units of the screen's noise)
    "signal": np.float32,  # non-effort part k of the log score
    "won": np.int8,        # 0 not a candidate, 1 lost, 2 won
}
# scratch that only the top-M contest reads (the observed score, noise drawn once, binned by the
# selection); under Tullock's lottery the score is recomputed from the signal and effort, so the
# array is a placeholder until a top-M run asks for it (:meth:`Population.keep_scores`)
ON_DEMAND_ARRAYS: tuple[str, ...] = ("score",)


def bytes_per_row(include_scratch: bool = True, records: bool = True) -> int:
    """Bytes of memory per person-row (``records = False``: without the per-person records)."""
    dtypes = {**STATE_DTYPES, **(SCRATCH_DTYPES if include_scratch else {})}
    return sum(np.dtype(d).itemsize for name, d in dtypes.items()
               if (records or name not in RECORD_ARRAYS) and name not in ON_DEMAND_ARRAYS)


def placeholder(capacity: int, dtype: type[np.generic]) -> NDArray[Any]:
    """An array of ``capacity`` rows that all share one element (stride 0): what the passes write
    to a record that is not kept. It takes no memory per row, and every write lands on the same
    element, so its values mean nothing."""
    return np.lib.stride_tricks.as_strided(np.zeros(1, dtype=dtype), shape=(capacity,),
                                           strides=(0,), writeable=True)


@dataclass
class Population:
    """All per-person arrays, each of length ``capacity``."""

    status: NDArray[np.int8]
    occ: NDArray[np.int16]
    origin: NDArray[np.int16]
    degree: NDArray[np.uint8]
    log_skill: NDArray[np.float32]
    skill: NDArray[np.float32]
    ai_skill: NDArray[np.float32]
    effort: NDArray[np.float32]
    wage: NDArray[np.float32]
    tenure: NDArray[np.int16]
    agency: NDArray[np.float32]
    failures: NDArray[np.uint16]
    blamed: NDArray[np.uint16]
    mark: NDArray[np.float32]
    score: NDArray[np.float32]
    signal: NDArray[np.float32]
    won: NDArray[np.int8]

    @classmethod
    def allocate(cls, capacity: int, records: bool = True) -> Population:
        """Zeroed arrays whose every page is written now: ``np.zeros`` leaves untouched rows on
        the operating system's shared zero page, where the compiled passes' masked vector stores
        take a slow path on every call, forever (measured: 20x slower retirement pass). Without
        ``records``, the per-person records (:data:`RECORD_ARRAYS`) are placeholders; the
        arrays only top-M reads (:data:`ON_DEMAND_ARRAYS`) are placeholders until it asks."""
        arrays = {name: (np.full(capacity, 0, dtype=dt)
                         if (records or name not in RECORD_ARRAYS)
                         and name not in ON_DEMAND_ARRAYS else placeholder(capacity, dt))
                  for name, dt in {**STATE_DTYPES, **SCRATCH_DTYPES}.items()}
        return cls(**arrays)

    def keep_scores(self) -> None:
        """Give the observed scores a row each (the top-M contest selects on them)."""
        if self.score.strides[0] == 0:
            self.score = np.full(self.capacity, 0, dtype=SCRATCH_DTYPES["score"])

    @property
    def keeps_records(self) -> bool:
        """Whether the per-person records are kept (else they are placeholders)."""
        return bool(self.wage.strides[0] != 0)

    @property
    def capacity(self) -> int:
        return int(self.status.size)

    def nbytes(self, include_scratch: bool = True) -> int:
        """Bytes the arrays hold (a placeholder holds one element)."""
        names = set(STATE_DTYPES) | (set(SCRATCH_DTYPES) if include_scratch else set())
        arrays = [getattr(self, f.name) for f in fields(self) if f.name in names]
        return sum(a.nbytes if a.strides[0] else a.itemsize for a in arrays)


# measured peak memory above the state, per row (see check_memory), with a margin
WORKING_BYTES_PER_ROW = 8
# resident memory of a process before its rows: interpreter, NumPy, Numba, compiled passes
PROCESS_BYTES = 512 * 2**20


def capacity_for(workers: int, growth_per_year: float, total_periods: int) -> int:
    """Rows needed: the largest labour force over the run (it grows or shrinks geometrically)."""
    factor = max(1.0, (1.0 + growth_per_year) ** (total_periods / 4.0))
    return math.ceil(workers * factor) + 16


def _proc_bytes(path: str, field: str) -> int | None:
    """A ``field: N kB`` line of a Linux ``/proc`` file, in bytes (None elsewhere)."""
    try:
        with open(path, encoding="ascii") as fh:
            for line in fh:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


def peak_resident() -> int:
    """Peak resident memory of this process so far, in bytes: the kernel's high-water mark of
    its own address space (``VmHWM``). Not ``getrusage``'s ``ru_maxrss``: on Linux a process
    started from another (``subprocess``, which execs after ``vfork``) inherits its parent's
    peak there, so a child of a large process would report the parent's memory."""
    peak = _proc_bytes("/proc/self/status", "VmHWM")
    if peak is not None:
        return peak
    import resource  # (elsewhere: the best there is; macOS reports bytes, Linux kB)

    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return int(rss if os.uname().sysname == "Darwin" else rss * 1024)


def available_memory() -> int:
    """Bytes the system can give now (``MemAvailable``), or total memory where unknown."""
    free = _proc_bytes("/proc/meminfo", "MemAvailable")
    if free is not None:
        return free
    try:
        return int(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"))
    except (ValueError, OSError, AttributeError):
        return 1 << 62


def check_memory(capacity: int, concurrent_runs: int, series_bytes: int = 0,
                 budget_share: float = 0.8, records: bool = True) -> int:
    """Refuse (before allocating) a run whose arrays would not fit; return the bytes needed.

    The estimate is the peak, not the state alone: the state's bytes per row, plus
    :data:`WORKING_BYTES_PER_ROW` for what the passes allocate while they run (measured peak
    above the state: 3.0 bytes a row at 10^7 workers, 1.1 at 2x10^8), plus
    :data:`PROCESS_BYTES` per process (the interpreter, NumPy and the compiled passes). The memory
    a process may use is the smaller of the system's available memory and what its cgroup still
    allows.
    """
    per_row = bytes_per_row(records=records) + WORKING_BYTES_PER_ROW
    need = int(concurrent_runs * (capacity * per_row + series_bytes + PROCESS_BYTES))
    have = available_memory()
    for limit_file, usage_file in (("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory.current"),
                                   ("/sys/fs/cgroup/memory/memory.limit_in_bytes",
                                    "/sys/fs/cgroup/memory/memory.usage_in_bytes")):
        try:
            with open(limit_file, encoding="ascii") as fh:
                limit_text = fh.read().strip()
            with open(usage_file, encoding="ascii") as fh:
                usage = int(fh.read().strip())
        except (OSError, ValueError):
            continue
        if limit_text.isdigit() and int(limit_text) < (1 << 60):
            have = min(have, max(0, int(limit_text) - usage))
        break
    if need > budget_share * have:
        raise ResourceError(
            f"this run needs about {need / 2**30:.1f} GiB ({capacity:,} rows x "
            f"{per_row:.0f} bytes at peak x {concurrent_runs} concurrent seed(s)), but only "
            f"{have / 2**30:.1f} GiB is available ({budget_share:.0%} of it may be used); use "
            f"fewer workers (run.workers) or fewer parallel seeds (--processes)"
            + ("" if not records else
               f", or drop the per-person records (run.person_records = false: "
               f"{bytes_per_row(records=False) + WORKING_BYTES_PER_ROW} bytes a row)"))
    return need
