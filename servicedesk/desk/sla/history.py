"""What the clocks read of a request, in two bounded statements.

A long chat has hundreds of messages, but the clocks need only five things of them: the
first customer message (when the request opened), the number of replies, the first and
the last reply, and the first customer message after the last reply (the open wait).
The database computes those from the request's rows; Python never sees every message.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, bindparam, case, func, select
from sqlalchemy.orm import Session

from crm_core.timeline import as_utc
from servicedesk.desk.models import Direction, Message, RequestEvent, ServiceRequest
from servicedesk.desk.sla.clocks import History

_REQUEST = Message.request_id == bindparam("rid")
_IN = Message.direction == Direction.INBOUND
_OUT = Message.direction == Direction.OUTBOUND
_AT = Message.created_at
_LAST_REPLY = select(func.max(_AT)).where(_REQUEST, _OUT).scalar_subquery()

# Built once: building a statement costs more than running it.
_MESSAGE_TIMES = select(
    func.min(case((_IN, _AT))),
    func.count(case((_OUT, 1))),
    func.min(case((_OUT, _AT))),
    func.max(case((_OUT, _AT))),
    func.min(case((and_(_IN, _AT > _LAST_REPLY), _AT))),
).where(_REQUEST)
# Typed: an untyped parameter would reach SQLite in ISO form ("T"), which sorts wrongly.
_SINCE = bindparam("since", type_=Message.__table__.c.created_at.type)
_FIRST_REPLY_SINCE = select(func.min(_AT)).where(_REQUEST, _OUT, _SINCE <= _AT)
_STATUS_CHANGES = (
    select(RequestEvent.created_at, RequestEvent.data)
    .where(RequestEvent.request_id == bindparam("rid"), RequestEvent.kind == "status_changed")
    .order_by(RequestEvent.id)
)


def request_history(session: Session, request: ServiceRequest, now: datetime) -> History:
    """The request's status changes and the message times the clocks read.

    Rows stamped a moment after `now` (written in this transaction) count as `now`.
    """
    session.flush()
    rid = {"rid": request.id}
    statuses = [
        (_clamp(at, now), str(data.get("new")))
        for at, data in session.execute(_STATUS_CHANGES, rid)
    ]
    if (statuses[-1][1] if statuses else "new") != request.status.value:
        statuses.append((now, request.status.value))  # changed without an audit entry (merge)
    first_in, replies, first_out, last_out, waiting = session.execute(_MESSAGE_TIMES, rid).one()
    opened = _clamp(request.created_at, now)
    if first_in is not None:
        opened = min(opened, _clamp(first_in, now))
    first_reply = first_out
    if first_out is not None and _clamp(first_out, now) < opened:
        # A reply older than the request (moved in by a merge) does not answer it.
        first_reply = session.scalar(_FIRST_REPLY_SINCE, {**rid, "since": opened})
    last_reply = _clamp(last_out, now) if last_out is not None else None
    # Waiting since a moment after the last reply; none when the reply counts as `now`.
    if waiting is not None and last_reply is not None and last_reply >= now:
        waiting = None
    inbound = [_clamp(t, now) for t in (first_in, waiting) if t is not None]
    outbound = [_clamp(t, now) for t in (first_reply, last_out) if t is not None]
    return History(opened, request.priority.value, statuses, inbound, outbound, replies)


def _clamp(moment: datetime, now: datetime) -> datetime:
    return min(as_utc(moment), now)
