"""The suggestion lane with Redis: waiting runs in a set, drained by the worker in batches.

Without Redis the web process batches suggestion runs itself (`lanes.CoalescingLane`).
With Redis, `servicedesk worker` runs them, and one rq job per request (the way every
other job runs) encodes one question per job: 150-450 ms each on two shared cores, so
the worker fell behind at 100 messages a second. Here a coalesced job's arguments go
into a Redis set (a request asked for twice waits once), and one `drain_pending` job at a
time is enqueued for the set; it takes up to `BATCH` of them and runs them as one batch
(one encoding call), and enqueues the next drain while more wait.

Why nothing is lost: whoever adds to the set then tries to claim the drain; when the
claim is taken, a drain job is waiting, and it releases the claim before it reads the
set, so it sees the addition. A run that fails puts its batch back for rq's retry.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from functools import cache
from typing import Any

from servicedesk.desk.ports import TaskQueue

COALESCED_JOBS = frozenset({"suggest_for_request"})
DRAIN_JOB = "drain_pending"
DRAIN_QUEUE = "knowledge"
BATCH = 32  # runs per drain job: one encoding call, and other queues' jobs between drains
CLAIM_SECONDS = 120  # a drain claim whose job never started (a worker died) expires


def pending_key(job: str) -> str:
    return f"servicedesk:pending:{job}"


def drain_claim_key(job: str) -> str:
    return f"servicedesk:claim:drain:{job}"


@cache
def connection(redis_url: str) -> Any:
    """One client (and its connection pool) per URL for the drain jobs of a worker."""
    from redis import Redis

    return Redis.from_url(redis_url)


class RedisLane:
    """A `TaskQueue` over rq: coalesced jobs wait in a set for a drain job, others go on."""

    def __init__(self, inner: TaskQueue, redis: Any, jobs: Iterable[str] = COALESCED_JOBS):
        self.inner, self.redis, self.jobs = inner, redis, frozenset(jobs)

    def enqueue(self, queue: str, job: str, *args: Any) -> None:
        if job not in self.jobs:
            self.inner.enqueue(queue, job, *args)
            return
        self.redis.sadd(pending_key(job), json.dumps(list(args)))
        request_drain(self.redis, self.inner, job)


def request_drain(redis: Any, tasks: TaskQueue, job: str) -> bool:
    """Enqueue a drain of `job`'s waiting runs unless one is already waiting."""
    if not redis.set(drain_claim_key(job), 1, nx=True, ex=CLAIM_SECONDS):
        return False
    tasks.enqueue(DRAIN_QUEUE, DRAIN_JOB, job)
    return True


def drain(
    redis: Any,
    tasks: TaskQueue,
    job: str,
    run_batch: Callable[[str, list[tuple[Any, ...]]], None],
    batch: int = BATCH,
) -> int:
    """What a drain job does: up to `batch` waiting runs of `job` at once; how many ran.

    Runs again on the same set (rq's retry, a second drain) only find what still waits:
    a run reads the request as it is then, so running it twice is harmless.
    """
    redis.delete(drain_claim_key(job))  # arrivals from now on need another drain
    taken = [tuple(json.loads(raw)) for raw in redis.spop(pending_key(job), batch) or []]
    if taken:
        try:
            run_batch(job, taken)
        except Exception:
            redis.sadd(pending_key(job), *(json.dumps(list(args)) for args in taken))
            raise
    if redis.scard(pending_key(job)):
        request_drain(redis, tasks, job)
    return len(taken)
