"""The periodic sweep over due events, and recomputing due times after a calendar edit.

Each due event fires in its own unit of work, so one failure never holds back the rest
and a crash loses at most the event being fired (it stays unfired and the next sweep
takes it). The schedule lives in SQL: nothing is lost when every process restarts.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from crm_core.db import UnitOfWork
from servicedesk.desk.models import OPEN_STATUSES, ServiceRequest
from servicedesk.desk.sla.clocks import ClockState, due_from
from servicedesk.desk.sla.escalation import CLOCK_NAMES, Fired, due_event_ids, fire_due_event
from servicedesk.desk.sla.models import SlaClock, SlaDueEvent
from servicedesk.desk.sla.service import load_setup, refresh_request_sla

log = logging.getLogger(__name__)


def now() -> datetime:
    return datetime.now(UTC)


def sweep_due_events(
    uow_factory: Callable[[], UnitOfWork], moment: datetime, *, limit: int = 500
) -> list[Fired]:
    """Fire every event due by `moment` (at most `limit` per sweep)."""
    with uow_factory() as uow:
        ids = due_event_ids(uow, moment, limit)
    fired = []
    for event_id in ids:
        try:
            with uow_factory() as uow:
                outcome = fire_due_event(uow, event_id, moment)
                uow.commit()
        except Exception:
            log.exception("SLA due event %s failed; the next sweep retries it", event_id)
            continue
        if outcome is not None:
            fired.append(outcome)
    return fired


def refresh_open_requests(
    uow_factory: Callable[[], UnitOfWork], moment: datetime, *, batch: int = 500
) -> int:
    """Recompute every open request's clocks (after a policy edit), a batch per commit."""
    done, last_id = 0, 0
    while True:
        with uow_factory() as uow:
            requests = list(
                uow.session.scalars(
                    select(ServiceRequest)
                    .where(
                        ServiceRequest.id > last_id,
                        ServiceRequest.status.in_(OPEN_STATUSES),
                        ServiceRequest.merged_into_id.is_(None),
                    )
                    .order_by(ServiceRequest.id)
                    .limit(batch)
                )
            )
            for request in requests:
                refresh_request_sla(uow.session, request, moment)
            uow.commit()
        if not requests:
            return done
        done += len(requests)
        last_id = requests[-1].id


def recompute_due_times(uow: UnitOfWork, calendar_name: str, *, batch: int = 2000) -> int:
    """After `calendar_name` changed: move every running clock's due time and events.

    Open time already used stays as it was measured; only what is left is laid over the
    new hours. Returns how many clocks moved.
    """
    session = uow.session
    calendar = load_setup(session).calendar(calendar_name)
    moved = 0
    query = (
        select(SlaClock)
        .where(SlaClock.calendar == calendar_name, SlaClock.running_since.is_not(None))
        .execution_options(yield_per=batch)
    )
    touched: dict[int, list[SlaClock]] = {}
    for row in session.scalars(query):
        state = _state_of(row)
        new_due = due_from(state, calendar)
        if new_due != row.due_at:
            row.due_at = new_due
            moved += 1
            touched.setdefault(row.request_id, []).append(row)
    _move_events(uow, touched)
    return moved


def _move_events(uow: UnitOfWork, touched: dict[int, list[SlaClock]]) -> None:
    session = uow.session
    setup = load_setup(session)
    warn = {p.name: p.warn_before_minutes for p in setup.policies}
    ids = list(touched)
    for start in range(0, len(ids), 1000):
        chunk = ids[start : start + 1000]
        requests = {
            r.id: r
            for r in session.scalars(select(ServiceRequest).where(ServiceRequest.id.in_(chunk)))
        }
        events = session.scalars(
            select(SlaDueEvent).where(
                SlaDueEvent.request_id.in_(chunk), SlaDueEvent.fired_at.is_(None)
            )
        )
        clocks = {(c.request_id, c.clock): c for rid in chunk for c in touched[rid]}
        for event in events:
            clock = clocks.get((event.request_id, event.clock))
            if clock is None or clock.due_at is None:
                continue
            minutes = warn.get(requests[event.request_id].sla_policy or "", 30)
            event.due_at = (
                clock.due_at - timedelta(minutes=minutes)
                if event.kind == "warning"
                else clock.due_at
            )
        for rid in chunk:
            dues = [c.due_at for c in touched[rid] if c.due_at is not None]
            request = requests[rid]
            if dues and (request.sla_due_at is None or min(dues) != request.sla_due_at):
                request.sla_due_at = min(dues)


def _state_of(row: SlaClock) -> ClockState:
    return ClockState(
        row.clock,
        row.cycle,
        row.started_at,
        row.target_seconds,
        row.consumed_seconds,
        row.paused_seconds,
        row.stopped_at,
        _aware(row.running_since),
        row.consumed_before,
        row.due_at,
        row.breached_at,
    )


def _aware(moment: datetime | None) -> datetime | None:
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)


def alert_text(
    uow_factory: Callable[[], UnitOfWork], request_id: int, clock: str, kind: str
) -> str:
    """One line for the rep: which request, which clock, warning or breach."""
    with uow_factory() as uow:
        request = uow.session.get(ServiceRequest, request_id)
        if request is None:
            return f"request {request_id}: SLA {kind}"
        what = CLOCK_NAMES.get(clock, clock)
        verb = "breached" if kind == "breach" else "is about to breach"
        return f"{request.reference} ({request.subject}): the {what} SLA {verb}"
