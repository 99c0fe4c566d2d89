"""A bounded queue of simulation jobs run in background threads, with progress and timeouts.

At most ``max_pending`` jobs wait or run at once; one more is refused (the API answers 429).
A job past its time limit is stopped at the next progress report of the simulator (after a
period of a single run, or after a run of several), which the size caps keep short. Finished
jobs are kept for a while (``keep``, the newest) so that their result URL keeps working.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from neijuan.errors import NeijuanError

Work = Callable[[Callable[[int, int], None]], dict[str, Any]]


class QueueFullError(Exception):
    """Too many jobs waiting or running."""


class JobTimeoutError(Exception):
    """A job ran past its time limit."""


@dataclass
class Job:
    """One job's state, as the API reports it."""

    id: str
    kind: str
    request: dict[str, Any]
    status: str = "queued"   # queued | running | done | failed
    done: int = 0
    total: int = 0
    error: str | None = None
    result: dict[str, Any] | None = None
    created: float = field(default_factory=time.time)
    started: float | None = None
    finished: float | None = None

    def view(self) -> dict[str, Any]:
        """The job without its result (the status endpoint)."""
        elapsed = ((self.finished or time.time()) - self.started) if self.started else 0.0
        fraction = self.done / self.total if self.total else (1.0 if self.status == "done"
                                                               else 0.0)
        eta = (elapsed / fraction - elapsed) if 0 < fraction < 1 else None
        return {"id": self.id, "kind": self.kind, "status": self.status,
                "progress": round(fraction, 4), "done": self.done, "total": self.total,
                "elapsed_s": round(elapsed, 2), "eta_s": None if eta is None else round(eta, 1),
                "error": self.error, "request": self.request}


class JobQueue:
    """Runs jobs on ``threads`` threads; refuses more than ``max_pending`` unfinished jobs."""

    def __init__(self, max_pending: int = 4, threads: int = 1, timeout_s: float = 120.0,
                 keep: int = 64) -> None:
        self.max_pending = max_pending
        self.timeout_s = timeout_s
        self.keep = keep
        self._jobs: OrderedDict[str, Job] = OrderedDict()
        self._lock = threading.Lock()
        self._pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="neijuan-job")

    def pending(self) -> int:
        with self._lock:
            return sum(1 for j in self._jobs.values() if j.status in ("queued", "running"))

    def submit(self, kind: str, request: dict[str, Any], work: Work) -> Job:
        """Queue ``work(progress)``; raises :class:`QueueFullError` when the queue is full."""
        with self._lock:
            busy = sum(1 for j in self._jobs.values() if j.status in ("queued", "running"))
            if busy >= self.max_pending:
                raise QueueFullError(f"{busy} jobs are queued or running (at most "
                                f"{self.max_pending}); try again when one has finished")
            job = Job(id=uuid.uuid4().hex[:16], kind=kind, request=request)
            self._jobs[job.id] = job
            self._trim()
        self._pool.submit(self._run, job, work)
        return job

    def get(self, job_id: str) -> Job | None:
        with self._lock:
            return self._jobs.get(job_id)

    def _trim(self) -> None:
        finished = [k for k, j in self._jobs.items() if j.status in ("done", "failed")]
        for k in finished[:max(0, len(self._jobs) - self.keep)]:
            del self._jobs[k]

    def _run(self, job: Job, work: Work) -> None:
        job.status = "running"
        job.started = time.time()
        deadline = job.started + self.timeout_s

        def progress(done: int, total: int) -> None:
            job.done, job.total = done, total
            if time.time() > deadline:
                raise JobTimeoutError(f"the job ran past its limit of {self.timeout_s:.0f} s; ask "
                                 "for fewer workers, periods or seeds")

        try:
            job.result = work(progress)
            job.status = "done"
            if job.total:
                job.done = job.total
        except JobTimeoutError as exc:
            job.error, job.status = str(exc), "failed"
        except (NeijuanError, KeyError, ValueError) as exc:
            job.error, job.status = str(exc), "failed"
        except Exception as exc:  # a bug: reported as such, without its traceback
            job.error, job.status = f"internal error ({type(exc).__name__})", "failed"
        finally:
            job.finished = time.time()

    def shutdown(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
