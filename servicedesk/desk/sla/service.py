"""Keeping each request's SLA clocks, due time and due events up to date.

`refresh_request_sla` runs inside the operation that changed the request (intake, reply,
status, priority, merge), in its transaction, with the clock injected as `now`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from servicedesk.desk.contracts import sla_contract_facts
from servicedesk.desk.models import Direction, Message, RequestEvent, ServiceRequest
from servicedesk.desk.per_transaction import once_per_transaction
from servicedesk.desk.sla.calendar import ALWAYS, BusinessCalendar, calendar_from_dict
from servicedesk.desk.sla.clocks import ClockState, History, compute_clocks, warning_at
from servicedesk.desk.sla.models import SlaCalendarRow, SlaClock, SlaDueEvent, SlaPolicyRow
from servicedesk.desk.sla.policy import SlaPolicy, policy_from_dict, select_policy

_KEY = "sla.per_transaction"


@dataclass(frozen=True)
class SlaSetup:
    """The enabled policies in order and the calendars by name."""

    policies: tuple[SlaPolicy, ...]
    calendars: Mapping[str, BusinessCalendar]

    def calendar(self, name: str) -> BusinessCalendar:
        return self.calendars.get(name, ALWAYS)


def load_setup(session: Session) -> SlaSetup:
    """Policies and calendars, read once per transaction (admins edit them rarely)."""
    return once_per_transaction(session, _KEY, lambda: _read_setup(session))


def _read_setup(session: Session) -> SlaSetup:
    rows = session.scalars(
        select(SlaPolicyRow)
        .where(SlaPolicyRow.enabled.is_(True))
        .order_by(SlaPolicyRow.position, SlaPolicyRow.id)
    )
    policies = tuple(
        policy_from_dict({"name": r.name, **r.definition}, policy_id=r.id) for r in rows
    )
    calendars: dict[str, BusinessCalendar] = {ALWAYS.name: ALWAYS}
    # No policy, no clock: the calendars are not even read (one query per transaction).
    for row in session.scalars(select(SlaCalendarRow)) if policies else ():
        calendars[row.name] = calendar_from_dict({**row.definition, "name": row.name})
    return SlaSetup(policies, calendars)


def forget_setup(session: Session) -> None:
    """Drop the transaction's copy after an edit of policies or calendars."""
    session.info.pop(_KEY, None)


def request_facts(
    request: ServiceRequest, extra: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """What SLA policies test. `contract.sla_tier` comes in `extra` (`refresh_request_sla`
    reads it from the request's contract, `servicedesk.desk.contracts`)."""
    customer = request.customer
    organisation = customer.organization if customer is not None else None
    facts: dict[str, Any] = {
        "priority": request.priority.value,
        "channel": request.channel,
        "category": request.category,
        "team": request.team.name if request.team else None,
        "tags": ",".join(request.tags or []),
        "customer.vip": customer.vip if customer is not None else None,
        "customer.tier": organisation.tier if organisation else None,
        "organisation": organisation.name if organisation else None,
        "contract.sla_tier": None,
    }
    facts.update(extra or {})
    return facts


def request_history(session: Session, request: ServiceRequest, now: datetime) -> History:
    """The request's status changes and message times as the clocks read them."""
    session.flush()
    statuses = [
        (min(_aware(e.created_at), now), str(e.data.get("new")))
        for e in session.scalars(
            select(RequestEvent)
            .where(RequestEvent.request_id == request.id, RequestEvent.kind == "status_changed")
            .order_by(RequestEvent.id)
        )
    ]
    if (statuses[-1][1] if statuses else "new") != request.status.value:
        statuses.append((now, request.status.value))  # changed without an audit entry (merge)
    messages = session.execute(
        select(Message.direction, Message.created_at).where(Message.request_id == request.id)
    ).all()
    # Rows written in this transaction may be stamped a moment after `now`: they count now.
    inbound = [min(_aware(t), now) for d, t in messages if d == Direction.INBOUND]
    outbound = [min(_aware(t), now) for d, t in messages if d == Direction.OUTBOUND]
    return History(
        min(_aware(request.created_at), now), request.priority.value, statuses, inbound, outbound
    )


def refresh_request_sla(
    session: Session,
    request: ServiceRequest,
    now: datetime,
    *,
    extra_facts: Mapping[str, Any] | None = None,
) -> list[ClockState]:
    """Recompute the request's clocks, store them, its due time and its due events."""
    setup = load_setup(session)
    if not setup.policies and request.sla_policy is None:
        return []  # no SLA configured: nothing to store or clear
    policy = None
    if setup.policies:
        # The contract's tier (seed 3.4.3): read only when some policy could test it.
        facts = {**sla_contract_facts(session, request, now), **(extra_facts or {})}
        policy = select_policy(setup.policies, request_facts(request, facts))
    if policy is None or request.merged_into_id is not None:
        _clear(session, request)
        return []
    calendar = setup.calendar(policy.calendar)
    states = compute_clocks(request_history(session, request, now), policy, calendar, now)
    _store_clocks(session, request, policy, states)
    _schedule(session, request, policy, states)
    running = sorted((s for s in states if s.due_at is not None), key=lambda s: s.due_at)  # type: ignore[arg-type, return-value]
    nearest = running[0] if running else None
    request.sla_policy = policy.name
    request.sla_due_at = nearest.due_at if nearest else None
    request.sla_clock = nearest.clock if nearest else None
    request.sla_state = _summary(states)
    return states


def _summary(states: list[ClockState]) -> str | None:
    found = {s.state for s in states}
    for state in ("breached", "running", "paused", "met"):
        if state in found:
            return state
    return None


def _clear(session: Session, request: ServiceRequest) -> None:
    session.execute(delete(SlaClock).where(SlaClock.request_id == request.id))
    session.execute(
        delete(SlaDueEvent).where(
            SlaDueEvent.request_id == request.id, SlaDueEvent.fired_at.is_(None)
        )
    )
    request.sla_policy = request.sla_due_at = request.sla_clock = request.sla_state = None


def _store_clocks(
    session: Session, request: ServiceRequest, policy: SlaPolicy, states: list[ClockState]
) -> None:
    existing = {
        c.clock: c
        for c in session.scalars(select(SlaClock).where(SlaClock.request_id == request.id))
    }
    for state in states:
        row = existing.pop(state.clock, None) or SlaClock(request_id=request.id, clock=state.clock)
        row.cycle, row.policy_id, row.calendar = state.cycle, policy.id, policy.calendar
        row.started_at, row.target_seconds = state.started_at, state.target_seconds
        row.consumed_before, row.consumed_seconds = state.consumed_before, state.consumed_seconds
        row.paused_seconds, row.running_since = state.paused_seconds, state.running_since
        row.due_at, row.stopped_at, row.breached_at = (
            state.due_at,
            state.stopped_at,
            state.breached_at,
        )
        row.state = state.state
        session.add(row)
    for gone in existing.values():
        session.delete(gone)


def due_event_key(request_id: int, clock: str, cycle: int, kind: str) -> str:
    return f"{request_id}:{clock}:{cycle}:{kind}"


def _schedule(
    session: Session, request: ServiceRequest, policy: SlaPolicy, states: list[ClockState]
) -> None:
    """Unfired events follow the clocks: moved when the due time moves, dropped when it stops."""
    wanted: dict[str, tuple[ClockState, str, datetime]] = {}
    for state in states:
        if state.due_at is None:
            continue
        for kind, when in (("warning", warning_at(state.due_at, policy)), ("breach", state.due_at)):
            wanted[due_event_key(request.id, state.clock, state.cycle, kind)] = (state, kind, when)
    rows = {
        e.key: e
        for e in session.scalars(select(SlaDueEvent).where(SlaDueEvent.request_id == request.id))
    }
    for key, stale in rows.items():
        if stale.fired_at is None and key not in wanted:
            session.delete(stale)
    for key, (state, kind, when) in wanted.items():
        row = rows.get(key)
        if row is None:
            session.add(
                SlaDueEvent(
                    key=key,
                    request_id=request.id,
                    clock=state.clock,
                    cycle=state.cycle,
                    kind=kind,
                    due_at=when,
                )
            )
        elif row.fired_at is None:
            row.due_at = when


def _aware(moment: datetime) -> datetime:
    # SQLite hands back naive datetimes; everything stored is UTC.
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
