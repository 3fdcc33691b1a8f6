"""Enrolling customers when a marketing event fires a workflow's trigger."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from crm_core.campaigns.workflows.definition import TriggerKind, first_step
from crm_core.campaigns.workflows.events import MarketingEvent, matches
from crm_core.campaigns.workflows.models import (
    Enrolment,
    EnrolmentStatus,
    StepLog,
    Workflow,
    WorkflowStatus,
)
from crm_core.customers.models import Customer
from crm_core.customers.records import Tag


def enrol_for_events(session: Session, events: list[MarketingEvent], now: datetime) -> list[int]:
    """Enrol the customers of `events` in every active workflow they fire; the ids of the
    new enrolments. A customer already running through a workflow is not enrolled again."""
    kinds = {event.kind.value for event in events}
    workflows = session.scalars(
        select(Workflow)
        .where(Workflow.status == WorkflowStatus.ACTIVE, Workflow.trigger.in_(kinds))
        .order_by(Workflow.id)
    ).all()
    enrolled: list[int] = []
    for event in [_with_tag_name(session, e) for e in events]:
        for workflow in workflows:
            settings = (workflow.definition or {}).get("trigger") or {}
            if matches(TriggerKind(workflow.trigger), settings, event):
                enrolment = enrol(session, workflow, event.customer_id, now, event.describe())
                if enrolment is not None:
                    enrolled.append(enrolment.id)
    return enrolled


def _with_tag_name(session: Session, event: MarketingEvent) -> MarketingEvent:
    """The hook sees a tag's id only (it cannot query mid-flush): add its name."""
    tag_id = event.detail.get("tag_id")
    if event.kind != TriggerKind.TAG_ADDED or tag_id is None or "tag" in event.detail:
        return event
    tag = session.get(Tag, int(tag_id))
    detail = {"tag": tag.name if tag else ""}
    return MarketingEvent(event.kind, event.customer_id, detail)


def enrol(
    session: Session, workflow: Workflow, customer_id: int, now: datetime, why: str = ""
) -> Enrolment | None:
    """Start the customer on the workflow's first step, now; None when they are running
    through it already (the unique index decides when two enrol at the same moment)."""
    if session.get(Customer, customer_id) is None or _active(session, workflow.id, customer_id):
        return None
    steps = (workflow.definition or {}).get("steps") or []
    enrolment = Enrolment(
        workflow_id=workflow.id,
        customer_id=customer_id,
        status=EnrolmentStatus.ACTIVE,
        trigger=why[:200],
        step_id=first_step(steps, None),
        next_run_at=now,
        enrolled_at=now,
    )
    try:
        with session.begin_nested():
            session.add(enrolment)
            session.flush()
    except IntegrityError:
        return None
    log_step(session, enrolment, "", "enrolled", "done", why, now)
    return enrolment


def _active(session: Session, workflow_id: int, customer_id: int) -> bool:
    found = session.scalar(
        select(Enrolment.id).where(
            Enrolment.workflow_id == workflow_id,
            Enrolment.customer_id == customer_id,
            Enrolment.status == EnrolmentStatus.ACTIVE,
        )
    )
    return found is not None


def log_step(
    session: Session,
    enrolment: Enrolment,
    step_id: str,
    kind: str,
    outcome: str,
    detail: str,
    now: datetime,
) -> StepLog:
    """One row of the step log."""
    row = StepLog(
        enrolment_id=enrolment.id,
        workflow_id=enrolment.workflow_id,
        customer_id=enrolment.customer_id,
        step_id=step_id,
        kind=kind,
        outcome=outcome,
        detail=detail[:500],
        at=now,
    )
    session.add(row)
    return row
