"""The one scheduler: sweeps and daily jobs enqueued on time, once per slot across processes."""

from __future__ import annotations

import time

import pytest

from servicedesk.jobs import DAILY, JOBS
from servicedesk.schedule import (
    DAY_SECONDS,
    SWEEPS,
    Periodic,
    RedisSlotClaims,
    Scheduler,
    periodic_jobs,
)
from tests.fakes import RecordingQueue


def test_the_desks_schedule_has_every_sweep_and_daily_job_and_no_sweeps_at_zero() -> None:
    entries = periodic_jobs(30)
    assert {(e.job, e.seconds) for e in entries} == {(job, 30) for job in SWEEPS} | {
        (job, DAY_SECONDS) for _queue, job in DAILY
    }
    assert all(job in JOBS for _queue, job in DAILY)
    assert {e.job for e in periodic_jobs(0)} == {job for _queue, job in DAILY}
    assert periodic_jobs(0, daily=False) == []


def test_entries_are_enqueued_each_period_until_stopped() -> None:
    tasks = RecordingQueue()
    fast, slow = Periodic("sweep_sla", 0.02, 0), Periodic("apply_retention", 10, 0.05)
    scheduler = Scheduler(tasks, [fast, slow]).start()
    deadline = time.monotonic() + 5
    while tasks.jobs().count("sweep_sla") < 3 and time.monotonic() < deadline:
        time.sleep(0.01)
    time.sleep(0.1)
    scheduler.stop()
    time.sleep(0.05)
    stopped_at = len(tasks.jobs())
    assert tasks.jobs().count("sweep_sla") >= 3
    assert tasks.jobs().count("apply_retention") == 1  # once in its first ten seconds
    time.sleep(0.1)
    assert len(tasks.jobs()) <= stopped_at + 1


def test_an_unknown_job_fails_at_start() -> None:
    with pytest.raises(LookupError):
        Scheduler(RecordingQueue(), [Periodic("no_such_job", 1, 0)])


def test_processes_sharing_redis_enqueue_each_slot_once(redis_url: str) -> None:
    now = [DAY_SECONDS * 1000 + 5.0]
    claims = RedisSlotClaims(redis_url)
    first, second = RecordingQueue(), RecordingQueue()
    daily = Periodic("apply_retention", DAY_SECONDS, 600)
    web = Scheduler(first, [daily], claims=claims, clock=lambda: now[0])
    worker = Scheduler(second, [daily], claims=claims, clock=lambda: now[0])
    assert web.fire(daily) is True
    now[0] += 7200  # the worker started two hours later: the same day's slot is taken
    assert worker.fire(daily) is False
    now[0] += DAY_SECONDS  # the next day: whoever comes first enqueues it
    assert worker.fire(daily) is True and web.fire(daily) is False
    assert first.jobs() + second.jobs() == ["apply_retention", "apply_retention"]
