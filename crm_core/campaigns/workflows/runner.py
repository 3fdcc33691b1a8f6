"""Running enrolments: due ones are found in SQL, claimed with a lease, stepped through.

Waits live in `next_run_at`, so a restart loses nothing: the next sweep finds the same
enrolments due. A job claims an enrolment before it runs a step; a crashed job's claim
lapses after the lease and another job retries the step, whose effects were rolled back
with the crash (see steps.py).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from sqlalchemy import ColumnElement, or_, select, update
from sqlalchemy.orm import Session

from crm_core.campaigns.workflows.definition import step_index
from crm_core.campaigns.workflows.enrolment import log_step
from crm_core.campaigns.workflows.exits import exit_reason
from crm_core.campaigns.workflows.models import (
    Enrolment,
    EnrolmentStatus,
    Workflow,
    WorkflowStatus,
)
from crm_core.campaigns.workflows.ports import WorkflowPorts
from crm_core.campaigns.workflows.steps import STEP_RUNNERS, StepRun
from crm_core.customers.models import Customer
from crm_core.db import UnitOfWork

MAX_STEPS_PER_RUN = 50  # a run stops at a wait anyway; this bounds a step-only loop
MAX_ATTEMPTS = 3  # crashed runs of one step before the enrolment is marked failed


def _claimable(now: datetime, lease_seconds: int) -> list[ColumnElement[bool]]:
    lapsed = now - timedelta(seconds=lease_seconds)
    return [
        Enrolment.status == EnrolmentStatus.ACTIVE,
        Enrolment.next_run_at <= now,
        or_(Enrolment.claim.is_(None), Enrolment.claimed_at < lapsed),
    ]


def due_enrolments(
    session: Session, now: datetime, lease_seconds: int, limit: int = 1000
) -> list[int]:
    """Active enrolments of active workflows whose next step is due and unclaimed."""
    running = select(Workflow.id).where(Workflow.status == WorkflowStatus.ACTIVE)
    query = (
        select(Enrolment.id)
        .where(*_claimable(now, lease_seconds), Enrolment.workflow_id.in_(running))
        .order_by(Enrolment.next_run_at, Enrolment.id)
        .limit(limit)
    )
    return list(session.scalars(query))


def claim(session: Session, enrolment_id: int, now: datetime, lease_seconds: int) -> str | None:
    """Take the enrolment for this job; None when it is not due or another job has it."""
    token = uuid.uuid4().hex
    taken = session.execute(
        update(Enrolment)
        .where(Enrolment.id == enrolment_id, *_claimable(now, lease_seconds))
        .values(claim=token, claimed_at=now, attempts=Enrolment.attempts + 1)
        .execution_options(synchronize_session=False)
    ).rowcount  # type: ignore[attr-defined]
    return token if taken else None


def _gave_up(session: Session, enrolment_id: int, now: datetime) -> bool:
    """Mark the enrolment failed when its step crashed the job too often; True if so."""
    enrolment = session.get(Enrolment, enrolment_id)
    if enrolment is None or enrolment.attempts <= MAX_ATTEMPTS:
        return False
    reason = f"step {enrolment.step_id} crashed {enrolment.attempts - 1} times"
    _finish(session, enrolment, EnrolmentStatus.FAILED, reason, now)
    return True


def run_enrolment(
    uow_factory: Callable[[], UnitOfWork],
    enrolment_id: int,
    ports: WorkflowPorts,
    clock: Callable[[], datetime],
) -> int:
    """Run the enrolment's due steps, each in its own transaction, until it waits, ends
    or leaves; the number of steps run. Safe to call twice or from two jobs at once."""
    with uow_factory() as uow:
        token = claim(uow.session, enrolment_id, clock(), ports.lease_seconds)
        gave_up = token is not None and _gave_up(uow.session, enrolment_id, clock())
        uow.commit()
    if token is None or gave_up:
        return 0
    ran = 0
    going = True
    while going and ran < MAX_STEPS_PER_RUN:
        with uow_factory() as uow:
            going, stepped = run_step(uow, enrolment_id, token, ports, clock())
            if not going or ran + stepped >= MAX_STEPS_PER_RUN:
                _release(uow.session, enrolment_id, token)
            uow.commit()
        ran += stepped
    return ran


def _release(session: Session, enrolment_id: int, token: str) -> None:
    session.execute(
        update(Enrolment)
        .where(Enrolment.id == enrolment_id, Enrolment.claim == token)
        .values(claim=None, claimed_at=None, attempts=0)
        .execution_options(synchronize_session=False)
    )


def _runnable(session: Session, enrolment_id: int, token: str, now: datetime) -> Enrolment | None:
    """The enrolment, when this job holds it, it is active, due, and its workflow runs."""
    enrolment = session.get(Enrolment, enrolment_id)
    if enrolment is None or enrolment.claim != token:
        return None
    if enrolment.status != EnrolmentStatus.ACTIVE:
        return None
    workflow = session.get(Workflow, enrolment.workflow_id)
    due = enrolment.next_run_at is None or _aware(enrolment.next_run_at) <= now
    if workflow is None or workflow.status != WorkflowStatus.ACTIVE or not due:
        return None
    return enrolment


def run_step(
    uow: UnitOfWork, enrolment_id: int, token: str, ports: WorkflowPorts, now: datetime
) -> tuple[bool, int]:
    """Run the enrolment's next step if it is due; (go on at once?, steps run)."""
    session = uow.session
    enrolment = _runnable(session, enrolment_id, token, now)
    workflow = session.get(Workflow, enrolment.workflow_id) if enrolment else None
    if enrolment is None or workflow is None:
        return False, 0
    definition = workflow.definition or {}
    located = step_index(definition).get(enrolment.step_id or "")
    if located is None:  # the step was removed from the workflow since
        _finish(session, enrolment, EnrolmentStatus.COMPLETED, None, now)
        return False, 0
    reason = exit_reason(session, enrolment, definition.get("exit") or {}, ports, now)
    customer = session.get(Customer, enrolment.customer_id)
    if reason is not None or customer is None:
        _finish(session, enrolment, EnrolmentStatus.EXITED, reason or "customer gone", now)
        return False, 0
    step = located.step
    result = STEP_RUNNERS[step["type"]](StepRun(uow, enrolment, customer, located, ports, now))
    log_step(session, enrolment, step["id"], step["type"], result.outcome, result.detail, now)
    enrolment.step_id, enrolment.next_run_at = result.next_step, result.run_at or now
    enrolment.attempts = 0
    if enrolment.step_id is None:
        _finish(session, enrolment, EnrolmentStatus.COMPLETED, None, now)
        return False, 1
    return result.run_at is None, 1


def _finish(
    session: Session,
    enrolment: Enrolment,
    status: EnrolmentStatus,
    reason: str | None,
    now: datetime,
) -> None:
    enrolment.status, enrolment.exit_reason, enrolment.finished_at = status, reason, now
    enrolment.step_id, enrolment.next_run_at = None, None
    enrolment.claim, enrolment.claimed_at = None, None
    kind = {EnrolmentStatus.EXITED: "exited", EnrolmentStatus.FAILED: "failed"}.get(
        status, "completed"
    )
    log_step(session, enrolment, "", kind, status.value, reason or "", now)


def _aware(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes: they are UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
