"""The clocks read from the bounded history (five message times, `sla.history`) are the
clocks read from every message of the request, whatever the order of the messages."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from crm_core.db import UnitOfWork, utcnow
from crm_core.timeline import as_utc
from servicedesk.desk.audit import record
from servicedesk.desk.models import Direction, Message, ServiceRequest, Status
from servicedesk.desk.sla.calendar import ALWAYS
from servicedesk.desk.sla.clocks import History, compute_clocks
from servicedesk.desk.sla.history import request_history
from servicedesk.desk.sla.policy import SlaPolicy
from tests.factories import make_message, make_request

POLICY = SlaPolicy(
    "all clocks",
    targets={"normal": {"first_response": 60, "next_response": 30, "resolution": 480}},
)
DIRECTIONS = st.sampled_from([Direction.INBOUND, Direction.OUTBOUND, Direction.NOTE])
# Minutes after the request opened; negative ones predate it (moved in by a merge), those
# above 120 are stamped after `now` (written in the same transaction).
MESSAGES = st.lists(st.tuples(DIRECTIONS, st.integers(-30, 150)), max_size=12)
STATUSES = st.lists(
    st.tuples(st.integers(0, 150), st.sampled_from(["open", "pending", "solved", "on_hold"])),
    max_size=4,
)


def every_message(session: UnitOfWork, request: ServiceRequest, now: datetime) -> History:
    """The history as it was read before: every message time of the request."""
    bounded = request_history(session.session, request, now)  # its statuses are not bounded
    rows = session.session.execute(
        select(Message.direction, Message.created_at).where(Message.request_id == request.id)
    ).all()
    inbound = [min(as_utc(t), now) for d, t in rows if d == Direction.INBOUND]
    outbound = [min(as_utc(t), now) for d, t in rows if d == Direction.OUTBOUND]
    opened = min(as_utc(request.created_at), now)
    return History(opened, request.priority.value, bounded.statuses, inbound, outbound)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(messages=MESSAGES, statuses=STATUSES)
# A reply and a customer message both stamped after `now`: nobody waits yet.
@example(
    messages=[(Direction.INBOUND, 0), (Direction.OUTBOUND, 130), (Direction.INBOUND, 140)],
    statuses=[],
)
# A reply older than the request (merged in) does not answer it; the later one does.
@example(
    messages=[(Direction.OUTBOUND, -20), (Direction.INBOUND, 0), (Direction.OUTBOUND, 30)],
    statuses=[],
)
def test_bounded_history_gives_the_clocks_of_every_message(
    uow_factory: Callable[[], UnitOfWork],
    messages: list[tuple[Direction, int]],
    statuses: list[tuple[int, str]],
) -> None:
    opened = utcnow() - timedelta(minutes=120)
    now = opened + timedelta(minutes=120)
    with uow_factory() as uow:
        request = make_request(uow, text=None)
        request.created_at = opened
        for direction, minutes in messages:
            make_message(uow, request, direction=direction).created_at = opened + timedelta(
                minutes=minutes
            )
        previous = Status.NEW
        for minutes, status in sorted(statuses):
            event = record(
                uow.session, request, "status_changed", "agent", old=previous, new=status
            )
            event.created_at = opened + timedelta(minutes=minutes)
            previous = request.status = Status(status)
        uow.session.flush()
        expected = compute_clocks(every_message(uow, request, now), POLICY, ALWAYS, now)
        actual = compute_clocks(request_history(uow.session, request, now), POLICY, ALWAYS, now)
        assert actual == expected
