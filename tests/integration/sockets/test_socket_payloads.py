"""Socket payloads with numbers no row can have: an answer, never a handler crash."""

from __future__ import annotations

import pytest
import socketio

from servicedesk.container import Container
from servicedesk.sockets.throttle import WRITES_PER_WINDOW
from tests.integration.sockets.conftest import CHAT_ORIGIN
from tests.integration.sockets.live import LiveServer, session_cookie
from tests.integration.sockets.test_chat_protocol import CHAT, CONSOLE, agent, say, visitor

HUGE = 10**20  # past 2**63: SQLite raises OverflowError, psycopg refuses to send it


def test_oversized_ids_in_socket_payloads_are_treated_as_missing(
    live: LiveServer, clients: list[socketio.Client], container: Container
) -> None:
    customer, _ = visitor(live, clients)
    first = say(customer, "Hello?", "c-1")["message"]
    # Out of range means "from the start", like a missing or malformed last_id.
    hello = customer.call("hello", {"last_id": HUGE}, namespace=CHAT, timeout=5)
    assert [m["id"] for m in hello["messages"]] == [first["id"]]
    desk, _ = agent(live, clients)
    synced = desk.call(
        "sync", {"request_id": first["request_id"], "after_id": HUGE}, namespace=CONSOLE, timeout=5
    )
    assert [m["id"] for m in synced["messages"]] == [first["id"]]
    refused = desk.call("sync", {"request_id": HUGE}, namespace=CONSOLE, timeout=5)
    assert refused == {"error": "bad request"}


def test_a_chat_connection_that_floods_is_told_to_slow_down(
    live: LiveServer, clients: list[socketio.Client]
) -> None:
    customer, _ = visitor(live, clients)
    acks = [
        customer.call("message", {"client_id": f"f-{n}", "text": "spam"}, namespace=CHAT)
        for n in range(WRITES_PER_WINDOW + 1)
    ]
    assert all(ack.get("ok") for ack in acks[:WRITES_PER_WINDOW])
    assert acks[-1] == {"error": "too many messages; wait a minute and send again", "retry": True}
    identify = customer.call("identify", {"name": "Spam"}, namespace=CHAT)
    assert identify == {"error": "too many messages; wait a minute and send again"}
    # Another visitor has its own budget.
    other, _ = visitor(live, clients)
    assert say(other, "Hello", "o-1")["ok"]
    # Reconnecting with the same token does not start a new allowance.
    token = customer.call("hello", {}, namespace=CHAT)["token"]
    customer.disconnect()
    again, _ = visitor(live, clients, token)
    resent = again.call("message", {"client_id": "r-1", "text": "spam"}, namespace=CHAT)
    assert resent == {"error": "too many messages; wait a minute and send again", "retry": True}


def test_console_refuses_a_signed_in_agent_from_a_widget_origin(
    live: LiveServer, clients: list[socketio.Client], container: Container
) -> None:
    cookie = session_cookie(live.url, "alex@desk.example")
    hijacker = socketio.Client(reconnection=False)
    clients.append(hijacker)
    with pytest.raises(socketio.exceptions.ConnectionError):
        hijacker.connect(
            live.url,
            namespaces=[CONSOLE],
            headers={"Cookie": cookie, "Origin": CHAT_ORIGIN},
            wait_timeout=5,
        )
    desk = socketio.Client(reconnection=False)
    clients.append(desk)
    desk.connect(
        live.url,
        namespaces=[CONSOLE],
        headers={"Cookie": cookie, "Origin": container.config.base_url},
        wait_timeout=5,
    )
    assert "error" not in desk.call("counts", {}, namespace=CONSOLE, timeout=5)


def test_console_events_with_wrong_types_are_answered_not_crashed(
    live: LiveServer, clients: list[socketio.Client]
) -> None:
    customer, _ = visitor(live, clients)
    request_id = say(customer, "Hello?", "c-1")["message"]["request_id"]
    desk, _ = agent(live, clients)
    presence = desk.call("presence", {"presence": ["online"]}, namespace=CONSOLE, timeout=5)
    assert presence == {"error": "presence: online or away"}
    no_text = desk.call(
        "reply", {"request_id": request_id, "text": 7}, namespace=CONSOLE, timeout=5
    )
    assert no_text == {"error": "text: the reply's text"}
    # An unusable status_after is ignored; the reply itself still goes out.
    sent = desk.call(
        "reply",
        {"request_id": request_id, "text": "On it", "status_after": {"x": 1}},
        namespace=CONSOLE,
        timeout=5,
    )
    assert sent["ok"] and sent["message"]["text"] == "On it"
