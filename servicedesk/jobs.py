"""The job functions run by the task queues (rq workers or the in-process thread).

Each is called with the container (a `JobContext`: what jobs use of it) followed by ids
only; it reloads what it needs in its own unit of work and is safe to run twice: a
retried or duplicated job finds its work done and returns. Jobs are looked up by name in
`JOBS`, so a queue can run nothing else.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from crm_core.confirmations import ERASE_ACCOUNT, LINK_CONTACT, SIGN_IN
from servicedesk import notices, redis_lane
from servicedesk.contract_jobs import CONTRACT_JOBS
from servicedesk.crm_jobs import CRM_JOBS, crm_row_settings, imports_dir, recompute_lifecycle
from servicedesk.desk import events, identity, satisfaction, suggestions
from servicedesk.desk.automation import engine, timed, webhooks
from servicedesk.desk.delivery import deliver_reply
from servicedesk.desk.sla import sweep
from servicedesk.job_context import JobContext
from servicedesk.lanes import off_loop
from servicedesk.realtime import rooms
from servicedesk.workflow_jobs import WORKFLOW_JOBS

if TYPE_CHECKING:
    pass

__all__ = ["JobContext", "crm_row_settings", "imports_dir", "recompute_lifecycle"]  # and JOBS
log = logging.getLogger(__name__)
# Where confirmation links point, by purpose: the help centre's confirm page
# (web/portal/confirm.py) and its sign-in page (web/portal/account.py).
LINK_PATHS = {
    LINK_CONTACT: "/help/confirm/",
    SIGN_IN: "/help/sign-in/",
    ERASE_ACCOUNT: "/help/account/delete/",
}
RATING_PATH = "/help/rate/"  # web/portal/rating.py


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


def drain_pending(context: JobContext, job: str) -> int:
    """The worker's lane: a batch of the waiting runs of `job` in one go (`redis_lane`)."""
    if not context.config.redis_url:
        raise LookupError("drain_pending runs on the Redis lane only")
    redis = redis_lane.connection(context.config.redis_url)
    return redis_lane.drain(redis, context.tasks, job, lambda name, b: run_batch(context, name, b))


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


def ask_rating(context: JobContext, request_id: int) -> None:
    """A solved Slack request: ask for a rating in its thread (once per solve)."""
    if "slack" not in context.adapters:
        return  # the Slack channel is off: no thread to ask in
    with context.uow() as uow:
        notices.ask_rating(uow, context.adapters, request_id)


def notify_owner(context: JobContext, request_id: int) -> None:
    """A customer with an owning rep opened a request: DM the rep on Slack."""
    if "slack" not in context.adapters:
        return  # the Slack channel is off: no one to DM
    with context.uow() as uow:
        notices.notify_owner(uow, context.adapters, request_id, context.config.base_url)


def notify_rep(context: JobContext, agent_id: int, text: str, key: str) -> bool:
    """DM a rep on Slack once per `key`; for other jobs (the SLA's breach events)."""
    with context.uow() as uow:
        return notices.notify_rep(uow, context.adapters, agent_id, text, key)


def sweep_sla(context: JobContext) -> None:
    """Fire the SLA warnings and breaches now due (each at most once; see sla.escalation)."""
    fired = sweep.sweep_due_events(context.uow, sweep.now())
    if fired:
        log.info("sweep_sla: %d due events fired", len(fired))


def run_automations(context: JobContext, request_id: int, on: str) -> None:
    """Run the triggers for a request that was created or updated (see automation.engine)."""
    with context.uow() as uow:
        ran = engine.run_triggers(uow, request_id, on, sweep.now())
        uow.commit()
    if ran:
        log.info("run_automations: %s ran on request %s", ", ".join(ran), request_id)


def run_automations_for(context: JobContext, runs: list[list[Any]]) -> None:
    """The trigger runs of one commit ([request id, on] pairs): the rules are read once,
    and only a request some enabled trigger waits for gets its `run_automations` job
    (each in its own transaction and with its own retries, as before). Most desks have
    few triggers: a batch of opened requests then costs one query, not one per request."""
    with context.uow() as uow:
        wanted = engine.trigger_kinds(uow.session)
    for request_id, on in runs:
        if on in wanted:
            context.tasks.enqueue("default", "run_automations", request_id, on)


def sweep_automations(context: JobContext) -> None:
    """Run the time-based rules on requests that waited long enough (each once per wait)."""
    acted = timed.sweep_timed_rules(context.uow, sweep.now())
    if acted:
        log.info("sweep_automations: %d rule runs", len(acted))


def call_webhook(context: JobContext, call_id: int) -> None:
    """Send a signed webhook an automation asked for; raises on failure so it is retried."""
    webhooks.send_webhook(context.uow, call_id, sweep.now(), _http_post)


def _http_post(url: str, body: bytes, headers: dict[str, str]) -> int:
    import urllib.error
    import urllib.request

    request = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 (http/https checked)
            return int(response.status)
    except urllib.error.HTTPError as error:
        return int(error.code)


def refresh_open_slas(context: JobContext) -> None:
    """Recompute every open request's SLA clocks (after an admin edited the policies)."""
    log.info(
        "refresh_open_slas: %d requests", sweep.refresh_open_requests(context.uow, sweep.now())
    )


def notify_rep_of_sla(context: JobContext, request_id: int, clock: str, kind: str) -> None:
    """Tell the customer's rep about an SLA warning or breach: a Slack DM (once per alert)
    when the Slack channel is on, else the container's notifier (a log line)."""
    text = sweep.alert_text(context.uow, request_id, clock, kind)
    with context.uow() as uow:
        key = f"sla-{kind}:{request_id}:{clock}"
        if notices.notify_owner_of_sla(uow, context.adapters, request_id, text, key):
            return
    context.rep_notifier.notify_rep(request_id, text)


def send_campaign(context: JobContext, campaign_id: int) -> None:
    """Plan and send a campaign (mail queue): mail rate-limited, a Slack announcement, or a
    banner put up; safe to run twice: each recipient's row and each Slack channel's post
    is claimed before it goes out."""
    from crm_core.db import utcnow
    from servicedesk.campaign_channels import run_any_campaign

    outcome = run_any_campaign(context, campaign_id, utcnow)
    log.info("send_campaign %d: %s", campaign_id, outcome)


def send_due_campaigns(context: JobContext) -> list[int]:
    """Queue scheduled campaigns that are due and A/B tests whose window is over (run it
    from cron: `servicedesk marketing tick`)."""
    from crm_core.db import utcnow
    from servicedesk.desk.banners import end_banners
    from servicedesk.desk.campaigns import due_campaigns

    with context.uow() as uow:
        due = due_campaigns(uow.session, utcnow())
        end_banners(uow.session, utcnow())
        uow.commit()
    for campaign_id in due:
        send_campaign(context, campaign_id)
    return due


JOBS: dict[str, Callable[..., Any]] = {
    **CRM_JOBS,
    **CONTRACT_JOBS,
    **WORKFLOW_JOBS,
    "send_reply": send_reply,
    "send_confirmation": send_confirmation,
    "invite_rating": invite_rating,
    "suggest_for_request": suggest_for_request,
    redis_lane.DRAIN_JOB: drain_pending,
    "remember_solved_request": remember_solved_request,
    "index_article": index_article,
    "assign_waiting": assign_waiting,
    "retrain_router": retrain_router,
    "ask_rating": ask_rating,
    "notify_owner": notify_owner,
    "sweep_sla": sweep_sla,
    "notify_rep_of_sla": notify_rep_of_sla,
    "refresh_open_slas": refresh_open_slas,
    "run_automations": run_automations,
    "run_automations_for": run_automations_for,
    "sweep_automations": sweep_automations,
    "call_webhook": call_webhook,
    "send_campaign": send_campaign,
    "send_due_campaigns": send_due_campaigns,
}

# Enqueued once a day by `servicedesk.schedule` (each takes no ids, safe to run twice).
DAILY: tuple[tuple[str, str], ...] = (
    ("default", "apply_retention"),
    ("default", "recompute_lifecycle"),
    ("default", "rescore_leads"),
    ("default", "remind_contract_renewals"),
)


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
