"""The periodic tick that enqueues the SLA sweep."""

import time

import pytest

from servicedesk.queues import Ticker


class Tasks:
    def __init__(self) -> None:
        self.jobs: list[tuple[str, str]] = []

    def enqueue(self, queue: str, job: str, *args: object) -> None:
        self.jobs.append((queue, job))


def test_ticks_until_stopped_and_zero_never_ticks() -> None:
    tasks = Tasks()
    ticker = Ticker(tasks, "sweep_sla", 0.02).start()
    time.sleep(0.2)
    ticker.stop()
    seen = len(tasks.jobs)
    assert seen >= 2 and set(tasks.jobs) == {("default", "sweep_sla")}
    time.sleep(0.1)
    assert len(tasks.jobs) <= seen + 1
    idle = Tasks()
    Ticker(idle, "sweep_sla", 0).start()
    time.sleep(0.05)
    assert idle.jobs == []


def test_only_known_jobs() -> None:
    with pytest.raises(LookupError):
        Ticker(Tasks(), "no_such_job", 1)
