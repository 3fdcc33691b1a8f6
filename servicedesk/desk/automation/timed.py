"""Time-based rules, swept by a job: each acts once per request and occurrence of its wait.

The occurrence is named by when the wait began (solved at, pending since, opened at), so a
request solved, reopened and solved again is closed again, but never twice for one wait.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from crm_core.db import UnitOfWork
from servicedesk.desk.automation.engine import automation_facts, load_specs, run_actions
from servicedesk.desk.automation.models import AutomationMark
from servicedesk.desk.automation.rules import AutomationSpec
from servicedesk.desk.conditions import all_hold
from servicedesk.desk.models import OPEN_STATUSES, RequestEvent, ServiceRequest, Status
from servicedesk.desk.sla.service import load_setup

log = logging.getLogger(__name__)


def sweep_timed_rules(
    uow_factory: Callable[[], UnitOfWork], now: datetime
) -> list[tuple[str, int]]:
    """Run every time-based rule on the requests that waited long enough; (rule, request)."""
    acted = []
    with uow_factory() as uow:
        work = [
            (spec, request_id, since)
            for spec in load_specs(uow.session, "timed")
            for request_id, since in _waiting(uow.session, spec, now)
        ]
    for spec, request_id, since in work:
        try:
            with uow_factory() as uow:
                if _act_once(uow, spec, request_id, since, now):
                    uow.commit()
                    acted.append((spec.name, request_id))
        except Exception:
            log.exception("timed rule %s on request %s failed", spec.name, request_id)
    return acted


def _act_once(
    uow: UnitOfWork, spec: AutomationSpec, request_id: int, since: datetime, now: datetime
) -> bool:
    session = uow.session
    request = session.get(ServiceRequest, request_id)
    if request is None or not all_hold(spec.conditions, automation_facts(request)):
        return False
    try:
        with session.begin_nested():
            session.add(AutomationMark(key=f"{spec.name}:{request_id}:{since.isoformat()}"[:200]))
    except IntegrityError:
        return False  # acted on this wait already (or another worker is doing it now)
    run_actions(uow, request, spec, now)
    return True


def _waiting(
    session: Session, spec: AutomationSpec, now: datetime
) -> Iterator[tuple[int, datetime]]:
    """Requests in the rule's wait for at least its minutes, with when the wait began."""
    calendar = (
        load_setup(session).calendar(spec.business_calendar) if spec.business_calendar else None
    )
    for request_id, since in _candidates(session, spec.wait):
        since = since if since.tzinfo else since.replace(tzinfo=UTC)
        waited = calendar.elapsed(since, now) if calendar else (now - since).total_seconds()
        if waited >= spec.minutes * 60:
            yield request_id, since


def _candidates(session: Session, wait: str | None) -> Iterator[tuple[int, datetime]]:
    base = select(ServiceRequest.id, ServiceRequest.created_at, ServiceRequest.solved_at).where(
        ServiceRequest.merged_into_id.is_(None)
    )
    if wait == "solved":
        for rid, _created, solved in session.execute(
            base.where(ServiceRequest.status == Status.SOLVED)
        ):
            if solved is not None:
                yield rid, solved
    elif wait == "unassigned":
        query = base.where(
            ServiceRequest.assignee_id.is_(None), ServiceRequest.status.in_(OPEN_STATUSES)
        )
        for rid, created, _solved in session.execute(query):
            yield rid, created
    elif wait == "pending":
        for rid, *_rest in session.execute(base.where(ServiceRequest.status == Status.PENDING)):
            since = _pending_since(session, rid)
            if since is not None:
                yield rid, since


def _pending_since(session: Session, request_id: int) -> datetime | None:
    changes = session.scalars(
        select(RequestEvent)
        .where(RequestEvent.request_id == request_id, RequestEvent.kind == "status_changed")
        .order_by(RequestEvent.id.desc())
        .limit(5)
    )
    return next((e.created_at for e in changes if e.data.get("new") == "pending"), None)
