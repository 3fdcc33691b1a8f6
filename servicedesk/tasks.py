"""Background jobs and the two task-queue implementations behind the `TaskQueue` port.

Jobs take ids, reload state inside the job, and are safe to run twice. With Redis
configured they run on rq workers (named queues, JSON serializer, retries); without it
they run in-process on one background thread, through exactly the same job functions.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from typing import Any

from servicedesk import jobs

log = logging.getLogger(__name__)

QUEUES = ("mail", "knowledge", "default")
# Back-off between attempts of a failed job, in seconds (rq's scheduler runs them).
RETRY_INTERVALS = [10, 60, 300]


def job_function(name: str) -> Callable[..., Any]:
    """The job called `name`; only functions listed in `jobs.JOBS` can be run."""
    try:
        return jobs.JOBS[name]
    except KeyError:
        raise LookupError(f"no job named {name!r}") from None


def run_jobs(name: str, batch: list[tuple[Any, ...]]) -> None:
    """Run several calls of a listed job now, in this thread (in one go where it can)."""
    together = jobs.BATCHED.get(name)
    if together is not None:
        together(batch)
        return
    for args in batch:
        job_function(name)(*args)


class InProcessQueue:
    """Runs jobs one at a time on a daemon thread, in submission order.

    A failing job is retried with the same schedule as rq (shortened: no sleeping for
    minutes in a web process), then logged; it never takes the web process down.
    """

    def __init__(self, synchronous: bool = False, attempts: int = 3) -> None:
        self._synchronous = synchronous
        self._attempts = attempts
        self._queue: queue.Queue[tuple[str, tuple[Any, ...]]] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def enqueue(self, queue_name: str, job: str, *args: Any) -> None:
        if queue_name not in QUEUES:
            raise ValueError(f"unknown queue {queue_name!r}")
        job_function(job)
        if self._synchronous:
            self._run(job, args)
            return
        self._queue.put((job, args))
        self._ensure_thread()

    def join(self) -> None:
        """Wait until every queued job has finished (tests and the CLI use this)."""
        self._queue.join()

    def _ensure_thread(self) -> None:
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._loop, name="jobs", daemon=True)
                self._thread.start()

    def _loop(self) -> None:
        while True:
            job, args = self._queue.get()
            try:
                self._run(job, args)
            finally:
                self._queue.task_done()

    def _run(self, job: str, args: tuple[Any, ...]) -> None:
        for attempt in range(1, self._attempts + 1):
            try:
                job_function(job)(*args)
                return
            except Exception:
                log.exception("job %s%r failed (attempt %d)", job, args, attempt)


class RqQueue:
    """Enqueues on rq queues in Redis; `servicedesk worker` runs them."""

    def __init__(self, redis_url: str, prefix: str = "") -> None:
        from redis import Redis
        from rq import Queue
        from rq.serializers import JSONSerializer

        self._connection = Redis.from_url(redis_url)
        self.queues = {
            name: Queue(prefix + name, connection=self._connection, serializer=JSONSerializer)
            for name in QUEUES
        }

    def enqueue(self, queue_name: str, job: str, *args: Any) -> None:
        from rq import Retry

        job_function(job)
        self.queues[queue_name].enqueue(
            "servicedesk.jobs.run", job, *args, retry=Retry(max=3, interval=RETRY_INTERVALS)
        )
