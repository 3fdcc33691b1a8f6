"""Acting on due events: warnings before a breach, escalation on it, each exactly once.

`fire_due_event` claims the event with `UPDATE ... WHERE fired_at IS NULL` inside the
unit of work that also escalates: two workers never both act (the second's update finds
the row fired, or waits on its lock and then finds it), and a worker killed before its
commit leaves the event unfired for the next sweep.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import CursorResult, select, update
from sqlalchemy.orm import Session

from crm_core.db import UnitOfWork
from servicedesk.desk import events
from servicedesk.desk.audit import record
from servicedesk.desk.models import Priority, ServiceRequest, Team
from servicedesk.desk.sla.clocks import ClockState
from servicedesk.desk.sla.models import SlaBreach, SlaDueEvent
from servicedesk.desk.sla.policy import SlaPolicy
from servicedesk.desk.sla.service import load_setup, refresh_request_sla

CLOCK_NAMES = {
    "first_response": "first response",
    "next_response": "next response",
    "resolution": "resolution",
}


@dataclass(frozen=True)
class Fired:
    """What firing one due event did (for logs and tests)."""

    event_id: int
    request_id: int
    kind: str
    clock: str
    acted: bool


def due_event_ids(uow: UnitOfWork, now: datetime, limit: int = 500) -> list[int]:
    """Unfired events due by `now`, oldest first."""
    query = (
        select(SlaDueEvent.id)
        .where(SlaDueEvent.fired_at.is_(None), SlaDueEvent.due_at <= now)
        .order_by(SlaDueEvent.due_at, SlaDueEvent.id)
        .limit(limit)
    )
    return list(uow.session.scalars(query))


def fire_due_event(uow: UnitOfWork, event_id: int, now: datetime) -> Fired | None:
    """Recompute the request's clocks, claim the event if still due, act on it."""
    session = uow.session
    event = session.get(SlaDueEvent, event_id)
    if event is None or event.fired_at is not None:
        return None
    request = session.get(ServiceRequest, event.request_id)
    if request is None:
        return None
    states = {s.clock: s for s in refresh_request_sla(session, request, now)}
    session.flush()
    claimed: CursorResult[object] = session.execute(  # type: ignore[assignment]
        update(SlaDueEvent)
        .where(
            SlaDueEvent.id == event_id,
            SlaDueEvent.fired_at.is_(None),
            SlaDueEvent.due_at <= now,
        )
        .values(fired_at=now)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:
        return None  # another worker fired it, or the recompute moved or dropped it
    state = states.get(event.clock)
    policy = _policy(session, request)
    acted = state is not None and policy is not None
    if acted and state is not None and policy is not None:
        if event.kind == "breach":
            _escalate(uow, request, state, policy, event.cycle)
        else:
            _warn(uow, request, state)
    return Fired(event.id, request.id, event.kind, event.clock, acted)


def _policy(session: Session, request: ServiceRequest) -> SlaPolicy | None:
    setup = load_setup(session)
    return next((p for p in setup.policies if p.name == request.sla_policy), None)


def _warn(uow: UnitOfWork, request: ServiceRequest, state: ClockState) -> None:
    record(
        uow.session, request, "sla_warning", "system", clock=state.clock, due_at=_iso(state.due_at)
    )
    uow.events.append(
        events.SlaAlerted(request.id, state.clock, "warning", _recipients(request, lead=False))
    )


def _escalate(
    uow: UnitOfWork, request: ServiceRequest, state: ClockState, policy: SlaPolicy, cycle: int
) -> None:
    session = uow.session
    cause = breach_cause(request, state)
    due = state.breached_at or state.due_at
    assert due is not None
    session.add(
        SlaBreach(
            key=f"{request.id}:{state.clock}:{cycle}",
            request_id=request.id,
            clock=state.clock,
            policy=policy.name,
            due_at=due,
            cause=cause,
            priority=request.priority.value,
            channel=request.channel,
            category=request.category,
            team_id=request.team_id,
            assignee_id=request.assignee_id,
        )
    )
    changed = _apply_escalation(uow, request, policy)
    record(
        session, request, "sla_breached", "system", clock=state.clock, cause=cause, changed=changed
    )
    if changed:
        uow.events.append(events.RequestUpdated(request.id, tuple(changed)))
    uow.events.append(
        events.SlaAlerted(
            request.id,
            state.clock,
            "breach",
            _recipients(request, lead=policy.escalation.notify_lead),
            notify_rep=policy.escalation.notify_rep,
        )
    )
    session.flush()


def _apply_escalation(uow: UnitOfWork, request: ServiceRequest, policy: SlaPolicy) -> list[str]:
    changed = []
    ladder = list(Priority)
    if policy.escalation.raise_priority and request.priority != Priority.URGENT:
        old = request.priority
        request.priority = ladder[ladder.index(old) + 1]
        record(uow.session, request, "priority_changed", "system", old=old, new=request.priority)
        changed.append("priority")
    team_name = policy.escalation.reassign_team
    if team_name:
        team = uow.session.scalars(select(Team).where(Team.name == team_name)).first()
        if team is not None and team.id != request.team_id:
            old_team, old_assignee = request.team_id, request.assignee_id
            request.team, request.assignee = team, None
            record(
                uow.session,
                request,
                "assigned",
                "system",
                old_assignee=old_assignee,
                new_assignee=None,
                old_team=old_team,
                new_team=team.id,
            )
            uow.events.append(events.RequestAssigned(request.id, None, team.id))
            changed.append("team")
    return changed


def breach_cause(request: ServiceRequest, state: ClockState) -> str:
    """Why it breached, in words a report can group by."""
    what = CLOCK_NAMES.get(state.clock, state.clock)
    hours = state.target_seconds / 3600
    if request.assignee_id is None:
        who = "unassigned" + (f" in team {request.team.name}" if request.team else "")
    else:
        who = f"assigned to {request.assignee.name if request.assignee else request.assignee_id}"
    return f"{what} target of {hours:g} h missed; {who}"


def _recipients(request: ServiceRequest, *, lead: bool) -> tuple[int, ...]:
    ids = [request.assignee_id] if request.assignee_id else []
    if lead and request.team is not None and request.team.lead_id:
        ids.append(request.team.lead_id)
    return tuple(dict.fromkeys(ids))


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None
