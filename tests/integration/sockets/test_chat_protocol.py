"""The /chat and /console protocol over real sockets: both ways, replay, dedupe, authorisation."""

from __future__ import annotations

import pytest
import socketio
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from servicedesk.container import Container
from servicedesk.desk import door
from servicedesk.desk.models import Agent, Message, Presence
from servicedesk.sockets import chat as chat_sockets
from tests.integration.sockets.conftest import CHAT_ORIGIN
from tests.integration.sockets.live import LiveServer, Recorder, session_cookie

CHAT = "/chat"
CONSOLE = "/console"


def visitor(
    live: LiveServer, clients: list[socketio.Client], token: str | None = None
) -> tuple[socketio.Client, Recorder]:
    client, recorder = socketio.Client(), Recorder()
    recorder.attach(client, CHAT, ["message.created", "chat.message", "agent.typing", "agent.read"])
    client.connect(
        live.url, namespaces=[CHAT], headers={"Origin": CHAT_ORIGIN}, auth={"token": token}
    )
    clients.append(client)
    return client, recorder


def agent(
    live: LiveServer, clients: list[socketio.Client], email: str = "alex@desk.example"
) -> tuple[socketio.Client, Recorder]:
    client, recorder = socketio.Client(), Recorder()
    names = [
        "inbox.changed",
        "request.changed",
        "message.created",
        "customer.typing",
        "viewers",
        "typing",
    ]
    recorder.attach(client, CONSOLE, [*names, "presence", "customer.read"])
    cookie = session_cookie(live.url, email)
    client.connect(live.url, namespaces=[CONSOLE], headers={"Cookie": cookie})
    clients.append(client)
    return client, recorder


def say(client: socketio.Client, text: str, client_id: str) -> dict:  # type: ignore[type-arg]
    ack = client.call("message", {"client_id": client_id, "text": text}, namespace=CHAT)
    assert ack.get("ok"), ack
    return ack  # type: ignore[no-any-return]


def test_conversation_both_ways_with_typing_and_gap_replay(
    live: LiveServer, clients: list[socketio.Client]
) -> None:
    desk, desk_events = agent(live, clients)
    customer, customer_events = visitor(live, clients)
    hello = customer.call("hello", {"last_id": 0}, namespace=CHAT)
    assert hello["agents_online"] == 1 and hello["messages"] == []

    first = say(customer, "My parcel never arrived", "c-1")["message"]
    request_id = first["request_id"]
    desk_events.wait_for("inbox.changed", lambda d: request_id in d["request_ids"])
    desk.call("view", {"request_id": request_id}, namespace=CONSOLE)
    customer.emit("typing", {"typing": True}, namespace=CHAT)
    assert desk_events.wait_for("customer.typing")["typing"] is True

    desk.emit("typing", {"request_id": request_id, "typing": True, "reply": True}, CONSOLE)
    assert customer_events.wait_for("agent.typing")["name"] == "Alex Agent"
    ack = desk.call(
        "reply",
        {
            "request_id": request_id,
            "text": "Sorry! Sending a new one.",
            "seen_message_id": first["id"],
        },
        namespace=CONSOLE,
    )
    assert ack["ok"], ack
    pushed = customer_events.wait_for("chat.message")
    assert pushed["text"] == "Sorry! Sending a new one." and pushed["author"] == "Alex Agent"

    # A client that missed everything after its first message gets exactly the gap from SQL.
    gap = customer.call("hello", {"last_id": first["id"]}, namespace=CHAT)["messages"]
    assert [(m["direction"], m["text"]) for m in gap] == [("outbound", "Sorry! Sending a new one.")]

    desk.emit("read", {"request_id": request_id, "message_id": first["id"]}, CONSOLE)
    assert customer_events.wait_for("agent.read")["message_id"] == first["id"]


def test_reload_with_token_finds_the_conversation_and_resend_is_deduplicated(
    live: LiveServer, clients: list[socketio.Client], container: Container
) -> None:
    customer, _ = visitor(live, clients)
    token = customer.call("hello", {}, namespace=CHAT)["token"]
    first = say(customer, "Where is my invoice?", "c-1")["message"]
    customer.disconnect()

    again, _ = visitor(live, clients, token)
    history = again.call("hello", {"last_id": 0}, namespace=CHAT)["messages"]
    assert [m["id"] for m in history] == [first["id"]]
    # The offline queue resends after reconnect: same client id, stored once.
    resent = say(again, "Where is my invoice?", "c-1")
    assert resent["duplicate"] is True and resent["message"]["id"] == first["id"]
    with container.uow() as uow:
        assert uow.session.scalar(select(func.count(Message.id))) == 1


def test_a_locked_database_answers_busy_and_the_resend_is_stored_once(
    live: LiveServer,
    clients: list[socketio.Client],
    container: Container,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    customer, _ = visitor(live, clients)

    def locked(*args: object, **kwargs: object) -> object:
        raise OperationalError("INSERT", {}, Exception("database is locked"))

    with monkeypatch.context() as patched:  # locked through every retry
        patched.setattr(door, "receive_inbound", locked)
        busy = customer.call("message", {"client_id": "c-1", "text": "Hello?"}, namespace=CHAT)
    assert busy == {"error": chat_sockets.BUSY, "retry": True}
    stored = say(customer, "Hello?", "c-1")  # the widget's outbox sends it again
    assert stored["duplicate"] is False
    with container.uow() as uow:
        assert uow.session.scalar(select(func.count(Message.id))) == 1


def test_visitor_only_sees_own_conversation(
    live: LiveServer, clients: list[socketio.Client]
) -> None:
    desk, _ = agent(live, clients)
    alice, _ = visitor(live, clients)
    alice_message = say(alice, "Alice's private question", "a-1")["message"]
    bob, bob_events = visitor(live, clients)
    assert bob.call("hello", {"last_id": 0}, namespace=CHAT)["messages"] == []
    desk.call(
        "reply",
        {"request_id": alice_message["request_id"], "text": "For Alice only"},
        namespace=CONSOLE,
    )
    alice_sees = alice.call("hello", {"last_id": 0}, namespace=CHAT)["messages"]
    assert [m["text"] for m in alice_sees] == ["Alice's private question", "For Alice only"]
    assert bob_events.names() == []
    # A visitor cannot pick a conversation: a tampered token is refused outright.
    token = alice.call("hello", {}, namespace=CHAT)["token"]
    with pytest.raises(socketio.exceptions.ConnectionError):
        visitor(live, clients, token[:-2] + ("AA" if token[-2:] != "AA" else "BB"))


def test_agent_socket_without_session_is_refused(
    live: LiveServer, clients: list[socketio.Client]
) -> None:
    client = socketio.Client()
    clients.append(client)
    with pytest.raises(socketio.exceptions.ConnectionError):
        client.connect(live.url, namespaces=[CONSOLE], wait_timeout=3)


def test_handshake_from_an_unlisted_origin_is_refused(
    live: LiveServer, clients: list[socketio.Client]
) -> None:
    client = socketio.Client()
    clients.append(client)
    with pytest.raises(socketio.exceptions.ConnectionError):
        client.connect(
            live.url, namespaces=[CHAT], headers={"Origin": "http://evil.example"}, wait_timeout=3
        )


def test_stale_reply_is_held_and_returns_the_newer_message(
    live: LiveServer, clients: list[socketio.Client]
) -> None:
    desk, _ = agent(live, clients)
    customer, _ = visitor(live, clients)
    first = say(customer, "Hello?", "c-1")["message"]
    second = say(customer, "Actually it is urgent", "c-2")["message"]
    held = desk.call(
        "reply",
        {"request_id": first["request_id"], "text": "Hi!", "seen_message_id": first["id"]},
        namespace=CONSOLE,
    )
    assert held["stale"] == [second["id"]]
    assert [m["text"] for m in held["messages"]] == ["Actually it is urgent"]


def test_presence_and_viewers_follow_connections(
    live: LiveServer, clients: list[socketio.Client], container: Container
) -> None:
    alex, alex_events = agent(live, clients)
    blair, _ = agent(live, clients, "blair@desk.example")
    customer, _ = visitor(live, clients)
    request_id = say(customer, "Two agents, one request", "c-1")["message"]["request_id"]
    alex.call("view", {"request_id": request_id}, namespace=CONSOLE)
    viewers = blair.call("view", {"request_id": request_id}, namespace=CONSOLE)["viewers"]
    assert [v["name"] for v in viewers] == ["Alex Agent", "Blair Agent"]
    blair.emit("typing", {"request_id": request_id, "typing": True}, CONSOLE)
    assert alex_events.wait_for("typing")["name"] == "Blair Agent"

    assert blair.call("presence", {"presence": "away"}, namespace=CONSOLE) == {"ok": True}
    alex_events.wait_for("presence", lambda d: d["presence"] == "away")
    blair.disconnect()
    alex_events.wait_for("presence", lambda d: d["presence"] == "offline")
    left = alex_events.wait_for("viewers", lambda d: len(d["viewers"]) == 1)
    assert left["viewers"][0]["name"] == "Alex Agent"
    with container.uow() as uow:
        states = {a.name: a.presence for a in uow.session.scalars(select(Agent))}
    assert states == {"Alex Agent": Presence.ONLINE, "Blair Agent": Presence.OFFLINE}
