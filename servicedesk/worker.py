"""The rq worker: one process, every queue, the model kept loaded between jobs."""

from __future__ import annotations

from typing import Any

from redis import Redis
from rq import Queue, SimpleWorker
from rq.serializers import JSONSerializer

from servicedesk import runtime
from servicedesk.jobs import run_job as run_with
from servicedesk.queues import QUEUES


def run_worker(redis_url: str, *, burst: bool = False, prefix: str = "") -> bool:
    """Work the queues in priority order (mail first: customers are waiting on replies).

    `SimpleWorker` runs jobs in this process instead of forking one per job, so the
    sentence model and the search index load once, not once per job.
    """
    connection = Redis.from_url(redis_url)
    queues = [
        Queue(prefix + name, connection=connection, serializer=JSONSerializer) for name in QUEUES
    ]
    worker = SimpleWorker(queues, connection=connection, serializer=JSONSerializer)
    return bool(worker.work(burst=burst, with_scheduler=True))


def run_job(name: str, *args: Any) -> Any:
    """rq's entry point (`queues.RQ_ENTRY_POINT`): the named job with this process's container.

    The one place that reads the process-wide container; everything else is handed it.
    """
    return run_with(runtime.current(), name, *args)
