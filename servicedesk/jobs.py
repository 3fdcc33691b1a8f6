"""The job functions run by the task queue (rq workers or the in-process thread).

Each takes ids only, reloads what it needs in its own unit of work, and is safe to run
twice: a retried or duplicated job finds its work done and returns.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from servicedesk import runtime
from servicedesk.desk.delivery import deliver_reply

log = logging.getLogger(__name__)


def send_reply(message_id: int) -> None:
    """Deliver an outbound message through its channel's adapter, at most once when sent."""
    container = runtime.current()
    deliver_reply(container.uow, container.adapters, message_id)


JOBS: dict[str, Callable[..., Any]] = {
    "send_reply": send_reply,
}


def run(name: str, *args: Any) -> Any:
    """Entry point for rq: look the job up by name, so only listed jobs can run."""
    return JOBS[name](*args)
