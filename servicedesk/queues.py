"""The two task queues behind the `TaskQueue` port, and the names of the queues.

With Redis configured, jobs run on rq workers (named queues, JSON serializer, retries);
without it they run in this process on one background thread. Both run exactly the same
job functions (`servicedesk.jobs`), looked up by name and called with the container.
"""

from __future__ import annotations

import logging
import queue
import threading
from typing import Any, Protocol

from servicedesk.jobs import JobContext, job_named, run_job

log = logging.getLogger(__name__)

QUEUES = ("mail", "knowledge", "default")
# Back-off between attempts of a failed job, in seconds (rq's scheduler runs them).
RETRY_INTERVALS = [10, 60, 300]
# What rq imports and calls in the worker: it reads the worker's container, then the job.
RQ_ENTRY_POINT = "servicedesk.worker.run_job"

Job = tuple[str, tuple[Any, ...]]  # a job's name and its arguments after the container


class Enqueuer(Protocol):
    def enqueue(self, queue_name: str, job: str, *args: Any) -> None: ...


class InProcessQueue:
    """Runs jobs one at a time on a daemon thread, in submission order, with `context`.

    A failing job is retried with the same schedule as rq (shortened: no sleeping for
    minutes in a web process), then logged; it never takes the web process down.
    """

    def __init__(self, context: JobContext, *, synchronous: bool = False, attempts: int = 3):
        self._context = context
        self._synchronous = synchronous
        self._attempts = attempts
        self._queue: queue.Queue[Job] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def enqueue(self, queue_name: str, job: str, *args: Any) -> None:
        if queue_name not in QUEUES:
            raise ValueError(f"unknown queue {queue_name!r}")
        job_named(job)
        if self._synchronous:
            self._run((job, args))
            return
        self._submit((job, args))

    def join(self) -> None:
        """Wait until every queued job has finished (tests and the CLI use this)."""
        self._queue.join()

    def _submit(self, job: Job) -> None:
        self._queue.put(job)
        self._ensure_thread()

    def _ensure_thread(self) -> None:
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._loop, name="jobs", daemon=True)
                self._thread.start()

    def _loop(self) -> None:
        while True:
            job = self._queue.get()
            try:
                self._run(job)
            finally:
                self._queue.task_done()

    def _run(self, job: Job) -> None:
        name, args = job
        for attempt in range(1, self._attempts + 1):
            try:
                run_job(self._context, name, *args)
                return
            except Exception:
                log.exception("job %s%r failed (attempt %d)", name, args, attempt)


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

        job_named(job)
        self.queues[queue_name].enqueue(
            RQ_ENTRY_POINT, job, *args, retry=Retry(max=3, interval=RETRY_INTERVALS)
        )
