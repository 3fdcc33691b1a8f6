"""The job functions run by the task queues (rq workers or the in-process thread).

Each is called with the container (a `JobContext`: what jobs use of it) followed by ids
only; it reloads what it needs in its own unit of work and is safe to run twice: a
retried or duplicated job finds its work done and returns. Jobs are looked up by name in
`JOBS`, so a queue can run nothing else.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from crm_core.db import UnitOfWork
from crm_core.importing.kinds import RowSettings
from crm_core.importing.uploads import dry_run_upload, run_upload
from servicedesk.desk import events, identity, suggestions
from servicedesk.desk.delivery import deliver_reply
from servicedesk.desk.ports import Notifier
from servicedesk.lanes import off_loop
from servicedesk.realtime import rooms

if TYPE_CHECKING:
    from channels.registry import AdapterRegistry
    from knowledge.service import KnowledgeBase
    from servicedesk.config import Config
    from servicedesk.desk.routing.router import Router
    from servicedesk.desk.writer import WriteGuard

log = logging.getLogger(__name__)
# Where confirmation links point: the help centre's confirm page (web/portal/confirm.py).
CONFIRM_PATH = "/help/confirm/"


class JobContext(Protocol):
    """What jobs use of the process's container (`servicedesk.container.Container`)."""

    config: Config
    adapters: AdapterRegistry
    notifier: Notifier
    router: Router | None

    def uow(self) -> UnitOfWork: ...

    @property
    def knowledge(self) -> KnowledgeBase: ...

    @property
    def write_guard(self) -> WriteGuard: ...


def send_reply(context: JobContext, message_id: int) -> None:
    """Deliver an outbound message through its channel's adapter, at most once when sent."""
    deliver_reply(context.uow, context.adapters, message_id)


def send_confirmation(context: JobContext, confirmation_id: int) -> None:
    """Mail the link that confirms a typed-in email address (mail queue)."""
    config = context.config
    identity.send_confirmation(
        context.uow,
        context.adapters,
        config.secret_key,
        lambda token: f"{config.base_url}{CONFIRM_PATH}{token}",
        confirmation_id,
    )


def suggest_for_request(context: JobContext, request_id: int) -> None:
    """Compute knowledge suggestions for a request and push them to its console room."""
    stored = suggestions.suggest_for_request(
        context.uow,
        context.knowledge,
        request_id,
        compute_with=off_loop,
        store_with=context.write_guard.run,
    )
    if stored:
        context.notifier.emit(
            "suggestions.ready", {"request_id": request_id}, rooms.request(request_id)
        )


def suggest_for_requests(context: JobContext, batch: list[tuple[int]]) -> None:
    """`suggest_for_request` for several requests at once (the in-process lane's batches)."""
    request_ids = [request_id for (request_id,) in batch]
    for request_id in suggestions.suggest_for_requests(
        context.uow,
        context.knowledge,
        request_ids,
        compute_with=off_loop,
        store_with=context.write_guard.run,
    ):
        context.notifier.emit(
            "suggestions.ready", {"request_id": request_id}, rooms.request(request_id)
        )


def remember_solved_request(context: JobContext, request_id: int) -> None:
    """Index a solved request so agents see it among "similar solved requests"."""
    with context.uow() as uow:
        suggestions.remember_solved_request(uow, context.knowledge, request_id)


def index_article(context: JobContext, article_id: int) -> None:
    """Bring one article's keyword and vector index entries up to date (knowledge queue)."""
    context.knowledge.index_article(article_id)


def assign_waiting(context: JobContext) -> None:
    """Give queued requests to agents who have room now (capacity freed or agent online)."""
    if context.router is None:
        return
    with context.uow() as uow:
        assigned = context.router.assign_waiting(uow.session)
        for request_id, agent_id in assigned:
            uow.events.append(events.RequestAssigned(request_id, agent_id, None))
        uow.commit()


def retrain_router(context: JobContext) -> None:
    """Retrain the category model from agents' corrections (default queue); see retraining."""
    from servicedesk.desk.routing.retraining import retrain_router as retrain

    if context.router is None or context.router.classifier is None:
        return
    outcome = retrain(context.uow, context.router.classifier)
    log.info("retrain_router: %s", outcome.reason)


def crm_row_settings(config: Config) -> RowSettings:
    """How imported rows are read: the configured phone region and date order."""
    from crm_core.normalise import DateOrder

    order = config.crm_date_order
    region = (config.crm_phone_region or "").upper() or None
    return RowSettings(region=region, date_order=DateOrder(order) if order else None)


def imports_dir(config: Config) -> Path:
    """Where the console keeps uploaded import files."""
    return config.instance_dir / "imports"


def import_upload(context: JobContext, upload_id: int) -> None:
    """Import (or resume importing) a file uploaded in the console (default queue)."""
    config = context.config
    run_upload(context.uow, upload_id, imports_dir(config), crm_row_settings(config))


def dry_run_import(context: JobContext, upload_id: int) -> None:
    """Dry-run a file uploaded in the console with its chosen mapping (default queue)."""
    config = context.config
    dry_run_upload(context.uow, upload_id, imports_dir(config), crm_row_settings(config))


JOBS: dict[str, Callable[..., Any]] = {
    "send_reply": send_reply,
    "send_confirmation": send_confirmation,
    "suggest_for_request": suggest_for_request,
    "remember_solved_request": remember_solved_request,
    "index_article": index_article,
    "assign_waiting": assign_waiting,
    "retrain_router": retrain_router,
    "import_upload": import_upload,
    "dry_run_import": dry_run_import,
}


# Jobs that can run a batch of calls in one go: the job's name -> the batch function.
BATCHED: dict[str, Callable[[JobContext, list[Any]], None]] = {
    "suggest_for_request": suggest_for_requests
}


def job_named(name: str) -> Callable[..., Any]:
    """The job called `name`; only functions listed in `JOBS` can be run."""
    try:
        return JOBS[name]
    except KeyError:
        raise LookupError(f"no job named {name!r}") from None


def run_job(context: JobContext, name: str, *args: Any) -> Any:
    """Run the job called `name` with the collaborators of `context` and its ids."""
    return job_named(name)(context, *args)


def run_batch(context: JobContext, name: str, batch: list[tuple[Any, ...]]) -> None:
    """Run several calls of the job called `name` (in one go where it can)."""
    together = BATCHED.get(name)
    if together is not None:
        together(context, batch)
        return
    for args in batch:
        run_job(context, name, *args)
