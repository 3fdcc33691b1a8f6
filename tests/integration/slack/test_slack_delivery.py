"""Agent replies into the customer's thread, exactly once; the rating; DMs to owning reps."""

from __future__ import annotations

from dataclasses import dataclass

from flask.testing import FlaskClient
from sqlalchemy import select

from crm_core.customers import Customer, Organization, link_identity
from servicedesk.container import Container
from servicedesk.desk.feedback import RequestRating
from servicedesk.desk.models import Agent, DeliveryState, Message, ServiceRequest, Status
from servicedesk.desk.operations import add_note, change_status, post_reply
from servicedesk.jobs import notify_rep, notify_rep_of_sla
from tests.factories import make_agent
from tests.fixtures.slack_stub import SlackStub
from tests.integration.slack.conftest import (
    SUPPORT,
    block_action,
    message_event,
    send_event,
    send_interaction,
)

TOP = "1700001000.000100"


def open_request(client: FlaskClient, container: Container) -> tuple[int, int]:
    """A customer's request opened in the support channel: (request id, agent id)."""
    send_event(client, message_event("My export hangs at 99%", ts=TOP))
    with container.uow() as uow:
        request = uow.session.scalars(select(ServiceRequest)).one()
        agent = uow.session.scalars(select(Agent)).first()
        assert agent is not None
        return request.id, agent.id


@dataclass(frozen=True)
class Sent:
    delivery_state: DeliveryState | None
    delivery_error: str | None
    external_id: str | None


def reply(container: Container, request_id: int, agent_id: int, text: str) -> Sent:
    """Post a reply (its delivery job runs at commit) and read how delivery went."""
    with container.uow() as uow:
        message_id = post_reply(uow, request_id, agent_id, text).id
        uow.commit()
    with container.uow() as uow:
        stored = uow.session.get(Message, message_id)
        assert stored is not None
        return Sent(stored.delivery_state, stored.delivery_error, stored.external_id)


def test_a_reply_goes_to_the_thread_and_a_note_never_leaves(
    client: FlaskClient, container: Container, stub: SlackStub
) -> None:
    request_id, agent_id = open_request(client, container)
    with container.uow() as uow:
        add_note(uow, request_id, agent_id, "internal: customer is on the old plan")
        uow.commit()
    sent = reply(container, request_id, agent_id, "Please try again now <@U1> & then?")
    posts = stub.called("chat.postMessage")
    assert [p["text"] for p in posts][1:] == ["Please try again now &lt;@U1&gt; &amp; then?"]
    assert posts[1]["blocks"][0]["text"] == {
        "type": "plain_text",
        "text": "Please try again now <@U1> & then?",
    }
    assert posts[1]["channel"] == SUPPORT and posts[1]["thread_ts"] == TOP
    assert sent.delivery_state == DeliveryState.SENT
    assert sent.external_id == f"{SUPPORT}:{posts[1]['_ts']}"
    assert not any("internal" in str(p) for p in posts)


def test_a_post_whose_answer_was_lost_is_found_not_posted_again(
    client: FlaskClient, container: Container, stub: SlackStub
) -> None:
    request_id, agent_id = open_request(client, container)
    stub.post_failures = ["timeout"]  # Slack posts it, but the answer never arrives
    sent = reply(container, request_id, agent_id, "Fixed on our side.")
    posts = [p for p in stub.called("chat.postMessage") if p["text"] == "Fixed on our side."]
    assert len(posts) == 1
    assert stub.called("conversations.replies"), "the retry looked for the post first"
    assert sent.delivery_state == DeliveryState.SENT
    assert sent.external_id == f"{SUPPORT}:{posts[0]['_ts']}"


def test_a_post_that_keeps_failing_shows_on_the_request(
    client: FlaskClient, container: Container, stub: SlackStub
) -> None:
    request_id, agent_id = open_request(client, container)
    stub.post_failures = ["ratelimited"] * 3
    sent = reply(container, request_id, agent_id, "Hello?")
    assert sent.delivery_state == DeliveryState.FAILED
    assert "ratelimited" in (sent.delivery_error or "")
    assert len(stub.called("chat.postMessage")) == 1 + 3  # the reference, then three tries
    stub.post_failures = ["channel_not_found"]
    refused = reply(container, request_id, agent_id, "Anyone?")
    assert refused.delivery_state == DeliveryState.FAILED
    assert refused.delivery_error == "slack: channel_not_found"
    assert len(stub.called("chat.postMessage")) == 5  # refused for good: not retried


def test_solving_asks_for_a_rating_that_only_the_customer_can_give(
    client: FlaskClient, container: Container, stub: SlackStub
) -> None:
    request_id, agent_id = open_request(client, container)
    with container.uow() as uow:
        change_status(uow, request_id, Status.SOLVED, agent_id=agent_id)
        uow.commit()
    prompt = stub.called("chat.postMessage")[-1]
    assert prompt["thread_ts"] == TOP
    buttons = [e["action_id"] for e in prompt["blocks"][1]["elements"]]
    assert buttons == ["rate_good", "rate_bad"]
    send_interaction(client, block_action(stub, "rate_bad", str(request_id), user="UOUTSIDER"))
    send_interaction(client, block_action(stub, "rate_good", str(request_id), user="UCUST"))
    with container.uow() as uow:
        rating = uow.session.scalars(select(RequestRating)).one()
        assert (rating.score, rating.channel, rating.rater) == (1, "slack", "UCUST")
    answers = [r["text"] for r in stub.called("respond")]
    assert answers == [
        "Only the person who asked can rate this request.",
        "Thank you for your rating!",
    ]


def test_the_owning_rep_gets_a_dm_when_their_customer_opens_a_request(
    client: FlaskClient, container: Container, stub: SlackStub
) -> None:
    with container.uow() as uow:
        agent = uow.session.scalars(select(Agent)).one()
        org = Organization(name="Acme", owner_id=agent.id)
        maria = Customer(name="Maria", organization=org)
        uow.session.add(maria)
        link_identity(uow.session, maria, "email", "maria@customer.example")
        uow.commit()
    # Maria's Slack account links to her CRM record by the email Slack confirms.
    send_event(client, message_event("Invoice is wrong", ts=TOP))
    [opened] = stub.called("conversations.open")
    assert opened["users"] == "UAGENT"
    dm = [p for p in stub.called("chat.postMessage") if p["channel"] == "DUAGENT"]
    assert len(dm) == 1 and "Maria (Acme)" in dm[0]["text"]


def test_notify_rep_dms_once_per_key_for_the_sla_helper(
    container: Container, stub: SlackStub
) -> None:
    with container.uow() as uow:
        agent_id = make_agent(uow, "Alex", email="agent@desk.example").id
        uow.commit()
    for _ in range(2):
        assert notify_rep(container, agent_id, "SR-1001 breached its SLA", f"sla:1001:{agent_id}")
    [dm] = stub.called("chat.postMessage")
    assert (dm["channel"], dm["text"]) == ("DUAGENT", "SR-1001 breached its SLA")
    assert not notify_rep(container, 99999, "nobody", "sla:x")


def test_an_sla_breach_dms_the_customers_rep_once(
    client: FlaskClient, container: Container, stub: SlackStub
) -> None:
    with container.uow() as uow:
        agent = uow.session.scalars(select(Agent)).one()
        maria = Customer(name="Maria", owner_id=agent.id)
        uow.session.add(maria)
        link_identity(uow.session, maria, "email", "maria@customer.example")
        uow.commit()
    send_event(client, message_event("Invoice is wrong", ts=TOP))
    with container.uow() as uow:
        request_id = uow.session.scalars(select(ServiceRequest.id)).one()
    before = len(stub.called("chat.postMessage"))
    for _ in range(2):  # the sweep's retry of the same alert
        notify_rep_of_sla(container, request_id, "first_response", "breach")
    dms = [p for p in stub.called("chat.postMessage")[before:] if p["channel"] == "DUAGENT"]
    assert len(dms) == 1
