"""The one marketing-event hook: notices, on every flush of any session, the writes that
can enrol a customer in a workflow, and hands them to the session's sink after commit.

Watching the rows rather than calling a hook from each operation keeps the packages that
write them (lifecycle, sales, customers) free of marketing imports, and catches every
write path (console, import, jobs, rules). The sink is given in the session's `info` by
the application (`servicedesk.container`); without one, nothing leaves the session.
Nothing is handed on for a transaction that rolled back.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from sqlalchemy import event, inspect
from sqlalchemy.orm import ORMExecuteState, Session

from crm_core.campaigns.workflows.definition import TriggerKind
from crm_core.campaigns.workflows.events import MarketingEvent
from crm_core.customers.records import customer_tags
from crm_core.lifecycle.models import StageChange
from crm_core.sales.models import Activity, ActivityKind, Lead

log = logging.getLogger(__name__)
SINK_KEY = "marketing_event_sink"  # session.info: Callable[[list[MarketingEvent]], None]
_PENDING = "marketing_events_pending"

MarketingSink = Callable[[list[MarketingEvent]], None]


def _pending(session: Session) -> list[MarketingEvent]:
    found: list[MarketingEvent] = session.info.setdefault(_PENDING, [])
    return found


def _score_change(lead: Lead) -> MarketingEvent | None:
    history = inspect(lead).attrs.score.history
    if not history.has_changes() or lead.customer_id is None:
        return None
    before = history.deleted[0] if history.deleted else 0
    detail = {"from": int(before or 0), "to": int(lead.score or 0), "lead": lead.id}
    return MarketingEvent(TriggerKind.LEAD_SCORE, lead.customer_id, detail)


def _form_submit(activity: Activity) -> MarketingEvent | None:
    customer_id = activity.customer_id or (activity.lead.customer_id if activity.lead else None)
    if activity.kind != ActivityKind.FORM_SUBMIT or customer_id is None:
        return None
    return MarketingEvent(TriggerKind.FORM_SUBMITTED, customer_id, {"lead": activity.lead_id})


def _noticed(session: Session, instance: object) -> MarketingEvent | None:
    if isinstance(instance, StageChange) and instance in session.new:
        stage = str(instance.to_stage)
        return MarketingEvent(TriggerKind.STAGE_CHANGED, instance.customer_id, {"stage": stage})
    if isinstance(instance, Activity) and instance in session.new:
        return _form_submit(instance)
    if isinstance(instance, Lead):
        return _score_change(instance)
    return None


def _after_flush(session: Session, _context: Any) -> None:
    for instance in [*session.new, *session.dirty]:
        noticed = _noticed(session, instance)
        if noticed is not None:
            _pending(session).append(noticed)


def _on_execute(state: ORMExecuteState) -> None:
    """Tags are linked with a Core INSERT (customers.operations.add_tag): read its values."""
    statement: Any = state.statement
    if not state.is_insert or getattr(statement, "table", None) is not customer_tags:
        return
    given: Any = state.parameters
    rows: list[Any] = given if isinstance(given, list) else [given or {}]
    rows = [row for row in rows if row] or [statement.compile().params]
    for row in rows:
        detail = {"tag_id": int(row["tag_id"])}
        event_ = MarketingEvent(TriggerKind.TAG_ADDED, int(row["customer_id"]), detail)
        _pending(state.session).append(event_)


def _after_commit(session: Session) -> None:
    noticed = session.info.pop(_PENDING, None)
    sink = session.info.get(SINK_KEY)
    if noticed and sink is not None:
        try:
            sink(noticed)
        except Exception:  # the commit stands; a lost enrolment must not fail its caller
            log.exception("could not hand on %d marketing events", len(noticed))


def _after_rollback(session: Session) -> None:
    session.info.pop(_PENDING, None)


event.listen(Session, "after_flush", _after_flush)
event.listen(Session, "do_orm_execute", _on_execute)
event.listen(Session, "after_commit", _after_commit)
event.listen(Session, "after_rollback", _after_rollback)
