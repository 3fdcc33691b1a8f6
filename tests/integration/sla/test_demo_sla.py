"""`servicedesk demo` shows SLAs at work: a business-hours policy, one near breach, one late."""

from datetime import UTC, timedelta

from sqlalchemy import select

from crm_core.db import utcnow
from servicedesk.demo import load_demo
from servicedesk.desk.models import ServiceRequest
from servicedesk.desk.sla.models import SlaBreach


def test_demo_has_a_request_near_breach_and_one_breached(uow_factory) -> None:  # type: ignore[no-untyped-def]
    load_demo(uow_factory)
    load_demo(uow_factory)  # twice: nothing new
    with uow_factory() as uow:
        requests = {r.channel: r for r in uow.session.scalars(select(ServiceRequest))}
        assert requests["email"].sla_policy == "Business hours"
        chat = requests["webchat"]
        assert chat.sla_policy == "Live channels" and chat.sla_state == "running"
        due = (
            chat.sla_due_at.replace(tzinfo=UTC)
            if chat.sla_due_at.tzinfo is None
            else chat.sla_due_at
        )
        assert timedelta(minutes=5) < due - utcnow() < timedelta(minutes=11)
        breaches = list(uow.session.scalars(select(SlaBreach)))
        assert [(b.request_id, b.clock) for b in breaches] == [
            (requests["slack"].id, "first_response")
        ]
