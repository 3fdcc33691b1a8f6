"""The job functions run by the task queue (rq workers or the in-process thread).

Each takes ids only, reloads what it needs in its own unit of work, and is safe to run
twice: a retried or duplicated job finds its work done and returns.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from servicedesk import runtime
from servicedesk.desk import events, suggestions
from servicedesk.desk.delivery import deliver_reply
from servicedesk.lanes import off_loop, release_claim
from servicedesk.sockets import rooms

log = logging.getLogger(__name__)


def send_reply(message_id: int) -> None:
    """Deliver an outbound message through its channel's adapter, at most once when sent."""
    container = runtime.current()
    deliver_reply(container.uow, container.adapters, message_id)


def suggest_for_request(request_id: int) -> None:
    """Compute knowledge suggestions for a request and push them to its console room."""
    container = runtime.current()
    stored = suggestions.suggest_for_request(
        container.uow, container.knowledge, request_id, compute_with=off_loop
    )
    if stored:
        container.notifier.emit(
            "suggestions.ready", {"request_id": request_id}, rooms.request(request_id)
        )


def suggest_for_requests(batch: list[tuple[int]]) -> None:
    """`suggest_for_request` for several requests at once (the in-process lane's batches)."""
    container = runtime.current()
    request_ids = [request_id for (request_id,) in batch]
    for request_id in suggestions.suggest_for_requests(
        container.uow, container.knowledge, request_ids, compute_with=off_loop
    ):
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
    "suggest_for_request": suggest_for_request,
    "remember_solved_request": remember_solved_request,
    "index_article": index_article,
    "assign_waiting": assign_waiting,
    "retrain_router": retrain_router,
}


# Jobs that can run a batch of calls in one go: the job's name -> the batch function.
BATCHED: dict[str, Callable[[list[Any]], None]] = {"suggest_for_request": suggest_for_requests}


def run(name: str, *args: Any) -> Any:
    """Entry point for rq: look the job up by name, so only listed jobs can run."""
    release_claim(name, args)
    return JOBS[name](*args)
