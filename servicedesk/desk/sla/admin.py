"""Editing SLA setup (console and `servicedesk sla load`) and explaining a request's clocks."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from servicedesk.desk.models import ServiceRequest
from servicedesk.desk.sla.calendar import calendar_from_dict, calendar_to_dict
from servicedesk.desk.sla.models import SlaBreach, SlaCalendarRow, SlaClock, SlaPolicyRow
from servicedesk.desk.sla.policy import policy_from_dict
from servicedesk.desk.sla.service import forget_setup, load_setup, refresh_request_sla


class SlaSetupError(ValueError):
    """A policy or calendar cannot be saved as written; the message names the field."""


def save_calendar(session: Session, data: Mapping[str, Any]) -> SlaCalendarRow:
    """Create or replace a calendar by name."""
    try:
        calendar = calendar_from_dict(data)
    except ValueError as error:
        raise SlaSetupError(str(error)) from error
    row = session.scalars(
        select(SlaCalendarRow).where(SlaCalendarRow.name == calendar.name)
    ).first()
    row = row or SlaCalendarRow(name=calendar.name)
    row.definition = calendar_to_dict(calendar)
    session.add(row)
    session.flush()
    forget_setup(session)
    return row


def save_policy(
    session: Session, data: Mapping[str, Any], *, position: int | None = None
) -> SlaPolicyRow:
    """Create or replace a policy by name (new ones go last unless `position` is given)."""
    try:
        policy = policy_from_dict(data)
    except (ValueError, TypeError, AttributeError) as error:
        raise SlaSetupError(str(error)) from error
    known = {r.name for r in session.scalars(select(SlaCalendarRow))} | {"24/7"}
    if policy.calendar not in known:
        raise SlaSetupError(f"policy {policy.name!r}: calendar {policy.calendar!r} does not exist")
    row = session.scalars(select(SlaPolicyRow).where(SlaPolicyRow.name == policy.name)).first()
    if row is None:
        last = session.scalar(select(func.max(SlaPolicyRow.position))) or 0
        row = SlaPolicyRow(name=policy.name, position=last + 1)
    position = position if position is not None else data.get("position")
    if position is not None:
        row.position = int(position)
    row.enabled = bool(data.get("enabled", True))
    row.definition = {k: v for k, v in data.items() if k not in ("name", "enabled", "position")}
    session.add(row)
    session.flush()
    forget_setup(session)
    return row


def load_setup_file(session: Session, document: Mapping[str, Any]) -> tuple[int, int]:
    """`calendars:` then `policies:` (in order) from a parsed YAML document."""
    if not isinstance(document, Mapping):
        raise SlaSetupError("the file must map 'calendars' and 'policies' to lists")
    calendars = document.get("calendars") or []
    policies = document.get("policies") or []
    for data in calendars:
        save_calendar(session, data)
    for position, data in enumerate(policies, start=1):
        save_policy(session, data, position=data.get("position", position))
    return len(calendars), len(policies)


def explain_request(session: Session, request: ServiceRequest, now: datetime) -> dict[str, Any]:
    """Policy, calendar and every clock: target, due time, time paused, breached or not."""
    states = refresh_request_sla(session, request, now)
    setup = load_setup(session)
    policy = next((p for p in setup.policies if p.name == request.sla_policy), None)
    calendar = setup.calendar(policy.calendar) if policy else None
    return {
        "request": request.reference,
        "policy": policy.name if policy else None,
        "calendar": calendar_to_dict(calendar) if calendar else None,
        "priority": request.priority.value,
        "clocks": [
            {
                "clock": s.clock,
                "cycle": s.cycle,
                "state": s.state,
                "target_minutes": s.target_seconds // 60,
                "started_at": s.started_at.isoformat(),
                "due_at": s.due_at.isoformat() if s.due_at else None,
                "used_minutes": round(s.consumed_seconds / 60, 1),
                "paused_minutes": round(s.paused_seconds / 60, 1),
                "stopped_at": s.stopped_at.isoformat() if s.stopped_at else None,
                "breached": s.breached_at is not None,
                "breached_at": s.breached_at.isoformat() if s.breached_at else None,
            }
            for s in states
        ],
    }


@dataclass(frozen=True)
class SlaView:
    """What the request page shows: the policy, its calendar and the stored clocks."""

    policy: str | None
    calendar: dict[str, Any] | None
    clocks: list[SlaClock]
    breaches: list[SlaBreach]


def describe_sla(session: Session, request: ServiceRequest) -> SlaView:
    """The request's SLA as last computed (read only: the page never writes)."""
    clocks = list(
        session.scalars(
            select(SlaClock).where(SlaClock.request_id == request.id).order_by(SlaClock.started_at)
        )
    )
    breaches = list(
        session.scalars(
            select(SlaBreach).where(SlaBreach.request_id == request.id).order_by(SlaBreach.id)
        )
    )
    setup = load_setup(session)
    policy = next((p for p in setup.policies if p.name == request.sla_policy), None)
    calendar = calendar_to_dict(setup.calendar(policy.calendar)) if policy else None
    return SlaView(request.sla_policy, calendar, clocks, breaches)
