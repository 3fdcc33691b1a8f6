"""The agent operations on SQLite with fake ports: what they store, audit and publish.

tests/integration/desk/test_operations.py runs them on PostgreSQL too, through intake.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine

from crm_core.db import UnitOfWork
from servicedesk.desk import events
from servicedesk.desk.errors import CustomersDiffer, InvalidChange, NotFound, StaleReply
from servicedesk.desk.models import (
    DeliveryState,
    Direction,
    Message,
    RequestEvent,
    ServiceRequest,
    Status,
)
from servicedesk.desk.operations import (
    REPLY_BY_EMAIL_TAG,
    assign_request,
    change_status,
    merge_requests,
    post_reply,
)
from servicedesk.desk.routing.models import RoutingCorrection
from tests.factories import make_agent, make_customer, make_message, make_request, make_team
from tests.fakes import Desk


@pytest.fixture
def desk(sqlite_engine: Engine) -> Desk:
    return Desk(sqlite_engine)


@pytest.fixture
def uow(desk: Desk) -> Iterator[UnitOfWork]:
    with desk.uow() as unit:
        yield unit


def trail(uow: UnitOfWork, request: ServiceRequest) -> list[str]:
    query = select(RequestEvent.kind).where(RequestEvent.request_id == request.id)
    return list(uow.session.scalars(query.order_by(RequestEvent.id)))


def test_a_reply_waits_for_delivery_opens_the_request_and_is_sent_after_commit(
    desk: Desk, uow: UnitOfWork
) -> None:
    agent = make_agent(uow)
    request = make_request(uow)
    reply = post_reply(uow, request.id, agent.id, "Try another bulb.")
    assert (reply.direction, reply.channel) == (Direction.OUTBOUND, "email")
    assert reply.delivery_state == DeliveryState.PENDING
    assert request.status == Status.OPEN and request.first_response_at is not None
    assert trail(uow, request) == ["replied", "status_changed"]
    assert desk.tasks.enqueued == []  # nothing leaves before the commit
    uow.commit()
    assert ("mail", "send_reply", (reply.id,)) in desk.tasks.enqueued


def test_a_reply_goes_back_on_the_customers_latest_channel(uow: UnitOfWork) -> None:
    agent = make_agent(uow)
    request = make_request(uow, channel="email")
    make_message(uow, request, "Still there?", channel="webchat")
    assert post_reply(uow, request.id, agent.id, "Yes!").channel == "webchat"
    request.tags = [REPLY_BY_EMAIL_TAG]  # the visitor left the chat: answer by email
    assert post_reply(uow, request.id, agent.id, "Here is the fix.").channel == "email"


def test_a_reply_to_an_outdated_conversation_is_refused(uow: UnitOfWork) -> None:
    agent = make_agent(uow)
    request = make_request(uow)
    seen = request.messages[-1].id
    newer = make_message(uow, request, "Also, the cable is loose.")
    with pytest.raises(StaleReply) as refused:
        post_reply(uow, request.id, agent.id, "Try a bulb.", seen_message_id=seen)
    assert refused.value.newer_message_ids == [newer.id]
    post_reply(uow, request.id, agent.id, "Tighten it.", seen_message_id=newer.id)


def test_an_empty_reply_is_refused(uow: UnitOfWork) -> None:
    agent, request = make_agent(uow), make_request(uow)
    with pytest.raises(InvalidChange):
        post_reply(uow, request.id, agent.id, "  \n")
    assert not any(m.direction == Direction.OUTBOUND for m in request.messages)


def test_assigning_records_who_and_teaches_the_router(desk: Desk, uow: UnitOfWork) -> None:
    lead, ana = make_agent(uow, "Lead"), make_agent(uow, "Ana")
    team = make_team(uow, members=[ana])
    request = make_request(uow)
    assign_request(uow, request.id, ana.id, team_id=team.id, agent_id=lead.id)
    assert (request.assignee_id, request.team_id) == (ana.id, team.id)
    assert trail(uow, request) == ["assigned"]
    correction = uow.session.scalars(select(RoutingCorrection)).one()
    assert (correction.field, correction.new_value) == ("assignee", str(ana.id))
    assert uow.events == [events.RequestAssigned(request.id, ana.id, team.id)]
    uow.commit()
    assert "assign_waiting" in desk.tasks.jobs()


def test_assigning_to_the_same_agent_again_changes_nothing(uow: UnitOfWork) -> None:
    ana = make_agent(uow)
    request = make_request(uow, assignee=ana)
    assign_request(uow, request.id, ana.id, agent_id=ana.id)
    assert trail(uow, request) == [] and uow.events == []


def test_assigning_to_a_deactivated_agent_or_a_missing_team_is_refused(uow: UnitOfWork) -> None:
    gone = make_agent(uow, "Gone", active=False)
    request = make_request(uow)
    with pytest.raises(InvalidChange, match="deactivated"):
        assign_request(uow, request.id, gone.id)
    with pytest.raises(NotFound):
        assign_request(uow, request.id, None, team_id=999)


def test_the_system_assigning_is_audited_without_a_correction(uow: UnitOfWork) -> None:
    ana = make_agent(uow)
    request = make_request(uow)
    assign_request(uow, request.id, ana.id)
    event = uow.session.scalars(select(RequestEvent)).one()
    assert (event.actor, event.agent_id) == ("system", None)
    assert uow.session.scalars(select(RoutingCorrection)).all() == []


def test_solving_stamps_the_time_remembers_the_answer_and_asks_for_a_rating(
    desk: Desk, uow: UnitOfWork
) -> None:
    agent, request = make_agent(uow), make_request(uow)
    change_status(uow, request.id, Status.SOLVED, agent_id=agent.id)
    assert request.solved_at is not None
    uow.commit()
    assert desk.tasks.jobs() == [
        "remember_solved_request",
        "assign_waiting",
        "invite_rating",
        "ask_rating",
        "enrol_on_solved_request",
        "run_automations_for",
    ]


def test_a_closed_request_stays_closed(uow: UnitOfWork) -> None:
    request = make_request(uow, status=Status.CLOSED)
    with pytest.raises(InvalidChange, match="closed"):
        change_status(uow, request.id, Status.OPEN)
    assert change_status(uow, request.id, Status.CLOSED) is request  # no change, no error


def test_merging_moves_the_messages_and_closes_the_source(uow: UnitOfWork) -> None:
    agent, customer = make_agent(uow), make_customer(uow)
    source, target = make_request(uow, customer), make_request(uow, customer)
    moved = source.messages[0].id
    merge_requests(uow, source.id, target.id, agent_id=agent.id)
    assert source.status == Status.CLOSED and source.merged_into_id == target.id
    assert moved in [m.id for m in target.messages]
    assert uow.session.get(Message, moved).request_id == target.id  # type: ignore[union-attr]
    assert trail(uow, source) == ["merged_into"] and trail(uow, target) == ["merged_from"]


def test_requests_of_two_customers_merge_only_when_the_agent_confirms(uow: UnitOfWork) -> None:
    agent = make_agent(uow)
    source, target = make_request(uow), make_request(uow)
    with pytest.raises(CustomersDiffer):
        merge_requests(uow, source.id, target.id, agent_id=agent.id)
    assert source.merged_into_id is None and trail(uow, source) == []
    merge_requests(uow, source.id, target.id, agent_id=agent.id, confirm_customers=True)
    assert source.merged_into_id == target.id


def test_merging_into_itself_or_into_a_merged_request_is_refused(uow: UnitOfWork) -> None:
    agent, customer = make_agent(uow), make_customer(uow)
    first, second, third = (make_request(uow, customer) for _ in range(3))
    with pytest.raises(InvalidChange):
        merge_requests(uow, first.id, first.id, agent_id=agent.id)
    merge_requests(uow, second.id, third.id, agent_id=agent.id)
    with pytest.raises(InvalidChange, match="merged"):
        merge_requests(uow, first.id, second.id, agent_id=agent.id)
