"""Socket payloads with numbers no row can have: an answer, never a handler crash."""

from __future__ import annotations

import socketio

from servicedesk.container import Container
from tests.integration.sockets.live import LiveServer
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
