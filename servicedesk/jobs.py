"""The job functions run by the task queues (rq workers or the in-process thread).

Each is called with the container (a `JobContext`: what jobs use of it) followed by ids
only; it reloads what it needs in its own unit of work and is safe to run twice: a
retried or duplicated job finds its work done and returns. Jobs are looked up by name in
`JOBS`, so a queue can run nothing else.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol

from crm_core.confirmations import LINK_CONTACT, SIGN_IN
from crm_core.db import UnitOfWork
from servicedesk.desk import events, identity, satisfaction, suggestions
from servicedesk.desk.delivery import deliver_reply
from servicedesk.desk.ports import Notifier
from servicedesk.lanes import off_loop
from servicedesk.realtime import rooms

if TYPE_CHECKING:
    from channels.registry import AdapterRegistry
    from crm_core.campaigns.compose import SendSettings
    from knowledge.service import KnowledgeBase
    from servicedesk.config import Config
    from servicedesk.desk.routing.router import Router
    from servicedesk.desk.writer import WriteGuard

log = logging.getLogger(__name__)
# Where confirmation links point, by purpose: the help centre's confirm page
# (web/portal/confirm.py) and its sign-in page (web/portal/account.py).
LINK_PATHS = {LINK_CONTACT: "/help/confirm/", SIGN_IN: "/help/sign-in/"}
RATING_PATH = "/help/rate/"  # web/portal/rating.py


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
        lambda purpose, token: f"{config.base_url}{LINK_PATHS[purpose]}{token}",
        confirmation_id,
    )


def invite_rating(context: JobContext, request_id: int) -> None:
    """Ask the customer of a solved request for a rating, once, in its channel (mail queue)."""
    config = context.config
    satisfaction.invite_rating(
        context.uow,
        context.adapters,
        lambda token: f"{config.base_url}{RATING_PATH}{token}",
        config.secret_key,
        request_id,
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


def recompute_lifecycle(context: JobContext) -> int:
    """The daily job: every ordering customer's lifecycle stage, with their request activity
    keeping them from churning (default queue; run it from cron: `servicedesk sales lifecycle`)."""
    from crm_core.db import utcnow
    from crm_core.lifecycle import recompute_all
    from servicedesk.desk.sales_facts import last_request_activity

    def run() -> int:
        with context.uow() as uow:
            session = uow.session
            activity = last_request_activity(session)
            changed = recompute_all(session, context.config.lifecycle_rules(), utcnow(), activity)
            uow.commit()
        return changed

    changed = context.write_guard.run(run)
    log.info("recompute_lifecycle: %d customers changed stage", changed)
    return changed


def campaign_settings(config: Config) -> SendSettings:
    """Where campaign mail comes from and how fast it goes, from the settings."""
    from crm_core.campaigns.compose import SendSettings

    sender = config.marketing_from or config.mail_from
    if not sender or not config.mail_smtp_url:
        raise LookupError("campaign mail needs SERVICEDESK_MAIL_SMTP_URL and MAIL_FROM")
    return SendSettings(
        from_address=sender,
        base_url=config.base_url,
        secret=config.secret_key,
        reply_to=config.mail_from or sender,
        rate_per_second=float(config.marketing_rate),
    )


def send_campaign(context: JobContext, campaign_id: int) -> None:
    """Plan and send a campaign's mail, rate-limited (mail queue); safe to run twice: each
    recipient's row is claimed before their mail goes out."""
    from crm_core.db import utcnow
    from servicedesk.campaign_mail import run_campaign

    config = context.config
    outcome = run_campaign(
        context.uow, campaign_id, campaign_settings(config), str(config.mail_smtp_url), utcnow
    )
    log.info("send_campaign %d: %s", campaign_id, outcome)


def send_due_campaigns(context: JobContext) -> list[int]:
    """Queue scheduled campaigns that are due and A/B tests whose window is over (run it
    from cron: `servicedesk marketing tick`)."""
    from crm_core.db import utcnow
    from servicedesk.desk.campaigns import due_campaigns

    with context.uow() as uow:
        due = due_campaigns(uow.session, utcnow())
    for campaign_id in due:
        send_campaign(context, campaign_id)
    return due


JOBS: dict[str, Callable[..., Any]] = {
    "send_reply": send_reply,
    "send_confirmation": send_confirmation,
    "invite_rating": invite_rating,
    "suggest_for_request": suggest_for_request,
    "remember_solved_request": remember_solved_request,
    "index_article": index_article,
    "assign_waiting": assign_waiting,
    "retrain_router": retrain_router,
    "recompute_lifecycle": recompute_lifecycle,
    "send_campaign": send_campaign,
    "send_due_campaigns": send_due_campaigns,
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
