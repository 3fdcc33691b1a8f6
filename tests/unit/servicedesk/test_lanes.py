"""The low-priority lane: one run per key however many requests, batches, no starvation."""

from __future__ import annotations

import threading
import time
from typing import Any

from servicedesk.lanes import CoalescingLane, LaneTasks


class Recorder:
    """A runner that records the batches it was given; can hold a run until released."""

    def __init__(self) -> None:
        self.batches: list[tuple[str, list[tuple[Any, ...]]]] = []
        self.started = threading.Event()
        self.release = threading.Event()
        self.release.set()

    def __call__(self, job: str, batch: list[tuple[Any, ...]]) -> None:
        self.batches.append((job, sorted(batch)))
        self.started.set()
        self.release.wait(10)


def test_many_requests_for_one_key_run_it_once() -> None:
    runner = Recorder()
    lane = CoalescingLane(runner, quiet=0.3, max_delay=10)
    for _ in range(5):  # five customer messages of one turn
        lane.submit("suggest_for_request", (7,))
    assert lane.join()
    assert runner.batches == [("suggest_for_request", [(7,)])]
    assert (lane.stats.submitted, lane.stats.runs, lane.stats.batches) == (5, 1, 1)


def test_due_keys_of_a_job_run_as_one_batch() -> None:
    runner = Recorder()
    # A quiet time well above a loaded machine's pauses between the five submits.
    lane = CoalescingLane(runner, quiet=2.0, max_delay=10)
    for request_id in (1, 2, 3, 2, 1):
        lane.submit("suggest_for_request", (request_id,))
    assert lane.join()
    assert runner.batches == [("suggest_for_request", [(1,), (2,), (3,)])]


def test_a_request_during_a_run_gets_a_run_of_its_own() -> None:
    runner = Recorder()
    runner.release.clear()
    lane = CoalescingLane(runner, quiet=0.05, max_delay=10)
    lane.submit("suggest_for_request", (1,))
    assert runner.started.wait(10)
    lane.submit("suggest_for_request", (1,))  # a message after the run read the question
    runner.release.set()
    assert lane.join()
    assert [batch for _job, batch in runner.batches] == [[(1,)], [(1,)]]


def test_a_key_that_never_goes_quiet_still_runs() -> None:
    runner = Recorder()
    lane = CoalescingLane(runner, quiet=60, max_delay=0.2)
    deadline = time.monotonic() + 10
    while not runner.batches and time.monotonic() < deadline:
        lane.submit("suggest_for_request", (1,))  # a customer who keeps typing
        time.sleep(0.01)
    assert runner.batches, "max_delay must bound the wait of a busy key"


class Inner:
    def __init__(self) -> None:
        self.enqueued: list[tuple[str, str, tuple[Any, ...]]] = []

    def enqueue(self, queue: str, job: str, *args: Any) -> None:
        self.enqueued.append((queue, job, args))


def test_lane_tasks_send_only_coalesced_jobs_to_the_lane() -> None:
    inner, runner = Inner(), Recorder()
    tasks = LaneTasks(inner, CoalescingLane(runner, quiet=0.05))
    tasks.enqueue("default", "send_reply", 3)
    tasks.enqueue("knowledge", "suggest_for_request", 4)
    tasks.join()
    assert inner.enqueued == [("default", "send_reply", (3,))]
    assert runner.batches == [("suggest_for_request", [(4,)])]
