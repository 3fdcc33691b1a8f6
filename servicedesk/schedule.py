"""The one scheduler of the periodic jobs: the sweeps every few seconds, the daily jobs.

Each entry is a job and its period. One daemon thread per process sleeps until the nearest
entry is due and enqueues it. Web processes and workers each run a scheduler; with Redis,
each period of each job (its slot: the wall-clock time divided by the period) is claimed
once across them, so a daily job is enqueued once a day however many processes run, and a
sweep once per period. Without Redis there is one process and nothing to claim.

Where it matters the schedule itself lives in SQL (due SLA events, a workflow step's next
run), so a slot lost to a restart loses nothing: the next one finds the same work due.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Protocol

from servicedesk.jobs import DAILY, job_named
from servicedesk.queues import Enqueuer

log = logging.getLogger(__name__)

DAY_SECONDS = 24 * 3600
# The sweeps that find due work in SQL: SLA events, timed automations, workflow steps.
SWEEPS = ("sweep_sla", "sweep_automations", "sweep_workflows")
# The daily jobs start ten minutes after the process: never in the middle of start-up.
DAILY_FIRST_AFTER = 600.0


@dataclass(frozen=True)
class Periodic:
    """A job enqueued every `seconds`, the first time `first_after` seconds from start."""

    job: str
    seconds: float
    first_after: float
    queue: str = "default"


def periodic_jobs(sweep_seconds: float, *, daily: bool = True) -> list[Periodic]:
    """The desk's schedule: the sweeps (none when `sweep_seconds` is 0) and the daily jobs."""
    entries = [Periodic(job, sweep_seconds, sweep_seconds) for job in SWEEPS if sweep_seconds > 0]
    if daily:
        entries += [Periodic(job, DAY_SECONDS, DAILY_FIRST_AFTER, queue) for queue, job in DAILY]
    return entries


class SlotClaims(Protocol):
    def claim(self, job: str, slot: int, seconds: float) -> bool:
        """True for the first process to claim this slot of this job."""


class RedisSlotClaims:
    """Slots claimed with SET NX on the shared Redis, expiring once the slot is past."""

    def __init__(self, redis_url: str, prefix: str = "servicedesk:schedule:") -> None:
        from redis import Redis

        self._redis, self._prefix = Redis.from_url(redis_url), prefix

    def claim(self, job: str, slot: int, seconds: float) -> bool:
        key = f"{self._prefix}{job}:{slot}"
        return bool(self._redis.set(key, 1, nx=True, ex=max(2, int(seconds * 2))))


class Scheduler:
    """Enqueues each entry when due, on one daemon thread, until stopped."""

    def __init__(
        self,
        tasks: Enqueuer,
        entries: Iterable[Periodic],
        *,
        claims: SlotClaims | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.entries = list(entries)
        for entry in self.entries:
            job_named(entry.job)  # an unknown job fails at start, not a day later
        self._tasks, self._claims, self._clock = tasks, claims, clock
        self._stopped = threading.Event()

    def start(self) -> Scheduler:
        if self.entries:
            threading.Thread(target=self._loop, name="scheduler", daemon=True).start()
        return self

    def stop(self) -> None:
        self._stopped.set()

    def fire(self, entry: Periodic) -> bool:
        """Enqueue `entry` unless another process claimed its current slot; True if queued."""
        slot = int(self._clock() // entry.seconds)
        try:
            if self._claims is not None and not self._claims.claim(entry.job, slot, entry.seconds):
                return False
            self._tasks.enqueue(entry.queue, entry.job)
        except Exception:  # Redis away for a moment: the next slot tries again
            log.exception("could not enqueue %s", entry.job)
            return False
        return True

    def _loop(self) -> None:
        started = self._clock()
        due = {entry: started + entry.first_after for entry in self.entries}
        while True:
            entry = min(due, key=due.__getitem__)
            if self._stopped.wait(max(0.0, due[entry] - self._clock())):
                return
            self.fire(entry)
            due[entry] = max(due[entry] + entry.seconds, self._clock())
