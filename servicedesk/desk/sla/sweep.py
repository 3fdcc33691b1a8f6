"""The periodic sweep over due events, and recomputing due times after a calendar edit.

Each due event fires in its own unit of work, so one failure never holds back the rest
and a crash loses at most the event being fired (it stays unfired and the next sweep
takes it). The schedule lives in SQL: nothing is lost when every process restarts.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Table, bindparam, select, update
from sqlalchemy.orm import Session

from crm_core.db import UnitOfWork
from servicedesk.desk.models import OPEN_STATUSES, ServiceRequest
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


def recompute_due_times(uow: UnitOfWork, calendar_name: str, *, batch: int = 5000) -> int:
    """After `calendar_name` changed: move every running clock's due time and events.

    Open time already used stays as it was measured; only what is left is laid over the
    new hours. Plain SQL in batches (executemany): 100k clocks must not build 100k ORM
    objects. Returns how many clocks moved.
    """
    session = uow.session
    moved, nearest = _moves(session, calendar_name)
    for start in range(0, len(moved), batch):
        _write_moves(session, moved[start : start + batch])
    requests = [{"rid": rid, "due": due} for rid, due in nearest.items()]
    for start in range(0, len(requests), batch):
        session.execute(
            update(ServiceRequest.__table__)  # type: ignore[arg-type]
            .where(ServiceRequest.__table__.c.id == bindparam("rid"))
            .values(sla_due_at=bindparam("due")),
            requests[start : start + batch],
        )
    return len(moved)


def _moves(
    session: Session, calendar_name: str
) -> tuple[list[dict[str, Any]], dict[int, datetime]]:
    """The running clocks whose due time moves, and each request's nearest new due time."""
    setup = load_setup(session)
    calendar = setup.calendar(calendar_name)
    warn = {p.name: timedelta(minutes=p.warn_before_minutes) for p in setup.policies}
    query = (
        select(
            SlaClock.request_id,
            SlaClock.clock,
            SlaClock.cycle,
            SlaClock.target_seconds,
            SlaClock.consumed_before,
            SlaClock.running_since,
            SlaClock.due_at,
            ServiceRequest.sla_policy,
        )
        .join(ServiceRequest, ServiceRequest.id == SlaClock.request_id)
        .where(SlaClock.calendar == calendar_name, SlaClock.running_since.is_not(None))
    )
    moved: list[dict[str, Any]] = []
    nearest: dict[int, datetime] = {}
    for row in session.execute(query).all():
        since = _aware(row.running_since)
        assert since is not None
        due = calendar.add(since, row.target_seconds - row.consumed_before)
        if due is None or due == _aware(row.due_at):
            continue
        moved.append(
            {
                "rid": row.request_id,
                "name": row.clock,
                "due": due,
                "key": f"{row.request_id}:{row.clock}:{row.cycle}:",
                "warn": due - warn.get(row.sla_policy or "", timedelta(minutes=30)),
            }
        )
        nearest[row.request_id] = min(due, nearest.get(row.request_id, due))
    return moved, nearest


def _write_moves(session: Session, moves: list[dict[str, Any]]) -> None:
    clocks: Table = SlaClock.__table__  # type: ignore[assignment]
    events: Table = SlaDueEvent.__table__  # type: ignore[assignment]
    session.execute(
        update(clocks)
        .where(clocks.c.request_id == bindparam("rid"), clocks.c.clock == bindparam("name"))
        .values(due_at=bindparam("due")),
        moves,
    )
    for kind, column in (("breach", "due"), ("warning", "warn")):
        session.execute(
            update(events)
            .where(events.c.key == bindparam("event_key"), events.c.fired_at.is_(None))
            .values(due_at=bindparam("when")),
            [{"event_key": m["key"] + kind, "when": m[column]} for m in moves],
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
