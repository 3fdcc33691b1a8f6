"""A low-priority lane for work that can wait a moment and need not run once per event.

Knowledge suggestions are asked for on every customer message, but an agent needs them
once per customer turn: after a customer stops typing, for what they said. The lane keeps
at most one pending run per job and arguments, runs it once the key has been quiet for
`quiet` seconds (or `max_delay` after its first request, so a long burst is not starved),
taking every due key of the job at once (up to `batch`: one batch encodes several times
cheaper per text), and the job gives its heavy part to a child process (`off_loop`,
servicedesk/suggestion_process.py), so CPU-bound encoding and search never hold the GIL
against the sockets that deliver messages. Its work
is bounded: one batch at a time, one run per request however many messages arrived, so
under overload suggestions arrive later and batches grow, never at the cost of delivery.

With Redis, `servicedesk worker` runs them, batched the same way (`redis_lane.RedisLane`).
"""

from __future__ import annotations

import logging
import sys
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

from servicedesk.desk.ports import TaskQueue
from servicedesk.redis_lane import COALESCED_JOBS, RedisLane
from servicedesk.suggestion_process import (
    CHILD_CPU,
    REMOTE_WORK,
    CpuMeter,
    StartFailed,
    SuggestionProcess,
    work_name,
)

log = logging.getLogger(__name__)

T = TypeVar("T")
Key = tuple[str, tuple[Any, ...]]
Runner = Callable[[str, list[tuple[Any, ...]]], None]  # a job and the arguments of its runs


@dataclass
class _Pending:
    first_at: float
    last_at: float


@dataclass
class LaneStats:
    """What the lane did: requests, the runs they merged into, batches, time spent."""

    submitted: int = 0
    runs: int = 0
    batches: int = 0
    failures: int = 0
    busy_seconds: float = 0.0


class CoalescingLane:
    """Runs keyed jobs in batches, one batch at a time, each key once per quiet spell."""

    def __init__(
        self,
        runner: Runner,
        *,
        quiet: float = 0.4,
        max_delay: float = 1.5,
        batch: int = 32,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._runner = runner
        self.quiet, self.max_delay, self.batch = quiet, max_delay, batch
        self._clock = clock
        self._pending: dict[Key, _Pending] = {}
        self._running = False
        self._changed = threading.Condition()
        self._thread: threading.Thread | None = None
        self.stats = LaneStats()

    def submit(self, job: str, args: tuple[Any, ...]) -> None:
        """Ask for a run of `job(*args)`; requests before it starts merge into one."""
        now = self._clock()
        with self._changed:
            self.stats.submitted += 1
            pending = self._pending.get((job, args))
            if pending is None:
                self._pending[(job, args)] = _Pending(now, now)
            else:
                pending.last_at = now
            self._changed.notify_all()
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._loop, name="lane", daemon=True)
                self._thread.start()

    def join(self, timeout: float = 30.0) -> bool:
        """Wait until nothing is pending or running (tests, the CLI); False on time-out."""
        deadline = self._clock() + timeout
        with self._changed:
            while self._pending or self._running:
                left = deadline - self._clock()
                if left <= 0:
                    return False
                self._changed.wait(min(left, 0.05))
        return True

    def _due_at(self, pending: _Pending) -> float:
        return min(pending.last_at + self.quiet, pending.first_at + self.max_delay)

    def _next(self) -> tuple[str, list[tuple[Any, ...]]]:
        """Block until some key is due; take it and the job's other due keys off the set."""
        with self._changed:
            while True:
                now = self._clock()
                due = sorted(
                    ((self._due_at(p), key) for key, p in self._pending.items()),
                    key=lambda item: item[0],
                )
                if due and due[0][0] <= now:
                    job = due[0][1][0]
                    keys = [key for at, key in due if at <= now and key[0] == job]
                    for key in keys[: self.batch]:
                        del self._pending[key]
                    self._running = True
                    return job, [args for _job, args in keys[: self.batch]]
                self._changed.wait(due[0][0] - now if due else None)

    def _loop(self) -> None:
        while True:
            job, batch = self._next()
            started = time.perf_counter()
            try:
                self._runner(job, batch)
            except Exception:
                self.stats.failures += 1
                log.exception("lane job %s %r failed", job, batch)
            spent = time.perf_counter() - started
            with self._changed:
                self._running = False
                self.stats.runs += len(batch)
                self.stats.batches += 1
                self.stats.busy_seconds += spent
                self._changed.notify_all()


class LaneTasks:
    """A `TaskQueue`: coalesced jobs go to the lane, every other job to `inner`."""

    def __init__(
        self, inner: TaskQueue, lane: CoalescingLane, jobs: Iterable[str] = COALESCED_JOBS
    ) -> None:
        self.inner, self.lane, self.jobs = inner, lane, frozenset(jobs)

    def enqueue(self, queue: str, job: str, *args: Any) -> None:
        if job in self.jobs:
            self.lane.submit(job, args)
        else:
            self.inner.enqueue(queue, job, *args)

    def join(self) -> None:
        """Wait for both (tests and the CLI)."""
        join = getattr(self.inner, "join", None)
        if join is not None:
            join()
        self.lane.join()


OFF_LOOP_CPU = CpuMeter()  # the OS thread's work and the child's, as one figure
_pool: Any = None
_process: Any = None  # a SuggestionProcess once `use_process` was called


def use_process(config: Any) -> None:
    """Under gevent, run the suggestion search in a child process built from `config`."""
    global _process
    _process = SuggestionProcess(config, blocking=_on_pool)


def _on_pool(work: Callable[..., T], *args: Any) -> T:
    global _pool
    if _pool is None:
        from gevent.threadpool import ThreadPool

        _pool = ThreadPool(1)
    result: T = _pool.apply(work, args)
    return result


def off_loop(work: Callable[..., T], *args: Any) -> T:
    """Run `work` on a real OS thread when the process runs gevent, else right here.

    Under gevent a greenlet that computes blocks every socket of the process; torch and
    NumPy release the GIL, so on a native thread the encoding runs beside the event loop.
    One thread: at most one such job at a time. With `use_process`, the work it names
    (the suggestion search) runs in a child process instead: a GIL of its own.
    """
    monkey = sys.modules.get("gevent.monkey")
    if monkey is None or not monkey.is_module_patched("threading"):
        return work(*args)
    if _process is not None and _in_process(work, *args):
        return _run_in_process(work, *args)
    return _on_pool(_metered, work, *args)


def _in_process(work: Callable[..., Any], *args: Any) -> bool:
    return work_name(work) in REMOTE_WORK and len(args) >= 2


def _run_in_process(work: Callable[..., T], *args: Any) -> T:
    """`work(uow, source, *rest)` in the child, which brings its own uow and source."""
    global _process
    before = CHILD_CPU.seconds
    try:
        result: T = _process.call(work, *args[2:])
    except StartFailed:
        log.exception("suggestion process would not start; searching on a thread instead")
        _process = None
        return _on_pool(_metered, work, *args)
    OFF_LOOP_CPU.seconds += CHILD_CPU.seconds - before
    return result


def _metered(work: Callable[..., T], *args: Any) -> T:
    started = time.thread_time()
    try:
        return work(*args)
    finally:
        OFF_LOOP_CPU.seconds += time.thread_time() - started


def coalescing(
    tasks: TaskQueue,
    redis_url: str | None,
    run: Runner,
    *,
    synchronous: bool,
    config: Any = None,
) -> TaskQueue:
    """The process's queue with coalesced jobs: the worker's drains with Redis, else the
    in-process lane (which calls `run(job, batch)`; given `config`, its searches run in a
    child process)."""
    if redis_url:
        from redis import Redis

        return RedisLane(tasks, Redis.from_url(redis_url))
    if synchronous:  # the CLI and tests run every job at once, in order
        return tasks
    if config is not None:
        use_process(config)
    return LaneTasks(tasks, CoalescingLane(run))
