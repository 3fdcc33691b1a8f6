"""Requests wait in the queue while nobody has room, and are assigned the moment someone does."""

from __future__ import annotations

from channels.messages import InboundMessage, Sender
from servicedesk.container import Container
from servicedesk.desk.accounts import create_agent
from servicedesk.desk.models import Presence, Priority, RequestEvent, ServiceRequest, Status, Team
from servicedesk.desk.operations import change_status, receive_inbound, set_capacity, set_presence
from tests.integration.desk.conftest import ask


def test_queue_drains_most_urgent_first_when_capacity_frees(desk_container: Container) -> None:
    container = desk_container
    with container.uow() as uow:
        ana = create_agent(uow.session, "ana@desk.example", "password-1", name="Ana", capacity=1)
        uow.session.add(Team(name="Triage", members=[ana], assignment_policy="least_loaded"))
        uow.commit()
        ana_id = ana.id
    first = ask(container, "m1", "How do I change my address?")
    second = ask(container, "m2", "Total outage, nothing loads")
    with container.uow() as uow:
        waiting = [uow.session.get(ServiceRequest, i) for i in (first, second)]
        assert [r.assignee_id for r in waiting if r] == [None, None]  # Ana is offline
        set_presence(uow, ana_id, Presence.ONLINE)
        uow.commit()
    with container.uow() as uow:
        urgent = uow.session.get(ServiceRequest, second)
        normal = uow.session.get(ServiceRequest, first)
        assert urgent is not None and normal is not None
        assert urgent.priority == Priority.URGENT
        assert (urgent.assignee_id, normal.assignee_id) == (ana_id, None)  # capacity 1
        change_status(uow, second, Status.SOLVED, agent_id=ana_id)
        uow.commit()
    with container.uow() as uow:
        normal = uow.session.get(ServiceRequest, first)
        assert normal is not None and normal.assignee_id == ana_id
        trail = [e.kind for e in normal.events]
        assert trail[-1] == "assigned"
        assert isinstance(normal.events[-1], RequestEvent)
        assert normal.events[-1].actor == "router"
    assigned_notices = [s for s in container.notifier.sent if s[0] == "request.assigned"]  # type: ignore[attr-defined]
    assert {room for _, _, room in assigned_notices} == {f"agent:{ana_id}"}


def test_intake_team_is_used_unless_a_rule_names_another(desk_container: Container) -> None:
    container = desk_container
    with container.uow() as uow:
        ana = create_agent(uow.session, "ana@desk.example", "password-1", name="Ana")
        billing = Team(name="Billing", members=[ana])
        uow.session.add_all([billing, Team(name="Triage", members=[ana])])
        uow.commit()
        billing_id = billing.id
    with container.uow() as uow:
        result = receive_inbound(
            uow,
            InboundMessage(
                channel="email",
                external_id="mb1",
                text="Invoice copy please",
                subject="Invoice",
                sender=Sender("email", "x@customer.example"),
            ),
            router=container.router,
            team_id=billing_id,
        )
        uow.commit()
    with container.uow() as uow:
        request = uow.session.get(ServiceRequest, result.request_id)
        assert request is not None and request.team_id == billing_id
        assert "team Billing" in (request.routing_reason or "")


def test_raising_capacity_assigns_the_waiting_request(desk_container: Container) -> None:
    container = desk_container
    with container.uow() as uow:
        ana = create_agent(uow.session, "ana@desk.example", "password-1", name="Ana", capacity=1)
        uow.session.add(Team(name="Triage", members=[ana]))
        set_presence(uow, ana.id, Presence.ONLINE)
        uow.commit()
        ana_id = ana.id
    first = ask(container, "c1", "Where is my parcel?")
    second = ask(container, "c2", "Can I change my address?")
    with container.uow() as uow:
        waiting = uow.session.get(ServiceRequest, second)
        assert waiting is not None and waiting.assignee_id is None
        set_capacity(uow, ana_id, 2)
        uow.commit()
    with container.uow() as uow:
        assigned = [uow.session.get(ServiceRequest, i) for i in (first, second)]
        assert [r.assignee_id for r in assigned if r] == [ana_id, ana_id]
