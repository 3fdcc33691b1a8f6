"""The process's container, for code that runs outside a request (jobs, workers, CLI)."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from servicedesk.container import Container

_lock = threading.Lock()
_current: Container | None = None


def install(container: Container) -> None:
    """Make `container` the one jobs in this process use (the app factory calls this)."""
    global _current
    with _lock:
        _current = container


def current() -> Container:
    """The installed container, or one built from the environment (an rq worker)."""
    global _current
    with _lock:
        if _current is None:
            from servicedesk.config import Config
            from servicedesk.container import Container

            _current = Container.build(Config.from_env())
        return _current
