"""An email typed into the pre-chat form proves nothing until its link is followed."""

from __future__ import annotations

import re

import requests
import socketio
from sqlalchemy import select

from channels.messages import InboundMessage, Sender
from crm_core.confirmations import EmailConfirmation, confirmation_token
from crm_core.customers import find_identity
from servicedesk.container import Container
from servicedesk.desk.models import ServiceRequest
from servicedesk.desk.operations import REPLY_BY_EMAIL_TAG, post_reply, receive_inbound
from tests.integration.sockets.live import CSRF, LiveServer, session_cookie
from tests.integration.sockets.test_chat_protocol import CHAT, say, visitor

MARIA = "maria@customer.example"


def _marias_request(container: Container) -> tuple[int, str]:
    message = InboundMessage(
        channel="email",
        external_id="maria-1@customer.example",
        sender=Sender("email", MARIA, "Maria Silva"),
        subject="Invoice 2291 is wrong",
        text="Please correct the VAT.",
    )
    with container.uow() as uow:
        result = receive_inbound(uow, message)
        uow.commit()
        customer_id = result.message.request.customer_id
    return customer_id, result.reference


def _request(container: Container, request_id: int) -> tuple[int, list[str]]:
    with container.uow() as uow:
        found = uow.session.get(ServiceRequest, request_id)
        assert found is not None
        return found.customer_id, list(found.tags)


def test_a_visitor_typing_another_customers_email_stays_a_contact_of_their_own(
    live: LiveServer, container: Container, clients: list[socketio.Client]
) -> None:
    maria_id, maria_reference = _marias_request(container)
    customer, _ = visitor(live, clients)
    ack = customer.call("identify", {"email": MARIA}, namespace=CHAT)
    assert ack == {"ok": True, "confirm_email": True}
    request_id = say(customer, "Send me my invoices", "c-1")["message"]["request_id"]

    owner_id, tags = _request(container, request_id)
    assert owner_id != maria_id
    assert REPLY_BY_EMAIL_TAG in tags  # no agent online: by email, but only once confirmed
    with container.uow() as uow:
        reply = post_reply(uow, request_id, 1, "Which invoices?")
        assert reply.channel == "webchat"  # nothing goes to Maria's address
        uow.commit()
    hello = customer.call("hello", {"last_id": 0}, namespace=CHAT)
    assert [m["text"] for m in hello["messages"]] == ["Send me my invoices", "Which invoices?"]
    page = requests.get(
        f"{live.url}/console/requests/{request_id}",
        headers={"Cookie": session_cookie(live.url, "alex@desk.example")},
        timeout=5,
    ).text
    assert maria_reference not in page  # none of Maria's other requests
    assert "Maria Silva" not in page
    assert "not confirmed" in page


def test_following_the_link_links_the_visitor_and_the_chat_to_the_customer(
    live: LiveServer, container: Container, clients: list[socketio.Client]
) -> None:
    maria_id, _ = _marias_request(container)
    customer, _ = visitor(live, clients)
    customer.call("identify", {"name": "Maria", "email": "Maria@Customer.example"}, namespace=CHAT)
    request_id = say(customer, "Hello again", "c-1")["message"]["request_id"]
    visitor_id = customer.call("hello", {}, namespace=CHAT)["visitor_id"]
    with container.uow() as uow:
        claim = uow.session.scalars(select(EmailConfirmation)).one()
        assert claim.address == MARIA
        token = confirmation_token(container.config.secret_key, claim)

    http = requests.Session()
    page = http.get(f"{live.url}/help/confirm/{token}", timeout=5).text
    assert _request(container, request_id)[0] != maria_id  # opening the link is not enough
    csrf = CSRF.search(page)
    assert csrf
    done = http.post(f"{live.url}/help/confirm/{token}", data={"csrf_token": csrf.group(1)})
    assert done.status_code == 200 and "confirmed" in done.text
    assert not re.search(r"SR-\d+", done.text)
    assert _request(container, request_id)[0] == maria_id
    with container.uow() as uow:
        chat_identity = find_identity(uow.session, "webchat", visitor_id)
        assert chat_identity is not None and chat_identity.customer_id == maria_id
    again = http.post(f"{live.url}/help/confirm/{token}", data={"csrf_token": csrf.group(1)})
    assert again.status_code == 400 and "already used" in again.text
