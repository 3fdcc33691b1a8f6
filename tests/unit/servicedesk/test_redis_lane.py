"""The worker's suggestion lane on Redis: waiting runs coalesce in a set, drained in batches."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import redis

from servicedesk.redis_lane import (
    DRAIN_JOB,
    RedisLane,
    drain,
    drain_claim_key,
    pending_key,
)

JOB = "suggest_for_request"


class Inner:
    """The rq queue: records what would be enqueued."""

    def __init__(self) -> None:
        self.enqueued: list[tuple[str, str, tuple[Any, ...]]] = []

    def enqueue(self, queue: str, job: str, *args: Any) -> None:
        self.enqueued.append((queue, job, args))


class Runs:
    def __init__(self, fail: bool = False) -> None:
        self.batches: list[list[tuple[Any, ...]]] = []
        self.fail = fail

    def __call__(self, job: str, batch: list[tuple[Any, ...]]) -> None:
        assert job == JOB
        self.batches.append(sorted(batch))
        if self.fail:
            raise RuntimeError("the search failed")


@pytest.fixture
def connection(redis_url: str) -> Iterator[redis.Redis]:
    client = redis.Redis.from_url(redis_url)
    client.delete(pending_key(JOB), drain_claim_key(JOB))
    yield client
    client.delete(pending_key(JOB), drain_claim_key(JOB))


def test_many_asks_wait_once_each_and_enqueue_one_drain(connection: redis.Redis) -> None:
    inner = Inner()
    lane = RedisLane(inner, connection)
    for request_id in (1, 2, 3, 2, 1, 3, 1):  # seven customer messages on three requests
        lane.enqueue("knowledge", JOB, request_id)
    lane.enqueue("default", "send_reply", 9)
    assert inner.enqueued == [
        ("knowledge", DRAIN_JOB, (JOB,)),
        ("default", "send_reply", (9,)),
    ]
    runs = Runs()
    assert drain(connection, inner, JOB, runs) == 3
    assert runs.batches == [[(1,), (2,), (3,)]]  # one job, one batch, one encoding call
    assert len(inner.enqueued) == 2  # nothing left: no further drain


def test_a_drain_takes_a_batch_and_enqueues_the_next_while_more_wait(
    connection: redis.Redis,
) -> None:
    inner = Inner()
    lane = RedisLane(inner, connection)
    for request_id in range(10):
        lane.enqueue("knowledge", JOB, request_id)
    runs = Runs()
    assert drain(connection, inner, JOB, runs, batch=4) == 4
    assert [job for _q, job, _a in inner.enqueued] == [DRAIN_JOB, DRAIN_JOB]
    assert drain(connection, inner, JOB, runs, batch=4) == 4
    assert drain(connection, inner, JOB, runs, batch=4) == 2
    assert sorted(args for batch in runs.batches for args in batch) == [(n,) for n in range(10)]
    assert len(inner.enqueued) == 3


def test_running_a_drain_twice_is_harmless(connection: redis.Redis) -> None:
    """rq may run a job twice (a retry, two drains queued): the second finds nothing."""
    inner = Inner()
    RedisLane(inner, connection).enqueue("knowledge", JOB, 5)
    runs = Runs()
    assert drain(connection, inner, JOB, runs) == 1
    assert drain(connection, inner, JOB, runs) == 0
    assert runs.batches == [[(5,)]]


def test_an_ask_after_a_drain_started_gets_a_drain_of_its_own(connection: redis.Redis) -> None:
    inner = Inner()
    lane = RedisLane(inner, connection)
    lane.enqueue("knowledge", JOB, 1)
    lane.enqueue("knowledge", JOB, 1)
    assert len(inner.enqueued) == 1

    def run_then_ask(job: str, batch: list[tuple[Any, ...]]) -> None:
        lane.enqueue("knowledge", JOB, 1)  # the customer wrote again while it searched

    assert drain(connection, inner, JOB, run_then_ask) == 1
    assert len(inner.enqueued) == 2  # the new message's run is not lost
    runs = Runs()
    assert drain(connection, inner, JOB, runs) == 1
    assert runs.batches == [[(1,)]]


def test_a_failed_batch_waits_again_for_the_retry(connection: redis.Redis) -> None:
    inner = Inner()
    lane = RedisLane(inner, connection)
    for request_id in (1, 2):
        lane.enqueue("knowledge", JOB, request_id)
    with pytest.raises(RuntimeError):
        drain(connection, inner, JOB, Runs(fail=True))
    runs = Runs()
    assert drain(connection, inner, JOB, runs) == 2
    assert runs.batches == [[(1,), (2,)]]
