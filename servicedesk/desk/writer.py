"""One writer at a time on SQLite: intake and socket writes come from hundreds of threads.

A SQLite transaction that read first and then writes fails at once with "database is
locked" when another thread committed meanwhile (the busy timeout does not apply to that
upgrade). So writes take one process-wide lock on SQLite and retry the rare
cross-process collision; PostgreSQL needs neither.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from typing import TypeVar

from sqlalchemy.exc import OperationalError

T = TypeVar("T")
# Reentrant: a unit of work committed under the guard may run a job at once (synchronous
# jobs, the CLI), and that job's writes take the guard again on the same thread.
_SQLITE_WRITER = threading.RLock()
ATTEMPTS = 4


class WriteGuard:
    """Runs units of work as the process's only SQLite writer; a no-op guard elsewhere."""

    def __init__(self, dialect: str) -> None:
        self._sqlite = dialect == "sqlite"

    def _lock(self) -> AbstractContextManager[object]:
        return _SQLITE_WRITER if self._sqlite else nullcontext()

    def run(self, work: Callable[[], T]) -> T:
        """Run `work` (one unit of work, committed inside), retrying a locked database."""
        for attempt in range(ATTEMPTS):
            try:
                with self._lock():
                    return work()
            except OperationalError as error:
                if "locked" not in str(error) or attempt == ATTEMPTS - 1:
                    raise
                time.sleep(0.02 * (attempt + 1))  # another process holds the write lock
        raise AssertionError("unreachable")
