"""The job functions run by the task queue (rq workers or the in-process thread).

Each takes ids only, reloads what it needs in its own unit of work, and is safe to run
twice: a retried or duplicated job finds its work done and returns.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from servicedesk import runtime
from servicedesk.desk import events, identity, suggestions
from servicedesk.desk.delivery import deliver_reply
from servicedesk.sockets import rooms

log = logging.getLogger(__name__)
# Where confirmation links point: the help centre's confirm page (web/portal/confirm.py).
CONFIRM_PATH = "/help/confirm/"


def send_reply(message_id: int) -> None:
    """Deliver an outbound message through its channel's adapter, at most once when sent."""
    container = runtime.current()
    deliver_reply(container.uow, container.adapters, message_id)


def send_confirmation(confirmation_id: int) -> None:
    """Mail the link that confirms a typed-in email address (mail queue)."""
    container = runtime.current()
    config = container.config
    identity.send_confirmation(
        container.uow,
        container.adapters,
        config.secret_key,
        lambda token: f"{config.base_url}{CONFIRM_PATH}{token}",
        confirmation_id,
    )


def suggest_for_request(request_id: int) -> None:
    """Compute knowledge suggestions for a request and push them to its console room."""
    container = runtime.current()
    stored = suggestions.suggest_for_request(container.uow, container.knowledge, request_id)
    if stored:
        container.notifier.emit(
            "suggestions.ready", {"request_id": request_id}, rooms.request(request_id)
        )


def remember_solved_request(request_id: int) -> None:
    """Index a solved request so agents see it among "similar solved requests"."""
    container = runtime.current()
    with container.uow() as uow:
        suggestions.remember_solved_request(uow, container.knowledge, request_id)


def index_article(article_id: int) -> None:
    """Bring one article's keyword and vector index entries up to date (knowledge queue)."""
    runtime.current().knowledge.index_article(article_id)


def assign_waiting() -> None:
    """Give queued requests to agents who have room now (capacity freed or agent online)."""
    container = runtime.current()
    if container.router is None:
        return
    with container.uow() as uow:
        assigned = container.router.assign_waiting(uow.session)
        for request_id, agent_id in assigned:
            uow.events.append(events.RequestAssigned(request_id, agent_id, None))
        uow.commit()


def retrain_router() -> None:
    """Retrain the category model from agents' corrections (default queue); see retraining."""
    from servicedesk.desk.routing.retraining import retrain_router as retrain

    container = runtime.current()
    if container.router is None or container.router.classifier is None:
        return
    outcome = retrain(container.uow, container.router.classifier)
    log.info("retrain_router: %s", outcome.reason)


JOBS: dict[str, Callable[..., Any]] = {
    "send_reply": send_reply,
    "send_confirmation": send_confirmation,
    "suggest_for_request": suggest_for_request,
    "remember_solved_request": remember_solved_request,
    "index_article": index_article,
    "assign_waiting": assign_waiting,
    "retrain_router": retrain_router,
}


def run(name: str, *args: Any) -> Any:
    """Entry point for rq: look the job up by name, so only listed jobs can run."""
    return JOBS[name](*args)
