"""The workflows' jobs: enrol on marketing events, run an enrolment's due steps, and the
periodic sweep (`servicedesk.schedule`) that finds due steps in SQL, so waits survive restarts.

Every job is safe to run twice: enrolment is unique per active (workflow, customer), and
an enrolment's steps run under a claim with a lease (crm_core.campaigns.workflows.runner).
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from crm_core.campaigns.models import Delivery, DeliveryStatus
from crm_core.campaigns.workflows.definition import walk
from crm_core.campaigns.workflows.enrolment import enrol_for_events
from crm_core.campaigns.workflows.events import MarketingEvent
from crm_core.campaigns.workflows.models import Workflow, WorkflowStatus
from crm_core.campaigns.workflows.ports import WorkflowPorts
from crm_core.campaigns.workflows.runner import due_enrolments, run_enrolment
from servicedesk.desk.campaigns import REQUEST_RULES
from servicedesk.desk.workflows import enrol_for_solved_request
from servicedesk.job_context import JobContext

log = logging.getLogger(__name__)


def now() -> datetime:
    """The workflows' clock (tests replace it to let days pass in a moment)."""
    return datetime.now(UTC)


def workflow_ports(context: JobContext) -> WorkflowPorts:
    """Slack notices and campaign mail go out as their own jobs, after the step commits.

    Without SMTP settings the mail stays planned (pending): the sweep sends it once they
    are given.
    """
    tasks, config = context.tasks, context.config

    def send_campaign(campaign_id: int) -> None:
        if config.mail_smtp_url and (config.marketing_from or config.mail_from):
            tasks.enqueue("mail", "send_campaign", campaign_id)

    return WorkflowPorts(
        notify_rep=lambda agent_id, text, key: tasks.enqueue(
            "default", "notify_rep", agent_id, text, key
        ),
        send_campaign=send_campaign,
        segment_fields=REQUEST_RULES,
    )


def enrol_in_workflows(context: JobContext, events: list[dict[str, Any]]) -> list[int]:
    """Enrol the customers of committed marketing events, then run their first steps."""
    parsed = [MarketingEvent.from_json(event) for event in events]
    with context.uow() as uow:
        enrolled = enrol_for_events(uow.session, parsed, now())
        uow.commit()
    _run_now(context, enrolled)
    return enrolled


def enrol_on_solved_request(context: JobContext, request_id: int) -> list[int]:
    """A request was solved: enrol its customer where a workflow waits for that."""
    with context.uow() as uow:
        enrolled = enrol_for_solved_request(uow.session, request_id, now())
        uow.commit()
    _run_now(context, enrolled)
    return enrolled


def _run_now(context: JobContext, enrolment_ids: list[int]) -> None:
    for enrolment_id in enrolment_ids:
        context.tasks.enqueue("default", "run_workflow_enrolment", enrolment_id)


def run_workflow_enrolment(context: JobContext, enrolment_id: int) -> int:
    """Run one enrolment's due steps (default queue); a second run finds nothing due."""
    return run_enrolment(context.uow, enrolment_id, workflow_ports(context), now)


def sweep_workflows(context: JobContext) -> int:
    """The scheduler's sweep: queue every due enrolment, and the sending of workflow mail a
    crash left pending. Several processes sweeping is harmless: steps are claimed."""
    ports = workflow_ports(context)
    with context.uow() as uow:
        due = due_enrolments(uow.session, now(), ports.lease_seconds)
        pending = _campaigns_with_pending_mail(uow)
    _run_now(context, due)
    for campaign_id in pending:
        ports.send_campaign(campaign_id)
    if due:
        log.info("sweep_workflows: %d enrolments due", len(due))
    return len(due)


def _campaigns_with_pending_mail(uow: Any) -> list[int]:
    """Campaigns that active workflows mail with deliveries still pending."""
    used = {
        int(step["campaign_id"])
        for definition in uow.session.scalars(
            select(Workflow.definition).where(Workflow.status == WorkflowStatus.ACTIVE)
        )
        for step in _email_steps((definition or {}).get("steps") or [])
    }
    if not used:
        return []
    query = select(Delivery.campaign_id).where(
        Delivery.campaign_id.in_(used), Delivery.status == DeliveryStatus.PENDING
    )
    return sorted(set(uow.session.scalars(query.distinct())))


def _email_steps(steps: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [located.step for located in walk(steps) if located.step.get("type") == "email"]


WORKFLOW_JOBS = {
    "enrol_in_workflows": enrol_in_workflows,
    "enrol_on_solved_request": enrol_on_solved_request,
    "run_workflow_enrolment": run_workflow_enrolment,
    "sweep_workflows": sweep_workflows,
}
