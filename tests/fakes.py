"""Fakes of the desk's ports (servicedesk/desk/ports.py) for fast unit tests.

Integration and end-to-end tests use the real queue and notifier instead.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.engine import Engine

from crm_core.db import UnitOfWork, make_session_factory
from servicedesk.dispatch import dispatch
from servicedesk.realtime.notifier import RecordingNotifier


class RecordingQueue:
    """A `TaskQueue` that keeps (queue, job, args) instead of running anything."""

    def __init__(self) -> None:
        self.enqueued: list[tuple[str, str, tuple[Any, ...]]] = []

    def enqueue(self, queue: str, job: str, *args: Any) -> None:
        self.enqueued.append((queue, job, args))

    def jobs(self) -> list[str]:
        return [job for _queue, job, _args in self.enqueued]


class Desk:
    """Units of work on `engine` whose committed events go to a recording notifier and queue,
    as the container's do to the real ones."""

    def __init__(self, engine: Engine) -> None:
        self._sessions = make_session_factory(engine)
        self.notifier = RecordingNotifier()
        self.tasks = RecordingQueue()

    def uow(self) -> UnitOfWork:
        return UnitOfWork(self._sessions, publish=self._publish)

    def _publish(self, published: list[object]) -> None:
        dispatch(published, self.notifier, self.tasks)
