"""Running rules on a request: conditions, actions in order, a log entry, the loop guard.

Loops are stopped two ways: a trigger whose own change is the latest one on the request
does not fire again on it (when it would change something, a note says it was stopped),
and no request runs more than `HOURLY_CAP` rules an hour.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from crm_core.db import UnitOfWork
from servicedesk.desk.audit import record
from servicedesk.desk.automation.actions import Context, apply, automation_agent, would_change
from servicedesk.desk.automation.models import AutomationRule, AutomationRun
from servicedesk.desk.automation.rules import AutomationSpec, spec_from_dict
from servicedesk.desk.conditions import all_hold
from servicedesk.desk.models import Direction, Message, RequestEvent, ServiceRequest
from servicedesk.desk.sla.service import request_facts

HOURLY_CAP = 20
LOG_KINDS = ("automation_ran", "automation_stopped")


# Built once: every opened or updated request runs it (a job per request).
_ENABLED_RULES = (
    select(AutomationRule)
    .where(AutomationRule.enabled.is_(True))
    .order_by(AutomationRule.position, AutomationRule.id)
)


def load_specs(session: Session, on: str) -> list[AutomationSpec]:
    rows = session.scalars(_ENABLED_RULES)
    specs = (spec_from_dict({"name": r.name, **r.definition}) for r in rows)
    return [s for s in specs if s.on == on]


def trigger_kinds(session: Session) -> set[str]:
    """The `on` values (created, updated) that at least one enabled trigger waits for."""
    rows = session.scalars(_ENABLED_RULES)
    return {spec_from_dict({"name": r.name, **r.definition}).on for r in rows}


def automation_facts(request: ServiceRequest) -> dict[str, Any]:
    """The SLA facts plus status, assignee and tags (one per fact, `tag.NAME`)."""
    facts = request_facts(request)
    facts.update(
        {
            "status": request.status.value,
            "assigned": request.assignee_id is not None,
            "subject": request.subject,
            "sla_state": request.sla_state,
        }
    )
    facts.update({f"tag.{tag}": True for tag in request.tags})
    return facts


def run_triggers(uow: UnitOfWork, request_id: int, on: str, now: datetime) -> list[str]:
    """Run the enabled triggers for `on` (created or updated); the names of those that ran."""
    session = uow.session
    specs = load_specs(session, on)  # first: with no trigger for `on`, the request is not read
    request = session.get(ServiceRequest, request_id) if specs else None
    if request is None or request.merged_into_id is not None:
        return []
    ran = []
    for spec in specs:
        if not all_hold(spec.conditions, automation_facts(request)):
            continue
        if _latest_change_by(session, request.id) == spec.name:
            if any(would_change(request, a) for a in spec.actions):
                _stop(uow, request, spec, "it would fire again on its own change")
            continue
        if _runs_since(session, request.id, now - timedelta(hours=1)) >= HOURLY_CAP:
            _stop(uow, request, spec, f"this request ran {HOURLY_CAP} automations in the last hour")
            break
        run_actions(uow, request, spec, now)
        ran.append(spec.name)
    return ran


def run_actions(
    uow: UnitOfWork, request: ServiceRequest, spec: AutomationSpec, now: datetime
) -> None:
    """The spec's actions in order; the request's trail says which rule made each change."""
    session = uow.session
    session.flush()
    before = session.scalar(select(func.max(RequestEvent.id))) or 0
    done, failed = [], None
    for action in spec.actions:
        try:
            apply(Context(uow, request, spec), action)
        except ValueError as error:  # a rule naming a missing team, macro...: logged, not fatal
            failed = str(error)
            break
        done.append(action.kind)
    session.flush()
    _claim_events(session, request.id, before, spec.name)
    record(
        session, request, "automation_ran", "automation", rule=spec.name, actions=done, error=failed
    )
    session.add(
        AutomationRun(
            request_id=request.id, rule=spec.name, actions=done, outcome="ran", ran_at=now
        )
    )


def _claim_events(session: Session, request_id: int, after_id: int, rule: str) -> None:
    """Mark the trail entries the rule's actions wrote as the automation's."""
    entries = session.scalars(
        select(RequestEvent).where(
            RequestEvent.request_id == request_id, RequestEvent.id > after_id
        )
    )
    for entry in entries:
        entry.actor = "automation"
        entry.data = {**entry.data, "rule": rule}


def _latest_change_by(session: Session, request_id: int) -> str | None:
    """The rule behind the request's latest change, or None when a person (or SLA) made it."""
    latest = session.scalars(
        select(RequestEvent)
        .where(RequestEvent.request_id == request_id, RequestEvent.kind.not_in(LOG_KINDS))
        .order_by(RequestEvent.id.desc())
        .limit(1)
    ).first()
    if latest is None or latest.actor != "automation":
        return None
    return str(latest.data.get("rule"))


def _runs_since(session: Session, request_id: int, since: datetime) -> int:
    query = select(func.count()).where(
        AutomationRun.request_id == request_id, AutomationRun.ran_at >= since
    )
    return int(session.scalar(query) or 0)


def _stop(uow: UnitOfWork, request: ServiceRequest, spec: AutomationSpec, why: str) -> None:
    session = uow.session
    text = f"Automation stopped: the rule '{spec.name}' did not run because {why}."
    if _already_noted(session, request.id, text):
        return
    session.add(
        Message(
            request=request,
            direction=Direction.NOTE,
            channel="internal",
            author=automation_agent(uow),
            text=text,
        )
    )
    record(session, request, "automation_stopped", "automation", rule=spec.name, reason=why)
    session.add(AutomationRun(request_id=request.id, rule=spec.name, actions=[], outcome="stopped"))


def _already_noted(session: Session, request_id: int, text: str) -> bool:
    query = (
        select(Message.id).where(Message.request_id == request_id, Message.text == text).limit(1)
    )
    return session.scalar(query) is not None
