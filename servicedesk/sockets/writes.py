"""Socket handlers write from hundreds of threads; SQLite allows one writer at a time.

A SQLite transaction that read first and then writes fails at once with "database is
locked" when another thread committed meanwhile (the busy timeout does not apply to that
upgrade). So chat writes take one process-wide lock on SQLite and retry the rare
cross-process collision; PostgreSQL needs neither.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from typing import TypeVar

from sqlalchemy.exc import OperationalError

from servicedesk.container import Container

T = TypeVar("T")
_SQLITE_WRITER = threading.Lock()
ATTEMPTS = 4


def _guard(container: Container) -> AbstractContextManager[object]:
    return _SQLITE_WRITER if container.engine.dialect.name == "sqlite" else nullcontext()


def write(container: Container, work: Callable[[], T]) -> T:
    """Run `work` (one unit of work, committed inside) as the process's only SQLite writer."""
    for attempt in range(ATTEMPTS):
        try:
            with _guard(container):
                return work()
        except OperationalError as error:
            if "locked" not in str(error) or attempt == ATTEMPTS - 1:
                raise
            time.sleep(0.02 * (attempt + 1))  # another process holds the write lock
    raise AssertionError("unreachable")
