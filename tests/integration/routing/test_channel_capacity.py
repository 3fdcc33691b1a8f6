"""Per-channel capacity on the real databases: a chat cap holds chats back, not email."""

from datetime import timedelta

from crm_core.customers import Customer
from crm_core.db import utcnow
from servicedesk.desk.models import Agent, Presence, ServiceRequest, Status, Team
from servicedesk.desk.routing.assignment import assign_in_team, set_channel_capacity
from servicedesk.desk.routing.router import Router


def test_chat_cap_makes_chats_wait_while_email_is_still_assigned(uow_factory):
    with uow_factory() as uow:
        s = uow.session
        ana = Agent(
            email="ana@x.test",
            name="Ana",
            password_hash="x",
            capacity=5,
            presence=Presence.ONLINE,
            presence_changed_at=utcnow(),
        )
        team = Team(name="Support", assignment_policy="least_loaded", members=[ana])
        customer = Customer(name="Cid", email="cid@example.com")
        s.add_all([team, customer, ana])
        s.flush()
        set_channel_capacity(s, ana.id, "webchat", 1)
        requests = [
            ServiceRequest(
                subject=f"r{i}",
                customer_id=customer.id,
                channel=channel,
                team_id=team.id,
                status=Status.OPEN,
                created_at=utcnow() + timedelta(seconds=i),
            )
            for i, channel in enumerate(["webchat", "webchat", "email"])
        ]
        s.add_all(requests)
        s.flush()
        reasons = [
            assign_in_team(s, r, team, utcnow(), timedelta(minutes=5)).reason for r in requests
        ]
        assert [r.assignee_id for r in requests] == [ana.id, None, ana.id], reasons
        uow.commit()
        first_chat, waiting_chat = requests[0].id, requests[1].id

    with uow_factory() as uow:  # the first chat is solved: the waiting chat gets Ana
        uow.session.get(ServiceRequest, first_chat).status = Status.SOLVED
        assert Router(None).assign_waiting(uow.session) == [(waiting_chat, ana.id)]
        uow.commit()

    with uow_factory() as uow:  # removing the cap lets a further chat through
        set_channel_capacity(uow.session, ana.id, "webchat", None)
        extra = ServiceRequest(
            subject="r3",
            customer_id=uow.session.get(ServiceRequest, first_chat).customer_id,
            channel="webchat",
            team_id=uow.session.get(ServiceRequest, first_chat).team_id,
            status=Status.OPEN,
        )
        uow.session.add(extra)
        uow.session.flush()
        assert Router(None).assign_waiting(uow.session) == [(extra.id, ana.id)]
