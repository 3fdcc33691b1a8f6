"""The process's container for rq jobs, which rq calls by name with ids alone.

Read in one place only, the rq entry point (`servicedesk.worker.run_job`); everything
else is handed its container (views through the app, in-process jobs by their queue).
"""

from __future__ import annotations

import threading

from servicedesk.config import Config
from servicedesk.container import Container

_lock = threading.Lock()
_current: Container | None = None


def install(container: Container) -> None:
    """Make `container` the one rq jobs in this process use (`servicedesk worker` does)."""
    global _current
    with _lock:
        _current = container


def current() -> Container:
    """The installed container, or one built from the environment (a bare rq worker)."""
    global _current
    with _lock:
        if _current is None:
            _current = Container.build(Config.from_env())
        return _current
