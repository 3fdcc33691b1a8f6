"""Findings of the wave-1 probe (issue 18): lone surrogates, reply length, merge leak,
repeated deflections; each answered clearly instead of crashing or leaking."""

from __future__ import annotations

import io

import socketio
from sqlalchemy import func, select

from channels.webchat import VisitorTokens
from knowledge.models import Article
from servicedesk.container import Container
from servicedesk.desk.accounts import create_agent
from servicedesk.desk.models import Message, ServiceRequest
from servicedesk.desk.operations import REPLY_BY_EMAIL_TAG, merge_requests, post_reply
from servicedesk.sockets.console import REPLY_MAX_CHARS
from tests.integration.desk.test_operations import mail
from tests.integration.sockets.live import LiveServer
from tests.integration.sockets.test_chat_protocol import CHAT, CONSOLE, agent, say, visitor
from tests.integration.sockets.test_widget_hardening import published_articles
from tests.integration.sockets.test_widget_http import PNG, visitor_token, web

LONE = "x\ud800"  # a JSON "\ud800" escape decodes to this lone surrogate


def stored_messages(container: Container) -> int:
    with container.uow() as uow:
        return uow.session.scalar(select(func.count(Message.id))) or 0


def test_lone_surrogates_are_refused_on_every_socket_door(
    live: LiveServer, clients: list[socketio.Client], container: Container
) -> None:
    customer, _ = visitor(live, clients)
    bad = customer.call("message", {"client_id": "c-1", "text": LONE}, namespace=CHAT, timeout=5)
    assert bad == {"error": "a chat message must be valid Unicode text"}
    named = customer.call("identify", {"name": LONE}, namespace=CHAT, timeout=5)
    assert named == {"error": "name and email: not valid Unicode text"}
    request_id = say(customer, "Hello", "c-2")["message"]["request_id"]
    desk, _ = agent(live, clients)
    reply = {"request_id": request_id, "text": LONE}
    assert desk.call("reply", reply, namespace=CONSOLE, timeout=5) == {
        "error": "text: not valid Unicode text"
    }
    assert stored_messages(container) == 1


def test_console_socket_reply_has_the_forms_length_cap(
    live: LiveServer, clients: list[socketio.Client], container: Container
) -> None:
    customer, _ = visitor(live, clients)
    request_id = say(customer, "Hello", "c-1")["message"]["request_id"]
    desk, _ = agent(live, clients)
    huge = {"request_id": request_id, "text": "a" * (REPLY_MAX_CHARS + 1)}
    answer = desk.call("reply", huge, namespace=CONSOLE, timeout=10)
    assert answer == {"error": f"text: a reply is at most {REPLY_MAX_CHARS} characters"}
    assert stored_messages(container) == 1


def test_hello_never_shows_another_customers_merged_messages(
    live: LiveServer, clients: list[socketio.Client], container: Container
) -> None:
    customer, _ = visitor(live, clients)
    chat_request = say(customer, "Where is my parcel?", "c-1")["message"]["request_id"]
    toms = container.intake.receive(mail("tom@example.com", "Tom's card is 4111"), lambda r: r)
    with container.uow() as uow:
        agent_id = create_agent(uow.session, "merger@desk.example", "merger-password").id
        post_reply(uow, toms.result.request_id, agent_id, "Tom, your card is blocked")
        merge_requests(
            uow, toms.result.request_id, chat_request, agent_id=agent_id, confirm_customers=True
        )
        uow.commit()
    seen = customer.call("hello", {"last_id": 0}, namespace=CHAT, timeout=5)["messages"]
    assert [m["text"] for m in seen] == ["Where is my parcel?"]


def test_deflect_refuses_a_lone_surrogate_and_counts_once_per_visitor(
    container: Container,
) -> None:
    public_id, _ = published_articles(container)
    client = web(container)
    tokens = VisitorTokens(container.config.secret_key)
    token = tokens.issue(tokens.new_visitor())
    bad = client.post(
        "/widget/deflect", json={"token": token, "article_id": public_id, "query": LONE}
    )
    assert bad.status_code == 400 and bad.json["error"].startswith("query:")
    for _ in range(3):
        body = {"token": token, "article_id": public_id, "query": "shipping"}
        assert client.post("/widget/deflect", json=body).status_code == 200
    other = tokens.issue(tokens.new_visitor())
    answer = client.post("/widget/deflect", json={"token": other, "article_id": public_id})
    assert answer.status_code == 200
    with container.uow() as uow:
        article = uow.session.get(Article, public_id)
        assert article is not None and article.helpful_count == 2


def test_upload_goes_through_the_door_with_the_live_chat_rules(container: Container) -> None:
    token, request_id = visitor_token(container)
    with container.uow() as uow:
        request = uow.session.get(ServiceRequest, request_id)
        assert request is not None
        request.customer.email = "dana@example.com"  # known address, and nobody is online
        uow.commit()
    files = {"file": (io.BytesIO(PNG), "screen.png"), "token": token, "client_id": "u1"}
    answer = web(container).post("/widget/upload", data=files)
    assert answer.status_code == 200, answer.json
    assert answer.json["message"]["attachments"] == [{"filename": "screen.png", "size": len(PNG)}]
    again = web(container).post(
        "/widget/upload",
        data={"file": (io.BytesIO(PNG), "screen.png"), "token": token, "client_id": "u1"},
    )
    assert again.json["message"]["id"] == answer.json["message"]["id"]  # deduplicated
    with container.uow() as uow:
        request = uow.session.get(ServiceRequest, request_id)
        assert request is not None and REPLY_BY_EMAIL_TAG in request.tags
