"""Per-channel capacity on the real databases: a chat cap holds chats back, not email."""

from datetime import timedelta

from crm_core.db import utcnow
from servicedesk.desk.models import Presence, ServiceRequest, Status
from servicedesk.desk.routing.assignment import assign_in_team, set_channel_capacity
from servicedesk.desk.routing.router import Router
from tests.factories import make_agent, make_customer, make_request, make_team


def test_chat_cap_makes_chats_wait_while_email_is_still_assigned(uow_factory):
    with uow_factory() as uow:
        s = uow.session
        ana = make_agent(uow, capacity=5, presence=Presence.ONLINE)
        team = make_team(uow, "Support", members=[ana])
        customer = make_customer(uow)
        set_channel_capacity(s, ana.id, "webchat", 1)
        requests = [
            make_request(uow, customer, channel=channel, status=Status.OPEN, team=team, text=None)
            for channel in ["webchat", "webchat", "email"]
        ]
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
